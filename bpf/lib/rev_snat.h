/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Reverse masquerade at from_uplink: replies to masqueraded flows, a
 * forwarded flow's client packets, and ICMP errors about either go back
 * into their node; a new flow to a forwarded port is lib/dnat.h's; a packet
 * for a lab address is dropped (inbound); everything else is the host's and
 * passes untouched (TC_ACT_OK, uncounted): IPv6, ARP, VLAN, malformed or
 * truncated headers, other addresses (but a forward's own), ports neither
 * in the SNAT range nor forwarded, ports without a live flow (but a TCP
 * SYN or UDP datagram to a forwarded one), fragments of no known datagram.
 * Headers are copied out with bpf_skb_load_bytes(), so nothing of the
 * host's traffic is pulled or written.
 *
 * A reply is ours when nat_ports knows (uplink address or a forward's host
 * address, remote, nat port, remote port, protocol) and its ct entry is
 * alive and agrees. Then:
 * destination address and port (echo id) back to the node's, checksums,
 * TTL - 1 (TTL <= 1: dropped, ttl), MACs as the node's host end sends
 * (node MAC <- host-end MAC), and bpf_redirect_peer() into the node.
 * ICMP errors (destination unreachable, time exceeded, parameter problem)
 * quoting a masqueraded TCP, UDP or echo request get the quoted header
 * translated back too (RFC 5508): its source address and port, its IPv4
 * checksum, its transport checksum when quoted, and the ICMP checksum.
 *
 * Assumes an Ethernet uplink. Maps read: config, nat_ports, endpoints,
 * frags, forwards, networks. Written: ct (counters, state), frags, and what
 * lib/dnat.h writes.
 */
#ifndef NSBPF_LIB_REV_SNAT_H
#define NSBPF_LIB_REV_SNAT_H

#include "lib/nat.h"
#include "lib/frag.h"
#include "lib/lab.h"
#include "lib/dnat.h"
#include "lib/icmp_quote.h"

/* The flow a reply belongs to, if it is alive. */
struct __rev_flow {
	struct nsb_ct_key ck;		/* as the node sent it */
	struct nsb_ct_entry *ce;
	const struct nsb_endpoint *ep;
	struct nsb_fwd_val *fwd;	/* the port's forward, if it is a forwarded one */
};

/*
 * Only two kinds of port can be ours: one masquerade hands out (the SNAT
 * range, on the uplink address) and a forwarded one (rf->fwd, TCP and UDP).
 * Any other is the host's, without a conntrack lookup.
 */
static __always_inline bool __rev_find(const struct nsb_config *cfg, const struct nsb_nat_key *nk,
				       __u64 now, struct __rev_flow *rf)
{
	__u32 port = bpf_ntohs(nk->nat_port);
	bool uplink = nk->nat_addr == cfg->uplink_addr;
	const struct nsb_nat_val *nv;

	rf->fwd = NULL;
	if (!uplink || port < nsb_snat_port_min(cfg) || port > nsb_snat_port_max(cfg)) {
		if (nk->proto != IPPROTO_TCP && nk->proto != IPPROTO_UDP)
			return false;
		rf->fwd = forwards_lookup(nk->nat_addr, nk->nat_port, nk->proto, uplink);
		if (!rf->fwd)
			return false;
	}
	nv = bpf_map_lookup_elem(&nat_ports, nk);
	if (!nv)
		return false;
	/* a flow of an earlier forward on this port (deleted, re-pointed): gone */
	if (rf->fwd && (nv->node_addr != rf->fwd->node_addr || nv->node_port != rf->fwd->node_port))
		return false;
	/* hash keys compare their padding too */
	__builtin_memset(&rf->ck, 0, sizeof(rf->ck));
	rf->ck.saddr = nv->node_addr;
	rf->ck.daddr = nk->remote_addr;
	rf->ck.sport = nv->node_port;
	rf->ck.dport = nv->remote_port ? nv->remote_port : nk->remote_port;	/* NSB_CT_F_CPORT */
	rf->ck.proto = nk->proto;
	rf->ce = bpf_map_lookup_elem(&ct, &rf->ck);
	if (!rf->ce || rf->ce->nat_port != nk->nat_port || rf->ce->nat_addr != nk->nat_addr ||
	    ct_expired(cfg, rf->ce, nk->proto, now))
		return false;	/* a stale claim: the flow is gone */
	rf->ep = bpf_map_lookup_elem(&endpoints, &rf->ck.saddr);
	return rf->ep;		/* the node itself may be gone */
}

/*
 * May saddr, from the uplink, open a flow into a node or report on one? Not
 * when it can only be forged: "this" network, loopback, multicast,
 * reserved, broadcast, the uplink's or another host address, or anything
 * in a lab subnet (a node, a gateway: the node's answer would go straight
 * to the impersonated one, across isolation). A live flow's packets need
 * no such check: their source is the remote the flow was made with.
 */
static __always_inline bool __rev_src_forged(const struct nsb_config *cfg, __be32 saddr)
{
	__u8 first = bpf_ntohl(saddr) >> 24;

	if (first == 0 || first == 127 || first >= 224 || saddr == cfg->uplink_addr)
		return true;
	if (bpf_map_lookup_elem(&host_addrs, &saddr))
		return true;
	return lab_where(saddr) != LAB_OUTSIDE;
}

/*
 * A TCP or UDP reply, an ICMP echo reply, or a forwarded flow's client
 * packet: into the node. A first packet to a forwarded port: lib/dnat.h.
 */
static __always_inline int __rev_reply(struct __sk_buff *skb, struct nsb_verdict *v,
				       const struct nsb_config *cfg, const struct uplink_pkt *p,
				       __u64 now)
{
	struct {
		__be16 sport, dport;	/* ICMP: type, code; checksum */
		__be16 id, seq;		/* ICMP echo; TCP: seq */
		__be32 ack;		/* TCP only, from here on */
		__u8 off, flags;
		__be16 win;
	} h;
	struct nsb_nat_key nk = {
		.nat_addr = p->daddr, .remote_addr = p->saddr, .proto = p->proto,
	};
	struct __rev_flow rf;
	struct tcp_seg seg;
	__u32 port_off = L4_DPORT;
	__u8 tcp_flags = 0;
	int ret;

	if (p->proto == IPPROTO_TCP) {
		if (bpf_skb_load_bytes(skb, p->l4_off, &h, sizeof(h)) ||
		    p->l4_off + sizeof(struct tcphdr) > skb->len)
			return TC_ACT_OK;
		tcp_flags = h.flags;
		tcp_seg_fill(&seg, *(__be32 *)&h.id, h.ack, h.win, h.off, tcp_flags, p->tot_len,
			     p->l4_off - ETH_HLEN, p->l4_off, 1);
	} else if (bpf_skb_load_bytes(skb, p->l4_off, &h, 8)) {
		return TC_ACT_OK;
	}
	if (p->proto == IPPROTO_ICMP) {
		if (h.sport != bpf_htons(ICMP_ECHOREPLY << 8))
			return TC_ACT_OK;
		nk.nat_port = h.id;
		port_off = ICMP_ID;
	} else {
		nk.nat_port = h.dport;
		nk.remote_port = h.sport;
	}
	if (!__rev_find(cfg, &nk, now, &rf)) {
		/* a new flow to a forwarded port: only a SYN opens one over TCP */
		if (!rf.fwd || (p->proto == IPPROTO_TCP &&
				(tcp_flags & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN)) != TCP_SYN))
			return TC_ACT_OK;
		if (__rev_src_forged(cfg, p->saddr))
			return nsb_drop(NSB_DROP_UPLINK_SPOOF);
		ret = dnat_new_v4(skb, p, &nk, rf.fwd);
		/*
		 * The SYN of the new flow, to window tracking: it starts the
		 * client's side (a bare SYN from the opener always does). Here
		 * and not in dnat_new_v4(): the two frames side by side, not
		 * stacked, keep the chain within the verifier's 512 bytes.
		 */
		if (p->proto == IPPROTO_TCP && ret == verdict_done(TC_ACT_REDIRECT) &&
		    __rev_find(cfg, &nk, now, &rf))
			tcp_track(skb, rf.ce, &seg);
		return ret;
	}

	if (p->ttl <= 1)
		return nsb_drop(NSB_DROP_TTL);
	if (p->proto == IPPROTO_TCP && tcp_track(skb, rf.ce, &seg) != TCP_ACCEPT)
		return nsb_drop(NSB_DROP_TCP_WINDOW);
	if (csum_ttl_dec_at(skb, p->ttl, p->proto) ||
	    nat_rewrite_v4(skb, IP_OFF_DADDR, p->daddr, rf.ck.saddr, p->l4_off, p->proto, true,
			   port_off, nk.nat_port, rf.ck.sport) ||
	    csum_l4_port(skb, p->l4_off, L4_SPORT, p->proto, nk.remote_port, rf.ck.dport))
		return nsb_drop(NSB_DROP_CSUM);
	if ((p->frag & (IP_MF | IP_OFFSET)) == IP_MF)
		frag_record(p->saddr, p->daddr, p->ip_id, p->proto, NSB_FRAG_IN, &rf.ck,
			    rf.ck.saddr, now);
	ct_account_reply(rf.ce, p->proto, p->len, now);
	return nat_to_node(skb, v, rf.ep,
			   rf.ce->flags & NSB_CT_F_DNAT ? NSB_PATH_DNAT : NSB_PATH_REV_SNAT);
}

/*
 * An ICMP error quoting a packet the uplink address sent: the quoted header
 * is a masqueraded flow as it left (source: uplink address and nat port).
 */
static __always_inline int __rev_icmp_error(struct __sk_buff *skb, struct nsb_verdict *v,
					    const struct nsb_config *cfg,
					    const struct uplink_pkt *p, __u64 now)
{
	__u32 in_off = p->l4_off + sizeof(struct icmphdr), in_l4, port_off;
	struct icmp_quote_nat q;
	struct nsb_nat_key nk = {};
	struct __rev_flow rf;
	struct iphdr in;
	struct {
		__be16 sport, dport;	/* ICMP: type, code; checksum */
		__be16 id, seq;
	} h;

	if (bpf_skb_load_bytes(skb, in_off, &in, sizeof(in)) || in.version != 4 || in.ihl < 5 ||
	    in.saddr != p->daddr || bpf_ntohs(in.frag_off) & IP_OFFSET)
		return TC_ACT_OK;
	in_l4 = in_off + in.ihl * 4;
	/* the quoted ports from the error itself, not from a trailer past its datagram */
	if (in_l4 + sizeof(h) > ETH_HLEN + p->tot_len || bpf_skb_load_bytes(skb, in_l4, &h, sizeof(h)))
		return TC_ACT_OK;
	nk.nat_addr = in.saddr;
	nk.remote_addr = in.daddr;
	nk.proto = in.protocol;
	switch (in.protocol) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		nk.nat_port = h.sport;
		nk.remote_port = h.dport;
		port_off = L4_SPORT;
		break;
	case IPPROTO_ICMP:
		if (h.sport != bpf_htons(ICMP_ECHO << 8))
			return TC_ACT_OK;
		nk.nat_port = h.id;
		port_off = ICMP_ID;
		break;
	default:
		return TC_ACT_OK;
	}
	if (!__rev_find(cfg, &nk, now, &rf))
		return TC_ACT_OK;
	/* a forged source was dropped before the call (rev_snat_v4()) */

	if (p->ttl <= 1)
		return nsb_drop(NSB_DROP_TTL);
	/* outer: TTL, destination (ICMP sums no pseudo header) */
	if (csum_ttl_dec_at(skb, p->ttl, p->proto) ||
	    csum_set_addr_v4(skb, IP_OFF_DADDR, p->daddr, rf.ck.saddr))
		return nsb_drop(NSB_DROP_CSUM);
	/* the quote as it left the node: source address and port back */
	q.in_off = in_off;
	q.in_l4 = in_l4;
	q.icmp_csum = p->l4_off + ICMPH_CSUM;
	q.end = ETH_HLEN + p->tot_len;
	q.addr_off = IPH_SADDR;
	q.port_off = port_off;
	q.old_addr = in.saddr;
	q.new_addr = rf.ck.saddr;
	q.old_port = nk.nat_port;
	q.new_port = rf.ck.sport;
	q.proto = in.protocol;
	if (icmp_quote_rewrite(skb, &q))
		return nsb_drop(NSB_DROP_CSUM);
	if (rf.ce->flags & NSB_CT_F_CPORT) {
		/* the client as the node knows it: its remapped port */
		q.addr_off = IPH_DADDR;
		q.old_addr = q.new_addr = in.daddr;
		q.port_off = L4_DPORT;
		q.old_port = nk.remote_port;
		q.new_port = rf.ck.dport;
		if (icmp_quote_rewrite(skb, &q))
			return nsb_drop(NSB_DROP_CSUM);
	}
	return nat_to_node(skb, v, rf.ep, NSB_PATH_ICMP_ERR_REV);
}

/* rev_icmp_error_v4(): the host's, untouched and uncounted */
#define REV_HOSTS	(3 * __NSB_DONE)

/*
 * __rev_icmp_error() as a global function that finishes its own verdict,
 * or says REV_HOSTS: the quote it rewrites sits in a frame beside
 * from_uplink's, whose call chain the verifier sums into 512 bytes.
 */
__noinline int rev_icmp_error_v4(struct __sk_buff *skb, const struct uplink_pkt *p)
{
	struct nsb_verdict v = NSB_VERDICT_INIT;
	const struct nsb_config *cfg = config_get();
	int ret;

	if (!p || !cfg)
		return REV_HOSTS;
	ret = __rev_icmp_error(skb, &v, cfg, p, bpf_ktime_get_ns());
	if (ret == TC_ACT_OK && v.path == NSB_PATH_MAX)
		return REV_HOSTS;
	return verdict_done(verdict_finish(skb, &v, ret));
}

/* A later fragment of a reply whose first fragment went to a node. */
static __always_inline int __rev_later_frag(struct __sk_buff *skb, struct nsb_verdict *v,
					    const struct uplink_pkt *p, __u64 now)
{
	const struct nsb_frag_val *fv;
	const struct nsb_endpoint *ep;
	struct nsb_ct_entry *ce;
	__be32 to_addr;

	fv = frag_lookup(p->saddr, p->daddr, p->ip_id, p->proto, NSB_FRAG_IN, now);
	if (!fv)
		return TC_ACT_OK;
	to_addr = fv->to_addr;
	ep = bpf_map_lookup_elem(&endpoints, &to_addr);
	if (!ep)
		return TC_ACT_OK;
	if (p->ttl <= 1)
		return nsb_drop(NSB_DROP_TTL);
	if (csum_ttl_dec_at(skb, p->ttl, p->proto) ||
	    csum_set_addr_v4(skb, IP_OFF_DADDR, p->daddr, to_addr))
		return nsb_drop(NSB_DROP_CSUM);
	ce = bpf_map_lookup_elem(&ct, &fv->ct);
	if (ce)
		ct_account_reply(ce, p->proto, p->len, now);
	if (!(p->frag & IP_MF))
		frag_done(p->saddr, p->daddr, p->ip_id, p->proto, NSB_FRAG_IN);
	return nat_to_node(skb, v, ep, NSB_PATH_REV_SNAT_FRAG);
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
static __always_inline bool __rev_other_addr(__be32 daddr, int *ret)
{
	__u8 first = bpf_ntohl(daddr) >> 24;

	*ret = TC_ACT_OK;
	if (first == 0 || first == 127 || first >= 224)
		return false;	/* "this" network, loopback, multicast, broadcast */
	if (lab_where(daddr) != LAB_OUTSIDE) {
		*ret = nsb_drop(NSB_DROP_INBOUND);
		return false;
	}
	return true;
}

/* TC_ACT_OK with v->path unset: the host's, untouched. */
static __always_inline int rev_snat_v4(struct __sk_buff *skb, struct nsb_verdict *v)
{
	const struct nsb_config *cfg;
	struct uplink_pkt p;
	struct iphdr ip;
	__u32 hlen, tot;
	int ret;
	__u8 type;

	if (skb->protocol != bpf_htons(ETH_P_IP) || skb->vlan_present)
		return TC_ACT_OK;
	cfg = config_get();
	if (!cfg || !cfg->uplink_addr)
		return TC_ACT_OK;
	if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip, sizeof(ip)))
		return TC_ACT_OK;
	hlen = ip.ihl * 4;
	tot = bpf_ntohs(ip.tot_len);
	if (ip.version != 4 || hlen < sizeof(ip) || tot < hlen || tot > skb->len - ETH_HLEN)
		return TC_ACT_OK;
	if (ip.daddr != cfg->uplink_addr && !__rev_other_addr(ip.daddr, &ret))
		return ret;
	p.saddr = ip.saddr;
	p.daddr = ip.daddr;
	p.l4_off = ETH_HLEN + hlen;
	p.len = skb->len - ETH_HLEN;
	p.tot_len = tot;
	p.frag = bpf_ntohs(ip.frag_off);
	p.ip_id = ip.id;
	p.ttl = ip.ttl;
	p.proto = ip.protocol;
	if (p.frag & IP_OFFSET)
		return __rev_later_frag(skb, v, &p, bpf_ktime_get_ns());
	switch (p.proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		return __rev_reply(skb, v, cfg, &p, bpf_ktime_get_ns());
	case IPPROTO_ICMP:
		if (bpf_skb_load_bytes(skb, p.l4_off, &type, sizeof(type)))
			return TC_ACT_OK;
		if (type == ICMP_ECHOREPLY)
			return __rev_reply(skb, v, cfg, &p, bpf_ktime_get_ns());
		if (type != ICMP_DEST_UNREACH && type != ICMP_TIME_EXCEEDED &&
		    type != ICMP_PARAMETERPROB)
			return TC_ACT_OK;
		/*
		 * An error from a source that can only be forged: dropped before
		 * its quote is even looked at (Linux drops such martians too),
		 * here rather than in rev_icmp_error_v4(): the scan's callback
		 * would be a third frame in a chain the verifier sums into 512
		 * bytes (6.1 counts it).
		 */
		if (__rev_src_forged(cfg, p.saddr))
			return nsb_drop(NSB_DROP_UPLINK_SPOOF);
		ret = rev_icmp_error_v4(skb, &p);
		return ret == REV_HOSTS ? TC_ACT_OK : ret;
	default:
		return TC_ACT_OK;
	}
}

#endif /* NSBPF_LIB_REV_SNAT_H */
