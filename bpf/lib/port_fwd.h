/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Port forwards: which forward a destination hits. The forwards map holds
 * one entry per host port, keyed by (host address, port, protocol). A
 * forward for the destination address itself wins; host address 0 ("any")
 * answers on the addresses that stand for the host, which the caller names:
 * the uplink address at from_uplink, 127/8 (and 0.0.0.0) at the socket, the
 * uplink address and the lab's gateways for hairpin at from_node.
 */
#ifndef NSBPF_LIB_PORT_FWD_H
#define NSBPF_LIB_PORT_FWD_H

#include "nsbpf_maps.bpf.h"

/* The forward daddr:port hits; with any, a forward for any address too. */
static __always_inline struct nsb_fwd_val *forwards_lookup(__be32 daddr, __be16 port, __u8 proto,
							   bool any)
{
	struct nsb_fwd_key k = { .host_addr = daddr, .port = port, .proto = proto };
	struct nsb_fwd_val *fwd = NULL;

	/* 0.0.0.0 as a key is "any": only the caller may decide it stands for the host */
	if (daddr)
		fwd = bpf_map_lookup_elem(&forwards, &k);
	if (fwd || !any)
		return fwd;
	k.host_addr = 0;
	return bpf_map_lookup_elem(&forwards, &k);
}

/*
 * Does the forward at addr:port still lead to node:node_port? A forwarded
 * flow lives only as long as the forward that made it: a deleted or
 * re-pointed forward never resumes it, either way.
 */
static __always_inline bool forwards_leads_to(__be32 addr, __be16 port, __u8 proto, __be32 node,
					      __be16 node_port)
{
	const struct nsb_fwd_val *fwd = forwards_lookup(addr, port, proto, true);

	return fwd && fwd->node_addr == node && fwd->node_port == node_port;
}

/*
 * forwards_leads_to() for a forwarded flow's own entry: one lookup, under
 * the key its forward was found by (NSB_CT_F_FWD_ANY), not two.
 */
static __always_inline bool forwards_flow_alive(const struct nsb_ct_entry *ce, __u8 proto,
						__be32 node, __be16 node_port)
{
	struct nsb_fwd_key k = {
		.host_addr = ce->flags & NSB_CT_F_FWD_ANY ? 0 : ce->nat_addr,
		.port = ce->nat_port,
		.proto = proto,
	};
	const struct nsb_fwd_val *fwd = bpf_map_lookup_elem(&forwards, &k);

	return fwd && fwd->node_addr == node && fwd->node_port == node_port;
}

/* One more flow through this port (the CLI sums a range's ports). */
static __always_inline void forwards_hit(struct nsb_fwd_val *fwd)
{
	__sync_fetch_and_add(&fwd->hits, 1);
}

#endif /* NSBPF_LIB_PORT_FWD_H */
