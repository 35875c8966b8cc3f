// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * from_node and to_node under BPF_PROG_TEST_RUN, as tables. Each case names
 * its input frame (built from the lab's named addresses), the map entries
 * (a lab), the ingress interface, and what must come out: the verdict, the
 * bytes (frames passed or redirected are compared whole; passed ones must be
 * untouched), the redirect target and flags from the trace map, and the one
 * stats slot that grows by one packet and the frame's length in bytes.
 */
#include <errno.h>
#include <string.h>

#include "harness.h"
#include "labs.h"

#define PATH(p)	    (NSB_PATH_##p)
#define DROP(r)	    (NSB_STAT_DROP_BASE + NSB_DROP_##r)
#define NOT_COUNTED UINT32_MAX

#define PEER   NSB_TRACE_F_PEER
#define EGRESS NSB_TRACE_F_EGRESS

#define LO_IF 1 /* BPF_PROG_TEST_RUN's skb->ifindex: loopback */

struct node_case {
	const char *name;
	const struct test_lab *lab; /* map entries; NULL: lab_planets */
	uint32_t ingress;	    /* skb->ingress_ifindex */
	struct frame in;
	int err;		  /* of BPF_PROG_TEST_RUN itself; nonzero: nothing else */
	bool may_refuse;	  /* the kernel may refuse it (EINVAL) before the program */
	int verdict;		  /* TC_ACT_* */
	struct frame out;	  /* FR_NONE: the input, untouched (unless dropped) */
	uint32_t redirect, flags; /* trace: redirect ifindex and NSB_TRACE_F_* */
	uint32_t stat;		  /* PATH(x), DROP(x) or NOT_COUNTED */
};

static const uint8_t mcast_mac[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb };
static const uint8_t lldp_mac[6] = { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e };

/* a node's ARP request, broadcast */
#define ARP_REQ(mac, sip, tip)                                                               \
	.kind = FR_ARP, .dst = bcast_mac, .src = (mac), .op = 1, .sha = (mac), .spa = (sip), \
	.tpa = (tip)
/* the answer of node's host end to node's request from sip: "tip is at <host end>" */
#define ARP_ANSWER(node, sip, tip)                                                          \
	.kind = FR_ARP, .dst = node##_mac, .src = node##_host, .op = 2, .sha = node##_host, \
	.spa = (tip), .tha = node##_mac, .tpa = (sip)
/* an IPv4/UDP datagram on the wire from smac to dmac */
#define UDP4(dmac, smac, s, d) \
	.kind = FR_IPV4, .dst = (dmac), .src = (smac), .saddr = (s), .daddr = (d)
/* as node sends it, to its host end */
#define SENT(node, s, d) UDP4(node##_host, node##_mac, s, d)
/* as node receives it, from its host end */
#define RECEIVED(node, s, d) UDP4(node##_mac, node##_host, s, d)

/* ---------------------------------------------------------------- ARP */

/* clang-format off */
static const struct node_case arp_cases[] = {
	{ "request for the gateway: answered with the host end's MAC",
	  .ingress = EARTH_IF, .in = { ARP_REQ(earth_mac, EARTH_IP, PLANET_GW) },
	  .verdict = TC_ACT_REDIRECT, .out = { ARP_ANSWER(earth, EARTH_IP, PLANET_GW) },
	  .redirect = EARTH_IF, .flags = EGRESS, .stat = PATH(ARP_REPLY) },
	{ "request for a peer (neptune): answered with earth's host end",
	  .ingress = EARTH_IF, .in = { ARP_REQ(earth_mac, EARTH_IP, NEPTUNE_IP) },
	  .verdict = TC_ACT_REDIRECT, .out = { ARP_ANSWER(earth, EARTH_IP, NEPTUNE_IP) },
	  .redirect = EARTH_IF, .flags = EGRESS, .stat = PATH(ARP_REPLY) },
	{ "request for an unused subnet address: answered",
	  .ingress = EARTH_IF, .in = { ARP_REQ(earth_mac, EARTH_IP, PLANET_NONE) },
	  .verdict = TC_ACT_REDIRECT, .out = { ARP_ANSWER(earth, EARTH_IP, PLANET_NONE) },
	  .redirect = EARTH_IF, .flags = EGRESS, .stat = PATH(ARP_REPLY) },
	{ "unicast request to the host end (neighbour refresh): answered",
	  .ingress = EARTH_IF,
	  .in = { .kind = FR_ARP, .dst = earth_host, .src = earth_mac, .op = 1, .sha = earth_mac,
		  .spa = EARTH_IP, .tha = earth_host, .tpa = PLANET_GW },
	  .verdict = TC_ACT_REDIRECT, .out = { ARP_ANSWER(earth, EARTH_IP, PLANET_GW) },
	  .redirect = EARTH_IF, .flags = EGRESS, .stat = PATH(ARP_REPLY) },
	{ "request padded to 60 bytes: answered, padding kept",
	  .ingress = EARTH_IF, .in = { ARP_REQ(earth_mac, EARTH_IP, PLANET_GW), .pad_to = 60 },
	  .verdict = TC_ACT_REDIRECT,
	  .out = { ARP_ANSWER(earth, EARTH_IP, PLANET_GW), .pad_to = 60 },
	  .redirect = EARTH_IF, .flags = EGRESS, .stat = PATH(ARP_REPLY) },
	{ "pluto (exile) asks for its gateway: answered",
	  .ingress = PLUTO_IF, .in = { ARP_REQ(pluto_mac, PLUTO_IP, IP4(10, 202, 0, 1)) },
	  .verdict = TC_ACT_REDIRECT,
	  .out = { ARP_ANSWER(pluto, PLUTO_IP, IP4(10, 202, 0, 1)) },
	  .redirect = PLUTO_IF, .flags = EGRESS, .stat = PATH(ARP_REPLY) },
	{ "request for its own address (gratuitous): to the host, untouched",
	  .ingress = EARTH_IF, .in = { ARP_REQ(earth_mac, EARTH_IP, EARTH_IP) },
	  .verdict = TC_ACT_UNSPEC, .stat = PATH(TO_HOST) },
	{ "request outside its subnet (mars): to the host, untouched",
	  .ingress = EARTH_IF, .in = { ARP_REQ(earth_mac, EARTH_IP, MARS_IP) },
	  .verdict = TC_ACT_UNSPEC, .stat = PATH(TO_HOST) },
	{ "request for an outside address: to the host, untouched",
	  .ingress = EARTH_IF, .in = { ARP_REQ(earth_mac, EARTH_IP, OUTSIDE_IP) },
	  .verdict = TC_ACT_UNSPEC, .stat = PATH(TO_HOST) },
	{ "ARP reply from the node: to the host, untouched",
	  .ingress = EARTH_IF,
	  .in = { .kind = FR_ARP, .dst = earth_host, .src = earth_mac, .op = 2, .sha = earth_mac,
		  .spa = EARTH_IP, .tha = earth_host, .tpa = PLANET_GW },
	  .verdict = TC_ACT_UNSPEC, .stat = PATH(TO_HOST) },
	{ "InARP request (opcode 8): to the host, untouched",
	  .ingress = EARTH_IF,
	  .in = { .kind = FR_ARP, .dst = bcast_mac, .src = earth_mac, .op = 8, .sha = earth_mac,
		  .spa = EARTH_IP, .tpa = PLANET_GW },
	  .verdict = TC_ACT_UNSPEC, .stat = PATH(TO_HOST) },
	{ "probe (sender 0.0.0.0) for its own address: to the host, untouched",
	  .ingress = EARTH_IF, .in = { ARP_REQ(earth_mac, 0, EARTH_IP) },
	  .verdict = TC_ACT_UNSPEC, .stat = PATH(TO_HOST) },
	{ "probe for an unused address: to the host, untouched",
	  .ingress = EARTH_IF, .in = { ARP_REQ(earth_mac, 0, PLANET_NONE) },
	  .verdict = TC_ACT_UNSPEC, .stat = PATH(TO_HOST) },
	{ "probe for its own address from a foreign MAC: SPOOF_MAC",
	  .ingress = EARTH_IF, .in = { ARP_REQ(rogue_mac, 0, EARTH_IP) },
	  .verdict = TC_ACT_SHOT, .stat = DROP(SPOOF_MAC) },
	{ "probe whose Ethernet source is not its sender MAC: SPOOF_MAC",
	  .ingress = EARTH_IF,
	  .in = { .kind = FR_ARP, .dst = bcast_mac, .src = earth_mac, .op = 1, .sha = rogue_mac,
		  .spa = 0, .tpa = PLANET_NONE },
	  .verdict = TC_ACT_SHOT, .stat = DROP(SPOOF_MAC) },
	{ "sender IP of another node (neptune): SPOOF_IP",
	  .ingress = EARTH_IF, .in = { ARP_REQ(earth_mac, NEPTUNE_IP, PLANET_GW) },
	  .verdict = TC_ACT_SHOT, .stat = DROP(SPOOF_IP) },
	{ "unknown sender IP: SPOOF_IP",
	  .ingress = EARTH_IF, .in = { ARP_REQ(earth_mac, STRANGER_IP, PLANET_GW) },
	  .verdict = TC_ACT_SHOT, .stat = DROP(SPOOF_IP) },
	{ "earth's IP and MAC from neptune's veth: SPOOF_IP",
	  .ingress = NEPTUNE_IF, .in = { ARP_REQ(earth_mac, EARTH_IP, PLANET_GW) },
	  .verdict = TC_ACT_SHOT, .stat = DROP(SPOOF_IP) },
	{ "earth's IP from a foreign MAC (Ethernet and ARP agree): SPOOF_MAC",
	  .ingress = EARTH_IF, .in = { ARP_REQ(rogue_mac, EARTH_IP, PLANET_GW) },
	  .verdict = TC_ACT_SHOT, .stat = DROP(SPOOF_MAC) },
	{ "Ethernet source earth's, ARP sender MAC foreign: SPOOF_MAC",
	  .ingress = EARTH_IF,
	  .in = { .kind = FR_ARP, .dst = bcast_mac, .src = earth_mac, .op = 1, .sha = rogue_mac,
		  .spa = EARTH_IP, .tpa = PLANET_GW },
	  .verdict = TC_ACT_SHOT, .stat = DROP(SPOOF_MAC) },
	{ "hardware length 8: MALFORMED_ARP",
	  .ingress = EARTH_IF, .in = { ARP_REQ(earth_mac, EARTH_IP, PLANET_GW), .hlen = 8 },
	  .verdict = TC_ACT_SHOT, .stat = DROP(MALFORMED_ARP) },
	{ "protocol length 16: MALFORMED_ARP",
	  .ingress = EARTH_IF, .in = { ARP_REQ(earth_mac, EARTH_IP, PLANET_GW), .plen = 16 },
	  .verdict = TC_ACT_SHOT, .stat = DROP(MALFORMED_ARP) },
	{ "hardware type 6 (IEEE 802): MALFORMED_ARP",
	  .ingress = EARTH_IF, .in = { ARP_REQ(earth_mac, EARTH_IP, PLANET_GW), .htype = 6 },
	  .verdict = TC_ACT_SHOT, .stat = DROP(MALFORMED_ARP) },
	{ "protocol type IPv6: MALFORMED_ARP",
	  .ingress = EARTH_IF, .in = { ARP_REQ(earth_mac, EARTH_IP, PLANET_GW), .ptype = 0x86dd },
	  .verdict = TC_ACT_SHOT, .stat = DROP(MALFORMED_ARP) },
	{ "truncated after 20 of 28 ARP bytes: MALFORMED_ARP",
	  .ingress = EARTH_IF, .in = { ARP_REQ(earth_mac, EARTH_IP, PLANET_GW), .trunc = 14 + 20 },
	  .verdict = TC_ACT_SHOT, .stat = DROP(MALFORMED_ARP) },
	{ "ARP EtherType, nothing after the Ethernet header: MALFORMED_ARP",
	  .ingress = EARTH_IF, .in = { ARP_REQ(earth_mac, EARTH_IP, PLANET_GW), .trunc = 14 },
	  .verdict = TC_ACT_SHOT, .stat = DROP(MALFORMED_ARP) },
};
/* clang-format on */

/* --------------------------------------------------------------- IPv4 */

/* clang-format off */
static const struct node_case ipv4_cases[] = {
	/* node to node */
	{ "earth to neptune (same network): MACs rewritten, redirect_peer",
	  .ingress = EARTH_IF, .in = { SENT(earth, EARTH_IP, NEPTUNE_IP) },
	  .verdict = TC_ACT_REDIRECT,
	  .out = { RECEIVED(neptune, EARTH_IP, NEPTUNE_IP) },
	  .redirect = NEPTUNE_IF, .flags = PEER, .stat = PATH(NODE_TO_NODE) },
	{ "same network is a layer-2 hop: TTL 1 delivered as is",
	  .ingress = EARTH_IF, .in = { SENT(earth, EARTH_IP, NEPTUNE_IP), .ttl = 1 },
	  .verdict = TC_ACT_REDIRECT,
	  .out = { RECEIVED(neptune, EARTH_IP, NEPTUNE_IP), .ttl = 1 },
	  .redirect = NEPTUNE_IF, .flags = PEER, .stat = PATH(NODE_TO_NODE) },
	{ "IP options (IHL 6, Router Alert) delivered intact",
	  .ingress = EARTH_IF, .in = { SENT(earth, EARTH_IP, NEPTUNE_IP), .ihl = 6 },
	  .verdict = TC_ACT_REDIRECT,
	  .out = { RECEIVED(neptune, EARTH_IP, NEPTUNE_IP), .ihl = 6 },
	  .redirect = NEPTUNE_IF, .flags = PEER, .stat = PATH(NODE_TO_NODE) },
	{ "IP options up to IHL 15 delivered intact",
	  .ingress = NEPTUNE_IF, .in = { SENT(neptune, NEPTUNE_IP, EARTH_IP), .ihl = 15 },
	  .verdict = TC_ACT_REDIRECT,
	  .out = { RECEIVED(earth, NEPTUNE_IP, EARTH_IP), .ihl = 15 },
	  .redirect = EARTH_IF, .flags = PEER, .stat = PATH(NODE_TO_NODE) },
	{ "Ethernet padding after the datagram delivered as is",
	  .ingress = EARTH_IF,
	  .in = { SENT(earth, EARTH_IP, NEPTUNE_IP), .payload_len = 4, .pad_to = 60 },
	  .verdict = TC_ACT_REDIRECT,
	  .out = { RECEIVED(neptune, EARTH_IP, NEPTUNE_IP), .payload_len = 4, .pad_to = 60 },
	  .redirect = NEPTUNE_IF, .flags = PEER, .stat = PATH(NODE_TO_NODE) },
	{ "earth to mars (planet reaches moon): TTL 64 -> 63, checksum updated",
	  .ingress = EARTH_IF, .in = { SENT(earth, EARTH_IP, MARS_IP) },
	  .verdict = TC_ACT_REDIRECT,
	  .out = { RECEIVED(mars, EARTH_IP, MARS_IP), .ttl = 63 },
	  .redirect = MARS_IF, .flags = PEER, .stat = PATH(NODE_TO_NODE) },
	{ "mars to earth, TTL 2 -> 1",
	  .ingress = MARS_IF, .in = { SENT(mars, MARS_IP, EARTH_IP), .ttl = 2 },
	  .verdict = TC_ACT_REDIRECT,
	  .out = { RECEIVED(earth, MARS_IP, EARTH_IP), .ttl = 1 },
	  .redirect = EARTH_IF, .flags = PEER, .stat = PATH(NODE_TO_NODE) },
	{ "across networks with IP options (IHL 6): TTL and checksum",
	  .ingress = EARTH_IF,
	  .in = { SENT(earth, EARTH_IP, MARS_IP), .ihl = 6, .ttl = 200, .proto = 6 },
	  .verdict = TC_ACT_REDIRECT,
	  .out = { RECEIVED(mars, EARTH_IP, MARS_IP), .ihl = 6, .ttl = 199, .proto = 6 },
	  .redirect = MARS_IF, .flags = PEER, .stat = PATH(NODE_TO_NODE) },
	{ "lab planet_apart: earth to mars still allowed",
	  .lab = &lab_planet_apart,
	  .ingress = EARTH_IF, .in = { SENT(earth, EARTH_IP, MARS_IP) },
	  .verdict = TC_ACT_REDIRECT,
	  .out = { RECEIVED(mars, EARTH_IP, MARS_IP), .ttl = 63 },
	  .redirect = MARS_IF, .flags = PEER, .stat = PATH(NODE_TO_NODE) },
	{ "earth to mars with TTL 1: TTL",
	  .ingress = EARTH_IF, .in = { SENT(earth, EARTH_IP, MARS_IP), .ttl = 1 },
	  .verdict = TC_ACT_SHOT, .stat = DROP(TTL) },
	{ "earth to mars with TTL 0: TTL",
	  .ingress = EARTH_IF, .in = { SENT(earth, EARTH_IP, MARS_IP), .ttl = TTL_ZERO },
	  .verdict = TC_ACT_SHOT, .stat = DROP(TTL) },
	{ "earth to pluto (exile not reachable): ISOLATED",
	  .ingress = EARTH_IF, .in = { SENT(earth, EARTH_IP, PLUTO_IP) },
	  .verdict = TC_ACT_SHOT, .stat = DROP(ISOLATED) },
	{ "pluto to earth: ISOLATED",
	  .ingress = PLUTO_IF, .in = { SENT(pluto, PLUTO_IP, EARTH_IP) },
	  .verdict = TC_ACT_SHOT, .stat = DROP(ISOLATED) },
	{ "lab planet_apart (planet does not reach itself): earth to neptune ISOLATED",
	  .lab = &lab_planet_apart,
	  .ingress = EARTH_IF, .in = { SENT(earth, EARTH_IP, NEPTUNE_IP) },
	  .verdict = TC_ACT_SHOT, .stat = DROP(ISOLATED) },

	/* to the host */
	{ "to the gateway: to the host, untouched",
	  .ingress = EARTH_IF, .in = { SENT(earth, EARTH_IP, PLANET_GW) },
	  .verdict = TC_ACT_UNSPEC, .stat = PATH(TO_HOST) },
	{ "to another network's gateway: to the host, untouched",
	  .ingress = EARTH_IF, .in = { SENT(earth, EARTH_IP, MOON_GW) },
	  .verdict = TC_ACT_UNSPEC, .stat = PATH(TO_HOST) },
	{ "to the outside world, planet does not masquerade here: NO_MASQUERADE",
	  .ingress = EARTH_IF, .in = { SENT(earth, EARTH_IP, OUTSIDE_IP), .ttl = 1 },
	  .verdict = TC_ACT_SHOT, .stat = DROP(NO_MASQUERADE) },
	{ "subnet broadcast: to the host, untouched",
	  .ingress = EARTH_IF, .in = { UDP4(bcast_mac, earth_mac, EARTH_IP, PLANET_BCAST) },
	  .verdict = TC_ACT_UNSPEC, .stat = PATH(TO_HOST) },
	{ "limited broadcast: to the host, untouched",
	  .ingress = EARTH_IF, .in = { UDP4(bcast_mac, earth_mac, EARTH_IP, LIMITED_BCAST) },
	  .verdict = TC_ACT_UNSPEC, .stat = PATH(TO_HOST) },
	{ "multicast (mDNS): MARTIAN (a forwarding host would route it out)",
	  .ingress = EARTH_IF, .in = { UDP4(mcast_mac, earth_mac, EARTH_IP, MDNS_IP) },
	  .verdict = TC_ACT_SHOT, .stat = DROP(MARTIAN) },
	{ "240.0.0.1: MARTIAN",
	  .ingress = EARTH_IF, .in = { SENT(earth, EARTH_IP, IP4(240, 0, 0, 1)) },
	  .verdict = TC_ACT_SHOT, .stat = DROP(MARTIAN) },
	{ "0.0.0.1: MARTIAN",
	  .ingress = EARTH_IF, .in = { SENT(earth, EARTH_IP, IP4(0, 0, 0, 1)) },
	  .verdict = TC_ACT_SHOT, .stat = DROP(MARTIAN) },
	{ "moon's broadcast (another network's): MARTIAN",
	  .ingress = EARTH_IF, .in = { SENT(earth, EARTH_IP, IP4(10, 201, 0, 255)) },
	  .verdict = TC_ACT_SHOT, .stat = DROP(MARTIAN) },

	/* lab addresses without a node */
	{ "unused planet address: NO_ENDPOINT",
	  .ingress = EARTH_IF, .in = { SENT(earth, EARTH_IP, PLANET_NONE) },
	  .verdict = TC_ACT_SHOT, .stat = DROP(NO_ENDPOINT) },
	{ "unused moon address: NO_ENDPOINT",
	  .ingress = EARTH_IF, .in = { SENT(earth, EARTH_IP, MOON_NONE) },
	  .verdict = TC_ACT_SHOT, .stat = DROP(NO_ENDPOINT) },
	{ "planet's network address: NO_ENDPOINT",
	  .ingress = EARTH_IF, .in = { SENT(earth, EARTH_IP, IP4(10, 200, 0, 0)) },
	  .verdict = TC_ACT_SHOT, .stat = DROP(NO_ENDPOINT) },

	/* anti-spoofing */
	{ "foreign source MAC: SPOOF_MAC",
	  .ingress = EARTH_IF, .in = { UDP4(earth_host, rogue_mac, EARTH_IP, NEPTUNE_IP) },
	  .verdict = TC_ACT_SHOT, .stat = DROP(SPOOF_MAC) },
	{ "neptune's MAC from earth's veth with earth's IP: SPOOF_MAC",
	  .ingress = EARTH_IF, .in = { UDP4(earth_host, neptune_mac, EARTH_IP, PLANET_GW) },
	  .verdict = TC_ACT_SHOT, .stat = DROP(SPOOF_MAC) },
	{ "another node's source IP (neptune's): SPOOF_IP",
	  .ingress = EARTH_IF, .in = { SENT(earth, NEPTUNE_IP, MARS_IP) },
	  .verdict = TC_ACT_SHOT, .stat = DROP(SPOOF_IP) },
	{ "neptune's IP and MAC from earth's veth: SPOOF_IP",
	  .ingress = EARTH_IF, .in = { UDP4(earth_host, neptune_mac, NEPTUNE_IP, MARS_IP) },
	  .verdict = TC_ACT_SHOT, .stat = DROP(SPOOF_IP) },
	{ "unknown source IP: SPOOF_IP",
	  .ingress = EARTH_IF, .in = { SENT(earth, STRANGER_IP, OUTSIDE_IP) },
	  .verdict = TC_ACT_SHOT, .stat = DROP(SPOOF_IP) },
	{ "source 0.0.0.0: SPOOF_IP",
	  .ingress = EARTH_IF, .in = { UDP4(bcast_mac, earth_mac, 0, LIMITED_BCAST) },
	  .verdict = TC_ACT_SHOT, .stat = DROP(SPOOF_IP) },
	{ "earth's IP and MAC from neptune's veth: SPOOF_IP",
	  .ingress = NEPTUNE_IF, .in = { SENT(earth, EARTH_IP, MARS_IP) },
	  .verdict = TC_ACT_SHOT, .stat = DROP(SPOOF_IP) },

	/* truncated and malformed */
	/*
	 * BPF_PROG_TEST_RUN refuses frames under ETH_HLEN, so a truncated IPv4
	 * header stands in for a short Ethernet frame. Since a 2026 stable fix
	 * (in 6.18.y) it also refuses ETH_P_IP frames with less than 20 bytes
	 * of IP header; where it still runs them, the program must say SHORT.
	 */
	{ "IPv4 header cut after 10 bytes: SHORT (stands in for Ethernet < 14 bytes)",
	  .ingress = EARTH_IF, .in = { SENT(earth, EARTH_IP, NEPTUNE_IP), .trunc = 14 + 10 },
	  .may_refuse = true, .verdict = TC_ACT_SHOT, .stat = DROP(SHORT) },
	{ "IPv4 EtherType, nothing after the Ethernet header: SHORT",
	  .ingress = EARTH_IF, .in = { SENT(earth, EARTH_IP, NEPTUNE_IP), .trunc = 14 },
	  .may_refuse = true, .verdict = TC_ACT_SHOT, .stat = DROP(SHORT) },
	{ "IHL 4: MALFORMED_IP",
	  .ingress = EARTH_IF, .in = { SENT(earth, EARTH_IP, NEPTUNE_IP), .ihl = 4 },
	  .verdict = TC_ACT_SHOT, .stat = DROP(MALFORMED_IP) },
	{ "version 6 under the IPv4 EtherType: MALFORMED_IP",
	  .ingress = EARTH_IF, .in = { SENT(earth, EARTH_IP, NEPTUNE_IP), .version = 6 },
	  .verdict = TC_ACT_SHOT, .stat = DROP(MALFORMED_IP) },
	{ "total length beyond the frame: MALFORMED_IP",
	  .ingress = EARTH_IF, .in = { SENT(earth, EARTH_IP, NEPTUNE_IP), .tot_len = 37 },
	  .verdict = TC_ACT_SHOT, .stat = DROP(MALFORMED_IP) },
	{ "total length below the header length: MALFORMED_IP",
	  .ingress = EARTH_IF, .in = { SENT(earth, EARTH_IP, NEPTUNE_IP), .tot_len = 19 },
	  .verdict = TC_ACT_SHOT, .stat = DROP(MALFORMED_IP) },
	{ "IHL 15 (60-byte header) in a 40-byte packet: MALFORMED_IP",
	  .ingress = EARTH_IF,
	  .in = { SENT(earth, EARTH_IP, NEPTUNE_IP), .ihl = 15, .tot_len = 40,
		  .trunc = 14 + 40 },
	  .verdict = TC_ACT_SHOT, .stat = DROP(MALFORMED_IP) },
};
/* clang-format on */

/* ----------------------------------------------------- other EtherTypes */

static const uint8_t ip6_unspec[16];
static const uint8_t ip6_global[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x0b };
static const uint8_t ip6_ll_rogue[16] = {
	0xfe, 0x80, [8] = 0x02, [11] = 0xff, [12] = 0xfe, [15] = 0x66
};
/* earth's EUI-64 interface id, but in fe80:0:0:1::/64: not its link-local address */
static const uint8_t ip6_ll_other_net[16] = {
	0xfe, 0x80, [7] = 0x01, [9] = 0x4e, [11] = 0xff, [12] = 0xfe, [15] = 0x0b
};
/* earth's MAC (02:4e:00:00:00:0b) made into an interface id wrongly: each byte of it counts */
static const uint8_t ip6_ll_no_ul_flip[16] = {
	0xfe, 0x80, [8] = 0x02, [9] = 0x4e, [11] = 0xff, [12] = 0xfe, [15] = 0x0b
};
static const uint8_t ip6_ll_fffe_swapped[16] = {
	0xfe, 0x80, [9] = 0x4e, [11] = 0xfe, [12] = 0xff, [15] = 0x0b
};
static const uint8_t ip6_ll_last_byte[16] = {
	0xfe, 0x80, [9] = 0x4e, [11] = 0xff, [12] = 0xfe, [15] = 0x0c
};
static const uint8_t ip6_ll_earth[16] = {
	0xfe, 0x80, [9] = 0x4e, [11] = 0xff, [12] = 0xfe, [15] = 0x0b
};

/* clang-format off */
static const struct node_case l2_cases[] = {
	{ "IPv6 from earth's link-local address: to the host, untouched (IPV6_PASS)",
	  .ingress = EARTH_IF, .in = { .kind = FR_IPV6, .dst = earth_host, .src = earth_mac },
	  .verdict = TC_ACT_UNSPEC, .stat = PATH(IPV6_PASS) },
	{ "a neighbour solicitation from earth: to the host, untouched",
	  .ingress = EARTH_IF, .in = { .kind = FR_IPV6, .dst = earth_host, .src = earth_mac,
				       .proto = 58, .icmp_type = 135 },
	  .verdict = TC_ACT_UNSPEC, .stat = PATH(IPV6_PASS) },
	{ "a DAD probe from :: : to the host, untouched",
	  .ingress = EARTH_IF, .in = { .kind = FR_IPV6, .dst = earth_host, .src = earth_mac,
				       .saddr6 = ip6_unspec, .proto = 58, .icmp_type = 135 },
	  .verdict = TC_ACT_UNSPEC, .stat = PATH(IPV6_PASS) },
	{ "a router advertisement from earth (it would be the host's router): IPV6",
	  .ingress = EARTH_IF, .in = { .kind = FR_IPV6, .dst = earth_host, .src = earth_mac,
				       .proto = 58, .icmp_type = 134 },
	  .verdict = TC_ACT_SHOT, .stat = DROP(IPV6) },
	{ "the same behind two destination options headers: IPV6",
	  .ingress = EARTH_IF, .in = { .kind = FR_IPV6, .dst = earth_host, .src = earth_mac,
				       .proto = 58, .icmp_type = 134, .ip6_ext = 2 },
	  .verdict = TC_ACT_SHOT, .stat = DROP(IPV6) },
	{ "an NS behind a 16-byte destination options header: to the host",
	  .ingress = EARTH_IF, .in = { .kind = FR_IPV6, .dst = earth_host, .src = earth_mac,
				       .proto = 58, .icmp_type = 135, .ip6_ext = 1,
				       .ip6_ext_len = 1 },
	  .verdict = TC_ACT_UNSPEC, .stat = PATH(IPV6_PASS) },
	{ "an RA behind a 16-byte destination options header: IPV6",
	  .ingress = EARTH_IF, .in = { .kind = FR_IPV6, .dst = earth_host, .src = earth_mac,
				       .proto = 58, .icmp_type = 134, .ip6_ext = 1,
				       .ip6_ext_len = 1 },
	  .verdict = TC_ACT_SHOT, .stat = DROP(IPV6) },
	{ "an RA behind a 16-byte destination options header and a fragment header: IPV6",
	  .ingress = EARTH_IF, .in = { .kind = FR_IPV6, .dst = earth_host, .src = earth_mac,
				       .proto = 58, .icmp_type = 134, .ip6_ext = 1,
				       .ip6_ext_len = 1, .ip6_frag = true },
	  .verdict = TC_ACT_SHOT, .stat = DROP(IPV6) },
	{ "a redirect from earth: IPV6",
	  .ingress = EARTH_IF, .in = { .kind = FR_IPV6, .dst = earth_host, .src = earth_mac,
				       .proto = 58, .icmp_type = 137 },
	  .verdict = TC_ACT_SHOT, .stat = DROP(IPV6) },
	{ "router renumbering from earth: IPV6",
	  .ingress = EARTH_IF, .in = { .kind = FR_IPV6, .dst = earth_host, .src = earth_mac,
				       .proto = 58, .icmp_type = 138 },
	  .verdict = TC_ACT_SHOT, .stat = DROP(IPV6) },
	{ "IPv6 from a global address: IPV6",
	  .ingress = EARTH_IF, .in = { .kind = FR_IPV6, .dst = earth_host, .src = earth_mac,
				       .saddr6 = ip6_global },
	  .verdict = TC_ACT_SHOT, .stat = DROP(IPV6) },
	{ "IPv6 from earth's interface id in another link-local /64: IPV6",
	  .ingress = EARTH_IF, .in = { .kind = FR_IPV6, .dst = earth_host, .src = earth_mac,
				       .saddr6 = ip6_ll_other_net },
	  .verdict = TC_ACT_SHOT, .stat = DROP(IPV6) },
	{ "IPv6 from fe80::4e:ff:fe00:b, earth's link-local spelled out: to the host",
	  .ingress = EARTH_IF, .in = { .kind = FR_IPV6, .dst = earth_host, .src = earth_mac,
				       .saddr6 = ip6_ll_earth },
	  .verdict = TC_ACT_UNSPEC, .stat = PATH(IPV6_PASS) },
	{ "IPv6 from earth's id without the universal/local bit flipped: IPV6",
	  .ingress = EARTH_IF, .in = { .kind = FR_IPV6, .dst = earth_host, .src = earth_mac,
				       .saddr6 = ip6_ll_no_ul_flip },
	  .verdict = TC_ACT_SHOT, .stat = DROP(IPV6) },
	{ "IPv6 from earth's id with fe:ff for ff:fe: IPV6",
	  .ingress = EARTH_IF, .in = { .kind = FR_IPV6, .dst = earth_host, .src = earth_mac,
				       .saddr6 = ip6_ll_fffe_swapped },
	  .verdict = TC_ACT_SHOT, .stat = DROP(IPV6) },
	{ "IPv6 from earth's id with another last byte: IPV6",
	  .ingress = EARTH_IF, .in = { .kind = FR_IPV6, .dst = earth_host, .src = earth_mac,
				       .saddr6 = ip6_ll_last_byte },
	  .verdict = TC_ACT_SHOT, .stat = DROP(IPV6) },
	{ "IPv6 from another MAC's link-local address (not the frame's): IPV6",
	  .ingress = EARTH_IF, .in = { .kind = FR_IPV6, .dst = earth_host, .src = earth_mac,
				       .saddr6 = ip6_ll_rogue },
	  .verdict = TC_ACT_SHOT, .stat = DROP(IPV6) },
	{ "802.1Q tagged IPv4: ETHERTYPE",
	  .ingress = EARTH_IF,
	  .in = { SENT(earth, EARTH_IP, NEPTUNE_IP), .vlan_proto = 0x8100, .vlan_id = 10 },
	  .verdict = TC_ACT_SHOT, .stat = DROP(ETHERTYPE) },
	{ "802.1ad tagged IPv4: ETHERTYPE",
	  .ingress = EARTH_IF,
	  .in = { SENT(earth, EARTH_IP, NEPTUNE_IP), .vlan_proto = 0x88a8, .vlan_id = 10 },
	  .verdict = TC_ACT_SHOT, .stat = DROP(ETHERTYPE) },
	{ "LLDP (0x88cc): ETHERTYPE",
	  .ingress = EARTH_IF,
	  .in = { .kind = FR_RAW, .dst = lldp_mac, .src = earth_mac, .type = 0x88cc },
	  .verdict = TC_ACT_SHOT, .stat = DROP(ETHERTYPE) },
	{ "Ethernet header only, unknown EtherType: ETHERTYPE",
	  .ingress = EARTH_IF,
	  .in = { .kind = FR_RAW, .dst = earth_host, .src = earth_mac, .type = 0x1234,
		  .trunc = 14 },
	  .verdict = TC_ACT_SHOT, .stat = DROP(ETHERTYPE) },
	{ "Ethernet frame of 10 bytes: BPF_PROG_TEST_RUN refuses it (EINVAL) before the program",
	  .ingress = EARTH_IF, .in = { SENT(earth, EARTH_IP, NEPTUNE_IP), .trunc = 10 },
	  .err = -EINVAL },
};
/* clang-format on */

/* ------------------------------------------------------------ to_node */

/* clang-format off */
static const struct node_case to_node_cases[] = {
	{ "host to earth, IPv4: host_to_node, untouched",
	  .in = { RECEIVED(earth, PLANET_GW, EARTH_IP) },
	  .verdict = TC_ACT_UNSPEC, .stat = PATH(HOST_TO_NODE) },
	{ "host forwards from the uplink to earth: host_to_node, untouched",
	  .ingress = 7, .in = { RECEIVED(earth, OUTSIDE_IP, EARTH_IP), .ttl = 63 },
	  .verdict = TC_ACT_UNSPEC, .stat = PATH(HOST_TO_NODE) },
	{ "host's ARP request to earth: host_to_node, untouched",
	  .in = { ARP_REQ(earth_host, PLANET_GW, EARTH_IP) },
	  .verdict = TC_ACT_UNSPEC, .stat = PATH(HOST_TO_NODE) },
	{ "IPv6 to earth: host_to_node, untouched",
	  .in = { .kind = FR_IPV6, .dst = earth_mac, .src = earth_host },
	  .verdict = TC_ACT_UNSPEC, .stat = PATH(HOST_TO_NODE) },
	{ "802.1Q tagged: host_to_node, untouched (the host's business)",
	  .in = { RECEIVED(earth, PLANET_GW, EARTH_IP), .vlan_proto = 0x8100, .vlan_id = 5 },
	  .verdict = TC_ACT_UNSPEC, .stat = PATH(HOST_TO_NODE) },
	{ "ARP reply from_node bounced out of its own ingress: passed, not counted again",
	  .ingress = LO_IF, .in = { ARP_ANSWER(earth, EARTH_IP, PLANET_GW) },
	  .verdict = TC_ACT_UNSPEC, .stat = NOT_COUNTED },
};
/* clang-format on */

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static bool check_stats(const struct node_case *c, const struct nsb_counter *before,
			const struct nsb_counter *after, size_t len)
{
	unsigned long long pkts = 0;
	bool ok = true;

	for (int i = 0; i < NSB_STAT_MAX; i++)
		pkts += after[i].packets - before[i].packets;
	if (c->stat == NOT_COUNTED)
		return ASSERT_EQ(pkts, 0, "no stats slot counted it");
	ok &= ASSERT_EQ(pkts, 1, "counted exactly once");
	if (!ASSERT_TRUE(c->stat < NSB_STAT_MAX, "expected slot in range"))
		return false;
	if (!ASSERT_EQ(after[c->stat].packets - before[c->stat].packets, 1,
		       st_slot_name(c->stat))) {
		for (int i = 0; i < NSB_STAT_MAX; i++)
			if (after[i].packets != before[i].packets)
				cr_log_error("%s: counted under %s instead", st_case,
					     st_slot_name(i));
		return false;
	}
	ok &= ASSERT_EQ(after[c->stat].bytes - before[c->stat].bytes, len, "bytes counted");
	return ok;
}

static bool check_trace(const struct node_case *c, const struct nsb_trace *t)
{
	bool dropped = c->stat >= NSB_STAT_DROP_BASE && c->stat != NOT_COUNTED;
	bool ok = true;

	if (c->stat == NOT_COUNTED) {
		ok &= ASSERT_EQ(t->path, 0, "trace: no path");
		return ok & ASSERT_EQ(t->drop, NSB_DROP_NONE, "trace: no drop");
	}
	ok &= ASSERT_EQ(t->path, dropped ? 0 : c->stat + 1, "trace: path");
	ok &= ASSERT_EQ(t->drop, dropped ? c->stat - NSB_STAT_DROP_BASE : NSB_DROP_NONE,
			"trace: drop reason");
	ok &= ASSERT_EQ(t->redirect_ifindex, c->redirect, "trace: redirect ifindex");
	ok &= ASSERT_EQ(t->redirect_flags, c->flags, "trace: redirect flags");
	return ok;
}

static bool check_output(const struct node_case *c, const struct pkt *in, const struct st_result *r)
{
	const struct frame *f = c->out.kind == FR_NONE ? &c->in : &c->out;
	size_t l3 = 14 + (f->vlan_proto ? 4 : 0);
	struct pkt want;

	if (c->out.kind == FR_NONE)
		want = *in;
	else if (!ASSERT_TRUE(frame_build(&c->out, &want), "build the expected frame"))
		return false;
	if (!st_assert_bytes(r->out, r->out_len, want.buf, want.len, "output bytes"))
		return false;
	/* the bytes match a header built from scratch; check its sum from scratch too */
	if (f->kind == FR_IPV4 && r->out_len >= l3 + 20 && (r->out[l3] & 0x0f) >= 5)
		return ASSERT_TRUE(ipv4_csum_ok(r->out + l3), "output IPv4 header checksum");
	return true;
}

enum hook { FROM_NODE, TO_NODE };

static void run_table(const char *table, enum hook hook, const struct node_case *cases, int n)
{
	struct nsb_counter before[NSB_STAT_MAX], after[NSB_STAT_MAX];
	static const struct node_case refused = { .stat = NOT_COUNTED };
	struct st_env env;
	int passed = 0;

	st_setup(&env, true);
	for (int i = 0; i < n; i++) {
		const struct node_case *c = &cases[i];
		const struct test_lab *lab = c->lab ? c->lab : &lab_planets;
		int fd = hook == FROM_NODE ? env.from_node_fd : env.to_node_fd;
		struct st_result r;
		struct pkt in;
		bool ok = true;

		st_case = c->name;
		if (!ASSERT_EQ(test_lab_install(lab, env.endpoints_fd, env.networks_fd), 0,
			       "install the lab"))
			continue;
		st_addr_filter(&env);
		if (!ASSERT_TRUE(frame_build(&c->in, &in), "build the input frame"))
			continue;
		st_stats(&env, before);
		st_run(&env, fd, &in, c->ingress, &r);
		if (c->may_refuse && r.err == -EINVAL) {
			cr_log_info("%s: refused by this kernel's BPF_PROG_TEST_RUN (EINVAL)",
				    c->name);
			st_stats(&env, after);
			passed += check_stats(&refused, before, after, in.len);
			continue;
		}
		if (!ASSERT_EQ(r.err, c->err, "BPF_PROG_TEST_RUN"))
			continue;
		st_stats(&env, after);
		if (c->err) {
			passed += check_stats(&refused, before, after, in.len);
			continue;
		}
		ok &= ASSERT_EQ((int32_t)r.retval, c->verdict, "verdict");
		ok &= check_trace(c, &r.trace);
		ok &= check_stats(c, before, after, in.len);
		if (c->verdict != TC_ACT_SHOT)
			ok &= check_output(c, &in, &r);
		passed += ok;
	}
	cr_log_info("%s: %d cases, %d passed", table, n, passed);
	st_close(&env);
}

Test(from_node, arp)
{
	run_table("from_node ARP", FROM_NODE, arp_cases, N(arp_cases));
}

Test(from_node, ipv4)
{
	run_table("from_node IPv4", FROM_NODE, ipv4_cases, N(ipv4_cases));
}

Test(from_node, ethertypes)
{
	run_table("from_node other EtherTypes", FROM_NODE, l2_cases, N(l2_cases));
}

Test(to_node, host_to_node)
{
	run_table("to_node", TO_NODE, to_node_cases, N(to_node_cases));
}
