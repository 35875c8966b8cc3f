/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Verdicts, stats and the test trace. Workers return a TC_ACT_* verdict
 * through verdict_pass() / verdict_redirect*(), which also record the path,
 * or nsb_drop(reason). The entry point hands that to verdict_finish(), which
 * counts the packet exactly once in `stats` (its path, or
 * NSB_STAT_DROP_BASE + reason), writes `trace` when the object was loaded
 * with nsb_trace_enabled, and turns drops into TC_ACT_SHOT: while a monitor
 * runs, into a TC_ACT_SHOT with an event to send, which the entry point
 * hands to events_emit() (lib/events.h) as its last word.
 *
 * No program of ours ends a chain by letting a packet through: whatever it
 * leaves to the stack, the host's own traffic (uncounted) and the lab's
 * passes (counted) alike, it returns NSB_NEXT, so the programs attached
 * after ours (another lab's, another tool's) see it too. Only a redirect or
 * a drop (TC_ACT_SHOT) ends the chain: the packet is then the lab's.
 */
#ifndef NSBPF_LIB_VERDICT_H
#define NSBPF_LIB_VERDICT_H

#include "nsbpf_maps.bpf.h"
#include <bpf/bpf_helpers.h>

#include "lib/events.h"

#define TC_ACT_UNSPEC	(-1)
#define TC_ACT_OK	0
#define TC_ACT_SHOT	2
#define TC_ACT_REDIRECT 7

/*
 * "Not decided here": TC_ACT_UNSPEC, which is TCX_NEXT on a tcx link (the
 * next program runs) and, on clsact in direct-action mode, hands the packet
 * to the next filter. After the last one the packet goes on as with
 * TC_ACT_OK.
 */
#define NSB_NEXT TC_ACT_UNSPEC

/*
 * Load-time switch (.rodata): the selftests set it before load so that
 * BPF_PROG_TEST_RUN, which only returns the verdict, can also see the
 * redirect target. Left at 0, the verifier removes the trace code.
 */
const volatile __u8 nsb_trace_enabled = 0;

/* Drops travel as negative codes, far below any TC_ACT_* value. */
#define __NSB_DROP_CODE 256

static __always_inline int nsb_drop(enum nsb_drop reason)
{
	return -(__NSB_DROP_CODE + (int)reason);
}

/* What the worker decided, besides the verdict: filled by the verdict_*() helpers. */
struct nsb_verdict {
	__u32 path;    /* enum nsb_path; NSB_PATH_MAX until a worker decides */
	__u32 ifindex; /* redirect target, 0: none */
	__u32 flags;   /* NSB_TRACE_F_* */
	__u32 len;     /* bytes to count, 0: skb->len (a reply built in place sets it) */
};

#define NSB_VERDICT_INIT             \
	{                            \
		.path = NSB_PATH_MAX \
	}

/* To the host stack, untouched by this verdict: counted, and the chain goes on. */
static __always_inline int verdict_pass(struct nsb_verdict *v, enum nsb_path path)
{
	v->path = path;
	return NSB_NEXT;
}

/* What a redirect chose, for the stats and the selftests' trace. */
static __always_inline void __verdict_note(struct nsb_verdict *v, enum nsb_path path, __u32 ifindex,
					   __u32 flags)
{
	v->path = path;
	v->ifindex = ifindex;
	v->flags = flags;
}

/* Into the netns of ifindex's peer: ingress of the node's eth0, no backlog. */
static __always_inline int verdict_redirect_peer(struct nsb_verdict *v, enum nsb_path path,
						 __u32 ifindex)
{
	__verdict_note(v, path, ifindex, NSB_TRACE_F_PEER);
	return bpf_redirect_peer(ifindex, 0);
}

/* Out of ifindex (egress). */
static __always_inline int verdict_redirect(struct nsb_verdict *v, enum nsb_path path,
					    __u32 ifindex)
{
	__verdict_note(v, path, ifindex, NSB_TRACE_F_EGRESS);
	return bpf_redirect(ifindex, 0);
}

/*
 * Out of ifindex, the kernel doing the route and neighbour lookup
 * (bpf_redirect_neigh, no FIB lookup of ours: bpf_fib_lookup() answers
 * FWD_DISABLED on host ends that do not forward, and they never do).
 */
static __always_inline int verdict_redirect_neigh(struct nsb_verdict *v, enum nsb_path path,
						  __u32 ifindex)
{
	__verdict_note(v, path, ifindex, NSB_TRACE_F_NEIGH);
	return bpf_redirect_neigh(ifindex, NULL, 0, 0);
}

/* Out of ifindex to the next hop nh names (a map value: no stack), the kernel resolving it. */
static __always_inline int verdict_redirect_neigh_via(struct nsb_verdict *v, enum nsb_path path,
						      __u32 ifindex,
						      const struct bpf_redir_neigh *nh)
{
	__verdict_note(v, path, ifindex, NSB_TRACE_F_NEIGH);
	return bpf_redirect_neigh(ifindex, (struct bpf_redir_neigh *)nh, sizeof(*nh), 0);
}

static __always_inline void __verdict_count(struct __sk_buff *skb, const struct nsb_verdict *v,
					    __u32 slot)
{
	struct nsb_counter *c = bpf_map_lookup_elem(&stats, &slot);

	/* per-CPU slot, and tc runs with BH disabled: no atomics needed */
	if (c) {
		c->packets++;
		c->bytes += v->len ? v->len : skb->len;
	}
}

static __always_inline void __verdict_trace(const struct nsb_verdict *v, __u32 path, __u32 reason)
{
	__u32 zero = 0;
	struct nsb_trace *t;

	if (!nsb_trace_enabled)
		return;
	t = bpf_map_lookup_elem(&trace, &zero);
	if (!t)
		return;
	t->redirect_ifindex = reason ? 0 : v->ifindex;
	t->redirect_flags = reason ? 0 : v->flags;
	t->path = path;
	t->drop = reason;
}

/*
 * A worker that runs as a global function (verified once, on its own, so
 * that the paths leading to it do not multiply its cost) keeps a verdict of
 * its own and finishes it itself: it returns verdict_done(), which the
 * entry point's verdict_finish() passes on as it is. It never writes the
 * caller's verdict: nothing a caller reads after the call may depend on
 * what the verifier makes of a global callee's writes into the caller's
 * stack (it checked the callee against its prototype alone).
 */
#define __NSB_DONE 0x10000

/* tc_verdict: NSB_NEXT (-1) or above, so a done verdict is >= __NSB_DONE - 1 */
static __always_inline int verdict_done(int tc_verdict)
{
	return __NSB_DONE + tc_verdict;
}

static __always_inline int verdict_finish(struct __sk_buff *skb, const struct nsb_verdict *v,
					  int ret)
{
	__u32 reason;

	if (ret >= __NSB_DONE + NSB_NEXT)
		return ret - __NSB_DONE; /* finished by a global worker */
	if (ret <= -__NSB_DROP_CODE) {
		reason = -ret - __NSB_DROP_CODE;
		if (reason == NSB_DROP_NONE || reason >= NSB_DROP_MAX)
			reason = NSB_DROP_INTERNAL;
	} else if (ret == TC_ACT_SHOT) {
		/* only bpf_redirect*() hand out a bare TC_ACT_SHOT (bad flags) */
		reason = NSB_DROP_REDIRECT;
	} else if (v->path >= NSB_PATH_MAX) {
		reason = NSB_DROP_INTERNAL; /* a worker forgot to name its path */
	} else {
		__verdict_count(skb, v, v->path);
		__verdict_trace(v, v->path + 1, NSB_DROP_NONE);
		return ret;
	}
	__verdict_count(skb, v, NSB_STAT_DROP_BASE + reason);
	__verdict_trace(v, 0, reason);
	return events_drop(reason); /* TC_ACT_SHOT, or one the monitor sees (lib/events.h) */
}

#endif /* NSBPF_LIB_VERDICT_H */
