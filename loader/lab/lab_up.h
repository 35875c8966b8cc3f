/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Inside lab/: what lab_up.c and lab_reup.c share. */
#ifndef NSBPF_LAB_UP_H
#define NSBPF_LAB_UP_H

#include "lab/datapath.h"
#include "lab/lab.h"
#include "util/err.h"

struct nl_sock;

/*
 * The lab's uplink (the file's, or the default route's device; "" for
 * none) into name and up: 0, or -ENODEV with e when it is not there.
 */
int lab_resolve_uplink(struct nl_sock *sk, const struct topo *t, char name[16],
		       struct dp_uplink *up, struct err_msg *e);

/* lab_node.c: write val to a /proc/sys file. */
int write_sysctl(const char *path, const char *val);
/* The host end's sysctls: no rp_filter, no IPv6 (no RA, no redirects). */
int hostif_sysctls(const char *ifname);
/* Inside the node: lo and eth0 up, eth0's address, default route via the gateway. */
int node_config(int nsfd, const struct topo *t, const struct topo_node *n);

/* lab_legs.c: leg k's host end and its peer eth<k> in nsfd, configured; facts into lr. */
struct journal;
int hostend_create(struct nl_sock *sk, struct journal *j, const struct topo *t,
		   const struct topo_node *n, size_t k, int nsfd, struct leg_rt *lr);
/* Every link of t between the nodes' namespaces (they exist), configured. */
int links_create(const struct topo *t);
/* Every node's static routes (after the links: a route may leave by one). */
int routes_add(const struct topo *t);

/* The lab is up already (state lock held): replace its programs in place. */
int lab_reup(const struct topo *t, struct nl_sock *sk, struct up_result *r);

#endif /* NSBPF_LAB_UP_H */
