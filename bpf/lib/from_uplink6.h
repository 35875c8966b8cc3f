/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * from_uplink's IPv6 half: the way back of NAT66 (lib/masq6.h), and what
 * the world may not send a lab. From_uplink calls from_uplink_v6() for
 * every IPv6 frame, before IPv4's path and beside it (a global function:
 * from_uplink's IPv4 chain fills its 512 bytes of stack already).
 *
 *   to uplink_addr6, a live flow's reply: TCP (window tracked), UDP (with
 *     a checksum), ICMPv6 echo reply by id: destination back to the node's
 *     address and port (echo id), L4 checksum, hop limit - 1 (<= 1: ttl),
 *     MACs as the node's host end sends, bpf_redirect_peer()   rev_snat
 *     a forwarded flow's client packet, the same way           dnat
 *   to uplink_addr6 or another address of the host (host_addrs6), a TCP
 *     SYN or UDP datagram to a forwarded port that no live flow holds: a
 *     new forwarded flow (lib/dnat6.h)                         dnat
 *   an ICMPv6 error (types 1-4) to uplink_addr6 from a forged source
 *     (below)                                                  uplink_spoof
 *     from any other, about a live flow: translated into its node
 *     (lib/rev_icmp6.h)                                        icmp_err_rev
 *   to a lab address (any networks6 subnet)                    inbound
 *   from a lab address, ::, ::1, multicast, IPv4-mapped, uplink_addr6 or
 *     another address of the host (host_addrs6), to a unicast one: forged
 *                                                              uplink_spoof
 *   a first fragment (offset 0, M) is a reply or a forwarded flow's
 *     packet like any, and records its datagram in frags6 (lib/frag6.h);
 *     a later one follows it into the node: destination, hop limit - 1
 *                                                              rev_snat_frag
 *   anything else: to a multicast or link-local address (neighbour
 *     discovery with the world), the host's own traffic, other labs',
 *     later fragments of no recorded datagram, replies of no live flow:
 *     NSB_NEXT, untouched, uncounted
 *
 * Headers are copied out (read in place where linear: __flow_copy()):
 * nothing of the host's traffic is pulled or written. Maps read: config, networks, networks6,
 * host_addrs6, nat_ports6, ct6, endpoints6, frags6. Written: ct6 (state,
 * counters), frags6, scratch6 (a fragment's key).
 */
#ifndef NSBPF_LIB_FROM_UPLINK6_H
#define NSBPF_LIB_FROM_UPLINK6_H

#include "lib/nat6.h"
#include "lib/rev_icmp6.h"
#include "lib/port_fwd.h"
#include "lib/dnat6.h"

/* from_uplink_v6(): the host's, untouched and uncounted */
#define UPLINK6_HOSTS (5 * __NSB_DONE)

/*
 * An ICMPv6 error (type 1-4) to uplink_addr6, its source not forged
 * (uplink_spoof dropped it before): the quoted flow's translation
 * (lib/rev_icmp6.h), a global function called from from_uplink_v6() (a
 * sibling of its steps: it has up to 192 bytes of stack), finishing its
 * verdict, or UPLINK6_HOSTS for an error about no flow of ours.
 */
static __always_inline int __uplink6_icmp_error(struct __sk_buff *skb)
{
	int ret = rev_icmp6_error(skb);

	return ret == ICMP6_REV_HOSTS ? UPLINK6_HOSTS : ret;
}

/* A source of the host's, or one no link carries: the lab subnets aside. */
static __always_inline bool __uplink6_src_special(const struct nsb_config *cfg, const __be32 *saddr)
{
	struct nsb_addr6_key k;

	if (addr6_special_src(saddr) || addr6_eq(saddr, cfg->uplink_addr6))
		return true;
	if (host6_outside(cfg, saddr))
		return false; /* the config's summary: no lookup */
	addr6_copy(k.addr, saddr);
	return bpf_map_lookup_elem(&host_addrs6, &k);
}

/*
 * May saddr, from the uplink to the unicast daddr, be real? Not a lab
 * address, a host one, or one no link carries.
 */
static __always_inline bool uplink6_src_forged(const struct nsb_config *cfg, const __be32 *saddr,
					       const __be32 *daddr)
{
	return __uplink6_src_special(cfg, saddr) ||
	       (lab6_scan(cfg, daddr, saddr, LAB6_SRC) & LAB6_SRC);
}

/*
 * The state of a reply between from_uplink_v6()'s steps, in the per-CPU
 * scratch room (union nsb_scratch's words): from_uplink's own frame and
 * tcp_track()'s (with its option walk's callback) leave 32 bytes of the
 * chain's 512 to from_uplink_v6(), which calls tcp_track() itself, so
 * nothing of the reply can live on its stack.
 */
struct __up6 {
	struct {
		__u8 vtc, flow[3];
		__be16 payload_len;
		__u8 nexthdr, hop;
	} fixed; /* the fixed header's first 8 bytes: parse6's walk reads it as one */
	struct nsb_nat6_key nk; /* the claim the reply finds: uplink_addr6, remote, ports */
	union {
		struct nsb_ct6_key ck; /* its flow, as the node sent it */
		struct {
			__be16 sport, dport; /* ICMPv6: type, code; checksum */
			union {
				__be32 seq;
				struct {
					__be16 a; /* ICMPv6 echo: id */
					__be16 b; /* UDP: checksum */
				} w;
			};
			__be32 ack;
			__u8 off, flags;
			__be16 win;
		} h; /* the L4 header, until the flow is found */
	};
	struct tcp_seg seg;
	struct ipv6_l4 l4;
	__u32 tot_len; /* IPV6_HLEN + payload length */
	__u8 tcp;
	__u8 fwd; /* a forwarded port's packet (not masquerade's range) */
	__u8 pad[2];
};
_Static_assert(sizeof(struct __up6) <= sizeof(((union nsb_scratch *)0)->dnat6.up6),
	       "__up6 lives in the scratch room, before a new forwarded flow's ct6 entry");

static __always_inline struct __up6 *__up6_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&scratch, &zero);
}

/* from_uplink_v6()'s steps say: a live flow's reply, s filled in */
#define UPLINK6_FLOW (6 * __NSB_DONE)
/* an ICMPv6 error, its source not forged: icmp6's (__uplink6_icmp_error()) */
#define UPLINK6_ICMP_ERR (7 * __NSB_DONE)
/* a TCP SYN or UDP datagram to a forwarded port, no live flow's: lib/dnat6.h's */
#define UPLINK6_DNAT (8 * __NSB_DONE)
/* a later fragment to uplink_addr6 or a host address: uplink6_frag()'s */
#define UPLINK6_FRAG (9 * __NSB_DONE)

/* No live flow holds the packet: a new forwarded flow's first, or the host's. */
static __always_inline int __uplink6_new(const struct __up6 *s)
{
	if (!s->fwd)
		return NSB_NEXT;
	/* only a bare SYN opens a flow over TCP */
	if (s->tcp && (s->seg.flags & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN)) != TCP_SYN)
		return NSB_NEXT;
	return UPLINK6_DNAT;
}

/*
 * A TCP or UDP packet, or an echo reply, to uplink_addr6: UPLINK6_FLOW if
 * it belongs to a live flow, NSB_NEXT if not.
 */
static __always_inline int __uplink6_reply(struct __sk_buff *skb, const struct nsb_config *cfg,
					   struct __up6 *s)
{
	const struct nsb_nat6_val *nv;
	struct nsb_ct6_entry *ce;
	__u32 end = ETH_HLEN + s->tot_len, port;

	if (s->tcp) {
		if (s->l4.off + sizeof(struct tcphdr) > end ||
		    __flow_copy(skb, s->l4.off, &s->h, sizeof(s->h)))
			return NSB_NEXT;
		tcp_seg_fill(&s->seg, s->h.seq, s->h.ack, s->h.win, s->h.off, s->h.flags,
			     s->tot_len, s->l4.off - ETH_HLEN, s->l4.off, 1);
	} else if (s->l4.off + 8 > end || __flow_copy(skb, s->l4.off, &s->h, 8)) {
		return NSB_NEXT;
	}
	if (s->l4.proto == IPPROTO_ICMPV6) {
		if (s->h.sport != bpf_htons(ICMPV6_ECHO_REPLY << 8))
			return NSB_NEXT;
		s->nk.nat_port = s->h.w.a;
	} else {
		/* UDP without a checksum is invalid over IPv6: no flow's */
		if (s->l4.proto == IPPROTO_UDP && !s->h.w.b)
			return NSB_NEXT;
		s->nk.nat_port = s->h.dport;
		s->nk.remote_port = s->h.sport;
	}
	/*
	 * Only a port masquerade hands out (on uplink_addr6) or a forwarded
	 * one (TCP, UDP: a bit in fwd_ports) can be a flow's: the rest is the
	 * host's, without a conntrack lookup.
	 */
	port = bpf_ntohs(s->nk.nat_port);
	if (!addr6_eq(s->nk.nat_addr, cfg->uplink_addr6) || port < nsb_snat_port_min(cfg) ||
	    port > nsb_snat_port_max(cfg)) {
		if (s->l4.proto == IPPROTO_ICMPV6 ||
		    !forwards_port_used(s->nk.nat_port, s->l4.proto))
			return NSB_NEXT;
		s->fwd = 1;
	}
	nv = bpf_map_lookup_elem(&nat_ports6, &s->nk);
	if (!nv)
		return __uplink6_new(s);
	ce = __nat6_owner(&s->nk, nv, &s->ck);
	if (!ce || ct_expired(cfg, &ce->e, s->nk.proto, ct_now()))
		return __uplink6_new(s); /* a stale claim: the flow is gone */
	if (!bpf_map_lookup_elem(&endpoints6, s->ck.saddr))
		return NSB_NEXT; /* the node itself is gone */
	/* the flow's: the lab's from here on; as a router, before the window learns from it */
	if (s->fixed.hop <= 1)
		return nsb_drop(NSB_DROP_TTL);
	return UPLINK6_FLOW;
}

/* To uplink_addr6: a reply (UPLINK6_FLOW), an error about a flow, or the host's. */
static __always_inline int __uplink6_to_us(struct __sk_buff *skb, const struct nsb_config *cfg,
					   struct __up6 *s)
{
	__u8 type;

	/* a header chain the walk refuses is not ours to judge: the host's */
	if (parse_ipv6_l4(skb, (const struct ipv6hdr *)&s->fixed, &s->l4))
		return NSB_NEXT;
	/* no ports: its datagram's first fragment's record says (uplink6_frag()) */
	if (s->l4.frag == NSB_FRAG6_LATER)
		return UPLINK6_FRAG;
	s->nk.proto = s->l4.proto;
	s->tcp = s->l4.proto == IPPROTO_TCP;
	switch (s->l4.proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		return __uplink6_reply(skb, cfg, s);
	case IPPROTO_ICMPV6:
		if (bpf_skb_load_bytes(skb, s->l4.off, &type, sizeof(type)))
			return NSB_NEXT;
		if (type == ICMPV6_ECHO_REPLY)
			return __uplink6_reply(skb, cfg, s);
		if (type < 1 || type > ICMPV6_ERR_MAX)
			return NSB_NEXT; /* neighbour discovery, echo requests: the host's */
		if (uplink6_src_forged(cfg, s->nk.remote_addr, s->nk.nat_addr))
			return nsb_drop(NSB_DROP_UPLINK_SPOOF);
		return UPLINK6_ICMP_ERR;
	default:
		return NSB_NEXT;
	}
}

/*
 * The first step: what the frame is. NSB_NEXT (the host's), a drop,
 * UPLINK6_FLOW or UPLINK6_ICMP_ERR; s->nk's addresses are the header's.
 */
static __always_inline int __uplink6_classify(struct __sk_buff *skb, struct __up6 *s,
					      const __be32 *dst)
{
	const struct nsb_config *cfg = config_get();
	__be32 *d = s->nk.nat_addr, *src = s->nk.remote_addr;
	__u32 hits;
	int ret;

	if (skb->vlan_present || !cfg)
		return NSB_NEXT;
	__builtin_memset(s, 0, sizeof(*s));
	addr6_copy(d, dst);
	if (bpf_skb_load_bytes(skb, ETH_HLEN, &s->fixed, sizeof(s->fixed)) ||
	    bpf_skb_load_bytes(skb, IP6_OFF_SADDR, src, 16))
		return NSB_NEXT;
	if ((s->fixed.vtc >> 4) != 6 ||
	    bpf_ntohs(s->fixed.payload_len) > skb->len - ETH_HLEN - IPV6_HLEN)
		return NSB_NEXT;
	s->tot_len = IPV6_HLEN + bpf_ntohs(s->fixed.payload_len);
	/* the uplink's, or another address of the host's a forward may answer on */
	if ((!addr6_any(cfg->uplink_addr6) && addr6_eq(d, cfg->uplink_addr6)) ||
	    (!host6_outside(cfg, d) && bpf_map_lookup_elem(&host_addrs6, d))) {
		ret = __uplink6_to_us(skb, cfg, s);
		if (ret != NSB_NEXT && ret != UPLINK6_DNAT && ret != UPLINK6_FRAG)
			return ret;
		/*
		 * no flow of ours: a new forwarded one, a later fragment (no
		 * record has a forged source) or the host's, unless it can only
		 * be forged
		 */
		if (uplink6_src_forged(cfg, src, d))
			return nsb_drop(NSB_DROP_UPLINK_SPOOF);
		return ret;
	}
	hits = lab6_scan(cfg, d, src, LAB6_DST);
	if (hits & LAB6_DST)
		return nsb_drop(NSB_DROP_INBOUND); /* a forwarding host must not route it in */
	/* the scan ran to its end: it knows the source too */
	if ((hits & LAB6_SRC) || __uplink6_src_special(cfg, src))
		return nsb_drop(NSB_DROP_UPLINK_SPOOF);
	return NSB_NEXT;
}

/* __uplink6_classify() as a global function that finishes its drops. */
__noinline int uplink6_classify(struct __sk_buff *skb)
{
	struct nsb_verdict v = NSB_VERDICT_INIT;
	struct __up6 *s;
	__be32 d[4];
	int ret;

	/*
	 * neighbour discovery, MLD, DAD, link-local traffic: the host's, before
	 * anything else is read or cleared
	 */
	if (bpf_skb_load_bytes(skb, IP6_OFF_DADDR, d, sizeof(d)) || addr6_multicast(d) ||
	    addr6_linklocal(d))
		return UPLINK6_HOSTS;
	s = __up6_get();
	if (!s)
		return UPLINK6_HOSTS;
	ret = __uplink6_classify(skb, s, d);
	if (ret == UPLINK6_FLOW || ret == UPLINK6_ICMP_ERR || ret == UPLINK6_DNAT ||
	    ret == UPLINK6_FRAG)
		return ret;
	if (ret == NSB_NEXT)
		return UPLINK6_HOSTS;
	return verdict_done(verdict_finish(skb, &v, ret));
}

/*
 * A first fragment (offset 0, M) of s's flow went to the node at to_addr:
 * its datagram's record (lib/frag6.h), in NAT66's room, which nothing
 * else on the uplink uses. ck: the flow.
 */
static __always_inline void uplink6_frag_record(const struct __up6 *s, const __be32 *to_addr,
						const struct nsb_ct6_key *ck)
{
	struct nat6_room *r = nat6_room_get();

	if (!r)
		return;
	frag6_key(&r->fr.k, s->nk.remote_addr, s->nk.nat_addr, s->l4.frag_id, s->l4.proto,
		  NSB_FRAG_IN);
	frag6_record(&r->fr, ck, to_addr, ct_now());
}

/*
 * A later fragment to the uplink (UPLINK6_FRAG), s as the first step left
 * it: destination to the node its datagram's first fragment went to, hop
 * limit - 1, into the node (rev_snat_frag); no record, or its node gone:
 * the host's (UPLINK6_HOSTS). The last fragment (M clear) ends the record.
 */
static __always_inline int __uplink6_frag(struct __sk_buff *skb, struct nsb_verdict *v,
					  const struct __up6 *s, struct nat6_room *r)
{
	const struct nsb_endpoint *ep;
	struct nsb_frag6_val *fv;
	struct nsb_ct6_entry *ce;
	__u64 now = ct_now();

	frag6_key(&r->fr.k, s->nk.remote_addr, s->nk.nat_addr, s->l4.frag_id, s->l4.proto,
		  NSB_FRAG_IN);
	fv = frag6_lookup(&r->fr, now);
	if (!fv)
		return NSB_NEXT;
	ep = bpf_map_lookup_elem(&endpoints6, fv->to_addr);
	if (!ep)
		return NSB_NEXT; /* the node is gone */
	if (s->fixed.hop <= 1)
		return nsb_drop(NSB_DROP_TTL);
	if (nat6_rewrite(skb, rw6_how(0, 0, RW6_HOP_DEC | RW6_NO_L4), NULL, RW6_ADDR(fv->to_addr),
			 0))
		return nsb_drop(NSB_DROP_CSUM);
	ce = bpf_map_lookup_elem(&ct6, &fv->ct);
	if (ce)
		ct_account_reply(&ce->e, s->l4.proto, skb->len - ETH_HLEN, now);
	if (!s->l4.frag_more)
		frag6_done(&r->fr);
	return nat_to_node(skb, v, ep, NSB_PATH_REV_SNAT_FRAG);
}

__noinline int uplink6_frag(struct __sk_buff *skb)
{
	struct nsb_verdict v = NSB_VERDICT_INIT;
	struct nat6_room *r = nat6_room_get();
	struct __up6 *s = __up6_get();
	int ret;

	if (!s || !r)
		return UPLINK6_HOSTS;
	ret = __uplink6_frag(skb, &v, s, r);
	if (ret == NSB_NEXT)
		return UPLINK6_HOSTS;
	return verdict_done(verdict_finish(skb, &v, ret));
}

/*
 * The last step of a live flow's reply, s as the first left it and
 * tracked: whether TCP window tracking accepted it. Into the node.
 */
static __always_inline int __uplink6_rewrite(struct __sk_buff *skb, struct nsb_verdict *v,
					     struct __up6 *s, bool tracked)
{
	const struct nsb_endpoint *ep;
	struct nsb_ct6_entry *ce;

	ce = bpf_map_lookup_elem(&ct6, &s->ck);
	ep = bpf_map_lookup_elem(&endpoints6, s->ck.saddr);
	if (!ce || !ep)
		return nsb_drop(NSB_DROP_NO_ENDPOINT); /* the node, or the flow, gone meanwhile */
	if (!tracked)
		return nsb_drop(NSB_DROP_TCP_WINDOW);
	/* back to the node's tuple: its address and port, the remote's port it used */
	if (nat6_rewrite(skb, rw6_how(s->l4.off, s->l4.proto, RW6_HOP_DEC), NULL,
			 RW6_ADDR(s->ck.saddr),
			 s->l4.proto == IPPROTO_ICMPV6 ? rw6_ports(s->ck.sport, 0) :
							 rw6_ports(s->ck.dport, s->ck.sport)))
		return nsb_drop(NSB_DROP_CSUM);
	if (s->l4.frag == NSB_FRAG6_FIRST && s->l4.frag_more)
		uplink6_frag_record(s, s->ck.saddr, &s->ck);
	ct_account_reply(&ce->e, s->l4.proto, skb->len - ETH_HLEN, ct_now());
	return nat_to_node(skb, v, ep,
			   ce->e.flags & NSB_CT_F_DNAT ? NSB_PATH_DNAT : NSB_PATH_REV_SNAT);
}

__noinline int uplink6_rewrite(struct __sk_buff *skb, int tracked)
{
	struct nsb_verdict v = NSB_VERDICT_INIT;
	struct __up6 *s = __up6_get();

	if (!s)
		return verdict_done(verdict_finish(skb, &v, nsb_drop(NSB_DROP_INTERNAL)));
	return verdict_done(verdict_finish(skb, &v, __uplink6_rewrite(skb, &v, s, tracked)));
}

/*
 * A new forwarded flow (UPLINK6_DNAT), its ct6 entry begun in the scratch
 * room's dnat6.ct6 beside s: lib/dnat6.h's, finishing its own verdict, or
 * UPLINK6_HOSTS when no forward answers (the host's).
 */
__noinline int uplink6_dnat(struct __sk_buff *skb)
{
	struct nsb_verdict v = NSB_VERDICT_INIT;
	const struct nsb_config *cfg = config_get();
	union nsb_scratch *room;
	struct dnat6_in in;
	struct __up6 *s;
	__u32 zero = 0;
	int ret;

	room = bpf_map_lookup_elem(&scratch, &zero);
	if (!room || !cfg)
		return verdict_done(verdict_finish(skb, &v, nsb_drop(NSB_DROP_INTERNAL)));
	s = (struct __up6 *)room->dnat6.up6;
	in.nk = &s->nk;
	in.l4_off = s->l4.off;
	in.proto = s->l4.proto;
	in.hop = s->fixed.hop;
	in.nexthdr = s->fixed.nexthdr;
	in.pad = 0;
	ret = __dnat6_new(skb, &v, cfg, &in, &room->dnat6.ct6, &room->dnat6.ck, &room->dnat6.nv);
	if (ret == NSB_NEXT)
		return UPLINK6_HOSTS;
	return verdict_done(verdict_finish(skb, &v, ret));
}

/*
 * Every IPv6 frame on the uplink: the lab's finished here (verdict_done()),
 * or UPLINK6_HOSTS for the host's, untouched and uncounted. A global
 * function beside from_uplink_v4()'s chain, never in it; it only drives
 * the steps, each a global function of its own, and calls tcp_track()
 * itself: see struct __up6.
 */
__noinline int from_uplink_v6(struct __sk_buff *skb)
{
	struct nsb_ct6_entry *ce;
	struct __up6 *s;
	int ret = uplink6_classify(skb);

	if (ret == UPLINK6_ICMP_ERR)
		return __uplink6_icmp_error(skb);
	if (ret == UPLINK6_FRAG)
		return uplink6_frag(skb);
	if (ret != UPLINK6_FLOW && ret != UPLINK6_DNAT)
		return ret;
	s = __up6_get();
	if (!s)
		return UPLINK6_HOSTS;
	if (ret == UPLINK6_DNAT) {
		/* the new entry begins beside s: a forward's flow, the SYN its opener's side */
		ce = &((union nsb_scratch *)s)->dnat6.ct6;
		__builtin_memset(ce, 0, sizeof(*ce));
		ce->e.flags = NSB_CT_F_DNAT;
		if (s->tcp && tcp_syn_open(skb, &ce->e, &s->seg) != TCP_ACCEPT)
			return nsb_drop(NSB_DROP_INTERNAL); /* a bare SYN: checked before */
		ret = uplink6_dnat(skb);
		/*
		 * A first fragment went in: its datagram's record, here and not
		 * in uplink6_dnat(), whose frame is at 6.1's limit (the new flow's
		 * key is in the room's dnat6.ck still).
		 */
		if (ret == verdict_done(TC_ACT_REDIRECT) && s->l4.frag == NSB_FRAG6_FIRST &&
		    s->l4.frag_more)
			uplink6_frag_record(s, ((union nsb_scratch *)s)->dnat6.ck.saddr,
					    &((union nsb_scratch *)s)->dnat6.ck);
		return ret;
	}
	ret = 1;
	if (s->tcp) {
		ce = bpf_map_lookup_elem(&ct6, &s->ck);
		ret = ce && tcp_track(skb, &ce->e, &s->seg) == TCP_ACCEPT;
	}
	return uplink6_rewrite(skb, ret);
}

#endif /* NSBPF_LIB_FROM_UPLINK6_H */
