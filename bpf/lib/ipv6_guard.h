/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * IPv6 from a node, while labs are IPv4 only: the host learns nothing from
 * it. The loader turns IPv6 off on the host ends (accept_ra=0, autoconf=0,
 * accept_redirects=0, disable_ipv6=1); this is the datapath's half, which
 * holds whatever the host's sysctls say:
 *   the source must be the node's link-local address (fe80::/64 with the
 *   EUI-64 interface id of the frame's source MAC), or :: (duplicate
 *   address detection, MLD before an address)        else ipv6 (dropped)
 *   router advertisements, redirects and router renumbering, also behind
 *   extension headers; fragments                       ipv6 (dropped)
 *   the rest (neighbour and router solicitations, MLD)  to the host stack
 */
#ifndef NSBPF_LIB_IPV6_GUARD_H
#define NSBPF_LIB_IPV6_GUARD_H

#include "lib/parse.h"

#define IPPROTO_HOPOPTS	 0
#define IPPROTO_ROUTING	 43
#define IPPROTO_FRAGMENT 44 /* an IPv6 fragment header: dropped (RFC 6980) */
#define IPPROTO_ICMPV6	 58
#define IPPROTO_DSTOPTS	 60

#define ICMPV6_ROUTER_ADVERT 134
#define ICMPV6_REDIRECT	     137
#define ICMPV6_ROUTER_RENUM  138

#define __IPV6_EXT_MAX 4 /* extension headers walked before ICMPv6 */

/*
 * Is a the link-local address that SLAAC derives from mac (RFC 4291 2.5.1),
 * fe80::/64 with mac's EUI-64 interface id, or :: (no address yet)? Word
 * by word, in the packet's byte order (the constants swapped at compile
 * time): a neighbour solicitation's whole cost is little more than this.
 * mac: the frame's source, 6 bytes; its two overlapping 4-byte loads make
 * the id's halves: mac0^2 mac1 mac2 ff | fe mac3 mac4 mac5.
 */
static __always_inline bool __ipv6_src_ok(const struct in6_addr *a, const __u8 *mac)
{
	const __u32 *w = a->in6_u.u6_addr32;
	__u32 m03 = *(const __u32 *)mac, m25 = *(const __u32 *)(mac + 2);
	__u32 id_hi = ((m03 & bpf_htonl(0xffffff00)) ^ bpf_htonl(0x02000000)) | bpf_htonl(0xff);
	__u32 id_lo = (m25 & bpf_htonl(0x00ffffff)) | bpf_htonl(0xfe000000);

	if (!(w[0] | w[1] | w[2] | w[3]))
		return true;
	return w[0] == bpf_htonl(0xfe800000) && !w[1] && w[2] == id_hi && w[3] == id_lo;
}

/* The ICMPv6 type behind up to __IPV6_EXT_MAX extension headers, or -1 (not ICMPv6). */
static __always_inline int __ipv6_icmp_type(struct __sk_buff *skb, __u8 next)
{
	__u32 off = ETH_HLEN + sizeof(struct ipv6hdr);
	__u8 h[2];

	for (int i = 0; i < __IPV6_EXT_MAX; i++) {
		if (next == IPPROTO_ICMPV6)
			break;
		/*
		 * A fragment: its ICMPv6 header may be in another one, and
		 * neighbour discovery is never fragmented (RFC 6980): not for
		 * the host.
		 */
		if (next == IPPROTO_FRAGMENT)
			return -2;
		if (next != IPPROTO_HOPOPTS && next != IPPROTO_ROUTING && next != IPPROTO_DSTOPTS)
			return -1;
		if (bpf_skb_load_bytes(skb, off, h, sizeof(h)))
			return -2;
		next = h[0];
		off += ((__u32)h[1] + 1) *
		       8; /* this header's length, in 8 bytes past the first 8 */
	}
	if (next != IPPROTO_ICMPV6 || bpf_skb_load_bytes(skb, off, h, 1))
		return -2; /* too deep or cut short: not for the host to parse */
	return h[0];
}

static __always_inline int ipv6_from_node(struct __sk_buff *skb, struct nsb_verdict *v)
{
	struct ethhdr *eth;
	struct ipv6hdr *ip6;
	int type;

	if (!parse_pull(skb, ETH_HLEN + sizeof(*ip6)))
		return nsb_drop(NSB_DROP_SHORT);
	eth = parse_eth_hdr(skb);
	if (!eth)
		return nsb_drop(NSB_DROP_SHORT);
	ip6 = (void *)(eth + 1);
	if ((void *)(ip6 + 1) > skb_data_end(skb))
		return nsb_drop(NSB_DROP_SHORT);
	if (!__ipv6_src_ok(&ip6->saddr, eth->h_source))
		return nsb_drop(NSB_DROP_IPV6);
	/* ICMPv6 right behind the header (neighbour discovery): its type in place */
	if (ip6->nexthdr == IPPROTO_ICMPV6 && (void *)(ip6 + 1) + 1 <= skb_data_end(skb))
		type = *(__u8 *)(ip6 + 1);
	else
		type = __ipv6_icmp_type(skb, ip6->nexthdr);
	if (type == -2 || type == ICMPV6_ROUTER_ADVERT || type == ICMPV6_REDIRECT ||
	    type == ICMPV6_ROUTER_RENUM)
		return nsb_drop(NSB_DROP_IPV6);
	return verdict_pass(v, NSB_PATH_IPV6_PASS);
}

#endif /* NSBPF_LIB_IPV6_GUARD_H */
