/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * IPv6 addresses as the NAT66 paths sort them: in a lab subnet
 * (networks6) or not, as a destination and a source in one scan, and the
 * sources no packet from the wire may carry (lib/addr6.h's classes).
 */
#ifndef NSBPF_LIB_LAB6_H
#define NSBPF_LIB_LAB6_H

#include "lib/verdict.h"
#include "lib/addr6.h"

/*
 * A source nothing on a link may send from: :: (only duplicate address
 * detection, to a multicast group), ::1, IPv4-mapped (addr6_martian()),
 * multicast.
 */
static __always_inline bool addr6_special_src(const __be32 *a)
{
	return addr6_multicast(a) || addr6_martian(a);
}

enum lab6_hit {
	LAB6_DST = 1 << 0, /* the destination is in a lab subnet */
	LAB6_SRC = 1 << 1, /* the source is */
};

struct __lab6_hits_ctx {
	__be32 dst[4], src[4];
	__u32 hits; /* enum lab6_hit */
	__u32 want; /* the hits that end the scan */
};

/*
 * bpf_loop() callback: one networks6 slot. The list ends where IPv4's
 * does (lib/subnets.h): at the first networks slot with neither
 * NSB_NET_F_USED nor NSB_NET_F_HOLE; a network without IPv6 has no
 * NSB_NET_F_USED in networks6 and is walked past.
 */
static long __lab6_hits_net(__u32 id, void *arg)
{
	struct __lab6_hits_ctx *c = arg;
	const struct nsb_network *net = bpf_map_lookup_elem(&networks, &id);
	const struct nsb_network6 *n6;

	if (!net || !(net->flags & (NSB_NET_F_USED | NSB_NET_F_HOLE)))
		return 1;
	n6 = bpf_map_lookup_elem(&networks6, &id);
	if (!n6 || !(n6->flags & NSB_NET_F_USED) || !n6->prefixlen)
		return 0;
	if (addr6_in(c->dst, n6->subnet, n6->prefixlen))
		c->hits |= LAB6_DST;
	if (addr6_in(c->src, n6->subnet, n6->prefixlen))
		c->hits |= LAB6_SRC;
	return (c->hits & c->want) == c->want;
}

/* Surely in no subnet6? config.lab6_outside's bit of a's /48 (nsbpf_maps.h). */
static __always_inline bool lab6_outside(const struct nsb_config *cfg, const __be32 *a)
{
	__u32 slot = NSB_LAB6_SLOT(bpf_ntohl(a[0]), bpf_ntohl(a[1]));

	return (cfg->lab6_outside[(slot / 64) & (NSB_LAB6_OUTSIDE_WORDS - 1)] >> (slot % 64)) & 1;
}

/* Surely no address of the host's? config.host6_outside's bit of a (nsbpf_maps.h). */
static __always_inline bool host6_outside(const struct nsb_config *cfg, const __be32 *a)
{
	__u32 slot =
		NSB_HOST6_SLOT(bpf_ntohl(a[0]), bpf_ntohl(a[1]), bpf_ntohl(a[2]), bpf_ntohl(a[3]));

	return (cfg->host6_outside[(slot / 64) & (NSB_LAB6_OUTSIDE_WORDS - 1)] >> (slot % 64)) & 1;
}

/*
 * Which of dst and src lie in a lab subnet (enum lab6_hit); want: the
 * hits after which the answer cannot change (the scan stops). Neither
 * when cfg's summary says both are outside (the host's own traffic: no
 * scan); cfg NULL: always the scan. bpf_loop() keeps the verifier's cost
 * at one pass over the callback.
 */
static __always_inline __u32 lab6_scan(const struct nsb_config *cfg, const __be32 *dst,
				       const __be32 *src, __u32 want)
{
	struct __lab6_hits_ctx c = { .want = want };

	if (cfg && lab6_outside(cfg, dst) && lab6_outside(cfg, src))
		return 0;
	addr6_copy(c.dst, dst);
	addr6_copy(c.src, src);
	bpf_loop(NSB_MAX_NETWORKS, __lab6_hits_net, &c, 0);
	return c.hits;
}

#endif /* NSBPF_LIB_LAB6_H */
