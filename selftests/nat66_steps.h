/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Tables of IPv6 steps under BPF_PROG_TEST_RUN, shared by nat66_test.c and
 * fwd6_test.c: each step names its input frame (nat66_frame.h), the hook,
 * the verdict, the frame that must come out (compared whole against one
 * built from scratch, then every L4 checksum recomputed from scratch), the
 * redirect target and flags from the trace map, the one stats slot that
 * counts it (or none: the host's traffic), and the ct6 and nat_ports6
 * entries after it. A port the test cannot know beforehand is learnt from
 * ct6 into a variable, VAR(n), which later frames use. The lab is lab_dual
 * (labs.h) with planet and moon masquerading.
 */
#ifndef NSBPF_SELFTESTS_NAT66_STEPS_H
#define NSBPF_SELFTESTS_NAT66_STEPS_H

#include "harness.h"
#include "labs.h"
#include "nat66_frame.h"

#define PATH(p)	    (NSB_PATH_##p)
#define DROP(r)	    (NSB_STAT_DROP_BASE + NSB_DROP_##r)
#define NOT_COUNTED UINT32_MAX
#define UPLINK_IF   UINT32_MAX
#define N(a)	    ((int)(sizeof(a) / sizeof((a)[0])))

#define NVARS	  8
#define VAR(n)	  (0x10000u | (n))
#define IS_VAR(p) ((p)&0x10000u)

/* the uplink's address6 and a host address (host_addrs6), nat66_steps.c's */
extern const uint8_t uplink6[16], host6[16];

/* ----------------------------------------------------------------- steps */

enum hook { FROM_NODE, FROM_UPLINK, TO_UPLINK };

struct ct6_expect {
	bool check;
	const uint8_t *saddr, *daddr;
	uint32_t sport, dport; /* VAR(n) allowed */
	uint8_t proto;
	bool absent;
	uint8_t state, flags;
	uint32_t nat_port; /* a number; VAR(n): learnt if new, else compared */
	uint32_t not_port; /* VAR(n) or a number: nat_port must differ */
	uint64_t pkts_orig, pkts_reply;
	bool claim_absent;   /* its nat_ports6 claim must be gone too */
	const uint8_t *nat6; /* the nat address; NULL: the uplink's */
	bool any_port;	     /* nat_port need not be in the SNAT range (a forward's) */
	/*
	 * hairpin (NSB_CT_F_HAIRPIN): the new destination, and the claim is
	 * the hairpin one (NSB_NAT_F_HAIRPIN, {nat6, dnat6, nat_port,
	 * dnat_port} -> the key's source); the twin's (F_DNAT too) is the
	 * client's {daddr, saddr, dport, sport} -> dnat6:dnat_port. NULL:
	 * dnat_addr all zero.
	 */
	const uint8_t *dnat6;
	uint32_t dnat_port; /* VAR(n) allowed */
};

struct step6 {
	const char *name;
	enum hook hook;
	uint32_t ingress;
	struct f6 in;
	int verdict;
	struct f6 out;	   /* F6_NONE: the input, untouched */
	uint8_t out_icmp6; /* an ICMPv6 error of this type comes out instead (icmp6 builds it) */
	uint32_t redirect, flags;
	uint32_t stat;
	struct ct6_expect ct;
	struct ct6_expect ct2; /* hairpin: the twin entry (checked after .ct) */
	uint32_t age;	       /* before the step: .ct's flow idle this many seconds longer */
	uint32_t age_all;      /* before the step: every ct6 entry made this many seconds earlier */
	bool gc;	       /* before the step: one collector pass */
	uint32_t frag_age; /* before the step: every frags6 record made this many seconds earlier */
};

/* A forward of forwards6: host (NULL: any) port -> node:to_port. */
struct fwd6 {
	const uint8_t *host;
	uint16_t port;
	uint8_t proto;
	const uint8_t *node;
	uint16_t to_port;
	uint32_t ifindex;
};

struct table6 {
	const char *name;
	const struct step6 *steps;
	int n;
	bool no_uplink6; /* config without uplink_addr6 */
	bool summary;	 /* config.lab6_outside, host6_outside, as the loader writes them */
	bool pad6;	 /* every other network id an IPv6-only network (test_nets6_pad) */
	uint32_t ct_max;
	const struct fwd6 *fwds; /* forwards6 entries (their fwd_ports bits with them) */
	int n_fwds;
	uint16_t port_min, port_max; /* the SNAT range; 0: the default */
};

#define SYN    TCPF_SYN
#define SYNACK (TCPF_SYN | TCPF_ACK)
#define ACK    TCPF_ACK
#define FINACK (TCPF_FIN | TCPF_ACK)
#define RST    TCPF_RST

/* node's packet to d, and as it leaves the uplink: source the uplink's, port np, hop - 1 */
#define OUT6(k, node, sp, d, dp)                                                            \
	.kind = (k), .dst = node##_host, .src = node##_mac, .saddr = node##6, .daddr = (d), \
	.sport = (sp), .dport = (dp)
#define SNAT6(k, node, np, d, dp)                                                           \
	.kind = (k), .dst = node##_host, .src = node##_mac, .saddr = uplink6, .daddr = (d), \
	.sport = (np), .dport = (dp), .hop = 63
/* from the world to the uplink's address6, and as it reaches node: hop - 1, MACs */
#define IN6(k, s, sp, np)                                                                  \
	.kind = (k), .dst = uplink_mac, .src = router_mac, .saddr = (s), .daddr = uplink6, \
	.sport = (sp), .dport = (np), .hop = 60
#define BACK6(k, node, s, sp, p)                                                            \
	.kind = (k), .dst = node##_mac, .src = node##_host, .saddr = (s), .daddr = node##6, \
	.sport = (sp), .dport = (p), .hop = 59
#define PING6(node, id, d) OUT6(F6_ICMP, node, id, d, 0)
#define PONG6(s, id)	   IN6(F6_ICMP, s, id, 0), .type = 129

#define SNAT_OUT                                                                       \
	.verdict = TC_ACT_REDIRECT, .redirect = UPLINK_IF, .flags = NSB_TRACE_F_NEIGH, \
	.stat = PATH(SNAT)
#define INTO(node)                                                                    \
	.verdict = TC_ACT_REDIRECT, .redirect = node##_IF, .flags = NSB_TRACE_F_PEER, \
	.stat = PATH(REV_SNAT)
#define HOSTS	.verdict = TC_ACT_UNSPEC, .stat = NOT_COUNTED
#define SHOT(r) .verdict = TC_ACT_SHOT, .stat = DROP(r)
#define CT6(s, sp, d, dp, pr) \
	.check = true, .saddr = (s), .sport = (sp), .daddr = (d), .dport = (dp), .proto = (pr)
#define halley_IF  HALLEY_IF
#define earth_IF   EARTH_IF
#define neptune_IF NEPTUNE_IF
#define mars_IF	   MARS_IF
#define pluto_IF   PLUTO_IF

#define SNAT_FRAG_OUT                                                                  \
	.verdict = TC_ACT_REDIRECT, .redirect = UPLINK_IF, .flags = NSB_TRACE_F_NEIGH, \
	.stat = PATH(SNAT_FRAG)
#define INTO_FRAG(node)                                                               \
	.verdict = TC_ACT_REDIRECT, .redirect = node##_IF, .flags = NSB_TRACE_F_PEER, \
	.stat = PATH(REV_SNAT_FRAG)

#define TABLE6(s, ...) (&(const struct table6){ .name = #s, .steps = s, .n = N(s), __VA_ARGS__ })

/* Runs t's steps in order on one freshly loaded node object, sharing its maps. */
void run_table6(const struct table6 *t);

#endif /* NSBPF_SELFTESTS_NAT66_STEPS_H */
