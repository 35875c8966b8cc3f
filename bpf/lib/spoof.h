/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Anti-spoofing: a node may send only from its own IPv4 address, out of its
 * own veth, with its own MAC; a router node also from the prefixes routed
 * via it (lib/endpoint.h), ARP included (Linux asks with the source address
 * of the packet that waits, one of the prefix's when it forwards or sends
 * from there). The endpoint found by source address is the identity every
 * later decision uses: a router's for its prefixes.
 */
#ifndef NSBPF_LIB_SPOOF_H
#define NSBPF_LIB_SPOOF_H

#include "lib/parse.h"
#include "lib/endpoint.h"

/*
 * saddr must be an endpoint (or in a prefix routed via one) whose host end
 * is the ingress interface (SPOOF_IP), and its node MAC must equal eth_src and, for ARP, the sender
 * hardware address sha (SPOOF_MAC). sha NULL: no ARP header.
 */
static __always_inline int spoof_check(struct __sk_buff *skb, __be32 saddr, const __u8 *eth_src,
				       const __u8 *sha, const struct nsb_endpoint **epp)
{
	const struct nsb_endpoint *ep = endpoint_find(&saddr); /* a node's, or its router's */

	if (!ep || ep->ifindex != skb->ingress_ifindex)
		return nsb_drop(NSB_DROP_SPOOF_IP);
	if (!mac_eq(ep->node_mac, eth_src) || (sha && !mac_eq(ep->node_mac, sha)))
		return nsb_drop(NSB_DROP_SPOOF_MAC);
	*epp = ep;
	return 0;
}

#endif /* NSBPF_LIB_SPOOF_H */
