// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Multi-homed nodes, links between nodes, node routes and netem (issue 13,
 * the node side): a node with a leg in two isolated networks reaches both,
 * each leg is its own endpoint for anti-spoofing; a link carries its netem
 * delay, a node's routes are installed; down leaves nothing, even after a
 * killed up. IPv6 on further legs: each dual-stack or IPv6-only leg its
 * own ip6 and anti-spoofing, the IPv6 default route via the first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "harness.h"

TestSuite(legs, .init = harness_enter, .fini = harness_leave, .timeout = 180);

/* core and side may not talk; m has a leg in each. */
static const char multihomed[] = "name: mh\n"
				 "networks:\n"
				 "  core:\n"
				 "    subnet: 10.81.0.0/24\n"
				 "  side:\n"
				 "    subnet: 10.82.0.0/24\n"
				 "nodes:\n"
				 "  a: {network: core}\n"
				 "  b: {network: side}\n"
				 "  m:\n"
				 "    interfaces:\n"
				 "      - {network: core}\n"
				 "      - {network: side, ip: 10.82.0.7}\n";

static bool pings(const char *netns, const char *dst)
{
	return !in_ns(netns, "ping -c2 -i0.2 -W2 %s", dst);
}

Test(legs, a_multihomed_node_reaches_both_networks_with_anti_spoofing_per_leg)
{
	long long spoof0;
	char *mac = NULL;

	lab_up_ok("mh", multihomed);
	cr_assert_eq(run("ip -n mh-m -br addr show eth1 | grep -q 10.82.0.7/24"), 0);
	cr_assert_eq(run("ip -n mh-m route show default | grep -q 'via 10.81.0.1 dev eth0'"), 0,
		     "the default route goes via the first network's gateway");
	cr_assert(pings("mh-m", "10.81.0.2"), "m -> a over eth0");
	cr_assert(pings("mh-m", "10.82.0.2"), "m -> b over eth1");
	cr_assert(pings("mh-a", "10.81.0.3"), "a -> m's core leg");
	cr_assert(pings("mh-b", "10.82.0.7"), "b -> m's side leg");
	cr_assert_neq(in_ns("mh-a", "ping -c1 -W1 10.82.0.2"), 0, "core and side stay apart");
	/* eth0's address sent out of eth1: not that leg's, dropped as a spoof */
	spoof0 = stat_drop("mh", "spoof_ip");
	cr_assert_eq(run_out(&mac, "ip -br link show mh-m.1 | awk '{print $3}'"), 0);
	mac[strcspn(mac, "\n")] = '\0';
	cr_assert_eq(run("ip -n mh-m route replace 10.82.0.2/32 dev eth1 src 10.81.0.3"), 0);
	cr_assert_eq(run("ip -n mh-m neigh replace 10.82.0.2 lladdr %s dev eth1", mac), 0);
	cr_assert_neq(in_ns("mh-m", "ping -c2 -i0.2 -W1 10.82.0.2"), 0);
	cr_assert_geq(stat_drop("mh", "spoof_ip"), spoof0 + 2);
	free(mac);
	lab_down_ok("mh");
}

/*
 * IPv6 on further legs: m's eth0 is IPv4 only, eth1 dual-stack (core,
 * masqueraded), eth2 IPv6-only (side, isolated from core). m is a router.
 */
static const char multihomed6[] =
	"name: mh6\n"
	"networks:\n"
	"  v4: {subnet: 10.84.0.0/24}\n"
	"  core: {subnet: 10.85.0.0/24, subnet6: 'fd00:85::/64', masquerade: true}\n"
	"  side: {subnet6: 'fd00:86::/64'}\n"
	"nodes:\n"
	"  a: {network: core}\n"
	"  b: {network: side}\n"
	"  m:\n"
	"    forwarding: true\n"
	"    interfaces:\n"
	"      - {network: v4}\n"
	"      - {network: core}\n"
	"      - {network: side, ip6: 'fd00:86::%d'}\n";

static bool pings6(const char *netns, const char *dst)
{
	return !in_ns(netns, "ping -6 -c2 -i0.2 -W2 %s", dst);
}

Test(legs, ipv6_on_further_legs_with_its_own_default_route_and_anti_spoofing)
{
	char yaml[1024], *mac = NULL;
	long long spoof0;

	cr_assert_eq(script("world6.sh"), 0, "world namespace with IPv6");
	snprintf(yaml, sizeof(yaml), multihomed6, 7);
	lab_up_ok("mh6", yaml);
	cr_assert(wait_for(5000, "! ip -6 addr show | grep -q tentative"));
	cr_assert_eq(run("ip -n mh6-m -6 -br addr show eth1 | grep -q fd00:85::3/64"), 0,
		     "eth1's default ip6: core's next free after a");
	cr_assert_eq(run("ip -n mh6-m -6 -br addr show eth2 | grep -q fd00:86::7/64"), 0);
	cr_assert_eq(run("ip -n mh6-m -6 -br addr show eth0 scope global | grep -q ."), 1,
		     "eth0's network has no subnet6");
	cr_assert_eq(run("ip -n mh6-m -4 -br addr show eth2 | grep -q ."), 1, "side is IPv6-only");
	cr_assert_eq(run("ip -n mh6-m route show default | grep -q 'via 10.84.0.1 dev eth0'"), 0);
	cr_assert_eq(run("ip -n mh6-m -6 route show default | grep -q 'via fd00:85::1 dev eth1'"),
		     0, "the IPv6 default route: the first leg with IPv6");
	cr_assert_eq(in_ns("mh6-m", "sysctl -n net.ipv6.conf.all.forwarding | grep -qx 1"), 0,
		     "a router forwards IPv6 too, in its own namespace");
	cr_assert(sysctl_is("net/ipv6/conf/all/forwarding", "0"), "never the host's");
	cr_assert(nsbpf_json("status mh6",
			     ".labs[0].nodes[] | select(.name == \"m\") | .ip6 == null and "
			     ".legs[0].ip6 == \"fd00:85::3\" and .legs[0].prefix6 == 64 and "
			     ".legs[1].ip6 == \"fd00:86::7\" and .legs[1].ip == null"));
	cr_assert(pings6("mh6-m", "fd00:85::2"), "m -> a over eth1");
	cr_assert(pings6("mh6-m", "fd00:86::2"), "m -> b over eth2");
	cr_assert(pings6("mh6-a", "fd00:85::3"), "a -> m's core leg");
	cr_assert(pings6("mh6-b", "fd00:86::7"), "b -> m's side leg");
	cr_assert(pings6("mh6-m", "fd00:85::1"), "m -> core's gateway6");
	cr_assert(!pings6("mh6-a", "fd00:86::2"), "core and side stay apart");
	cr_assert(pings6("mh6-m", "2001:db8::2"), "m -> the world, masqueraded from eth1");
	cr_assert(!pings6("mh6-b", "2001:db8::2"), "side is not masqueraded");
	/* eth1's address sent out of eth2: not that leg's, dropped as a spoof */
	spoof0 = stat_drop("mh6", "spoof_ip");
	cr_assert_eq(run_out(&mac, "ip -br link show mh6-m.2 | awk '{print $3}'"), 0);
	mac[strcspn(mac, "\n")] = '\0';
	cr_assert_eq(run("ip -n mh6-m -6 route replace fd00:86::2/128 dev eth2 src fd00:85::3"), 0);
	cr_assert_eq(run("ip -n mh6-m -6 neigh replace fd00:86::2 lladdr %s dev eth2", mac), 0);
	cr_assert(!pings6("mh6-m", "fd00:86::2"));
	cr_assert_geq(stat_drop("mh6", "spoof_ip"), spoof0 + 2);
	free(mac);
	/* a converge readdresses the leg */
	snprintf(yaml, sizeof(yaml), multihomed6, 8);
	lab_up_ok("mh6", yaml);
	cr_assert_eq(run("ip -n mh6-m -6 -br addr show eth2 | grep -q fd00:86::8/64"), 0);
	cr_assert(pings6("mh6-b", "fd00:86::8"), "b -> m's new address");
	cr_assert(!pings6("mh6-b", "fd00:86::7"), "the old one is gone");
	cr_assert(host_untouched());
	lab_down_ok("mh6");
	cr_assert_eq(run("test -z \"$(ip -6 route show | grep -E 'fd00:8[56]:')\""), 0,
		     "no lab IPv6 route left in the host");
}

/* h1 - r - h2 over links with subnet6s, IPv6 static routes, r a router. */
static const char chain6[] =
	"name: ch6\n"
	"networks: {mgmt: {subnet: 10.89.0.0/24}}\n"
	"nodes:\n"
	"  h1:\n"
	"    routes:\n"
	"      - {to: default, via: 10.88.1.1}\n"
	"      - {to: default, via: 'fd00:91::1'}\n"
	"  r: {network: mgmt, forwarding: true}\n"
	"  h2:\n"
	"    routes:\n"
	"      - {to: 'fd00:91::/64', via: 'fd00:92::1'}\n"
	"      - {to: 10.88.1.0/30, via: 10.88.2.1}\n"
	"links:\n"
	"  - {endpoints: [r, h1], subnet: 10.88.1.0/30, subnet6: 'fd00:91::/64'}\n"
	"  - {endpoints: [r, h2], subnet: 10.88.2.0/30, subnet6: 'fd00:92::/64'}\n";

Test(legs, links_with_a_subnet6_and_ipv6_routes_through_a_router_node)
{
	lab_up_ok("ch6", chain6);
	cr_assert_eq(run("ip -n ch6-h1 -6 -br addr show eth0 | grep -q fd00:91::2/64"), 0);
	cr_assert_eq(run("ip -n ch6-r -6 -br addr show eth2 | grep -q fd00:92::1/64"), 0);
	cr_assert_eq(run("ip -n ch6-h1 -6 route show default | grep -q 'via fd00:91::1 dev eth0'"),
		     0);
	cr_assert_eq(run("ip -n ch6-h2 -6 route show fd00:91::/64 | grep -q 'via fd00:92::1'"), 0);
	cr_assert_eq(in_ns("ch6-r", "sysctl -n net.ipv6.conf.all.forwarding | grep -qx 1"), 0,
		     "a router with IPv6 links forwards IPv6");
	cr_assert(nsbpf_json("status ch6", ".labs[0].links[0].ends[0].ip6 == \"fd00:91::1\" and "
					   ".labs[0].links[0].ends[1].ip6 == \"fd00:91::2\" and "
					   ".labs[0].links[1].prefix6 == 64"));
	cr_assert(pings6("ch6-h1", "fd00:92::2"), "h1 -> h2 routed by r over IPv6");
	cr_assert(pings6("ch6-h2", "fd00:91::2"), "and back");
	cr_assert(pings("ch6-h1", "10.88.2.2"), "IPv4 as before");
	cr_assert(host_untouched());
	lab_down_ok("ch6");
}

/*
 * r is in core; h has no network, only a link to r and routes. NETEM is
 * the link's netem: {...} and r's.
 */
static const char linked[] = "name: lk\n"
			     "networks:\n"
			     "  core:\n"
			     "    subnet: 10.83.0.0/24\n"
			     "nodes:\n"
			     "  r:\n"
			     "    network: core\n"
			     "    netem: {%s}\n"
			     "  h:\n"
			     "    routes:\n"
			     "      - {to: default, via: 10.83.9.1}\n"
			     "      - {to: 10.99.0.0/16, via: 10.83.9.1}\n"
			     "links:\n"
			     "  - endpoints: [r, h]\n"
			     "    subnet: 10.83.9.0/30\n"
			     "    netem: {%s}\n";

/* Has this kernel the netem qdisc (CONFIG_NET_SCH_NETEM)? Tried on a scratch veth. */
static bool kernel_has_netem(void)
{
	bool has;

	cr_assert_eq(run("ip link add nt0 type veth peer name nt1"), 0);
	has = !run("tc qdisc add dev nt0 root netem delay 1ms 2>/dev/null");
	run("ip link del nt0");
	return has;
}

/* The smallest RTT of 3 pings from netns to dst, in ms; -1 when none came back. */
static double min_rtt(const char *netns, const char *dst)
{
	char *out = NULL;
	double min = -1;
	char *p;

	if (!in_ns_out(&out, netns, "ping -c3 -i0.2 -W2 %s", dst)) {
		p = strstr(out, "min/avg/max");
		p = p ? strchr(p, '=') : NULL;
		if (p)
			min = strtod(p + 1, NULL);
	}
	free(out);
	return min;
}

Test(legs, a_link_between_nodes_carries_its_rate_and_the_routes_are_in_place)
{
	char yaml[1024];

	snprintf(yaml, sizeof(yaml), linked, "rate: 10mbit", "rate: 2mbit");
	lab_up_ok("lk", yaml);
	/* r's link end is its next ethN after eth0; h has none before it */
	cr_assert_eq(run("ip -n lk-r -br addr show eth1 | grep -q 10.83.9.1/30"), 0);
	cr_assert_eq(run("ip -n lk-h -br addr show eth0 | grep -q 10.83.9.2/30"), 0);
	cr_assert_eq(run("ip -n lk-h route show default | grep -q 'via 10.83.9.1 dev eth0'"), 0);
	cr_assert_eq(run("ip -n lk-h route show 10.99.0.0/16 | grep -q 'via 10.83.9.1 dev eth0'"),
		     0);
	cr_assert(pings("lk-h", "10.83.9.1"), "h -> r over the link");
	cr_assert_eq(run("tc -n lk-h qdisc show dev eth0 | grep -q 'tbf.*rate 2Mbit'"), 0);
	cr_assert_eq(run("tc -n lk-r qdisc show dev eth1 | grep -q 'tbf.*rate 2Mbit'"), 0);
	cr_assert_eq(run("tc qdisc show dev lk-r | grep -q 'tbf.*rate 10Mbit'"), 0);
	lab_down_ok("lk");
}

Test(legs, a_link_with_netem_delay_delays_both_ways)
{
	char yaml[1024];
	double rtt;

	if (!kernel_has_netem()) {
		/* up must then fail whole, saying why, and leave nothing */
		snprintf(yaml, sizeof(yaml), linked, "delay: 5ms", "delay: 30ms");
		nsbpf_says(1, "this kernel has no netem qdisc", "up %s", lab_file("lk", yaml));
		cr_assert(lab_gone("lk"));
		cr_skip_test("this kernel has no netem (CONFIG_NET_SCH_NETEM)");
	}
	snprintf(yaml, sizeof(yaml), linked, "delay: 5ms, rate: 10mbit", "delay: 30ms");
	lab_up_ok("lk", yaml);
	cr_assert_eq(run("tc -n lk-h qdisc show dev eth0 | grep -q 'netem.*delay 30ms'"), 0);
	cr_assert_eq(run("tc qdisc show dev lk-r | grep -q 'netem.*delay 5ms'"), 0);
	rtt = min_rtt("lk-h", "10.83.9.1");
	cr_assert_geq(rtt, 60.0, "the link's 30 ms each way: rtt %.1f ms", rtt);
	/* the kernel matrix (selftests/vm/guest.sh) shows this line */
	cr_log_info("netem: rtt %.1f ms over a link of 30 ms each way", rtt);
	lab_down_ok("lk");
}

Test(legs, down_after_a_killed_up_leaves_no_leg_nor_link)
{
	const char *file = lab_file("mh", multihomed);
	const char *argv[] = { nsbpf(), "up", file, NULL };

	/* kill it while it creates the nodes, then again once it is up */
	nsbpf_killed_after(150, 9, argv);
	cr_assert_eq(nsbpf_run("down mh"), 0);
	cr_assert(lab_gone("mh"));
	lab_up_ok("mh", multihomed);
	cr_assert_eq(run("ip -o link show mh-m.1 >/dev/null"), 0);
	lab_down_ok("mh");
}
