/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Where a packet for a lab address goes: the one place that says it. A
 * node's address is its endpoint; an address in a routed prefix
 * (networks.N.routes) is its router's endpoint, as the routes trie holds a
 * copy of it. Every path that looks an address up (route, spoof, rev_nat,
 * dnat, hairpin, subnets) asks here, so a routed prefix is the router's
 * network's everywhere alike.
 *
 * Cost: a node's address is the one hash lookup it always was. A miss asks
 * the trie only when config.routes says the lab has routes: the masquerade
 * path (a node to the outside misses every time) pays an inlined array
 * read, no trie lookup, in a lab without routes. No stack: the key lives in
 * a per-CPU map, looked up with a key in .rodata, since the call chains
 * that ask are at the verifier's 512 bytes.
 */
#ifndef NSBPF_LIB_ENDPOINT_H
#define NSBPF_LIB_ENDPOINT_H

#include "nsbpf_maps.bpf.h"

static const __u32 __endpoint_zero = 0;

/* The router whose prefix holds addr, or NULL (no routes, or none holds it). */
/* The per-CPU LPM key (no stack left for one) set to addr/32, or NULL. */
static __always_inline struct nsb_route_key *route_key_of(__be32 addr)
{
	struct nsb_route_key *k = bpf_map_lookup_elem(&route_key, &__endpoint_zero);

	if (k) {
		k->prefixlen = 32;
		k->addr = addr;
	}
	return k;
}

static __always_inline const struct nsb_endpoint *endpoint_routed(__be32 addr)
{
	const struct nsb_config *cfg = bpf_map_lookup_elem(&config, &__endpoint_zero);
	const struct nsb_route *r;
	struct nsb_route_key *k;

	if (!cfg || !cfg->routes)
		return NULL;
	k = route_key_of(addr);
	if (!k)
		return NULL;
	r = bpf_map_lookup_elem(&routes, k);
	return r ? &r->ep : NULL;
}

/*
 * The endpoint a packet for *addr goes to: its node's, or its router's.
 * addr may be a map key on the stack or in a map value.
 */
static __always_inline const struct nsb_endpoint *endpoint_find(const __be32 *addr)
{
	const struct nsb_endpoint *ep = bpf_map_lookup_elem(&endpoints, addr);

	return ep ? ep : endpoint_routed(*addr);
}

#endif /* NSBPF_LIB_ENDPOINT_H */
