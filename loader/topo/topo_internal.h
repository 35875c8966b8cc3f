/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Shared by the parts of the topology module only: topo.c (the API, the
 * message list), topo_parse.c (scalar parsers, names), topo_yaml.c (the
 * libyaml tree walk), topo_limits.c (entry limits), topo_check.c and topo_check_fwd.c (cross-checks and
 * defaults). The walk records, beside struct topo, what the check needs and
 * struct topo has no room for: marks, names still to resolve, and which
 * fields are usable, so that one mistake is reported once instead of again
 * by every check that depends on it.
 */
#ifndef NSBPF_TOPO_INTERNAL_H
#define NSBPF_TOPO_INTERNAL_H

#include "topo/topo.h"
#include "util/hint.h"
#include "util/plural.h"
#include "util/strmap.h"

#define TOPO_IPSTR  16 /* "255.255.255.255" */
#define TOPO_IP6STR 46 /* INET6_ADDRSTRLEN */
/*
 * Messages kept per file, the rest only counted: a file of 400,000 broken
 * lines gets a screenful, not 400,000 lines. Did-you-mean compares a name
 * with every candidate, so only the first messages get one.
 */
#define TOPO_MSGS_MAX  100
#define TOPO_HINTS_MAX 20

/* A name written in the file that points at another object. */
struct topo_ref {
	char *name; /* NULL when absent */
	struct topo_mark mark;
};

struct topo_net_route_src {
	bool to_ok;	     /* prefix and length are usable */
	struct topo_ref via; /* the router's name */
};

struct topo_net_src {
	bool name_ok;
	bool subnet_ok;	    /* subnet and prefix are usable */
	bool gateway_given; /* present, well-formed or not */
	bool gateway_ok;    /* present and well-formed */
	struct topo_mark subnet_mark;
	struct topo_mark gateway_mark;
	struct topo_ref *reach;
	size_t n_reach;
	struct topo_net_route_src *routes; /* parallel to the network's routes */
	/* IPv6 (topo_check6.c) */
	bool subnet6_given; /* present, well-formed or not */
	bool subnet6_ok;    /* subnet6 and prefix6 are usable */
	bool gateway6_given;
	bool gateway6_ok;
	struct topo_mark gateway6_mark;
};

/* One item of a node's interfaces: (network, ip?), as the walk read it. */
struct topo_leg_src {
	bool ip_given;
	bool ip_ok;
	uint32_t ip;
	bool ip6_given; /* present, well-formed or not: no default then */
	bool ip6_ok;
	struct in6_addr ip6;
	struct topo_mark ip6_mark;
	struct topo_ref network;
	struct topo_mark mark;
	struct topo_mark ip_mark;
};

struct topo_node_src {
	bool name_ok;
	bool ip_given; /* present, well-formed or not: no default then */
	bool ip_ok;
	struct topo_ref network;
	struct topo_mark ip_mark;
	/* interfaces: every item; the first moves to network/ip in the check */
	bool ifs_given;
	struct topo_mark ifs_mark;
	struct topo_leg_src *ifs;
	size_t n_ifs;
	struct topo_leg_src *legs; /* parallel to topo_node.legs: ifs + 1 */
	bool routes_ok;		   /* every route parsed */
	bool has_link;		   /* an endpoint of a link */
	bool net_reported;	   /* not a mapping, or a typo for network: said so */
	bool ip6_given;		   /* present, well-formed or not: no default then */
	bool ip6_ok;
	struct topo_mark ip6_mark;
};

struct topo_link_src {
	bool ends_ok;	  /* two names */
	bool subnet_ok;	  /* subnet and prefix usable */
	bool ifnames_ok;  /* absent, or two valid names */
	bool ifnames_set; /* given */
	size_t nr;	  /* 1-based place in the list */
	struct topo_ref end[2];
	struct topo_mark subnet_mark;
	struct topo_mark ifnames_mark[2];
};

struct topo_fwd_src {
	bool proto_ok;
	bool port_ok;
	bool to_ok;	    /* node name and port range both parsed */
	bool host_ok;	    /* absent, or present and well-formed */
	size_t nr;	    /* 1-based place in the list, as messages count */
	struct topo_ref to; /* the node part of "to" */
	struct topo_mark port_mark;
};

struct topo_msg {
	struct topo_mark mark;
	size_t seq; /* keeps the sort stable */
	char *text; /* "FILE:LINE:COL: ..." */
};

struct topo_ctx {
	const char *path;
	struct topo *t;
	bool name_ok;
	bool have_networks; /* "networks" was a mapping: refs to networks resolve */
	bool have_nodes;    /* "nodes" was a mapping: refs to nodes resolve */
	struct topo_mark root_mark;
	struct topo_mark name_mark;
	struct topo_mark networks_mark;
	struct topo_mark nodes_mark;
	struct topo_mark nat_ports_mark;
	struct topo_net_src *nets;   /* parallel to t->networks */
	struct topo_node_src *nodes; /* parallel to t->nodes */
	struct topo_fwd_src *fwds;   /* parallel to t->forwards */
	struct topo_link_src *links; /* parallel to t->links */
	size_t cap_networks, cap_nodes, cap_forwards, cap_links;
	struct strmap net_ix;  /* network names to indices, for topo_resolve_ref */
	struct strmap node_ix; /* node names to indices */
	struct topo_msg *msgs;
	size_t n_msgs, cap_msgs;
	size_t n_dropped;    /* past TOPO_MSGS_MAX */
	size_t fwd_ports;    /* host ports the forwards take, NSB_MAX_FORWARDS at most */
	bool fwd_ports_over; /* reported: the forwards after it are not checked */
	int err;	     /* sticky -ENOMEM */
};

__attribute__((format(printf, 3, 4))) void topo_err(struct topo_ctx *c, struct topo_mark m,
						    const char *fmt, ...);
void *topo_grow(void *p, size_t *cap, size_t want, size_t size);

/* Like the public parsers, but tell syntax (-EINVAL) from range errors. */
int topo_ipv4_prefix(const char *s, uint32_t *addr, int *prefix);     /* prefix 0..32 */
int topo_port_range_check(const char *s, uint16_t *lo, uint16_t *hi); /* -ERANGE, -EDOM */
uint32_t topo_mask(int prefix);
/* Do the prefixes a/pa and b/pb share an address? */
bool topo_overlap(uint32_t a, int pa, uint32_t b, int pb);
const char *topo_ip_str(uint32_t ip, char buf[TOPO_IPSTR]);

/* IPv6 (topo_parse6.c); addresses in network order. */
int topo_parse_ipv6(const char *s, struct in6_addr *a);		      /* no prefix, no zone */
int topo_ipv6_prefix(const char *s, struct in6_addr *a, int *prefix); /* prefix 0..128 */
bool topo_overlap6(const struct in6_addr *a, int pa, const struct in6_addr *b, int pb);
bool topo_host_bits6(const struct in6_addr *a, int prefix);
bool topo_ip6_eq(const struct in6_addr *a, const struct in6_addr *b);
bool topo_ip6_zero(const struct in6_addr *a);
int topo_ip6_cmp(const struct in6_addr *a, const struct in6_addr *b);
bool topo_ip6_inc(struct in6_addr *a);
struct in6_addr topo_last6(const struct in6_addr *net, int prefix);
const char *topo_ip6_str(const struct in6_addr *a, char buf[TOPO_IP6STR]);
/* ::, ::1, ::ffff:0:0/96, fe80::/10, ff00::/8: the first net/prefix overlaps, or NULL. */
const char *topo_special_block6(const struct in6_addr *net, int prefix, struct in6_addr *block,
				int *block_prefix);

/* Growth of the parallel arrays: the index of the new zeroed entry, or -ENOMEM. */
int topo_add_network(struct topo_ctx *c);
int topo_add_node(struct topo_ctx *c);
int topo_add_forward(struct topo_ctx *c);
int topo_add_link(struct topo_ctx *c);

/* Hand c's messages over to errs in file order (errs may be NULL: dropped). */
void topo_flush_msgs(struct topo_ctx *c, struct topo_errors *errs);

/* The sections whose keys are names, and how many entries each may have. */
struct topo_section {
	const char *key;  /* "nodes" */
	const char *what; /* "node" */
	size_t limit;
};

#define TOPO_NETWORKS 0
#define TOPO_NODES    1
#define TOPO_SECTIONS 2
extern const struct topo_section topo_sections[TOPO_SECTIONS];

/* The one message of a limit, at the entry past it (topo_limits.c). */
void topo_err_too_many(struct topo_ctx *c, struct topo_mark m, const struct topo_section *sec,
		       const char *name);
/*
 * Count the sections' entries on the event stream, before the document is
 * loaded: -EINVAL when one is over its limit (reported), else 0.
 */
int topo_yaml_limits(struct topo_ctx *c, const char *buf, size_t len);

/* 0 when a tree was walked (errors or not), -EINVAL when there was none. */
int topo_yaml_walk(struct topo_ctx *c, const char *buf, size_t len);
void topo_check(struct topo_ctx *c);
void topo_check_forwards(struct topo_ctx *c);	 /* topo_check_fwd.c, from topo_check() */
void topo_check_net_routes(struct topo_ctx *c);	 /* topo_check_route.c, from topo_check() */
void topo_check_net_remotes(struct topo_ctx *c); /* topo_check_remote.c, after the routes */
/* topo_check6.c: subnet6s and gateway6s, then (after the IPv4 nodes) the nodes' ip6. */
void topo_check_networks6(struct topo_ctx *c);
void topo_check_nodes6(struct topo_ctx *c);
/*
 * topo_check_legs.c, from topo_check(): interfaces into first leg and
 * further legs (before the addresses), then links, routes and netem.
 */
void topo_check_ifs(struct topo_ctx *c);
void topo_check_links(struct topo_ctx *c);
void topo_check_routes(struct topo_ctx *c);
void topo_check_links6(struct topo_ctx *c); /* topo_check_links6.c */
void topo_check_routes6(struct topo_ctx *c);
/* Why ip cannot be a node's address in n, or NULL (topo_check.c). */
const char *topo_addr_problem(const struct topo_network *n, uint32_t ip);

/*
 * Scalars of the new keys (topo_parse_netem.c): 0, -EINVAL (syntax) or
 * -ERANGE. delay "20ms", "1.5s", "500us"; loss "0.5%"; rate "100mbit".
 */
int topo_parse_delay_us(const char *s, uint32_t *us);
int topo_parse_loss_ppm(const char *s, uint32_t *ppm);
int topo_parse_rate_bps(const char *s, uint64_t *bps);

/* The index of name among n names stride bytes apart (topo_parse.c), or -1. */
int topo_name_index(const char *names, size_t stride, size_t n, const char *name);
/*
 * The index of the name r refers to, found in ix (names to indices), or -1
 * after reporting it with the closest of the n names (stride bytes apart)
 * as a hint. what: "network", "node"; who: the message's prefix.
 */
int topo_resolve_ref(struct topo_ctx *c, const struct topo_ref *r, const struct strmap *ix,
		     const char *names, size_t stride, size_t n, const char *what, const char *who);

#endif /* NSBPF_TOPO_INTERNAL_H */
