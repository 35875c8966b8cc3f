// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* NAT66's frames for the selftests: see nat66_frame.h. */
#include <stdio.h>
#include <string.h>

#include "frame6.h"
#include "nat66_frame.h"

struct wbuf {
	uint8_t *b;
	size_t n;
};

static void w8(struct wbuf *w, uint8_t v)
{
	w->b[w->n++] = v;
}

static void w16(struct wbuf *w, uint16_t v)
{
	w8(w, v >> 8);
	w8(w, v & 0xff);
}

static void w32(struct wbuf *w, uint32_t v)
{
	w16(w, v >> 16);
	w16(w, v & 0xffff);
}

static void wmem(struct wbuf *w, const uint8_t *p, size_t n)
{
	memcpy(w->b + w->n, p, n);
	w->n += n;
}

/* A later fragment: the fragment header and payload_len pattern bytes. */
static bool f6_build_later(const struct f6 *f, struct pkt *p, uint8_t proto)
{
	size_t pay = f->payload_len ? f->payload_len : 16;
	struct wbuf w = { p->buf, 0 };

	if (14 + 40 + 8 + pay > PKT_MAX)
		return false;
	memset(p->buf, 0, PKT_MAX);
	wmem(&w, f->dst, 6);
	wmem(&w, f->src, 6);
	w16(&w, 0x86dd);
	w32(&w, 0x60000000);
	w16(&w, (uint16_t)(8 + pay));
	w8(&w, 44);
	w8(&w, f->hop ? f->hop : 64);
	wmem(&w, f->saddr, 16);
	wmem(&w, f->daddr, 16);
	w8(&w, proto);
	w8(&w, 0);
	w16(&w, (uint16_t)(f->frag_off << 3 | !f->frag_last));
	w32(&w, f->frag_id ? f->frag_id : 0x12345678);
	for (size_t i = 0; i < pay; i++)
		w8(&w, (uint8_t)(0x30 + f->frag_off + i));
	p->len = w.n;
	return true;
}

bool f6_build(const struct f6 *f, struct pkt *p)
{
	uint8_t proto = f->kind == F6_TCP ? 6 : f->kind == F6_UDP ? 17 : 58;
	size_t pay = f->payload_len ? f->payload_len : 16, hl = f->kind == F6_TCP ? 20 : 8;
	size_t total = f->frag && f->frag_total ? f->frag_total : pay;
	size_t l4len = hl + pay, ip = 14, l4;
	struct wbuf w = { p->buf, 0 };
	static uint8_t whole[65536];
	uint16_t csum;

	if (f->frag_off)
		return f6_build_later(f, p, proto);
	if (14 + 40 + 8 + l4len > PKT_MAX || total < pay || hl + total > sizeof(whole))
		return false;
	memset(p->buf, 0, PKT_MAX);
	wmem(&w, f->dst, 6);
	wmem(&w, f->src, 6);
	w16(&w, 0x86dd);
	w32(&w, 0x60000000);
	w16(&w, (uint16_t)(l4len + (f->frag ? 8 : 0)));
	w8(&w, f->frag ? 44 : proto);
	w8(&w, f->hop ? f->hop : 64);
	wmem(&w, f->saddr, 16);
	wmem(&w, f->daddr, 16);
	if (f->frag) {
		w8(&w, proto);
		w8(&w, 0);
		w16(&w, 1); /* offset 0, M */
		w32(&w, f->frag_id ? f->frag_id : 0x12345678);
	}
	l4 = w.n;
	if (f->kind == F6_TCP) {
		uint32_t seq = f->seq ? f->seq : (f->flags & TCPF_SYN) ? TCP_ISN : TCP_ISN + 1;

		w16(&w, (uint16_t)f->sport);
		w16(&w, (uint16_t)f->dport);
		w32(&w, seq);
		w32(&w, f->ack ? f->ack : (f->flags & TCPF_ACK) ? TCP_ISN + 1 : 0);
		w8(&w, 5 << 4);
		w8(&w, f->flags);
		w16(&w, f->win ? f->win : 64240);
		w32(&w, 0); /* checksum, urgent pointer */
	} else if (f->kind == F6_UDP) {
		w16(&w, (uint16_t)f->sport);
		w16(&w, (uint16_t)f->dport);
		w16(&w, (uint16_t)(hl + total)); /* the whole datagram's */
		w16(&w, 0);
	} else {
		w8(&w, f->type ? f->type : 128);
		w8(&w, f->code);
		w16(&w, 0);
		w16(&w, (uint16_t)f->sport); /* echo id, or the error's unused word */
		w16(&w, 1);
	}
	for (size_t i = 0; i < pay; i++)
		w8(&w, (uint8_t)(0xa0 + i));
	/* the sum over the whole datagram: this fragment's header and bytes, then the rest */
	memcpy(whole, p->buf + l4, l4len);
	for (size_t i = pay; i < total; i++)
		whole[hl + i] = (uint8_t)(0xa0 + i);
	csum = csum6(p->buf + ip + 8, p->buf + ip + 24, proto, whole, hl + total);
	if (f->kind == F6_UDP && !csum)
		csum = 0xffff;
	if (f->kind == F6_UDP && f->no_csum)
		csum = 0;
	p->buf[l4 + (f->kind == F6_TCP ? 16 : f->kind == F6_UDP ? 6 : 2)] = csum >> 8;
	p->buf[l4 + (f->kind == F6_TCP ? 16 : f->kind == F6_UDP ? 6 : 2) + 1] = csum & 0xff;
	p->len = w.n;
	return true;
}

/* f6_csum_ok(): nat66_frame.h */
bool f6_csum_ok(const uint8_t *fr, size_t len, char *why, size_t wl)
{
	const uint8_t *ip = fr + 14;
	size_t off = 54, plen;
	uint8_t next;

	if (len < 54 || fr[12] != 0x86 || fr[13] != 0xdd) {
		snprintf(why, wl, "not an IPv6 frame");
		return false;
	}
	plen = (size_t)ip[4] << 8 | ip[5];
	next = ip[6];
	if (next == 44) {
		if (len < 62 || (fr[off + 2] << 8 | fr[off + 3]) & 0xfff9)
			return true; /* a later fragment, or a first of more: no sum of its own */
		next = fr[off];
		off += 8;
	}
	if (14 + 40 + plen > len || off > 54 + plen) {
		snprintf(why, wl, "payload length %zu beyond the frame", plen);
		return false;
	}
	if (next == 17 && fr[off + 6] == 0 && fr[off + 7] == 0) {
		snprintf(why, wl, "UDP over IPv6 without a checksum");
		return false;
	}
	if ((next == 6 || next == 17 || next == 58) &&
	    csum6(ip + 8, ip + 24, next, fr + off, 54 + plen - off) != 0) {
		snprintf(why, wl, "L4 checksum (proto %u) wrong", next);
		return false;
	}
	return true;
}
