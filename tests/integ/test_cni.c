// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The CNI plugin run as a runtime runs it (scripts/cni.sh: env + stdin),
 * into network namespaces the test makes as a runtime would, with
 * Debian's host-local as the IPAM plugin (its data in the scratch dir) and
 * the world behind the uplink. Results and errors are held to the spec's
 * shapes (scripts/cni_shape.py).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "harness.h"

TestSuite(cni, .init = harness_enter, .fini = harness_leave, .timeout = 240);

#define PORTS "\"runtimeConfig\": {\"portMappings\": [{\"hostPort\": 8080, \"containerPort\": 80}]}"

/* A configuration file NAME in the scratch dir: labnet with EXTRA keys, IPAM on SUBNET. */
static void conf(const char *name, const char *version, const char *ipam_type, const char *subnet,
		 const char *extra)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", scratch_dir(), name);
	f = fopen(path, "w");
	cr_assert(f != NULL);
	fprintf(f,
		"{\"cniVersion\": \"%s\", \"name\": \"labnet\", \"type\": \"nsbpf\", \"ipMasq\": true,"
		" \"ipam\": {\"type\": \"%s\", \"dataDir\": \"%s/ipam\","
		" \"ranges\": [[{\"subnet\": \"%s\"}]], \"routes\": [{\"dst\": \"0.0.0.0/0\"}]}%s%s}\n",
		version, ipam_type, scratch_dir(), subnet, extra[0] ? ", " : "", extra);
	fclose(f);
}

/*
 * Run the plugin on a machine: ON prefixes the command ("": this host, or
 * machine_b()'s nsenter); CMD for container ID in NETNS ("-": none), config
 * CONF; stdout into OUT, stderr (its log) into OUT.err, shown when it fails.
 */
static int cni_on(const char *on, const char *cmd, const char *id, const char *netns,
		  const char *cfg, const char *out)
{
	const char *d = scratch_dir();
	int st = run("{ %s%s %s %s %s %s/%s >%s/%s 2>%s/%s.err; }", on, script_path("cni.sh"), cmd,
		     id, netns, d, cfg, d, out, d, out);

	if (st) {
		char *log = NULL;

		run_out(&log, "cat %s/%s.err", d, out);
		cr_log_info("nsbpf-cni %s exited %d: %s", cmd, st, log ? log : "");
		free(log);
	}
	return st;
}

static int cni(const char *cmd, const char *id, const char *netns, const char *cfg, const char *out)
{
	return cni_on("", cmd, id, netns, cfg, out);
}

/* The scratch file OUT is a KIND document of the spec for VERSION. */
static bool shaped(const char *out, const char *kind, const char *version)
{
	return !run("/usr/bin/python3 %s %s %s <%s/%s", script_path("cni_shape.py"), kind, version,
		    scratch_dir(), out);
}

/* The scratch file OUT (JSON) satisfies the jq filter. */
static bool out_is(const char *out, const char *filter)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "cat %s/%s", scratch_dir(), out);
	return json_true(cmd, "%s", filter);
}

/* CMD fails with the error document of CODE whose details hold WANT. */
static void refused(const char *cmd, const char *id, const char *netns, const char *cfg, int code,
		    const char *want)
{
	char filter[256];

	cr_assert_neq(cni(cmd, id, netns, cfg, "err.json"), 0, "%s %s: refused", cmd, cfg);
	cr_assert(shaped("err.json", "error", "1.0.0"), "%s %s: an error document", cmd, cfg);
	snprintf(filter, sizeof(filter), ".code == %d and (.details | contains(\"%s\"))", code,
		 want);
	cr_assert(out_is("err.json", filter), "%s %s: code %d, \"%s\"", cmd, cfg, code, want);
}

/* Nothing of labnet is left: lab, host ends, addresses held by host-local. */
static bool net_gone(void)
{
	return lab_gone("labnet") && run("ip -o link show | grep -q ' nsb'") != 0 &&
	       run("ls %s/ipam/labnet 2>/dev/null | grep -q '^10\\.'", scratch_dir()) != 0;
}

static void www(const char *netns, int port, const char *page)
{
	char log[64];

	snprintf(log, sizeof(log), "http-%s.log", netns);
	run("mkdir -p %s/www-%s && printf %s >%s/www-%s/index.html", scratch_dir(), netns, page,
	    scratch_dir(), netns);
	serve(netns, "t", port, log, "python3 -m http.server %d --directory %s/www-%s", port,
	      scratch_dir(), netns);
}

Test(cni, containers_traffic_check_del)
{
	world_up();
	cr_assert_eq(run("ip netns add c1 && ip netns add c2"), 0);
	conf("ports.json", "1.0.0", "host-local", "10.88.0.0/16", PORTS);
	conf("plain.json", "1.0.0", "host-local", "10.88.0.0/16", "");
	cr_assert_eq(cni("ADD", "c1c1c1c1c1c1c1", "/run/netns/c1", "ports.json", "r1.json"), 0);
	cr_assert(shaped("r1.json", "result", "1.0.0"));
	cr_assert(out_is("r1.json",
			 ".ips[0].address == \"10.88.0.2/16\" and .ips[0].gateway == "
			 "\"10.88.0.1\" and .interfaces[1].sandbox == \"/run/netns/c1\""));
	cr_assert_eq(cni("ADD", "c2c2c2c2c2c2c2", "/run/netns/c2", "plain.json", "r2.json"), 0);
	cr_assert(out_is("r2.json", ".ips[0].address == \"10.88.0.3/16\""));
	cr_assert(nsbpf_json("status labnet", ".labs[0].nodes | length == 2"));
	cr_assert(nsbpf_json("forward list labnet", ".labs[0].forwards | length == 1"));

	www("c1", 80, "page-of-c1");
	www("world", 8000, "page-of-world");
	expect_fetch("c2", "http://10.88.0.2/", "page-of-c1");
	expect_fetch("c2", "http://192.0.2.2:8000/", "page-of-world");
	cr_assert_eq(run("grep -q '^192.0.2.1 ' %s/http-world.log", scratch_dir()), 0,
		     "the world sees the masqueraded address");
	expect_fetch("world", "http://192.0.2.1:8080/", "page-of-c1");
	expect_fetch(NULL, "http://127.0.0.1:8080/", "page-of-c1");
	cr_assert(stat_path("labnet", "snat") > 0);

	cr_assert_eq(
		run("jq -s '.[0] + {prevResult: .[1]}' %s/ports.json %s/r1.json >%s/check.json",
		    scratch_dir(), scratch_dir(), scratch_dir()),
		0);
	cr_assert_eq(cni("CHECK", "c1c1c1c1c1c1c1", "/run/netns/c1", "check.json", "out"), 0);
	cr_assert_eq(run("ip -n c1 addr flush dev eth0"), 0);
	refused("CHECK", "c1c1c1c1c1c1c1", "/run/netns/c1", "check.json", 999, "lacks its address");

	cr_assert_eq(cni("DEL", "c1c1c1c1c1c1c1", "/run/netns/c1", "ports.json", "out"), 0);
	cr_assert_eq(run("test ! -s %s/out", scratch_dir()), 0, "DEL prints nothing");
	cr_assert_eq(cni("DEL", "c1c1c1c1c1c1c1", "-", "ports.json", "out"), 0, "DEL twice");
	cr_assert_neq(run("ip -n c1 link show eth0"), 0, "c1's interface went");
	cr_assert(nsbpf_json("forward list labnet", ".labs[0].forwards | length == 0"));
	expect_fetch("c2", "http://192.0.2.2:8000/", "page-of-world");
	cr_assert_eq(cni("DEL", "c2c2c2c2c2c2c2", "/run/netns/c2", "plain.json", "out"), 0);
	cr_assert(net_gone(), "the last DEL takes the lab");
	cr_assert_eq(run("test -e /run/netns/c1 && test -e /run/netns/c2"), 0,
		     "the runtime's namespaces stay");
	cr_assert(host_untouched());
}

Test(cni, version_and_every_error_path_leaves_nothing)
{
	world_up();
	cr_assert_eq(run("ip netns add c1 && ip netns add c2"), 0);
	cr_assert_eq(run("echo '{\"cniVersion\": \"0.4.0\"}' >%s/v.json", scratch_dir()), 0);
	cr_assert_eq(cni("VERSION", "x", "-", "v.json", "out"), 0);
	cr_assert(shaped("out", "version", "0.4.0"));

	cr_assert_eq(run("echo '{\"cniVersion\": ' >%s/bad.json", scratch_dir()), 0);
	refused("ADD", "c1c1c1c1c1c1c1", "/run/netns/c1", "bad.json", 6, "not JSON");
	conf("ok.json", "1.0.0", "host-local", "10.88.0.0/16", PORTS);
	refused("ADD", "c1c1c1c1c1c1c1", "-", "ok.json", 4, "CNI_NETNS is not set");
	refused("ADD", "c1/c1", "/run/netns/c1", "ok.json", 4, "CNI_CONTAINERID");
	refused("FROB", "c1c1c1c1c1c1c1", "/run/netns/c1", "ok.json", 4, "FROB");
	conf("v9.json", "9.0.0", "host-local", "10.88.0.0/16", "");
	cr_assert_neq(cni("ADD", "c1c1c1c1c1c1c1", "/run/netns/c1", "v9.json", "err.json"), 0);
	cr_assert(out_is("err.json", ".code == 1"), "an unknown version: code 1");
	conf("remote.json", "1.0.0", "host-local", "10.88.0.0/16",
	     "\"remoteSubnets\": [{\"subnet\": \"10.89.0.0/16\", \"via\": \"10.88.0.9\"}]");
	refused("ADD", "c1c1c1c1c1c1c1", "/run/netns/c1", "remote.json", 7,
		"own subnet: the next hop is another machine");
	conf("offlink.json", "1.0.0", "host-local", "10.88.0.0/16",
	     "\"remoteSubnets\": [{\"subnet\": \"10.89.0.0/16\", \"via\": \"203.0.113.12\"}]");
	refused("ADD", "c1c1c1c1c1c1c1", "/run/netns/c1", "offlink.json", 7,
		"via 203.0.113.12 is in no subnet of the uplink up0");
	conf("noipam.json", "1.0.0", "nosuch-ipam", "10.88.0.0/16", "");
	refused("ADD", "c1c1c1c1c1c1c1", "/run/netns/c1", "noipam.json", 7, "no plugin");
	conf("outside.json", "1.0.0", "host-local", "10.99.0.0/24", "\"subnet\": \"10.88.0.0/16\"");
	refused("ADD", "c1c1c1c1c1c1c1", "/run/netns/c1", "outside.json", 7, "not a host address");
	cr_assert(net_gone(), "a refused ADD leaves nothing, its address released");
	refused("ADD", "c1c1c1c1c1c1c1", "/run/netns/nosuch", "ok.json", 999, "/run/netns/nosuch");
	cr_assert(net_gone(), "a failed first ADD takes its lab down again");

	cr_assert_eq(cni("ADD", "c1c1c1c1c1c1c1", "/run/netns/c1", "ok.json", "r1.json"), 0);
	refused("ADD", "c1c1c1c1c1c1c1", "/run/netns/c1", "ok.json", 999, "already");
	refused("ADD", "c2c2c2c2c2c2c2", "/run/netns/c2", "ok.json", 999, "hostPort 8080/tcp");
	cr_assert_neq(run("ip -n c2 link show eth0"), 0, "nothing of c2 is left");
	cr_assert(nsbpf_json("status labnet", ".labs[0].nodes | length == 1"));
	cr_assert_eq(run("ls %s/ipam/labnet | grep -c '^10\\.' | grep -qx 1", scratch_dir()), 0,
		     "c2's address was released, c1's kept");
	conf("nocheck.json", "1.0.0", "host-local", "10.88.0.0/16", "");
	refused("CHECK", "c1c1c1c1c1c1c1", "/run/netns/c1", "nocheck.json", 7, "prevResult");
	cr_assert_eq(cni("DEL", "c1c1c1c1c1c1c1", "/run/netns/c1", "ok.json", "out"), 0);
	cr_assert(net_gone());
}

Test(cni, gc_removes_what_the_runtime_no_longer_lists)
{
	cr_assert_eq(run("ip netns add c1 && ip netns add c2"), 0);
	conf("add.json", "1.1.0", "host-local", "10.88.0.0/16", "");
	cr_assert_eq(cni("ADD", "c1c1c1c1c1c1c1", "/run/netns/c1", "add.json", "out"), 0);
	cr_assert(shaped("out", "result", "1.1.0"));
	cr_assert_eq(cni("ADD", "c2c2c2c2c2c2c2", "/run/netns/c2", "add.json", "out"), 0);
	cr_assert_eq(cni("STATUS", "-", "-", "add.json", "out"), 0);
	conf("gc1.json", "1.1.0", "host-local", "10.88.0.0/16",
	     "\"cni.dev/valid-attachments\": [{\"containerID\": \"c1c1c1c1c1c1c1\", \"ifname\": "
	     "\"eth0\"}]");
	cr_assert_eq(cni("GC", "-", "-", "gc1.json", "out"), 0);
	cr_assert(nsbpf_json("status labnet", "(.labs[0].nodes | length == 1) and "
					      ".labs[0].nodes[0].name == \"c1c1c1c1c1c1\""));
	cr_assert_neq(run("ip -n c2 link show eth0"), 0, "c2's endpoint went");
	cr_assert_eq(run("ip netns exec c1 ping -c1 -W2 10.88.0.1"), 0, "c1's stays");
	conf("gc0.json", "1.1.0", "host-local", "10.88.0.0/16",
	     "\"cni.dev/valid-attachments\": []");
	cr_assert_eq(cni("GC", "-", "-", "gc0.json", "out"), 0);
	cr_assert(net_gone(), "GC of the last endpoint takes the lab");
	conf("old.json", "0.4.0", "host-local", "10.88.0.0/16", "");
	cr_assert_eq(cni("ADD", "c1c1c1c1c1c1c1", "/run/netns/c1", "old.json", "out"), 0);
	cr_assert(shaped("out", "result", "0.4.0"), "0.4.0: ips with \"version\"");
	cr_assert_eq(cni("DEL", "c1c1c1c1c1c1c1", "/run/netns/c1", "old.json", "out"), 0);
	cr_assert(net_gone());
}

Test(cni, concurrent_adds_and_dels_of_one_network)
{
	const char *loop =
		"for i in 1 2 3 4 5 6; do %s/cni.sh %s ctr$i$i$i$i$i$i$i$i$i$i$i$i /run/netns/p$i "
		"%s/add.json >/dev/null & done; wait";

	cr_assert_eq(run("for i in 1 2 3 4 5 6; do ip netns add p$i || exit 1; done"), 0);
	conf("add.json", "1.0.0", "host-local", "10.88.0.0/16", "");
	cr_assert_eq(run(loop, script_path(""), "ADD", scratch_dir()), 0);
	cr_assert(nsbpf_json("status labnet",
			     ".labs[0].nodes | length == 6 and (map(.ip) | unique | length) == 6"),
		  "six endpoints, six addresses");
	cr_assert_eq(run("for i in 1 2 3 4 5 6; do ip netns exec p$i ping -c1 -W2 10.88.0.1 "
			 ">/dev/null || exit 1; done"),
		     0);
	cr_assert_eq(run(loop, script_path(""), "DEL", scratch_dir()), 0);
	cr_assert(net_gone(), "the last of the concurrent DELs takes the lab");
}

/* The scratch file LOG (an HTTP server's) has a request from ADDR. */
static bool logged_from(const char *log, const char *addr)
{
	return !run("grep -q '^%s ' %s/%s", addr, scratch_dir(), log);
}

/*
 * Two machines (scripts/fabric.sh): A, this host, pods 10.88.0.0/16; B,
 * netns hostb with a mount namespace of its own, pods 10.89.0.0/16; their
 * uplinks on one bridge, the world behind a router that knows no pod
 * subnet. Each has the other's pod subnet in remoteSubnets, via the other's
 * uplink address: pods talk with their own addresses, the world sees the
 * machines' uplink addresses, and a world routed to the pods gets nowhere.
 */
Test(cni, two_machines_route_their_pod_subnets_natively)
{
	char b[512], *out = NULL;

	cr_assert_eq(script("fabric.sh %s", scratch_dir()), 0, "fabric, machine B, world");
	snprintf(b, sizeof(b), "nsenter --mount=%s/mnt-b --net=/run/netns/hostb ", scratch_dir());
	conf("a.json", "1.0.0", "host-local", "10.88.0.0/16",
	     "\"remoteSubnets\": [{\"subnet\": \"10.89.0.0/16\", \"via\": \"192.0.2.12\"}]");
	conf("b0.json", "1.0.0", "host-local", "10.89.0.0/16",
	     "\"remoteSubnets\": [{\"subnet\": \"10.88.0.0/16\", \"via\": \"192.0.2.1\"}]");
	cr_assert_eq(run("jq '.ipam.dataDir += \"-b\"' %s/b0.json >%s/b.json", scratch_dir(),
			 scratch_dir()),
		     0, "B's IPAM keeps its own data");
	cr_assert_eq(cni("ADD", "cacacacacacaca", "/run/netns/ca", "a.json", "ra.json"), 0);
	cr_assert(out_is("ra.json", ".ips[0].address == \"10.88.0.2/16\""));
	cr_assert_eq(cni_on(b, "ADD", "cbcbcbcbcbcbcb", "/run/netns/cb", "b.json", "rb.json"), 0);
	cr_assert(out_is("rb.json", ".ips[0].address == \"10.89.0.2/16\""));
	cr_assert(
		nsbpf_json(
			"map dump labnet remotes",
			".maps[0].entries == [{\"key\": {\"addr\": \"10.89.0.0\", \"prefixlen\": 16}, "
			"\"value\": {\"via\": \"192.0.2.12\", \"net_id\": 0, \"network\": "
			"\"labnet\"}}]"),
		"A's remotes map: B's subnet via B's uplink");

	www("ca", 80, "page-of-ca");
	www("cb", 80, "page-of-cb");
	www("world", 8000, "page-of-world");
	expect_fetch("ca", "http://10.89.0.2/", "page-of-cb");
	cr_assert(logged_from("http-cb.log", "10.88.0.2"), "B's pod sees A's pod address");
	expect_fetch("cb", "http://10.88.0.2/", "page-of-ca");
	cr_assert(logged_from("http-ca.log", "10.89.0.2"), "A's pod sees B's pod address");
	expect_fetch("ca", "http://198.51.100.2:8000/", "page-of-world");
	expect_fetch("cb", "http://198.51.100.2:8000/", "page-of-world");
	cr_assert(logged_from("http-world.log", "192.0.2.1") &&
			  logged_from("http-world.log", "192.0.2.12"),
		  "the world sees each machine's uplink address");
	cr_assert(stat_path("labnet", "remote_out") > 0 && stat_path("labnet", "remote_in") > 0);

	cr_assert_eq(run("ip -n fabric route add 10.88.0.0/16 via 192.0.2.1"), 0);
	cr_assert_neq(fetch("world", 2, "http://10.88.0.2/", &out), 0,
		      "a world routed to A's pods reaches none");
	free(out);
	cr_assert(stat_drop("labnet", "inbound") > 0);

	cr_assert_eq(cni("DEL", "cacacacacacaca", "/run/netns/ca", "a.json", "out"), 0);
	cr_assert_eq(cni_on(b, "DEL", "cbcbcbcbcbcbcb", "/run/netns/cb", "b.json", "out"), 0);
	cr_assert(net_gone(), "nothing of A's network is left");
	cr_assert_eq(run("%s sh -c 'test ! -e /run/nsbpf/labnet && "
			 "test -z \"$(ls -A /sys/fs/bpf/nsbpf 2>/dev/null)\" && "
			 "! ip -o link show | grep -q \" nsb\"'",
			 b),
		     0, "nothing of B's network is left");
	cr_assert(host_untouched());
}
