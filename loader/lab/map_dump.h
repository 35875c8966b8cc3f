/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A lab's pinned maps decoded entry by entry (`nsbpf map dump`): what
 * bpftool cannot show from BTF alone. Addresses in host order, ports in host
 * order, MACs as bytes, enums and flag bits by name, nanosecond clocks as
 * seconds ago, per-CPU counters summed, empty array slots skipped. Never
 * prints: cli/ turns the fields into a table or JSON.
 */
#ifndef NSBPF_LAB_MAP_DUMP_H
#define NSBPF_LAB_MAP_DUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lab/lab.h"
#include "util/err.h"

enum map_field_kind {
	MAP_F_UINT,  /* u (ports already in host order) */
	MAP_F_IPV4,  /* u: the address, host order */
	MAP_F_IPV6,  /* ip6: the address, wire order */
	MAP_F_MAC,   /* mac */
	MAP_F_NAME,  /* s: an enum's name; NULL when the value u has none */
	MAP_F_FLAGS, /* u: bits; names[i] names bit i (NULL or past n_names: "bitI") */
	MAP_F_SECS,  /* u: whole seconds (an age, a timeout) */
};

struct map_field {
	const char *name; /* JSON member, and the text column in upper case */
	enum map_field_kind kind;
	bool detail; /* JSON only: the text table stays narrow */
	bool null;   /* no value: JSON null, "-" in text (a clock never set) */
	uint64_t u;
	uint8_t mac[6];
	uint8_t ip6[16];
	const char *s;
	const char *const *names;
	size_t n_names;
};

#define MAP_FIELDS_MAX 40

/* One entry: f[0..n_key) its key, f[n_key..n) its value. */
struct map_entry {
	size_t n_key, n;
	bool detail; /* fields added from now on are detail */
	struct map_field f[MAP_FIELDS_MAX];
};

/* A map nsbpf decodes. */
struct map_kind_info {
	const char *name; /* its pin name under /sys/fs/bpf/nsbpf/LAB/ */
	const char *type; /* "hash", "array", ... as bpftool says */
	bool single;	  /* an array of one entry (config, gc) */
	const char *about;
};

/* The maps lab_map_dump() decodes, in the order `map dump LAB` shows them. */
extern const struct map_kind_info lab_maps[];
extern const size_t lab_maps_n;
const struct map_kind_info *lab_map_find(const char *name);

typedef int (*map_entry_fn)(const struct map_entry *me, void *arg);

/*
 * fn for each entry of the lab's map (one of lab_maps): a non-zero return
 * stops the walk and is returned. -ENOENT: not pinned; -EPROTO: its key or
 * value size is not this nsbpf's; other -errno from the kernel; e says which.
 */
int lab_map_dump(const struct lab_info *li, const char *map, map_entry_fn fn, void *arg,
		 struct err_msg *e);

#endif /* NSBPF_LAB_MAP_DUMP_H */
