/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The rewrite of a translated IPv4 packet in one pass (issue 16): the
 * packet's headers written in place, the IPv4 header sum updated here
 * (RFC 1624), and the L4 sum with at most two bpf_l4_csum_replace() calls.
 * Every helper call costs here (a call, a return through the CPU's
 * return thunk, the helper's own checks); the per-field helpers of
 * lib/csum.h took eight for a masqueraded reply into a node.
 *
 * Why the skb's checksum state stays right:
 *   IPv4 header   the header sum covers the header only, and the changed
 *                 words and the new sum cancel in any sum over the packet
 *                 (CHECKSUM_COMPLETE), so direct writes are exact;
 *   L4 header     the pseudo header's share (addresses) and the data's share
 *                 (ports, echo id) follow different rules under
 *                 CHECKSUM_PARTIAL (lib/csum.h), which BPF cannot see: one
 *                 bpf_l4_csum_replace() by difference for each, and only for
 *                 the share that changed (a kept port: one call).
 * A packet whose L4 header is not linear is pulled first (it is ours: the
 * caller translates it). Moves packet data: re-derive pointers afterwards.
 */
#ifndef NSBPF_LIB_REWRITE_H
#define NSBPF_LIB_REWRITE_H

#include "lib/csum.h"
#include "lib/flow.h"

/* ~old + new of a 32-bit field, as 16-bit words (RFC 1624, eqn. 3). The sums
 * are byte-order blind, so fields go in as they sit in the packet. */
static __always_inline __u32 csum_delta32(__be32 old, __be32 new)
{
	__u32 o = ~(__u32)old, n = (__u32) new;

	return (o & 0xffff) + (o >> 16) + (n & 0xffff) + (n >> 16);
}

static __always_inline __u32 csum_delta16(__be16 old, __be16 new)
{
	return (__u16)~old + (__u32) new;
}

/*
 * The ports at l4 (linear) as they should leave, written in place; echo:
 * the echo id (ICMP_ID) is sport, dport is not used. Their sum's delta.
 */
static __always_inline __u32 __rw_ports(void *l4, bool echo, __be16 sport, __be16 dport)
{
	__be16 *pp = echo ? l4 + ICMP_ID : l4;
	__u32 dsum = 0;

	if (pp[0] != sport) {
		dsum += csum_delta16(pp[0], sport);
		pp[0] = sport;
	}
	if (!echo && pp[1] != dport) {
		dsum += csum_delta16(pp[1], dport);
		pp[1] = dport;
	}
	return dsum;
}

/* TTL - 1 in place, its word's share added to *sum (the header sum's delta). */
static __always_inline void __rw_ttl_dec(struct iphdr *ip, __u32 *sum)
{
	__u8 ttl = ip->ttl, proto = ip->protocol;

	ip->ttl = ttl - 1;
	*sum += csum_delta16(bpf_htons((__u16)ttl << 8 | proto),
			     bpf_htons((__u16)(ttl - 1) << 8 | proto));
}

/*
 * TTL - 1 of an IPv4 header parse_ipv4() handed out, in place (the node to
 * node hop between networks). No helper: ip stays valid.
 */
static __always_inline void rw_ttl_dec(struct iphdr *ip)
{
	__u32 sum = (__u16)~ip->check;

	__rw_ttl_dec(ip, &sum);
	ip->check = csum_fold(sum);
}

/*
 * The outer IPv4 header: TTL - 1 when dec_ttl, source and destination
 * (either may be the one it has), its sum. The pseudo header's delta (the
 * addresses that changed; 0: none), or -1 when there is no header.
 */
static __always_inline __s64 __rw_ip4(struct __sk_buff *skb, bool dec_ttl, __be32 saddr,
				      __be32 daddr)
{
	struct iphdr *ip = skb_data(skb) + ETH_HLEN;
	__u32 sum = 0, psum = 0;

	if ((void *)(ip + 1) > skb_data_end(skb))
		return -1;
	if (dec_ttl)
		__rw_ttl_dec(ip, &sum);
	if (ip->saddr != saddr) {
		psum += csum_delta32(ip->saddr, saddr);
		ip->saddr = saddr;
	}
	if (ip->daddr != daddr) {
		psum += csum_delta32(ip->daddr, daddr);
		ip->daddr = daddr;
	}
	ip->check = csum_fold((__u16)~ip->check + sum + psum);
	return psum;
}

/* The IPv4 header only: a later fragment (no L4 header), an ICMP error's outer header. */
static __always_inline int rw_ip4(struct __sk_buff *skb, bool dec_ttl, __be32 saddr, __be32 daddr)
{
	return __rw_ip4(skb, dec_ttl, saddr, daddr) < 0 ? -1 : 0;
}

/* The L4 header at l4_off, linear: pulled when it is not. NULL: no such header. */
static __always_inline void *__rw_l4_hdr(struct __sk_buff *skb, __u32 l4_off)
{
	void *l4 = skb_data(skb) + l4_off;

	if (l4 + sizeof(struct udphdr) <= skb_data_end(skb))
		return l4;
	if (bpf_skb_pull_data(skb, l4_off + sizeof(struct udphdr)))
		return NULL;
	l4 = skb_data(skb) + l4_off;
	return l4 + sizeof(struct udphdr) <= skb_data_end(skb) ? l4 : NULL;
}

/* nat_rewrite_v4()'s how, besides l4_off */
#define RW_TTL_DEC (1U << 8) /* TTL - 1 */
#define RW_REVERSE (1U << 9) /* the packet leaves as the tuple's reverse */

/*
 * A TCP, UDP or ICMP echo packet translated both ways at once: TTL - 1
 * (RW_TTL_DEC), and addresses and ports as the tuple to says: the packet
 * leaves as to (to->saddr:sport -> to->daddr:dport), or with RW_REVERSE as
 * its reverse (a reply to a node: the node's ct key). ICMP echo: the echo id
 * is to->sport either way (flow_v4 keys it as the source port). how: l4_off
 * (ETH_HLEN + IHL * 4, from a parse of this packet) | RW_*. 0, or -1
 * (broken, or could not be made writable: drop it).
 *
 * Inlined where the frame has room (from_node's paths: a call and its
 * return cost some 10 ns here), a global function elsewhere (below).
 */
static __always_inline int __nat_rewrite_v4(struct __sk_buff *skb, __u32 how,
					    const struct nsb_ct_key *to)
{
	__u32 dsum = 0, csum_off, l4_off = how & 0xff; /* ETH_HLEN + 60 at most */
	bool rev = how & RW_REVERSE;
	__be16 sport, dport;
	__s64 psum;
	__u8 proto;
	void *l4;

	if (!skb || !to)
		return -1;
	proto = to->proto;
	sport = rev && proto != IPPROTO_ICMP ? to->dport : to->sport;
	dport = rev ? to->sport : to->dport;
	psum = __rw_ip4(skb, how & RW_TTL_DEC, rev ? to->daddr : to->saddr,
			rev ? to->saddr : to->daddr);
	if (psum < 0)
		return -1;
	l4 = __rw_l4_hdr(skb, l4_off);
	if (!l4)
		return -1;
	dsum = __rw_ports(l4, proto == IPPROTO_ICMP, sport, dport);
	/*
	 * UDP without a checksum: nothing to update, but under CHECKSUM_COMPLETE
	 * skb->csum sums the ports (the addresses cancel in the IPv4 header).
	 */
	if (proto == IPPROTO_UDP && !*(__be16 *)(l4 + UDPH_CSUM)) {
		if (dsum)
			bpf_csum_update(skb, dsum);
		return 0;
	}
	csum_off = l4_off + csum_l4_field(proto);
	if (dsum && bpf_l4_csum_replace(skb, csum_off, 0, dsum, __csum_l4_mangle(proto)))
		return -1;
	/* ICMP sums no pseudo header */
	if (psum && proto != IPPROTO_ICMP &&
	    bpf_l4_csum_replace(skb, csum_off, 0, psum, BPF_F_PSEUDO_HDR | __csum_l4_mangle(proto)))
		return -1;
	return 0;
}

/*
 * __nat_rewrite_v4() as a global function, verified once, for from_uplink's
 * paths: inlined, its live values cost from_uplink's frame a spill, and that
 * chain is at 512 bytes.
 */
__noinline int nat_rewrite_v4(struct __sk_buff *skb, __u32 how, const struct nsb_ct_key *to)
{
	return __nat_rewrite_v4(skb, how, to);
}

/* A frame's Ethernet addresses, in place. -1: no Ethernet header. */
static __always_inline int rw_macs(struct __sk_buff *skb, const __u8 *dst, const __u8 *src)
{
	struct ethhdr *eth = skb_data(skb);

	if ((void *)(eth + 1) > skb_data_end(skb))
		return -1;
	mac_copy(eth->h_dest, dst);
	mac_copy(eth->h_source, src);
	return 0;
}

#endif /* NSBPF_LIB_REWRITE_H */
