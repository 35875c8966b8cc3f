/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Neighbour discovery at from_node, for a node with IPv6 (ifaces6 has its
 * veth), as lib/arp.h for ARP. Every NDP message from a node must be valid
 * per RFC 4861 7.1 (hop limit 255, code 0, length, target not multicast,
 * options of non-zero length, checksum; not fragmented, RFC 6980) and sit
 * right behind the IPv6 header, else ndp (dropped). Then:
 *   neighbour solicitation from :: (duplicate address detection), or for
 *   one of the node's own addresses               to the host (ipv6_pass)
 *   neighbour solicitation for any other address of the node's subnet6:
 *   answered in place with a neighbour advertisement carrying the host
 *   end's MAC (Solicited, Override; Router for the gateway6), bpf_redirect()
 *   back out of the same veth                      ndp_reply
 *   other solicitations (the host end's link-local) to the host (ipv6_pass)
 *   neighbour advertisement: only for the node's own address or its
 *   link-local, else ndp; then to the host         ipv6_pass
 *   router solicitation                            to the host (ipv6_pass)
 *   router advertisement, redirect, renumbering, anywhere in the walk: ipv6
 */
#ifndef NSBPF_LIB_NDP_H
#define NSBPF_LIB_NDP_H

#include "lib/parse6.h"
#include "lib/addr6.h"
#include "lib/ipv6_guard.h"

#define ICMPV6_ROUTER_SOLICIT 133
#define ICMPV6_NEIGH_SOLICIT  135
#define ICMPV6_NEIGH_ADVERT   136

#define ND_OPT_SLLA 1 /* source link-layer address */
#define ND_OPT_TLLA 2 /* target link-layer address */

#define NDP_NS_LEN  24 /* ICMPv6 header, reserved, target */
#define NDP_NA_LEN  32 /* ... and one target link-layer address option */
#define NDP_LEN_MAX 64 /* longest solicitation read: 5 options of 8 bytes */

#define ND_NA_F_ROUTER	  0x80000000
#define ND_NA_F_SOLICITED 0x40000000
#define ND_NA_F_OVERRIDE  0x20000000

struct nsb_nd_msg {
	__u8 type;
	__u8 code;
	__sum16 csum;
	__be32 flags; /* NA: R S O; NS: reserved */
	__be32 target[4];
};

struct nsb_nd_opt_ll {
	__u8 type;
	__u8 len; /* in 8 bytes */
	__u8 mac[ETH_ALEN];
};

/*
 * The ICMPv6 checksum's 16-bit one's complement sum over the pseudo-header
 * (source, destination, upper-layer length, next header) and the len bytes
 * of message after the fixed header, folded, as it sits in memory (the
 * sum is byte-order independent, RFC 1071). len: a multiple of 8, at most
 * NDP_LEN_MAX. 0xffff: a message that carries a correct checksum.
 */
static __always_inline __u16 __ndp_sum(struct __sk_buff *skb, __u32 len)
{
	__u64 sum = bpf_htonl(len) + bpf_htonl(IPPROTO_ICMPV6);
	__u32 off = ETH_HLEN + 8, n = (32 + len) / 8; /* the addresses, then the message */
	__u32 w[2];

#pragma unroll /* as parse_ipv6_l4(): 6.1's verifier and clang's loops; no break, then */
	for (__u32 i = 0; i < (32 + NDP_LEN_MAX) / 8; i++) {
		if (i < n) {
			if (bpf_skb_load_bytes(skb, off + i * 8, w, sizeof(w)))
				return 0;
			sum += (__u64)w[0] + w[1];
		}
	}
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)((sum & 0xffff) + (sum >> 16));
}

/*
 * The options of a solicitation of len bytes: each of non-zero length,
 * ending exactly at len; none that names a source link-layer address from
 * :: (RFC 4861 7.1.1), and one that does must name the node's MAC
 * (spoof_mac: the host would take it for the node's).
 */
static __always_inline int __ndp_ns_opts(struct __sk_buff *skb, __u32 len, bool any,
					 const __u8 *node_mac)
{
	__u32 off = ETH_HLEN + IPV6_HLEN + NDP_NS_LEN, end = ETH_HLEN + IPV6_HLEN + len;
	struct nsb_nd_opt_ll o;

#pragma unroll
	for (int i = 0; i < (NDP_LEN_MAX - NDP_NS_LEN) / 8; i++) {
		if (off >= end)
			continue;
		if (bpf_skb_load_bytes(skb, off, &o, sizeof(o)) || !o.len)
			return nsb_drop(NSB_DROP_NDP);
		if (o.type == ND_OPT_SLLA) {
			if (any)
				return nsb_drop(NSB_DROP_NDP);
			if (o.len == 1 && !mac_eq(o.mac, node_mac))
				return nsb_drop(NSB_DROP_SPOOF_MAC);
		}
		off += (__u32)o.len * 8;
	}
	return off == end ? 0 : nsb_drop(NSB_DROP_NDP);
}

/*
 * Turn the solicitation into its advertisement: from the target to the
 * solicitor, the host end's MAC as the answer. The frame becomes exactly
 * Ethernet + IPv6 + NDP_NA_LEN; tgt: the solicited target, saved.
 */
static __always_inline int __ndp_advert(struct __sk_buff *skb, const struct nsb_endpoint *ep,
					const __be32 *tgt, bool router)
{
	const __u32 na_end = ETH_HLEN + IPV6_HLEN + NDP_NA_LEN;
	struct nsb_nd_opt_ll *opt;
	struct nsb_nd_msg *nd;
	struct ipv6hdr *ip6;
	struct ethhdr *eth;
	__u16 sum;

	if (skb->len != na_end && bpf_skb_change_tail(skb, na_end, 0))
		return nsb_drop(NSB_DROP_INTERNAL);
	if (!parse_pull(skb, na_end))
		return nsb_drop(NSB_DROP_INTERNAL);
	eth = parse_eth_hdr(skb); /* the helpers moved the data */
	if (!eth)
		return nsb_drop(NSB_DROP_INTERNAL);
	ip6 = (void *)(eth + 1);
	nd = (void *)(ip6 + 1);
	opt = (void *)(nd + 1);
	if ((void *)(opt + 1) > skb_data_end(skb))
		return nsb_drop(NSB_DROP_INTERNAL);

	mac_copy(eth->h_dest, eth->h_source); /* back to the solicitor */
	mac_copy(eth->h_source, ep->host_mac);
	*(__be32 *)ip6 = bpf_htonl(0x60000000); /* version 6, traffic class and flow label 0 */
	ip6->payload_len = bpf_htons(NDP_NA_LEN);
	ip6->nexthdr = IPPROTO_ICMPV6;
	ip6->hop_limit = 255;
	addr6_copy(ip6->daddr.in6_u.u6_addr32, ip6->saddr.in6_u.u6_addr32);
	addr6_copy(ip6->saddr.in6_u.u6_addr32, tgt);
	nd->type = ICMPV6_NEIGH_ADVERT;
	nd->code = 0;
	nd->csum = 0;
	nd->flags = bpf_htonl((router ? ND_NA_F_ROUTER : 0) | ND_NA_F_SOLICITED | ND_NA_F_OVERRIDE);
	addr6_copy(nd->target, tgt);
	opt->type = ND_OPT_TLLA;
	opt->len = 1;
	mac_copy(opt->mac, ep->host_mac);
	sum = __ndp_sum(skb, NDP_NA_LEN); /* reads what was just written: no data moved */
	nd->csum = ~sum;
	return 0;
}

/*
 * A solicitation of len bytes from a node whose IPv6 side is ifc; src_any:
 * from ::. Validated (RFC 4861 7.1.1), then answered or passed.
 */
static __always_inline int __ndp_ns(struct __sk_buff *skb, struct nsb_verdict *v,
				    const struct nsb_iface6 *ifc, __u32 len, bool src_any)
{
	const struct nsb_network6 *net6;
	struct nsb_nd_msg *nd;
	struct ipv6hdr *ip6;
	struct ethhdr *eth;
	__be32 tgt[4];
	__u32 id;
	int ret;

	if (len < NDP_NS_LEN || len > NDP_LEN_MAX || (len & 7))
		return nsb_drop(NSB_DROP_NDP);
	if (!parse_pull(skb, ETH_HLEN + IPV6_HLEN + NDP_NS_LEN))
		return nsb_drop(NSB_DROP_NDP);
	eth = parse_eth_hdr(skb);
	if (!eth)
		return nsb_drop(NSB_DROP_NDP);
	ip6 = (void *)(eth + 1);
	nd = (void *)(ip6 + 1);
	if ((void *)(nd + 1) > skb_data_end(skb))
		return nsb_drop(NSB_DROP_NDP);
	if (ip6->hop_limit != 255 || nd->code)
		return nsb_drop(NSB_DROP_NDP);
	addr6_copy(tgt, nd->target);
	if (addr6_multicast(tgt))
		return nsb_drop(NSB_DROP_NDP);
	if (src_any && !addr6_is_snm_of(ip6->daddr.in6_u.u6_addr32, tgt))
		return nsb_drop(NSB_DROP_NDP);
	ret = __ndp_ns_opts(skb, len, src_any, ifc->ep.node_mac);
	if (ret)
		return ret;
	if (__ndp_sum(skb, len) != 0xffff)
		return nsb_drop(NSB_DROP_NDP);

	/* duplicate address detection, or the node asks after itself: the host's to see */
	if (src_any || addr6_eq(tgt, ifc->addr) || addr6_is_ll_of(tgt, ifc->ep.node_mac))
		return verdict_pass(v, NSB_PATH_IPV6_PASS);
	id = ifc->ep.net_id;
	net6 = bpf_map_lookup_elem(&networks6, &id);
	if (!net6 || !(net6->flags & NSB_NET_F_USED) ||
	    !addr6_in(tgt, net6->subnet, net6->prefixlen))
		return verdict_pass(v, NSB_PATH_IPV6_PASS); /* the host end's link-local, ... */
	v->len = skb->len; /* stats count what the node sent, not the answer */
	ret = __ndp_advert(skb, &ifc->ep, tgt, addr6_eq(tgt, net6->gateway));
	if (ret)
		return ret;
	return verdict_redirect(v, NSB_PATH_NDP_REPLY, skb->ingress_ifindex);
}

/* An advertisement of len bytes: the node speaks for itself only. */
static __always_inline int __ndp_na(struct __sk_buff *skb, struct nsb_verdict *v,
				    const struct nsb_iface6 *ifc, __u32 len)
{
	struct nsb_nd_msg *nd;
	struct ipv6hdr *ip6;
	struct ethhdr *eth;

	if (len < NDP_NS_LEN || !parse_pull(skb, ETH_HLEN + IPV6_HLEN + NDP_NS_LEN))
		return nsb_drop(NSB_DROP_NDP);
	eth = parse_eth_hdr(skb);
	if (!eth)
		return nsb_drop(NSB_DROP_NDP);
	ip6 = (void *)(eth + 1);
	nd = (void *)(ip6 + 1);
	if ((void *)(nd + 1) > skb_data_end(skb))
		return nsb_drop(NSB_DROP_NDP);
	if (ip6->hop_limit != 255 || nd->code)
		return nsb_drop(NSB_DROP_NDP);
	if (!addr6_eq(nd->target, ifc->addr) && !addr6_is_ll_of(nd->target, ifc->ep.node_mac))
		return nsb_drop(NSB_DROP_NDP);
	return verdict_pass(v, NSB_PATH_IPV6_PASS);
}

/*
 * ICMPv6 at l4 (not a later fragment) from a node with IPv6: its type when
 * neighbour discovery is the node's to answer here (router and neighbour
 * solicitation, neighbour advertisement), 0 when routing goes on, or a
 * drop. Moves no data. Apart from ndp6_from_node(): a verdict of a helper
 * that moved data never meets a check that goes on routing.
 */
static __always_inline int ndp6_type(struct __sk_buff *skb, const struct ipv6_l4 *l4)
{
	__u8 type;

	if (bpf_skb_load_bytes(skb, l4->off, &type, 1))
		return nsb_drop(NSB_DROP_SHORT);
	if (type == ICMPV6_ROUTER_ADVERT || type == ICMPV6_REDIRECT || type == ICMPV6_ROUTER_RENUM)
		return nsb_drop(NSB_DROP_IPV6);
	if (type < ICMPV6_ROUTER_SOLICIT || type > ICMPV6_NEIGH_ADVERT)
		return 0;
	/* never behind an extension header, never fragmented (RFC 6980) */
	if (l4->exts)
		return nsb_drop(NSB_DROP_NDP);
	return type;
}

/*
 * The message of type (ndp6_type()) from a node whose IPv6 side is ifc, its
 * source checked (src_any: ::); plen: the IPv6 payload length.
 */
static __always_inline int ndp6_from_node(struct __sk_buff *skb, struct nsb_verdict *v,
					  const struct nsb_iface6 *ifc, int type, __u32 plen,
					  bool src_any)
{
	if (type == ICMPV6_NEIGH_SOLICIT)
		return __ndp_ns(skb, v, ifc, plen, src_any);
	if (type == ICMPV6_NEIGH_ADVERT)
		return __ndp_na(skb, v, ifc, plen);
	return verdict_pass(v, NSB_PATH_IPV6_PASS); /* a router solicitation: no router answers */
}

#endif /* NSBPF_LIB_NDP_H */
