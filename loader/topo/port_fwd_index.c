// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The index behind the overlap rule of port forwards (port_fwd_spec.h):
 * every (protocol, address, port) a forward claims, so that a file's or a
 * lab's forwards are checked in O(ports) instead of pair by pair.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>

#include "topo/port_fwd_spec.h"

/*
 * Owners are 1-based places in the order forwards were added (0: none), so
 * that a clash names the earliest forward whatever port it is found on.
 * Triples with a specific address live in an open-addressing hash.
 */
struct fwd_slot {
	uint32_t ip;
	uint16_t port;
	uint8_t proto; /* 0: empty */
	uint32_t owner;
};

struct fwd_index {
	uint32_t any[2][65536];	 /* [udp?][port]: the first any-address owner */
	uint32_t some[2][65536]; /* the first specific-address owner of the port */
	struct fwd_slot *slots;
	size_t cap, used;
	const struct fwd_spec **owners; /* owner n is owners[n - 1] */
	size_t n_owners, cap_owners;
};

struct fwd_index *fwd_index_new(void)
{
	return calloc(1, sizeof(struct fwd_index));
}

void fwd_index_free(struct fwd_index *ix)
{
	if (ix) {
		free(ix->slots);
		free(ix->owners);
	}
	free(ix);
}

static size_t slot_hash(uint8_t proto, uint32_t ip, uint16_t port, size_t cap)
{
	uint64_t h = ((uint64_t)ip << 24) ^ ((uint64_t)port << 8) ^ proto;

	h *= 0x9e3779b97f4a7c15ULL;
	return (size_t)(h >> 17) & (cap - 1);
}

static struct fwd_slot *slot_find(const struct fwd_index *ix, uint8_t proto, uint32_t ip,
				  uint16_t port)
{
	size_t i;

	if (!ix->cap)
		return NULL;
	for (i = slot_hash(proto, ip, port, ix->cap);; i = (i + 1) & (ix->cap - 1)) {
		struct fwd_slot *s = &ix->slots[i];

		if (!s->proto)
			return s;
		if (s->proto == proto && s->ip == ip && s->port == port)
			return s;
	}
}

static int slots_reserve(struct fwd_index *ix, size_t more)
{
	struct fwd_slot *old = ix->slots;
	size_t old_cap = ix->cap, cap = ix->cap ? ix->cap : 64;

	while ((ix->used + more) * 2 > cap)
		cap *= 2;
	if (cap == ix->cap)
		return 0;
	ix->slots = calloc(cap, sizeof(*ix->slots));
	if (!ix->slots) {
		ix->slots = old;
		return -ENOMEM;
	}
	ix->cap = cap;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].proto)
			*slot_find(ix, old[i].proto, old[i].ip, old[i].port) = old[i];
	free(old);
	return 0;
}

static uint32_t earliest(uint32_t a, uint32_t b)
{
	if (!a || !b)
		return a | b;
	return a < b ? a : b;
}

const struct fwd_spec *fwd_index_find(const struct fwd_index *ix, const struct fwd_spec *f)
{
	int p = f->proto == IPPROTO_UDP;
	uint32_t first = 0;
	struct fwd_slot *s;

	for (unsigned int port = f->port; port <= f->port_end; port++) {
		first = earliest(first, ix->any[p][port]);
		if (!f->host_ip) {
			first = earliest(first, ix->some[p][port]);
			continue;
		}
		s = slot_find(ix, f->proto, f->host_ip, (uint16_t)port);
		if (s && s->proto)
			first = earliest(first, s->owner);
	}
	return first ? ix->owners[first - 1] : NULL;
}

int fwd_index_add(struct fwd_index *ix, const struct fwd_spec *f)
{
	int p = f->proto == IPPROTO_UDP;
	const struct fwd_spec **owners;
	struct fwd_slot *s;
	uint32_t me;

	if (f->host_ip && slots_reserve(ix, (size_t)(f->port_end - f->port) + 1))
		return -ENOMEM;
	if (ix->n_owners == ix->cap_owners) {
		size_t cap = ix->cap_owners ? ix->cap_owners * 2 : 16;

		owners = reallocarray(ix->owners, cap, sizeof(*owners));
		if (!owners)
			return -ENOMEM;
		ix->owners = owners;
		ix->cap_owners = cap;
	}
	ix->owners[ix->n_owners++] = f;
	me = (uint32_t)ix->n_owners;
	for (unsigned int port = f->port; port <= f->port_end; port++) {
		uint32_t *first = f->host_ip ? &ix->some[p][port] : &ix->any[p][port];

		if (!*first)
			*first = me;
		if (!f->host_ip)
			continue;
		s = slot_find(ix, f->proto, f->host_ip, (uint16_t)port);
		if (s->proto)
			continue;
		*s = (struct fwd_slot){
			.ip = f->host_ip, .port = (uint16_t)port, .proto = f->proto, .owner = me
		};
		ix->used++;
	}
	return 0;
}

static int clash(const struct fwd_spec *f, const struct fwd_spec *o, char *err, size_t len)
{
	char a[128], b[128];

	fwd_format(f, a, sizeof(a));
	fwd_format(o, b, sizeof(b));
	if (o->host_ip == f->host_ip && o->port == f->port && o->port_end == f->port_end &&
	    o->proto == f->proto) {
		snprintf(err, len, "a forward for %s exists already (%s)", a, b);
		return -EEXIST;
	}
	snprintf(err, len, "%s overlaps the forward %s", a, b);
	return -EADDRINUSE;
}

int fwd_index_claim(struct fwd_index *ix, const struct fwd_spec *f, char *err, size_t len)
{
	const struct fwd_spec *o = fwd_index_find(ix, f);

	return o ? clash(f, o, err, len) : fwd_index_add(ix, f);
}
