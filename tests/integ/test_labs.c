// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Labs side by side: subnets, forwards and masquerade ports checked against
 * the other labs before anything is created (also when two ups race), and
 * where a lab lives: ip netns exec, another host netns, one that is gone,
 * a namespace of someone else's under a node's name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "harness.h"

TestSuite(labs, .init = harness_enter, .fini = harness_leave, .timeout = 120);

/* A lab of one network with masquerade and nodes a, b; extra lines appended. */
static char *lab2(const char *lab, const char *subnet, const char *extra)
{
	char yaml[1024];

	snprintf(yaml, sizeof(yaml),
		 "name: %s\n"
		 "networks:\n"
		 "  net:\n"
		 "    subnet: %s\n"
		 "    masquerade: true\n"
		 "nodes:\n"
		 "  a: {network: net}\n"
		 "  b: {network: net}\n"
		 "%s",
		 lab, subnet, extra);
	return strdup(lab_file(lab, yaml)); /* lab_file's buffer is reused */
}

/* `nsbpf up FILE 2>&1` into *out; FILE (from lab2) is freed. The exit status. */
static int up_out(char **out, char *file)
{
	int ret = nsbpf_out(out, "up %s 2>&1", file);

	free(file);
	return ret;
}

Test(labs, overlapping_subnets_are_refused_with_the_other_labs_name)
{
	char *b = lab2("lb", "10.90.0.128/25", "");
	char *out = NULL;

	world_up();
	lab_up_ok(
		"la",
		"name: la\nnetworks:\n  net: {subnet: 10.90.0.0/24}\nnodes:\n  a: {network: net}\n");
	cr_assert_eq(nsbpf_out(&out, "up %s 2>&1", b), 2, "%s", out);
	cr_assert(strstr(out, "lb.yaml:4:13: ") && strstr(out, "lab la"),
		  "names the place and the other lab: %s", out);
	free(out);
	cr_assert_eq(nsbpf_out(&out, "up --dry-run %s 2>&1", b), 2, "dry run: the same");
	free(out);
	cr_assert(lab_gone("lb"));
	cr_assert_eq(run("ping -c1 -W2 10.90.0.2"), 0, "the first lab is untouched");
	lab_down_ok("la");
	/* the second one fits once the first is down */
	cr_assert_eq(nsbpf_run("up %s", b), 0);
	lab_down_ok("lb");
	free(b);
}

Test(labs, forward_and_masquerade_ports_are_each_one_labs)
{
	char *out = NULL;

	world_up();
	lab_up_ok("fa", "name: fa\nnetworks:\n  net: {subnet: 10.91.0.0/24, masquerade: true}\n"
			"nodes:\n  a: {network: net}\n"
			"forwards:\n  - {proto: tcp, port: 8080, to: a:80}\n");
	/* the same port of the uplink, another lab */
	cr_assert_eq(
		up_out(&out, lab2("fb", "10.91.1.0/24",
				  "forwards:\n  - {proto: tcp, port: 8079-8081, to: a:80-82}\n")),
		2);
	cr_assert(strstr(out, "fb.yaml:10:") && strstr(out, "lab fa's forward tcp 8080"), "%s",
		  out);
	free(out);
	cr_assert(lab_gone("fb"));
	/* without nat: ports: each lab gets its own share of the masquerade ports */
	cr_assert_eq(up_out(&out, lab2("fb", "10.91.1.0/24", "")), 0, "%s", out);
	free(out);
	cr_assert(nsbpf_json("status fa", ".labs[0].uplink.snat_port_min == 61000 and "
					  ".labs[0].uplink.snat_port_max == 62133"));
	cr_assert(nsbpf_json("status fb", ".labs[0].uplink.snat_port_min == 62134 and "
					  ".labs[0].uplink.snat_port_max == 63267"));
	cr_assert_eq(in_ns_out(&out, "fb-a", "cat /proc/sys/net/ipv4/ip_local_port_range"), 0);
	cr_assert(strstr(out, "62134") && strstr(out, "63267"), "the nodes use them: %s", out);
	free(out);
	/* forward add checks the other labs the same way */
	nsbpf_says(1, "clashes with lab fa's forward tcp 8080", "forward add fb tcp 8080 a:80");
	nsbpf_says(1, "lies in lab fa's masquerade ports 61000-62133",
		   "forward add fb udp 61500 a:53");
	cr_assert(nsbpf_json("forward list fb", ".labs[0].forwards | length == 0"));
	cr_assert_eq(nsbpf_run("forward add fb tcp 8081 a:80"), 0);
	/* a range of the file that meets another lab's is refused */
	cr_assert_eq(up_out(&out, lab2("fc", "10.91.2.0/24", "nat: {ports: 62000-62200}\n")), 2);
	cr_assert(strstr(out, "fc.yaml:9:") && strstr(out, "lab fa's masquerade ports 61000-62133"),
		  "%s", out);
	free(out);
	cr_assert(lab_gone("fc"));
	/* and so is a forward in another lab's masquerade ports */
	cr_assert_eq(up_out(&out, lab2("fc", "10.91.2.0/24",
				       "nat: {ports: 20000-20100}\n"
				       "forwards:\n  - {proto: udp, port: 61500, to: a:53}\n")),
		     2);
	cr_assert(strstr(out, "lab fa's masquerade ports"), "%s", out);
	free(out);
	lab_down_ok("fb");
	lab_down_ok("fa");
}

Test(labs, two_concurrent_ups_of_conflicting_labs_exactly_one_wins)
{
	char *x = lab2("cx", "10.92.0.0/24", ""), *y = lab2("cy", "10.92.0.0/24", "");
	char *out = NULL;

	world_up();
	cr_assert_eq(run("(%s up %s >/dev/null 2>&1; echo $? >%s/cx.rc) & "
			 "(%s up %s >/dev/null 2>&1; echo $? >%s/cy.rc) & wait",
			 nsbpf(), x, scratch_dir(), nsbpf(), y, scratch_dir()),
		     0);
	cr_assert_eq(run_out(&out, "cat %s/cx.rc %s/cy.rc | sort | tr '\\n' ' '", scratch_dir(),
			     scratch_dir()),
		     0);
	cr_assert_str_eq(out, "0 2 ", "one up, one refused: %s", out);
	free(out);
	if (!run("test -e /run/nsbpf/cx"))
		lab_down_ok("cx");
	else
		lab_down_ok("cy");
	cr_assert(lab_gone("cx") && lab_gone("cy"));
	free(x);
	free(y);
}

static const char one[] = "name: %s\nnetworks:\n  net: {subnet: %s}\n"
			  "nodes:\n  a:\n    network: net\n    exec: [\"sleep 1000 &\"]\n";

static const char *lab1(const char *lab, const char *subnet)
{
	char yaml[512];

	snprintf(yaml, sizeof(yaml), one, lab, subnet);
	return lab_file(lab, yaml);
}

Test(labs, ip_netns_exec_is_refused_and_changes_nothing)
{
	const char *f = lab1("xe", "10.93.0.0/24");
	char *out = NULL;

	cr_assert_eq(run("ip netns add hostxe && ip -n hostxe link set lo up"), 0);
	/* up in the mount namespace ip netns exec makes: it would vanish with the command */
	cr_assert_eq(run_out(&out, "ip netns exec hostxe %s up %s 2>&1", nsbpf(), f), 1);
	cr_assert(strstr(out, "nsbpf -n NETNS up"), "says what to run instead: %s", out);
	free(out);
	cr_assert(lab_gone("xe"));
	/* the way it says: a lab in hostxe, seen from everywhere */
	cr_assert_eq(nsbpf_run("-n hostxe up %s", f), 0);
	cr_assert_eq(run_out(&out, "ip netns exec hostxe %s down xe 2>&1", nsbpf()), 1);
	cr_assert(strstr(out, "another mount namespace") && strstr(out, "nsbpf -n NETNS down"),
		  "%s", out);
	free(out);
	cr_assert_eq(run("test -e /run/nsbpf/xe/journal && test -e /sys/fs/bpf/nsbpf/xe/ct"), 0,
		     "nothing was removed");
	cr_assert_eq(run("ip netns exec xe-a ping -c1 -W2 10.93.0.1"), 0, "the lab still works");
	cr_assert_eq(run_out(&out, "ip netns exec hostxe %s status xe 2>&1", nsbpf()), 0);
	cr_assert(strstr(out, "another mount namespace"), "%s", out);
	free(out);
	/* down from the machine's side works, from any network namespace */
	cr_assert_eq(nsbpf_run("down xe"), 0);
	cr_assert(lab_gone("xe"));
	run("ip netns del hostxe");
}

Test(labs, a_lab_whose_host_namespace_is_gone_is_orphaned_and_down_removes_it)
{
	const char *f = lab1("og", "10.94.0.0/24");
	char *out = NULL, *cg = NULL;

	cr_assert_eq(run("ip netns add hostog && ip -n hostog link set lo up"), 0);
	cr_assert_eq(nsbpf_run("-n hostog up %s", f), 0);
	cr_assert_eq(script_out(&cg, "cgroup-progs.sh og"), 0);
	cr_assert_eq(run("test $(echo %s | wc -w) -eq 8", cg), 0, "eight hooks: %s", cg);
	cr_assert_eq(run("ip netns pids og-a | grep -q ."), 0, "the node's daemon runs");
	cr_assert_eq(run("ip netns del hostog"), 0);
	cr_assert(nsbpf_json("status og", ".labs[0].where == \"orphaned\""));
	cr_assert_eq(nsbpf_out(&out, "down og 2>&1"), 0);
	cr_assert(strstr(out, "orphaned; removed 1 namespace, ") &&
			  strstr(out, " pins; gone with it") && strstr(out, "2 links"),
		  "says what it did: %s", out);
	free(out);
	cr_assert(lab_gone("og"));
	cr_assert_eq(script("progs-gone.sh %s", cg), 0, "the cgroup hooks (%s) are gone", cg);
	free(cg);
}

Test(labs, down_touches_no_namespace_that_took_a_nodes_name)
{
	lab_up_ok(
		"fo",
		"name: fo\nnetworks:\n  net: {subnet: 10.95.0.0/24}\nnodes:\n  a: {network: net}\n  b: {network: net}\n");
	/* someone else's namespace under node a's name, with a process in it */
	cr_assert_eq(run("ip netns del fo-a && ip netns add fo-a"), 0);
	cr_assert_eq(bg("sleep.log", "ip netns exec fo-a sleep 1000"), 0);
	cr_assert(wait_for(2000, "ip netns pids fo-a | grep -q ."));
	cr_assert_eq(nsbpf_run("down fo"), 0);
	cr_assert_eq(run("test -e /run/netns/fo-a"), 0, "the other namespace stays");
	cr_assert_eq(run("ip netns pids fo-a | grep -q ."), 0, "its process was not killed");
	cr_assert_eq(run("test -e /run/netns/fo-b || test -e /run/nsbpf/fo"), 1,
		     "the lab's own is gone");
	run("for p in $(ip netns pids fo-a); do kill $p; done; ip netns del fo-a");
}

Test(labs, a_rollback_touches_no_namespace_that_took_a_nodes_name_during_up)
{
	char yaml[1024];
	const char *f;

	/* node b's exec holds up back until the test has swapped node a's namespace */
	snprintf(
		yaml, sizeof(yaml),
		"name: fz\nnetworks:\n  net: {subnet: 10.96.0.0/24}\n"
		"nodes:\n  a: {network: net}\n  b:\n    network: net\n    exec:\n"
		"      - touch %s/held; for i in $(seq 200); do [ -e %s/go ] && exit 3; sleep 0.05; done\n",
		scratch_dir(), scratch_dir());
	f = lab_file("fz", yaml);
	cr_assert_eq(bg("up.log", "%s up %s; echo rc=$? >%s/up.rc", nsbpf(), f, scratch_dir()), 0);
	cr_assert(wait_for(10000, "test -e %s/held", scratch_dir()), "up reached node b's exec");
	cr_assert_eq(run("ip netns del fz-a && ip netns add fz-a"), 0);
	cr_assert_eq(bg("sleep.log", "ip netns exec fz-a sleep 1000"), 0);
	cr_assert(wait_for(2000, "ip netns pids fz-a | grep -q ."));
	cr_assert_eq(run("touch %s/go", scratch_dir()), 0);
	cr_assert(wait_for(10000, "grep -q 'rc=1' %s/up.rc", scratch_dir()),
		  "up failed and rolled back");
	cr_assert_eq(run("test -e /run/netns/fz-a"), 0, "the other namespace stays");
	cr_assert_eq(run("ip netns pids fz-a | grep -q ."), 0, "its process was not killed");
	cr_assert_eq(run("test -e /run/netns/fz-b || test -e /run/nsbpf/fz"), 1,
		     "what up created is gone");
	run("for p in $(ip netns pids fz-a); do kill $p; done; ip netns del fz-a");
}
