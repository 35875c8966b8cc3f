// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Frame builder for the selftests: see pkt.h. Everything is written byte by
 * byte in wire order, sharing no code or header with the BPF side.
 */
#include <stdio.h>
#include <string.h>

#include "pkt.h"

static const uint8_t zero_mac[6];

struct wr {
	uint8_t *buf;
	size_t len;
	bool overflow;
};

static void put(struct wr *w, const void *src, size_t n)
{
	if (w->len + n > PKT_MAX) {
		w->overflow = true;
		return;
	}
	memcpy(w->buf + w->len, src, n);
	w->len += n;
}

static void put8(struct wr *w, uint8_t v)
{
	put(w, &v, 1);
}

static void put16(struct wr *w, uint16_t v)
{
	uint8_t b[2] = { v >> 8, v & 0xff };

	put(w, b, 2);
}

static void put32(struct wr *w, uint32_t v)
{
	uint8_t b[4] = { v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff };

	put(w, b, 4);
}

static void put_mac(struct wr *w, const uint8_t *mac)
{
	put(w, mac ? mac : zero_mac, 6);
}

/* Recognisable, position-dependent payload bytes. */
static void put_pattern(struct wr *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put8(w, (uint8_t)(0xa0 + i));
}

static uint16_t default_type(enum frame_kind kind)
{
	switch (kind) {
	case FR_ARP:
		return 0x0806;
	case FR_IPV4:
	case FR_TCP4:
	case FR_UDP4:
	case FR_ICMP4:
		return 0x0800;
	case FR_IPV6:
		return 0x86dd;
	default:
		return 0x88b5; /* IEEE local experimental */
	}
}

static uint32_t sum16(uint32_t sum, const uint8_t *data, size_t len);
static uint16_t fold(uint32_t sum);

uint16_t inet_csum(const uint8_t *data, size_t len)
{
	return fold(sum16(0, data, len));
}

bool ipv4_csum_ok(const uint8_t *ip)
{
	/* summed with its checksum field, a valid header folds to 0xffff */
	return inet_csum(ip, (ip[0] & 0x0f) * 4) == 0;
}

static void build_arp(const struct frame *f, struct wr *w)
{
	put16(w, f->htype ? f->htype : 1);
	put16(w, f->ptype ? f->ptype : 0x0800);
	put8(w, f->hlen ? f->hlen : 6);
	put8(w, f->plen ? f->plen : 4);
	put16(w, f->op);
	put_mac(w, f->sha);
	put32(w, f->spa);
	put_mac(w, f->tha);
	put32(w, f->tpa);
}

/* The one's complement sum of len bytes, unfolded, added to sum. */
static uint32_t sum16(uint32_t sum, const uint8_t *data, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)data[i] << 8 | data[i + 1];
	if (len & 1)
		sum += (uint32_t)data[len - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* TCP/UDP checksum of seg (len bytes) with its IPv4 pseudo header. */
static uint16_t l4_csum(uint32_t saddr, uint32_t daddr, uint8_t proto, const uint8_t *seg,
			size_t len)
{
	uint32_t sum = 0;

	sum += saddr >> 16;
	sum += saddr & 0xffff;
	sum += daddr >> 16;
	sum += daddr & 0xffff;
	sum += proto;
	sum += (uint32_t)len;
	return fold(sum16(sum, seg, len));
}

static void set16(uint8_t *at, uint16_t v)
{
	at[0] = v >> 8;
	at[1] = v & 0xff;
}

static uint8_t frame_proto(const struct frame *f)
{
	switch (f->kind) {
	case FR_TCP4:
		return 6;
	case FR_UDP4:
		return 17;
	case FR_ICMP4:
		return 1;
	default:
		return f->proto ? f->proto : 17;
	}
}

/*
 * The whole transport part of f (header, payload, checksum) into l4;
 * false if it does not fit. FR_IPV4: the pattern payload.
 */
static bool build_l4(const struct frame *f, uint8_t *l4, size_t *len)
{
	size_t payload = f->payload_len ? f->payload_len : 16;
	struct wr w = { .buf = l4 };
	uint16_t csum;

	switch (f->kind) {
	case FR_TCP4:
		put16(&w, (uint16_t)f->sport);
		put16(&w, (uint16_t)f->dport);
		/*
		 * Defaults both sides of a flow can use, as window tracking
		 * wants them: a SYN at the ISN, then ISN + 1; an ACK of ISN + 1.
		 */
		put32(&w, f->seq ? f->seq : (f->tcp_flags & TCPF_SYN) ? TCP_ISN : TCP_ISN + 1);
		put32(&w, f->ack ? f->ack : (f->tcp_flags & TCPF_ACK) ? TCP_ISN + 1 : 0);
		if (f->tcp_opts_len % 4 || f->tcp_opts_len > 40)
			return false;
		put8(&w, (uint8_t)((5 + f->tcp_opts_len / 4) << 4)); /* data offset */
		put8(&w, f->tcp_flags);
		put16(&w, 0x7210); /* window */
		put16(&w, 0);	   /* checksum, below */
		put16(&w, 0);	   /* urgent pointer */
		if (f->tcp_opts_len)
			put(&w, f->tcp_opts, f->tcp_opts_len);
		put_pattern(&w, payload);
		if (w.overflow)
			return false;
		csum = l4_csum(f->saddr, f->daddr, 6, l4, w.len);
		set16(l4 + 16, csum);
		break;
	case FR_UDP4:
		put16(&w, (uint16_t)f->sport);
		put16(&w, (uint16_t)f->dport);
		put16(&w, (uint16_t)(8 + payload));
		put16(&w, 0);
		put_pattern(&w, payload);
		if (w.overflow)
			return false;
		csum = l4_csum(f->saddr, f->daddr, 17, l4, w.len);
		if (!f->no_csum)
			set16(l4 + 6, csum ? csum : 0xffff); /* 0 is sent as all ones */
		break;
	case FR_ICMP4:
		put8(&w, f->icmp_type);
		put8(&w, f->icmp_code);
		put16(&w, 0); /* checksum, below */
		if (f->quote) {
			struct pkt q;
			size_t qlen;

			put16(&w, 0);
			put16(&w, f->icmp_mtu);
			if (!frame_build(f->quote, &q) || q.len < 14 + 20)
				return false;
			qlen = f->quote_len ? f->quote_len : (q.buf[14] & 0x0f) * 4u + 8;
			if (14 + qlen > q.len)
				return false;
			put(&w, q.buf + 14, qlen);
		} else {
			put16(&w, (uint16_t)f->icmp_id);
			put16(&w, f->icmp_seq);
			put_pattern(&w, payload);
		}
		if (w.overflow)
			return false;
		set16(l4 + 2, inet_csum(l4, w.len));
		break;
	default:
		put_pattern(&w, payload);
		break;
	}
	*len = w.len;
	return !w.overflow;
}

static void build_ipv4(const struct frame *f, struct wr *w)
{
	uint8_t l4[PKT_MAX]; /* a quoted datagram is built by a nested call */
	unsigned int ihl = f->ihl ? f->ihl : 5;
	size_t start = w->len, hlen = ihl * 4, l4_len = 0, at, n;
	uint16_t csum;

	if (!build_l4(f, l4, &l4_len)) {
		w->overflow = true;
		return;
	}
	at = f->frag_at < l4_len ? f->frag_at : l4_len;
	n = f->frag_len && f->frag_len < l4_len - at ? f->frag_len : l4_len - at;

	put8(w, (uint8_t)((f->version ? f->version : 4) << 4 | (ihl & 0x0f)));
	put8(w, f->tos);
	put16(w, f->tot_len ? f->tot_len : (uint16_t)(hlen + n));
	put16(w, f->ip_id ? (uint16_t)f->ip_id : 0x1234);
	put16(w, f->frag_off ? (uint16_t)f->frag_off : IPF_DF);
	put8(w, f->ttl == TTL_ZERO ? 0 : f->ttl ? (uint8_t)f->ttl : 64);
	put8(w, frame_proto(f));
	put16(w, 0); /* checksum, below */
	put32(w, f->saddr);
	put32(w, f->daddr);
	for (size_t i = 20; i < hlen; i += 4) {
		if (i == 20) {
			put32(w, 0x94040000); /* Router Alert */
		} else {
			put32(w, 0x01010101); /* NOP x 4 */
		}
	}
	if (w->overflow || ihl < 5)
		goto payload;
	csum = inet_csum(w->buf + start, hlen);
	w->buf[start + 10] = csum >> 8;
	w->buf[start + 11] = csum & 0xff;
payload:
	put(w, l4 + at, n);
}

/*
 * IPv6 from the link-local address SLAAC derives from the source MAC (or
 * saddr6), to all-nodes; proto 58: ICMPv6 of icmp_type, after ip6_ext
 * destination options headers; else no next header.
 */
static void build_ipv6(const struct frame *f, struct wr *w)
{
	size_t payload = f->payload_len ? f->payload_len : 16;
	static const uint8_t dst[16] = { 0xff, 0x02, [15] = 0x01 };
	uint8_t src[16] = { 0xfe, 0x80 };
	const uint8_t *mac = f->src;

	if (f->saddr6) {
		memcpy(src, f->saddr6, 16);
	} else if (mac) {
		src[8] = mac[0] ^ 0x02;
		src[9] = mac[1];
		src[10] = mac[2];
		src[11] = 0xff;
		src[12] = 0xfe;
		src[13] = mac[3];
		src[14] = mac[4];
		src[15] = mac[5];
	}
	uint8_t last = f->ip6_frag ? 44 : f->proto == 58 ? 58 : 59;

	put32(w, 0x60000000); /* version 6 */
	put16(w, (uint16_t)(payload + 8 * (f->ip6_ext_len + 1) * f->ip6_ext + 8 * f->ip6_frag +
			    (f->proto == 58 ? 4 : 0)));
	put8(w, f->ip6_ext ? 60 : last);
	put8(w, 255);
	put(w, src, 16);
	put(w, dst, 16);
	for (int i = 0; i < f->ip6_ext; i++) {
		put8(w, i + 1 < f->ip6_ext ? 60 : last);
		put8(w, f->ip6_ext_len);
		put8(w, 1); /* PadN filling the rest */
		put8(w, (uint8_t)(4 + 8 * f->ip6_ext_len));
		put32(w, 0);
		for (int j = 0; j < f->ip6_ext_len; j++) {
			put32(w, 0);
			put32(w, 0);
		}
	}
	if (f->ip6_frag) {
		put8(w, f->proto == 58 ? 58 : 59); /* then the first fragment, offset 0, M set */
		put8(w, 0);
		put16(w, 1);
		put32(w, 0x12345678);
	}
	if (f->proto == 58) {
		put8(w, f->icmp_type);
		put8(w, f->icmp_code);
		put16(w, 0); /* checksum: nothing here sums ICMPv6 */
	}
	put_pattern(w, payload);
}

bool frame_build(const struct frame *f, struct pkt *p)
{
	struct wr w = { .len = 0 };

	memset(p, 0, sizeof(*p));
	w.buf = p->buf;
	put_mac(&w, f->dst);
	put_mac(&w, f->src);
	if (f->vlan_proto) {
		put16(&w, f->vlan_proto);
		put16(&w, f->vlan_id);
	}
	put16(&w, f->type ? f->type : default_type(f->kind));
	switch (f->kind) {
	case FR_ARP:
		build_arp(f, &w);
		break;
	case FR_IPV4:
	case FR_TCP4:
	case FR_UDP4:
	case FR_ICMP4:
		build_ipv4(f, &w);
		break;
	case FR_IPV6:
		build_ipv6(f, &w);
		break;
	case FR_RAW:
		put_pattern(&w, f->payload_len ? f->payload_len : 32);
		break;
	case FR_NONE:
		return false;
	}
	while (w.len < f->pad_to && !w.overflow)
		put8(&w, 0);
	if (f->trunc && f->trunc < w.len)
		w.len = f->trunc;
	p->len = w.len;
	return !w.overflow;
}

void pkt_hex(const uint8_t *data, size_t len, char *buf, size_t size)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < len && off + 16 < size; i++) {
		if (i % 16 == 0)
			off += snprintf(buf + off, size - off, "%s%04zx:", i ? "\n" : "", i);
		off += snprintf(buf + off, size - off, " %02x", data[i]);
	}
}

static bool fail(char *why, size_t n, const char *msg)
{
	snprintf(why, n, "%s", msg);
	return false;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* TCP/UDP of an IPv4 header at ip with seg (len bytes) after it. */
static bool seg_csum_ok(const uint8_t *ip, const uint8_t *seg, size_t len)
{
	uint8_t proto = ip[9];

	if (proto == 17 && len >= 8 && get16(seg + 6) == 0)
		return true; /* UDP without a checksum */
	return l4_csum(get32(ip + 12), get32(ip + 16), proto, seg, len) == 0;
}

bool frame_csums_ok(const uint8_t *frame, size_t len, char *why, size_t why_len)
{
	const uint8_t *ip = frame + 14, *l4, *in;
	size_t hl, tot, l4_len, in_hl, in_tot, quoted;

	if (len < 14 + 20 || get16(frame + 12) != 0x0800)
		return fail(why, why_len, "not Ethernet + IPv4");
	hl = (ip[0] & 0x0f) * 4u;
	tot = get16(ip + 2);
	if (hl < 20 || tot < hl || 14 + tot > len)
		return fail(why, why_len, "IPv4 lengths do not add up");
	if (!ipv4_csum_ok(ip))
		return fail(why, why_len, "IPv4 header checksum");
	if (get16(ip + 6) & 0x3fff)
		return true; /* a fragment: its transport sum covers the whole datagram */
	l4 = ip + hl;
	l4_len = tot - hl;
	switch (ip[9]) {
	case 6:
	case 17:
		if (l4_len < (ip[9] == 6 ? 20u : 8u))
			return fail(why, why_len, "transport header cut short");
		if (!seg_csum_ok(ip, l4, l4_len))
			return fail(why, why_len, ip[9] == 6 ? "TCP checksum" : "UDP checksum");
		return true;
	case 1:
		if (l4_len < 8)
			return fail(why, why_len, "ICMP header cut short");
		if (inet_csum(l4, l4_len))
			return fail(why, why_len, "ICMP checksum");
		if (l4[0] != 3 && l4[0] != 11 && l4[0] != 12)
			return true;
		in = l4 + 8;
		quoted = l4_len - 8;
		if (quoted < 20)
			return fail(why, why_len, "ICMP error quotes less than an IPv4 header");
		in_hl = (in[0] & 0x0f) * 4u;
		in_tot = get16(in + 2);
		if (in_hl < 20 || in_hl > quoted)
			return fail(why, why_len, "quoted IPv4 header cut short");
		if (!ipv4_csum_ok(in))
			return fail(why, why_len, "quoted IPv4 header checksum");
		/* the quoted transport sum can be checked only when all of it is quoted */
		if (in_tot == quoted && !(get16(in + 6) & 0x3fff) && (in[9] == 6 || in[9] == 17) &&
		    !seg_csum_ok(in, in + in_hl, in_tot - in_hl))
			return fail(why, why_len, "quoted transport checksum");
		return true;
	default:
		return true;
	}
}
