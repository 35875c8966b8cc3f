/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Port forwards over IPv6 from the outside, at from_uplink_v6() (lib/
 * from_uplink6.h): the IPv6 twin of lib/dnat.h. A TCP SYN (no ACK, RST or
 * FIN) or a UDP datagram to host address:port that no live flow holds,
 * where forwards6 has a forward for that address (or for any, when it is
 * the uplink's IPv6 address), opens a flow with the two entries the rest
 * of its packets need, then this first packet is translated like the ones
 * after it:
 *
 *   ct6         {node, client, 8080, cport} -> source host address:6000,
 *               F_DNAT: the node's replies take masquerade's existing-flow
 *               path at from_node (lib/masq6.h: rev_dnat), whatever its
 *               network's masquerade says
 *   nat_ports6  {host address, client, 6000, cport} -> node:8080: the
 *               client's later packets take the reply path of
 *               from_uplink_v6() (dnat)
 *
 * The first packet: destination to the node's ip6 and port, L4 checksum
 * over the pseudo-header, hop limit - 1 (<= 1: ttl), MACs as the node's
 * host end sends, bpf_redirect_peer() (dnat). The client's port is remapped
 * when the node has another live flow on the same tuple (NSB_CT_F_CPORT,
 * as IPv4). A source that can only be forged opens nothing: uplink_spoof
 * (uplink6_classify() drops it before). A first fragment opens a flow like
 * any packet; from_uplink_v6() records its datagram in frags6 for the
 * later ones (lib/frag6.h).
 *
 * Maps read: config, forwards6, fwd_ports, endpoints6, ct6. Written: ct6,
 * nat_ports6, forwards6 (hits).
 */
#ifndef NSBPF_LIB_DNAT6_H
#define NSBPF_LIB_DNAT6_H

#include "lib/nat6.h"
#include "lib/port_fwd.h"

#define DNAT6_CPORT_TRIES 8

/* As __dnat_cport() (lib/dnat.h): a client port of the SNAT range under which the node has no live flow. */
static __always_inline bool __dnat6_cport(const struct nsb_config *cfg, struct nsb_ct6_key *ck,
					  __u64 now)
{
	__u32 min = nsb_snat_port_min(cfg), max = nsb_snat_port_max(cfg), hash, range;
	const struct nsb_ct6_entry *cur;

	if (min > max)
		return false;
	range = max - min + 1;
	hash = __nat6_hash(ck);
	for (__u32 i = 1; i <= DNAT6_CPORT_TRIES; i++) {
		ck->dport = bpf_htons((__u16)(min + __nat_mix(hash + i) % range));
		cur = bpf_map_lookup_elem(&ct6, ck);
		if (!cur || ct_expired(cfg, &cur->e, ck->proto, now))
			return true;
	}
	return false;
}

/*
 * What the new flow needs of from_uplink_v6()'s state (struct __up6, in
 * the scratch room's dnat6.up6): nk, the packet as it arrives (host
 * address:port, client), left in the room (keys from a map value, as 6.1
 * takes them: the frame stays small); the rest copied out. The room's
 * dnat6.ct6 holds the entry begun (F_DNAT, the SYN's window tracking).
 */
struct dnat6_in {
	const struct nsb_nat6_key *nk;
	__u32 l4_off;
	__u8 proto;
	__u8 hop;
	__u8 nexthdr;
	__u8 pad;
};

/*
 * ce, ckp, nvp: the new entry (begun), its key and its claim's value, in
 * the scratch room (keys from a map value, as 6.1 takes them).
 */
static __always_inline int __dnat6_new(struct __sk_buff *skb, struct nsb_verdict *v,
				       const struct nsb_config *cfg, struct dnat6_in *in,
				       struct nsb_ct6_entry *ce, struct nsb_ct6_key *ckp,
				       struct nsb_nat6_val *nvp)
{
	const struct nsb_endpoint *ep;
	const struct nsb_ct6_entry *cur;
	struct nsb_fwd6_val *fwd;
	bool any_hit;
	__u64 now;

	fwd = forwards6_lookup(in->nk->nat_addr, in->nk->nat_port, in->proto,
			       addr6_eq(in->nk->nat_addr, cfg->uplink_addr6), &any_hit);
	if (!fwd)
		return NSB_NEXT; /* no forward: the host's */
	__builtin_memset(ckp, 0, sizeof(*ckp));
	__builtin_memset(nvp, 0, sizeof(*nvp));
	addr6_copy(ckp->saddr, fwd->node_addr);
	addr6_copy(ckp->daddr, in->nk->remote_addr);
	ckp->sport = fwd->v.node_port;
	ckp->dport = in->nk->remote_port;
	ckp->proto = in->proto;
	ep = bpf_map_lookup_elem(&endpoints6, ckp->saddr);
	if (!ep)
		return nsb_drop(NSB_DROP_NO_ENDPOINT); /* the forward's node is gone */
	if (in->hop <= 1)
		return nsb_drop(NSB_DROP_TTL);
	now = ct_now();
	addr6_copy(nvp->node_addr, ckp->saddr);
	nvp->v.node_port = ckp->sport;
	nvp->v.ifindex = ep->ifindex;
	nvp->v.claimed_ns = now;
	addr6_copy(ce->nat_addr, in->nk->nat_addr);
	ce->e.nat_port = in->nk->nat_port;
	ce->e.state = NSB_CT_NEW;
	ce->e.flags |= NSB_CT_F_DNAT;
	if (any_hit)
		ce->e.flags |= NSB_CT_F_FWD_ANY;
	ce->e.ifindex = ep->ifindex;
	ce->e.created_ns = now;
	ct_account_reply(&ce->e, in->proto, skb->len - ETH_HLEN, now);
	/* as __dnat_new(): a clash with another live flow of the node remaps the client port */
	if (bpf_map_update_elem(&ct6, ckp, ce, BPF_NOEXIST)) {
		cur = bpf_map_lookup_elem(&ct6, ckp);
		if (cur && !ct_expired(cfg, &cur->e, in->proto, now) &&
		    (!addr6_eq(cur->nat_addr, in->nk->nat_addr) ||
		     cur->e.nat_port != in->nk->nat_port || (cur->e.flags & NSB_CT_F_HAIRPIN))) {
			if (!__dnat6_cport(cfg, ckp, now))
				return nsb_drop(NSB_DROP_NAT_EXHAUSTED);
			nvp->v.remote_port = ckp->dport;
			ce->e.flags |= NSB_CT_F_CPORT;
			ce->e.dnat_port = in->nk->remote_port;
		}
		if (bpf_map_update_elem(&ct6, ckp, ce, BPF_ANY))
			return nsb_drop(NSB_DROP_CT_FULL);
	}
	if (bpf_map_update_elem(&nat_ports6, in->nk, nvp, BPF_ANY)) {
		bpf_map_delete_elem(&ct6, ckp);
		return nsb_drop(NSB_DROP_CT_FULL);
	}
	forwards_hit(&fwd->v);
	events_flow6(ckp, ce);

	if (nat6_rewrite(skb, rw6_how(in->l4_off, in->proto, RW6_HOP_DEC), NULL,
			 RW6_ADDR(ckp->saddr), rw6_ports(ckp->dport, ckp->sport)))
		return nsb_drop(NSB_DROP_CSUM);
	return nat_to_node(skb, v, ep, NSB_PATH_DNAT);
}

#endif /* NSBPF_LIB_DNAT6_H */
