// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Benchmarks only (selftests/bench_prog.c loads it with the node object's
 * maps): the least an established masqueraded TCP segment from a node can
 * cost, to set beside from_node's own row. It does what no datapath can
 * leave out of that packet and nothing else: the headers read in place, the
 * sender's endpoint looked up and its ingress interface and MAC compared
 * (anti-spoofing), the flow's ct entry looked up, the production rewrite
 * (lib/rewrite.h: TTL, source address, IPv4 sum in BPF, one
 * bpf_l4_csum_replace()), last seen and counters, the path's per-CPU
 * counter, bpf_redirect_neigh() out of the uplink. Left out, where
 * from_node has them: window tracking, TTL and MTU checks, the lab's
 * address classes, fragments, expiry, the trace and monitor switches.
 * Anything else: NSB_NEXT, uncounted.
 */
#include "nsbpf_maps.bpf.h" /* first: it includes vmlinux.h */
#include <bpf/bpf_helpers.h>

#include "lib/rewrite.h"
#include "lib/ct.h"

SEC("tc")
int nat_bound(struct __sk_buff *skb)
{
	struct ethhdr *eth = skb_data(skb);
	struct iphdr *ip = (void *)(eth + 1);
	const struct nsb_endpoint *ep;
	const struct nsb_config *cfg;
	struct nsb_ct_key out, k = {};
	struct nsb_counter *c;
	struct nsb_ct_entry *ce;
	struct tcphdr *th;
	__u32 slot = NSB_PATH_SNAT;

	if ((void *)(ip + 1) > skb_data_end(skb) || eth->h_proto != bpf_htons(ETH_P_IP) ||
	    ip->ihl != 5 || ip->protocol != IPPROTO_TCP)
		return NSB_NEXT;
	th = (void *)(ip + 1);
	if ((void *)(th + 1) > skb_data_end(skb))
		return NSB_NEXT;
	ep = bpf_map_lookup_elem(&endpoints, &ip->saddr);
	if (!ep || ep->ifindex != skb->ingress_ifindex || !mac_eq(ep->node_mac, eth->h_source))
		return NSB_NEXT;
	k.saddr = ip->saddr;
	k.daddr = ip->daddr;
	k.sport = th->source;
	k.dport = th->dest;
	k.proto = IPPROTO_TCP;
	ce = bpf_map_lookup_elem(&ct, &k);
	cfg = config_get();
	if (!ce || !cfg)
		return NSB_NEXT;
	out = k;
	out.saddr = ce->nat_addr;
	out.sport = ce->nat_port;
	if (__nat_rewrite_v4(skb, (ETH_HLEN + sizeof(*ip)) | RW_TTL_DEC, &out))
		return TC_ACT_SHOT;
	ct_account_orig(ce, IPPROTO_TCP, skb->len, ct_now());
	c = bpf_map_lookup_elem(&stats, &slot);
	if (c) {
		c->packets++;
		c->bytes += skb->len;
	}
	return bpf_redirect_neigh(cfg->uplink_ifindex, NULL, 0, 0);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
