/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A small frame builder for the selftest tables. A struct frame describes a
 * frame field by field (named addresses in, wire bytes out); frame_build()
 * lays it out and computes the IPv4 header checksum, and ipv4_csum_ok()
 * verifies one from scratch. Input and expected output packets are both
 * built here, independently of the program under test.
 */
#ifndef NSBPF_SELFTESTS_PKT_H
#define NSBPF_SELFTESTS_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PKT_MAX		256

/* host-order IPv4 address from its dotted quad, usable in static tables */
#define IP4(a, b, c, d)							\
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

#define TTL_ZERO	0x100

enum frame_kind {
	FR_NONE,	/* no frame: "same as the input" in an expected-output slot */
	FR_ARP,
	FR_IPV4,
	FR_IPV6,
	FR_RAW,		/* Ethernet header, then payload_len pattern bytes */
};

struct frame {
	enum frame_kind kind;
	const uint8_t *dst, *src;	/* Ethernet addresses; NULL: all zero */
	uint16_t type;			/* EtherType; 0: the one of kind */
	uint16_t vlan_proto;		/* 0x8100 or 0x88a8: insert a tag with vlan_id */
	uint16_t vlan_id;

	/* FR_ARP */
	uint16_t op;			/* 1 request, 2 reply */
	const uint8_t *sha, *tha;	/* NULL: all zero */
	uint32_t spa, tpa;		/* host order */
	uint16_t htype, ptype;		/* 0: 1 (Ethernet) and 0x0800 */
	uint8_t hlen, plen;		/* 0: 6 and 4 */

	/* FR_IPV4 (payload_len also for FR_IPV6 and FR_RAW) */
	uint32_t saddr, daddr;		/* host order */
	uint16_t ttl;			/* 0: 64; TTL_ZERO: 0 */
	uint8_t proto;			/* 0: UDP */
	uint8_t ihl;			/* 0: 5; options are Router Alert, then NOPs */
	uint8_t version;		/* 0: 4 */
	uint16_t tot_len;		/* 0: computed */
	uint16_t payload_len;		/* 0: 16 pattern bytes */

	/* applied last */
	uint16_t pad_to;		/* append zero bytes up to this length */
	uint16_t trunc;			/* cut the frame to this length; 0: keep */
};

struct pkt {
	uint8_t buf[PKT_MAX];
	size_t len;
};

/* Lays out f into p. Returns false if the frame does not fit PKT_MAX. */
bool frame_build(const struct frame *f, struct pkt *p);

/* The Internet checksum of len bytes (RFC 1071), folded and complemented. */
uint16_t inet_csum(const uint8_t *data, size_t len);

/* Does the IPv4 header at ip (ihl * 4 bytes) carry a valid checksum? */
bool ipv4_csum_ok(const uint8_t *ip);

/* "0000: 02 4e ..." lines for a failure message, into buf. */
void pkt_hex(const uint8_t *data, size_t len, char *buf, size_t size);

#endif /* NSBPF_SELFTESTS_PKT_H */
