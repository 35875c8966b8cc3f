// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * from_node's cost per packet under BPF_PROG_TEST_RUN, printed, never
 * asserted. Skipped unless NSBPF_BENCH=1; NSBPF_BENCH_N sets the number of
 * runs (default 200000). Run it alone:
 *
 *   NSBPF_BENCH=1 unshare --net .output/selftests/selftests --filter 'bench/from_node*'
 *
 * Every run is its own BPF_PROG_TEST_RUN with repeat = 1: with repeat > 1
 * the kernel reruns the program on the skb the previous round rewrote, which
 * would then be a spoofed frame (its source MAC is now a host end's). A
 * fresh skb is built from the same input bytes for each call. "prog" is the
 * kernel's own measure of the program run (test_run duration), "syscall"
 * the wall clock of the whole call, skb setup included. "prog" still holds
 * the test_run timer's own cost: the floor row (to_node, which only counts)
 * shows it. The object is loaded as the loader loads it
 * (nsb_trace_enabled = 0).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "harness.h"
#include "lab.h"

#define UDP4(dmac, smac, s, d)							\
	.kind = FR_IPV4, .dst = (dmac), .src = (smac), .saddr = (s), .daddr = (d)

struct bench_case {
	const char *name;
	bool to_node;			/* the floor: a program that only counts */
	uint32_t ingress;
	struct frame f;
	uint32_t verdict;
	uint32_t slot;
};

static const struct bench_case cases[] = {
	{ "floor: to_node (count, pass)", true, 0,
	  { UDP4(earth_mac, earth_host, PLANET_GW, EARTH_IP), .payload_len = 64 },
	  TC_ACT_OK, NSB_PATH_HOST_TO_NODE },
	{ "node_to_node, same network", false, EARTH_IF,
	  { UDP4(earth_host, earth_mac, EARTH_IP, NEPTUNE_IP), .payload_len = 64 },
	  TC_ACT_REDIRECT, NSB_PATH_NODE_TO_NODE },
	{ "node_to_node, across networks (TTL, csum)", false, EARTH_IF,
	  { UDP4(earth_host, earth_mac, EARTH_IP, MARS_IP), .payload_len = 64 },
	  TC_ACT_REDIRECT, NSB_PATH_NODE_TO_NODE },
	{ "to_host, outside world (networks scan)", false, EARTH_IF,
	  { UDP4(earth_host, earth_mac, EARTH_IP, OUTSIDE_IP), .payload_len = 64 },
	  TC_ACT_OK, NSB_PATH_TO_HOST },
	{ "arp_reply", false, EARTH_IF,
	  { .kind = FR_ARP, .dst = bcast_mac, .src = earth_mac, .op = 1, .sha = earth_mac,
	    .spa = EARTH_IP, .tpa = PLANET_GW },
	  TC_ACT_REDIRECT, NSB_PATH_ARP_REPLY },
};

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

Test(bench, from_node_ns_per_packet)
{
	const char *bench = getenv("NSBPF_BENCH"), *n_env = getenv("NSBPF_BENCH_N");
	long n = n_env ? strtol(n_env, NULL, 10) : 200000;
	struct nsb_counter stats[NSB_STAT_MAX];
	struct st_env env;

	if (!bench || strcmp(bench, "1"))
		cr_skip_test("a benchmark: set NSBPF_BENCH=1 to run it");
	cr_assert(n > 0, "NSBPF_BENCH_N must be a positive number");
	st_setup(&env, false);
	fprintf(stderr, "node object, BPF_PROG_TEST_RUN, repeat=1, %ld runs each, mean:\n", n);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bench_case *c = &cases[i];
		unsigned long long prog_ns = 0;
		struct st_result r;
		struct pkt p;
		double t0;

		st_case = c->name;
		cr_assert(frame_build(&c->f, &p), "%s: build frame", c->name);
		int fd = c->to_node ? env.to_node_fd : env.from_node_fd;

		for (int w = 0; w < 1000; w++)	/* warm caches and the map */
			st_run(&env, fd, &p, c->ingress, &r);
		st_stats(&env, stats);
		uint64_t before = stats[c->slot].packets;

		/* the bare call: no trace reset, no copy-out, unlike st_run() */
		struct __sk_buff ctx = { .ingress_ifindex = c->ingress };
		struct bpf_test_run_opts opts = {
			.sz = sizeof(opts),
			.data_in = p.buf,
			.data_size_in = (__u32)p.len,
			.ctx_in = &ctx,
			.ctx_size_in = sizeof(ctx),
			.repeat = 1,
		};
		int err = 0;

		t0 = now_ns();
		for (long k = 0; k < n; k++) {
			err = bpf_prog_test_run_opts(fd, &opts);
			if (err || opts.retval != c->verdict)
				break;
			prog_ns += opts.duration;
		}
		double wall = (now_ns() - t0) / n;

		ASSERT_EQ(err, 0, "BPF_PROG_TEST_RUN");
		ASSERT_EQ(opts.retval, c->verdict, "verdict");
		st_stats(&env, stats);
		ASSERT_EQ(stats[c->slot].packets - before, n, st_slot_name(c->slot));
		fprintf(stderr, "  %-42s prog %6.1f ns/packet   syscall %7.1f ns (%zu bytes)\n",
			c->name, (double)prog_ns / n, wall, p.len);
	}
	st_close(&env);
}
