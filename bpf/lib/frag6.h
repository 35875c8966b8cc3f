/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * IPv6 fragments of translated datagrams, as lib/frag.h for IPv4. The
 * first fragment (offset 0, M set) carries the ports and is translated
 * like any packet; it records in frags6 what the later ones (no ports)
 * need, keyed by addresses, the fragment header's 32-bit identification,
 * the upper-layer protocol and the direction as they arrive. A later
 * fragment that finds nothing (lost or reordered first fragment, entry
 * evicted or older than NSB_FRAG6_TIMEOUT_NS) is dropped by from_node
 * (reason frag) and left to the host by from_uplink. The last fragment (M
 * clear) ends its record, as frag_done().
 *
 * The key and value are built in the caller's room (a map value), not on
 * the stack: the callers run on top of chains that fill most of the 512
 * bytes, and 6.1 takes map keys from map values as from the stack.
 */
#ifndef NSBPF_LIB_FRAG6_H
#define NSBPF_LIB_FRAG6_H

#include "lib/addr6.h"

struct frag6_room {
	struct nsb_frag6_key k;
	struct nsb_frag6_val val;
};

static __always_inline void frag6_key(struct nsb_frag6_key *k, const __be32 *saddr,
				      const __be32 *daddr, __be32 id, __u8 proto, __u8 dir)
{
	__builtin_memset(k, 0, sizeof(*k));
	addr6_copy(k->saddr, saddr);
	addr6_copy(k->daddr, daddr);
	k->id = id;
	k->proto = proto;
	k->dir = dir;
}

/* fr->k built by frag6_key(): record the flow ck and the new address to_addr. */
static __always_inline void frag6_record(struct frag6_room *fr, const struct nsb_ct6_key *ck,
					 const __be32 *to_addr, __u64 now)
{
	fr->val.ct = *ck;
	addr6_copy(fr->val.to_addr, to_addr);
	fr->val.first_ns = now;
	/* best effort: without it the later fragments are not translated */
	bpf_map_update_elem(&frags6, &fr->k, &fr->val, BPF_ANY);
}

/* fr->k built by frag6_key(): its record, if young enough. */
static __always_inline struct nsb_frag6_val *frag6_lookup(struct frag6_room *fr, __u64 now)
{
	struct nsb_frag6_val *val = bpf_map_lookup_elem(&frags6, &fr->k);

	if (!val || (now > val->first_ns && now - val->first_ns > NSB_FRAG6_TIMEOUT_NS))
		return NULL;
	return val;
}

/* The last fragment went through: its datagram's record goes (see frag_done()). */
static __always_inline void frag6_done(struct frag6_room *fr)
{
	bpf_map_delete_elem(&frags6, &fr->k);
}

#endif /* NSBPF_LIB_FRAG6_H */
