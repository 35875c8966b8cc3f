/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Hairpin over IPv6 at from_node: the twin of lib/hairpin.h. A node
 * reaches a port forward of its own lab at the uplink's IPv6 address, at
 * any lab gateway6, or at the forward's own IPv6 host address, and lands
 * on the forward's backend, which may be itself. Both directions are
 * node-sent, so both are ct6 entries keyed as the nodes send them, each
 * the other's twin:
 *
 *   client [c]:cp -> [uplink6]:6000   as   [gw6]:P -> [backend]:8080    F_HAIRPIN
 *   [backend]:8080 -> [gw6]:P         as   [uplink6]:6000 -> [c]:cp     F_HAIRPIN|F_DNAT
 *
 * gw6 is the backend network's gateway6 and P a port from the SNAT range,
 * claimed in nat_ports6 as masquerade claims (nat6_ct_create() with the
 * room's hp request; the claim NSB_NAT_F_HAIRPIN's, whose flow is the
 * backend's entry), so the backend answers its own gateway and the reply
 * comes back through from_node. Each packet is counted on its own entry
 * (orig) and its twin's (reply). Delivery: bpf_redirect_peer() into the
 * target, the sender's own host end included. A routed hop: hop limit - 1
 * (at 1 or 0: dropped, ttl; no ICMPv6 error inside the lab, as IPv4).
 * Forwards are public: every node may use them. TCP state without window
 * tracking (ct_tcp_trusted(): both ends are nodes past anti-spoofing).
 * UDP without a checksum (invalid over IPv6) and fragments are not
 * hairpinned: they go to the host, as does everything else here. A
 * node's ICMPv6 error about a hairpin flow is not translated (IPv4's
 * isn't either: lib/icmp_out.h): it goes to the host.
 *
 * Steps, as masquerade's (lib/masq6.h), each a global function with its
 * state in the nat6 room (struct nat6_room: v, l4, f, h, hp, tk, fk):
 * hairpin6_prepare() parses, passes the host's own traffic, translates a
 * live flow's packet whole, or finds a new flow's forward; the driver,
 * hairpin6_from_node(), calls nat6_ct_create() for the client's entry;
 * hairpin6_new() makes the twin, counts the forward's hit and sends the
 * first packet. The driver's frame is all that sits on 6.1's 512-byte
 * chain (from_node, from_node_v6, the driver, nat6_ct_create(), its
 * loop's callback, a claim check), as masq6_from_node_global()'s does.
 *
 * Maps read: config, forwards6, fwd_ports, endpoints6, networks6,
 * networks, ct6, nat_ports6. Written: ct6, nat_ports6, forwards6 (hits),
 * scratch, scratch6.
 */
#ifndef NSBPF_LIB_HAIRPIN6_H
#define NSBPF_LIB_HAIRPIN6_H

#include "lib/nat6.h"
#include "lib/subnets6.h"
#include "lib/port_fwd.h"

/* hairpin6_from_node()'s dst: what the caller knows of the destination */
#define HAIRPIN6_HOST 0 /* a host address: a gateway6 maybe, asked only if a forward is there */
#define HAIRPIN6_ANY  1 /* the uplink's address6 or a gateway6: forwards for any host answer */

/*
 * Is the room's flow, which no ct6 entry knows, a new flow to a port
 * forward? Only a TCP SYN or a UDP datagram opens one. 0: no; 1: yes, the
 * room's hp says where to (and which forward hit: hp.any_hit); or
 * nsb_drop().
 */
static __always_inline int hairpin6_target(struct nat6_room *r, int dst)
{
	const struct flow_v6 *f = &r->f;
	const struct nsb_network6 *net;
	const struct nsb_endpoint *ep;
	struct nsb_fwd6_val *fwd;
	bool any_hit;
	__u32 id;

	if (f->key.proto == IPPROTO_TCP &&
	    (f->tcp_flags & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN)) != TCP_SYN)
		return 0;
	fwd = forwards6_lookup(f->key.daddr, f->key.dport, f->key.proto, dst == HAIRPIN6_ANY,
			       &any_hit);
	/* a host address that may be a gateway6: the scan only once a forward is there */
	if (!fwd && dst == HAIRPIN6_HOST && forwards_port_bit(f->key.dport, f->key.proto, false) &&
	    lab6_where(f->key.daddr, &id) == LAB_GATEWAY)
		fwd = forwards6_lookup(f->key.daddr, f->key.dport, f->key.proto, true, &any_hit);
	if (!fwd)
		return 0;
	r->hp.any_hit = any_hit;
	/* map keys from a map value (the room), as 6.1 takes them */
	addr6_copy(r->hp.to_addr, fwd->node_addr);
	ep = bpf_map_lookup_elem(&endpoints6, r->hp.to_addr);
	if (!ep)
		return nsb_drop(NSB_DROP_NO_ENDPOINT); /* the forward's node is gone */
	id = ep->net_id;
	net = bpf_map_lookup_elem(&networks6, &id);
	if (!net || !(net->flags & NSB_NET_F_USED) || addr6_any(net->gateway))
		return nsb_drop(NSB_DROP_NO_ENDPOINT);
	addr6_copy(r->hp.nat_addr, net->gateway);
	r->hp.to_port = fwd->v.node_port;
	r->hp.to_ifindex = ep->ifindex;
	return 1;
}

/* The room's tk: the key of the twin of entry ce, f's. */
static __always_inline void __hairpin6_tk(struct nat6_room *r, const struct nsb_ct6_entry *ce)
{
	__builtin_memset(&r->tk, 0, sizeof(r->tk));
	addr6_copy(r->tk.saddr, ce->dnat_addr);
	addr6_copy(r->tk.daddr, ce->nat_addr);
	r->tk.sport = ce->e.dnat_port;
	r->tk.dport = ce->e.nat_port;
	r->tk.proto = r->f.key.proto;
}

/* The backend's entry for the flow ce (the client's, just made). 0 or nsb_drop(). */
static __always_inline int hairpin6_twin(struct nat6_room *r, const struct nsb_ct6_entry *ce)
{
	const struct flow_v6 *f = &r->f;
	struct nsb_ct6_entry *te;

	__hairpin6_tk(r, ce);
	te = ct6_scratch_get();
	if (!te)
		return nsb_drop(NSB_DROP_INTERNAL);
	addr6_copy(te->nat_addr, f->key.daddr);
	te->e.nat_port = f->key.dport;
	addr6_copy(te->dnat_addr, f->key.saddr);
	te->e.dnat_port = f->key.sport;
	te->e.state = NSB_CT_NEW;
	te->e.flags = NSB_CT_F_HAIRPIN | NSB_CT_F_DNAT;
	te->e.ifindex = r->hp.to_ifindex;
	te->e.created_ns = r->now;
	te->e.last_seen_ns = r->now;
	/* BPF_ANY: the claim of gw6:P is ours, whatever sits at its key is stale */
	if (bpf_map_update_elem(&ct6, &r->tk, te, BPF_ANY))
		return nsb_drop(NSB_DROP_CT_FULL);
	return 0;
}

/*
 * The twin of the hairpin entry ce of the room's flow, if it still leads
 * back to it: a twin whose port a newer flow took over belongs to that
 * flow, and a straggler must neither reach its backend nor change its state.
 */
static __always_inline struct nsb_ct6_entry *__hairpin6_twin(struct nat6_room *r,
							     const struct nsb_ct6_entry *ce)
{
	const struct flow_v6 *f = &r->f;
	struct nsb_ct6_entry *tw;

	__hairpin6_tk(r, ce);
	tw = bpf_map_lookup_elem(&ct6, &r->tk);
	if (!tw || tw->e.dnat_port != f->key.sport || tw->e.nat_port != f->key.dport ||
	    !addr6_eq(tw->dnat_addr, f->key.saddr) || !addr6_eq(tw->nat_addr, f->key.daddr))
		return NULL;
	return tw;
}

/* Translate the room's flow both ways as its entry ce says, count it on both, into the target. */
static __always_inline int hairpin6_out(struct __sk_buff *skb, struct nat6_room *r,
					struct nsb_ct6_entry *ce, struct nsb_ct6_entry *tw)
{
	const struct flow_v6 *f = &r->f;
	const struct nsb_endpoint *dst = bpf_map_lookup_elem(&endpoints6, ce->dnat_addr);

	if (!dst)
		return nsb_drop(NSB_DROP_NO_ENDPOINT);
	ct_tcp_trusted(&ce->e, f->key.proto, f->tcp_flags, false);
	ct_tcp_trusted(&tw->e, f->key.proto, f->tcp_flags, true);
	if (nat6_rewrite(skb, rw6_how(f->l4_off, f->key.proto, RW6_HOP_DEC), RW6_ADDR(ce->nat_addr),
			 RW6_ADDR(ce->dnat_addr), rw6_ports(ce->e.nat_port, ce->e.dnat_port)))
		return nsb_drop(NSB_DROP_CSUM);
	ct_account_orig(&ce->e, f->key.proto, f->len, r->now);
	ct_account_reply(&tw->e, f->key.proto, f->len, r->now);
	return nat_to_node(skb, &r->v, dst, NSB_PATH_HAIRPIN);
}

/* hairpin6_prepare() says: a new flow, the room's hp its request (nat6_ct_create() next) */
#define HAIRPIN6_NEW (12 * __NSB_DONE)

/*
 * The first step: the packet parsed into the room's flow; the host's own
 * traffic passed; a live hairpin flow's packet translated and delivered;
 * or a new flow to a port forward: HAIRPIN6_NEW.
 */
static __always_inline int __hairpin6_prepare(struct __sk_buff *skb, struct nat6_room *r,
					      const struct nsb_endpoint *src, int dst)
{
	const struct nsb_config *cfg = config_get();
	struct nsb_ct6_entry *ce, *tw = NULL;
	struct flow_v6 *f = &r->f;
	struct ethhdr *eth;
	struct ipv6hdr *ip6;
	__u32 port;
	int ret;

	if (!cfg || !src)
		return nsb_drop(NSB_DROP_INTERNAL);
	ret = parse_ipv6(skb, &eth, &ip6);
	if (ret)
		return ret;
	ret = parse_ipv6_l4(skb, ip6, &r->l4);
	if (ret)
		return ret;
	flow6_parse(skb, ip6, &r->l4, f, &r->h);
	if (f->l4 != FLOW_L4_OK || f->frag != NSB_FRAG6_NONE ||
	    (f->key.proto != IPPROTO_TCP && f->key.proto != IPPROTO_UDP))
		return verdict_pass(&r->v, NSB_PATH_TO_HOST);
	/*
	 * The host's own traffic fast, as IPv4's: a hairpin flow's packet
	 * goes to a forwarded port (the client's side) or to a gateway's
	 * port from the SNAT range (the backend's). Any other is the host's,
	 * without a conntrack lookup.
	 */
	port = bpf_ntohs(f->key.dport);
	if ((port < nsb_snat_port_min(cfg) || port > nsb_snat_port_max(cfg)) &&
	    !forwards_port_used(f->key.dport, f->key.proto))
		return verdict_pass(&r->v, NSB_PATH_TO_HOST);
	r->now = ct_now();
	ce = bpf_map_lookup_elem(&ct6, &f->key);
	if (ce && !ct_expired(cfg, &ce->e, f->key.proto, r->now) &&
	    (ce->e.flags & NSB_CT_F_HAIRPIN))
		tw = __hairpin6_twin(r, ce);
	if (tw) {
		if (f->hop <= 1)
			return nsb_drop(NSB_DROP_TTL);
		return hairpin6_out(skb, r, ce, tw);
	}
	/* ce: NULL, a stale entry, or one whose twin is another flow's now */
	ret = hairpin6_target(r, dst);
	if (ret <= 0)
		return ret ? ret : verdict_pass(&r->v, NSB_PATH_TO_HOST);
	if (f->hop <= 1)
		return nsb_drop(NSB_DROP_TTL); /* inside the lab: no ICMPv6 error */
	r->hp.old = ce != NULL;
	return HAIRPIN6_NEW;
}

__noinline int hairpin6_prepare(struct __sk_buff *skb, const struct nsb_endpoint *src, int dst)
{
	struct nat6_room *r = nat6_room_get();
	int ret;

	if (!r)
		return verdict_done(TC_ACT_SHOT);
	r->v = (struct nsb_verdict)NSB_VERDICT_INIT;
	ret = __hairpin6_prepare(skb, r, src, dst);
	if (ret == HAIRPIN6_NEW)
		return ret;
	return verdict_done(verdict_finish(skb, &r->v, ret));
}

/*
 * The last step of a new flow, its client's entry made (nat6_ct_create()
 * returned err): the twin, the forward's hit, the first packet out.
 */
static __always_inline int __hairpin6_new(struct __sk_buff *skb, struct nat6_room *r, int err)
{
	struct nsb_ct6_entry *ce, *tw;
	struct nsb_fwd6_val *fwd;
	int ret;

	if (err)
		return err;
	ce = bpf_map_lookup_elem(&ct6, &r->f.key);
	if (!ce)
		return nsb_drop(NSB_DROP_CT_INSERT); /* gone meanwhile (the collector) */
	ret = hairpin6_twin(r, ce);
	if (ret)
		return ret;
	tw = __hairpin6_twin(r, ce);
	if (!tw)
		return nsb_drop(NSB_DROP_CT_INSERT);
	/* the forward hairpin6_target() found, by its key */
	__builtin_memset(&r->fk, 0, sizeof(r->fk));
	if (!r->hp.any_hit)
		addr6_copy(r->fk.host_addr, r->f.key.daddr);
	r->fk.port = r->f.key.dport;
	r->fk.proto = r->f.key.proto;
	fwd = bpf_map_lookup_elem(&forwards6, &r->fk);
	if (fwd)
		forwards_hit(&fwd->v);
	return hairpin6_out(skb, r, ce, tw);
}

__noinline int hairpin6_new(struct __sk_buff *skb, int err)
{
	struct nat6_room *r = nat6_room_get();

	if (!r)
		return verdict_done(TC_ACT_SHOT);
	return verdict_done(verdict_finish(skb, &r->v, __hairpin6_new(skb, r, err)));
}

/*
 * What src, a node with an ip6, sends to an address of the host's (the
 * uplink's address6, a gateway6, another host address; dst says which it
 * may be): a hairpin flow's packet, a new flow to a port forward, or the
 * host's (to_host, untouched). It finishes its own verdict
 * (verdict_done()). A global function that only drives the steps, each a
 * global function of its own with its state in the room, and calls
 * nat6_ct_create() itself, as masq6_from_node_global() does: 6.1 sums
 * from_node, from_node_v6, this, nat6_ct_create(), its loop's callback
 * and a claim check into 512 bytes, and this frame must stay as small as
 * masquerade's there.
 */
__noinline int hairpin6_from_node(struct __sk_buff *skb, const struct nsb_endpoint *src, int dst)
{
	int ret = hairpin6_prepare(skb, src, dst);
	struct nsb_ct6_entry *ce = NULL;
	struct nat6_room *r;

	if (ret != HAIRPIN6_NEW)
		return ret;
	r = nat6_room_get();
	if (!r || !src)
		return verdict_done(TC_ACT_SHOT);
	if (r->hp.old)
		ce = bpf_map_lookup_elem(&ct6, &r->f.key);
	r->hp_on = 1;
	ret = nat6_ct_create(config_get(), &r->f, src->ifindex, r->now, ce);
	return hairpin6_new(skb, ret);
}

#endif /* NSBPF_LIB_HAIRPIN6_H */
