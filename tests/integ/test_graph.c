// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `nsbpf graph LAB` draws the running lab as it is now (masquerade after
 * nat off, forwards after forward add), and the bash completion names the
 * lab, its nodes and its networks.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "harness.h"

TestSuite(graph, .init = harness_enter, .fini = harness_leave, .timeout = 120);

static const char shop[] = "name: shop\n"
			   "networks:\n"
			   "  front: {subnet: 10.61.0.0/24, masquerade: true, reach: [back]}\n"
			   "  back: {subnet: 10.62.0.0/24}\n"
			   "  mgmt: {subnet: 10.63.0.0/24}\n"
			   "nodes:\n"
			   "  web: {network: front}\n"
			   "  db: {network: back, ip: 10.62.0.10}\n"
			   "  admin: {network: mgmt}\n"
			   "forwards:\n"
			   "  - {proto: tcp, port: 8080, to: web:80}\n";

/* `nsbpf graph ARGS` prints a line containing WANT (or, want false, none). */
static bool graph_has(const char *args, const char *want)
{
	char *out = NULL;
	bool has;

	cr_assert_eq(nsbpf_out(&out, "graph %s", args), 0, "nsbpf graph %s", args);
	has = out && strstr(out, want);
	if (!has)
		cr_log_info("nsbpf graph %s:\n%s", args, out ? out : "");
	free(out);
	return has;
}

Test(graph, a_running_lab_as_it_is_now)
{
	world_up();
	lab_up_ok("shop", shop);
	cr_assert(graph_has("shop", "  subgraph net1[\"back 10.62.0.0/24<br/>gateway 10.62.0.1\"]\n"
				    "    node1[\"db<br/>10.62.0.10\"]\n"));
	cr_assert(graph_has("shop", "<br/>isolated\"]\n    node2[\"admin<br/>10.63.0.2\"]"));
	cr_assert(graph_has("shop", "  net0 <-->|\"reach\"| net1\n"));
	cr_assert(graph_has("shop", "  uplink([\"uplink up0\"])\n"
				    "  net0 -->|\"masquerade\"| uplink\n"));
	cr_assert(graph_has("shop", "  uplink -->|\"tcp 8080 -> 80\"| node0\n"));

	/* run-time changes show: masquerade off, one more forward */
	cr_assert_eq(nsbpf_run("nat off shop front"), 0);
	cr_assert_eq(nsbpf_run("forward add shop udp 127.0.0.1:5353 db:53"), 0);
	cr_assert(!graph_has("shop", "masquerade"), "masquerade as it is now: off");
	cr_assert(graph_has("shop", "  uplink -->|\"udp 127.0.0.1:5353 -> 53\"| node1\n"));
	cr_assert(nsbpf_json("graph shop --format dot",
			     ".lab == \"shop\" and .source == \"lab\" and .format == \"dot\" and "
			     "(.graph | startswith(\"digraph \\\"shop\\\" {\"))"));
	if (run("command -v dot >/dev/null") == 0)
		cr_assert_eq(nsbpf_run("graph shop --format dot | dot -Tsvg -o /dev/null"), 0,
			     "graphviz reads the lab's dot text");
	/* a name no lab has and no file has */
	nsbpf_says(1, "no lab of that name is up and no such file", "graph nolab");

	/* the completion names the lab, its nodes and networks */
	cr_assert_eq(run("LAB=shop NODES='web db admin' NETWORKS='front back mgmt' %s",
			 script_path("../../docs/completion.sh")),
		     0);
	lab_down_ok("shop");
}
