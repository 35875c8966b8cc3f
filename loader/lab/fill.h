/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A lab's networks and endpoints maps, written from its topology and the
 * runtime facts of its nodes: the one fill path, used by `up` (datapath.c)
 * and by the selftests.
 */
#ifndef NSBPF_LAB_FILL_H
#define NSBPF_LAB_FILL_H

#include "lab/lab.h"
#include "topo/topo.h"

/* networks[i] for each t->networks[i]; other ids are left as they are. 0 or -errno. */
int lab_fill_networks(int networks_fd, const struct topo *t);
/*
 * A converge, before the refill: endpoints of addresses t has no leg with
 * deleted, networks past t's marked unused.
 */
int lab_fill_prune(int networks_fd, int endpoints_fd, const struct topo *t);

/* One endpoint per leg of every node, keyed by its address; rt[i] is t->nodes[i]'s. 0 or -errno. */
int lab_fill_endpoints(int endpoints_fd, const struct topo *t, const struct node_rt *rt);

/*
 * addr_filter (nsbpf_maps.h) written whole from what the networks,
 * host_addrs and routes (-1: none) maps hold now: the bit of every /24 of
 * every used network's subnet, of every host address and of every /24 of
 * every routed prefix. Call it after filling any of them.
 */
int lab_fill_addr_filter(int filter_fd, int networks_fd, int host_addrs_fd, int routes_fd);

/*
 * One routes entry per routed prefix of t: its router's endpoint, as
 * lab_fill_endpoints() writes it; entries of prefixes t no longer has go.
 * The number of routes (what config.routes says), or -errno.
 */
int lab_fill_routes(int routes_fd, const struct topo *t, const struct node_rt *rt);

/*
 * One remotes entry per remote subnet of t (networks.N.remote): its next
 * hop and network; entries of subnets t no longer has go. The number of
 * remote subnets (config.flags has NSB_CFG_F_REMOTES when not 0), or -errno.
 */
int lab_fill_remotes(int remotes_fd, const struct topo *t);

/*
 * IPv6 (nsbpf_maps6.h). networks6[id] for each network of t with subnet6,
 * every other id emptied. 0 or -errno.
 */
int lab_fill_networks6(int networks6_fd, const struct topo *t);
/*
 * endpoints6 (node ip6 -> its first leg's endpoint) and ifaces6 (that
 * leg's host end -> endpoint and ip6) for every node with an ip6; the
 * entries t no longer has go. 0 or -errno.
 */
int lab_fill_endpoints6(int endpoints6_fd, int ifaces6_fd, const struct topo *t,
			const struct node_rt *rt);
/*
 * config.lab6_outside (nsbpf_maps.h) from what networks6 holds now: write
 * it into the config with every fill of networks6. 0 or -errno.
 */
int lab_lab6_outside(int networks6_fd, __u64 *outside);
/* config.host6_outside from what host_addrs6 holds now, likewise. 0 or -errno. */
int lab_host6_outside(int host_addrs6_fd, __u64 *outside);

/* host_addrs6 replaced by addrs[0..n) (at most NSB_HOST_ADDRS6_MAX). 0 or -errno. */
int lab_fill_host_addrs6(int host_addrs6_fd, const struct in6_addr *addrs, size_t n);

#endif /* NSBPF_LAB_FILL_H */
