/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Port forwards from the outside, at from_uplink: a new flow to a forwarded
 * port (host address:6000 -> node:8080) gets the two entries the rest of
 * its packets need, then this first packet is translated like the ones
 * after it:
 *
 *   ct         {node, client, 8080, cport} -> source host address:6000, F_DNAT:
 *              the node's replies take masquerade's existing-flow path at
 *              from_node (lib/masq.h), whatever its network's masquerade says
 *   nat_ports  {host address, client, 6000, cport} -> node:8080: the client's
 *              later packets take the reverse path (lib/rev_nat.h)
 *
 * Only a TCP SYN (no ACK, RST or FIN) or a UDP datagram opens a flow; any
 * other packet without one is the host's, untouched (dnat_open_v4() checks).
 * The forward's hit is counted once per flow. Maps read: endpoints, ct.
 * Written: ct, nat_ports, frags, forwards (hits).
 */
#ifndef NSBPF_LIB_DNAT_H
#define NSBPF_LIB_DNAT_H

#include "lib/rev_nat.h"

#define DNAT_CPORT_TRIES 8

/*
 * A client port for *ck under which the node has no live flow: one of the
 * SNAT range (the host's own ports never), hashed from the tuple. False
 * when DNAT_CPORT_TRIES candidates are all taken. A plain bounded loop: a
 * bpf_loop() callback would add a frame to from_uplink's call chain, which
 * the verifier sums into 512 bytes.
 */
static __always_inline bool __dnat_cport(const struct nsb_config *cfg, struct nsb_ct_key *ck,
					 __u64 now)
{
	__u32 min = nsb_snat_port_min(cfg), max = nsb_snat_port_max(cfg), hash, range;
	const struct nsb_ct_entry *cur;

	if (min > max)
		return false;
	range = max - min + 1;
	hash = __nat_hash(ck);
	for (__u32 i = 1; i <= DNAT_CPORT_TRIES; i++) {
		ck->dport = bpf_htons((__u16)(min + __nat_mix(hash + i) % range));
		cur = bpf_map_lookup_elem(&ct, ck);
		if (!cur || ct_expired(cfg, cur, ck->proto, now))
			return true;
	}
	return false;
}

/*
 * p: a TCP SYN or a UDP datagram (the caller checked) to nk (as it arrives:
 * nat_addr:nat_port the host address and port, remote the client), which no
 * live flow holds; fwd: its forward. The new entry is the scratch one the
 * caller began (the SYN's window tracking in it): it goes into ct whole,
 * this packet counted, so no lookup follows the insert, and none comes
 * before it unless the tuple is taken.
 */
static __always_inline int __dnat_new(struct __sk_buff *skb, struct nsb_verdict *v,
				      const struct nsb_config *cfg, const struct uplink_pkt *p,
				      const struct nsb_nat_key *nk, struct nsb_fwd_val *fwd,
				      __u64 now)
{
	const struct nsb_endpoint *ep;
	struct nsb_ct_entry *ce = ct_scratch_peek();
	struct nsb_nat_val nv = {};
	struct nsb_ct_key ck = {};
	struct nsb_fwd_key fk = {};
	struct nsb_ct_entry *cur;

	ck.saddr = fwd->node_addr;
	ck.daddr = nk->remote_addr;
	ck.sport = fwd->node_port;
	ck.dport = nk->remote_port;
	ck.proto = nk->proto;
	if (!ce)
		return nsb_drop(NSB_DROP_INTERNAL);
	ep = endpoint_find(&ck.saddr); /* the node, or the router it lies behind */
	if (!ep)
		return nsb_drop(NSB_DROP_NO_ENDPOINT); /* the forward's node is gone */
	if (p->ttl <= 1)
		return nsb_drop(NSB_DROP_TTL);
	nv.node_addr = ck.saddr;
	nv.node_port = ck.sport;
	nv.ifindex = ep->ifindex;
	nv.claimed_ns = now;
	ce->nat_addr = nk->nat_addr;
	ce->nat_port = nk->nat_port;
	ce->state = NSB_CT_NEW;
	ce->flags |= NSB_CT_F_DNAT;
	/* the forward for any address, unless one for this very address exists */
	fk.host_addr = nk->nat_addr;
	fk.port = nk->nat_port;
	fk.proto = nk->proto;
	if (!forwards_port_bit(fk.port, fk.proto, true) || !bpf_map_lookup_elem(&forwards, &fk))
		ce->flags |= NSB_CT_F_FWD_ANY;
	ce->ifindex = ep->ifindex;
	ce->created_ns = now;
	ct_account_reply(ce, p->proto, skb->len - ETH_HLEN, now);
	/*
	 * The insert itself asks whether the tuple is taken (most new flows
	 * clash with nothing: no lookup before it). Taken by another live flow
	 * of the node's (the same client port through another forward to this
	 * node port, or the node's own flow to it): the node sees this client
	 * at another port (nf_nat's source port clash resolution). Taken by a
	 * stale entry, or this flow's own: replaced.
	 */
	if (bpf_map_update_elem(&ct, &ck, ce, BPF_NOEXIST)) {
		cur = bpf_map_lookup_elem(&ct, &ck);
		if (cur && !ct_expired(cfg, cur, nk->proto, now) &&
		    (cur->nat_addr != nk->nat_addr || cur->nat_port != nk->nat_port ||
		     (cur->flags & NSB_CT_F_HAIRPIN))) {
			if (!__dnat_cport(cfg, &ck, now))
				return nsb_drop(NSB_DROP_NAT_EXHAUSTED);
			nv.remote_port = ck.dport;
			ce->flags |= NSB_CT_F_CPORT;
			ce->dnat_port = nk->remote_port;
		}
		/* an update fails only when the table cannot take the entry */
		if (bpf_map_update_elem(&ct, &ck, ce, BPF_ANY))
			return nsb_drop(NSB_DROP_CT_FULL);
	}
	/* BPF_ANY: no live flow holds nk (the caller looked), a stale one may */
	if (bpf_map_update_elem(&nat_ports, nk, &nv, BPF_ANY)) {
		bpf_map_delete_elem(&ct, &ck);
		return nsb_drop(NSB_DROP_CT_FULL);
	}
	forwards_hit(fwd);
	events_flow(&ck, ce);

	if (nat_rewrite_v4(skb, p->l4_off | RW_TTL_DEC | RW_REVERSE, &ck))
		return nsb_drop(NSB_DROP_CSUM);
	if ((p->frag & (IP_MF | IP_OFFSET)) == IP_MF)
		frag_record(p->saddr, p->daddr, p->ip_id, p->proto, NSB_FRAG_IN, &ck, ck.saddr,
			    now);
	return nat_to_node(skb, v, ep, NSB_PATH_DNAT);
}

/*
 * __dnat_new() as a global function that finishes its own verdict: the new
 * flow's entries are built in a frame of its own, not in from_uplink's,
 * whose call chain the verifier sums into 512 bytes. fwd: the forwards
 * map's value.
 */
__noinline int dnat_new_v4(struct __sk_buff *skb, const struct uplink_pkt *p,
			   const struct nsb_nat_key *nk, struct nsb_fwd_val *fwd)
{
	struct nsb_verdict v = NSB_VERDICT_INIT;
	const struct nsb_config *cfg = config_get();
	struct nsb_nat_key k;
	int ret;

	if (!p || !nk || !fwd || !cfg) {
		ret = nsb_drop(NSB_DROP_INTERNAL);
	} else {
		k = *nk; /* map keys from our own stack */
		ret = __dnat_new(skb, &v, cfg, p, &k, fwd, ct_now());
	}
	return verdict_done(verdict_finish(skb, &v, ret));
}

/*
 * A packet from the uplink to nk that no live flow holds (rf: what
 * rev_nat_find() found of it): a new flow when it is a TCP SYN or a UDP
 * datagram to a forwarded port (rf->fwd) from a source that is not forged;
 * anything else is the host's (NSB_NEXT).
 */
static __always_inline int dnat_open_v4(struct __sk_buff *skb, const struct nsb_config *cfg,
					const struct uplink_pkt *p, const struct nsb_nat_key *nk,
					struct rev_flow *rf, const struct tcp_seg *seg,
					__u8 tcp_flags)
{
	bool tcp = p->proto == IPPROTO_TCP;
	struct nsb_ct_entry *ce;

	/* only a SYN opens one over TCP */
	if (!rf->fwd || (tcp && (tcp_flags & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN)) != TCP_SYN))
		return NSB_NEXT;
	if (uplink_src_forged(cfg, p->saddr))
		return nsb_drop(NSB_DROP_UPLINK_SPOOF);
	/*
	 * The new entry begins in the scratch room: a forward's flow, and the
	 * client's SYN opening its side of the window tracking. Here and not
	 * in dnat_new_v4(), which finishes and inserts it: the two frames side
	 * by side, not stacked, keep the chain within the verifier's 512 bytes.
	 */
	ce = ct_scratch_get();
	if (!ce)
		return nsb_drop(NSB_DROP_INTERNAL);
	ce->flags = NSB_CT_F_DNAT;
	if (tcp && tcp_syn_open(skb, ce, seg) != TCP_ACCEPT)
		return nsb_drop(NSB_DROP_INTERNAL); /* a bare SYN from the opener: checked above */
	return dnat_new_v4(skb, p, nk, rf->fwd);
}

#endif /* NSBPF_LIB_DNAT_H */
