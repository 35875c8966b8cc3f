/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * IPv6 frames for the selftest tables, as pkt.h for IPv4: a struct frame6
 * names the fields (addresses as 16-byte arrays), frame6_build() lays them
 * out with extension headers, UDP or ICMPv6 (neighbour discovery with its
 * target and link-layer address options), and computes the UDP and ICMPv6
 * checksums over the IPv6 pseudo-header from scratch; frame6_csum_ok()
 * checks them again in a frame of any origin.
 */
#ifndef NSBPF_SELFTESTS_FRAME6_H
#define NSBPF_SELFTESTS_FRAME6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pkt.h"

#define HOP_ZERO 0x100 /* hop limit 0 (0 means the default, 64) */

#define ND_NS 135
#define ND_NA 136

#define NA_R 0x80000000u
#define NA_S 0x40000000u
#define NA_O 0x20000000u

#define EXT_HBH	 0
#define EXT_RH	 43
#define EXT_FRAG 44
#define EXT_DST	 60

struct nd_opt {
	uint8_t type; /* 0: none; 1 source, 2 target link-layer address */
	uint8_t len;  /* in 8 bytes; 0 with mac set: 1 */
	const uint8_t *mac;
	bool zero_len; /* send a length of 0 (invalid) */
};

struct frame6 {
	bool valid; /* a frame (the expected-output slot: false = same as the input) */
	const uint8_t *dst, *src; /* Ethernet */
	const uint8_t *saddr;	  /* NULL: the EUI-64 link-local address of src */
	const uint8_t *daddr;	  /* NULL: ff02::1 */
	uint16_t hop;		  /* 0: 64; HOP_ZERO: 0 */
	uint8_t version;	  /* 0: 6 */
	uint8_t proto;		  /* 0: UDP (17); 58 ICMPv6; 6 TCP (20 bytes, no options) */
	uint8_t ext[8];		  /* extension headers in order (EXT_*), n_ext of them */
	uint8_t n_ext;
	uint16_t frag_off; /* EXT_FRAG's offset in 8 bytes (0: first) */
	bool frag_more;	   /* and its M flag */
	uint8_t ext_len;   /* hop-by-hop / destination options: (bytes / 8) - 1 */

	/* ICMPv6 */
	uint8_t icmp_type, icmp_code;
	uint32_t nd_flags;     /* the 4 bytes after the checksum (NA: NA_R | NA_S | NA_O) */
	const uint8_t *target; /* ND_NS / ND_NA: the target (16 bytes) */
	struct nd_opt opt[3];  /* options after the target */
	bool bad_csum;	       /* ICMPv6 / UDP checksum off by one */

	uint16_t payload_len; /* pattern bytes after UDP/ICMPv6 (not ND) headers; 0: 16 */
	uint16_t plen;	      /* IPv6 payload length; 0: computed */
	uint16_t pad_to;      /* append zero bytes up to this length */
	uint16_t trunc;	      /* cut the frame to this length; 0: keep */
};

bool frame6_build(const struct frame6 *f, struct pkt *p);

/*
 * A frame being written byte by byte into buf (frame6.c, icmp6_pkt.c):
 * what would pass PKT_MAX is not written, overflow says so instead.
 */
struct w6 {
	uint8_t *buf;
	size_t len;
	bool overflow;
};

/* n bytes of src, or n zero bytes if src is NULL */
void w6_put(struct w6 *w, const void *src, size_t n);
/* one number, big endian */
void w6_put8(struct w6 *w, uint8_t v);
void w6_put16(struct w6 *w, uint16_t v);
void w6_put32(struct w6 *w, uint32_t v);

/*
 * The upper-layer checksum of l4[0..len) of proto between src and dst, over
 * the IPv6 pseudo header (RFC 8200 8.1), from scratch; icmp6_pkt.c and
 * nat66_frame.c use it too.
 */
uint16_t csum6(const uint8_t *src, const uint8_t *dst, uint8_t proto, const uint8_t *l4,
	       size_t len);

/*
 * The upper-layer checksum of an Ethernet + IPv6 frame without extension
 * headers (UDP or ICMPv6), recomputed from the bytes over the pseudo-header.
 * True for other next headers.
 */
bool frame6_csum_ok(const uint8_t *frame, size_t len);

#endif /* NSBPF_SELFTESTS_FRAME6_H */
