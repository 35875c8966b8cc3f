/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A node's ICMP error about a packet of a translated flow, at from_node
 * (RFC 5508 4.2): destination unreachable (a UDP port a forward leads to
 * that nobody listens on), time exceeded or parameter problem, quoting what
 * it received: a forwarded flow's client packet (client:cp -> node:8080) or
 * a masqueraded flow's reply (remote:rp -> node:p). The error goes back out
 * of the uplink as the address the flow shows outside: source node ->
 * the flow's nat address, the quote's destination node:port -> nat
 * address:port (lib/icmp_quote.h), TTL - 1, bpf_redirect_neigh(). An error
 * that quotes no live flow of the node's is not this file's: the caller
 * goes on as for any packet (masquerade drops it: nat_proto).
 */
#ifndef NSBPF_LIB_ICMP_OUT_H
#define NSBPF_LIB_ICMP_OUT_H

#include "lib/icmp_quote.h"
#include "lib/ct.h"
#include "lib/rewrite.h"
#include "lib/port_fwd.h"

/* icmp_err_from_node_v4(): not an error about a flow of ours */
#define ICMP_OUT_NOT_OURS (3 * __NSB_DONE)

static __always_inline int __icmp_out(struct __sk_buff *skb, struct nsb_verdict *v,
				      const struct nsb_endpoint *src)
{
	const struct nsb_config *cfg = config_get();
	struct icmp_quote_nat q = {};
	struct nsb_ct_key k = {};
	struct nsb_ct_entry *ce;
	struct iphdr ip, in;
	__u32 l4_off, in_off;
	struct {
		__be16 sport, dport;
	} h;
	__u8 type;

	if (!cfg || !src || !cfg->uplink_ifindex)
		return ICMP_OUT_NOT_OURS;
	if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip, sizeof(ip)) || ip.ihl < 5 ||
	    ip.protocol != IPPROTO_ICMP || (bpf_ntohs(ip.frag_off) & IP_OFFSET))
		return ICMP_OUT_NOT_OURS;
	l4_off = ETH_HLEN + ip.ihl * 4;
	if (bpf_skb_load_bytes(skb, l4_off, &type, 1) ||
	    (type != ICMP_DEST_UNREACH && type != ICMP_TIME_EXCEEDED && type != ICMP_PARAMETERPROB))
		return ICMP_OUT_NOT_OURS;
	in_off = l4_off + sizeof(struct icmphdr);
	/* the quote: a datagram to the node itself, from the error's destination */
	if (bpf_skb_load_bytes(skb, in_off, &in, sizeof(in)) || in.version != 4 || in.ihl < 5 ||
	    in.daddr != ip.saddr || in.saddr != ip.daddr || (bpf_ntohs(in.frag_off) & IP_OFFSET) ||
	    (in.protocol != IPPROTO_TCP && in.protocol != IPPROTO_UDP))
		return ICMP_OUT_NOT_OURS;
	q.in_l4 = in_off + in.ihl * 4;
	q.end = ETH_HLEN + bpf_ntohs(ip.tot_len);
	if (q.in_l4 + sizeof(h) > q.end || q.end > skb->len ||
	    bpf_skb_load_bytes(skb, q.in_l4, &h, sizeof(h)))
		return ICMP_OUT_NOT_OURS;
	/* the flow as the node sends it: to where the quote came from */
	k.saddr = in.daddr;
	k.daddr = in.saddr;
	k.sport = h.dport;
	k.dport = h.sport;
	k.proto = in.protocol;
	ce = bpf_map_lookup_elem(&ct, &k);
	if (!ce || ct_expired(cfg, ce, k.proto, ct_now()) || (ce->flags & NSB_CT_F_HAIRPIN))
		return ICMP_OUT_NOT_OURS;
	/* a forward's flow lives as long as its forward (lab/fwd_flows.c) */
	if (!(ce->flags & NSB_CT_F_DNAT) && ce->nat_addr != cfg->uplink_addr)
		return ICMP_OUT_NOT_OURS; /* the uplink moved */

	if (ip.ttl <= 1)
		return nsb_drop(NSB_DROP_TTL);
	if (rw_ip4(skb, true, ce->nat_addr, ip.daddr))
		return nsb_drop(NSB_DROP_CSUM);
	q.in_off = in_off;
	q.icmp_csum = l4_off + ICMPH_CSUM;
	q.addr_off = IPH_DADDR;
	q.port_off = L4_DPORT;
	q.old_addr = in.daddr;
	q.new_addr = ce->nat_addr;
	q.old_port = h.dport;
	q.new_port = ce->nat_port;
	q.proto = in.protocol;
	if (icmp_quote_rewrite(skb, &q))
		return nsb_drop(NSB_DROP_CSUM);
	if (ce->flags & NSB_CT_F_CPORT) {
		/* the client's remapped port, back to its real one */
		q.addr_off = IPH_SADDR;
		q.old_addr = q.new_addr = in.saddr;
		q.port_off = L4_SPORT;
		q.old_port = h.sport;
		q.new_port = ce->dnat_port;
		if (icmp_quote_rewrite(skb, &q))
			return nsb_drop(NSB_DROP_CSUM);
	}
	return verdict_redirect_neigh(v, NSB_PATH_ICMP_ERR_OUT, cfg->uplink_ifindex);
}

/*
 * A global function, finishing its own verdict (verdict_done()), or
 * ICMP_OUT_NOT_OURS. src: the sender, past anti-spoofing.
 */
__noinline int icmp_err_from_node_v4(struct __sk_buff *skb, const struct nsb_endpoint *src)
{
	struct nsb_verdict v = NSB_VERDICT_INIT;
	int ret = __icmp_out(skb, &v, src);

	if (ret == ICMP_OUT_NOT_OURS)
		return ret;
	return verdict_done(verdict_finish(skb, &v, ret));
}

#endif /* NSBPF_LIB_ICMP_OUT_H */
