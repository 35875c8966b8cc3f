// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Selftests only (icmp6_test.c loads it with the node object's maps): what
 * NAT66's router checks do with a node's IPv6 packet before masquerading
 * it, and nothing else, so that the ICMPv6 errors built in BPF
 * (lib/icmp6.h) are tested on their own: hop limit <= 1: Time Exceeded;
 * too big for the uplink (bpf_check_mtu(), as lib/masq.h checks IPv4):
 * Packet Too Big with the uplink's MTU; anything else, or a source that is
 * no node's: NSB_NEXT, uncounted.
 */
#include "nsbpf_maps.bpf.h" /* first: it includes vmlinux.h */
#include <bpf/bpf_helpers.h>

#include "lib/verdict.h"
#include "lib/icmp6.h"

SEC("tc")
int icmp6_probe(struct __sk_buff *skb)
{
	struct nsb_verdict v = NSB_VERDICT_INIT;
	const struct nsb_config *cfg = config_get();
	const struct nsb_endpoint *ep;
	struct icmp6_ip6 ip6;
	__u32 mtu;
	int ret;

	if (!cfg || skb->protocol != bpf_htons(ETH_P_IPV6) ||
	    bpf_skb_load_bytes(skb, ETH_HLEN, &ip6, sizeof(ip6)))
		return NSB_NEXT;
	ep = bpf_map_lookup_elem(&endpoints6, ip6.saddr);
	if (!ep)
		return NSB_NEXT;
	if (ip6.hop_limit <= 1) {
		ret = icmp6_time_exceeded(skb, ep);
	} else {
		mtu = sizeof(ip6) + bpf_ntohs(ip6.payload_len);
		ret = bpf_check_mtu(skb, cfg->uplink_ifindex, &mtu, 0, 0);
		if (ret < 0)
			ret = nsb_drop(NSB_DROP_NO_UPLINK);
		else if (ret == BPF_MTU_CHK_RET_SUCCESS)
			return NSB_NEXT;
		else
			ret = icmp6_too_big(skb, ep, mtu);
	}
	return verdict_finish(skb, &v, ret);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
