// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Port forwards under BPF_PROG_TEST_RUN, in nat_table.h's table style:
 * from the outside (from_uplink's DNAT, the node's replies out of the
 * uplink at from_node, the client's later packets), hairpin (a node to a
 * forward of its own lab, through the uplink address or a gateway, to
 * another node or to itself), and what gets in from the uplink at all (a lab
 * address: dropped, inbound; the host's own traffic: untouched). The
 * forwards are installed as the CLI writes them (one entry per host port);
 * the sock hooks, which BPF_PROG_TEST_RUN cannot run, are sock_test.c's.
 *
 * lab_masq: planet (earth, neptune) and moon (mars) masquerade, exile
 * (pluto) does not; the uplink is UPLINK_IP, HOST_IP another address of
 * the host's, REMOTE_IP a client out in the world.
 */
#include "nat_table.h"

#define DNATF	  NSB_CT_F_DNAT
#define HPF	  NSB_CT_F_HAIRPIN
#define LOOPBACK  IP4(127, 0, 0, 1)
#define ELSEWHERE IP4(198, 51, 100, 99) /* outside the lab, not the host's */

/* clang-format off */
static const struct fwd_rule fwds[] = {
	{ TCP, 0, 6000, 6002, EARTH_IP, 8080, EARTH_IF },	/* a range: 6001 -> 8081 */
	{ UDP, 0, 6000, 0, MARS_IP, 9000, MARS_IF },		/* the same port, UDP */
	{ UDP, 0, 5300, 0, NEPTUNE_IP, 53, NEPTUNE_IF },
	{ TCP, UPLINK_IP, 7000, 0, MARS_IP, 22, MARS_IF },	/* on the uplink address only */
	{ TCP, LOOPBACK, 7001, 0, MARS_IP, 80, MARS_IF },	/* the sock hooks' only */
	{ TCP, HOST_IP, 7002, 0, MARS_IP, 80, MARS_IF },	/* on another host address */
	{ TCP, 0, 6100, 0, PLUTO_IP, 8080, PLUTO_IF },		/* exile: no masquerade */
	{ TCP, 0, 6200, 0, STRANGER_IP, 80, 0 },		/* to no node */
};
/* clang-format on */

/* into a node from the outside, and a node's reply out of the uplink */
#define DNAT_IN(node) INTO(node), .stat = PATH(DNAT)
#define REV_DNAT_OUT \
	.verdict = TC_ACT_REDIRECT, .redirect = UPLINK_IF, .flags = NEIGH, .stat = PATH(REV_DNAT)
/* hairpin: into the target node, as its host end sends, TTL - 1 */
#define HAIRPIN_TO(node)	   INTO(node), .stat = PATH(HAIRPIN)
#define HP_TCP(node, s, sp, p, fl) BACK_TCP(node, s, sp, p, fl), .ttl = 63
#define HP_UDP(node, s, sp, p)	   BACK_UDP(node, s, sp, p), .ttl = 63
#define TO_HOST			   .verdict = TC_ACT_UNSPEC, .stat = PATH(TO_HOST)
#define DROPPED(r)		   .verdict = TC_ACT_SHOT, .stat = DROP(r)

/* a DNAT flow's entries, keyed as the node sends (node:port -> client:cport) */
#define CT_DNAT(node, np, c, cp, pr, hp) CT_DNATF(node, np, c, cp, pr, hp, 0)
/* ... with more NSB_CT_F_* flags than DNAT */
/* the forward's flows: all of these forwards are for any host address */
#define DNATANY (DNATF | NSB_CT_F_FWD_ANY)
#define CT_DNATF(node, np, c, cp, pr, hp, f) \
	CT(node, np, c, cp, pr), .flags = DNATANY | (f), .nat_port = (hp)
#define NATP_DNAT(c, cp, hp, pr, node, np, ifi) \
	NATP(UPLINK_IP, c, hp, cp, pr), .node_addr = (node), .node_port = (np), .ifindex = (ifi)

/* ---------------------------------------------------- TCP from outside */

/* clang-format off */
static const struct nat_step dnat_tcp_steps[] = {
	{ "world SYN 40000 -> uplink:6000: DNAT to earth:8080, entries made, hit counted",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 40000, 6000, SYN) }, DNAT_IN(earth),
	  .out = { BACK_TCP(earth, REMOTE_IP, 40000, 8080, SYN) },
	  .ct = { CT_DNAT(EARTH_IP, 8080, REMOTE_IP, 40000, TCP, 6000), .state = NSB_CT_NEW,
		  .pkts_reply = 1 },
	  .natp = { NATP_DNAT(REMOTE_IP, 40000, 6000, TCP, EARTH_IP, 8080, EARTH_IF) },
	  .hits = { HITS(0, 6000, TCP, 1) } },
	{ "earth's SYN-ACK: from uplink:6000, out of the uplink (rev_dnat), ESTABLISHED",
	  FROM_NODE, EARTH_IF, { OUT_TCP(earth, 8080, REMOTE_IP, 40000, SYNACK) }, REV_DNAT_OUT,
	  .out = { SNAT_TCP(earth, 6000, REMOTE_IP, 40000, SYNACK) },
	  .ct = { CT_DNAT(EARTH_IP, 8080, REMOTE_IP, 40000, TCP, 6000),
		  .state = NSB_CT_ESTABLISHED, .pkts_orig = 1, .pkts_reply = 1 } },
	{ "the client's ACK with data: the existing flow into earth, no new hit",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 40000, 6000, ACK), .payload_len = 200 },
	  DNAT_IN(earth), .out = { BACK_TCP(earth, REMOTE_IP, 40000, 8080, ACK), .payload_len = 200 },
	  .ct = { CT_DNAT(EARTH_IP, 8080, REMOTE_IP, 40000, TCP, 6000),
		  .state = NSB_CT_ESTABLISHED, .pkts_orig = 1, .pkts_reply = 2 },
	  .hits = { HITS(0, 6000, TCP, 1) } },
	{ "the client's SYN again (a retransmit): the same flow, no new hit",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 40000, 6000, SYN) }, DNAT_IN(earth),
	  .out = { BACK_TCP(earth, REMOTE_IP, 40000, 8080, SYN) },
	  .ct = { CT_DNAT(EARTH_IP, 8080, REMOTE_IP, 40000, TCP, 6000),
		  .state = NSB_CT_ESTABLISHED, .pkts_orig = 1, .pkts_reply = 3 },
	  .hits = { HITS(0, 6000, TCP, 1) } },
	{ "earth's data, with IP options (IHL 6): out at the right offsets",
	  FROM_NODE, EARTH_IF, { OUT_TCP(earth, 8080, REMOTE_IP, 40000, ACK), .ihl = 6,
				 .payload_len = 300 },
	  REV_DNAT_OUT, .out = { SNAT_TCP(earth, 6000, REMOTE_IP, 40000, ACK), .ihl = 6,
				 .payload_len = 300 } },
	{ "earth's FIN: CLOSING, FIN_ORIG",
	  FROM_NODE, EARTH_IF, { OUT_TCP(earth, 8080, REMOTE_IP, 40000, FINACK) }, REV_DNAT_OUT,
	  .out = { SNAT_TCP(earth, 6000, REMOTE_IP, 40000, FINACK) },
	  .ct = { CT_DNAT(EARTH_IP, 8080, REMOTE_IP, 40000, TCP, 6000), .state = NSB_CT_CLOSING,
		  .flags = DNATANY | NSB_CT_F_FIN_ORIG, .pkts_orig = 3, .pkts_reply = 3 } },
	{ "the client's FIN: CLOSED, both FINs",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 40000, 6000, FINACK) }, DNAT_IN(earth),
	  .out = { BACK_TCP(earth, REMOTE_IP, 40000, 8080, FINACK) },
	  .ct = { CT_DNAT(EARTH_IP, 8080, REMOTE_IP, 40000, TCP, 6000), .state = NSB_CT_CLOSED,
		  .flags = DNATANY | NSB_CT_F_FIN_ORIG | NSB_CT_F_FIN_REPLY, .pkts_orig = 3,
		  .pkts_reply = 4 } },
	{ "idle 11 s after the FINs (closing timeout 10): the client's last ACK is the host's",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 40000, 6000, ACK) }, HOSTS, .age = 11,
	  .ct = { CT_DNAT(EARTH_IP, 8080, REMOTE_IP, 40000, TCP, 6000), .state = NSB_CT_CLOSED,
		  .flags = DNATANY | NSB_CT_F_FIN_ORIG | NSB_CT_F_FIN_REPLY, .pkts_orig = 3,
		  .pkts_reply = 4 } },
	{ "a new SYN on the same ports after that: a new flow, a new hit",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 40000, 6000, SYN), .seq = 0x66778899 },
	  DNAT_IN(earth), .out = { BACK_TCP(earth, REMOTE_IP, 40000, 8080, SYN), .seq = 0x66778899 },
	  .ct = { CT_DNAT(EARTH_IP, 8080, REMOTE_IP, 40000, TCP, 6000), .state = NSB_CT_NEW,
		  .pkts_reply = 1 },
	  .hits = { HITS(0, 6000, TCP, 2) } },
	{ "world SYN 40001 -> uplink:6001 (of the range 6000-6002): earth:8081",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 40001, 6001, SYN) }, DNAT_IN(earth),
	  .out = { BACK_TCP(earth, REMOTE_IP, 40001, 8081, SYN) },
	  .ct = { CT_DNAT(EARTH_IP, 8081, REMOTE_IP, 40001, TCP, 6001), .state = NSB_CT_NEW,
		  .pkts_reply = 1 },
	  .natp = { NATP_DNAT(REMOTE_IP, 40001, 6001, TCP, EARTH_IP, 8081, EARTH_IF) },
	  .hits = { HITS(0, 6001, TCP, 1) } },
	{ "the client gives up before an answer (RST, no ACK: nothing to ack): into earth, CLOSED",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 40001, 6001, RST) }, DNAT_IN(earth),
	  .out = { BACK_TCP(earth, REMOTE_IP, 40001, 8081, RST) },
	  .ct = { CT_DNATF(EARTH_IP, 8081, REMOTE_IP, 40001, TCP, 6001, NSB_CT_F_RST),
		  .state = NSB_CT_CLOSED, .pkts_reply = 2 } },
	{ "world SYN 40007 -> 6002, then earth's RST: CLOSING from the node's side",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 40007, 6002, SYN) }, DNAT_IN(earth),
	  .out = { BACK_TCP(earth, REMOTE_IP, 40007, 8082, SYN) },
	  .hits = { HITS(0, 6002, TCP, 1) } },
	{ "earth's RST (port 8082 closed): out, CLOSED",
	  FROM_NODE, EARTH_IF, { OUT_TCP(earth, 8082, REMOTE_IP, 40007, RSTACK) }, REV_DNAT_OUT,
	  .out = { SNAT_TCP(earth, 6002, REMOTE_IP, 40007, RSTACK) },
	  .ct = { CT_DNATF(EARTH_IP, 8082, REMOTE_IP, 40007, TCP, 6002, NSB_CT_F_RST),
		  .state = NSB_CT_CLOSED, .pkts_orig = 1, .pkts_reply = 1 } },
	{ "world ACK 40002 -> 6000 without a flow: only a SYN opens one, the host's",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 40002, 6000, ACK) }, HOSTS,
	  .ct = { CT(EARTH_IP, 8080, REMOTE_IP, 40002, TCP), .absent = true },
	  .natp = { NATP(UPLINK_IP, REMOTE_IP, 6000, 40002, TCP), .absent = true } },
	{ "world SYN-ACK -> 6000 without a flow: the host's, untouched",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 40002, 6000, SYNACK) }, HOSTS },
	{ "world RST -> 6000 without a flow: the host's, untouched",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 40002, 6000, RSTACK) }, HOSTS },
	{ "world SYN -> 6003 (not forwarded): the host's, untouched",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 40002, 6003, SYN) }, HOSTS,
	  .ct = { CT(EARTH_IP, 8083, REMOTE_IP, 40002, TCP), .absent = true } },
	{ "world SYN -> uplink:7001 (forwarded on 127.0.0.1 only): untouched",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 40002, 7001, SYN) }, HOSTS,
	  .hits = { HITS(LOOPBACK, 7001, TCP, 0) } },
	{ "world SYN -> uplink:7000 (forwarded on the uplink address): into mars:22",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 40002, 7000, SYN) }, DNAT_IN(mars),
	  .out = { BACK_TCP(mars, REMOTE_IP, 40002, 22, SYN) },
	  .hits = { HITS(UPLINK_IP, 7000, TCP, 1) } },
	{ "world SYN -> uplink:7002 (forwarded on HOST_IP only): untouched",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 40003, 7002, SYN) }, HOSTS },
	{ "world SYN -> HOST_IP:7002 (forwarded on that address): into mars:80",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 40003, 7002, SYN), .daddr = HOST_IP },
	  DNAT_IN(mars), .out = { BACK_TCP(mars, REMOTE_IP, 40003, 80, SYN) },
	  .ct = { CT_DNAT(MARS_IP, 80, REMOTE_IP, 40003, TCP, 7002), .nat_addr = HOST_IP,
		  .flags = DNATF,	/* a forward for that very address, not for any */
		  .state = NSB_CT_NEW, .pkts_reply = 1 },
	  .natp = { NATP_DNAT(REMOTE_IP, 40003, 7002, TCP, MARS_IP, 80, MARS_IF),
		    .nat_addr = HOST_IP },
	  .hits = { HITS(HOST_IP, 7002, TCP, 1) } },
	{ "mars's SYN-ACK: leaves as HOST_IP:7002",
	  FROM_NODE, MARS_IF, { OUT_TCP(mars, 80, REMOTE_IP, 40003, SYNACK) }, REV_DNAT_OUT,
	  .out = { SNAT_TCP(mars, 7002, REMOTE_IP, 40003, SYNACK), .saddr = HOST_IP } },
	{ "world SYN -> 6100: into pluto (exile: no masquerade)",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 40004, 6100, SYN) }, DNAT_IN(pluto),
	  .out = { BACK_TCP(pluto, REMOTE_IP, 40004, 8080, SYN) } },
	{ "pluto's SYN-ACK: out as uplink:6100 all the same (a reply, not masquerade)",
	  FROM_NODE, PLUTO_IF, { OUT_TCP(pluto, 8080, REMOTE_IP, 40004, SYNACK) }, REV_DNAT_OUT,
	  .out = { SNAT_TCP(pluto, 6100, REMOTE_IP, 40004, SYNACK) },
	  .ct = { CT_DNAT(PLUTO_IP, 8080, REMOTE_IP, 40004, TCP, 6100),
		  .state = NSB_CT_ESTABLISHED, .pkts_orig = 1, .pkts_reply = 1 } },
	{ "pluto opening a flow of its own to the world: no_masquerade, as before",
	  FROM_NODE, PLUTO_IF, { OUT_TCP(pluto, 8080, REMOTE_IP, 40005, SYN) },
	  DROPPED(NO_MASQUERADE) },
	{ "world SYN -> 6200 (forwarded to no node): no_endpoint, nothing made",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 40005, 6200, SYN) }, DROPPED(NO_ENDPOINT),
	  .ct = { CT(STRANGER_IP, 80, REMOTE_IP, 40005, TCP), .absent = true },
	  .hits = { HITS(0, 6200, TCP, 0) } },
	{ "world SYN with TTL 1 -> 6000: ttl, nothing made",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 40006, 6000, SYN), .ttl = 1 }, DROPPED(TTL),
	  .ct = { CT(EARTH_IP, 8080, REMOTE_IP, 40006, TCP), .absent = true },
	  .hits = { HITS(0, 6000, TCP, 2) } },
	{ "world SYN with IP options (IHL 6) -> 6000: translated at the right offsets",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 40006, 6000, SYN), .ihl = 6 }, DNAT_IN(earth),
	  .out = { BACK_TCP(earth, REMOTE_IP, 40006, 8080, SYN), .ihl = 6 },
	  .hits = { HITS(0, 6000, TCP, 3) } },
};
/* clang-format on */

/* ---------------------------------------------------- UDP from outside */

#define FIRST(id) .ip_id = SET16(id), .frag_off = SET16(IPF_MF), .frag_len = 32
#define LATER(id) .ip_id = SET16(id), .frag_off = SET16(4), .frag_at = 32

/* clang-format off */
static const struct nat_step dnat_udp_steps[] = {
	{ "world UDP 5000 -> uplink:5300: DNAT to neptune:53, NEW, hit counted",
	  FROM_UPLINK, UPLINK_IF, { IN_UDP(REMOTE_IP, 5000, 5300) }, DNAT_IN(neptune),
	  .out = { BACK_UDP(neptune, REMOTE_IP, 5000, 53) },
	  .ct = { CT_DNAT(NEPTUNE_IP, 53, REMOTE_IP, 5000, UDP, 5300), .state = NSB_CT_NEW,
		  .pkts_reply = 1 },
	  .natp = { NATP_DNAT(REMOTE_IP, 5000, 5300, UDP, NEPTUNE_IP, 53, NEPTUNE_IF) },
	  .hits = { HITS(0, 5300, UDP, 1) } },
	{ "neptune's port unreachable about the client's datagram: out from the uplink, "
	  "quoting uplink:5300 (RFC 5508)",
	  FROM_NODE, NEPTUNE_IF,
	  { OUT_ERR(neptune, REMOTE_IP, 3, 3, QR_UDP(REMOTE_IP, 5000, NEPTUNE_IP, 53)) },
	  .verdict = TC_ACT_REDIRECT, .redirect = UPLINK_IF, .flags = NEIGH,
	  .stat = PATH(ICMP_ERR_OUT),
	  .out = { SNAT_ERR(neptune, REMOTE_IP, 3, 3, QR_UDP(REMOTE_IP, 5000, UPLINK_IP, 5300)) } },
	{ "the same about a datagram of no flow (another client port): masquerade's, nat_proto",
	  FROM_NODE, NEPTUNE_IF,
	  { OUT_ERR(neptune, REMOTE_IP, 3, 3, QR_UDP(REMOTE_IP, 5999, NEPTUNE_IP, 53)) },
	  DROPPED(NAT_PROTO) },
	{ "neptune's answer: out as uplink:5300, ESTABLISHED",
	  FROM_NODE, NEPTUNE_IF, { OUT_UDP(neptune, 53, REMOTE_IP, 5000), .payload_len = 120 },
	  REV_DNAT_OUT, .out = { SNAT_UDP(neptune, 5300, REMOTE_IP, 5000), .payload_len = 120 },
	  .ct = { CT_DNAT(NEPTUNE_IP, 53, REMOTE_IP, 5000, UDP, 5300),
		  .state = NSB_CT_ESTABLISHED, .pkts_orig = 1, .pkts_reply = 1 } },
	{ "the client again: the same flow, no new hit",
	  FROM_UPLINK, UPLINK_IF, { IN_UDP(REMOTE_IP, 5000, 5300) }, DNAT_IN(neptune),
	  .out = { BACK_UDP(neptune, REMOTE_IP, 5000, 53) },
	  .ct = { CT_DNAT(NEPTUNE_IP, 53, REMOTE_IP, 5000, UDP, 5300),
		  .state = NSB_CT_ESTABLISHED, .pkts_orig = 1, .pkts_reply = 2 },
	  .hits = { HITS(0, 5300, UDP, 1) } },
	{ "a client without a UDP checksum: DNAT, the checksum stays 0",
	  FROM_UPLINK, UPLINK_IF, { IN_UDP(REMOTE_IP, 5001, 5300), .no_csum = true },
	  DNAT_IN(neptune), .out = { BACK_UDP(neptune, REMOTE_IP, 5001, 53), .no_csum = true },
	  .hits = { HITS(0, 5300, UDP, 2) } },
	{ "UDP to 6000 (a UDP forward of its own, TCP 6000 is earth's): into mars:9000",
	  FROM_UPLINK, UPLINK_IF, { IN_UDP(REMOTE_IP, 5001, 6000) }, DNAT_IN(mars),
	  .out = { BACK_UDP(mars, REMOTE_IP, 5001, 9000) },
	  .ct = { CT_DNAT(MARS_IP, 9000, REMOTE_IP, 5001, UDP, 6000), .state = NSB_CT_NEW,
		  .pkts_reply = 1 },
	  .hits = { HITS(0, 6000, UDP, 1) } },
	{ "UDP to 6001 (forwarded for TCP only): the host's, untouched",
	  FROM_UPLINK, UPLINK_IF, { IN_UDP(REMOTE_IP, 5001, 6001) }, HOSTS },
	{ "a router's port unreachable about neptune's answer: into neptune, quote translated",
	  FROM_UPLINK, UPLINK_IF, { IN_ERR(ROUTER_IP, 3, 3, Q_UDP(5300, REMOTE_IP, 5000)) },
	  INTO(neptune), .stat = PATH(ICMP_ERR_REV),
	  .out = { BACK_ERR(neptune, ROUTER_IP, 3, 3, QN_UDP(NEPTUNE_IP, 53, REMOTE_IP, 5000)) } },
	{ "fragmentation needed quoting all of it (PMTU of a forwarded flow): sums back too",
	  FROM_UPLINK, UPLINK_IF,
	  { IN_ERR(ROUTER_IP, 3, 4, Q_UDP(5300, REMOTE_IP, 5000)), .icmp_mtu = 1280,
	    .quote_len = 44 },
	  INTO(neptune), .stat = PATH(ICMP_ERR_REV),
	  .out = { BACK_ERR(neptune, ROUTER_IP, 3, 4, QN_UDP(NEPTUNE_IP, 53, REMOTE_IP, 5000)),
		   .icmp_mtu = 1280, .quote_len = 44 } },
	{ "first fragment of a datagram 5002 -> 5300: DNAT, recorded",
	  FROM_UPLINK, UPLINK_IF, { IN_UDP(REMOTE_IP, 5002, 5300), .payload_len = 64, FIRST(0x7171) },
	  DNAT_IN(neptune),
	  .out = { BACK_UDP(neptune, REMOTE_IP, 5002, 53), .payload_len = 64, FIRST(0x7171) } },
	{ "its later fragment: follows it into neptune",
	  FROM_UPLINK, UPLINK_IF, { IN_UDP(REMOTE_IP, 5002, 5300), .payload_len = 64, LATER(0x7171) },
	  INTO(neptune), .stat = PATH(REV_SNAT_FRAG),
	  .out = { BACK_UDP(neptune, REMOTE_IP, 5002, 53), .payload_len = 64, LATER(0x7171) } },
};
/* clang-format on */

/* ------------------------------------------------------------- hairpin */

/* clang-format off */
static const struct nat_step hairpin_steps[] = {
	{ "mars SYN 40100 -> uplink:6000: to earth:8080 from planet's gateway (var 0)",
	  FROM_NODE, MARS_IF, { OUT_TCP(mars, 40100, UPLINK_IP, 6000, SYN) }, HAIRPIN_TO(earth),
	  .out = { HP_TCP(earth, PLANET_GW, PORT_VAR(0), 8080, SYN) },
	  .ct = { CT(MARS_IP, 40100, UPLINK_IP, 6000, TCP), .state = NSB_CT_NEW, .flags = HPF,
		  .nat_addr = PLANET_GW, .nat_port = PORT_VAR(0), .dnat_addr = EARTH_IP,
		  .dnat_port = 8080, .pkts_orig = 1 },
	  .ct2 = { CT(EARTH_IP, 8080, PLANET_GW, PORT_VAR(0), TCP), .state = NSB_CT_NEW,
		   .flags = HPF | DNATF, .nat_port = 6000, .dnat_addr = MARS_IP,
		   .dnat_port = 40100, .pkts_reply = 1 },
	  .natp = { NATP(PLANET_GW, EARTH_IP, PORT_VAR(0), 8080, TCP), .node_addr = MARS_IP,
		    .node_port = 40100, .ifindex = MARS_IF, .flags = NSB_NAT_F_HAIRPIN },
	  .hits = { HITS(0, 6000, TCP, 1) } },
	{ "earth's SYN-ACK to the gateway's port: into mars from uplink:6000, both ESTABLISHED",
	  FROM_NODE, EARTH_IF, { OUT_TCP(earth, 8080, PLANET_GW, PORT_VAR(0), SYNACK) },
	  HAIRPIN_TO(mars), .out = { HP_TCP(mars, UPLINK_IP, 6000, 40100, SYNACK) },
	  .ct = { CT(MARS_IP, 40100, UPLINK_IP, 6000, TCP), .state = NSB_CT_ESTABLISHED,
		  .flags = HPF, .nat_addr = PLANET_GW, .nat_port = PORT_VAR(0),
		  .dnat_addr = EARTH_IP, .dnat_port = 8080, .pkts_orig = 1, .pkts_reply = 1 },
	  .ct2 = { CT(EARTH_IP, 8080, PLANET_GW, PORT_VAR(0), TCP), .state = NSB_CT_ESTABLISHED,
		   .flags = HPF | DNATF, .nat_port = 6000, .dnat_addr = MARS_IP,
		   .dnat_port = 40100, .pkts_orig = 1, .pkts_reply = 1 } },
	{ "mars's ACK with data: to earth, no new hit",
	  FROM_NODE, MARS_IF, { OUT_TCP(mars, 40100, UPLINK_IP, 6000, ACK), .payload_len = 100 },
	  HAIRPIN_TO(earth), .out = { HP_TCP(earth, PLANET_GW, PORT_VAR(0), 8080, ACK),
				      .payload_len = 100 },
	  .hits = { HITS(0, 6000, TCP, 1) } },
	{ "earth's FIN: both entries CLOSING (FIN_ORIG on earth's, FIN_REPLY on mars's)",
	  FROM_NODE, EARTH_IF, { OUT_TCP(earth, 8080, PLANET_GW, PORT_VAR(0), FINACK) },
	  HAIRPIN_TO(mars), .out = { HP_TCP(mars, UPLINK_IP, 6000, 40100, FINACK) },
	  .ct = { CT(MARS_IP, 40100, UPLINK_IP, 6000, TCP), .state = NSB_CT_CLOSING,
		  .flags = HPF | NSB_CT_F_FIN_REPLY, .nat_addr = PLANET_GW,
		  .nat_port = PORT_VAR(0), .dnat_addr = EARTH_IP, .dnat_port = 8080,
		  .pkts_orig = 2, .pkts_reply = 2 },
	  .ct2 = { CT(EARTH_IP, 8080, PLANET_GW, PORT_VAR(0), TCP), .state = NSB_CT_CLOSING,
		   .flags = HPF | DNATF | NSB_CT_F_FIN_ORIG, .nat_port = 6000,
		   .dnat_addr = MARS_IP, .dnat_port = 40100, .pkts_orig = 2, .pkts_reply = 2 } },
	{ "mars's RST: to earth, CLOSED",
	  FROM_NODE, MARS_IF, { OUT_TCP(mars, 40100, UPLINK_IP, 6000, RSTACK) }, HAIRPIN_TO(earth),
	  .out = { HP_TCP(earth, PLANET_GW, PORT_VAR(0), 8080, RSTACK) },
	  .ct = { CT(MARS_IP, 40100, UPLINK_IP, 6000, TCP), .state = NSB_CT_CLOSED,
		  .flags = HPF | NSB_CT_F_FIN_REPLY | NSB_CT_F_RST, .nat_addr = PLANET_GW,
		  .nat_port = PORT_VAR(0), .dnat_addr = EARTH_IP, .dnat_port = 8080,
		  .pkts_orig = 3, .pkts_reply = 2 } },
	{ "earth SYN 40200 -> its own gateway:6000: to itself, earth:8080 (var 1)",
	  FROM_NODE, EARTH_IF, { OUT_TCP(earth, 40200, PLANET_GW, 6000, SYN) }, HAIRPIN_TO(earth),
	  .out = { HP_TCP(earth, PLANET_GW, PORT_VAR(1), 8080, SYN) },
	  .ct = { CT(EARTH_IP, 40200, PLANET_GW, 6000, TCP), .state = NSB_CT_NEW, .flags = HPF,
		  .nat_addr = PLANET_GW, .nat_port = PORT_VAR(1), .dnat_addr = EARTH_IP,
		  .dnat_port = 8080, .pkts_orig = 1 },
	  .ct2 = { CT(EARTH_IP, 8080, PLANET_GW, PORT_VAR(1), TCP), .state = NSB_CT_NEW,
		   .flags = HPF | DNATF, .nat_addr = PLANET_GW, .nat_port = 6000,
		   .dnat_addr = EARTH_IP, .dnat_port = 40200, .pkts_reply = 1 },
	  .hits = { HITS(0, 6000, TCP, 2) } },
	{ "its SYN-ACK: back into earth, from its gateway:6000",
	  FROM_NODE, EARTH_IF, { OUT_TCP(earth, 8080, PLANET_GW, PORT_VAR(1), SYNACK) },
	  HAIRPIN_TO(earth), .out = { HP_TCP(earth, PLANET_GW, 6000, 40200, SYNACK) },
	  .ct2 = { CT(EARTH_IP, 8080, PLANET_GW, PORT_VAR(1), TCP), .state = NSB_CT_ESTABLISHED,
		   .flags = HPF | DNATF, .nat_addr = PLANET_GW, .nat_port = 6000,
		   .dnat_addr = EARTH_IP, .dnat_port = 40200, .pkts_orig = 1, .pkts_reply = 1 } },
	{ "earth's ACK: to itself again",
	  FROM_NODE, EARTH_IF, { OUT_TCP(earth, 40200, PLANET_GW, 6000, ACK) }, HAIRPIN_TO(earth),
	  .out = { HP_TCP(earth, PLANET_GW, PORT_VAR(1), 8080, ACK) } },
	{ "neptune SYN from 61234 (in the SNAT range) -> uplink:6001: keeps it at the gateway",
	  FROM_NODE, NEPTUNE_IF, { OUT_TCP(neptune, 61234, UPLINK_IP, 6001, SYN) },
	  HAIRPIN_TO(earth), .out = { HP_TCP(earth, PLANET_GW, 61234, 8081, SYN) },
	  .ct = { CT(NEPTUNE_IP, 61234, UPLINK_IP, 6001, TCP), .state = NSB_CT_NEW, .flags = HPF,
		  .nat_addr = PLANET_GW, .nat_port = 61234, .dnat_addr = EARTH_IP,
		  .dnat_port = 8081, .pkts_orig = 1 } },
	{ "pluto (exile) UDP -> moon's gateway:5300: to neptune:53 (forwards are public, var 2)",
	  FROM_NODE, PLUTO_IF, { OUT_UDP(pluto, 7000, MOON_GW, 5300) }, HAIRPIN_TO(neptune),
	  .out = { HP_UDP(neptune, PLANET_GW, PORT_VAR(2), 53) },
	  .ct = { CT(PLUTO_IP, 7000, MOON_GW, 5300, UDP), .state = NSB_CT_NEW, .flags = HPF,
		  .nat_addr = PLANET_GW, .nat_port = PORT_VAR(2), .dnat_addr = NEPTUNE_IP,
		  .dnat_port = 53, .pkts_orig = 1 },
	  .ct2 = { CT(NEPTUNE_IP, 53, PLANET_GW, PORT_VAR(2), UDP), .state = NSB_CT_NEW,
		   .flags = HPF | DNATF, .nat_addr = MOON_GW, .nat_port = 5300,
		   .dnat_addr = PLUTO_IP, .dnat_port = 7000, .pkts_reply = 1 },
	  .hits = { HITS(0, 5300, UDP, 1) } },
	{ "neptune's answer: to pluto from moon's gateway:5300, both ESTABLISHED",
	  FROM_NODE, NEPTUNE_IF, { OUT_UDP(neptune, 53, PLANET_GW, PORT_VAR(2)) },
	  HAIRPIN_TO(pluto), .out = { HP_UDP(pluto, MOON_GW, 5300, 7000) },
	  .ct = { CT(PLUTO_IP, 7000, MOON_GW, 5300, UDP), .state = NSB_CT_ESTABLISHED,
		  .flags = HPF, .nat_addr = PLANET_GW, .nat_port = PORT_VAR(2),
		  .dnat_addr = NEPTUNE_IP, .dnat_port = 53, .pkts_orig = 1, .pkts_reply = 1 },
	  .ct2 = { CT(NEPTUNE_IP, 53, PLANET_GW, PORT_VAR(2), UDP), .state = NSB_CT_ESTABLISHED,
		   .flags = HPF | DNATF, .nat_addr = MOON_GW, .nat_port = 5300,
		   .dnat_addr = PLUTO_IP, .dnat_port = 7000, .pkts_orig = 1, .pkts_reply = 1 } },
	{ "mars SYN -> HOST_IP:7002 (a forward on that host address): to mars:80 itself (var 3)",
	  FROM_NODE, MARS_IF, { OUT_TCP(mars, 40400, HOST_IP, 7002, SYN) }, HAIRPIN_TO(mars),
	  .out = { HP_TCP(mars, MOON_GW, PORT_VAR(3), 80, SYN) },
	  .ct = { CT(MARS_IP, 40400, HOST_IP, 7002, TCP), .state = NSB_CT_NEW, .flags = HPF,
		  .nat_addr = MOON_GW, .nat_port = PORT_VAR(3), .dnat_addr = MARS_IP,
		  .dnat_port = 80, .pkts_orig = 1 },
	  .hits = { HITS(HOST_IP, 7002, TCP, 1) } },
	{ "mars SYN -> uplink:7000 (a forward on the uplink address): to mars:22",
	  FROM_NODE, MARS_IF, { OUT_TCP(mars, 40401, UPLINK_IP, 7000, SYN) }, HAIRPIN_TO(mars),
	  .out = { HP_TCP(mars, MOON_GW, PORT_VAR(4), 22, SYN) },
	  .ct = { CT(MARS_IP, 40401, UPLINK_IP, 7000, TCP), .state = NSB_CT_NEW, .flags = HPF,
		  .nat_addr = MOON_GW, .nat_port = PORT_VAR(4), .dnat_addr = MARS_IP,
		  .dnat_port = 22, .pkts_orig = 1 } },
	{ "mars SYN -> its gateway:7002 (forwarded on HOST_IP only): to the host, untouched",
	  FROM_NODE, MARS_IF, { OUT_TCP(mars, 40402, MOON_GW, 7002, SYN) }, TO_HOST,
	  .ct = { CT(MARS_IP, 40402, MOON_GW, 7002, TCP), .absent = true } },
	{ "mars SYN -> uplink:7001 (forwarded on 127.0.0.1 only): to the host, untouched",
	  FROM_NODE, MARS_IF, { OUT_TCP(mars, 40402, UPLINK_IP, 7001, SYN) }, TO_HOST },
	{ "mars SYN -> uplink:22 (no forward): to the host, untouched",
	  FROM_NODE, MARS_IF, { OUT_TCP(mars, 40402, UPLINK_IP, 22, SYN) }, TO_HOST },
	{ "mars ACK -> uplink:6000 without a flow: only a SYN opens one, to the host",
	  FROM_NODE, MARS_IF, { OUT_TCP(mars, 40403, UPLINK_IP, 6000, ACK) }, TO_HOST,
	  .ct = { CT(MARS_IP, 40403, UPLINK_IP, 6000, TCP), .absent = true } },
	{ "mars SYN -> planet's broadcast:6000 (another network's): martian",
	  FROM_NODE, MARS_IF, { OUT_TCP(mars, 40403, PLANET_BCAST, 6000, SYN) }, DROPPED(MARTIAN) },
	{ "mars SYN -> 127.0.0.1:7001 (forwarded on 127.0.0.1 only, the host's sockets'): martian",
	  FROM_NODE, MARS_IF, { OUT_TCP(mars, 40402, IP4(127, 0, 0, 1), 7001, SYN) },
	  DROPPED(MARTIAN) },
	{ "mars UDP -> uplink:6001 (TCP only there): to the host, untouched",
	  FROM_NODE, MARS_IF, { OUT_UDP(mars, 40403, UPLINK_IP, 6001) }, TO_HOST },
	{ "mars SYN -> uplink:6200 (forwarded to no node): no_endpoint",
	  FROM_NODE, MARS_IF, { OUT_TCP(mars, 40404, UPLINK_IP, 6200, SYN) }, DROPPED(NO_ENDPOINT),
	  .ct = { CT(MARS_IP, 40404, UPLINK_IP, 6200, TCP), .absent = true } },
	{ "mars SYN with TTL 1 -> uplink:6000: ttl, nothing made",
	  FROM_NODE, MARS_IF, { OUT_TCP(mars, 40405, UPLINK_IP, 6000, SYN), .ttl = 1 },
	  DROPPED(TTL), .ct = { CT(MARS_IP, 40405, UPLINK_IP, 6000, TCP), .absent = true },
	  .hits = { HITS(0, 6000, TCP, 2) } },
	{ "a spoofed hairpin SYN: spoof_ip, as anything else",
	  FROM_NODE, MARS_IF, { OUT_TCP(mars, 40406, UPLINK_IP, 6000, SYN), .saddr = STRANGER_IP },
	  DROPPED(SPOOF_IP) },
	{ "and masquerade beside it: mars to the world, as before",
	  FROM_NODE, MARS_IF, { OUT_TCP(mars, 61300, REMOTE_IP, 80, SYN) }, SNAT_OUT,
	  .out = { SNAT_TCP(mars, 61300, REMOTE_IP, 80, SYN) } },
};
/* clang-format on */

/* --------------------------------- what gets in from the uplink at all */

/* clang-format off */
static const struct nat_step inbound_steps[] = {
	{ "world SYN to earth's address (a world that routes the lab to us): inbound",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 40000, 8080, SYN), .daddr = EARTH_IP },
	  DROPPED(INBOUND) },
	{ "world ping to earth: inbound",
	  FROM_UPLINK, UPLINK_IF, { IN_PONG(REMOTE_IP, 1), .icmp_type = 8, .daddr = EARTH_IP },
	  DROPPED(INBOUND) },
	{ "world UDP to planet's gateway: inbound",
	  FROM_UPLINK, UPLINK_IF, { IN_UDP(REMOTE_IP, 5000, 53), .daddr = PLANET_GW },
	  DROPPED(INBOUND) },
	{ "world to an unused lab address: inbound",
	  FROM_UPLINK, UPLINK_IF, { IN_UDP(REMOTE_IP, 5000, 53), .daddr = MOON_NONE },
	  DROPPED(INBOUND) },
	{ "world to planet's broadcast: inbound",
	  FROM_UPLINK, UPLINK_IF, { IN_UDP(REMOTE_IP, 5000, 53), .daddr = PLANET_BCAST },
	  DROPPED(INBOUND) },
	{ "world to pluto (exile) on a forwarded port number: inbound all the same",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 40000, 6100, SYN), .daddr = PLUTO_IP },
	  DROPPED(INBOUND) },
	{ "a lab address inside an 802.1Q tag: not parsed, untouched",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 40000, 8080, SYN), .daddr = EARTH_IP,
				    .vlan_proto = 0x8100, .vlan_id = 7 }, HOSTS },
	{ "world SYN to another host address, no forward there: the host's, untouched",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 40000, 22, SYN), .daddr = HOST_IP }, HOSTS },
	{ "world to multicast: untouched",
	  FROM_UPLINK, UPLINK_IF, { IN_UDP(REMOTE_IP, 5353, 5353), .daddr = MDNS_IP }, HOSTS },
	{ "world to an address outside the lab (not the host's): untouched",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 40000, 6000, SYN), .daddr = ELSEWHERE },
	  HOSTS },
	{ "world SYN to uplink:22: the host's own, untouched",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 40000, 22, SYN) }, HOSTS },
	{ "world ping to the uplink: the host's own, untouched",
	  FROM_UPLINK, UPLINK_IF, { IN_PONG(REMOTE_IP, 9), .icmp_type = 8 }, HOSTS },
	{ "a reply to the host's own connection (from 443 to port 45000): untouched",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 443, 45000, SYNACK) }, HOSTS },
	{ "the host's own UDP to port 5300 from a server's port (no SYN in UDP): a forward's",
	  FROM_UPLINK, UPLINK_IF, { IN_UDP(REMOTE_IP, 53, 5300) }, DNAT_IN(neptune),
	  .out = { BACK_UDP(neptune, REMOTE_IP, 53, 53) } },
	{ "to_uplink: earth's own packet, routed out by a forwarding host: lab_source",
	  TO_UPLINK, 0, { .kind = FR_UDP4, .dst = router_mac, .src = uplink_mac, .saddr = EARTH_IP,
			  .daddr = REMOTE_IP, .sport = 45000, .dport = 53 },
	  DROPPED(LAB_SOURCE) },
	{ "to_uplink: a host socket bound to a gateway: lab_source",
	  TO_UPLINK, 0, { .kind = FR_UDP4, .dst = router_mac, .src = uplink_mac, .saddr = MOON_GW,
			  .daddr = REMOTE_IP, .sport = 45000, .dport = 53 },
	  DROPPED(LAB_SOURCE) },
	{ "to_uplink: another host address: untouched and not counted",
	  TO_UPLINK, 0, { .kind = FR_UDP4, .dst = router_mac, .src = uplink_mac, .saddr = HOST_IP,
			  .daddr = REMOTE_IP, .sport = 45000, .dport = 53 },
	  HOSTS },
	{ "to_uplink: the host's TCP out, untouched and not counted",
	  TO_UPLINK, 0, { .kind = FR_TCP4, .dst = router_mac, .src = uplink_mac, .saddr = UPLINK_IP,
			  .daddr = REMOTE_IP, .sport = 45000, .dport = 6000, .tcp_flags = SYN },
	  HOSTS },
};
/* clang-format on */

/* ------------- a forward deleted or re-pointed never resumes its old flows */

static const struct fwd_rule udp5300_gone = { UDP, 0, 5300, 0, 0, 0, 0 };
static const struct fwd_rule udp5300_to_mars = { UDP, 0, 5300, 0, MARS_IP, 5400, MARS_IF };

/* clang-format off */
static const struct nat_step refwd_steps[] = {
	{ "world UDP 5000 -> uplink:5300: neptune:53",
	  FROM_UPLINK, UPLINK_IF, { IN_UDP(REMOTE_IP, 5000, 5300) }, DNAT_IN(neptune),
	  .out = { BACK_UDP(neptune, REMOTE_IP, 5000, 53) } },
	{ "neptune answers: out as uplink:5300",
	  FROM_NODE, NEPTUNE_IF, { OUT_UDP(neptune, 53, REMOTE_IP, 5000) }, REV_DNAT_OUT,
	  .out = { SNAT_UDP(neptune, 5300, REMOTE_IP, 5000) } },
	{ "forward del udp 5300; the client again: the host's, not neptune's",
	  FROM_UPLINK, UPLINK_IF, { IN_UDP(REMOTE_IP, 5000, 5300) }, HOSTS,
	  .refwd = &udp5300_gone },
	{ "neptune's answer after the del: no longer the forward's (exile-free planet "
	  "masquerades it as a flow of its own, from another port)",
	  FROM_NODE, NEPTUNE_IF, { OUT_UDP(neptune, 53, REMOTE_IP, 5000) }, SNAT_OUT,
	  .out = { SNAT_UDP(neptune, PORT_VAR(0), REMOTE_IP, 5000) },
	  .ct = { CT(NEPTUNE_IP, 53, REMOTE_IP, 5000, UDP), .nat_port = PORT_VAR(0),
		  .not_port = 5300, .pkts_orig = 1 } },
	{ "forward add udp 5300 mars:5400; the client, same source port: mars, not neptune",
	  FROM_UPLINK, UPLINK_IF, { IN_UDP(REMOTE_IP, 5000, 5300) }, DNAT_IN(mars),
	  .out = { BACK_UDP(mars, REMOTE_IP, 5000, 5400) }, .refwd = &udp5300_to_mars,
	  .natp = { NATP_DNAT(REMOTE_IP, 5000, 5300, UDP, MARS_IP, 5400, MARS_IF) } },
	{ "mars answers: out as uplink:5300",
	  FROM_NODE, MARS_IF, { OUT_UDP(mars, 5400, REMOTE_IP, 5000) }, REV_DNAT_OUT,
	  .out = { SNAT_UDP(mars, 5300, REMOTE_IP, 5000) } },
};
/* clang-format on */

/* ---------- one client port through two forwards to one node port (item 12) */

/* clang-format off */
static const struct fwd_rule clash_fwds[] = {
	{ TCP, 0, 6000, 0, EARTH_IP, 8080, EARTH_IF },
	{ TCP, 0, 6100, 0, EARTH_IP, 8080, EARTH_IF },
};
/* clang-format on */

/* clang-format off */
static const struct nat_step clash_steps[] = {
	{ "world 10000 -> uplink:6000: earth:8080 sees the client at 10000",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 10000, 6000, SYN) }, DNAT_IN(earth),
	  .out = { BACK_TCP(earth, REMOTE_IP, 10000, 8080, SYN) },
	  .natp = { NATP_DNAT(REMOTE_IP, 10000, 6000, TCP, EARTH_IP, 8080, EARTH_IF) } },
	{ "the same client port -> uplink:6100, also earth:8080: the node sees it at another "
	  "port (var 0), as nf_nat remaps a clash",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 10000, 6100, SYN) }, DNAT_IN(earth),
	  .out = { BACK_TCP(earth, REMOTE_IP, PORT_VAR(0), 8080, SYN) },
	  .natp = { NATP_DNAT(REMOTE_IP, 10000, 6100, TCP, EARTH_IP, 8080, EARTH_IF),
		    .seen_port = PORT_VAR(0) } },
	{ "its retransmission: the same flow, the same port",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 10000, 6100, SYN) }, DNAT_IN(earth),
	  .out = { BACK_TCP(earth, REMOTE_IP, PORT_VAR(0), 8080, SYN) },
	  .ct = { CT_DNATF(EARTH_IP, 8080, REMOTE_IP, PORT_VAR(0), TCP, 6100, NSB_CT_F_CPORT),
		  .dnat_port = 10000, .state = NSB_CT_NEW, .pkts_reply = 2 } },
	{ "earth answers the remapped one: out as uplink:6100 to the client's real port",
	  FROM_NODE, EARTH_IF, { OUT_TCP(earth, 8080, REMOTE_IP, PORT_VAR(0), SYNACK) },
	  REV_DNAT_OUT, .out = { SNAT_TCP(earth, 6100, REMOTE_IP, 10000, SYNACK) } },
	{ "and the first flow's answer: as uplink:6000, untouched by the second",
	  FROM_NODE, EARTH_IF, { OUT_TCP(earth, 8080, REMOTE_IP, 10000, SYNACK) },
	  REV_DNAT_OUT, .out = { SNAT_TCP(earth, 6000, REMOTE_IP, 10000, SYNACK) } },
	{ "the client's ACK on 6100: to earth at the remapped port",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 10000, 6100, ACK) }, DNAT_IN(earth),
	  .out = { BACK_TCP(earth, REMOTE_IP, PORT_VAR(0), 8080, ACK) } },
	{ "earth's port unreachable about it: the quote says uplink:6100 from client:10000",
	  FROM_NODE, EARTH_IF,
	  { OUT_ERR(earth, REMOTE_IP, 3, 3, QR_TCP(REMOTE_IP, PORT_VAR(0), EARTH_IP, 8080, ACK)) },
	  .verdict = TC_ACT_REDIRECT, .redirect = UPLINK_IF, .flags = NEIGH,
	  .stat = PATH(ICMP_ERR_OUT),
	  .out = { SNAT_ERR(earth, REMOTE_IP, 3, 3, QR_TCP(REMOTE_IP, 10000, UPLINK_IP, 6100, ACK)) } },
};
/* clang-format on */

/* ---------------- a hairpin port taken over: the old flow is gone, both halves */

/* clang-format off */
static const struct nat_step hp_takeover_steps[] = {
	{ "mars SYN 40100 -> uplink:6000: earth:8080 from the gateway, one of two ports (var 0)",
	  FROM_NODE, MARS_IF, { OUT_TCP(mars, 40100, UPLINK_IP, 6000, SYN) }, HAIRPIN_TO(earth),
	  .out = { HP_TCP(earth, PLANET_GW, PORT_VAR(0), 8080, SYN) },
	  .ct = { CT(MARS_IP, 40100, UPLINK_IP, 6000, TCP), .state = NSB_CT_NEW, .flags = HPF,
		  .nat_addr = PLANET_GW, .nat_port = PORT_VAR(0), .dnat_addr = EARTH_IP,
		  .dnat_port = 8080, .pkts_orig = 1 } },
	{ "mars SYN 40101: the other port (var 1)",
	  FROM_NODE, MARS_IF, { OUT_TCP(mars, 40101, UPLINK_IP, 6000, SYN) }, HAIRPIN_TO(earth),
	  .out = { HP_TCP(earth, PLANET_GW, PORT_VAR(1), 8080, SYN) },
	  .ct = { CT(MARS_IP, 40101, UPLINK_IP, 6000, TCP), .nat_port = PORT_VAR(1),
		  .not_port = PORT_VAR(0), .state = NSB_CT_NEW, .flags = HPF, .nat_addr = PLANET_GW,
		  .dnat_addr = EARTH_IP, .dnat_port = 8080, .pkts_orig = 1 } },
	{ "earth refuses the first (RST): closed",
	  FROM_NODE, EARTH_IF, { OUT_TCP(earth, 8080, PLANET_GW, PORT_VAR(0), RSTACK) },
	  HAIRPIN_TO(mars), .out = { HP_TCP(mars, UPLINK_IP, 6000, 40100, RSTACK) } },
	{ "neptune SYN 40102: takes over the closed flow's port",
	  FROM_NODE, NEPTUNE_IF, { OUT_TCP(neptune, 40102, UPLINK_IP, 6000, SYN) },
	  HAIRPIN_TO(earth), .out = { HP_TCP(earth, PLANET_GW, PORT_VAR(0), 8080, SYN) },
	  .ct = { CT(MARS_IP, 40100, UPLINK_IP, 6000, TCP), .absent = true } },
	{ "a straggler of mars's old flow: not into neptune's connection at earth, the host's",
	  FROM_NODE, MARS_IF, { OUT_TCP(mars, 40100, UPLINK_IP, 6000, ACK) }, TO_HOST,
	  .ct2 = { CT(EARTH_IP, 8080, PLANET_GW, PORT_VAR(0), TCP), .state = NSB_CT_NEW,
		   .flags = HPF | DNATF, .nat_addr = UPLINK_IP, .nat_port = 6000,
		   .dnat_addr = NEPTUNE_IP, .dnat_port = 40102, .pkts_reply = 1 } },
	{ "earth's answer goes to neptune",
	  FROM_NODE, EARTH_IF, { OUT_TCP(earth, 8080, PLANET_GW, PORT_VAR(0), SYNACK) },
	  HAIRPIN_TO(neptune), .out = { HP_TCP(neptune, UPLINK_IP, 6000, 40102, SYNACK) } },
};
/* clang-format on */

/* ------------------------- forged sources from the uplink (issue 9, item 2) */

#define FORGED(src)                                           \
	{ IN_UDP((src), 5000, 5300) }, DROPPED(UPLINK_SPOOF), \
		.ct = { CT(NEPTUNE_IP, 53, (src), 5000, UDP), .absent = true }

/* clang-format off */
static const struct nat_step spoof_steps[] = {
	{ "a datagram to the forward 5300 from another node (earth): uplink_spoof",
	  FROM_UPLINK, UPLINK_IF, FORGED(EARTH_IP) },
	{ "from an isolated node (pluto): uplink_spoof",
	  FROM_UPLINK, UPLINK_IF, FORGED(PLUTO_IP) },
	{ "from a gateway: uplink_spoof", FROM_UPLINK, UPLINK_IF, FORGED(PLANET_GW) },
	{ "from an unused lab address: uplink_spoof", FROM_UPLINK, UPLINK_IF, FORGED(MOON_NONE) },
	{ "from 127.0.0.1: uplink_spoof", FROM_UPLINK, UPLINK_IF, FORGED(IP4(127, 0, 0, 1)) },
	{ "from the uplink address itself: uplink_spoof", FROM_UPLINK, UPLINK_IF, FORGED(UPLINK_IP) },
	{ "from another host address: uplink_spoof", FROM_UPLINK, UPLINK_IF, FORGED(HOST_IP) },
	{ "from 0.0.0.0: uplink_spoof", FROM_UPLINK, UPLINK_IF, FORGED(IP4(0, 0, 0, 0)) },
	{ "from multicast: uplink_spoof", FROM_UPLINK, UPLINK_IF, FORGED(MDNS_IP) },
	{ "from 240.0.0.1: uplink_spoof", FROM_UPLINK, UPLINK_IF, FORGED(IP4(240, 0, 0, 1)) },
	{ "from 255.255.255.255: uplink_spoof", FROM_UPLINK, UPLINK_IF, FORGED(LIMITED_BCAST) },
	{ "a SYN to the forward 6000 from earth's address: uplink_spoof, no hit",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(EARTH_IP, 8080, 6000, SYN) }, DROPPED(UPLINK_SPOOF),
	  .ct = { CT(EARTH_IP, 8080, EARTH_IP, 8080, TCP), .absent = true },
	  .hits = { HITS(0, 6000, TCP, 0) } },
	{ "the same from the world: in, as always",
	  FROM_UPLINK, UPLINK_IF, { IN_UDP(REMOTE_IP, 5000, 5300) }, DNAT_IN(neptune),
	  .out = { BACK_UDP(neptune, REMOTE_IP, 5000, 53) } },
	{ "an ICMP error about that flow from a forged lab source: uplink_spoof",
	  FROM_UPLINK, UPLINK_IF, { IN_ERR(MARS_IP, 3, 3, Q_UDP(5300, REMOTE_IP, 5000)) },
	  DROPPED(UPLINK_SPOOF) },
	{ "the host's own traffic from odd sources stays the host's (its stack judges it)",
	  FROM_UPLINK, UPLINK_IF, { IN_UDP(IP4(0, 0, 0, 0), 68, 67), .daddr = LIMITED_BCAST },
	  HOSTS },
};
/* clang-format on */

/* ------------------------------------------ window scales of a forward's flow */

/* Linux's SYN options (MSS, SACK_PERM, timestamps, NOP, WS) with scales 7 and 9 */
static const uint8_t opt_ws7[20] = { 2,	   4,	 5, 0xb4, 4, 2, 8, 10, 0, 0,
				     0x12, 0x34, 0, 0,	  0, 0, 1, 3,  3, 7 };
static const uint8_t opt_ws9[20] = { 2,	   4,	 5, 0xb4, 4,	2,    8, 10, 0, 0,
				     0x56, 0x78, 0, 0,	  0x12, 0x34, 1, 3,  3, 9 };
#define OPTS(o) .tcp_opts = (o), .tcp_opts_len = sizeof(o)

/* clang-format off */
static const struct nat_step dnat_wscale_steps[] = {
	{ "world SYN announcing WS 7: DNAT to earth, the client's side scales by 7",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 40100, 6000, SYN), OPTS(opt_ws7) },
	  DNAT_IN(earth), .out = { BACK_TCP(earth, REMOTE_IP, 40100, 8080, SYN), OPTS(opt_ws7) },
	  .ct = { CT_DNAT(EARTH_IP, 8080, REMOTE_IP, 40100, TCP, 6000), .state = NSB_CT_NEW,
		  .pkts_reply = 1, .wscale = { WS_NONE, WS(7) } } },
	{ "earth's SYN-ACK announcing WS 9: both sides scale, ESTABLISHED",
	  FROM_NODE, EARTH_IF, { OUT_TCP(earth, 8080, REMOTE_IP, 40100, SYNACK), OPTS(opt_ws9) },
	  REV_DNAT_OUT, .out = { SNAT_TCP(earth, 6000, REMOTE_IP, 40100, SYNACK), OPTS(opt_ws9) },
	  .ct = { CT_DNAT(EARTH_IP, 8080, REMOTE_IP, 40100, TCP, 6000),
		  .state = NSB_CT_ESTABLISHED, .pkts_orig = 1, .pkts_reply = 1,
		  .wscale = { WS(9), WS(7) } } },
};
/* clang-format on */

#define FWD_TABLE(s, ...) TABLE(s, .fwds = fwds, .n_fwds = N(fwds), ##__VA_ARGS__)

Test(forward, tcp_from_outside)
{
	/* timeouts in milliseconds: the ages must stay below the machine's uptime (a fresh VM) */
	run_table(FWD_TABLE(dnat_tcp_steps, .unit_ns = MSEC_NS));
}

Test(forward, window_scales)
{
	run_table(FWD_TABLE(dnat_wscale_steps));
}

Test(forward, udp_from_outside)
{
	run_table(FWD_TABLE(dnat_udp_steps));
}

Test(forward, hairpin)
{
	run_table(FWD_TABLE(hairpin_steps));
}

/* Forwards and hairpin with every frame a CHECKSUM_COMPLETE skb (st_csum_complete). */
Test(forward, checksum_complete_kept)
{
	st_csum_complete = true;
	run_table(FWD_TABLE(dnat_tcp_steps, .unit_ns = MSEC_NS));
	run_table(FWD_TABLE(dnat_udp_steps));
	run_table(FWD_TABLE(hairpin_steps));
}

Test(forward, deleted_or_repointed_forward)
{
	run_table(FWD_TABLE(refwd_steps));
}

Test(forward, client_port_clash_remapped)
{
	run_table(TABLE(clash_steps, .fwds = clash_fwds, .n_fwds = N(clash_fwds)));
}

Test(forward, hairpin_port_taken_over)
{
	run_table(FWD_TABLE(hp_takeover_steps, .port_min = 61000, .port_max = 61001));
}

Test(forward, forged_sources_from_uplink)
{
	run_table(FWD_TABLE(spoof_steps));
}

Test(forward, inbound_and_host_traffic)
{
	run_table(FWD_TABLE(inbound_steps));
}
