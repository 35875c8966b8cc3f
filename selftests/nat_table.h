/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The NAT tables' vocabulary and runner (nat_table.c), shared by
 * masquerade's tables (nat_test.c) and the port forwards' (fwd_test.c).
 * A table is a story of steps sharing the maps: each names its input frame
 * (built from the lab's named addresses), the hook, and what must come out:
 * the verdict, the bytes (compared whole against a frame built from scratch;
 * passed frames must be untouched), every checksum of the output recomputed
 * from scratch, the redirect target and flags, the one stats slot that
 * counts it (or none: from_uplink never counts the host's own traffic), and
 * the ct entries, nat_ports entry and forward hits after it. A port the test
 * cannot know beforehand is learnt from ct into a variable, PORT_VAR(n),
 * which later frames use.
 */
#ifndef NSBPF_SELFTESTS_NAT_TABLE_H
#define NSBPF_SELFTESTS_NAT_TABLE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "harness.h"
#include "labs.h"

/* The tables override a frame macro's default now and then (a TTL, a type). */
#pragma GCC diagnostic ignored "-Woverride-init"

#define PATH(p)	    (NSB_PATH_##p)
#define DROP(r)	    (NSB_STAT_DROP_BASE + NSB_DROP_##r)
#define NOT_COUNTED UINT32_MAX

#define PEER	  NSB_TRACE_F_PEER
#define EGRESS	  NSB_TRACE_F_EGRESS
#define NEIGH	  NSB_TRACE_F_NEIGH
#define UPLINK_IF UINT32_MAX /* the veth st_uplink() made */

#define NVARS	    8
#define PORT_VAR(n) (0x10000u | (n))
#define IS_VAR(p)   ((p)&0x10000u)

#define SEC_NS	1000000000ULL
#define MSEC_NS 1000000ULL
#define TMO_UDP 60 /* units: seconds, or what the table says */

enum hook { FROM_NODE, FROM_UPLINK, TO_UPLINK };

/* A ct entry after the step, keyed as the node sent the flow (host order). */
struct ct_expect {
	bool check;
	uint32_t saddr, daddr, sport, dport; /* ports: PORT_VAR(n) allowed */
	uint8_t proto;
	bool absent;		       /* there must be none */
	uint8_t state;		       /* enum nsb_ct_state */
	uint8_t flags;		       /* NSB_CT_F_* */
	uint32_t nat_addr;	       /* 0: UPLINK_IP */
	uint32_t nat_port;	       /* a number; PORT_VAR(n): learnt if new, else compared */
	uint32_t not_port;	       /* PORT_VAR(n): nat_port must differ from it */
	uint32_t dnat_addr, dnat_port; /* the new destination (hairpin); 0: none */
	uint64_t pkts_orig, pkts_reply;
	int8_t wscale
		[2]; /* per side (0: as the key goes): WS(n) announced n, WS_NONE, 0: unchecked */
};

#define WS(n)	(int8_t)((n) + 1)
#define WS_NONE (-1)

/* A nat_ports entry after the step (host order). */
struct natp_expect {
	bool check;
	uint32_t nat_addr, remote_addr, nat_port, remote_port; /* ports: PORT_VAR(n) */
	uint8_t proto;
	bool absent;
	uint32_t node_addr, node_port, ifindex;
	uint8_t flags;	    /* NSB_NAT_F_* */
	uint32_t seen_port; /* the remote's port as the node sees it (0: as is);
					 * PORT_VAR(n): learnt if new, else compared */
};

/* A forward's hit counter after the step (host order; host_addr 0: any). */
struct hits_expect {
	bool check;
	uint32_t host_addr, port;
	uint8_t proto;
	uint64_t hits;
};

/* A port forward to install, as the CLI writes it: one entry per port (host order). */
struct fwd_rule {
	uint8_t proto;
	uint32_t host_addr;	 /* 0: any */
	uint16_t port, port_end; /* port_end 0: port */
	uint32_t node_addr;
	uint16_t node_port;
	uint32_t ifindex; /* what the loader writes; BPF uses the endpoint's */
};

struct nat_step {
	const char *name;
	enum hook hook;
	uint32_t ingress; /* skb->ingress_ifindex */
	struct frame in;
	int verdict;		  /* TC_ACT_* */
	struct frame out;	  /* FR_NONE: the input, untouched (unless dropped) */
	uint32_t redirect, flags; /* trace: ifindex (UPLINK_IF: the uplink), NSB_TRACE_F_* */
	uint32_t stat;		  /* PATH(x), DROP(x) or NOT_COUNTED */
	struct ct_expect ct;
	uint32_t age;		      /* before the step: flow .ct idle this many units */
	bool evict;		      /* before the step: .ct's entry gone, its claim kept */
	uint32_t claim_age_ms;	      /* before the step: the claim at .natp this much older */
	bool gc;		      /* before the step: one collector pass */
	uint32_t host_gains;	      /* before the step: the host gains this address (/32) */
	uint32_t age_all_ms;	      /* before that: every ct entry this much older */
	const struct fwd_rule *refwd; /* before the step: its port's forward replaced by it
					 * (node_addr 0: deleted), as `nsbpf forward` does */
	struct ct_expect ct2;	      /* hairpin: the twin entry (checked after .ct) */
	struct natp_expect natp;
	struct hits_expect hits;
};

struct nat_table {
	const char *name;
	const struct nat_step *steps;
	int n;
	uint16_t port_min, port_max; /* 0: 61000-65535 */
	bool no_uplink;		     /* config without an uplink */
	uint64_t unit_ns;	     /* of the timeouts and ages; 0: a second */
	const struct fwd_rule *fwds; /* port forwards to install */
	int n_fwds;
	uint32_t ct_max;	    /* ct and nat_ports entries; 0: the default */
	bool fib;		    /* a FIB probe device in config (nsbpf_maps.h) */
	const struct test_lab *lab; /* NULL: lab_masq */
	bool routes_off;	    /* the lab's routes in the trie, config.routes 0 */
	bool remotes_off;	    /* the lab's remote subnets in the trie, no NSB_CFG_F_REMOTES */
};

/* ----------------------------------------------------------- frames */

/* as node sends it to the outside world */
#define OUT_TCP(node, sp, d, dp, fl)                                                  \
	.kind = FR_TCP4, .dst = node##_host, .src = node##_mac, .saddr = node##_ADDR, \
	.daddr = (d), .sport = (sp), .dport = (dp), .tcp_flags = (fl)
#define OUT_UDP(node, sp, d, dp)                                                      \
	.kind = FR_UDP4, .dst = node##_host, .src = node##_mac, .saddr = node##_ADDR, \
	.daddr = (d), .sport = (sp), .dport = (dp)
#define OUT_PING(node, id, d)                                                          \
	.kind = FR_ICMP4, .dst = node##_host, .src = node##_mac, .saddr = node##_ADDR, \
	.daddr = (d), .icmp_type = 8, .icmp_id = (id), .icmp_seq = 1
/* the same after SNAT: MACs untouched (redirect_neigh writes them), TTL - 1 */
#define SNAT_TCP(node, np, d, dp, fl)                                                          \
	.kind = FR_TCP4, .dst = node##_host, .src = node##_mac, .ttl = 63, .saddr = UPLINK_IP, \
	.daddr = (d), .sport = (np), .dport = (dp), .tcp_flags = (fl)
#define SNAT_UDP(node, np, d, dp)                                                              \
	.kind = FR_UDP4, .dst = node##_host, .src = node##_mac, .ttl = 63, .saddr = UPLINK_IP, \
	.daddr = (d), .sport = (np), .dport = (dp)
#define SNAT_PING(node, id, d)                                                                  \
	.kind = FR_ICMP4, .dst = node##_host, .src = node##_mac, .ttl = 63, .saddr = UPLINK_IP, \
	.daddr = (d), .icmp_type = 8, .icmp_id = (id), .icmp_seq = 1
/* a node's ICMP error to the outside, and as it leaves (source the flow's nat address) */
#define OUT_ERR(node, d, type, code, q)                                                \
	.kind = FR_ICMP4, .dst = node##_host, .src = node##_mac, .saddr = node##_ADDR, \
	.daddr = (d), .icmp_type = (type), .icmp_code = (code), .quote = (q)
#define SNAT_ERR(node, d, type, code, q)                                                        \
	.kind = FR_ICMP4, .dst = node##_host, .src = node##_mac, .ttl = 63, .saddr = UPLINK_IP, \
	.daddr = (d), .icmp_type = (type), .icmp_code = (code), .quote = (q)
/* a datagram as a node received it (quoted by its errors): s:sp -> d:dp */
#define QR_UDP(s, sp, d, dp)                                                           \
	&(const struct frame)                                                          \
	{                                                                              \
		.kind = FR_UDP4, .ttl = 59, .saddr = (s), .daddr = (d), .sport = (sp), \
		.dport = (dp)                                                          \
	}
#define QR_TCP(s, sp, d, dp, fl)                                                       \
	&(const struct frame)                                                          \
	{                                                                              \
		.kind = FR_TCP4, .ttl = 59, .saddr = (s), .daddr = (d), .sport = (sp), \
		.dport = (dp), .tcp_flags = (fl)                                       \
	}

/* from the world to the uplink */
#define IN_TCP(s, sp, np, fl)                                                           \
	.kind = FR_TCP4, .dst = uplink_mac, .src = router_mac, .ttl = 60, .saddr = (s), \
	.daddr = UPLINK_IP, .sport = (sp), .dport = (np), .tcp_flags = (fl)
#define IN_UDP(s, sp, np)                                                               \
	.kind = FR_UDP4, .dst = uplink_mac, .src = router_mac, .ttl = 60, .saddr = (s), \
	.daddr = UPLINK_IP, .sport = (sp), .dport = (np)
#define IN_PONG(s, id)                                                                   \
	.kind = FR_ICMP4, .dst = uplink_mac, .src = router_mac, .ttl = 60, .saddr = (s), \
	.daddr = UPLINK_IP, .icmp_type = 0, .icmp_id = (id), .icmp_seq = 1
#define IN_ERR(s, type, code, q)                                                         \
	.kind = FR_ICMP4, .dst = uplink_mac, .src = router_mac, .ttl = 60, .saddr = (s), \
	.daddr = UPLINK_IP, .icmp_type = (type), .icmp_code = (code), .quote = (q)
/* the same delivered into node: MACs as its host end sends, TTL - 1 */
#define BACK_TCP(node, s, sp, p, fl)                                                     \
	.kind = FR_TCP4, .dst = node##_mac, .src = node##_host, .ttl = 59, .saddr = (s), \
	.daddr = node##_ADDR, .sport = (sp), .dport = (p), .tcp_flags = (fl)
#define BACK_UDP(node, s, sp, p)                                                         \
	.kind = FR_UDP4, .dst = node##_mac, .src = node##_host, .ttl = 59, .saddr = (s), \
	.daddr = node##_ADDR, .sport = (sp), .dport = (p)
#define BACK_PONG(node, s, id)                                                            \
	.kind = FR_ICMP4, .dst = node##_mac, .src = node##_host, .ttl = 59, .saddr = (s), \
	.daddr = node##_ADDR, .icmp_type = 0, .icmp_id = (id), .icmp_seq = 1
#define BACK_ERR(node, s, type, code, q)                                                  \
	.kind = FR_ICMP4, .dst = node##_mac, .src = node##_host, .ttl = 59, .saddr = (s), \
	.daddr = node##_ADDR, .icmp_type = (type), .icmp_code = (code), .quote = (q)

#define earth_ADDR   EARTH_IP
#define neptune_ADDR NEPTUNE_IP
#define mars_ADDR    MARS_IP
#define pluto_ADDR   PLUTO_IP

#define SNAT_OUT \
	.verdict = TC_ACT_REDIRECT, .redirect = UPLINK_IF, .flags = NEIGH, .stat = PATH(SNAT)
#define INTO(node) .verdict = TC_ACT_REDIRECT, .redirect = node##_IF, .flags = PEER
#define HOSTS	   .verdict = TC_ACT_UNSPEC, .stat = NOT_COUNTED
#define CT(s, sp, d, dp, pr) \
	.check = true, .saddr = (s), .sport = (sp), .daddr = (d), .dport = (dp), .proto = (pr)
#define EARTH_IF_  EARTH_IF
#define earth_IF   EARTH_IF
#define neptune_IF NEPTUNE_IF
#define mars_IF	   MARS_IF
#define pluto_IF   PLUTO_IF

/* a quoted datagram, as it left the uplink (TTL 62 where the router saw it) */
#define Q_UDP(sp, d, dp)                                                                     \
	&(const struct frame)                                                                \
	{                                                                                    \
		.kind = FR_UDP4, .ttl = 62, .saddr = UPLINK_IP, .daddr = (d), .sport = (sp), \
		.dport = (dp)                                                                \
	}
#define Q_TCP(sp, d, dp, fl)                                                                 \
	&(const struct frame)                                                                \
	{                                                                                    \
		.kind = FR_TCP4, .ttl = 62, .saddr = UPLINK_IP, .daddr = (d), .sport = (sp), \
		.dport = (dp), .tcp_flags = (fl)                                             \
	}
#define Q_PING(id, d)                                                                          \
	&(const struct frame)                                                                  \
	{                                                                                      \
		.kind = FR_ICMP4, .ttl = 62, .saddr = UPLINK_IP, .daddr = (d), .icmp_type = 8, \
		.icmp_id = (id), .icmp_seq = 1                                                 \
	}
/* and as the node sent it */
#define QN_UDP(sa, sp, d, dp)                                                           \
	&(const struct frame)                                                           \
	{                                                                               \
		.kind = FR_UDP4, .ttl = 62, .saddr = (sa), .daddr = (d), .sport = (sp), \
		.dport = (dp)                                                           \
	}
#define QN_TCP(sa, sp, d, dp, fl)                                                       \
	&(const struct frame)                                                           \
	{                                                                               \
		.kind = FR_TCP4, .ttl = 62, .saddr = (sa), .daddr = (d), .sport = (sp), \
		.dport = (dp), .tcp_flags = (fl)                                        \
	}
#define QN_PING(sa, id, d)                                                                \
	&(const struct frame)                                                             \
	{                                                                                 \
		.kind = FR_ICMP4, .ttl = 62, .saddr = (sa), .daddr = (d), .icmp_type = 8, \
		.icmp_id = (id), .icmp_seq = 1                                            \
	}

#define SYN    TCPF_SYN
#define SYNACK (TCPF_SYN | TCPF_ACK)
#define ACK    TCPF_ACK
#define FINACK (TCPF_FIN | TCPF_ACK)
#define RSTACK (TCPF_RST | TCPF_ACK)
#define RST    TCPF_RST
#define TCP    IPPROTO_TCP
#define UDP    IPPROTO_UDP
#define ICMP   IPPROTO_ICMP

/* a nat_ports entry: what arrives (host address, remote, ports) -> the node */
#define NATP(na, r, np, rp, pr)                                                \
	.check = true, .nat_addr = (na), .remote_addr = (r), .nat_port = (np), \
	.remote_port = (rp), .proto = (pr)
/* a forward's hits */
#define HITS(a, p, pr, n) .check = true, .host_addr = (a), .port = (p), .proto = (pr), .hits = (n)

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

#define TABLE(s, ...) (&(const struct nat_table){ .name = #s, .steps = s, .n = N(s), __VA_ARGS__ })

/* Sets up lab_masq with t's config and forwards, runs every step, reports. */
void run_table(const struct nat_table *t);

/*
 * The maps a table runs on, for a test that drives the programs itself:
 * the objects loaded into env (st_close() it), t's lab, config and
 * forwards installed (t's steps are not run). The uplink's ifindex.
 */
uint32_t nat_env_setup(struct st_env *env, const struct nat_table *t);

#endif /* NSBPF_SELFTESTS_NAT_TABLE_H */
