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
 * May some forward use this TCP or UDP port, on any host address? False
 * means surely not (the fwd_ports bitmap; an array lookup the verifier
 * inlines), true means ask forwards_lookup().
 */
static __always_inline bool forwards_port_used(__be16 port, __u8 proto)
{
	__u32 p = bpf_ntohs(port), word = NSB_FWD_PORT_WORD(proto, p);
	const __u64 *bits = bpf_map_lookup_elem(&fwd_ports, &word);

	return bits && (*bits >> (p % 64)) & 1;
}

/* One more flow through this port (the CLI sums a range's ports). */
static __always_inline void forwards_hit(struct nsb_fwd_val *fwd)
{
	__sync_fetch_and_add(&fwd->hits, 1);
}

#endif /* NSBPF_LIB_PORT_FWD_H */
