/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * NAT66 masquerade at from_node: a node's IPv6 packet to an outside
 * address (lib/route6.h decides what is outside and calls
 * masq6_from_node()). The same design as IPv4's (lib/masq.h):
 *
 *   an existing flow (its ct6 entry alive, made for today's uplink_addr6,
 *   or a port forward's: F_DNAT, lib/dnat6.h, path rev_dnat) goes on
 *   whatever its network says now; a new one:
 *     the network has no NSB_NET_F_MASQUERADE in networks6   no_masquerade
 *     the lab has no uplink, or no uplink_addr6               no_uplink
 *     not TCP, UDP with a checksum, or an echo request       nat_proto
 *   a later fragment (offset > 0) of no datagram whose first fragment
 *   went out (frags6, lib/frag6.h)                            frag
 *   then a router's checks (RFC 8200 and 4443: routers never fragment):
 *     hop limit <= 1                ICMPv6 Time Exceeded back to the node
 *                                   (lib/icmp6.h)              time_exceeded
 *     too big for the uplink        ICMPv6 Packet Too Big back to the node,
 *                                   the uplink's MTU           frag_needed
 *   then SNAT: source to config.uplink_addr6, the port (echo id) from the
 *   flow's ct6 entry (found, or created with a port claimed in
 *   nat_ports6), TCP window tracking (lib/tcp_win.h), hop limit - 1, and
 *   out of the uplink with bpf_redirect_neigh(): no next hop given, the
 *   kernel routes (AF_INET6) and resolves it. Path snat. A first
 *   fragment (offset 0, M) is one like any, its transport sum adjusted
 *   only, and records its datagram in frags6; its later fragments follow
 *   it: source rewritten, hop limit - 1, out (snat_frag); the last one
 *   (M clear) ends the record.
 *
 * Maps read: config, networks6, ct6, nat_ports6, frags6. Written: ct6,
 * nat_ports6, frags6, scratch, scratch6.
 */
#ifndef NSBPF_LIB_MASQ6_H
#define NSBPF_LIB_MASQ6_H

#include "lib/nat6.h"
#include "lib/icmp6.h"

/* masq6's steps say: go on (the room holds the flow) */
#define MASQ6_GO (8 * __NSB_DONE)
/* hop limit <= 1: a Time Exceeded's (__masq6_time_exceeded()) */
#define MASQ6_TIME_EXCEEDED (9 * __NSB_DONE)
/* too big for the uplink, the room's mtu: a Packet Too Big's (__masq6_too_big()) */
#define MASQ6_TOO_BIG (10 * __NSB_DONE)
/* a later fragment whose first fragment went out: masq6_frag_out()'s */
#define MASQ6_FRAG (12 * __NSB_DONE)

/* A step's result finished: its own frame, beside the driver's. */
__noinline int masq6_finish(struct __sk_buff *skb, int ret)
{
	struct nat6_room *r = nat6_room_get();

	if (!r)
		return verdict_done(TC_ACT_SHOT);
	return verdict_done(verdict_finish(skb, &r->v, ret));
}

/*
 * The call points of helper icmp6's builders, each reached once per
 * packet that needs it, from masq6_from_node_global() (as siblings of its
 * steps: up to 224 bytes of stack for the builder's chain on 6.1). The
 * builder (lib/icmp6.h) finishes its verdict (verdict_done()).
 */

/* Hop limit <= 1: an ICMPv6 Time Exceeded (code 0) back to src. */
static __always_inline int __masq6_time_exceeded(struct __sk_buff *skb,
						 const struct nsb_endpoint *src)
{
	return icmp6_time_exceeded(skb, src);
}

/*
 * Too big for the uplink, mtu its MTU (what bpf_check_mtu() said): an
 * ICMPv6 Packet Too Big (RFC 4443 3.2, MTU mtu) back to src.
 */
static __always_inline int __masq6_too_big(struct __sk_buff *skb, const struct nsb_endpoint *src,
					   __u32 mtu)
{
	return icmp6_too_big(skb, src, mtu);
}

/*
 * Does f fit the uplink? 0, or *mtu the uplink's MTU and 1. A GSO packet
 * is checked segment by segment, any other by its IPv6 length.
 */
static __always_inline int masq6_mtu_check(struct __sk_buff *skb, const struct nsb_config *cfg,
					   const struct flow_v6 *f, __u32 *mtu)
{
	int ret;

	*mtu = 0;
	if (!skb->gso_size && f->tot_len <= ICMP6_MIN_MTU)
		return 0; /* fits any IPv6 link (RFC 8200): no helper call */
	if (skb->gso_size) {
		ret = bpf_check_mtu(skb, cfg->uplink_ifindex, mtu, 0, BPF_MTU_CHK_SEGS);
	} else {
		*mtu = f->tot_len;
		ret = bpf_check_mtu(skb, cfg->uplink_ifindex, mtu, 0, 0);
	}
	if (ret < 0)
		return -1; /* no such device (any more) */
	return ret != BPF_MTU_CHK_RET_SUCCESS;
}

/* A router's checks, in Linux's ip6_forward() order: MASQ6_GO or the verdict. */
static __always_inline int __masq6_checks(struct __sk_buff *skb, struct nat6_room *r,
					  const struct nsb_config *cfg)
{
	int ret;

	if (!cfg->uplink_ifindex)
		return nsb_drop(NSB_DROP_NO_UPLINK);
	if (r->f.hop <= 1)
		return MASQ6_TIME_EXCEEDED;
	ret = masq6_mtu_check(skb, cfg, &r->f, &r->mtu);
	if (ret < 0)
		return nsb_drop(NSB_DROP_NO_UPLINK);
	return ret ? MASQ6_TOO_BIG : MASQ6_GO;
}

/*
 * The first step: the packet parsed into the room's flow, its ct6 entry
 * looked for (r->known), a new flow's policy, a router's checks.
 * MASQ6_GO, MASQ6_TIME_EXCEEDED, MASQ6_TOO_BIG or a drop.
 */
static __always_inline int __masq6_prepare(struct __sk_buff *skb, struct nat6_room *r,
					   const struct nsb_endpoint *src)
{
	const struct nsb_config *cfg = config_get();
	const struct nsb_network6 *net;
	struct flow_v6 *f = &r->f;
	struct nsb_ct6_entry *ce;
	struct ethhdr *eth;
	struct ipv6hdr *ip6;
	__u32 id;
	int ret;

	r->known = 0;
	if (!cfg || !src)
		return nsb_drop(NSB_DROP_INTERNAL);
	ret = parse_ipv6(skb, &eth, &ip6);
	if (ret)
		return ret;
	ret = parse_ipv6_l4(skb, ip6, &r->l4);
	if (ret)
		return ret;
	flow6_parse(skb, ip6, &r->l4, f, &r->h);
	r->now = ct_now();

	if (f->frag == NSB_FRAG6_LATER) {
		/* no ports: its datagram's first fragment said where it goes */
		frag6_key(&r->fr.k, f->key.saddr, f->key.daddr, r->l4.frag_id, f->key.proto,
			  NSB_FRAG_OUT);
		r->known = frag6_lookup(&r->fr, r->now) ? 3 : 0;
	} else if (f->l4 == FLOW_L4_OK) {
		ce = bpf_map_lookup_elem(&ct6, &f->key);
		/*
		 * a flow from before the uplink's address changed is as good as
		 * gone; a forward's reply (F_DNAT, lib/dnat6.h) leaves with the
		 * address its client used
		 */
		if (ce)
			r->known = !ct_expired(cfg, &ce->e, f->key.proto, r->now) &&
						   (addr6_eq(ce->nat_addr, cfg->uplink_addr6) ||
						    (ce->e.flags & NSB_CT_F_DNAT)) ?
					   1 :
					   2; /* 2: a stale entry, its port tried first */
	}
	if (r->known != 1 && r->known != 3) {
		id = src->net_id;
		net = bpf_map_lookup_elem(&networks6, &id);
		if (!net || !(net->flags & NSB_NET_F_USED) || !(net->flags & NSB_NET_F_MASQUERADE))
			return nsb_drop(NSB_DROP_NO_MASQUERADE);
		if (!cfg->uplink_ifindex || addr6_any(cfg->uplink_addr6))
			return nsb_drop(NSB_DROP_NO_UPLINK);
		if (f->frag == NSB_FRAG6_LATER)
			return nsb_drop(NSB_DROP_FRAG);
		if (f->l4 != FLOW_L4_OK)
			return nsb_drop(f->l4 == FLOW_L4_SHORT ? NSB_DROP_SHORT :
								 NSB_DROP_NAT_PROTO);
	}
	ret = __masq6_checks(skb, r, cfg);
	if (f->frag == NSB_FRAG6_LATER) {
		/* errors are for first fragments only (their quote has the ports) */
		if (ret == MASQ6_TIME_EXCEEDED)
			return nsb_drop(NSB_DROP_TTL);
		if (ret == MASQ6_TOO_BIG)
			return nsb_drop(NSB_DROP_MTU);
		return ret == MASQ6_GO ? MASQ6_FRAG : ret;
	}
	if (ret == MASQ6_GO && f->key.proto == IPPROTO_TCP)
		tcp_seg_fill(&r->seg, f->tcp_seq, f->tcp_ack, f->tcp_win, f->tcp_off, f->tcp_flags,
			     f->tot_len, f->l4_off - ETH_HLEN, f->l4_off, 0);
	return ret;
}

__noinline int masq6_prepare(struct __sk_buff *skb, const struct nsb_endpoint *src)
{
	struct nat6_room *r = nat6_room_get();
	int ret;

	if (!r)
		return verdict_done(TC_ACT_SHOT);
	r->v = (struct nsb_verdict)NSB_VERDICT_INIT;
	ret = __masq6_prepare(skb, r, src);
	if (ret == MASQ6_GO || ret == MASQ6_TIME_EXCEEDED || ret == MASQ6_TOO_BIG ||
	    ret == MASQ6_FRAG)
		return ret;
	return verdict_done(verdict_finish(skb, &r->v, ret));
}

/* The last step: SNAT the room's flow with its ct6 entry, out of the uplink. */
static __always_inline int __masq6_out(struct __sk_buff *skb, struct nat6_room *r, bool tracked)
{
	const struct nsb_config *cfg = config_get();
	struct flow_v6 *f = &r->f;
	struct nsb_ct6_entry *ce = bpf_map_lookup_elem(&ct6, &f->key);

	if (!cfg || !ce)
		return nsb_drop(NSB_DROP_CT_INSERT); /* gone meanwhile (the collector) */
	if (!tracked)
		return nsb_drop(NSB_DROP_TCP_WINDOW);
	/* a forward's flow whose client port was remapped: back to the real one */
	if (nat6_rewrite(skb, rw6_how(f->l4_off, f->key.proto, RW6_HOP_DEC), RW6_ADDR(ce->nat_addr),
			 NULL,
			 rw6_ports(ce->e.nat_port,
				   ce->e.flags & NSB_CT_F_CPORT ? ce->e.dnat_port : f->key.dport)))
		return nsb_drop(NSB_DROP_CSUM);
	/*
	 * A first fragment: its UDP (TCP) sum covers the whole datagram, and
	 * was only adjusted for the new address and port, as for any packet.
	 */
	if (f->frag == NSB_FRAG6_FIRST && r->l4.frag_more) {
		frag6_key(&r->fr.k, f->key.saddr, f->key.daddr, r->l4.frag_id, f->key.proto,
			  NSB_FRAG_OUT);
		frag6_record(&r->fr, &f->key, ce->nat_addr, r->now);
	}
	ct_account_orig(&ce->e, f->key.proto, f->len, r->now);
	return verdict_redirect_neigh(
		&r->v, ce->e.flags & NSB_CT_F_DNAT ? NSB_PATH_REV_DNAT : NSB_PATH_SNAT,
		cfg->uplink_ifindex);
}

__noinline int masq6_out(struct __sk_buff *skb, int tracked)
{
	struct nat6_room *r = nat6_room_get();

	if (!r)
		return verdict_done(TC_ACT_SHOT);
	return verdict_done(verdict_finish(skb, &r->v, __masq6_out(skb, r, tracked)));
}

/*
 * The step of a later fragment whose first went out (MASQ6_FRAG): source
 * to the recorded address (no transport header here, and IPv6 has no
 * header sum), hop limit - 1, out of the uplink. The record found by
 * masq6_prepare() is looked up again by the room's key.
 */
static __always_inline int __masq6_frag_out(struct __sk_buff *skb, struct nat6_room *r)
{
	const struct nsb_config *cfg = config_get();
	struct nsb_frag6_val *fv = frag6_lookup(&r->fr, r->now);
	struct nsb_ct6_entry *ce;
	struct flow_v6 *f = &r->f;

	if (!cfg || !fv)
		return nsb_drop(NSB_DROP_FRAG); /* evicted meanwhile */
	if (nat6_rewrite(skb, rw6_how(0, 0, RW6_HOP_DEC | RW6_NO_L4), RW6_ADDR(fv->to_addr), NULL,
			 0))
		return nsb_drop(NSB_DROP_CSUM);
	ce = bpf_map_lookup_elem(&ct6, &fv->ct);
	if (ce)
		ct_account_orig(&ce->e, f->key.proto, f->len, r->now);
	if (!r->l4.frag_more)
		frag6_done(&r->fr);
	return verdict_redirect_neigh(&r->v, NSB_PATH_SNAT_FRAG, cfg->uplink_ifindex);
}

__noinline int masq6_frag_out(struct __sk_buff *skb)
{
	struct nat6_room *r = nat6_room_get();

	if (!r)
		return verdict_done(TC_ACT_SHOT);
	return verdict_done(verdict_finish(skb, &r->v, __masq6_frag_out(skb, r)));
}

/*
 * What src sends to an outside IPv6 address, masqueraded or dropped, its
 * verdict finished (verdict_done()). A global function that only drives
 * the steps, each a global function of its own with its state in the room
 * (struct nat6_room), and calls nat6_ct_create() and tcp_track() itself:
 * it runs under from_node_v6()'s frame, and 6.1 sums a chain's frames, each
 * rounded up to 32 bytes, into 512 (from_node, from_node_v6, this, then
 * tcp_track() and its option walk, or nat6_ct_create(), its loop's callback
 * and a claim check).
 */
__noinline int masq6_from_node_global(struct __sk_buff *skb, const struct nsb_endpoint *src)
{
	struct nat6_room *r;
	struct nsb_ct6_entry *ce;
	int ret = masq6_prepare(skb, src);

	if (ret == MASQ6_TIME_EXCEEDED)
		return __masq6_time_exceeded(skb, src);
	if (ret == MASQ6_FRAG)
		return masq6_frag_out(skb);
	r = nat6_room_get();
	if (!r || !src)
		return verdict_done(TC_ACT_SHOT);
	if (ret == MASQ6_TOO_BIG)
		return __masq6_too_big(skb, src, r->mtu);
	if (ret != MASQ6_GO)
		return ret;
	if (r->known != 1) {
		ce = r->known ? bpf_map_lookup_elem(&ct6, &r->f.key) : NULL;
		ret = nat6_ct_create(config_get(), &r->f, src->ifindex, r->now, ce);
		if (ret)
			return masq6_finish(skb, ret);
	}
	ret = 1;
	if (r->f.key.proto == IPPROTO_TCP) {
		ce = bpf_map_lookup_elem(&ct6, &r->f.key);
		ret = !ce || tcp_track(skb, &ce->e, &r->seg) == TCP_ACCEPT;
	}
	return masq6_out(skb, ret);
}

/*
 * What src sends to an outside IPv6 address: masqueraded or dropped. The
 * verdict is finished already (verdict_done()): the caller's
 * verdict_finish() passes it on as it is.
 */
static __always_inline int masq6_from_node(struct __sk_buff *skb, const struct nsb_endpoint *src)
{
	return masq6_from_node_global(skb, src);
}

#endif /* NSBPF_LIB_MASQ6_H */
