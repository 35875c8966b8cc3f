// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Dual stack (issue 14): a lab whose networks have a subnet6 beside their
 * subnet, with the world (world6.sh) on IPv6 too behind the uplink.
 *
 * What up itself sets (addresses, routes, sysctls, their removal at down,
 * the checks at up) and what must hold whatever the datapath does (IPv4
 * unchanged, a node's RA ignored by the host, nothing from the world
 * reaching a node) are tested as they are. The IPv6 datapath comes from
 * other branches; its tests skip, saying which, until it is there:
 * - nd6 (NDP, anti-spoofing, node to node, to the host): skipped while the
 *   lab's endpoints6 map is empty after up (nd6 fills it);
 * - nat66 (masquerade to the world): skipped while a ping6 to the world
 *   leaves no entry in ct6.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "harness.h"

TestSuite(ipv6, .init = harness_enter, .fini = harness_leave, .timeout = 240);

#define PINS "/sys/fs/bpf/nsbpf/ds/"

static const char ds[] = "name: ds\n"
			 "networks:\n"
			 "  planet:\n"
			 "    subnet: 10.10.0.0/16\n"
			 "    subnet6: fd00:10::/64\n"
			 "    masquerade: true\n"
			 "  moon:\n"
			 "    subnet: 10.11.0.0/24\n"
			 "    subnet6: fd00:11::/64\n"
			 "    gateway6: fd00:11::fe\n"
			 "    reach: [planet]\n"
			 "  plain:\n"
			 "    subnet: 10.12.0.0/24\n"
			 "nodes:\n"
			 "  earth: {network: planet, ip: 10.10.0.10, ip6: 'fd00:10::10'}\n"
			 "  mars: {network: planet}\n"
			 "  luna: {network: moon}\n"
			 "  old: {network: plain}\n";

static void ds_up(void)
{
	cr_assert_eq(script("world6.sh"), 0, "world namespace with IPv6");
	lab_up_ok("ds", ds);
	/* the uplink's own link-local out of DAD: the host's IPv6 is settled */
	cr_assert(wait_for(5000, "! ip -6 addr show | grep -q tentative"));
}

static void ds_down(void)
{
	cr_assert(host_untouched());
	lab_down_ok("ds");
	cr_assert_eq(run("test -z \"$(ip -6 route show | grep -E 'fd00:1[01]:')\""), 0,
		     "no lab IPv6 route left in the host");
	cr_assert(sysctl_is("net/ipv6/conf/all/forwarding", "0"), "IPv6 forwarding untouched");
}

/* ping -6 -cCOUNT -i0.2 -WWAIT ARGS from NETNS (NULL: the host) succeeds. */
static bool pings6(const char *netns, int count, int wait, const char *args)
{
	return !in_ns(netns, "ping -6 -c%d -i0.2 -W%d %s", count, wait, args);
}

static bool pings4(const char *netns, int count, int wait, const char *args)
{
	return !in_ns(netns, "ping -4 -c%d -i0.2 -W%d %s", count, wait, args);
}

/* The IPv6 datapath of branch nd6 is there: up filled endpoints6. Else down and skip. */
static void need_nd6(void)
{
	if (json_true("bpftool -j map dump pinned " PINS "endpoints6", "length > 0"))
		return;
	lab_down_ok("ds");
	cr_skip_test("needs the IPv6 datapath of branch nd6 (endpoints6 is empty after up)");
}

/* NAT66 of branch nat66: a ping6 from earth to the world is tracked in ct6. Else skip. */
static void need_nat66(void)
{
	in_ns("ds-earth", "ping -6 -c1 -W1 2001:db8::2 >/dev/null 2>&1");
	if (json_true("bpftool -j map dump pinned " PINS "ct6", "length > 0"))
		return;
	lab_down_ok("ds");
	cr_skip_test("needs NAT66 of branch nat66 (a ping6 to the world left ct6 empty)");
}

Test(ipv6, nodes_and_host_ends_get_their_addresses_routes_and_sysctls)
{
	ds_up();
	/* inside: ip6 on eth0 (no DAD: not tentative), default route via the gateway6 */
	cr_assert(json_true("ip -n ds-earth -j -6 addr show dev eth0",
			    ".[0].addr_info | map(select(.local == \"fd00:10::10\" and "
			    ".prefixlen == 64 and (.tentative | not))) | length == 1"));
	cr_assert(json_true("ip -n ds-mars -j -6 addr show dev eth0",
			    ".[0].addr_info | map(select(.local == \"fd00:10::2\")) | length == 1"),
		  "the first free after the gateway6");
	cr_assert(json_true("ip -n ds-luna -j -6 addr show dev eth0",
			    ".[0].addr_info | map(select(.local == \"fd00:11::1\")) | length == 1"),
		  "a given gateway6 leaves ::1 free");
	cr_assert(json_true("ip -n ds-earth -j -6 route show default",
			    ".[0].gateway == \"fd00:10::1\" and .[0].dev == \"eth0\""));
	cr_assert(json_true("ip -n ds-luna -j -6 route show default",
			    ".[0].gateway == \"fd00:11::fe\""));
	cr_assert(sysctl_is("net/ipv4/ip_forward", "0"));
	cr_assert_eq(
		run("ip netns exec ds-earth sysctl -n net.ipv6.conf.eth0.accept_ra | grep -qx 0"),
		0);
	/* the host end: gateway6/128, a link-local, a /128 route to the node */
	cr_assert(json_true("ip -j -6 addr show dev ds-earth",
			    ".[0].addr_info | map(select(.local == \"fd00:10::1\" and "
			    ".prefixlen == 128)) | length == 1"));
	cr_assert(json_true("ip -j -6 addr show dev ds-earth",
			    ".[0].addr_info | map(select(.scope == \"link\")) | length == 1"),
		  "a link-local for neighbour discovery");
	cr_assert(json_true("ip -j -6 addr show dev ds-earth",
			    ".[0].addr_info | map(select(.scope == \"global\")) | length == 1"),
		  "no SLAAC address");
	cr_assert(json_true("ip -j -6 route show fd00:10::10", ".[0].dev == \"ds-earth\""));
	cr_assert(json_true("ip -j -6 route show fd00:11::1", ".[0].dev == \"ds-luna\""));
	cr_assert(json_true("ip -j -6 route show fd00:10::/64", "length == 0"),
		  "no prefix route: every node has its /128");
	cr_assert(sysctl_is("net/ipv6/conf/ds-earth/accept_ra", "0"));
	cr_assert(sysctl_is("net/ipv6/conf/ds-earth/autoconf", "0"));
	cr_assert(sysctl_is("net/ipv6/conf/ds-earth/accept_redirects", "0"));
	cr_assert(sysctl_is("net/ipv6/conf/ds-earth/disable_ipv6", "0"));
	/* an IPv4-only network's host end: IPv6 off as before */
	cr_assert(sysctl_is("net/ipv6/conf/ds-old/disable_ipv6", "1"));
	cr_assert(json_true("ip -n ds-old -j -6 route show default", "length == 0"));
	/* status shows them */
	cr_assert(nsbpf_json("status ds", ".labs[0].networks[] | select(.name == \"moon\") | "
					  ".subnet6 == \"fd00:11::\" and .prefix6 == 64 and "
					  ".gateway6 == \"fd00:11::fe\""));
	cr_assert(nsbpf_json("status ds", ".labs[0].nodes[] | select(.name == \"earth\") | "
					  ".ip6 == \"fd00:10::10\""));
	cr_assert(nsbpf_json("status ds", ".labs[0].nodes[] | select(.name == \"old\") | "
					  ".ip6 == null and .prefix6 == null"));
	cr_assert(nsbpf_json("status ds", ".labs[0].uplink.ip6 == \"2001:db8::1\""),
		  "NAT66's source: the uplink's first global address");
	cr_assert_eq(nsbpf_run("status ds | grep -q 'fd00:10::10'"), 0);
	ds_down();
}

Test(ipv6, ipv4_is_unchanged_in_a_dual_stack_lab)
{
	ds_up();
	cr_assert(pings4("ds-earth", 2, 2, "10.10.0.2"), "earth -> mars");
	cr_assert(pings4("ds-earth", 2, 2, "10.11.0.2"), "earth -> luna (reach)");
	cr_assert(!pings4("ds-earth", 1, 1, "10.12.0.2"), "plain is isolated");
	cr_assert(pings4(NULL, 2, 2, "10.10.0.10"), "host -> earth");
	cr_assert(pings4("ds-earth", 2, 2, "192.0.2.2"), "earth -> world, masqueraded");
	ds_down();
}

Test(ipv6, a_router_advertisement_from_a_node_changes_nothing_on_the_host)
{
	const char *d = scratch_dir();
	char *diff = NULL;

	ds_up();
	cr_assert_eq(
		run("ip -6 route show table all > %s/before; ip -6 addr show >> %s/before", d, d),
		0);
	cr_assert_eq(in_ns("ds-earth", "%s eth0 2001:db8:bad:: 5", script_path("send-ra.py")), 0,
		     "the node sends its RAs");
	usleep(500 * 1000);
	cr_assert_eq(
		run("ip -6 route show table all > %s/after; ip -6 addr show >> %s/after", d, d), 0);
	run_out(&diff, "diff -u %s/before %s/after", d, d);
	if (diff && *diff)
		cr_log_error("the host's IPv6 changed:\n%s", diff);
	cr_assert(!diff || !*diff, "the host's IPv6 routes and addresses are as before");
	free(diff);
	cr_assert_eq(run("ip -6 route show table all | grep -c 2001:db8:bad"), 1, "no such route");
	cr_assert(json_true("ip -j -6 route show default", "length == 1 and .[0].dev == \"up0\""),
		  "the host's one IPv6 default route is still the uplink's");
	ds_down();
}

Test(ipv6, nothing_from_the_world_reaches_a_nodes_ipv6_address)
{
	ds_up();
	cr_assert_eq(in_ns("world", "ip -6 route add fd00:10::/64 via 2001:db8::1"), 0);
	serve("ds-earth", "t", 8080, "earth.log",
	      "socat TCP6-LISTEN:8080,bind=[fd00:10::10],reuseaddr,fork EXEC:'echo hi'");
	cr_assert(!pings6("world", 2, 1, "fd00:10::10"), "no ping from the world");
	cr_assert_neq(in_ns("world", "socat -T2 - TCP6:[fd00:10::10]:8080,connect-timeout=2 "
				     "</dev/null"),
		      0, "no connection from the world");
	ds_down();
}

Test(ipv6, masquerade_with_a_subnet6_needs_a_global_address_on_the_uplink)
{
	world_up(); /* IPv4 only */
	nsbpf_says(2, "masquerade with a subnet6, but the uplink up0 has no global IPv6 address",
		   "up %s", lab_file("ds", ds));
	cr_assert(lab_gone("ds"), "nothing was created");
	/* uplink6 must be one of the uplink's */
	cr_assert_eq(run("ip addr add 2001:db8::1/64 dev up0 nodad"), 0);
	nsbpf_says(2, "uplink6 2001:db8::9 is not a global address of the uplink up0", "up %s",
		   lab_file("ds6", "name: ds6\nuplink6: 2001:db8::9\n"
				   "networks: {n: {subnet: 10.9.0.0/24, subnet6: 'fd00:9::/64'}}\n"
				   "nodes: {a: {network: n}}\n"));
	cr_assert(lab_gone("ds6"));
}

/* ---- the IPv6 datapath (branches nd6 and nat66) ---- */

Test(ipv6, nodes_reach_each_other_over_ipv6_ping_and_tcp)
{
	const char *d = scratch_dir();

	ds_up();
	need_nd6();
	cr_assert(pings6("ds-earth", 3, 2, "fd00:10::2"), "earth -> mars, one network");
	cr_assert(pings6("ds-earth", 3, 2, "fd00:11::1"), "earth -> luna, reach");
	cr_assert(pings6("ds-luna", 2, 2, "fd00:10::10"), "luna -> earth");
	random_file("in", 4000000);
	serve("ds-luna", "t", 9000, "sink.log",
	      "timeout 20 socat -d -d -u TCP6-LISTEN:9000,bind=[fd00:11::1],reuseaddr "
	      "CREATE:%s/out",
	      d);
	cr_assert_eq(in_ns("ds-earth", "timeout 20 socat -u FILE:%s/in TCP6:[fd00:11::1]:9000", d),
		     0);
	cr_assert(wait_file("out", 4000000, 20000));
	cr_assert(same_file("in", "out"), "the data arrived intact");
	cr_assert_eq(run("grep -q 'accepting connection from AF=10 "
			 "\\[fd00:0010:0000:0000:0000:0000:0000:0010\\]' %s/sink.log",
			 d),
		     0, "luna sees earth's own ip6 (no NAT between networks)");
	ds_down();
}

Test(ipv6, nodes_reach_their_gateway6_and_the_host_reaches_them)
{
	ds_up();
	need_nd6();
	cr_assert(pings6("ds-earth", 2, 2, "fd00:10::1"), "earth -> its gateway6");
	cr_assert(pings6("ds-luna", 2, 2, "fd00:11::fe"), "luna -> its gateway6");
	cr_assert(pings6(NULL, 2, 2, "fd00:10::10"), "host -> earth");
	cr_assert(pings6(NULL, 2, 2, "fd00:11::1"), "host -> luna");
	ds_down();
}

Test(ipv6, a_spoofed_ipv6_source_is_dropped_and_counted)
{
	long long before;

	ds_up();
	need_nd6();
	cr_assert(pings6("ds-earth", 1, 2, "fd00:10::2"), "earth's own address passes");
	before = stat_drop("ds", "spoof_ip");
	cr_assert_eq(run("ip -n ds-earth addr add fd00:10::99/64 dev eth0 nodad"), 0);
	cr_assert(!pings6("ds-earth", 2, 1, "-I fd00:10::99 fd00:10::2"), "mars never answers");
	cr_assert_geq(stat_drop("ds", "spoof_ip"), before + 2, "both counted");
	ds_down();
}

Test(ipv6, nodes_reach_the_world_masqueraded_to_the_uplinks_ipv6_address)
{
	const char *d = scratch_dir();
	char *out = NULL;

	ds_up();
	need_nd6();
	need_nat66();
	cr_assert(pings6("ds-earth", 3, 2, "2001:db8::2"), "ping6 to the world");
	cr_assert_eq(run("mkdir -p %s/www && echo hello6 > %s/www/index.html", d, d), 0);
	serve("world", "t", 8000, "http.log",
	      "python3 -m http.server 8000 --bind 2001:db8::2 --directory %s/www", d);
	cr_assert_eq(fetch("ds-earth", 5, "http://[2001:db8::2]:8000/", &out), 0);
	cr_assert_str_eq(out, "hello6\n");
	free(out);
	cr_assert_eq(run("grep -q '^2001:db8::1 - .*GET / ' %s/http.log", d), 0,
		     "the world sees the uplink's IPv6 address");
	cr_assert_eq(run("grep -q '^fd00:' %s/http.log", d), 1, "never a lab address");
	serve("world", "u", 7000, "udp.log",
	      "socat UDP6-RECVFROM:7000,bind=[2001:db8::2],fork EXEC:/bin/cat");
	out = NULL;
	cr_assert_eq(in_ns_out(&out, "ds-earth",
			       "sh -c 'echo ping-udp6 | socat -t 2 - UDP6:[2001:db8::2]:7000'"),
		     0);
	cr_assert_str_eq(out, "ping-udp6\n");
	free(out);
	/* luna's network is not masqueraded: nothing of it leaves */
	cr_assert(!pings6("ds-luna", 1, 1, "2001:db8::2"));
	ds_down();
}

Test(ipv6, a_converge_that_adds_a_subnet6_gives_the_nodes_their_ip6)
{
	cr_assert_eq(script("world6.sh"), 0, "world namespace with IPv6");
	lab_up_ok("cv",
		  "name: cv\nnetworks: {a: {subnet: 10.30.0.0/24}, b: {subnet: 10.31.0.0/24}}\n"
		  "nodes: {n1: {network: a}, m1: {network: b}}\n");
	cr_assert(json_true("ip -n cv-n1 -j -6 route show default", "length == 0"));
	nsbpf_says(0, "~ network a: subnet6 none -> fd00:30::/64", "up --dry-run %s",
		   lab_file("cv", "name: cv\nnetworks: {a: {subnet: 10.30.0.0/24, subnet6: "
				  "'fd00:30::/64'}, b: {subnet: 10.31.0.0/24}}\n"
				  "nodes: {n1: {network: a}, m1: {network: b}}\n"));
	cr_assert_eq(nsbpf_run("up %s/cv.yaml", scratch_dir()), 0);
	cr_assert(
		json_true("ip -n cv-n1 -j -6 addr show dev eth0",
			  ".[0].addr_info | map(select(.local == \"fd00:30::2\")) | length == 1"));
	cr_assert(json_true("ip -n cv-n1 -j -6 route show default",
			    ".[0].gateway == \"fd00:30::1\""));
	cr_assert(json_true("ip -j -6 route show fd00:30::2", ".[0].dev == \"cv-n1\""));
	cr_assert(sysctl_is("net/ipv6/conf/cv-m1/disable_ipv6", "1"), "b is still IPv4 only");
	cr_assert(nsbpf_json("status cv", ".labs[0].nodes[] | select(.name == \"n1\") | "
					  ".ip6 == \"fd00:30::2\""));
	lab_down_ok("cv");
}

static const char v6only[] = "name: ds\n"
			     "networks:\n"
			     "  six:\n"
			     "    subnet6: fd00:60::/64\n"
			     "    reach: [dual]\n"
			     "  dual:\n"
			     "    subnet: 10.61.0.0/24\n"
			     "    subnet6: fd00:61::/64\n"
			     "nodes:\n"
			     "  a: {network: six}\n"
			     "  c: {network: dual}\n";

Test(ipv6, an_ipv6_only_network_has_no_ipv4_and_its_nodes_reach_over_ipv6)
{
	cr_assert_eq(script("world6.sh"), 0, "world namespace with IPv6");
	nsbpf_doc(0, "up",
		  ".networks[0].subnet == null and .nodes[0].ip == null and "
		  ".nodes[0].ip6 == \"fd00:60::2\"",
		  "up --dry-run %s", lab_file("ds", v6only));
	lab_up_ok("ds", v6only);
	need_nd6();
	cr_assert(json_true("ip -n ds-a -j -4 addr show dev eth0",
			    "map(.addr_info // []) | add // [] | length == 0"),
		  "no IPv4 address");
	cr_assert(json_true("ip -n ds-a -j -4 route show", "length == 0"), "no IPv4 route");
	cr_assert(json_true("ip -j -4 addr show dev ds-a",
			    "map(.addr_info // []) | add // [] | length == 0"),
		  "no IPv4 gateway on its host end");
	cr_assert(
		json_true("ip -n ds-a -j -6 route show default", ".[0].gateway == \"fd00:60::1\""));
	nsbpf_doc(0, "status",
		  ".labs[0].nodes[0].ip == null and .labs[0].networks[0].subnet == null",
		  "status ds");
	cr_assert(pings6("ds-a", 2, 2, "fd00:61::2"), "a -> c (reach)");
	cr_assert(pings6(NULL, 2, 2, "fd00:60::2"), "host -> a");
	cr_assert(pings4("ds-c", 2, 2, "10.61.0.1"), "c's IPv4 as before");
	nsbpf_says(-1, "IPv6-only", "forward add ds tcp 8080 a:80");
	ds_down();
}

Test(ipv6, uplink6_picks_the_address_the_world_sees)
{
	const char *d = scratch_dir();
	char *out = NULL;

	cr_assert_eq(script("world6.sh"), 0, "world namespace with IPv6");
	cr_assert_eq(run("ip addr add 2001:db8::5/64 dev up0 nodad"), 0, "a second global address");
	lab_up_ok("ds", "name: ds\nuplink6: 2001:db8::5\n"
			"networks: {planet: {subnet: 10.10.0.0/16, subnet6: 'fd00:10::/64', "
			"masquerade: true}}\n"
			"nodes: {earth: {network: planet}}\n");
	cr_assert(nsbpf_json("status ds", ".labs[0].uplink.ip6 == \"2001:db8::5\""));
	need_nd6();
	need_nat66();
	cr_assert_eq(run("mkdir -p %s/www && echo hello6 > %s/www/index.html", d, d), 0);
	serve("world", "t", 8000, "http.log",
	      "python3 -m http.server 8000 --bind 2001:db8::2 --directory %s/www", d);
	cr_assert_eq(fetch("ds-earth", 5, "http://[2001:db8::2]:8000/", &out), 0);
	cr_assert_str_eq(out, "hello6\n");
	free(out);
	cr_assert_eq(run("grep -q '^2001:db8::5 - .*GET / ' %s/http.log", d), 0,
		     "the world sees uplink6, not the uplink's first address");
	ds_down();
}
