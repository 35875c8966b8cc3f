// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * from_node's and from_uplink's cost per packet under BPF_PROG_TEST_RUN,
 * printed, never asserted. Skipped unless NSBPF_BENCH=1; NSBPF_BENCH_N sets
 * the number of runs (default 200000). Run it alone:
 *
 *   NSBPF_BENCH=1 unshare --net .output/selftests/selftests --filter 'bench/ns_per_packet'
 *
 * Every run is its own BPF_PROG_TEST_RUN with repeat = 1: with repeat > 1
 * the kernel reruns the program on the skb the previous round rewrote, which
 * would then be a spoofed frame (its source MAC is now a host end's). A
 * fresh skb is built from the same input bytes for each call. "prog" is the
 * kernel's own measure of the program run (test_run duration), "syscall"
 * the wall clock of the whole call, skb setup included. "prog" still holds
 * the test_run timer's own cost: the floor row (to_node, which only counts)
 * shows it. The objects are loaded as the loader loads them
 * (nsb_trace_enabled = 0), in lab_masq with an uplink (a veth in the
 * private netns). A masquerade row first sends its setup frame through
 * from_node, so the flow exists (the ct hit is what is measured); SNAT
 * rewrites a fresh copy every run, so it is never re-translated.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "harness.h"
#include "lab.h"

/* rows name what differs from a frame macro; the optional fields stay unnamed */
#pragma GCC diagnostic ignored "-Woverride-init"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define UDP4(dmac, smac, s, d)							\
	.kind = FR_IPV4, .dst = (dmac), .src = (smac), .saddr = (s), .daddr = (d)

enum bench_hook { B_FROM_NODE, B_TO_NODE, B_FROM_UPLINK };

#define NOT_COUNTED	UINT32_MAX
#define UPLINK_IF	UINT32_MAX

/* what a "new flow" row's run leaves behind, deleted after each (host order) */
struct bench_reset {
	struct { uint32_t saddr, daddr, sport, dport; } ct[2];
	struct { uint32_t nat_addr, remote_addr, nat_port, remote_port; } natp;
};

struct bench_case {
	const char *name;
	enum bench_hook hook;
	uint32_t ingress;		/* UPLINK_IF: the uplink */
	struct frame f;
	uint32_t verdict;
	uint32_t slot;			/* NOT_COUNTED: the host's traffic at from_uplink */
	struct frame setup;		/* sent first; FR_NONE: nothing */
	enum bench_hook setup_hook;	/* B_FROM_NODE (from EARTH_IF, or setup_ingress) */
	uint32_t setup_ingress;
	const struct bench_reset *reset;	/* a new flow each run (TCP entries) */
};

#define TCP_OUT(sp)	.kind = FR_TCP4, .dst = earth_host, .src = earth_mac,		\
			.saddr = EARTH_IP, .daddr = REMOTE_IP, .sport = (sp), .dport = 80,	\
			.tcp_flags = TCPF_ACK, .payload_len = 64
#define TCP_IN(dp)	.kind = FR_TCP4, .dst = uplink_mac, .src = router_mac,		\
			.saddr = REMOTE_IP, .daddr = UPLINK_IP, .sport = 80, .dport = (dp),	\
			.tcp_flags = TCPF_ACK, .payload_len = 64

/* port forwards: the world to uplink:6000 (earth:8080), mars to it (hairpin) */
#define FWD_SYN		.kind = FR_TCP4, .dst = uplink_mac, .src = router_mac,		\
			.saddr = REMOTE_IP, .daddr = UPLINK_IP, .sport = 40000, .dport = 6000,	\
			.tcp_flags = TCPF_SYN
#define FWD_IN		FWD_SYN, .tcp_flags = TCPF_ACK, .payload_len = 64
#define FWD_REPLY	.kind = FR_TCP4, .dst = earth_host, .src = earth_mac,		\
			.saddr = EARTH_IP, .daddr = REMOTE_IP, .sport = 8080, .dport = 40000,	\
			.tcp_flags = TCPF_ACK, .payload_len = 64
#define HP_SYN		.kind = FR_TCP4, .dst = mars_host, .src = mars_mac,		\
			.saddr = MARS_IP, .daddr = UPLINK_IP, .sport = 61234, .dport = 6000,	\
			.tcp_flags = TCPF_SYN
#define HP_DATA		HP_SYN, .tcp_flags = TCPF_ACK, .payload_len = 64

static const struct bench_reset dnat_reset = {
	.ct = { { EARTH_IP, REMOTE_IP, 8080, 40000 } },
	.natp = { UPLINK_IP, REMOTE_IP, 6000, 40000 },
};

static const struct bench_reset hairpin_reset = {
	.ct = { { MARS_IP, UPLINK_IP, 61234, 6000 }, { EARTH_IP, PLANET_GW, 8080, 61234 } },
	.natp = { PLANET_GW, EARTH_IP, 61234, 8080 },
};

static const struct bench_case cases[] = {
	{ "floor: to_node (count, pass)", B_TO_NODE, 0,
	  { UDP4(earth_mac, earth_host, PLANET_GW, EARTH_IP), .payload_len = 64 },
	  TC_ACT_OK, NSB_PATH_HOST_TO_NODE, { FR_NONE } },
	{ "node_to_node, same network", B_FROM_NODE, EARTH_IF,
	  { UDP4(earth_host, earth_mac, EARTH_IP, NEPTUNE_IP), .payload_len = 64 },
	  TC_ACT_REDIRECT, NSB_PATH_NODE_TO_NODE, { FR_NONE } },
	{ "node_to_node, across networks (TTL, csum)", B_FROM_NODE, EARTH_IF,
	  { UDP4(earth_host, earth_mac, EARTH_IP, MARS_IP), .payload_len = 64 },
	  TC_ACT_REDIRECT, NSB_PATH_NODE_TO_NODE, { FR_NONE } },
	{ "to_host, a host address (host_addrs)", B_FROM_NODE, EARTH_IF,
	  { UDP4(earth_host, earth_mac, EARTH_IP, HOST_IP), .payload_len = 64 },
	  TC_ACT_OK, NSB_PATH_TO_HOST, { FR_NONE } },
	{ "no_masquerade drop (networks scan)", B_FROM_NODE, PLUTO_IF,
	  { UDP4(pluto_host, pluto_mac, PLUTO_IP, OUTSIDE_IP), .payload_len = 64 },
	  TC_ACT_SHOT, NSB_STAT_DROP_BASE + NSB_DROP_NO_MASQUERADE, { FR_NONE } },
	{ "arp_reply", B_FROM_NODE, EARTH_IF,
	  { .kind = FR_ARP, .dst = bcast_mac, .src = earth_mac, .op = 1, .sha = earth_mac,
	    .spa = EARTH_IP, .tpa = PLANET_GW },
	  TC_ACT_REDIRECT, NSB_PATH_ARP_REPLY, { FR_NONE } },
	{ "snat, existing TCP flow, port kept", B_FROM_NODE, EARTH_IF, { TCP_OUT(61100) },
	  TC_ACT_REDIRECT, NSB_PATH_SNAT, { TCP_OUT(61100) } },
	{ "snat, existing TCP flow, port rewritten", B_FROM_NODE, EARTH_IF, { TCP_OUT(40000) },
	  TC_ACT_REDIRECT, NSB_PATH_SNAT, { TCP_OUT(40000) } },
	{ "rev_snat: reply into the node (from_uplink)", B_FROM_UPLINK, UPLINK_IF,
	  { TCP_IN(61100) }, TC_ACT_REDIRECT, NSB_PATH_REV_SNAT, { TCP_OUT(61100) } },
	{ "from_uplink: host's TCP, port outside range", B_FROM_UPLINK, UPLINK_IF,
	  { TCP_IN(22) }, TC_ACT_OK, NOT_COUNTED, { FR_NONE } },
	{ "from_uplink: host's TCP, in range, no flow", B_FROM_UPLINK, UPLINK_IF,
	  { TCP_IN(61999) }, TC_ACT_OK, NOT_COUNTED, { FR_NONE } },
	{ "from_uplink: IPv6", B_FROM_UPLINK, UPLINK_IF,
	  { .kind = FR_IPV6, .dst = uplink_mac, .src = router_mac, .payload_len = 64 },
	  TC_ACT_OK, NOT_COUNTED, { FR_NONE } },
	{ "from_uplink: host's TCP to another host addr", B_FROM_UPLINK, UPLINK_IF,
	  { TCP_IN(22), .daddr = HOST_IP }, TC_ACT_OK, NOT_COUNTED, { FR_NONE } },
	{ "from_uplink: to a lab address (inbound drop)", B_FROM_UPLINK, UPLINK_IF,
	  { TCP_IN(8080), .daddr = EARTH_IP }, TC_ACT_SHOT,
	  NSB_STAT_DROP_BASE + NSB_DROP_INBOUND, { FR_NONE } },
	{ "dnat: SYN from outside, new flow", B_FROM_UPLINK, UPLINK_IF, { FWD_SYN },
	  TC_ACT_REDIRECT, NSB_PATH_DNAT, { FR_NONE }, .reset = &dnat_reset },
	{ "dnat: client's data, established", B_FROM_UPLINK, UPLINK_IF, { FWD_IN },
	  TC_ACT_REDIRECT, NSB_PATH_DNAT, { FWD_SYN }, B_FROM_UPLINK },
	{ "rev_dnat: node's reply out (from_node)", B_FROM_NODE, EARTH_IF, { FWD_REPLY },
	  TC_ACT_REDIRECT, NSB_PATH_REV_DNAT, { FWD_SYN }, B_FROM_UPLINK },
	{ "hairpin: SYN to uplink:6000, new flow", B_FROM_NODE, MARS_IF, { HP_SYN },
	  TC_ACT_REDIRECT, NSB_PATH_HAIRPIN, { FR_NONE }, .reset = &hairpin_reset },
	{ "hairpin: data, established", B_FROM_NODE, MARS_IF, { HP_DATA },
	  TC_ACT_REDIRECT, NSB_PATH_HAIRPIN, { HP_SYN }, B_FROM_NODE, MARS_IF },
	{ "to_host: node's TCP to the gateway (hairpin's)", B_FROM_NODE, EARTH_IF,
	  { TCP_OUT(40000), .daddr = PLANET_GW, .dport = 53 }, TC_ACT_OK, NSB_PATH_TO_HOST,
	  { FR_NONE } },
};

/* Deletes what a new-flow row's run made (TCP). */
static void reset_flow(const struct st_env *env, const struct bench_reset *r)
{
	struct nsb_nat_key nk = {
		.nat_addr = htonl(r->natp.nat_addr), .remote_addr = htonl(r->natp.remote_addr),
		.nat_port = htons((uint16_t)r->natp.nat_port),
		.remote_port = htons((uint16_t)r->natp.remote_port), .proto = IPPROTO_TCP,
	};

	for (int i = 0; i < 2; i++) {
		struct nsb_ct_key k = {
			.saddr = htonl(r->ct[i].saddr), .daddr = htonl(r->ct[i].daddr),
			.sport = htons((uint16_t)r->ct[i].sport),
			.dport = htons((uint16_t)r->ct[i].dport), .proto = IPPROTO_TCP,
		};

		if (r->ct[i].saddr)
			bpf_map_delete_elem(env->ct_fd, &k);
	}
	bpf_map_delete_elem(env->nat_ports_fd, &nk);
}

/* lab_masq, as the loader would set it up, with the veth as the uplink */
static void masq_setup(struct st_env *env, uint32_t uplink)
{
	struct nsb_config cfg = {
		.layout = NSB_LAYOUT_VERSION, .uplink_ifindex = uplink,
		.uplink_addr = htonl(UPLINK_IP), .snat_port_min = NSB_SNAT_PORT_MIN,
		.snat_port_max = NSB_SNAT_PORT_MAX, .tmo_tcp_syn = NSB_TMO_TCP_SYN,
		.tmo_tcp_est = NSB_TMO_TCP_EST, .tmo_tcp_closing = NSB_TMO_TCP_CLOSING,
		.tmo_tcp_closed = NSB_TMO_TCP_CLOSED, .tmo_udp_new = NSB_TMO_UDP_NEW,
		.tmo_udp = NSB_TMO_UDP, .tmo_icmp = NSB_TMO_ICMP,
	};
	__be32 host = htonl(HOST_IP);
	__u32 zero = 0;
	__u8 one = 1;

	struct nsb_fwd_key fk = { .port = htons(6000), .proto = IPPROTO_TCP };
	struct nsb_fwd_val fv = {
		.node_addr = htonl(EARTH_IP), .node_port = htons(8080), .first_port = htons(6000),
		.count = 1, .ifindex = EARTH_IF,
	};

	cr_assert(!lab_install(&lab_masq, env->endpoints_fd, env->networks_fd), "install lab");
	cr_assert(!bpf_map_update_elem(env->config_fd, &zero, &cfg, BPF_ANY), "config");
	cr_assert(!bpf_map_update_elem(env->host_addrs_fd, &host, &one, BPF_ANY), "host_addrs");
	cr_assert(!bpf_map_update_elem(env->forwards_fd, &fk, &fv, BPF_ANY), "forwards");
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

Test(bench, ns_per_packet)
{
	const char *bench = getenv("NSBPF_BENCH"), *n_env = getenv("NSBPF_BENCH_N");
	long n = n_env ? strtol(n_env, NULL, 10) : 200000;
	struct nsb_counter stats[NSB_STAT_MAX];
	struct st_env env;

	if (!bench || strcmp(bench, "1"))
		cr_skip_test("a benchmark: set NSBPF_BENCH=1 to run it");
	cr_assert(n > 0, "NSBPF_BENCH_N must be a positive number");
	uint32_t uplink = (uint32_t)st_uplink();

	st_setup(&env, false);
	masq_setup(&env, uplink);
	fprintf(stderr, "node and uplink objects, BPF_PROG_TEST_RUN, repeat=1, %ld runs each, "
		"mean:\n", n);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bench_case *c = &cases[i];
		unsigned long long prog_ns = 0;
		struct st_result r;
		struct pkt p;
		double t0;

		uint32_t ingress = c->ingress == UPLINK_IF ? uplink : c->ingress;
		int fd = c->hook == B_TO_NODE ? env.to_node_fd :
			 c->hook == B_FROM_UPLINK ? env.from_uplink_fd : env.from_node_fd;

		st_case = c->name;
		cr_assert(frame_build(&c->f, &p), "%s: build frame", c->name);
		if (c->setup.kind != FR_NONE) {
			bool up = c->setup_hook == B_FROM_UPLINK;
			struct pkt s;

			cr_assert(frame_build(&c->setup, &s), "%s: build setup frame", c->name);
			st_run(&env, up ? env.from_uplink_fd : env.from_node_fd, &s,
			       up ? uplink : c->setup_ingress ? c->setup_ingress : EARTH_IF, &r);
			ASSERT_EQ(r.retval, TC_ACT_REDIRECT, "setup frame translated");
		}
		for (int w = 0; w < 1000; w++) {	/* warm caches and the map */
			st_run(&env, fd, &p, ingress, &r);
			if (c->reset)
				reset_flow(&env, c->reset);
		}
		st_stats(&env, stats);
		uint64_t before = c->slot == NOT_COUNTED ? 0 : stats[c->slot].packets;

		/* the bare call: no trace reset, no copy-out, unlike st_run() */
		struct __sk_buff ctx = { .ingress_ifindex = ingress };
		struct bpf_test_run_opts opts = {
			.sz = sizeof(opts),
			.data_in = p.buf,
			.data_size_in = (__u32)p.len,
			.ctx_in = &ctx,
			.ctx_size_in = sizeof(ctx),
			.repeat = 1,
		};
		double wall = 0;
		int err = 0;

		t0 = now_ns();
		for (long k = 0; k < n; k++) {
			double t1 = c->reset ? now_ns() : 0;

			err = bpf_prog_test_run_opts(fd, &opts);
			if (err || opts.retval != c->verdict)
				break;
			prog_ns += opts.duration;
			if (c->reset) {
				wall += now_ns() - t1;
				reset_flow(&env, c->reset);
			}
		}
		wall = (c->reset ? wall : now_ns() - t0) / n;

		ASSERT_EQ(err, 0, "BPF_PROG_TEST_RUN");
		ASSERT_EQ(opts.retval, c->verdict, "verdict");
		st_stats(&env, stats);
		if (c->slot != NOT_COUNTED)
			ASSERT_EQ(stats[c->slot].packets - before, n, st_slot_name(c->slot));
		fprintf(stderr, "  %-48s prog %6.1f ns/packet   syscall %7.1f ns (%zu bytes)\n",
			c->name, (double)prog_ns / n, wall, p.len);
	}
	st_close(&env);
}
