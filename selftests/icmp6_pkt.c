// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * IPv6 frame builder and checker for the ICMPv6 tables: see icmp6_pkt.h.
 */
#include <stdio.h>
#include <string.h>

#include "frame6.h"
#include "icmp6_pkt.h"

static const uint8_t zero16[16];

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void set16(uint8_t *at, uint16_t v)
{
	at[0] = v >> 8;
	at[1] = v & 0xff;
}

static bool build_ip6(const struct i6frame *f, struct w6 *w);

/* The transport part of f (header, payload, checksum) into l4. */
static bool build_l4(const struct i6frame *f, uint8_t *l4, size_t *len)
{
	size_t payload = f->payload_len ? f->payload_len : 16;
	struct w6 w = { .buf = l4 };
	size_t csum_at;

	switch (f->proto) {
	case P6_TCP:
		w6_put16(&w, f->sport);
		w6_put16(&w, f->dport);
		w6_put32(&w, 0x01020304); /* seq */
		w6_put32(&w, f->tcp_flags & 0x10 ? 0x01020305 : 0);
		w6_put8(&w, 5 << 4);
		w6_put8(&w, f->tcp_flags);
		w6_put16(&w, 0x7210); /* window */
		w6_put16(&w, 0);      /* checksum, below */
		w6_put16(&w, 0);
		csum_at = 16;
		break;
	case P6_UDP:
		w6_put16(&w, f->sport);
		w6_put16(&w, f->dport);
		w6_put16(&w, (uint16_t)(8 + payload));
		w6_put16(&w, 0);
		csum_at = 6;
		break;
	case P6_ICMPV6:
		w6_put8(&w, f->icmp_type);
		w6_put8(&w, f->icmp_code);
		w6_put16(&w, 0);
		csum_at = 2;
		if (f->quote) {
			struct pkt q;
			size_t qlen;

			w6_put32(&w, f->icmp_data);
			if (!i6frame_build(f->quote, &q) || q.len < 14 + 40)
				return false;
			qlen = f->quote_len ? f->quote_len : q.len - 14;
			if (14 + qlen > q.len)
				return false;
			w6_put(&w, q.buf + 14, qlen);
			payload = 0;
		} else {
			w6_put16(&w, f->icmp_id);
			w6_put16(&w, f->icmp_seq);
		}
		break;
	default:
		return false;
	}
	for (size_t i = 0; i < payload; i++)
		w6_put8(&w, (uint8_t)(0xa0 + i));
	if (w.overflow)
		return false;
	if (!(f->proto == P6_UDP && f->no_csum)) {
		uint16_t c = csum6(f->saddr ? f->saddr : zero16, f->daddr ? f->daddr : zero16,
				   f->proto, l4, w.len);

		set16(l4 + csum_at, f->proto == P6_UDP && !c ? 0xffff : c);
	}
	*len = w.len;
	return true;
}

static bool build_ip6(const struct i6frame *f, struct w6 *w)
{
	uint8_t l4[PKT_MAX];
	size_t l4_len;

	if (!build_l4(f, l4, &l4_len))
		return false;
	w6_put32(w, 0x60000000);
	w6_put16(w, (uint16_t)(8 * f->dstopts + l4_len));
	w6_put8(w, f->dstopts ? 60 : f->proto);
	w6_put8(w, f->hops == HOPS_ZERO ? 0 : f->hops ? (uint8_t)f->hops : 64);
	w6_put(w, f->saddr ? f->saddr : zero16, 16);
	w6_put(w, f->daddr ? f->daddr : zero16, 16);
	for (int i = 0; i < f->dstopts; i++) {
		w6_put8(w, i + 1 < f->dstopts ? 60 : f->proto);
		w6_put8(w, 0);
		w6_put8(w, 1); /* PadN, 4 bytes of it */
		w6_put8(w, 4);
		w6_put32(w, 0);
	}
	w6_put(w, l4, l4_len);
	for (int i = 0; i < f->trailer; i++)
		w6_put8(w, 0);
	return !w->overflow;
}

bool i6frame_build(const struct i6frame *f, struct pkt *p)
{
	static const uint8_t zero_mac[6];
	struct w6 w = { .len = 0 };

	memset(p, 0, sizeof(*p));
	w.buf = p->buf;
	w6_put(&w, f->dst ? f->dst : zero_mac, 6);
	w6_put(&w, f->src ? f->src : zero_mac, 6);
	w6_put16(&w, 0x86dd);
	if (!build_ip6(f, &w))
		return false;
	p->len = w.len;
	return !w.overflow;
}

static bool fail(char *why, size_t n, const char *msg)
{
	snprintf(why, n, "%s", msg);
	return false;
}

/*
 * The datagram at ip (have bytes of it): where its transport header starts
 * (destination options walked) and its protocol; false if cut short.
 */
static bool l4_of(const uint8_t *ip, size_t have, size_t *off, uint8_t *proto)
{
	uint8_t next = ip[6];
	size_t o = 40;

	for (int i = 0; i < 8 && next == 60; i++) {
		if (o + 8 > have)
			return false;
		next = ip[o];
		o += (ip[o + 1] + 1u) * 8;
	}
	*off = o;
	*proto = next;
	return o <= have;
}

/* The transport checksum of the whole datagram at ip (tot bytes) is right. */
static bool seg_ok(const uint8_t *ip, size_t tot, size_t off, uint8_t proto)
{
	return csum6(ip + 8, ip + 24, proto, ip + off, tot - off) == 0;
}

bool i6frame_csums_ok(const uint8_t *frame, size_t len, char *why, size_t why_len)
{
	const uint8_t *ip = frame + 14, *in;
	size_t tot, off, in_tot, in_off, quoted;
	uint8_t proto, in_proto;

	if (len < 14 + 40 || get16(frame + 12) != 0x86dd || ip[0] >> 4 != 6)
		return fail(why, why_len, "not Ethernet + IPv6");
	tot = 40 + get16(ip + 4);
	if (14 + tot > len)
		return fail(why, why_len, "IPv6 payload length past the frame");
	if (!l4_of(ip, tot, &off, &proto))
		return fail(why, why_len, "extension headers cut short");
	switch (proto) {
	case P6_TCP:
	case P6_UDP:
		if (tot - off < (proto == P6_TCP ? 20u : 8u))
			return fail(why, why_len, "transport header cut short");
		if (proto == P6_UDP && !get16(ip + off + 6))
			return fail(why, why_len, "UDP checksum 0 (none) in IPv6");
		if (!seg_ok(ip, tot, off, proto))
			return fail(why, why_len,
				    proto == P6_TCP ? "TCP checksum" : "UDP checksum");
		return true;
	case P6_ICMPV6:
		if (tot - off < 8)
			return fail(why, why_len, "ICMPv6 header cut short");
		if (!seg_ok(ip, tot, off, proto))
			return fail(why, why_len, "ICMPv6 checksum");
		if (ip[off] >= 128)
			return true;
		in = ip + off + 8;
		quoted = tot - off - 8;
		if (quoted < 40)
			return fail(why, why_len, "ICMPv6 error quotes less than an IPv6 header");
		in_tot = 40 + get16(in + 4);
		/* the quoted transport sum can be checked only when all of it is quoted */
		if (in_tot != quoted)
			return true;
		if (!l4_of(in, in_tot, &in_off, &in_proto))
			return fail(why, why_len, "quoted extension headers cut short");
		if ((in_proto == P6_TCP || in_proto == P6_UDP || in_proto == P6_ICMPV6) &&
		    !seg_ok(in, in_tot, in_off, in_proto))
			return fail(why, why_len, "quoted transport checksum");
		return true;
	default:
		return true;
	}
}
