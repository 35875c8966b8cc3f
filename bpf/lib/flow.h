/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The flow of an IPv4 packet as conntrack keys it: addresses, protocol and
 * ports (the echo id as source port for ICMP echo), plus what the NAT needs
 * besides (fragment state, TTL, TCP flags). The L4 header is read in place
 * when linear, else copied out with bpf_skb_load_bytes(), which reads
 * non-linear data as well and changes nothing: nothing is pulled or written
 * until the packet is known to be ours. Also the config map's one entry (what its zero fields mean:
 * nsbpf_ct.h).
 */
#ifndef NSBPF_LIB_FLOW_H
#define NSBPF_LIB_FLOW_H

#include "lib/parse.h"

#define IP_DF	  0x4000 /* frag_off, host order */
#define IP_MF	  0x2000
#define IP_OFFSET 0x1fff

#define ICMP_ECHOREPLY	   0
#define ICMP_DEST_UNREACH  3
#define ICMP_FRAG_NEEDED   4 /* code of ICMP_DEST_UNREACH */
#define ICMP_ECHO	   8
#define ICMP_TIME_EXCEEDED 11
#define ICMP_PARAMETERPROB 12

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

/* where the port (or echo id) a NAT rewrites sits in its L4 header */
#define L4_SPORT 0
#define L4_DPORT 2
#define ICMP_ID	 4

enum flow_l4 {
	FLOW_L4_OK,    /* key.sport/dport are valid */
	FLOW_L4_SHORT, /* TCP/UDP/ICMP header cut short */
	FLOW_L4_OTHER, /* a protocol or ICMP type without ports to translate */
};

struct flow_v4 {
	struct nsb_ct_key key; /* saddr, daddr, proto always; ports when l4 == FLOW_L4_OK */
	__u32 l4_off;	       /* ETH_HLEN + IHL * 4 */
	__u32 len;	       /* the frame less its Ethernet header (counted in ct) */
	__u32 tot_len;	       /* IPv4 total length, host order */
	__u16 frag;	       /* frag_off, host order: IP_DF, IP_MF, IP_OFFSET */
	__be16 ip_id;
	__u8 ttl;
	__u8 tos;
	__u8 tcp_flags; /* TCP only */
	__u8 l4;	/* enum flow_l4 */
	__be32 tcp_seq; /* TCP only: what window tracking needs */
	__be32 tcp_ack;
	__be16 tcp_win;
	__u8 tcp_off; /* data offset byte: header length << 4 */
	__u8 pad;
};

static __always_inline bool flow_later_frag(const struct flow_v4 *f)
{
	return f->frag & IP_OFFSET;
}

static __always_inline bool flow_first_frag(const struct flow_v4 *f)
{
	return (f->frag & (IP_MF | IP_OFFSET)) == IP_MF;
}

/*
 * len bytes at off into to: read in place when they are in the linear data
 * (no helper call: the common case), else copied out. Never pulls.
 */
static __always_inline int __flow_copy(struct __sk_buff *skb, __u32 off, void *to, __u32 len)
{
	void *p = skb_data(skb) + (off & 0xff); /* ETH_HLEN + 60 at most */

	if (off <= 0xff && p + len <= skb_data_end(skb)) {
		__builtin_memcpy(to, p, len);
		return 0;
	}
	return bpf_skb_load_bytes(skb, off, to, len);
}

/*
 * The L4 part of f, from the header at f->l4_off. The ports of TCP and UDP,
 * the id of an ICMP echo request (dport 0); FLOW_L4_OTHER for anything else,
 * including ICMP echo replies and errors (a node answers or reports only
 * what came in, never a masqueraded flow of its own).
 */
static __always_inline void __flow_l4(struct __sk_buff *skb, struct flow_v4 *f)
{
	struct {
		__be16 sport, dport; /* ICMP: type, code; checksum */
		__be32 word1;	     /* TCP: seq; ICMP: id, sequence */
		__be32 word2;	     /* TCP: ack */
		__u8 off, flags;     /* TCP only */
		__be16 win;
	} h;

	f->l4 = FLOW_L4_SHORT;
	switch (f->key.proto) {
	case IPPROTO_TCP:
		if (__flow_copy(skb, f->l4_off, &h, sizeof(h)))
			return;
		/* the rest of the 20-byte header, up to the checksum the NAT updates */
		if (f->l4_off + sizeof(struct tcphdr) > skb->len)
			return;
		f->tcp_flags = h.flags;
		f->tcp_seq = h.word1;
		f->tcp_ack = h.word2;
		f->tcp_win = h.win;
		f->tcp_off = h.off;
		break;
	case IPPROTO_UDP:
		if (__flow_copy(skb, f->l4_off, &h, sizeof(struct udphdr)))
			return;
		break;
	case IPPROTO_ICMP:
		if (__flow_copy(skb, f->l4_off, &h, sizeof(struct icmphdr)))
			return;
		/* type ICMP_ECHO, code 0: the first 16-bit word in wire order */
		if (h.sport != bpf_htons(ICMP_ECHO << 8)) {
			f->l4 = FLOW_L4_OTHER;
			return;
		}
		h.sport = ((struct icmphdr *)&h)->un.echo.id;
		h.dport = 0;
		break;
	default:
		f->l4 = FLOW_L4_OTHER;
		return;
	}
	f->key.sport = h.sport;
	f->key.dport = h.dport;
	f->l4 = FLOW_L4_OK;
}

/*
 * ip: a header parse_ipv4() checked, read before any helper runs. Later
 * fragments have no L4 header (FLOW_L4_OTHER); first fragments do.
 */
static __always_inline void flow_parse_v4(struct __sk_buff *skb, const struct iphdr *ip,
					  struct flow_v4 *f)
{
	__builtin_memset(f, 0, sizeof(*f));
	f->key.saddr = ip->saddr;
	f->key.daddr = ip->daddr;
	f->key.proto = ip->protocol;
	f->l4_off = ETH_HLEN + ip->ihl * 4;
	f->len = skb->len - ETH_HLEN;
	f->tot_len = bpf_ntohs(ip->tot_len);
	f->frag = bpf_ntohs(ip->frag_off);
	f->ip_id = ip->id;
	f->ttl = ip->ttl;
	f->tos = ip->tos;
	if (flow_later_frag(f))
		f->l4 = FLOW_L4_OTHER;
	else
		__flow_l4(skb, f);
}

/* The config map's entry; NULL only if the map is broken. */
static __always_inline const struct nsb_config *config_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&config, &zero);
}

/*
 * The prologue of from_node's global workers (masquerade, hairpin): a
 * global function cannot take its caller's packet pointers, so each parses
 * the frame again. 0 with *cfg and *f set, or the verdict (a drop).
 */
static __always_inline int flow_reparse_v4(struct __sk_buff *skb, const struct nsb_endpoint *src,
					   const struct nsb_config **cfg, struct flow_v4 *f)
{
	struct ethhdr *eth;
	struct iphdr *ip;
	int ret;

	*cfg = config_get();
	if (!*cfg || !src)
		return nsb_drop(NSB_DROP_INTERNAL);
	ret = parse_ipv4(skb, &eth, &ip);
	if (ret)
		return ret;
	flow_parse_v4(skb, ip, f);
	return 0;
}

#endif /* NSBPF_LIB_FLOW_H */
