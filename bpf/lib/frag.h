/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * IPv4 fragments of translated datagrams. The first fragment carries the
 * ports and is translated like any packet; it records what the later ones
 * (no ports) need, keyed by addresses, IP id and protocol as they arrive.
 * A later fragment that finds nothing (lost or reordered first fragment,
 * entry evicted or older than NSB_FRAG_TIMEOUT_NS) is dropped by from_node
 * (reason frag) and left to the host by from_uplink.
 */
#ifndef NSBPF_LIB_FRAG_H
#define NSBPF_LIB_FRAG_H

#include "lib/flow.h"

static __always_inline void frag_record(__be32 saddr, __be32 daddr, __be16 id, __u8 proto, __u8 dir,
					const struct nsb_ct_key *ct_key, __be32 to_addr, __u64 now)
{
	struct nsb_frag_key k = {
		.saddr = saddr,
		.daddr = daddr,
		.id = id,
		.proto = proto,
		.dir = dir,
	};
	struct nsb_frag_val val = { .ct = *ct_key, .to_addr = to_addr, .first_ns = now };

	/* best effort: without it the later fragments are not translated */
	bpf_map_update_elem(&frags, &k, &val, BPF_ANY);
}

static __always_inline const struct nsb_frag_val *frag_lookup(__be32 saddr, __be32 daddr, __be16 id,
							      __u8 proto, __u8 dir, __u64 now)
{
	struct nsb_frag_key k = {
		.saddr = saddr,
		.daddr = daddr,
		.id = id,
		.proto = proto,
		.dir = dir,
	};
	const struct nsb_frag_val *val = bpf_map_lookup_elem(&frags, &k);

	if (!val || (now > val->first_ns && now - val->first_ns > NSB_FRAG_TIMEOUT_NS))
		return NULL;
	return val;
}

/*
 * The last fragment (no MF) went through: its datagram is done, and a later
 * datagram with the same addresses and IP id (the host's own, say) must
 * not follow its record. Fragments out of order after the last one are
 * lost (dropped by from_node, the host's at from_uplink), as if evicted.
 */
static __always_inline void frag_done(__be32 saddr, __be32 daddr, __be16 id, __u8 proto, __u8 dir)
{
	struct nsb_frag_key k = {
		.saddr = saddr,
		.daddr = daddr,
		.id = id,
		.proto = proto,
		.dir = dir,
	};

	bpf_map_delete_elem(&frags, &k);
}

#endif /* NSBPF_LIB_FRAG_H */
