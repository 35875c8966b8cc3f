/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A small frame builder for the selftest tables. A struct frame describes a
 * frame field by field (named addresses in, wire bytes out); frame_build()
 * lays it out and computes every checksum (IPv4 header, TCP and UDP with
 * their pseudo header, ICMP), and frame_csums_ok() verifies them all again
 * from scratch in a frame of any origin. Input and expected output packets
 * are both built here, independently of the program under test.
 */
#ifndef NSBPF_SELFTESTS_PKT_H
#define NSBPF_SELFTESTS_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PKT_MAX 2048

/* host-order IPv4 address from its dotted quad, usable in static tables */
#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

/* field values that are not the default even though they are 0 */
#define TTL_ZERO 0x100
#define SET16(x) (0x10000 | (uint16_t)(x)) /* ip_id, frag_off: exactly x */

#define IPF_DF 0x4000
#define IPF_MF 0x2000

#define TCPF_FIN 0x01
#define TCPF_SYN 0x02
#define TCPF_RST 0x04
#define TCPF_PSH 0x08
#define TCPF_ACK 0x10

#define TCP_ISN 0x01020304 /* the default initial sequence number, both ways */

enum frame_kind {
	FR_NONE, /* no frame: "same as the input" in an expected-output slot */
	FR_ARP,
	FR_IPV4, /* IPv4, then payload_len pattern bytes (no transport header) */
	FR_IPV6,
	FR_RAW,	  /* Ethernet header, then payload_len pattern bytes */
	FR_TCP4,  /* IPv4 + TCP (20 bytes) + payload_len pattern bytes */
	FR_UDP4,  /* IPv4 + UDP + payload_len pattern bytes */
	FR_ICMP4, /* IPv4 + ICMP: echo with payload_len bytes, or an error quoting `quote` */
};

struct frame {
	enum frame_kind kind;
	const uint8_t *dst, *src; /* Ethernet addresses; NULL: all zero */
	uint16_t type;		  /* EtherType; 0: the one of kind */
	uint16_t vlan_proto;	  /* 0x8100 or 0x88a8: insert a tag with vlan_id */
	uint16_t vlan_id;

	/* FR_ARP */
	uint16_t op;		  /* 1 request, 2 reply */
	const uint8_t *sha, *tha; /* NULL: all zero */
	uint32_t spa, tpa;	  /* host order */
	uint16_t htype, ptype;	  /* 0: 1 (Ethernet) and 0x0800 */
	uint8_t hlen, plen;	  /* 0: 6 and 4 */

	/* IPv4 (payload_len also for FR_IPV6 and FR_RAW) */
	uint32_t saddr, daddr; /* host order */
	uint16_t ttl;	       /* 0: 64; TTL_ZERO: 0 */
	uint8_t proto;	       /* FR_IPV4 only, 0: UDP; the others set their own */
	uint8_t ihl;	       /* 0: 5; options are Router Alert, then NOPs */
	uint8_t version;       /* 0: 4 */
	uint8_t tos;
	uint32_t ip_id;	      /* 0: 0x1234; SET16(x): x */
	uint32_t frag_off;    /* 0: DF; SET16(x): x (IPF_* | offset in 8-byte units) */
	uint16_t tot_len;     /* 0: computed */
	uint16_t payload_len; /* 0: 16 pattern bytes (FR_ICMP4 echo: 16 too) */
	/*
	 * A fragment: the transport header and payload are laid out (and
	 * summed) whole, then only frag_len bytes from frag_at are sent. Set
	 * frag_off to match. frag_len 0: all of it.
	 */
	uint16_t frag_at, frag_len;

	/* FR_IPV6 (proto: 58 for ICMPv6 with icmp_type, else no next header) */
	const uint8_t *saddr6; /* NULL: the EUI-64 link-local of src */
	uint8_t ip6_ext;       /* destination options headers before ICMPv6 */
	uint8_t ip6_ext_len;   /* their length field: (bytes / 8) - 1 */
	bool ip6_frag;	       /* a fragment header after them */

	/* FR_TCP4, FR_UDP4 */
	uint32_t sport, dport;	 /* host order; PORT_VAR(n) in the NAT tables */
	uint8_t tcp_flags;	 /* TCPF_* */
	uint32_t seq, ack;	 /* 0: SYN TCP_ISN, else TCP_ISN + 1; ack TCP_ISN + 1 with ACK */
	const uint8_t *tcp_opts; /* options after the 20-byte header, as sent */
	uint8_t tcp_opts_len;	 /* a multiple of 4, up to 40 */
	bool no_csum;		 /* UDP: checksum 0 (none) */

	/* FR_ICMP4 */
	uint8_t icmp_type, icmp_code;
	uint32_t icmp_id; /* echo; PORT_VAR(n) in the NAT tables */
	uint16_t icmp_seq;
	uint16_t icmp_mtu;	   /* next-hop MTU (type 3 code 4) */
	const struct frame *quote; /* errors: the datagram quoted, from its IPv4 header */
	uint16_t quote_len;	   /* bytes of it; 0: its IPv4 header + 8 */

	/* applied last */
	uint16_t pad_to; /* append zero bytes up to this length */
	uint16_t trunc;	 /* cut the frame to this length; 0: keep */
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

/*
 * Every checksum of an Ethernet + IPv4 frame, recomputed from the bytes: the
 * IPv4 header; TCP and UDP over their pseudo header (UDP 0: none); ICMP over
 * its message; for an ICMP error, the quoted IPv4 header too, and the quoted
 * TCP/UDP checksum when the whole quoted datagram is there. Fragments: the
 * IPv4 header only. Returns false with the reason in why.
 */
bool frame_csums_ok(const uint8_t *frame, size_t len, char *why, size_t why_len);

/* "0000: 02 4e ..." lines for a failure message, into buf. */
void pkt_hex(const uint8_t *data, size_t len, char *buf, size_t size);

#endif /* NSBPF_SELFTESTS_PKT_H */
