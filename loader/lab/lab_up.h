/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Inside lab/: what lab_up.c and lab_reup.c share. */
#ifndef NSBPF_LAB_UP_H
#define NSBPF_LAB_UP_H

#include <signal.h>
#include <stdbool.h>

#include "lab/datapath.h"
#include "lab/lab.h"
#include "util/err.h"

struct nl_sock;

/* The uplink's global IPv6 addresses up reads (NAT66's source, the host checks). */
#define UPLINK_ADDRS6_MAX 64

/*
 * The lab's uplink (the file's, or the default route's device; "" for
 * none) into name and up: 0, or -ENODEV with e when it is not there.
 */
int lab_resolve_uplink(struct nl_sock *sk, const struct topo *t, char name[16],
		       struct dp_uplink *up, struct err_msg *e);

/* lab_node.c: write val to a /proc/sys file. */
int write_sysctl(const char *path, const char *val);
/*
 * The host end's sysctls: no rp_filter, no RA, no redirects, no SLAAC; IPv6
 * off unless v6 (its network is dual-stack: then a link-local only).
 */
int hostif_sysctls(const char *ifname, bool v6);
/* A dual-stack host end, up: gateway6/128 on it, a /128 route to the node's ip6. */
int hostif_ipv6(struct nl_sock *sk, int ifindex, const struct topo_network *net,
		const struct in6_addr *ip6);
struct sysctl_val {
	const char *name;
	const char *val;
};
/* /proc/sys/net/ipv6/conf/IFNAME/NAME = VAL for each of the n. */
int write_ipv6_sysctls(const char *ifname, const struct sysctl_val *v, size_t n);
/* Inside the node: lo and eth0 up, eth0's address, default route via the gateway. */
int node_config(int nsfd, const struct topo *t, const struct topo_node *n);

/* lab_legs.c: leg k's host end and its peer eth<k> in nsfd, configured; facts into lr. */
struct journal;
int hostend_create(struct nl_sock *sk, struct journal *j, const struct topo *t,
		   const struct topo_node *n, size_t k, int nsfd, struct leg_rt *lr);
/* The links of t (only: NULL for all) between the nodes' namespaces (they exist), configured. */
int links_create(const struct topo *t, const bool *only);
/* Delete a link (from node[0]'s side; 0 when it or its node is gone). */
int link_remove(const struct topo *t, const struct topo_link *l);
/* The nodes' static routes (after the links: a route may leave by one); one there is fine. */
int routes_add(const struct topo *t, const bool *only);

/* lab_up.c: what up does, shared with a converge (only: NULL for all, else by index). */
struct journal;
int node_create(struct nl_sock *sk, struct journal *j, const struct topo *t,
		const struct topo_node *n, struct node_rt *rt);
/* The host's routes into routed prefixes (only: indexed as topo_diff's routes). */
int routes_create(struct nl_sock *sk, struct journal *j, const struct topo *t,
		  const struct node_rt *rt, const bool *only);
int preflight(struct nl_sock *sk, const struct topo *t, const bool *only, struct err_msg *e);
int exec_all(const struct topo *t, const struct up_opts *o, const bool *only,
	     struct lab_exec_fail *fail);
/* The lab's state: the topology's text ("topo"), then the lab file. */
int lab_record(const struct topo *t, const struct node_rt *rt, const struct dp_modes *modes,
	       const struct dp_uplink *up, const char *uplink);

/* SIGINT, SIGTERM, SIGHUP caught while up works (catch), or given back; was one caught? */
struct lab_up_sigs {
	struct sigaction old[3];
};
void lab_up_signals(struct lab_up_sigs *s, bool catch);
bool lab_up_interrupted(void);

/* The lab is up already (state lock held): replace its programs in place, or converge. */
int lab_reup(struct topo *t, const struct up_opts *o, struct nl_sock *sk,
	     const struct dp_uplink *up, struct up_result *r);

/* lab_conv.c: converge the running lab (its topology a) to t, or roll back. */
int lab_converge(const struct topo *a, const struct topo *t, const struct up_opts *o,
		 struct nl_sock *sk, const struct dp_uplink *up, const struct dp_modes *modes,
		 struct up_result *r);
/* The topology the running lab was made from (*t NULL: none recorded), or -errno with e. */
int lab_topo_recorded(const char *lab, struct topo **t, struct err_msg *e);
/* A dry run on a running lab: its diff into r (nothing when the lab is not up). */
int lab_plan_diff(const struct topo *t, struct up_result *r);
/* Was a converge of the lab cut short (its marker left)? */
bool lab_converging(const char *lab);

/* lab_ep.c: remove a host end, its filters and pins, and forget their records. */
int lab_hostend_undo(struct nl_sock *sk, const char *lab, const char *hostif);

#endif /* NSBPF_LAB_UP_H */
