/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Port forwards: which forward a destination hits. The forwards map holds
 * one entry per host port, keyed by (host address, port, protocol). A
 * forward for the destination address itself wins; host address 0 ("any")
 * answers on the addresses that stand for the host, which the caller names:
 * the uplink address at from_uplink, 127/8 (and 0.0.0.0) at the socket, the
 * uplink address and the lab's gateways for hairpin at from_node.
 * IPv6 (forwards6_lookup()): the same in forwards6, "any" answering on the
 * uplink's IPv6 address and, at the socket, ::1 and ::.
 */
#ifndef NSBPF_LIB_PORT_FWD_H
#define NSBPF_LIB_PORT_FWD_H

#include "nsbpf_maps.bpf.h"
#include "lib/addr6.h"

/*
 * May a forward for one host address (specific) or for any use this TCP
 * or UDP port? False means surely not (fwd_ports, nsbpf_maps.h: an array
 * lookup the verifier inlines), true means ask the forwards map.
 */
static __always_inline bool forwards_port_bit(__be16 port, __u8 proto, bool specific)
{
	__u32 p = bpf_ntohs(port), word = NSB_FWD_PORT_WORD(proto, p, specific);
	const __u64 *bits = bpf_map_lookup_elem(&fwd_ports, &word);

	return bits && (*bits >> (p % 64)) & 1;
}

/* May some forward, for any host address or one, use this port? */
static __always_inline bool forwards_port_used(__be16 port, __u8 proto)
{
	return forwards_port_bit(port, proto, false) || forwards_port_bit(port, proto, true);
}

/*
 * The forward daddr:port hits; with any, a forward for any address too.
 * Only the lookups fwd_ports does not rule out. *any_hit (may be NULL):
 * the hit is the forward for any address.
 */
static __always_inline struct nsb_fwd_val *forwards_lookup_any(__be32 daddr, __be16 port,
							       __u8 proto, bool any, bool *any_hit)
{
	struct nsb_fwd_key k = { .host_addr = daddr, .port = port, .proto = proto };
	struct nsb_fwd_val *fwd = NULL;

	/* 0.0.0.0 as a key is "any": only the caller may decide it stands for the host */
	if (daddr && forwards_port_bit(port, proto, true))
		fwd = bpf_map_lookup_elem(&forwards, &k);
	if (any_hit)
		*any_hit = !fwd;
	if (fwd || !any || !forwards_port_bit(port, proto, false))
		return fwd;
	k.host_addr = 0;
	return bpf_map_lookup_elem(&forwards, &k);
}

static __always_inline struct nsb_fwd_val *forwards_lookup(__be32 daddr, __be16 port, __u8 proto,
							   bool any)
{
	return forwards_lookup_any(daddr, port, proto, any, NULL);
}

/*
 * The forward daddr:port hits in forwards6: the one for daddr itself
 * first, then, with any, the one for any address. Only the lookups
 * fwd_ports (one bitmap for both families) does not rule out.
 */
static __always_inline struct nsb_fwd6_val *forwards6_lookup(const __be32 *daddr, __be16 port,
							     __u8 proto, bool any, bool *any_hit)
{
	struct nsb_fwd6_key k = { .port = port, .proto = proto };
	struct nsb_fwd6_val *fwd = NULL;

	if (!addr6_any(daddr) && forwards_port_bit(port, proto, true)) {
		addr6_copy(k.host_addr, daddr);
		fwd = bpf_map_lookup_elem(&forwards6, &k);
	}
	*any_hit = !fwd;
	if (fwd || !any || !forwards_port_bit(port, proto, false))
		return fwd;
	__builtin_memset(k.host_addr, 0, sizeof(k.host_addr));
	return bpf_map_lookup_elem(&forwards6, &k);
}

/* One more flow through this port (the CLI sums a range's ports). */
static __always_inline void forwards_hit(struct nsb_fwd_val *fwd)
{
	__sync_fetch_and_add(&fwd->hits, 1);
}

#endif /* NSBPF_LIB_PORT_FWD_H */
