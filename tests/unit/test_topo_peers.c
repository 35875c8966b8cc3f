// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A topology against the other labs of its host netns (topo_check_peers):
 * made-up peers, no host.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "nsbpf_maps.h"
#include "topo/topo_peers.h"

static struct topo *load(const char *y)
{
	struct topo_errors e = { 0 };
	struct topo *t = NULL;

	cr_assert(eq(int, topo_load_buf("lab.yaml", y, strlen(y), &t, &e), 0), "%s",
		  e.n ? e.msgs[0] : "");
	return t;
}

/* Check t against the peers: 0 messages, or exactly one that holds want. */
static void expect(struct topo *t, const struct topo_peer *p, size_t n, const char *want)
{
	struct topo_errors e = { 0 };
	int err = topo_check_peers(t, p, n, &e);

	if (!want) {
		cr_assert(eq(int, err, 0), "%s", e.n ? e.msgs[0] : "");
		return;
	}
	cr_assert(eq(int, err, -EINVAL));
	cr_assert(eq(sz, e.n, 1));
	cr_assert(strstr(e.msgs[0], want) != NULL, "%s", e.msgs[0]);
	topo_errors_free(&e);
}

static const char lab[] = "name: me\n"
			  "networks:\n"
			  "  net: {subnet: 10.1.0.0/24, masquerade: true}\n"
			  "nodes:\n"
			  "  a: {network: net}\n"
			  "forwards:\n"
			  "  - {proto: tcp, port: 8080, to: a:80}\n";

/* 10.1.0.128/25, 10.9.0.0/16 */
static const struct topo_peer_net other_net[] = {
	{ .name = "core", .subnet = 0x0a010080, .prefix = 25 }
};
static const struct topo_peer_net far_net[] = {
	{ .name = "far", .subnet = 0x0a090000, .prefix = 16 }
};

Test(topo_peers, a_subnet_that_overlaps_another_labs_is_refused_at_the_subnet)
{
	struct topo *t = load(lab);
	struct topo_peer p = { .name = "other", .nets = other_net, .n_nets = 1 };

	expect(t, &p, 1,
	       "lab.yaml:3:17: network \"net\": subnet 10.1.0.0/24 overlaps network \"core\" "
	       "(10.1.0.128/25) of lab other");
	p.nets = far_net;
	expect(t, &p, 1, NULL);
	topo_free(t);
}

Test(topo_peers, a_subnet6_that_overlaps_another_labs_is_refused_at_the_subnet6)
{
	struct topo *t = load("name: me\nnetworks:\n  net: {subnet: 10.1.0.0/24, subnet6: "
			      "'fd00:1::/64'}\nnodes:\n  a: {network: net}\n");
	struct topo_peer_net nets[] = {
		{ .name = "core", .subnet = 0x0a090000, .prefix = 16, .prefix6 = 48 }
	};
	struct topo_peer p = { .name = "other", .nets = nets, .n_nets = 1 };

	cr_assert(eq(int, inet_pton(AF_INET6, "fd00:1::", &nets[0].subnet6), 1));
	expect(t, &p, 1,
	       "lab.yaml:3:39: network \"net\": subnet6 fd00:1::/64 overlaps network \"core\" "
	       "(fd00:1::/48) of lab other");
	cr_assert(eq(int, inet_pton(AF_INET6, "fd00:2::", &nets[0].subnet6), 1));
	expect(t, &p, 1, NULL);
	topo_free(t);
}

Test(topo_peers, shares_of_the_masquerade_ports_go_to_the_first_free)
{
	struct topo *t = load(lab);
	struct topo_peer p[TOPO_SNAT_SHARES] = { 0 };
	uint16_t lo, hi;

	expect(t, p, 0, NULL);
	cr_assert(eq(u16, t->nat.port_min, NSB_SNAT_PORT_MIN));
	cr_assert(eq(u16, t->nat.port_max, 62133));
	topo_free(t);
	/* shares 0 and 2 held (2 by a lab on another uplink: not counted) */
	for (unsigned int k = 0; k < 3; k++) {
		topo_snat_share(k, &lo, &hi);
		p[k] = (struct topo_peer){
			.name = "x", .same_uplink = k != 1, .snat_lo = lo, .snat_hi = hi
		};
	}
	p[1].name = "elsewhere";
	t = load(lab);
	expect(t, p, 3, NULL);
	topo_snat_share(1, &lo, &hi);
	cr_assert(eq(u16, t->nat.port_min, lo));
	cr_assert(eq(u16, t->nat.port_max, hi));
	topo_free(t);
	/* all four held: an error that says what to do */
	for (unsigned int k = 0; k < TOPO_SNAT_SHARES; k++) {
		topo_snat_share(k, &lo, &hi);
		p[k] = (struct topo_peer){
			.name = "x", .same_uplink = true, .snat_lo = lo, .snat_hi = hi
		};
	}
	cr_assert(eq(u16, p[TOPO_SNAT_SHARES - 1].snat_hi, NSB_SNAT_PORT_MAX));
	t = load(lab);
	expect(t, p, TOPO_SNAT_SHARES, "give the lab its own with nat: ports:");
	topo_free(t);
}

Test(topo_peers, the_files_ports_must_meet_no_other_labs)
{
	struct topo *t =
		load("name: me\nnat: {ports: 40000-40999}\n"
		     "networks:\n  net: {subnet: 10.1.0.0/24}\nnodes:\n  a: {network: net}\n");
	struct fwd_spec f = { .proto = IPPROTO_UDP, .port = 40500, .port_end = 40500 };
	struct topo_peer p = {
		.name = "other", .same_uplink = true, .snat_lo = 41000, .snat_hi = 41999
	};

	expect(t, &p, 1, NULL);
	p.snat_lo = 40999;
	expect(t, &p, 1, "lab.yaml:2:14: nat: ports 40000-40999 meet lab other's masquerade ports");
	p.snat_lo = p.snat_hi = 0;
	p.fwds = &f;
	p.n_fwds = 1;
	expect(t, &p, 1, "meet lab other's forward udp 40500");
	p.same_uplink = false;
	expect(t, &p, 1, NULL);
	topo_free(t);
}

Test(topo_peers, a_forward_another_lab_has_is_refused_at_its_port)
{
	struct topo *t = load(lab);
	struct fwd_spec f = { .proto = IPPROTO_TCP, .port = 8000, .port_end = 8100 };
	struct topo_peer p = { .name = "other", .same_uplink = true, .fwds = &f, .n_fwds = 1 };

	expect(t, &p, 1,
	       "lab.yaml:7:24: forward 1: tcp 8080 -> a:80 clashes with lab other's forward tcp 8000-8100");
	f.proto = IPPROTO_UDP;
	expect(t, &p, 1, NULL);
	f.proto = IPPROTO_TCP;
	p.same_uplink = false; /* another uplink: its ports are its own */
	expect(t, &p, 1, NULL);
	/* a forward inside another lab's masquerade ports */
	p = (struct topo_peer){
		.name = "other", .same_uplink = true, .snat_lo = 8000, .snat_hi = 9000
	};
	expect(t, &p, 1,
	       "forward 1: tcp 8080 -> a:80 lies in lab other's masquerade ports 8000-9000");
	topo_free(t);
}
