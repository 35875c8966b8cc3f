// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Routed prefixes (networks.N.routes) under BPF_PROG_TEST_RUN, in
 * lab_routed (labs.h): earth, mars and pluto are routers with a prefix
 * each. A packet for an address behind a router goes to the router as to
 * a node (MACs, TTL between networks, reach); the router may send from its
 * prefixes and nothing else; replies of masqueraded and forwarded flows,
 * and forwards, reach addresses behind it through it. The steps share the
 * maps (nat_table.h): a flow goes out, its reply comes back.
 */
#include "nat_table.h"

/* "be": an address behind earth, on earth's wire (earth's MACs, its host end) */
#define be_ADDR BEHIND_EARTH
#define be_mac	earth_mac
#define be_host earth_host
#define be_IF	EARTH_IF
/* "bm": the same behind mars */
#define bm_ADDR BEHIND_MARS
#define bm_mac	mars_mac
#define bm_host mars_host
#define bm_IF	MARS_IF

/* node sends a UDP datagram from s to d, on its own wire */
#define SENT(node, s, d)                                                                    \
	.kind = FR_UDP4, .dst = node##_host, .src = node##_mac, .saddr = (s), .daddr = (d), \
	.sport = 5000, .dport = 6000
/* as node receives it from its host end */
#define RECEIVED(node, s, d)                                                                \
	.kind = FR_UDP4, .dst = node##_mac, .src = node##_host, .saddr = (s), .daddr = (d), \
	.sport = 5000, .dport = 6000
#define TO_NODE(node) INTO(node), .stat = PATH(NODE_TO_NODE)
#define DROPPED(r)    .verdict = TC_ACT_SHOT, .stat = DROP(r)

/* ------------------------------------------------- to a routed prefix */

/* clang-format off */
static const struct nat_step redirect_steps[] = {
	{ "neptune to an address behind earth (planet's prefix): to earth as to a node, "
	  "MACs earth's, TTL kept (one network)",
	  FROM_NODE, NEPTUNE_IF, { SENT(neptune, NEPTUNE_IP, BEHIND_EARTH) }, TO_NODE(earth),
	  .out = { RECEIVED(earth, NEPTUNE_IP, BEHIND_EARTH) } },
	{ "mars (moon reaches planet) behind earth: a routed hop, TTL 64 -> 63, checksum",
	  FROM_NODE, MARS_IF, { SENT(mars, MARS_IP, BEHIND_EARTH) }, TO_NODE(earth),
	  .out = { RECEIVED(earth, MARS_IP, BEHIND_EARTH), .ttl = 63 } },
	{ "mars behind earth with TTL 1: ttl (a routed hop)",
	  FROM_NODE, MARS_IF, { SENT(mars, MARS_IP, BEHIND_EARTH), .ttl = 1 }, DROPPED(TTL) },
	{ "earth behind mars: to mars, TTL 63",
	  FROM_NODE, EARTH_IF, { SENT(earth, EARTH_IP, BEHIND_MARS) }, TO_NODE(mars),
	  .out = { RECEIVED(mars, EARTH_IP, BEHIND_MARS), .ttl = 63 } },
	{ "pluto (exile reaches only itself) behind earth: isolated, as to earth",
	  FROM_NODE, PLUTO_IF, { SENT(pluto, PLUTO_IP, BEHIND_EARTH) }, DROPPED(ISOLATED) },
	{ "earth behind pluto: isolated, the prefix is exile's",
	  FROM_NODE, EARTH_IF, { SENT(earth, EARTH_IP, BEHIND_PLUTO) }, DROPPED(ISOLATED) },
	{ "neptune to an address in no prefix and no subnet: masqueraded (the outside)",
	  FROM_NODE, NEPTUNE_IF, { OUT_UDP(neptune, 61100, BEHIND_NONE, 53) }, SNAT_OUT,
	  .out = { SNAT_UDP(neptune, 61100, BEHIND_NONE, 53) } },
};

/* the same lab with config.routes 0: the trie is never asked */
static const struct nat_step routes_off_steps[] = {
	{ "neptune behind earth, the lab's routes off: masqueraded like any outside address",
	  FROM_NODE, NEPTUNE_IF, { OUT_UDP(neptune, 61100, BEHIND_EARTH, 53) }, SNAT_OUT,
	  .out = { SNAT_UDP(neptune, 61100, BEHIND_EARTH, 53) } },
	{ "earth from behind itself, routes off: spoof_ip",
	  FROM_NODE, EARTH_IF, { SENT(earth, BEHIND_EARTH, NEPTUNE_IP) }, DROPPED(SPOOF_IP) },
};

/* ---------------------------------------------- a router's sources */

static const struct nat_step spoof_steps[] = {
	{ "earth forwards from its prefix to neptune: passes, into neptune",
	  FROM_NODE, EARTH_IF, { SENT(earth, BEHIND_EARTH, NEPTUNE_IP) }, TO_NODE(neptune),
	  .out = { RECEIVED(neptune, BEHIND_EARTH, NEPTUNE_IP) } },
	{ "earth from its own address: passes as ever",
	  FROM_NODE, EARTH_IF, { SENT(earth, EARTH_IP, NEPTUNE_IP) }, TO_NODE(neptune),
	  .out = { RECEIVED(neptune, EARTH_IP, NEPTUNE_IP) } },
	{ "earth from mars's prefix: spoof_ip",
	  FROM_NODE, EARTH_IF, { SENT(earth, BEHIND_MARS, NEPTUNE_IP) }, DROPPED(SPOOF_IP) },
	{ "earth from an address in no prefix: spoof_ip",
	  FROM_NODE, EARTH_IF, { SENT(earth, BEHIND_NONE, NEPTUNE_IP) }, DROPPED(SPOOF_IP) },
	{ "neptune (no router) from earth's prefix: spoof_ip",
	  FROM_NODE, NEPTUNE_IF, { SENT(neptune, BEHIND_EARTH, EARTH_IP) }, DROPPED(SPOOF_IP) },
	{ "earth from its prefix with a foreign MAC: spoof_mac",
	  FROM_NODE, EARTH_IF,
	  { SENT(earth, BEHIND_EARTH, NEPTUNE_IP), .src = rogue_mac }, DROPPED(SPOOF_MAC) },
	{ "neptune's ARP from an address of earth's prefix: spoof_ip",
	  FROM_NODE, NEPTUNE_IF,
	  { .kind = FR_ARP, .dst = bcast_mac, .src = neptune_mac, .op = 1, .sha = neptune_mac,
	    .spa = BEHIND_EARTH, .tpa = EARTH_IP }, DROPPED(SPOOF_IP) },
};

/* ------------------------------- masquerade from behind, and the reply */

static const struct nat_step masq_steps[] = {
	{ "earth forwards 10.209.0.5:61200 -> remote:80 (UDP): SNAT to the uplink, the flow "
	  "keyed by the address behind earth, earth's host end",
	  FROM_NODE, EARTH_IF, { OUT_UDP(be, 61200, REMOTE_IP, 80) }, SNAT_OUT,
	  .out = { SNAT_UDP(be, 61200, REMOTE_IP, 80) },
	  .ct = { CT(BEHIND_EARTH, 61200, REMOTE_IP, 80, UDP), .state = NSB_CT_NEW,
		  .nat_port = 61200, .pkts_orig = 1 } },
	{ "the reply: reverse SNAT to 10.209.0.5, into earth (its MACs), TTL 59",
	  FROM_UPLINK, UPLINK_IF, { IN_UDP(REMOTE_IP, 80, 61200) }, INTO(be),
	  .out = { BACK_UDP(be, REMOTE_IP, 80, 61200) }, .stat = PATH(REV_SNAT),
	  .ct = { CT(BEHIND_EARTH, 61200, REMOTE_IP, 80, UDP), .state = NSB_CT_ESTABLISHED,
		  .nat_port = 61200, .pkts_orig = 1, .pkts_reply = 1 } },
	{ "a ping from behind mars and its pong: through mars both ways",
	  FROM_NODE, MARS_IF, { OUT_PING(bm, 61300, REMOTE_IP) }, SNAT_OUT,
	  .out = { SNAT_PING(bm, 61300, REMOTE_IP) } },
	{ "the pong: into mars, to 10.210.0.5",
	  FROM_UPLINK, UPLINK_IF, { IN_PONG(REMOTE_IP, 61300) }, INTO(bm),
	  .out = { BACK_PONG(bm, REMOTE_IP, 61300) }, .stat = PATH(REV_SNAT) },
	{ "the world to 10.209.0.5 itself (a world that routes the lab to us): inbound",
	  FROM_UPLINK, UPLINK_IF,
	  { IN_UDP(REMOTE_IP, 80, 61200), .daddr = BEHIND_EARTH }, DROPPED(INBOUND) },
};

/* ----------------------------- a forward to an address behind a router */

static const struct fwd_rule behind_fwds[] = {
	{ TCP, 0, 6000, 0, BEHIND_EARTH, 8080, EARTH_IF },
};

static const struct nat_step dnat_steps[] = {
	{ "world SYN -> uplink:6000: DNAT to 10.209.0.5:8080, into earth",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 40000, 6000, SYN) }, INTO(be),
	  .out = { BACK_TCP(be, REMOTE_IP, 40000, 8080, SYN) }, .stat = PATH(DNAT),
	  .ct = { CT(BEHIND_EARTH, 8080, REMOTE_IP, 40000, TCP), .state = NSB_CT_NEW,
		  .flags = NSB_CT_F_DNAT | NSB_CT_F_FWD_ANY, .nat_port = 6000,
		  .pkts_reply = 1 },
	  .natp = { NATP(UPLINK_IP, REMOTE_IP, 6000, 40000, TCP), .node_addr = BEHIND_EARTH,
		    .node_port = 8080, .ifindex = EARTH_IF },
	  .hits = { HITS(0, 6000, TCP, 1) } },
	{ "its SYN-ACK forwarded by earth: from uplink:6000 out of the uplink",
	  FROM_NODE, EARTH_IF, { OUT_TCP(be, 8080, REMOTE_IP, 40000, SYNACK) },
	  .verdict = TC_ACT_REDIRECT, .redirect = UPLINK_IF, .flags = NEIGH,
	  .stat = PATH(REV_DNAT), .out = { SNAT_TCP(be, 6000, REMOTE_IP, 40000, SYNACK) },
	  .ct = { CT(BEHIND_EARTH, 8080, REMOTE_IP, 40000, TCP), .state = NSB_CT_ESTABLISHED,
		  .flags = NSB_CT_F_DNAT | NSB_CT_F_FWD_ANY, .nat_port = 6000, .pkts_orig = 1,
		  .pkts_reply = 1 } },
	{ "the client's ACK: the flow into earth",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(REMOTE_IP, 40000, 6000, ACK) }, INTO(be),
	  .out = { BACK_TCP(be, REMOTE_IP, 40000, 8080, ACK) }, .stat = PATH(DNAT) },
	{ "neptune through the forward (hairpin): into earth, to 10.209.0.5:8080 from the "
	  "gateway",
	  FROM_NODE, NEPTUNE_IF, { OUT_TCP(neptune, 40100, UPLINK_IP, 6000, SYN) }, INTO(be),
	  .stat = PATH(HAIRPIN),
	  .out = { BACK_TCP(be, PLANET_GW, PORT_VAR(0), 8080, SYN), .ttl = 63 },
	  .ct = { CT(NEPTUNE_IP, 40100, UPLINK_IP, 6000, TCP), .state = NSB_CT_NEW,
		  .flags = NSB_CT_F_HAIRPIN, .nat_addr = PLANET_GW, .nat_port = PORT_VAR(0),
		  .dnat_addr = BEHIND_EARTH, .dnat_port = 8080, .pkts_orig = 1 } },
};
/* clang-format on */

#define ROUTED(s, ...) TABLE(s, .lab = &lab_routed, ##__VA_ARGS__)

Test(routes, to_a_routed_prefix)
{
	run_table(ROUTED(redirect_steps));
}

Test(routes, no_routes_no_trie)
{
	run_table(ROUTED(routes_off_steps, .routes_off = true));
}

Test(routes, router_anti_spoofing)
{
	run_table(ROUTED(spoof_steps));
}

Test(routes, masquerade_and_replies_behind_a_router)
{
	run_table(ROUTED(masq_steps));
}

Test(routes, forward_to_an_address_behind_a_router)
{
	run_table(ROUTED(dnat_steps, .fwds = behind_fwds, .n_fwds = N(behind_fwds)));
}
