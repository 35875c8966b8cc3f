/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Where an IPv6 address that is no node's lies, as lib/subnets.h for IPv4:
 * a network's gateway6 (lives on the host), another address of its
 * subnet6 (no node there), or outside the lab. networks6 has the same ids
 * as networks, whose flags end the list (the first slot with neither
 * NSB_NET_F_USED nor NSB_NET_F_HOLE): a lab of three networks costs four
 * rounds, not 64.
 */
#ifndef NSBPF_LIB_SUBNETS6_H
#define NSBPF_LIB_SUBNETS6_H

#include "lib/verdict.h"
#include "lib/subnets.h" /* enum lab_where */
#include "lib/addr6.h"

struct __lab6_ctx {
	__be32 daddr[4];
	enum lab_where where; /* LAB_OUTSIDE, LAB_GATEWAY or LAB_EMPTY */
	__u32 net_id;	      /* the network, where it is not LAB_OUTSIDE */
};

/* bpf_loop() callback: one network id. 1 stops the loop. */
static long __lab6_net(__u32 id, void *arg)
{
	const struct nsb_network *net = bpf_map_lookup_elem(&networks, &id);
	const struct nsb_network6 *net6;
	struct __lab6_ctx *c = arg;

	if (!net || !(net->flags & (NSB_NET_F_USED | NSB_NET_F_HOLE)))
		return 1; /* past the last network */
	net6 = bpf_map_lookup_elem(&networks6, &id);
	if (!net6 || !(net6->flags & NSB_NET_F_USED) ||
	    !addr6_in(c->daddr, net6->subnet, net6->prefixlen))
		return 0;
	c->net_id = id;
	c->where = addr6_eq(c->daddr, net6->gateway) ? LAB_GATEWAY : LAB_EMPTY;
	return 1;
}

static __always_inline enum lab_where lab6_where(const __be32 *daddr, __u32 *net_id)
{
	struct __lab6_ctx c = { .where = LAB_OUTSIDE };

	addr6_copy(c.daddr, daddr);
	bpf_loop(NSB_MAX_NETWORKS, __lab6_net, &c, 0);
	*net_id = c.net_id;
	return c.where;
}

#endif /* NSBPF_LIB_SUBNETS6_H */
