// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Hairpin over IPv6 under BPF_PROG_TEST_RUN (lib/hairpin6.h): a node to a
 * port forward of its own lab, at the uplink's address6, at a gateway6 or
 * at the forward's own IPv6 host address, lands on the backend from the
 * backend's gateway6, and the backend's reply goes back as the forward;
 * the backend may be the client itself. As fwd_test.c's hairpin table for
 * IPv4, in nat66_steps.h's steps: every output compared whole with a frame
 * built from scratch (addresses, ports, hop limit - 1) and its L4 checksum
 * recomputed from scratch over the IPv6 pseudo-header, the trace map's
 * redirect, the stats slot, both ct6 entries (the client's and its twin)
 * and the hairpin claim in nat_ports6. What is no hairpin goes to the host
 * untouched, or is dropped as before.
 *
 * lab_dual with planet and moon masquerading (nat66_steps.c): earth,
 * neptune (planet), mars (moon), pluto (exile, no masquerade), halley
 * (comet, IPv6 only).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "labs.h"
#include "nat66_steps.h"
#include "node.skel.h"
#include "lab/fwd6.h"

#pragma GCC diagnostic ignored "-Woverride-init"

/* ------------------------------------------------------------ addresses */

/* clang-format off */
static const uint8_t earth6[16] = IP6(0x200, 0x11), neptune6[16] = IP6(0x200, 0x12);
static const uint8_t mars6[16] = IP6(0x201, 0x21), pluto6[16] = IP6(0x202, 0x31);
static const uint8_t halley6[16] = IP6(0x203, 0x41), stranger6[16] = IP6(0x200, 0x99);
static const uint8_t planet_gw6[16] = IP6(0x200, 1), moon_gw6[16] = IP6(0x201, 1);
static const uint8_t comet_gw6[16] = IP6(0x203, 1);
static const uint8_t remote6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x80 };
/* clang-format on */

/* ------------------------------------------------------------ forwards */

/* clang-format off */
static const struct fwd6 fwds[] = {
	{ NULL, 6000, 6, earth6, 8080, EARTH_IF },	/* any: uplink6 and every gateway6 */
	{ host6, 6001, 6, mars6, 80, MARS_IF },		/* host6 only */
	{ NULL, 7000, 17, neptune6, 53, NEPTUNE_IF },
	{ NULL, 6200, 6, stranger6, 80, 0 },		/* to no node */
};
/* clang-format on */

#define HPF   NSB_CT_F_HAIRPIN
#define DNATF NSB_CT_F_DNAT

/* into node, as its host end sends: from s:sp to the node's ip6 at p, hop limit - 1 */
#define HP6(k, node, s, sp, p)                                                              \
	.kind = (k), .dst = node##_mac, .src = node##_host, .saddr = (s), .daddr = node##6, \
	.sport = (sp), .dport = (p), .hop = 63
#define HAIRPIN_TO(node)                                                              \
	.verdict = TC_ACT_REDIRECT, .redirect = node##_IF, .flags = NSB_TRACE_F_PEER, \
	.stat = PATH(HAIRPIN)
#define TO_HOST6 .verdict = TC_ACT_UNSPEC, .stat = PATH(TO_HOST)

/* the client's entry: c:cp -> a:p as gw:VAR -> backend:bp */
#define HP_CT(c, cp, a, p, pr, gw, var, be, bp)                                             \
	CT6(c, cp, a, p, pr), .flags = HPF, .nat6 = (gw), .nat_port = (var), .dnat6 = (be), \
			      .dnat_port = (bp)
/* its twin: backend:bp -> gw:VAR as a:p -> c:cp */
#define HP_TWIN(be, bp, gw, var, pr, a, p, c, cp)                                     \
	CT6(be, bp, gw, var, pr), .flags = HPF | DNATF, .nat6 = (a), .nat_port = (p), \
				  .any_port = true, .dnat6 = (c), .dnat_port = (cp)

/* -------------------------------------------------------------- TCP */

/* clang-format off */
static const struct step6 tcp_steps[] = {
	{ "mars SYN 40100 -> [uplink6]:6000: to earth:8080 from planet's gateway6 (var 0)",
	  FROM_NODE, MARS_IF, { OUT6(F6_TCP, mars, 40100, uplink6, 6000), .flags = SYN },
	  HAIRPIN_TO(earth), .out = { HP6(F6_TCP, earth, planet_gw6, VAR(0), 8080), .flags = SYN },
	  .ct = { HP_CT(mars6, 40100, uplink6, 6000, 6, planet_gw6, VAR(0), earth6, 8080),
		  .state = NSB_CT_NEW, .pkts_orig = 1 },
	  .ct2 = { HP_TWIN(earth6, 8080, planet_gw6, VAR(0), 6, uplink6, 6000, mars6, 40100),
		   .state = NSB_CT_NEW, .pkts_reply = 1 } },
	{ "earth's SYN-ACK to the gateway6's port: into mars from [uplink6]:6000, ESTABLISHED",
	  FROM_NODE, EARTH_IF, { OUT6(F6_TCP, earth, 8080, planet_gw6, VAR(0)), .flags = SYNACK },
	  HAIRPIN_TO(mars), .out = { HP6(F6_TCP, mars, uplink6, 6000, 40100), .flags = SYNACK },
	  .ct = { HP_CT(mars6, 40100, uplink6, 6000, 6, planet_gw6, VAR(0), earth6, 8080),
		  .state = NSB_CT_ESTABLISHED, .pkts_orig = 1, .pkts_reply = 1 },
	  .ct2 = { HP_TWIN(earth6, 8080, planet_gw6, VAR(0), 6, uplink6, 6000, mars6, 40100),
		   .state = NSB_CT_ESTABLISHED, .pkts_orig = 1, .pkts_reply = 1 } },
	{ "mars's ACK with 100 bytes: to earth",
	  FROM_NODE, MARS_IF, { OUT6(F6_TCP, mars, 40100, uplink6, 6000), .flags = ACK,
				.payload_len = 100 },
	  HAIRPIN_TO(earth), .out = { HP6(F6_TCP, earth, planet_gw6, VAR(0), 8080), .flags = ACK,
				      .payload_len = 100 } },
	{ "earth's answer with 1000 bytes: to mars",
	  FROM_NODE, EARTH_IF, { OUT6(F6_TCP, earth, 8080, planet_gw6, VAR(0)), .flags = ACK,
				 .payload_len = 1000 },
	  HAIRPIN_TO(mars), .out = { HP6(F6_TCP, mars, uplink6, 6000, 40100), .flags = ACK,
				     .payload_len = 1000 } },
	{ "earth's FIN: both entries CLOSING",
	  FROM_NODE, EARTH_IF, { OUT6(F6_TCP, earth, 8080, planet_gw6, VAR(0)), .flags = FINACK },
	  HAIRPIN_TO(mars), .out = { HP6(F6_TCP, mars, uplink6, 6000, 40100), .flags = FINACK },
	  .ct = { HP_CT(mars6, 40100, uplink6, 6000, 6, planet_gw6, VAR(0), earth6, 8080),
		  .state = NSB_CT_CLOSING, .flags = HPF | NSB_CT_F_FIN_REPLY, .pkts_orig = 2,
		  .pkts_reply = 3 },
	  .ct2 = { HP_TWIN(earth6, 8080, planet_gw6, VAR(0), 6, uplink6, 6000, mars6, 40100),
		   .state = NSB_CT_CLOSING, .flags = HPF | DNATF | NSB_CT_F_FIN_ORIG,
		   .pkts_orig = 3, .pkts_reply = 2 } },
	{ "mars's RST: to earth, CLOSED",
	  FROM_NODE, MARS_IF, { OUT6(F6_TCP, mars, 40100, uplink6, 6000), .flags = RST | ACK },
	  HAIRPIN_TO(earth),
	  .out = { HP6(F6_TCP, earth, planet_gw6, VAR(0), 8080), .flags = RST | ACK },
	  .ct = { HP_CT(mars6, 40100, uplink6, 6000, 6, planet_gw6, VAR(0), earth6, 8080),
		  .state = NSB_CT_CLOSED, .flags = HPF | NSB_CT_F_FIN_REPLY | NSB_CT_F_RST,
		  .pkts_orig = 3, .pkts_reply = 3 } },
	{ "earth SYN 40200 -> its own [gateway6]:6000: to itself, earth:8080 (var 1)",
	  FROM_NODE, EARTH_IF, { OUT6(F6_TCP, earth, 40200, planet_gw6, 6000), .flags = SYN },
	  HAIRPIN_TO(earth), .out = { HP6(F6_TCP, earth, planet_gw6, VAR(1), 8080), .flags = SYN },
	  .ct = { HP_CT(earth6, 40200, planet_gw6, 6000, 6, planet_gw6, VAR(1), earth6, 8080),
		  .state = NSB_CT_NEW, .pkts_orig = 1 },
	  .ct2 = { HP_TWIN(earth6, 8080, planet_gw6, VAR(1), 6, planet_gw6, 6000, earth6, 40200),
		   .state = NSB_CT_NEW, .pkts_reply = 1 } },
	{ "its SYN-ACK: back into earth, from its [gateway6]:6000",
	  FROM_NODE, EARTH_IF, { OUT6(F6_TCP, earth, 8080, planet_gw6, VAR(1)), .flags = SYNACK },
	  HAIRPIN_TO(earth), .out = { HP6(F6_TCP, earth, planet_gw6, 6000, 40200),
				      .flags = SYNACK },
	  .ct2 = { HP_TWIN(earth6, 8080, planet_gw6, VAR(1), 6, planet_gw6, 6000, earth6, 40200),
		   .state = NSB_CT_ESTABLISHED, .pkts_orig = 1, .pkts_reply = 1 } },
	{ "earth's ACK: to itself again",
	  FROM_NODE, EARTH_IF, { OUT6(F6_TCP, earth, 40200, planet_gw6, 6000), .flags = ACK },
	  HAIRPIN_TO(earth), .out = { HP6(F6_TCP, earth, planet_gw6, VAR(1), 8080), .flags = ACK } },
	{ "pluto (exile) SYN -> moon's [gateway6]:6000: to earth (forwards are public, var 2)",
	  FROM_NODE, PLUTO_IF, { OUT6(F6_TCP, pluto, 40300, moon_gw6, 6000), .flags = SYN },
	  HAIRPIN_TO(earth), .out = { HP6(F6_TCP, earth, planet_gw6, VAR(2), 8080), .flags = SYN },
	  .ct = { HP_CT(pluto6, 40300, moon_gw6, 6000, 6, planet_gw6, VAR(2), earth6, 8080),
		  .state = NSB_CT_NEW, .pkts_orig = 1 },
	  .ct2 = { HP_TWIN(earth6, 8080, planet_gw6, VAR(2), 6, moon_gw6, 6000, pluto6, 40300),
		   .state = NSB_CT_NEW, .pkts_reply = 1 } },
	{ "halley (comet, IPv6 only) SYN -> its [gateway6]:6000: to earth (var 3)",
	  FROM_NODE, HALLEY_IF, { OUT6(F6_TCP, halley, 40301, comet_gw6, 6000), .flags = SYN },
	  HAIRPIN_TO(earth), .out = { HP6(F6_TCP, earth, planet_gw6, VAR(3), 8080), .flags = SYN },
	  .ct = { HP_CT(halley6, 40301, comet_gw6, 6000, 6, planet_gw6, VAR(3), earth6, 8080),
		  .state = NSB_CT_NEW, .pkts_orig = 1 } },
	{ "mars SYN -> [host6]:6001 (a forward on that host address): to mars:80 itself (var 4)",
	  FROM_NODE, MARS_IF, { OUT6(F6_TCP, mars, 40400, host6, 6001), .flags = SYN },
	  HAIRPIN_TO(mars), .out = { HP6(F6_TCP, mars, moon_gw6, VAR(4), 80), .flags = SYN },
	  .ct = { HP_CT(mars6, 40400, host6, 6001, 6, moon_gw6, VAR(4), mars6, 80),
		  .state = NSB_CT_NEW, .pkts_orig = 1 },
	  .ct2 = { HP_TWIN(mars6, 80, moon_gw6, VAR(4), 6, host6, 6001, mars6, 40400),
		   .state = NSB_CT_NEW, .pkts_reply = 1 } },
	{ "mars SYN -> [uplink6]:6001 (forwarded on host6 only): to the host, untouched",
	  FROM_NODE, MARS_IF, { OUT6(F6_TCP, mars, 40402, uplink6, 6001), .flags = SYN }, TO_HOST6,
	  .ct = { CT6(mars6, 40402, uplink6, 6001, 6), .absent = true } },
	{ "mars SYN -> its [gateway6]:6001 (forwarded on host6 only): to the host, untouched",
	  FROM_NODE, MARS_IF, { OUT6(F6_TCP, mars, 40402, moon_gw6, 6001), .flags = SYN }, TO_HOST6,
	  .ct = { CT6(mars6, 40402, moon_gw6, 6001, 6), .absent = true } },
	{ "mars SYN -> [uplink6]:22 (no forward): to the host, untouched",
	  FROM_NODE, MARS_IF, { OUT6(F6_TCP, mars, 40402, uplink6, 22), .flags = SYN }, TO_HOST6 },
	{ "mars SYN -> [uplink6]:61000 (the SNAT range, no flow): to the host, untouched",
	  FROM_NODE, MARS_IF, { OUT6(F6_TCP, mars, 40402, uplink6, 61000), .flags = SYN },
	  TO_HOST6 },
	{ "mars ACK -> [uplink6]:6000 without a flow: only a SYN opens one, to the host",
	  FROM_NODE, MARS_IF, { OUT6(F6_TCP, mars, 40403, uplink6, 6000), .flags = ACK }, TO_HOST6,
	  .ct = { CT6(mars6, 40403, uplink6, 6000, 6), .absent = true } },
	{ "mars UDP -> [uplink6]:6000 (TCP only there): to the host, untouched",
	  FROM_NODE, MARS_IF, { OUT6(F6_UDP, mars, 40403, uplink6, 6000) }, TO_HOST6 },
	{ "mars SYN -> [uplink6]:6200 (forwarded to no node): no_endpoint",
	  FROM_NODE, MARS_IF, { OUT6(F6_TCP, mars, 40404, uplink6, 6200), .flags = SYN },
	  SHOT(NO_ENDPOINT), .ct = { CT6(mars6, 40404, uplink6, 6200, 6), .absent = true } },
	{ "mars SYN with hop limit 1 -> [uplink6]:6000: ttl, nothing made",
	  FROM_NODE, MARS_IF, { OUT6(F6_TCP, mars, 40405, uplink6, 6000), .flags = SYN, .hop = 1 },
	  SHOT(TTL), .ct = { CT6(mars6, 40405, uplink6, 6000, 6), .absent = true } },
	{ "and masquerade beside it: mars to the world, as before",
	  FROM_NODE, MARS_IF, { OUT6(F6_TCP, mars, 61300, remote6, 80), .flags = SYN }, SNAT_OUT,
	  .out = { SNAT6(F6_TCP, mars, 61300, remote6, 80), .flags = SYN },
	  .ct = { CT6(mars6, 61300, remote6, 80, 6), .state = NSB_CT_NEW, .nat_port = 61300,
		  .pkts_orig = 1 } },
};

/* -------------------------------------------------------------- UDP */

static const struct step6 udp_steps[] = {
	{ "mars UDP 5000 -> [uplink6]:7000: to neptune:53 from planet's gateway6 (var 0)",
	  FROM_NODE, MARS_IF, { OUT6(F6_UDP, mars, 5000, uplink6, 7000), .payload_len = 40 },
	  HAIRPIN_TO(neptune),
	  .out = { HP6(F6_UDP, neptune, planet_gw6, VAR(0), 53), .payload_len = 40 },
	  .ct = { HP_CT(mars6, 5000, uplink6, 7000, 17, planet_gw6, VAR(0), neptune6, 53),
		  .state = NSB_CT_NEW, .pkts_orig = 1 },
	  .ct2 = { HP_TWIN(neptune6, 53, planet_gw6, VAR(0), 17, uplink6, 7000, mars6, 5000),
		   .state = NSB_CT_NEW, .pkts_reply = 1 } },
	{ "neptune's answer: to mars from [uplink6]:7000, both ESTABLISHED",
	  FROM_NODE, NEPTUNE_IF, { OUT6(F6_UDP, neptune, 53, planet_gw6, VAR(0)),
				   .payload_len = 300 },
	  HAIRPIN_TO(mars), .out = { HP6(F6_UDP, mars, uplink6, 7000, 5000), .payload_len = 300 },
	  .ct = { HP_CT(mars6, 5000, uplink6, 7000, 17, planet_gw6, VAR(0), neptune6, 53),
		  .state = NSB_CT_ESTABLISHED, .pkts_orig = 1, .pkts_reply = 1 },
	  .ct2 = { HP_TWIN(neptune6, 53, planet_gw6, VAR(0), 17, uplink6, 7000, mars6, 5000),
		   .state = NSB_CT_ESTABLISHED, .pkts_orig = 1, .pkts_reply = 1 } },
	{ "neptune UDP 5300 -> its [gateway6]:7000: to itself (var 1)",
	  FROM_NODE, NEPTUNE_IF, { OUT6(F6_UDP, neptune, 5300, planet_gw6, 7000) },
	  HAIRPIN_TO(neptune), .out = { HP6(F6_UDP, neptune, planet_gw6, VAR(1), 53) },
	  .ct = { HP_CT(neptune6, 5300, planet_gw6, 7000, 17, planet_gw6, VAR(1), neptune6, 53),
		  .state = NSB_CT_NEW, .pkts_orig = 1 } },
	{ "its answer: back into neptune from [gateway6]:7000",
	  FROM_NODE, NEPTUNE_IF, { OUT6(F6_UDP, neptune, 53, planet_gw6, VAR(1)) },
	  HAIRPIN_TO(neptune), .out = { HP6(F6_UDP, neptune, planet_gw6, 7000, 5300) } },
	{ "a datagram to [uplink6]:7000 without a checksum (invalid over IPv6): the host's",
	  FROM_NODE, MARS_IF, { OUT6(F6_UDP, mars, 5001, uplink6, 7000), .no_csum = true },
	  TO_HOST6, .ct = { CT6(mars6, 5001, uplink6, 7000, 17), .absent = true } },
	{ "a datagram to [uplink6]:7001 (no forward): the host's, untouched",
	  FROM_NODE, MARS_IF, { OUT6(F6_UDP, mars, 5002, uplink6, 7001) }, TO_HOST6,
	  .ct = { CT6(mars6, 5002, uplink6, 7001, 17), .absent = true } },
};
/* clang-format on */

/* ---------------- a hairpin port taken over: the old flow is gone, both halves */

/* clang-format off */
static const struct step6 takeover_steps[] = {
	{ "mars SYN 40100 -> [uplink6]:6000: earth from the gateway6, one of two ports (var 0)",
	  FROM_NODE, MARS_IF, { OUT6(F6_TCP, mars, 40100, uplink6, 6000), .flags = SYN },
	  HAIRPIN_TO(earth), .out = { HP6(F6_TCP, earth, planet_gw6, VAR(0), 8080), .flags = SYN },
	  .ct = { HP_CT(mars6, 40100, uplink6, 6000, 6, planet_gw6, VAR(0), earth6, 8080),
		  .state = NSB_CT_NEW, .pkts_orig = 1 } },
	{ "mars SYN 40101: the other port (var 1)",
	  FROM_NODE, MARS_IF, { OUT6(F6_TCP, mars, 40101, uplink6, 6000), .flags = SYN },
	  HAIRPIN_TO(earth), .out = { HP6(F6_TCP, earth, planet_gw6, VAR(1), 8080), .flags = SYN },
	  .ct = { HP_CT(mars6, 40101, uplink6, 6000, 6, planet_gw6, VAR(1), earth6, 8080),
		  .not_port = VAR(0), .state = NSB_CT_NEW, .pkts_orig = 1 } },
	{ "neptune SYN 40102: both ports live, nat_exhausted",
	  FROM_NODE, NEPTUNE_IF, { OUT6(F6_TCP, neptune, 40102, uplink6, 6000), .flags = SYN },
	  SHOT(NAT_EXHAUSTED), .ct = { CT6(neptune6, 40102, uplink6, 6000, 6), .absent = true } },
	{ "earth refuses the first (RST): closed",
	  FROM_NODE, EARTH_IF, { OUT6(F6_TCP, earth, 8080, planet_gw6, VAR(0)), .flags = RST | ACK },
	  HAIRPIN_TO(mars),
	  .out = { HP6(F6_TCP, mars, uplink6, 6000, 40100), .flags = RST | ACK } },
	{ "neptune SYN 40102 again: takes over the closed flow's port, mars's entry gone",
	  FROM_NODE, NEPTUNE_IF, { OUT6(F6_TCP, neptune, 40102, uplink6, 6000), .flags = SYN },
	  HAIRPIN_TO(earth), .out = { HP6(F6_TCP, earth, planet_gw6, VAR(0), 8080), .flags = SYN },
	  .ct = { CT6(mars6, 40100, uplink6, 6000, 6), .absent = true },
	  .ct2 = { HP_TWIN(earth6, 8080, planet_gw6, VAR(0), 6, uplink6, 6000, neptune6, 40102),
		   .state = NSB_CT_NEW, .pkts_reply = 1 } },
	{ "a straggler of mars's old flow: not into neptune's connection at earth, the host's",
	  FROM_NODE, MARS_IF, { OUT6(F6_TCP, mars, 40100, uplink6, 6000), .flags = ACK }, TO_HOST6,
	  .ct2 = { HP_TWIN(earth6, 8080, planet_gw6, VAR(0), 6, uplink6, 6000, neptune6, 40102),
		   .state = NSB_CT_NEW, .pkts_reply = 1 } },
	{ "earth's answer goes to neptune",
	  FROM_NODE, EARTH_IF, { OUT6(F6_TCP, earth, 8080, planet_gw6, VAR(0)), .flags = SYNACK },
	  HAIRPIN_TO(neptune),
	  .out = { HP6(F6_TCP, neptune, uplink6, 6000, 40102), .flags = SYNACK } },
	{ "the collector: mars's second flow and neptune's stay, with their claims",
	  FROM_NODE, MARS_IF, { OUT6(F6_TCP, mars, 40101, uplink6, 6000), .flags = ACK },
	  HAIRPIN_TO(earth), .out = { HP6(F6_TCP, earth, planet_gw6, VAR(1), 8080), .flags = ACK },
	  .gc = true,
	  .ct = { HP_CT(mars6, 40101, uplink6, 6000, 6, planet_gw6, VAR(1), earth6, 8080),
		  .state = NSB_CT_NEW, .pkts_orig = 2 },
	  .ct2 = { HP_TWIN(earth6, 8080, planet_gw6, VAR(0), 6, uplink6, 6000, neptune6, 40102),
		   .state = NSB_CT_ESTABLISHED, .pkts_orig = 1, .pkts_reply = 1 } },
};
/* clang-format on */

Test(hairpin6, tcp)
{
	run_table6(TABLE6(tcp_steps, .fwds = fwds, .n_fwds = N(fwds)));
}

Test(hairpin6, udp)
{
	run_table6(TABLE6(udp_steps, .fwds = fwds, .n_fwds = N(fwds)));
}

/* IPv6 hairpin with every frame a CHECKSUM_COMPLETE skb (st_csum_complete, lib/rewrite6.h). */
Test(hairpin6, checksum_complete_kept)
{
	st_csum_complete = true;
	run_table6(TABLE6(tcp_steps, .fwds = fwds, .n_fwds = N(fwds)));
	run_table6(TABLE6(udp_steps, .fwds = fwds, .n_fwds = N(fwds)));
}

Test(hairpin6, port_taken_over)
{
	run_table6(TABLE6(takeover_steps, .fwds = fwds, .n_fwds = N(fwds), .port_min = 61000,
			  .port_max = 61001));
}

/* ------------------------------------------------ the loader's sweep */

static void fwd6_put(int fd, uint16_t port, const uint8_t *node, uint16_t to_port)
{
	struct nsb_fwd6_key k = { .port = htons(port), .proto = 6 };
	struct nsb_fwd6_val v = {
		.v = { .node_port = htons(to_port), .first_port = htons(port), .count = 1 }
	};

	memcpy(v.node_addr, node, 16);
	cr_assert(!bpf_map_update_elem(fd, &k, &v, BPF_ANY), "forwards6");
}

static void ct6_put(int fd, const uint8_t *s, uint16_t sp, const uint8_t *d, uint16_t dp,
		    uint8_t flags, const uint8_t *nat, uint16_t np, const uint8_t *dnat,
		    uint16_t dnp, struct nsb_ct6_key *k)
{
	struct nsb_ct6_entry ce = {
		.e = { .nat_port = htons(np), .dnat_port = htons(dnp), .flags = flags }
	};

	memset(k, 0, sizeof(*k));
	memcpy(k->saddr, s, 16);
	memcpy(k->daddr, d, 16);
	k->sport = htons(sp);
	k->dport = htons(dp);
	k->proto = 6;
	memcpy(ce.nat_addr, nat, 16);
	if (dnat)
		memcpy(ce.dnat_addr, dnat, 16);
	cr_assert(!bpf_map_update_elem(fd, k, &ce, BPF_ANY), "ct6");
}

/*
 * fwd6_flows_sweep() (lab/fwd6.c) and hairpin flows: both halves stay
 * while their forward leads to the backend (a forward for any host
 * address answering on uplink6 and a gateway6), and go together when it
 * is re-pointed; a masqueraded flow stays.
 */
Test(hairpin6, loader_sweep)
{
	struct nsb_ct6_key cl, tw, cl2, tw2, mk;
	struct nsb_ct6_entry ce;
	struct st_env env;
	int fwd6, ct6, nat6;
	size_t gone;

	st_open(&env, false);
	st_load(&env);
	fwd6 = bpf_map__fd(env.skel->maps.forwards6);
	ct6 = bpf_map__fd(env.skel->maps.ct6);
	nat6 = bpf_map__fd(env.skel->maps.nat_ports6);
	fwd6_put(fwd6, 6000, earth6, 8080);
	/* mars -> [uplink6]:6000 and earth -> its [gateway6]:6000, each with its twin */
	ct6_put(ct6, mars6, 40100, uplink6, 6000, HPF, planet_gw6, 61001, earth6, 8080, &cl);
	ct6_put(ct6, earth6, 8080, planet_gw6, 61001, HPF | DNATF, uplink6, 6000, mars6, 40100,
		&tw);
	ct6_put(ct6, earth6, 40200, planet_gw6, 6000, HPF, planet_gw6, 61002, earth6, 8080, &cl2);
	ct6_put(ct6, earth6, 8080, planet_gw6, 61002, HPF | DNATF, planet_gw6, 6000, earth6, 40200,
		&tw2);
	ct6_put(ct6, mars6, 1234, remote6, 80, 0, uplink6, 61003, NULL, 0, &mk);

	cr_assert_eq(fwd6_flows_sweep(ct6, nat6, fwd6, &gone), 0);
	cr_expect_eq(gone, 0, "the forward leads to earth:8080: its hairpin flows stay");
	cr_expect(!bpf_map_lookup_elem(ct6, &cl, &ce), "the client's entry stays");
	cr_expect(!bpf_map_lookup_elem(ct6, &tw, &ce), "its twin stays");
	cr_expect(!bpf_map_lookup_elem(ct6, &cl2, &ce), "the gateway6 flow stays");
	cr_expect(!bpf_map_lookup_elem(ct6, &tw2, &ce), "and its twin");

	fwd6_put(fwd6, 6000, earth6, 8081);
	cr_assert_eq(fwd6_flows_sweep(ct6, nat6, fwd6, &gone), 0);
	cr_expect_eq(gone, 2, "re-pointed: both flows end (one count each)");
	cr_expect(bpf_map_lookup_elem(ct6, &cl, &ce), "the client's entry gone");
	cr_expect(bpf_map_lookup_elem(ct6, &tw, &ce), "its twin gone");
	cr_expect(bpf_map_lookup_elem(ct6, &cl2, &ce), "the gateway6 flow gone");
	cr_expect(bpf_map_lookup_elem(ct6, &tw2, &ce), "and its twin");
	cr_expect(!bpf_map_lookup_elem(ct6, &mk, &ce), "the masqueraded flow stays");
	st_close(&env);
}
