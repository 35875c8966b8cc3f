/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Conntrack for masqueraded and forwarded flows: just enough TCP state to
 * pick a timeout (SYN: NEW; SYN-ACK: ESTABLISHED; FIN or RST either way:
 * CLOSING), per-entry counters each way, last seen and created. Entries are
 * never walked: one idle longer than the timeout of its protocol and state
 * is treated as absent when it is next looked at, and LRU eviction keeps the
 * map from filling. Counters are plain stores into the map value: racy
 * between CPUs (a lost increment now and then), never locked.
 */
#ifndef NSBPF_LIB_CT_H
#define NSBPF_LIB_CT_H

#include "lib/flow.h"
#include "nsbpf_ct.h"

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

/* The state a flow starts in, from its first packet out. */
static __always_inline __u8 ct_state_new(__u8 proto, __u8 tcp_flags)
{
	if (proto != IPPROTO_TCP)
		return NSB_CT_NEW;
	if (tcp_flags & (TCP_RST | TCP_FIN))
		return NSB_CT_CLOSING;
	if ((tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN)
		return NSB_CT_NEW;
	return NSB_CT_ESTABLISHED;	/* picked up mid-stream (loose, as Linux does) */
}

/*
 * A SYN either way. Bare, it reopens a closed flow (a new connection on the
 * same ports, TIME_WAIT reuse); with ACK it is the answer that establishes
 * a new one. Which side opened depends on the flow (masquerade: the node;
 * a port forward: the remote), so both sides take both.
 */
static __always_inline void __ct_syn(struct nsb_ct_entry *ce, __u8 tcp_flags)
{
	if (!(tcp_flags & TCP_ACK)) {
		if (ce->state == NSB_CT_CLOSING) {
			ce->state = NSB_CT_NEW;
			ce->flags &= ~(NSB_CT_F_FIN_ORIG | NSB_CT_F_FIN_REPLY | NSB_CT_F_RST);
		}
	} else if (ce->state == NSB_CT_NEW) {
		ce->state = NSB_CT_ESTABLISHED;
	}
}

/*
 * A packet of an existing flow, from the node (orig) or the remote (reply).
 * UDP and ICMP: the side that did not open the flow answering establishes
 * it (the node opened masquerade's, the remote a port forward's).
 */
static __always_inline void __ct_account(struct nsb_ct_entry *ce, __u8 proto, __u8 tcp_flags,
					 __u32 len, __u64 now, bool reply)
{
	bool remote_opened = ce->flags & NSB_CT_F_DNAT;

	if (proto != IPPROTO_TCP) {
		if (ce->state == NSB_CT_NEW && reply != remote_opened)
			ce->state = NSB_CT_ESTABLISHED;
	} else if (tcp_flags & TCP_RST) {
		ce->state = NSB_CT_CLOSING;
		ce->flags |= NSB_CT_F_RST;
	} else if (tcp_flags & TCP_FIN) {
		ce->state = NSB_CT_CLOSING;
		ce->flags |= reply ? NSB_CT_F_FIN_REPLY : NSB_CT_F_FIN_ORIG;
	} else if (tcp_flags & TCP_SYN) {
		__ct_syn(ce, tcp_flags);
	}
	ce->last_seen_ns = now;
	if (reply) {
		ce->pkts_reply++;
		ce->bytes_reply += len;
	} else {
		ce->pkts_orig++;
		ce->bytes_orig += len;
	}
}

static __always_inline void ct_account_orig(struct nsb_ct_entry *ce, __u8 proto, __u8 tcp_flags,
					    __u32 len, __u64 now)
{
	__ct_account(ce, proto, tcp_flags, len, now, false);
}

static __always_inline void ct_account_reply(struct nsb_ct_entry *ce, __u8 proto, __u8 tcp_flags,
					     __u32 len, __u64 now)
{
	__ct_account(ce, proto, tcp_flags, len, now, true);
}

#endif /* NSBPF_LIB_CT_H */
