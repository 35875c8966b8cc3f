// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The datapath's cost per packet under BPF_PROG_TEST_RUN, path by path
 * (from_node, from_uplink, to_uplink), printed, never asserted. Skipped
 * unless NSBPF_BENCH=1; NSBPF_BENCH_N sets the number of runs (default
 * 200000), NSBPF_BENCH_CASE runs only the rows whose name has it. Run it alone,
 * or through bench/prog.sh, which also compares two
 * builds in one run:
 *
 *   NSBPF_BENCH=1 unshare --net .output/selftests/selftests --filter 'bench/ns_per_packet'
 *
 * Every run is its own BPF_PROG_TEST_RUN with repeat = 1: with repeat > 1
 * the kernel reruns the program on the skb the previous round rewrote, which
 * would then be a spoofed frame (its source MAC is now a host end's). A
 * fresh skb is built from the same input bytes for each call. "prog" is the
 * kernel's own measure of the program run (test_run duration), "syscall"
 * the wall clock of the whole call, skb setup included. "prog" still holds
 * the test_run timer's own cost: the floor row (to_node, which only counts)
 * shows it. A second line per row gives the mean of the fastest 99 % of
 * the runs ("trimmed"), their median and p99: on a shared machine an
 * interrupt or a preemption inside a few runs moves the mean, not those
 * (the kernel's clock here ticks in steps of about 10 ns, too coarse for
 * the median alone to tell 5 % apart). The objects are loaded as the loader
 * loads them (nsb_trace_enabled = 0), in lab_masq with an uplink (a veth in
 * the private netns).
 *
 * Every row asserts the verdict and the stats slot of the path it names,
 * so a row can never quietly measure a drop. TCP is measured as real
 * stacks send it, because conntrack tracks windows: an established row
 * first runs its flow's three-way handshake (setup), with sequence numbers
 * and acks that agree, and its measured segment is in window (the same
 * segment each run: a retransmission, which window tracking checks like
 * any other); SYNs carry Linux's options (MSS, SACK permitted, timestamps,
 * window scale), which window tracking walks. A new-flow row deletes the
 * entries each run made (reset), outside the timing, so every run is new.
 *
 * The file builds against older trees too (bench/prog.sh --baseline: the
 * same rows through an older datapath): it uses nothing of the map ABI but
 * what every layout has, the timeouts of the one it is built with, and the
 * FIB probe device where the tree has one (new flows ask the FIB).
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "labs.h"
#include "lab/fill.h"

/* the lower bound of an established NAT segment (selftests/bpf/nat_bound.bpf.c), where the tree has it */
#if __has_include("nat_bound.skel.h")
#include "nat_bound.skel.h"
#define BENCH_BOUND 1
#endif

/* rows name what differs from a frame macro; the optional fields stay unnamed */
#pragma GCC diagnostic ignored "-Woverride-init"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define UDP4(dmac, smac, s, d) \
	.kind = FR_IPV4, .dst = (dmac), .src = (smac), .saddr = (s), .daddr = (d)

/* B_BOUND: nat_bound, on the node object's maps (a row only where the tree has it) */
enum bench_hook { B_FROM_NODE, B_TO_NODE, B_FROM_UPLINK, B_TO_UPLINK, B_BOUND };

#define NOT_COUNTED UINT32_MAX
#define UPLINK_IF   UINT32_MAX
/* a dport: the port the case's flow (its first setup frame) left with */
#define NAT_PORT 0x7fffffffu

/* initial sequence numbers: whoever opens the flow, whoever answers */
#define ISN_OPEN   0x01020304u
#define ISN_ANSWER 0x0a0b0c0du

/* what a "new flow" row's run leaves behind, deleted after each (host order) */
struct bench_reset {
	struct {
		uint32_t saddr, daddr, sport, dport;
	} ct[2];
	struct {
		uint32_t nat_addr, remote_addr, nat_port, remote_port;
	} natp;
};

/* one frame into one hook; ingress UPLINK_IF: the uplink */
struct bench_step {
	enum bench_hook hook;
	uint32_t ingress;
	struct frame f;
};

#define SETUP_MAX 3

/*
 * The monitor (`nsbpf monitor`, bpf/lib/events.h) during a row: off (every
 * other row: what a lab costs while nobody monitors), on with no rate
 * limit (each drop or new flow writes its event: the cost of an event), or
 * on with the default rate limit (a flood: past the burst, events are
 * suppressed). The ring is drained outside the timing.
 */
enum bench_mon { MON_OFF, MON_EVERY, MON_LIMITED };

struct bench_case {
	const char *name;
	enum bench_hook hook;
	uint32_t ingress; /* UPLINK_IF: the uplink */
	struct frame f;
	uint32_t verdict;
	uint32_t slot;			    /* NOT_COUNTED: the host's traffic (uplink hooks) */
	struct bench_step setup[SETUP_MAX]; /* sent first, in order, each translated */
	const struct bench_reset *reset;    /* a new flow each run (TCP entries) */
	enum bench_mon monitor;		    /* the monitor switch during the row */
};

/*
 * Masquerade: earth:sp to the world's REMOTE_IP:80 and back to the uplink
 * address at dp (NAT_PORT: whatever port the flow got).
 */
#define M_OUT(sp, fl, sq, ak)                                                           \
	.kind = FR_TCP4, .dst = earth_host, .src = earth_mac, .saddr = EARTH_IP,        \
	.daddr = REMOTE_IP, .sport = (sp), .dport = 80, .tcp_flags = (fl), .seq = (sq), \
	.ack = (ak)
#define M_IN(dp, fl, sq, ak)                                                            \
	.kind = FR_TCP4, .dst = uplink_mac, .src = router_mac, .saddr = REMOTE_IP,      \
	.daddr = UPLINK_IP, .sport = 80, .dport = (dp), .tcp_flags = (fl), .seq = (sq), \
	.ack = (ak)
#define M_SYN(sp) M_OUT(sp, TCPF_SYN, ISN_OPEN, 0)
#define M_DATA_OUT(sp) \
	M_OUT(sp, TCPF_ACK | TCPF_PSH, ISN_OPEN + 1, ISN_ANSWER + 1), .payload_len = 64
#define M_DATA_IN(dp) M_IN(dp, TCPF_ACK | TCPF_PSH, ISN_ANSWER + 1, ISN_OPEN + 1), .payload_len = 64
#define M_HANDSHAKE(sp)                                                                        \
	{                                                                                      \
		{ B_FROM_NODE, EARTH_IF, { M_SYN(sp) } },                                      \
			{ B_FROM_UPLINK,                                                       \
			  UPLINK_IF,                                                           \
			  { M_IN(NAT_PORT, TCPF_SYN | TCPF_ACK, ISN_ANSWER, ISN_OPEN + 1) } }, \
		{                                                                              \
			B_FROM_NODE, EARTH_IF,                                                 \
			{                                                                      \
				M_OUT(sp, TCPF_ACK, ISN_OPEN + 1, ISN_ANSWER + 1)              \
			}                                                                      \
		}                                                                              \
	}

/* port forwards: the world's 40000 to uplink:6000 (earth:8080) */
#define F_IN(fl, sq, ak)                                                                   \
	.kind = FR_TCP4, .dst = uplink_mac, .src = router_mac, .saddr = REMOTE_IP,         \
	.daddr = UPLINK_IP, .sport = 40000, .dport = 6000, .tcp_flags = (fl), .seq = (sq), \
	.ack = (ak)
#define F_OUT(fl, sq, ak)                                                                  \
	.kind = FR_TCP4, .dst = earth_host, .src = earth_mac, .saddr = EARTH_IP,           \
	.daddr = REMOTE_IP, .sport = 8080, .dport = 40000, .tcp_flags = (fl), .seq = (sq), \
	.ack = (ak)
#define F_SYN	   F_IN(TCPF_SYN, ISN_OPEN, 0)
#define F_DATA_IN  F_IN(TCPF_ACK | TCPF_PSH, ISN_OPEN + 1, ISN_ANSWER + 1), .payload_len = 64
#define F_DATA_OUT F_OUT(TCPF_ACK | TCPF_PSH, ISN_ANSWER + 1, ISN_OPEN + 1), .payload_len = 64
#define F_HANDSHAKE                                                                   \
	{                                                                             \
		{ B_FROM_UPLINK, UPLINK_IF, { F_SYN } },                              \
			{ B_FROM_NODE,                                                \
			  EARTH_IF,                                                   \
			  { F_OUT(TCPF_SYN | TCPF_ACK, ISN_ANSWER, ISN_OPEN + 1) } }, \
		{                                                                     \
			B_FROM_UPLINK, UPLINK_IF,                                     \
			{                                                             \
				F_IN(TCPF_ACK, ISN_OPEN + 1, ISN_ANSWER + 1)          \
			}                                                             \
		}                                                                     \
	}

/* hairpin: mars:61234 to uplink:6000, so planet's gateway:P to earth:8080 */
#define H_MARS(fl, sq, ak)                                                                        \
	.kind = FR_TCP4, .dst = mars_host, .src = mars_mac, .saddr = MARS_IP, .daddr = UPLINK_IP, \
	.sport = 61234, .dport = 6000, .tcp_flags = (fl), .seq = (sq), .ack = (ak)
#define H_SYN  H_MARS(TCPF_SYN, ISN_OPEN, 0)
#define H_DATA H_MARS(TCPF_ACK | TCPF_PSH, ISN_OPEN + 1, ISN_ANSWER + 1), .payload_len = 64
#define H_HANDSHAKE                                                            \
	{                                                                      \
		{ B_FROM_NODE, MARS_IF, { H_SYN } },                           \
			{ B_FROM_NODE,                                         \
			  EARTH_IF,                                            \
			  { .kind = FR_TCP4,                                   \
			    .dst = earth_host,                                 \
			    .src = earth_mac,                                  \
			    .saddr = EARTH_IP,                                 \
			    .daddr = PLANET_GW,                                \
			    .sport = 8080,                                     \
			    .dport = NAT_PORT,                                 \
			    .tcp_flags = TCPF_SYN | TCPF_ACK,                  \
			    .seq = ISN_ANSWER,                                 \
			    .ack = ISN_OPEN + 1 } },                           \
		{                                                              \
			B_FROM_NODE, MARS_IF,                                  \
			{                                                      \
				H_MARS(TCPF_ACK, ISN_OPEN + 1, ISN_ANSWER + 1) \
			}                                                      \
		}                                                              \
	}

/* the host's own TCP on the uplink, both ways */
#define HOST_IN(dp) M_IN(dp, TCPF_ACK | TCPF_PSH, ISN_ANSWER + 1, ISN_OPEN + 1), .payload_len = 64
#define HOST_OUT(s)                                                                              \
	.kind = FR_TCP4, .dst = router_mac, .src = uplink_mac, .saddr = (s), .daddr = REMOTE_IP, \
	.sport = 40000, .dport = 80, .tcp_flags = TCPF_ACK | TCPF_PSH, .seq = ISN_OPEN + 1,      \
	.ack = ISN_ANSWER + 1, .payload_len = 64

static const struct bench_reset snat_reset = {
	.ct = { { EARTH_IP, REMOTE_IP, 61200, 80 } },
	.natp = { UPLINK_IP, REMOTE_IP, 61200, 80 },
};

static const struct bench_reset dnat_reset = {
	.ct = { { EARTH_IP, REMOTE_IP, 8080, 40000 } },
	.natp = { UPLINK_IP, REMOTE_IP, 6000, 40000 },
};

static const struct bench_reset hairpin_reset = {
	.ct = { { MARS_IP, UPLINK_IP, 61234, 6000 }, { EARTH_IP, PLANET_GW, 8080, 61234 } },
	.natp = { PLANET_GW, EARTH_IP, 61234, 8080 },
};

/* clang-format off */
static const struct bench_case cases[] = {
	{ "floor: to_node (count, pass)", B_TO_NODE, 0,
	  { UDP4(earth_mac, earth_host, PLANET_GW, EARTH_IP), .payload_len = 64 },
	  TC_ACT_UNSPEC, NSB_PATH_HOST_TO_NODE },
	/* from_node: a node's frames that stay in the lab or go to the host */
	{ "node_to_node, same network", B_FROM_NODE, EARTH_IF,
	  { UDP4(earth_host, earth_mac, EARTH_IP, NEPTUNE_IP), .payload_len = 64 },
	  TC_ACT_REDIRECT, NSB_PATH_NODE_TO_NODE },
	{ "node_to_node, across networks (TTL, csum)", B_FROM_NODE, EARTH_IF,
	  { UDP4(earth_host, earth_mac, EARTH_IP, MARS_IP), .payload_len = 64 },
	  TC_ACT_REDIRECT, NSB_PATH_NODE_TO_NODE },
	{ "arp_reply", B_FROM_NODE, EARTH_IF,
	  { .kind = FR_ARP, .dst = bcast_mac, .src = earth_mac, .op = 1, .sha = earth_mac,
	    .spa = EARTH_IP, .tpa = PLANET_GW },
	  TC_ACT_REDIRECT, NSB_PATH_ARP_REPLY },
	{ "from_node: IPv6 neighbour solicitation", B_FROM_NODE, EARTH_IF,
	  { .kind = FR_IPV6, .dst = earth_host, .src = earth_mac, .proto = 58,
	    .icmp_type = 135, .payload_len = 24 },
	  TC_ACT_UNSPEC, NSB_PATH_IPV6_PASS },
	{ "to_host, a host address (host_addrs)", B_FROM_NODE, EARTH_IF,
	  { UDP4(earth_host, earth_mac, EARTH_IP, HOST_IP), .payload_len = 64 },
	  TC_ACT_UNSPEC, NSB_PATH_TO_HOST },
	{ "to_host: node's TCP to the gateway (hairpin's)", B_FROM_NODE, EARTH_IF,
	  { M_DATA_OUT(40000), .daddr = PLANET_GW, .dport = 53 }, TC_ACT_UNSPEC, NSB_PATH_TO_HOST },
	{ "no_masquerade drop (networks scan)", B_FROM_NODE, PLUTO_IF,
	  { UDP4(pluto_host, pluto_mac, PLUTO_IP, OUTSIDE_IP), .payload_len = 64 },
	  TC_ACT_SHOT, NSB_STAT_DROP_BASE + NSB_DROP_NO_MASQUERADE },
#ifdef NSB_EV_RING_BYTES
	{ "no_masquerade drop, monitor on: an event each", B_FROM_NODE, PLUTO_IF,
	  { UDP4(pluto_host, pluto_mac, PLUTO_IP, OUTSIDE_IP), .payload_len = 64 },
	  TC_ACT_SHOT, NSB_STAT_DROP_BASE + NSB_DROP_NO_MASQUERADE, .monitor = MON_EVERY },
	{ "no_masquerade drop, monitor on: rate-limited", B_FROM_NODE, PLUTO_IF,
	  { UDP4(pluto_host, pluto_mac, PLUTO_IP, OUTSIDE_IP), .payload_len = 64 },
	  TC_ACT_SHOT, NSB_STAT_DROP_BASE + NSB_DROP_NO_MASQUERADE, .monitor = MON_LIMITED },
#endif /* NSB_EV_RING_BYTES */
	/* masquerade: out at from_node, back at from_uplink */
	{ "snat: SYN, new flow (port claim, ct entry)", B_FROM_NODE, EARTH_IF, { M_SYN(61200) },
	  TC_ACT_REDIRECT, NSB_PATH_SNAT, .reset = &snat_reset },
#ifdef NSB_EV_RING_BYTES
	{ "snat: SYN, new flow, monitor on: an event each", B_FROM_NODE, EARTH_IF,
	  { M_SYN(61200) }, TC_ACT_REDIRECT, NSB_PATH_SNAT, .reset = &snat_reset,
	  .monitor = MON_EVERY },
#endif /* NSB_EV_RING_BYTES */
	{ "snat, established TCP flow, port kept", B_FROM_NODE, EARTH_IF, { M_DATA_OUT(61100) },
	  TC_ACT_REDIRECT, NSB_PATH_SNAT, M_HANDSHAKE(61100) },
#ifdef BENCH_BOUND
	{ "lower bound: established SNAT, what none can skip", B_BOUND, EARTH_IF,
	  { M_DATA_OUT(61150) }, TC_ACT_REDIRECT, NSB_PATH_SNAT, M_HANDSHAKE(61150) },
#endif /* BENCH_BOUND */
	{ "snat, established TCP flow, port rewritten", B_FROM_NODE, EARTH_IF,
	  { M_DATA_OUT(40000) }, TC_ACT_REDIRECT, NSB_PATH_SNAT, M_HANDSHAKE(40000) },
	{ "snat, existing UDP flow, port kept", B_FROM_NODE, EARTH_IF,
	  { .kind = FR_UDP4, .dst = earth_host, .src = earth_mac, .saddr = EARTH_IP,
	    .daddr = REMOTE_IP, .sport = 61300, .dport = 53, .payload_len = 64 },
	  TC_ACT_REDIRECT, NSB_PATH_SNAT,
	  { { B_FROM_NODE, EARTH_IF,
	      { .kind = FR_UDP4, .dst = earth_host, .src = earth_mac, .saddr = EARTH_IP,
		.daddr = REMOTE_IP, .sport = 61300, .dport = 53, .payload_len = 64 } } } },
	{ "snat: TTL 1, ICMP time exceeded to the node", B_FROM_NODE, EARTH_IF,
	  { .kind = FR_UDP4, .dst = earth_host, .src = earth_mac, .saddr = EARTH_IP,
	    .daddr = REMOTE_IP, .sport = 61400, .dport = 33434, .ttl = 1, .payload_len = 64 },
	  TC_ACT_REDIRECT, NSB_PATH_TIME_EXCEEDED },
	{ "rev_snat: reply into the node (from_uplink)", B_FROM_UPLINK, UPLINK_IF,
	  { M_DATA_IN(NAT_PORT) }, TC_ACT_REDIRECT, NSB_PATH_REV_SNAT, M_HANDSHAKE(61101) },
	/* from_uplink: the host's own traffic passes untouched */
	{ "from_uplink: host's TCP, port outside range", B_FROM_UPLINK, UPLINK_IF,
	  { HOST_IN(22) }, TC_ACT_UNSPEC, NOT_COUNTED },
	{ "from_uplink: host's TCP, in range, no flow", B_FROM_UPLINK, UPLINK_IF,
	  { HOST_IN(61999) }, TC_ACT_UNSPEC, NOT_COUNTED },
	{ "from_uplink: host's TCP to another host addr", B_FROM_UPLINK, UPLINK_IF,
	  { HOST_IN(22), .daddr = HOST_IP }, TC_ACT_UNSPEC, NOT_COUNTED },
	{ "from_uplink: IPv6", B_FROM_UPLINK, UPLINK_IF,
	  { .kind = FR_IPV6, .dst = uplink_mac, .src = router_mac, .payload_len = 64 },
	  TC_ACT_UNSPEC, NOT_COUNTED },
	{ "from_uplink: to a lab address (inbound drop)", B_FROM_UPLINK, UPLINK_IF,
	  { HOST_IN(8080), .daddr = EARTH_IP }, TC_ACT_SHOT,
	  NSB_STAT_DROP_BASE + NSB_DROP_INBOUND },
	/* port forwards: in at from_uplink, the node's replies out at from_node */
	{ "dnat: SYN from outside, new flow", B_FROM_UPLINK, UPLINK_IF, { F_SYN },
	  TC_ACT_REDIRECT, NSB_PATH_DNAT, .reset = &dnat_reset },
	{ "dnat: client's data, established", B_FROM_UPLINK, UPLINK_IF, { F_DATA_IN },
	  TC_ACT_REDIRECT, NSB_PATH_DNAT, F_HANDSHAKE },
	{ "rev_dnat: node's reply out (from_node)", B_FROM_NODE, EARTH_IF, { F_DATA_OUT },
	  TC_ACT_REDIRECT, NSB_PATH_REV_DNAT, F_HANDSHAKE },
	{ "hairpin: SYN to uplink:6000, new flow", B_FROM_NODE, MARS_IF, { H_SYN },
	  TC_ACT_REDIRECT, NSB_PATH_HAIRPIN, .reset = &hairpin_reset },
	{ "hairpin: data, established", B_FROM_NODE, MARS_IF, { H_DATA },
	  TC_ACT_REDIRECT, NSB_PATH_HAIRPIN, H_HANDSHAKE },
	/* to_uplink: what leaves the uplink, the host's own and masquerade's */
	{ "to_uplink: from the uplink address", B_TO_UPLINK, 0, { HOST_OUT(UPLINK_IP) },
	  TC_ACT_UNSPEC, NOT_COUNTED },
	{ "to_uplink: from another host address", B_TO_UPLINK, 0, { HOST_OUT(HOST_IP) },
	  TC_ACT_UNSPEC, NOT_COUNTED },
};
/* clang-format on */

/* Deletes what a new-flow row's run made (TCP). */
static void reset_flow(const struct st_env *env, const struct bench_reset *r)
{
	struct nsb_nat_key nk = {
		.nat_addr = htonl(r->natp.nat_addr),
		.remote_addr = htonl(r->natp.remote_addr),
		.nat_port = htons((uint16_t)r->natp.nat_port),
		.remote_port = htons((uint16_t)r->natp.remote_port),
		.proto = IPPROTO_TCP,
	};

	for (int i = 0; i < 2; i++) {
		struct nsb_ct_key k = {
			.saddr = htonl(r->ct[i].saddr),
			.daddr = htonl(r->ct[i].daddr),
			.sport = htons((uint16_t)r->ct[i].sport),
			.dport = htons((uint16_t)r->ct[i].dport),
			.proto = IPPROTO_TCP,
		};

		if (r->ct[i].saddr)
			bpf_map_delete_elem(env->ct_fd, &k);
	}
	bpf_map_delete_elem(env->nat_ports_fd, &nk);
}

/*
 * The port the flow f (as its sender sent it: a node's first frame) left
 * with, host order, from its ct entry; 0 when there is none.
 */
static uint32_t flow_nat_port(const struct st_env *env, const struct frame *f)
{
	struct nsb_ct_key k = {
		.saddr = htonl(f->saddr),
		.daddr = htonl(f->daddr),
		.sport = htons((uint16_t)f->sport),
		.dport = htons((uint16_t)f->dport),
		.proto = IPPROTO_TCP,
	};
	struct nsb_ct_entry ce;

	if (bpf_map_lookup_elem(env->ct_fd, &k, &ce))
		return 0;
	return ntohs(ce.nat_port);
}

/*
 * Linux's SYN options (MSS 1460, SACK permitted, timestamps, NOP, window
 * scale 7: 20 bytes, in its order) into a built TCP SYN, with the lengths
 * and checksums made right again. Anything else is left as it is.
 */
static void syn_options(struct pkt *p)
{
	static const uint8_t opts[20] = {
		2, 4,  0x05, 0xb4,			   /* MSS 1460 */
		4, 2,					   /* SACK permitted */
		8, 10, 0,    0,	   0x12, 0x34, 0, 0, 0, 0, /* timestamps: val, ecr 0 */
		1,					   /* NOP */
		3, 3,  7,				   /* window scale 7 */
	};
	uint8_t *ip = p->buf + 14, *tcp, sum[12 + PKT_MAX];
	size_t hl, tot, seg;
	uint16_t c;

	if (p->len < 14 + 20 || p->buf[12] != 0x08 || p->buf[13] != 0x00 || ip[9] != 6)
		return;
	hl = (ip[0] & 0x0f) * 4u;
	tot = (size_t)ip[2] << 8 | ip[3];
	tcp = ip + hl;
	if (tot < hl + 20 || !(tcp[13] & TCPF_SYN) || (tcp[12] >> 4) != 5 ||
	    p->len + sizeof(opts) > PKT_MAX)
		return;
	memmove(tcp + 20 + sizeof(opts), tcp + 20, p->len - (size_t)(tcp + 20 - p->buf));
	memcpy(tcp + 20, opts, sizeof(opts));
	p->len += sizeof(opts);
	tot += sizeof(opts);
	ip[2] = (uint8_t)(tot >> 8);
	ip[3] = (uint8_t)tot;
	ip[10] = ip[11] = 0;
	c = inet_csum(ip, hl);
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	tcp[12] = (uint8_t)((20 + sizeof(opts)) / 4) << 4;
	tcp[16] = tcp[17] = 0;
	/* pseudo header: addresses, zero, protocol, TCP length; then the segment */
	seg = tot - hl;
	memcpy(sum, ip + 12, 8);
	sum[8] = 0;
	sum[9] = 6;
	sum[10] = (uint8_t)(seg >> 8);
	sum[11] = (uint8_t)seg;
	memcpy(sum + 12, tcp, seg);
	c = inet_csum(sum, 12 + seg);
	tcp[16] = (uint8_t)(c >> 8);
	tcp[17] = (uint8_t)c;
}

/* f, with NAT_PORT resolved against the flow of first, laid out; SYNs get options. */
static void bench_frame(const struct st_env *env, const struct frame *f, const struct frame *first,
			struct pkt *p, const char *what)
{
	struct frame g = *f;
	char why[128] = "";

	if (g.dport == NAT_PORT) {
		g.dport = first ? flow_nat_port(env, first) : 0;
		cr_assert(g.dport, "%s: %s: the flow's ct entry is not there", st_case, what);
	}
	cr_assert(frame_build(&g, p), "%s: build %s", st_case, what);
	syn_options(p);
	if (g.kind == FR_TCP4 || g.kind == FR_UDP4)
		cr_assert(frame_csums_ok(p->buf, p->len, why, sizeof(why)), "%s: %s: %s", st_case,
			  what, why);
}

#ifdef BENCH_BOUND
static struct nsbpf_nat_bound *bound;

/* nat_bound on the node object's maps, as the uplink object shares them */
static void bound_load(const struct st_env *env)
{
	struct bpf_map *m;
	int err;

	bound = nsbpf_nat_bound__open();
	cr_assert(bound, "open the nat_bound skeleton");
	bpf_object__for_each_map(m, bound->obj) {
		if (bpf_map__is_internal(m))
			continue;
		err = bpf_map__reuse_fd(
			m, bpf_map__fd(bpf_object__find_map_by_name(env->obj, bpf_map__name(m))));
		cr_assert(!err, "reuse map %s", bpf_map__name(m));
	}
	err = nsbpf_nat_bound__load(bound);
	cr_assert(!err, "load nat_bound: %s", strerror(-err));
}
#endif /* BENCH_BOUND */

static int hook_fd(const struct st_env *env, enum bench_hook hook)
{
	switch (hook) {
#ifdef BENCH_BOUND
	case B_BOUND:
		return bpf_program__fd(bound->progs.nat_bound);
#endif /* BENCH_BOUND */
	case B_TO_NODE:
		return env->to_node_fd;
	case B_FROM_UPLINK:
		return env->from_uplink_fd;
	case B_TO_UPLINK:
		return env->to_uplink_fd;
	default:
		return env->from_node_fd;
	}
}

#ifdef NSB_FIB_SUFFIX
/*
 * The lab's FIB probe device, as the loader makes it (NSB_FIB_SUFFIX in
 * nsbpf_maps.h): a veth end with forwarding on whose peer stays down, in
 * the private netns, with the world behind a default route out of the
 * uplink and HOST_IP and the gateways the host's own. New flows ask the
 * FIB through it.
 * Kept when it is there already (bench/prog.sh runs binaries one after the
 * other in one netns). Its ifindex.
 */
#define FIB_DEV	   "nsbbench-f"
#define UPLINK_DEV "nsbst-up" /* st_uplink()'s */
static uint32_t fib_setup(void)
{
	struct in_addr host = { .s_addr = htonl(HOST_IP) };
	char cmd[512];

	snprintf(cmd, sizeof(cmd),
		 "ip link add " FIB_DEV " type veth peer name " FIB_DEV "p 2>/dev/null; "
		 "echo 1 > /proc/sys/net/ipv4/conf/" FIB_DEV "/forwarding && "
		 "ip link set " FIB_DEV " up && ip link set " UPLINK_DEV " up && "
		 "ip route replace default dev " UPLINK_DEV " && "
		 "ip addr replace %s/32 dev " FIB_DEV,
		 inet_ntoa(host));
	cr_assert(system(cmd) == 0, "make the FIB probe device " FIB_DEV);
	/* the gateways live on the host (on its host ends, in a lab): local too */
	for (size_t i = 0; i < lab_masq.topo->n_networks; i++) {
		struct in_addr gw = { .s_addr = htonl(lab_masq.topo->networks[i].gateway) };

		snprintf(cmd, sizeof(cmd), "ip addr replace %s/32 dev " FIB_DEV, inet_ntoa(gw));
		cr_assert(system(cmd) == 0, "%s", cmd);
	}
	return if_nametoindex(FIB_DEV);
}
#endif /* NSB_FIB_SUFFIX */

/*
 * The forward's port in fwd_ports, as the loader marks it, where the
 * datapath has the bitmap (a baseline from before it has not: the same
 * source builds both, bench/prog.sh).
 */
static void mark_fwd_port(struct st_env *env, const struct nsb_fwd_key *fk)
{
	struct bpf_map *m = bpf_object__find_map_by_name(env->obj, "fwd_ports");
	__u32 port = ntohs(fk->port),
	      word = port / 64 + (fk->proto == IPPROTO_UDP ? 1024 : 0) + (fk->host_addr ? 2048 : 0);
	__u64 bits = 1ULL << (port % 64);

	if (m)
		cr_assert(!bpf_map_update_elem(bpf_map__fd(m), &word, &bits, BPF_ANY), "fwd_ports");
}

/* lab_masq, as the loader would set it up, with the veth as the uplink */
static void masq_setup(struct st_env *env, uint32_t uplink)
{
	struct nsb_config cfg = {
		.layout = NSB_LAYOUT_VERSION,
		.uplink_ifindex = uplink,
		.uplink_addr = htonl(UPLINK_IP),
		.snat_port_min = NSB_SNAT_PORT_MIN,
		.snat_port_max = NSB_SNAT_PORT_MAX,
		.tmo_tcp_syn = NSB_TMO_TCP_SYN,
		.tmo_tcp_est = NSB_TMO_TCP_EST,
		.tmo_udp = NSB_TMO_UDP,
		.tmo_icmp = NSB_TMO_ICMP,
#if NSB_LAYOUT_VERSION >= 3
		.tmo_tcp_closing = NSB_TMO_TCP_CLOSING,
		.tmo_tcp_closed = NSB_TMO_TCP_CLOSED,
		.tmo_udp_new = NSB_TMO_UDP_NEW,
#else
		.tmo_tcp_close = NSB_TMO_TCP_CLOSE,
#endif /* NSB_LAYOUT_VERSION >= 3 */
#ifdef NSB_FIB_SUFFIX
		.fib_ifindex = fib_setup(),
#endif /* NSB_FIB_SUFFIX */
	};
	__be32 host = htonl(HOST_IP);
	__u32 zero = 0;
	__u8 one = 1;

	struct nsb_fwd_key fk = { .port = htons(6000), .proto = IPPROTO_TCP };
	struct nsb_fwd_val fv = {
		.node_addr = htonl(EARTH_IP),
		.node_port = htons(8080),
		.first_port = htons(6000),
		.count = 1,
		.ifindex = EARTH_IF,
	};

	cr_assert(!test_lab_install(&lab_masq, env->endpoints_fd, env->networks_fd), "install lab");
	cr_assert(!bpf_map_update_elem(env->config_fd, &zero, &cfg, BPF_ANY), "config");
	cr_assert(!bpf_map_update_elem(env->host_addrs_fd, &host, &one, BPF_ANY), "host_addrs");
	cr_assert(!bpf_map_update_elem(env->forwards_fd, &fk, &fv, BPF_ANY), "forwards");
	mark_fwd_port(env, &fk);
#ifdef NSB_ADDR_FILTER_WORDS /* a tree with the filter fills it as the loader does */
	cr_assert(!lab_fill_addr_filter(
			  bpf_map__fd(bpf_object__find_map_by_name(env->obj, "addr_filter")),
			  env->networks_fd, env->host_addrs_fd, -1),
		  "addr_filter");
#endif
}

/* Each run's prog ns, counted per ns (the last slot: that long or longer). */
#define HIST_NS 8192
static uint32_t hist[HIST_NS];

/* The smallest ns at or below which a share q of the n runs lie. */
static unsigned int hist_quantile(long n, double q)
{
	long want = (long)(q * n + 0.5), seen = 0;

	for (unsigned int ns = 0; ns < HIST_NS; ns++) {
		seen += hist[ns];
		if (seen >= want && seen > 0)
			return ns;
	}
	return HIST_NS - 1;
}

/* The mean of the fastest share q of the n runs: the mean without its outliers. */
static double hist_trimmed_mean(long n, double q)
{
	long want = (long)(q * n + 0.5), seen = 0;
	double sum = 0;

	for (unsigned int ns = 0; ns < HIST_NS && seen < want; ns++) {
		long take = hist[ns] < want - seen ? hist[ns] : want - seen;

		sum += (double)take * ns;
		seen += take;
	}
	return seen ? sum / seen : 0;
}

#ifdef NSB_EV_RING_BYTES
static int ev_drop(void *ctx, void *data, size_t len)
{
	(void)ctx;
	(void)data;
	(void)len;
	return 0;
}

/* The row's monitor switch; the ring to drain (NULL: none). */
static struct ring_buffer *bench_monitor(const struct st_env *env, enum bench_mon mode,
					 struct ring_buffer *rb)
{
	struct nsb_monitor v = { .on = mode != MON_OFF,
				 .pid = 1,
				 .rate = mode == MON_EVERY ? UINT32_MAX : 0 };
	__u32 zero = 0;

	cr_assert(!bpf_map_update_elem(bpf_object__find_map_fd_by_name(env->obj, "monitor"), &zero,
				       &v, BPF_ANY),
		  "monitor switch");
	if (!rb)
		rb = ring_buffer__new(bpf_object__find_map_fd_by_name(env->obj, "events"), ev_drop,
				      NULL, NULL);
	cr_assert(rb, "the events ring");
	ring_buffer__consume(rb);
	return rb;
}
#endif /* NSB_EV_RING_BYTES */

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

Test(bench, ns_per_packet)
{
	const char *bench = getenv("NSBPF_BENCH"), *n_env = getenv("NSBPF_BENCH_N");
	long n = n_env ? strtol(n_env, NULL, 10) : 200000;
	struct nsb_counter stats[NSB_STAT_MAX];
	struct ring_buffer *rb = NULL;
	struct st_env env;

	if (!bench || strcmp(bench, "1"))
		cr_skip_test("a benchmark: set NSBPF_BENCH=1 to run it");
	cr_assert(n > 0, "NSBPF_BENCH_N must be a positive number");
	uint32_t uplink = (uint32_t)st_uplink();

	st_setup(&env, false);
	masq_setup(&env, uplink);
#ifdef BENCH_BOUND
	bound_load(&env);
#endif /* BENCH_BOUND */
	fprintf(stderr,
		"node and uplink objects, BPF_PROG_TEST_RUN, repeat=1, %ld runs each, "
		"mean:\n",
		n);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bench_case *c = &cases[i];
		const char *only = getenv("NSBPF_BENCH_CASE");
		const struct frame *first = c->setup[0].f.kind != FR_NONE ? &c->setup[0].f : NULL;
		unsigned long long prog_ns = 0;
		struct st_result r;
		struct pkt p;
		double t0;

		uint32_t ingress = c->ingress == UPLINK_IF ? uplink : c->ingress;
		int fd = hook_fd(&env, c->hook);

		bool ok = true;

		if (only && !strstr(c->name, only))
			continue; /* NSBPF_BENCH_CASE: the rows whose name has it (profiling one) */
		st_case = c->name;
#ifdef NSB_EV_RING_BYTES
		rb = bench_monitor(&env, c->monitor, rb);
#endif /* NSB_EV_RING_BYTES */
		for (int s = 0; ok && s < SETUP_MAX && c->setup[s].f.kind != FR_NONE; s++) {
			const struct bench_step *st = &c->setup[s];
			struct pkt sp;

			bench_frame(&env, &st->f, first, &sp, "setup frame");
			st_run(&env, hook_fd(&env, st->hook), &sp,
			       st->ingress == UPLINK_IF ? uplink : st->ingress, &r);
			ok = ASSERT_EQ(r.retval, TC_ACT_REDIRECT, "setup frame translated");
		}
		if (!ok)
			continue; /* no row: a flow that is not there measures nothing */
		bench_frame(&env, &c->f, first, &p, "frame");
		for (int w = 0; w < 1000; w++) { /* warm caches and the map */
			st_run(&env, fd, &p, ingress, &r);
			if (c->reset)
				reset_flow(&env, c->reset);
		}
		st_stats(&env, stats);
		uint64_t before = c->slot == NOT_COUNTED ? 0 : stats[c->slot].packets;

		/* the bare call: no trace reset, no copy-out, unlike st_run() */
		struct __sk_buff ctx = { .ingress_ifindex = ingress };
		struct bpf_test_run_opts opts = {
			.sz = sizeof(opts),
			.data_in = p.buf,
			.data_size_in = (__u32)p.len,
			.ctx_in = &ctx,
			.ctx_size_in = sizeof(ctx),
			.repeat = 1,
		};
		double wall = 0;
		int err = 0;

		memset(hist, 0, sizeof(hist));
		t0 = now_ns();
		for (long k = 0; k < n; k++) {
			double t1 = c->reset ? now_ns() : 0;

			err = bpf_prog_test_run_opts(fd, &opts);
			if (err || opts.retval != c->verdict)
				break;
			prog_ns += opts.duration;
			hist[opts.duration < HIST_NS ? opts.duration : HIST_NS - 1]++;
			if (c->reset) {
				wall += now_ns() - t1;
				reset_flow(&env, c->reset);
			}
			if (rb && (k & 1023) == 1023)
				ring_buffer__consume(rb); /* outside "prog": the kernel's measure */
		}
		wall = (c->reset ? wall : now_ns() - t0) / n;

		ok = ASSERT_EQ(err, 0, "BPF_PROG_TEST_RUN");
		ok = ASSERT_EQ(opts.retval, c->verdict, "verdict") && ok;
		st_stats(&env, stats);
		if (c->slot != NOT_COUNTED)
			ok = ASSERT_EQ(stats[c->slot].packets - before, n, st_slot_name(c->slot)) &&
			     ok;
		if (!ok)
			continue; /* no row: what ran was not the path the row names */
		/* the mean and, apart, what preemption and interrupts do not move */
		fprintf(stderr, "  %-48s prog %6.1f ns/packet   syscall %7.1f ns (%zu bytes)\n",
			c->name, (double)prog_ns / n, wall, p.len);
		fprintf(stderr, "  %-48s trimmed %6.1f ns/packet   median %u ns   p99 %u ns\n",
			c->name, hist_trimmed_mean(n, 0.99), hist_quantile(n, 0.5),
			hist_quantile(n, 0.99));
	}
	ring_buffer__free(rb);
#ifdef BENCH_BOUND
	nsbpf_nat_bound__destroy(bound);
#endif /* BENCH_BOUND */
	st_close(&env);
}
