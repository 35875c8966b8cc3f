/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ICMPv6 errors a router owes the sender (RFC 4443), built in BPF out of
 * the offending packet itself and sent back out of the veth it came in by,
 * towards the node: Packet Too Big (too big for the uplink: nothing on the
 * way fragments IPv6, and the MTU field tells the node's PMTU discovery
 * what fits) and Time Exceeded (hop limit exhausted leaving the lab). As
 * Linux sends them as a router: from its address on the interface the
 * packet came in by, the node's gateway6 (networks6; the uplink's IPv6
 * address for a network without one), hop limit 64, traffic class and
 * flow label 0.
 *
 * The quote is as much of the offending packet, from its IPv6 header, as
 * fits the minimum MTU (RFC 4443 2.4 (c)): 1280 - 40 - 8 = ICMP6_QUOTE_MAX
 * bytes, not rounded (Linux's icmp6_send() quotes the same). A trailer past
 * the payload length is not quoted. The ICMPv6 checksum covers a pseudo
 * header (RFC 8200 8.1): summed here with bpf_csum_diff() over the
 * addresses and the ICMPv6 header, and over the quote in chunks, all in
 * the scratch room (a bounded loop, 11 rounds at most). As with
 * IPv4 (lib/icmp.h), a CHECKSUM_PARTIAL segment stays PARTIAL: the node's
 * stack takes the error as verified; its checksum is right all the same.
 *
 * No error about an ICMPv6 error, nor to a source that names no one node
 * (::, multicast: RFC 4443 2.4 (e)): dropped as the path's drop (ttl, mtu).
 *
 * The callers (NAT66's router checks, lib/masq6.h) call icmp6_too_big() and
 * icmp6_time_exceeded(): one global function that finishes its own verdict
 * (verdict_done()), to return as it is. It overwrites the scratch room.
 */
#ifndef NSBPF_LIB_ICMP6_H
#define NSBPF_LIB_ICMP6_H

#include "lib/icmp6_defs.h"

struct __icmp6_err_hdr {
	struct icmp6_ip6 ip6;
	struct icmp6_hdr icmp6;
};

/* The errors' source: the node's gateway6, the hop that refuses (or the uplink's). */
static __always_inline bool __icmp6_gateway(const struct nsb_config *cfg, __u32 net_id,
					    __be32 *saddr)
{
	const struct nsb_network6 *net = bpf_map_lookup_elem(&networks6, &net_id);

	if (net && net->prefixlen && !addr6_any(net->gateway))
		addr6_copy(saddr, net->gateway);
	else if (cfg && !addr6_any(cfg->uplink_addr6))
		addr6_copy(saddr, cfg->uplink_addr6);
	else
		return false;
	return true;
}

/* Is the packet at the frame's IPv6 header an ICMPv6 error (no error about one)? */
static __always_inline bool __icmp6_is_error(struct __sk_buff *skb, __u8 next)
{
	__u32 off = ETH_HLEN + sizeof(struct icmp6_ip6);
	__u8 type;

	if (!icmp6_skip_ext(skb, &off, &next))
		return false; /* a later fragment, or too deep to tell: not known as one */
	return next == IPPROTO_ICMPV6 && !bpf_skb_load_bytes(skb, off, &type, 1) &&
	       type < ICMPV6_INFO_MIN;
}

/*
 * The scratch room while an error is built: its headers, then the quote's
 * chunks (the headers off the stack: the builder runs at the end of
 * from_node's chain, 6.1 sums 5 frames there).
 */
struct __icmp6_room {
	struct __icmp6_err_hdr h;
	__be32 chunk[(sizeof(((union nsb_scratch *)0)->words) - sizeof(struct __icmp6_err_hdr)) /
		     4];
};
#define __ICMP6_CHUNK  sizeof(((struct __icmp6_room *)0)->chunk)
#define __ICMP6_CHUNKS ((ICMP6_QUOTE_MAX + __ICMP6_CHUNK - 1) / __ICMP6_CHUNK)
_Static_assert(sizeof(struct __icmp6_room) <= sizeof(((union nsb_scratch *)0)->words),
	       "the error's room fits the scratch room");

/*
 * Turn the IPv6 packet src sent into an ICMPv6 error of type (code 0) with
 * data in its fourth word (the MTU of a Packet Too Big), and send it back
 * out of the ingress veth.
 */
static __always_inline int __icmp6_error(struct __sk_buff *skb, struct nsb_verdict *v,
					 const struct nsb_endpoint *src, __u8 type, __u32 data,
					 enum nsb_path path)
{
	enum nsb_drop refuse = path == NSB_PATH_FRAG_NEEDED ? NSB_DROP_MTU : NSB_DROP_TTL;
	__u32 zero = 0, plen, qlen, off, net_id = src->net_id;
	struct __icmp6_err_hdr *h;
	struct __icmp6_room *r;
	struct ethhdr eth;
	__u64 sum, n, n4; /* 64-bit: bounds checked on what the helpers get */

	/* src may live in a scratch room of the caller's: read all of it first */
	mac_copy(eth.h_dest, src->node_mac);
	mac_copy(eth.h_source, src->host_mac);
	eth.h_proto = bpf_htons(ETH_P_IPV6);
	r = bpf_map_lookup_elem(&scratch, &zero);
	if (!r)
		return nsb_drop(NSB_DROP_ICMP_GEN);
	h = &r->h;
	__builtin_memset(&h->icmp6, 0, sizeof(h->icmp6));

	if (bpf_skb_load_bytes(skb, ETH_HLEN, &h->ip6, sizeof(h->ip6)) ||
	    (bpf_ntohl(h->ip6.vtc_flow) >> 28) != 6)
		return nsb_drop(NSB_DROP_ICMP_GEN);
	if (addr6_any(h->ip6.saddr) || addr6_multicast(h->ip6.saddr) ||
	    __icmp6_is_error(skb, h->ip6.nexthdr))
		return nsb_drop(refuse);
	/* the datagram without a trailer; payload length 0: a jumbo (BIG TCP) GSO packet */
	plen = bpf_ntohs(h->ip6.payload_len);
	qlen = skb->len - ETH_HLEN;
	if (plen && sizeof(h->ip6) + plen < qlen)
		qlen = sizeof(h->ip6) + plen;
	if (qlen > ICMP6_QUOTE_MAX)
		qlen = ICMP6_QUOTE_MAX;

	/* the error goes to the sender, from the gateway */
	addr6_copy(h->ip6.daddr, h->ip6.saddr);
	if (!__icmp6_gateway(config_get(), net_id, h->ip6.saddr))
		return nsb_drop(NSB_DROP_ICMP_GEN);
	h->ip6.vtc_flow = bpf_htonl(6U << 28);
	h->ip6.payload_len = bpf_htons(sizeof(h->icmp6) + qlen);
	h->ip6.nexthdr = IPPROTO_ICMPV6;
	h->ip6.hop_limit = ICMP6_HOP_LIMIT;
	h->icmp6.type = type;
	h->icmp6.data = bpf_htonl(data);

	v->len = skb->len; /* stats count what the node sent, not the error */
	/* trim to the quote (also ends GSO), then open room for IPv6 + ICMPv6 */
	if (bpf_skb_change_tail(skb, ETH_HLEN + qlen, 0) ||
	    bpf_skb_adjust_room(skb, sizeof(*h), BPF_ADJ_ROOM_MAC, 0))
		return nsb_drop(NSB_DROP_ICMP_GEN);

	/* pseudo header (addresses, length, next header), ICMPv6 header, quote */
	sum = bpf_csum_diff(NULL, 0, h->ip6.saddr, 2 * sizeof(h->ip6.saddr), 0);
	/* each word on its own: two 32-bit words may carry out of 32 bits */
	sum += (__u64)bpf_htonl(sizeof(h->icmp6) + qlen);
	sum += (__u64)bpf_htonl(IPPROTO_ICMPV6);
	sum += bpf_csum_diff(NULL, 0, (__be32 *)&h->icmp6, sizeof(h->icmp6), 0);
	for (int i = 0; i < __ICMP6_CHUNKS; i++) {
		off = i * __ICMP6_CHUNK;
		if (off >= qlen)
			break;
		n = qlen - off;
		if (n > __ICMP6_CHUNK)
			n = __ICMP6_CHUNK;
		/*
		 * Bounds for the verifier, each tested right before its use on
		 * a value clang knows nothing about (the empty asm; lib/icmp.h
		 * says why; 6.1 loses them otherwise). An odd tail sums as if
		 * padded with zeroes: its last word is zeroed before the load.
		 */
		n4 = (n + 3) & ~3ULL;
		asm volatile("" : "+r"(n4));
		if (n4 > __ICMP6_CHUNK || n4 < 4)
			return nsb_drop(NSB_DROP_ICMP_GEN);
		*(__u32 *)((void *)r->chunk + n4 - 4) = 0;
		/* n - 1 in [0, chunk), then + 1: 6.1 learns no lower bound from n != 0 */
		n -= 1;
		asm volatile("" : "+r"(n));
		if (n >= __ICMP6_CHUNK)
			return nsb_drop(NSB_DROP_ICMP_GEN);
		if (bpf_skb_load_bytes(skb, ETH_HLEN + sizeof(*h) + off, r->chunk, n + 1))
			return nsb_drop(NSB_DROP_ICMP_GEN);
		sum += bpf_csum_diff(NULL, 0, r->chunk, n4, 0);
	}
	h->icmp6.csum = __icmp6_fold64(sum);

	if (bpf_skb_store_bytes(skb, 0, &eth, sizeof(eth), 0) ||
	    bpf_skb_store_bytes(skb, ETH_HLEN, h, sizeof(*h), 0))
		return nsb_drop(NSB_DROP_ICMP_GEN);
	return verdict_redirect(v, path, skb->ingress_ifindex);
}

/* icmp6_error_to_node()'s last argument: what to send, in one register */
#define ICMP6_ERR(type, path, data) \
	((__u64)(type) | (__u64)(path) << 8 | (__u64)(__u32)(data) << 32)

/*
 * The error ICMP6_ERR(type, path, data) about the IPv6 packet src sent, into
 * the node. A global function that finishes its own verdict
 * (verdict_done()): its frame is not its caller's, whose call chain the
 * verifier sums into 512 bytes.
 */
__noinline int icmp6_error_to_node(struct __sk_buff *skb, const struct nsb_endpoint *src,
				   __u64 what)
{
	struct nsb_verdict v = NSB_VERDICT_INIT;
	__u32 path = (what >> 8) & 0xff;
	int ret;

	if (!src || path >= NSB_PATH_MAX)
		ret = nsb_drop(NSB_DROP_INTERNAL);
	else
		ret = __icmp6_error(skb, &v, src, what & 0xff, what >> 32, path);
	return verdict_done(verdict_finish(skb, &v, ret));
}

/* Too big for the uplink (mtu: its MTU): Packet Too Big back to src (frag_needed). */
static __always_inline int icmp6_too_big(struct __sk_buff *skb, const struct nsb_endpoint *src,
					 __u32 mtu)
{
	return icmp6_error_to_node(skb, src,
				   ICMP6_ERR(ICMPV6_PKT_TOOBIG, NSB_PATH_FRAG_NEEDED, mtu));
}

/* Hop limit exhausted on the way out: Time Exceeded, code 0, back to src (time_exceeded). */
static __always_inline int icmp6_time_exceeded(struct __sk_buff *skb,
					       const struct nsb_endpoint *src)
{
	return icmp6_error_to_node(skb, src,
				   ICMP6_ERR(ICMPV6_TIME_EXCEED, NSB_PATH_TIME_EXCEEDED, 0));
}

#endif /* NSBPF_LIB_ICMP6_H */
