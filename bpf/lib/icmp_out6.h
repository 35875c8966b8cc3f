/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A node's ICMPv6 error about a packet of a translated flow, at from_node:
 * the IPv6 twin of lib/icmp_out.h (RFC 5508 4.2's rules, for NAT66).
 * Destination Unreachable (a UDP port a forward leads to that nobody
 * listens on), Packet Too Big, Time Exceeded or Parameter Problem, quoting
 * what the node received: a forwarded flow's client packet (client:cp ->
 * node:8080) or a masqueraded flow's reply (remote:rp -> node:p), TCP or
 * UDP. The error goes back out of the uplink as the address the flow shows
 * outside:
 *   outer  source node -> the flow's nat address (the ICMPv6 sum follows
 *          its pseudo header), hop limit - 1 (<= 1: dropped, ttl)
 *   quote  destination node:port -> nat address:port, the quoted
 *          transport checksum when it is quoted, and the client's real port
 *          back for a forward's remapped one (NSB_CT_F_CPORT); the ICMPv6
 *          sum follows every change (lib/rev_icmp6.h's quote helpers)
 * and bpf_redirect_neigh() out of the uplink (icmp_err_out). An error that
 * quotes no live flow of the node's is not this file's: the caller goes on
 * as for any packet (masquerade drops it: nat_proto).
 *
 * The two IPv6 headers and the key sit in the scratch room, not on the
 * stack. Maps read: config, ct6.
 */
#ifndef NSBPF_LIB_ICMP_OUT6_H
#define NSBPF_LIB_ICMP_OUT6_H

#include "lib/rev_icmp6.h"

/* icmp6_err_from_node(): not an error about a flow of ours */
#define ICMP6_OUT_NOT_OURS (4 * __NSB_DONE)

struct __out6_room {
	struct icmp6_ip6 out; /* the error's IPv6 header */
	struct icmp6_ip6 in;  /* the quoted one */
	struct nsb_ct6_key ck;
	__be32 nat[4]; /* the flow's nat address */
};
_Static_assert(sizeof(struct __out6_room) <= sizeof(((union nsb_scratch *)0)->words),
	       "the error's headers and key fit the scratch room");

static __always_inline int __icmp6_out(struct __sk_buff *skb, struct nsb_verdict *v,
				       const struct nsb_config *cfg, struct __out6_room *r)
{
	__u32 l4_off = ETH_HLEN + sizeof(r->out), in_off, in_l4, end, icmp_csum;
	struct nsb_ct6_entry *ce;
	__s64 diff;
	__u8 next, hops;
	struct {
		__be16 sport, dport;
	} h;

	if (bpf_skb_load_bytes(skb, ETH_HLEN, &r->out, sizeof(r->out)))
		return ICMP6_OUT_NOT_OURS;
	next = r->out.nexthdr;
	if (!icmp6_skip_ext(skb, &l4_off, &next) || next != IPPROTO_ICMPV6 ||
	    bpf_skb_load_bytes(skb, l4_off, &next, 1) || next < ICMPV6_DEST_UNREACH ||
	    next > ICMPV6_PARAMPROB)
		return ICMP6_OUT_NOT_OURS;
	end = ETH_HLEN + sizeof(r->out) + bpf_ntohs(r->out.payload_len);
	if (end > skb->len)
		return ICMP6_OUT_NOT_OURS;
	/* the quote: a datagram to the node itself, from the error's destination */
	in_off = l4_off + sizeof(struct icmp6_hdr);
	if (bpf_skb_load_bytes(skb, in_off, &r->in, sizeof(r->in)) ||
	    (bpf_ntohl(r->in.vtc_flow) >> 28) != 6 || !addr6_eq(r->in.daddr, r->out.saddr) ||
	    !addr6_eq(r->in.saddr, r->out.daddr))
		return ICMP6_OUT_NOT_OURS;
	in_l4 = in_off + sizeof(r->in);
	next = r->in.nexthdr;
	if (!icmp6_skip_ext(skb, &in_l4, &next) || (next != IPPROTO_TCP && next != IPPROTO_UDP) ||
	    in_l4 + 8 > end || bpf_skb_load_bytes(skb, in_l4, &h, sizeof(h)))
		return ICMP6_OUT_NOT_OURS;
	/* the flow as the node sends it: to where the quote came from */
	__builtin_memset(&r->ck, 0, sizeof(r->ck));
	addr6_copy(r->ck.saddr, r->in.daddr);
	addr6_copy(r->ck.daddr, r->in.saddr);
	r->ck.sport = h.dport;
	r->ck.dport = h.sport;
	r->ck.proto = next;
	ce = bpf_map_lookup_elem(&ct6, &r->ck);
	if (!ce || ct_expired(cfg, &ce->e, next, ct_now()) || (ce->e.flags & NSB_CT_F_HAIRPIN))
		return ICMP6_OUT_NOT_OURS;
	/* a forward's flow lives as long as its forward (lab/fwd_flows.c) */
	if (!(ce->e.flags & NSB_CT_F_DNAT) && !addr6_eq(ce->nat_addr, cfg->uplink_addr6))
		return ICMP6_OUT_NOT_OURS; /* the uplink moved */

	hops = r->out.hop_limit;
	if (hops <= 1)
		return nsb_drop(NSB_DROP_TTL);
	hops--;
	addr6_copy(r->nat, ce->nat_addr);
	icmp_csum = l4_off + ICMP6H_CSUM;
	/* the same change for the outer source and the quoted destination */
	diff = bpf_csum_diff(r->out.saddr, 16, r->nat, 16, 0);
	/* outer: what a CHECKSUM_COMPLETE sum covers, and the ICMPv6 pseudo header */
	if (bpf_skb_store_bytes(skb, ETH_HLEN + IP6H_HOPS, &hops, 1, BPF_F_RECOMPUTE_CSUM) ||
	    bpf_skb_store_bytes(skb, ETH_HLEN + IP6H_SADDR, r->nat, 16, BPF_F_RECOMPUTE_CSUM) ||
	    bpf_l4_csum_replace(skb, icmp_csum, 0, diff, BPF_F_PSEUDO_HDR))
		return nsb_drop(NSB_DROP_CSUM);
	/* the quote as the world sent it: to the nat address and port */
	if (bpf_skb_store_bytes(skb, in_off + IP6H_DADDR, r->nat, 16, 0) ||
	    bpf_l4_csum_replace(skb, icmp_csum, 0, diff, 0) ||
	    __rev6_quote_port(skb, in_l4, end, icmp_csum, r->ck.proto, L4_DPORT, r->ck.sport,
			      ce->e.nat_port, diff))
		return nsb_drop(NSB_DROP_CSUM);
	/* a forward's client, as the world knows it: its real port back */
	if ((ce->e.flags & NSB_CT_F_CPORT) &&
	    __rev6_quote_port(skb, in_l4, end, icmp_csum, r->ck.proto, L4_SPORT, r->ck.dport,
			      ce->e.dnat_port, 0))
		return nsb_drop(NSB_DROP_CSUM);
	return verdict_redirect_neigh(v, NSB_PATH_ICMP_ERR_OUT, cfg->uplink_ifindex);
}

/*
 * For from_node_v6's way outside: an ICMPv6 error (types 1..4) of the
 * node's about a flow of the lab's, translated out of the uplink or
 * dropped, its verdict finished (verdict_done()); anything else
 * ICMP6_OUT_NOT_OURS, untouched. A global function: its frame is a
 * sibling of masquerade's, not on top of it.
 */
__noinline int icmp6_err_from_node(struct __sk_buff *skb)
{
	struct nsb_verdict v = NSB_VERDICT_INIT;
	const struct nsb_config *cfg = config_get();
	struct __out6_room *r;
	__u32 zero = 0;
	int ret;

	if (!cfg || !cfg->uplink_ifindex || addr6_any(cfg->uplink_addr6))
		return ICMP6_OUT_NOT_OURS;
	r = bpf_map_lookup_elem(&scratch, &zero);
	if (!r)
		return ICMP6_OUT_NOT_OURS;
	ret = __icmp6_out(skb, &v, cfg, r);
	if (ret == ICMP6_OUT_NOT_OURS)
		return ret;
	return verdict_done(verdict_finish(skb, &v, ret));
}

#endif /* NSBPF_LIB_ICMP_OUT6_H */
