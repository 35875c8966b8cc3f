// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Port forwards, the tutorial scenario: two nodes serve HTTP on 8080, the
 * lab publishes them on 6000 and 6001; clients in the world, the host itself
 * and the nodes (hairpin) reach them. No iptables rule throughout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "harness.h"

TestSuite(forward, .init = harness_enter, .fini = harness_leave, .timeout = 240);

static const char planets[] =
	"name: planets\n"
	"networks:\n"
	"  planet:\n"
	"    subnet: 10.10.0.0/16\n"
	"nodes:\n"
	"  earth:\n"
	"    network: planet\n"
	"    ip: 10.10.0.10\n"
	"    exec:\n"
	"      - mkdir -p /tmp/www-earth && echo page-of-earth > /tmp/www-earth/index.html\n"
	"      - python3 -m http.server 8080 --directory /tmp/www-earth >/dev/null 2>&1 &\n"
	"  neptune:\n"
	"    network: planet\n"
	"    ip: 10.10.0.11\n"
	"    exec:\n"
	"      - mkdir -p /tmp/www-neptune && echo page-of-neptune > /tmp/www-neptune/index.html\n"
	"      - python3 -m http.server 8080 --directory /tmp/www-neptune >/dev/null 2>&1 &\n"
	"      - socat UDP4-RECVFROM:7,fork EXEC:/bin/cat >/dev/null 2>&1 &\n"
	"forwards:\n"
	"  - {proto: tcp, port: 6000, to: earth:8080}\n"
	"  - {proto: tcp, port: 6001, to: neptune:8080}\n";

/* Program ids of the lab's cgroup hooks, to check that down unloads them. */
static char *cg_progs;

static void up(void)
{
	world_up();
	lab_up_ok("planets", planets);
	cr_assert_eq(script_out(&cg_progs, "cgroup-progs.sh planets"), 0);
	/* connect, sendmsg, recvmsg and getpeername for IPv4 and IPv6 */
	cr_assert_eq(run("test $(echo %s | wc -w) -eq 8", cg_progs), 0, "eight hooks: %s",
		     cg_progs);
	cr_assert_eq(wait_listen("planets-earth", "t", 8080), 0);
	cr_assert_eq(wait_listen("planets-neptune", "t", 8080), 0);
}

static void down(void)
{
	cr_assert(host_untouched());
	lab_down_ok("planets");
	cr_assert_eq(script("progs-gone.sh %s", cg_progs), 0,
		     "the cgroup hooks (programs %s) are gone", cg_progs);
	free(cg_progs);
	cg_progs = NULL;
}

/* The forward of planets on PORT: a jq condition on its entry in `forward list`. */
static bool forward_is(int port, const char *cond)
{
	return nsbpf_json("forward list planets", ".labs[0].forwards[] | select(.port == %d) | %s",
			  port, cond);
}

/* LAB has N forwards. */
static bool forwards_are(const char *lab, int n)
{
	char args[64];

	snprintf(args, sizeof(args), "forward list %s", lab);
	return nsbpf_json(args, ".labs[0].forwards | length == %d", n);
}

Test(forward, world_host_and_nodes_reach_the_published_servers)
{
	up();
	/* from outside, through the uplink */
	expect_fetch("world", "http://192.0.2.1:6000/", "page-of-earth\n");
	expect_fetch("world", "http://192.0.2.1:6001/", "page-of-neptune\n");
	/* from the host itself, translated at the socket */
	expect_fetch(NULL, "http://127.0.0.1:6000/", "page-of-earth\n");
	expect_fetch(NULL, "http://192.0.2.1:6001/", "page-of-neptune\n");
	/* hairpin: a node through the uplink address or its gateway, also to itself */
	expect_fetch("planets-earth", "http://192.0.2.1:6001/", "page-of-neptune\n");
	expect_fetch("planets-earth", "http://10.10.0.1:6000/", "page-of-earth\n");
	expect_fetch("planets-neptune", "http://10.10.0.1:6000/", "page-of-earth\n");
	/* hits are counted per forward */
	cr_assert(forward_is(6000, "select(.node == \"earth\" and .to_port == 8080) | .hits >= 2"));
	cr_assert_eq(nsbpf_run("status planets | grep -q 'tcp 6001 -> neptune:8080'"), 0,
		     "status shows forwards");
	/* the flows: forwarded ones leave as uplink:6000, hairpin ones carry their target */
	cr_assert(
		nsbpf_json("nat list planets",
			   "[.flows[] | select(.kind == \"forward\" and .node.ip == \"10.10.0.10\" "
			   "and .node.port == 8080 and .nat.ip == \"192.0.2.1\" "
			   "and .nat.port == 6000)] | length >= 1"));
	cr_assert(nsbpf_json(
		"nat list planets",
		"[.flows[] | select(.kind == \"hairpin\" and .dnat != null)] | length >= 2"));
	cr_assert_gt(stat_path("planets", "dnat"), 0);
	cr_assert_gt(stat_path("planets", "rev_dnat"), 0);
	cr_assert_gt(stat_path("planets", "hairpin"), 0);
	down();
}

Test(forward, nothing_else_gets_in_from_the_uplink)
{
	up();
	cr_assert_neq(fetch("world", 2, "http://192.0.2.1:6002/", NULL), 0, "a port not forwarded");
	/* even a world that routes the lab's subnet to us gets nothing in */
	cr_assert_eq(run("ip -n world route add 10.10.0.0/16 via 192.0.2.1"), 0);
	cr_assert_neq(fetch("world", 2, "http://10.10.0.10:8080/", NULL), 0);
	cr_assert_neq(in_ns("world", "ping -c1 -W1 10.10.0.10"), 0);
	cr_assert_gt(stat_drop("planets", "inbound"), 0, "dropped and counted");
	/* the hooks act in the lab's host netns only: the world's loopback is its own */
	cr_assert_neq(fetch("world", 2, "http://127.0.0.1:6000/", NULL), 0);
	down();
}

Test(forward, udp_echo_forward_from_world_and_host)
{
	char *out = NULL;

	up();
	cr_assert_eq(wait_listen("planets-neptune", "u", 7), 0);
	cr_assert_eq(nsbpf_run("forward add planets udp 5353 neptune:7"), 0);
	cr_assert_eq(run_out(&out, "echo from-world | "
				   "ip netns exec world socat -t 2 - UDP4:192.0.2.1:5353"),
		     0);
	cr_assert_str_eq(out, "from-world\n");
	free(out);
	cr_assert_eq(run_out(&out, "echo from-host | socat -t 2 - UDP4:127.0.0.1:5353"), 0);
	cr_assert_str_eq(out, "from-host\n",
			 "recvmsg gives the address asked for, so socat accepts it");
	free(out);
	down();
}

Test(forward, del_stops_a_forward_and_add_brings_it_back)
{
	up();
	expect_fetch("world", "http://192.0.2.1:6000/", "page-of-earth\n");
	cr_assert_eq(nsbpf_run("forward del planets tcp 6000"), 0);
	cr_assert_neq(fetch("world", 2, "http://192.0.2.1:6000/", NULL), 0);
	cr_assert_neq(fetch(NULL, 2, "http://127.0.0.1:6000/", NULL), 0);
	cr_assert_eq(nsbpf_run("forward del planets tcp 6000"), 1, "gone already");
	cr_assert_eq(nsbpf_run("forward add planets tcp 6000 neptune:8080"), 0);
	expect_fetch("world", "http://192.0.2.1:6000/", "page-of-neptune\n");
	/* runtime forwards survive a re-up; the file's come back where free */
	lab_up_ok("planets", planets);
	expect_fetch("world", "http://192.0.2.1:6000/", "page-of-neptune\n");
	expect_fetch("world", "http://192.0.2.1:6001/", "page-of-neptune\n");
	down();
}

Test(forward, conflicts_change_nothing)
{
	up();
	nsbpf_says(1, "exists already", "forward add planets tcp 6000 neptune:8080");
	nsbpf_says(1, "overlaps the forward tcp 6000 -> earth:8080",
		   "forward add planets tcp 5990-6005 neptune:5990-6005");
	cr_assert_eq(nsbpf_run("forward add planets tcp 7000 venus:80"), 2, "no such node");
	cr_assert_eq(nsbpf_run("forward add planets tcp 7000-7002 earth:80-81"), 2,
		     "unequal ranges");
	cr_assert_eq(nsbpf_run("forward add planets tcp 62000 earth:80"), 1, "masquerade range");
	/* a port the host listens on */
	serve(NULL, "t", 7100, "listener.log", "socat TCP4-LISTEN:7100,reuseaddr SYSTEM:true");
	nsbpf_says(1, "already listens on port 7100", "forward add planets tcp 7100 earth:8080");
	cr_assert_eq(nsbpf_run("forward add planets tcp 7100 earth:8080 --force"), 0);
	cr_assert(forwards_are("planets", 3), "only the forced one was added");
	/* two concurrent adds of one port: exactly one wins */
	cr_assert_eq(run("(%1$s forward add planets tcp 7200 earth:8080 & "
			 "%1$s forward add planets tcp 7200 neptune:8080 & wait) 2>&1 | "
			 "grep -c 'forward tcp 7200 -> .* added' | grep -qx 1",
			 nsbpf()),
		     0);
	cr_assert(nsbpf_json("forward list planets",
			     "[.labs[0].forwards[] | select(.port == 7200)] | length == 1"));
	down();
}

Test(forward, a_forward_on_a_host_address_answers_only_there)
{
	up();
	cr_assert_eq(nsbpf_run("forward add planets tcp 127.0.0.1:6100 neptune:8080"), 0);
	expect_fetch(NULL, "http://127.0.0.1:6100/", "page-of-neptune\n");
	cr_assert_neq(fetch(NULL, 2, "http://192.0.2.1:6100/", NULL), 0,
		      "not on the uplink address");
	cr_assert_neq(fetch("world", 2, "http://192.0.2.1:6100/", NULL), 0, "not from outside");
	cr_assert(forward_is(6100, ".host == \"127.0.0.1\""));
	down();
}

/* The scratch file NAME: one forward to earth:8080 per port FIRST to LAST. */
static void many_forwards(const char *name, int first, int last)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", scratch_dir(), name);
	f = fopen(path, "w");
	cr_assert(f, "%s", path);
	for (int p = first; p <= last; p++)
		fprintf(f, "tcp %d earth:8080\n", p);
	cr_assert_eq(fclose(f), 0);
}

Test(forward, ten_thousand_forwards_from_a_file)
{
	const char *d = scratch_dir();

	up();
	many_forwards("many", 20000, 29999);
	cr_assert_eq(nsbpf_run("forward add planets --file %s/many", d), 0);
	cr_assert(forwards_are("planets", 10002));
	expect_fetch("world", "http://192.0.2.1:25000/", "page-of-earth\n");
	/* a file with one bad line adds nothing */
	cr_assert_eq(run("printf 'tcp 30000 earth:8080\\ntcp 30001 pluto:80\\n' > %s/bad", d), 0);
	nsbpf_says(-1, "bad:2: lab planets has no node \"pluto\"",
		   "forward add planets --file %s/bad", d);
	cr_assert(forwards_are("planets", 10002));
	down();
}

/* `nsbpf ARGS up FILE` of lab hp exits 2 and says WANT. */
static void up_refused(const char *opts, const char *yaml, const char *want)
{
	char *out = NULL;

	cr_assert_eq(nsbpf_out(&out, "up %s %s 2>&1", opts, lab_file("hp", yaml)), 2);
	cr_assert(strstr(out, want), "%s", out);
	free(out);
}

Test(forward, the_files_forwards_are_checked_against_the_host_like_forward_add)
{
	const char *lab = "name: hp\nnetworks:\n  n:\n    subnet: 10.10.0.0/16\n"
			  "nodes:\n  a: {network: n}\nforwards:\n";
	char yaml[512];

	world_up();
	/* a port the host listens on: refused where the file says it, unless --force */
	serve(NULL, "t", 7100, "listener.log", "socat TCP4-LISTEN:7100,reuseaddr SYSTEM:true");
	snprintf(yaml, sizeof(yaml),
		 "%s  - {proto: tcp, port: 6000, to: a:80}\n"
		 "  - {proto: tcp, port: 7100, to: a:80}\n",
		 lab);
	up_refused("", yaml,
		   "hp.yaml:9:24: forward 2: tcp 7100 -> a:80: the host already "
		   "listens on port 7100 (--force to forward it anyway)");
	cr_assert(lab_gone("hp"), "nothing was created");
	cr_assert_eq(nsbpf_run("up --force %s", lab_file("hp", yaml)), 0);
	cr_assert(nsbpf_json("forward list hp", "[.labs[0].forwards[].port] == [6000, 7100]"));
	/* ports of the host's ephemeral range: refused at run time too, --force or not */
	nsbpf_says(
		1,
		"udp 40000 -> a:53: port 40000 is in the host's ephemeral port range 32768-60999 "
		"(net.ipv4.ip_local_port_range)",
		"forward add hp udp 40000 a:53 --force");
	nsbpf_says(1, "192.0.2.99 is not an address of this host",
		   "forward add hp tcp 192.0.2.99:6100 a:80");
	/* unless the host's admin reserved them */
	cr_assert_eq(run("sysctl -qw net.ipv4.ip_local_reserved_ports=40000-40001"), 0);
	cr_assert_eq(nsbpf_run("forward add hp udp 40000-40001 a:53-54"), 0);
	nsbpf_says(-1, "port 40002 is in", "forward add hp tcp 40002 a:80");
	/* the host netns's own range counts, as /proc/sys says it */
	cr_assert_eq(run("sysctl -qw net.ipv4.ip_local_port_range='20000 29999'"), 0);
	cr_assert_eq(nsbpf_run("forward add hp tcp 40002 a:80"), 0);
	nsbpf_says(-1, "range 20000-29999", "forward add hp tcp 25000 a:80");
	lab_down_ok("hp");
	/* and up refuses a file forward there, at its position */
	snprintf(yaml, sizeof(yaml), "%s  - {proto: udp, port: 25000-25001, to: a:53-54}\n", lab);
	up_refused("--force", yaml,
		   "hp.yaml:8:24: forward 1: udp 25000-25001 -> a:53-54: "
		   "port 25000 is in the host's ephemeral port range 20000-29999");
	cr_assert(lab_gone("hp"));
	cr_assert(host_untouched());
}

/* Has planets a flow that meets COND (a jq condition over `nat list`'s flows)? */
static bool flows_are(const char *cond)
{
	return nsbpf_json("nat list planets", "[.flows[] | select(%s)] | length > 0", cond);
}

Test(forward, del_ends_the_forwards_live_flows_both_ways)
{
	char *out = NULL;

	up();
	cr_assert_eq(wait_listen("planets-neptune", "u", 7), 0);
	cr_assert_eq(nsbpf_run("forward add planets udp 5353 neptune:7"), 0);
	cr_assert_eq(run_out(&out, "echo live | ip netns exec world "
				   "socat -t 1 - UDP4:192.0.2.1:5353,sourceport=40000"),
		     0);
	cr_assert_str_eq(out, "live\n");
	free(out);
	expect_fetch("planets-neptune", "http://10.10.0.1:6000/", "page-of-earth\n");
	cr_assert(flows_are(".kind == \"forward\" and .nat.port == 5353 and .remote.port == 40000"
			    " and .node.ip == \"10.10.0.11\""));
	cr_assert(flows_are(".kind == \"hairpin\" and .node.ip == \"10.10.0.10\" and "
			    ".node.port == 8080"),
		  "the hairpin flow's backend side");

	cr_assert_eq(nsbpf_run("forward del planets udp 5353"), 0);
	cr_assert_eq(nsbpf_run("forward del planets tcp 6000"), 0);
	/* gone from the tables at once, not left to be refused packet by packet */
	cr_assert(!flows_are(".kind == \"forward\" and .nat.port == 5353"));
	cr_assert(!flows_are(".kind == \"hairpin\""), "both sides of the hairpin flow");
	/* the client again, same port: nobody answers for the gone forward */
	cr_assert_neq(run_out(&out,
			      "echo again | ip netns exec world "
			      "socat -t 1 - UDP4:192.0.2.1:5353,sourceport=40000 | grep -q ."),
		      0);
	free(out);
	down();
}
