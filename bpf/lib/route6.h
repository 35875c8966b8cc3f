/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * IPv6 from a node at from_node. A node whose veth ifaces6 does not know
 * has no IPv6 address: the IPv4-only lab's guard, unchanged
 * (lib/ipv6_guard.h). A node with one:
 *
 *   anti-spoofing (lib/spoof6.h)                   spoof_ip, spoof_mac
 *   extension headers walked, at most PARSE6_EXT_MAX  ipv6 beyond, short
 *   router advertisement, redirect, renumbering    ipv6
 *   neighbour discovery (lib/ndp.h)                ndp_reply, ipv6_pass, ndp
 *   from its link-local address or ::: link scope, to a link-local or
 *   multicast address                              ipv6_pass, else ipv6
 *   to a link-local or multicast address           ipv6_pass
 *   to another node (endpoints6): reach as IPv4, MACs rewritten, hop limit
 *   decremented between networks (ttl at 1 or 0; no checksum covers it),
 *   bpf_redirect_peer()                            node_to_node, isolated, ttl
 *   to ::, ::1, ::ffff:0:0/96                      martian
 *   to a host address (host_addrs6, the uplink's address6, a gateway6):
 *   a port forward's, hairpin (lib/hairpin6.h)     hairpin, ttl, ...
 *   else                                           to_host
 *   to another address of a subnet6                no_endpoint
 *   outside: an ICMPv6 error about a translated flow  icmp_err_out (lib/icmp_out6.h)
 *            anything else                         masq6_from_node() (lib/masq6.h)
 *
 * to_host and ipv6_pass both leave the packet to the host stack untouched:
 * to_host counts what a node sends to the host's addresses, ipv6_pass the
 * link-scope traffic (neighbour discovery, MLD, link-local) the IPv4-only
 * guard counts there too. Fragments carry no upper-layer header after the
 * first; they are routed by address like any packet (NAT66 follows them
 * by its frags6 record, lib/frag6.h), and the host's
 * neighbour discovery refuses fragmented messages itself (RFC 6980).
 */
#ifndef NSBPF_LIB_ROUTE6_H
#define NSBPF_LIB_ROUTE6_H

#include "lib/parse6.h"
#include "lib/addr6.h"
#include "lib/spoof6.h"
#include "lib/ndp.h"
#include "lib/subnets6.h"
#include "lib/ipv6_guard.h"
#include "lib/masq6.h"
#include "lib/icmp_out6.h"
#include "lib/hairpin6.h"

/* To dst, another node: the reach policy, the hop, the redirect. */
static __always_inline int __route6_node(struct __sk_buff *skb, struct nsb_verdict *v,
					 struct ethhdr *eth, struct ipv6hdr *ip6,
					 const struct nsb_endpoint *src,
					 const struct nsb_endpoint *dst)
{
	const struct nsb_network *snet;
	__u32 id = src->net_id;

	/* reach is one policy for both families: networks has it, IPv6-only ones too */
	snet = bpf_map_lookup_elem(&networks, &id);
	if (!snet || dst->net_id >= NSB_MAX_NETWORKS || !(snet->reach & (1ULL << dst->net_id)))
		return nsb_drop(NSB_DROP_ISOLATED);
	if (src->net_id != dst->net_id) {
		/* a routed hop; no ICMPv6 time exceeded is sent */
		if (ip6->hop_limit <= 1)
			return nsb_drop(NSB_DROP_TTL);
		ip6->hop_limit--;
	}
	mac_copy(eth->h_dest, dst->node_mac);
	mac_copy(eth->h_source, dst->host_mac);
	if (skb->pkt_type != __PACKET_HOST)
		bpf_skb_change_type(skb, __PACKET_HOST); /* as route_from_node_v4() */
	return verdict_redirect_peer(v, NSB_PATH_NODE_TO_NODE, dst->ifindex);
}

/* To no node's address, from the node's own ip6. */
static __always_inline int __route6_not_a_node(struct __sk_buff *skb, struct nsb_verdict *v,
					       const struct nsb_iface6 *ifc, const __be32 *daddr,
					       bool icmp)
{
	const struct nsb_config *cfg = config_get();
	__u32 id;

	if (!cfg)
		return nsb_drop(NSB_DROP_INTERNAL);
	if (addr6_martian(daddr))
		return nsb_drop(NSB_DROP_MARTIAN);
	/* the host's addresses: hairpin's, else the host's (lib/hairpin6.h) */
	if (addr6_eq(daddr, cfg->uplink_addr6))
		return hairpin6_from_node(skb, &ifc->ep, HAIRPIN6_ANY);
	if (bpf_map_lookup_elem(&host_addrs6, daddr))
		return hairpin6_from_node(skb, &ifc->ep, HAIRPIN6_HOST);
	switch (lab6_where(daddr, &id)) {
	case LAB_GATEWAY:
		return hairpin6_from_node(skb, &ifc->ep, HAIRPIN6_ANY);
	case LAB_OUTSIDE:
		if (icmp) {
			/* an error about a translated flow leaves as the flow does */
			int ret = icmp6_err_from_node(skb);

			if (ret != ICMP6_OUT_NOT_OURS)
				return ret;
		}
		return masq6_from_node(skb, &ifc->ep);
	default:
		return nsb_drop(NSB_DROP_NO_ENDPOINT);
	}
}

static __always_inline int __route6(struct __sk_buff *skb, struct nsb_verdict *v,
				    const struct nsb_iface6 *ifc)
{
	const struct nsb_endpoint *dst;
	struct ipv6_l4 l4;
	struct ipv6hdr *ip6;
	struct ethhdr *eth;
	const __be32 *daddr;
	bool icmp = false;
	int ret, src;

	ret = parse_ipv6(skb, &eth, &ip6);
	if (ret)
		return ret;
	src = spoof6_check(skb, eth, ip6, ifc);
	if (src < 0)
		return src;
	/* TCP and UDP right behind the header (most of it) need no walk */
	if (ip6->nexthdr != IPPROTO_TCP && ip6->nexthdr != IPPROTO_UDP) {
		ret = parse_ipv6_l4(skb, ip6, &l4); /* moves no data: eth, ip6 stay */
		if (ret)
			return ret;
		if (l4.proto == IPPROTO_ICMPV6 && l4.frag != NSB_FRAG6_LATER) {
			ret = ndp6_type(skb, &l4);
			if (ret)
				return ret > 0 ? ndp6_from_node(skb, v, ifc, ret,
								bpf_ntohs(ip6->payload_len),
								src == SRC6_ANY) :
						 ret;
		}
		icmp = l4.proto == IPPROTO_ICMPV6 && l4.frag == NSB_FRAG6_NONE;
	}
	daddr = ip6->daddr.in6_u.u6_addr32;
	if (addr6_linklocal(daddr) || addr6_multicast(daddr))
		return verdict_pass(v, NSB_PATH_IPV6_PASS);
	if (src != SRC6_NODE)
		return nsb_drop(NSB_DROP_IPV6); /* a link-scope source off the link */
	dst = bpf_map_lookup_elem(&endpoints6, daddr);
	if (dst)
		return __route6_node(skb, v, eth, ip6, &ifc->ep, dst);
	return __route6_not_a_node(skb, v, ifc, daddr, icmp);
}

/*
 * ETH_P_IPV6 at from_node: a global function, verified once on its own and
 * off IPv4's frame; it finishes its own verdict (verdict_done()).
 */
__noinline int from_node_v6(struct __sk_buff *skb)
{
	struct nsb_verdict v = NSB_VERDICT_INIT;
	__u32 ifindex = skb->ingress_ifindex;
	const struct nsb_iface6 *ifc = bpf_map_lookup_elem(&ifaces6, &ifindex);
	int ret;

	if (ifc)
		ret = __route6(skb, &v, ifc);
	else
		ret = ipv6_from_node(skb, &v); /* a node without IPv6 */
	return verdict_done(verdict_finish(skb, &v, ret));
}

#endif /* NSBPF_LIB_ROUTE6_H */
