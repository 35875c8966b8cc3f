// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * NAT66's rows of the datapath's cost per packet (bench_prog.c's method
 * and line format, so bench/prog.sh picks them up): a node's TCP segment,
 * UDP datagram and echo request of a live flow masqueraded out (from_node),
 * their replies back in (from_uplink), a forward's new flow (SYN, each run
 * a new one: its entries deleted between runs, outside the timing), its
 * client's data and the node's reply once established (after a three-way
 * handshake whose numbers agree: window tracking), the ICMPv6 errors built
 * in BPF (Time Exceeded, Packet Too Big over the uplink's MTU), and the
 * host's own IPv6 on the uplink both ways, which must cost next to nothing:
 * also with all 64 network ids in networks6, with and without the config's
 * summary of them (config.lab6_outside); a node's ICMPv6 error about a
 * flow translated out (icmp_err_out), and a later fragment each way.
 * lab_dual with planet masquerading,
 * the selftests' uplink veth. Skipped unless NSBPF_BENCH=1; NSBPF_BENCH_N
 * and NSBPF_BENCH_CASE as there.
 *
 * Built against an older tree by bench/prog.sh --baseline (with labs.c and
 * labs.h of this one): without NSB_LAB6_OUTSIDE_WORDS the config has no
 * summary, and the rows run through the scan.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "labs.h"
#include "nat66_frame.h"
#include "icmp6_pkt.h"
#include "node.skel.h"
#include "lab/fill.h"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Woverride-init" /* a row may override a macro's address */

static const uint8_t earth6[16] = IP6(0x200, 0x11);
static const uint8_t remote6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x80 };
static const uint8_t host6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x50, [15] = 1 };
static const uint8_t uplink6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x01, 0x13, [15] = 2 };

enum bench_hook { B_FROM_NODE, B_FROM_UPLINK, B_TO_UPLINK };

struct bench66_step {
	enum bench_hook hook;
	struct f6 f;
};

struct bench66_case {
	const char *name;
	enum bench_hook hook;
	struct f6 f;
	int32_t verdict;
	uint32_t slot;	/* NSB_STAT_MAX: not counted (the host's) */
	struct f6 prep; /* run once first (its flow, its first fragment), on prep_hook */
	enum bench_hook prep_hook;
	const struct i6frame *err;    /* the packet instead of f: an ICMPv6 error (icmp6_pkt.h) */
	struct bench66_step setup[3]; /* run first, in order, after prep (kind 0: none) */
	bool new_flow;		      /* the forward's entries deleted after each run */
};

/* earth's port unreachable about the reply of its UDP flow 61200 -> remote:53 */
static const struct i6frame err_out = {
	.dst = earth_host,
	.src = earth_mac,
	.saddr = earth6,
	.daddr = remote6,
	.proto = P6_ICMPV6,
	.icmp_type = 1,
	.icmp_code = 4,
	.quote = &(const struct i6frame){ .saddr = remote6,
					  .daddr = earth6,
					  .hops = 59,
					  .proto = P6_UDP,
					  .sport = 53,
					  .dport = 61200 },
};

#define OUT(k, sp, dp)                                                                       \
	.kind = (k), .dst = earth_host, .src = earth_mac, .saddr = earth6, .daddr = remote6, \
	.sport = (sp), .dport = (dp), .payload_len = 44
#define IN(k, sp, dp)                                                                          \
	.kind = (k), .dst = uplink_mac, .src = router_mac, .saddr = remote6, .daddr = uplink6, \
	.sport = (sp), .dport = (dp), .payload_len = 44, .hop = 60

/* a forward, tcp 6000 -> earth:8080; the world's client at remote6:40000 */
#define FWD_PORT	 6000
#define FWD_TO		 8080
#define FWD_CLI		 40000
#define ISN_C		 1000000 /* the client's initial sequence number */
#define ISN_S		 5000000 /* the node's */
#define F_IN(fl, sq, ak) IN(F6_TCP, FWD_CLI, FWD_PORT), .flags = (fl), .seq = (sq), .ack = (ak)
#define F_OUT(fl, sq, ak)                                                                       \
	.kind = F6_TCP, .dst = earth_host, .src = earth_mac, .saddr = earth6, .daddr = remote6, \
	.sport = FWD_TO, .dport = FWD_CLI, .payload_len = 44, .flags = (fl), .seq = (sq),       \
	.ack = (ak)
#define F_SYN F_IN(TCPF_SYN, ISN_C, 0), .payload_len = 0
#define F_HANDSHAKE                                                                             \
	{                                                                                       \
		{ B_FROM_UPLINK, { F_SYN } },                                                   \
			{ B_FROM_NODE,                                                          \
			  { F_OUT(TCPF_SYN | TCPF_ACK, ISN_S, ISN_C + 1), .payload_len = 0 } }, \
		{                                                                               \
			B_FROM_UPLINK,                                                          \
			{                                                                       \
				F_IN(TCPF_ACK, ISN_C + 1, ISN_S + 1), .payload_len = 0          \
			}                                                                       \
		}                                                                               \
	}
#define ECHO_ID 61300 /* in the range, free: kept */

/* clang-format off */
static const struct bench66_case cases[] = {
	{ "ipv6 snat (TCP ACK, live flow)", B_FROM_NODE,
	  { OUT(F6_TCP, 61100, 80), .flags = TCPF_ACK }, TC_ACT_REDIRECT, NSB_PATH_SNAT },
	{ "ipv6 rev_snat (TCP ACK)", B_FROM_UPLINK,
	  { IN(F6_TCP, 80, 61100), .flags = TCPF_ACK }, TC_ACT_REDIRECT, NSB_PATH_REV_SNAT },
	{ "ipv6 snat (UDP, live flow)", B_FROM_NODE,
	  { OUT(F6_UDP, 61200, 53) }, TC_ACT_REDIRECT, NSB_PATH_SNAT },
	{ "ipv6 rev_snat (UDP)", B_FROM_UPLINK,
	  { IN(F6_UDP, 53, 61200) }, TC_ACT_REDIRECT, NSB_PATH_REV_SNAT },
	{ "ipv6 icmp_err_out (port unreachable, UDP flow)", B_FROM_NODE, { 0 }, TC_ACT_REDIRECT,
	  NSB_PATH_ICMP_ERR_OUT, { OUT(F6_UDP, 61200, 53) }, B_FROM_NODE, &err_out },
	{ "ipv6 snat_frag (a later UDP fragment)", B_FROM_NODE,
	  { OUT(F6_UDP, 0, 0), FRAG2(0xe1) }, TC_ACT_REDIRECT, NSB_PATH_SNAT_FRAG,
	  { OUT(F6_UDP, 61210, 53), FRAG1(0xe1) }, B_FROM_NODE },
	{ "ipv6 rev_snat_frag (a later UDP fragment)", B_FROM_UPLINK,
	  { IN(F6_UDP, 0, 0), FRAG2(0xe2) }, TC_ACT_REDIRECT, NSB_PATH_REV_SNAT_FRAG,
	  { IN(F6_UDP, 53, 61210), FRAG1(0xe2) }, B_FROM_UPLINK },
	{ "ipv6 snat (ICMPv6 echo request, live flow)", B_FROM_NODE,
	  { OUT(F6_ICMP, ECHO_ID, 0) }, TC_ACT_REDIRECT, NSB_PATH_SNAT },
	{ "ipv6 rev_snat (ICMPv6 echo reply)", B_FROM_UPLINK,
	  { IN(F6_ICMP, ECHO_ID, 0), .type = 129 }, TC_ACT_REDIRECT, NSB_PATH_REV_SNAT },
	{ "ipv6 snat: hop limit 1, Time Exceeded to the node", B_FROM_NODE,
	  { OUT(F6_TCP, 61105, 80), .flags = TCPF_SYN, .hop = 1 }, TC_ACT_REDIRECT,
	  NSB_PATH_TIME_EXCEEDED },
	{ "ipv6 snat: over the uplink MTU, Packet Too Big", B_FROM_NODE,
	  { OUT(F6_UDP, 61400, 443), .payload_len = 1404 }, TC_ACT_REDIRECT,
	  NSB_PATH_FRAG_NEEDED },
	{ "ipv6 dnat: SYN from outside, new flow", B_FROM_UPLINK, { F_SYN }, TC_ACT_REDIRECT,
	  NSB_PATH_DNAT, .new_flow = true },
	{ "ipv6 dnat: client's data, established", B_FROM_UPLINK,
	  { F_IN(TCPF_ACK | TCPF_PSH, ISN_C + 1, ISN_S + 1) }, TC_ACT_REDIRECT, NSB_PATH_DNAT,
	  .setup = F_HANDSHAKE },
	{ "ipv6 rev_dnat: node's reply out (from_node)", B_FROM_NODE,
	  { F_OUT(TCPF_ACK | TCPF_PSH, ISN_S + 1, ISN_C + 45) }, TC_ACT_REDIRECT,
	  NSB_PATH_REV_DNAT },
	{ "ipv6 from_uplink, the host's (TCP to port 22)", B_FROM_UPLINK,
	  { IN(F6_TCP, 40000, 22), .flags = TCPF_ACK }, TC_ACT_UNSPEC, NSB_STAT_MAX },
	{ "ipv6 to_uplink, the host's", B_TO_UPLINK,
	  { IN(F6_TCP, 22, 40000), .saddr = uplink6, .daddr = remote6, .flags = TCPF_ACK },
	  TC_ACT_UNSPEC, NSB_STAT_MAX },
};
/* clang-format on */

/* the host's TCP to port 22, again once networks6 has all 64 ids */
static const struct bench66_case host_pad = { "ipv6 from_uplink, the host's, 64 networks6",
					      B_FROM_UPLINK,
					      { IN(F6_TCP, 40000, 22), .flags = TCPF_ACK },
					      TC_ACT_UNSPEC,
					      NSB_STAT_MAX };

/* config.lab6_outside and host6_outside, as the loader writes them (an older tree: none) */
static void summary(struct st_env *env, bool on)
{
	struct nsb_config cfg;
	__u32 zero = 0;

	cr_assert(!bpf_map_lookup_elem(env->config_fd, &zero, &cfg), "config");
#ifdef NSB_LAB6_OUTSIDE_WORDS
	if (on) {
		cr_assert(
			!lab_lab6_outside(bpf_map__fd(env->skel->maps.networks6), cfg.lab6_outside),
			"config.lab6_outside");
		cr_assert(!lab_host6_outside(bpf_map__fd(env->skel->maps.host_addrs6),
					     cfg.host6_outside),
			  "config.host6_outside");
	} else {
		memset(cfg.lab6_outside, 0, sizeof(cfg.lab6_outside));
		memset(cfg.host6_outside, 0, sizeof(cfg.host6_outside));
	}
#else
	(void)on;
#endif
	cr_assert(!bpf_map_update_elem(env->config_fd, &zero, &cfg, BPF_ANY), "config");
}

/* tcp 6000 -> earth:8080 in forwards6, its fwd_ports bit set */
static void forward(struct st_env *env)
{
	struct nsb_fwd6_key k = { .port = htons(FWD_PORT), .proto = IPPROTO_TCP };
	struct nsb_fwd6_val v = { .v = { .node_port = htons(FWD_TO),
					 .first_port = htons(FWD_PORT),
					 .count = 1,
					 .ifindex = EARTH_IF } };
	int ports = bpf_map__fd(env->skel->maps.fwd_ports);
	__u32 word = NSB_FWD_PORT_WORD(IPPROTO_TCP, FWD_PORT, false);
	__u64 bits = 0;

	memcpy(v.node_addr, earth6, 16);
	cr_assert(!bpf_map_update_elem(bpf_map__fd(env->skel->maps.forwards6), &k, &v, BPF_ANY),
		  "forwards6");
	bpf_map_lookup_elem(ports, &word, &bits);
	bits |= 1ULL << (FWD_PORT % 64);
	cr_assert(!bpf_map_update_elem(ports, &word, &bits, BPF_ANY), "fwd_ports");
}

/* The forward's flow from remote6:40000 forgotten: its ct6 entry and its claim. */
static void forget_forward_flow(struct st_env *env)
{
	struct nsb_ct6_key ck = { .sport = htons(FWD_TO),
				  .dport = htons(FWD_CLI),
				  .proto = IPPROTO_TCP };
	struct nsb_nat6_key nk = { .nat_port = htons(FWD_PORT),
				   .remote_port = htons(FWD_CLI),
				   .proto = IPPROTO_TCP };

	memcpy(ck.saddr, earth6, 16);
	memcpy(ck.daddr, remote6, 16);
	memcpy(nk.nat_addr, uplink6, 16);
	memcpy(nk.remote_addr, remote6, 16);
	bpf_map_delete_elem(bpf_map__fd(env->skel->maps.ct6), &ck);
	bpf_map_delete_elem(bpf_map__fd(env->skel->maps.nat_ports6), &nk);
}

/*
 * A new flow's row: st_bench_row()'s line, each run followed by
 * forget_forward_flow() (outside "prog"; "syscall" is the run's own call).
 */
static void new_flow_row(struct st_env *env, int fd, const struct pkt *p, uint32_t ingress,
			 int32_t verdict, uint32_t slot, long n)
{
	struct nsb_counter before[NSB_STAT_MAX], after[NSB_STAT_MAX];
	struct __sk_buff ctx = { .ingress_ifindex = ingress };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = p->buf, .data_size_in = (__u32)p->len,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1);
	unsigned long long prog_ns = 0, wall_ns = 0;
	struct timespec t0, t1;
	int err = 0;

	for (int w = 0; w < 1000; w++) {
		bpf_prog_test_run_opts(fd, &opts);
		forget_forward_flow(env);
	}
	st_stats(env, before);
	for (long k = 0; k < n; k++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		err = bpf_prog_test_run_opts(fd, &opts);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (err || (int32_t)opts.retval != verdict)
			break;
		prog_ns += opts.duration;
		wall_ns += (unsigned long long)((t1.tv_sec - t0.tv_sec) * 1000000000LL +
						(t1.tv_nsec - t0.tv_nsec));
		forget_forward_flow(env);
	}
	st_stats(env, after);
	if (!ASSERT_EQ(err, 0, "BPF_PROG_TEST_RUN") ||
	    !ASSERT_EQ((int32_t)opts.retval, verdict, "verdict") ||
	    !ASSERT_EQ(after[slot].packets - before[slot].packets, n, st_slot_name(slot)))
		return;
	fprintf(stderr, "  %-48s prog %6.1f ns/packet   syscall %7.1f ns (%zu bytes)\n", st_case,
		(double)prog_ns / n, (double)wall_ns / n, p->len);
}

static int fd_of(const struct st_env *env, enum bench_hook h)
{
	return h == B_FROM_NODE	  ? env->from_node_fd :
	       h == B_FROM_UPLINK ? env->from_uplink_fd :
				    env->to_uplink_fd;
}

static void row(struct st_env *env, const struct bench66_case *c, uint32_t uplink_if, long n)
{
	struct pkt p;

	st_case = c->name;
	if (c->prep.kind) {
		struct st_result res;

		cr_assert(f6_build(&c->prep, &p), "build the first packet");
		st_run(env, fd_of(env, c->prep_hook), &p,
		       c->prep_hook == B_FROM_NODE ? EARTH_IF : uplink_if, &res);
		cr_assert(!res.err && res.retval == TC_ACT_REDIRECT, "the first packet: %d",
			  (int)res.retval);
	}
	for (size_t i = 0; i < sizeof(c->setup) / sizeof(c->setup[0]) && c->setup[i].f.kind; i++) {
		const struct bench66_step *s = &c->setup[i];
		struct st_result res;

		cr_assert(f6_build(&s->f, &p), "build");
		st_run(env, fd_of(env, s->hook), &p, s->hook == B_FROM_NODE ? EARTH_IF : uplink_if,
		       &res);
		cr_assert(!res.err && res.retval == TC_ACT_REDIRECT, "%s: setup step %zu: %d",
			  c->name, i, (int)res.retval);
	}
	if (c->err)
		cr_assert(i6frame_build(c->err, &p), "build");
	else
		cr_assert(f6_build(&c->f, &p), "build");
	if (c->new_flow)
		new_flow_row(env, fd_of(env, c->hook), &p, uplink_if, c->verdict, c->slot, n);
	else
		st_bench_row(env, fd_of(env, c->hook), &p,
			     c->hook == B_FROM_NODE ? EARTH_IF : uplink_if, c->verdict, c->slot, n);
}

static void install(struct st_env *env, struct test_lab *lab, uint32_t uplink_if)
{
	static struct topo_network nets[8];
	static struct topo t;
	struct nsb_config cfg = {
		.layout = NSB_LAYOUT_VERSION,
		.uplink_ifindex = uplink_if,
		.uplink_addr = htonl(UPLINK_IP),
	};
	__u32 zero = 0;
	__u8 one = 1;

	t = *lab_dual.topo;
	cr_assert(t.n_networks <= 8, "lab_dual's networks fit");
	memcpy(nets, t.networks, t.n_networks * sizeof(nets[0]));
	nets[NET_PLANET].masquerade = true;
	t.networks = nets;
	*lab = (struct test_lab){ &t, lab_dual.rt };
	cr_assert(!test_lab_install(lab, env->endpoints_fd, env->networks_fd), "install");
	cr_assert(!test_lab_install6(lab, bpf_map__fd(env->skel->maps.networks6),
				     bpf_map__fd(env->skel->maps.endpoints6),
				     bpf_map__fd(env->skel->maps.ifaces6)),
		  "install IPv6");
	st_addr_filter(env);
	memcpy(cfg.uplink_addr6, uplink6, 16);
	cr_assert(!bpf_map_update_elem(env->config_fd, &zero, &cfg, BPF_ANY), "config");
	cr_assert(!bpf_map_update_elem(bpf_map__fd(env->skel->maps.host_addrs6), host6, &one,
				       BPF_ANY),
		  "host_addrs6");
	summary(env, true);
	forward(env);
}

Test(bench, nat66_ns_per_packet)
{
	const char *bench = getenv("NSBPF_BENCH"), *n_env = getenv("NSBPF_BENCH_N");
	const char *only = getenv("NSBPF_BENCH_CASE");
	long n = n_env ? strtol(n_env, NULL, 10) : 200000;
	struct test_lab lab;
	struct st_env env;
	uint32_t uplink_if;

	if (!bench || strcmp(bench, "1"))
		cr_skip_test("a benchmark: set NSBPF_BENCH=1 to run it");
	cr_assert(n > 0, "NSBPF_BENCH_N must be a positive number");
	uplink_if = (uint32_t)st_uplink();
	st_setup(&env, false);
	install(&env, &lab, uplink_if);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (!only || strstr(cases[i].name, only))
			row(&env, &cases[i], uplink_if, n);
	}
	/* every other id an IPv6-only network: the longest scan, and the summary's answer */
	cr_assert(!test_nets6_pad(env.networks_fd, bpf_map__fd(env.skel->maps.networks6),
				  lab.topo->n_networks),
		  "networks6 padded");
	if (!only || strstr(host_pad.name, only)) {
		summary(&env, true);
		row(&env, &host_pad, uplink_if, n);
	}
	if (!only || strstr("ipv6 from_uplink, the host's, 64 networks6, no summary", only)) {
		struct bench66_case c = host_pad;

		c.name = "ipv6 from_uplink, the host's, 64 networks6, no summary";
		summary(&env, false);
		row(&env, &c, uplink_if, n);
	}
	st_close(&env);
}
