/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * IPv4 header checksum updates, incremental (RFC 1624) through
 * bpf_l3_csum_replace() so that checksum offload state stays right.
 */
#ifndef NSBPF_LIB_CSUM_H
#define NSBPF_LIB_CSUM_H

#include "lib/parse.h"

#define __IP_CSUM_OFF	(ETH_HLEN + offsetof(struct iphdr, check))

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

#endif /* NSBPF_LIB_CSUM_H */
