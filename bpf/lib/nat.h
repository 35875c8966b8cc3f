/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Masquerade's port allocation, the rewrite of one side of a tuple, and the
 * delivery of a translated packet into a node.
 *
 * A flow leaving the lab gets a source port (an echo id for ICMP) from
 * config's [snat_port_min, snat_port_max], unique per (source address it
 * leaves with, remote address, remote port, protocol): the node's own port
 * when it is in the range and free, else NAT_CANDIDATES ports from a hash of
 * the tuple (each candidate hashed anew, so claimed ports do not cluster and
 * a run of taken ports cannot stall new flows). Masquerade leaves with the
 * uplink address; a hairpin flow
 * (lib/hairpin.h) with its backend's gateway, towards the backend.
 * A port is claimed by inserting its nat_ports entry with BPF_NOEXIST, and
 * only then is the ct entry written; if that fails the claim is deleted
 * again. A nat_ports entry whose flow is gone from ct, points elsewhere or
 * has expired is stale and may be taken over. A new TCP flow that finds none
 * free takes over a closed TCP flow's port (RST seen, or FIN both ways), as
 * conntrack reopens a TIME_WAIT tuple: closed flows hold their ports for the
 * closing timeout, and short connections would otherwise exhaust the range.
 * Nothing at all: the new flow is dropped (nat_exhausted), existing flows
 * are untouched.
 */
#ifndef NSBPF_LIB_NAT_H
#define NSBPF_LIB_NAT_H

#include "lib/rewrite.h"
#include "lib/ct.h"
#include "lib/tcp_win.h"

#define NAT_CANDIDATES 32
#define E2BIG	       7  /* a full hash map refuses an insert with it */
#define EEXIST	       17 /* BPF_NOEXIST: the key is taken */

struct __nat_claim {
	struct nsb_nat_key nk; /* nat_port set per candidate */
	struct nsb_nat_val nv;
	__u64 now;
	__u32 hash; /* seeds candidates 1.. */
	/* 16 bits each: 6.1's verifier counts this frame into a 512-byte budget */
	__u16 min, range, start;
	__u8 found;
	__u8 full; /* nat_ports is full: no candidate can be inserted */
};

/* A cheap mixer for the candidate sequence. */
static __always_inline __u32 __nat_mix(__u32 h)
{
	h ^= h >> 16;
	h *= 0x7feb352dU;
	h ^= h >> 15;
	h *= 0x846ca68bU;
	h ^= h >> 16;
	return h;
}

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

/*
 * Does the nat_ports entry at nk no longer belong to a live flow? A
 * masquerade claim's flow is the node's entry {node, remote}, which must
 * still leave with nk's address and port; a hairpin claim's is the
 * backend's entry {remote, nat address}, which must still lead back to the
 * claim's node (NSB_NAT_F_HAIRPIN in nsbpf_maps.h).
 */
/* A TCP flow both sides ended: an exact RST, or in-window FINs each way (lib/tcp_win.h). */
static __always_inline bool __nat_tcp_closed(const struct nsb_ct_entry *ce, __u8 proto)
{
	return proto == IPPROTO_TCP && ce->state == NSB_CT_CLOSED;
}

/* A claim without its flow: stale once it is older than a claim in progress can be. */
static __always_inline bool __nat_claim_old(const struct nsb_nat_val *nv, __u64 now)
{
	return now > nv->claimed_ns && now - nv->claimed_ns > NSB_CLAIM_GRACE_NS;
}

/*
 * The flow a claim at nk belongs to, in ct: a masquerade claim's is the node's
 * entry {node, remote}, a hairpin claim's the backend's {remote, nat address}
 * (NSB_NAT_F_HAIRPIN in nsbpf_maps.h). NULL when there is none, or it does
 * not lead back to this claim. ck: room for the entry's key (the caller's,
 * so that the frames stay small).
 */
static __always_inline const struct nsb_ct_entry *
__nat_owner(const struct nsb_nat_key *nk, const struct nsb_nat_val *nv, struct nsb_ct_key *ck)
{
	const struct nsb_ct_entry *ce;

	__builtin_memset(ck, 0, sizeof(*ck));
	ck->proto = nk->proto;
	if (nv->flags & NSB_NAT_F_HAIRPIN) {
		ck->saddr = nk->remote_addr;
		ck->daddr = nk->nat_addr;
		ck->sport = nk->remote_port;
		ck->dport = nk->nat_port;
		ce = bpf_map_lookup_elem(&ct, ck);
		if (!ce || ce->dnat_addr != nv->node_addr || ce->dnat_port != nv->node_port)
			return NULL;
		return ce;
	}
	ck->saddr = nv->node_addr;
	ck->daddr = nk->remote_addr;
	ck->sport = nv->node_port;
	ck->dport = nv->remote_port ? nv->remote_port : nk->remote_port;
	ce = bpf_map_lookup_elem(&ct, ck);
	if (!ce || ce->nat_port != nk->nat_port || ce->nat_addr != nk->nat_addr)
		return NULL;
	return ce;
}

static __always_inline bool __nat_stale(const struct nsb_nat_key *nk, __u64 now)
{
	const struct nsb_nat_val *nv = bpf_map_lookup_elem(&nat_ports, nk);
	const struct nsb_config *cfg = config_get();
	const struct nsb_ct_entry *ce;
	struct nsb_ct_key ck;

	if (!nv)
		return true; /* gone meanwhile: try the insert again */
	if (!cfg)
		return false;
	ce = __nat_owner(nk, nv, &ck);
	if (!ce)
		return __nat_claim_old(nv, now);
	return ct_expired(cfg, ce, nk->proto, now);
}

/*
 * __nat_stale() as a global function: the verifier walks it once, where the
 * claim loop's callback is walked again at every call site (masquerade's,
 * hairpin's) until its states converge. nk: a copy on the caller's stack.
 */
__noinline int nat_claim_stale(const struct nsb_nat_key *nk, __u64 now)
{
	struct nsb_nat_key k;

	if (!nk)
		return 0;
	k = *nk; /* map keys from our own stack */
	return __nat_stale(&k, now);
}

/*
 * Is the claim at nk a TCP flow that is over? Its own global function rather
 * than a flag of nat_claim_stale(): 6.1's verifier sums the frames of the
 * whole call chain into 512 bytes, and a flag there costs a spill.
 */
__noinline int nat_claim_closed(const struct nsb_nat_key *nk, __u64 now)
{
	const struct nsb_nat_val *nv;
	const struct nsb_ct_entry *ce;
	struct nsb_nat_key k;
	struct nsb_ct_key ck;

	if (!nk)
		return 0;
	k = *nk;
	nv = bpf_map_lookup_elem(&nat_ports, &k);
	if (!nv)
		return 1;
	ce = __nat_owner(&k, nv, &ck);
	if (!ce)
		return __nat_claim_old(nv, now);
	if (!__nat_tcp_closed(ce, k.proto))
		return 0;
	/*
	 * The closed flow goes with its port: a straggler of it must not take
	 * the new one's. A hairpin flow is two entries: the client's goes too
	 * (hairpin checks that twins lead back to each other all the same).
	 */
	if (nv->flags & NSB_NAT_F_HAIRPIN) {
		struct nsb_ct_key client = {
			.saddr = ce->dnat_addr,
			.daddr = ce->nat_addr,
			.sport = ce->dnat_port,
			.dport = ce->nat_port,
			.proto = k.proto,
		};
		const struct nsb_ct_entry *cl = bpf_map_lookup_elem(&ct, &client);

		/* unless the client's tuple is a newer flow's, on another port */
		if (cl && cl->nat_addr == k.nat_addr && cl->nat_port == k.nat_port)
			bpf_map_delete_elem(&ct, &client);
	}
	bpf_map_delete_elem(&ct, &ck);
	return 1;
}

/*
 * bpf_loop() callback: candidate i % NAT_CANDIDATES, in a first round for
 * free or stale ports, then again (TCP) for closed flows' ports. 1 (stop)
 * once a port is claimed. Candidate 0 is the preferred port (start).
 */
static long __nat_try(__u32 i, void *arg)
{
	struct __nat_claim *c = arg;
	__u32 n = i % NAT_CANDIDATES, port;
	int closed = i >= NAT_CANDIDATES;
	int err; /* 6.1's helper gives an int, not sign-extended: compare 32 bits */

	if (closed && c->nk.proto != IPPROTO_TCP)
		return 1;
	port = c->min + (n ? __nat_mix(c->hash + n) % c->range : c->start);
	c->nk.nat_port = bpf_htons((__u16)port);
	err = (int)bpf_map_update_elem(&nat_ports, &c->nk, &c->nv, BPF_NOEXIST);
	if (err && err != -EEXIST) {
		/* a full table (E2BIG), not a taken port: no use trying others */
		c->full = 1;
		return 1;
	}
	if (err) {
		if (closed ? !nat_claim_closed(&c->nk, c->now) : !nat_claim_stale(&c->nk, c->now))
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
 * What a new flow from a node becomes: masquerade, nat_addr the uplink
 * address and to_addr:to_port the remote (unchanged); hairpin, nat_addr the
 * backend's gateway and to_addr:to_port the backend, the new destination.
 */
struct nat_req {
	__be32 nat_addr; /* the source it leaves with */
	__be32 to_addr;	 /* the destination it goes to */
	__be16 to_port;
	__u8 flags; /* NSB_CT_F_* of the new entry */
	__u8 pad;
	__u32 ifindex;	  /* the sender's host end */
	__u32 to_ifindex; /* hairpin: the backend's host end */
	__u64 now;
};

/*
 * A new ct entry for f, from the node behind rq->ifindex, translated as rq
 * says. old: the flow's stale entry (expired, or made for an earlier uplink
 * address), or NULL; its port is tried first, so a flow that idled out
 * keeps its port when it can. 0 (the entry is in ct, the caller looks it
 * up: cheaper for the verifier than handing out a pointer) or nsb_drop().
 *
 * A global function: the new entry (112 bytes) and the claim live in its
 * own frame, not in masquerade's or hairpin's, whose chains 6.1 and later
 * sum into 512 bytes of stack; and it is verified once for both callers.
 */
__noinline int nat_ct_create(const struct nsb_config *cfg, const struct flow_v4 *f,
			     const struct nat_req *rq, const struct nsb_ct_entry *old)
{
	const struct nsb_ct_entry *cur;
	__u32 min, max, sport, oport;
	bool hairpin;
	struct nsb_ct_entry *ce;
	struct __nat_claim c = {};
	struct nsb_ct_key key;
	int err; /* 32 bits: 6.1's helper does not sign-extend its int */

	if (!cfg || !f || !rq)
		return nsb_drop(NSB_DROP_INTERNAL);
	min = nsb_snat_port_min(cfg);
	max = nsb_snat_port_max(cfg);
	sport = bpf_ntohs(f->key.sport);
	hairpin = rq->flags & NSB_CT_F_HAIRPIN;
	if (min > max)
		return nsb_drop(NSB_DROP_NAT_EXHAUSTED);
	c.nk.nat_addr = rq->nat_addr;
	c.nk.remote_addr = rq->to_addr;
	c.nk.remote_port = rq->to_port;
	c.nk.proto = f->key.proto;
	c.nv.node_addr = f->key.saddr;
	c.nv.node_port = f->key.sport;
	c.nv.flags = hairpin ? NSB_NAT_F_HAIRPIN : 0;
	c.nv.ifindex = rq->ifindex;
	c.nv.claimed_ns = rq->now;
	c.now = rq->now;
	c.min = (__u16)min;
	c.range = (__u16)(max - min + 1);
	oport = old ? bpf_ntohs(old->nat_port) : 0;
	c.hash = __nat_hash(&f->key);
	if (old && old->nat_addr == rq->nat_addr && oport >= min && oport <= max)
		c.start = (__u16)(oport - min);
	else if (sport >= min && sport <= max)
		c.start = (__u16)(sport - min);
	else
		c.start = (__u16)(c.hash % c.range);
	bpf_loop(2 * NAT_CANDIDATES, __nat_try, &c, 0);
	if (!c.found)
		return nsb_drop(c.full ? NSB_DROP_CT_FULL : NSB_DROP_NAT_EXHAUSTED);

	ce = ct_scratch_get();
	if (!ce) {
		bpf_map_delete_elem(&nat_ports, &c.nk);
		return nsb_drop(NSB_DROP_INTERNAL);
	}
	ce->nat_addr = rq->nat_addr;
	ce->nat_port = c.nk.nat_port;
	ce->state = ct_state_new(f->key.proto, f->tcp_flags);
	ce->flags = rq->flags;
	ce->ifindex = rq->ifindex;
	if (hairpin) {
		ce->dnat_addr = rq->to_addr;
		ce->dnat_port = rq->to_port;
	}
	ce->created_ns = rq->now;
	ce->last_seen_ns = rq->now;
	/* BPF_NOEXIST: another CPU creating the same flow wins, and we take its entry */
	key = f->key; /* 6.1 takes map keys from the stack only, not from a pointer argument */
	err = (int)bpf_map_update_elem(&ct, &key, ce, old ? BPF_ANY : BPF_NOEXIST);
	if (err) {
		bpf_map_delete_elem(&nat_ports, &c.nk); /* roll the claim back */
		if (err != -EEXIST)
			return nsb_drop(NSB_DROP_CT_FULL);
		cur = bpf_map_lookup_elem(&ct, &key);
		if (!cur || ct_expired(cfg, cur, f->key.proto, rq->now))
			return nsb_drop(NSB_DROP_CT_INSERT);
	}
	if (!err)
		events_flow_ncc(&key, ce);
	return 0;
}

/*
 * Into node ep, translated already: MACs as its host end sends (node MAC
 * <- host-end MAC), and bpf_redirect_peer() into its netns. The caller
 * decremented the TTL.
 */
static __always_inline int nat_to_node(struct __sk_buff *skb, struct nsb_verdict *v,
				       const struct nsb_endpoint *ep, enum nsb_path path)
{
	__u32 ifindex = ep->ifindex;

	/* as if the node's host end sent it */
	if (rw_macs(skb, ep->node_mac, ep->host_mac))
		return nsb_drop(NSB_DROP_CSUM);
	/* pkt_type was set against the ingress device's MAC; redirect_peer keeps it */
	if (skb->pkt_type != __PACKET_HOST)
		bpf_skb_change_type(skb, __PACKET_HOST);
	return verdict_redirect_peer(v, path, ifindex);
}

#endif /* NSBPF_LIB_NAT_H */
