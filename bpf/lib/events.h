/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The monitor's events (`nsbpf monitor`): every drop (from verdict.h's one
 * exit), every new conntrack flow (masquerade, forward, hairpin: where the
 * ct entry is made) and every early drop of the collector, as records of
 * the events ring buffer (struct nsb_event, nsbpf_maps.h).
 *
 * Cost: nothing but one array lookup and a test of monitor.on on those
 * paths while nobody monitors (the CLI sets it while it runs). Then a
 * per-CPU token bucket (ev_rate) lets NSB_EV_RATE events a second through
 * with bursts of NSB_EV_BURST, so a flood of drops costs the ring and its
 * reader no more than that; what it holds back is counted (suppressed), as
 * is what the ring had no room for (lost).
 *
 * Call sites are one line each: events_drop() in verdict_finish() and
 * events_emit() around each entry point's verdict, events_flow() where a
 * new flow's ct entry is written, events_ct_drop() where the collector
 * drops a flow early; events_flow6() and events_ct6_drop() for ct6.
 *
 * IPv6: a record of its own, struct nsb_event6 (nsbpf_maps6.h), the IPv4
 * record with the 16-byte addresses after it, so IPv4's events keep their
 * 48 bytes. A drop's frame says which to reserve (its EtherType, read
 * first); a ct6 flow is always one.
 */
#ifndef NSBPF_LIB_EVENTS_H
#define NSBPF_LIB_EVENTS_H

#include "nsbpf_maps.bpf.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define __EV_ETH_P_IP	    0x0800
#define __EV_ETH_P_ARP	    0x0806
#define __EV_ETH_P_IPV6	    0x86DD
#define __EV_IPPROTO_ICMPV6 58
#define __EV_NEXTHDR_FRAG   44

/* The monitor's switch: NULL while nobody monitors. */
static __always_inline const struct nsb_monitor *events_on(void)
{
	__u32 zero = 0;
	const struct nsb_monitor *m = bpf_map_lookup_elem(&monitor, &zero);

	return m && m->on ? m : NULL;
}

/* The token bucket: may this CPU send one more event now? Counts it if not. */
static __always_inline bool __events_allow(const struct nsb_monitor *m, struct nsb_ev_rate *r,
					   __u64 now)
{
	__u64 rate = m->rate ? m->rate : NSB_EV_RATE;
	__u64 burst = m->burst ? m->burst : NSB_EV_BURST;
	__u64 cost = NSB_NSEC_PER_SEC / rate; /* 0 past 1e9 a second: no limit */
	__u64 credit = r->credit_ns;

	if (now > r->last_ns)
		credit += now - r->last_ns;
	r->last_ns = now;
	if (credit > cost * burst)
		credit = cost * burst;
	if (credit < cost) {
		r->credit_ns = credit;
		r->suppressed++; /* this CPU's slot: a plain add, as verdict.h counts */
		return false;
	}
	r->credit_ns = credit - cost;
	return true;
}

/* A zeroed record of the ring, the rate limit and the ring permitting; NULL: none. */
static __always_inline struct nsb_event *__events_reserve(const struct nsb_monitor *m, __u8 type)
{
	__u32 zero = 0;
	struct nsb_ev_rate *r = bpf_map_lookup_elem(&ev_rate, &zero);
	__u64 now = bpf_ktime_get_ns();
	struct nsb_event *e;

	if (!r || !__events_allow(m, r, now))
		return NULL;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		r->lost++;
		return NULL;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->time_ns = now;
	e->type = type;
	return e;
}

/* The same for an IPv6 record (flags NSB_EV_F_IPV6 set). */
static __always_inline struct nsb_event6 *__events_reserve6(const struct nsb_monitor *m, __u8 type)
{
	__u32 zero = 0;
	struct nsb_ev_rate *r = bpf_map_lookup_elem(&ev_rate, &zero);
	__u64 now = bpf_ktime_get_ns();
	struct nsb_event6 *e;

	if (!r || !__events_allow(m, r, now))
		return NULL;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		r->lost++;
		return NULL;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->e.time_ns = now;
	e->e.type = type;
	e->e.flags = NSB_EV_F_IPV6;
	return e;
}

/* ARP: the sender and target addresses, as a tuple without ports. */
static __always_inline void __events_arp(struct __sk_buff *skb, struct nsb_event *e)
{
	if (!bpf_skb_load_bytes(skb, 14 + 14, &e->orig.saddr, 4) &&
	    !bpf_skb_load_bytes(skb, 14 + 24, &e->orig.daddr, 4))
		e->flags |= NSB_EV_F_IPV4;
}

/* TCP and UDP ports, ICMP type, code and (echo) id, at l4 of an IPv4 packet. */
static __always_inline void __events_l4(struct __sk_buff *skb, struct nsb_event *e, __u32 l4)
{
	__u8 icmp[8];

	if (e->proto == IPPROTO_TCP || e->proto == IPPROTO_UDP) {
		if (!bpf_skb_load_bytes(skb, l4, &e->orig.sport, 4))
			e->flags |= NSB_EV_F_L4;
	} else if (e->proto == IPPROTO_ICMP && !bpf_skb_load_bytes(skb, l4, icmp, sizeof(icmp))) {
		e->icmp_type = icmp[0];
		e->icmp_code = icmp[1];
		if (icmp[0] == 0 || icmp[0] == 8) { /* echo reply, echo: the id */
			__builtin_memcpy(&e->orig.sport, &icmp[4], 2);
			e->flags |= NSB_EV_F_L4;
		}
	}
}

/*
 * The frame as it is now, read again from the start (a drop may come from
 * any worker, with its parse long gone): after its EtherType (read by the
 * caller), IPv4 addresses, protocol and ports, or ARP's addresses.
 */
static __always_inline void __events_packet(struct __sk_buff *skb, struct nsb_event *e,
					    __be16 ethertype)
{
	struct {
		__u8 vihl, tos;
		__be16 tot_len, id, frag;
		__u8 ttl, proto;
		__be16 check;
		__be32 saddr, daddr;
	} ip;

	e->ethertype = ethertype;
	if (e->ethertype == bpf_htons(__EV_ETH_P_ARP)) {
		__events_arp(skb, e);
		return;
	}
	if (e->ethertype != bpf_htons(__EV_ETH_P_IP) ||
	    bpf_skb_load_bytes(skb, 14, &ip, sizeof(ip)))
		return;
	e->flags |= NSB_EV_F_IPV4;
	e->proto = ip.proto;
	e->orig.saddr = ip.saddr;
	e->orig.daddr = ip.daddr;
	if (!(ip.frag & bpf_htons(0x1fff))) /* a later fragment has no L4 header */
		__events_l4(skb, e, 14 + (ip.vihl & 0x0f) * 4);
}

/* TCP and UDP ports, ICMPv6 type, code and (echo) id, at l4 of an IPv6 packet. */
static __always_inline void __events_l4_6(struct __sk_buff *skb, struct nsb_event *e, __u32 l4)
{
	__u8 icmp[8];

	if (e->proto == IPPROTO_TCP || e->proto == IPPROTO_UDP) {
		if (!bpf_skb_load_bytes(skb, l4, &e->orig.sport, 4))
			e->flags |= NSB_EV_F_L4;
	} else if (e->proto == __EV_IPPROTO_ICMPV6 &&
		   !bpf_skb_load_bytes(skb, l4, icmp, sizeof(icmp))) {
		e->icmp_type = icmp[0];
		e->icmp_code = icmp[1];
		if (icmp[0] == 128 || icmp[0] == 129) { /* echo request, reply: the id */
			__builtin_memcpy(&e->orig.sport, &icmp[4], 2);
			e->flags |= NSB_EV_F_L4;
		}
	}
}

/*
 * An IPv6 frame: its addresses, next header and ports. A fragment header
 * is followed (its first fragment has the L4 header, the others none);
 * any other extension header is the protocol shown.
 */
static __always_inline void __events_packet6(struct __sk_buff *skb, struct nsb_event6 *e6)
{
	struct nsb_event *e = &e6->e;
	__u8 frag[8];
	__u32 l4 = 14 + 40;

	e->ethertype = bpf_htons(__EV_ETH_P_IPV6);
	if (bpf_skb_load_bytes(skb, 14 + 6, &e->proto, 1) ||
	    bpf_skb_load_bytes(skb, 14 + 8, &e6->orig, sizeof(e6->orig)))
		return;
	if (e->proto == __EV_NEXTHDR_FRAG) {
		if (bpf_skb_load_bytes(skb, l4, frag, sizeof(frag)))
			return;
		e->proto = frag[0];
		if ((frag[2] << 8 | frag[3]) & 0xfff8)
			return; /* a later fragment: no L4 header */
		l4 += 8;
	}
	__events_l4_6(skb, e, l4);
}

/*
 * A drop is finished where it is decided, often deep in a global worker
 * whose call chain already fills the verifier's 512 bytes of stack (from
 * from_uplink, rev_icmp_error_v4() has nothing to spare): verdict_finish()
 * only notes its reason in this CPU's ev_rate slot (events_drop()) and
 * returns __EVENTS_SHOT instead of TC_ACT_SHOT, which travels up through
 * verdict_done() like any verdict; the entry point, one frame deep, sends
 * the event and turns it into TC_ACT_SHOT (events_emit()). Nobody
 * monitoring, a drop costs one array lookup more, every other packet one
 * comparison.
 */
#define __EVENTS_SHOT 0x102 /* TC_ACT_SHOT, an event to send: no TC_ACT_* value */

static __always_inline int events_drop(__u32 reason)
{
	__u32 zero = 0;
	struct nsb_ev_rate *r;

	if (!events_on())
		return 2; /* TC_ACT_SHOT */
	r = bpf_map_lookup_elem(&ev_rate, &zero);
	if (!r)
		return 2;
	r->drop = reason;
	return __EVENTS_SHOT;
}

/*
 * The drop noted by events_drop(): what, where (the device the program
 * runs on: a host end, or the uplink) and the packet. A global function:
 * verified once, and its frame is its own.
 */
__noinline int events_drop_skb(struct __sk_buff *skb)
{
	const struct nsb_monitor *m = events_on();
	struct nsb_event6 *e6;
	struct nsb_ev_rate *r;
	struct nsb_event *e;
	__be16 ethertype;
	__u32 zero = 0;
	__u8 reason;

	r = bpf_map_lookup_elem(&ev_rate, &zero);
	if (!m || !r || !r->drop)
		return 0;
	reason = (__u8)r->drop;
	r->drop = 0;
	if (bpf_skb_load_bytes(skb, 12, &ethertype, 2))
		ethertype = 0;
	if (ethertype == bpf_htons(__EV_ETH_P_IPV6)) {
		e6 = __events_reserve6(m, NSB_EV_DROP);
		if (!e6)
			return 0;
		e6->e.reason = reason;
		e6->e.ifindex = skb->ifindex;
		__events_packet6(skb, e6);
		bpf_ringbuf_submit(e6, 0);
		return 0;
	}
	e = __events_reserve(m, NSB_EV_DROP);
	if (!e)
		return 0;
	e->reason = reason;
	e->ifindex = skb->ifindex;
	if (ethertype)
		__events_packet(skb, e, ethertype);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* An entry point's last word: its verdict, a drop's event sent first. */
static __always_inline int events_emit(struct __sk_buff *skb, int verdict)
{
	if (verdict != __EVENTS_SHOT)
		return verdict;
	events_drop_skb(skb);
	return 2; /* TC_ACT_SHOT */
}

/*
 * A flow from its ct entry: k as the node sends (the client's side for a
 * hairpin flow), ce its translation. orig is the flow as its opener sent
 * it, xlat what it became: masquerade node -> remote as uplink:P -> remote;
 * hairpin client -> uplink:6000 as gw:P -> backend:8080; forward (the
 * node's entry, F_DNAT) client -> uplink:6000 as client -> node:8080.
 */
static __always_inline void __events_ct(__u8 type, __u8 reason, const struct nsb_ct_key *k,
					const struct nsb_ct_entry *ce)
{
	const struct nsb_monitor *m = events_on();
	bool hairpin = ce->flags & NSB_CT_F_HAIRPIN;
	struct nsb_event *e;

	if (!m)
		return;
	e = __events_reserve(m, type);
	if (!e)
		return;
	e->reason = reason;
	e->ifindex = ce->ifindex;
	e->proto = k->proto;
	e->flags = NSB_EV_F_IPV4 | NSB_EV_F_L4 | NSB_EV_F_XLAT;
	if (ce->flags & NSB_CT_F_DNAT) {
		e->kind = hairpin ? NSB_EV_KIND_HAIRPIN : NSB_EV_KIND_FORWARD;
		e->orig.saddr = k->daddr;
		e->orig.daddr = ce->nat_addr;
		e->orig.sport = (ce->flags & NSB_CT_F_CPORT) ? ce->dnat_port : k->dport;
		e->orig.dport = ce->nat_port;
		e->xlat.saddr = k->daddr;
		e->xlat.daddr = k->saddr;
		e->xlat.sport = k->dport;
		e->xlat.dport = k->sport;
	} else {
		e->kind = hairpin ? NSB_EV_KIND_HAIRPIN : NSB_EV_KIND_MASQUERADE;
		e->orig.saddr = k->saddr;
		e->orig.daddr = k->daddr;
		e->orig.sport = k->sport;
		e->orig.dport = k->dport;
		e->xlat.saddr = ce->nat_addr;
		e->xlat.daddr = hairpin ? ce->dnat_addr : k->daddr;
		e->xlat.sport = ce->nat_port;
		e->xlat.dport = hairpin ? ce->dnat_port : k->dport;
	}
	bpf_ringbuf_submit(e, 0);
}

/* A new flow, its ct entry just written. */
static __always_inline void events_flow(const struct nsb_ct_key *k, const struct nsb_ct_entry *ce)
{
	__events_ct(NSB_EV_FLOW, NSB_DROP_NONE, k, ce);
}

/*
 * events_flow() for nat_ct_create(): there, inline, its few bytes of stack
 * would tip the deepest chain of from_node (masquerade, nat_ct_create,
 * bpf_loop's callback, a claim check) past 512 bytes on 6.1. As a global
 * function its frame sits beside that chain, not under it. The switch is
 * tested before the call, so nobody monitoring costs no call.
 */
__noinline int events_flow_global(const struct nsb_ct_key *k, const struct nsb_ct_entry *ce)
{
	if (k && ce)
		__events_ct(NSB_EV_FLOW, NSB_DROP_NONE, k, ce);
	return 0;
}

static __always_inline void events_flow_ncc(const struct nsb_ct_key *k,
					    const struct nsb_ct_entry *ce)
{
	if (events_on())
		events_flow_global(k, ce);
}

/* A flow the collector dropped (reason: NSB_DROP_CT_EARLY_DROP). */
static __always_inline void events_ct_drop(const struct nsb_ct_key *k,
					   const struct nsb_ct_entry *ce, __u32 reason)
{
	__events_ct(NSB_EV_DROP, (__u8)reason, k, ce);
}

/* __events_ct() for a ct6 flow: the same tuples, the addresses IPv6. */
static __always_inline void __events_ct6(__u8 type, __u8 reason, const struct nsb_ct6_key *k,
					 const struct nsb_ct6_entry *ce)
{
	const struct nsb_monitor *m = events_on();
	bool hairpin = ce->e.flags & NSB_CT_F_HAIRPIN;
	struct nsb_event6 *e6;
	struct nsb_event *e;

	if (!m)
		return;
	e6 = __events_reserve6(m, type);
	if (!e6)
		return;
	e = &e6->e;
	e->reason = reason;
	e->ifindex = ce->e.ifindex;
	e->proto = k->proto;
	e->flags |= NSB_EV_F_L4 | NSB_EV_F_XLAT;
	if (ce->e.flags & NSB_CT_F_DNAT) {
		e->kind = hairpin ? NSB_EV_KIND_HAIRPIN : NSB_EV_KIND_FORWARD;
		__builtin_memcpy(e6->orig.saddr, k->daddr, 16);
		__builtin_memcpy(e6->orig.daddr, ce->nat_addr, 16);
		e->orig.sport = (ce->e.flags & NSB_CT_F_CPORT) ? ce->e.dnat_port : k->dport;
		e->orig.dport = ce->e.nat_port;
		__builtin_memcpy(e6->xlat.saddr, k->daddr, 16);
		__builtin_memcpy(e6->xlat.daddr, k->saddr, 16);
		e->xlat.sport = k->dport;
		e->xlat.dport = k->sport;
	} else {
		e->kind = hairpin ? NSB_EV_KIND_HAIRPIN : NSB_EV_KIND_MASQUERADE;
		__builtin_memcpy(e6->orig.saddr, k->saddr, 16);
		__builtin_memcpy(e6->orig.daddr, k->daddr, 16);
		e->orig.sport = k->sport;
		e->orig.dport = k->dport;
		__builtin_memcpy(e6->xlat.saddr, ce->nat_addr, 16);
		__builtin_memcpy(e6->xlat.daddr, hairpin ? ce->dnat_addr : k->daddr, 16);
		e->xlat.sport = ce->e.nat_port;
		e->xlat.dport = hairpin ? ce->e.dnat_port : k->dport;
	}
	bpf_ringbuf_submit(e6, 0);
}

/*
 * A new ct6 flow, its entry just written. A global function, as
 * events_flow_global(): the IPv6 paths that write ct6 entries run deep
 * (nat6_ct_create() beside a bpf_loop), and its frame sits beside them;
 * the switch is tested before the call (events_flow6()).
 */
__noinline int events_flow6_global(const struct nsb_ct6_key *k, const struct nsb_ct6_entry *ce)
{
	if (k && ce)
		__events_ct6(NSB_EV_FLOW, NSB_DROP_NONE, k, ce);
	return 0;
}

static __always_inline void events_flow6(const struct nsb_ct6_key *k,
					 const struct nsb_ct6_entry *ce)
{
	if (events_on())
		events_flow6_global(k, ce);
}

/* A ct6 flow the collector dropped (reason: NSB_DROP_CT_EARLY_DROP). */
static __always_inline void events_ct6_drop(const struct nsb_ct6_key *k,
					    const struct nsb_ct6_entry *ce, __u32 reason)
{
	__events_ct6(NSB_EV_DROP, (__u8)reason, k, ce);
}

#endif /* NSBPF_LIB_EVENTS_H */
