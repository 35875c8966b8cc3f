/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The from_uplink dispatcher: replies to masqueraded flows, a forwarded
 * flow's client packets, and ICMP errors about either go back into their
 * node (lib/rev_nat.h); a new flow to a forwarded port is lib/dnat.h's; a
 * remote subnet's packet for a node of its network goes in (lib/remote.h);
 * any other packet for a lab address is dropped (inbound); everything else is the
 * host's (or another lab's) and passes untouched to the next program in
 * the chain (NSB_NEXT, uncounted): IPv6, ARP, VLAN,
 * malformed or truncated headers, other addresses (but a forward's own),
 * ports neither in the SNAT range nor forwarded, ports without a live flow
 * (but a TCP SYN or UDP datagram to a forwarded one), fragments of no known
 * datagram. Headers are read in place (an IPv4 header not in the linear
 * data is pulled there first: its bytes stay as they were), the L4 header
 * copied out where it is not linear (__flow_copy()): nothing of the host's
 * traffic is written.
 *
 * Maps read: config, networks, and what lib/rev_nat.h and lib/dnat.h read.
 * Written: what they write.
 */
#ifndef NSBPF_LIB_FROM_UPLINK_H
#define NSBPF_LIB_FROM_UPLINK_H

#include "lib/subnets.h"
#include "lib/rev_nat.h"
#include "lib/dnat.h"
#include "lib/remote.h"

/*
 * A TCP or UDP packet, or an ICMP echo reply: a live flow's goes back into
 * its node (lib/rev_nat.h), a first one to a forwarded port opens a flow
 * (lib/dnat.h); anything else is the host's.
 */
static __always_inline int __from_uplink_l4(struct __sk_buff *skb, struct nsb_verdict *v,
					    const struct nsb_config *cfg,
					    const struct uplink_pkt *p)
{
	struct {
		__be16 sport, dport; /* ICMP: type, code; checksum */
		__be16 id, seq;	     /* ICMP echo; TCP: seq */
		__be32 ack;	     /* TCP only, from here on */
		__u8 off, flags;
		__be16 win;
	} h;
	struct nsb_nat_key nk = {
		.nat_addr = p->daddr,
		.remote_addr = p->saddr,
		.proto = p->proto,
	};
	struct rev_flow rf;
	struct tcp_seg seg;
	__u8 tcp_flags = 0;

	if (p->proto == IPPROTO_TCP) {
		if (__flow_copy(skb, p->l4_off, &h, sizeof(h)) ||
		    p->l4_off + sizeof(struct tcphdr) > skb->len)
			return NSB_NEXT;
		tcp_flags = h.flags;
		tcp_seg_fill(&seg, *(__be32 *)&h.id, h.ack, h.win, h.off, tcp_flags, p->tot_len,
			     p->l4_off - ETH_HLEN, p->l4_off, 1);
	} else if (__flow_copy(skb, p->l4_off, &h, 8)) {
		return NSB_NEXT;
	}
	if (p->proto == IPPROTO_ICMP) {
		if (h.sport != bpf_htons(ICMP_ECHOREPLY << 8))
			return NSB_NEXT;
		nk.nat_port = h.id;
	} else {
		nk.nat_port = h.dport;
		nk.remote_port = h.sport;
	}
	if (!rev_nat_find(cfg, &nk, &rf))
		return dnat_open_v4(skb, cfg, p, &nk, &rf, &seg, tcp_flags);
	return rev_nat_reply(skb, v, p, &nk, &rf, &seg);
}

/*
 * A packet in for another address than the uplink's: a lab address (a node,
 * a gateway, a broadcast, an unused one) gets nothing from outside but
 * through a forward or as a reply, both addressed to the host: dropped
 * (inbound), so a host that forwards cannot route the world into the lab.
 * Loopback, multicast and broadcast stay untouched; any other address (the
 * host's, or nobody's here) goes on only to look for a forward on that very
 * address. False with *ret the verdict when there is nothing more to do.
 */
static __always_inline bool __uplink_other_addr(__be32 daddr, int *ret)
{
	__u8 first = bpf_ntohl(daddr) >> 24;

	*ret = NSB_NEXT;
	if (first == 0 || first == 127 || first >= 224)
		return false; /* "this" network, loopback, multicast, broadcast */
	if (!lab_outside(lab_where(daddr))) {
		*ret = nsb_drop(NSB_DROP_INBOUND);
		return false;
	}
	return true;
}

/*
 * A packet for a lab address, which inbound drops, in a lab with remote
 * subnets: from a remote subnet of a node's network to that node, it goes
 * in (lib/remote.h). ttl_proto: the header's TTL << 8 | protocol. A global
 * function, finishing its own verdict: from_uplink's frame and
 * rev_icmp_error_v4()'s already fill the 512 bytes of their chain, and
 * this one is a sibling of that callee, not on top of it.
 */
__noinline int remote_to_node_v4(struct __sk_buff *skb, __be32 saddr, __be32 daddr, __u32 ttl_proto)
{
	struct nsb_verdict v = NSB_VERDICT_INIT;
	const struct nsb_config *cfg = config_get();
	const struct nsb_endpoint *ep = endpoint_find(&daddr);
	__u8 ttl = ttl_proto >> 8;
	int ret = nsb_drop(NSB_DROP_INBOUND);

	if (!cfg || !ep || !remote_find(cfg, saddr, ep->net_id))
		;
	else if (ttl <= 1)
		ret = nsb_drop(NSB_DROP_TTL);
	else if (rw_ip4(skb, true, saddr, daddr))
		ret = nsb_drop(NSB_DROP_CSUM);
	else
		ret = nat_to_node(skb, &v, ep, NSB_PATH_REMOTE_IN);
	return verdict_done(verdict_finish(skb, &v, ret));
}

/* NSB_NEXT with v->path unset: the host's, untouched. */
static __always_inline int from_uplink_v4(struct __sk_buff *skb, struct nsb_verdict *v)
{
	const struct nsb_config *cfg;
	struct uplink_pkt p;
	struct iphdr *ip;
	__u32 hlen, tot;
	__u8 *type;
	int ret;

	if (skb->protocol != bpf_htons(ETH_P_IP) || skb->vlan_present)
		return NSB_NEXT;
	cfg = config_get();
	if (!cfg || !cfg->uplink_addr)
		return NSB_NEXT;
	/*
	 * Read in place: the header is linear on any sane driver; if not, the
	 * pull only moves bytes into the head (the frame stays as it was).
	 */
	if (!parse_pull(skb, ETH_HLEN + sizeof(*ip)))
		return NSB_NEXT;
	ip = skb_data(skb) + ETH_HLEN;
	if ((void *)(ip + 1) > skb_data_end(skb))
		return NSB_NEXT;
	hlen = ip->ihl * 4;
	tot = bpf_ntohs(ip->tot_len);
	if (ip->version != 4 || hlen < sizeof(*ip) || tot < hlen || tot > skb->len - ETH_HLEN)
		return NSB_NEXT;
	p.saddr = ip->saddr;
	p.daddr = ip->daddr;
	p.l4_off = ETH_HLEN + hlen;
	p.tot_len = tot;
	p.frag = bpf_ntohs(ip->frag_off);
	p.ip_id = ip->id;
	p.ttl = ip->ttl;
	p.proto = ip->protocol;
	if (p.daddr != cfg->uplink_addr && !__uplink_other_addr(p.daddr, &ret)) {
		if (ret != NSB_NEXT && (cfg->flags & NSB_CFG_F_REMOTES))
			return remote_to_node_v4(skb, p.saddr, p.daddr,
						 (__u32)p.ttl << 8 | p.proto);
		return ret;
	}
	if (p.frag & IP_OFFSET)
		return rev_nat_later_frag(skb, v, &p, ct_now());
	switch (p.proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		return __from_uplink_l4(skb, v, cfg, &p);
	case IPPROTO_ICMP:
		if (!parse_pull(skb, p.l4_off + 1))
			return NSB_NEXT;
		type = skb_data(skb) + (p.l4_off & 0xff); /* ETH_HLEN + 60 at most */
		if ((void *)(type + 1) > skb_data_end(skb))
			return NSB_NEXT;
		if (*type == ICMP_ECHOREPLY)
			return __from_uplink_l4(skb, v, cfg, &p);
		if (*type != ICMP_DEST_UNREACH && *type != ICMP_TIME_EXCEEDED &&
		    *type != ICMP_PARAMETERPROB)
			return NSB_NEXT;
		/*
		 * An error from a source that can only be forged: dropped before
		 * its quote is even looked at (Linux drops such martians too),
		 * here rather than in rev_icmp_error_v4(): the scan's callback
		 * would be a third frame in a chain the verifier sums into 512
		 * bytes (6.1 counts it).
		 */
		if (uplink_src_forged(cfg, p.saddr))
			return nsb_drop(NSB_DROP_UPLINK_SPOOF);
		ret = rev_icmp_error_v4(skb, &p);
		return ret == REV_HOSTS ? NSB_NEXT : ret;
	default:
		return NSB_NEXT;
	}
}

#endif /* NSBPF_LIB_FROM_UPLINK_H */
