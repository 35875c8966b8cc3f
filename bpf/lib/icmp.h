/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ICMP errors a router owes the sender, built in BPF out of the offending
 * packet itself and sent back out of the veth it came in by, towards the
 * node: time exceeded (TTL expired leaving the lab) and fragmentation needed
 * (too big for the uplink, DF set; the next-hop MTU tells the node's PMTU
 * discovery what fits). From the node's gateway, as Linux would send them.
 *
 * The error quotes the offending IPv4 header (options included) and up to
 * ICMP_QUOTE_MAX bytes of what follows, rounded down to whole 32-bit words
 * (RFC 792 asks for 8 bytes, RFC 1812 allows up to 576 in all). More than 8:
 * a CHECKSUM_PARTIAL segment (TCP from the node's stack) cannot be trimmed
 * short of its transport checksum field (bpf_skb_change_tail() refuses it),
 * which sits 16 bytes into TCP. The skb stays CHECKSUM_PARTIAL then: the
 * node's stack takes the error as verified and never sums it; its ICMP
 * checksum is right all the same.
 */
#ifndef NSBPF_LIB_ICMP_H
#define NSBPF_LIB_ICMP_H

#include "lib/csum.h"
#include "lib/flow.h"

#define ICMP_QUOTE_MAX	   64
#define __ICMP_IPTOS	   0xc0 /* IPTOS_PREC_INTERNETCONTROL, as Linux sends */
#define __ICMP_QUOTE_WORDS ((sizeof(struct icmphdr) + 60 + ICMP_QUOTE_MAX) / 4)

_Static_assert(__ICMP_QUOTE_WORDS * 4 <= sizeof(((union nsb_scratch *)0)->words),
	       "the quote fits the scratch room");

struct __icmp_err_hdr {
	struct iphdr ip;
	struct icmphdr icmp;
};

/*
 * Turn the packet of f, which src sent, into ICMP type/code from saddr
 * (its gateway) to src, with mtu in the next-hop MTU field (0 but for
 * fragmentation needed), and send it back out of the ingress veth.
 */
static __always_inline int __icmp_error(struct __sk_buff *skb, struct nsb_verdict *v,
					const struct nsb_endpoint *src, const struct flow_v4 *f,
					__be32 saddr, __u8 type, __u8 code, __u32 mtu,
					enum nsb_path path)
{
	struct __icmp_err_hdr h = {};
	union nsb_scratch *quote;
	__u32 zero = 0;
	__u32 hlen = f->l4_off - ETH_HLEN;
	__u32 data = f->tot_len - hlen;
	struct ethhdr eth;
	__u64 qlen, len; /* 64-bit: bounds checked on what the helpers get */
	__u16 sum;

	if (data > ICMP_QUOTE_MAX)
		data = ICMP_QUOTE_MAX;
	qlen = hlen + (data & ~3U);
	len = sizeof(h.icmp) + qlen;

	v->len = skb->len; /* stats count what the node sent, not the error */
	/* trim to the quote (also ends GSO), then open room for IPv4 + ICMP */
	if (bpf_skb_change_tail(skb, ETH_HLEN + qlen, 0) ||
	    bpf_skb_adjust_room(skb, sizeof(h), BPF_ADJ_ROOM_MAC, 0))
		return nsb_drop(NSB_DROP_ICMP_GEN);

	mac_copy(eth.h_dest, src->node_mac);
	mac_copy(eth.h_source, src->host_mac);
	eth.h_proto = bpf_htons(ETH_P_IP);
	h.ip.version = 4;
	h.ip.ihl = 5;
	h.ip.tos = __ICMP_IPTOS;
	h.ip.tot_len = bpf_htons(sizeof(h) + qlen);
	h.ip.ttl = 64;
	h.ip.protocol = IPPROTO_ICMP;
	h.ip.saddr = saddr;
	h.ip.daddr = f->key.saddr;
	h.ip.check = csum_fold(bpf_csum_diff(NULL, 0, (__be32 *)&h.ip, sizeof(h.ip), 0));
	h.icmp.type = type;
	h.icmp.code = code;
	h.icmp.un.frag.mtu = bpf_htons((__u16)mtu);
	if (bpf_skb_store_bytes(skb, 0, &eth, sizeof(eth), 0) ||
	    bpf_skb_store_bytes(skb, ETH_HLEN, &h, sizeof(h), 0))
		return nsb_drop(NSB_DROP_ICMP_GEN);

	/*
	 * The ICMP sum covers its header and the quote, as they now sit in the
	 * packet. Bounds for the verifier (hlen is 20..60, the quote 0..64),
	 * tested right before the use on a value clang knows nothing about
	 * (the empty asm): else it tests a zero-extended copy and passes the
	 * helper the original, whose bounds the verifier never learns.
	 */
	quote = bpf_map_lookup_elem(&scratch, &zero);
	if (!quote)
		return nsb_drop(NSB_DROP_ICMP_GEN);
	asm volatile("" : "+r"(len));
	if (len > __ICMP_QUOTE_WORDS * 4 || len < sizeof(h.icmp))
		return nsb_drop(NSB_DROP_ICMP_GEN);
	if (bpf_skb_load_bytes(skb, ETH_HLEN + sizeof(h.ip), quote->words, len))
		return nsb_drop(NSB_DROP_ICMP_GEN);
	sum = csum_fold(bpf_csum_diff(NULL, 0, quote->words, len, 0));
	if (bpf_skb_store_bytes(skb, ETH_HLEN + sizeof(h.ip) + ICMPH_CSUM, &sum, sizeof(sum), 0))
		return nsb_drop(NSB_DROP_ICMP_GEN);
	return verdict_redirect(v, path, skb->ingress_ifindex);
}

/* icmp_error_to_node()'s last argument: what to send, in one register */
#define ICMP_ERR(type, code, mtu, path) \
	((__u64)(type) | (__u64)(code) << 8 | (__u64)((mtu)&0xffff) << 16 | (__u64)(path) << 32)

/*
 * The error ICMP_ERR(type, code, mtu, path) about f, from saddr, into the
 * node src. A global function that finishes its own verdict
 * (verdict_done()): its quote buffer (132 bytes) then sits in a frame of
 * its own, not in masquerade's, whose call chain 6.1 and later sum into
 * 512 bytes of stack.
 */
__noinline int icmp_error_to_node(struct __sk_buff *skb, const struct nsb_endpoint *src,
				  const struct flow_v4 *f, __be32 saddr, __u64 what)
{
	struct nsb_verdict v = NSB_VERDICT_INIT;
	__u32 path = what >> 32;
	int ret;

	if (!src || !f || path >= NSB_PATH_MAX)
		ret = nsb_drop(NSB_DROP_INTERNAL);
	else
		ret = __icmp_error(skb, &v, src, f, saddr, what & 0xff, (what >> 8) & 0xff,
				   (what >> 16) & 0xffff, path);
	return verdict_done(verdict_finish(skb, &v, ret));
}

#endif /* NSBPF_LIB_ICMP_H */
