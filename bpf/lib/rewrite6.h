/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The rewrite of a translated IPv6 packet in one pass, as lib/rewrite.h's
 * for IPv4: the hop limit, the addresses and the ports written in place,
 * the L4 sum by difference in at most two bpf_l4_csum_replace() calls (the
 * pseudo header's share and the data's share, lib/rewrite.h).
 *
 * IPv6 has no header sum to cancel what the hop limit and the addresses
 * change in a sum over the packet: under CHECKSUM_COMPLETE skb->csum moves
 * by that (the L4 sum's data share and the ports cancel; the helper's
 * pseudo-header call takes the addresses' share off skb->csum, as if only
 * the L4 sum had changed), so one bpf_csum_update() adds the hop limit's
 * and the addresses' delta back; under any other state it does nothing.
 * Moves packet data: re-derive pointers afterwards.
 */
#ifndef NSBPF_LIB_REWRITE6_H
#define NSBPF_LIB_REWRITE6_H

#include "lib/rewrite.h"
#include "lib/parse6.h"

/* nat6_rewrite()'s how: l4_off | RW6_* | protocol << 16 */
#define RW6_L4_OFF  0x3fff     /* ETH_HLEN + 40 + six extension headers fit */
#define RW6_HOP_DEC (1U << 14) /* hop limit - 1 */
#define RW6_NO_L4   (1U << 15) /* a later fragment: no L4 header */

/* An address as nat6_rewrite() takes it: a global function's pointer argument has its type's size. */
struct rw6_addr {
	__be32 w[4];
};

/* *psum += the change of the 16-byte address at a to new, written in place. */
static __always_inline void __rw6_addr(__be32 *a, const __be32 *new, __u32 *psum)
{
#pragma unroll
	for (int i = 0; i < 4; i++) {
		if (a[i] != new[i]) {
			*psum += csum_delta32(a[i], new[i]);
			a[i] = new[i];
		}
	}
}

/*
 * TTL's IPv6 twin and the addresses (saddr, daddr: the new ones, NULL to
 * keep one), then the ports (sport | dport << 16 as they should leave;
 * ICMPv6 echo: sport is the echo id, dport is not used) unless RW6_NO_L4.
 * 0, or -1 (broken, or could not be made writable: drop it).
 *
 * A global function: NAT66's steps are global functions with small frames,
 * and this keeps the address loops out of each of them.
 */
__noinline int nat6_rewrite(struct __sk_buff *skb, __u32 how, const struct rw6_addr *saddr,
			    const struct rw6_addr *daddr, __u32 ports)
{
	__u32 l4_off = how & RW6_L4_OFF, hsum = 0, psum = 0, dsum = 0, csum_off;
	__be16 sport = ports, dport = ports >> 16;
	__u8 proto = how >> 16;
	void *ip6, *l4;

	if (!skb)
		return -1;
	ip6 = skb_data(skb) + ETH_HLEN;
	if (ip6 + IPV6_HLEN > skb_data_end(skb))
		return -1;
	if (how & RW6_HOP_DEC) {
		__u8 *nh = ip6 + 6, hop = nh[1]; /* next header, hop limit: one word */

		hsum = csum_delta16(bpf_htons((__u16)nh[0] << 8 | hop),
				    bpf_htons((__u16)nh[0] << 8 | (__u8)(hop - 1)));
		nh[1] = hop - 1;
	}
	if (saddr)
		__rw6_addr(ip6 + 8, saddr->w, &psum);
	if (daddr)
		__rw6_addr(ip6 + 24, daddr->w, &psum);
	if (!(how & RW6_NO_L4)) {
		l4 = __rw_l4_hdr(skb, l4_off);
		if (!l4)
			return -1;
		dsum = __rw_ports(l4, proto == IPPROTO_ICMPV6, sport, dport);
		csum_off = l4_off + csum_l4_field(proto);
		if (dsum && bpf_l4_csum_replace(skb, csum_off, 0, dsum, __csum_l4_mangle(proto)))
			return -1;
		/* ICMPv6 sums the pseudo header too, unlike ICMP */
		if (psum && bpf_l4_csum_replace(skb, csum_off, 0, psum,
						BPF_F_PSEUDO_HDR | __csum_l4_mangle(proto)))
			return -1;
	}
	if (hsum + psum)
		bpf_csum_update(skb, hsum + psum); /* CHECKSUM_COMPLETE only; else -ENOTSUPP */
	return 0;
}

/* an address for nat6_rewrite() */
#define RW6_ADDR(a) ((const struct rw6_addr *)(a))

/* how for nat6_rewrite() */
static __always_inline __u32 rw6_how(__u32 l4_off, __u8 proto, __u32 flags)
{
	return (l4_off & RW6_L4_OFF) | flags | (__u32)proto << 16;
}

static __always_inline __u32 rw6_ports(__be16 sport, __be16 dport)
{
	return (__u32)sport | (__u32)dport << 16;
}

#endif /* NSBPF_LIB_REWRITE6_H */
