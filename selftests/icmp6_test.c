// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ICMPv6 errors under BPF_PROG_TEST_RUN, as tables of cases:
 *
 * - built in BPF (lib/icmp6.h): a node's packet whose hop limit runs out,
 *   or too big for the uplink, becomes a Time Exceeded or Packet Too Big
 *   back out of its veth. Run through selftests/bpf/icmp6_probe.bpf.c, a
 *   program that makes the router checks NAT66 makes, with the node
 *   object's maps. Every byte is compared against an error built here from
 *   scratch (type, code, MTU, addresses, hop limit, lengths, the quote up
 *   to 1280 bytes), whose ICMPv6 checksum this file sums over the pseudo
 *   header itself.
 * - translated (lib/rev_icmp6.h): an error from outside quoting a NAT66
 *   flow as it left the uplink goes into the node, through from_uplink:
 *   outer destination, quoted source and port, both checksums; forged
 *   sources dropped; errors about no live flow of the lab's untouched.
 *   The flows are written into ct6 and nat_ports6 with the ABI's structs.
 *
 * - translated out (lib/icmp_out6.h): a node's own error about a packet
 *   of a translated flow it received (a masqueraded flow's reply, a
 *   forward's client packet) leaves the uplink, through from_node, as the
 *   flow shows outside: outer source, quoted destination and port (a
 *   forward's remapped client port back), both checksums; errors about no
 *   live flow go on as before (masquerade drops them, nat_proto).
 *
 * Each case also checks the verdict, the redirect (trace map) and the one
 * stats slot that counts it (none for the host's traffic).
 */
#include <arpa/inet.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "labs.h"
#include "icmp6_pkt.h"
#include "icmp6_probe.skel.h"

#pragma GCC diagnostic ignored "-Woverride-init"

#define PATH(p)	    (NSB_PATH_##p)
#define DROP(r)	    (NSB_STAT_DROP_BASE + NSB_DROP_##r)
#define NOT_COUNTED UINT32_MAX
#define UPLINK_IF   UINT32_MAX /* the veth st_uplink() made */
#define N(a)	    ((int)(sizeof(a) / sizeof((a)[0])))

/* ------------------------------------------------------------ the lab */

#define PLANET6_NET A6(0xfd00, 0x200, 0, 0, 0, 0, 0, 0)
#define PLANET6_GW  A6(0xfd00, 0x200, 0, 0, 0, 0, 0, 1)
#define PLANET6_99  A6(0xfd00, 0x200, 0, 0, 0, 0, 0, 0x99) /* no node */
#define MOON6_NET   A6(0xfd00, 0x201, 0, 0, 0, 0, 0, 0)
#define MOON6_GW    A6(0xfd00, 0x201, 0, 0, 0, 0, 0, 1)
#define earth6	    A6(0xfd00, 0x200, 0, 0, 0, 0, 0, 0x11)
#define mars6	    A6(0xfd00, 0x201, 0, 0, 0, 0, 0, 0x21)
#define pluto6	    A6(0xfd00, 0x202, 0, 0, 0, 0, 0, 0x31) /* exile: no networks6 entry */
#define UPLINK6	    A6(0x2001, 0xdb8, 1, 0, 0, 0, 0, 2)
#define UPLINK6_2   A6(0x2001, 0xdb8, 1, 0, 0, 0, 0, 3) /* nobody's */
#define ROUTER6	    A6(0x2001, 0xdb8, 1, 0, 0, 0, 0, 1)
#define REMOTE6	    A6(0x2001, 0xdb8, 0x80, 0, 0, 0, 0, 0x80)
#define CLIENT6	    A6(0x2001, 0xdb8, 0x99, 0, 0, 0, 0, 9)
#define HOST6	    A6(0x2001, 0xdb8, 0x50, 0, 0, 0, 0, 1) /* another host address */
#define LL6	    A6(0xfe80, 0, 0, 0, 0, 0, 0, 1)
#define LOOP6	    A6(0, 0, 0, 0, 0, 0, 0, 1)
#define MCAST6	    A6(0xff02, 0, 0, 0, 0, 0, 0, 1)
#define MAPPED6	    A6(0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201) /* ::ffff:192.0.2.1 */

#define earth_IF EARTH_IF
#define mars_IF	 MARS_IF
#define pluto_IF PLUTO_IF

#define UDP  P6_UDP
#define TCP  P6_TCP
#define ICMP P6_ICMPV6

enum hook { PROBE, UPLINK, NODE };

struct i6_case {
	const char *name;
	enum hook hook;
	uint32_t ingress;
	struct i6frame in;
	int verdict;
	struct i6frame out; /* proto 0: the input, untouched (unless dropped) */
	uint32_t redirect, flags;
	uint32_t stat;
};

/* ------------------------------------------- errors built in BPF */

/* what a node sends out to the world */
#define OUT6(node, pr) \
	.dst = node##_host, .src = node##_mac, .saddr = node##6, .daddr = REMOTE6, .proto = (pr)
#define OUT_UDP6(node, sp, dp)	   OUT6(node, UDP), .sport = (sp), .dport = (dp)
#define OUT_TCP6(node, sp, dp, fl) OUT6(node, TCP), .sport = (sp), .dport = (dp), .tcp_flags = (fl)
#define Q6(...)			   (&(const struct i6frame){ __VA_ARGS__ })
/* the error back into node, from gw */
#define ERR6_TO(node, gw, type, data, q)                                                    \
	.dst = node##_mac, .src = node##_host, .saddr = (gw), .daddr = node##6, .hops = 64, \
	.proto = ICMP, .icmp_type = (type), .icmp_data = (data), .quote = (q)
#define BACK(node) .verdict = TC_ACT_REDIRECT, .redirect = node##_IF, .flags = NSB_TRACE_F_EGRESS

/* 40 + 8 + 1404 = 1452 bytes of IPv6: over the uplink's 1400 */
#define BIG_UDP	   OUT_UDP6(earth, 5000, 443), .payload_len = 1404
#define BIG_TCP	   OUT_TCP6(earth, 5001, 80, 0x10), .payload_len = 1388
#define FITS_UDP   OUT_UDP6(earth, 5002, 443), .payload_len = 1352 /* 1400: fits */
#define MARS_BIG   OUT_UDP6(mars, 5003, 443), .payload_len = 1500
#define TTL1_ODD   OUT_UDP6(earth, 33434, 33435), .hops = 1, .payload_len = 33
#define TTL0_SYN   OUT_TCP6(earth, 5004, 80, 0x02), .hops = HOPS_ZERO, .payload_len = 4
#define TTL1_1300  OUT_UDP6(earth, 5005, 53), .hops = 1, .payload_len = 1252
#define TTL1_1232  OUT_UDP6(earth, 5006, 53), .hops = 1, .payload_len = 1184
#define TTL1_1233  OUT_UDP6(earth, 5006, 53), .hops = 1, .payload_len = 1185
#define TTL1_PING  OUT6(earth, ICMP), .hops = 1, .icmp_type = 128, .icmp_id = 9, .icmp_seq = 3
#define TTL1_MARS  OUT_UDP6(mars, 5007, 53), .hops = 1
#define TTL1_PLUTO OUT_UDP6(pluto, 5008, 53), .hops = 1
#define TTL1_OPTS  OUT_UDP6(earth, 5009, 53), .hops = 1, .dstopts = 2
/* a node's own error (port unreachable about what it got), hop limit 1 */
#define NODE_ERR                                                                        \
	OUT6(earth, ICMP), .hops = 1, .icmp_type = 1, .icmp_code = 4,                   \
			   .quote = Q6(.saddr = REMOTE6, .daddr = earth6, .proto = UDP, \
				       .sport = 53, .dport = 5010)
#define NODE_ERR_BIG                                                                    \
	OUT6(earth, ICMP), .icmp_type = 1, .icmp_code = 4,                              \
			   .quote = Q6(.saddr = REMOTE6, .daddr = earth6, .proto = UDP, \
				       .sport = 53, .dport = 5010, .payload_len = 1400)

/* clang-format off */
static const struct i6_case gen_cases[] = {
	{ "UDP of 1452 bytes, uplink MTU 1400: Packet Too Big (MTU 1400) from planet's "
	  "gateway6, 1232 bytes quoted (1280 in all)",
	  PROBE, EARTH_IF, { BIG_UDP }, BACK(earth), .stat = PATH(FRAG_NEEDED),
	  .out = { ERR6_TO(earth, PLANET6_GW, 2, ST_UPLINK_MTU, Q6(BIG_UDP)), .quote_len = 1232 } },
	{ "TCP segment of 1448 bytes: Packet Too Big",
	  PROBE, EARTH_IF, { BIG_TCP }, BACK(earth), .stat = PATH(FRAG_NEEDED),
	  .out = { ERR6_TO(earth, PLANET6_GW, 2, ST_UPLINK_MTU, Q6(BIG_TCP)), .quote_len = 1232 } },
	{ "mars's 1548 bytes: Packet Too Big from moon's gateway6",
	  PROBE, MARS_IF, { MARS_BIG }, BACK(mars), .stat = PATH(FRAG_NEEDED),
	  .out = { ERR6_TO(mars, MOON6_GW, 2, ST_UPLINK_MTU, Q6(MARS_BIG)), .quote_len = 1232 } },
	{ "exactly the MTU (1400 bytes): fits, no error",
	  PROBE, EARTH_IF, { FITS_UDP }, .verdict = TC_ACT_UNSPEC, .stat = NOT_COUNTED },
	{ "hop limit 1, 81 bytes (odd): Time Exceeded (code 0), all of it quoted",
	  PROBE, EARTH_IF, { TTL1_ODD }, BACK(earth), .stat = PATH(TIME_EXCEEDED),
	  .out = { ERR6_TO(earth, PLANET6_GW, 3, 0, Q6(TTL1_ODD)) } },
	{ "hop limit 0 SYN: Time Exceeded",
	  PROBE, EARTH_IF, { TTL0_SYN }, BACK(earth), .stat = PATH(TIME_EXCEEDED),
	  .out = { ERR6_TO(earth, PLANET6_GW, 3, 0, Q6(TTL0_SYN)) } },
	{ "hop limit 1, 1300 bytes: the quote cut at 1232",
	  PROBE, EARTH_IF, { TTL1_1300 }, BACK(earth), .stat = PATH(TIME_EXCEEDED),
	  .out = { ERR6_TO(earth, PLANET6_GW, 3, 0, Q6(TTL1_1300)), .quote_len = 1232 } },
	{ "hop limit 1, exactly 1232 bytes: all quoted, the error exactly 1280",
	  PROBE, EARTH_IF, { TTL1_1232 }, BACK(earth), .stat = PATH(TIME_EXCEEDED),
	  .out = { ERR6_TO(earth, PLANET6_GW, 3, 0, Q6(TTL1_1232)) } },
	{ "hop limit 1, 1233 bytes: the last byte left out",
	  PROBE, EARTH_IF, { TTL1_1233 }, BACK(earth), .stat = PATH(TIME_EXCEEDED),
	  .out = { ERR6_TO(earth, PLANET6_GW, 3, 0, Q6(TTL1_1233)), .quote_len = 1232 } },
	{ "hop limit 1 with an Ethernet trailer: the trailer not quoted",
	  PROBE, EARTH_IF, { TTL1_ODD, .trailer = 11 }, BACK(earth), .stat = PATH(TIME_EXCEEDED),
	  .out = { ERR6_TO(earth, PLANET6_GW, 3, 0, Q6(TTL1_ODD)) } },
	{ "hop limit 1 echo request (an informational message): Time Exceeded",
	  PROBE, EARTH_IF, { TTL1_PING }, BACK(earth), .stat = PATH(TIME_EXCEEDED),
	  .out = { ERR6_TO(earth, PLANET6_GW, 3, 0, Q6(TTL1_PING)) } },
	{ "hop limit 1 behind two destination options headers: quoted with them",
	  PROBE, EARTH_IF, { TTL1_OPTS }, BACK(earth), .stat = PATH(TIME_EXCEEDED),
	  .out = { ERR6_TO(earth, PLANET6_GW, 3, 0, Q6(TTL1_OPTS)) } },
	{ "mars, hop limit 1: from moon's gateway6",
	  PROBE, MARS_IF, { TTL1_MARS }, BACK(mars), .stat = PATH(TIME_EXCEEDED),
	  .out = { ERR6_TO(mars, MOON6_GW, 3, 0, Q6(TTL1_MARS)) } },
	{ "pluto, whose network has no gateway6: from the uplink's IPv6 address",
	  PROBE, PLUTO_IF, { TTL1_PLUTO }, BACK(pluto), .stat = PATH(TIME_EXCEEDED),
	  .out = { ERR6_TO(pluto, UPLINK6, 3, 0, Q6(TTL1_PLUTO)) } },
	{ "a node's own ICMPv6 error, hop limit 1: no error about an error (ttl)",
	  PROBE, EARTH_IF, { NODE_ERR }, .verdict = TC_ACT_SHOT, .stat = DROP(TTL) },
	{ "a node's own ICMPv6 error behind a destination options header: ttl",
	  PROBE, EARTH_IF, { NODE_ERR, .dstopts = 1 }, .verdict = TC_ACT_SHOT, .stat = DROP(TTL) },
	{ "a node's own ICMPv6 error, too big: no error about an error (mtu)",
	  PROBE, EARTH_IF, { NODE_ERR_BIG },
	  .verdict = TC_ACT_SHOT, .stat = DROP(MTU) },
};
/* clang-format on */

/* ------------------------------------------- errors translated back */

/* quoted: a flow's datagram as it left the uplink, and as the node sent it */
#define QU(...)	      __QU(__VA_ARGS__)
#define QN(node, ...) __QN(node, __VA_ARGS__)
#define __QU(pr, np, dst, dp, ...)                                                     \
	Q6(.saddr = UPLINK6, .daddr = (dst), .hops = 63, .proto = (pr), .sport = (np), \
	   .dport = (dp), .tcp_flags = 0x02, __VA_ARGS__)
#define __QN(node, pr, p, dst, dp, ...)                                               \
	Q6(.saddr = node##6, .daddr = (dst), .hops = 63, .proto = (pr), .sport = (p), \
	   .dport = (dp), .tcp_flags = 0x02, __VA_ARGS__)
#define QU_PING(id)                                                                         \
	Q6(.saddr = UPLINK6, .daddr = REMOTE6, .hops = 63, .proto = ICMP, .icmp_type = 128, \
	   .icmp_id = (id), .icmp_seq = 1)
#define QN_PING(node, id)                                                                   \
	Q6(.saddr = node##6, .daddr = REMOTE6, .hops = 63, .proto = ICMP, .icmp_type = 128, \
	   .icmp_id = (id), .icmp_seq = 1)
/* an error from s to the uplink, and as it goes into node */
#define ERR_IN(s, type, code, data, q)                                                    \
	.dst = uplink_mac, .src = router_mac, .saddr = (s), .daddr = UPLINK6, .hops = 60, \
	.proto = ICMP, .icmp_type = (type), .icmp_code = (code), .icmp_data = (data), .quote = (q)
#define ERR_INTO(node, s, type, code, data, q)                                             \
	.dst = node##_mac, .src = node##_host, .saddr = (s), .daddr = node##6, .hops = 59, \
	.proto = ICMP, .icmp_type = (type), .icmp_code = (code), .icmp_data = (data), .quote = (q)
#define INTO(node) .verdict = TC_ACT_REDIRECT, .redirect = node##_IF, .flags = NSB_TRACE_F_PEER
#define HOSTS	   .verdict = TC_ACT_UNSPEC, .stat = NOT_COUNTED
#define SPOOF	   .verdict = TC_ACT_SHOT, .stat = DROP(UPLINK_SPOOF)
#define REV	   .stat = PATH(ICMP_ERR_REV)

/* the flows (installed below): nat port -> node port */
#define F_UDP  UDP, 61010, REMOTE6, 33434 /* earth 40010 */
#define F_TCP  TCP, 61011, REMOTE6, 80	  /* earth 40011 */
#define F_MARS UDP, 5353, REMOTE6, 53	  /* mars 5353, kept */
#define F_OLD  TCP, 61020, REMOTE6, 80	  /* earth 40020, closed, idle past its timeout */
#define F_BARE UDP, 61030, REMOTE6, 33434 /* a claim without its ct6 entry */
#define N_UDP  UDP, 40010, REMOTE6, 33434
#define N_TCP  TCP, 40011, REMOTE6, 80

/* clang-format off */
static const struct i6_case rev_cases[] = {
	{ "port unreachable quoting all of the UDP datagram: into earth, source, port and "
	  "UDP checksum back",
	  UPLINK, UPLINK_IF, { ERR_IN(REMOTE6, 1, 4, 0, QU(F_UDP)) }, INTO(earth), REV,
	  .out = { ERR_INTO(earth, REMOTE6, 1, 4, 0, QN(earth, N_UDP)) } },
	{ "the same quoting 48 bytes (IPv6 + UDP header)",
	  UPLINK, UPLINK_IF, { ERR_IN(REMOTE6, 1, 4, 0, QU(F_UDP)), .quote_len = 48 },
	  INTO(earth), REV,
	  .out = { ERR_INTO(earth, REMOTE6, 1, 4, 0, QN(earth, N_UDP)), .quote_len = 48 } },
	{ "Packet Too Big (MTU 1280) from a router quoting all of the TCP SYN: PMTU for "
	  "the node, TCP checksum back too",
	  UPLINK, UPLINK_IF, { ERR_IN(ROUTER6, 2, 0, 1280, QU(F_TCP)) }, INTO(earth), REV,
	  .out = { ERR_INTO(earth, ROUTER6, 2, 0, 1280, QN(earth, N_TCP)) } },
	{ "Packet Too Big quoting 48 bytes of TCP (its checksum not quoted)",
	  UPLINK, UPLINK_IF, { ERR_IN(ROUTER6, 2, 0, 1280, QU(F_TCP)), .quote_len = 48 },
	  INTO(earth), REV,
	  .out = { ERR_INTO(earth, ROUTER6, 2, 0, 1280, QN(earth, N_TCP)), .quote_len = 48 } },
	{ "Time Exceeded from a router quoting the echo request: id and its checksum "
	  "(pseudo header too) back",
	  UPLINK, UPLINK_IF, { ERR_IN(ROUTER6, 3, 0, 0, QU_PING(61012)) }, INTO(earth), REV,
	  .out = { ERR_INTO(earth, ROUTER6, 3, 0, 0, QN_PING(earth, 777)) } },
	{ "Parameter Problem (pointer 40) quoting the UDP datagram",
	  UPLINK, UPLINK_IF, { ERR_IN(REMOTE6, 4, 0, 40, QU(F_UDP)) }, INTO(earth), REV,
	  .out = { ERR_INTO(earth, REMOTE6, 4, 0, 40, QN(earth, N_UDP)) } },
	{ "address unreachable quoting mars's flow (port kept): into mars",
	  UPLINK, UPLINK_IF, { ERR_IN(ROUTER6, 1, 3, 0, QU(F_MARS)) }, INTO(mars), REV,
	  .out = { ERR_INTO(mars, ROUTER6, 1, 3, 0, QN(mars, F_MARS)) } },
	{ "a forward's flow with the client's port remapped: the client as the node knows it",
	  UPLINK, UPLINK_IF, { ERR_IN(CLIENT6, 1, 4, 0, QU(TCP, 6000, CLIENT6, 40000)) },
	  INTO(earth), REV,
	  .out = { ERR_INTO(earth, CLIENT6, 1, 4, 0, QN(earth, TCP, 8080, CLIENT6, 50001)) } },
	{ "the quote behind a destination options header",
	  UPLINK, UPLINK_IF, { ERR_IN(REMOTE6, 1, 4, 0, QU(F_UDP, .dstopts = 1)) }, INTO(earth),
	  REV, .out = { ERR_INTO(earth, REMOTE6, 1, 4, 0, QN(earth, N_UDP, .dstopts = 1)) } },
	{ "with an Ethernet trailer: translated, the trailer untouched",
	  UPLINK, UPLINK_IF, { ERR_IN(REMOTE6, 1, 4, 0, QU(F_UDP)), .trailer = 6 }, INTO(earth),
	  REV, .out = { ERR_INTO(earth, REMOTE6, 1, 4, 0, QN(earth, N_UDP)), .trailer = 6 } },
	{ "hop limit 1: dropped (ttl), it is the lab's",
	  UPLINK, UPLINK_IF, { ERR_IN(REMOTE6, 1, 4, 0, QU(F_UDP)), .hops = 1 },
	  .verdict = TC_ACT_SHOT, .stat = DROP(TTL) },

	{ "from ::1: forged (uplink_spoof)",
	  UPLINK, UPLINK_IF, { ERR_IN(LOOP6, 1, 4, 0, QU(F_UDP)) }, SPOOF },
	{ "from multicast: forged",
	  UPLINK, UPLINK_IF, { ERR_IN(MCAST6, 2, 0, 1280, QU(F_TCP)) }, SPOOF },
	{ "from an IPv4-mapped address: forged",
	  UPLINK, UPLINK_IF, { ERR_IN(MAPPED6, 1, 4, 0, QU(F_UDP)) }, SPOOF },
	{ "from an unused address of planet's subnet6: forged",
	  UPLINK, UPLINK_IF, { ERR_IN(PLANET6_99, 1, 4, 0, QU(F_UDP)) }, SPOOF },
	{ "from mars: forged",
	  UPLINK, UPLINK_IF, { ERR_IN(mars6, 3, 0, 0, QU(F_UDP)) }, SPOOF },
	{ "from the uplink's own address: forged",
	  UPLINK, UPLINK_IF, { ERR_IN(UPLINK6, 1, 4, 0, QU(F_UDP)) }, SPOOF },
	{ "from another host address (host_addrs6): forged",
	  UPLINK, UPLINK_IF, { ERR_IN(HOST6, 1, 4, 0, QU(F_UDP)) }, SPOOF },
	{ "from a forged source about no flow: dropped all the same",
	  UPLINK, UPLINK_IF, { ERR_IN(LOOP6, 1, 4, 0, QU(UDP, 45000, REMOTE6, 53)) }, SPOOF },
	{ "from a link-local source about a lab flow: not forwarded off its link",
	  UPLINK, UPLINK_IF, { ERR_IN(LL6, 2, 0, 1280, QU(F_TCP)) }, SPOOF },
	{ "from a link-local source about the host's own flow: the host's",
	  UPLINK, UPLINK_IF, { ERR_IN(LL6, 2, 0, 1280, QU(TCP, 45000, REMOTE6, 80)) }, HOSTS },

	{ "quoting the host's own flow (port 45000): the host's, untouched",
	  UPLINK, UPLINK_IF, { ERR_IN(REMOTE6, 1, 4, 0, QU(UDP, 45000, REMOTE6, 33434)) }, HOSTS },
	{ "quoting a flow idle past its timeout: the host's",
	  UPLINK, UPLINK_IF, { ERR_IN(REMOTE6, 1, 4, 0, QU(F_OLD)) }, HOSTS },
	{ "quoting a claim whose ct6 entry is gone: the host's",
	  UPLINK, UPLINK_IF, { ERR_IN(REMOTE6, 1, 4, 0, QU(F_BARE)) }, HOSTS },
	{ "quoting the flow's port to another remote port: the host's",
	  UPLINK, UPLINK_IF, { ERR_IN(REMOTE6, 1, 4, 0, QU(UDP, 61010, REMOTE6, 33435)) }, HOSTS },
	{ "quoting a datagram from another source than the uplink's: the host's",
	  UPLINK, UPLINK_IF,
	  { ERR_IN(REMOTE6, 1, 4, 0, Q6(.saddr = HOST6, .daddr = REMOTE6, .proto = UDP,
					.sport = 61010, .dport = 33434)) }, HOSTS },
	{ "to another address than the uplink's: the host's",
	  UPLINK, UPLINK_IF, { ERR_IN(REMOTE6, 1, 4, 0, QU(F_UDP)), .daddr = UPLINK6_2 }, HOSTS },
	{ "quoting only 44 bytes (the ports, not the whole UDP header): the host's",
	  UPLINK, UPLINK_IF, { ERR_IN(REMOTE6, 1, 4, 0, QU(F_UDP)), .quote_len = 44 }, HOSTS },
	{ "quoting an echo reply: the host's",
	  UPLINK, UPLINK_IF,
	  { ERR_IN(ROUTER6, 3, 0, 0, Q6(.saddr = UPLINK6, .daddr = REMOTE6, .proto = ICMP,
					.icmp_type = 129, .icmp_id = 61012)) }, HOSTS },
	{ "a redirect (type 137) quoting the flow: not an error, the host's",
	  UPLINK, UPLINK_IF, { ERR_IN(ROUTER6, 137, 0, 0, QU(F_UDP)) }, HOSTS },
	{ "an echo request to the uplink: the host's",
	  UPLINK, UPLINK_IF, { .dst = uplink_mac, .src = router_mac, .saddr = REMOTE6,
			       .daddr = UPLINK6, .proto = ICMP, .icmp_type = 128, .icmp_id = 61012 },
	  HOSTS },
	{ "UDP to the uplink, no flow: the host's",
	  UPLINK, UPLINK_IF, { .dst = uplink_mac, .src = router_mac, .saddr = REMOTE6,
			       .daddr = UPLINK6, .proto = UDP, .sport = 33434, .dport = 45000 },
	  HOSTS },
};
/* clang-format on */

/* ------------------------------------------- a node's errors translated out */

/* what a node received of a translated flow, and the same as the world sent it */
#define QR(pr, sp, node, dp, ...)                                                        \
	Q6(.saddr = REMOTE6, .daddr = node##6, .hops = 59, .proto = (pr), .sport = (sp), \
	   .dport = (dp), __VA_ARGS__)
#define QW(pr, sp, dp, ...)                                                              \
	Q6(.saddr = REMOTE6, .daddr = UPLINK6, .hops = 60, .proto = (pr), .sport = (sp), \
	   .dport = (dp), __VA_ARGS__)
/* a node's error to d, and as it leaves the uplink: from the uplink's address, hop - 1 */
#define ERR_FROM(node, d, type, code, data, q)                                             \
	.dst = node##_host, .src = node##_mac, .saddr = node##6, .daddr = (d), .hops = 64, \
	.proto = ICMP, .icmp_type = (type), .icmp_code = (code), .icmp_data = (data), .quote = (q)
#define ERR_OUT(node, d, type, code, data, q)                                              \
	.dst = node##_host, .src = node##_mac, .saddr = UPLINK6, .daddr = (d), .hops = 63, \
	.proto = ICMP, .icmp_type = (type), .icmp_code = (code), .icmp_data = (data), .quote = (q)
#define OUT_UPLINK                                                                     \
	.verdict = TC_ACT_REDIRECT, .redirect = UPLINK_IF, .flags = NSB_TRACE_F_NEIGH, \
	.stat = PATH(ICMP_ERR_OUT)
#define NAT_PROTO .verdict = TC_ACT_SHOT, .stat = DROP(NAT_PROTO)

/* clang-format off */
static const struct i6_case out_cases[] = {
	{ "earth's port unreachable about a masqueraded flow's reply (remote:33434 -> "
	  "earth:40010): out from uplink6, the quote to uplink6:61010, all sums",
	  NODE, EARTH_IF, { ERR_FROM(earth, REMOTE6, 1, 4, 0, QR(UDP, 33434, earth, 40010)) },
	  OUT_UPLINK,
	  .out = { ERR_OUT(earth, REMOTE6, 1, 4, 0, QW(UDP, 33434, 61010, .hops = 59)) } },
	{ "the same quoting 48 bytes (IPv6 + UDP header, its checksum in it)",
	  NODE, EARTH_IF, { ERR_FROM(earth, REMOTE6, 1, 4, 0, QR(UDP, 33434, earth, 40010)),
			    .quote_len = 48 }, OUT_UPLINK,
	  .out = { ERR_OUT(earth, REMOTE6, 1, 4, 0, QW(UDP, 33434, 61010, .hops = 59)),
		   .quote_len = 48 } },
	{ "earth's parameter problem (pointer 6) about its TCP flow's reply: TCP checksum too",
	  NODE, EARTH_IF, { ERR_FROM(earth, REMOTE6, 4, 0, 6, QR(TCP, 80, earth, 40011,
								.tcp_flags = 0x12)) },
	  OUT_UPLINK,
	  .out = { ERR_OUT(earth, REMOTE6, 4, 0, 6, QW(TCP, 80, 61011, .hops = 59,
							 .tcp_flags = 0x12)) } },
	{ "earth as a router: packet too big (MTU 1280) about the UDP reply",
	  NODE, EARTH_IF, { ERR_FROM(earth, REMOTE6, 2, 0, 1280, QR(UDP, 33434, earth, 40010)) },
	  OUT_UPLINK,
	  .out = { ERR_OUT(earth, REMOTE6, 2, 0, 1280, QW(UDP, 33434, 61010, .hops = 59)) } },
	{ "time exceeded about it behind a destination options header (both walked)",
	  NODE, EARTH_IF, { ERR_FROM(earth, REMOTE6, 3, 0, 0, QR(UDP, 33434, earth, 40010,
								.dstopts = 1)), .dstopts = 1 },
	  OUT_UPLINK,
	  .out = { ERR_OUT(earth, REMOTE6, 3, 0, 0, QW(UDP, 33434, 61010, .hops = 59,
						       .dstopts = 1)), .dstopts = 1 } },
	{ "port unreachable about a forward's client datagram (client:5000 -> earth:53): "
	  "quoted as the client sent it, to uplink6:7000",
	  NODE, EARTH_IF,
	  { ERR_FROM(earth, CLIENT6, 1, 4, 0, Q6(.saddr = CLIENT6, .daddr = earth6, .hops = 59,
						  .proto = UDP, .sport = 5000, .dport = 53)) },
	  OUT_UPLINK,
	  .out = { ERR_OUT(earth, CLIENT6, 1, 4, 0, Q6(.saddr = CLIENT6, .daddr = UPLINK6,
						       .hops = 59, .proto = UDP, .sport = 5000,
						       .dport = 7000)) } },
	{ "the same about a forward's client whose port was remapped (50001): its real one "
	  "(40000) back in the quote",
	  NODE, EARTH_IF,
	  { ERR_FROM(earth, CLIENT6, 1, 4, 0, Q6(.saddr = CLIENT6, .daddr = earth6, .hops = 59,
						  .proto = TCP, .sport = 50001, .dport = 8080)) },
	  OUT_UPLINK,
	  .out = { ERR_OUT(earth, CLIENT6, 1, 4, 0, Q6(.saddr = CLIENT6, .daddr = UPLINK6,
						       .hops = 59, .proto = TCP, .sport = 40000,
						       .dport = 6000)) } },
	{ "with an Ethernet trailer: translated, the trailer untouched",
	  NODE, EARTH_IF, { ERR_FROM(earth, REMOTE6, 1, 4, 0, QR(UDP, 33434, earth, 40010)),
			    .trailer = 6 }, OUT_UPLINK,
	  .out = { ERR_OUT(earth, REMOTE6, 1, 4, 0, QW(UDP, 33434, 61010, .hops = 59)),
		   .trailer = 6 } },
	{ "mars's port unreachable about its flow (port kept, 5353)",
	  NODE, MARS_IF, { ERR_FROM(mars, REMOTE6, 1, 4, 0, QR(UDP, 53, mars, 5353)) },
	  OUT_UPLINK, .out = { ERR_OUT(mars, REMOTE6, 1, 4, 0, QW(UDP, 53, 5353, .hops = 59)) } },
	{ "hop limit 1: dropped (ttl), it is the lab's",
	  NODE, EARTH_IF, { ERR_FROM(earth, REMOTE6, 1, 4, 0, QR(UDP, 33434, earth, 40010)),
			    .hops = 1 }, .verdict = TC_ACT_SHOT, .stat = DROP(TTL) },
	{ "quoting a datagram of no flow (another port): masquerade's, nat_proto",
	  NODE, EARTH_IF, { ERR_FROM(earth, REMOTE6, 1, 4, 0, QR(UDP, 33434, earth, 40099)) },
	  NAT_PROTO },
	{ "quoting a flow idle past its timeout: nat_proto",
	  NODE, EARTH_IF, { ERR_FROM(earth, REMOTE6, 1, 4, 0, QR(TCP, 80, earth, 40020)) },
	  NAT_PROTO },
	{ "quoting a datagram from another source than the error's destination: nat_proto",
	  NODE, EARTH_IF, { ERR_FROM(earth, CLIENT6, 1, 4, 0, QR(UDP, 33434, earth, 40010)) },
	  NAT_PROTO },
	{ "quoting a datagram to another address than earth's: nat_proto",
	  NODE, EARTH_IF,
	  { ERR_FROM(earth, REMOTE6, 1, 4, 0, Q6(.saddr = REMOTE6, .daddr = mars6, .proto = UDP,
						  .sport = 53, .dport = 5353)) }, NAT_PROTO },
	{ "quoting only 44 bytes (not the whole UDP header): nat_proto",
	  NODE, EARTH_IF, { ERR_FROM(earth, REMOTE6, 1, 4, 0, QR(UDP, 33434, earth, 40010)),
			    .quote_len = 44 }, NAT_PROTO },
	{ "quoting an echo request (IPv4 does not either): nat_proto",
	  NODE, EARTH_IF,
	  { ERR_FROM(earth, REMOTE6, 3, 0, 0, Q6(.saddr = REMOTE6, .daddr = earth6, .proto = ICMP,
						  .icmp_type = 128, .icmp_id = 777)) }, NAT_PROTO },
	{ "an echo reply earth sends out (not an error): nat_proto as before",
	  NODE, EARTH_IF, { OUT6(earth, ICMP), .icmp_type = 129, .icmp_id = 40010 }, NAT_PROTO },
};
/* clang-format on */

/* ---------------------------------------------------------- the runner */

struct i6_env {
	struct st_env env;
	struct nsbpf_icmp6_probe *probe;
	int probe_fd, uplink_if;
	int endpoints6_fd, networks6_fd, host_addrs6_fd, ct6_fd, nat_ports6_fd, ifaces6_fd;
};

static int map_fd(const struct st_env *env, const char *name)
{
	int fd = bpf_object__find_map_fd_by_name(env->obj, name);

	cr_assert(fd >= 0, "the node object's map %s", name);
	return fd;
}

static void put_endpoint6(const struct i6_env *e, const uint8_t *addr, uint32_t ifindex,
			  uint32_t net_id, const uint8_t *node_mac, const uint8_t *host_mac)
{
	struct nsb_endpoint ep = { .ifindex = ifindex, .net_id = net_id };
	struct nsb_iface6 ifc;
	struct nsb_addr6_key k;

	memcpy(k.addr, addr, 16);
	memcpy(ep.node_mac, node_mac, 6);
	memcpy(ep.host_mac, host_mac, 6);
	cr_assert(!bpf_map_update_elem(e->endpoints6_fd, &k, &ep, BPF_ANY), "endpoints6");
	/* from_node's IPv6 path knows a node with an ip6 by its veth */
	ifc.ep = ep;
	memcpy(ifc.addr, addr, 16);
	cr_assert(!bpf_map_update_elem(e->ifaces6_fd, &ifindex, &ifc, BPF_ANY), "ifaces6");
}

static void put_network6(const struct i6_env *e, uint32_t id, const uint8_t *subnet,
			 const uint8_t *gw)
{
	struct nsb_network6 n = { .prefixlen = 64, .flags = NSB_NET_F_USED | NSB_NET_F_MASQUERADE };

	memcpy(n.subnet, subnet, 16);
	memcpy(n.gateway, gw, 16);
	cr_assert(!bpf_map_update_elem(e->networks6_fd, &id, &n, BPF_ANY), "networks6");
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts); /* bpf_ktime_get_ns()'s clock */
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * A NAT66 flow as nat66 writes it: node:port -> remote:rport leaves as
 * uplink6:nat_port (-> remote:wire_rport: a forward's remapped client).
 * seen: last_seen_ns; claim_only: no ct6 entry; NSB_CT_F_RST in flags: closed.
 */
static void put_flow6(const struct i6_env *e, const uint8_t *node, uint16_t port,
		      const uint8_t *remote, uint16_t rport, uint8_t proto, uint16_t nat_port,
		      uint16_t wire_rport, uint8_t flags, uint64_t seen, bool claim_only)
{
	struct nsb_ct6_key ck = { .sport = htons(port), .dport = htons(rport), .proto = proto };
	struct nsb_nat6_key nk = { .nat_port = htons(nat_port),
				   .remote_port = htons(wire_rport ? wire_rport : rport),
				   .proto = proto };
	struct nsb_ct6_entry ce = {};
	struct nsb_nat6_val nv = {};

	memcpy(ck.saddr, node, 16);
	memcpy(ck.daddr, remote, 16);
	memcpy(nk.nat_addr, UPLINK6, 16);
	memcpy(nk.remote_addr, remote, 16);
	ce.e.nat_port = htons(nat_port);
	ce.e.state = flags & NSB_CT_F_RST ? NSB_CT_CLOSED : NSB_CT_ESTABLISHED;
	ce.e.flags = flags;
	ce.e.ifindex = EARTH_IF;
	ce.e.dnat_port = wire_rport ? htons(wire_rport) : 0;
	ce.e.created_ns = seen;
	ce.e.last_seen_ns = seen;
	memcpy(ce.nat_addr, UPLINK6, 16);
	nv.v.node_port = htons(port);
	nv.v.ifindex = EARTH_IF;
	nv.v.remote_port = wire_rport ? htons(rport) : 0;
	memcpy(nv.node_addr, node, 16);
	cr_assert(!bpf_map_update_elem(e->nat_ports6_fd, &nk, &nv, BPF_ANY), "nat_ports6");
	if (!claim_only)
		cr_assert(!bpf_map_update_elem(e->ct6_fd, &ck, &ce, BPF_ANY), "ct6");
}

static void i6_setup(struct i6_env *e)
{
	/* closed TCP flows go in a second (a VM's clock may not be past a default timeout) */
	struct nsb_config cfg = { .layout = NSB_LAYOUT_VERSION, .tmo_tcp_closed = 1000000000ULL };
	struct bpf_map *m;
	struct nsb_addr6_key hk;
	uint64_t now;
	__u32 zero = 0;
	__u8 one = 1;
	int err;

	memset(e, 0, sizeof(*e));
	e->uplink_if = st_uplink();
	st_open(&e->env, true);
	st_load(&e->env);
	/* the probe runs on the node object's maps, as the uplink object does */
	e->probe = nsbpf_icmp6_probe__open();
	cr_assert(e->probe, "open the probe skeleton");
	e->probe->rodata->nsb_trace_enabled = true;
	bpf_object__for_each_map(m, e->probe->obj) {
		if (bpf_map__is_internal(m))
			continue;
		err = bpf_map__reuse_fd(m, map_fd(&e->env, bpf_map__name(m)));
		cr_assert(!err, "reuse map %s", bpf_map__name(m));
	}
	err = nsbpf_icmp6_probe__load(e->probe);
	cr_assert(!err, "load the probe: %s", strerror(-err));
	e->probe_fd = bpf_program__fd(e->probe->progs.icmp6_probe);
	e->endpoints6_fd = map_fd(&e->env, "endpoints6");
	e->networks6_fd = map_fd(&e->env, "networks6");
	e->host_addrs6_fd = map_fd(&e->env, "host_addrs6");
	e->ct6_fd = map_fd(&e->env, "ct6");
	e->nat_ports6_fd = map_fd(&e->env, "nat_ports6");
	e->ifaces6_fd = map_fd(&e->env, "ifaces6");

	/* the IPv4 side too: a scan of the lab's networks walks the networks map's slots */
	err = test_lab_install(&lab_masq, e->env.endpoints_fd, e->env.networks_fd);
	cr_assert(err == 0, "install lab_masq: %s", strerror(-err));
	cfg.uplink_ifindex = (uint32_t)e->uplink_if;
	memcpy(cfg.uplink_addr6, UPLINK6, 16);
	cr_assert(!bpf_map_update_elem(e->env.config_fd, &zero, &cfg, BPF_ANY), "config");
	put_network6(e, NET_PLANET, PLANET6_NET, PLANET6_GW);
	put_network6(e, NET_MOON, MOON6_NET, MOON6_GW);
	put_endpoint6(e, earth6, EARTH_IF, NET_PLANET, earth_mac, earth_host);
	put_endpoint6(e, mars6, MARS_IF, NET_MOON, mars_mac, mars_host);
	put_endpoint6(e, pluto6, PLUTO_IF, NET_EXILE, pluto_mac, pluto_host);
	memcpy(hk.addr, HOST6, 16);
	cr_assert(!bpf_map_update_elem(e->host_addrs6_fd, &hk, &one, BPF_ANY), "host_addrs6");

	now = now_ns();
	put_flow6(e, earth6, 40010, REMOTE6, 33434, UDP, 61010, 0, 0, now, false);
	put_flow6(e, earth6, 40011, REMOTE6, 80, TCP, 61011, 0, 0, now, false);
	put_flow6(e, earth6, 777, REMOTE6, 0, ICMP, 61012, 0, 0, now, false);
	put_flow6(e, mars6, 5353, REMOTE6, 53, UDP, 5353, 0, 0, now, false);
	put_flow6(e, earth6, 8080, CLIENT6, 50001, TCP, 6000, 40000, NSB_CT_F_DNAT | NSB_CT_F_CPORT,
		  now, false);
	put_flow6(e, earth6, 53, CLIENT6, 5000, UDP, 7000, 0, NSB_CT_F_DNAT, now, false);
	cr_assert(now > 2000000000ULL, "the clock has run for 2 s");
	put_flow6(e, earth6, 40020, REMOTE6, 80, TCP, 61020, 0, NSB_CT_F_RST, now - 2000000000ULL,
		  false);
	put_flow6(e, earth6, 40030, REMOTE6, 33434, UDP, 61030, 0, 0, now, true);
}

static bool check_output(const struct i6_case *c, const struct pkt *in, const struct st_result *r)
{
	struct pkt want;
	char why[128];

	if (!c->out.proto)
		return st_assert_bytes(r->out, r->out_len, in->buf, in->len,
				       "output bytes (untouched)");
	if (!ASSERT_TRUE(i6frame_build(&c->out, &want), "build the expected frame"))
		return false;
	if (!st_assert_bytes(r->out, r->out_len, want.buf, want.len, "output bytes"))
		return false;
	/* the bytes match a frame built from scratch; check its sums from scratch too */
	if (!i6frame_csums_ok(r->out, r->out_len, why, sizeof(why)))
		return ASSERT_TRUE(false, why);
	return true;
}

static void run_cases(const struct i6_case *cases, int n)
{
	struct nsb_counter before[NSB_STAT_MAX], after[NSB_STAT_MAX];
	struct i6_env *e = calloc(1, sizeof(*e));
	int passed = 0;

	cr_assert(e, "calloc");
	i6_setup(e);
	for (int i = 0; i < n; i++) {
		const struct i6_case *c = &cases[i];
		int fd = c->hook == PROBE ? e->probe_fd :
			 c->hook == NODE  ? e->env.from_node_fd :
					    e->env.from_uplink_fd;
		uint32_t ingress = c->ingress == UPLINK_IF ? (uint32_t)e->uplink_if : c->ingress;
		struct st_result res;
		struct pkt in;
		bool ok = true;

		st_case = c->name;
		if (!ASSERT_TRUE(i6frame_build(&c->in, &in), "build the input frame"))
			continue;
		st_stats(&e->env, before);
		st_run(&e->env, fd, &in, ingress, &res);
		if (!ASSERT_EQ(res.err, 0, "BPF_PROG_TEST_RUN"))
			continue;
		st_stats(&e->env, after);
		ok &= ASSERT_EQ((int32_t)res.retval, c->verdict, "verdict");
		ok &= st_check_trace(
			c->stat, c->redirect == UPLINK_IF ? (uint32_t)e->uplink_if : c->redirect,
			c->flags, &res.trace);
		/* what the node (or the world) sent, not what the error became */
		ok &= st_check_stats(c->stat, before, after, in.len);
		if (c->verdict != TC_ACT_SHOT)
			ok &= check_output(c, &in, &res);
		passed += ok;
	}
	cr_log_info("%d cases, %d passed", n, passed);
	nsbpf_icmp6_probe__destroy(e->probe);
	st_close(&e->env);
	free(e);
}

Test(icmp6, errors_built_in_bpf_back_to_the_node)
{
	run_cases(gen_cases, N(gen_cases));
}

Test(icmp6, errors_about_nat66_flows_translated_back)
{
	run_cases(rev_cases, N(rev_cases));
}

/* The builder's checksums are what the checker accepts, and a flipped byte is not. */
Test(icmp6, node_errors_about_translated_flows_out)
{
	run_cases(out_cases, N(out_cases));
}

Test(icmp6, i6frame_checksums_catch_a_flipped_byte)
{
	const struct i6frame f = { ERR_INTO(earth, REMOTE6, 1, 4, 0, QN(earth, N_UDP)) };
	struct pkt p;
	char why[128];

	cr_assert(i6frame_build(&f, &p));
	cr_assert(i6frame_csums_ok(p.buf, p.len, why, sizeof(why)), "%s", why);
	p.buf[p.len - 1] ^= 0x40; /* in the quoted UDP payload: both sums now wrong */
	cr_assert(!i6frame_csums_ok(p.buf, p.len, why, sizeof(why)));
	p.buf[p.len - 1] ^= 0x40;
	p.buf[14 + 24] ^= 1; /* the destination: the pseudo header */
	cr_assert(!i6frame_csums_ok(p.buf, p.len, why, sizeof(why)));
}
