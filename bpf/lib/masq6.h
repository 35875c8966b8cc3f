/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * NAT66 masquerade at from_node: a node's IPv6 packet to an outside
 * address (lib/route6.h decides what is outside and calls
 * masq6_from_node()). The same design as IPv4's (lib/masq.h):
 *
 *   an existing flow (its ct6 entry alive, made for today's uplink_addr6)
 *   goes on whatever its network says now; a new one:
 *     the network has no NSB_NET_F_MASQUERADE in networks6   no_masquerade
 *     the lab has no uplink, or no uplink_addr6               no_uplink
 *     not TCP, UDP with a checksum, or an echo request       nat_proto
 *   a fragment (a fragment header): not masqueraded           frag
 *   then a router's checks (RFC 8200 and 4443: routers never fragment):
 *     hop limit <= 1                __masq6_time_exceeded()   (ttl until
 *                                   icmp6's Time Exceeded is wired in)
 *     too big for the uplink        __masq6_too_big()         (mtu until
 *                                   icmp6's Packet Too Big is wired in)
 *   then SNAT: source to config.uplink_addr6, the port (echo id) from the
 *   flow's ct6 entry (found, or created with a port claimed in
 *   nat_ports6), TCP window tracking (lib/tcp_win.h), hop limit - 1, and
 *   out of the uplink with bpf_redirect_neigh(): no next hop given, the
 *   kernel routes (AF_INET6) and resolves it. Path snat.
 *
 * Maps read: config, networks6, ct6, nat_ports6. Written: ct6, nat_ports6.
 */
#ifndef NSBPF_LIB_MASQ6_H
#define NSBPF_LIB_MASQ6_H

#include "lib/nat6.h"

/*
 * The call points of helper icmp6's builders, each reached once per
 * packet that needs it. Until they are wired in, the packet is dropped
 * under the reason IPv4 uses when it sends no error.
 */

/* Hop limit <= 1: an ICMPv6 Time Exceeded (code 0) back to src belongs here. */
static __always_inline int __masq6_time_exceeded(struct __sk_buff *skb, struct nsb_verdict *v,
						 const struct nsb_endpoint *src)
{
	return nsb_drop(NSB_DROP_TTL);
}

/*
 * Too big for the uplink, mtu its MTU (what bpf_check_mtu() said): an
 * ICMPv6 Packet Too Big (RFC 4443 3.2, MTU mtu) back to src belongs here,
 * e.g. `return icmp6_too_big(skb, v, src, mtu);`.
 */
static __always_inline int __masq6_too_big(struct __sk_buff *skb, struct nsb_verdict *v,
					   const struct nsb_endpoint *src, __u32 mtu)
{
	return nsb_drop(NSB_DROP_MTU);
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

/* A router's checks, in Linux's ip6_forward() order. 0: go on. */
static __always_inline int __masq6_checks(struct __sk_buff *skb, struct nsb_verdict *v,
					  const struct nsb_config *cfg,
					  const struct nsb_endpoint *src, const struct flow_v6 *f)
{
	__u32 mtu;
	int ret;

	if (!cfg->uplink_ifindex)
		return nsb_drop(NSB_DROP_NO_UPLINK);
	if (f->hop <= 1)
		return __masq6_time_exceeded(skb, v, src);
	ret = masq6_mtu_check(skb, cfg, f, &mtu);
	if (ret < 0)
		return nsb_drop(NSB_DROP_NO_UPLINK);
	if (ret)
		return __masq6_too_big(skb, v, src, mtu);
	return 0;
}

/* SNAT f with its ct6 entry and send it out of the uplink. */
static __always_inline int __masq6_out(struct __sk_buff *skb, struct nsb_verdict *v,
				       const struct nsb_config *cfg, struct flow_v6 *f,
				       struct nsb_ct6_entry *ce, __u64 now)
{
	__u32 port_off = f->key.proto == IPPROTO_ICMPV6 ? ICMP_ID : L4_SPORT;
	int ret = tcp_track_flow6(skb, ce, f, 0);

	if (ret)
		return ret;
	if (nat6_hop_dec(skb, f->nexthdr, f->hop) ||
	    nat6_set_addr(skb, IP6_OFF_SADDR, f->key.saddr, ce->nat_addr, f->l4_off,
			  f->key.proto) ||
	    csum_l4_port(skb, f->l4_off, port_off, f->key.proto, f->key.sport, ce->e.nat_port))
		return nsb_drop(NSB_DROP_CSUM);
	ct_account_orig(&ce->e, f->key.proto, f->len, now);
	return verdict_redirect_neigh(v, NSB_PATH_SNAT, cfg->uplink_ifindex);
}

static __always_inline int __masq6(struct __sk_buff *skb, struct nsb_verdict *v,
				   const struct nsb_endpoint *src)
{
	const struct nsb_config *cfg = config_get();
	const struct nsb_network6 *net;
	struct nsb_ct6_entry *ce = NULL;
	struct ethhdr *eth;
	struct ipv6hdr *ip6;
	struct ipv6_l4 l4;
	struct flow_v6 f;
	bool known = false;
	__u32 id;
	__u64 now;
	int ret;

	if (!cfg || !src)
		return nsb_drop(NSB_DROP_INTERNAL);
	ret = parse_ipv6(skb, &eth, &ip6);
	if (ret)
		return ret;
	ret = parse_ipv6_l4(skb, ip6, &l4);
	if (ret)
		return ret;
	flow6_parse(skb, ip6, &l4, &f);
	now = bpf_ktime_get_ns();

	if (f.l4 == FLOW_L4_OK && f.frag == NSB_FRAG6_NONE) {
		ce = bpf_map_lookup_elem(&ct6, &f.key);
		/* a flow from before the uplink's address changed is as good as gone */
		known = ce && !ct_expired(cfg, &ce->e, f.key.proto, now) &&
			addr6_eq(ce->nat_addr, cfg->uplink_addr6);
	}
	if (!known) {
		id = src->net_id;
		net = bpf_map_lookup_elem(&networks6, &id);
		if (!net || !(net->flags & NSB_NET_F_USED) ||
		    !(net->flags & NSB_NET_F_MASQUERADE))
			return nsb_drop(NSB_DROP_NO_MASQUERADE);
		if (!cfg->uplink_ifindex || addr6_any(cfg->uplink_addr6))
			return nsb_drop(NSB_DROP_NO_UPLINK);
		if (f.frag != NSB_FRAG6_NONE)
			return nsb_drop(NSB_DROP_FRAG);
		if (f.l4 != FLOW_L4_OK)
			return nsb_drop(f.l4 == FLOW_L4_SHORT ? NSB_DROP_SHORT :
								NSB_DROP_NAT_PROTO);
	}
	ret = __masq6_checks(skb, v, cfg, src, &f);
	if (ret)
		return ret;
	if (!known) {
		ret = nat6_ct_create(cfg, &f, src->ifindex, now, ce);
		if (ret)
			return ret;
		ce = bpf_map_lookup_elem(&ct6, &f.key);
	}
	if (!ce)
		return nsb_drop(NSB_DROP_CT_INSERT); /* gone meanwhile (the collector) */
	return __masq6_out(skb, v, cfg, &f, ce, now);
}

/*
 * __masq6() as a global function that finishes its own verdict: verified
 * once, on its own, its frame beside from_node's (verdict_done()).
 */
__noinline int masq6_from_node_global(struct __sk_buff *skb, const struct nsb_endpoint *src)
{
	struct nsb_verdict v = NSB_VERDICT_INIT;

	return verdict_done(verdict_finish(skb, &v, __masq6(skb, &v, src)));
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
