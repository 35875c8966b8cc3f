/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Anti-spoofing for IPv6 from a node with IPv6 (ifaces6 has its veth): the
 * frame must come from the node's MAC, out of its own veth, and its source
 * be the node's ip6, its link-local address (fe80::/64 with the EUI-64
 * interface id of its MAC), or :: (duplicate address detection, MLD
 * before an address). Else spoof_ip (the address) or spoof_mac (the
 * frame), checked in IPv4's order (lib/spoof.h).
 */
#ifndef NSBPF_LIB_SPOOF6_H
#define NSBPF_LIB_SPOOF6_H

#include "lib/parse6.h"
#include "lib/addr6.h"

enum spoof6_src {
	SRC6_NODE = 0, /* the node's ip6: routed like IPv4 */
	SRC6_LINK = 1, /* its link-local address: link scope, the host's only */
	SRC6_ANY = 2,  /* ::, to multicast only */
};

/* An enum spoof6_src, or nsb_drop(). */
static __always_inline int spoof6_check(struct __sk_buff *skb, const struct ethhdr *eth,
					const struct ipv6hdr *ip6, const struct nsb_iface6 *ifc)
{
	const __be32 *s = ip6->saddr.in6_u.u6_addr32;
	int src;

	if (addr6_eq(s, ifc->addr))
		src = SRC6_NODE;
	else if (addr6_is_ll_of(s, ifc->ep.node_mac))
		src = SRC6_LINK;
	else if (addr6_any(s) && addr6_multicast(ip6->daddr.in6_u.u6_addr32))
		src = SRC6_ANY;
	else
		return nsb_drop(NSB_DROP_SPOOF_IP);
	if (ifc->ep.ifindex != skb->ingress_ifindex)
		return nsb_drop(NSB_DROP_SPOOF_IP); /* a stale entry: never trust it */
	if (!mac_eq(eth->h_source, ifc->ep.node_mac))
		return nsb_drop(NSB_DROP_SPOOF_MAC);
	return src;
}

#endif /* NSBPF_LIB_SPOOF6_H */
