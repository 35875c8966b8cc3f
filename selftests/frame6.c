// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* IPv6 frames for the selftests (frame6.h). */
#include <string.h>

#include "frame6.h"

static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 0x01 };

/* w6_put(): frame6.h */
void w6_put(struct w6 *w, const void *src, size_t n)
{
	if (w->len + n > PKT_MAX) {
		w->overflow = true;
		return;
	}
	if (src)
		memcpy(w->buf + w->len, src, n);
	else
		memset(w->buf + w->len, 0, n);
	w->len += n;
}

/* w6_put8(): frame6.h */
void w6_put8(struct w6 *w, uint8_t v)
{
	w6_put(w, &v, 1);
}

/* w6_put16(): frame6.h */
void w6_put16(struct w6 *w, uint16_t v)
{
	uint8_t b[2] = { v >> 8, v & 0xff };

	w6_put(w, b, 2);
}

/* w6_put32(): frame6.h */
void w6_put32(struct w6 *w, uint32_t v)
{
	uint8_t b[4] = { v >> 24, v >> 16, v >> 8, v };

	w6_put(w, b, 4);
}

static void set16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* RFC 1071 one's complement sum of 16-bit big-endian words */
static uint32_t sum16(uint32_t sum, const uint8_t *d, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)d[i] << 8 | d[i + 1];
	if (n & 1)
		sum += (uint32_t)d[n - 1] << 8;
	return sum;
}

/* csum6(): frame6.h */
uint16_t csum6(const uint8_t *src, const uint8_t *dst, uint8_t proto, const uint8_t *l4, size_t len)
{
	uint32_t sum = sum16(0, src, 16);

	sum = sum16(sum, dst, 16);
	sum += (uint32_t)(len >> 16) + (uint32_t)(len & 0xffff) + proto;
	sum = sum16(sum, l4, len);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void ll_of(const uint8_t *mac, uint8_t *a)
{
	static const uint8_t zero[6];

	if (!mac)
		mac = zero;
	memset(a, 0, 16);
	a[0] = 0xfe;
	a[1] = 0x80;
	a[8] = mac[0] ^ 2;
	a[9] = mac[1];
	a[10] = mac[2];
	a[11] = 0xff;
	a[12] = 0xfe;
	a[13] = mac[3];
	a[14] = mac[4];
	a[15] = mac[5];
}

static void put_pattern(struct w6 *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		w6_put8(w, (uint8_t)(0xa0 + i));
}

bool frame6_build(const struct frame6 *f, struct pkt *p)
{
	uint8_t proto = f->proto ? f->proto : 17, src[16];
	const uint8_t *dst = f->daddr ? f->daddr : all_nodes;
	struct w6 w = { 0 };
	size_t ip, l4;

	memset(p, 0, sizeof(*p));
	w.buf = p->buf;
	w6_put(&w, f->dst, 6);
	w6_put(&w, f->src, 6);
	w6_put16(&w, 0x86dd);
	if (f->saddr)
		memcpy(src, f->saddr, 16);
	else
		ll_of(f->src, src);
	ip = w.len;
	w6_put32(&w, (uint32_t)(f->version ? f->version : 6) << 28);
	w6_put16(&w, 0); /* payload length, below */
	w6_put8(&w, f->n_ext ? f->ext[0] : proto);
	w6_put8(&w, f->hop == HOP_ZERO ? 0 : f->hop ? (uint8_t)f->hop : 64);
	w6_put(&w, src, 16);
	w6_put(&w, dst, 16);
	for (int i = 0; i < f->n_ext && i < 8; i++) {
		uint8_t next = i + 1 < f->n_ext ? f->ext[i + 1] : proto;

		w6_put8(&w, next);
		if (f->ext[i] == EXT_FRAG) {
			w6_put8(&w, 0);
			w6_put16(&w, (uint16_t)(f->frag_off << 3 | f->frag_more));
			w6_put32(&w, 0x01020304);
		} else if (f->ext[i] == EXT_RH) {
			w6_put8(&w, 0);
			w6_put8(&w, 253); /* routing type: experimental; segments left 0 */
			w6_put8(&w, 0);
			w6_put32(&w, 0);
		} else {
			w6_put8(&w, f->ext_len);
			w6_put8(&w, 1); /* PadN over the rest */
			w6_put8(&w, (uint8_t)(4 + 8 * f->ext_len));
			w6_put32(&w, 0);
			for (int j = 0; j < f->ext_len; j++)
				w6_put(&w, NULL, 8);
		}
	}
	l4 = w.len;
	if (f->n_ext && f->ext[f->n_ext - 1] == EXT_FRAG && f->frag_off) {
		put_pattern(&w, f->payload_len ? f->payload_len : 16); /* a later fragment */
	} else if (proto == 58) {
		w6_put8(&w, f->icmp_type);
		w6_put8(&w, f->icmp_code);
		w6_put16(&w, 0);
		w6_put32(&w, f->nd_flags);
		if (f->target) {
			w6_put(&w, f->target, 16);
			for (int i = 0; i < 3 && f->opt[i].type; i++) {
				uint8_t len = f->opt[i].len ? f->opt[i].len : 1;

				w6_put8(&w, f->opt[i].type);
				w6_put8(&w, f->opt[i].zero_len ? 0 : len);
				w6_put(&w, f->opt[i].mac, 6);
				w6_put(&w, NULL, 8 * (size_t)len - 8);
			}
		} else {
			put_pattern(&w, f->payload_len ? f->payload_len : 16);
		}
	} else if (proto == 17) {
		size_t n = 8 + (f->payload_len ? f->payload_len : 16);

		w6_put16(&w, 5000);
		w6_put16(&w, 6000);
		w6_put16(&w, (uint16_t)n);
		w6_put16(&w, 0);
		put_pattern(&w, n - 8);
	} else if (proto == 6) {
		w6_put16(&w, 5000);
		w6_put16(&w, 6000);
		w6_put32(&w, 1);
		w6_put32(&w, 0);
		w6_put16(&w, 0x5002); /* 20 bytes, SYN */
		w6_put16(&w, 65535);
		w6_put32(&w, 0);
		put_pattern(&w, f->payload_len);
	} else {
		put_pattern(&w, f->payload_len ? f->payload_len : 16);
	}
	if (w.overflow)
		return false;
	set16(p->buf + ip + 4, f->plen ? f->plen : (uint16_t)(w.len - ip - 40));
	if (!(f->n_ext && f->ext[f->n_ext - 1] == EXT_FRAG && f->frag_off) &&
	    (proto == 58 || proto == 17 || proto == 6)) {
		size_t at = l4 + (proto == 58 ? 2 : proto == 17 ? 6 : 16);
		uint16_t c = csum6(src, dst, proto, p->buf + l4, w.len - l4);

		if (proto == 17 && !c)
			c = 0xffff;
		set16(p->buf + at, (uint16_t)(c + (f->bad_csum ? 1 : 0)));
	}
	while (f->pad_to && w.len < f->pad_to)
		w6_put8(&w, 0);
	p->len = f->trunc && f->trunc < w.len ? f->trunc : w.len;
	return !w.overflow;
}

bool frame6_csum_ok(const uint8_t *fr, size_t len)
{
	size_t plen;
	uint8_t proto;

	if (len < 54 || fr[12] != 0x86 || fr[13] != 0xdd)
		return true;
	plen = (size_t)fr[18] << 8 | fr[19];
	proto = fr[20];
	if ((proto != 58 && proto != 17) || 54 + plen > len)
		return proto != 58 && proto != 17;
	/* a packet that carries its checksum sums to 0 (complemented 0xffff) */
	return csum6(fr + 22, fr + 38, proto, fr + 54, plen) == 0;
}
