// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The uplink (eth0 of the host, a veth into a "world" netns in tests):
 * datapath II, the way back of masquerade, and port forwards from outside.
 *
 * from_uplink (tc ingress of the uplink): replies to masqueraded flows, the
 *   client packets of forwarded flows, and ICMP errors about either are
 *   translated back (destination, port or echo id, quoted header;
 *   checksums; TTL - 1; MACs) and bpf_redirect_peer()ed straight into their
 *   node (lib/rev_nat.h); a TCP SYN or UDP datagram to a forwarded port
 *   opens a forwarded flow (lib/dnat.h); a packet from a remote subnet to
 *   a node of its network goes in (lib/remote.h); anything else for a lab
 *   address is dropped (inbound). Everything else is the host's own traffic or
 *   another lab's: NSB_NEXT, untouched, not counted, not traced (the
 *   dispatch: lib/from_uplink.h).
 * to_uplink (tc egress of the uplink): drops what carries a lab source (a
 *   host that forwards routing a node's packet itself: lab_source,
 *   lib/egress.h), but a node's to a remote subnet; everything else is NSB_NEXT, untouched and uncounted:
 *   what masquerade sends out was translated at from_node already.
 *
 * Several labs (and other tools) share an uplink: each lab attaches its own
 * pair, on tcx after the programs already there, on clsact at a priority of
 * its own. What is not this lab's must reach the programs after ours, so
 * neither program ever returns TC_ACT_OK (on tcx that ends the chain): they
 * end it only for the lab's own packets, redirected into a node or dropped.
 *
 * The maps are the node object's, pinned by the loader and reused here (the
 * same definitions, from nsbpf_maps.bpf.h). Maps read: config, nat_ports,
 * ct, endpoints, frags, forwards, networks, remotes. Written: ct, nat_ports, frags,
 * forwards (hits), stats, and trace when loaded with nsb_trace_enabled.
 */
#include "nsbpf_maps.bpf.h" /* first: it includes vmlinux.h */
#include <bpf/bpf_helpers.h>

#include "lib/verdict.h"
#include "lib/from_uplink.h"
#include "lib/egress.h"
#include "lib/from_uplink6.h"
#include "lib/egress6.h"

SEC("tc")
int from_uplink(struct __sk_buff *skb)
{
	struct nsb_verdict v = NSB_VERDICT_INIT;
	int ret;

	/* IPv6 in a global function of its own, finished there (lib/from_uplink6.h) */
	if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		ret = from_uplink_v6(skb);
		if (ret == UPLINK6_HOSTS)
			return NSB_NEXT;
		return events_emit(skb, verdict_finish(skb, &v, ret));
	}
	ret = from_uplink_v4(skb, &v);
	/* never verdict_finish() the host's traffic: it would call a missing path a drop */
	if (ret == NSB_NEXT && v.path == NSB_PATH_MAX)
		return NSB_NEXT;
	return events_emit(skb, verdict_finish(skb, &v, ret));
}

SEC("tc")
int to_uplink(struct __sk_buff *skb)
{
	struct nsb_verdict v = NSB_VERDICT_INIT;
	int ret = skb->protocol == bpf_htons(ETH_P_IPV6) ? egress_v6(skb) : egress_v4(skb);

	if (ret == NSB_NEXT)
		return NSB_NEXT; /* the host's: untouched, uncounted */
	return events_emit(skb, verdict_finish(skb, &v, ret));
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
