/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The conntrack collector. ct and nat_ports are plain hashes that never
 * evict (a flood must not push established flows out), so something has to
 * take out what expired: a bpf_timer (5.15+) in the pinned gc map, armed by
 * ct_gc_arm() when the loader runs the gc program at up, walks both tables
 * every NSB_GC_INTERVAL_NS with bpf_for_each_map_elem():
 *   ct         expired entries go; past NSB_GC_PRESSURE_PCT of the table,
 *              so do unanswered ones (NEW) older than NSB_GC_EARLY_NS,
 *              counted as ct_early_drop
 *   nat_ports  claims whose flow is gone or expired go (lib/nat.h)
 *   ct6, nat_ports6  the same for NAT66 (lib/nat6.h): a second walk over ct6
 *              drops unanswered flows early only when the first (expiry)
 *              left it past NSB_GC_PRESSURE_PCT of its size (struct nsb_gc
 *              keeps IPv4's count only, and its layout is ABI)
 * The timer lives as long as the map has users: the pins. `down` unpins,
 * and the kernel cancels it.
 */
#ifndef NSBPF_LIB_CT_GC_H
#define NSBPF_LIB_CT_GC_H

#include "lib/nat6.h"

#define CLOCK_MONOTONIC 1

struct __gc_ctx {
	const struct nsb_config *cfg;
	__u64 now;
	__u32 kept;  /* ct entries left */
	__u32 early; /* unanswered flows dropped early */
	bool pressure;
};

static long __gc_ct(struct bpf_map *map, const struct nsb_ct_key *k, struct nsb_ct_entry *ce,
		    struct __gc_ctx *c)
{
	if (ct_expired(c->cfg, ce, k->proto, c->now)) {
		bpf_map_delete_elem(map, k);
		return 0;
	}
	if (c->pressure && ce->state == NSB_CT_NEW && c->now > ce->created_ns &&
	    c->now - ce->created_ns > NSB_GC_EARLY_NS) {
		events_ct_drop(k, ce, NSB_DROP_CT_EARLY_DROP);
		bpf_map_delete_elem(map, k);
		c->early++;
		return 0;
	}
	c->kept++;
	return 0;
}

static long __gc_nat(struct bpf_map *map, const struct nsb_nat_key *k, struct nsb_nat_val *nv,
		     struct __gc_ctx *c)
{
	struct nsb_ct_key ck;
	const struct nsb_ct_entry *ce = __nat_owner(k, nv, &ck);

	if (ce ? ct_expired(c->cfg, ce, k->proto, c->now) : __nat_claim_old(nv, c->now))
		bpf_map_delete_elem(map, k);
	return 0;
}

static long __gc_ct6(struct bpf_map *map, const struct nsb_ct6_key *k, struct nsb_ct6_entry *ce,
		     struct __gc_ctx *c)
{
	if (ct_expired(c->cfg, &ce->e, k->proto, c->now)) {
		bpf_map_delete_elem(map, k);
		return 0;
	}
	if (c->pressure && ce->e.state == NSB_CT_NEW && c->now > ce->e.created_ns &&
	    c->now - ce->e.created_ns > NSB_GC_EARLY_NS) {
		events_ct6_drop(k, ce, NSB_DROP_CT_EARLY_DROP);
		bpf_map_delete_elem(map, k);
		c->early++;
		return 0;
	}
	c->kept++;
	return 0;
}

static long __gc_nat6(struct bpf_map *map, const struct nsb_nat6_key *k, struct nsb_nat6_val *nv,
		      struct __gc_ctx *c)
{
	struct nsb_ct6_key ck;
	const struct nsb_ct6_entry *ce = __nat6_owner(k, nv, &ck);

	if (ce ? ct_expired(c->cfg, &ce->e, k->proto, c->now) : __nat_claim_old(&nv->v, c->now))
		bpf_map_delete_elem(map, k);
	return 0;
}

/*
 * ct6 and nat_ports6: expiry, then, if what is left is past the pressure
 * mark, early drop. bpf_for_each_map_elem() is bounded by the map's size.
 * The early drops are added to c->early.
 */
static __always_inline void __ct_gc_pass6(struct __gc_ctx *c, __u32 max)
{
	__u32 v4_kept = c->kept;

	c->kept = 0;
	c->pressure = false;
	bpf_for_each_map_elem(&ct6, __gc_ct6, c, 0);
	if ((__u64)c->kept * 100 >= (__u64)max * NSB_GC_PRESSURE_PCT) {
		c->pressure = true;
		bpf_for_each_map_elem(&ct6, __gc_ct6, c, 0);
	}
	bpf_for_each_map_elem(&nat_ports6, __gc_nat6, c, 0);
	c->kept = v4_kept;
}

/* One pass over the tables. */
static __always_inline void ct_gc_pass(struct nsb_gc *g)
{
	__u32 slot = NSB_STAT_DROP_BASE + NSB_DROP_CT_EARLY_DROP;
	struct __gc_ctx c = { .now = bpf_ktime_get_ns() };
	struct nsb_counter *cnt;
	__u32 max;

	c.cfg = config_get();
	if (!c.cfg)
		return;
	max = nsb_ct_max(c.cfg);
	/* the last pass's count, as the pressure the table is under */
	c.pressure = (__u64)g->ct_count * 100 >= (__u64)max * NSB_GC_PRESSURE_PCT;
	bpf_for_each_map_elem(&ct, __gc_ct, &c, 0);
	bpf_for_each_map_elem(&nat_ports, __gc_nat, &c, 0);
	__ct_gc_pass6(&c, max);
	g->ct_count = c.kept;
	g->last_ns = c.now;
	g->passes++;
	cnt = bpf_map_lookup_elem(&stats, &slot);
	if (cnt && c.early)
		cnt->packets += c.early; /* this CPU's slot: a plain add, as verdict.h does */
}

static int __gc_timer(void *map, __u32 *key, struct nsb_gc *g)
{
	ct_gc_pass(g);
	bpf_timer_start(&g->timer, NSB_GC_INTERVAL_NS, 0);
	return 0;
}

/*
 * Run a pass now, and make sure the timer runs the next ones (with this
 * object's callback: a re-up replaces it). 0 or a negative error.
 */
static __always_inline int ct_gc_arm(void)
{
	__u32 zero = 0;
	struct nsb_gc *g = bpf_map_lookup_elem(&gc, &zero);
	int err; /* 32 bits: 6.1's helpers do not sign-extend their int */

	if (!g)
		return -1;
	ct_gc_pass(g);
	err = (int)bpf_timer_init(&g->timer, &gc, CLOCK_MONOTONIC);
	if (err && err != -16 /* -EBUSY: armed before */)
		return err;
	err = (int)bpf_timer_set_callback(&g->timer, __gc_timer);
	if (err)
		return err;
	return (int)bpf_timer_start(&g->timer, NSB_GC_INTERVAL_NS, 0);
}

#endif /* NSBPF_LIB_CT_GC_H */
