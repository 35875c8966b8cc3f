/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Reverse NAT at from_uplink (lib/from_uplink.h dispatches): a packet that
 * belongs to a live flow goes back into its node. A flow is ours when
 * nat_ports knows (uplink address or a forward's host address, remote, nat
 * port, remote port, protocol) and its ct entry is alive and agrees. Then:
 * destination address and port (echo id) back to the node's, checksums,
 * TTL - 1 (TTL <= 1: dropped, ttl), MACs as the node's host end sends
 * (node MAC <- host-end MAC), and bpf_redirect_peer() into the node: the
 * replies to masqueraded flows (rev_snat) and a forwarded flow's client
 * packets (dnat). ICMP errors (destination unreachable, time exceeded,
 * parameter problem) quoting a masqueraded TCP, UDP or echo request get the
 * quoted header translated back too (RFC 5508): its source address and
 * port, its IPv4 checksum, its transport checksum when quoted, and the ICMP
 * checksum. Later fragments follow their first (frags).
 *
 * Assumes an Ethernet uplink. Maps read: config, nat_ports, endpoints,
 * frags, forwards, networks, host_addrs. Written: ct (counters, state),
 * frags.
 */
#ifndef NSBPF_LIB_REV_NAT_H
#define NSBPF_LIB_REV_NAT_H

#include "lib/nat.h"
#include "lib/frag.h"
#include "lib/subnets.h"
#include "lib/port_fwd.h"
#include "lib/icmp_quote.h"

/* what the outer headers of a packet in from the uplink say */
struct uplink_pkt {
	__be32 saddr, daddr; /* remote (or a router on the way), a host address */
	__u32 l4_off;
	__u32 tot_len; /* IPv4 total length, host order */
	__u16 frag;    /* frag_off, host order */
	__be16 ip_id;
	__u8 ttl;
	__u8 proto;
};

/* The flow a reply belongs to, if it is alive. */
struct rev_flow {
	struct nsb_ct_key ck; /* as the node sent it */
	struct nsb_ct_entry *ce;
	const struct nsb_endpoint *ep;
	struct nsb_fwd_val *fwd; /* the port's forward, if it is a forwarded one */
	__u64 now;		 /* read once a flow is found: the host's packets need no clock */
};

/* Is the flow nv claims for nk alive? Then rf says where it goes. */
static __always_inline bool __rev_flow_alive(const struct nsb_config *cfg,
					     const struct nsb_nat_key *nk,
					     const struct nsb_nat_val *nv, struct rev_flow *rf)
{
	/* hash keys compare their padding too */
	__builtin_memset(&rf->ck, 0, sizeof(rf->ck));
	rf->ck.saddr = nv->node_addr;
	rf->ck.daddr = nk->remote_addr;
	rf->ck.sport = nv->node_port;
	rf->ck.dport = nv->remote_port ? nv->remote_port : nk->remote_port; /* NSB_CT_F_CPORT */
	rf->ck.proto = nk->proto;
	rf->now = ct_now();
	rf->ce = bpf_map_lookup_elem(&ct, &rf->ck);
	if (!rf->ce || rf->ce->nat_port != nk->nat_port || rf->ce->nat_addr != nk->nat_addr ||
	    ct_expired(cfg, rf->ce, nk->proto, rf->now))
		return false; /* a stale claim: the flow is gone */
	rf->ep = endpoint_find(&rf->ck.saddr);
	return rf->ep; /* the node (or its router) itself may be gone */
}

/*
 * Only two kinds of port can be ours: one masquerade hands out (the SNAT
 * range, on the uplink address) and a forwarded one (TCP and UDP, a bit in
 * fwd_ports). Any other is the host's, without a conntrack lookup. A
 * forwarded flow's claim is trusted as it is: the loader deletes the flows
 * of a forward that is gone or leads elsewhere (lab/fwd_flows.c). Without a
 * live flow, rf->fwd is the port's forward, if any: a new flow's.
 */
static __always_inline bool rev_nat_find(const struct nsb_config *cfg, const struct nsb_nat_key *nk,
					 struct rev_flow *rf)
{
	__u32 port = bpf_ntohs(nk->nat_port);
	bool uplink = nk->nat_addr == cfg->uplink_addr;
	bool forwarded = !uplink || port < nsb_snat_port_min(cfg) || port > nsb_snat_port_max(cfg);
	const struct nsb_nat_val *nv;

	rf->fwd = NULL;
	if (forwarded && ((nk->proto != IPPROTO_TCP && nk->proto != IPPROTO_UDP) ||
			  !forwards_port_used(nk->nat_port, nk->proto)))
		return false;
	nv = bpf_map_lookup_elem(&nat_ports, nk);
	if (nv && __rev_flow_alive(cfg, nk, nv, rf))
		return true;
	if (forwarded)
		rf->fwd = forwards_lookup(nk->nat_addr, nk->nat_port, nk->proto, uplink);
	return false;
}

/*
 * May saddr, from the uplink, open a flow into a node or report on one? Not
 * when it can only be forged: "this" network, loopback, multicast,
 * reserved, broadcast, the uplink's or another host address, or anything
 * in a lab subnet (a node, a gateway: the node's answer would go straight
 * to the impersonated one, across isolation). A live flow's packets need
 * no such check: their source is the remote the flow was made with.
 */
static __always_inline bool uplink_src_forged(const struct nsb_config *cfg, __be32 saddr)
{
	__u8 first = bpf_ntohl(saddr) >> 24;
	enum lab_where w;

	if (first == 0 || first == 127 || first >= 224 || saddr == cfg->uplink_addr)
		return true;
	w = lab_where(saddr);
	if (w != LAB_OUTSIDE)
		return w != LAB_FAR; /* FAR: not a host address either (addr_filter) */
	return bpf_map_lookup_elem(&host_addrs, &saddr);
}

/*
 * A TCP or UDP reply, an ICMP echo reply, or a forwarded flow's client
 * packet, nk as it arrives, of the live flow rf: into the node. seg: the
 * TCP segment.
 */
static __always_inline int rev_nat_reply(struct __sk_buff *skb, struct nsb_verdict *v,
					 const struct uplink_pkt *p, const struct nsb_nat_key *nk,
					 const struct rev_flow *rf, const struct tcp_seg *seg)
{
	__u64 now = rf->now;

	if (p->ttl <= 1)
		return nsb_drop(NSB_DROP_TTL);
	if (p->proto == IPPROTO_TCP && tcp_track(skb, rf->ce, seg) != TCP_ACCEPT)
		return nsb_drop(NSB_DROP_TCP_WINDOW);
	/* back to the node's tuple: its address and port, the remote's port it used */
	if (nat_rewrite_v4(skb, p->l4_off | RW_TTL_DEC | RW_REVERSE, &rf->ck))
		return nsb_drop(NSB_DROP_CSUM);
	if ((p->frag & (IP_MF | IP_OFFSET)) == IP_MF)
		frag_record(p->saddr, p->daddr, p->ip_id, p->proto, NSB_FRAG_IN, &rf->ck,
			    rf->ck.saddr, now);
	ct_account_reply(rf->ce, p->proto, skb->len - ETH_HLEN, now);
	return nat_to_node(skb, v, rf->ep,
			   rf->ce->flags & NSB_CT_F_DNAT ? NSB_PATH_DNAT : NSB_PATH_REV_SNAT);
}

/*
 * An ICMP error quoting a packet the uplink address sent: the quoted header
 * is a masqueraded flow as it left (source: uplink address and nat port).
 */
static __always_inline int __rev_icmp_error(struct __sk_buff *skb, struct nsb_verdict *v,
					    const struct nsb_config *cfg,
					    const struct uplink_pkt *p)
{
	__u32 in_off = p->l4_off + sizeof(struct icmphdr), in_l4, port_off;
	struct icmp_quote_nat q;
	struct nsb_nat_key nk = {};
	struct rev_flow rf;
	struct iphdr in;
	struct {
		__be16 sport, dport; /* ICMP: type, code; checksum */
		__be16 id, seq;
	} h;

	if (bpf_skb_load_bytes(skb, in_off, &in, sizeof(in)) || in.version != 4 || in.ihl < 5 ||
	    in.saddr != p->daddr || bpf_ntohs(in.frag_off) & IP_OFFSET)
		return NSB_NEXT;
	in_l4 = in_off + in.ihl * 4;
	/* the quoted ports from the error itself, not from a trailer past its datagram */
	if (in_l4 + sizeof(h) > ETH_HLEN + p->tot_len ||
	    bpf_skb_load_bytes(skb, in_l4, &h, sizeof(h)))
		return NSB_NEXT;
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
			return NSB_NEXT;
		nk.nat_port = h.id;
		port_off = ICMP_ID;
		break;
	default:
		return NSB_NEXT;
	}
	if (!rev_nat_find(cfg, &nk, &rf))
		return NSB_NEXT;
	/* a forged source was dropped before the call (from_uplink_v4()) */

	if (p->ttl <= 1)
		return nsb_drop(NSB_DROP_TTL);
	/* outer: TTL, destination (ICMP sums no pseudo header) */
	if (rw_ip4(skb, true, p->saddr, rf.ck.saddr))
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
#define REV_HOSTS (3 * __NSB_DONE)

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
	ret = __rev_icmp_error(skb, &v, cfg, p);
	if (ret == NSB_NEXT && v.path == NSB_PATH_MAX)
		return REV_HOSTS;
	return verdict_done(verdict_finish(skb, &v, ret));
}

/* A later fragment of a reply whose first fragment went to a node. */
static __always_inline int rev_nat_later_frag(struct __sk_buff *skb, struct nsb_verdict *v,
					      const struct uplink_pkt *p, __u64 now)
{
	const struct nsb_frag_val *fv;
	const struct nsb_endpoint *ep;
	struct nsb_ct_entry *ce;
	__be32 to_addr;

	fv = frag_lookup(p->saddr, p->daddr, p->ip_id, p->proto, NSB_FRAG_IN, now);
	if (!fv)
		return NSB_NEXT;
	to_addr = fv->to_addr;
	ep = endpoint_find(&to_addr);
	if (!ep)
		return NSB_NEXT;
	if (p->ttl <= 1)
		return nsb_drop(NSB_DROP_TTL);
	if (rw_ip4(skb, true, p->saddr, to_addr))
		return nsb_drop(NSB_DROP_CSUM);
	ce = bpf_map_lookup_elem(&ct, &fv->ct);
	if (ce)
		ct_account_reply(ce, p->proto, skb->len - ETH_HLEN, now);
	if (!(p->frag & IP_MF))
		frag_done(p->saddr, p->daddr, p->ip_id, p->proto, NSB_FRAG_IN);
	return nat_to_node(skb, v, ep, NSB_PATH_REV_SNAT_FRAG);
}

#endif /* NSBPF_LIB_REV_NAT_H */
