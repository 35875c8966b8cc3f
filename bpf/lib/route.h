/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Node-to-node IPv4 forwarding at from_node: anti-spoofing, the reach
 * policy between networks, MAC rewrite and bpf_redirect_peer() straight into
 * the destination node's netns. Within a network the hop is layer 2 (TTL
 * untouched, as a bridge would); between networks it is a routed hop (TTL
 * decremented, expiry dropped). Everything else is masquerade's to decide
 * (lib/masq.h): the host's addresses, gateways and broadcasts go to the
 * host, lab addresses without a node are dropped, the outside world is
 * masqueraded or dropped.
 */
#ifndef NSBPF_LIB_ROUTE_H
#define NSBPF_LIB_ROUTE_H

#include "lib/parse.h"
#include "lib/rewrite.h"
#include "lib/spoof.h"
#include "lib/masq.h"
#include "lib/hairpin.h"
#include "lib/icmp_out.h"

/*
 * Destinations no node has any business with: "this" network, loopback
 * (a 127.0.0.1-only forward is the host's own sockets', never a node's),
 * multicast, 240/4. The host would drop most of them, or, forwarding,
 * route them out of the uplink with the node's address. The limited
 * broadcast stays: it goes nowhere but the host.
 */
static __always_inline bool __route_martian(__be32 daddr)
{
	__u8 first = bpf_ntohl(daddr) >> 24;

	return first == 0 || first == 127 || (first >= 224 && daddr != 0xffffffff);
}

/*
 * hairpin's first test (lib/hairpin.h), before its global call and second
 * parse: a TCP or UDP packet (no later fragment) to a port neither in the
 * SNAT range nor forwarded can be no hairpin flow's: the host's own
 * traffic (a node answering the host, its DNS to it). ip: from this
 * parse, no helper since. Anything else: hairpin decides.
 */
static __always_inline bool __route_host_own(struct __sk_buff *skb, const struct nsb_config *cfg,
					     const struct iphdr *ip)
{
	__u8 proto = ip->protocol;
	const __be16 *ports;

	if ((proto != IPPROTO_TCP && proto != IPPROTO_UDP) || (bpf_ntohs(ip->frag_off) & IP_OFFSET))
		return false;
	ports = (void *)ip + ip->ihl * 4;
	if ((void *)(ports + 2) > skb_data_end(skb))
		return false; /* not linear: hairpin reads it */
	return !hairpin_port_maybe(cfg, ports[1], proto);
}

/*
 * To no node: an address of the host's goes to hairpin (a forward, or the
 * host), anything else to masquerade, which hands lab gateways back to
 * hairpin. Both are global functions, called from here so that neither
 * frame sits on top of the other.
 */
static __always_inline int __route_not_a_node(struct __sk_buff *skb, struct nsb_verdict *v,
					      const struct nsb_endpoint *src,
					      const struct iphdr *ip)
{
	const struct nsb_config *cfg = config_get();
	__be32 daddr = ip->daddr;
	__u8 proto = ip->protocol;
	bool host;
	int ret;

	if (!cfg)
		return nsb_drop(NSB_DROP_INTERNAL);
	if (__route_martian(daddr))
		return nsb_drop(NSB_DROP_MARTIAN);
	host = masq_host_dest(cfg, daddr);
	if (host && __route_host_own(skb, cfg, ip))
		return verdict_pass(v, NSB_PATH_TO_HOST);
	if (!host) {
		if (proto == IPPROTO_ICMP) {
			ret = icmp_err_from_node_v4(skb, src);
			if (ret != ICMP_OUT_NOT_OURS)
				return ret;
		}
		ret = masq_from_node_v4(skb, src);
		if (ret != MASQ_GATEWAY)
			return ret;
	}
	return hairpin_from_node_v4(skb, src);
}

static __always_inline int route_from_node_v4(struct __sk_buff *skb, struct nsb_verdict *v)
{
	const struct nsb_endpoint *src, *dst;
	const struct nsb_network *snet;
	struct ethhdr *eth;
	struct iphdr *ip;
	__be32 daddr;
	__u32 id;
	int ret;

	ret = parse_ipv4(skb, &eth, &ip);
	if (ret)
		return ret;
	ret = spoof_check(skb, ip->saddr, eth->h_source, NULL, &src);
	if (ret)
		return ret;
	daddr = ip->daddr;
	/* the world's addresses (most of what is no node's) skip the lookups; a node, or */
	/* the router of a routed prefix (its /24s are in the filter too) */
	dst = lab_addr_maybe(daddr) ? endpoint_find(&daddr) : NULL;
	if (!dst)
		return __route_not_a_node(skb, v, src, ip);

	/* reach is checked within a network too: a network may isolate its nodes */
	id = src->net_id;
	snet = bpf_map_lookup_elem(&networks, &id);
	if (!snet || dst->net_id >= NSB_MAX_NETWORKS || !(snet->reach & (1ULL << dst->net_id)))
		return nsb_drop(NSB_DROP_ISOLATED);

	if (src->net_id != dst->net_id) {
		/* a routed hop; no ICMP time exceeded is sent */
		if (ip->ttl <= 1)
			return nsb_drop(NSB_DROP_TTL);
		rw_ttl_dec(ip); /* in place: no helper, eth stays valid */
	}
	mac_copy(eth->h_dest, dst->node_mac);
	mac_copy(eth->h_source, dst->host_mac); /* as if the peer's host end sent it */
	/*
	 * pkt_type was set against this host end's MAC and redirect_peer does
	 * not set it again: a frame that was not addressed to the host end
	 * (a node's static neighbour entry) would be PACKET_OTHERHOST, which
	 * the peer's IP stack drops.
	 */
	if (skb->pkt_type != __PACKET_HOST)
		bpf_skb_change_type(skb, __PACKET_HOST);
	return verdict_redirect_peer(v, NSB_PATH_NODE_TO_NODE, dst->ifindex);
}

#endif /* NSBPF_LIB_ROUTE_H */
