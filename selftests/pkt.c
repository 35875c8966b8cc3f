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
		return 0x0800;
	case FR_IPV6:
		return 0x86dd;
	default:
		return 0x88b5;	/* IEEE local experimental */
	}
}

uint16_t inet_csum(const uint8_t *data, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)data[i] << 8 | data[i + 1];
	if (len & 1)
		sum += (uint32_t)data[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
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

static void build_ipv4(const struct frame *f, struct wr *w)
{
	unsigned int ihl = f->ihl ? f->ihl : 5;
	size_t payload = f->payload_len ? f->payload_len : 16;
	size_t start = w->len, hlen = ihl * 4;
	uint16_t csum;

	put8(w, (uint8_t)((f->version ? f->version : 4) << 4 | (ihl & 0x0f)));
	put8(w, 0);						/* DSCP, ECN */
	put16(w, f->tot_len ? f->tot_len : (uint16_t)(hlen + payload));
	put16(w, 0x1234);					/* id */
	put16(w, 0x4000);					/* DF */
	put8(w, f->ttl == TTL_ZERO ? 0 : f->ttl ? (uint8_t)f->ttl : 64);
	put8(w, f->proto ? f->proto : 17);
	put16(w, 0);						/* checksum, below */
	put32(w, f->saddr);
	put32(w, f->daddr);
	for (size_t i = 20; i < hlen; i += 4) {
		if (i == 20) {
			put32(w, 0x94040000);			/* Router Alert */
		} else {
			put32(w, 0x01010101);			/* NOP x 4 */
		}
	}
	if (w->overflow || ihl < 5)
		goto payload;
	csum = inet_csum(w->buf + start, hlen);
	w->buf[start + 10] = csum >> 8;
	w->buf[start + 11] = csum & 0xff;
payload:
	put_pattern(w, payload);
}

static void build_ipv6(const struct frame *f, struct wr *w)
{
	size_t payload = f->payload_len ? f->payload_len : 16;
	static const uint8_t src[16] = { 0xfe, 0x80, [15] = 0x0b };
	static const uint8_t dst[16] = { 0xff, 0x02, [15] = 0x01 };

	put32(w, 0x60000000);			/* version 6 */
	put16(w, (uint16_t)payload);
	put8(w, 59);				/* no next header */
	put8(w, 255);
	put(w, src, 16);
	put(w, dst, 16);
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
