// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ICMPv6 errors built in BPF (issue 14, lib/icmp6.h) in a real lab: a
 * node's packet too big for the uplink gets a Packet Too Big with the
 * uplink's MTU from its gateway6, which the node's stack takes (ping -M do
 * says so), and a hop limit that runs out leaving the lab a Time Exceeded
 * (ping -t 1); and a Packet Too Big from a router out in the world about
 * a NAT66 flow goes back into the node translated (lib/rev_icmp6.h), so
 * an upload through a narrower path completes; and the other way, a
 * node's own Destination Unreachable about a datagram a forward brought it
 * leaves as the forward's address (lib/icmp_out6.h), so the world's
 * connected socket is refused. The lab and the world (world6.sh) are
 * test_nat66.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "harness.h"

TestSuite(icmp6, .init = harness_enter, .fini = harness_leave, .timeout = 240);

static const char i6[] = "name: i6\n"
			 "networks:\n"
			 "  planet:\n"
			 "    subnet: 10.10.0.0/16\n"
			 "    subnet6: fd00:10::/64\n"
			 "    masquerade: true\n"
			 "nodes:\n"
			 "  earth: {network: planet, ip: 10.10.0.10, ip6: 'fd00:10::10'}\n";

Test(icmp6, uplink_narrower_than_the_node_answers_packet_too_big)
{
	char *out = NULL;

	cr_assert_eq(script("world6.sh"), 0, "world namespace with IPv6");
	lab_up_ok("i6", i6);
	cr_assert(wait_for(5000, "! ip -6 addr show | grep -q tentative"));
	cr_assert_eq(run("ip link set up0 mtu 1400 && ip -n world link set eth0 mtu 1400"), 0);
	/* 1452 + 8 + 40: 1500 bytes, DF as IPv6 always is */
	in_ns_out(&out, "i6-earth", "ping -6 -c1 -W2 -M do -s 1452 2001:db8::2 2>&1");
	cr_assert(strstr(out, "mtu=1400") || strstr(out, "mtu = 1400"),
		  "Packet Too Big with the uplink's MTU: %s", out);
	cr_assert(strstr(out, "fd00:10::1"), "from the gateway6: %s", out);
	free(out);
	cr_assert_gt(stat_path("i6", "frag_needed"), 0);
	cr_assert_eq(in_ns("i6-earth", "ping -6 -c1 -W2 -M do -s 1352 2001:db8::2 >/dev/null"), 0,
		     "what fits goes through");
	cr_assert_eq(run("ip -n i6-earth -6 route get 2001:db8::2 | grep -q 'mtu 1400'"), 0,
		     "the node learned the path MTU");
	lab_down_ok("i6");
	cr_assert(host_untouched());
}

Test(icmp6, a_hop_limit_of_1_gets_time_exceeded_from_the_gateway6)
{
	char *out = NULL;

	cr_assert_eq(script("world6.sh"), 0, "world namespace with IPv6");
	lab_up_ok("i6", i6);
	cr_assert(wait_for(5000, "! ip -6 addr show | grep -q tentative"));
	in_ns_out(&out, "i6-earth", "ping -6 -c1 -W2 -t 1 2001:db8::2 2>&1");
	cr_assert(strstr(out, "fd00:10::1") && strstr(out, "Time exceeded"),
		  "Time Exceeded from the gateway6: %s", out);
	free(out);
	cr_assert_gt(stat_path("i6", "time_exceeded"), 0);
	lab_down_ok("i6");
	cr_assert(host_untouched());
}

Test(icmp6, path_mtu_discovery_through_a_narrower_world_link)
{
	const char *d = scratch_dir();

	cr_assert_eq(script("world6.sh"), 0, "world namespace with IPv6");
	lab_up_ok("i6", i6);
	cr_assert(wait_for(5000, "! ip -6 addr show | grep -q tentative"));
	/* world becomes a router to a server behind a 1280-byte path */
	cr_assert_eq(script("narrow-server6.sh"), 0);
	random_file("in", 3000000);
	/* node -> server: the router's Packet Too Big must reach the node's socket */
	serve("server", "t", 9000, "sink.log",
	      "timeout 30 socat -u TCP6-LISTEN:9000,reuseaddr CREATE:%s/out", d);
	cr_assert_eq(
		in_ns("i6-earth", "timeout 30 socat -u FILE:%s/in TCP6:[2001:db8:5::2]:9000", d),
		0);
	cr_assert(wait_file("out", 3000000, 10000));
	cr_assert(same_file("in", "out"), "upload intact");
	cr_assert_gt(stat_path("i6", "icmp_err_rev"), 0, "Packet Too Big went back through NAT66");
	cr_assert_eq(run("ip -n i6-earth -6 route get 2001:db8:5::2 | grep -q 'mtu 1280'"), 0,
		     "the node learned the path MTU");
	lab_down_ok("i6");
	cr_assert(host_untouched());
}

static const char i6f[] = "name: i6\n"
			  "networks:\n"
			  "  planet:\n"
			  "    subnet: 10.10.0.0/16\n"
			  "    subnet6: fd00:10::/64\n"
			  "    masquerade: true\n"
			  "nodes:\n"
			  "  earth: {network: planet, ip: 10.10.0.10, ip6: 'fd00:10::10'}\n"
			  "forwards:\n"
			  "  - {proto: udp, port: 6054, to: earth:5999}\n";

Test(icmp6, udp_through_a_forward_to_a_closed_port_is_refused_in_the_world)
{
	char *out = NULL;

	cr_assert_eq(script("world6.sh"), 0, "world namespace with IPv6");
	lab_up_ok("i6", i6f);
	cr_assert(wait_for(5000, "! ip -6 addr show | grep -q tentative"));
	/*
	 * Nobody listens on earth's 5999: its port unreachable quotes
	 * [2001:db8::2]:p -> [fd00:10::10]:5999 and must reach the world as
	 * the uplink's error about [2001:db8::2]:p -> [2001:db8::1]:6054, or
	 * the world's socket never hears of it (RFC 5508 4.2).
	 */
	cr_assert_eq(in_ns_out(&out, "world", "python3 %s 2001:db8::1 6054",
			       script_path("udp-refused6.py")),
		     0, "ECONNREFUSED in the world: %s", out ? out : "");
	cr_assert_str_eq(out, "2001:db8::1 1 4\n", "port unreachable from the uplink's address");
	free(out);
	cr_assert_gt(stat_path("i6", "icmp_err_out"), 0);
	lab_down_ok("i6");
	cr_assert(host_untouched());
}
