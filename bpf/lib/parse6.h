/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * IPv6 parsing with bounds checks, as lib/parse.h for IPv4: the fixed
 * header by direct packet access, then a bounded walk over the extension
 * headers to the upper-layer protocol. The walk reads through
 * bpf_skb_load_bytes(), so extension headers need not be linear, and it
 * moves no packet data: the header pointers stay valid across it.
 */
#ifndef NSBPF_LIB_PARSE6_H
#define NSBPF_LIB_PARSE6_H

#include "lib/parse.h"

#ifndef IPPROTO_HOPOPTS /* linux/in6.h's, not in vmlinux.h */
#define IPPROTO_HOPOPTS	 0
#define IPPROTO_ROUTING	 43
#define IPPROTO_FRAGMENT 44
#define IPPROTO_ICMPV6	 58
#define IPPROTO_NONE	 59
#define IPPROTO_DSTOPTS	 60
#endif		       /* IPPROTO_HOPOPTS */
#define IPPROTO_MH 135 /* mobility header: an extension header (RFC 6275) */

#define IPV6_HLEN 40

/*
 * Extension headers walked before the walk gives up (NSB_DROP_IPV6): RFC
 * 8200 allows one of each (destination options twice), and a real stack
 * sends at most hop-by-hop, routing and fragment; deeper chains are the
 * "too many headers" evasion RFC 7112 warns about.
 */
#define PARSE6_EXT_MAX 6

enum nsb_frag6 {
	NSB_FRAG6_NONE = 0,  /* no fragment header */
	NSB_FRAG6_FIRST = 1, /* offset 0: the upper-layer header is here (M may be 0: atomic) */
	NSB_FRAG6_LATER = 2, /* offset > 0: only payload follows, no upper-layer header */
};

/* What the walk found; 12 bytes of stack. */
struct ipv6_l4 {
	__u32 off;	/* upper-layer header (or a later fragment's data) from the frame's start */
	__u8 proto;	/* IPPROTO_TCP, _UDP, _ICMPV6, _NONE, _ESP, ... */
	__u8 frag;	/* enum nsb_frag6 */
	__u8 frag_more; /* the fragment header's M flag */
	__u8 exts;	/* extension headers walked */
	__be32 frag_id; /* the fragment header's identification, 0 without one */
};

/*
 * The fixed header, as parse_ipv4(): cut short is SHORT; version not 6 or a
 * payload length beyond the frame is MALFORMED_IP. Trailing bytes beyond the
 * payload length (Ethernet padding) are legal.
 */
static __always_inline int parse_ipv6(struct __sk_buff *skb, struct ethhdr **ethp,
				      struct ipv6hdr **ip6p)
{
	struct ethhdr *eth;
	struct ipv6hdr *ip6;

	if (!parse_pull(skb, ETH_HLEN + IPV6_HLEN))
		return nsb_drop(NSB_DROP_SHORT);
	eth = parse_eth_hdr(skb);
	if (!eth)
		return nsb_drop(NSB_DROP_SHORT);
	ip6 = (void *)(eth + 1);
	if ((void *)(ip6 + 1) > skb_data_end(skb))
		return nsb_drop(NSB_DROP_SHORT);
	if (ip6->version != 6 || bpf_ntohs(ip6->payload_len) > skb->len - ETH_HLEN - IPV6_HLEN)
		return nsb_drop(NSB_DROP_MALFORMED_IP);
	*ethp = eth;
	*ip6p = ip6;
	return 0;
}

/*
 * Walk hop-by-hop, routing, destination options, fragment, AH and mobility
 * headers from ip6's next header to the upper-layer protocol. 0 and *l4
 * filled, or: an extension header that does not fit in the payload length
 * SHORT; more than PARSE6_EXT_MAX of them IPV6. A later fragment ends the
 * walk at its fragment header (l4->proto: the fragment header's next
 * header, l4->off: its data). ESP and unknown next headers end it too: they
 * are the upper layer as far as a router is concerned.
 */
static __always_inline int parse_ipv6_l4(struct __sk_buff *skb, const struct ipv6hdr *ip6,
					 struct ipv6_l4 *l4)
{
	__u32 off = ETH_HLEN + IPV6_HLEN;
	__u32 end = off + bpf_ntohs(ip6->payload_len);
	__u8 next = ip6->nexthdr;
	__u8 h[8];

	l4->frag = NSB_FRAG6_NONE;
	l4->frag_more = 0;
	l4->frag_id = 0;
	/*
	 * Unrolled: left a loop, clang enters it at its condition, and the
	 * body's last instruction falls through into it, a back-edge 6.1's
	 * check_cfg() refuses ("back-edge from insn N to N+1") whatever the
	 * bound.
	 */
#pragma unroll
	for (int i = 0; i <= PARSE6_EXT_MAX; i++) {
		if (next != IPPROTO_HOPOPTS && next != IPPROTO_ROUTING &&
		    next != IPPROTO_FRAGMENT && next != IPPROTO_DSTOPTS && next != IPPROTO_AH &&
		    next != IPPROTO_MH) {
			if (off > end)
				return nsb_drop(NSB_DROP_SHORT); /* the last one claimed more */
			l4->off = off;
			l4->proto = next;
			l4->exts = i;
			return 0;
		}
		if (i == PARSE6_EXT_MAX)
			break;
		/* every extension header is at least 8 bytes, its first two: next, length */
		if (off + sizeof(h) > end || bpf_skb_load_bytes(skb, off, h, sizeof(h)))
			return nsb_drop(NSB_DROP_SHORT);
		if (next == IPPROTO_FRAGMENT) {
			__u16 fo = ((__u16)h[2] << 8) | h[3]; /* offset << 3 | res | M */

			l4->frag_more = fo & 1;
			__builtin_memcpy(&l4->frag_id, &h[4], sizeof(l4->frag_id));
			off += 8;
			if (fo & 0xfff8) {
				if (off > end)
					return nsb_drop(NSB_DROP_SHORT);
				l4->frag = NSB_FRAG6_LATER;
				l4->off = off;
				l4->proto = h[0];
				l4->exts = i + 1;
				return 0;
			}
			l4->frag = NSB_FRAG6_FIRST;
		} else if (next == IPPROTO_AH) {
			off += ((__u32)h[1] + 2) * 4; /* in 4-byte words, minus 2 (RFC 4302) */
		} else {
			off += ((__u32)h[1] + 1) * 8; /* in 8 bytes, past the first 8 */
		}
		next = h[0];
	}
	return nsb_drop(NSB_DROP_IPV6); /* too deep: no verdict on what lies behind */
}

#endif /* NSBPF_LIB_PARSE6_H */
