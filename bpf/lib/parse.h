/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Ethernet, ARP and IPv4 parsing with bounds checks. Parsers return 0 or
 * nsb_drop(reason) and hand out packet pointers that stay valid only until
 * the next helper that can move packet data (bpf_skb_pull_data,
 * bpf_l3_csum_replace, bpf_skb_store_bytes...): re-derive them after one.
 */
#ifndef NSBPF_LIB_PARSE_H
#define NSBPF_LIB_PARSE_H

#include "lib/verdict.h"
#include <bpf/bpf_endian.h>

#define ETH_ALEN     6
#define ETH_HLEN     14
#define ETH_P_IP     0x0800
#define ETH_P_ARP    0x0806
#define ETH_P_8021Q  0x8100
#define ETH_P_8021AD 0x88A8
#define ETH_P_IPV6   0x86DD

#define __PACKET_HOST 0 /* skb->pkt_type PACKET_HOST, linux/if_packet.h */

#define ARPHRD_ETHER  1
#define ARPOP_REQUEST 1
#define ARPOP_REPLY   2

/* ARP for IPv4 over Ethernet (RFC 826), as it sits after the Ethernet header */
struct nsb_arp {
	__be16 htype;
	__be16 ptype;
	__u8 hlen;
	__u8 plen;
	__be16 op;
	__u8 sha[ETH_ALEN]; /* sender MAC */
	__be32 spa;	    /* sender IPv4 */
	__u8 tha[ETH_ALEN]; /* target MAC */
	__be32 tpa;	    /* target IPv4 */
} __attribute__((packed));
_Static_assert(sizeof(struct nsb_arp) == 28, "ARP for IPv4 over Ethernet");

static __always_inline bool mac_eq(const __u8 *a, const __u8 *b)
{
	__u8 diff = 0;

#pragma unroll
	for (int i = 0; i < ETH_ALEN; i++)
		diff |= a[i] ^ b[i];
	return !diff;
}

static __always_inline void mac_copy(__u8 *dst, const __u8 *src)
{
	__builtin_memcpy(dst, src, ETH_ALEN);
}

/*
 * skb->data and skb->data_end, each read by one ctx load. Left to itself,
 * clang may keep &skb->data_end in a register across a helper call and load
 * through it, which the verifier refuses ("dereference of modified ctx ptr").
 */
#define __SKB_PTR(skb, field)                                                     \
	({                                                                        \
		void *__p;                                                        \
		asm volatile("%0 = *(u32 *)(%1 + %2)"                             \
			     : "=r"(__p)                                          \
			     : "r"(skb), "i"(offsetof(struct __sk_buff, field))); \
		__p;                                                              \
	})
#define skb_data(skb)	  __SKB_PTR(skb, data)
#define skb_data_end(skb) __SKB_PTR(skb, data_end)

/*
 * Make the first len bytes of the frame linear (direct access only sees the
 * linear part). False: the frame is shorter than len. May move packet data.
 */
static __always_inline bool parse_pull(struct __sk_buff *skb, __u32 len)
{
	if (skb_data(skb) + len <= skb_data_end(skb))
		return true;
	return skb->len >= len && !bpf_skb_pull_data(skb, len);
}

/* The Ethernet header, or NULL: also how callers re-derive it after a helper. */
static __always_inline struct ethhdr *parse_eth_hdr(struct __sk_buff *skb)
{
	struct ethhdr *eth = skb_data(skb);

	if ((void *)(eth + 1) > skb_data_end(skb))
		return NULL;
	return eth;
}

/* *proto: the EtherType, host order. */
static __always_inline int parse_eth(struct __sk_buff *skb, __u16 *proto)
{
	struct ethhdr *eth;

	if (!parse_pull(skb, ETH_HLEN))
		return nsb_drop(NSB_DROP_SHORT);
	eth = parse_eth_hdr(skb);
	if (!eth)
		return nsb_drop(NSB_DROP_SHORT);
	*proto = bpf_ntohs(eth->h_proto);
	return 0;
}

/* Any length problem or a non Ethernet/IPv4 ARP is MALFORMED_ARP. */
static __always_inline int parse_arp(struct __sk_buff *skb, struct ethhdr **ethp,
				     struct nsb_arp **arpp)
{
	struct ethhdr *eth;
	struct nsb_arp *arp;

	if (!parse_pull(skb, ETH_HLEN + sizeof(*arp)))
		return nsb_drop(NSB_DROP_MALFORMED_ARP);
	eth = parse_eth_hdr(skb);
	if (!eth)
		return nsb_drop(NSB_DROP_MALFORMED_ARP);
	arp = (void *)(eth + 1);
	if ((void *)(arp + 1) > skb_data_end(skb))
		return nsb_drop(NSB_DROP_MALFORMED_ARP);
	if (arp->htype != bpf_htons(ARPHRD_ETHER) || arp->ptype != bpf_htons(ETH_P_IP) ||
	    arp->hlen != ETH_ALEN || arp->plen != 4)
		return nsb_drop(NSB_DROP_MALFORMED_ARP);
	*ethp = eth;
	*arpp = arp;
	return 0;
}

/*
 * A fixed IPv4 header cut short is SHORT; a header whose fields do not add
 * up (version, IHL < 5, total length outside [IHL * 4, bytes after the
 * Ethernet header]) is MALFORMED_IP. Options (IHL > 5) are legal; they need
 * not be linear, as nothing here reads them. Trailing bytes beyond the total
 * length (Ethernet padding) are legal too.
 */
static __always_inline int parse_ipv4(struct __sk_buff *skb, struct ethhdr **ethp,
				      struct iphdr **ipp)
{
	struct ethhdr *eth;
	struct iphdr *ip;
	__u32 hlen, tot;

	if (!parse_pull(skb, ETH_HLEN + sizeof(*ip)))
		return nsb_drop(NSB_DROP_SHORT);
	eth = parse_eth_hdr(skb);
	if (!eth)
		return nsb_drop(NSB_DROP_SHORT);
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > skb_data_end(skb))
		return nsb_drop(NSB_DROP_SHORT);
	if (ip->version != 4 || ip->ihl < 5)
		return nsb_drop(NSB_DROP_MALFORMED_IP);
	hlen = ip->ihl * 4;
	tot = bpf_ntohs(ip->tot_len);
	/* hlen <= tot <= what follows Ethernet: the header lies within the packet */
	if (tot < hlen || tot > skb->len - ETH_HLEN)
		return nsb_drop(NSB_DROP_MALFORMED_IP);
	*ethp = eth;
	*ipp = ip;
	return 0;
}

#endif /* NSBPF_LIB_PARSE_H */
