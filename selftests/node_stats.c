// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The stats map as `nsbpf stats` will read it: a mixed run of frames through
 * from_node and to_node, then every slot compared with the packets and bytes
 * expected of it, summed over the CPUs; untouched slots must stay zero. The
 * object is loaded as the loader loads it (nsb_trace_enabled = 0), so this
 * also checks that the trace map is then never written.
 */
#include <string.h>

#include "harness.h"
#include "labs.h"

#define UDP4(dmac, smac, s, d) \
	.kind = FR_IPV4, .dst = (dmac), .src = (smac), .saddr = (s), .daddr = (d)
#define SENT(node, s, d) UDP4(node##_host, node##_mac, s, d)

struct stats_step {
	bool to_node;
	uint32_t ingress;
	struct frame f;
	int times;
	uint32_t slot;
};

/* clang-format off */
static const struct stats_step steps[] = {
	{ false, EARTH_IF, { SENT(earth, EARTH_IP, NEPTUNE_IP) }, 2,
	  NSB_PATH_NODE_TO_NODE },
	{ false, EARTH_IF, { SENT(earth, EARTH_IP, NEPTUNE_IP), .payload_len = 200 }, 1,
	  NSB_PATH_NODE_TO_NODE },
	{ false, MARS_IF, { SENT(mars, MARS_IP, EARTH_IP), .payload_len = 1 }, 1,
	  NSB_PATH_NODE_TO_NODE },
	{ false, EARTH_IF, { .kind = FR_ARP, .dst = bcast_mac, .src = earth_mac, .op = 1,
			     .sha = earth_mac, .spa = EARTH_IP, .tpa = PLANET_GW }, 2,
	  NSB_PATH_ARP_REPLY },
	{ false, EARTH_IF, { SENT(earth, EARTH_IP, PLANET_GW), .payload_len = 64 }, 1,
	  NSB_PATH_TO_HOST },
	{ false, EARTH_IF, { .kind = FR_IPV6, .dst = earth_host, .src = earth_mac }, 1,
	  NSB_PATH_IPV6_PASS },
	{ false, EARTH_IF, { SENT(earth, STRANGER_IP, PLANET_GW) }, 2,
	  NSB_STAT_DROP_BASE + NSB_DROP_SPOOF_IP },
	{ false, EARTH_IF, { SENT(earth, EARTH_IP, PLUTO_IP), .payload_len = 3 }, 1,
	  NSB_STAT_DROP_BASE + NSB_DROP_ISOLATED },
	{ true, 0, { UDP4(earth_mac, earth_host, PLANET_GW, EARTH_IP), .payload_len = 99 }, 3,
	  NSB_PATH_HOST_TO_NODE },
};
/* clang-format on */

Test(stats, packets_and_bytes_per_path)
{
	struct nsb_counter want[NSB_STAT_MAX], got[NSB_STAT_MAX];
	struct nsb_trace trace, none = {};
	struct st_env env;
	__u32 zero = 0;

	memset(want, 0, sizeof(want));
	st_setup(&env, false);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		const struct stats_step *s = &steps[i];
		struct st_result r;
		struct pkt p;

		st_case = st_slot_name(s->slot);
		cr_assert(frame_build(&s->f, &p), "%s: build frame", st_case);
		for (int n = 0; n < s->times; n++) {
			int fd = s->to_node ? env.to_node_fd : env.from_node_fd;

			st_run(&env, fd, &p, s->ingress, &r);
			ASSERT_EQ(r.err, 0, "BPF_PROG_TEST_RUN");
			want[s->slot].packets++;
			want[s->slot].bytes += p.len;
		}
	}
	st_stats(&env, got);
	for (uint32_t slot = 0; slot < NSB_STAT_MAX; slot++) {
		st_case = st_slot_name(slot);
		ASSERT_EQ(got[slot].packets, want[slot].packets, "packets");
		ASSERT_EQ(got[slot].bytes, want[slot].bytes, "bytes");
		if (got[slot].packets)
			cr_log_info("stats %-18s %3llu packets %6llu bytes", st_slot_name(slot),
				    (unsigned long long)got[slot].packets,
				    (unsigned long long)got[slot].bytes);
	}
	st_case = "trace disabled";
	cr_assert(!bpf_map_lookup_elem(env.trace_fd, &zero, &trace), "read trace");
	ASSERT_TRUE(!memcmp(&trace, &none, sizeof(trace)), "trace map never written");
	st_close(&env);
}
