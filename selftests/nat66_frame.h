/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * NAT66's frames for the selftests (nat66_test.c, bench_nat66.c): Ethernet
 * + IPv6 + TCP (20 bytes), UDP or ICMPv6 (an echo, or a message of any type
 * with an 8-byte header), its checksum computed from scratch over the IPv6
 * pseudo-header; f6_csum_ok() checks every L4 checksum again in a frame of
 * any origin. No code shared with the BPF side.
 */
#ifndef NSBPF_SELFTESTS_NAT66_FRAME_H
#define NSBPF_SELFTESTS_NAT66_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pkt.h"

enum f6_kind { F6_NONE, F6_TCP, F6_UDP, F6_ICMP };

/* An Ethernet + IPv6 frame: TCP (20 bytes), UDP or ICMPv6, with payload_len pattern bytes. */
struct f6 {
	enum f6_kind kind;
	const uint8_t *dst, *src;     /* Ethernet */
	const uint8_t *saddr, *daddr; /* 16 bytes each */
	uint8_t hop;		      /* 0: 64 */
	uint32_t sport, dport;	      /* host order; ICMPv6 echo: sport is the id */
	uint8_t flags;		      /* TCP */
	uint32_t seq, ack;	      /* TCP; 0: TCP_ISN (+1 without SYN), ack TCP_ISN + 1 */
	uint16_t win;		      /* TCP; 0: 64240 */
	uint8_t type, code;	      /* ICMPv6; 0: echo request (128) */
	uint16_t payload_len;	      /* 0: 16 */
	bool no_csum;		      /* UDP: checksum 0 */
	bool frag;		      /* a fragment header (offset 0, M set) before the L4 header */
	/*
	 * A fragment of a datagram of frag_total pattern bytes after its L4
	 * header (0: payload_len, the first fragment is all of it): the first
	 * (.frag) carries the L4 header, its length and checksum over the whole
	 * datagram, and payload_len of its bytes; a later one (frag_off > 0,
	 * in 8 bytes) payload_len bytes and no L4 header.
	 */
	uint16_t frag_total;
	uint16_t frag_off;
	bool frag_last;	  /* a later fragment with M clear */
	uint32_t frag_id; /* 0: 0x12345678 */
};

/*
 * A UDP datagram of 3000 bytes the node's stack cut at its 1280-byte MTU:
 * the first fragment carries the UDP header and 1224 bytes (its sum is the
 * whole datagram's), then fragments at 1232 and 2464 bytes (offsets 154
 * and 308). The expected first fragment is built from scratch with the new
 * address and port over the whole datagram: its bytes matching says the
 * sum was adjusted by exactly the address and port's delta.
 */
#define FRAG1(id) .frag = true, .frag_id = (id), .frag_total = 3000, .payload_len = 1224
#define FRAG2(id) .frag_id = (id), .frag_off = 154, .payload_len = 1232
#define FRAG3(id) .frag_id = (id), .frag_off = 308, .frag_last = true, .payload_len = 544

/* Lays out f into p; false if it does not fit PKT_MAX. */
bool f6_build(const struct f6 *f, struct pkt *p);

/*
 * Every L4 checksum of an Ethernet + IPv6 frame (a fragment header walked),
 * from scratch; a fragment of a longer datagram has no sum of its own to
 * check (the whole datagram's is in its first: compare its bytes).
 */
bool f6_csum_ok(const uint8_t *fr, size_t len, char *why, size_t wl);

#endif /* NSBPF_SELFTESTS_NAT66_FRAME_H */
