/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Where an IPv4 address that is no node's lies: in a lab subnet (its
 * gateway or broadcast, which live on the host, or an unused address), in
 * a routed prefix (the router's network's: as its unused addresses to the
 * callers here, who ask of sources and destinations no node has), or
 * outside the lab.
 */
#ifndef NSBPF_LIB_SUBNETS_H
#define NSBPF_LIB_SUBNETS_H

#include "lib/verdict.h"
#include "lib/endpoint.h"

enum lab_where {
	LAB_FAR,       /* in no lab subnet, nor a host address (addr_filter says) */
	LAB_OUTSIDE,   /* in no lab subnet */
	LAB_GATEWAY,   /* a subnet's gateway (lives on the host) */
	LAB_BROADCAST, /* a subnet's broadcast address */
	LAB_EMPTY,     /* a lab address with no node behind it, or in a routed prefix */
};

/* addr's two bits in addr_filter (NSB_ADDR_FILTER_LAB, _HOST), 3 when the map has none. */
static __always_inline __u32 __addr_filter_bits(__be32 addr, __u32 *word)
{
	__u32 slot = NSB_ADDR_FILTER_SLOT(bpf_ntohl(addr));
	const __u64 *bits;

	*word = NSB_ADDR_FILTER_WORD(slot);
	bits = bpf_map_lookup_elem(&addr_filter, word);
	return bits ? (*bits >> NSB_ADDR_FILTER_SHIFT(slot)) & 3 : 3;
}

/*
 * May addr be a lab or host address? False: surely not (addr_filter,
 * nsbpf_maps.h; an array lookup the verifier inlines), so the endpoints
 * and host_addrs lookups and the subnets' scan would all miss.
 */
static __always_inline bool lab_addr_maybe(__be32 addr)
{
	__u32 word;

	return __addr_filter_bits(addr, &word) != 0;
}

struct __lab_ctx {
	__be32 daddr;
	enum lab_where where;
	__u32 net_id; /* the network, where it is not LAB_OUTSIDE */
};

/*
 * bpf_loop() callback: one networks slot. 1 stops the loop. The loader fills
 * the slots from 0, a converge's holes flagged (NSB_NET_F_HOLE), so the
 * first slot with neither flag ends the list.
 */
static long __lab_net(__u32 id, void *arg)
{
	struct __lab_ctx *c = arg;
	const struct nsb_network *net = bpf_map_lookup_elem(&networks, &id);

	if (!net || !(net->flags & NSB_NET_F_USED))
		return !net || !(net->flags & NSB_NET_F_HOLE); /* a hole: the list goes on */
	if ((c->daddr & net->mask) != net->subnet)
		return 0;
	c->net_id = id;
	if (c->daddr == net->gateway)
		c->where = LAB_GATEWAY;
	else if (c->daddr == (net->subnet | ~net->mask))
		c->where = LAB_BROADCAST;
	else
		c->where = LAB_EMPTY;
	return 1;
}

/*
 * bpf_loop() (5.17+) keeps the verifier's cost at one pass over the
 * callback, where a plain 64-round loop would be walked round by round.
 */
static __always_inline enum lab_where lab_where_net(__be32 daddr, __u32 *net_id)
{
	struct __lab_ctx c = { .daddr = daddr, .where = LAB_OUTSIDE };
	/* c's own room as the filter's key: from_uplink's frame has no byte to spare */
	__u32 bits = __addr_filter_bits(daddr, &c.net_id);
	const struct nsb_endpoint *router;

	c.net_id = 0;
	if (!(bits & NSB_ADDR_FILTER_LAB)) {
		/* in no lab subnet nor routed prefix; a host address's bit asks host_addrs */
		if (!(bits & NSB_ADDR_FILTER_HOST))
			c.where = LAB_FAR;
	} else {
		bpf_loop(NSB_MAX_NETWORKS, __lab_net, &c, 0);
		router = c.where == LAB_OUTSIDE ? endpoint_routed(daddr) : NULL;
		if (router) {
			c.net_id = router->net_id;
			c.where = LAB_EMPTY;
		}
	}
	*net_id = c.net_id;
	return c.where;
}

static __always_inline enum lab_where lab_where(__be32 daddr)
{
	__u32 id;

	return lab_where_net(daddr, &id);
}

/* In no lab subnet (LAB_FAR or LAB_OUTSIDE)? */
static __always_inline bool lab_outside(enum lab_where w)
{
	return w == LAB_FAR || w == LAB_OUTSIDE;
}

#endif /* NSBPF_LIB_SUBNETS_H */
