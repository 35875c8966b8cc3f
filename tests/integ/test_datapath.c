// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The eBPF datapath on real labs: node to node, node to host, isolation,
 * anti-spoofing, stats, program replacement. Run once per attach mode
 * (NSBPF_ATTACH=auto|clsact, see the Makefile).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "harness.h"

TestSuite(datapath, .init = harness_enter, .fini = harness_leave, .timeout = 180);

static const char planets[] = "name: planets\n"
			      "networks:\n"
			      "  planet:\n"
			      "    subnet: 10.10.0.0/16\n"
			      "    gateway: 10.10.0.1\n"
			      "nodes:\n"
			      "  earth:\n"
			      "    network: planet\n"
			      "    ip: 10.10.0.10\n"
			      "  neptune:\n"
			      "    network: planet\n";

/* Host ends: clsact unless tcx is forced (auto keeps tcx for the uplink). */
static const char *expected_mode(void)
{
	const char *m = getenv("NSBPF_ATTACH");

	return m && !strcmp(m, "tcx") ? "tcx" : "clsact";
}

/* ping -cCOUNT -i0.2 -WWAIT DST from NETNS (NULL: the host) succeeds. */
static bool pings(const char *netns, int count, int wait, const char *dst)
{
	return !in_ns(netns, "ping -c%d -i0.2 -W%d %s", count, wait, dst);
}

Test(datapath, seed_lab_nodes_reach_each_other_and_the_host)
{
	const char *mode = expected_mode();
	char *out = NULL;

	lab_up_ok("planets", planets);
	cr_assert(pings("planets-earth", 2, 2, "10.10.0.2"), "earth -> neptune");
	cr_assert(pings("planets-neptune", 2, 2, "10.10.0.10"), "neptune -> earth");
	cr_assert(pings("planets-earth", 1, 2, "10.10.0.1"), "earth -> gateway");
	cr_assert(pings("planets-neptune", 1, 2, "10.10.0.1"), "neptune -> gateway");
	cr_assert(pings(NULL, 1, 2, "10.10.0.10"), "host -> earth");
	cr_assert(pings(NULL, 1, 2, "10.10.0.2"), "host -> neptune");

	/* ARP was answered by BPF with the host end's MAC: no proxy_arp, no bridge */
	cr_assert(json_true("ip -n planets-earth -j neigh show 10.10.0.2",
			    ".[0].lladdr | test(\"^06:\")"));
	cr_assert_gt(stat_path("planets", "arp_reply"), 0);
	cr_assert_geq(stat_path("planets", "node_to_node"), 4);
	cr_assert_gt(stat_path("planets", "to_host"), 0);
	cr_assert_gt(stat_path("planets", "host_to_node"), 0);

	/* status shows the attach mode */
	cr_assert_eq(nsbpf_out(&out, "status planets --json | jq -r '.labs[0].attach'"), 0);
	cr_assert(!strncmp(out, mode, strlen(mode)) && out[strlen(mode)] == '\n',
		  "mode %s, expected %s", out, mode);
	if (!strcmp(out, "tcx\n"))
		cr_assert_eq(run("test -e /sys/fs/bpf/nsbpf/planets/tcx_planets-earth_in"), 0);
	else
		cr_assert_eq(run("tc filter show dev planets-earth ingress | grep -q from_node"),
			     0);
	free(out);

	/* maps are pinned with BTF: bpftool shows named fields */
	cr_assert(json_true("bpftool -j map dump pinned /sys/fs/bpf/nsbpf/planets/endpoints",
			    "[.[].formatted.value.net_id] | length == 2"));
	cr_assert(host_untouched());
	lab_down_ok("planets");
}

Test(datapath, tcp_transfer_between_nodes_keeps_the_data)
{
	const char *d = scratch_dir();

	lab_up_ok("planets", planets);
	random_file("in", 4000000);
	serve("planets-neptune", "t", 9000, "sink.log",
	      "timeout 20 socat -u TCP-LISTEN:9000,reuseaddr CREATE:%s/out", d);
	cr_assert_eq(in_ns("planets-earth", "timeout 20 socat -u FILE:%s/in TCP:10.10.0.2:9000", d),
		     0);
	cr_assert(wait_file("out", 4000000, 20000));
	cr_assert(same_file("in", "out"), "the data arrived intact");
	cr_assert(host_untouched());
	lab_down_ok("planets");
}

Test(datapath, spoofed_source_ip_and_mac_are_dropped_and_counted)
{
	long long ip0, mac0;

	lab_up_ok("planets", planets);
	ip0 = stat_drop("planets", "spoof_ip");
	mac0 = stat_drop("planets", "spoof_mac");
	/* A source address that is not earth's: neptune must not get it. */
	cr_assert_eq(run("ip -n planets-earth addr add 10.10.0.99/16 dev eth0"), 0);
	cr_assert(!pings("planets-earth", 2, 1, "-I 10.10.0.99 10.10.0.2"));
	cr_assert_geq(stat_drop("planets", "spoof_ip"), ip0 + 2);
	cr_assert_eq(run("ip -n planets-earth addr del 10.10.0.99/16 dev eth0"), 0);
	/* Earth's address with another MAC. */
	cr_assert_eq(run("ip -n planets-earth link set eth0 address 02:00:00:00:00:99"), 0);
	cr_assert_eq(run("ip -n planets-earth neigh replace 10.10.0.2 lladdr 06:00:00:00:00:01 "
			 "dev eth0"),
		     0);
	cr_assert(!pings("planets-earth", 2, 1, "10.10.0.2"));
	cr_assert_geq(stat_drop("planets", "spoof_mac"), mac0 + 2);
	lab_down_ok("planets");
}

/* Two networks, red and blue; REACH is blue's reach line or "". */
static const char two_nets[] = "name: iso\n"
			       "networks:\n"
			       "  red:\n"
			       "    subnet: 10.20.0.0/24\n"
			       "  blue:\n"
			       "    subnet: 10.21.0.0/24\n"
			       "%s"
			       "nodes:\n"
			       "  r1:\n"
			       "    network: red\n"
			       "  b1:\n"
			       "    network: blue\n";

Test(datapath, networks_are_isolated_unless_reach_allows)
{
	char yaml[1024];

	snprintf(yaml, sizeof(yaml), two_nets, "");
	lab_up_ok("iso", yaml);
	cr_assert(!pings("iso-r1", 2, 1, "10.21.0.2"), "red -> blue denied");
	cr_assert(!pings("iso-b1", 2, 1, "10.20.0.2"), "blue -> red denied");
	cr_assert_geq(stat_drop("iso", "isolated"), 4);
	cr_assert(pings(NULL, 1, 2, "10.20.0.2") && pings(NULL, 1, 2, "10.21.0.2"),
		  "the host reaches both");
	lab_down_ok("iso");

	/* reach is symmetric: blue lists red, and red may answer (and start) too */
	snprintf(yaml, sizeof(yaml), two_nets, "    reach: [red]\n");
	lab_up_ok("iso", yaml);
	cr_assert_eq(in_ns("iso-r1", "ping -c2 -i0.2 -W2 10.21.0.2 | grep -q 'ttl=63'"), 0,
		     "red -> blue allowed by blue's reach, routed (TTL decremented)");
	cr_assert(pings("iso-b1", 1, 2, "10.20.0.2"), "blue -> red");
	cr_assert(host_untouched());
	lab_down_ok("iso");
}

/* Program id attached at ingress of a host end of planets, tcx or clsact. */
static long long ingress_prog_id(const char *ifname)
{
	char *out = NULL;
	long long id = -1;

	if (!script_out(&out, "ingress-prog.sh planets %s", ifname))
		id = strtoll(out, NULL, 10);
	free(out);
	return id;
}

/* How many pins of LAB start with PREFIX. */
static int pins_named(const char *lab, const char *prefix)
{
	char dir[256];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(dir, sizeof(dir), "/sys/fs/bpf/nsbpf/%s", lab);
	d = opendir(dir);
	cr_assert(d, "%s", dir);
	while ((de = readdir(d)))
		n += !strncmp(de->d_name, prefix, strlen(prefix));
	closedir(d);
	return n;
}

Test(datapath, reup_replaces_programs_and_keeps_maps)
{
	const char *f = lab_file("planets", planets);
	long long n0, before, after;
	int links;

	cr_assert_eq(nsbpf_run("up %s", f), 0);
	cr_assert(pings("planets-earth", 3, 2, "10.10.0.2"));
	n0 = stat_path("planets", "node_to_node");
	cr_assert_geq(n0, 6);
	before = ingress_prog_id("planets-earth");
	cr_assert_gt(before, 0);
	cr_assert_eq(nsbpf_run("up %s", f), 0);
	after = ingress_prog_id("planets-earth");
	cr_assert_gt(after, before, "a new program after re-up (%lld -> %lld)", before, after);
	cr_assert_geq(stat_path("planets", "node_to_node"), n0, "counters survive");
	cr_assert(pings("planets-earth", 1, 2, "10.10.0.2"));
	links = pins_named("planets", "tcx_");
	cr_assert(links == 0 || links == 4, "no duplicate links (%d)", links);
	lab_down_ok("planets");
}

Test(datapath, pinned_maps_of_another_layout_are_refused)
{
	const char *f = lab_file("planets", planets);
	char *out = NULL;

	cr_assert_eq(nsbpf_run("up %s", f), 0);
	cr_assert_eq(script("set-layout.sh planets 99"), 0);
	cr_assert_eq(nsbpf_out(&out, "up %s 2>&1", f), 1);
	cr_assert(strstr(out, "layout 99"), "%s", out);
	free(out);
	cr_assert(pings("planets-earth", 1, 2, "10.10.0.2"), "the running lab is untouched");
	lab_down_ok("planets");
}
