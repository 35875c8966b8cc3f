/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Names to indices in O(1): an open-addressing hash over borrowed strings,
 * so that duplicate keys and name lookups in a file of n names cost O(n)
 * instead of comparing every pair.
 */
#ifndef NSBPF_UTIL_STRMAP_H
#define NSBPF_UTIL_STRMAP_H

#include <stdbool.h>
#include <stddef.h>

struct strmap_slot {
	const char *key; /* NULL: empty; borrowed, must outlive the map */
	size_t val;
};

struct strmap {
	struct strmap_slot *slots;
	size_t cap, n; /* cap: 0 or a power of two, at least twice n */
};

/*
 * Map key to val. 0 when added, -EEXIST when key is there already (its
 * value in *old when old is not NULL, the map unchanged), or -ENOMEM.
 */
int strmap_add(struct strmap *m, const char *key, size_t val, size_t *old);
/* The value of key in *val: false when it is not there. */
bool strmap_get(const struct strmap *m, const char *key, size_t *val);
void strmap_free(struct strmap *m);

#endif /* NSBPF_UTIL_STRMAP_H */
