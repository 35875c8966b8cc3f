/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * NAT66's flows: the flow of an IPv6 packet as ct6 keys it, the port
 * claim in nat_ports6, and the rewrite of one side of a tuple. The same
 * design as IPv4's (lib/nat.h, lib/ct.h): a port (an echo id for ICMPv6)
 * from config's SNAT range, unique per (uplink_addr6, remote, remote port,
 * protocol), the node's own when it is in the range and free, else
 * NAT_CANDIDATES hashed ones, a closed TCP flow's as the last resort; a
 * port is claimed by inserting into nat_ports6 with BPF_NOEXIST before the
 * ct6 entry is written, and the claim is rolled back when that fails. A
 * ct6 entry wraps IPv4's (struct nsb_ct6_entry), so state, TCP window
 * tracking, timeouts and counters are lib/ct.h's and lib/tcp_win.h's own
 * code, on &entry->e.
 *
 * Checksums: IPv6 has no header checksum, and every L4 checksum (TCP, UDP,
 * ICMPv6 alike) covers the pseudo header. An address change goes into the
 * L4 sum as one 16-byte diff (BPF_F_PSEUDO_HDR); the address itself, and
 * the hop limit, are written with BPF_F_RECOMPUTE_CSUM, which keeps a
 * CHECKSUM_COMPLETE skb->csum right (no IPv4 header sum cancels the change
 * here). UDP's checksum is mandatory over IPv6 (RFC 8200 8.1): a datagram
 * with none is not masqueraded (nat_proto) rather than summed here.
 */
#ifndef NSBPF_LIB_NAT6_H
#define NSBPF_LIB_NAT6_H

#include "lib/nat.h"
#include "lib/parse6.h"
#include "lib/lab6.h"
#include "lib/frag6.h"
#include "lib/rewrite6.h"

#define ICMPV6_ECHO_REQUEST 128
#define ICMPV6_ECHO_REPLY   129
#define ICMPV6_ERR_MAX	    4 /* types 1-4: unreachable, too big, time exceeded, parameter */

#define IP6_OFF_NEXT  (ETH_HLEN + 6) /* next header, hop limit: one 16-bit word */
#define IP6_OFF_SADDR (ETH_HLEN + 8)
#define IP6_OFF_DADDR (ETH_HLEN + 24)

struct flow_v6 {
	struct nsb_ct6_key key; /* addresses, proto always; ports when l4 == FLOW_L4_OK */
	__u32 l4_off;		/* past the extension headers */
	__u32 len;		/* the frame less its Ethernet header (counted in ct6) */
	__u32 tot_len;		/* IPV6_HLEN + payload length */
	__u8 hop;
	__u8 nexthdr; /* the fixed header's (the hop limit's word) */
	__u8 frag;    /* enum nsb_frag6 */
	__u8 l4;      /* enum flow_l4 */
	__u8 tcp_flags;
	__u8 tcp_off;
	__be16 tcp_win;
	__be32 tcp_seq;
	__be32 tcp_ack;
};

/* An L4 header as NAT66 reads it: TCP's first 20 bytes, UDP's and ICMPv6's first 8. */
struct l4h6 {
	__be16 sport, dport; /* ICMPv6: type, code; checksum */
	union {
		__be32 seq; /* TCP */
		struct {
			__be16 a; /* UDP: length; ICMPv6 echo: id */
			__be16 b; /* UDP: checksum */
		} w;
	};
	__be32 ack;
	__u8 off, flags;
	__be16 win;
};

/*
 * The L4 part of f: TCP and UDP ports, an echo request's id (dport 0).
 * FLOW_L4_OTHER for anything else: echo replies and errors (a node never
 * opens a flow with them), and UDP without a checksum.
 */
static __always_inline void __flow6_l4(struct __sk_buff *skb, struct flow_v6 *f, void *hbuf)
{
	struct l4h6 *h = hbuf;
	__u32 end = ETH_HLEN + f->tot_len;

	f->l4 = FLOW_L4_SHORT;
	switch (f->key.proto) {
	case IPPROTO_TCP:
		if (f->l4_off + sizeof(struct tcphdr) > end ||
		    __flow_copy(skb, f->l4_off, h, sizeof(*h)))
			return;
		f->tcp_flags = h->flags;
		f->tcp_seq = h->seq;
		f->tcp_ack = h->ack;
		f->tcp_win = h->win;
		f->tcp_off = h->off;
		break;
	case IPPROTO_UDP:
		if (f->l4_off + 8 > end || __flow_copy(skb, f->l4_off, h, 8))
			return;
		if (!h->w.b) {
			f->l4 = FLOW_L4_OTHER; /* no checksum: invalid over IPv6 */
			return;
		}
		break;
	case IPPROTO_ICMPV6:
		if (f->l4_off + 8 > end || __flow_copy(skb, f->l4_off, h, 8))
			return;
		if (h->sport != bpf_htons(ICMPV6_ECHO_REQUEST << 8)) {
			f->l4 = FLOW_L4_OTHER;
			return;
		}
		h->sport = h->w.a;
		h->dport = 0;
		break;
	default:
		f->l4 = FLOW_L4_OTHER;
		return;
	}
	f->key.sport = h->sport;
	f->key.dport = h->dport;
	f->l4 = FLOW_L4_OK;
}

/*
 * ip6 and l4: what parse_ipv6() and parse_ipv6_l4() said, read before any
 * helper; hbuf: room for a struct l4h6.
 */
static __always_inline void flow6_parse(struct __sk_buff *skb, const struct ipv6hdr *ip6,
					const struct ipv6_l4 *l4, struct flow_v6 *f, void *hbuf)
{
	__builtin_memset(f, 0, sizeof(*f));
	__builtin_memcpy(f->key.saddr, &ip6->saddr, 16);
	__builtin_memcpy(f->key.daddr, &ip6->daddr, 16);
	f->key.proto = l4->proto;
	f->l4_off = l4->off;
	f->len = skb->len - ETH_HLEN;
	f->tot_len = IPV6_HLEN + bpf_ntohs(ip6->payload_len);
	f->hop = ip6->hop_limit;
	f->nexthdr = ip6->nexthdr;
	f->frag = l4->frag;
	if (l4->frag == NSB_FRAG6_LATER)
		f->l4 = FLOW_L4_OTHER;
	else
		__flow6_l4(skb, f, hbuf);
}

/* ---------------------------------------------------------------- rewrite */

/* (the one-pass rewrite of a translated packet: lib/rewrite6.h) */

/* ---------------------------------------------------------------- claims */

struct __nat6_claim {
	struct nsb_nat6_key nk; /* nat_port set per candidate */
	struct nsb_nat6_val nv;
	__u64 now;
	__u32 hash;
	__u16 min, range, start;
	__u8 found;
	__u8 full;
};

/*
 * NAT66's room in the scratch6 map (nsbpf_maps.bpf.h), per CPU: what its
 * frames cannot hold. A tc program runs to its end on its CPU before the
 * next one starts there.
 */
/*
 * A hairpin flow's request to nat6_ct_create() (lib/hairpin6.h): leave
 * with nat_addr (the backend's gateway6) towards to_addr:to_port (the
 * backend), the claim NSB_NAT_F_HAIRPIN's, the entry F_HAIRPIN with
 * dnat_* set; in force while the room's hp_on is: set by hairpin right
 * before the call, cleared by nat6_ct_create() as it starts, so that
 * masquerade's calls never see a request.
 */
struct nat6_hp_req {
	__be32 nat_addr[4];
	__be32 to_addr[4];
	__be16 to_port;
	__u8 old;	  /* the flow has a stale ct6 entry (nat6_ct_create()'s old) */
	__u8 any_hit;	  /* the forward is the one for any host address */
	__u32 to_ifindex; /* the backend's host end */
};

struct nat6_room {
	struct nsb_verdict v;  /* masquerade's, or hairpin's */
	struct ipv6_l4 l4;     /* masquerade's walk, or hairpin's */
	struct flow_v6 f;      /* masquerade's flow, or hairpin's */
	struct l4h6 h;	       /* its L4 header */
	struct tcp_seg seg;    /* its TCP segment */
	__u32 hp_on;	       /* nat6_ct_create(): hp is a request (hairpin's) */
	__u64 now;	       /* masquerade's clock read, or hairpin's */
	__u32 mtu;	       /* the uplink's, when too big */
	__u32 known;	       /* masquerade: 1 a live ct6 entry, 2 a stale one, 3 a later
				* fragment's record (frags6), 0 none */
	struct __nat6_claim c; /* nat6_ct_create()'s claim */
	struct {
		struct nsb_nat6_key nk;
		struct nsb_ct6_key ck;
	} st; /* the claim checks' keys */
	/*
	 * Never live in one packet: a fragment's record (NAT66's and the
	 * forwards' fragment paths), and hairpin's request and keys (a twin's;
	 * its forward's once the twin is found). nat6_claim_closed() takes tk
	 * for a closed hairpin flow's client: inside nat6_ct_create(), where
	 * neither is live.
	 */
	union {
		struct frag6_room fr; /* a fragment's frags6 key and record (lib/frag6.h) */
		struct {
			struct nat6_hp_req hp;
			union {
				struct nsb_ct6_key tk;
				struct nsb_fwd6_key fk;
			};
		};
	};
};
_Static_assert(sizeof(struct nat6_room) <= sizeof(struct nsb_scratch6), "nat6_room fits scratch6");

static __always_inline struct nat6_room *nat6_room_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&scratch6, &zero);
}

static __always_inline __u32 __nat6_hash(const struct nsb_ct6_key *k)
{
	__u32 h = k->saddr[0] ^ k->saddr[1] ^ k->saddr[2] ^ k->saddr[3];

	h ^= (k->daddr[0] ^ k->daddr[1] ^ k->daddr[2] ^ k->daddr[3]) * 0x9e3779b1U;
	h ^= (((__u32)k->sport << 16 | k->dport) * 0x85ebca6bU) ^ k->proto;
	return __nat_mix(h);
}

/*
 * The ct6 entry of the flow a claim at nk belongs to (the node's, keyed
 * {node, remote}), if it still leaves with nk's address and port; a
 * hairpin claim's (NSB_NAT_F_HAIRPIN) is the backend's {remote, nat
 * address}, if it still leads back to the claim's node, as IPv4's
 * (lib/nat.h). ck: room for its key (the caller's).
 */
static __always_inline struct nsb_ct6_entry *
__nat6_owner(const struct nsb_nat6_key *nk, const struct nsb_nat6_val *nv, struct nsb_ct6_key *ck)
{
	struct nsb_ct6_entry *ce;

	__builtin_memset(ck, 0, sizeof(*ck));
	if (nv->v.flags & NSB_NAT_F_HAIRPIN) {
		addr6_copy(ck->saddr, nk->remote_addr);
		addr6_copy(ck->daddr, nk->nat_addr);
		ck->sport = nk->remote_port;
		ck->dport = nk->nat_port;
		ck->proto = nk->proto;
		ce = bpf_map_lookup_elem(&ct6, ck);
		if (!ce || ce->e.dnat_port != nv->v.node_port ||
		    !addr6_eq(ce->dnat_addr, nv->node_addr))
			return NULL;
		return ce;
	}
	addr6_copy(ck->saddr, nv->node_addr);
	addr6_copy(ck->daddr, nk->remote_addr);
	ck->sport = nv->v.node_port;
	ck->dport = nv->v.remote_port ? nv->v.remote_port : nk->remote_port;
	ck->proto = nk->proto;
	ce = bpf_map_lookup_elem(&ct6, ck);
	if (!ce || ce->e.nat_port != nk->nat_port || !addr6_eq(ce->nat_addr, nk->nat_addr))
		return NULL;
	return ce;
}

/*
 * Is the claim at nk stale (its flow gone, moved or expired)? A global
 * function, as IPv4's; its keys in the room (struct nat6_room's st).
 */
__noinline int nat6_claim_stale(const struct nsb_nat6_key *nk, __u64 now)
{
	const struct nsb_config *cfg = config_get();
	struct nat6_room *r = nat6_room_get();
	const struct nsb_ct6_entry *ce;
	const struct nsb_nat6_val *nv;

	if (!nk || !r)
		return 0;
	r->st.nk = *nk;
	nv = bpf_map_lookup_elem(&nat_ports6, &r->st.nk);
	if (!nv)
		return 1; /* gone meanwhile: try the insert again */
	if (!cfg)
		return 0;
	ce = __nat6_owner(&r->st.nk, nv, &r->st.ck);
	if (!ce)
		return __nat_claim_old(&nv->v, now);
	return ct_expired(cfg, &ce->e, r->st.nk.proto, now);
}

/* Is the claim at nk a TCP flow that is over? Then its flow goes with its port. */
__noinline int nat6_claim_closed(const struct nsb_nat6_key *nk, __u64 now)
{
	struct nat6_room *r = nat6_room_get();
	const struct nsb_ct6_entry *ce;
	const struct nsb_nat6_val *nv;

	if (!nk || !r)
		return 0;
	r->st.nk = *nk;
	nv = bpf_map_lookup_elem(&nat_ports6, &r->st.nk);
	if (!nv)
		return 1;
	ce = __nat6_owner(&r->st.nk, nv, &r->st.ck);
	if (!ce)
		return __nat_claim_old(&nv->v, now);
	if (!__nat_tcp_closed(&ce->e, r->st.nk.proto))
		return 0;
	if (nv->v.flags & NSB_NAT_F_HAIRPIN) {
		/* a hairpin flow is two entries: the client's goes too, unless a newer flow's */
		const struct nsb_ct6_entry *cl;

		__builtin_memset(&r->tk, 0, sizeof(r->tk));
		addr6_copy(r->tk.saddr, ce->dnat_addr);
		addr6_copy(r->tk.daddr, ce->nat_addr);
		r->tk.sport = ce->e.dnat_port;
		r->tk.dport = ce->e.nat_port;
		r->tk.proto = r->st.nk.proto;
		cl = bpf_map_lookup_elem(&ct6, &r->tk);
		if (cl && cl->e.nat_port == r->st.nk.nat_port &&
		    addr6_eq(cl->nat_addr, r->st.nk.nat_addr))
			bpf_map_delete_elem(&ct6, &r->tk);
	}
	bpf_map_delete_elem(&ct6, &r->st.ck);
	return 1;
}

/*
 * bpf_loop() callback, as __nat_try() (lib/nat.h): candidate i %
 * NAT_CANDIDATES. The claim is the room's: bpf_loop() hands a callback
 * only its caller's stack, and nat6_ct_create() keeps none.
 */
static long __nat6_try(__u32 i, void *arg)
{
	struct nat6_room *r = nat6_room_get();
	struct __nat6_claim *c;
	__u32 n = i % NAT_CANDIDATES, port;
	int closed = i >= NAT_CANDIDATES;
	int err;

	if (!r)
		return 1;
	c = &r->c;
	if (closed && c->nk.proto != IPPROTO_TCP)
		return 1;
	port = c->min + (n ? __nat_mix(c->hash + n) % c->range : c->start);
	c->nk.nat_port = bpf_htons((__u16)port);
	err = (int)bpf_map_update_elem(&nat_ports6, &c->nk, &c->nv, BPF_NOEXIST);
	if (err && err != -EEXIST) {
		c->full = 1;
		return 1;
	}
	if (err) {
		if (closed ? !nat6_claim_closed(&c->nk, c->now) : !nat6_claim_stale(&c->nk, c->now))
			return 0;
		bpf_map_delete_elem(&nat_ports6, &c->nk);
		if (bpf_map_update_elem(&nat_ports6, &c->nk, &c->nv, BPF_NOEXIST))
			return 0;
	}
	c->found = 1;
	return 1;
}

/* This CPU's room for a new ct6 entry, zeroed. */
static __always_inline struct nsb_ct6_entry *ct6_scratch_get(void)
{
	__u32 zero = 0;
	union nsb_scratch *s = bpf_map_lookup_elem(&scratch, &zero);

	if (!s)
		return NULL;
	__builtin_memset(&s->ct6, 0, sizeof(s->ct6));
	return &s->ct6;
}

/*
 * A new ct6 entry for f, masqueraded to config.uplink_addr6, from the node
 * behind ifindex; or, when the room's hp request is on (hairpin's, lib/
 * hairpin6.h), leaving with hp.nat_addr towards hp.to_addr:to_port, as
 * IPv4's nat_ct_create() with a hairpin nat_req. old: the flow's stale
 * entry or NULL (its port is tried first). 0 (the entry is in ct6: the
 * caller looks it up) or nsb_drop(). A global function; the claim lives in
 * the room, the entry in scratch.
 */
__noinline int nat6_ct_create(const struct nsb_config *cfg, const struct flow_v6 *f, __u32 ifindex,
			      __u64 now, const struct nsb_ct6_entry *old)
{
	struct nat6_room *r = nat6_room_get();
	const struct nsb_ct6_entry *cur;
	struct nsb_ct6_entry *ce;
	struct __nat6_claim *c;
	__u32 min, max, sport, oport;
	int err, hp;

	if (!r)
		return nsb_drop(NSB_DROP_INTERNAL);
	hp = r->hp_on;
	r->hp_on = 0; /* hairpin's for this call only */
	if (!cfg || !f)
		return nsb_drop(NSB_DROP_INTERNAL);
	c = &r->c;
	min = nsb_snat_port_min(cfg);
	max = nsb_snat_port_max(cfg);
	if (min > max)
		return nsb_drop(NSB_DROP_NAT_EXHAUSTED);
	__builtin_memset(c, 0, sizeof(*c));
	sport = bpf_ntohs(f->key.sport);
	if (hp) {
		addr6_copy(c->nk.nat_addr, r->hp.nat_addr);
		addr6_copy(c->nk.remote_addr, r->hp.to_addr);
		c->nk.remote_port = r->hp.to_port;
		c->nv.v.flags = NSB_NAT_F_HAIRPIN;
	} else {
		addr6_copy(c->nk.nat_addr, cfg->uplink_addr6);
		addr6_copy(c->nk.remote_addr, f->key.daddr);
		c->nk.remote_port = f->key.dport;
	}
	c->nk.proto = f->key.proto;
	addr6_copy(c->nv.node_addr, f->key.saddr);
	c->nv.v.node_port = f->key.sport;
	c->nv.v.ifindex = ifindex;
	c->nv.v.claimed_ns = now;
	c->now = now;
	c->min = (__u16)min;
	c->range = (__u16)(max - min + 1);
	c->hash = __nat6_hash(&f->key);
	oport = old ? bpf_ntohs(old->e.nat_port) : 0;
	if (old && addr6_eq(old->nat_addr, c->nk.nat_addr) && oport >= min && oport <= max)
		c->start = (__u16)(oport - min);
	else if (sport >= min && sport <= max)
		c->start = (__u16)(sport - min);
	else
		c->start = (__u16)(c->hash % c->range);
	bpf_loop(2 * NAT_CANDIDATES, __nat6_try, NULL, 0);
	if (!c->found)
		return nsb_drop(c->full ? NSB_DROP_CT_FULL : NSB_DROP_NAT_EXHAUSTED);

	ce = ct6_scratch_get();
	if (!ce) {
		bpf_map_delete_elem(&nat_ports6, &c->nk);
		return nsb_drop(NSB_DROP_INTERNAL);
	}
	addr6_copy(ce->nat_addr, c->nk.nat_addr);
	ce->e.nat_port = c->nk.nat_port;
	ce->e.state = ct_state_new(f->key.proto, f->tcp_flags);
	ce->e.ifindex = ifindex;
	if (hp) {
		ce->e.flags = NSB_CT_F_HAIRPIN;
		addr6_copy(ce->dnat_addr, r->hp.to_addr);
		ce->e.dnat_port = r->hp.to_port;
	}
	ce->e.created_ns = now;
	ce->e.last_seen_ns = now;
	/* the key from the room: 6.1 takes no map key from a global function's argument */
	r->st.ck = f->key;
	/* BPF_NOEXIST: another CPU creating the same flow wins, and we take its entry */
	err = (int)bpf_map_update_elem(&ct6, &r->st.ck, ce, old ? BPF_ANY : BPF_NOEXIST);
	if (err) {
		bpf_map_delete_elem(&nat_ports6, &c->nk);
		if (err != -EEXIST)
			return nsb_drop(NSB_DROP_CT_FULL);
		cur = bpf_map_lookup_elem(&ct6, &r->st.ck);
		if (!cur || ct_expired(cfg, &cur->e, r->st.ck.proto, now))
			return nsb_drop(NSB_DROP_CT_INSERT);
	}
	if (!err)
		events_flow6(&r->st.ck, ce);
	return 0;
}

/*
 * The TCP segment of f, from side dir (0: the node's), built in s: 0 or
 * nsb_drop(tcp_window).
 */
static __always_inline int tcp_track_flow6(struct __sk_buff *skb, struct nsb_ct6_entry *ce,
					   const struct flow_v6 *f, __u8 dir, struct tcp_seg *s)
{
	if (f->key.proto != IPPROTO_TCP || f->l4 != FLOW_L4_OK)
		return 0;
	tcp_seg_fill(s, f->tcp_seq, f->tcp_ack, f->tcp_win, f->tcp_off, f->tcp_flags, f->tot_len,
		     f->l4_off - ETH_HLEN, f->l4_off, dir);
	return tcp_track(skb, &ce->e, s) == TCP_ACCEPT ? 0 : nsb_drop(NSB_DROP_TCP_WINDOW);
}

#endif /* NSBPF_LIB_NAT6_H */
