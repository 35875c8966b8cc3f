/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The uplink's egress (to_uplink): nothing leaves with a lab source. The
 * datapath sends what it masquerades or forwards with the uplink's (or a
 * forward's) address; a lab source out there can only be the host routing
 * a node's packet itself (ip_forward=1, as on docker and Kubernetes hosts)
 * or a host socket bound to a gateway address, and nothing would come back
 * to it (inbound drops replies to lab addresses). But for a node's packet
 * to a remote subnet of its network (lib/remote.h), which leaves with its
 * own source. Everything else, the host's own traffic, passes untouched
 * and uncounted.
 */
#ifndef NSBPF_LIB_EGRESS_H
#define NSBPF_LIB_EGRESS_H

#include "lib/subnets.h"
#include "lib/flow.h"
#include "lib/remote.h"

/* NSB_NEXT with v->path unset: the host's, untouched. */
static __always_inline int egress_v4(struct __sk_buff *skb)
{
	struct iphdr *ip;
	__be32 saddr;

	if (skb->protocol != bpf_htons(ETH_P_IP) || skb->vlan_present)
		return NSB_NEXT;
	/* every packet the host sends passes here: read in place, no helper, when linear */
	ip = skb_data(skb) + ETH_HLEN;
	if ((void *)(ip + 1) <= skb_data_end(skb))
		saddr = ip->saddr;
	else if (bpf_skb_load_bytes(skb, ETH_HLEN + offsetof(struct iphdr, saddr), &saddr,
				    sizeof(saddr)))
		return NSB_NEXT;
	/* the host's own addresses have the filter's lab bit clear: no scan, no config */
	if (!lab_outside(lab_where(saddr)) && !remote_src_ok(skb, saddr))
		return nsb_drop(NSB_DROP_LAB_SOURCE);
	return NSB_NEXT;
}

#endif /* NSBPF_LIB_EGRESS_H */
