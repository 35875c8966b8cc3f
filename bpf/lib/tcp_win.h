/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * TCP window tracking for the NAT's flows, after Linux's
 * nf_conntrack_proto_tcp (Rooij's "Real stateful TCP packet filtering")
 * and RFC 5961, so that nobody off the path can close, reopen or steal a
 * flow. Each side of a ct entry keeps the highest sequence it sent (end),
 * the bound the other side's acks and windows put on it (maxend), its
 * largest window (maxwin) and highest ack (maxack); a segment is in window
 * when
 *   I   seq  <= sender.maxend          (not beyond what the receiver allowed)
 *   II  end  >= sender.end - receiver.maxwin   (not older than a window)
 *   III ack  <= receiver.end           (acks nothing that was never sent)
 *   IV  ack  >= receiver.end - max(sender.maxwin, 66000)
 * Decisions:
 *   out of window (any flags)            dropped, tcp_window; no state change
 *   a bare SYN from the side that did not open the flow, a SYN-ACK from
 *   the side that did                    dropped, tcp_window (no simultaneous open)
 *   a bare SYN from the opener: on a closed flow it reopens it (TIME_WAIT
 *   reuse, both sides start afresh); on a live one it passes without a
 *   state change, so that the peer's challenge ACK (RFC 5961) makes the
 *   opener's stack reset the old connection exactly
 *   RST in window: closes the flow only when its seq is exactly what the
 *   receiver acked last (or the sender's next seq); otherwise it passes
 *   without a state change and the receiver's RFC 5961 check decides
 *   FIN in window: half-closed (CLOSING), both ways: CLOSED
 * A side first seen mid-stream (a flow picked up without its SYN, as Linux
 * does) starts from that segment. Sequence numbers are the same on both
 * sides of the NAT: it never rewrites them.
 */
#ifndef NSBPF_LIB_TCP_WIN_H
#define NSBPF_LIB_TCP_WIN_H

#include "lib/flow.h"

#define TCP_MAXACKWIN  66000 /* Linux's MAXACKWINDOW floor */
#define TCPOPT_EOL     0
#define TCPOPT_NOP     1
#define TCPOPT_WSCALE  3
#define TCP_MAX_WSCALE 14 /* RFC 7323 */
#define TCP_OPT_MAX    40

/* One segment, as tcp_track() needs it: host order. */
struct tcp_seg {
	__u32 seq, ack;
	__u32 end;    /* seq + payload + SYN + FIN */
	__u32 l4_off; /* where the TCP header starts (for the SYN's options) */
	__u16 win;    /* as sent, unscaled */
	__u8 flags;   /* TCP_* */
	__u8 doff;    /* header length, bytes */
	__u8 dir;     /* 0: as the ct key goes, 1: the other way */
	__u8 pad[3];
};

/* What tcp_track() says of a segment. */
enum tcp_verdict {
	TCP_ACCEPT = 0, /* in window; the entry learnt from it */
	TCP_DROP,	/* out of window or out of state */
};

static __always_inline bool __seq_before(__u32 a, __u32 b)
{
	return (__s32)(a - b) < 0;
}

static __always_inline bool __seq_after(__u32 a, __u32 b)
{
	return (__s32)(b - a) < 0;
}

/*
 * Move a side's field atomically: raise it to v when v is after it (in
 * sequence space or as a number), or add v. One direction's segments are tracked on
 * several CPUs at once (a node's TCP sends from its process and from the
 * softirq that took an ACK, and each CPU runs its own backlog), and a plain
 * check-then-store can move a field back: a lost "end" drops the other
 * side's next ACK as acking data never sent. A few rounds: each failed
 * one means another CPU moved it meanwhile.
 *
 * The compare-and-swap is 64 bits wide, on the aligned word of the entry
 * that holds the field (tcp[1] starts 4 bytes into one): a 32-bit one
 * needs -mcpu=v3, whose code costs 6.1's verifier the 512-byte chain.
 * ce: a ct value (8-aligned); off: the field's, TCP_SIDE_OFF(side, field).
 */
#define TCP_RAISE_TRIES 4
#define TCP_SIDE_OFF(side, field)                                                    \
	(offsetof(struct nsb_ct_entry, tcp) + (side) * sizeof(struct nsb_tcp_side) + \
	 offsetof(struct nsb_tcp_side, field))

/* How __tcp_move() moves a field: up to v in sequence space, up to v, or by v. */
enum tcp_move { TCP_RAISE_SEQ, TCP_RAISE, TCP_ADD };

static __always_inline void __tcp_move(struct nsb_ct_entry *ce, __u32 off, __u32 v,
				       enum tcp_move how)
{
	__u64 *w = (void *)ce + (off & ~7U), old, seen, mask;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	__u32 shift = (off & 4) * 8;
#else
	__u32 shift = (~off & 4) * 8;
#endif
	__u32 cur, next;

	mask = ~(0xffffffffULL << shift);
	old = *(volatile __u64 *)w;
	for (int i = 0; i < TCP_RAISE_TRIES; i++) {
		cur = (__u32)(old >> shift);
		if (how == TCP_ADD)
			next = cur + v;
		else if (how == TCP_RAISE_SEQ ? !__seq_after(v, cur) : v <= cur)
			return;
		else
			next = v;
		seen = __sync_val_compare_and_swap(w, old, (old & mask) | ((__u64)next << shift));
		if (seen == old)
			return;
		old = seen;
	}
}

/*
 * The segment of a TCP header h (as copied out of the packet), whose IPv4
 * datagram is tot_len long with its TCP header at ip_hlen.
 */
static __always_inline void tcp_seg_fill(struct tcp_seg *s, __be32 seq, __be32 ack, __be16 win,
					 __u8 off_byte, __u8 flags, __u32 tot_len, __u32 ip_hlen,
					 __u32 l4_off, __u8 dir)
{
	__u32 doff = (off_byte >> 4) * 4, payload = 0;

	if (tot_len > ip_hlen + doff)
		payload = tot_len - ip_hlen - doff;
	s->seq = bpf_ntohl(seq);
	s->ack = bpf_ntohl(ack);
	s->end = s->seq + payload + !!(flags & TCP_SYN) + !!(flags & TCP_FIN);
	s->l4_off = l4_off;
	s->win = bpf_ntohs(win);
	s->flags = flags;
	s->doff = (__u8)doff;
	s->dir = dir;
}

struct __tcp_opts {
	struct __sk_buff *skb;
	__u32 base, len; /* where the options start, their length */
	__u32 next;	 /* offset of the next option */
	int wscale;	 /* -1: none (yet) */
};

/*
 * bpf_loop() callback: the option at c->next. 1 stops the loop. Two bytes
 * read at a time: SYNs are rare, and a buffer would cost stack that 6.1
 * sums over the frames of from_node, hairpin and tcp_track() (512 bytes).
 * bpf_loop() because a plain loop over variable-length options is walked
 * path by path by the verifier.
 */
static long __tcp_opt(__u32 n, void *arg)
{
	struct __tcp_opts *c = arg;
	__u32 i = c->next;
	__u8 o[2] = {};

	if (i >= c->len || i >= TCP_OPT_MAX)
		return 1;
	if (bpf_skb_load_bytes(c->skb, c->base + i, o, 1))
		return 1;
	if (o[0] == TCPOPT_EOL)
		return 1;
	if (o[0] == TCPOPT_NOP) {
		c->next = i + 1;
		return 0;
	}
	if (i + 1 >= c->len || bpf_skb_load_bytes(c->skb, c->base + i + 1, &o[1], 1) || o[1] < 2)
		return 1;
	if (o[0] == TCPOPT_WSCALE && o[1] == 3 && i + 2 < c->len) {
		if (!bpf_skb_load_bytes(c->skb, c->base + i + 2, o, 1))
			c->wscale = o[0] > TCP_MAX_WSCALE ? TCP_MAX_WSCALE : o[0];
		return 1;
	}
	c->next = i + o[1];
	return 0;
}

#define TCP_WS_WALK (-2) /* __tcp_wscale_linux(): not a layout it knows */

/* Bytes 4-7 of Linux's SYN options: SACK_PERM + timestamps, or NOP NOP + timestamps. */
static __always_inline bool __tcp_opt_ts(const __u8 *o)
{
	return (o[4] == 4 && o[5] == 2 && o[6] == 8 && o[7] == 10) ||
	       (o[4] == 1 && o[5] == 1 && o[6] == 8 && o[7] == 10);
}

/*
 * The window scale of a SYN whose options are laid out as Linux sends them
 * (MSS, then SACK_PERM/NOP NOP and timestamps or NOP NOP SACK_PERM, then
 * NOP and the window scale), read where it sits: the walk costs a new flow
 * some 40 ns. -1: none; TCP_WS_WALK: another layout, or not in the linear
 * part (the walk decides).
 */
static __always_inline int __tcp_wscale_linux(struct __sk_buff *skb, __u32 base, __u32 len)
{
	const __u8 *o = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;

	if (base > 128)
		return TCP_WS_WALK;
	o += base;
	if (len == 20 && (void *)(o + 20) <= (void *)end && o[0] == 2 && o[1] == 4 &&
	    __tcp_opt_ts(o) && o[16] == 1 && o[17] == 3 && o[18] == 3)
		return o[19] > TCP_MAX_WSCALE ? TCP_MAX_WSCALE : o[19];
	if (len == 16 && (void *)(o + 16) <= (void *)end && o[0] == 2 && o[1] == 4 &&
	    __tcp_opt_ts(o))
		return -1;
	if (len == 12 && (void *)(o + 12) <= (void *)end && o[0] == 2 && o[1] == 4 && o[4] == 1 &&
	    o[5] == 1 && o[6] == 4 && o[7] == 2 && o[8] == 1 && o[9] == 3 && o[10] == 3)
		return o[11] > TCP_MAX_WSCALE ? TCP_MAX_WSCALE : o[11];
	return TCP_WS_WALK;
}

/* The window scale a SYN announces (RFC 7323), or -1. */
static __always_inline int __tcp_wscale(struct __sk_buff *skb, const struct tcp_seg *s)
{
	struct __tcp_opts c = {
		.skb = skb,
		.base = s->l4_off + 20,
		.len = s->doff > 20 ? s->doff - 20 : 0,
		.wscale = -1,
	};
	int ws = __tcp_wscale_linux(skb, c.base, c.len);

	if (ws != TCP_WS_WALK)
		return ws;
	bpf_loop(TCP_OPT_MAX, __tcp_opt, &c, 0);
	return c.wscale;
}

/* A side starting with its SYN (or SYN-ACK): what it sent and announced. */
static __always_inline void __tcp_side_syn(struct __sk_buff *skb, struct nsb_tcp_side *snd,
					   struct nsb_tcp_side *rcv, const struct tcp_seg *s)
{
	int ws = __tcp_wscale(skb, s);

	snd->end = s->end;
	snd->maxend = s->end;
	snd->maxwin = s->win ? s->win : 1; /* a SYN's window is never scaled */
	snd->maxack = 0;
	snd->flags = ws >= 0 ? NSB_TCP_F_WSCALE : 0;
	snd->wscale = ws >= 0 ? (__u8)ws : 0;
	/* RFC 7323: scaling only when both SYNs carry the option */
	if ((s->flags & TCP_ACK) && !(snd->flags & rcv->flags & NSB_TCP_F_WSCALE))
		snd->wscale = rcv->wscale = 0;
}

/* The side that opened the flow: the node, or the remote for a forward's. */
static __always_inline __u8 __tcp_opener(const struct nsb_ct_entry *ce)
{
	return ce->flags & NSB_CT_F_DNAT ? 1 : 0;
}

/*
 * The SYN cases that are decided before the window check: TCP_DROP, or
 * TCP_ACCEPT with *done set when the segment is dealt with.
 */
static __always_inline int __tcp_syn(struct __sk_buff *skb, struct nsb_ct_entry *ce,
				     struct nsb_tcp_side *snd, struct nsb_tcp_side *rcv,
				     const struct tcp_seg *s, bool *done)
{
	bool opener = s->dir == __tcp_opener(ce);

	*done = false;
	if (!(s->flags & TCP_ACK)) {
		if (!opener || (s->flags & TCP_RST))
			return TCP_DROP;
		*done = true;
		if (ce->state == NSB_CT_CLOSED || !snd->maxwin ||
		    (ce->state == NSB_CT_NEW && __seq_after(s->end, snd->end))) {
			/* a new connection on these ports: both sides start afresh */
			__builtin_memset(ce->tcp, 0, sizeof(ce->tcp));
			__tcp_side_syn(skb, snd, rcv, s);
			ce->state = NSB_CT_NEW;
			ce->flags &= ~(NSB_CT_F_FIN_ORIG | NSB_CT_F_FIN_REPLY | NSB_CT_F_RST);
		}
		/* else a retransmission, or a SYN on a live flow: passed, no change */
		return TCP_ACCEPT;
	}
	if (opener)
		return TCP_DROP; /* a SYN-ACK answers the opener, never comes from it */
	/* the first SYN-ACK must ack the opener's SYN: that decides, not its window */
	if (!snd->maxwin) {
		if (__seq_after(s->ack, rcv->end) || __seq_before(s->ack, rcv->end - TCP_MAXACKWIN))
			return TCP_DROP;
		__tcp_side_syn(skb, snd, rcv, s);
	}
	return TCP_ACCEPT; /* on to the window check */
}

static __always_inline int __tcp_track(struct __sk_buff *skb, struct nsb_ct_entry *ce,
				       const struct tcp_seg *s)
{
	struct nsb_tcp_side *snd = &ce->tcp[s->dir & 1], *rcv = &ce->tcp[!(s->dir & 1)];
	__u32 seq = s->seq, ack = s->ack, end = s->end, win = s->win, maxack, sd = s->dir & 1;
	__u32 s_end, s_maxend, s_maxwin, r_end, r_maxend;
	bool done;
	int ret;

	if (s->flags & TCP_SYN) {
		/* a (re)open is decided before any window exists */
		ret = __tcp_syn(skb, ce, snd, rcv, s, &done);
		if (ret || done)
			return ret;
	}
	/* the sides as they would be: written back only for a segment in window */
	s_end = snd->end;
	s_maxend = snd->maxend;
	s_maxwin = snd->maxwin;
	r_end = rcv->end;
	r_maxend = rcv->maxend;
	if (!s_maxwin) {
		/*
		 * First seen mid-stream: trust this segment for a start. Not the
		 * side that did not open the flow without an ACK: its first word
		 * is a SYN-ACK, or a RST that acks the opener's SYN (RFC 793).
		 */
		if (s->dir != __tcp_opener(ce) && !(s->flags & TCP_ACK))
			return TCP_DROP;
		s_end = end;
		s_maxwin = (win << snd->wscale) ? (win << snd->wscale) : 1;
		s_maxend = end + s_maxwin;
		if (!rcv->maxwin && (s->flags & TCP_ACK))
			r_end = r_maxend = ack;
	}
	/* no ACK, or the zero ack some stacks put in a RST: as if it acked all */
	if (!(s->flags & TCP_ACK) || ((s->flags & TCP_RST) && !ack))
		ack = r_end;
	maxack = s_maxwin > TCP_MAXACKWIN ? s_maxwin : TCP_MAXACKWIN;
	if (__seq_after(seq, s_maxend) || (rcv->maxwin && __seq_before(end, s_end - rcv->maxwin)) ||
	    __seq_after(ack, r_end) || __seq_before(ack, r_end - maxack))
		return TCP_DROP;

	if (s->flags & TCP_RST) {
		/* in window; it teaches nothing: an inexact one may be forged */
		if (!(rcv->flags & NSB_TCP_F_MAXACK) || seq == rcv->maxack || seq == s_end) {
			ce->state = NSB_CT_CLOSED;
			ce->flags |= NSB_CT_F_RST;
		}
		return TCP_ACCEPT;
	}

	/*
	 * In window: learn from it. The other direction runs on another CPU
	 * at the same time and moves fields of this entry too (its ACKs move
	 * this side's maxend), and so do this direction's other segments: a
	 * side first seen here is written whole, and after that every field
	 * only ever moves forward, atomically (__tcp_move()). A
	 * write-back of stale copies would move fields back, and the next
	 * segments out of window.
	 */
	if (!snd->maxwin) {
		snd->end = s_end;
		snd->maxend = s_maxend;
		snd->maxwin = s_maxwin;
	}
	if (!rcv->maxwin && r_end != rcv->end) {
		rcv->end = r_end;
		rcv->maxend = r_maxend;
	}
	if (!(s->flags & TCP_SYN))
		win <<= snd->wscale;
	/* most segments move end or maxack; the rest change nothing: a plain read first */
	if (snd->maxwin < win)
		__tcp_move(ce, TCP_SIDE_OFF(sd, maxwin), win, TCP_RAISE);
	if (__seq_after(end, snd->end))
		__tcp_move(ce, TCP_SIDE_OFF(sd, end), end, TCP_RAISE_SEQ);
	if (s->flags & TCP_ACK) {
		if (!(snd->flags & NSB_TCP_F_MAXACK)) {
			snd->maxack = ack;
			snd->flags |= NSB_TCP_F_MAXACK;
		} else if (__seq_after(ack, snd->maxack)) {
			__tcp_move(ce, TCP_SIDE_OFF(sd, maxack), ack, TCP_RAISE_SEQ);
		}
	}
	s_maxend = snd->maxend;
	if (rcv->maxwin && __seq_after(end, s_maxend))
		__tcp_move(ce, TCP_SIDE_OFF(!sd, maxwin), end - s_maxend, TCP_ADD);
	r_maxend = ack + win + !win;
	if (__seq_after(r_maxend, rcv->maxend))
		__tcp_move(ce, TCP_SIDE_OFF(!sd, maxend), r_maxend, TCP_RAISE_SEQ);

	if (s->flags & TCP_FIN) {
		ce->flags |= s->dir ? NSB_CT_F_FIN_REPLY : NSB_CT_F_FIN_ORIG;
		ce->state = (ce->flags & NSB_CT_F_FIN_ORIG) && (ce->flags & NSB_CT_F_FIN_REPLY) ?
				    NSB_CT_CLOSED :
				    NSB_CT_CLOSING;
	} else if ((s->flags & TCP_SYN) && ce->state == NSB_CT_NEW) {
		ce->state = NSB_CT_ESTABLISHED; /* the SYN-ACK, in window */
	}
	return TCP_ACCEPT;
}

/*
 * Track segment s of the flow ce: enum tcp_verdict. A global function: the
 * verifier walks it once, however many NAT paths call it (masquerade, its
 * way back, forwards, hairpin). ce is a ct map value, s the caller's.
 */
__noinline int tcp_track(struct __sk_buff *skb, struct nsb_ct_entry *ce, const struct tcp_seg *s)
{
	if (!skb || !ce || !s)
		return TCP_DROP;
	return __tcp_track(skb, ce, s);
}

/*
 * A new flow's first segment, a bare SYN (no ACK, RST or FIN) from the side
 * that opens it, on ce, an entry not in ct yet: what tcp_track() makes of
 * it on a fresh entry, without its other cases. Its own global function, a
 * small frame: forwards call it from a chain (from_uplink, dnat_new_v4)
 * that the verifier sums into 512 bytes.
 */
__noinline int tcp_syn_open(struct __sk_buff *skb, struct nsb_ct_entry *ce, const struct tcp_seg *s)
{
	if (!skb || !ce || !s || (s->flags & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN)) != TCP_SYN ||
	    s->dir != __tcp_opener(ce))
		return TCP_DROP;
	__builtin_memset(ce->tcp, 0, sizeof(ce->tcp));
	__tcp_side_syn(skb, &ce->tcp[s->dir & 1], &ce->tcp[!(s->dir & 1)], s);
	ce->state = NSB_CT_NEW;
	return TCP_ACCEPT;
}

/*
 * The TCP segment f of the flow ce, from side dir: 0 (accepted, or not TCP,
 * or a later fragment, which has no TCP header) or nsb_drop(tcp_window).
 */
static __always_inline int tcp_track_flow(struct __sk_buff *skb, struct nsb_ct_entry *ce,
					  const struct flow_v4 *f, __u8 dir)
{
	struct tcp_seg s;

	if (f->key.proto != IPPROTO_TCP || f->l4 != FLOW_L4_OK)
		return 0;
	tcp_seg_fill(&s, f->tcp_seq, f->tcp_ack, f->tcp_win, f->tcp_off, f->tcp_flags, f->tot_len,
		     f->l4_off - ETH_HLEN, f->l4_off, dir);
	return tcp_track(skb, ce, &s) == TCP_ACCEPT ? 0 : nsb_drop(NSB_DROP_TCP_WINDOW);
}

#endif /* NSBPF_LIB_TCP_WIN_H */
