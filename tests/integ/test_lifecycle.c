// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Lab lifecycle: up, status, exec, down, rollback, in a private host netns. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "harness.h"

TestSuite(lifecycle, .init = harness_enter, .fini = harness_leave, .timeout = 120);

static const char two_nodes[] =
	"name: lc\n"
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
	const char *f = lab_file("lc", two_nodes);
	char *out = NULL;

	cr_assert_eq(run("%s up %s", nsbpf(), f), 0);
	/* iproute2 sees the namespaces */
	cr_assert_eq(run("ip netns list | grep -qE '^lc-a( |$)'"), 0);
	cr_assert_eq(run("ip netns list | grep -qE '^lc-b( |$)'"), 0);
	/* node side: eth0 with the address, lo up, default route via the gateway */
	cr_assert_eq(run("ip -n lc-a -j addr show dev eth0 | jq -e '.[0].addr_info[] | select(.local==\"10.77.0.10\" and .prefixlen==24)'"), 0);
	cr_assert_eq(run("ip -n lc-b -j addr show dev eth0 | jq -e '.[0].addr_info[] | select(.local==\"10.77.0.2\")'"), 0,
		     "b gets the next free address after the gateway");
	cr_assert_eq(run("ip -n lc-a -j link show lo | jq -e '.[0].flags | index(\"UP\")'"), 0);
	cr_assert_eq(run("ip -n lc-a -j route show default | jq -e '.[0].gateway == \"10.77.0.1\" and .[0].dev == \"eth0\"'"), 0);
	/* host side: the end is up, has a /32 route to the node, rp_filter set */
	cr_assert_eq(run("ip -j link show lc-a | jq -e '.[0].operstate == \"UP\"'"), 0);
	cr_assert_eq(run("ip -j route show 10.77.0.10 | jq -e '.[0].dev == \"lc-a\"'"), 0);
	cr_assert_eq(run("test $(cat /proc/sys/net/ipv4/conf/lc-a/rp_filter) = 0"), 0);
	/* the host reaches both nodes over plain veths */
	cr_assert_eq(run("ping -c1 -W2 10.77.0.10"), 0);
	cr_assert_eq(run("ping -c1 -W2 10.77.0.2"), 0);
	cr_assert_eq(run("ip netns exec lc-a ping -c1 -W2 10.77.0.1"), 0, "node pings its gateway");

	cr_assert_eq(run_out(&out, "%s status lc --json", nsbpf()), 0);
	cr_log_info("%s", out);
	free(out);
	cr_assert_eq(run("%s status lc --json | jq -e '.labs[0].nodes | length == 2'", nsbpf()), 0);
	cr_assert_eq(run("%s status lc --json | jq -e '.labs[0].nodes[0] | .name == \"a\" and .netns == \"lc-a\" and .hostif == \"lc-a\" and .ip == \"10.77.0.10\" and .state == \"up\" and (.mac | test(\"^02:\"))'", nsbpf()), 0);
	cr_assert_eq(run("%s status | grep -E '^a +net +10.77.0.10/24 +lc-a +lc-a +02:[0-9a-f:]+ +up$'", nsbpf()), 0,
		     "aligned text table");
	cr_assert(host_untouched());

	cr_assert_eq(run("%s down lc", nsbpf()), 0);
	cr_assert(lab_gone("lc"));
	cr_assert_eq(run("%s down lc | grep -q 'not up'", nsbpf()), 0, "down twice is fine");
	cr_assert_eq(run("%s status lc", nsbpf()), 1, "status of a lab that is down fails");
}

Test(lifecycle, dry_run_creates_nothing)
{
	const char *f = lab_file("lc", two_nodes);

	cr_assert_eq(run("%s up --dry-run %s | grep -q 'node a: netns lc-a, veth lc-a <-> eth0 10.77.0.10/24'", nsbpf(), f), 0);
	cr_assert(lab_gone("lc"));
}

Test(lifecycle, invalid_topology_exits_2_and_creates_nothing)
{
	const char *f = lab_file("bad",
				 "name: bad\nnetworks:\n  net:\n    subnet: 10.78.0.0/24\n"
				 "nodes:\n  a:\n    network: nett\n");
	char *out = NULL;

	cr_assert_eq(run_out(&out, "%s up %s 2>&1", nsbpf(), f), 2);
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

	cr_assert_eq(run("%s up %s", nsbpf(), f), 0);
	cr_assert_eq(run("%s up %s | grep -q 'programs replaced in place'", nsbpf(), f), 0);
	cr_assert_eq(run("ping -c1 -W2 10.77.0.10"), 0);
	cr_assert_eq(run("%s down lc", nsbpf()), 0);
	cr_assert(lab_gone("lc"));
}

Test(lifecycle, exec_commands_run_in_order_and_down_stops_daemons)
{
	const char *f = lab_file("ex",
				 "name: ex\nnetworks:\n  net:\n    subnet: 10.79.0.0/24\n"
				 "nodes:\n  a:\n    network: net\n    exec:\n"
				 "      - echo one > /tmp/nsbpf-ex-$NSBPF_NODE\n"
				 "      - ip -4 -o addr show dev eth0 >> /tmp/nsbpf-ex-$NSBPF_NODE\n"
				 "      - sleep 1000 &\n");
	char *out = NULL;

	cr_assert_eq(run("%s up %s", nsbpf(), f), 0);
	cr_assert_eq(run_out(&out, "cat /tmp/nsbpf-ex-a"), 0);
	cr_assert(strncmp(out, "one\n", 4) == 0 && strstr(out, "10.79.0.2/24"),
		  "commands ran in order, inside the node: %s", out);
	free(out);
	run("rm -f /tmp/nsbpf-ex-a");
	cr_assert_eq(run("ip netns pids ex-a | grep -q ."), 0, "the daemon runs in the node");
	cr_assert_eq(run("%s down ex", nsbpf()), 0);
	cr_assert(lab_gone("ex"));
}

Test(lifecycle, failing_exec_rolls_back_everything)
{
	const char *f = lab_file("fx",
				 "name: fx\nnetworks:\n  net:\n    subnet: 10.80.0.0/24\n"
				 "nodes:\n  a:\n    network: net\n  b:\n    network: net\n"
				 "    exec:\n      - echo about to fail\n      - exit 3\n");
	char *out = NULL;

	cr_assert_eq(run_out(&out, "%s up %s 2>&1", nsbpf(), f), 1);
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
	cr_assert_eq(run("%s up %s", nsbpf(), f), 1);
	cr_assert_eq(run("ip -o link show nc-b | grep -q users-peer"), 0, "the user's interface stays");
	cr_assert_eq(run("ip link show nc-a"), 1, "what up created is gone");
	cr_assert_eq(run("test -e /run/netns/nc-a"), 1);
	cr_assert_eq(run("test -e /run/nsbpf/nc"), 1);
	run("ip link del nc-b");
	cr_assert(lab_gone("nc"));

	/* The same for a namespace of the user's that has a node's name. */
	cr_assert_eq(run("ip netns add nc-b"), 0);
	cr_assert_eq(run("%s up %s 2>&1 | grep -q 'a network namespace named nc-b already exists'", nsbpf(), f), 0);
	cr_assert_eq(run("ip netns list | grep -qE '^nc-b( |$)'"), 0, "the user's namespace stays");
	cr_assert_eq(run("test -e /run/netns/nc-a"), 1);
	run("ip netns del nc-b");
}

/* A lab of n nodes in one /24, written to the scratch dir: its path. */
static const char *many_nodes(const char *lab, const char *subnet, int nodes)
{
	char yaml[8192];
	size_t n;

	n = (size_t)snprintf(yaml, sizeof(yaml), "name: %s\nnetworks:\n  net:\n    subnet: %s\nnodes:\n",
			     lab, subnet);
	for (int i = 0; i < nodes; i++)
		n += (size_t)snprintf(yaml + n, sizeof(yaml) - n, "  n%d:\n    network: net\n", i);
	return lab_file(lab, yaml);
}

Test(lifecycle, down_after_a_killed_up)
{
	const char *f = many_nodes("kl", "10.82.0.0/24", 60);

	/* Kill up at several points; every time, down leaves nothing. */
	for (int delay_ms = 5; delay_ms <= 125; delay_ms += 40) {
		run("%s up %s >/dev/null 2>&1 & pid=$!; sleep 0.%03d; kill -9 $pid; wait $pid", nsbpf(),
		    f, delay_ms);
		cr_assert_eq(run("%s down kl", nsbpf()), 0);
		cr_assert(lab_gone("kl"), "after a kill at %d ms", delay_ms);
	}
	cr_assert_eq(run("%s down kl", nsbpf()), 0);
}

Test(lifecycle, interrupted_up_rolls_back_on_sigterm)
{
	const char *f = many_nodes("it", "10.83.0.0/24", 80);

	run("%s up %s >/dev/null 2>&1 & pid=$!; sleep 0.05; kill -TERM $pid; wait $pid", nsbpf(), f);
	/* Either it finished before the signal or it rolled back by itself. */
	if (!run("test -e /run/nsbpf/it/lab"))
		cr_assert_eq(run("%s down it", nsbpf()), 0);
	cr_assert(lab_gone("it"));
}

Test(lifecycle, exec_passes_stdio_and_exit_status)
{
	const char *f = lab_file("lc", two_nodes);
	char *out = NULL;

	cr_assert_eq(run("%s up %s", nsbpf(), f), 0);
	cr_assert_eq(run("%s exec lc a -- sh -c 'exit 7'", nsbpf()), 7);
	cr_assert_eq(run_out(&out, "echo hello | %s exec lc a -- cat", nsbpf()), 0);
	cr_assert_str_eq(out, "hello\n");
	free(out);
	cr_assert_eq(run_out(&out, "%s exec lc b ip -4 -o addr show dev eth0", nsbpf()), 0);
	cr_assert(strstr(out, "10.77.0.2/24"), "runs inside the node: %s", out);
	free(out);
	cr_assert_eq(run("%s exec lc nope -- true", nsbpf()), 2);
	cr_assert_eq(run("%s exec nolab a -- true", nsbpf()), 1);
	cr_assert_eq(run("%s down lc", nsbpf()), 0);
}

Test(lifecycle, cli_usage_errors)
{
	char *out = NULL;

	cr_assert_eq(run("%s --version | grep -qE '^nsbpf [0-9]+\\.[0-9]+'", nsbpf()), 0);
	cr_assert_eq(run("%s --help | grep -q 'usage: nsbpf'", nsbpf()), 0);
	cr_assert_eq(run("%s up --help | grep -q 'usage: nsbpf up FILE'", nsbpf()), 0);
	cr_assert_eq(run("%s frobnicate", nsbpf()), 2);
	cr_assert_eq(run("%s up", nsbpf()), 2);
	cr_assert_eq(run("%s down", nsbpf()), 2);
	cr_assert_eq(run("%s down Bad_Name", nsbpf()), 2);
	cr_assert_eq(run_out(&out, "%s up /nonexistent.yaml 2>&1", nsbpf()), 2);
	cr_assert(strstr(out, "nsbpf: /nonexistent.yaml"), "%s", out);
	free(out);
	cr_assert_eq(run("%s status --json | jq -e '.labs == []'", nsbpf()), 0);
}
