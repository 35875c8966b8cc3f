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
 *              later packets take the reverse path (lib/rev_snat.h)
 *
 * Only a TCP SYN (no ACK, RST or FIN) or a UDP datagram opens a flow; any
 * other packet without one is the host's, untouched (lib/rev_snat.h checks).
 * The forward's hit is counted once per flow. Maps read: endpoints, ct.
 * Written: ct, nat_ports, frags, forwards (hits).
 */
#ifndef NSBPF_LIB_DNAT_H
#define NSBPF_LIB_DNAT_H

#include "lib/nat.h"
#include "lib/frag.h"
#include "lib/forwards.h"

/* what the outer headers of a packet in from the uplink say */
struct uplink_pkt {
	__be32 saddr, daddr;	/* remote (or a router on the way), a host address */
	__u32 l4_off;
	__u32 len;		/* the frame less its Ethernet header */
	__u32 tot_len;		/* IPv4 total length, host order */
	__u16 frag;		/* frag_off, host order */
	__be16 ip_id;
	__u8 ttl;
	__u8 proto;
};

/*
 * p: a TCP SYN or a UDP datagram (the caller checked) to nk (as it arrives:
 * nat_addr:nat_port the host address and port, remote the client), which no
 * live flow holds; fwd: its forward; seg: the SYN (TCP only).
 */
static __always_inline int dnat_new_v4(struct __sk_buff *skb, struct nsb_verdict *v,
				       const struct nsb_config *cfg, const struct uplink_pkt *p,
				       const struct nsb_nat_key *nk, struct nsb_fwd_val *fwd,
				       const struct tcp_seg *seg, __u64 now)
{
	const struct nsb_endpoint *ep;
	struct nsb_ct_entry *ce = ct_scratch_get();
	struct nsb_nat_val nv = {};
	struct nsb_ct_key ck = {};
	struct nsb_ct_entry *cur;
	long err;

	ck.saddr = fwd->node_addr;
	ck.daddr = nk->remote_addr;
	ck.sport = fwd->node_port;
	ck.dport = nk->remote_port;
	ck.proto = nk->proto;
	if (!ce)
		return nsb_drop(NSB_DROP_INTERNAL);
	ep = bpf_map_lookup_elem(&endpoints, &ck.saddr);
	if (!ep)
		return nsb_drop(NSB_DROP_NO_ENDPOINT);	/* the forward's node is gone */
	if (p->ttl <= 1)
		return nsb_drop(NSB_DROP_TTL);
	/* the node's own live flow on that very tuple (it opened it): not ours to take */
	cur = bpf_map_lookup_elem(&ct, &ck);
	if (cur && !ct_expired(cfg, cur, nk->proto, now) &&
	    (cur->nat_addr != nk->nat_addr || cur->nat_port != nk->nat_port))
		return nsb_drop(NSB_DROP_CT_INSERT);

	nv.node_addr = ck.saddr;
	nv.node_port = ck.sport;
	nv.ifindex = ep->ifindex;
	nv.claimed_ns = now;
	ce->nat_addr = nk->nat_addr;
	ce->nat_port = nk->nat_port;
	ce->state = NSB_CT_NEW;
	ce->flags = NSB_CT_F_DNAT;
	ce->ifindex = ep->ifindex;
	ce->created_ns = now;
	ce->last_seen_ns = now;
	/* BPF_ANY: no live flow holds nk (the caller looked), a stale one may */
	err = bpf_map_update_elem(&nat_ports, nk, &nv, BPF_ANY);
	if (err)
		return nsb_drop(err == -E2BIG ? NSB_DROP_CT_FULL : NSB_DROP_CT_INSERT);
	err = bpf_map_update_elem(&ct, &ck, ce, BPF_ANY);
	if (err) {
		bpf_map_delete_elem(&nat_ports, nk);
		return nsb_drop(err == -E2BIG ? NSB_DROP_CT_FULL : NSB_DROP_CT_INSERT);
	}
	forwards_hit(fwd);
	cur = bpf_map_lookup_elem(&ct, &ck);
	if (!cur)
		return nsb_drop(NSB_DROP_CT_INSERT);	/* gone meanwhile (the collector) */
	if (p->proto == IPPROTO_TCP && tcp_track(skb, cur, seg) != TCP_ACCEPT)
		return nsb_drop(NSB_DROP_TCP_WINDOW);

	if (csum_ttl_dec_at(skb, p->ttl, p->proto) ||
	    nat_rewrite_v4(skb, IP_OFF_DADDR, p->daddr, ck.saddr, p->l4_off, p->proto, true,
			   L4_DPORT, nk->nat_port, ck.sport))
		return nsb_drop(NSB_DROP_CSUM);
	if ((p->frag & (IP_MF | IP_OFFSET)) == IP_MF)
		frag_record(p->saddr, p->daddr, p->ip_id, p->proto, NSB_FRAG_IN, &ck, ck.saddr,
			    now);
	ct_account_reply(cur, p->proto, p->len, now);
	return nat_to_node(skb, v, ep, NSB_PATH_DNAT);
}

#endif /* NSBPF_LIB_DNAT_H */
