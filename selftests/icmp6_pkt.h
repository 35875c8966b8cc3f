/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * IPv6 frames for the ICMPv6 error tables (icmp6_test.c): Ethernet + IPv6
 * + TCP, UDP or ICMPv6 (echo, or an error quoting another i6frame), every
 * checksum computed here from scratch over the IPv6 pseudo header, and
 * checked again from scratch in a frame of any origin. Written byte by
 * byte, sharing nothing with the BPF side (as pkt.c for IPv4).
 */
#ifndef NSBPF_SELFTESTS_ICMP6_PKT_H
#define NSBPF_SELFTESTS_ICMP6_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pkt.h"

/* an IPv6 address in a static table: its 16 bytes from eight 16-bit groups */
#define A6(a, b, c, d, e, f, g, h)                                                        \
	((const uint8_t[16]){ (a) >> 8, (a)&0xff, (b) >> 8, (b)&0xff, (c) >> 8, (c)&0xff, \
			      (d) >> 8, (d)&0xff, (e) >> 8, (e)&0xff, (f) >> 8, (f)&0xff, \
			      (g) >> 8, (g)&0xff, (h) >> 8, (h)&0xff })

#define P6_TCP	  6
#define P6_UDP	  17
#define P6_ICMPV6 58

struct i6frame {
	const uint8_t *dst, *src;     /* Ethernet; NULL: all zero */
	const uint8_t *saddr, *daddr; /* 16 bytes each */
	uint16_t hops;		      /* 0: 64; HOPS_ZERO: 0 */
	uint8_t proto;		      /* P6_TCP, P6_UDP, P6_ICMPV6 */
	uint8_t dstopts;	      /* destination options headers (8 bytes each) first */
	uint16_t payload_len;	      /* pattern bytes after the transport header; 0: 16 */
	uint16_t trailer;	      /* zero bytes after the datagram, outside its length */

	uint16_t sport, dport; /* TCP, UDP */
	uint8_t tcp_flags;
	bool no_csum; /* UDP: checksum 0 */

	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id, icmp_seq;  /* echo */
	uint32_t icmp_data;	     /* errors: the MTU, the pointer */
	const struct i6frame *quote; /* errors: the datagram quoted, from its IPv6 header */
	uint16_t quote_len;	     /* bytes of it; 0: all */
};

#define HOPS_ZERO 0x100

/* Lays out f into p; false if it does not fit. */
bool i6frame_build(const struct i6frame *f, struct pkt *p);

/*
 * Every checksum of an Ethernet + IPv6 frame, recomputed from the bytes
 * over the pseudo header (destination options walked): TCP, UDP (0 is
 * wrong in IPv6), ICMPv6; in an ICMPv6 error, the quoted datagram's
 * transport checksum too when all of it is quoted. False, why says why.
 */
bool i6frame_csums_ok(const uint8_t *frame, size_t len, char *why, size_t why_len);

#endif /* NSBPF_SELFTESTS_ICMP6_PKT_H */
