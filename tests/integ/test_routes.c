// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Router nodes and routed prefixes (networks.N.routes): a router r1
 * (forwarding: true) holds an address of its routed prefix on an interface
 * of its own (a veth pair: not every kernel has dummy); another node and
 * the host reach it, the world sees it masqueraded, and a source outside
 * the router's prefixes is dropped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "harness.h"

TestSuite(routes, .init = harness_enter, .fini = harness_leave, .timeout = 240);

static const char campus[] = "name: campus\n"
			     "networks:\n"
			     "  core:\n"
			     "    subnet: 10.81.0.0/24\n"
			     "    masquerade: true\n"
			     "    routes:\n"
			     "      - {to: 10.81.9.0/24, via: r1}\n"
			     "nodes:\n"
			     "  h1: {network: core, ip: 10.81.0.10}\n"
			     "  r1:\n"
			     "    network: core\n"
			     "    ip: 10.81.0.2\n"
			     "    forwarding: true\n"
			     "    exec:\n"
			     "      - ip link add d0 type veth peer name d1\n"
			     "      - ip addr add 10.81.9.1/24 dev d0\n"
			     "      - ip link set d1 up\n"
			     "      - ip link set d0 up\n"
			     "      - ip addr add 10.99.0.5/32 dev lo\n";

/* ping -cCOUNT -i0.2 -W2 ARGS from NETNS (NULL: the host) succeeds. */
static bool pings(const char *netns, int count, const char *args)
{
	return !in_ns(netns, "ping -c%d -i0.2 -W2 %s", count, args);
}

Test(routes, a_routed_prefix_from_a_node_the_host_and_the_world)
{
	const char *d = scratch_dir();
	char *out = NULL;

	world_up();
	lab_up_ok("campus", campus);
	cr_assert(sysctl_is("net/ipv4/ip_forward", "0"), "the host does not forward");
	cr_assert_eq(in_ns("campus-r1", "grep -qx 1 /proc/sys/net/ipv4/ip_forward"), 0,
		     "the router forwards");
	cr_assert_eq(in_ns("campus-h1", "grep -qx 0 /proc/sys/net/ipv4/ip_forward"), 0,
		     "a node that is no router does not");
	cr_assert(json_true("ip -j route show 10.81.9.0/24",
			    ".[0].gateway == \"10.81.0.2\" and .[0].dev == \"campus-r1\""),
		  "the host routes the prefix via the router");
	cr_assert(
		nsbpf_json("status campus",
			   ".labs[0].routes == [{\"network\": \"core\", \"to\": \"10.81.9.0/24\", "
			   "\"via\": \"r1\"}] and "
			   "([.labs[0].nodes[] | select(.forwarding) | .name] == [\"r1\"])"));

	cr_assert(pings("campus-h1", 2, "10.81.9.1"), "a node of the core network reaches it");
	cr_assert_gt(stat_path("campus", "node_to_node"), 0);
	cr_assert(pings(NULL, 2, "10.81.9.1"), "the host reaches it");

	/* masqueraded from the prefix: the world sees the uplink address, the reply arrives */
	cr_assert_eq(run("mkdir -p %s/www && echo behind-r1 > %s/www/index.html", d, d), 0);
	serve("world", "t", 8000, "http.log",
	      "python3 -m http.server 8000 --bind 192.0.2.2 --directory %s/www", d);
	cr_assert_eq(in_ns_out(&out, "campus-r1",
			       "curl -s -m 5 --interface 10.81.9.1 http://192.0.2.2:8000/"),
		     0);
	cr_assert_str_eq(out, "behind-r1\n");
	free(out);
	cr_assert_eq(run("grep -q '^192.0.2.1 - .*GET / ' %s/http.log", d), 0,
		     "the world sees the uplink address");
	cr_assert(nsbpf_json("nat list campus",
			     ".flows[] | select(.kind == \"masquerade\" and "
			     ".node.ip == \"10.81.9.1\" and .nat.ip == \"192.0.2.1\" and "
			     ".reply.packets > 0)"));
	cr_assert(pings("campus-r1", 2, "-I 10.81.9.1 192.0.2.2"), "a ping from it too");

	cr_assert(host_untouched());
	lab_down_ok("campus");
	cr_assert_eq(run("test -z \"$(ip route show 10.81.9.0/24)\""), 0, "down removes the route");
}

Test(routes, a_router_sending_outside_its_prefixes_is_dropped)
{
	long long before;

	lab_up_ok("campus", campus);
	cr_assert(pings("campus-r1", 1, "-I 10.81.9.1 10.81.0.10"), "from its prefix: passes");
	before = stat_drop("campus", "spoof_ip");
	cr_assert(!pings("campus-r1", 2, "-I 10.99.0.5 10.81.0.10"), "outside its prefixes");
	cr_assert_geq(stat_drop("campus", "spoof_ip") - (before < 0 ? 0 : before), 2);
	/* a node that is not the router may not send from the prefix either */
	cr_assert_eq(in_ns("campus-h1", "ip addr add 10.81.9.7/32 dev lo"), 0);
	before = stat_drop("campus", "spoof_ip");
	cr_assert(!pings("campus-h1", 2, "-I 10.81.9.7 10.81.0.2"), "h1 from r1's prefix");
	cr_assert_geq(stat_drop("campus", "spoof_ip") - before, 2);
	lab_down_ok("campus");
}

/* A node behind a router, on a link only: reached through a forward, and out to the world. */
static const char behind[] =
	"name: behind\n"
	"networks:\n"
	"  core:\n"
	"    subnet: 10.82.0.0/24\n"
	"    masquerade: true\n"
	"    routes:\n"
	"      - {to: 10.82.9.0/24, via: r1}\n"
	"nodes:\n"
	"  r1: {network: core, ip: 10.82.0.2, forwarding: true}\n"
	"  h9:\n"
	"    routes:\n"
	"      - {to: default, via: 10.82.9.1}\n"
	"    exec:\n"
	"      - mkdir -p /tmp/www-h9 && echo page-of-h9 > /tmp/www-h9/index.html\n"
	"      - python3 -m http.server 8080 --directory /tmp/www-h9 >/dev/null "
	"2>&1 &\n"
	"links:\n"
	"  - endpoints: [r1, h9]\n"
	"    subnet: 10.82.9.0/30\n"
	"forwards:\n"
	"  - {proto: tcp, port: 6000, to: h9:8080}\n";

Test(routes, a_forward_to_a_node_behind_a_router)
{
	const char *d = scratch_dir();
	char *out = NULL;

	world_up();
	lab_up_ok("behind", behind);
	cr_assert_eq(wait_listen("behind-h9", "t", 8080), 0);
	/* DNAT to 10.82.9.2, which lies in r1's prefix: into r1, which forwards it */
	expect_fetch("world", "http://192.0.2.1:6000/", "page-of-h9\n");
	cr_assert(nsbpf_json("nat list behind",
			     ".flows[] | select(.kind == \"forward\" and .node.ip == \"10.82.9.2\" "
			     "and .node.port == 8080 and .nat.port == 6000)"));
	cr_assert(
		nsbpf_json("forward list behind",
			   ".labs[0].forwards[0] | .node == \"h9\" and .node_ip == \"10.82.9.2\""),
		"forward list names the node behind the router");
	/* the same at run time: forward add to the node behind the router */
	cr_assert_eq(nsbpf_run("forward add behind tcp 6001 h9:8080"), 0);
	expect_fetch("world", "http://192.0.2.1:6001/", "page-of-h9\n");
	cr_assert(nsbpf_json("forward list behind",
			     "[.labs[0].forwards[] | select(.port == 6001)][0] "
			     "| .node == \"h9\" and .node_ip == \"10.82.9.2\""),
		  "forward add reaches the node behind the router");
	/* and h9 out to the world, masqueraded behind r1 */
	cr_assert_eq(run("mkdir -p %s/www && echo from-world > %s/www/index.html", d, d), 0);
	serve("world", "t", 8000, "http.log",
	      "python3 -m http.server 8000 --bind 192.0.2.2 --directory %s/www", d);
	cr_assert_eq(in_ns_out(&out, "behind-h9", "curl -s -m 5 http://192.0.2.2:8000/"), 0);
	cr_assert_str_eq(out, "from-world\n");
	free(out);
	cr_assert(host_untouched());
	lab_down_ok("behind");
}
