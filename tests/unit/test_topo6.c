// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The IPv6 half of the topology (issue 14): the scalar parsers, the
 * defaults (gateway6, ip6, uplink6) and the checks against the host. The
 * file's errors are in the corpus (tests/topo/bad/v6-*.yaml).
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <errno.h>
#include <linux/if_arp.h>
#include <stdio.h>
#include <string.h>

#include "topo/topo.h"
#include "topo/port_fwd_spec.h"
#include "topo/topo_internal.h"

static struct in6_addr a6(const char *s)
{
	struct in6_addr a;

	cr_assert(eq(int, inet_pton(AF_INET6, s, &a), 1), "test address %s", s);
	return a;
}

static const char *str6(const struct in6_addr *a)
{
	static char buf[4][INET6_ADDRSTRLEN];
	static int k;

	k = (k + 1) % 4;
	return inet_ntop(AF_INET6, a, buf[k], sizeof(buf[k]));
}

#define assert_ip6(got, want) cr_assert(eq(str, (char *)str6(&(got)), (char *)(want)), "%s", #got)

static const char *joined(const struct topo_errors *e)
{
	static char buf[4096];
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < e->n && off < sizeof(buf); i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "\n  %s", e->msgs[i]);
	return buf;
}

static struct topo *load(const char *y)
{
	struct topo_errors e = { 0 };
	struct topo *t = NULL;

	cr_assert(eq(int, topo_load_buf("lab.yaml", y, strlen(y), &t, &e), 0), "%s", joined(&e));
	topo_errors_free(&e);
	return t;
}

/* ---- parsers ---- */

Test(topo6_parse, addresses_and_prefixes)
{
	static const char *const bad[] = { "",	       "fd00",	   "fd00::/64", "fe80::1%eth0",
					   "10.0.0.1", "fd00:::1", " fd00::1",	"fd00::1 ",
					   "fd00::g" };
	struct in6_addr a;
	int len;

	cr_assert(eq(int, topo_parse_ipv6("fd00:10::1", &a), 0));
	assert_ip6(a, "fd00:10::1");
	cr_assert(eq(int, topo_parse_ipv6("::ffff:10.0.0.1", &a), 0));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert(eq(int, topo_parse_ipv6(bad[i], &a), -EINVAL), "\"%s\"", bad[i]);
	cr_assert(eq(int, topo_ipv6_prefix("fd00:10::/64", &a, &len), 0));
	cr_assert(eq(int, len, 64));
	cr_assert(eq(int, topo_ipv6_prefix("fd00::/128", &a, &len), 0));
	cr_assert(eq(int, len, 128));
	cr_assert(eq(int, topo_ipv6_prefix("fd00::/129", &a, &len), -EINVAL));
	cr_assert(eq(int, topo_ipv6_prefix("fd00::/064", &a, &len), -EINVAL));
	cr_assert(eq(int, topo_ipv6_prefix("fd00::/", &a, &len), -EINVAL));
	cr_assert(eq(int, topo_ipv6_prefix("fd00::", &a, &len), -EINVAL));
	cr_assert(eq(int, topo_ipv6_prefix("fd00::/64x", &a, &len), -EINVAL));
}

Test(topo6_parse, prefix_arithmetic)
{
	struct in6_addr a = a6("fd00:10::ffff"), m;

	m = topo_mask6(&a, 64);
	assert_ip6(m, "fd00:10::");
	m = topo_mask6(&a, 121);
	assert_ip6(m, "fd00:10::ff80");
	m = topo_last6(&a, 120);
	assert_ip6(m, "fd00:10::ffff");
	m = topo_last6(&a, 126);
	assert_ip6(m, "fd00:10::ffff");
	cr_assert(topo_host_bits6(&a, 64));
	cr_assert(not(topo_host_bits6(&a, 128)));
	m = a6("fd00:10::ffff:ffff:ffff:ffff");
	cr_assert(topo_ip6_inc(&m));
	assert_ip6(m, "fd00:10:0:1::");
	m = a6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	cr_assert(not(topo_ip6_inc(&m)));
	m = a6("fd00:10::");
	cr_assert(topo_overlap6(&m, 48, &a, 64));
	m = a6("fd00:10:0:1::");
	cr_assert(topo_overlap6(&m, 48, &a, 64));
	cr_assert(not(topo_overlap6(&m, 64, &a, 64)));
}

Test(topo6_parse, special_blocks)
{
	static const struct {
		const char *net;
		int len;
		const char *name; /* NULL: usable */
	} cases[] = {
		{ "::", 128, "the unspecified address" },
		{ "::1", 128, "loopback" },
		{ "::ffff:10.0.0.1", 128, "IPv4-mapped" },
		{ "fe80::", 64, "link-local" },
		{ "febf::", 64, "link-local" },
		{ "fec0::", 64, NULL },
		{ "ff02::1", 128, "multicast" },
		{ "fd00::", 64, NULL },
		{ "2001:db8::", 64, NULL },
		{ "::", 64, "the unspecified address" },
	};
	struct in6_addr net, block;
	const char *name;
	int len;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		net = a6(cases[i].net);
		name = topo_special_block6(&net, cases[i].len, &block, &len);
		if (!cases[i].name)
			cr_assert(eq(ptr, (void *)name, NULL), "%s/%d: %s", cases[i].net,
				  cases[i].len, name);
		else
			cr_assert(eq(str, (char *)(name ? name : "(none)"), (char *)cases[i].name),
				  "%s/%d", cases[i].net, cases[i].len);
	}
}

/* ---- defaults ---- */

Test(topo6_defaults, gateway6_and_ip6_as_for_ipv4)
{
	struct topo *t =
		load("name: ds\n"
		     "networks:\n"
		     "  a: {subnet: 10.1.0.0/24, subnet6: fd00:1::/64}\n"
		     "  b: {subnet: 10.2.0.0/24, subnet6: fd00:2::/120, gateway6: fd00:2::3}\n"
		     "  c: {subnet: 10.3.0.0/24}\n"
		     "nodes:\n"
		     "  n1: {network: a}\n"
		     "  n2: {network: a, ip6: fd00:1::3}\n"
		     "  n3: {network: a}\n"
		     "  n4: {network: a}\n"
		     "  m1: {network: b}\n"
		     "  m2: {network: b}\n"
		     "  m3: {network: b}\n"
		     "  v4: {network: c}\n");

	cr_assert(eq(u8, t->networks[0].prefix6, 64));
	assert_ip6(t->networks[0].subnet6, "fd00:1::");
	assert_ip6(t->networks[0].gateway6, "fd00:1::1");
	assert_ip6(t->networks[1].gateway6, "fd00:2::3");
	cr_assert(eq(u8, t->networks[2].prefix6, 0));
	cr_assert(not(topo_net_has_v6(&t->networks[2])));
	/* the next free after the gateway6, around the ones written out */
	assert_ip6(t->nodes[0].ip6, "fd00:1::2");
	assert_ip6(t->nodes[1].ip6, "fd00:1::3");
	assert_ip6(t->nodes[2].ip6, "fd00:1::4");
	assert_ip6(t->nodes[3].ip6, "fd00:1::5");
	/* a given gateway6 is skipped where it stands */
	assert_ip6(t->nodes[4].ip6, "fd00:2::1");
	assert_ip6(t->nodes[5].ip6, "fd00:2::2");
	assert_ip6(t->nodes[6].ip6, "fd00:2::4");
	assert_ip6(t->nodes[7].ip6, "::");
	/* IPv4 as before */
	cr_assert(eq(u32, t->nodes[0].ip, 0x0a010002));
	cr_assert(eq(u32, t->nodes[7].ip, 0x0a030002));
	cr_assert(eq(int, t->uplink6_mark.line, 0));
	topo_free(t);
}

Test(topo6_defaults, a_126_has_two_node_addresses)
{
	struct topo *t = load("name: ds\n"
			      "networks: {a: {subnet: 10.1.0.0/24, subnet6: 'fd00:1::/126'}}\n"
			      "nodes: {n1: {network: a}, n2: {network: a}}\n");

	assert_ip6(t->nodes[0].ip6, "fd00:1::2");
	assert_ip6(t->nodes[1].ip6, "fd00:1::3");
	topo_free(t);
}

Test(topo6_defaults, uplink6_is_kept)
{
	struct topo *t = load("name: ds\nuplink6: 2001:db8::7\n"
			      "networks: {a: {subnet: 10.1.0.0/24, subnet6: 'fd00:1::/64'}}\n"
			      "nodes: {n1: {network: a}}\n");

	assert_ip6(t->uplink6, "2001:db8::7");
	cr_assert(eq(int, t->uplink6_mark.line, 2));
	cr_assert(eq(int, t->uplink6_mark.col, 10));
	topo_free(t);
}

Test(topo6_defaults, the_first_of_further_legs_keeps_ipv6_on_eth0)
{
	struct topo *t = load("name: ds\n"
			      "networks:\n"
			      "  a: {subnet: 10.1.0.0/24, subnet6: 'fd00:1::/64'}\n"
			      "  b: {subnet: 10.2.0.0/24}\n"
			      "nodes:\n"
			      "  r:\n"
			      "    ip6: fd00:1::9\n"
			      "    interfaces: [{network: a}, {network: b}]\n");

	assert_ip6(t->nodes[0].ip6, "fd00:1::9");
	topo_free(t);
}

Test(topo6_defaults, further_legs_get_ip6_in_file_order_around_the_written_ones)
{
	struct topo *t = load("name: ds\n"
			      "networks:\n"
			      "  a: {subnet: 10.1.0.0/24, subnet6: 'fd00:1::/64'}\n"
			      "  b: {subnet: 10.2.0.0/24}\n"
			      "  c: {subnet6: 'fd00:3::/64'}\n"
			      "nodes:\n"
			      "  h: {network: a}\n"
			      "  r:\n"
			      "    interfaces:\n"
			      "      - {network: b}\n"
			      "      - {network: a}\n"
			      "      - {network: c, ip6: 'fd00:3::2'}\n"
			      "  s:\n"
			      "    interfaces: [{network: c}, {network: a, ip6: 'fd00:1::4'}]\n"
			      "  k: {network: a}\n");
	const struct topo_node *r = &t->nodes[1], *s = &t->nodes[2];

	assert_ip6(t->nodes[0].ip6, "fd00:1::2");
	assert_ip6(r->ip6, "::"); /* b has no subnet6 */
	assert_ip6(r->legs[0].ip6, "fd00:1::3");
	assert_ip6(r->legs[1].ip6, "fd00:3::2");
	assert_ip6(s->ip6, "fd00:3::3");
	assert_ip6(s->legs[0].ip6, "fd00:1::4");
	assert_ip6(t->nodes[3].ip6, "fd00:1::5"); /* around s's written one */
	cr_assert(not(topo_leg_has_v6(t, r, 0)));
	cr_assert(topo_leg_has_v6(t, r, 1));
	cr_assert(topo_leg_has_v6(t, r, 2));
	cr_assert(eq(int, topo_node_first_v6_leg(t, r), 1), "r's IPv6 default route: eth1");
	cr_assert(eq(int, topo_node_first_v6_leg(t, s), 0));
	cr_assert(eq(u32, r->legs[1].ip, 0), "c is IPv6-only");
	topo_free(t);
}

Test(topo6_defaults, a_link_subnet6_and_ipv6_routes)
{
	struct topo *t =
		load("name: ds\n"
		     "networks: {a: {subnet: 10.1.0.0/24}}\n"
		     "nodes:\n"
		     "  r: {network: a, forwarding: true}\n"
		     "  h:\n"
		     "    routes:\n"
		     "      - {to: default, via: 'fd00:9::1'}\n"
		     "      - {to: default, via: 10.9.0.1}\n"
		     "      - {to: 'fd00:77::/48', via: 'fd00:9::1'}\n"
		     "links: [{endpoints: [r, h], subnet: 10.9.0.0/30, subnet6: 'fd00:9::/64'}]\n");
	const struct topo_node *h = &t->nodes[1];
	struct in6_addr e0 = topo_link_ip6(&t->links[0], 0), e1 = topo_link_ip6(&t->links[0], 1);

	assert_ip6(t->links[0].subnet6, "fd00:9::");
	cr_assert(eq(u8, t->links[0].prefix6, 64));
	assert_ip6(e0, "fd00:9::1");
	assert_ip6(e1, "fd00:9::2");
	cr_assert(eq(sz, h->n_routes, 3));
	cr_assert(h->routes[0].v6);
	cr_assert(eq(u8, h->routes[0].prefix, 0));
	assert_ip6(h->routes[0].via6, "fd00:9::1");
	cr_assert(not(h->routes[1].v6));
	cr_assert(eq(u32, h->routes[1].via, 0x0a090001));
	assert_ip6(h->routes[2].dst6, "fd00:77::");
	cr_assert(eq(u8, h->routes[2].prefix, 48));
	cr_assert(topo_node_has_v6(t, h), "h's link has a subnet6");
	cr_assert(not(topo_net_has_v6(&t->networks[0])));
	topo_free(t);
}

Test(topo6_defaults, an_ipv6_only_network_gives_its_nodes_no_ipv4)
{
	struct topo *t =
		load("name: v6\n"
		     "networks:\n"
		     "  six: {subnet6: 'fd00:60::/64'}\n"
		     "  dual: {subnet: 10.61.0.0/24, subnet6: 'fd00:61::/64'}\n"
		     "nodes: {a: {network: six}, b: {network: six}, c: {network: dual}}\n");

	cr_assert(not(topo_net_has_v4(&t->networks[0])));
	cr_assert(topo_net_has_v6(&t->networks[0]));
	cr_assert(eq(u32, t->networks[0].gateway, 0));
	assert_ip6(t->networks[0].gateway6, "fd00:60::1");
	cr_assert(eq(u32, t->nodes[0].ip, 0));
	assert_ip6(t->nodes[0].ip6, "fd00:60::2");
	assert_ip6(t->nodes[1].ip6, "fd00:60::3");
	cr_assert(eq(u32, t->nodes[2].ip, 0x0a3d0002));
	cr_assert(eq(u32, topo_node_fwd_ip(t, &t->nodes[0]), 0));
	topo_free(t);
}

/* ---- against the host ---- */

static const struct topo_host_addr up0_addrs[] = { { 0xc0000201, 24 } }; /* 192.0.2.1/24 */

static struct topo_host up0_host(const struct topo_host_addr6 *a6s, size_t n)
{
	return (struct topo_host){
		.uplink = "up0",
		.uplink_type = ARPHRD_ETHER,
		.uplink_kind = "veth",
		.uplink_addrs = up0_addrs,
		.n_uplink_addrs = 1,
		.uplink_addrs6 = a6s,
		.n_uplink_addrs6 = n,
	};
}

static void expect(const struct topo *t, const struct topo_host *h, size_t n, const char **want)
{
	struct topo_errors e = { 0 };

	cr_assert(eq(int, topo_check_host(t, h, &e), n ? -EINVAL : 0), "%s", joined(&e));
	cr_assert(eq(sz, e.n, n), "%s", joined(&e));
	for (size_t i = 0; i < n; i++)
		cr_assert(eq(int, strncmp(e.msgs[i], want[i], strlen(want[i])), 0),
			  "expected\n  %s\ngot\n  %s", want[i], e.msgs[i]);
	topo_errors_free(&e);
}

#define MASQ6                                                                            \
	"name: ds\nnetworks:\n  a:\n    subnet: 10.1.0.0/24\n    subnet6: fd00:1::/64\n" \
	"    masquerade: true\nnodes: {n1: {network: a}}\n"

Test(topo6_host, masquerade_needs_a_global_address_on_the_uplink)
{
	const char *want[] = { "lab.yaml:5:14: network \"a\": masquerade with a subnet6, but the "
			       "uplink up0 has no global IPv6 address for NAT66" };
	struct topo_host_addr6 g = { a6("2001:db8::1"), 64 };
	struct topo *t = load(MASQ6);
	struct topo_host h = up0_host(NULL, 0);
	struct in6_addr pick;

	expect(t, &h, 1, want);
	h = up0_host(&g, 1);
	expect(t, &h, 0, NULL);
	cr_assert(topo_uplink6_pick(t, &g, 1, &pick));
	assert_ip6(pick, "2001:db8::1");
	topo_free(t);
	/* not masqueraded: no NAT66, no need */
	t = load("name: ds\nnetworks: {a: {subnet: 10.1.0.0/24, subnet6: 'fd00:1::/64'}}\n"
		 "nodes: {n1: {network: a}}\n");
	h = up0_host(NULL, 0);
	expect(t, &h, 0, NULL);
	topo_free(t);
}

Test(topo6_host, uplink6_must_be_the_uplinks)
{
	const char *want[] = { "lab.yaml:2:10: uplink6 2001:db8::7 is not a global address of the "
			       "uplink up0 (it has 2001:db8::1)" };
	struct topo_host_addr6 g[] = { { a6("2001:db8::1"), 64 }, { a6("2001:db8::7"), 64 } };
	struct topo *t = load("name: ds\nuplink6: 2001:db8::7\n"
			      "networks: {a: {subnet: 10.1.0.0/24, subnet6: 'fd00:1::/64', "
			      "masquerade: true}}\n"
			      "nodes: {n1: {network: a}}\n");
	struct topo_host h = up0_host(g, 1);
	struct in6_addr pick;

	expect(t, &h, 1, want);
	h = up0_host(g, 2);
	expect(t, &h, 0, NULL);
	cr_assert(topo_uplink6_pick(t, g, 2, &pick));
	assert_ip6(pick, "2001:db8::7"); /* the file's, not the first */
	topo_free(t);
}

Test(topo6_host, an_ipv6_only_network_is_no_ipv4_subnet_on_the_uplink)
{
	struct topo_host_addr6 g = { a6("2001:db8::1"), 64 };
	struct topo *t =
		load("name: ds\nnetworks: {a: {subnet6: 'fd00:1::/64', masquerade: true}}\n"
		     "nodes: {n1: {network: a}}\n");
	struct topo_host h = up0_host(&g, 1);

	expect(t, &h, 0, NULL); /* prefix 0 would overlap 192.0.2.0/24 */
	topo_free(t);
}

Test(topo6_host, a_subnet6_on_the_uplinks_prefix_is_refused)
{
	const char *want[] = { "lab.yaml:5:14: network \"a\": subnet6 2001:db8::/64 overlaps the "
			       "uplink's prefix 2001:db8::/48 (up0)" };
	struct topo_host_addr6 g = { a6("2001:db8::1"), 48 };
	struct topo *t = load("name: ds\nnetworks:\n  a:\n    subnet: 10.1.0.0/24\n"
			      "    subnet6: 2001:db8::/64\nnodes: {n1: {network: a}}\n");
	struct topo_host h = up0_host(&g, 1);

	expect(t, &h, 1, want);
	topo_free(t);
}

/* ---- converge: IPv6 changes are changes ---- */

#include "topo/topo_diff.h"

static char *diff_text(const char *ya, const char *yb, struct topo_diff *d, struct topo **a,
		       struct topo **b)
{
	char *buf = calloc(1, 4096);
	size_t n = 0;

	*a = load(ya);
	*b = load(yb);
	cr_assert(eq(int, topo_diff(*a, *b, d), 0));
	for (size_t i = 0; i < d->n; i++)
		n += (size_t)snprintf(buf + n, 4096 - n, "%c %s %s%s%s\n", d->lines[i].op,
				      topo_diff_kind_name(d->lines[i].kind), d->lines[i].name,
				      d->lines[i].detail[0] ? ": " : "", d->lines[i].detail);
	return buf;
}

#define NETS6(sub6, gw6)                                               \
	"name: d\nnetworks:\n  a: {subnet: 10.1.0.0/24" sub6 gw6 "}\n" \
	"  b: {subnet: 10.2.0.0/24}\n"

Test(topo6_diff, an_ip6_recreates_that_node_only)
{
	struct topo_diff d;
	struct topo *a, *b;
	char *text = diff_text(
		NETS6(", subnet6: 'fd00:1::/64'", "") "nodes:\n"
						      "  n1: {network: a, ip6: fd00:1::5}\n"
						      "  n2: {network: a}\n",
		NETS6(", subnet6: 'fd00:1::/64'", "") "nodes:\n"
						      "  n1: {network: a, ip6: fd00:1::6}\n"
						      "  n2: {network: a}\n",
		&d, &a, &b);

	cr_assert(eq(str, text, "~ node n1: ip6 fd00:1::5 -> fd00:1::6\n"));
	cr_assert(d.del_node[0] && d.new_node[0]);
	cr_assert(not(d.del_node[1] || d.new_node[1]));
	free(text);
	topo_diff_free(&d);
	topo_free(a);
	topo_free(b);
}

Test(topo6_diff, a_subnet6_added_readdresses_its_network_and_recreates_its_nodes)
{
	struct topo_diff d;
	struct topo *a, *b;
	char *text = diff_text(NETS6("", "") "nodes: {n1: {network: a}, m1: {network: b}}\n",
			       NETS6(", subnet6: 'fd00:1::/64'", "") "nodes: {n1: {network: a}, "
								     "m1: {network: b}}\n",
			       &d, &a, &b);

	cr_assert(eq(str, text,
		     "~ network a: subnet6 none -> fd00:1::/64\n"
		     "~ node n1: ip6 :: -> fd00:1::2\n"));
	cr_assert(d.del_node[0] && d.new_node[0]);
	cr_assert(not(d.del_node[1] || d.new_node[1]), "b's node stays");
	free(text);
	topo_diff_free(&d);
	topo_free(a);
	topo_free(b);
}

Test(topo6_diff, a_gateway6_changed_recreates_the_nodes_of_its_network)
{
	struct topo_diff d;
	struct topo *a, *b;
	char *text =
		diff_text(NETS6(", subnet6: 'fd00:1::/64'", "") "nodes: {n1: {network: a, "
								"ip6: fd00:1::9}}\n",
			  NETS6(", subnet6: 'fd00:1::/64'",
				", gateway6: fd00:1::fe") "nodes: "
							  "{n1: {network: a, ip6: fd00:1::9}}\n",
			  &d, &a, &b);

	cr_assert(eq(str, text,
		     "~ network a: gateway6 fd00:1::1 -> fd00:1::fe\n"
		     "~ node n1: network a readdressed\n"));
	cr_assert(d.del_node[0] && d.new_node[0]);
	free(text);
	topo_diff_free(&d);
	topo_free(a);
	topo_free(b);
}

/* ---- forwards for an IPv6 host address (fwd6) ---- */

Test(topo6_forwards, an_ipv6_host_address_is_kept_and_ipv4_s_is_not_set)
{
	struct topo *t = load("name: ds\n"
			      "networks: {a: {subnet: 10.1.0.0/24, subnet6: fd00:1::/64}}\n"
			      "nodes: {n1: {network: a}}\n"
			      "forwards:\n"
			      "  - {proto: tcp, port: 6001, to: n1:80, host: '2001:db8::1'}\n"
			      "  - {proto: tcp, port: 6001, to: n1:81, host: 192.0.2.1}\n"
			      "  - {proto: udp, port: 6002, to: n1:53, host: '::1'}\n");
	struct fwd_spec f;
	char desc[160];

	assert_ip6(t->forwards[0].host_ip6, "2001:db8::1");
	cr_assert(eq(u32, t->forwards[0].host_ip, 0));
	cr_assert(eq(int, t->forwards[0].host_mark.line, 5), "its position kept");
	assert_ip6(t->forwards[1].host_ip6, "::");
	cr_assert(eq(u32, t->forwards[1].host_ip, 0xc0000201));
	assert_ip6(t->forwards[2].host_ip6, "::1");
	fwd_spec_from_topo(t, 0, &f);
	cr_assert(fwd_host6(&f));
	fwd_format(&f, desc, sizeof(desc));
	cr_assert(eq(str, desc, "tcp [2001:db8::1]:6001 -> n1:80"));
	fwd_spec_from_topo(t, 1, &f);
	cr_assert(not(fwd_host6(&f)));
	topo_free(t);
}

static void expect_errs(const char *y, size_t n, const char *const *want)
{
	struct topo_errors e = { 0 };
	struct topo *t = NULL;

	cr_assert(eq(int, topo_load_buf("lab.yaml", y, strlen(y), &t, &e), -EINVAL), "%s",
		  joined(&e));
	cr_assert(eq(sz, e.n, n), "%s", joined(&e));
	for (size_t i = 0; i < n; i++)
		cr_assert(eq(int, strncmp(e.msgs[i], want[i], strlen(want[i])), 0),
			  "got %s, want %s", e.msgs[i], want[i]);
	topo_errors_free(&e);
	topo_free(t);
}

Test(topo6_forwards, special_ipv6_hosts_and_nodes_without_ip6_are_refused_with_positions)
{
	static const char *const want[] = {
		"lab.yaml:6:47: forward 1: host ff02::1 is multicast",
		"lab.yaml:7:47: forward 2: host fe80::1 is link-local",
		"lab.yaml:8:47: forward 3: host ::ffff:192.0.2.1 is IPv4-mapped",
		"lab.yaml:9:47: forward 4: host :: is the unspecified address",
		"lab.yaml:10:48: forward 5: host 2001:db8::1 is an IPv6 address, and node \"old\" has no ip6",
	};

	expect_errs("name: ds\n"
		    "networks: {a: {subnet: 10.1.0.0/24, subnet6: fd00:1::/64},\n"
		    "           b: {subnet: 10.2.0.0/24}}\n"
		    "nodes: {n1: {network: a}, old: {network: b}}\n"
		    "forwards:\n"
		    "  - {proto: tcp, port: 6001, to: n1:80, host: 'ff02::1'}\n"
		    "  - {proto: tcp, port: 6002, to: n1:80, host: 'fe80::1'}\n"
		    "  - {proto: tcp, port: 6003, to: n1:80, host: '::ffff:192.0.2.1'}\n"
		    "  - {proto: tcp, port: 6004, to: n1:80, host: '::'}\n"
		    "  - {proto: tcp, port: 6005, to: old:80, host: '2001:db8::1'}\n",
		    5, want);
}

Test(topo6_forwards, ipv6_host_forwards_clash_only_with_their_own_address)
{
	static const char *const want[] = {
		"lab.yaml:6:24: forward 2: tcp 6001 on 2001:db8::1 overlaps forward 1 (tcp 6000-6002 on 2001:db8::1",
	};

	expect_errs("name: ds\n"
		    "networks: {a: {subnet: 10.1.0.0/24, subnet6: fd00:1::/64}}\n"
		    "nodes: {n1: {network: a}}\n"
		    "forwards:\n"
		    "  - {proto: tcp, port: 6000-6002, to: n1:80-82, host: '2001:db8::1'}\n"
		    "  - {proto: tcp, port: 6001, to: n1:80, host: '2001:db8::1'}\n"
		    "  - {proto: udp, port: 6001, to: n1:80, host: '2001:db8::1'}\n"
		    "  - {proto: tcp, port: 6001, to: n1:80, host: '2001:db8::2'}\n"
		    "  - {proto: tcp, port: 6001, to: n1:80}\n",
		    1, want);
}

Test(topo6_forwards, an_ipv6_host_must_be_the_hosts)
{
	static struct in6_addr mine[] = { IN6ADDR_LOOPBACK_INIT };
	struct fwd_host h = { .eph_lo = 32768, .eph_hi = 60999 };
	struct topo *t = load("name: ds\n"
			      "networks: {a: {subnet: 10.1.0.0/24, subnet6: fd00:1::/64}}\n"
			      "nodes: {n1: {network: a}}\n"
			      "forwards:\n"
			      "  - {proto: tcp, port: 6001, to: n1:80, host: '2001:db8::1'}\n"
			      "  - {proto: tcp, port: 6002, to: n1:80, host: '::1'}\n");
	struct fwd_spec f;
	char err[512];

	mine[0] = a6("2001:db8::9");
	h.addrs6 = mine;
	h.n_addrs6 = 1;
	fwd_spec_from_topo(t, 0, &f);
	cr_assert(eq(int, fwd_check_host(&h, &f, false, err, sizeof(err)), -EADDRNOTAVAIL));
	cr_assert(eq(int,
		     strncmp(err, "tcp [2001:db8::1]:6001 -> n1:80: 2001:db8::1 is not an address",
			     60),
		     0),
		  "%s", err);
	mine[0] = a6("2001:db8::1");
	cr_assert(eq(int, fwd_check_host(&h, &f, false, err, sizeof(err)), 0), "%s", err);
	fwd_spec_from_topo(t, 1, &f);
	cr_assert(eq(int, fwd_check_host(&h, &f, false, err, sizeof(err)), 0), "::1 is always");
	topo_free(t);
}
