/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The datagram an ICMP error quotes (RFC 5508): when the NAT translates the
 * error, it translates the quote the other way round. One side of the
 * quoted tuple is rewritten: its address (source or destination) with the
 * quoted IPv4 header sum, whose two changes cancel out in the ICMP sum that
 * covers both; its port (or echo id), which nothing in the quote makes up
 * for; and the quoted transport checksum when it is there, with the ICMP
 * sum following the checksum field's own change. No BPF_F_PSEUDO_HDR: the
 * quoted addresses are packet data, not the skb's pseudo header.
 */
#ifndef NSBPF_LIB_ICMP_QUOTE_H
#define NSBPF_LIB_ICMP_QUOTE_H

#include "lib/csum.h"
#include "lib/flow.h"

#define IPH_DADDR 16

struct icmp_quote_nat {
	__u32 in_off;	 /* the quoted IPv4 header */
	__u32 in_l4;	 /* the quoted transport header */
	__u32 icmp_csum; /* the ICMP checksum field */
	__u32 end; /* where the error's datagram ends (frame offset): a trailer is not quoted */
	__u32 addr_off; /* IPH_SADDR or IPH_DADDR */
	__u32 port_off; /* L4_SPORT, L4_DPORT or ICMP_ID */
	__be32 old_addr, new_addr;
	__be16 old_port, new_port;
	__u8 proto; /* the quoted datagram's */
};

/* 0, or -1 when a helper failed. */
static __always_inline int icmp_quote_rewrite(struct __sk_buff *skb, const struct icmp_quote_nat *q)
{
	__u32 csum_off = q->in_l4 + csum_l4_field(q->proto);
	__be16 old_sum, new_sum;
	__u64 mangle;

	if (bpf_skb_store_bytes(skb, q->in_off + q->addr_off, &q->new_addr, 4, 0) ||
	    bpf_l3_csum_replace(skb, q->in_off + IPH_CSUM, q->old_addr, q->new_addr, 4))
		return -1;
	if (bpf_skb_store_bytes(skb, q->in_l4 + q->port_off, &q->new_port, 2, 0) ||
	    bpf_l4_csum_replace(skb, q->icmp_csum, q->old_port, q->new_port, 2))
		return -1;
	if (csum_off + sizeof(old_sum) > q->end)
		return 0; /* the transport checksum is not quoted */
	mangle = q->proto == IPPROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0;
	if (bpf_skb_load_bytes(skb, csum_off, &old_sum, sizeof(old_sum)))
		return -1;
	if (q->proto != IPPROTO_ICMP &&
	    bpf_l4_csum_replace(skb, csum_off, q->old_addr, q->new_addr, mangle | 4))
		return -1;
	if (bpf_l4_csum_replace(skb, csum_off, q->old_port, q->new_port, mangle | 2) ||
	    bpf_skb_load_bytes(skb, csum_off, &new_sum, sizeof(new_sum)) ||
	    bpf_l4_csum_replace(skb, q->icmp_csum, old_sum, new_sum, 2))
		return -1;
	return 0;
}

#endif /* NSBPF_LIB_ICMP_QUOTE_H */
