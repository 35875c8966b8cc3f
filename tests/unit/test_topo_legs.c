// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The node side of real topologies: interfaces (legs), links, node routes
 * and netem, as parsed and defaulted; their errors are in the corpus
 * (tests/topo/bad/legs-*, links-*, netem-*, routes-*).
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "topo/topo.h"
#include "topo/topo_internal.h"

#ifndef CORPUS
#define CORPUS "tests/topo"
#endif /* CORPUS */

static uint32_t ip(const char *s)
{
	uint32_t v = 0;

	cr_assert(eq(int, topo_parse_ipv4(s, &v), 0), "test address %s", s);
	return v;
}

static struct topo *load(const char *yaml)
{
	struct topo_errors e = { 0 };
	struct topo *t = NULL;
	int err = topo_load_buf("inline.yaml", yaml, strlen(yaml), &t, &e);

	cr_assert(eq(int, err, 0), "%d: %s", err, e.n ? e.msgs[0] : "");
	topo_errors_free(&e);
	return t;
}

static struct topo_node *node(const struct topo *t, const char *name)
{
	int i = topo_node_index(t, name);

	cr_assert(ge(int, i, 0), "node %s", name);
	return &t->nodes[i];
}

Test(topo_legs, netem_scalars)
{
	uint32_t us, ppm;
	uint64_t bps;

	cr_assert(eq(int, topo_parse_delay_us("20ms", &us), 0));
	cr_assert(eq(u32, us, 20000));
	cr_assert(eq(int, topo_parse_delay_us("1.5ms", &us), 0));
	cr_assert(eq(u32, us, 1500));
	cr_assert(eq(int, topo_parse_delay_us("250us", &us), 0));
	cr_assert(eq(u32, us, 250));
	cr_assert(eq(int, topo_parse_delay_us("60s", &us), 0));
	cr_assert(eq(u32, us, 60000000));
	cr_assert(eq(int, topo_parse_delay_us("0ms", &us), 0));
	cr_assert(eq(int, topo_parse_delay_us("61s", &us), -ERANGE));
	cr_assert(eq(int, topo_parse_delay_us("20", &us), -EINVAL));
	cr_assert(eq(int, topo_parse_delay_us("020ms", &us), -EINVAL));
	cr_assert(eq(int, topo_parse_delay_us("1.ms", &us), -EINVAL));
	cr_assert(eq(int, topo_parse_delay_us("1.2345s", &us), -EINVAL));
	cr_assert(eq(int, topo_parse_delay_us("-1ms", &us), -EINVAL));
	cr_assert(eq(int, topo_parse_loss_ppm("0.5%", &ppm), 0));
	cr_assert(eq(u32, ppm, 5000));
	cr_assert(eq(int, topo_parse_loss_ppm("100%", &ppm), 0));
	cr_assert(eq(u32, ppm, 1000000));
	cr_assert(eq(int, topo_parse_loss_ppm("0.0001%", &ppm), 0));
	cr_assert(eq(u32, ppm, 1));
	cr_assert(eq(int, topo_parse_loss_ppm("100.1%", &ppm), -ERANGE));
	cr_assert(eq(int, topo_parse_loss_ppm("5", &ppm), -EINVAL));
	cr_assert(eq(int, topo_parse_rate_bps("100mbit", &bps), 0));
	cr_assert(eq(u64, bps, 100000000));
	cr_assert(eq(int, topo_parse_rate_bps("1.5gbit", &bps), 0));
	cr_assert(eq(u64, bps, 1500000000));
	cr_assert(eq(int, topo_parse_rate_bps("8kbit", &bps), 0));
	cr_assert(eq(int, topo_parse_rate_bps("7kbit", &bps), -ERANGE));
	cr_assert(eq(int, topo_parse_rate_bps("11gbit", &bps), -ERANGE));
	cr_assert(eq(int, topo_parse_rate_bps("99999999999gbit", &bps), -ERANGE));
	cr_assert(eq(int, topo_parse_rate_bps("100mbps", &bps), -EINVAL));
}

Test(topo_legs, the_corpus_campus)
{
	struct topo_errors e = { 0 };
	struct topo *t = NULL;
	struct topo_node *m, *h9, *r1;
	struct topo_leg leg;

	cr_assert(eq(int, topo_load(CORPUS "/good/legs.yaml", &t, &e), 0));
	m = node(t, "m");
	cr_assert(eq(sz, topo_node_n_legs(m), 2));
	cr_assert(eq(int, m->network, topo_network_index(t, "core")));
	cr_assert(eq(u32, m->ip, ip("10.81.0.4")));
	cr_assert(eq(str, m->hostif, "campus-m"), "eth0's host end keeps its name");
	leg = topo_node_leg(m, 1);
	cr_assert(eq(int, leg.network, topo_network_index(t, "side")));
	cr_assert(eq(u32, leg.ip, ip("10.82.0.7")));
	cr_assert(eq(str, leg.hostif, "campus-m.1"));
	h9 = node(t, "h9");
	cr_assert(eq(int, h9->network, -1));
	cr_assert(eq(sz, topo_node_n_legs(h9), 0));
	cr_assert(eq(sz, h9->n_routes, 2));
	cr_assert(eq(u8, h9->routes[0].prefix, 0));
	cr_assert(eq(u32, h9->routes[0].via, ip("10.81.9.1")));
	cr_assert(eq(u32, h9->routes[1].dst, ip("10.99.0.0")));
	cr_assert(eq(u8, h9->routes[1].prefix, 16));
	r1 = node(t, "r1");
	cr_assert(r1->netem.set);
	cr_assert(eq(u32, r1->netem.delay_us, 5000));
	cr_assert(eq(sz, t->n_links, 3));
	/* r1 has eth0: its link is eth1; h9 has no leg: eth0, then its next link eth1 (named) */
	cr_assert(eq(str, t->links[0].ifname[0], "eth1"));
	cr_assert(eq(str, t->links[0].ifname[1], "eth0"));
	cr_assert(eq(u32, topo_link_ip(&t->links[0], 0), ip("10.81.9.1")));
	cr_assert(eq(u32, topo_link_ip(&t->links[0], 1), ip("10.81.9.2")));
	cr_assert(eq(str, t->links[1].ifname[0], "up"));
	cr_assert(eq(str, t->links[1].ifname[1], "down"));
	cr_assert(eq(str, t->links[2].ifname[0], "eth2"), "after m's two legs");
	cr_assert(eq(str, t->links[2].ifname[1], "eth1"), "h10's second link");
	cr_assert(eq(u32, t->links[0].netem.jitter_us, 2000));
	cr_assert(eq(u32, t->links[0].netem.loss_ppm, 5000));
	cr_assert(eq(u64, t->links[0].netem.rate_bps, 100000000));
	topo_free(t);
}

Test(topo_legs, default_addresses_of_legs_skip_every_written_one)
{
	struct topo *t = load("name: d\n"
			      "networks:\n"
			      "  a: {subnet: 10.1.0.0/24}\n"
			      "  b: {subnet: 10.2.0.0/24}\n"
			      "nodes:\n"
			      "  x:\n"
			      "    interfaces: [{network: b}, {network: a}]\n"
			      "  y: {network: b, ip: 10.2.0.3}\n"
			      "  z:\n"
			      "    interfaces: [{network: a, ip: 10.1.0.2}, {network: b}]\n");

	cr_assert(eq(u32, node(t, "x")->ip, ip("10.2.0.2")));
	cr_assert(eq(u32, node(t, "x")->legs[0].ip, ip("10.1.0.3")), "10.1.0.2 is z's");
	cr_assert(eq(u32, node(t, "z")->legs[0].ip, ip("10.2.0.4")), "10.2.0.3 is y's");
	topo_free(t);
}

Test(topo_legs, a_lone_node_in_a_link_is_enough)
{
	struct topo *t = load("name: p\n"
			      "networks:\n"
			      "  a: {subnet: 10.1.0.0/24}\n"
			      "nodes:\n"
			      "  x:\n"
			      "  y:\n"
			      "links:\n"
			      "  - {endpoints: [x, y], subnet: 10.9.0.0/30, ifnames: [p0, p1]}\n");

	cr_assert(eq(int, node(t, "x")->network, -1));
	cr_assert(eq(str, t->links[0].ifname[0], "p0"));
	topo_free(t);
}
