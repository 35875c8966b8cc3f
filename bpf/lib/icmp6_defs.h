/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * IPv6 and ICMPv6 as the ICMPv6 errors need them (lib/icmp6.h builds them,
 * lib/rev_icmp6.h translates them): wire structs with the addresses as the
 * ABI keeps them (four __be32, nsbpf_maps6.h; lib/addr6.h tests them),
 * message types, and a bounded walk over a quoted datagram's extension
 * headers (parse6.h walks the frame's own).
 */
#ifndef NSBPF_LIB_ICMP6_DEFS_H
#define NSBPF_LIB_ICMP6_DEFS_H

#include "lib/csum.h"
#include "lib/flow.h"
#include "lib/parse6.h"
#include "lib/addr6.h"

#ifndef ICMPV6_ECHO_REQUEST
#define ICMPV6_ECHO_REQUEST 128
#endif
#define ICMPV6_DEST_UNREACH 1
#define ICMPV6_PKT_TOOBIG   2
#define ICMPV6_TIME_EXCEED  3
#define ICMPV6_PARAMPROB    4
#define ICMPV6_INFO_MIN	    128 /* below: an error message */
#define ICMP6_MIN_MTU	    1280
#define ICMP6_HOP_LIMIT	    64
#define ICMP6_QUOTE_MAX	    (ICMP6_MIN_MTU - sizeof(struct icmp6_ip6) - sizeof(struct icmp6_hdr))
#define __ICMP6_EXT_MAX	    4 /* extension headers walked before the transport header */
#define ICMP6H_CSUM	    2
#define IP6H_PLEN	    4
#define IP6H_HOPS	    7
#define IP6H_SADDR	    8
#define IP6H_DADDR	    24

/* The IPv6 header on the wire, addresses as the ABI keeps them (nsbpf_maps6.h). */
struct icmp6_ip6 {
	__be32 vtc_flow; /* version 4 bits, traffic class 8, flow label 20 */
	__be16 payload_len;
	__u8 nexthdr;
	__u8 hop_limit;
	__be32 saddr[4];
	__be32 daddr[4];
};
_Static_assert(sizeof(struct icmp6_ip6) == 40, "the IPv6 header");

struct icmp6_hdr {
	__u8 type;
	__u8 code;
	__sum16 csum;
	__be32 data; /* Packet Too Big: the MTU; echo: id and sequence; else 0 or a pointer */
};

/* A 64-bit sum of 32-bit one's complement sums, folded into a checksum field. */
static __always_inline __u16 __icmp6_fold64(__u64 sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	return csum_fold((__u32)sum);
}

/*
 * Walk up to __ICMP6_EXT_MAX extension headers from *off (the first one's
 * kind in *next): on return *off is where *next's header starts. A
 * fragment header may only lead a first fragment (the ports follow it).
 * False: cut short, too deep, or a later fragment.
 */
static __always_inline bool icmp6_skip_ext(struct __sk_buff *skb, __u32 *off, __u8 *next)
{
	__u8 h[4];

	for (int i = 0; i < __ICMP6_EXT_MAX; i++) {
		switch (*next) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
			if (bpf_skb_load_bytes(skb, *off, h, 2))
				return false;
			*next = h[0];
			*off += ((__u32)h[1] + 1) * 8;
			break;
		case IPPROTO_FRAGMENT:
			/* next header, reserved, offset (13 bits) and flags */
			if (bpf_skb_load_bytes(skb, *off, h, 4) || ((h[2] << 8 | h[3]) & ~7))
				return false;
			*next = h[0];
			*off += 8;
			break;
		default:
			return true;
		}
	}
	return *next != IPPROTO_HOPOPTS && *next != IPPROTO_ROUTING && *next != IPPROTO_DSTOPTS &&
	       *next != IPPROTO_FRAGMENT;
}

#endif /* NSBPF_LIB_ICMP6_DEFS_H */
