/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Masquerade at from_node: what a node sends to no node of the lab.
 *
 *   a port forward's reply (F_DNAT in ct): as a masqueraded flow (rev_dnat),
 *   even when the network does not masquerade; to the host or a gateway:
 *   hairpin's first (lib/hairpin.h), then
 *
 *   to the host (its addresses in host_addrs, the uplink address, a lab
 *   gateway or broadcast, 0/8, 127/8, multicast and above)   to_host (next)
 *   to an unused lab address                                  no_endpoint
 *   to a remote subnet of the node's network, no flow of ours  remote_out
 *     (natively, lib/remote.h: a router's checks below, TTL - 1)
 *   outside, the network does not masquerade                  no_masquerade
 *   outside, the lab has no uplink                            no_uplink
 *   outside: a router's checks first (Linux's ip_forward order):
 *     TTL <= 1                       ICMP time exceeded back to the node
 *     too big for the uplink, DF     ICMP fragmentation needed (next-hop MTU)
 *     too big, no DF                 mtu (nothing here fragments)
 *   then SNAT to config.uplink_addr with a port from the flow's ct entry
 *   (found, or created with a claimed port), TTL - 1, and out of the uplink
 *   with bpf_redirect_neigh(): the kernel routes and resolves the next hop.
 *
 * An existing flow is known by its ct entry alone: the destination was
 * checked when the entry was made (`nsbpf nat off` stops new flows only).
 * Only TCP, UDP and ICMP echo requests are masqueraded (else nat_proto);
 * later fragments follow their first (frags map) or are dropped (frag).
 *
 * Maps read: config, host_addrs, networks, ct, nat_ports, frags, forwards,
 * endpoints. Written: ct, nat_ports, frags, forwards (hits).
 */
#ifndef NSBPF_LIB_MASQ_H
#define NSBPF_LIB_MASQ_H

#include "lib/subnets.h"
#include "lib/nat.h"
#include "lib/frag.h"
#include "lib/icmp.h"
#include "lib/port_fwd.h"
#include "lib/remote.h"

/* masq_from_node_v4(): a lab gateway, hairpin's (lib/hairpin.h) or the host's */
#define MASQ_GATEWAY (2 * __NSB_DONE)

/* The host stack's: never out of the uplink (hairpin's to look at first). */
static __always_inline bool masq_host_dest(const struct nsb_config *cfg, __be32 daddr)
{
	__u8 first = bpf_ntohl(daddr) >> 24;

	if (first == 0 || first == 127 || first >= 224)
		return true; /* "this" network, loopback, multicast, reserved, broadcast */
	if (daddr == cfg->uplink_addr)
		return true;
	return lab_addr_maybe(daddr) && bpf_map_lookup_elem(&host_addrs, &daddr);
}

/* every IPv4 link carries 68 bytes (RFC 791); Linux keeps IPv4 off a device with less */
#define IPV4_MIN_MTU 68

#define AF_INET			    2
#define BPF_FIB_LKUP_RET_NOT_FWDED_ 4 /* local, broadcast, multicast: the host's */

/*
 * Is daddr the host's now (an address it gained after up)? Asked of the
 * FIB as the lab's probe device (NSB_FIB_SUFFIX in nsbpf_maps.h), for new
 * flows only: an existing flow's destination was checked when it began.
 * "Not forwarded" is a local, broadcast or multicast route, or no route at
 * all: the host's then too, as nothing could leave by the uplink.
 * The parameters live in the per-CPU scratch room: 64 bytes the call chain
 * cannot spare on the stack. The answer is cached for a second (fib_cache).
 */
static __always_inline bool __masq_fib_local(struct __sk_buff *skb, const struct nsb_config *cfg,
					     __be32 daddr, __u64 now)
{
	struct nsb_fib_seen seen = { .checked_ns = now };
	const struct nsb_fib_seen *c;
	union nsb_scratch *s;
	__u32 zero = 0;

	if (!cfg->fib_ifindex)
		return false;
	c = bpf_map_lookup_elem(&fib_cache, &daddr);
	if (c && seen.checked_ns - c->checked_ns < NSB_FIB_CACHE_NS)
		return c->local;
	s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return false;
	__builtin_memset(&s->fib, 0, sizeof(s->fib));
	s->fib.family = AF_INET;
	s->fib.ifindex = cfg->fib_ifindex;
	s->fib.ipv4_dst = daddr;
	seen.local = bpf_fib_lookup(skb, &s->fib, sizeof(s->fib), 0) == BPF_FIB_LKUP_RET_NOT_FWDED_;
	bpf_map_update_elem(&fib_cache, &daddr, &seen, BPF_ANY);
	return seen.local;
}

/*
 * A new flow (or a fragment of no known one) to daddr, no node: may it be
 * masqueraded? If not, *ret is the verdict. now: the packet's time (a
 * clock read costs 20-40 ns in a VM: one per packet).
 */
static __always_inline bool __masq_allowed(struct __sk_buff *skb, struct nsb_verdict *v,
					   const struct nsb_config *cfg,
					   const struct nsb_endpoint *src, __be32 daddr, __u64 now,
					   int *ret)
{
	const struct nsb_network *snet;
	__u32 id = src->net_id, net_id;

	switch (lab_where_net(daddr, &net_id)) {
	case LAB_GATEWAY:
		*ret = MASQ_GATEWAY; /* hairpin's, or the host's */
		return false;
	case LAB_BROADCAST:
		/* its own network's broadcast only: a forwarding host routes the others */
		*ret = net_id == id ? verdict_pass(v, NSB_PATH_TO_HOST) :
				      nsb_drop(NSB_DROP_MARTIAN);
		return false;
	case LAB_EMPTY:
		*ret = nsb_drop(NSB_DROP_NO_ENDPOINT);
		return false;
	case LAB_FAR:
	case LAB_OUTSIDE:
		break;
	}
	snet = bpf_map_lookup_elem(&networks, &id);
	if (!snet || !(snet->flags & NSB_NET_F_MASQUERADE)) {
		*ret = nsb_drop(NSB_DROP_NO_MASQUERADE);
		return false;
	}
	if (!cfg->uplink_ifindex || !cfg->uplink_addr) {
		*ret = nsb_drop(NSB_DROP_NO_UPLINK);
		return false;
	}
	/* last, and only here: a FIB lookup costs a new flow some 250 ns */
	if (__masq_fib_local(skb, cfg, daddr, now)) {
		*ret = MASQ_GATEWAY; /* the host's since up: hairpin's, or the host's */
		return false;
	}
	return true;
}

/* The ICMP errors' source: the node's gateway (the hop that refuses). */
static __always_inline __be32 __masq_gateway(const struct nsb_config *cfg,
					     const struct nsb_endpoint *src)
{
	__u32 id = src->net_id;
	const struct nsb_network *net = bpf_map_lookup_elem(&networks, &id);

	return net && net->gateway ? net->gateway : cfg->uplink_addr;
}

/* TTL and MTU, as a router checks them before forwarding. 0: go on. */
static __always_inline int __masq_checks(struct __sk_buff *skb, struct nsb_verdict *v,
					 const struct nsb_config *cfg,
					 const struct nsb_endpoint *src, const struct flow_v4 *f)
{
	enum nsb_path path = NSB_PATH_TIME_EXCEEDED;
	__u8 type = ICMP_TIME_EXCEEDED, code = 0;
	__u32 mtu = 0;
	int ret;

	if (!cfg->uplink_ifindex)
		return nsb_drop(NSB_DROP_NO_UPLINK);
	if (f->ttl <= 1) {
		if (flow_later_frag(f)) /* errors are for first fragments only */
			return nsb_drop(NSB_DROP_TTL);
		goto error;
	}
	/*
	 * A GSO packet is checked segment by segment (BPF_MTU_CHK_SEGS); any
	 * other by its IPv4 total length (mtu_len in), which keeps the check
	 * right whatever the uplink's link-layer header.
	 */
	if (!skb->gso_size && f->tot_len <= IPV4_MIN_MTU)
		return 0; /* fits any IPv4 link: no helper call (a request/response's segments) */
	if (skb->gso_size) {
		ret = bpf_check_mtu(skb, cfg->uplink_ifindex, &mtu, 0, BPF_MTU_CHK_SEGS);
	} else {
		mtu = f->tot_len;
		ret = bpf_check_mtu(skb, cfg->uplink_ifindex, &mtu, 0, 0);
	}
	if (ret < 0)
		return nsb_drop(NSB_DROP_NO_UPLINK); /* no such device (any more) */
	if (ret == BPF_MTU_CHK_RET_SUCCESS)
		return 0;
	if (!(f->frag & IP_DF) || flow_later_frag(f))
		return nsb_drop(NSB_DROP_MTU);
	path = NSB_PATH_FRAG_NEEDED;
	type = ICMP_DEST_UNREACH;
	code = ICMP_FRAG_NEEDED;
error:
	/* one call site: the generator is the biggest piece of masquerade */
	return icmp_error_to_node(skb, src, f, __masq_gateway(cfg, src),
				  ICMP_ERR(type, code, mtu, path));
}

/* SNAT f with its ct entry and send it out of the uplink. */
static __always_inline int __masq_out(struct __sk_buff *skb, struct nsb_verdict *v,
				      const struct nsb_config *cfg, const struct flow_v4 *f,
				      struct nsb_ct_entry *ce, __u64 now)
{
	__be32 nat_addr = ce->nat_addr;
	struct nsb_ct_key out = {
		.saddr = nat_addr,
		.daddr = f->key.daddr,
		.sport = ce->nat_port,
		/* a forward's flow whose client port was remapped: back to the real one */
		.dport = ce->flags & NSB_CT_F_CPORT ? ce->dnat_port : f->key.dport,
		.proto = f->key.proto,
	};
	int ret = tcp_track_flow(skb, ce, f, 0);

	if (ret)
		return ret;
	if (__nat_rewrite_v4(skb, f->l4_off | RW_TTL_DEC, &out))
		return nsb_drop(NSB_DROP_CSUM);
	if (flow_first_frag(f))
		frag_record(f->key.saddr, f->key.daddr, f->ip_id, f->key.proto, NSB_FRAG_OUT,
			    &f->key, nat_addr, now);
	ct_account_orig(ce, f->key.proto, f->len, now);
	return verdict_redirect_neigh(v,
				      ce->flags & NSB_CT_F_DNAT ? NSB_PATH_REV_DNAT : NSB_PATH_SNAT,
				      cfg->uplink_ifindex);
}

/*
 * To a remote subnet of the node's network (lib/remote.h): a router's
 * checks, TTL - 1, and out of the uplink to the entry's next hop with the
 * node's own source. Fragments and any protocol alike: nothing is tracked.
 */
static __always_inline int __masq_remote(struct __sk_buff *skb, struct nsb_verdict *v,
					 const struct nsb_config *cfg,
					 const struct nsb_endpoint *src, const struct flow_v4 *f,
					 const struct nsb_remote *r)
{
	int ret = __masq_checks(skb, v, cfg, src, f);

	if (ret)
		return ret;
	if (rw_ip4(skb, true, f->key.saddr, f->key.daddr))
		return nsb_drop(NSB_DROP_CSUM);
	return verdict_redirect_neigh_via(v, NSB_PATH_REMOTE_OUT, cfg->uplink_ifindex, &r->nh);
}

/* A later fragment: its datagram's first fragment said where it goes (fv). */
static __always_inline int __masq_frag_out(struct __sk_buff *skb, struct nsb_verdict *v,
					   const struct nsb_config *cfg, const struct flow_v4 *f,
					   const struct nsb_frag_val *fv, __u64 now)
{
	__be32 to_addr = fv->to_addr;
	struct nsb_ct_entry *ce;

	if (rw_ip4(skb, true, to_addr, f->key.daddr))
		return nsb_drop(NSB_DROP_CSUM);
	ce = bpf_map_lookup_elem(&ct, &fv->ct);
	if (ce)
		ct_account_orig(ce, f->key.proto, f->len, now);
	if (!(f->frag & IP_MF))
		frag_done(f->key.saddr, f->key.daddr, f->ip_id, f->key.proto, NSB_FRAG_OUT);
	return verdict_redirect_neigh(v, NSB_PATH_SNAT_FRAG, cfg->uplink_ifindex);
}

static __always_inline int __masq_v4(struct __sk_buff *skb, struct nsb_verdict *v,
				     const struct nsb_endpoint *src)
{
	const struct nsb_frag_val *fv = NULL;
	const struct nsb_config *cfg;
	struct nsb_ct_entry *ce = NULL;
	bool known = false;
	struct nat_req rq;
	struct flow_v4 f;
	__u64 now;
	int ret;

	ret = flow_reparse_v4(skb, src, &cfg, &f);
	if (ret)
		return ret;
	now = ct_now();

	if (flow_later_frag(&f)) {
		fv = frag_lookup(f.key.saddr, f.key.daddr, f.ip_id, f.key.proto, NSB_FRAG_OUT, now);
		known = fv;
	} else if (f.l4 == FLOW_L4_OK) {
		ce = bpf_map_lookup_elem(&ct, &f.key);
		/*
		 * A flow from before the uplink's address changed is as good as
		 * gone; a forward's reply (F_DNAT) leaves with the address its
		 * client asked for (the loader ends it with its forward:
		 * lab/fwd_flows.c). Hairpin entries are hairpin's (to a gateway).
		 */
		known = ce && !ct_expired(cfg, ce, f.key.proto, now) &&
			!(ce->flags & NSB_CT_F_HAIRPIN) &&
			(ce->nat_addr == cfg->uplink_addr || ce->flags & NSB_CT_F_DNAT);
	}
	/* a new flow (ce: NULL or its stale entry), or a fragment of none */
	if (!known) {
		/* a remote subnet's, natively; a forward's reply to it is known above */
		const struct nsb_remote *r = remote_find(cfg, f.key.daddr, src->net_id);

		if (r)
			return __masq_remote(skb, v, cfg, src, &f, r);
		if (!__masq_allowed(skb, v, cfg, src, f.key.daddr, now, &ret))
			return ret;
		if (flow_later_frag(&f))
			return nsb_drop(NSB_DROP_FRAG);
		if (f.l4 != FLOW_L4_OK)
			return nsb_drop(f.l4 == FLOW_L4_SHORT ? NSB_DROP_SHORT :
								NSB_DROP_NAT_PROTO);
	}
	ret = __masq_checks(skb, v, cfg, src, &f);
	if (ret)
		return ret;
	if (fv)
		return __masq_frag_out(skb, v, cfg, &f, fv, now);
	if (!known) {
		rq = (struct nat_req){
			.nat_addr = cfg->uplink_addr,
			.to_addr = f.key.daddr,
			.to_port = f.key.dport,
			.ifindex = src->ifindex,
			.now = now,
		};
		ret = nat_ct_create(cfg, &f, &rq, ce);
		if (ret)
			return ret;
		ce = bpf_map_lookup_elem(&ct, &f.key);
	}
	if (!ce)
		return nsb_drop(
			NSB_DROP_CT_INSERT); /* gone meanwhile (the collector); known implies ce */
	return __masq_out(skb, v, cfg, &f, ce, now);
}

/*
 * What src sends to no node of the lab and not to the host's own addresses
 * (masq_host_dest(), checked by the caller): masqueraded, dropped, or, for
 * a lab gateway, MASQ_GATEWAY: the caller hands it to hairpin, which also
 * takes the host's packets.
 *
 * A global function: the verifier walks it once, on its own, and its frame
 * is not from_node's (so hairpin, called from from_node, never sits on top
 * of it). It finishes its own verdict (verdict_done()).
 */
__noinline int masq_from_node_v4(struct __sk_buff *skb, const struct nsb_endpoint *src)
{
	struct nsb_verdict v = NSB_VERDICT_INIT;
	int ret = __masq_v4(skb, &v, src);

	if (ret == MASQ_GATEWAY)
		return ret;
	return verdict_done(verdict_finish(skb, &v, ret));
}

#endif /* NSBPF_LIB_MASQ_H */
