/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Checksum updates, incremental (RFC 1624) through the kernel's helpers so
 * that the skb's checksum state (CHECKSUM_PARTIAL from a veth, COMPLETE
 * from a NIC) stays right: bpf_l3_csum_replace() for IPv4 headers,
 * bpf_l4_csum_replace() for TCP, UDP and ICMP. The rules for the L4 sum:
 *   an address of the pseudo header (TCP, UDP)  BPF_F_PSEUDO_HDR
 *   a port or echo id (in the data)             no flag: under PARTIAL the
 *                                               device sums the data itself
 *   UDP                                         BPF_F_MARK_MANGLED_0: a zero
 *                                               checksum ("none") stays zero
 *   ICMP                                        plain: no pseudo header
 * Every helper here may move packet data: re-derive pointers afterwards.
 */
#ifndef NSBPF_LIB_CSUM_H
#define NSBPF_LIB_CSUM_H

#include "lib/parse.h"

/*
 * Wire offsets, as plain numbers: offsetof() on vmlinux.h's types is a CO-RE
 * relocation (they carry preserve_access_index), pointless for wire formats
 * and mis-compiled by clang 14 inside a conditional expression.
 */
#define IPH_TTL	   8
#define IPH_CSUM   10
#define IPH_SADDR  12
#define IPH_DADDR  16
#define TCPH_CSUM  16
#define UDPH_CSUM  6
#define ICMPH_CSUM 2

/* the outer IPv4 header's fields, as offsets into the frame (no VLAN tag) */
#define IP_OFF_TTL    (ETH_HLEN + IPH_TTL)
#define IP_OFF_CSUM   (ETH_HLEN + IPH_CSUM)
#define IP_OFF_SADDR  (ETH_HLEN + IPH_SADDR)
#define IP_OFF_DADDR  (ETH_HLEN + IPH_DADDR)
#define __IP_CSUM_OFF IP_OFF_CSUM

/*
 * Decrement the TTL (the caller checked it is > 1). The checksum covers
 * 16-bit words: TTL shares its word with the protocol. Returns the helper's
 * 0 or -errno. Moves packet data: re-derive pointers afterwards.
 */
static __always_inline int csum_ttl_dec_v4(struct __sk_buff *skb, struct iphdr *ip)
{
	__be16 old = bpf_htons((__u16)ip->ttl << 8 | ip->protocol);
	__be16 new = bpf_htons((__u16)(ip->ttl - 1) << 8 | ip->protocol);

	ip->ttl--;
	return bpf_l3_csum_replace(skb, __IP_CSUM_OFF, old, new, sizeof(new));
}

/* The same, for a header known only by its TTL and protocol (no pointer kept). */
static __always_inline int csum_ttl_dec_at(struct __sk_buff *skb, __u8 ttl, __u8 proto)
{
	__be16 old = bpf_htons((__u16)ttl << 8 | proto);
	__be16 new = bpf_htons((__u16)(ttl - 1) << 8 | proto);
	__u8 nttl = ttl - 1;

	if (bpf_skb_store_bytes(skb, IP_OFF_TTL, &nttl, sizeof(nttl), 0))
		return -1;
	return bpf_l3_csum_replace(skb, IP_OFF_CSUM, old, new, sizeof(new));
}

/* Write a new source or destination address (off: IP_OFF_SADDR/DADDR) and fix the header sum. */
static __always_inline int csum_set_addr_v4(struct __sk_buff *skb, __u32 off, __be32 old,
					    __be32 new)
{
	if (bpf_skb_store_bytes(skb, off, &new, sizeof(new), 0))
		return -1;
	return bpf_l3_csum_replace(skb, IP_OFF_CSUM, old, new, sizeof(new));
}

/* Where a protocol's checksum sits in its header. */
static __always_inline __u32 csum_l4_field(__u8 proto)
{
	return proto == IPPROTO_TCP ? TCPH_CSUM : proto == IPPROTO_UDP ? UDPH_CSUM : ICMPH_CSUM;
}

static __always_inline __u64 __csum_l4_mangle(__u8 proto)
{
	return proto == IPPROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0;
}

/* The pseudo header's share of an address change, for the L4 header at l4_off. */
static __always_inline int csum_l4_addr(struct __sk_buff *skb, __u32 l4_off, __u8 proto, __be32 old,
					__be32 new)
{
	if (proto == IPPROTO_ICMP)
		return 0; /* ICMP sums no pseudo header */
	return bpf_l4_csum_replace(skb, l4_off + csum_l4_field(proto), old, new,
				   BPF_F_PSEUDO_HDR | __csum_l4_mangle(proto) | sizeof(new));
}

/* Write a port or echo id at l4_off + port_off and fix the L4 sum. */
static __always_inline int csum_l4_port(struct __sk_buff *skb, __u32 l4_off, __u32 port_off,
					__u8 proto, __be16 old, __be16 new)
{
	if (old == new)
		return 0;
	if (bpf_skb_store_bytes(skb, l4_off + port_off, &new, sizeof(new), 0))
		return -1;
	return bpf_l4_csum_replace(skb, l4_off + csum_l4_field(proto), old, new,
				   __csum_l4_mangle(proto) | sizeof(new));
}

/* Fold a 32-bit one's complement sum (bpf_csum_diff()'s) into a checksum field. */
static __always_inline __u16 csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

#endif /* NSBPF_LIB_CSUM_H */
