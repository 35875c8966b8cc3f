// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Remote subnets (networks.N.remote, lib/remote.h) under BPF_PROG_TEST_RUN,
 * in lab_remote (labs.h): planet's nodes reach 10.89.0.0/16 and moon's
 * 10.90.0.0/16 natively through next hops on the uplink's link. A node's
 * packet to its network's remote subnet leaves the uplink with its own
 * source (TTL - 1, no ct entry) toward the entry's next hop; a remote pod's
 * packet to a node of that network goes in; to_uplink lets exactly those
 * lab sources out. Everything else stays as in a lab without remotes:
 * inbound to lab addresses dropped, lab sources dropped at to_uplink,
 * other networks masqueraded.
 */
#include "nat_table.h"

#define earth_REM   PLANET_REMOTE
#define neptune_REM PLANET_REMOTE

/* node sends UDP 5000 -> d:6000 on its wire; and as it leaves the uplink */
#define SENT(node, d) OUT_UDP(node, 5000, (d), 6000)
#define LEFT(node, d)                                                                            \
	.kind = FR_UDP4, .dst = node##_host, .src = node##_mac, .ttl = 63, .saddr = node##_ADDR, \
	.daddr = (d), .sport = 5000, .dport = 6000
/* from the uplink: s:6000 -> d:5000 from the next hop's MAC; and into node */
#define CAME(s, d)                                                                      \
	.kind = FR_UDP4, .dst = uplink_mac, .src = router_mac, .ttl = 60, .saddr = (s), \
	.daddr = (d), .sport = 6000, .dport = 5000
#define INTO_REM(node, s)                                                                \
	.kind = FR_UDP4, .dst = node##_mac, .src = node##_host, .ttl = 59, .saddr = (s), \
	.daddr = node##_ADDR, .sport = 6000, .dport = 5000
/* at to_uplink: s -> d, as from_node sent it out */
#define LEAVING(s, d)                                                                   \
	.kind = FR_UDP4, .dst = router_mac, .src = uplink_mac, .ttl = 63, .saddr = (s), \
	.daddr = (d), .sport = 5000, .dport = 6000

#define REMOTE_OUT \
	.verdict = TC_ACT_REDIRECT, .redirect = UPLINK_IF, .flags = NEIGH, .stat = PATH(REMOTE_OUT)
#define DROPPED(r)		.verdict = TC_ACT_SHOT, .stat = DROP(r)
#define NO_CT(s, sp, d, dp, pr) .ct = { CT(s, sp, d, dp, pr), .absent = true }

/* clang-format off */
static const struct nat_step out_steps[] = {
	{ "earth to a pod of planet's remote subnet: out of the uplink with earth's own "
	  "source, TTL 63, no ct entry",
	  FROM_NODE, EARTH_IF, { SENT(earth, PLANET_REMOTE) }, REMOTE_OUT,
	  .out = { LEFT(earth, PLANET_REMOTE) }, NO_CT(EARTH_IP, 5000, PLANET_REMOTE, 6000, UDP) },
	{ "neptune's TCP SYN to it: the same, any protocol alike",
	  FROM_NODE, NEPTUNE_IF, { OUT_TCP(neptune, 40000, PLANET_REMOTE, 80, SYN) }, REMOTE_OUT,
	  .out = { OUT_TCP(neptune, 40000, PLANET_REMOTE, 80, SYN), .ttl = 63 },
	  NO_CT(NEPTUNE_IP, 40000, PLANET_REMOTE, 80, TCP) },
	{ "mars (moon) to moon's remote subnet: out natively too",
	  FROM_NODE, MARS_IF, { SENT(mars, MOON_REMOTE) }, REMOTE_OUT,
	  .out = { LEFT(mars, MOON_REMOTE) } },
	{ "mars to planet's remote subnet (not moon's): masqueraded as any outside address",
	  FROM_NODE, MARS_IF, { OUT_UDP(mars, 61100, PLANET_REMOTE, 53) }, SNAT_OUT,
	  .out = { SNAT_UDP(mars, 61100, PLANET_REMOTE, 53) } },
	{ "earth to the world: masqueraded as ever",
	  FROM_NODE, EARTH_IF, { OUT_UDP(earth, 61101, REMOTE_IP, 53) }, SNAT_OUT,
	  .out = { SNAT_UDP(earth, 61101, REMOTE_IP, 53) } },
	{ "pluto (exile: no masquerade, no remote) to planet's remote subnet: no_masquerade",
	  FROM_NODE, PLUTO_IF, { SENT(pluto, PLANET_REMOTE) }, DROPPED(NO_MASQUERADE) },
	{ "earth to its remote subnet with TTL 1: a router's time exceeded would go back; "
	  "nothing leaves",
	  FROM_NODE, EARTH_IF, { SENT(earth, PLANET_REMOTE), .ttl = 1 },
	  .verdict = TC_ACT_REDIRECT, .redirect = EARTH_IF, .flags = EGRESS,
	  .stat = PATH(TIME_EXCEEDED),
	  .out = { .kind = FR_ICMP4, .dst = earth_mac, .src = earth_host, .tos = 0xc0,
		   .ip_id = SET16(0), .frag_off = SET16(0), .ttl = 64, .saddr = PLANET_GW,
		   .daddr = EARTH_IP, .icmp_type = 11, .icmp_code = 0,
		   .quote = &(const struct frame){ SENT(earth, PLANET_REMOTE), .ttl = 1 },
		   .quote_len = 20 + 24 } },
};

static const struct nat_step in_steps[] = {
	{ "a remote pod to earth: in, TTL 59, earth's MACs",
	  FROM_UPLINK, UPLINK_IF, { CAME(PLANET_REMOTE, EARTH_IP) }, INTO(earth),
	  .stat = PATH(REMOTE_IN), .out = { INTO_REM(earth, PLANET_REMOTE) } },
	{ "the same from a MAC that is not the next hop's: in (trusted as rp_filter would)",
	  FROM_UPLINK, UPLINK_IF, { CAME(PLANET_REMOTE, NEPTUNE_IP), .src = rogue_mac },
	  INTO(neptune), .stat = PATH(REMOTE_IN), .out = { INTO_REM(neptune, PLANET_REMOTE) } },
	{ "moon's remote pod to mars: in",
	  FROM_UPLINK, UPLINK_IF, { CAME(MOON_REMOTE, MARS_IP) }, INTO(mars),
	  .stat = PATH(REMOTE_IN), .out = { INTO_REM(mars, MOON_REMOTE) } },
	{ "planet's remote pod to mars (moon's node): inbound",
	  FROM_UPLINK, UPLINK_IF, { CAME(PLANET_REMOTE, MARS_IP) }, DROPPED(INBOUND) },
	{ "a remote pod to planet's gateway: inbound (no node there)",
	  FROM_UPLINK, UPLINK_IF, { CAME(PLANET_REMOTE, PLANET_GW) }, DROPPED(INBOUND) },
	{ "a remote pod to an unused planet address: inbound",
	  FROM_UPLINK, UPLINK_IF, { CAME(PLANET_REMOTE, PLANET_NONE) }, DROPPED(INBOUND) },
	{ "the world to earth (a world that routes the lab to us): inbound",
	  FROM_UPLINK, UPLINK_IF, { CAME(REMOTE_IP, EARTH_IP) }, DROPPED(INBOUND) },
	{ "neptune's address from the uplink to earth (a forged lab source): inbound",
	  FROM_UPLINK, UPLINK_IF, { CAME(NEPTUNE_IP, EARTH_IP) }, DROPPED(INBOUND) },
	{ "the next hop's own address to earth: inbound (only the remote subnet's)",
	  FROM_UPLINK, UPLINK_IF, { CAME(PLANET_VIA, EARTH_IP) }, DROPPED(INBOUND) },
	{ "a remote pod to earth with TTL 1: ttl",
	  FROM_UPLINK, UPLINK_IF, { CAME(PLANET_REMOTE, EARTH_IP), .ttl = 1 }, DROPPED(TTL) },
	{ "a remote pod to the uplink address, no forward: the host's, untouched",
	  FROM_UPLINK, UPLINK_IF, { CAME(PLANET_REMOTE, UPLINK_IP) }, HOSTS },
};

static const struct nat_step egress_steps[] = {
	{ "earth's packet to its remote subnet at to_uplink: passes, uncounted (from_node "
	  "counted it)",
	  TO_UPLINK, 0, { LEAVING(EARTH_IP, PLANET_REMOTE) }, HOSTS },
	{ "earth's source to the world at to_uplink (a host routing it): lab_source",
	  TO_UPLINK, 0, { LEAVING(EARTH_IP, REMOTE_IP) }, DROPPED(LAB_SOURCE) },
	{ "mars's source to planet's remote subnet: lab_source (not moon's)",
	  TO_UPLINK, 0, { LEAVING(MARS_IP, PLANET_REMOTE) }, DROPPED(LAB_SOURCE) },
	{ "planet's gateway (a host socket) to the remote subnet: lab_source (no node)",
	  TO_UPLINK, 0, { LEAVING(PLANET_GW, PLANET_REMOTE) }, DROPPED(LAB_SOURCE) },
	{ "an unused planet address to the remote subnet: lab_source",
	  TO_UPLINK, 0, { LEAVING(PLANET_NONE, PLANET_REMOTE) }, DROPPED(LAB_SOURCE) },
	{ "the uplink's own packet: the host's",
	  TO_UPLINK, 0, { LEAVING(UPLINK_IP, PLANET_REMOTE) }, HOSTS },
};

/* the lab's remote subnets in the trie, config.flags without NSB_CFG_F_REMOTES */
static const struct nat_step off_steps[] = {
	{ "remotes off: earth to the remote subnet is masqueraded like any outside address",
	  FROM_NODE, EARTH_IF, { OUT_UDP(earth, 61102, PLANET_REMOTE, 53) }, SNAT_OUT,
	  .out = { SNAT_UDP(earth, 61102, PLANET_REMOTE, 53) } },
	{ "remotes off: a remote pod to earth is inbound",
	  FROM_UPLINK, UPLINK_IF, { CAME(PLANET_REMOTE, EARTH_IP) }, DROPPED(INBOUND) },
	{ "remotes off: earth's source to the remote subnet at to_uplink: lab_source",
	  TO_UPLINK, 0, { LEAVING(EARTH_IP, PLANET_REMOTE) }, DROPPED(LAB_SOURCE) },
};

/* a remote pod through a forward: the reply is the forward's, not a native one */
static const struct fwd_rule rem_fwds[] = {
	{ TCP, 0, 6000, 0, EARTH_IP, 8080, EARTH_IF },
};

static const struct nat_step fwd_steps[] = {
	{ "a remote pod's SYN to uplink:6000: DNAT into earth",
	  FROM_UPLINK, UPLINK_IF, { IN_TCP(PLANET_REMOTE, 40000, 6000, SYN) }, INTO(earth),
	  .out = { BACK_TCP(earth, PLANET_REMOTE, 40000, 8080, SYN) }, .stat = PATH(DNAT) },
	{ "earth's SYN-ACK: the forward's flow (from uplink:6000), not remote_out",
	  FROM_NODE, EARTH_IF, { OUT_TCP(earth, 8080, PLANET_REMOTE, 40000, SYNACK) },
	  .verdict = TC_ACT_REDIRECT, .redirect = UPLINK_IF, .flags = NEIGH,
	  .stat = PATH(REV_DNAT), .out = { SNAT_TCP(earth, 6000, PLANET_REMOTE, 40000, SYNACK) } },
};
/* clang-format on */

#define REMOTE(s, ...) TABLE(s, .lab = &lab_remote, ##__VA_ARGS__)

Test(remote, a_node_to_its_remote_subnet_leaves_natively)
{
	run_table(REMOTE(out_steps));
}

Test(remote, a_remote_pod_reaches_the_nodes_of_its_network_only)
{
	run_table(REMOTE(in_steps));
}

Test(remote, to_uplink_lets_out_only_a_node_to_its_remote_subnet)
{
	run_table(REMOTE(egress_steps));
}

Test(remote, no_flag_no_trie)
{
	run_table(REMOTE(off_steps, .remotes_off = true));
}

Test(remote, a_forwards_reply_to_a_remote_pod_stays_the_forwards)
{
	run_table(REMOTE(fwd_steps, .fwds = rem_fwds, .n_fwds = N(rem_fwds)));
}
