// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * IPv6 rows of the datapath's cost per packet (bench_prog.c's method and
 * line format, so bench/prog.sh picks them up): from_node in lab_dual, IPv6
 * node to node within and across networks, and a neighbour solicitation
 * answered in BPF. Skipped unless NSBPF_BENCH=1; NSBPF_BENCH_N and
 * NSBPF_BENCH_CASE as there. A tree without IPv6 has no such file: the
 * rows have no baseline there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "labs.h"
#include "frame6.h"
#include "node.skel.h"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

static const uint8_t earth6[16] = IP6(0x200, 0x11), neptune6[16] = IP6(0x200, 0x12);
static const uint8_t mars6[16] = IP6(0x201, 0x21), gw6[16] = IP6(0x200, 1);
static const uint8_t snm_gw6[16] = { 0xff, 0x02, [11] = 1, 0xff, 0, 0, 1 };
static const uint8_t snm_mac[6] = { 0x33, 0x33, 0xff, 0, 0, 1 };

struct bench6_case {
	const char *name;
	struct frame6 f;
	uint32_t verdict, slot;
};

/* clang-format off */
static const struct bench6_case cases[] = {
	{ "ipv6 node_to_node, same network",
	  { .dst = earth_host, .src = earth_mac, .saddr = earth6, .daddr = neptune6,
	    .payload_len = 44 }, TC_ACT_REDIRECT, NSB_PATH_NODE_TO_NODE },
	{ "ipv6 node_to_node, across networks (hop limit)",
	  { .dst = earth_host, .src = earth_mac, .saddr = earth6, .daddr = mars6,
	    .payload_len = 44 }, TC_ACT_REDIRECT, NSB_PATH_NODE_TO_NODE },
	{ "ipv6 ndp_reply (NS for the gateway6)",
	  { .dst = snm_mac, .src = earth_mac, .saddr = earth6, .daddr = snm_gw6, .hop = 255,
	    .proto = 58, .icmp_type = ND_NS, .target = gw6, .opt = { { 1, 1, earth_mac } } },
	  TC_ACT_REDIRECT, NSB_PATH_NDP_REPLY },
};
/* clang-format on */

Test(bench, ipv6_ns_per_packet)
{
	const char *bench = getenv("NSBPF_BENCH"), *n_env = getenv("NSBPF_BENCH_N");
	const char *only = getenv("NSBPF_BENCH_CASE");
	long n = n_env ? strtol(n_env, NULL, 10) : 200000;
	struct st_env env;

	if (!bench || strcmp(bench, "1"))
		cr_skip_test("a benchmark: set NSBPF_BENCH=1 to run it");
	cr_assert(n > 0, "NSBPF_BENCH_N must be a positive number");
	st_setup(&env, false);
	cr_assert(!test_lab_install(&lab_dual, env.endpoints_fd, env.networks_fd), "install");
	cr_assert(!test_lab_install6(&lab_dual, bpf_map__fd(env.skel->maps.networks6),
				     bpf_map__fd(env.skel->maps.endpoints6),
				     bpf_map__fd(env.skel->maps.ifaces6)),
		  "install IPv6");
	st_addr_filter(&env);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bench6_case *c = &cases[i];
		struct pkt p;

		if (only && !strstr(c->name, only))
			continue;
		st_case = c->name;
		cr_assert(frame6_build(&c->f, &p), "build");
		st_bench_row(&env, env.from_node_fd, &p, EARTH_IF, (int32_t)c->verdict, c->slot, n);
	}
	st_close(&env);
}
