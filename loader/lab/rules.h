/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Typed operations on a running lab, through its pinned maps: port forwards,
 * the NAT's flows, masquerade per network, the counters, the lab's config.
 * Each returns 0 or -errno and fills a result, with the failure in words
 * (util/err.h); none prints. cli/ parses, calls these, prints.
 */
#ifndef NSBPF_LAB_RULES_H
#define NSBPF_LAB_RULES_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lab/lab.h"
#include "lab/port_fwd_map.h"
#include "nsbpf_maps.h"
#include "util/err.h"

/* The conntrack timeouts in force, by the names of the file's nat: timeouts: keys. */
#define RULES_N_TIMEOUTS 7

struct rules_timeout {
	const char *name; /* "tcp_syn", "tcp_established", ... "icmp" */
	uint64_t secs;
};

/* What the running lab was configured with (its config map). */
struct rules_config {
	uint16_t snat_port_min; /* masquerade source ports, inclusive */
	uint16_t snat_port_max;
	struct rules_timeout timeouts[RULES_N_TIMEOUTS];
};

int rules_config_read(const char *lab, struct rules_config *c, struct err_msg *e);

/* ---- port forwards ---- */

/* Every forward of the running lab, sorted; free() *out. */
int rules_forwards_list(const struct lab_info *li, struct fwd_entry **out, size_t *n);
/*
 * Mark each of v runtime unless the lab's recorded topology has it (a
 * converge keeps runtime forwards; the file's follow the file). A lab
 * without one: its forwards are runtime when it is a CNI network's.
 */
int rules_forwards_origin(const struct lab_info *li, struct fwd_entry *v, size_t n);

/*
 * How a batch of changes to the forwards runs (add, del: all or none, also
 * when interrupted), and what it met.
 */
struct rules_fwd_run {
	bool force;			   /* add: also on ports the host's sockets have */
	const volatile sig_atomic_t *stop; /* set (by a signal): undo, -EINTR */
	size_t recovered;		   /* out: forwards of an interrupted batch undone first */
};

/*
 * Add the n forwards of reqs, all or none, under the state lock: each is
 * checked against the lab's nodes, its forwards, the masquerade range, the
 * others and what the host has (its sockets' ports unless run->force). 0,
 * or -errno with every problem in probs (index: the request, ERR_NO_INDEX
 * for the lab's own failures); -EINTR: *run->stop was set, nothing added.
 */
int rules_forwards_add(const struct lab_info *li, const struct fwd_spec *reqs, size_t n,
		       struct rules_fwd_run *run, struct err_list *probs);

/*
 * Delete the n forwards reqs name, all or none, under the state lock: each
 * the forward that starts at its port, as long (and, when it names a node,
 * leading to that node and port), named once. Their flows end as the
 * entries go (the datapath finds no forward for them). 0, or -errno with
 * every problem in probs: -ENOENT no such forward, -ERANGE a part of a
 * longer one; -EINTR: *run->stop was set, nothing deleted.
 */
int rules_forwards_del(const struct lab_info *li, const struct fwd_spec *reqs, size_t n,
		       struct rules_fwd_run *run, struct err_list *probs);

/*
 * Undo the forward batch a killed `forward add|del` left (its journal
 * /run/nsbpf/LAB/batch), if any: what every command that opens the lab
 * does first. 0 with *n its forwards (0: there was none), or -errno with e
 * (the journal then stays; -EXDEV: the lab's pins are another mount
 * namespace's, lab_where()).
 */
int rules_forwards_recover(const char *lab, size_t *n, struct err_msg *e);

/* ---- the NAT's flows (ct) ---- */

enum rules_flow_kind {
	RULES_FLOW_MASQUERADE, /* the node opened it */
	RULES_FLOW_FORWARD,    /* a client through a forward */
	RULES_FLOW_HAIRPIN,    /* node to node through a forward */
};

struct rules_endpoint {
	uint32_t ip;	 /* host order; IPv4 */
	uint16_t port;	 /* host order; ICMP, ICMPv6: the echo id */
	bool v6;	 /* an IPv6 endpoint: ip6, not ip */
	uint8_t ip6[16]; /* wire order */
};

/*
 * A flow as `nat list` shows it: node is the side that sends with the
 * entry's key, nat the source it is given, dnat the destination a hairpin
 * flow is given.
 */
struct rules_flow {
	uint8_t proto; /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_ICMPV6 */
	bool v6;       /* from ct6: a NAT66 flow, its endpoints IPv6 */
	enum rules_flow_kind kind;
	enum nsb_ct_state state;
	struct rules_endpoint node, remote, nat;
	bool has_dnat;
	struct rules_endpoint dnat;
	uint64_t age_s, idle_s;
	bool expired; /* idle past its timeout (nsb_ct_timeout()): its port is free */
	uint64_t pkts_orig, bytes_orig;	  /* node -> remote */
	uint64_t pkts_reply, bytes_reply; /* remote -> node */
};

/*
 * fn for each flow of the lab, ct's then ct6's (a non-zero return stops the
 * walk and is returned). A lab from before IPv6 has no ct6: its IPv4 flows.
 */
int rules_flows_foreach(const char *lab, int (*fn)(const struct rules_flow *f, void *arg),
			void *arg, struct err_msg *e);

/* Forget every flow, IPv4's and IPv6's; *n: how many there were. */
int rules_flows_flush(const char *lab, size_t *n, struct err_msg *e);

/* ---- masquerade, counters ---- */

/*
 * Masquerade the lab's network net, or stop (new flows only). *changed:
 * false when it was so already (nothing written).
 */
int rules_masquerade_set(const char *lab, const struct lab_net *net, bool on, bool *changed,
			 struct err_msg *e);

/* A network as the datapath has it now (the networks map), for status. */
struct rules_net {
	bool masquerade; /* as `nat on|off` left it, not as the file says */
	uint64_t reach;	 /* bit n: may exchange packets with network id n */
};

/* The lab's networks from its map, out[i] for li->nets[i]; -errno with e. */
int rules_networks_read(const struct lab_info *li, struct rules_net *out, struct err_msg *e);

struct rules_counter {
	uint64_t packets;
	uint64_t bytes;
};

/* The datapath's counters, summed over CPUs: per path and per drop reason. */
struct rules_stats {
	struct rules_counter paths[NSB_PATH_MAX]; /* enum nsb_path */
	struct rules_counter drops[NSB_DROP_MAX]; /* enum nsb_drop */
};

int rules_stats_read(const char *lab, struct rules_stats *s, struct err_msg *e);

#endif /* NSBPF_LAB_RULES_H */
