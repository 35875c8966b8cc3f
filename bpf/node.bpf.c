// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The host ends of the nodes' veths: datapath I, bridgeless forwarding,
 * datapath II, masquerade to the outside world, and port forwards' node
 * side: replies and hairpin.
 *
 * from_node (tc ingress of a host end: what a node sends). The ingress
 * interface is skb->ingress_ifindex.
 *   ARP      answered in place for any address of the node's subnet but its
 *            own (Ethernet and ARP addresses rewritten into the reply, host
 *            end's MAC as the answer), bpf_redirect() back out of the same
 *            veth; probes, gratuitous ARP, replies: to the host stack.
 *   IPv4     anti-spoofing, then to another node: MACs rewritten (TTL and
 *            header checksum too between networks), bpf_redirect_peer() into
 *            its netns; to a lab address without a node: dropped; to the
 *            host (its addresses, gateways, broadcast, multicast): hairpin
 *            when it is a port forward's (DNAT to the forward's node, SNAT to
 *            that node's gateway, bpf_redirect_peer(); lib/hairpin.h), else
 *            to the host stack; outside the lab: a port forward's reply
 *            (source back to the forwarded address and port) or masqueraded
 *            (SNAT to the uplink address, conntrack), bpf_redirect_neigh()
 *            out of the uplink (ICMP time exceeded and fragmentation needed
 *            built in BPF and sent back to the node), or dropped
 *            (lib/masq.h). Masquerade and hairpin run as global functions,
 *            each verified once, on its own (see verdict_done()).
 *   IPv6     a global function (lib/route6.h): from a node with an ip6,
 *            anti-spoofing, neighbour solicitations for its subnet6 answered
 *            in place (lib/ndp.h, bpf_redirect() back out), router
 *            advertisements and redirects dropped, to another node as IPv4
 *            (hop limit for TTL), to the host's and gateways' addresses:
 *            hairpin when it is a port forward's (lib/hairpin6.h), else,
 *            as link-scope addresses, to the host stack, outside to
 *            lib/masq6.h; from a node without one, from its link-local
 *            address (or ::), no
 *            router advertisement, redirect or renumbering: to the host
 *            stack, which does not forward it; anything else dropped
 *            (lib/ipv6_guard.h).
 *   VLAN-tagged and any other EtherType: dropped.
 * to_node (tc egress of a host end: what the host stack sends a node):
 *   counted and passed, never rewritten.
 *
 * A pass is NSB_NEXT, never TC_ACT_OK: a host end is the lab's own device,
 * but a user's tc program attached after ours (a capture, a shaper) still
 * sees what the lab leaves to the host stack; only redirects and drops end
 * the chain. Passed frames are never modified.
 * Maps read: endpoints, networks, config, host_addrs, ct, nat_ports, frags,
 * forwards, ifaces6, endpoints6, networks6, host_addrs6, ct6, nat_ports6,
 * forwards6. Written: ct, nat_ports, frags, forwards (hits), ct6,
 * nat_ports6, forwards6 (hits), stats, and trace when loaded with
 * nsb_trace_enabled.
 */
#include "nsbpf_maps.bpf.h" /* first: it includes vmlinux.h */
#include <bpf/bpf_helpers.h>

#include "lib/verdict.h"
#include "lib/parse.h"
#include "lib/arp.h"
#include "lib/route.h"
#include "lib/route6.h"
#include "lib/ct_gc.h"

/*
 * from_node_l3(): an IPv6 frame, for from_node to hand to from_node_v6()
 * itself. Called from in here, the global function cost from_node's frame
 * a spill: 72 bytes, 96 once 6.1 rounds it up to 32, and IPv4's deepest
 * chain (from_node, masq_from_node_v4, nat_ct_create, its loop's callback,
 * nat_claim_closed) then sums to 544 of the 512 bytes: 6.1 refused
 * from_node. Called from from_node, it is 64.
 */
#define FROM_NODE_V6 (11 * __NSB_DONE)

static __always_inline int from_node_l3(struct __sk_buff *skb, struct nsb_verdict *v, __u16 proto)
{
	/* a tag offloaded to skb metadata (veth does this) is still a VLAN frame */
	if (skb->vlan_present)
		return nsb_drop(NSB_DROP_ETHERTYPE);
	switch (proto) {
	case ETH_P_ARP:
		return arp_from_node(skb, v);
	case ETH_P_IP:
		return route_from_node_v4(skb, v);
	case ETH_P_IPV6:
		return FROM_NODE_V6;
	default: /* ETH_P_8021Q, ETH_P_8021AD, LLDP, ... */
		return nsb_drop(NSB_DROP_ETHERTYPE);
	}
}

SEC("tc")
int from_node(struct __sk_buff *skb)
{
	struct nsb_verdict v = NSB_VERDICT_INIT;
	__u16 proto;
	int ret;

	ret = parse_eth(skb, &proto);
	if (!ret)
		ret = from_node_l3(skb, &v, proto);
	if (ret == FROM_NODE_V6)
		ret = from_node_v6(skb);
	return events_emit(skb, verdict_finish(skb, &v, ret));
}

SEC("tc")
int to_node(struct __sk_buff *skb)
{
	struct nsb_verdict v = NSB_VERDICT_INIT;

	/*
	 * An ARP reply from_node bounced back out of this host end crosses this
	 * hook too; it was counted there (arp_reply). Only such a frame left
	 * through the interface it came in by: the host stack's own frames have
	 * no ingress interface, and it routes nothing back out of its input.
	 */
	if (skb->ingress_ifindex == skb->ifindex)
		return NSB_NEXT;
	return verdict_finish(skb, &v, verdict_pass(&v, NSB_PATH_HOST_TO_NODE));
}

/*
 * Not attached anywhere: the loader runs it once at up (BPF_PROG_TEST_RUN)
 * to run a collector pass and arm the collector's timer (lib/ct_gc.h). Its
 * verdict is 0 or the error.
 */
SEC("tc")
int ct_gc(struct __sk_buff *skb)
{
	return ct_gc_arm();
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
