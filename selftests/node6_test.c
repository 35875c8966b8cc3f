// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * IPv6 at from_node under BPF_PROG_TEST_RUN, in lab_dual (labs.h): every
 * decision of lib/route6.h, lib/ndp.h and lib/spoof6.h as a table, as
 * node_test.c for IPv4. Each case names its input frame, the verdict, the
 * frame that must come out (a neighbour advertisement byte for byte, its
 * ICMPv6 checksum computed from scratch over the pseudo-header by
 * frame6.c, and checked again on the output), the redirect target and
 * flags from the trace map, and the one stats slot that counts it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "harness.h"
#include "labs.h"
#include "frame6.h"
#include "node.skel.h"
#include "lab/fill.h"

/* the tables' macros name a default (NS6()'s option, SENT6()'s MAC) that a case may override */
#pragma GCC diagnostic ignored "-Woverride-init"

#define PATH(p) (NSB_PATH_##p)
#define DROP(r) (NSB_STAT_DROP_BASE + NSB_DROP_##r)
#define PEER	NSB_TRACE_F_PEER
#define EGRESS	NSB_TRACE_F_EGRESS
#define PASS	TC_ACT_UNSPEC
#define SHOT(r) .verdict = TC_ACT_SHOT, .stat = DROP(r)
#define HOST(p) .verdict = PASS, .stat = PATH(p)

/* clang-format off */
static const uint8_t earth6[16] = IP6(0x200, 0x11), neptune6[16] = IP6(0x200, 0x12);
static const uint8_t planet_gw6[16] = IP6(0x200, 1), planet_none6[16] = IP6(0x200, 0x99);
static const uint8_t mars6[16] = IP6(0x201, 0x21), moon_gw6[16] = IP6(0x201, 1);
static const uint8_t moon_none6[16] = IP6(0x201, 0x99), pluto6[16] = IP6(0x202, 0x31);
static const uint8_t halley6[16] = IP6(0x203, 0x41), comet_gw6[16] = IP6(0x203, 1);
static const uint8_t outside6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x80 };
static const uint8_t host6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x50, [15] = 1 };
static const uint8_t uplink6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x01, 0x13, [15] = 2 };
static const uint8_t any6[16] = { 0 }, loop6[16] = { [15] = 1 };
static const uint8_t mapped6[16] = { [10] = 0xff, 0xff, 10, 0, 0, 1 };
static const uint8_t mcast6[16] = { 0xff, 0x02, [15] = 1 }, mld6[16] = { 0xff, 0x02, [15] = 0x16 };
static const uint8_t host_ll6[16] = { 0xfe, 0x80, [15] = 1 }; /* the host end's */
/* fe80::<EUI-64 of the MAC>: earth's (02:4e:00:00:00:0b) and rogue_mac's */
static const uint8_t earth_ll6[16] = { 0xfe, 0x80, [8] = 0x00, 0x4e, 0x00, 0xff, 0xfe, 0, 0, 0x0b };
static const uint8_t rogue_ll6[16] = { 0xfe, 0x80, [8] = 0x00, 0x66, 0x00, 0xff, 0xfe, 0, 0, 0x66 };
/* solicited-node multicast addresses ff02::1:ffXX:XXXX */
#define SNM(b13, b14, b15) { 0xff, 0x02, [11] = 1, 0xff, b13, b14, b15 }
static const uint8_t snm_gw6[16] = SNM(0, 0, 1), snm_neptune6[16] = SNM(0, 0, 0x12);
static const uint8_t snm_none6[16] = SNM(0, 0, 0x99), snm_earth6[16] = SNM(0, 0, 0x11);
static const uint8_t snm_mac[6] = { 0x33, 0x33, 0xff, 0, 0, 1 };
static const uint8_t nonce[6] = { 1, 2, 3, 4, 5, 6 };
/* clang-format on */

/* node's datagram from s to d, to its host end */
#define SENT6(node, s, d) .dst = node##_host, .src = node##_mac, .saddr = (s), .daddr = (d)
/* as node receives it from its host end */
#define RECV6(node, s, d) \
	.valid = true, .dst = node##_mac, .src = node##_host, .saddr = (s), .daddr = (d)
/* node's solicitation from s for tgt, to tgt's solicited-node group, with its MAC */
#define NS6(node, s, snm, tgt)                                                                    \
	.dst = snm_mac, .src = node##_mac, .saddr = (s), .daddr = (snm), .hop = 255, .proto = 58, \
	.icmp_type = ND_NS, .target = (tgt), .opt = { { 1, 1, node##_mac } }
/* the advertisement node's host end answers to, for tgt */
#define NA6(node, to, tgt, flags)                                                            \
	.valid = true, .dst = node##_mac, .src = node##_host, .saddr = (tgt), .daddr = (to), \
	.hop = 255, .proto = 58, .icmp_type = ND_NA, .nd_flags = (flags), .target = (tgt),   \
	.opt = { { 2, 1, node##_host } }
#define ANSWERED(node) \
	.verdict = TC_ACT_REDIRECT, .redirect = node##_IF, .flags = EGRESS, .stat = PATH(NDP_REPLY)
#define INTO(node) \
	.verdict = TC_ACT_REDIRECT, .redirect = node##_IF, .flags = PEER, .stat = PATH(NODE_TO_NODE)
/* the node's advertisement for tgt, to the host's link-local address */
#define NA_FROM(node, s, tgt)                                                               \
	.dst = node##_host, .src = node##_mac, .saddr = (s), .daddr = host_ll6, .hop = 255, \
	.proto = 58, .icmp_type = ND_NA, .nd_flags = NA_S | NA_O, .target = (tgt),          \
	.opt = { { 2, 1, node##_mac } }

struct n6_case {
	const char *name;
	uint32_t ingress;
	const struct test_lab *lab; /* NULL: lab_dual */
	struct frame6 in;
	const struct frame *in4; /* an IPv4 frame instead (pkt.h) */
	int verdict;
	struct frame6 out;	  /* !valid: the input, untouched (unless dropped) */
	const struct frame *out4; /* with in4 */
	uint32_t redirect, flags;
	uint32_t stat;
};

static const struct frame v4_sent = {
	.kind = FR_IPV4, .dst = earth_host, .src = earth_mac, .saddr = EARTH_IP, .daddr = NEPTUNE_IP
};
static const struct frame v4_received = { .kind = FR_IPV4,
					  .dst = neptune_mac,
					  .src = neptune_host,
					  .saddr = EARTH_IP,
					  .daddr = NEPTUNE_IP };

/* ------------------------------------------------- neighbour discovery */

/* clang-format off */
static const struct n6_case ndp_cases[] = {
	{ "NS from earth for its gateway6: NA from the host end, Router, Solicited, Override",
	  EARTH_IF, .in = { NS6(earth, earth6, snm_gw6, planet_gw6) }, ANSWERED(EARTH),
	  .out = { NA6(earth, earth6, planet_gw6, NA_R | NA_S | NA_O) } },
	{ "NS for a peer (neptune): NA with earth's host end MAC, no Router flag",
	  EARTH_IF, .in = { NS6(earth, earth6, snm_neptune6, neptune6) }, ANSWERED(EARTH),
	  .out = { NA6(earth, earth6, neptune6, NA_S | NA_O) } },
	{ "NS for an unused subnet6 address: answered",
	  EARTH_IF, .in = { NS6(earth, earth6, snm_none6, planet_none6) }, ANSWERED(EARTH),
	  .out = { NA6(earth, earth6, planet_none6, NA_S | NA_O) } },
	{ "NS from earth's link-local address: NA to the link-local address",
	  EARTH_IF, .in = { NS6(earth, earth_ll6, snm_gw6, planet_gw6) }, ANSWERED(EARTH),
	  .out = { NA6(earth, earth_ll6, planet_gw6, NA_R | NA_S | NA_O) } },
	{ "unicast NS without options (reachability probe, 24 bytes): NA grown to 32",
	  EARTH_IF, .in = { NS6(earth, earth6, planet_gw6, planet_gw6), .opt = { { 0 } } },
	  ANSWERED(EARTH), .out = { NA6(earth, earth6, planet_gw6, NA_R | NA_S | NA_O) } },
	{ "NS with a nonce option after its address (40 bytes): NA cut to 32",
	  EARTH_IF, .in = { NS6(earth, earth6, snm_gw6, planet_gw6),
			   .opt = { { 1, 1, earth_mac }, { 14, 1, nonce } } },
	  ANSWERED(EARTH), .out = { NA6(earth, earth6, planet_gw6, NA_R | NA_S | NA_O) } },
	{ "NS padded to 96 bytes: NA without the padding",
	  EARTH_IF, .in = { NS6(earth, earth6, snm_gw6, planet_gw6), .pad_to = 96 },
	  ANSWERED(EARTH), .out = { NA6(earth, earth6, planet_gw6, NA_R | NA_S | NA_O) } },
	{ "halley (comet, IPv6 only) for its gateway6: answered",
	  HALLEY_IF, .in = { NS6(halley, halley6, snm_gw6, comet_gw6) }, ANSWERED(HALLEY),
	  .out = { NA6(halley, halley6, comet_gw6, NA_R | NA_S | NA_O) } },
	{ "NS with hop limit 64: ndp",
	  EARTH_IF, .in = { NS6(earth, earth6, snm_gw6, planet_gw6), .hop = 64 }, SHOT(NDP) },
	{ "NS with code 1: ndp",
	  EARTH_IF, .in = { NS6(earth, earth6, snm_gw6, planet_gw6), .icmp_code = 1 }, SHOT(NDP) },
	{ "NS cut to 16 bytes of ICMPv6: ndp",
	  EARTH_IF, .in = { NS6(earth, earth6, snm_gw6, planet_gw6), .opt = { { 0 } },
			   .plen = 16, .trunc = 14 + 40 + 16 }, SHOT(NDP) },
	{ "NS for a multicast target: ndp",
	  EARTH_IF, .in = { NS6(earth, earth6, snm_gw6, mcast6) }, SHOT(NDP) },
	{ "NS with an option of length 0: ndp",
	  EARTH_IF, .in = { NS6(earth, earth6, snm_gw6, planet_gw6),
			   .opt = { { 1, 1, earth_mac, .zero_len = true } } }, SHOT(NDP) },
	{ "NS with a bad checksum: ndp",
	  EARTH_IF, .in = { NS6(earth, earth6, snm_gw6, planet_gw6), .bad_csum = true },
	  SHOT(NDP) },
	{ "NS whose source link-layer option is not earth's MAC: spoof_mac",
	  EARTH_IF, .in = { NS6(earth, earth6, snm_gw6, planet_gw6),
			   .opt = { { 1, 1, rogue_mac } } }, SHOT(SPOOF_MAC) },
	{ "DAD (from ::) for its own address: to the host, untouched",
	  EARTH_IF, .in = { NS6(earth, any6, snm_earth6, earth6), .opt = { { 0 } } },
	  HOST(IPV6_PASS) },
	{ "DAD for the gateway6 (a duplicate probe): to the host, not answered",
	  EARTH_IF, .in = { NS6(earth, any6, snm_gw6, planet_gw6), .opt = { { 0 } } },
	  HOST(IPV6_PASS) },
	{ "DAD with a source link-layer option: ndp",
	  EARTH_IF, .in = { NS6(earth, any6, snm_earth6, earth6) }, SHOT(NDP) },
	{ "DAD to all-nodes instead of the solicited-node group: ndp",
	  EARTH_IF, .in = { NS6(earth, any6, mcast6, earth6), .opt = { { 0 } } }, SHOT(NDP) },
	{ "NS for its own address: to the host, untouched",
	  EARTH_IF, .in = { NS6(earth, earth_ll6, snm_earth6, earth6) }, HOST(IPV6_PASS) },
	{ "NS for the host end's link-local address: to the host, untouched",
	  EARTH_IF, .in = { NS6(earth, earth6, snm_gw6, host_ll6) }, HOST(IPV6_PASS) },
	{ "NS for mars (another network's subnet6): to the host, untouched",
	  EARTH_IF, .in = { NS6(earth, earth6, snm_gw6, mars6) }, HOST(IPV6_PASS) },
	{ "NS behind a hop-by-hop header: ndp",
	  EARTH_IF, .in = { NS6(earth, earth6, snm_gw6, planet_gw6), .n_ext = 1,
			   .ext = { EXT_HBH } }, SHOT(NDP) },
	{ "NS in a first fragment: ndp (RFC 6980)",
	  EARTH_IF, .in = { NS6(earth, earth6, snm_gw6, planet_gw6), .n_ext = 1,
			   .ext = { EXT_FRAG }, .frag_more = true }, SHOT(NDP) },
	{ "NA from earth for itself (answering the host): to the host, untouched",
	  EARTH_IF, .in = { NA_FROM(earth, earth6, earth6) }, HOST(IPV6_PASS) },
	{ "NA from earth for its link-local address: to the host, untouched",
	  EARTH_IF, .in = { NA_FROM(earth, earth_ll6, earth_ll6) }, HOST(IPV6_PASS) },
	{ "NA from earth for neptune's address: ndp",
	  EARTH_IF, .in = { NA_FROM(earth, earth6, neptune6) }, SHOT(NDP) },
	{ "NA from earth for the gateway6: ndp",
	  EARTH_IF, .in = { NA_FROM(earth, earth6, planet_gw6) }, SHOT(NDP) },
	{ "NA with hop limit 254: ndp",
	  EARTH_IF, .in = { NA_FROM(earth, earth6, earth6), .hop = 254 }, SHOT(NDP) },
	{ "router solicitation from its link-local address: to the host, untouched",
	  EARTH_IF, .in = { SENT6(earth, earth_ll6, mcast6), .hop = 255, .proto = 58,
			   .icmp_type = 133 }, HOST(IPV6_PASS) },
	{ "router advertisement: ipv6",
	  EARTH_IF, .in = { SENT6(earth, earth_ll6, mcast6), .hop = 255, .proto = 58,
			   .icmp_type = 134 }, SHOT(IPV6) },
	{ "redirect: ipv6",
	  EARTH_IF, .in = { SENT6(earth, earth_ll6, earth6), .hop = 255, .proto = 58,
			   .icmp_type = 137 }, SHOT(IPV6) },
	{ "router renumbering: ipv6",
	  EARTH_IF, .in = { SENT6(earth, earth6, mcast6), .proto = 58, .icmp_type = 138 },
	  SHOT(IPV6) },
	{ "router advertisement behind a hop-by-hop header: ipv6",
	  EARTH_IF, .in = { SENT6(earth, earth_ll6, mcast6), .hop = 255, .proto = 58,
			   .icmp_type = 134, .n_ext = 1, .ext = { EXT_HBH } }, SHOT(IPV6) },
	{ "router advertisement behind destination options and routing headers: ipv6",
	  EARTH_IF, .in = { SENT6(earth, earth_ll6, mcast6), .hop = 255, .proto = 58,
			   .icmp_type = 134, .n_ext = 3, .ext = { EXT_HBH, EXT_DST, EXT_RH } },
	  SHOT(IPV6) },
	{ "redirect in a first fragment: ipv6",
	  EARTH_IF, .in = { SENT6(earth, earth6, neptune6), .proto = 58, .icmp_type = 137,
			   .n_ext = 1, .ext = { EXT_FRAG }, .frag_more = true }, SHOT(IPV6) },
	{ "router advertisement to neptune (a node): ipv6",
	  EARTH_IF, .in = { SENT6(earth, earth6, neptune6), .hop = 255, .proto = 58,
			   .icmp_type = 134 }, SHOT(IPV6) },
	{ "MLD report from its link-local address behind hop-by-hop: to the host",
	  EARTH_IF, .in = { SENT6(earth, earth_ll6, mld6), .hop = 1, .proto = 58,
			   .icmp_type = 143, .n_ext = 1, .ext = { EXT_HBH } }, HOST(IPV6_PASS) },
	{ "MLD report from :: : to the host",
	  EARTH_IF, .in = { SENT6(earth, any6, mld6), .hop = 1, .proto = 58, .icmp_type = 143,
			   .n_ext = 1, .ext = { EXT_HBH } }, HOST(IPV6_PASS) },
};

/* ------------------------------------------------------- anti-spoofing */

static const struct n6_case spoof_cases[] = {
	{ "source neptune's ip6 from earth: spoof_ip",
	  EARTH_IF, .in = { SENT6(earth, neptune6, mars6) }, SHOT(SPOOF_IP) },
	{ "source an unused planet address: spoof_ip",
	  EARTH_IF, .in = { SENT6(earth, planet_none6, mars6) }, SHOT(SPOOF_IP) },
	{ "source an outside address: spoof_ip",
	  EARTH_IF, .in = { SENT6(earth, outside6, mars6) }, SHOT(SPOOF_IP) },
	{ "source another MAC's link-local address: spoof_ip",
	  EARTH_IF, .in = { SENT6(earth, rogue_ll6, mcast6) }, SHOT(SPOOF_IP) },
	{ "earth's link-local from the rogue MAC (the frame's own id): spoof_ip",
	  EARTH_IF, .in = { .dst = earth_host, .src = rogue_mac, .daddr = mcast6 },
	  SHOT(SPOOF_IP) },
	{ "earth's ip6 from the rogue MAC: spoof_mac",
	  EARTH_IF, .in = { SENT6(earth, earth6, neptune6), .src = rogue_mac }, SHOT(SPOOF_MAC) },
	{ "earth's ip6 and MAC from neptune's veth: spoof_ip",
	  NEPTUNE_IF, .in = { SENT6(earth, earth6, mars6) }, SHOT(SPOOF_IP) },
	{ "source :: to a unicast address: spoof_ip",
	  EARTH_IF, .in = { SENT6(earth, any6, neptune6) }, SHOT(SPOOF_IP) },
	{ "from its link-local address to neptune's ip6 (off the link): ipv6",
	  EARTH_IF, .in = { SENT6(earth, earth_ll6, neptune6) }, SHOT(IPV6) },
	{ "from its link-local address to the host end's: to the host",
	  EARTH_IF, .in = { SENT6(earth, earth_ll6, host_ll6) }, HOST(IPV6_PASS) },
};

/* --------------------------------------------------------- forwarding */

static const struct n6_case route_cases[] = {
	{ "earth to neptune (one network): MACs rewritten, hop limit kept",
	  EARTH_IF, .in = { SENT6(earth, earth6, neptune6) }, INTO(NEPTUNE),
	  .out = { RECV6(neptune, earth6, neptune6) } },
	{ "earth to neptune, TCP: redirected",
	  EARTH_IF, .in = { SENT6(earth, earth6, neptune6), .proto = 6 }, INTO(NEPTUNE),
	  .out = { RECV6(neptune, earth6, neptune6), .proto = 6 } },
	{ "earth to neptune with hop limit 1: still delivered (a layer-2 hop)",
	  EARTH_IF, .in = { SENT6(earth, earth6, neptune6), .hop = 1 }, INTO(NEPTUNE),
	  .out = { RECV6(neptune, earth6, neptune6), .hop = 1 } },
	{ "earth to mars (planet -> moon): a routed hop, hop limit 64 -> 63",
	  EARTH_IF, .in = { SENT6(earth, earth6, mars6) }, INTO(MARS),
	  .out = { RECV6(mars, earth6, mars6), .hop = 63 } },
	{ "mars to earth, ICMPv6 echo: hop limit 63, checksum untouched",
	  MARS_IF, .in = { SENT6(mars, mars6, earth6), .proto = 58, .icmp_type = 128 },
	  INTO(EARTH),
	  .out = { RECV6(earth, mars6, earth6), .proto = 58, .icmp_type = 128, .hop = 63 } },
	{ "earth to mars with hop limit 2: delivered with 1",
	  EARTH_IF, .in = { SENT6(earth, earth6, mars6), .hop = 2 }, INTO(MARS),
	  .out = { RECV6(mars, earth6, mars6), .hop = 1 } },
	{ "earth to mars with hop limit 1: ttl",
	  EARTH_IF, .in = { SENT6(earth, earth6, mars6), .hop = 1 }, SHOT(TTL) },
	{ "earth to mars with hop limit 0: ttl",
	  EARTH_IF, .in = { SENT6(earth, earth6, mars6), .hop = HOP_ZERO }, SHOT(TTL) },
	{ "earth to pluto (exile reaches only itself): isolated",
	  EARTH_IF, .in = { SENT6(earth, earth6, pluto6) }, SHOT(ISOLATED) },
	{ "pluto to earth: isolated",
	  PLUTO_IF, .in = { SENT6(pluto, pluto6, earth6) }, SHOT(ISOLATED) },
	{ "halley (comet, IPv6 only) to earth: hop limit 63",
	  HALLEY_IF, .in = { SENT6(halley, halley6, earth6) }, INTO(EARTH),
	  .out = { RECV6(earth, halley6, earth6), .hop = 63 } },
	{ "earth to halley: hop limit 63",
	  EARTH_IF, .in = { SENT6(earth, earth6, halley6) }, INTO(HALLEY),
	  .out = { RECV6(halley, earth6, halley6), .hop = 63 } },
	{ "halley to mars (comet does not reach moon): isolated",
	  HALLEY_IF, .in = { SENT6(halley, halley6, mars6) }, SHOT(ISOLATED) },
	{ "earth to neptune behind hop-by-hop and destination options: redirected, kept",
	  EARTH_IF, .in = { SENT6(earth, earth6, neptune6), .n_ext = 2,
			   .ext = { EXT_HBH, EXT_DST }, .ext_len = 1 }, INTO(NEPTUNE),
	  .out = { RECV6(neptune, earth6, neptune6), .n_ext = 2, .ext = { EXT_HBH, EXT_DST },
		   .ext_len = 1 } },
	{ "six extension headers (the most walked): redirected",
	  EARTH_IF, .in = { SENT6(earth, earth6, neptune6), .n_ext = 6,
			   .ext = { EXT_HBH, EXT_DST, EXT_RH, EXT_DST, EXT_DST, EXT_DST } },
	  INTO(NEPTUNE),
	  .out = { RECV6(neptune, earth6, neptune6), .n_ext = 6,
		   .ext = { EXT_HBH, EXT_DST, EXT_RH, EXT_DST, EXT_DST, EXT_DST } } },
	{ "seven extension headers: ipv6 (no verdict on what lies behind)",
	  EARTH_IF, .in = { SENT6(earth, earth6, neptune6), .n_ext = 7,
			   .ext = { EXT_HBH, EXT_DST, EXT_RH, EXT_DST, EXT_DST, EXT_DST,
				    EXT_DST } }, SHOT(IPV6) },
	{ "a hop-by-hop header longer than the payload: short",
	  EARTH_IF, .in = { SENT6(earth, earth6, neptune6), .n_ext = 1, .ext = { EXT_HBH },
			   .plen = 4 }, SHOT(SHORT) },
	{ "a first fragment to neptune: redirected",
	  EARTH_IF, .in = { SENT6(earth, earth6, neptune6), .n_ext = 1, .ext = { EXT_FRAG },
			   .frag_more = true }, INTO(NEPTUNE),
	  .out = { RECV6(neptune, earth6, neptune6), .n_ext = 1, .ext = { EXT_FRAG },
		   .frag_more = true } },
	{ "a later fragment to mars: follows by address, hop limit 63",
	  EARTH_IF, .in = { SENT6(earth, earth6, mars6), .n_ext = 1, .ext = { EXT_FRAG },
			   .frag_off = 185 }, INTO(MARS),
	  .out = { RECV6(mars, earth6, mars6), .n_ext = 1, .ext = { EXT_FRAG },
		   .frag_off = 185, .hop = 63 } },
	{ "a later ICMPv6 fragment to the gateway6: to the host",
	  EARTH_IF, .in = { SENT6(earth, earth6, planet_gw6), .proto = 58, .n_ext = 1,
			   .ext = { EXT_FRAG }, .frag_off = 185 }, HOST(TO_HOST) },
	{ "earth to its gateway6: to the host, untouched",
	  EARTH_IF, .in = { SENT6(earth, earth6, planet_gw6) }, HOST(TO_HOST) },
	{ "earth to moon's gateway6: to the host",
	  EARTH_IF, .in = { SENT6(earth, earth6, moon_gw6) }, HOST(TO_HOST) },
	{ "earth pings its gateway6: to the host",
	  EARTH_IF, .in = { SENT6(earth, earth6, planet_gw6), .proto = 58, .icmp_type = 128 },
	  HOST(TO_HOST) },
	{ "earth to a host address (host_addrs6): to the host",
	  EARTH_IF, .in = { SENT6(earth, earth6, host6) }, HOST(TO_HOST) },
	{ "earth to the uplink's address6: to the host",
	  EARTH_IF, .in = { SENT6(earth, earth6, uplink6) }, HOST(TO_HOST) },
	{ "earth to all-nodes: to the host (ipv6_pass)",
	  EARTH_IF, .in = { SENT6(earth, earth6, mcast6) }, HOST(IPV6_PASS) },
	{ "earth to the host end's link-local address: to the host (ipv6_pass)",
	  EARTH_IF, .in = { SENT6(earth, earth6, host_ll6) }, HOST(IPV6_PASS) },
	{ "earth to an unused planet address: no_endpoint",
	  EARTH_IF, .in = { SENT6(earth, earth6, planet_none6) }, SHOT(NO_ENDPOINT) },
	{ "earth to an unused moon address: no_endpoint",
	  EARTH_IF, .in = { SENT6(earth, earth6, moon_none6) }, SHOT(NO_ENDPOINT) },
	{ "earth to ::1: martian",
	  EARTH_IF, .in = { SENT6(earth, earth6, loop6) }, SHOT(MARTIAN) },
	{ "earth to :: : martian",
	  EARTH_IF, .in = { SENT6(earth, earth6, any6) }, SHOT(MARTIAN) },
	{ "earth to ::ffff:10.0.0.1 (IPv4-mapped): martian",
	  EARTH_IF, .in = { SENT6(earth, earth6, mapped6) }, SHOT(MARTIAN) },
	{ "earth to the outside: no_masquerade (no NAT66 yet: lib/masq6.h)",
	  EARTH_IF, .in = { SENT6(earth, earth6, outside6) }, SHOT(NO_MASQUERADE) },
	{ "version 4 in an IPv6 frame: malformed_ip",
	  EARTH_IF, .in = { SENT6(earth, earth6, neptune6), .version = 4 }, SHOT(MALFORMED_IP) },
	{ "payload length beyond the frame: malformed_ip",
	  EARTH_IF, .in = { SENT6(earth, earth6, neptune6), .plen = 200 }, SHOT(MALFORMED_IP) },
	/* a cut IPv6 header: BPF_PROG_TEST_RUN refuses it (EINVAL) before the program */
	{ "IPv4 earth to neptune in the dual-stack lab: node_to_node as ever",
	  EARTH_IF, .in4 = &v4_sent, INTO(NEPTUNE), .out4 = &v4_received },
	{ "lab_planets (no ip6): earth's link-local NS for the gateway: to the host, not answered",
	  EARTH_IF, .lab = &lab_planets, .in = { NS6(earth, earth_ll6, snm_gw6, planet_gw6) },
	  HOST(IPV6_PASS) },
	{ "lab_planets (no ip6): a global source: ipv6 (the IPv4-only guard)",
	  EARTH_IF, .lab = &lab_planets, .in = { SENT6(earth, earth6, neptune6) }, SHOT(IPV6) },
};
/* clang-format on */

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static bool check_output(const struct n6_case *c, const struct pkt *in, const struct st_result *r)
{
	struct pkt want;

	if (c->in4 && c->out4) {
		if (!ASSERT_TRUE(frame_build(c->out4, &want), "build the expected frame"))
			return false;
	} else if (!c->out.valid) {
		want = *in;
	} else if (!ASSERT_TRUE(frame6_build(&c->out, &want), "build the expected frame")) {
		return false;
	}
	if (!st_assert_bytes(r->out, r->out_len, want.buf, want.len, "output bytes"))
		return false;
	/* the bytes match a frame built from scratch; check its sum from scratch too */
	if (c->out.valid)
		return ASSERT_TRUE(frame6_csum_ok(r->out, r->out_len), "output checksum");
	return true;
}

/* The lab's entries, IPv6 ones too, a host address and the uplink's address6. */
static bool install(const struct st_env *env, const struct test_lab *lab)
{
	struct nsb_config cfg = { 0 };
	__u32 zero = 0;
	__u8 one = 1;

	if (!ASSERT_EQ(test_lab_install(lab, env->endpoints_fd, env->networks_fd), 0,
		       "install the lab") ||
	    !ASSERT_EQ(test_lab_install6(lab, bpf_map__fd(env->skel->maps.networks6),
					 bpf_map__fd(env->skel->maps.endpoints6),
					 bpf_map__fd(env->skel->maps.ifaces6)),
		       0, "install the lab's IPv6 side"))
		return false;
	st_addr_filter(env);
	memcpy(cfg.uplink_addr6, uplink6, 16);
	return ASSERT_EQ(bpf_map_update_elem(env->config_fd, &zero, &cfg, BPF_ANY), 0, "config") &&
	       ASSERT_EQ(bpf_map_update_elem(bpf_map__fd(env->skel->maps.host_addrs6), host6, &one,
					     BPF_ANY),
			 0, "host_addrs6");
}

static void run_table(const char *table, const struct n6_case *cases, int n)
{
	struct nsb_counter before[NSB_STAT_MAX], after[NSB_STAT_MAX];
	struct st_env env;
	int passed = 0;

	st_setup(&env, true);
	for (int i = 0; i < n; i++) {
		const struct n6_case *c = &cases[i];
		struct st_result r;
		struct pkt in;
		bool ok = true;

		st_case = c->name;
		if (!install(&env, c->lab ? c->lab : &lab_dual))
			continue;
		if (!ASSERT_TRUE(c->in4 ? frame_build(c->in4, &in) : frame6_build(&c->in, &in),
				 "build the input frame"))
			continue;
		st_stats(&env, before);
		st_run(&env, env.from_node_fd, &in, c->ingress, &r);
		if (!ASSERT_EQ(r.err, 0, "BPF_PROG_TEST_RUN"))
			continue;
		st_stats(&env, after);
		ok &= ASSERT_EQ((int32_t)r.retval, c->verdict, "verdict");
		ok &= st_check_trace(c->stat, c->redirect, c->flags, &r.trace);
		ok &= st_check_stats(c->stat, before, after, in.len);
		if (c->verdict != TC_ACT_SHOT)
			ok &= check_output(c, &in, &r);
		passed += ok;
	}
	cr_log_info("%s: %d cases, %d passed", table, n, passed);
	st_close(&env);
}

Test(from_node6, ndp)
{
	run_table("from_node IPv6 neighbour discovery", ndp_cases, N(ndp_cases));
}

Test(from_node6, spoof)
{
	run_table("from_node IPv6 anti-spoofing", spoof_cases, N(spoof_cases));
}

Test(from_node6, route)
{
	run_table("from_node IPv6 forwarding", route_cases, N(route_cases));
}

/* The builder's checksum against a hand-summed NA: the tables' ground truth. */
Test(from_node6, na_checksum_by_hand)
{
	struct frame6 f = { NA6(earth, earth6, planet_gw6, NA_R | NA_S | NA_O) };
	uint32_t sum = 0;
	struct pkt p;

	cr_assert(frame6_build(&f, &p), "build");
	cr_assert(p.len == 14 + 40 + 32, "NA length");
	/* pseudo-header: both addresses, length 32, next header 58; then the message */
	for (size_t i = 22; i < 54; i += 2)
		sum += (uint32_t)p.buf[i] << 8 | p.buf[i + 1];
	sum += 32 + 58;
	for (size_t i = 54; i < 86; i += 2)
		sum += (uint32_t)p.buf[i] << 8 | p.buf[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	cr_assert(sum == 0xffff, "the NA sums to 0xffff with its checksum");
	cr_assert(p.buf[54] == 136, "type NA");
	cr_assert(p.buf[58] == 0xe0, "R S O");
	cr_assert(p.buf[78] == 2, "target link-layer address option");
	cr_assert(!memcmp(p.buf + 80, earth_host, 6), "the host end's MAC");
}
