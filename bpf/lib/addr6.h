/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * IPv6 addresses as four wire-order words (struct in6_addr's u6_addr32,
 * the maps' __be32 addr[4]): compares and classes, each a few ALU ops on
 * words, the constants swapped at compile time.
 */
#ifndef NSBPF_LIB_ADDR6_H
#define NSBPF_LIB_ADDR6_H

#include <bpf/bpf_endian.h>

static __always_inline bool addr6_eq(const __be32 *a, const __be32 *b)
{
	return !((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]));
}

static __always_inline void addr6_copy(__be32 *dst, const __be32 *src)
{
	dst[0] = src[0];
	dst[1] = src[1];
	dst[2] = src[2];
	dst[3] = src[3];
}

/* :: */
static __always_inline bool addr6_any(const __be32 *a)
{
	return !(a[0] | a[1] | a[2] | a[3]);
}

/* ff00::/8 */
static __always_inline bool addr6_multicast(const __be32 *a)
{
	return (a[0] & bpf_htonl(0xff000000)) == bpf_htonl(0xff000000);
}

/* fe80::/10 */
static __always_inline bool addr6_linklocal(const __be32 *a)
{
	return (a[0] & bpf_htonl(0xffc00000)) == bpf_htonl(0xfe800000);
}

/*
 * No node's business, as IPv4's 0/8 and 127/8: :: and ::1 (the host's
 * own), ::ffff:0:0/96 (IPv4-mapped: IPv4 in an IPv6 socket, never on the
 * wire, RFC 4291 2.5.5.2).
 */
static __always_inline bool addr6_martian(const __be32 *a)
{
	if (a[0] | a[1])
		return false;
	if (!a[2])
		return a[3] == 0 || a[3] == bpf_htonl(1);
	return a[2] == bpf_htonl(0x0000ffff);
}

/* Is a in subnet/plen (plen 0..128; subnet's host bits zero)? */
static __always_inline bool addr6_in(const __be32 *a, const __be32 *subnet, __u32 plen)
{
	__be32 diff = 0;

#pragma unroll
	for (int i = 0; i < 4; i++) {
		__u32 bits = plen > 32 * i ? plen - 32 * i : 0;
		__u32 mask = bits >= 32 ? ~0U : bits ? ~0U << (32 - bits) : 0;

		diff |= (a[i] ^ subnet[i]) & bpf_htonl(mask);
	}
	return !diff;
}

/*
 * Is a the link-local address SLAAC derives from mac (RFC 4291 2.5.1):
 * fe80::/64 with mac's modified EUI-64 interface id,
 * mac0^2 mac1 mac2 ff : fe mac3 mac4 mac5? Byte by byte: mac may sit
 * anywhere (a map value at an odd offset).
 */
static __always_inline bool addr6_is_ll_of(const __be32 *a, const __u8 *mac)
{
	__u32 hi =
		((__u32)(mac[0] ^ 2) << 24) | ((__u32)mac[1] << 16) | ((__u32)mac[2] << 8) | 0xff;
	__u32 lo = 0xfe000000 | ((__u32)mac[3] << 16) | ((__u32)mac[4] << 8) | mac[5];

	return a[0] == bpf_htonl(0xfe800000) && !a[1] && a[2] == bpf_htonl(hi) &&
	       a[3] == bpf_htonl(lo);
}

/* ff02::1:ffXX:XXXX, the solicited-node multicast address of target (RFC 4291 2.7.1) */
static __always_inline bool addr6_is_snm_of(const __be32 *a, const __be32 *target)
{
	return a[0] == bpf_htonl(0xff020000) && !a[1] && a[2] == bpf_htonl(1) &&
	       a[3] == (bpf_htonl(0xff000000) | (target[3] & bpf_htonl(0x00ffffff)));
}

#endif /* NSBPF_LIB_ADDR6_H */
