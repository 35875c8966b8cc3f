/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Masquerade's port allocation and the rewrite of one side of a tuple.
 *
 * A flow leaving the lab gets a source port (an echo id for ICMP) from
 * config's [snat_port_min, snat_port_max], unique per (uplink address,
 * remote address, remote port, protocol): the node's own port when it is in
 * the range and free, else NAT_CANDIDATES ports from a hash of the tuple.
 * A port is claimed by inserting its nat_ports entry with BPF_NOEXIST, and
 * only then is the ct entry written; if that fails the claim is deleted
 * again. A nat_ports entry whose flow is gone from ct, points elsewhere or
 * has expired is stale and may be taken over. No free port: the new flow is
 * dropped (nat_exhausted), existing flows are untouched.
 */
#ifndef NSBPF_LIB_NAT_H
#define NSBPF_LIB_NAT_H

#include "lib/csum.h"
#include "lib/ct.h"

#define NAT_CANDIDATES	32

struct __nat_claim {
	struct nsb_nat_key nk;		/* nat_port set per candidate */
	struct nsb_nat_val nv;
	__u64 now;
	__u32 min, range, start;
	__u32 found;
};

static __always_inline __u32 __nat_hash(const struct nsb_ct_key *k)
{
	__u32 h = k->saddr ^ (k->daddr * 0x9e3779b1U) ^
		  (((__u32)k->sport << 16 | k->dport) * 0x85ebca6bU) ^ k->proto;

	/* murmur3's finaliser: every input bit moves the port */
	h ^= h >> 16;
	h *= 0x7feb352dU;
	h ^= h >> 15;
	h *= 0x846ca68bU;
	h ^= h >> 16;
	return h;
}

/* Does the nat_ports entry at nk no longer belong to a live flow? */
static __always_inline bool __nat_stale(const struct nsb_nat_key *nk, __u64 now)
{
	const struct nsb_nat_val *nv = bpf_map_lookup_elem(&nat_ports, nk);
	const struct nsb_config *cfg = config_get();
	const struct nsb_ct_entry *ce;
	struct nsb_ct_key ck = {};

	if (!nv)
		return true;	/* gone meanwhile: try the insert again */
	if (!cfg)
		return false;
	ck.saddr = nv->node_addr;
	ck.daddr = nk->remote_addr;
	ck.sport = nv->node_port;
	ck.dport = nk->remote_port;
	ck.proto = nk->proto;
	ce = bpf_map_lookup_elem(&ct, &ck);
	return !ce || ce->nat_port != nk->nat_port || ce->nat_addr != nk->nat_addr ||
	       ct_expired(cfg, ce, nk->proto, now);
}

/* bpf_loop() callback: candidate i. 1 (stop) once a port is claimed. */
static long __nat_try(__u32 i, void *arg)
{
	struct __nat_claim *c = arg;
	__u32 port = c->min + (c->start + i) % c->range;

	c->nk.nat_port = bpf_htons((__u16)port);
	if (bpf_map_update_elem(&nat_ports, &c->nk, &c->nv, BPF_NOEXIST)) {
		if (!__nat_stale(&c->nk, c->now))
			return 0;
		/*
		 * Take it over. Two CPUs reclaiming the same stale entry at once
		 * may both get here; the second delete can then remove the
		 * first's fresh claim: a window of two helper calls.
		 */
		bpf_map_delete_elem(&nat_ports, &c->nk);
		if (bpf_map_update_elem(&nat_ports, &c->nk, &c->nv, BPF_NOEXIST))
			return 0;
	}
	c->found = 1;
	return 1;
}

/*
 * A new ct entry for f from the node behind ifindex, leaving with the
 * uplink address. old: the flow's stale entry (expired, or made for an
 * earlier uplink address), or NULL; its port is tried first, so a flow that
 * idled out keeps its port when it can. *cep: the entry in the map. 0 or
 * nsb_drop().
 */
static __always_inline int nat_ct_create(const struct nsb_config *cfg, const struct flow_v4 *f,
					 __u32 ifindex, __u64 now, const struct nsb_ct_entry *old,
					 struct nsb_ct_entry **cep)
{
	__u32 min = config_port_min(cfg), max = config_port_max(cfg);
	__u32 sport = bpf_ntohs(f->key.sport), oport;
	struct nsb_ct_entry ce = {};
	struct __nat_claim c = {};

	if (min > max)
		return nsb_drop(NSB_DROP_NAT_EXHAUSTED);
	c.nk.nat_addr = cfg->uplink_addr;
	c.nk.remote_addr = f->key.daddr;
	c.nk.remote_port = f->key.dport;
	c.nk.proto = f->key.proto;
	c.nv.node_addr = f->key.saddr;
	c.nv.node_port = f->key.sport;
	c.nv.ifindex = ifindex;
	c.now = now;
	c.min = min;
	c.range = max - min + 1;
	oport = old ? bpf_ntohs(old->nat_port) : 0;
	if (old && old->nat_addr == cfg->uplink_addr && oport >= min && oport <= max)
		c.start = oport - min;
	else if (sport >= min && sport <= max)
		c.start = sport - min;
	else
		c.start = __nat_hash(&f->key) % c.range;
	bpf_loop(NAT_CANDIDATES, __nat_try, &c, 0);
	if (!c.found)
		return nsb_drop(NSB_DROP_NAT_EXHAUSTED);

	ce.nat_addr = cfg->uplink_addr;
	ce.nat_port = c.nk.nat_port;
	ce.state = ct_state_new(f->key.proto, f->tcp_flags);
	ce.ifindex = ifindex;
	ce.created_ns = now;
	ce.last_seen_ns = now;
	/* BPF_NOEXIST: another CPU creating the same flow wins, and we take its entry */
	if (bpf_map_update_elem(&ct, &f->key, &ce, old ? BPF_ANY : BPF_NOEXIST)) {
		bpf_map_delete_elem(&nat_ports, &c.nk);	/* roll the claim back */
		*cep = bpf_map_lookup_elem(&ct, &f->key);
		if (!*cep || ct_expired(cfg, *cep, f->key.proto, now))
			return nsb_drop(NSB_DROP_CT_INSERT);
		return 0;
	}
	*cep = bpf_map_lookup_elem(&ct, &f->key);
	return *cep ? 0 : nsb_drop(NSB_DROP_CT_INSERT);
}

/*
 * Rewrite one side of a TCP, UDP or ICMP echo tuple: the address at
 * addr_off (IP_OFF_SADDR or IP_OFF_DADDR) with the IPv4 header sum, and,
 * when the packet has its L4 header (not a later fragment), the pseudo
 * header's share of the L4 sum and the port (echo id) at port_off.
 * 0 or -1.
 */
static __always_inline int nat_rewrite_v4(struct __sk_buff *skb, __u32 addr_off, __be32 old_addr,
					  __be32 new_addr, __u32 l4_off, __u8 proto, bool has_l4,
					  __u32 port_off, __be16 old_port, __be16 new_port)
{
	if (csum_set_addr_v4(skb, addr_off, old_addr, new_addr))
		return -1;
	if (!has_l4)
		return 0;
	if (csum_l4_addr(skb, l4_off, proto, old_addr, new_addr))
		return -1;
	return csum_l4_port(skb, l4_off, port_off, proto, old_port, new_port);
}

#endif /* NSBPF_LIB_NAT_H */
