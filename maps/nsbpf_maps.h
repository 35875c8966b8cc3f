/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The ABI between the BPF programs and the loader: map keys and values,
 * flags and limits. Wire-order fields are typed __be* and stay in wire order
 * in the maps; the CLI converts once. Any change of a struct here bumps
 * NSB_LAYOUT_VERSION, so a loader never silently reuses pinned maps of
 * another layout.
 */
#ifndef NSBPF_MAPS_H
#define NSBPF_MAPS_H

#ifndef __bpf__
#include <linux/types.h>
#endif /* !__bpf__ */

#include "nsbpf_drop.h"

#define NSB_LAYOUT_VERSION	1

#define NSB_MAX_NETWORKS	64	/* reach is a 64-bit mask */
#define NSB_MAX_ENDPOINTS	4096	/* nodes per lab */

/* endpoints: node IPv4 (wire order) -> where and who the node is */
struct nsb_endpoint {
	__u32 ifindex;		/* host end of the node's veth, in the host netns */
	__u32 net_id;		/* index into networks */
	__u8  node_mac[6];	/* eth0 inside the node */
	__u8  host_mac[6];	/* host end: what ARP answers with */
};
_Static_assert(sizeof(struct nsb_endpoint) == 20, "nsb_endpoint is ABI");

#define NSB_NET_F_USED		(1U << 0)	/* slot holds a network */
#define NSB_NET_F_MASQUERADE	(1U << 1)	/* SNAT to the uplink (masquerade issue) */

/* networks: array, net_id -> subnet and policy */
struct nsb_network {
	__be32 subnet;		/* wire order, host bits zero */
	__be32 mask;		/* wire order */
	__be32 gateway;		/* wire order, lives on the host */
	__u32  flags;		/* NSB_NET_F_* */
	__u64  reach;		/* bit n set: may exchange packets with network n */
};
_Static_assert(sizeof(struct nsb_network) == 24, "nsb_network is ABI");

/* config: array of one; the layout version is always the first field */
struct nsb_config {
	__u32 layout;		/* NSB_LAYOUT_VERSION of the loader that created the maps */
	__u32 flags;
	__u32 uplink_ifindex;	/* 0: none */
	__be32 uplink_addr;	/* wire order, 0: none */
};
_Static_assert(sizeof(struct nsb_config) == 16, "nsb_config is ABI");

/* stats: per-CPU array indexed by enum nsb_path or NSB_STAT_DROP_BASE + reason */
struct nsb_counter {
	__u64 packets;
	__u64 bytes;
};

/*
 * trace: array of one, written only when the program was loaded with
 * nsb_trace_enabled set (the selftests do). It makes the redirect target and
 * the decision observable to BPF_PROG_TEST_RUN, which only returns a verdict.
 */
struct nsb_trace {
	__u32 redirect_ifindex;	/* 0: no redirect */
	__u32 redirect_flags;	/* NSB_TRACE_F_* */
	__u32 path;		/* enum nsb_path + 1, or 0 */
	__u32 drop;		/* enum nsb_drop, or NSB_DROP_NONE */
};

#define NSB_TRACE_F_PEER	(1U << 0)	/* bpf_redirect_peer() */
#define NSB_TRACE_F_EGRESS	(1U << 1)	/* bpf_redirect() out of ifindex */

#endif /* NSBPF_MAPS_H */
