/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Checksum offsets and rules. A translated packet's headers are rewritten
 * in one pass (lib/rewrite.h, rewrite6.h); the ICMP quotes' rewrites
 * (lib/icmp_quote.h, rev_icmp6.h) call the helpers field by field. The
 * rules for bpf_l4_csum_replace(), which keep the skb's checksum state
 * (CHECKSUM_PARTIAL from a veth, COMPLETE from a NIC) right:
 *   an address of the pseudo header (TCP, UDP)  BPF_F_PSEUDO_HDR
 *   a port or echo id (in the data)             no flag: under PARTIAL the
 *                                               device sums the data itself
 *   UDP                                         BPF_F_MARK_MANGLED_0: a zero
 *                                               checksum ("none") stays zero
 *   ICMP                                        plain: no pseudo header
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

/* Where a protocol's checksum sits in its header. */
static __always_inline __u32 csum_l4_field(__u8 proto)
{
	return proto == IPPROTO_TCP ? TCPH_CSUM : proto == IPPROTO_UDP ? UDPH_CSUM : ICMPH_CSUM;
}

static __always_inline __u64 __csum_l4_mangle(__u8 proto)
{
	return proto == IPPROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0;
}

/* Fold a 32-bit one's complement sum (bpf_csum_diff()'s) into a checksum field. */
static __always_inline __u16 csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

#endif /* NSBPF_LIB_CSUM_H */
