/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Conntrack for masqueraded and forwarded flows: a state per flow to pick
 * its timeout (TCP's from window tracking, lib/tcp_win.h), per-entry
 * counters each way, last seen and created. An entry idle longer than the
 * timeout of its protocol and state is treated as absent when it is next
 * looked at; the collector (lib/ct_gc.h) takes it out of the map within
 * seconds, and the packet path never walks the map. Counters are plain stores into the map value: racy
 * between CPUs (a lost increment now and then), never locked.
 */
#ifndef NSBPF_LIB_CT_H
#define NSBPF_LIB_CT_H

#include "lib/flow.h"
#include "nsbpf_ct.h"

/*
 * The packet path's clock for ct, nat_ports, frags and fib_cache stamps:
 * CLOCK_MONOTONIC_COARSE, which reads no clock source (the TSC read of
 * bpf_ktime_get_ns() is some 20 ns a packet in a VM). It lags
 * CLOCK_MONOTONIC, the loader's, by a tick at most: entries look that much
 * older to it, against timeouts of seconds. Events keep bpf_ktime_get_ns():
 * the monitor orders them against its own start.
 */
static __always_inline __u64 ct_now(void)
{
	return bpf_ktime_get_coarse_ns();
}

/* This CPU's room for a new entry, zeroed; NULL only if the map is broken. */
static __always_inline struct nsb_ct_entry *ct_scratch_get(void)
{
	__u32 zero = 0;
	union nsb_scratch *s = bpf_map_lookup_elem(&scratch, &zero);

	if (!s)
		return NULL;
	__builtin_memset(&s->ct, 0, sizeof(s->ct));
	return &s->ct;
}

/* The scratch entry as the caller left it: ct_scratch_get() zeroed it, then it began the entry. */
static __always_inline struct nsb_ct_entry *ct_scratch_peek(void)
{
	__u32 zero = 0;
	union nsb_scratch *s = bpf_map_lookup_elem(&scratch, &zero);

	return s ? &s->ct : NULL;
}

/* The rule is shared with the loader: nsbpf_ct.h. */
static __always_inline __u64 ct_timeout(const struct nsb_config *cfg, __u8 proto, __u8 state)
{
	return nsb_ct_timeout(cfg, proto, state);
}

static __always_inline bool ct_expired(const struct nsb_config *cfg, const struct nsb_ct_entry *ce,
				       __u8 proto, __u64 now)
{
	__u64 seen = ce->last_seen_ns;

	/* another CPU may have stamped it after our clock read: not expired */
	return now > seen && now - seen > ct_timeout(cfg, proto, ce->state);
}

/*
 * The state a flow starts in, from its first packet out: a TCP flow picked
 * up without its SYN counts as established (loose, as Linux does); window
 * tracking (lib/tcp_win.h) takes it from there.
 */
static __always_inline __u8 ct_state_new(__u8 proto, __u8 tcp_flags)
{
	if (proto == IPPROTO_TCP && (tcp_flags & (TCP_SYN | TCP_ACK)) != TCP_SYN)
		return NSB_CT_ESTABLISHED;
	return NSB_CT_NEW;
}

/*
 * A packet of an existing flow, from the node (orig) or the remote (reply):
 * counters and last seen. UDP and ICMP: the side that did not open the flow
 * answering establishes it (the node opened masquerade's, the remote a port
 * forward's). TCP's state is window tracking's, which has seen the segment
 * already (tcp_track()).
 */
static __always_inline void __ct_account(struct nsb_ct_entry *ce, __u8 proto, __u32 len, __u64 now,
					 bool reply)
{
	bool remote_opened = ce->flags & NSB_CT_F_DNAT;

	if (proto != IPPROTO_TCP && ce->state == NSB_CT_NEW && reply != remote_opened)
		ce->state = NSB_CT_ESTABLISHED;
	ce->last_seen_ns = now;
	if (reply) {
		ce->pkts_reply++;
		ce->bytes_reply += len;
	} else {
		ce->pkts_orig++;
		ce->bytes_orig += len;
	}
}

/*
 * TCP state without window tracking, for a flow whose both ends are nodes
 * (hairpin): anti-spoofing already guarantees that only they send on it.
 * A bare SYN reopens a closed flow; a SYN-ACK establishes; a RST closes; a
 * FIN each way closes. reply: the packet goes against the key.
 */
static __always_inline void ct_tcp_trusted(struct nsb_ct_entry *ce, __u8 proto, __u8 tcp_flags,
					   bool reply)
{
	if (proto != IPPROTO_TCP)
		return;
	if (tcp_flags & TCP_RST) {
		ce->state = NSB_CT_CLOSED;
		ce->flags |= NSB_CT_F_RST;
	} else if (tcp_flags & TCP_FIN) {
		ce->flags |= reply ? NSB_CT_F_FIN_REPLY : NSB_CT_F_FIN_ORIG;
		ce->state = (ce->flags & NSB_CT_F_FIN_ORIG) && (ce->flags & NSB_CT_F_FIN_REPLY) ?
				    NSB_CT_CLOSED :
				    NSB_CT_CLOSING;
	} else if ((tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN) {
		if (ce->state == NSB_CT_CLOSED) {
			ce->state = NSB_CT_NEW;
			ce->flags &= ~(NSB_CT_F_FIN_ORIG | NSB_CT_F_FIN_REPLY | NSB_CT_F_RST);
		}
	} else if ((tcp_flags & TCP_SYN) && ce->state == NSB_CT_NEW) {
		ce->state = NSB_CT_ESTABLISHED;
	}
}

static __always_inline void ct_account_orig(struct nsb_ct_entry *ce, __u8 proto, __u32 len,
					    __u64 now)
{
	__ct_account(ce, proto, len, now, false);
}

static __always_inline void ct_account_reply(struct nsb_ct_entry *ce, __u8 proto, __u32 len,
					     __u64 now)
{
	__ct_account(ce, proto, len, now, true);
}

#endif /* NSBPF_LIB_CT_H */
