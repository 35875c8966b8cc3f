// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Lab lifecycle: up, status, exec, down, rollback, in a private host netns. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "harness.h"
#include "sockets.h"

TestSuite(lifecycle, .init = harness_enter, .fini = harness_leave, .timeout = 120);

static const char two_nodes[] = "name: lc\n"
				"networks:\n"
				"  net:\n"
				"    subnet: 10.77.0.0/24\n"
				"nodes:\n"
				"  a:\n"
				"    network: net\n"
				"    ip: 10.77.0.10\n"
				"  b:\n"
				"    network: net\n";

Test(lifecycle, up_creates_namespaces_veths_addresses_routes)
{
	char *out = NULL;

	lab_up_ok("lc", two_nodes);
	/* iproute2 sees the namespaces */
	cr_assert_eq(run("ip netns list | grep -qE '^lc-a( |$)'"), 0);
	cr_assert_eq(run("ip netns list | grep -qE '^lc-b( |$)'"), 0);
	/* node side: eth0 with the address, lo up, default route via the gateway */
	cr_assert(json_true("ip -n lc-a -j addr show dev eth0",
			    ".[0].addr_info[] | "
			    "select(.local==\"10.77.0.10\" and .prefixlen==24)"));
	cr_assert(json_true("ip -n lc-b -j addr show dev eth0",
			    ".[0].addr_info[] | select(.local==\"10.77.0.2\")"),
		  "b gets the next free address after the gateway");
	cr_assert(json_true("ip -n lc-a -j link show lo", ".[0].flags | index(\"UP\")"));
	cr_assert(json_true("ip -n lc-a -j route show default",
			    ".[0].gateway == \"10.77.0.1\" and .[0].dev == \"eth0\""));
	/* host side: the end is up, has a /32 route to the node, rp_filter set */
	cr_assert(json_true("ip -j link show lc-a", ".[0].operstate == \"UP\""));
	cr_assert(json_true("ip -j route show 10.77.0.10", ".[0].dev == \"lc-a\""));
	cr_assert(sysctl_is("net/ipv4/conf/lc-a/rp_filter", "0"));
	/* the host reaches both nodes over plain veths */
	cr_assert_eq(run("ping -c1 -W2 10.77.0.10"), 0);
	cr_assert_eq(run("ping -c1 -W2 10.77.0.2"), 0);
	cr_assert_eq(in_ns("lc-a", "ping -c1 -W2 10.77.0.1"), 0, "node pings its gateway");

	cr_assert_eq(nsbpf_out(&out, "status lc --json"), 0);
	cr_log_info("%s", out);
	free(out);
	cr_assert(nsbpf_json("status lc", ".labs[0].nodes | length == 2"));
	cr_assert(nsbpf_json("status lc",
			     ".labs[0].nodes[0] | .name == \"a\" and "
			     ".netns == \"lc-a\" and .hostif == \"lc-a\" and .ip == \"10.77.0.10\" "
			     "and .state == \"up\" and (.mac | test(\"^02:\"))"));
	cr_assert_eq(nsbpf_run("status | grep -E '^a +net +10.77.0.10/24 +lc-a +lc-a "
			       "+02:[0-9a-f:]+ +up$'"),
		     0, "aligned text table");
	cr_assert(host_untouched());

	lab_down_ok("lc");
	cr_assert_eq(nsbpf_run("down lc | grep -q 'not up'"), 0, "down twice is fine");
	cr_assert_eq(nsbpf_run("status lc"), 1, "status of a lab that is down fails");
}

Test(lifecycle, dry_run_creates_nothing)
{
	const char *f = lab_file("lc", two_nodes);

	cr_assert_eq(nsbpf_run("up --dry-run %s | "
			       "grep -q 'node a: netns lc-a, veth lc-a <-> eth0 10.77.0.10/24'",
			       f),
		     0);
	cr_assert(lab_gone("lc"));
}

Test(lifecycle, invalid_topology_exits_2_and_creates_nothing)
{
	const char *f = lab_file("bad", "name: bad\nnetworks:\n  net:\n    subnet: 10.78.0.0/24\n"
					"nodes:\n  a:\n    network: nett\n");
	char *out = NULL;

	cr_assert_eq(nsbpf_out(&out, "up %s 2>&1", f), 2);
	cr_log_info("%s", out);
	cr_assert(strstr(out, "bad.yaml:7:14: "), "error names the place: %s", out);
	cr_assert(strstr(out, "did you mean \"net\"?"), "%s", out);
	cr_assert(strncmp(out, "nsbpf: ", 7) == 0, "errors are prefixed: %s", out);
	free(out);
	cr_assert(lab_gone("bad"));
}

Test(lifecycle, second_up_of_a_running_lab_keeps_it)
{
	const char *f = lab_file("lc", two_nodes);

	cr_assert_eq(nsbpf_run("up %s", f), 0);
	cr_assert_eq(nsbpf_run("up %s | grep -q 'programs replaced in place'", f), 0);
	cr_assert_eq(run("ping -c1 -W2 10.77.0.10"), 0);
	lab_down_ok("lc");
}

Test(lifecycle, exec_commands_run_in_order_and_down_stops_daemons)
{
	char *out = NULL;

	lab_up_ok("ex", "name: ex\nnetworks:\n  net:\n    subnet: 10.79.0.0/24\n"
			"nodes:\n  a:\n    network: net\n    exec:\n"
			"      - echo one > /tmp/nsbpf-ex-$NSBPF_NODE\n"
			"      - ip -4 -o addr show dev eth0 >> /tmp/nsbpf-ex-$NSBPF_NODE\n"
			"      - sleep 1000 &\n");
	cr_assert_eq(run_out(&out, "cat /tmp/nsbpf-ex-a"), 0);
	cr_assert(strncmp(out, "one\n", 4) == 0 && strstr(out, "10.79.0.2/24"),
		  "commands ran in order, inside the node: %s", out);
	free(out);
	run("rm -f /tmp/nsbpf-ex-a");
	cr_assert_eq(run("ip netns pids ex-a | grep -q ."), 0, "the daemon runs in the node");
	lab_down_ok("ex");
}

Test(lifecycle, failing_exec_rolls_back_everything)
{
	const char *f = lab_file("fx", "name: fx\nnetworks:\n  net:\n    subnet: 10.80.0.0/24\n"
				       "nodes:\n  a:\n    network: net\n  b:\n    network: net\n"
				       "    exec:\n      - echo about to fail\n      - exit 3\n");
	char *out = NULL;

	cr_assert_eq(nsbpf_out(&out, "up %s 2>&1", f), 1);
	cr_assert(strstr(out, "node b: exec \"exit 3\" exited with status 3"), "%s", out);
	cr_assert(strstr(out, "about to fail"), "the command's output is shown: %s", out);
	free(out);
	cr_assert(lab_gone("fx"));
}

Test(lifecycle, name_clash_rolls_back_and_keeps_the_users_interface)
{
	const char *f = lab_file("nc", "name: nc\nnetworks:\n  net:\n    subnet: 10.81.0.0/24\n"
				       "nodes:\n  a:\n    network: net\n  b:\n    network: net\n");

	cr_assert_eq(run("ip link add nc-b type veth peer name users-peer"), 0);
	cr_assert_eq(nsbpf_run("up %s", f), 1);
	cr_assert_eq(run("ip -o link show nc-b | grep -q users-peer"), 0,
		     "the user's interface stays");
	cr_assert_eq(run("ip link show nc-a"), 1, "what up created is gone");
	cr_assert_eq(run("test -e /run/netns/nc-a"), 1);
	cr_assert_eq(run("test -e /run/nsbpf/nc"), 1);
	run("ip link del nc-b");
	cr_assert(lab_gone("nc"));

	/* The same for a namespace of the user's that has a node's name. */
	cr_assert_eq(run("ip netns add nc-b"), 0);
	nsbpf_says(-1, "a network namespace named nc-b already exists", "up %s", f);
	cr_assert_eq(run("ip netns list | grep -qE '^nc-b( |$)'"), 0, "the user's namespace stays");
	cr_assert_eq(run("test -e /run/netns/nc-a"), 1);
	run("ip netns del nc-b");
}

/* A lab of n nodes in one /24, written to the scratch dir: its path. */
static const char *many_nodes(const char *lab, const char *subnet, int nodes)
{
	char yaml[8192];
	size_t n;

	n = (size_t)snprintf(yaml, sizeof(yaml),
			     "name: %s\nnetworks:\n  net:\n    subnet: %s\nnodes:\n", lab, subnet);
	for (int i = 0; i < nodes; i++)
		n += (size_t)snprintf(yaml + n, sizeof(yaml) - n, "  n%d:\n    network: net\n", i);
	return lab_file(lab, yaml);
}

Test(lifecycle, down_after_a_killed_up)
{
	const char *f = many_nodes("kl", "10.82.0.0/24", 60);
	const char *const up[] = { nsbpf(), "up", f, NULL };

	/* Kill up at several points; every time, down leaves nothing. */
	for (int delay_ms = 5; delay_ms <= 125; delay_ms += 40) {
		nsbpf_killed_after(delay_ms, SIGKILL, up);
		cr_assert_eq(nsbpf_run("down kl"), 0);
		cr_assert(lab_gone("kl"), "after a kill at %d ms", delay_ms);
	}
	cr_assert_eq(nsbpf_run("down kl"), 0);
}

Test(lifecycle, interrupted_up_rolls_back_on_sigterm)
{
	const char *f = many_nodes("it", "10.83.0.0/24", 80);
	const char *const up[] = { nsbpf(), "up", f, NULL };

	nsbpf_killed_after(50, SIGTERM, up);
	/* Either it finished before the signal or it rolled back by itself. */
	if (!run("test -e /run/nsbpf/it/lab"))
		cr_assert_eq(nsbpf_run("down it"), 0);
	cr_assert(lab_gone("it"));
}

Test(lifecycle, exec_passes_stdio_and_exit_status)
{
	char *out = NULL;

	lab_up_ok("lc", two_nodes);
	cr_assert_eq(nsbpf_run("exec lc a -- sh -c 'exit 7'"), 7);
	cr_assert_eq(run_out(&out, "echo hello | %s exec lc a -- cat", nsbpf()), 0);
	cr_assert_str_eq(out, "hello\n");
	free(out);
	cr_assert_eq(nsbpf_out(&out, "exec lc b ip -4 -o addr show dev eth0"), 0);
	cr_assert(strstr(out, "10.77.0.2/24"), "runs inside the node: %s", out);
	free(out);
	cr_assert_eq(nsbpf_run("exec lc nope -- true"), 2);
	cr_assert_eq(nsbpf_run("exec nolab a -- true"), 1);
	cr_assert_eq(nsbpf_run("down lc"), 0);
}

Test(lifecycle, cli_usage_errors)
{
	char *out = NULL;

	cr_assert_eq(nsbpf_run("--version | grep -qE '^nsbpf [0-9]+\\.[0-9]+'"), 0);
	cr_assert_eq(nsbpf_run("--help | grep -q 'usage: nsbpf'"), 0);
	cr_assert_eq(nsbpf_run("up --help | grep -q 'usage: nsbpf up FILE'"), 0);
	cr_assert_eq(nsbpf_run("frobnicate"), 2);
	cr_assert_eq(nsbpf_run("up"), 2);
	cr_assert_eq(nsbpf_run("down"), 2);
	cr_assert_eq(nsbpf_run("down Bad_Name"), 2);
	cr_assert_eq(nsbpf_out(&out, "up /nonexistent.yaml 2>&1"), 2);
	cr_assert(strstr(out, "nsbpf: /nonexistent.yaml"), "%s", out);
	free(out);
	cr_assert(nsbpf_json("status", ".labs == []"));
}

/* ---- a node that plays IPv6 router ---- */

/* The host netns's IPv6 default route and addresses from a prefix, as text. */
static bool host_learned(const char *prefix)
{
	bool route = !run("ip -6 route show default | grep -q .");
	bool addr = !run("ip -6 -o addr show | grep -q ' %s'", prefix);

	return route || addr;
}

Test(lifecycle, a_nodes_router_advertisement_changes_nothing_on_the_host)
{
	/* Control: over a plain veth the same advertisement does configure the host. */
	cr_assert_eq(script("veth-ns.sh ractl ractl0"), 0);
	cr_assert(wait_for(6000, "ip -6 -o addr show dev ractl0 scope link | grep -v tentative | "
				 "grep -q fe80"),
		  "host end's IPv6 is ready");
	cr_assert_eq(send_ra("ractl", "2001:db8:1::"), 0);
	cr_assert(wait_for(3000, "ip -6 route show default | grep -q 'via fe80::.* dev ractl0' && "
				 "ip -6 -o addr show dev ractl0 | grep -q ' 2001:db8:1:'"),
		  "the advertisement is one the host takes");
	cr_assert_eq(run("ip link del ractl0 && ip netns del ractl"), 0);
	cr_assert_not(host_learned("2001:db8:1:"), "the control left nothing");

	lab_up_ok("lc", two_nodes);
	/* set on every host end, by up */
	cr_assert(sysctl_is("net/ipv6/conf/lc-a/accept_ra", "0") &&
		  sysctl_is("net/ipv6/conf/lc-a/autoconf", "0") &&
		  sysctl_is("net/ipv6/conf/lc-a/accept_redirects", "0") &&
		  sysctl_is("net/ipv6/conf/lc-a/disable_ipv6", "1"));
	cr_assert_eq(run("test -z \"$(ip -6 addr show dev lc-b)\""), 0,
		     "no IPv6 address, not even link-local");
	/* as long as the control's host end needed to take advertisements */
	sleep(2);
	cr_assert_eq(send_ra("lc-a", "2001:db8:2::"), 0);
	usleep(500 * 1000);
	cr_assert_not(host_learned("2001:db8:2:"),
		      "no default route via the node, no address from its prefix");
	cr_assert_eq(run("ping -c1 -W2 10.77.0.10"), 0, "IPv4 to the node is unharmed");
	cr_assert(host_untouched());
	lab_down_ok("lc");
}

Test(lifecycle, up_warns_when_the_host_forwards)
{
	const char *f = lab_file("lc", two_nodes);
	char *out = NULL;

	cr_assert_eq(nsbpf_out(&out, "up %s 2>&1 >/dev/null", f), 0);
	cr_assert_str_eq(out, "", "no warning while the host does not forward");
	free(out);
	cr_assert_eq(nsbpf_run("down lc"), 0);
	cr_assert_eq(run("sysctl -qw net.ipv4.ip_forward=1"), 0);
	cr_assert_eq(nsbpf_out(&out, "up %s 2>&1 >/dev/null", f), 0, "a warning, not an error");
	cr_assert_str_eq(out,
			 "nsbpf: warning: this host forwards IPv4 (net.ipv4.ip_forward=1): "
			 "the datapath drops lab sources leaving the uplink, but the host routes "
			 "whatever it is given\n");
	free(out);
	cr_assert_eq(run("sysctl -qw net.ipv4.ip_forward=0"), 0);
	lab_down_ok("lc");
}

/* up FILE must exit 2 with MSG (a FILE:LINE:COL: prefix and text) and create nothing. */
static void refused(const char *name, const char *yaml, const char *opts, const char *msg)
{
	const char *f = lab_file(name, yaml);
	char *out = NULL, want[1024];

	snprintf(want, sizeof(want), "nsbpf: %s/%s.yaml:%s", scratch_dir(), name, msg);
	cr_assert_eq(nsbpf_out(&out, "up %s %s 2>&1", opts, f), 2, "%s", out);
	cr_assert(strstr(out, want), "expected\n  %s\ngot\n  %s", want, out);
	free(out);
	cr_assert(lab_gone(name));
}

/* A one-node lab NAME: "name: NAME\n", then HEAD, networks n with SUBNET (and NET_EXTRA). */
static const char *one_node(const char *name, const char *head, const char *subnet,
			    const char *net_extra)
{
	static char yaml[512];

	snprintf(yaml, sizeof(yaml),
		 "name: %s\n%snetworks:\n  n:\n    subnet: %s\n%s"
		 "nodes:\n  a: {network: n}\n",
		 name, head, subnet, net_extra);
	return yaml;
}

Test(lifecycle, up_refuses_what_would_break_the_host_and_creates_nothing)
{
	const char *fwd = "forwards:\n  - {proto: tcp, port: 6000, to: a:80, host: %s}\n";
	char yaml[1024];

	world_up(); /* up0 192.0.2.1/24, default via 192.0.2.2 */
	/* the uplink's own subnet, or one around it */
	refused("sub", one_node("sub", "", "192.0.2.128/25", ""), "",
		"4:13: network \"n\": subnet 192.0.2.128/25 overlaps the uplink's subnet "
		"192.0.2.0/24 (up0 192.0.2.1/24)");
	refused("sub", one_node("sub", "", "192.0.0.0/16", ""), "--dry-run",
		"4:13: network \"n\": subnet 192.0.0.0/16 overlaps the uplink's subnet");
	refused("gw", one_node("gw", "", "192.0.2.0/24", "    gateway: 192.0.2.1\n"), "",
		"5:14: network \"n\": gateway 192.0.2.1 is the address of the uplink up0: "
		"the host's own address would move into the lab");
	/* a second default route whose gateway lies outside the uplink's subnet */
	cr_assert_eq(run("ip route add default via 198.51.100.1 dev up0 onlink metric 100"), 0);
	refused("dgw", one_node("dgw", "", "198.51.100.0/24", ""), "",
		"4:13: network \"n\": subnet 198.51.100.0/24 contains the host's default gateway "
		"198.51.100.1");
	cr_assert_eq(run("ip route del default via 198.51.100.1"), 0);
	/* multicast used to fail only at netlink, with exit 1 */
	refused("mc", one_node("mc", "", "224.1.0.0/16", ""), "",
		"4:13: network \"n\": subnet 224.1.0.0/16 is inside 224.0.0.0/4 (multicast)");
	/* uplinks that are not there, not Ethernet, or loopback */
	refused("up", one_node("up", "uplink: eth9\n", "10.9.0.0/24", ""), "",
		"2:9: uplink \"eth9\" does not exist in this network namespace");
	cr_assert_eq(run("ip tuntap add dev tun0 mode tun"), 0);
	refused("up", one_node("up", "uplink: tun0\n", "10.9.0.0/24", ""), "",
		"2:9: uplink \"tun0\" is not an Ethernet device (tun, link type 65534): "
		"the datapath reads an Ethernet header on the uplink");
	refused("up", one_node("up", "uplink: lo\n", "10.9.0.0/24", ""), "",
		"2:9: uplink \"lo\" is the loopback device");
	/* the default route through a layer-3 device: no position, the message says which */
	cr_assert_eq(run("ip link set tun0 up && ip route replace default dev tun0"), 0);
	refused("up", one_node("up", "", "10.9.0.0/24", ""), "",
		" the default route's device \"tun0\" is not an Ethernet device");
	cr_assert_eq(run("ip route replace default via 192.0.2.2 dev up0 && "
			 "ip tuntap del dev tun0 mode tun"),
		     0);
	/* a forward's address the host does not have */
	snprintf(yaml, sizeof(yaml), "%s", one_node("fh", "", "10.9.0.0/24", ""));
	snprintf(yaml + strlen(yaml), sizeof(yaml) - strlen(yaml), fwd, "192.0.2.99");
	refused("fh", yaml, "",
		"8:46: forward 1: tcp 192.0.2.99:6000 -> a:80: 192.0.2.99 is not "
		"an address of this host");
	/* what the host has is fine: the uplink address, a gateway of the lab, loopback */
	lab_up_ok("ok",
		  "name: ok\nnetworks:\n  n:\n    subnet: 10.9.0.0/24\nnodes:\n  a: {network: n}\n"
		  "forwards:\n  - {proto: tcp, port: 6000, to: a:80, host: 192.0.2.1}\n"
		  "  - {proto: tcp, port: 6000, to: a:80, host: 10.9.0.1}\n"
		  "  - {proto: tcp, port: 6000, to: a:80, host: 127.0.0.1}\n");
	cr_assert(host_untouched());
	lab_down_ok("ok");
}
