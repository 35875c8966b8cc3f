// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Hairpin over IPv6's rows of the datapath's cost per packet (bench_prog.c's
 * method and line format, so bench/prog.sh picks them up): mars to
 * [uplink6]:6000, a forward to earth:8080, as a new flow (each run's two
 * ct6 entries and claim deleted again outside the timing, as bench_prog.c's
 * reset does for IPv4's "hairpin: SYN to uplink:6000, new flow") and as a
 * data segment of an established one, and the host's own TCP to a gateway6
 * (what hairpin6 costs a packet that is no hairpin's). lab_dual, the
 * selftests' uplink veth. Skipped unless
 * NSBPF_BENCH=1; NSBPF_BENCH_N and NSBPF_BENCH_CASE as there.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "labs.h"
#include "nat66_frame.h"
#include "node.skel.h"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

static const uint8_t earth6[16] = IP6(0x200, 0x11), mars6[16] = IP6(0x201, 0x21);
static const uint8_t planet_gw6[16] = IP6(0x200, 1), moon_gw6[16] = IP6(0x201, 1);
static const uint8_t uplink6_b[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x01, 0x13, [15] = 2 };

#define NAT_PORT 61234 /* mars's own port, in the SNAT range: the gateway6's port P too */

/* mars:61234 -> [uplink6]:6000 */
#define H_MARS(fl)                                                                             \
	.kind = F6_TCP, .dst = mars_host, .src = mars_mac, .saddr = mars6, .daddr = uplink6_b, \
	.sport = NAT_PORT, .dport = 6000, .flags = (fl)

static void install(struct st_env *env, uint32_t uplink)
{
	struct nsb_config cfg = {
		.layout = NSB_LAYOUT_VERSION,
		.uplink_ifindex = uplink,
		.uplink_addr = htonl(UPLINK_IP),
	};
	struct nsb_fwd6_key k = { .port = htons(6000), .proto = 6 };
	struct nsb_fwd6_val v = { .v = { .node_port = htons(8080),
					 .first_port = htons(6000),
					 .count = 1,
					 .ifindex = EARTH_IF } };
	__u32 zero = 0, word = NSB_FWD_PORT_WORD(6, 6000, false);
	__u64 bits = 1ULL << (6000 % 64);

	cr_assert(!test_lab_install(&lab_dual, env->endpoints_fd, env->networks_fd), "install");
	cr_assert(!test_lab_install6(&lab_dual, bpf_map__fd(env->skel->maps.networks6),
				     bpf_map__fd(env->skel->maps.endpoints6),
				     bpf_map__fd(env->skel->maps.ifaces6)),
		  "install IPv6");
	st_addr_filter(env);
	memcpy(cfg.uplink_addr6, uplink6_b, 16);
	cr_assert(!bpf_map_update_elem(env->config_fd, &zero, &cfg, BPF_ANY), "config");
	memcpy(v.node_addr, earth6, 16);
	cr_assert(!bpf_map_update_elem(bpf_map__fd(env->skel->maps.forwards6), &k, &v, BPF_ANY),
		  "forwards6");
	cr_assert(!bpf_map_update_elem(env->fwd_ports_fd, &word, &bits, BPF_ANY), "fwd_ports");
}

static void ct6_key(struct nsb_ct6_key *k, const uint8_t *s, uint16_t sp, const uint8_t *d,
		    uint16_t dp)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->saddr, s, 16);
	memcpy(k->daddr, d, 16);
	k->sport = htons(sp);
	k->dport = htons(dp);
	k->proto = 6;
}

/* The flow mars:61234 -> [uplink6]:6000 gone: both entries and the claim. */
static void reset_flow(const struct st_env *env)
{
	int ct6 = bpf_map__fd(env->skel->maps.ct6), nat6 = bpf_map__fd(env->skel->maps.nat_ports6);
	struct nsb_nat6_key nk = { .nat_port = htons(NAT_PORT),
				   .remote_port = htons(8080),
				   .proto = 6 };
	struct nsb_ct6_key k;

	ct6_key(&k, mars6, NAT_PORT, uplink6_b, 6000);
	bpf_map_delete_elem(ct6, &k);
	ct6_key(&k, earth6, 8080, planet_gw6, NAT_PORT);
	bpf_map_delete_elem(ct6, &k);
	memcpy(nk.nat_addr, planet_gw6, 16);
	memcpy(nk.remote_addr, earth6, 16);
	bpf_map_delete_elem(nat6, &nk);
}

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

/* The new-flow row: p (a SYN) n times, the flow deleted after each run, outside the timing. */
static void bench_new_flow(struct st_env *env, const struct pkt *p, long n)
{
	struct __sk_buff ctx = { .ingress_ifindex = MARS_IF };
	struct bpf_test_run_opts opts = {
		.sz = sizeof(opts),
		.data_in = p->buf,
		.data_size_in = (__u32)p->len,
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
		.repeat = 1,
	};
	struct nsb_counter before[NSB_STAT_MAX], after[NSB_STAT_MAX];
	unsigned long long prog_ns = 0;
	double wall = 0, t1;
	int err = 0;

	for (int w = 0; w < 1000; w++) {
		bpf_prog_test_run_opts(env->from_node_fd, &opts);
		reset_flow(env);
	}
	st_stats(env, before);
	for (long k = 0; k < n; k++) {
		t1 = now_ns();
		err = bpf_prog_test_run_opts(env->from_node_fd, &opts);
		if (err || (int32_t)opts.retval != TC_ACT_REDIRECT)
			break;
		prog_ns += opts.duration;
		wall += now_ns() - t1;
		reset_flow(env);
	}
	st_stats(env, after);
	if (!ASSERT_EQ(err, 0, "BPF_PROG_TEST_RUN") ||
	    !ASSERT_EQ((int32_t)opts.retval, TC_ACT_REDIRECT, "verdict") ||
	    !ASSERT_EQ(after[NSB_PATH_HAIRPIN].packets - before[NSB_PATH_HAIRPIN].packets, n,
		       "hairpin"))
		return; /* no row: what ran was not the path the row names */
	fprintf(stderr, "  %-48s prog %6.1f ns/packet   syscall %7.1f ns (%zu bytes)\n", st_case,
		(double)prog_ns / n, wall / n, p->len);
}

Test(bench, hairpin6_ns_per_packet)
{
	const char *bench = getenv("NSBPF_BENCH"), *n_env = getenv("NSBPF_BENCH_N");
	const char *only = getenv("NSBPF_BENCH_CASE");
	long n = n_env ? strtol(n_env, NULL, 10) : 200000;
	const struct f6 syn = { H_MARS(TCPF_SYN) };
	const struct f6 synack = { .kind = F6_TCP,
				   .dst = earth_host,
				   .src = earth_mac,
				   .saddr = earth6,
				   .daddr = planet_gw6,
				   .sport = 8080,
				   .dport = NAT_PORT,
				   .flags = TCPF_SYN | TCPF_ACK };
	const struct f6 ack = { H_MARS(TCPF_ACK) };
	const struct f6 data = { H_MARS(TCPF_ACK | TCPF_PSH), .payload_len = 64 };
	const struct f6 host = { .kind = F6_TCP,
				 .dst = mars_host,
				 .src = mars_mac,
				 .saddr = mars6,
				 .daddr = moon_gw6,
				 .sport = 40000,
				 .dport = 22,
				 .flags = TCPF_ACK | TCPF_PSH,
				 .payload_len = 64 };
	struct st_result r;
	struct st_env env;
	struct pkt p;

	if (!bench || strcmp(bench, "1"))
		cr_skip_test("a benchmark: set NSBPF_BENCH=1 to run it");
	cr_assert(n > 0, "NSBPF_BENCH_N must be a positive number");
	st_setup(&env, false);
	install(&env, (uint32_t)st_uplink());

	st_case = "hairpin6: SYN to [uplink6]:6000, new flow";
	if (!only || strstr(st_case, only)) {
		cr_assert(f6_build(&syn, &p), "build");
		bench_new_flow(&env, &p, n);
		reset_flow(&env);
	}
	st_case = "hairpin6: data, established";
	if (!only || strstr(st_case, only)) {
		const struct f6 *hs[] = { &syn, &synack, &ack };
		const uint32_t from[] = { MARS_IF, EARTH_IF, MARS_IF };
		bool ok = true;

		for (int i = 0; ok && i < 3; i++) {
			cr_assert(f6_build(hs[i], &p), "build");
			st_run(&env, env.from_node_fd, &p, from[i], &r);
			ok = ASSERT_EQ((int32_t)r.retval, TC_ACT_REDIRECT, "handshake");
		}
		cr_assert(f6_build(&data, &p), "build");
		if (ok)
			st_bench_row(&env, env.from_node_fd, &p, MARS_IF, TC_ACT_REDIRECT,
				     NSB_PATH_HAIRPIN, n);
	}
	st_case = "hairpin6: to_host, the host's TCP to a gateway6";
	if (!only || strstr(st_case, only)) {
		cr_assert(f6_build(&host, &p), "build");
		st_bench_row(&env, env.from_node_fd, &p, MARS_IF, TC_ACT_UNSPEC, NSB_PATH_TO_HOST,
			     n);
	}
	st_close(&env);
}
