/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * An ICMPv6 error from outside about a NAT66 flow, at from_uplink: the
 * IPv6 half of lib/rev_nat.h's rev_icmp_error_v4() (RFC 5508's rules, as
 * nf_nat applies them to IPv6). Destination Unreachable, Packet Too Big (so
 * that a node's PMTU discovery works through NAT66), Time Exceeded and
 * Parameter Problem, to config.uplink_addr6, quoting a packet as it left
 * the uplink: uplink_addr6:P -> remote:rp, TCP, UDP or an ICMPv6 echo
 * request (by id). When nat_ports6 knows {uplink_addr6, remote, P, rp,
 * proto} and its ct6 flow is alive and agrees, the error goes into the
 * node as if the flow had never been translated:
 *   outer  destination -> the node's address (the ICMPv6 sum follows its
 *          pseudo header), hop limit - 1 (<= 1: dropped, ttl)
 *   quote  source address and port (echo id) -> the node's, the quoted
 *          transport checksum when it is quoted (Linux's nf_nat does the
 *          same), and the client's real port back for a forward's remapped
 *          one (NSB_CT_F_CPORT); the ICMPv6 sum follows every change
 * MACs as the node's host end sends, bpf_redirect_peer() (icmp_err_rev).
 *
 * An error from a source that can only be forged (::, ::1, multicast,
 * IPv4-mapped, the uplink's or another host address) is dropped before its
 * quote is looked at (uplink_spoof), as IPv4's; one from a lab subnet is
 * the caller's to drop before the call (from_uplink_v6's lab6_scan); one
 * from a link-local source that quotes a lab flow too: it may not be
 * forwarded beyond its link (RFC 4291 2.5.6). An error about
 * no flow of the lab's is the host's: ICMP6_REV_HOSTS, untouched and
 * uncounted.
 *
 * Its keys and the two IPv6 headers it reads sit in the scratch room, not
 * on the stack: it runs on top of from_uplink's chain (512 bytes in all).
 * Maps read: config, host_addrs6, nat_ports6, ct6, endpoints6.
 */
#ifndef NSBPF_LIB_REV_ICMP6_H
#define NSBPF_LIB_REV_ICMP6_H

#include "lib/icmp6_defs.h"
#include "lib/ct.h"
#include "lib/nat.h"

/* rev_icmp6_error(): the host's, untouched and uncounted (REV_HOSTS's value) */
#define ICMP6_REV_HOSTS (3 * __NSB_DONE)

struct __rev6_room {
	struct icmp6_ip6 out; /* the error's IPv6 header */
	struct icmp6_ip6 in;  /* the quoted one */
	struct nsb_nat6_key nk;
	struct nsb_ct6_key ck;
};
_Static_assert(sizeof(struct __rev6_room) <= sizeof(((union nsb_scratch *)0)->words),
	       "the error's headers and keys fit the scratch room");

/*
 * May saddr, from the uplink, report on a flow of the lab's? Not when it can
 * only be forged: unspecified, loopback, multicast, IPv4-mapped, the
 * uplink's own or another host address. An address in a lab's IPv6 subnet
 * is the caller's to drop first, as from_uplink_v4() drops IPv4's before
 * rev_icmp_error_v4(): the scan of networks6 is a loop the verifier would
 * walk again in this function's chain (from_uplink_v6 has it: lab6_scan).
 */
static __always_inline bool uplink_src6_special(const struct nsb_config *cfg, const __be32 *saddr)
{
	/* ::, ::1, ::ffff:a.b.c.d, multicast, the uplink's */
	if (addr6_martian(saddr) || addr6_multicast(saddr) || addr6_eq(saddr, cfg->uplink_addr6))
		return true;
	return bpf_map_lookup_elem(&host_addrs6, saddr);
}

/*
 * Rewrite the 16-bit value at off from old to new, and the checksum at
 * csum_off with it (mangle: UDP's BPF_F_MARK_MANGLED_0). 0 or -1.
 */
static __always_inline int __rev6_set16(struct __sk_buff *skb, __u32 off, __u32 csum_off,
					__be16 old, __be16 new, __u64 mangle)
{
	if (old == new)
		return 0;
	if (bpf_skb_store_bytes(skb, off, &new, sizeof(new), 0))
		return -1;
	return bpf_l4_csum_replace(skb, csum_off, old, new, mangle | sizeof(new)) ? -1 : 0;
}

/*
 * The quoted transport header at in_l4 (its datagram quoted up to end):
 * the port at port_off from old to new, and addr_diff (a change of the
 * quoted pseudo header's addresses, bpf_csum_diff()'s) in its checksum when
 * that is quoted; the error's own sum at icmp_csum follows all of it. No
 * BPF_F_PSEUDO_HDR: the quoted addresses are packet data.
 */
static __always_inline int __rev6_quote_port(struct __sk_buff *skb, __u32 in_l4, __u32 end,
					     __u32 icmp_csum, __u8 proto, __u32 port_off,
					     __be16 old, __be16 new, __s64 addr_diff)
{
	__u32 csum_off = in_l4 + csum_l4_field(proto);
	__u64 mangle = proto == IPPROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0;
	__be16 old_sum, new_sum;

	if (__rev6_set16(skb, in_l4 + port_off, icmp_csum, old, new, 0))
		return -1;
	if (csum_off + sizeof(old_sum) > end)
		return 0; /* the transport checksum is not quoted */
	if (bpf_skb_load_bytes(skb, csum_off, &old_sum, sizeof(old_sum)))
		return -1;
	if (addr_diff && bpf_l4_csum_replace(skb, csum_off, 0, addr_diff, mangle))
		return -1;
	if (old != new &&bpf_l4_csum_replace(skb, csum_off, old, new, mangle | 2))
		return -1;
	if (bpf_skb_load_bytes(skb, csum_off, &new_sum, sizeof(new_sum)))
		return -1;
	return bpf_l4_csum_replace(skb, icmp_csum, old_sum, new_sum, 2) ? -1 : 0;
}

static __always_inline int __rev_icmp6(struct __sk_buff *skb, struct nsb_verdict *v,
				       const struct nsb_config *cfg, struct __rev6_room *r)
{
	__u32 l4_off = ETH_HLEN + sizeof(r->out), in_off, in_l4, end, port_off = L4_SPORT;
	const struct nsb_endpoint *ep;
	const struct nsb_nat6_val *nv;
	struct nsb_ct6_entry *ce;
	__u32 icmp_csum;
	__s64 diff;
	__u8 next, hops;
	struct {
		__be16 sport, dport; /* ICMPv6: type, code; checksum */
		__be16 id, seq;
	} h;

	if (bpf_skb_load_bytes(skb, ETH_HLEN, &r->out, sizeof(r->out)) ||
	    (bpf_ntohl(r->out.vtc_flow) >> 28) != 6 || !addr6_eq(r->out.daddr, cfg->uplink_addr6))
		return NSB_NEXT;
	next = r->out.nexthdr;
	if (!icmp6_skip_ext(skb, &l4_off, &next) || next != IPPROTO_ICMPV6 ||
	    bpf_skb_load_bytes(skb, l4_off, &h, 4))
		return NSB_NEXT;
	next = bpf_ntohs(h.sport) >> 8; /* the type */
	if (next < ICMPV6_DEST_UNREACH || next > ICMPV6_PARAMPROB)
		return NSB_NEXT;
	/* Linux drops such martians too: before the quote is even looked at */
	if (uplink_src6_special(cfg, r->out.saddr))
		return nsb_drop(NSB_DROP_UPLINK_SPOOF);

	/* the quote: a datagram the uplink sent, read from the error itself, not a trailer */
	end = ETH_HLEN + sizeof(r->out) + bpf_ntohs(r->out.payload_len);
	if (end > skb->len)
		return NSB_NEXT;
	in_off = l4_off + sizeof(struct icmp6_hdr);
	if (bpf_skb_load_bytes(skb, in_off, &r->in, sizeof(r->in)) ||
	    (bpf_ntohl(r->in.vtc_flow) >> 28) != 6 || !addr6_eq(r->in.saddr, r->out.daddr))
		return NSB_NEXT;
	in_l4 = in_off + sizeof(r->in);
	next = r->in.nexthdr;
	if (!icmp6_skip_ext(skb, &in_l4, &next) || in_l4 + sizeof(h) > end ||
	    bpf_skb_load_bytes(skb, in_l4, &h, sizeof(h)))
		return NSB_NEXT;
	__builtin_memset(&r->nk, 0, sizeof(r->nk));
	addr6_copy(r->nk.nat_addr, r->in.saddr);
	addr6_copy(r->nk.remote_addr, r->in.daddr);
	r->nk.proto = next;
	switch (next) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		r->nk.nat_port = h.sport;
		r->nk.remote_port = h.dport;
		break;
	case IPPROTO_ICMPV6:
		if (h.sport != bpf_htons(ICMPV6_ECHO_REQUEST << 8))
			return NSB_NEXT;
		r->nk.nat_port = h.id;
		port_off = ICMP_ID;
		break;
	default:
		return NSB_NEXT;
	}

	/* the flow, as the node sent it: alive, and agreeing with the claim */
	nv = bpf_map_lookup_elem(&nat_ports6, &r->nk);
	if (!nv)
		return NSB_NEXT;
	__builtin_memset(&r->ck, 0, sizeof(r->ck));
	addr6_copy(r->ck.saddr, nv->node_addr);
	addr6_copy(r->ck.daddr, r->nk.remote_addr);
	r->ck.sport = nv->v.node_port;
	r->ck.dport = nv->v.remote_port ? nv->v.remote_port : r->nk.remote_port; /* CPORT */
	r->ck.proto = r->nk.proto;
	ce = bpf_map_lookup_elem(&ct6, &r->ck);
	if (!ce || ce->e.nat_port != r->nk.nat_port || !addr6_eq(ce->nat_addr, r->nk.nat_addr) ||
	    ct_expired(cfg, &ce->e, r->ck.proto, ct_now()))
		return NSB_NEXT; /* a stale claim: the flow is gone */
	ep = bpf_map_lookup_elem(&endpoints6, r->ck.saddr);
	if (!ep)
		return NSB_NEXT; /* the node itself is gone */

	if (addr6_linklocal(r->out.saddr))
		return nsb_drop(NSB_DROP_UPLINK_SPOOF);
	hops = r->out.hop_limit;
	if (hops <= 1)
		return nsb_drop(NSB_DROP_TTL);
	hops--;
	icmp_csum = l4_off + ICMP6H_CSUM;
	/* the same change for the outer destination and the quoted source */
	diff = bpf_csum_diff(r->out.daddr, 16, r->ck.saddr, 16, 0);
	/*
	 * Outer: the hop limit and the destination change what a
	 * CHECKSUM_COMPLETE sum covers (no IPv6 header sum makes up for
	 * them): BPF_F_RECOMPUTE_CSUM. The destination is in the ICMPv6
	 * pseudo header: BPF_F_PSEUDO_HDR.
	 */
	if (bpf_skb_store_bytes(skb, ETH_HLEN + IP6H_HOPS, &hops, 1, BPF_F_RECOMPUTE_CSUM) ||
	    bpf_skb_store_bytes(skb, ETH_HLEN + IP6H_DADDR, r->ck.saddr, 16,
				BPF_F_RECOMPUTE_CSUM) ||
	    bpf_l4_csum_replace(skb, icmp_csum, 0, diff, BPF_F_PSEUDO_HDR))
		return nsb_drop(NSB_DROP_CSUM);
	/* the quote as it left the node: its source address and port back */
	if (bpf_skb_store_bytes(skb, in_off + IP6H_SADDR, r->ck.saddr, 16, 0) ||
	    bpf_l4_csum_replace(skb, icmp_csum, 0, diff, 0) ||
	    __rev6_quote_port(skb, in_l4, end, icmp_csum, r->nk.proto, port_off, r->nk.nat_port,
			      r->ck.sport, diff))
		return nsb_drop(NSB_DROP_CSUM);
	/* a forward's client, as the node knows it: its remapped port */
	if ((ce->e.flags & NSB_CT_F_CPORT) &&
	    __rev6_quote_port(skb, in_l4, end, icmp_csum, r->nk.proto, L4_DPORT, r->nk.remote_port,
			      r->ck.dport, 0))
		return nsb_drop(NSB_DROP_CSUM);
	return nat_to_node(skb, v, ep, NSB_PATH_ICMP_ERR_REV);
}

/*
 * For from_uplink's IPv6 path: an ICMPv6 error (types 1..4) to
 * uplink_addr6 about a flow of the lab's goes into its node, or is dropped;
 * the caller has dropped errors from a lab subnet's addresses already;
 * a global function that finishes its own verdict (verdict_done()).
 * Anything else (another packet, an error about the host's own flow):
 * ICMP6_REV_HOSTS, untouched and uncounted. Any IPv6 frame may be handed
 * to it: it checks everything itself.
 */
__noinline int rev_icmp6_error(struct __sk_buff *skb)
{
	struct nsb_verdict v = NSB_VERDICT_INIT;
	const struct nsb_config *cfg = config_get();
	struct __rev6_room *r;
	__u32 zero = 0;
	int ret;

	if (!cfg || addr6_any(cfg->uplink_addr6) || skb->protocol != bpf_htons(ETH_P_IPV6) ||
	    skb->vlan_present)
		return ICMP6_REV_HOSTS;
	r = bpf_map_lookup_elem(&scratch, &zero);
	if (!r)
		return ICMP6_REV_HOSTS;
	ret = __rev_icmp6(skb, &v, cfg, r);
	if (ret == NSB_NEXT && v.path == NSB_PATH_MAX)
		return ICMP6_REV_HOSTS;
	return verdict_done(verdict_finish(skb, &v, ret));
}

#endif /* NSBPF_LIB_REV_ICMP6_H */
