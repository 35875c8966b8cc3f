/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ARP responder at from_node. A node's request for any address of its own
 * subnet other than its own (the gateway, a peer, an unused address) is
 * turned in place into the reply, with the host end's MAC as the answer, and
 * sent back out of the same veth: every on-link hop of a node leads to its
 * host end, where from_node forwards. Everything else that passes the
 * anti-spoofing checks goes to the host stack untouched.
 */
#ifndef NSBPF_LIB_ARP_H
#define NSBPF_LIB_ARP_H

#include "lib/parse.h"
#include "lib/spoof.h"

/* Rewrite the request into its reply; both pointers checked by parse_arp(). */
static __always_inline void __arp_reply(struct ethhdr *eth, struct nsb_arp *arp,
					const __u8 *answer_mac)
{
	__be32 sip = arp->spa, tip = arp->tpa;

	mac_copy(eth->h_dest, eth->h_source); /* back to the requester */
	mac_copy(eth->h_source, answer_mac);
	arp->op = bpf_htons(ARPOP_REPLY);
	mac_copy(arp->tha, arp->sha);
	arp->tpa = sip;
	mac_copy(arp->sha, answer_mac);
	arp->spa = tip;
}

/*
 * Sender IP 0.0.0.0 is an RFC 5227 probe (duplicate address detection): it
 * names no sender address to check, so it must not lie about its MAC
 * (Ethernet source == sender MAC, checked by the caller) and, when it probes
 * an address that belongs to the node of this veth, that MAC must be the
 * node's. Then the host stack sees it: the host answers only for its own
 * addresses (a gateway), which is what a probe should learn. BPF never
 * answers a probe.
 */
static __always_inline int __arp_probe(struct __sk_buff *skb, struct nsb_verdict *v,
				       const struct nsb_arp *arp)
{
	__be32 tip = arp->tpa;
	const struct nsb_endpoint *ep = bpf_map_lookup_elem(&endpoints, &tip);

	if (ep && ep->ifindex == skb->ingress_ifindex && !mac_eq(ep->node_mac, arp->sha))
		return nsb_drop(NSB_DROP_SPOOF_MAC);
	return verdict_pass(v, NSB_PATH_TO_HOST);
}

static __always_inline int arp_from_node(struct __sk_buff *skb, struct nsb_verdict *v)
{
	const struct nsb_endpoint *ep;
	const struct nsb_network *net;
	struct ethhdr *eth;
	struct nsb_arp *arp;
	__be32 tip;
	__u32 id;
	int ret;

	ret = parse_arp(skb, &eth, &arp);
	if (ret)
		return ret;
	if (!mac_eq(eth->h_source, arp->sha))
		return nsb_drop(NSB_DROP_SPOOF_MAC);
	if (!arp->spa)
		return __arp_probe(skb, v, arp);
	ret = spoof_check(skb, arp->spa, eth->h_source, arp->sha, &ep);
	if (ret)
		return ret;

	/* replies, gratuitous ARP and other opcodes are the host's business */
	tip = arp->tpa;
	if (arp->op != bpf_htons(ARPOP_REQUEST) || tip == arp->spa)
		return verdict_pass(v, NSB_PATH_TO_HOST);
	id = ep->net_id;
	net = bpf_map_lookup_elem(&networks, &id);
	if (!net || !(net->flags & NSB_NET_F_USED) || (tip & net->mask) != net->subnet)
		return verdict_pass(v, NSB_PATH_TO_HOST);

	__arp_reply(eth, arp, ep->host_mac);
	return verdict_redirect(v, NSB_PATH_ARP_REPLY, skb->ingress_ifindex);
}

#endif /* NSBPF_LIB_ARP_H */
