// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * NAT66 (issue 14) as the CLI shows it: `nat list` with the flows of ct6
 * ([addr]:port in text, inet_ntop() strings in -j), `nat flush` forgetting
 * them, `nat off|on` stopping and restarting a network's NAT66, and the
 * host's own IPv6 with the world untouched meanwhile; a UDP datagram
 * larger than the MTU both ways, its fragments followed (lib/frag6.h). The lab and the
 * world (world6.sh: 2001:db8::1 on the uplink, 2001:db8::2 the world) are
 * test_ipv6.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "harness.h"

TestSuite(nat66, .init = harness_enter, .fini = harness_leave, .timeout = 240);

static const char n6[] = "name: n6\n"
			 "networks:\n"
			 "  planet:\n"
			 "    subnet: 10.10.0.0/16\n"
			 "    subnet6: fd00:10::/64\n"
			 "    masquerade: true\n"
			 "nodes:\n"
			 "  earth: {network: planet, ip: 10.10.0.10, ip6: 'fd00:10::10'}\n";

static bool pings6(const char *netns, int count, int wait, const char *dst)
{
	return !in_ns(netns, "ping -6 -c%d -i0.2 -W%d %s >/dev/null", count, wait, dst);
}

Test(nat66, nat_list_shows_ipv6_flows_flush_forgets_them_and_nat_off_stops_them)
{
	const char *d = scratch_dir();

	cr_assert_eq(script("world6.sh"), 0, "world namespace with IPv6");
	lab_up_ok("n6", n6);
	cr_assert(wait_for(5000, "! ip -6 addr show | grep -q tentative"));
	cr_assert(pings6("n6-earth", 2, 2, "2001:db8::2"), "ping6 to the world");
	cr_assert_eq(run("mkdir -p %s/www && echo hello6 > %s/www/index.html", d, d), 0);
	serve("world", "t", 8000, "http.log",
	      "python3 -m http.server 8000 --bind 2001:db8::2 --directory %s/www", d);
	expect_fetch("n6-earth", "http://[2001:db8::2]:8000/", "hello6\n");

	cr_assert(nsbpf_json("nat list n6",
			     ".flows[] | select(.proto == \"tcp\" and .kind == \"masquerade\" and "
			     ".node.ip == \"fd00:10::10\" and .remote.ip == \"2001:db8::2\" and "
			     ".remote.port == 8000 and .nat.ip == \"2001:db8::1\" and "
			     ".nat.port >= 61000 and .orig.packets > 0 and .reply.packets > 0)"));
	cr_assert(nsbpf_json("nat list n6", "[.flows[] | select(.proto == \"icmpv6\" and "
					    ".node.ip == \"fd00:10::10\")] | length == 1"));
	cr_assert_eq(nsbpf_run("nat list n6 | grep -E '^tcp +masquerade +\\[fd00:10::10\\]:[0-9]+ "
			       "+\\[2001:db8::2\\]:8000 +\\[2001:db8::1\\]:6[0-9]+'"),
		     0, "text: [addr]:port");
	cr_assert_gt(stat_path("n6", "snat"), 0);
	cr_assert_gt(stat_path("n6", "rev_snat"), 0);

	/* the host's own IPv6 with the world: untouched while the lab is up */
	cr_assert_eq(run("ping -6 -c2 -i0.2 -W2 2001:db8::2 >/dev/null"), 0, "the host's ping6");

	cr_assert_eq(nsbpf_run("nat flush n6 | grep -q flushed"), 0);
	cr_assert(nsbpf_json("nat list n6", ".flows == []"), "ct6 forgotten too");

	cr_assert_eq(nsbpf_run("nat off n6 planet >/dev/null"), 0);
	cr_assert(!pings6("n6-earth", 1, 1, "2001:db8::2"), "NAT66 off: nothing leaves");
	cr_assert_gt(stat_drop("n6", "no_masquerade"), 0);
	cr_assert_eq(nsbpf_run("nat on n6 planet >/dev/null"), 0);
	cr_assert(pings6("n6-earth", 2, 2, "2001:db8::2"), "NAT66 on again");
	lab_down_ok("n6");
	cr_assert(host_untouched());
}

/*
 * A converge that removes a node (or changes it: it goes and comes back)
 * ends its ct6 flows and frees their claims, as for IPv4: a node that takes
 * its address later inherits nothing.
 */
Test(nat66, a_converge_ends_the_ipv6_flows_of_the_nodes_it_removes)
{
	static const char two[] = "name: n6\n"
				  "networks:\n"
				  "  planet:\n"
				  "    subnet: 10.10.0.0/16\n"
				  "    subnet6: fd00:10::/64\n"
				  "    masquerade: true\n"
				  "nodes:\n"
				  "  earth: {network: planet, ip: 10.10.0.10, ip6: 'fd00:10::10'}\n"
				  "  mars: {network: planet, ip: 10.10.0.11, ip6: 'fd00:10::11'}\n";

	cr_assert_eq(script("world6.sh"), 0, "world namespace with IPv6");
	lab_up_ok("n6", two);
	cr_assert(wait_for(5000, "! ip -6 addr show | grep -q tentative"));
	cr_assert(pings6("n6-earth", 2, 2, "2001:db8::2"));
	cr_assert(pings6("n6-mars", 2, 2, "2001:db8::2"));
	cr_assert(nsbpf_json("nat list n6", "[.flows[] | select(.node.ip == \"fd00:10::10\")] | "
					    "length == 1"));
	lab_up_ok("n6", n6); /* mars goes */
	cr_assert(nsbpf_json("nat list n6", "[.flows[] | select(.node.ip == \"fd00:10::11\")] | "
					    "length == 0"),
		  "mars's flow ended with it");
	cr_assert(nsbpf_json("nat list n6", "[.flows[] | select(.node.ip == \"fd00:10::10\")] | "
					    "length == 1"),
		  "earth's kept");
	cr_assert(nsbpf_json("map dump n6 nat_ports6", ".maps[0].entries | length == 1 and "
						       ".[0].value.node_addr == \"fd00:10::10\""),
		  "one claim left: earth's");
	lab_down_ok("n6");
	cr_assert(host_untouched());
}

Test(nat66, fragmented_udp_both_ways)
{
	const char *d = scratch_dir();
	char *out = NULL;

	cr_assert_eq(script("world6.sh"), 0, "world namespace with IPv6");
	lab_up_ok("n6", n6);
	cr_assert(wait_for(5000, "! ip -6 addr show | grep -q tentative"));
	/* the world echoes each datagram and notes where it came from */
	serve("world", "u", 7001, "udp.log",
	      "socat UDP6-RECVFROM:7001,bind=[2001:db8::2],fork "
	      "SYSTEM:'echo $SOCAT_PEERADDR >>%s/peers; cat'",
	      d);
	/* 4000 bytes: the node's stack cuts it in three at its MTU of 1500, the world's too */
	cr_assert_eq(run_out(&out,
			     "head -c 4000 /dev/urandom | base64 -w0 | head -c 4000 >%s/dgram && "
			     "ip netns exec n6-earth socat -t 2 -b 5000 - UDP6:[2001:db8::2]:7001 "
			     "<%s/dgram >%s/back && wc -c <%s/back",
			     d, d, d, d),
		     0);
	cr_assert_eq(atoi(out), 4000, "a 4000-byte datagram went out and came back whole");
	free(out);
	cr_assert(same_file("dgram", "back"), "the same bytes");
	cr_assert_eq(run_out(&out, "cat %s/peers", d), 0);
	/* socat writes the address in full */
	cr_assert(!strcmp(out, "[2001:0db8:0000:0000:0000:0000:0000:0001]\n"),
		  "the world saw the uplink's address: %s", out);
	free(out);
	cr_assert_gt(stat_path("n6", "snat_frag"), 0);
	cr_assert_gt(stat_path("n6", "rev_snat_frag"), 0);
	cr_assert_eq(stat_drop("n6", "frag"), 0);
	lab_down_ok("n6");
	cr_assert(host_untouched());
}
