// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Port forwards over IPv6 under BPF_PROG_TEST_RUN (lib/dnat6.h, the DNAT
 * side of lib/from_uplink6.h and the reply side of lib/masq6.h): a client
 * in the world opens a flow to the uplink's IPv6 address (or a host
 * address with a forward of its own) on a forwarded port; its later
 * packets and the node's replies, both ways, with TCP window tracking; the
 * host's traffic to ports without a forward untouched. Tables of steps as
 * nat66_test.c's (nat66_steps.h): every output compared whole with
 * a frame built from scratch, every L4 checksum recomputed from scratch
 * over the IPv6 pseudo-header, the trace map's redirect, the stats slot,
 * the ct6 entry and its nat_ports6 claim.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "labs.h"
#include "nat66_steps.h"
#include "node.skel.h"
#include "lab/fill.h"
#include "lab/fwd6.h"
#include "lab/fwd_flows.h"

#pragma GCC diagnostic ignored "-Woverride-init"

/* ------------------------------------------------------------ addresses */

/* clang-format off */
static const uint8_t earth6[16] = IP6(0x200, 0x11);
static const uint8_t pluto6[16] = IP6(0x202, 0x31);
static const uint8_t remote6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x80 };
static const uint8_t remote6b[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 7, [15] = 0x07 };
/* clang-format on */

/* --------------------------------------------------------------- forwards */

/* the client's packet to the uplink's address6 (or another host address) at port p */
#define CLIENT6(k, s, sp, d, p)                                                        \
	.kind = (k), .dst = uplink_mac, .src = router_mac, .saddr = (s), .daddr = (d), \
	.sport = (sp), .dport = (p), .hop = 60
/* the node's reply as it leaves the uplink: from the host address a:p, hop - 1 */
#define REPLY6(k, node, a, p, c, cp)                                                    \
	.kind = (k), .dst = node##_host, .src = node##_mac, .saddr = (a), .daddr = (c), \
	.sport = (p), .dport = (cp), .hop = 63
#define DNAT_INTO(node)                                                               \
	.verdict = TC_ACT_REDIRECT, .redirect = node##_IF, .flags = NSB_TRACE_F_PEER, \
	.stat = PATH(DNAT)
#define REV_DNAT_OUT                                                                   \
	.verdict = TC_ACT_REDIRECT, .redirect = UPLINK_IF, .flags = NSB_TRACE_F_NEIGH, \
	.stat = PATH(REV_DNAT)
#define FWD_ANY (NSB_CT_F_DNAT | NSB_CT_F_FWD_ANY)

/* clang-format off */
static const struct fwd6 fwds[] = {
	{ NULL, 6000, 6, earth6, 8080, EARTH_IF },   /* any: the uplink's address6 */
	{ host6, 6001, 6, pluto6, 80, PLUTO_IF },    /* host6 only; exile does not masquerade */
	{ NULL, 7000, 17, pluto6, 53, PLUTO_IF },
};

static const struct step6 tcp_fwd_steps[] = {
	{ "client SYN to uplink6:6000: a new flow, into earth at 8080 (dnat), NEW",
	  FROM_UPLINK, UPLINK_IF, { CLIENT6(F6_TCP, remote6, 40000, uplink6, 6000), .flags = SYN },
	  DNAT_INTO(earth), .out = { BACK6(F6_TCP, earth, remote6, 40000, 8080), .flags = SYN },
	  .ct = { CT6(earth6, 8080, remote6, 40000, 6), .state = NSB_CT_NEW, .flags = FWD_ANY,
		  .nat_port = 6000, .pkts_reply = 1 } },
	{ "earth SYN-ACK: from uplink6:6000 out of the uplink (rev_dnat), ESTABLISHED",
	  FROM_NODE, EARTH_IF, { OUT6(F6_TCP, earth, 8080, remote6, 40000), .flags = SYNACK },
	  REV_DNAT_OUT,
	  .out = { REPLY6(F6_TCP, earth, uplink6, 6000, remote6, 40000), .flags = SYNACK },
	  .ct = { CT6(earth6, 8080, remote6, 40000, 6), .state = NSB_CT_ESTABLISHED,
		  .flags = FWD_ANY, .nat_port = 6000, .pkts_orig = 1, .pkts_reply = 1 } },
	{ "client ACK with 100 bytes: the flow's, into earth (dnat)",
	  FROM_UPLINK, UPLINK_IF, { CLIENT6(F6_TCP, remote6, 40000, uplink6, 6000), .flags = ACK,
				    .payload_len = 100 },
	  DNAT_INTO(earth),
	  .out = { BACK6(F6_TCP, earth, remote6, 40000, 8080), .flags = ACK, .payload_len = 100 },
	  .ct = { CT6(earth6, 8080, remote6, 40000, 6), .state = NSB_CT_ESTABLISHED,
		  .flags = FWD_ANY, .nat_port = 6000, .pkts_orig = 1, .pkts_reply = 2 } },
	{ "earth ACK with 1000 bytes: out from uplink6:6000",
	  FROM_NODE, EARTH_IF, { OUT6(F6_TCP, earth, 8080, remote6, 40000), .flags = ACK,
				 .seq = TCP_ISN + 1, .ack = TCP_ISN + 101, .payload_len = 1000 },
	  REV_DNAT_OUT,
	  .out = { REPLY6(F6_TCP, earth, uplink6, 6000, remote6, 40000), .flags = ACK,
		   .seq = TCP_ISN + 1, .ack = TCP_ISN + 101, .payload_len = 1000 },
	  .ct = { CT6(earth6, 8080, remote6, 40000, 6), .state = NSB_CT_ESTABLISHED,
		  .flags = FWD_ANY, .nat_port = 6000, .pkts_orig = 2, .pkts_reply = 2 } },
	{ "an off-path RST from the client (seq far out of window): tcp_window",
	  FROM_UPLINK, UPLINK_IF, { CLIENT6(F6_TCP, remote6, 40000, uplink6, 6000), .flags = RST,
				    .seq = TCP_ISN + 0x40000000 }, SHOT(TCP_WINDOW),
	  .ct = { CT6(earth6, 8080, remote6, 40000, 6), .state = NSB_CT_ESTABLISHED,
		  .flags = FWD_ANY, .nat_port = 6000, .pkts_orig = 2, .pkts_reply = 2 } },
	{ "a bare ACK to 6000 from another client port (no flow): the host's, untouched",
	  FROM_UPLINK, UPLINK_IF, { CLIENT6(F6_TCP, remote6, 40001, uplink6, 6000), .flags = ACK },
	  HOSTS, .ct = { CT6(earth6, 8080, remote6, 40001, 6), .absent = true } },
	{ "a SYN to uplink6:6002 (no forward): the host's, untouched",
	  FROM_UPLINK, UPLINK_IF, { CLIENT6(F6_TCP, remote6, 40002, uplink6, 6002), .flags = SYN },
	  HOSTS },
	{ "a SYN to uplink6:6001 (its forward is host6's only): the host's, untouched",
	  FROM_UPLINK, UPLINK_IF, { CLIENT6(F6_TCP, remote6, 40003, uplink6, 6001), .flags = SYN },
	  HOSTS, .ct = { CT6(pluto6, 80, remote6, 40003, 6), .absent = true } },
	{ "a SYN to host6:6001: into pluto at 80, the flow's address host6 (not any)",
	  FROM_UPLINK, UPLINK_IF, { CLIENT6(F6_TCP, remote6b, 41000, host6, 6001), .flags = SYN },
	  DNAT_INTO(pluto), .out = { BACK6(F6_TCP, pluto, remote6b, 41000, 80), .flags = SYN },
	  .ct = { CT6(pluto6, 80, remote6b, 41000, 6), .state = NSB_CT_NEW, .flags = NSB_CT_F_DNAT,
		  .nat_port = 6001, .pkts_reply = 1, .nat6 = host6 } },
	{ "pluto SYN-ACK: out from host6:6001, though exile does not masquerade",
	  FROM_NODE, PLUTO_IF, { OUT6(F6_TCP, pluto, 80, remote6b, 41000), .flags = SYNACK },
	  REV_DNAT_OUT,
	  .out = { REPLY6(F6_TCP, pluto, host6, 6001, remote6b, 41000), .flags = SYNACK },
	  .ct = { CT6(pluto6, 80, remote6b, 41000, 6), .state = NSB_CT_ESTABLISHED,
		  .flags = NSB_CT_F_DNAT, .nat_port = 6001, .pkts_orig = 1, .pkts_reply = 1,
		  .nat6 = host6 } },
	{ "pluto's own SYN to the client: not the forward's flow, no_masquerade",
	  FROM_NODE, PLUTO_IF, { OUT6(F6_TCP, pluto, 80, remote6b, 41001), .flags = SYN },
	  SHOT(NO_MASQUERADE) },
	{ "a SYN to 6000 from a lab address (earth6, forged): uplink_spoof, no flow",
	  FROM_UPLINK, UPLINK_IF, { CLIENT6(F6_TCP, earth6, 40004, uplink6, 6000), .flags = SYN },
	  SHOT(UPLINK_SPOOF), .ct = { CT6(earth6, 8080, earth6, 40004, 6), .absent = true } },
	{ "a SYN to 6000 with hop limit 1: ttl, no flow",
	  FROM_UPLINK, UPLINK_IF, { CLIENT6(F6_TCP, remote6, 40005, uplink6, 6000), .flags = SYN,
				    .hop = 1 },
	  SHOT(TTL), .ct = { CT6(earth6, 8080, remote6, 40005, 6), .absent = true } },
};

static const struct step6 udp_fwd_steps[] = {
	{ "client datagram to uplink6:7000: a new flow, into pluto at 53 (dnat)",
	  FROM_UPLINK, UPLINK_IF, { CLIENT6(F6_UDP, remote6, 5353, uplink6, 7000) },
	  DNAT_INTO(pluto), .out = { BACK6(F6_UDP, pluto, remote6, 5353, 53) },
	  .ct = { CT6(pluto6, 53, remote6, 5353, 17), .state = NSB_CT_NEW, .flags = FWD_ANY,
		  .nat_port = 7000, .pkts_reply = 1 } },
	{ "pluto's answer: from uplink6:7000 (rev_dnat), ESTABLISHED",
	  FROM_NODE, PLUTO_IF, { OUT6(F6_UDP, pluto, 53, remote6, 5353), .payload_len = 200 },
	  REV_DNAT_OUT, .out = { REPLY6(F6_UDP, pluto, uplink6, 7000, remote6, 5353),
				 .payload_len = 200 },
	  .ct = { CT6(pluto6, 53, remote6, 5353, 17), .state = NSB_CT_ESTABLISHED,
		  .flags = FWD_ANY, .nat_port = 7000, .pkts_orig = 1, .pkts_reply = 1 } },
	{ "the client's next datagram: the flow's, into pluto",
	  FROM_UPLINK, UPLINK_IF, { CLIENT6(F6_UDP, remote6, 5353, uplink6, 7000), .payload_len = 33 },
	  DNAT_INTO(pluto), .out = { BACK6(F6_UDP, pluto, remote6, 5353, 53), .payload_len = 33 },
	  .ct = { CT6(pluto6, 53, remote6, 5353, 17), .state = NSB_CT_ESTABLISHED,
		  .flags = FWD_ANY, .nat_port = 7000, .pkts_orig = 1, .pkts_reply = 2 } },
	{ "a datagram to 7000 without a checksum (invalid over IPv6): the host's",
	  FROM_UPLINK, UPLINK_IF, { CLIENT6(F6_UDP, remote6, 5354, uplink6, 7000), .no_csum = true },
	  HOSTS, .ct = { CT6(pluto6, 53, remote6, 5354, 17), .absent = true } },
	{ "a TCP SYN to 7000 (the forward is UDP's): the host's",
	  FROM_UPLINK, UPLINK_IF, { CLIENT6(F6_TCP, remote6, 5355, uplink6, 7000), .flags = SYN },
	  HOSTS },
	{ "a client's first fragment (3000 bytes) from 5360: a new flow, into pluto at 53, the "
	  "datagram's UDP sum adjusted, recorded",
	  FROM_UPLINK, UPLINK_IF, { CLIENT6(F6_UDP, remote6, 5360, uplink6, 7000), FRAG1(0xd1) },
	  DNAT_INTO(pluto), .out = { BACK6(F6_UDP, pluto, remote6, 5360, 53), FRAG1(0xd1) },
	  .ct = { CT6(pluto6, 53, remote6, 5360, 17), .state = NSB_CT_NEW, .flags = FWD_ANY,
		  .nat_port = 7000, .pkts_reply = 1 } },
	{ "its second fragment: follows it into pluto (rev_snat_frag)",
	  FROM_UPLINK, UPLINK_IF, { CLIENT6(F6_UDP, remote6, 0, uplink6, 0), FRAG2(0xd1) },
	  INTO_FRAG(pluto), .out = { BACK6(F6_UDP, pluto, remote6, 0, 0), FRAG2(0xd1) },
	  .ct = { CT6(pluto6, 53, remote6, 5360, 17), .state = NSB_CT_NEW, .flags = FWD_ANY,
		  .nat_port = 7000, .pkts_reply = 2 } },
	{ "its last fragment: into pluto, the record ends",
	  FROM_UPLINK, UPLINK_IF, { CLIENT6(F6_UDP, remote6, 0, uplink6, 0), FRAG3(0xd1) },
	  INTO_FRAG(pluto), .out = { BACK6(F6_UDP, pluto, remote6, 0, 0), FRAG3(0xd1) } },
	{ "one more of it: the host's",
	  FROM_UPLINK, UPLINK_IF, { CLIENT6(F6_UDP, remote6, 0, uplink6, 0), FRAG2(0xd1) }, HOSTS },
	{ "pluto's answer, first fragment: from uplink6:7000 (rev_dnat), recorded",
	  FROM_NODE, PLUTO_IF, { OUT6(F6_UDP, pluto, 53, remote6, 5360), FRAG1(0xd2) },
	  REV_DNAT_OUT, .out = { REPLY6(F6_UDP, pluto, uplink6, 7000, remote6, 5360), FRAG1(0xd2) },
	  .ct = { CT6(pluto6, 53, remote6, 5360, 17), .state = NSB_CT_ESTABLISHED,
		  .flags = FWD_ANY, .nat_port = 7000, .pkts_orig = 1, .pkts_reply = 3 } },
	{ "its second fragment: from uplink6 (snat_frag), though exile does not masquerade",
	  FROM_NODE, PLUTO_IF, { OUT6(F6_UDP, pluto, 0, remote6, 0), FRAG2(0xd2) }, SNAT_FRAG_OUT,
	  .out = { REPLY6(F6_UDP, pluto, uplink6, 0, remote6, 0), FRAG2(0xd2) } },
	{ "its last fragment: out, the record ends",
	  FROM_NODE, PLUTO_IF, { OUT6(F6_UDP, pluto, 0, remote6, 0), FRAG3(0xd2) }, SNAT_FRAG_OUT,
	  .out = { REPLY6(F6_UDP, pluto, uplink6, 0, remote6, 0), FRAG3(0xd2) },
	  .ct = { CT6(pluto6, 53, remote6, 5360, 17), .state = NSB_CT_ESTABLISHED,
		  .flags = FWD_ANY, .nat_port = 7000, .pkts_orig = 3, .pkts_reply = 3 } },
	{ "one more of it: no record, no_masquerade (exile's)",
	  FROM_NODE, PLUTO_IF, { OUT6(F6_UDP, pluto, 0, remote6, 0), FRAG2(0xd2) },
	  SHOT(NO_MASQUERADE) },
};
/* clang-format on */

Test(fwd6, tcp)
{
	run_table6(TABLE6(tcp_fwd_steps, .fwds = fwds, .n_fwds = N(fwds)));
}

Test(fwd6, udp)
{
	run_table6(TABLE6(udp_fwd_steps, .fwds = fwds, .n_fwds = N(fwds)));
}

/* IPv6 forwards with every frame a CHECKSUM_COMPLETE skb (st_csum_complete, lib/rewrite6.h). */
Test(fwd6, checksum_complete_kept)
{
	st_csum_complete = true;
	run_table6(TABLE6(tcp_fwd_steps, .fwds = fwds, .n_fwds = N(fwds)));
	run_table6(TABLE6(udp_fwd_steps, .fwds = fwds, .n_fwds = N(fwds)));
}

/* the same with the config's summaries (host6's forward needs host6_outside's bit) */
Test(fwd6, tcp_summed)
{
	run_table6(TABLE6(tcp_fwd_steps, .fwds = fwds, .n_fwds = N(fwds), .summary = true));
}

/* ------------------------------------------------ the loader's forwards6 */

static void fwd4_put(int fd, uint8_t proto, uint16_t port, uint32_t node_ip, uint16_t to_port,
		     uint32_t host)
{
	struct nsb_fwd_key k = { .host_addr = htonl(host), .port = htons(port), .proto = proto };
	struct nsb_fwd_val v = { .node_addr = htonl(node_ip),
				 .node_port = htons(to_port),
				 .first_port = htons(port),
				 .count = 1,
				 .ifindex = EARTH_IF };

	cr_assert(!bpf_map_update_elem(fd, &k, &v, BPF_ANY), "forwards");
}

static int fwd6_get(int fd, uint8_t proto, uint16_t port, struct nsb_fwd6_val *v)
{
	struct nsb_fwd6_key k = { .port = htons(port), .proto = proto };

	return bpf_map_lookup_elem(fd, &k, v) ? -errno : 0;
}

/*
 * fwd6_sync() (lab/fwd6.c): forwards6 follows forwards for any host
 * address to nodes with an ip6 (earth), not to one without (pluto here),
 * not for one IPv4 host address; a deleted or re-pointed forward takes
 * its IPv6 side along, hits stay while it stays; fwd_ports_sync46() keeps
 * the bits of both maps; fwd6_flows_sweep() ends the ct6 flows (and their
 * claims) of an IPv6 side that is gone, not the rest.
 */
Test(fwd6, loader_sync_and_sweep)
{
	struct fwd6_node nodes[] = {
		{ .ip = EARTH_IP }, { .ip = PLUTO_IP }, /* no ip6 */
	};
	struct nsb_nat6_key nk = { .nat_port = htons(6000),
				   .remote_port = htons(40000),
				   .proto = 6 };
	struct nsb_ct6_key ck = { .sport = htons(8080), .dport = htons(40000), .proto = 6 };
	struct nsb_ct6_entry ce = { .e = { .nat_port = htons(6000),
					   .flags = NSB_CT_F_DNAT | NSB_CT_F_FWD_ANY } };
	struct nsb_ct6_key mk = { .sport = htons(1234), .dport = htons(80), .proto = 6 };
	struct nsb_ct6_entry me = { .e = { .nat_port = htons(61001) } };
	struct nsb_nat6_val nv = { 0 };
	struct nsb_fwd6_val v6;
	struct st_env env;
	int fwd, fwd6, ports, ct6, nat6;
	__u32 word;
	__u64 bits;
	size_t gone;

	memcpy(&nodes[0].ip6, earth6, 16);
	st_open(&env, false);
	st_load(&env);
	fwd = env.forwards_fd;
	fwd6 = bpf_map__fd(env.skel->maps.forwards6);
	ports = bpf_map__fd(env.skel->maps.fwd_ports);
	ct6 = bpf_map__fd(env.skel->maps.ct6);
	nat6 = bpf_map__fd(env.skel->maps.nat_ports6);

	fwd4_put(fwd, 6, 6000, EARTH_IP, 8080, 0);
	fwd4_put(fwd, 17, 7000, EARTH_IP, 53, 0);
	fwd4_put(fwd, 6, 6002, PLUTO_IP, 80, 0);
	fwd4_put(fwd, 6, 6003, EARTH_IP, 80, HOST_IP);
	cr_assert_eq(fwd6_sync(fwd, fwd6, nodes, 2), 0, "sync");
	cr_assert_eq(fwd6_get(fwd6, 6, 6000, &v6), 0, "tcp 6000 -> earth: IPv6 side");
	cr_expect(!memcmp(v6.node_addr, earth6, 16), "its node's ip6");
	cr_expect_eq(ntohs(v6.v.node_port), 8080);
	cr_expect_eq(v6.v.ifindex, EARTH_IF);
	cr_expect_eq(v6.v.node_addr, 0, "no IPv4 address in it");
	cr_expect_eq(fwd6_get(fwd6, 17, 7000, &v6), 0, "udp 7000 -> earth: IPv6 side");
	cr_expect_eq(fwd6_get(fwd6, 6, 6002, &v6), -ENOENT, "pluto has no ip6: IPv4 only");
	cr_expect_eq(fwd6_get(fwd6, 6, 6003, &v6), -ENOENT, "an IPv4 host address: IPv4 only");

	/* hits stay across a sync that changes nothing */
	cr_assert_eq(fwd6_get(fwd6, 6, 6000, &v6), 0);
	v6.v.hits = 5;
	cr_assert(!bpf_map_update_elem(
		fwd6, &(struct nsb_fwd6_key){ .port = htons(6000), .proto = 6 }, &v6, BPF_EXIST));
	cr_assert_eq(fwd6_sync(fwd, fwd6, nodes, 2), 0, "sync again");
	cr_assert_eq(fwd6_get(fwd6, 6, 6000, &v6), 0);
	cr_expect_eq(v6.v.hits, 5, "hits kept");

	/* the bitmap counts both maps */
	cr_assert_eq(fwd_ports_sync46(ports, fwd, fwd6), 0, "ports sync");
	word = NSB_FWD_PORT_WORD(6, 6000, false);
	cr_assert(!bpf_map_lookup_elem(ports, &word, &bits));
	cr_expect(bits & (1ULL << (6000 % 64)), "tcp 6000's bit");

	/* a flow of the IPv6 side and a masqueraded one */
	memcpy(ck.saddr, earth6, 16);
	memcpy(ck.daddr, remote6, 16);
	memcpy(ce.nat_addr, uplink6, 16);
	memcpy(nk.nat_addr, uplink6, 16);
	memcpy(nk.remote_addr, remote6, 16);
	memcpy(nv.node_addr, earth6, 16);
	nv.v.node_port = htons(8080);
	memcpy(mk.saddr, earth6, 16);
	memcpy(mk.daddr, remote6, 16);
	memcpy(me.nat_addr, uplink6, 16);
	cr_assert(!bpf_map_update_elem(ct6, &ck, &ce, BPF_ANY));
	cr_assert(!bpf_map_update_elem(nat6, &nk, &nv, BPF_ANY));
	cr_assert(!bpf_map_update_elem(ct6, &mk, &me, BPF_ANY));
	cr_assert_eq(fwd6_flows_sweep(ct6, nat6, fwd6, &gone), 0);
	cr_expect_eq(gone, 0, "the forward is there: its flow stays");

	/* re-pointed to 8081: the IPv6 side follows, its old flow goes */
	fwd4_put(fwd, 6, 6000, EARTH_IP, 8081, 0);
	cr_assert_eq(fwd6_sync(fwd, fwd6, nodes, 2), 0);
	cr_assert_eq(fwd6_get(fwd6, 6, 6000, &v6), 0);
	cr_expect_eq(ntohs(v6.v.node_port), 8081, "re-pointed");
	cr_expect_eq(v6.v.hits, 0, "a new target starts counting anew");
	cr_assert_eq(fwd6_flows_sweep(ct6, nat6, fwd6, &gone), 0);
	cr_expect_eq(gone, 1, "the flow to 8080 ended");
	cr_expect(bpf_map_lookup_elem(ct6, &ck, &ce), "its ct6 entry gone");
	cr_expect(bpf_map_lookup_elem(nat6, &nk, &nv), "its claim gone");
	cr_expect(!bpf_map_lookup_elem(ct6, &mk, &me), "the masqueraded flow stays");

	/* deleted: the IPv6 side goes, and its port's bit with the last user */
	cr_assert(!bpf_map_delete_elem(fwd,
				       &(struct nsb_fwd_key){ .port = htons(6000), .proto = 6 }));
	cr_assert_eq(fwd6_sync(fwd, fwd6, nodes, 2), 0);
	cr_expect_eq(fwd6_get(fwd6, 6, 6000, &v6), -ENOENT, "deleted with it");
	cr_expect_eq(fwd6_get(fwd6, 17, 7000, &v6), 0, "the others stay");
	cr_assert_eq(fwd_ports_sync46(ports, fwd, fwd6), 0);
	cr_assert(!bpf_map_lookup_elem(ports, &word, &bits));
	cr_expect(!(bits & (1ULL << (6000 % 64))), "tcp 6000's bit cleared");
	st_close(&env);
}
