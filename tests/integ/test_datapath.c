// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The eBPF datapath on real labs: node to node, node to host, isolation,
 * anti-spoofing, stats, program replacement. Run once per attach mode
 * (NSBPF_ATTACH=auto|clsact, see the Makefile).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "harness.h"

TestSuite(datapath, .init = harness_enter, .fini = harness_leave, .timeout = 180);

static const char planets[] =
	"name: planets\n"
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

static void up(const char *name, const char *yaml)
{
	cr_assert_eq(run("%s up %s", nsbpf(), lab_file(name, yaml)), 0, "up %s", name);
}

static void down(const char *lab)
{
	cr_assert_eq(run("%s down %s", nsbpf(), lab), 0);
	cr_assert(lab_gone(lab));
}

/* Host ends: clsact unless tcx is forced (auto keeps tcx for the uplink). */
static const char *expected_mode(void)
{
	const char *m = getenv("NSBPF_ATTACH");

	return m && !strcmp(m, "tcx") ? "tcx" : "clsact";
}

Test(datapath, seed_lab_nodes_reach_each_other_and_the_host)
{
	const char *mode = expected_mode();
	char *out = NULL;

	up("planets", planets);
	cr_assert_eq(run("ip netns exec planets-earth ping -c2 -i0.2 -W2 10.10.0.2"), 0, "earth -> neptune");
	cr_assert_eq(run("ip netns exec planets-neptune ping -c2 -i0.2 -W2 10.10.0.10"), 0, "neptune -> earth");
	cr_assert_eq(run("ip netns exec planets-earth ping -c1 -W2 10.10.0.1"), 0, "earth -> gateway");
	cr_assert_eq(run("ip netns exec planets-neptune ping -c1 -W2 10.10.0.1"), 0, "neptune -> gateway");
	cr_assert_eq(run("ping -c1 -W2 10.10.0.10"), 0, "host -> earth");
	cr_assert_eq(run("ping -c1 -W2 10.10.0.2"), 0, "host -> neptune");

	/* ARP was answered by BPF with the host end's MAC: no proxy_arp, no bridge */
	cr_assert_eq(run("ip -n planets-earth -j neigh show 10.10.0.2 | jq -e '.[0].lladdr | test(\"^06:\")'"), 0);
	cr_assert_gt(stat_packets("planets", "paths", "arp_reply"), 0);
	cr_assert_geq(stat_packets("planets", "paths", "node_to_node"), 4);
	cr_assert_gt(stat_packets("planets", "paths", "to_host"), 0);
	cr_assert_gt(stat_packets("planets", "paths", "host_to_node"), 0);

	/* status shows the attach mode */
	cr_assert_eq(run_out(&out, "%s status planets --json | jq -r '.labs[0].attach'", nsbpf()), 0);
	cr_assert(!strncmp(out, mode, strlen(mode)) && out[strlen(mode)] == '\n', "mode %s, expected %s", out, mode);
	if (!strcmp(out, "tcx\n"))
		cr_assert_eq(run("test -e /sys/fs/bpf/nsbpf/planets/tcx_planets-earth_in"), 0);
	else
		cr_assert_eq(run("tc filter show dev planets-earth ingress | grep -q from_node"), 0);
	free(out);

	/* maps are pinned with BTF: bpftool shows named fields */
	cr_assert_eq(run("bpftool -j map dump pinned /sys/fs/bpf/nsbpf/planets/endpoints | jq -e '[.[].formatted.value.net_id] | length == 2'"), 0);
	cr_assert(host_untouched());
	down("planets");
}

Test(datapath, tcp_transfer_between_nodes_keeps_the_data)
{
	char *a = NULL, *b = NULL;

	up("planets", planets);
	const char *d = scratch_dir();

	cr_assert_eq(run("head -c 4000000 /dev/urandom > %s/in", d), 0);
	cr_assert_eq(run("(timeout 20 ip netns exec planets-neptune socat -u TCP-LISTEN:9000,reuseaddr CREATE:%s/out & "
			 "for i in $(seq 50); do ip netns exec planets-neptune ss -ltn | grep -q :9000 && break; sleep 0.1; done; "
			 "timeout 20 ip netns exec planets-earth socat -u FILE:%s/in TCP:10.10.0.2:9000; wait)", d, d), 0);
	cr_assert_eq(run_out(&a, "sha256sum < %s/in", d), 0);
	cr_assert_eq(run_out(&b, "sha256sum < %s/out", d), 0);
	cr_assert_str_eq(a, b, "the data arrived intact");
	free(a);
	free(b);
	cr_assert(host_untouched());
	down("planets");
}

Test(datapath, spoofed_source_ip_and_mac_are_dropped_and_counted)
{
	long long ip0, mac0;

	up("planets", planets);
	ip0 = stat_packets("planets", "drops", "spoof_ip");
	mac0 = stat_packets("planets", "drops", "spoof_mac");
	/* A source address that is not earth's: neptune must not get it. */
	cr_assert_eq(run("ip -n planets-earth addr add 10.10.0.99/16 dev eth0"), 0);
	cr_assert_neq(run("ip netns exec planets-earth ping -c2 -i0.2 -W1 -I 10.10.0.99 10.10.0.2"), 0);
	cr_assert_geq(stat_packets("planets", "drops", "spoof_ip"), ip0 + 2);
	cr_assert_eq(run("ip -n planets-earth addr del 10.10.0.99/16 dev eth0"), 0);
	/* Earth's address with another MAC. */
	cr_assert_eq(run("ip -n planets-earth link set eth0 address 02:00:00:00:00:99"), 0);
	cr_assert_eq(run("ip -n planets-earth neigh replace 10.10.0.2 lladdr 06:00:00:00:00:01 dev eth0"), 0);
	cr_assert_neq(run("ip netns exec planets-earth ping -c2 -i0.2 -W1 10.10.0.2"), 0);
	cr_assert_geq(stat_packets("planets", "drops", "spoof_mac"), mac0 + 2);
	down("planets");
}

static const char two_nets[] =
	"name: iso\n"
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
	up("iso", yaml);
	cr_assert_neq(run("ip netns exec iso-r1 ping -c2 -i0.2 -W1 10.21.0.2"), 0, "red -> blue denied");
	cr_assert_neq(run("ip netns exec iso-b1 ping -c2 -i0.2 -W1 10.20.0.2"), 0, "blue -> red denied");
	cr_assert_geq(stat_packets("iso", "drops", "isolated"), 4);
	cr_assert_eq(run("ping -c1 -W2 10.20.0.2 && ping -c1 -W2 10.21.0.2"), 0, "the host reaches both");
	down("iso");

	/* reach is symmetric: blue lists red, and red may answer (and start) too */
	up("iso", "name: iso\nnetworks:\n  red:\n    subnet: 10.20.0.0/24\n  blue:\n    subnet: 10.21.0.0/24\n    reach: [red]\n"
		  "nodes:\n  r1:\n    network: red\n  b1:\n    network: blue\n");
	cr_assert_eq(run("ip netns exec iso-r1 ping -c2 -i0.2 -W2 10.21.0.2 | grep -q 'ttl=63'"), 0,
		     "red -> blue allowed by blue's reach, routed (TTL decremented)");
	cr_assert_eq(run("ip netns exec iso-b1 ping -c1 -W2 10.20.0.2"), 0, "blue -> red");
	cr_assert(host_untouched());
	down("iso");
}

/* Program id attached at ingress of a host end, tcx or clsact. */
static long long ingress_prog_id(const char *ifname)
{
	char *out = NULL;
	long long id = -1;

	if (!run_out(&out, "f=/sys/fs/bpf/nsbpf/planets/tcx_%s_in; if [ -e $f ]; then "
			   "bpftool -j link show pinned $f | jq -e .prog_id; else "
			   "bpftool -j net show dev %s | jq -e '.[0].tc[] | select(.kind == \"clsact/ingress\") | .id'; fi",
		     ifname, ifname))
		id = strtoll(out, NULL, 10);
	free(out);
	return id;
}

Test(datapath, reup_replaces_programs_and_keeps_maps)
{
	const char *f = lab_file("planets", planets);
	long long n0, before, after;

	cr_assert_eq(run("%s up %s", nsbpf(), f), 0);
	cr_assert_eq(run("ip netns exec planets-earth ping -c3 -i0.2 -W2 10.10.0.2"), 0);
	n0 = stat_packets("planets", "paths", "node_to_node");
	cr_assert_geq(n0, 6);
	before = ingress_prog_id("planets-earth");
	cr_assert_gt(before, 0);
	cr_assert_eq(run("%s up %s", nsbpf(), f), 0);
	after = ingress_prog_id("planets-earth");
	cr_assert_gt(after, before, "a new program after re-up (%lld -> %lld)", before, after);
	cr_assert_geq(stat_packets("planets", "paths", "node_to_node"), n0, "counters survive");
	cr_assert_eq(run("ip netns exec planets-earth ping -c1 -W2 10.10.0.2"), 0);
	cr_assert_eq(run("test $(ls /sys/fs/bpf/nsbpf/planets | grep -c tcx_) -eq 0 -o $(ls /sys/fs/bpf/nsbpf/planets | grep -c tcx_) -eq 4"), 0,
		     "no duplicate links");
	down("planets");
}

Test(datapath, pinned_maps_of_another_layout_are_refused)
{
	const char *f = lab_file("planets", planets);
	char *out = NULL;

	cr_assert_eq(run("%s up %s", nsbpf(), f), 0);
	/* layout 99, then zeros: as many as the value has bytes (it grows with the ABI) */
	cr_assert_eq(run("n=$(bpftool -j map show pinned /sys/fs/bpf/nsbpf/planets/config | jq .bytes_value) && "
			 "bpftool map update pinned /sys/fs/bpf/nsbpf/planets/config key 0 0 0 0 value 99 "
			 "$(printf ' 0%%.0s' $(seq $((n - 1))))"), 0);
	cr_assert_eq(run_out(&out, "%s up %s 2>&1", nsbpf(), f), 1);
	cr_assert(strstr(out, "layout 99"), "%s", out);
	free(out);
	cr_assert_eq(run("ip netns exec planets-earth ping -c1 -W2 10.10.0.2"), 0, "the running lab is untouched");
	down("planets");
}
