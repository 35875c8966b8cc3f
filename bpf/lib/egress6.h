/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The uplink's egress for IPv6 (lib/egress.h's twin): nothing leaves with
 * a lab source. NAT66 sends with uplink_addr6 (lib/masq6.h); a source in a
 * networks6 subnet out there can only be the host routing a node's packet
 * itself (IPv6 forwarding on) or a host socket bound to a gateway, and
 * inbound drops whatever would come back to it: lab_source. Everything
 * else passes untouched and uncounted; link-local and multicast sources
 * (neighbour discovery, MLD) and uplink_addr6 skip the subnets' scan.
 */
#ifndef NSBPF_LIB_EGRESS6_H
#define NSBPF_LIB_EGRESS6_H

#include "lib/parse.h"
#include "lib/flow.h"
#include "lib/lab6.h"

#define IP6H_SADDR 8

/* NSB_NEXT: the host's, untouched. */
static __always_inline int egress_v6(struct __sk_buff *skb)
{
	const struct nsb_config *cfg;
	struct ipv6hdr *ip6;
	__be32 saddr[4];

	if (skb->vlan_present)
		return NSB_NEXT;
	ip6 = skb_data(skb) + ETH_HLEN;
	if ((void *)(ip6 + 1) <= skb_data_end(skb))
		__builtin_memcpy(saddr, &ip6->saddr, sizeof(saddr));
	else if (bpf_skb_load_bytes(skb, ETH_HLEN + IP6H_SADDR, saddr, sizeof(saddr)))
		return NSB_NEXT;
	if (addr6_linklocal(saddr) || addr6_multicast(saddr) || addr6_any(saddr))
		return NSB_NEXT;
	/* the host's usual source, NAT66's too: never a lab address (topo checks it) */
	cfg = config_get();
	if (cfg && addr6_eq(saddr, cfg->uplink_addr6))
		return NSB_NEXT;
	/*
	 * without cfg's summary: with it, 6.18's verifier reports a bug of its
	 * own in to_uplink; the host's usual source skipped the scan above
	 */
	if (lab6_scan(NULL, saddr, saddr, LAB6_SRC) & LAB6_SRC)
		return nsb_drop(NSB_DROP_LAB_SOURCE);
	return NSB_NEXT;
}

#endif /* NSBPF_LIB_EGRESS6_H */
