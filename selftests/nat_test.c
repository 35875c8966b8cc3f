// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Masquerade (datapath II) under BPF_PROG_TEST_RUN: from_node's SNAT and
 * from_uplink's way back, as tables of steps that share the maps, so a
 * table is a story: a flow goes out, its reply comes back, its ct entry
 * changes state. Each step names its input frame (built from the lab's
 * named addresses), the hook, and what must come out: the verdict, the
 * bytes (compared whole against a frame built from scratch; passed frames
 * must be untouched), every checksum of the output recomputed from scratch,
 * the redirect target and flags, the one stats slot that counts it (or none:
 * from_uplink never counts the host's own traffic), and the ct entry after
 * it. A NAT port the test cannot know beforehand (one not kept from the
 * node) is learnt from ct into a variable, PORT_VAR(n), which later frames
 * use. The vocabulary and the runner: nat_table.h.
 */
#include "nat_table.h"

/* ---------------------------------------------------------------- TCP */

/* clang-format off */
static const struct nat_step tcp_steps[] = {
	{ "earth SYN from 61100 (in the range, free): port kept, SNAT, NEW",
	  FROM_NODE, EARTH_IF, { OUT_TCP(earth, 61100, REMOTE_IP, 80, SYN) }, SNAT_OUT,
	  .out = { SNAT_TCP(earth, 61100, REMOTE_IP, 80, SYN) },
	  .ct = { CT(EARTH_IP, 61100, REMOTE_IP, 80, TCP), .state = NSB_CT_NEW,
		  .nat_port = 61100, .pkts_orig = 1 } },
	{ "SYN-ACK back to 61100: into earth, ESTABLISHED",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 80, 61100, SYNACK) }, INTO(earth),
	  .out = { BACK_TCP(earth, REMOTE_IP, 80, 61100, SYNACK) }, .stat = PATH(REV_SNAT),
	  .ct = { CT(EARTH_IP, 61100, REMOTE_IP, 80, TCP), .state = NSB_CT_ESTABLISHED,
		  .nat_port = 61100, .pkts_orig = 1, .pkts_reply = 1 } },
	{ "earth ACK with data: the existing entry, ESTABLISHED",
	  FROM_NODE, EARTH_IF, { OUT_TCP(earth, 61100, REMOTE_IP, 80, ACK), .payload_len = 300 },
	  SNAT_OUT, .out = { SNAT_TCP(earth, 61100, REMOTE_IP, 80, ACK), .payload_len = 300 },
	  .ct = { CT(EARTH_IP, 61100, REMOTE_IP, 80, TCP), .state = NSB_CT_ESTABLISHED,
		  .nat_port = 61100, .pkts_orig = 2, .pkts_reply = 1 } },
	{ "data back, with IP options (IHL 6)",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 80, 61100, ACK), .ihl = 6 }, INTO(earth),
	  .out = { BACK_TCP(earth, REMOTE_IP, 80, 61100, ACK), .ihl = 6 }, .stat = PATH(REV_SNAT),
	  .ct = { CT(EARTH_IP, 61100, REMOTE_IP, 80, TCP), .state = NSB_CT_ESTABLISHED,
		  .nat_port = 61100, .pkts_orig = 2, .pkts_reply = 2 } },
	{ "earth's ICMP error about the data it got (parameter problem): out from the "
	  "uplink, quoting uplink:61100 (RFC 5508)",
	  FROM_NODE, EARTH_IF,
	  { OUT_ERR(earth, REMOTE_IP, 12, 0, QR_TCP(REMOTE_IP, 80, EARTH_IP, 61100, ACK)) },
	  .verdict = TC_ACT_REDIRECT, .redirect = UPLINK_IF, .flags = NEIGH,
	  .stat = PATH(ICMP_ERR_OUT),
	  .out = { SNAT_ERR(earth, REMOTE_IP, 12, 0, QR_TCP(REMOTE_IP, 80, UPLINK_IP, 61100, ACK)) } },
	{ "earth FIN: CLOSING, FIN_ORIG",
	  FROM_NODE, EARTH_IF, { OUT_TCP(earth, 61100, REMOTE_IP, 80, FINACK) }, SNAT_OUT,
	  .out = { SNAT_TCP(earth, 61100, REMOTE_IP, 80, FINACK) },
	  .ct = { CT(EARTH_IP, 61100, REMOTE_IP, 80, TCP), .state = NSB_CT_CLOSING,
		  .flags = NSB_CT_F_FIN_ORIG, .nat_port = 61100, .pkts_orig = 3,
		  .pkts_reply = 2 } },
	{ "FIN back: CLOSED, both FINs",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 80, 61100, FINACK) }, INTO(earth),
	  .out = { BACK_TCP(earth, REMOTE_IP, 80, 61100, FINACK) }, .stat = PATH(REV_SNAT),
	  .ct = { CT(EARTH_IP, 61100, REMOTE_IP, 80, TCP), .state = NSB_CT_CLOSED,
		  .flags = NSB_CT_F_FIN_ORIG | NSB_CT_F_FIN_REPLY, .nat_port = 61100,
		  .pkts_orig = 3, .pkts_reply = 3 } },
	{ "a new SYN on the same ports (TIME_WAIT reuse): same entry and port, NEW again",
	  FROM_NODE, EARTH_IF, { OUT_TCP(earth, 61100, REMOTE_IP, 80, SYN), .seq = 0x55667788 },
	  SNAT_OUT, .out = { SNAT_TCP(earth, 61100, REMOTE_IP, 80, SYN), .seq = 0x55667788 },
	  .ct = { CT(EARTH_IP, 61100, REMOTE_IP, 80, TCP), .state = NSB_CT_NEW,
		  .nat_port = 61100, .pkts_orig = 4, .pkts_reply = 3 } },
	{ "earth SYN to :443 from 61101, then RST back: CLOSING",
	  FROM_NODE, EARTH_IF, { OUT_TCP(earth, 61101, REMOTE_IP, 443, SYN) }, SNAT_OUT,
	  .out = { SNAT_TCP(earth, 61101, REMOTE_IP, 443, SYN) },
	  .ct = { CT(EARTH_IP, 61101, REMOTE_IP, 443, TCP), .state = NSB_CT_NEW,
		  .nat_port = 61101, .pkts_orig = 1 } },
	{ "RST back: into earth, CLOSED",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 443, 61101, RSTACK) }, INTO(earth),
	  .out = { BACK_TCP(earth, REMOTE_IP, 443, 61101, RSTACK) }, .stat = PATH(REV_SNAT),
	  .ct = { CT(EARTH_IP, 61101, REMOTE_IP, 443, TCP), .state = NSB_CT_CLOSED,
		  .flags = NSB_CT_F_RST, .nat_port = 61101, .pkts_orig = 1, .pkts_reply = 1 } },
	{ "earth SYN from 40000 (outside the range): a port from the range (var 0)",
	  FROM_NODE, EARTH_IF, { OUT_TCP(earth, 40000, REMOTE_IP, 80, SYN) }, SNAT_OUT,
	  .out = { SNAT_TCP(earth, PORT_VAR(0), REMOTE_IP, 80, SYN) },
	  .ct = { CT(EARTH_IP, 40000, REMOTE_IP, 80, TCP), .state = NSB_CT_NEW,
		  .nat_port = PORT_VAR(0), .pkts_orig = 1 } },
	{ "SYN-ACK back to var 0: into earth at port 40000",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 80, PORT_VAR(0), SYNACK) }, INTO(earth),
	  .out = { BACK_TCP(earth, REMOTE_IP, 80, 40000, SYNACK) }, .stat = PATH(REV_SNAT),
	  .ct = { CT(EARTH_IP, 40000, REMOTE_IP, 80, TCP), .state = NSB_CT_ESTABLISHED,
		  .nat_port = PORT_VAR(0), .pkts_orig = 1, .pkts_reply = 1 } },
	{ "earth RST from 40000: CLOSED",
	  FROM_NODE, EARTH_IF, { OUT_TCP(earth, 40000, REMOTE_IP, 80, RSTACK) }, SNAT_OUT,
	  .out = { SNAT_TCP(earth, PORT_VAR(0), REMOTE_IP, 80, RSTACK) },
	  .ct = { CT(EARTH_IP, 40000, REMOTE_IP, 80, TCP), .state = NSB_CT_CLOSED,
		  .flags = NSB_CT_F_RST, .nat_port = PORT_VAR(0), .pkts_orig = 2, .pkts_reply = 1 } },
	{ "mid-stream ACK with no entry: picked up, ESTABLISHED",
	  FROM_NODE, EARTH_IF, { OUT_TCP(earth, 61102, REMOTE_IP, 80, ACK) }, SNAT_OUT,
	  .out = { SNAT_TCP(earth, 61102, REMOTE_IP, 80, ACK) },
	  .ct = { CT(EARTH_IP, 61102, REMOTE_IP, 80, TCP), .state = NSB_CT_ESTABLISHED,
		  .nat_port = 61102, .pkts_orig = 1 } },
	{ "SYN with IP options (IHL 6, Router Alert): translated at the right offsets",
	  FROM_NODE, EARTH_IF, { OUT_TCP(earth, 61103, REMOTE_IP, 80, SYN), .ihl = 6 }, SNAT_OUT,
	  .out = { SNAT_TCP(earth, 61103, REMOTE_IP, 80, SYN), .ihl = 6 },
	  .ct = { CT(EARTH_IP, 61103, REMOTE_IP, 80, TCP), .state = NSB_CT_NEW,
		  .nat_port = 61103, .pkts_orig = 1 } },
	{ "mars (moon masquerades too) SYN from 61104",
	  FROM_NODE, MARS_IF, { OUT_TCP(mars, 61104, REMOTE2_IP, 22, SYN) }, SNAT_OUT,
	  .out = { SNAT_TCP(mars, 61104, REMOTE2_IP, 22, SYN) },
	  .ct = { CT(MARS_IP, 61104, REMOTE2_IP, 22, TCP), .state = NSB_CT_NEW,
		  .nat_port = 61104, .pkts_orig = 1 } },
	{ "its SYN-ACK: into mars",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE2_IP, 22, 61104, SYNACK) }, INTO(mars),
	  .out = { BACK_TCP(mars, REMOTE2_IP, 22, 61104, SYNACK) }, .stat = PATH(REV_SNAT) },
	{ "a SYN-ACK from another remote port: no flow, the host's, untouched",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE2_IP, 23, 61104, SYNACK) }, HOSTS },
	{ "a SYN-ACK from another remote address: the host's, untouched",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 22, 61104, SYNACK) }, HOSTS },
	{ "TTL 1 on a reply: dropped (ttl), it is the lab's",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE2_IP, 22, 61104, ACK), .ttl = 1 },
	  .verdict = TC_ACT_SHOT, .stat = DROP(TTL) },
};
/* clang-format on */

/* ---------------------------------------------------------------- UDP */

/* clang-format off */
static const struct nat_step udp_steps[] = {
	{ "earth UDP 61200 -> remote:53 with a checksum: SNAT, NEW",
	  FROM_NODE, EARTH_IF, { OUT_UDP(earth, 61200, REMOTE_IP, 53) }, SNAT_OUT,
	  .out = { SNAT_UDP(earth, 61200, REMOTE_IP, 53) },
	  .ct = { CT(EARTH_IP, 61200, REMOTE_IP, 53, UDP), .state = NSB_CT_NEW,
		  .nat_port = 61200, .pkts_orig = 1 } },
	{ "its reply: into earth, ESTABLISHED",
	  FROM_UPLINK, UPLINK_IF, { IN_UDP(REMOTE_IP, 53, 61200), .payload_len = 100 }, INTO(earth),
	  .out = { BACK_UDP(earth, REMOTE_IP, 53, 61200), .payload_len = 100 },
	  .stat = PATH(REV_SNAT),
	  .ct = { CT(EARTH_IP, 61200, REMOTE_IP, 53, UDP), .state = NSB_CT_ESTABLISHED,
		  .nat_port = 61200, .pkts_orig = 1, .pkts_reply = 1 } },
	{ "earth UDP 61201 without a checksum: SNAT, the checksum stays 0",
	  FROM_NODE, EARTH_IF, { OUT_UDP(earth, 61201, REMOTE_IP, 9), .no_csum = true }, SNAT_OUT,
	  .out = { SNAT_UDP(earth, 61201, REMOTE_IP, 9), .no_csum = true },
	  .ct = { CT(EARTH_IP, 61201, REMOTE_IP, 9, UDP), .state = NSB_CT_NEW,
		  .nat_port = 61201, .pkts_orig = 1 } },
	{ "its reply without a checksum: into earth, still 0",
	  FROM_UPLINK, UPLINK_IF, { IN_UDP(REMOTE_IP, 9, 61201), .no_csum = true }, INTO(earth),
	  .out = { BACK_UDP(earth, REMOTE_IP, 9, 61201), .no_csum = true },
	  .stat = PATH(REV_SNAT) },
	{ "earth UDP 40001 (outside the range), no checksum: port changes, checksum stays 0",
	  FROM_NODE, EARTH_IF, { OUT_UDP(earth, 40001, REMOTE_IP, 9), .no_csum = true }, SNAT_OUT,
	  .out = { SNAT_UDP(earth, PORT_VAR(0), REMOTE_IP, 9), .no_csum = true },
	  .ct = { CT(EARTH_IP, 40001, REMOTE_IP, 9, UDP), .state = NSB_CT_NEW,
		  .nat_port = PORT_VAR(0), .pkts_orig = 1 } },
	{ "its reply, no checksum: to 40001, still 0",
	  FROM_UPLINK, UPLINK_IF, { IN_UDP(REMOTE_IP, 9, PORT_VAR(0)), .no_csum = true },
	  INTO(earth), .out = { BACK_UDP(earth, REMOTE_IP, 9, 40001), .no_csum = true },
	  .stat = PATH(REV_SNAT) },
	{ "earth UDP 40002 with a checksum: port and address in the checksum",
	  FROM_NODE, EARTH_IF, { OUT_UDP(earth, 40002, REMOTE2_IP, 123), .payload_len = 48 },
	  SNAT_OUT, .out = { SNAT_UDP(earth, PORT_VAR(1), REMOTE2_IP, 123), .payload_len = 48 },
	  .ct = { CT(EARTH_IP, 40002, REMOTE2_IP, 123, UDP), .state = NSB_CT_NEW,
		  .nat_port = PORT_VAR(1), .pkts_orig = 1 } },
	{ "its reply: to 40002",
	  FROM_UPLINK, UPLINK_IF, { IN_UDP(REMOTE2_IP, 123, PORT_VAR(1)), .payload_len = 48 },
	  INTO(earth), .out = { BACK_UDP(earth, REMOTE2_IP, 123, 40002), .payload_len = 48 },
	  .stat = PATH(REV_SNAT),
	  .ct = { CT(EARTH_IP, 40002, REMOTE2_IP, 123, UDP), .state = NSB_CT_ESTABLISHED,
		  .nat_port = PORT_VAR(1), .pkts_orig = 1, .pkts_reply = 1 } },
	{ "UDP with IP options (IHL 7) and Ethernet padding",
	  FROM_NODE, EARTH_IF, { OUT_UDP(earth, 61202, REMOTE_IP, 53), .ihl = 7, .payload_len = 2,
				 .pad_to = 64 },
	  SNAT_OUT, .out = { SNAT_UDP(earth, 61202, REMOTE_IP, 53), .ihl = 7, .payload_len = 2,
			     .pad_to = 64 } },
	{ "a reply to a port in the range without a flow: the host's, untouched",
	  FROM_UPLINK, UPLINK_IF, { IN_UDP(REMOTE_IP, 53, 61299) }, HOSTS },
};
/* clang-format on */

/* ---------------------------------------------------------------- ICMP echo */

/* clang-format off */
static const struct nat_step echo_steps[] = {
	{ "earth pings with id 61300 (in the range): id kept, SNAT",
	  FROM_NODE, EARTH_IF, { OUT_PING(earth, 61300, REMOTE_IP) }, SNAT_OUT,
	  .out = { SNAT_PING(earth, 61300, REMOTE_IP) },
	  .ct = { CT(EARTH_IP, 61300, REMOTE_IP, 0, ICMP), .state = NSB_CT_NEW,
		  .nat_port = 61300, .pkts_orig = 1 } },
	{ "echo reply: into earth, ESTABLISHED",
	  FROM_UPLINK, UPLINK_IF, { IN_PONG(REMOTE_IP, 61300) }, INTO(earth),
	  .out = { BACK_PONG(earth, REMOTE_IP, 61300) }, .stat = PATH(REV_SNAT),
	  .ct = { CT(EARTH_IP, 61300, REMOTE_IP, 0, ICMP), .state = NSB_CT_ESTABLISHED,
		  .nat_port = 61300, .pkts_orig = 1, .pkts_reply = 1 } },
	{ "neptune pings with id 1234: the id is translated (var 0)",
	  FROM_NODE, NEPTUNE_IF, { OUT_PING(neptune, 1234, REMOTE_IP), .payload_len = 56 },
	  SNAT_OUT, .out = { SNAT_PING(neptune, PORT_VAR(0), REMOTE_IP), .payload_len = 56 },
	  .ct = { CT(NEPTUNE_IP, 1234, REMOTE_IP, 0, ICMP), .state = NSB_CT_NEW,
		  .nat_port = PORT_VAR(0), .pkts_orig = 1 } },
	{ "its reply with the allocated id: into neptune with id 1234",
	  FROM_UPLINK, UPLINK_IF, { IN_PONG(REMOTE_IP, PORT_VAR(0)), .payload_len = 56 },
	  INTO(neptune), .out = { BACK_PONG(neptune, REMOTE_IP, 1234), .payload_len = 56 },
	  .stat = PATH(REV_SNAT) },
	{ "an echo reply with no flow: the host's (its own ping), untouched",
	  FROM_UPLINK, UPLINK_IF, { IN_PONG(REMOTE_IP, 61301) }, HOSTS },
	{ "an echo request from the world: the host's, untouched",
	  FROM_UPLINK, UPLINK_IF, { IN_PONG(REMOTE_IP, 61300), .icmp_type = 8 }, HOSTS },
	{ "pluto (exile, no masquerade) pings out: no_masquerade",
	  FROM_NODE, PLUTO_IF, { OUT_PING(pluto, 5, REMOTE_IP) },
	  .verdict = TC_ACT_SHOT, .stat = DROP(NO_MASQUERADE),
	  .ct = { CT(PLUTO_IP, 5, REMOTE_IP, 0, ICMP), .absent = true } },
	{ "earth sends an echo reply out (type 0): nat_proto",
	  FROM_NODE, EARTH_IF, { OUT_PING(earth, 7, REMOTE_IP), .icmp_type = 0 },
	  .verdict = TC_ACT_SHOT, .stat = DROP(NAT_PROTO) },
	{ "earth sends a timestamp request (type 13): nat_proto",
	  FROM_NODE, EARTH_IF, { OUT_PING(earth, 7, REMOTE_IP), .icmp_type = 13 },
	  .verdict = TC_ACT_SHOT, .stat = DROP(NAT_PROTO) },
};
/* clang-format on */

/* ------------------------------------------------------- ICMP errors back */

/* clang-format off */
static const struct nat_step icmp_err_steps[] = {
	{ "earth UDP 40010 -> remote:33434: SNAT (var 0)",
	  FROM_NODE, EARTH_IF, { OUT_UDP(earth, 40010, REMOTE_IP, 33434) }, SNAT_OUT,
	  .out = { SNAT_UDP(earth, PORT_VAR(0), REMOTE_IP, 33434) },
	  .ct = { CT(EARTH_IP, 40010, REMOTE_IP, 33434, UDP), .nat_port = PORT_VAR(0),
		  .pkts_orig = 1 } },
	{ "earth TCP SYN 40011 -> remote:80: SNAT (var 1)",
	  FROM_NODE, EARTH_IF, { OUT_TCP(earth, 40011, REMOTE_IP, 80, SYN) }, SNAT_OUT,
	  .out = { SNAT_TCP(earth, PORT_VAR(1), REMOTE_IP, 80, SYN) },
	  .ct = { CT(EARTH_IP, 40011, REMOTE_IP, 80, TCP), .nat_port = PORT_VAR(1),
		  .pkts_orig = 1 } },
	{ "earth pings with id 777: SNAT (var 2)",
	  FROM_NODE, EARTH_IF, { OUT_PING(earth, 777, REMOTE_IP) }, SNAT_OUT,
	  .out = { SNAT_PING(earth, PORT_VAR(2), REMOTE_IP) },
	  .ct = { CT(EARTH_IP, 777, REMOTE_IP, 0, ICMP), .nat_port = PORT_VAR(2),
		  .pkts_orig = 1 } },
	{ "mars UDP 61500 -> remote2:53: SNAT, port kept",
	  FROM_NODE, MARS_IF, { OUT_UDP(mars, 61500, REMOTE2_IP, 53) }, SNAT_OUT,
	  .out = { SNAT_UDP(mars, 61500, REMOTE2_IP, 53) } },

	{ "port unreachable quoting the UDP flow (header + 8): into earth, quote translated",
	  FROM_UPLINK, UPLINK_IF,
	  { IN_ERR(REMOTE_IP, 3, 3, Q_UDP(PORT_VAR(0), REMOTE_IP, 33434)) }, INTO(earth),
	  .out = { BACK_ERR(earth, REMOTE_IP, 3, 3, QN_UDP(EARTH_IP, 40010, REMOTE_IP, 33434)) },
	  .stat = PATH(ICMP_ERR_REV),
	  .ct = { CT(EARTH_IP, 40010, REMOTE_IP, 33434, UDP), .nat_port = PORT_VAR(0),
		  .pkts_orig = 1, .pkts_reply = 0 } },
	{ "port unreachable quoting all of the UDP datagram: its checksum back to the node's",
	  FROM_UPLINK, UPLINK_IF,
	  { IN_ERR(REMOTE_IP, 3, 3, Q_UDP(PORT_VAR(0), REMOTE_IP, 33434)), .quote_len = 44 },
	  INTO(earth),
	  .out = { BACK_ERR(earth, REMOTE_IP, 3, 3, QN_UDP(EARTH_IP, 40010, REMOTE_IP, 33434)),
		   .quote_len = 44 },
	  .stat = PATH(ICMP_ERR_REV) },
	{ "time exceeded from a router quoting the UDP flow",
	  FROM_UPLINK, UPLINK_IF,
	  { IN_ERR(ROUTER_IP, 11, 0, Q_UDP(PORT_VAR(0), REMOTE_IP, 33434)) }, INTO(earth),
	  .out = { BACK_ERR(earth, ROUTER_IP, 11, 0, QN_UDP(EARTH_IP, 40010, REMOTE_IP, 33434)) },
	  .stat = PATH(ICMP_ERR_REV) },
	{ "fragmentation needed (MTU 1280) quoting all of the TCP SYN: TCP checksum back too",
	  FROM_UPLINK, UPLINK_IF,
	  { IN_ERR(ROUTER_IP, 3, 4, Q_TCP(PORT_VAR(1), REMOTE_IP, 80, SYN)), .icmp_mtu = 1280,
	    .quote_len = 56 },
	  INTO(earth),
	  .out = { BACK_ERR(earth, ROUTER_IP, 3, 4, QN_TCP(EARTH_IP, 40011, REMOTE_IP, 80, SYN)),
		   .icmp_mtu = 1280, .quote_len = 56 },
	  .stat = PATH(ICMP_ERR_REV) },
	{ "fragmentation needed (MTU 576) quoting the UDP flow",
	  FROM_UPLINK, UPLINK_IF,
	  { IN_ERR(ROUTER_IP, 3, 4, Q_UDP(PORT_VAR(0), REMOTE_IP, 33434)), .icmp_mtu = 576 },
	  INTO(earth),
	  .out = { BACK_ERR(earth, ROUTER_IP, 3, 4, QN_UDP(EARTH_IP, 40010, REMOTE_IP, 33434)),
		   .icmp_mtu = 576 },
	  .stat = PATH(ICMP_ERR_REV) },
	{ "fragmentation needed quoting the TCP header's first 8 bytes",
	  FROM_UPLINK, UPLINK_IF,
	  { IN_ERR(ROUTER_IP, 3, 4, Q_TCP(PORT_VAR(1), REMOTE_IP, 80, SYN)), .icmp_mtu = 1400 },
	  INTO(earth),
	  .out = { BACK_ERR(earth, ROUTER_IP, 3, 4, QN_TCP(EARTH_IP, 40011, REMOTE_IP, 80, SYN)),
		   .icmp_mtu = 1400 },
	  .stat = PATH(ICMP_ERR_REV) },
	{ "time exceeded quoting the TCP SYN (header + 28)",
	  FROM_UPLINK, UPLINK_IF,
	  { IN_ERR(ROUTER_IP, 11, 0, Q_TCP(PORT_VAR(1), REMOTE_IP, 80, SYN)), .quote_len = 48 },
	  INTO(earth),
	  .out = { BACK_ERR(earth, ROUTER_IP, 11, 0, QN_TCP(EARTH_IP, 40011, REMOTE_IP, 80, SYN)),
		   .quote_len = 48 },
	  .stat = PATH(ICMP_ERR_REV) },
	{ "port unreachable (the TCP port is closed, code 3) quoting TCP",
	  FROM_UPLINK, UPLINK_IF,
	  { IN_ERR(REMOTE_IP, 3, 3, Q_TCP(PORT_VAR(1), REMOTE_IP, 80, SYN)) }, INTO(earth),
	  .out = { BACK_ERR(earth, REMOTE_IP, 3, 3, QN_TCP(EARTH_IP, 40011, REMOTE_IP, 80, SYN)) },
	  .stat = PATH(ICMP_ERR_REV) },
	{ "host unreachable quoting all of the echo request: echo id and its checksum back",
	  FROM_UPLINK, UPLINK_IF,
	  { IN_ERR(ROUTER_IP, 3, 1, Q_PING(PORT_VAR(2), REMOTE_IP)), .quote_len = 44 },
	  INTO(earth),
	  .out = { BACK_ERR(earth, ROUTER_IP, 3, 1, QN_PING(EARTH_IP, 777, REMOTE_IP)),
		   .quote_len = 44 },
	  .stat = PATH(ICMP_ERR_REV) },
	{ "time exceeded quoting the echo request (header + 8)",
	  FROM_UPLINK, UPLINK_IF, { IN_ERR(ROUTER_IP, 11, 0, Q_PING(PORT_VAR(2), REMOTE_IP)) },
	  INTO(earth),
	  .out = { BACK_ERR(earth, ROUTER_IP, 11, 0, QN_PING(EARTH_IP, 777, REMOTE_IP)) },
	  .stat = PATH(ICMP_ERR_REV) },
	{ "parameter problem quoting the UDP flow",
	  FROM_UPLINK, UPLINK_IF,
	  { IN_ERR(REMOTE_IP, 12, 0, Q_UDP(PORT_VAR(0), REMOTE_IP, 33434)) }, INTO(earth),
	  .out = { BACK_ERR(earth, REMOTE_IP, 12, 0, QN_UDP(EARTH_IP, 40010, REMOTE_IP, 33434)) },
	  .stat = PATH(ICMP_ERR_REV) },
	{ "time exceeded quoting mars's UDP flow: into mars",
	  FROM_UPLINK, UPLINK_IF, { IN_ERR(ROUTER_IP, 11, 0, Q_UDP(61500, REMOTE2_IP, 53)) },
	  INTO(mars),
	  .out = { BACK_ERR(mars, ROUTER_IP, 11, 0, QN_UDP(MARS_IP, 61500, REMOTE2_IP, 53)) },
	  .stat = PATH(ICMP_ERR_REV) },
	{ "an error quoting the host's own flow (port 45000): the host's, untouched",
	  FROM_UPLINK, UPLINK_IF, { IN_ERR(REMOTE_IP, 3, 3, Q_UDP(45000, REMOTE_IP, 33434)) },
	  HOSTS },
	{ "an error quoting a port in the range with no flow: the host's, untouched",
	  FROM_UPLINK, UPLINK_IF, { IN_ERR(REMOTE_IP, 3, 3, Q_UDP(61599, REMOTE_IP, 33434)) },
	  HOSTS },
	{ "an error quoting a datagram the uplink did not send: the host's, untouched",
	  FROM_UPLINK, UPLINK_IF,
	  { IN_ERR(REMOTE_IP, 3, 3, QN_UDP(HOST_IP, PORT_VAR(0), REMOTE_IP, 33434)) }, HOSTS },
	{ "an error quoting only 4 bytes of UDP: the host's, untouched",
	  FROM_UPLINK, UPLINK_IF,
	  { IN_ERR(REMOTE_IP, 3, 3, Q_UDP(PORT_VAR(0), REMOTE_IP, 33434)), .quote_len = 24 },
	  HOSTS },
	{ "a redirect (type 5) quoting the UDP flow: not translated, the host's",
	  FROM_UPLINK, UPLINK_IF,
	  { IN_ERR(ROUTER_IP, 5, 1, Q_UDP(PORT_VAR(0), REMOTE_IP, 33434)) }, HOSTS },
	{ "an error about a lab flow with TTL 1: dropped (ttl)",
	  FROM_UPLINK, UPLINK_IF,
	  { IN_ERR(REMOTE_IP, 3, 3, Q_UDP(PORT_VAR(0), REMOTE_IP, 33434)), .ttl = 1 },
	  .verdict = TC_ACT_SHOT, .stat = DROP(TTL) },
};
/* clang-format on */

/* ------------------------------------------------------ port collisions */

/* clang-format off */
static const struct nat_step collision_steps[] = {
	{ "earth SYN 40100 -> remote:80 (var 0)",
	  FROM_NODE, EARTH_IF, { OUT_TCP(earth, 40100, REMOTE_IP, 80, SYN) }, SNAT_OUT,
	  .out = { SNAT_TCP(earth, PORT_VAR(0), REMOTE_IP, 80, SYN) },
	  .ct = { CT(EARTH_IP, 40100, REMOTE_IP, 80, TCP), .nat_port = PORT_VAR(0),
		  .pkts_orig = 1 } },
	{ "neptune SYN from the same port to the same place: another port (var 1)",
	  FROM_NODE, NEPTUNE_IF, { OUT_TCP(neptune, 40100, REMOTE_IP, 80, SYN) }, SNAT_OUT,
	  .out = { SNAT_TCP(neptune, PORT_VAR(1), REMOTE_IP, 80, SYN) },
	  .ct = { CT(NEPTUNE_IP, 40100, REMOTE_IP, 80, TCP), .nat_port = PORT_VAR(1),
		  .not_port = PORT_VAR(0), .pkts_orig = 1 } },
	{ "SYN-ACK to var 0: into earth",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 80, PORT_VAR(0), SYNACK) }, INTO(earth),
	  .out = { BACK_TCP(earth, REMOTE_IP, 80, 40100, SYNACK) }, .stat = PATH(REV_SNAT) },
	{ "SYN-ACK to var 1: into neptune",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 80, PORT_VAR(1), SYNACK) }, INTO(neptune),
	  .out = { BACK_TCP(neptune, REMOTE_IP, 80, 40100, SYNACK) }, .stat = PATH(REV_SNAT) },
	{ "earth SYN from 61400 (in the range): kept",
	  FROM_NODE, EARTH_IF, { OUT_TCP(earth, 61400, REMOTE_IP, 80, SYN) }, SNAT_OUT,
	  .out = { SNAT_TCP(earth, 61400, REMOTE_IP, 80, SYN) },
	  .ct = { CT(EARTH_IP, 61400, REMOTE_IP, 80, TCP), .nat_port = 61400, .pkts_orig = 1 } },
	{ "neptune SYN from 61400 too: taken, so another port (var 2)",
	  FROM_NODE, NEPTUNE_IF, { OUT_TCP(neptune, 61400, REMOTE_IP, 80, SYN) }, SNAT_OUT,
	  .out = { SNAT_TCP(neptune, PORT_VAR(2), REMOTE_IP, 80, SYN) },
	  .ct = { CT(NEPTUNE_IP, 61400, REMOTE_IP, 80, TCP), .nat_port = PORT_VAR(2),
		  .not_port = 61400, .pkts_orig = 1 } },
	{ "neptune SYN from 61400 to another remote: 61400 is free there, kept",
	  FROM_NODE, NEPTUNE_IF, { OUT_TCP(neptune, 61400, REMOTE2_IP, 80, SYN) }, SNAT_OUT,
	  .out = { SNAT_TCP(neptune, 61400, REMOTE2_IP, 80, SYN) },
	  .ct = { CT(NEPTUNE_IP, 61400, REMOTE2_IP, 80, TCP), .nat_port = 61400, .pkts_orig = 1 } },
	{ "SYN-ACK to 61400 from remote: into earth",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 80, 61400, SYNACK) }, INTO(earth),
	  .out = { BACK_TCP(earth, REMOTE_IP, 80, 61400, SYNACK) }, .stat = PATH(REV_SNAT) },
	{ "SYN-ACK to 61400 from remote2: into neptune",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE2_IP, 80, 61400, SYNACK) }, INTO(neptune),
	  .out = { BACK_TCP(neptune, REMOTE2_IP, 80, 61400, SYNACK) }, .stat = PATH(REV_SNAT) },
	{ "SYN-ACK to var 2 from remote: into neptune at 61400",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 80, PORT_VAR(2), SYNACK) }, INTO(neptune),
	  .out = { BACK_TCP(neptune, REMOTE_IP, 80, 61400, SYNACK) }, .stat = PATH(REV_SNAT) },
};
/* clang-format on */

/* ------------------------- TCP on 2 ports: a closed flow's port is reused */

/* clang-format off */
static const struct nat_step reuse_steps[] = {
	{ "first SYN: one of the two ports (var 0)",
	  FROM_NODE, EARTH_IF, { OUT_TCP(earth, 40300, REMOTE_IP, 80, SYN) }, SNAT_OUT,
	  .out = { SNAT_TCP(earth, PORT_VAR(0), REMOTE_IP, 80, SYN) },
	  .ct = { CT(EARTH_IP, 40300, REMOTE_IP, 80, TCP), .nat_port = PORT_VAR(0), .pkts_orig = 1 } },
	{ "second SYN: the other (var 1)",
	  FROM_NODE, EARTH_IF, { OUT_TCP(earth, 40301, REMOTE_IP, 80, SYN) }, SNAT_OUT,
	  .out = { SNAT_TCP(earth, PORT_VAR(1), REMOTE_IP, 80, SYN) },
	  .ct = { CT(EARTH_IP, 40301, REMOTE_IP, 80, TCP), .nat_port = PORT_VAR(1),
		  .not_port = PORT_VAR(0), .pkts_orig = 1 } },
	{ "third SYN while both flows live: nat_exhausted",
	  FROM_NODE, NEPTUNE_IF, { OUT_TCP(neptune, 40302, REMOTE_IP, 80, SYN) },
	  .verdict = TC_ACT_SHOT, .stat = DROP(NAT_EXHAUSTED),
	  .ct = { CT(NEPTUNE_IP, 40302, REMOTE_IP, 80, TCP), .absent = true } },
	{ "an off-path RST for the first flow (a guessed port, seq far off): dropped, still live",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 80, PORT_VAR(0), RST), .seq = TCP_ISN + 0x40000000 },
	  .verdict = TC_ACT_SHOT, .stat = DROP(TCP_WINDOW),
	  .ct = { CT(EARTH_IP, 40300, REMOTE_IP, 80, TCP), .state = NSB_CT_NEW,
		  .nat_port = PORT_VAR(0), .pkts_orig = 1 } },
	{ "so the third SYN still finds no port: nat_exhausted",
	  FROM_NODE, NEPTUNE_IF, { OUT_TCP(neptune, 40302, REMOTE_IP, 80, SYN) },
	  .verdict = TC_ACT_SHOT, .stat = DROP(NAT_EXHAUSTED),
	  .ct = { CT(NEPTUNE_IP, 40302, REMOTE_IP, 80, TCP), .absent = true } },
	{ "the remote resets the first flow: into earth, closed",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 80, PORT_VAR(0), RSTACK) }, INTO(earth),
	  .out = { BACK_TCP(earth, REMOTE_IP, 80, 40300, RSTACK) }, .stat = PATH(REV_SNAT) },
	{ "third SYN again: takes over the closed flow's port",
	  FROM_NODE, NEPTUNE_IF, { OUT_TCP(neptune, 40302, REMOTE_IP, 80, SYN) }, SNAT_OUT,
	  .out = { SNAT_TCP(neptune, PORT_VAR(0), REMOTE_IP, 80, SYN) },
	  .ct = { CT(NEPTUNE_IP, 40302, REMOTE_IP, 80, TCP), .nat_port = PORT_VAR(0), .pkts_orig = 1 } },
	{ "its SYN-ACK goes to neptune, not to the closed flow's earth",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 80, PORT_VAR(0), SYNACK) }, INTO(neptune),
	  .out = { BACK_TCP(neptune, REMOTE_IP, 80, 40302, SYNACK) }, .stat = PATH(REV_SNAT) },
	{ "the second flow, alive, keeps its port",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 80, PORT_VAR(1), SYNACK) }, INTO(earth),
	  .out = { BACK_TCP(earth, REMOTE_IP, 80, 40301, SYNACK) }, .stat = PATH(REV_SNAT) },
	{ "a fourth SYN: both flows live again, nat_exhausted",
	  FROM_NODE, NEPTUNE_IF, { OUT_TCP(neptune, 40303, REMOTE_IP, 80, SYN) },
	  .verdict = TC_ACT_SHOT, .stat = DROP(NAT_EXHAUSTED),
	  .ct = { CT(NEPTUNE_IP, 40303, REMOTE_IP, 80, TCP), .absent = true } },
};
/* clang-format on */

/* ------------------------------------------- TCP window tracking (RFC 5961) */

#define EST_62000 CT(EARTH_IP, 62000, REMOTE_IP, 80, TCP), .nat_port = 62000
#define FAR	  0x40000000 /* half the sequence space away: out of any window */

/* clang-format off */
static const struct nat_step window_steps[] = {
	{ "earth SYN from 62000",
	  FROM_NODE, EARTH_IF, { OUT_TCP(earth, 62000, REMOTE_IP, 80, SYN) }, SNAT_OUT,
	  .out = { SNAT_TCP(earth, 62000, REMOTE_IP, 80, SYN) },
	  .ct = { EST_62000, .state = NSB_CT_NEW, .pkts_orig = 1 } },
	{ "a SYN-ACK that acks nothing earth sent: dropped, still NEW",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 80, 62000, SYNACK), .ack = TCP_ISN + FAR },
	  .verdict = TC_ACT_SHOT, .stat = DROP(TCP_WINDOW),
	  .ct = { EST_62000, .state = NSB_CT_NEW, .pkts_orig = 1 } },
	{ "the real SYN-ACK: ESTABLISHED",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 80, 62000, SYNACK) }, INTO(earth),
	  .out = { BACK_TCP(earth, REMOTE_IP, 80, 62000, SYNACK) }, .stat = PATH(REV_SNAT),
	  .ct = { EST_62000, .state = NSB_CT_ESTABLISHED, .pkts_orig = 1, .pkts_reply = 1 } },
	{ "earth's ACK with data",
	  FROM_NODE, EARTH_IF, { OUT_TCP(earth, 62000, REMOTE_IP, 80, ACK), .payload_len = 100 },
	  SNAT_OUT, .out = { SNAT_TCP(earth, 62000, REMOTE_IP, 80, ACK), .payload_len = 100 },
	  .ct = { EST_62000, .state = NSB_CT_ESTABLISHED, .pkts_orig = 2, .pkts_reply = 1 } },
	{ "an off-path RST, seq far outside the window: dropped, ESTABLISHED",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 80, 62000, RST), .seq = TCP_ISN + FAR },
	  .verdict = TC_ACT_SHOT, .stat = DROP(TCP_WINDOW),
	  .ct = { EST_62000, .state = NSB_CT_ESTABLISHED, .pkts_orig = 2, .pkts_reply = 1 } },
	{ "an off-path FIN, seq far outside the window: dropped, not half-closed",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 80, 62000, FINACK), .seq = TCP_ISN - FAR },
	  .verdict = TC_ACT_SHOT, .stat = DROP(TCP_WINDOW),
	  .ct = { EST_62000, .state = NSB_CT_ESTABLISHED, .pkts_orig = 2, .pkts_reply = 1 } },
	{ "data that acks bytes earth never sent: dropped",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 80, 62000, ACK), .ack = TCP_ISN + 5000 },
	  .verdict = TC_ACT_SHOT, .stat = DROP(TCP_WINDOW),
	  .ct = { EST_62000, .state = NSB_CT_ESTABLISHED, .pkts_orig = 2, .pkts_reply = 1 } },
	{ "a bare SYN from the remote on earth's flow (it did not open it): dropped",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 80, 62000, SYN), .seq = 0x7777 },
	  .verdict = TC_ACT_SHOT, .stat = DROP(TCP_WINDOW),
	  .ct = { EST_62000, .state = NSB_CT_ESTABLISHED, .pkts_orig = 2, .pkts_reply = 1 } },
	{ "a RST in the window but not exact: into earth (its stack sends the challenge "
	  "ACK), no state change",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 80, 62000, RST), .seq = TCP_ISN + 1000 },
	  INTO(earth), .out = { BACK_TCP(earth, REMOTE_IP, 80, 62000, RST), .seq = TCP_ISN + 1000 },
	  .stat = PATH(REV_SNAT),
	  .ct = { EST_62000, .state = NSB_CT_ESTABLISHED, .pkts_orig = 2, .pkts_reply = 2 } },
	{ "a FIN in the window: half-closed",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 80, 62000, FINACK), .ack = TCP_ISN + 101 },
	  INTO(earth), .out = { BACK_TCP(earth, REMOTE_IP, 80, 62000, FINACK), .ack = TCP_ISN + 101 },
	  .stat = PATH(REV_SNAT),
	  .ct = { EST_62000, .state = NSB_CT_CLOSING, .flags = NSB_CT_F_FIN_REPLY, .pkts_orig = 2,
		  .pkts_reply = 3 } },
	{ "the RST at exactly what earth acked: CLOSED",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 80, 62000, RST), .seq = TCP_ISN + 1 },
	  INTO(earth), .out = { BACK_TCP(earth, REMOTE_IP, 80, 62000, RST), .seq = TCP_ISN + 1 },
	  .stat = PATH(REV_SNAT),
	  .ct = { EST_62000, .state = NSB_CT_CLOSED, .flags = NSB_CT_F_FIN_REPLY | NSB_CT_F_RST,
		  .pkts_orig = 2, .pkts_reply = 4 } },
	{ "the remote's SYN cannot reopen the closed flow either",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 80, 62000, SYN), .seq = 0x7777 },
	  .verdict = TC_ACT_SHOT, .stat = DROP(TCP_WINDOW),
	  .ct = { EST_62000, .state = NSB_CT_CLOSED, .flags = NSB_CT_F_FIN_REPLY | NSB_CT_F_RST,
		  .pkts_orig = 2, .pkts_reply = 4 } },
	{ "earth's new SYN on the same ports reopens it (TIME_WAIT reuse): NEW",
	  FROM_NODE, EARTH_IF, { OUT_TCP(earth, 62000, REMOTE_IP, 80, SYN), .seq = 0x55667788 },
	  SNAT_OUT, .out = { SNAT_TCP(earth, 62000, REMOTE_IP, 80, SYN), .seq = 0x55667788 },
	  .ct = { EST_62000, .state = NSB_CT_NEW, .pkts_orig = 3, .pkts_reply = 4 } },
	{ "the old connection's data (old sequence numbers): dropped",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 80, 62000, ACK) },
	  .verdict = TC_ACT_SHOT, .stat = DROP(TCP_WINDOW),
	  .ct = { EST_62000, .state = NSB_CT_NEW, .pkts_orig = 3, .pkts_reply = 4 } },
	{ "the SYN-ACK of the new connection (window scale 7 both ways not offered): ESTABLISHED",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 80, 62000, SYNACK), .seq = 0x10,
				    .ack = 0x55667788 + 17 }, INTO(earth),
	  .out = { BACK_TCP(earth, REMOTE_IP, 80, 62000, SYNACK), .seq = 0x10,
		   .ack = 0x55667788 + 17 }, .stat = PATH(REV_SNAT),
	  .ct = { EST_62000, .state = NSB_CT_ESTABLISHED, .pkts_orig = 3, .pkts_reply = 5 } },
};
/* clang-format on */

/* ------------------------- a port claim in progress on another CPU is live */

/* clang-format off */
static const struct nat_step claim_steps[] = {
	{ "first SYN: one of the two ports (var 0)",
	  FROM_NODE, EARTH_IF, { OUT_TCP(earth, 40300, REMOTE_IP, 80, SYN) }, SNAT_OUT,
	  .out = { SNAT_TCP(earth, PORT_VAR(0), REMOTE_IP, 80, SYN) },
	  .ct = { CT(EARTH_IP, 40300, REMOTE_IP, 80, TCP), .nat_port = PORT_VAR(0), .pkts_orig = 1 } },
	{ "second SYN: the other (var 1)",
	  FROM_NODE, EARTH_IF, { OUT_TCP(earth, 40301, REMOTE_IP, 80, SYN) }, SNAT_OUT,
	  .out = { SNAT_TCP(earth, PORT_VAR(1), REMOTE_IP, 80, SYN) },
	  .ct = { CT(EARTH_IP, 40301, REMOTE_IP, 80, TCP), .nat_port = PORT_VAR(1),
		  .not_port = PORT_VAR(0), .pkts_orig = 1 } },
	{ "the first flow's claim without its ct entry yet (another CPU between the two "
	  "writes): live, so a third SYN finds no port",
	  FROM_NODE, NEPTUNE_IF, { OUT_TCP(neptune, 40302, REMOTE_IP, 80, SYN) }, .evict = true,
	  .verdict = TC_ACT_SHOT, .stat = DROP(NAT_EXHAUSTED),
	  .ct = { CT(EARTH_IP, 40300, REMOTE_IP, 80, TCP), .absent = true } },
	{ "the same claim 2 s later, its flow still missing: stale, taken over",
	  FROM_NODE, NEPTUNE_IF, { OUT_TCP(neptune, 40302, REMOTE_IP, 80, SYN) }, SNAT_OUT,
	  .claim_age_ms = 2000,
	  .out = { SNAT_TCP(neptune, PORT_VAR(0), REMOTE_IP, 80, SYN) },
	  .ct = { CT(NEPTUNE_IP, 40302, REMOTE_IP, 80, TCP), .nat_port = PORT_VAR(0), .pkts_orig = 1 },
	  .natp = { NATP(UPLINK_IP, REMOTE_IP, PORT_VAR(0), 80, TCP), .node_addr = NEPTUNE_IP,
		    .node_port = 40302, .ifindex = NEPTUNE_IF } },
};
/* clang-format on */

/* -------- a flood of new flows: refused, never evicting (tables of 8 entries) */

#define FLOOD(i)                                                                     \
	{                                                                            \
		"neptune's unanswered UDP flow " #i " of 7", FROM_NODE, NEPTUNE_IF,  \
			{ OUT_UDP(neptune, 62100 + (i), REMOTE2_IP, 53) }, SNAT_OUT, \
			.out = { SNAT_UDP(neptune, 62100 + (i), REMOTE2_IP, 53) }    \
	}
static const struct fwd_rule flood_fwds[] = {
	{ TCP, 0, 6000, 0, EARTH_IP, 8080, EARTH_IF },
};

/* clang-format off */
static const struct nat_step flood_steps[] = {
	{ "earth SYN from 61500",
	  FROM_NODE, EARTH_IF, { OUT_TCP(earth, 61500, REMOTE_IP, 80, SYN) }, SNAT_OUT,
	  .out = { SNAT_TCP(earth, 61500, REMOTE_IP, 80, SYN) } },
	{ "its SYN-ACK: established",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 80, 61500, SYNACK) }, INTO(earth),
	  .out = { BACK_TCP(earth, REMOTE_IP, 80, 61500, SYNACK) }, .stat = PATH(REV_SNAT),
	  .ct = { CT(EARTH_IP, 61500, REMOTE_IP, 80, TCP), .state = NSB_CT_ESTABLISHED,
		  .nat_port = 61500, .pkts_orig = 1, .pkts_reply = 1 } },
	FLOOD(1), FLOOD(2), FLOOD(3), FLOOD(4), FLOOD(5), FLOOD(6), FLOOD(7),
	{ "an eighth new flow: the tables are full, refused (ct_full), nothing evicted",
	  FROM_NODE, NEPTUNE_IF, { OUT_UDP(neptune, 62108, REMOTE2_IP, 53) },
	  .verdict = TC_ACT_SHOT, .stat = DROP(CT_FULL),
	  .ct = { CT(NEPTUNE_IP, 62108, REMOTE2_IP, 53, UDP), .absent = true } },
	{ "a SYN to a forward from outside: refused the same way",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE2_IP, 40000, 6000, SYN) },
	  .verdict = TC_ACT_SHOT, .stat = DROP(CT_FULL) },
	{ "earth's idle established flow is still there: its data comes in",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 80, 61500, ACK) }, INTO(earth),
	  .out = { BACK_TCP(earth, REMOTE_IP, 80, 61500, ACK) }, .stat = PATH(REV_SNAT),
	  .ct = { CT(EARTH_IP, 61500, REMOTE_IP, 80, TCP), .state = NSB_CT_ESTABLISHED,
		  .nat_port = 61500, .pkts_orig = 1, .pkts_reply = 2 } },
	{ "a collector pass with nothing expired: still full, refused",
	  FROM_NODE, NEPTUNE_IF, { OUT_UDP(neptune, 62108, REMOTE2_IP, 53) }, .gc = true,
	  .verdict = TC_ACT_SHOT, .stat = DROP(CT_FULL) },
	{ "6 s later, a pass under pressure drops the 7 unanswered flows early; the new one fits",
	  FROM_NODE, NEPTUNE_IF, { OUT_UDP(neptune, 62108, REMOTE2_IP, 53) }, SNAT_OUT,
	  .age_all_ms = 6000, .gc = true,
	  .out = { SNAT_UDP(neptune, 62108, REMOTE2_IP, 53) },
	  .ct = { CT(NEPTUNE_IP, 62101, REMOTE2_IP, 53, UDP), .absent = true } },
	{ "and earth's established flow survived it",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 80, 61500, ACK) }, INTO(earth),
	  .out = { BACK_TCP(earth, REMOTE_IP, 80, 61500, ACK) }, .stat = PATH(REV_SNAT),
	  .ct = { CT(EARTH_IP, 61500, REMOTE_IP, 80, TCP), .state = NSB_CT_ESTABLISHED,
		  .nat_port = 61500, .pkts_orig = 1, .pkts_reply = 3 } },
};
/* clang-format on */

/* ------------------------ an address the host gains after up is the host's */

#define GAINED_IP IP4(198, 18, 7, 7)

/* clang-format off */
static const struct nat_step gained_steps[] = {
	{ "earth UDP to 198.18.7.7, nobody's here yet: masqueraded",
	  FROM_NODE, EARTH_IF, { OUT_UDP(earth, 61700, GAINED_IP, 53) }, SNAT_OUT,
	  .out = { SNAT_UDP(earth, 61700, GAINED_IP, 53) } },
	{ "the host gains 198.18.7.7 (after up, not in host_addrs); a second later a new flow "
	  "there is the host's, not the world's",
	  FROM_NODE, EARTH_IF, { OUT_UDP(earth, 61701, GAINED_IP, 53) }, .host_gains = GAINED_IP,
	  .verdict = TC_ACT_UNSPEC, .stat = PATH(TO_HOST),
	  .ct = { CT(EARTH_IP, 61701, GAINED_IP, 53, UDP), .absent = true } },
	{ "the flow from before keeps its way out (checked when it began)",
	  FROM_NODE, EARTH_IF, { OUT_UDP(earth, 61700, GAINED_IP, 53) }, SNAT_OUT,
	  .out = { SNAT_UDP(earth, 61700, GAINED_IP, 53) } },
	{ "the world is still the world",
	  FROM_NODE, EARTH_IF, { OUT_UDP(earth, 61702, REMOTE_IP, 53) }, SNAT_OUT,
	  .out = { SNAT_UDP(earth, 61702, REMOTE_IP, 53) } },
};
/* clang-format on */

/* -------------------------------------------- exhaustion: 2 ports only */

/* clang-format off */
static const struct nat_step exhaust_steps[] = {
	{ "first flow: one of the two ports (var 0)",
	  FROM_NODE, EARTH_IF, { OUT_UDP(earth, 40200, REMOTE_IP, 53) }, SNAT_OUT,
	  .out = { SNAT_UDP(earth, PORT_VAR(0), REMOTE_IP, 53) },
	  .ct = { CT(EARTH_IP, 40200, REMOTE_IP, 53, UDP), .nat_port = PORT_VAR(0),
		  .pkts_orig = 1 } },
	{ "second flow: the other (var 1)",
	  FROM_NODE, EARTH_IF, { OUT_UDP(earth, 40201, REMOTE_IP, 53) }, SNAT_OUT,
	  .out = { SNAT_UDP(earth, PORT_VAR(1), REMOTE_IP, 53) },
	  .ct = { CT(EARTH_IP, 40201, REMOTE_IP, 53, UDP), .nat_port = PORT_VAR(1),
		  .not_port = PORT_VAR(0), .pkts_orig = 1 } },
	{ "third flow to the same place: nat_exhausted, no entry",
	  FROM_NODE, NEPTUNE_IF, { OUT_UDP(neptune, 40202, REMOTE_IP, 53) },
	  .verdict = TC_ACT_SHOT, .stat = DROP(NAT_EXHAUSTED),
	  .ct = { CT(NEPTUNE_IP, 40202, REMOTE_IP, 53, UDP), .absent = true } },
	{ "a third flow from a port in the range (61000, taken): nat_exhausted",
	  FROM_NODE, NEPTUNE_IF, { OUT_UDP(neptune, 61000, REMOTE_IP, 53) },
	  .verdict = TC_ACT_SHOT, .stat = DROP(NAT_EXHAUSTED) },
	{ "the first flow still leaves with its port",
	  FROM_NODE, EARTH_IF, { OUT_UDP(earth, 40200, REMOTE_IP, 53) }, SNAT_OUT,
	  .out = { SNAT_UDP(earth, PORT_VAR(0), REMOTE_IP, 53) },
	  .ct = { CT(EARTH_IP, 40200, REMOTE_IP, 53, UDP), .nat_port = PORT_VAR(0),
		  .pkts_orig = 2 } },
	{ "the second flow's reply still comes back",
	  FROM_UPLINK, UPLINK_IF, { IN_UDP(REMOTE_IP, 53, PORT_VAR(1)) }, INTO(earth),
	  .out = { BACK_UDP(earth, REMOTE_IP, 53, 40201) }, .stat = PATH(REV_SNAT) },
	{ "the first flow's reply too",
	  FROM_UPLINK, UPLINK_IF, { IN_UDP(REMOTE_IP, 53, PORT_VAR(0)) }, INTO(earth),
	  .out = { BACK_UDP(earth, REMOTE_IP, 53, 40200) }, .stat = PATH(REV_SNAT) },
	{ "the third flow to another remote port: ports are per destination, it gets one",
	  FROM_NODE, NEPTUNE_IF, { OUT_UDP(neptune, 40202, REMOTE_IP, 54) }, SNAT_OUT,
	  .out = { SNAT_UDP(neptune, PORT_VAR(2), REMOTE_IP, 54) },
	  .ct = { CT(NEPTUNE_IP, 40202, REMOTE_IP, 54, UDP), .nat_port = PORT_VAR(2),
		  .pkts_orig = 1 } },
	{ "a reply to a port outside the 2-port range: the host's, untouched",
	  FROM_UPLINK, UPLINK_IF, { IN_UDP(REMOTE_IP, 53, 61002) }, HOSTS },
};
/* clang-format on */

/* ------------------------------------------------------------- expiry */

/* clang-format off */
static const struct nat_step expiry_steps[] = {
	{ "earth UDP 61700 -> remote:53: port kept",
	  FROM_NODE, EARTH_IF, { OUT_UDP(earth, 61700, REMOTE_IP, 53) }, SNAT_OUT,
	  .out = { SNAT_UDP(earth, 61700, REMOTE_IP, 53) },
	  .ct = { CT(EARTH_IP, 61700, REMOTE_IP, 53, UDP), .state = NSB_CT_NEW, .nat_port = 61700,
		  .pkts_orig = 1 } },
	{ "its reply, ESTABLISHED",
	  FROM_UPLINK, UPLINK_IF, { IN_UDP(REMOTE_IP, 53, 61700) }, INTO(earth),
	  .out = { BACK_UDP(earth, REMOTE_IP, 53, 61700) }, .stat = PATH(REV_SNAT),
	  .ct = { CT(EARTH_IP, 61700, REMOTE_IP, 53, UDP), .state = NSB_CT_ESTABLISHED,
		  .nat_port = 61700, .pkts_orig = 1, .pkts_reply = 1 } },
	{ "idle past the UDP timeout (61 of 60), a reply: the flow is gone, the host's, untouched",
	  FROM_UPLINK, UPLINK_IF, { IN_UDP(REMOTE_IP, 53, 61700) }, HOSTS,
	  .age = TMO_UDP + 1,
	  .ct = { CT(EARTH_IP, 61700, REMOTE_IP, 53, UDP), .state = NSB_CT_ESTABLISHED,
		  .nat_port = 61700, .pkts_orig = 1, .pkts_reply = 1 } },
	{ "earth sends again: a new entry (counters from 0, NEW), the same port back",
	  FROM_NODE, EARTH_IF, { OUT_UDP(earth, 61700, REMOTE_IP, 53) }, SNAT_OUT,
	  .out = { SNAT_UDP(earth, 61700, REMOTE_IP, 53) },
	  .ct = { CT(EARTH_IP, 61700, REMOTE_IP, 53, UDP), .state = NSB_CT_NEW, .nat_port = 61700,
		  .pkts_orig = 1 } },
	{ "earth UDP 40300 -> remote:53 (var 0)",
	  FROM_NODE, EARTH_IF, { OUT_UDP(earth, 40300, REMOTE_IP, 53) }, SNAT_OUT,
	  .out = { SNAT_UDP(earth, PORT_VAR(0), REMOTE_IP, 53) },
	  .ct = { CT(EARTH_IP, 40300, REMOTE_IP, 53, UDP), .nat_port = PORT_VAR(0),
		  .pkts_orig = 1 } },
	{ "neptune wants 61700 too while earth's flow idles out: the stale claim is taken over",
	  FROM_NODE, NEPTUNE_IF, { OUT_UDP(neptune, 61700, REMOTE_IP, 53) }, SNAT_OUT,
	  .age = TMO_UDP + 1,
	  .out = { SNAT_UDP(neptune, 61700, REMOTE_IP, 53) },
	  .ct = { CT(EARTH_IP, 61700, REMOTE_IP, 53, UDP), .nat_port = 61700, .pkts_orig = 1 } },
	{ "the reply to 61700 now goes to neptune",
	  FROM_UPLINK, UPLINK_IF, { IN_UDP(REMOTE_IP, 53, 61700) }, INTO(neptune),
	  .out = { BACK_UDP(neptune, REMOTE_IP, 53, 61700) }, .stat = PATH(REV_SNAT),
	  .ct = { CT(NEPTUNE_IP, 61700, REMOTE_IP, 53, UDP), .state = NSB_CT_ESTABLISHED,
		  .nat_port = 61700, .pkts_orig = 1, .pkts_reply = 1 } },
	{ "earth's flow comes back: 61700 is neptune's, so another port (var 1)",
	  FROM_NODE, EARTH_IF, { OUT_UDP(earth, 61700, REMOTE_IP, 53) }, SNAT_OUT,
	  .out = { SNAT_UDP(earth, PORT_VAR(1), REMOTE_IP, 53) },
	  .ct = { CT(EARTH_IP, 61700, REMOTE_IP, 53, UDP), .state = NSB_CT_NEW,
		  .nat_port = PORT_VAR(1), .not_port = 61700, .pkts_orig = 1 } },
	{ "and its reply comes back to earth",
	  FROM_UPLINK, UPLINK_IF, { IN_UDP(REMOTE_IP, 53, PORT_VAR(1)) }, INTO(earth),
	  .out = { BACK_UDP(earth, REMOTE_IP, 53, 61700) }, .stat = PATH(REV_SNAT) },
	{ "earth SYN from 61701: NEW",
	  FROM_NODE, EARTH_IF, { OUT_TCP(earth, 61701, REMOTE_IP, 80, SYN) }, SNAT_OUT,
	  .out = { SNAT_TCP(earth, 61701, REMOTE_IP, 80, SYN) },
	  .ct = { CT(EARTH_IP, 61701, REMOTE_IP, 80, TCP), .state = NSB_CT_NEW, .nat_port = 61701,
		  .pkts_orig = 1 } },
	{ "its SYN-ACK after 110 of its 120 idle: still alive, ESTABLISHED",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 80, 61701, SYNACK) }, INTO(earth),
	  .age = 110,
	  .out = { BACK_TCP(earth, REMOTE_IP, 80, 61701, SYNACK) }, .stat = PATH(REV_SNAT),
	  .ct = { CT(EARTH_IP, 61701, REMOTE_IP, 80, TCP), .state = NSB_CT_ESTABLISHED,
		  .nat_port = 61701, .pkts_orig = 1, .pkts_reply = 1 } },
	{ "ESTABLISHED idle 3600 of its 7440: still alive",
	  FROM_NODE, EARTH_IF, { OUT_TCP(earth, 61701, REMOTE_IP, 80, ACK) }, SNAT_OUT,
	  .age = 3600,
	  .out = { SNAT_TCP(earth, 61701, REMOTE_IP, 80, ACK) },
	  .ct = { CT(EARTH_IP, 61701, REMOTE_IP, 80, TCP), .state = NSB_CT_ESTABLISHED,
		  .nat_port = 61701, .pkts_orig = 2, .pkts_reply = 1 } },
	{ "then idle 7441: its data back is the host's, untouched",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 80, 61701, ACK) }, HOSTS, .age = 7441,
	  .ct = { CT(EARTH_IP, 61701, REMOTE_IP, 80, TCP), .state = NSB_CT_ESTABLISHED,
		  .nat_port = 61701, .pkts_orig = 2, .pkts_reply = 1 } },
};
/* clang-format on */

/* ----------------------------------------------------------- fragments */

#define FRAG_UDP(node, sp, d, dp)     OUT_UDP(node, sp, d, dp), .payload_len = 64
#define FRAG_UDP_OUT(node, sp, d, dp) SNAT_UDP(node, sp, d, dp), .payload_len = 64
#define FIRST(id)		      .ip_id = SET16(id), .frag_off = SET16(IPF_MF), .frag_len = 32
#define LATER(id)		      .ip_id = SET16(id), .frag_off = SET16(4), .frag_at = 32

/* clang-format off */
static const struct nat_step frag_steps[] = {
	{ "first fragment of a UDP datagram: translated, its checksum (of the whole) updated",
	  FROM_NODE, EARTH_IF, { FRAG_UDP(earth, 61800, REMOTE_IP, 4789), FIRST(0x4242) }, SNAT_OUT,
	  .out = { FRAG_UDP_OUT(earth, 61800, REMOTE_IP, 4789), FIRST(0x4242) },
	  .ct = { CT(EARTH_IP, 61800, REMOTE_IP, 4789, UDP), .nat_port = 61800, .pkts_orig = 1 } },
	{ "its second (last) fragment: follows the first (snat_frag)",
	  FROM_NODE, EARTH_IF, { FRAG_UDP(earth, 61800, REMOTE_IP, 4789), LATER(0x4242) },
	  .verdict = TC_ACT_REDIRECT, .redirect = UPLINK_IF, .flags = NEIGH,
	  .stat = PATH(SNAT_FRAG),
	  .out = { FRAG_UDP_OUT(earth, 61800, REMOTE_IP, 4789), LATER(0x4242) },
	  .ct = { CT(EARTH_IP, 61800, REMOTE_IP, 4789, UDP), .nat_port = 61800, .pkts_orig = 2 } },
	{ "a later fragment of a datagram never seen: frag",
	  FROM_NODE, EARTH_IF, { FRAG_UDP(earth, 61800, REMOTE_IP, 4789), LATER(0x4343) },
	  .verdict = TC_ACT_SHOT, .stat = DROP(FRAG) },
	{ "the last fragment again: its datagram is done, its record gone: frag",
	  FROM_NODE, EARTH_IF, { FRAG_UDP(earth, 61800, REMOTE_IP, 4789), LATER(0x4242) },
	  .verdict = TC_ACT_SHOT, .stat = DROP(FRAG) },
	{ "the first fragment of another datagram",
	  FROM_NODE, EARTH_IF, { FRAG_UDP(earth, 61800, REMOTE_IP, 4789), FIRST(0x4646) }, SNAT_OUT,
	  .out = { FRAG_UDP_OUT(earth, 61800, REMOTE_IP, 4789), FIRST(0x4646) } },
	{ "its later fragment with TTL 1: ttl (no error for later fragments)",
	  FROM_NODE, EARTH_IF, { FRAG_UDP(earth, 61800, REMOTE_IP, 4789), LATER(0x4646), .ttl = 1 },
	  .verdict = TC_ACT_SHOT, .stat = DROP(TTL) },
	{ "pluto's later fragment (exile does not masquerade): no_masquerade",
	  FROM_NODE, PLUTO_IF, { FRAG_UDP(pluto, 61800, REMOTE_IP, 4789), LATER(0x4242) },
	  .verdict = TC_ACT_SHOT, .stat = DROP(NO_MASQUERADE) },
	{ "a later fragment to the gateway: to the host, untouched",
	  FROM_NODE, EARTH_IF, { FRAG_UDP(earth, 61800, PLANET_GW, 4789), LATER(0x4444) },
	  .verdict = TC_ACT_UNSPEC, .stat = PATH(TO_HOST) },
	{ "first fragment of the reply: back into earth, recorded",
	  FROM_UPLINK, UPLINK_IF,
	  { IN_UDP(REMOTE_IP, 4789, 61800), .payload_len = 64, FIRST(0x5151) }, INTO(earth),
	  .out = { BACK_UDP(earth, REMOTE_IP, 4789, 61800), .payload_len = 64, FIRST(0x5151) },
	  .stat = PATH(REV_SNAT),
	  .ct = { CT(EARTH_IP, 61800, REMOTE_IP, 4789, UDP), .state = NSB_CT_ESTABLISHED,
		  .nat_port = 61800, .pkts_orig = 3,
		  .pkts_reply = 1 } },
	{ "its second fragment: into earth (rev_snat_frag)",
	  FROM_UPLINK, UPLINK_IF,
	  { IN_UDP(REMOTE_IP, 4789, 61800), .payload_len = 64, LATER(0x5151) }, INTO(earth),
	  .out = { BACK_UDP(earth, REMOTE_IP, 4789, 61800), .payload_len = 64, LATER(0x5151) },
	  .stat = PATH(REV_SNAT_FRAG),
	  .ct = { CT(EARTH_IP, 61800, REMOTE_IP, 4789, UDP), .state = NSB_CT_ESTABLISHED,
		  .nat_port = 61800, .pkts_orig = 3,
		  .pkts_reply = 2 } },
	{ "a later fragment with the same id after the last one (the host's own datagram): "
	  "the host's, untouched",
	  FROM_UPLINK, UPLINK_IF,
	  { IN_UDP(REMOTE_IP, 4789, 61800), .payload_len = 64, LATER(0x5151) }, HOSTS },
	{ "a later fragment to the uplink of no known datagram: the host's, untouched",
	  FROM_UPLINK, UPLINK_IF,
	  { IN_UDP(REMOTE_IP, 4789, 61800), .payload_len = 64, LATER(0x5252) }, HOSTS },
	{ "the first fragment of a datagram to a port with no flow: the host's, untouched",
	  FROM_UPLINK, UPLINK_IF,
	  { IN_UDP(REMOTE_IP, 4789, 61801), .payload_len = 64, FIRST(0x5353) }, HOSTS },
	{ "... and then its later fragment: still the host's",
	  FROM_UPLINK, UPLINK_IF,
	  { IN_UDP(REMOTE_IP, 4789, 61801), .payload_len = 64, LATER(0x5353) }, HOSTS },
	{ "first fragment of an echo request: id translated (var 0)",
	  FROM_NODE, EARTH_IF, { OUT_PING(earth, 4321, REMOTE_IP), .payload_len = 64,
				 FIRST(0x6161) },
	  SNAT_OUT, .out = { SNAT_PING(earth, PORT_VAR(0), REMOTE_IP), .payload_len = 64,
			     FIRST(0x6161) },
	  .ct = { CT(EARTH_IP, 4321, REMOTE_IP, 0, ICMP), .nat_port = PORT_VAR(0),
		  .pkts_orig = 1 } },
	{ "and its last fragment",
	  FROM_NODE, EARTH_IF, { OUT_PING(earth, 4321, REMOTE_IP), .payload_len = 64,
				 LATER(0x6161) },
	  .verdict = TC_ACT_REDIRECT, .redirect = UPLINK_IF, .flags = NEIGH,
	  .stat = PATH(SNAT_FRAG),
	  .out = { SNAT_PING(earth, PORT_VAR(0), REMOTE_IP), .payload_len = 64, LATER(0x6161) } },
};
/* clang-format on */

/* ------------------------------------ a router's errors: TTL and MTU */

#define BIG 1400 /* payload: IPv4 1440/1448 bytes, over the uplink's MTU */
#define ICMP_TO(node, gw, type, code, q)                                                           \
	.kind = FR_ICMP4, .dst = node##_mac, .src = node##_host, .tos = 0xc0, .ip_id = SET16(0),   \
	.frag_off = SET16(0), .ttl = 64, .saddr = (gw), .daddr = node##_ADDR, .icmp_type = (type), \
	.icmp_code = (code), .quote = (q)
#define ERR_BACK(node) .verdict = TC_ACT_REDIRECT, .redirect = node##_IF, .flags = EGRESS

/* the offending packets, as the node sent them (the errors quote them) */
#define BIG_TCP	    OUT_TCP(earth, 61900, REMOTE_IP, 80, ACK), .payload_len = BIG
#define BIG_TCP_OPT BIG_TCP, .ihl = 8
#define BIG_UDP	    OUT_UDP(mars, 61901, REMOTE_IP, 443), .payload_len = BIG
#define TTL1_UDP    OUT_UDP(earth, 33434, REMOTE_IP, 33435), .ttl = 1
#define TTL0_SYN    OUT_TCP(earth, 61902, REMOTE_IP, 80, SYN), .ttl = TTL_ZERO, .payload_len = 4
#define TTL1_PING   OUT_PING(mars, 9, REMOTE_IP), .ttl = 1, .payload_len = 2
#define TTL1_BARE   OUT_UDP(earth, 61903, REMOTE_IP, 7), .ttl = 1, .payload_len = 1
#define BIG_FLOW    OUT_UDP(earth, 61905, REMOTE_IP, 53), .payload_len = BIG
#define Q(f)	    (&(const struct frame){ f })

/* clang-format off */
static const struct nat_step router_steps[] = {
	{ "TCP segment of 1440 bytes with DF, uplink MTU 1400: frag needed (MTU 1400) to earth",
	  FROM_NODE, EARTH_IF, { BIG_TCP }, ERR_BACK(earth), .stat = PATH(FRAG_NEEDED),
	  .out = { ICMP_TO(earth, PLANET_GW, 3, 4, Q(BIG_TCP)), .icmp_mtu = ST_UPLINK_MTU,
		   .quote_len = 20 + 64 },
	  .ct = { CT(EARTH_IP, 61900, REMOTE_IP, 80, TCP), .absent = true } },
	{ "the same with IP options (IHL 8): the whole header quoted",
	  FROM_NODE, EARTH_IF, { BIG_TCP_OPT }, ERR_BACK(earth), .stat = PATH(FRAG_NEEDED),
	  .out = { ICMP_TO(earth, PLANET_GW, 3, 4, Q(BIG_TCP_OPT)), .icmp_mtu = ST_UPLINK_MTU,
		   .quote_len = 32 + 64 } },
	{ "mars's UDP of 1428 bytes with DF: frag needed from moon's gateway",
	  FROM_NODE, MARS_IF, { BIG_UDP }, ERR_BACK(mars), .stat = PATH(FRAG_NEEDED),
	  .out = { ICMP_TO(mars, MOON_GW, 3, 4, Q(BIG_UDP)), .icmp_mtu = ST_UPLINK_MTU,
		   .quote_len = 20 + 64 } },
	{ "exactly the MTU (1400 bytes): fits, SNAT",
	  FROM_NODE, EARTH_IF, { OUT_UDP(earth, 61904, REMOTE_IP, 443), .payload_len = 1372 },
	  SNAT_OUT, .out = { SNAT_UDP(earth, 61904, REMOTE_IP, 443), .payload_len = 1372 } },
	{ "one byte over, without DF: mtu (nothing here fragments)",
	  FROM_NODE, EARTH_IF, { OUT_UDP(earth, 61904, REMOTE_IP, 443), .payload_len = 1373,
				 .frag_off = SET16(0) },
	  .verdict = TC_ACT_SHOT, .stat = DROP(MTU) },
	{ "TTL 1 UDP (traceroute): time exceeded from the gateway, all of it quoted",
	  FROM_NODE, EARTH_IF, { TTL1_UDP }, ERR_BACK(earth), .stat = PATH(TIME_EXCEEDED),
	  .out = { ICMP_TO(earth, PLANET_GW, 11, 0, Q(TTL1_UDP)), .quote_len = 20 + 24 },
	  .ct = { CT(EARTH_IP, 33434, REMOTE_IP, 33435, UDP), .absent = true } },
	{ "TTL 0 SYN: time exceeded, header + 24 quoted (whole words)",
	  FROM_NODE, EARTH_IF, { TTL0_SYN }, ERR_BACK(earth), .stat = PATH(TIME_EXCEEDED),
	  .out = { ICMP_TO(earth, PLANET_GW, 11, 0, Q(TTL0_SYN)), .quote_len = 20 + 24 } },
	{ "TTL 1 echo request from mars (traceroute -I): time exceeded from moon's gateway",
	  FROM_NODE, MARS_IF, { TTL1_PING }, ERR_BACK(mars), .stat = PATH(TIME_EXCEEDED),
	  .out = { ICMP_TO(mars, MOON_GW, 11, 0, Q(TTL1_PING)), .quote_len = 20 + 8 } },
	{ "TTL 1 UDP with 9 bytes after the header: 8 of them quoted",
	  FROM_NODE, EARTH_IF, { TTL1_BARE }, ERR_BACK(earth), .stat = PATH(TIME_EXCEEDED),
	  .out = { ICMP_TO(earth, PLANET_GW, 11, 0, Q(TTL1_BARE)), .quote_len = 20 + 8 } },
	{ "TTL 2: leaves with TTL 1",
	  FROM_NODE, EARTH_IF, { OUT_UDP(earth, 61905, REMOTE_IP, 53), .ttl = 2 }, SNAT_OUT,
	  .out = { SNAT_UDP(earth, 61905, REMOTE_IP, 53), .ttl = 1 } },
	{ "TTL 1 to exile's network from pluto: no_masquerade (policy before TTL)",
	  FROM_NODE, PLUTO_IF, { OUT_UDP(pluto, 1, REMOTE_IP, 53), .ttl = 1 },
	  .verdict = TC_ACT_SHOT, .stat = DROP(NO_MASQUERADE) },
	{ "an existing flow too big: frag needed as well",
	  FROM_NODE, EARTH_IF, { BIG_FLOW },
	  ERR_BACK(earth), .stat = PATH(FRAG_NEEDED),
	  .out = { ICMP_TO(earth, PLANET_GW, 3, 4, Q(BIG_FLOW)),
		   .icmp_mtu = ST_UPLINK_MTU, .quote_len = 20 + 64 },
	  .ct = { CT(EARTH_IP, 61905, REMOTE_IP, 53, UDP), .nat_port = 61905, .pkts_orig = 1 } },
};
/* clang-format on */

/* ------------------------------------------------------------ policy */

/* clang-format off */
static const struct nat_step policy_steps[] = {
	{ "to another address of the host (host_addrs): to the host, untouched",
	  FROM_NODE, EARTH_IF, { OUT_UDP(earth, 5353, HOST_IP, 53) },
	  .verdict = TC_ACT_UNSPEC, .stat = PATH(TO_HOST) },
	{ "to the uplink's address: to the host, untouched",
	  FROM_NODE, EARTH_IF, { OUT_TCP(earth, 40500, UPLINK_IP, 22, SYN) },
	  .verdict = TC_ACT_UNSPEC, .stat = PATH(TO_HOST) },
	{ "to the gateway: to the host, untouched",
	  FROM_NODE, EARTH_IF, { OUT_TCP(earth, 40500, PLANET_GW, 22, SYN) },
	  .verdict = TC_ACT_UNSPEC, .stat = PATH(TO_HOST) },
	{ "to loopback: martian",
	  FROM_NODE, EARTH_IF, { OUT_UDP(earth, 40500, IP4(127, 0, 0, 1), 53) },
	  .verdict = TC_ACT_SHOT, .stat = DROP(MARTIAN) },
	{ "to multicast (mDNS): martian, never out with a lab source",
	  FROM_NODE, EARTH_IF, { OUT_UDP(earth, 5353, MDNS_IP, 5353) },
	  .verdict = TC_ACT_SHOT, .stat = DROP(MARTIAN) },
	{ "to 240.0.0.7: martian",
	  FROM_NODE, EARTH_IF, { OUT_UDP(earth, 40500, IP4(240, 0, 0, 7), 53) },
	  .verdict = TC_ACT_SHOT, .stat = DROP(MARTIAN) },
	{ "to moon's broadcast (another network's): martian",
	  FROM_NODE, EARTH_IF, { OUT_UDP(earth, 40500, IP4(10, 201, 0, 255), 53) },
	  .verdict = TC_ACT_SHOT, .stat = DROP(MARTIAN) },
	{ "to planet's own broadcast: to the host",
	  FROM_NODE, EARTH_IF, { OUT_UDP(earth, 40500, PLANET_BCAST, 53) },
	  .verdict = TC_ACT_UNSPEC, .stat = PATH(TO_HOST) },
	{ "to an unused lab address: no_endpoint",
	  FROM_NODE, EARTH_IF, { OUT_UDP(earth, 40500, MOON_NONE, 53) },
	  .verdict = TC_ACT_SHOT, .stat = DROP(NO_ENDPOINT) },
	{ "earth to neptune: node to node as before",
	  FROM_NODE, EARTH_IF, { OUT_UDP(earth, 40500, NEPTUNE_IP, 53) },
	  .verdict = TC_ACT_REDIRECT, .redirect = NEPTUNE_IF, .flags = PEER,
	  .stat = PATH(NODE_TO_NODE),
	  .out = { .kind = FR_UDP4, .dst = neptune_mac, .src = neptune_host, .saddr = EARTH_IP,
		   .daddr = NEPTUNE_IP, .sport = 40500, .dport = 53 } },
	{ "earth to mars: routed hop as before",
	  FROM_NODE, EARTH_IF, { OUT_UDP(earth, 40500, MARS_IP, 53) },
	  .verdict = TC_ACT_REDIRECT, .redirect = MARS_IF, .flags = PEER,
	  .stat = PATH(NODE_TO_NODE),
	  .out = { .kind = FR_UDP4, .dst = mars_mac, .src = mars_host, .saddr = EARTH_IP,
		   .daddr = MARS_IP, .sport = 40500, .dport = 53, .ttl = 63 } },
	{ "pluto (exile) to the world: no_masquerade",
	  FROM_NODE, PLUTO_IF, { OUT_TCP(pluto, 40500, REMOTE_IP, 80, SYN) },
	  .verdict = TC_ACT_SHOT, .stat = DROP(NO_MASQUERADE),
	  .ct = { CT(PLUTO_IP, 40500, REMOTE_IP, 80, TCP), .absent = true } },
	{ "pluto to its own gateway: to the host",
	  FROM_NODE, PLUTO_IF, { OUT_TCP(pluto, 40500, IP4(10, 202, 0, 1), 80, SYN) },
	  .verdict = TC_ACT_UNSPEC, .stat = PATH(TO_HOST) },
	{ "GRE to the world: nat_proto",
	  FROM_NODE, EARTH_IF, { .kind = FR_IPV4, .dst = earth_host, .src = earth_mac,
				 .saddr = EARTH_IP, .daddr = REMOTE_IP, .proto = 47 },
	  .verdict = TC_ACT_SHOT, .stat = DROP(NAT_PROTO) },
	{ "TCP header cut after 10 bytes (IPv4 length agrees): short",
	  FROM_NODE, EARTH_IF, { OUT_TCP(earth, 40500, REMOTE_IP, 80, SYN), .tot_len = 30,
				 .trunc = 14 + 30 },
	  .verdict = TC_ACT_SHOT, .stat = DROP(SHORT) },
	{ "UDP header cut after 6 bytes: short",
	  FROM_NODE, EARTH_IF, { OUT_UDP(earth, 40500, REMOTE_IP, 53), .tot_len = 26,
				 .trunc = 14 + 26 },
	  .verdict = TC_ACT_SHOT, .stat = DROP(SHORT) },
	{ "spoofed source to the world: spoof_ip, as before",
	  FROM_NODE, EARTH_IF, { OUT_UDP(earth, 40500, REMOTE_IP, 53), .saddr = STRANGER_IP },
	  .verdict = TC_ACT_SHOT, .stat = DROP(SPOOF_IP) },
};
/* clang-format on */

/* clang-format off */
static const struct nat_step no_uplink_steps[] = {
	{ "no uplink configured: no_uplink",
	  FROM_NODE, EARTH_IF, { OUT_UDP(earth, 40500, REMOTE_IP, 53) },
	  .verdict = TC_ACT_SHOT, .stat = DROP(NO_UPLINK),
	  .ct = { CT(EARTH_IP, 40500, REMOTE_IP, 53, UDP), .absent = true } },
	{ "the gateway still works: to the host",
	  FROM_NODE, EARTH_IF, { OUT_UDP(earth, 40500, PLANET_GW, 53) },
	  .verdict = TC_ACT_UNSPEC, .stat = PATH(TO_HOST) },
	{ "pluto without masquerade: no_masquerade first",
	  FROM_NODE, PLUTO_IF, { OUT_UDP(pluto, 40500, REMOTE_IP, 53) },
	  .verdict = TC_ACT_SHOT, .stat = DROP(NO_MASQUERADE) },
	{ "from_uplink without an uplink address: everything the host's",
	  FROM_UPLINK, UPLINK_IF, { IN_UDP(REMOTE_IP, 53, 61000) }, HOSTS },
};
/* clang-format on */

/* ------------------------------------- the host's own traffic on the uplink */

/* clang-format off */
static const struct nat_step host_steps[] = {
	{ "earth UDP 61600 -> remote:53: a flow exists (so lookups could match)",
	  FROM_NODE, EARTH_IF, { OUT_UDP(earth, 61600, REMOTE_IP, 53) }, SNAT_OUT,
	  .out = { SNAT_UDP(earth, 61600, REMOTE_IP, 53) } },
	{ "ARP request for the uplink address: untouched",
	  FROM_UPLINK, UPLINK_IF,
	  { .kind = FR_ARP, .dst = bcast_mac, .src = router_mac, .op = 1, .sha = router_mac,
	    .spa = ROUTER_IP, .tpa = UPLINK_IP }, HOSTS },
	{ "IPv6: untouched",
	  FROM_UPLINK, UPLINK_IF, { .kind = FR_IPV6, .dst = uplink_mac, .src = router_mac },
	  HOSTS },
	{ "TCP to port 22 (outside the range): untouched",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 40000, 22, SYN) }, HOSTS },
	{ "TCP to port 61600 (in the range) with no TCP flow: untouched",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 53, 61600, SYNACK) }, HOSTS },
	{ "UDP to the flow's port from another remote port: untouched",
	  FROM_UPLINK, UPLINK_IF, { IN_UDP(REMOTE_IP, 54, 61600) }, HOSTS },
	{ "UDP matching the flow but to another host address: untouched",
	  FROM_UPLINK, UPLINK_IF, { IN_UDP(REMOTE_IP, 53, 61600), .daddr = HOST_IP }, HOSTS },
	{ "the flow's reply inside an 802.1Q tag: untouched",
	  FROM_UPLINK, UPLINK_IF, { IN_UDP(REMOTE_IP, 53, 61600), .vlan_proto = 0x8100,
				    .vlan_id = 7 }, HOSTS },
	{ "the flow's reply with IHL 4: untouched",
	  FROM_UPLINK, UPLINK_IF, { IN_UDP(REMOTE_IP, 53, 61600), .ihl = 4 }, HOSTS },
	{ "the flow's reply with a total length beyond the frame: untouched",
	  FROM_UPLINK, UPLINK_IF, { IN_UDP(REMOTE_IP, 53, 61600), .tot_len = 300 }, HOSTS },
	{ "the flow's reply cut inside the UDP header: untouched",
	  FROM_UPLINK, UPLINK_IF, { IN_UDP(REMOTE_IP, 53, 61600), .tot_len = 24,
				    .trunc = 14 + 24 }, HOSTS },
	{ "a TCP header cut after 16 bytes to a port in the range: untouched",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 53, 61600, ACK), .tot_len = 36,
				    .trunc = 14 + 36 }, HOSTS },
	{ "GRE to the uplink: untouched",
	  FROM_UPLINK, UPLINK_IF, { .kind = FR_IPV4, .dst = uplink_mac, .src = router_mac,
				    .saddr = REMOTE_IP, .daddr = UPLINK_IP, .proto = 47 }, HOSTS },
	{ "an unknown EtherType: untouched",
	  FROM_UPLINK, UPLINK_IF, { .kind = FR_RAW, .dst = uplink_mac, .src = router_mac,
				    .type = 0x88b5 }, HOSTS },
	{ "and the flow's real reply still goes to earth",
	  FROM_UPLINK, UPLINK_IF, { IN_UDP(REMOTE_IP, 53, 61600) }, INTO(earth),
	  .out = { BACK_UDP(earth, REMOTE_IP, 53, 61600) }, .stat = PATH(REV_SNAT) },
	{ "to_uplink: the host's TCP out, untouched and not counted",
	  TO_UPLINK, 0, { .kind = FR_TCP4, .dst = router_mac, .src = uplink_mac, .saddr = UPLINK_IP,
			  .daddr = REMOTE_IP, .sport = 45000, .dport = 443, .tcp_flags = SYN },
	  HOSTS },
	{ "to_uplink: ARP, untouched",
	  TO_UPLINK, 0, { .kind = FR_ARP, .dst = bcast_mac, .src = uplink_mac, .op = 1,
			  .sha = uplink_mac, .spa = UPLINK_IP, .tpa = ROUTER_IP }, HOSTS },
};
/* clang-format on */

Test(masq, tcp)
{
	run_table(TABLE(tcp_steps));
}

Test(masq, udp)
{
	run_table(TABLE(udp_steps));
}

/*
 * Masquerade's translations with every frame a NIC's CHECKSUM_COMPLETE skb
 * (st_csum_complete): skb->csum must still sum each packet after the one-pass
 * rewrite (lib/rewrite.h), UDP without a checksum included.
 */
Test(masq, checksum_complete_kept)
{
	st_csum_complete = true;
	run_table(TABLE(tcp_steps));
	run_table(TABLE(udp_steps));
	run_table(TABLE(echo_steps));
	run_table(TABLE(frag_steps));
}

Test(masq, icmp_echo)
{
	run_table(TABLE(echo_steps));
}

Test(masq, icmp_errors_back)
{
	run_table(TABLE(icmp_err_steps));
}

Test(masq, port_collision)
{
	run_table(TABLE(collision_steps));
}

Test(masq, closed_tcp_port_reused_when_full)
{
	run_table(TABLE(reuse_steps, .port_min = 61000, .port_max = 61001));
}

/* ------------------------------------------- a SYN's window scale option */

/* Linux's layouts (read where they sit) and others (walked option by option) */
static const uint8_t opt_linux[20] = { 2,    4,	   5, 0xb4, 4, 2, 8, 10, 0, 0,
				       0x12, 0x34, 0, 0,    0, 0, 1, 3,	 3, 7 };
static const uint8_t opt_nosack[20] = { 2,    4,    5, 0xb4, 1, 1, 8, 10, 0, 0,
					0x12, 0x34, 0, 0,    0, 0, 1, 3,  3, 9 };
static const uint8_t opt_nots[12] = { 2, 4, 5, 0xb4, 1, 1, 4, 2, 1, 3, 3, 7 };
static const uint8_t opt_nows[16] = { 2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0x12, 0x34, 0, 0, 0, 0 };
static const uint8_t opt_big[12] = { 2, 4, 5, 0xb4, 1, 1, 4, 2, 1, 3, 3, 15 };
static const uint8_t opt_ws_first[8] = { 1, 3, 3, 5, 2, 4, 5, 0xb4 };
/* "NOP WS 14" inside a SACK block, then NOPs and EOL: no scale */
static const uint8_t opt_in_sack[20] = { 2, 4, 5, 0xb4, 5, 10, 1, 3, 3, 14,
					 0, 0, 1, 1,	1, 1,  0, 0, 0, 0 };
/* "NOP WS 14" inside the timestamps, then NOPs and EOL: no scale */
static const uint8_t opt_in_ts[20] = { 2, 4,  5, 0xb4, 4, 2, 8, 10, 1, 3,
				       3, 14, 0, 0,    0, 0, 1, 1,  1, 0 };

#define OPT_SYN(what, sp, o, ws)                                                         \
	{                                                                                \
		what, FROM_NODE, EARTH_IF,                                               \
			{ OUT_TCP(earth, sp, REMOTE_IP, 80, SYN), .tcp_opts = o,         \
			  .tcp_opts_len = sizeof(o) },                                   \
			SNAT_OUT,                                                        \
			.out = { SNAT_TCP(earth, sp, REMOTE_IP, 80, SYN), .tcp_opts = o, \
				 .tcp_opts_len = sizeof(o) },                            \
			.ct = { CT(EARTH_IP, sp, REMOTE_IP, 80, TCP),                    \
				.nat_port = sp,                                          \
				.state = NSB_CT_NEW,                                     \
				.pkts_orig = 1,                                          \
				.wscale = { ws } }                                       \
	}

/* clang-format off */
static const struct nat_step syn_option_steps[] = {
	OPT_SYN("Linux's SYN (MSS, SACK_PERM, timestamps, NOP, WS 7)", 62100, opt_linux, WS(7)),
	OPT_SYN("no SACK (MSS, NOP NOP, timestamps, NOP, WS 9)", 62101, opt_nosack, WS(9)),
	OPT_SYN("no timestamps (MSS, NOP NOP SACK_PERM, NOP, WS 7)", 62102, opt_nots, WS(7)),
	OPT_SYN("no window scale (MSS, SACK_PERM, timestamps)", 62103, opt_nows, WS_NONE),
	OPT_SYN("WS 15: taken as 14 (RFC 7323)", 62104, opt_big, WS(14)),
	OPT_SYN("WS first, then MSS: walked", 62105, opt_ws_first, WS(5)),
	OPT_SYN("WS's bytes inside a SACK block: none", 62106, opt_in_sack, WS_NONE),
	OPT_SYN("WS's bytes inside the timestamps: none", 62107, opt_in_ts, WS_NONE),
};
/* clang-format on */

Test(masq, tcp_window_tracking)
{
	run_table(TABLE(window_steps));
}

Test(masq, syn_window_scale)
{
	run_table(TABLE(syn_option_steps));
}

Test(masq, claim_in_progress_is_live)
{
	run_table(TABLE(claim_steps, .port_min = 61000, .port_max = 61001));
}

Test(masq, flood_refused_not_evicting)
{
	run_table(TABLE(flood_steps, .ct_max = 8, .fwds = flood_fwds, .n_fwds = 1));
}

Test(masq, host_address_gained_after_up)
{
	run_table(TABLE(gained_steps, .fib = true));
}

Test(masq, exhaustion_two_ports)
{
	run_table(TABLE(exhaust_steps, .port_min = 61000, .port_max = 61001));
}

Test(masq, expiry)
{
	/* timeouts in milliseconds: the ages must stay below the machine's uptime */
	run_table(TABLE(expiry_steps, .unit_ns = MSEC_NS));
}

Test(masq, fragments)
{
	run_table(TABLE(frag_steps));
}

Test(masq, router_errors_ttl_mtu)
{
	run_table(TABLE(router_steps));
}

Test(masq, policy)
{
	run_table(TABLE(policy_steps));
}

Test(masq, no_uplink)
{
	run_table(TABLE(no_uplink_steps, .no_uplink = true));
}

Test(uplink, host_traffic_untouched)
{
	run_table(TABLE(host_steps));
}
