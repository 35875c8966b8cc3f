// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The router demo, labs/routers.yaml as scripts/demo.sh brings it up: two
 * routers run BIRD 2 and learn each other's stub network over OSPF on the
 * link between them; h1 (behind r1) reaches h2 (behind r2) over that link,
 * both reach the world masqueraded, and down leaves no bird running.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "harness.h"

TestSuite(demo, .init = harness_enter, .fini = harness_leave, .timeout = 180);

#define BIRD_CTL "/run/nsbpf/routers/bird-%s.ctl"

/* Within 30 s, bird in router R has from OSPF the route to PREFIX via GW. */
static bool learned(const char *r, const char *prefix, const char *gw)
{
	return wait_for(30000,
			"birdc -s " BIRD_CTL
			" show route %s protocol ospf1 | grep -q 'via %s on peer'",
			r, prefix, gw);
}

/* The pid of router R's bird, from its pid file; asserted to live in R's netns. */
static long bird_pid(const char *r)
{
	char *out = NULL;
	long pid;

	cr_assert_eq(run_out(&out, "cat /run/nsbpf/routers/bird-%s.pid", r), 0);
	pid = strtol(out, NULL, 10);
	free(out);
	cr_assert_gt(pid, 1);
	cr_assert_eq(run("test \"$(stat -Lc %%i /proc/%ld/ns/net)\" = "
			 "\"$(stat -Lc %%i /run/netns/routers-%s)\"",
			 pid, r),
		     0, "bird of %s runs in its node", r);
	return pid;
}

/* PID is gone, or a zombie its new parent has not reaped yet. */
static bool pid_dead(long pid)
{
	return !run("! ps -o stat= -p %ld | grep -q '^[^Z]'", pid);
}

Test(demo, two_bird_routers_learn_each_others_stub_and_their_nodes_reach_all)
{
	const char *lab = script_path("../../../labs/routers.yaml");
	const char *d = scratch_dir();
	char *out = NULL;
	long pid1, pid2;

	if (run("command -v bird >/dev/null && command -v birdc >/dev/null"))
		cr_skip_test("bird is not installed (Debian's bird2; scripts/install-deps.sh)");
	world_up();
	cr_assert_eq(nsbpf_run("up %s", lab), 0);
	cr_assert(learned("r1", "10.70.2.0/24", "10.70.12.2"), "r1 learns r2's stub from OSPF");
	cr_assert(learned("r2", "10.70.1.0/24", "10.70.12.1"), "r2 learns r1's stub");
	cr_assert(json_true("ip -n routers-r1 -j route show 10.70.2.0/24",
			    ".[0].gateway == \"10.70.12.2\" and .[0].dev == \"peer\" and "
			    ".[0].protocol == \"bird\""),
		  "bird put it into r1's kernel table");

	/* h1 -> h2 by their own addresses; the second hop is r2's end of the link */
	cr_assert_eq(in_ns("routers-h1", "ping -c2 -i0.2 -W2 10.70.2.2"), 0);
	cr_assert_eq(in_ns("routers-h2", "ping -c2 -i0.2 -W2 10.70.1.2"), 0);
	cr_assert_eq(in_ns_out(&out, "routers-h1", "traceroute -n -q1 -w2 10.70.2.2"), 0);
	cr_assert(strstr(out, "\n 2  10.70.12.2 ") && strstr(out, "\n 3  10.70.2.2 "),
		  "h1 -> r1 -> (link) r2 -> h2:\n%s", out);
	free(out);

	/* both out to the world, masqueraded: it sees the uplink address */
	cr_assert_eq(run("mkdir -p %s/www && echo from-world > %s/www/index.html", d, d), 0);
	serve("world", "t", 8000, "http.log",
	      "python3 -m http.server 8000 --bind 192.0.2.2 --directory %s/www", d);
	expect_fetch("routers-h1", "http://192.0.2.2:8000/", "from-world\n");
	expect_fetch("routers-h2", "http://192.0.2.2:8000/", "from-world\n");
	cr_assert_eq(run("test $(grep -c '^192.0.2.1 - .*GET / ' %s/http.log) = 2", d), 0,
		     "the world sees the uplink address, twice");
	for (int i = 1; i <= 2; i++)
		cr_assert(nsbpf_json(
				  "nat list routers",
				  ".flows[] | select(.kind == \"masquerade\" and .proto == \"tcp\" "
				  "and .node.ip == \"10.70.%d.2\" and .nat.ip == \"192.0.2.1\")",
				  i),
			  "h%d's flow masqueraded", i);

	pid1 = bird_pid("r1");
	pid2 = bird_pid("r2");
	cr_assert(host_untouched());
	lab_down_ok("routers");
	cr_assert(pid_dead(pid1) && pid_dead(pid2), "down stopped both birds (%ld, %ld)", pid1,
		  pid2);
}
