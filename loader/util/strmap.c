// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Names to indices: linear probing in a table kept at most half full. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/strmap.h"

/* FNV-1a: short names; a file crafted to collide only slows down its own author. */
static size_t hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return (size_t)(h ^ (h >> 32));
}

static struct strmap_slot *slot_of(const struct strmap *m, const char *key)
{
	size_t i = hash_str(key) & (m->cap - 1);

	while (m->slots[i].key && strcmp(m->slots[i].key, key))
		i = (i + 1) & (m->cap - 1);
	return &m->slots[i];
}

static int grow(struct strmap *m)
{
	struct strmap old = *m;
	size_t cap = m->cap ? m->cap * 2 : 16;

	m->slots = calloc(cap, sizeof(*m->slots));
	if (!m->slots) {
		*m = old;
		return -ENOMEM;
	}
	m->cap = cap;
	for (size_t i = 0; i < old.cap; i++)
		if (old.slots[i].key)
			*slot_of(m, old.slots[i].key) = old.slots[i];
	free(old.slots);
	return 0;
}

int strmap_add(struct strmap *m, const char *key, size_t val, size_t *old)
{
	struct strmap_slot *s;

	if ((m->n + 1) * 2 > m->cap && grow(m))
		return -ENOMEM;
	s = slot_of(m, key);
	if (s->key) {
		if (old)
			*old = s->val;
		return -EEXIST;
	}
	*s = (struct strmap_slot){ .key = key, .val = val };
	m->n++;
	return 0;
}

bool strmap_get(const struct strmap *m, const char *key, size_t *val)
{
	const struct strmap_slot *s;

	if (!m->cap)
		return false;
	s = slot_of(m, key);
	if (!s->key)
		return false;
	*val = s->val;
	return true;
}

void strmap_free(struct strmap *m)
{
	free(m->slots);
	memset(m, 0, sizeof(*m));
}
