// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * NAT66's rows of the datapath's cost per packet (bench_prog.c's method
 * and line format, so bench/prog.sh picks them up): a node's TCP segment
 * and UDP datagram of a live flow masqueraded out (from_node), their
 * replies back in (from_uplink), and the host's own IPv6 on the uplink both
 * ways, which must cost next to nothing; a node's ICMPv6 error about a
 * flow translated out (icmp_err_out), and a later fragment each way. lab_dual with planet masquerading,
 * the selftests' uplink veth. Skipped unless NSBPF_BENCH=1; NSBPF_BENCH_N
 * and NSBPF_BENCH_CASE as there.
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

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Woverride-init" /* a row may override a macro's address */

static const uint8_t earth6[16] = IP6(0x200, 0x11);
static const uint8_t remote6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x80 };
static const uint8_t host6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x50, [15] = 1 };
static const uint8_t uplink6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x01, 0x13, [15] = 2 };

enum bench_hook { B_FROM_NODE, B_FROM_UPLINK, B_TO_UPLINK };

struct bench66_case {
	const char *name;
	enum bench_hook hook;
	struct f6 f;
	int32_t verdict;
	uint32_t slot;	/* NSB_STAT_MAX: not counted (the host's) */
	struct f6 prep; /* run once first (its flow, its first fragment), on prep_hook */
	enum bench_hook prep_hook;
	const struct i6frame *err; /* the packet instead of f: an ICMPv6 error (icmp6_pkt.h) */
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
	{ "ipv6 from_uplink, the host's (TCP to port 22)", B_FROM_UPLINK,
	  { IN(F6_TCP, 40000, 22), .flags = TCPF_ACK }, TC_ACT_UNSPEC, NSB_STAT_MAX },
	{ "ipv6 to_uplink, the host's", B_TO_UPLINK,
	  { IN(F6_TCP, 22, 40000), .saddr = uplink6, .daddr = remote6, .flags = TCPF_ACK },
	  TC_ACT_UNSPEC, NSB_STAT_MAX },
};
/* clang-format on */

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
}

static int fd_of(const struct st_env *env, enum bench_hook h)
{
	return h == B_FROM_NODE	  ? env->from_node_fd :
	       h == B_FROM_UPLINK ? env->from_uplink_fd :
				    env->to_uplink_fd;
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
		const struct bench66_case *c = &cases[i];
		int fd = fd_of(&env, c->hook);
		struct pkt p;

		if (only && !strstr(c->name, only))
			continue;
		st_case = c->name;
		if (c->prep.kind) {
			struct st_result res;

			cr_assert(f6_build(&c->prep, &p), "build the first packet");
			st_run(&env, fd_of(&env, c->prep_hook), &p,
			       c->prep_hook == B_FROM_NODE ? EARTH_IF : uplink_if, &res);
			cr_assert(!res.err && res.retval == TC_ACT_REDIRECT, "the first packet: %d",
				  (int)res.retval);
		}
		if (c->err)
			cr_assert(i6frame_build(c->err, &p), "build");
		else
			cr_assert(f6_build(&c->f, &p), "build");
		st_bench_row(&env, fd, &p, c->hook == B_FROM_NODE ? EARTH_IF : uplink_if,
			     c->verdict, c->slot, n);
	}
	st_close(&env);
}
