/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Inside map_dump: the walk's context, the field builders, one decoder per map. */
#ifndef NSBPF_LAB_MAP_DECODE_H
#define NSBPF_LAB_MAP_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#include "lab/map_dump.h"
#include "nsbpf_maps.h"

struct map_walk {
	uint64_t now_ns;			 /* CLOCK_MONOTONIC, bpf_ktime_get_ns()'s clock */
	const char *net_names[NSB_MAX_NETWORKS]; /* by network id, NULL: none */
	int ncpu;				 /* per-CPU maps: values in a row */
};

/* Decode one entry into me (empty); false: skip it (an empty slot). */
typedef bool (*map_decode_fn)(const struct map_walk *w, const void *key, const void *val,
			      struct map_entry *me);

struct map_decoder {
	const char *name;
	unsigned int key_size, value_size;
	map_decode_fn decode;
};

/* The decoder of a map of lab_maps, or NULL. */
const struct map_decoder *map_decoder_find(const char *name);

/* Field builders: each appends one field to me (silently dropped past MAP_FIELDS_MAX). */
void mf_uint(struct map_entry *me, const char *name, uint64_t v);
void mf_ip(struct map_entry *me, const char *name, __be32 wire);
/* An IPv6 address, four wire-order words (nsbpf_maps6.h) */
void mf_ip6(struct map_entry *me, const char *name, const __be32 wire[4]);
void mf_port(struct map_entry *me, const char *name, __be16 wire);
void mf_mac(struct map_entry *me, const char *name, const uint8_t mac[6]);
/* names[v] when v < n and names[v] is set, else the number */
void mf_name(struct map_entry *me, const char *name, const char *const *names, size_t n,
	     uint64_t v);
void mf_flags(struct map_entry *me, const char *name, const char *const *names, size_t n,
	      uint64_t bits);
void mf_proto(struct map_entry *me, const char *name, uint8_t proto);
/* Seconds since ts (a bpf_ktime_get_ns() time); null when ts is 0 (never). */
void mf_age(struct map_entry *me, const char *name, const struct map_walk *w, uint64_t ts);
void mf_secs(struct map_entry *me, const char *name, uint64_t ns);
/* The fields so far are the key. */
void mf_key_done(struct map_entry *me);

#endif /* NSBPF_LAB_MAP_DECODE_H */
