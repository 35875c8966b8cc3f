// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `up FILE` on a running lab converges it to the file: nodes, links,
 * routed prefixes and forwards added, removed and changed while a ping
 * between two nodes that did not change loses nothing; `--dry-run` prints
 * the difference; a converge that fails late rolls back to the lab as it
 * was; a forward added at run time stays, listed as runtime.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "harness.h"

TestSuite(converge, .init = harness_enter, .fini = harness_leave, .timeout = 240);

/* h9 lies behind r1 over a link, in the routed prefix 10.83.9.0/24. */
static const char v1[] = "name: conv\n"
			 "networks:\n"
			 "  core:\n"
			 "    subnet: 10.83.0.0/24\n"
			 "    masquerade: true\n"
			 "    routes:\n"
			 "      - {to: 10.83.9.0/24, via: r1}\n"
			 "nodes:\n"
			 "  h1: {network: core, ip: 10.83.0.10}\n"
			 "  h2: {network: core, ip: 10.83.0.11}\n"
			 "  h3: {network: core, ip: 10.83.0.12}\n"
			 "  r1: {network: core, ip: 10.83.0.2, forwarding: true}\n"
			 "  gone: {network: core, ip: 10.83.0.20}\n"
			 "  h9:\n"
			 "    routes: [{to: default, via: 10.83.9.1}]\n"
			 "links:\n"
			 "  - {endpoints: [r1, h9], subnet: 10.83.9.0/30}\n"
			 "forwards:\n"
			 "  - {proto: tcp, port: 7001, to: gone:80}\n";

/*
 * h3 readdressed, gone and h9 removed, new and h8 (behind r1, another
 * prefix) added, a network side with s1.
 */
static const char v2[] = "name: conv\n"
			 "networks:\n"
			 "  core:\n"
			 "    subnet: 10.83.0.0/24\n"
			 "    masquerade: true\n"
			 "    routes:\n"
			 "      - {to: 10.83.8.0/24, via: r1}\n"
			 "  side: {subnet: 10.84.0.0/24}\n"
			 "nodes:\n"
			 "  s1: {network: side, ip: 10.84.0.5}\n"
			 "  h1: {network: core, ip: 10.83.0.10}\n"
			 "  h2: {network: core, ip: 10.83.0.11}\n"
			 "  h3: {network: core, ip: 10.83.0.13}\n"
			 "  r1: {network: core, ip: 10.83.0.2, forwarding: true}\n"
			 "  new: {network: core, ip: 10.83.0.21}\n"
			 "  h8:\n"
			 "    routes: [{to: default, via: 10.83.8.1}]\n"
			 "links:\n"
			 "  - {endpoints: [r1, h8], subnet: 10.83.8.0/30}\n"
			 "forwards:\n"
			 "  - {proto: tcp, port: 7002, to: new:80}\n";

/* v with s replaced by r (once), malloc'd. */
static char *but(const char *v, const char *s, const char *r)
{
	const char *at = strstr(v, s);
	char *out = NULL;

	cr_assert(at && asprintf(&out, "%.*s%s%s", (int)(at - v), v, r, at + strlen(s)) > 0);
	return out;
}

static const char diff_v1_v2[] =
	"lab conv is up: 13 changes to converge (dry run, nothing changed)\n"
	"+ network side\n"
	"~ node h3: ip 10.83.0.12 -> 10.83.0.13\n"
	"- node gone\n"
	"- node h9\n"
	"+ node s1\n"
	"+ node new\n"
	"+ node h8\n"
	"- link r1:eth1 - h9:eth0\n"
	"+ link r1:eth1 - h8:eth0\n"
	"- route 10.83.9.0/24\n"
	"+ route 10.83.8.0/24: via r1 in core\n"
	"- forward tcp 7001\n"
	"+ forward tcp 7002\n";

/* A ping of h2 from h1 in the background: 100 in 5 s, into ping.log. */
static void ping_start(void)
{
	cr_assert_eq(bg("ping.log", "ip netns exec conv-h1 ping -n -c 100 -i 0.05 -W 1 10.83.0.11"),
		     0);
	cr_assert(wait_for(2000, "grep -q 'icmp_seq=3 ' %s/ping.log", scratch_dir()),
		  "the ping runs");
}

/* It ended, every echo answered. */
static void ping_lost_nothing(void)
{
	cr_assert(wait_for(10000, "grep -q 'packet loss' %s/ping.log", scratch_dir()));
	cr_assert_eq(run("grep -q ' 100 received, 0%% packet loss' %s/ping.log", scratch_dir()), 0,
		     "the ping between unchanged nodes lost nothing");
}

static bool pings(const char *netns, const char *ip)
{
	return !in_ns(netns, "ping -c1 -W2 %s >/dev/null", ip);
}

Test(converge, adds_removes_and_changes_while_a_ping_loses_nothing)
{
	char *f1, *f2, *out = NULL, args[512];

	world_up();
	f1 = strdup(lab_file("v1", v1));
	f2 = strdup(lab_file("v2", v2));
	cr_assert_eq(nsbpf_run("up %s", f1), 0);
	cr_assert(pings("conv-h1", "10.83.9.2"), "h9 behind r1");
	cr_assert_eq(nsbpf_run("forward add conv tcp 7100 h2:80"), 0);
	cr_assert_eq(nsbpf_run("forward add conv tcp 7101 h3:80"), 0);

	/* the dry run: the difference, exactly, and nothing changed */
	cr_assert_eq(nsbpf_out(&out, "up --dry-run %s", f2), 0);
	cr_assert_str_eq(out, diff_v1_v2);
	free(out);
	snprintf(args, sizeof(args), "up --dry-run %s", f2);
	cr_assert(nsbpf_json(args,
			     ".result == \"planned\" and (.changes | length == 13) and "
			     ".changes[1] == {\"change\": \"change\", \"kind\": \"node\", "
			     "\"name\": \"h3\", \"detail\": \"ip 10.83.0.12 -> 10.83.0.13\"}"),
		  "under -j");
	cr_assert(nsbpf_json("status conv", "[.labs[0].nodes[].name] == "
					    "[\"h1\", \"h2\", \"h3\", \"r1\", \"gone\", \"h9\"]"));

	ping_start();
	cr_assert_eq(nsbpf_out(&out, "up %s", f2), 0);
	cr_assert(strstr(out, "converged, 13 changes"), "%s", out);
	free(out);
	ping_lost_nothing();

	cr_assert(nsbpf_json(
		"status conv",
		"[.labs[0].nodes[] | [.name, .ip]] == [[\"s1\", \"10.84.0.5\"], "
		"[\"h1\", \"10.83.0.10\"], "
		"[\"h2\", \"10.83.0.11\"], [\"h3\", \"10.83.0.13\"], "
		"[\"r1\", \"10.83.0.2\"], [\"new\", \"10.83.0.21\"], [\"h8\", null]] and "
		"[.labs[0].networks[].name] == [\"core\", \"side\"] and "
		".labs[0].routes == [{\"network\": \"core\", \"to\": \"10.83.8.0/24\", "
		"\"via\": \"r1\"}] and (.labs[0].file | endswith(\"v2.yaml\"))"));
	cr_assert_neq(run("ip netns list | grep -qw conv-gone"), 0, "gone's namespace went");
	cr_assert_neq(run("ip link show conv-gone 2>/dev/null"), 0, "and its host end");
	cr_assert(pings("conv-h1", "10.83.0.21"), "the new node");
	cr_assert(pings(NULL, "10.84.0.5"), "the node of the new network, from the host");
	cr_assert(pings("conv-h1", "10.83.0.13"), "h3 at its new address");
	cr_assert(pings("conv-h1", "10.83.8.2"), "h8 behind r1, over the new link");
	cr_assert(!pings("conv-h1", "10.83.9.2"), "h9 is gone");
	cr_assert(json_true("ip -j route show 10.83.8.0/24", ".[0].gateway == \"10.83.0.2\""));
	cr_assert(json_true("ip -j route show 10.83.9.0/24", "length == 0"));
	cr_assert(
		nsbpf_json("forward list conv",
			   "[.labs[0].forwards[] | [.port, .node, .node_ip, .origin]] == "
			   "[[7002, \"new\", \"10.83.0.21\", \"file\"], "
			   "[7100, \"h2\", \"10.83.0.11\", \"runtime\"], "
			   "[7101, \"h3\", \"10.83.0.13\", \"runtime\"]]"),
		"the file's forward follows the file, the runtime ones stay, h3's at its new address");
	cr_assert_eq(nsbpf_out(&out, "forward list conv"), 0);
	cr_assert(strstr(out, "tcp 7100 -> h2:80 (runtime)"), "%s", out);
	free(out);
	cr_assert_eq(nsbpf_out(&out, "up --dry-run %s", f2), 0);
	cr_assert_str_eq(out, "lab conv is up: 0 changes to converge (dry run, nothing changed)\n",
			 "the lab runs v2 now");
	free(out);
	lab_down_ok("conv");
	free(f1);
	free(f2);
}

/* Three networks; the first goes (v4) and comes back (v3 again). */
static const char v3[] = "name: ids\n"
			 "networks:\n"
			 "  first: {subnet: 10.85.0.0/24}\n"
			 "  core: {subnet: 10.86.0.0/24}\n"
			 "  third: {subnet: 10.87.0.0/24, reach: [core]}\n"
			 "nodes:\n"
			 "  f1: {network: first, ip: 10.85.0.10}\n"
			 "  c1: {network: core, ip: 10.86.0.10}\n"
			 "  c2: {network: core, ip: 10.86.0.11}\n"
			 "  t1: {network: third, ip: 10.87.0.10}\n";

/* The endpoints' network ids, as [[addr, net_id]...] sorted, in jq. */
#define EP_IDS "[.maps[0].entries[] | [.key.addr, .value.net_id]] | sort"

/*
 * A network removed before others leaves them their ids: the unchanged
 * nodes' endpoints are not rewritten to another network's id (a packet
 * between two of them, seen in between, would be another network's), the
 * slot stays a hole the subnets' scan walks past, and a network added later
 * takes it.
 */
Test(converge, a_removed_network_leaves_the_others_their_ids)
{
	char *f3, *f4;

	f3 = strdup(lab_file("v3", v3));
	f4 = but(v3, "  first: {subnet: 10.85.0.0/24}\n", "");
	f4 = but(f4, "  f1: {network: first, ip: 10.85.0.10}\n", "");
	f4 = strdup(lab_file("v4", f4));
	cr_assert_eq(nsbpf_run("up %s", f3), 0);
	cr_assert(nsbpf_json("map dump ids endpoints",
			     EP_IDS " == [[\"10.85.0.10\", 0], [\"10.86.0.10\", 1], "
				    "[\"10.86.0.11\", 1], [\"10.87.0.10\", 2]]"));
	cr_assert_eq(bg("ping.log", "ip netns exec ids-c1 ping -n -c 100 -i 0.05 -W 1 10.86.0.11"),
		     0);
	cr_assert(wait_for(2000, "grep -q 'icmp_seq=3 ' %s/ping.log", scratch_dir()));
	cr_assert_eq(nsbpf_run("up %s", f4), 0);
	ping_lost_nothing();
	cr_assert(nsbpf_json("map dump ids endpoints",
			     EP_IDS " == [[\"10.86.0.10\", 1], [\"10.86.0.11\", 1], "
				    "[\"10.87.0.10\", 2]]"),
		  "core and third keep ids 1 and 2");
	cr_assert(nsbpf_json("map dump ids networks",
			     "[.maps[0].entries[] | [.key.id, .value.flags]] == "
			     "[[0, [\"hole\"]], [1, [\"used\"]], [2, [\"used\"]]]"),
		  "slot 0 a hole");
	cr_assert(pings("ids-c1", "10.86.0.11"), "core, past the hole");
	cr_assert(pings("ids-t1", "10.86.0.10"), "third reaches core");
	cr_assert(pings(NULL, "10.86.0.1") && pings("ids-t1", "10.87.0.1"), "the gateways");
	/* first comes back: into the hole, the others as they were */
	cr_assert_eq(nsbpf_run("up %s", f3), 0);
	cr_assert(nsbpf_json("map dump ids endpoints",
			     EP_IDS " == [[\"10.85.0.10\", 0], [\"10.86.0.10\", 1], "
				    "[\"10.86.0.11\", 1], [\"10.87.0.10\", 2]]"));
	cr_assert(!pings("ids-f1", "10.86.0.10"), "first reaches nobody, as in the file");
	cr_assert(pings("ids-c1", "10.87.0.10"), "core reaches third");
	lab_down_ok("ids");
	free(f3);
	free(f4);
}

Test(converge, a_failed_converge_rolls_back_to_the_lab_as_it_was)
{
	/* v2's changes, and a node whose exec command fails: the converge fails last */
	char *v2b = but(v2, "to: new:80", "to: h2:80");
	char *v3 = but(v2b, "new: {network: core, ip: 10.83.0.21}",
		       "bad: {network: core, ip: 10.83.0.22, exec: [\"false\"]}");
	char *f1, *f3, *before = NULL, *after = NULL, args[512];
	const char *shape = "[.labs[0].nodes[] | [.name, .ip, .state]], .labs[0].routes, "
			    "[.labs[0].forwards[] | [.port, .node]], .labs[0].file";

	world_up();
	f1 = strdup(lab_file("v1", v1));
	f3 = strdup(lab_file("v3", v3));
	cr_assert_eq(nsbpf_run("up %s", f1), 0);
	cr_assert_eq(nsbpf_out(&before, "status conv -j | jq -c '%s'", shape), 0);

	ping_start();
	nsbpf_says(1, "rolling back to the lab as it was", "up %s", f3);
	ping_lost_nothing();

	cr_assert_eq(nsbpf_out(&after, "status conv -j | jq -c '%s'", shape), 0);
	cr_assert_str_eq(after, before, "status is as before");
	cr_assert_eq(run("ip netns list | grep -qw conv-gone"), 0, "gone is back");
	cr_assert_neq(run("ip netns list | grep -qw conv-bad"), 0, "bad is not there");
	cr_assert(pings("conv-h1", "10.83.0.12"), "h3 at its old address");
	cr_assert(pings("conv-h1", "10.83.0.20"), "gone answers");
	cr_assert(pings("conv-h1", "10.83.9.2"), "h9 behind r1 again");
	cr_assert(json_true("ip -j route show 10.83.8.0/24", "length == 0"));
	snprintf(args, sizeof(args), "up --dry-run %s", f1);
	cr_assert(nsbpf_json(args, ".changes == []"), "the lab runs v1");
	lab_down_ok("conv");
	free(before);
	free(after);
	free(f1);
	free(f3);
	free(v3);
	free(v2b);
}

Test(converge, down_after_a_killed_converge)
{
	char *f1 = strdup(lab_file("v1", v1)), *f2 = strdup(lab_file("v2", v2));
	const char *const up[] = { nsbpf(), "up", f2, NULL };

	world_up();
	/* killed at several points: up refuses a lab left half converged, down removes it all */
	for (int delay_ms = 20; delay_ms <= 420; delay_ms += 200) {
		cr_assert_eq(nsbpf_run("up %s", f1), 0);
		nsbpf_killed_after(delay_ms, SIGKILL, up);
		if (!run("test -e /run/nsbpf/conv/converge")) {
			cr_log_info("killed halfway at %d ms", delay_ms);
			nsbpf_says(1, "partly converged", "up %s", f1);
		}
		cr_assert_eq(nsbpf_run("down conv"), 0);
		cr_assert(lab_gone("conv"), "after a kill at %d ms", delay_ms);
	}
	free(f1);
	free(f2);
}
