// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Port forwards over IPv6 (issue 14): a dual-stack lab whose forwards for
 * any host address answer on the uplink's IPv6 address too (the world on
 * IPv6 behind the uplink: world6.sh), from the world (TCP and UDP) and
 * from the host itself ([::1] and the uplink's IPv6 address, through the
 * cgroup hooks); a forward to a node without ip6 stays IPv4-only, and
 * `forward list` says which is which; forward add and del follow on IPv6;
 * the file's forward for an IPv6 host address answers there only; nodes
 * reach the forwards at the uplink's IPv6 address and at a gateway6, the
 * backend its own (hairpin, TCP and UDP, the backend seeing its gateway6),
 * and forward del ends those flows, both halves.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "harness.h"

TestSuite(forward6, .init = harness_enter, .fini = harness_leave, .timeout = 240);

static const char fw6[] =
	"name: fw6\n"
	"networks:\n"
	"  planet:\n"
	"    subnet: 10.10.0.0/16\n"
	"    subnet6: fd00:10::/64\n"
	"  plain:\n"
	"    subnet: 10.12.0.0/24\n"
	"nodes:\n"
	"  earth:\n"
	"    network: planet\n"
	"    ip: 10.10.0.10\n"
	"    ip6: 'fd00:10::10'\n"
	"    exec:\n"
	"      - mkdir -p /tmp/www-earth6 && echo page-of-earth > /tmp/www-earth6/index.html\n"
	"      - python3 -m http.server 8080 --bind ::0 --directory /tmp/www-earth6 >/dev/null 2>&1 &\n"
	"      - socat UDP6-RECVFROM:5353,fork EXEC:/bin/cat >/dev/null 2>&1 &\n"
	"  old:\n"
	"    network: plain\n"
	"    exec:\n"
	"      - mkdir -p /tmp/www-old6 && echo page-of-old > /tmp/www-old6/index.html\n"
	"      - python3 -m http.server 8080 --directory /tmp/www-old6 >/dev/null 2>&1 &\n"
	"forwards:\n"
	"  - {proto: tcp, port: 6000, to: earth:8080}\n"
	"  - {proto: udp, port: 6053, to: earth:5353}\n"
	"  - {proto: tcp, port: 6002, to: old:8080}\n"
	"  - {proto: tcp, port: 6001, to: earth:8080, host: '2001:db8::1'}\n";

static void up6(void)
{
	cr_assert_eq(script("world6.sh"), 0, "world namespace with IPv6");
	lab_up_ok("fw6", fw6);
	cr_assert(wait_for(5000, "! ip -6 addr show | grep -q tentative"));
	cr_assert_eq(wait_listen("fw6-earth", "t", 8080), 0);
	cr_assert_eq(wait_listen("fw6-earth", "u", 5353), 0);
	cr_assert_eq(wait_listen("fw6-old", "t", 8080), 0);
}

static void down6(void)
{
	cr_assert(host_untouched());
	lab_down_ok("fw6");
	cr_assert_eq(run("test ! -e /sys/fs/bpf/nsbpf/fw6"), 0, "no pins left");
}

/* The forward of fw6 on PORT: a jq condition on its entry in `forward list`. */
static bool forward_is(int port, const char *cond)
{
	return nsbpf_json("forward list fw6", ".labs[0].forwards[] | select(.port == %d) | %s",
			  port, cond);
}

Test(forward6, the_world_reaches_a_node_through_the_uplinks_ipv6_address)
{
	char *out = NULL;

	up6();
	/* TCP: http to [uplink6]:6000 is earth's page, served over IPv6 */
	expect_fetch("world", "http://[2001:db8::1]:6000/", "page-of-earth\n");
	/* IPv4 unchanged beside it */
	expect_fetch("world", "http://192.0.2.1:6000/", "page-of-earth\n");
	/* UDP: an echo through [uplink6]:6053 (the pipe inside the world: sh -c) */
	cr_assert_eq(in_ns_out(&out, "world",
			       "sh -c 'echo ping-fwd6 | socat -t 2 - UDP6:[2001:db8::1]:6053'"),
		     0, "udp6 through the forward");
	cr_assert_str_eq(out, "ping-fwd6\n");
	free(out);
	out = NULL;
	/* the flows are ct6's (nothing masquerades here: every entry is a forward's) */
	cr_assert(json_true("bpftool -j map dump pinned /sys/fs/bpf/nsbpf/fw6/ct6",
			    "[.[] | select(.key[36] == \"0x06\")] | length >= 1"),
		  "the TCP flow in ct6");
	cr_assert(json_true("bpftool -j map dump pinned /sys/fs/bpf/nsbpf/fw6/ct6",
			    "[.[] | select(.key[36] == \"0x11\")] | length >= 1"),
		  "the UDP flow in ct6");
	cr_assert_gt(stat_path("fw6", "dnat"), 0);
	cr_assert_gt(stat_path("fw6", "rev_dnat"), 0);
	/* a port with no forward, and the IPv4-only node's: nothing over IPv6 */
	cr_assert_neq(fetch("world", 2, "http://[2001:db8::1]:6009/", NULL), 0);
	/* the file's forward for the IPv6 host address: there, and not on IPv4 */
	expect_fetch("world", "http://[2001:db8::1]:6001/", "page-of-earth\n");
	cr_assert_neq(fetch("world", 2, "http://192.0.2.1:6001/", NULL), 0, "IPv6's alone");
	cr_assert(forward_is(6001,
			     ".host == \"2001:db8::1\" and .node == \"earth\" and "
			     ".node_ip == null and .node_ip6 == \"fd00:10::10\" and .hits == 1"));
	cr_assert_eq(
		nsbpf_run(
			"forward list fw6 | grep -q 'tcp \\[2001:db8::1\\]:6001 -> earth:8080, to \\[fd00:10::10\\]'"),
		0, "text: the IPv6 host's forward");
	cr_assert_neq(fetch("world", 2, "http://[2001:db8::1]:6002/", NULL), 0,
		      "old has no ip6: its forward is IPv4's only");
	expect_fetch("world", "http://192.0.2.1:6002/", "page-of-old\n");
	/* forward list: the IPv6 side, and the IPv4-only one said so */
	cr_assert(forward_is(6000, ".node_ip6 == \"fd00:10::10\" and .hits >= 2"));
	cr_assert(forward_is(6002, ".node_ip6 == null"));
	cr_assert_eq(nsbpf_run("forward list fw6 | grep 'tcp 6000 -> earth:8080' | "
			       "grep -q 'IPv6 too: \\[fd00:10::10\\]'"),
		     0, "text: the IPv6 side");
	cr_assert_eq(nsbpf_run("forward list fw6 | grep 'tcp 6002 -> old:8080' | "
			       "grep -q 'IPv4 only'"),
		     0, "text: IPv4 only");
	down6();
}

Test(forward6, the_host_reaches_a_node_through_ipv6_loopback_and_its_uplink_address)
{
	char *out = NULL;

	up6();
	expect_fetch(NULL, "http://[::1]:6000/", "page-of-earth\n");
	expect_fetch(NULL, "http://[2001:db8::1]:6000/", "page-of-earth\n");
	expect_fetch(NULL, "http://127.0.0.1:6000/", "page-of-earth\n");
	cr_assert_neq(fetch(NULL, 2, "http://[::1]:6009/", NULL), 0, "no forward on 6009");
	/* the forward for 2001:db8::1 answers there only, for the host too */
	expect_fetch(NULL, "http://[2001:db8::1]:6001/", "page-of-earth\n");
	cr_assert_neq(fetch(NULL, 2, "http://[::1]:6001/", NULL), 0, "not on [::1]");
	/* UDP from the host: sendmsg6 and recvmsg6 */
	cr_assert_eq(
		in_ns_out(&out, NULL, "sh -c 'echo ping-host6 | socat -t 2 - UDP6:[::1]:6053'"), 0,
		"udp6 from the host through [::1]");
	cr_assert_str_eq(out, "ping-host6\n");
	free(out);
	/* the host's datagram counted a hit of the forward's IPv6 side, nothing else did */
	cr_assert(forward_is(6053, ".node_ip6 == \"fd00:10::10\" and .hits == 1"));
	down6();
}

Test(forward6, forward_add_and_del_follow_on_ipv6)
{
	up6();
	cr_assert_eq(nsbpf_run("forward add fw6 tcp 7000 earth:8080"), 0);
	expect_fetch("world", "http://[2001:db8::1]:7000/", "page-of-earth\n");
	cr_assert(forward_is(7000, ".node_ip6 == \"fd00:10::10\""));
	cr_assert_eq(nsbpf_run("forward del fw6 tcp 7000"), 0);
	cr_assert_neq(fetch("world", 2, "http://[2001:db8::1]:7000/", NULL), 0,
		      "deleted: nothing on IPv6 either");
	cr_assert(json_true("bpftool -j map dump pinned /sys/fs/bpf/nsbpf/fw6/forwards6",
			    "[.[] | select(.formatted.key.port == 7000 or "
			    ".formatted.key.port == 22555)] | length == 0"));
	down6();
}

/* The hex of forwards6's entry for [2001:db8::1] tcp PORT: "KEY VAL" for a journal line. */
static char *entry6_hex(int port)
{
	char *out = NULL;

	cr_assert_eq(
		run_out(&out,
			"k='0x20 0x01 0x0d 0xb8 0 0 0 0 0 0 0 0 0 0 0 0x01 0x%02x 0x%02x 0x06 0'; "
			"bpftool -j map lookup pinned /sys/fs/bpf/nsbpf/fw6/forwards6 key $k | "
			"jq -r '[.key, .value] | map(map(ltrimstr(\"0x\")) | join(\"\")) | "
			"join(\" \")'",
			port >> 8, port & 0xff),
		0, "forwards6 has [2001:db8::1]:%d", port);
	out[strcspn(out, "\n")] = '\0';
	return out;
}

/*
 * What a killed `forward add|del` leaves: its journal, one line OP (a6, d6)
 * of entry, and the marker that the ports' bitmap and flows are to be
 * synced (written before the journal).
 */
static void journal_left(const char *op, const char *entry)
{
	cr_assert_eq(run("touch /run/nsbpf/fw6/fwd-sweep && "
			 "printf 'nsbpf-forward-batch 2 1\\n%s %s\\n' >/run/nsbpf/fw6/batch",
			 op, entry),
		     0);
}

Test(forward6, forward_add_host_ipv6_answers_there_lists_and_deletes)
{
	char *entry;

	up6();
	cr_assert_eq(nsbpf_run("forward add fw6 tcp 6011 earth:8080 --host 2001:db8::1"), 0);
	expect_fetch("world", "http://[2001:db8::1]:6011/", "page-of-earth\n");
	cr_assert_neq(fetch("world", 2, "http://192.0.2.1:6011/", NULL), 0, "IPv6's alone");
	cr_assert(forward_is(6011, ".host == \"2001:db8::1\" and .node == \"earth\" and "
				   ".node_ip == null and .node_ip6 == \"fd00:10::10\" and "
				   ".to_port == 8080 and .origin == \"runtime\" and .hits == 1"));
	cr_assert_eq(nsbpf_run("forward list fw6 | grep -q 'tcp \\[2001:db8::1\\]:6011 -> "
			       "earth:8080, to \\[fd00:10::10\\] (runtime)'"),
		     0, "text");
	nsbpf_doc(0, "forward list", NULL, "forward list fw6");
	/* the bracket form is the same forward: added once */
	nsbpf_says(1, "tcp [2001:db8::1]:6011 -> earth:8080 is forward tcp [2001:db8::1]:6011",
		   "forward add fw6 tcp [2001:db8::1]:6011 earth:8080");

	/* a killed del's journal: the next command puts the entry back */
	entry = entry6_hex(6011);
	cr_assert_eq(nsbpf_run("forward del fw6 tcp 6011 --host 2001:db8::1"), 0);
	cr_assert_neq(fetch("world", 2, "http://[2001:db8::1]:6011/", NULL), 0, "deleted");
	cr_assert(nsbpf_json("forward list fw6", "[.labs[0].forwards[] | select(.port == 6011)] "
						 "| length == 0"));
	journal_left("d6", entry);
	nsbpf_says(0, "undid an interrupted forward batch of 1 forward", "forward list fw6");
	expect_fetch("world", "http://[2001:db8::1]:6011/", "page-of-earth\n");
	/* and a killed add's: the next command takes the entry out */
	journal_left("a6", entry);
	nsbpf_says(0, "undid an interrupted forward batch of 1 forward", "forward list fw6");
	cr_assert_neq(fetch("world", 2, "http://[2001:db8::1]:6011/", NULL), 0, "undone");
	free(entry);

	/* the bracket form, added and deleted, and a range */
	cr_assert_eq(nsbpf_run("forward add fw6 tcp [2001:db8::1]:6012-6013 earth:8080-8081"), 0);
	expect_fetch("world", "http://[2001:db8::1]:6012/", "page-of-earth\n");
	cr_assert(forward_is(6012, ".port_end == 6013 and .to_port_end == 8081"));
	nsbpf_says(1, "part of a larger forward", "forward del fw6 tcp [2001:db8::1]:6012");
	cr_assert_eq(nsbpf_run("forward del fw6 tcp [2001:db8::1]:6012-6013"), 0);
	cr_assert_neq(fetch("world", 2, "http://[2001:db8::1]:6012/", NULL), 0, "deleted");
	cr_assert(
		json_true(
			"bpftool -j map dump pinned /sys/fs/bpf/nsbpf/fw6/forwards6",
			"[.[] | select(.formatted.key.port == 6011 or .formatted.key.port == 6012 "
			"or .formatted.key.port == 6013)] | length == 0"),
		"forwards6 has none of them left");
	down6();
}

Test(forward6, forward_add_host_ipv6_refuses_what_it_cannot_do_and_changes_nothing)
{
	char *before = NULL, *after = NULL;
	char file[512];

	up6();
	cr_assert_eq(run_out(&before, "bpftool -j map dump pinned /sys/fs/bpf/nsbpf/fw6/forwards6 "
				      "| jq -c '[.[].key] | sort'"),
		     0);
	nsbpf_says(1, "2001:db8::99 is not an address of this host",
		   "forward add fw6 tcp 6021 earth:8080 --host 2001:db8::99");
	nsbpf_says(1, "node \"old\" has no ip6",
		   "forward add fw6 tcp 6021 old:8080 --host 2001:db8::1");
	nsbpf_says(2, "link-local (fe80::/10)",
		   "forward add fw6 tcp 6021 earth:8080 --host fe80::1");
	nsbpf_says(2, "goes in brackets", "forward add fw6 tcp 2001:db8::1:6021 earth:8080");
	nsbpf_says(2, "give it once",
		   "forward add fw6 tcp [2001:db8::1]:6021 earth:8080 --host 2001:db8::1");
	nsbpf_says(1, "overlaps forward tcp [2001:db8::1]:6001",
		   "forward add fw6 tcp 6000-6001 earth:8080-8081 --host 2001:db8::1");
	nsbpf_says(1, "has no forward tcp [2001:db8::1]:6021",
		   "forward del fw6 tcp 6021 --host 2001:db8::1");
	snprintf(file, sizeof(file), "%s/fw6.list", scratch_dir());
	cr_assert_eq(run("echo 'tcp [2001:db8::1]:6001 earth:9999' >%s", file), 0);
	nsbpf_says(1, "leads elsewhere", "forward del fw6 --file %s", file);
	/* a file: all or none, the second line overlapping the first */
	cr_assert_eq(run("printf 'tcp [2001:db8::1]:6022 earth:8080\\n"
			 "tcp [2001:db8::1]:6022 earth:8081\\n' >%s",
			 file),
		     0);
	nsbpf_says(1, "overlaps tcp [2001:db8::1]:6022 -> earth:8080, added with it",
		   "forward add fw6 --file %s", file);
	cr_assert_eq(run_out(&after, "bpftool -j map dump pinned /sys/fs/bpf/nsbpf/fw6/forwards6 "
				     "| jq -c '[.[].key] | sort'"),
		     0);
	cr_assert_str_eq(after, before, "forwards6 as it was");
	cr_assert(nsbpf_json("forward list fw6", ".labs[0].forwards | length == 4"));
	cr_assert_neq(fetch("world", 2, "http://[2001:db8::1]:6022/", NULL), 0, "nothing added");
	free(before);
	free(after);
	down6();
}

/* A converge keeps a runtime forward for an IPv6 host address while its node stays. */
Test(forward6, forward_add_host_ipv6_follows_its_node_through_a_converge)
{
	char *f2 = NULL, *p;

	up6();
	cr_assert_eq(nsbpf_run("forward add fw6 tcp 6011 earth:8080 --host 2001:db8::1"), 0);
	/* earth made again at a new ip6 */
	f2 = strdup(fw6);
	p = strstr(f2, "fd00:10::10");
	cr_assert(p);
	p[strlen("fd00:10::1")] = '1';
	cr_assert_eq(nsbpf_run("up %s", lab_file("fw6b", f2)), 0, "converge");
	cr_assert_eq(wait_listen("fw6-earth", "t", 8080), 0);
	cr_assert(wait_for(5000, "! ip -6 addr show | grep -q tentative"));
	cr_assert(forward_is(6011, ".host == \"2001:db8::1\" and .node == \"earth\" and "
				   ".node_ip6 == \"fd00:10::11\" and .origin == \"runtime\""),
		  "the runtime forward follows earth to its new ip6");
	expect_fetch("world", "http://[2001:db8::1]:6011/", "page-of-earth\n");
	free(f2);
	down6();
}

/* ---- hairpin over IPv6 (lib/hairpin6.h) ---- */

/*
 * hp6: earth (planet) serves, mars (moon) is a client; both reach earth's
 * forwards at the uplink's IPv6 address and at a gateway6, earth its own.
 * 9000 and 9001 are the test's sink and source (serve()).
 */
static const char hp6[] =
	"name: hp6\n"
	"networks:\n"
	"  planet:\n"
	"    subnet: 10.10.0.0/16\n"
	"    subnet6: fd00:10::/64\n"
	"  moon:\n"
	"    subnet: 10.11.0.0/16\n"
	"    subnet6: fd00:11::/64\n"
	"nodes:\n"
	"  earth:\n"
	"    network: planet\n"
	"    ip: 10.10.0.10\n"
	"    ip6: 'fd00:10::10'\n"
	"    exec:\n"
	"      - mkdir -p /tmp/www-hp6 && echo page-of-earth > /tmp/www-hp6/index.html\n"
	"      - python3 -m http.server 8080 --bind ::0 --directory /tmp/www-hp6 "
	">/dev/null 2>&1 &\n"
	"      - socat UDP6-RECVFROM:5353,fork EXEC:/bin/cat >/dev/null 2>&1 &\n"
	"  mars:\n"
	"    network: moon\n"
	"    ip: 10.11.0.10\n"
	"    ip6: 'fd00:11::10'\n"
	"forwards:\n"
	"  - {proto: tcp, port: 6000, to: earth:8080}\n"
	"  - {proto: udp, port: 6053, to: earth:5353}\n"
	"  - {proto: tcp, port: 6090, to: earth:9000}\n"
	"  - {proto: tcp, port: 6091, to: earth:9001}\n"
	"  - {proto: tcp, port: 6001, to: earth:8080, host: '2001:db8::1'}\n";

/* planet's gateway6 as socat -d -d writes a peer: what earth sees of every hairpin client */
#define PLANET_GW6_PEER "\\[fd00:0010:0000:0000:0000:0000:0000:0001\\]"

static void hp6_up(void)
{
	cr_assert_eq(script("world6.sh"), 0, "world namespace with IPv6");
	lab_up_ok("hp6", hp6);
	cr_assert(wait_for(5000, "! ip -6 addr show | grep -q tentative"));
	cr_assert(wait_for(5000, "! ip -n hp6-mars -6 addr show | grep -q tentative"));
	cr_assert(wait_for(5000, "! ip -n hp6-earth -6 addr show | grep -q tentative"));
	cr_assert_eq(wait_listen("hp6-earth", "t", 8080), 0);
	cr_assert_eq(wait_listen("hp6-earth", "u", 5353), 0);
}

static void hp6_down(void)
{
	cr_assert(host_untouched());
	lab_down_ok("hp6");
	cr_assert_eq(run("test ! -e /sys/fs/bpf/nsbpf/hp6"), 0, "no pins left");
}

/* NS sends a line through the UDP forward at ADDR:6053 and gets it back. */
static void udp6_echo(const char *ns, const char *addr, const char *line)
{
	char *out = NULL;

	cr_assert_eq(
		in_ns_out(&out, ns, "sh -c 'echo %s | socat -t 2 - UDP6:[%s]:6053'", line, addr), 0,
		"%s: udp6 through [%s]:6053", ns, addr);
	cr_assert(out && !strncmp(out, line, strlen(line)) && !strcmp(out + strlen(line), "\n"),
		  "%s: the echo of %s, got %s", ns, line, out ? out : "nothing");
	free(out);
}

/* Has hp6 a flow that meets COND (a jq condition over `nat list`'s flows)? */
static bool hp6_flows(const char *cond)
{
	return nsbpf_json("nat list hp6", "[.flows[] | select(%s)] | length > 0", cond);
}

Test(forward6, hairpin_nodes_reach_a_forward_at_uplink6_and_a_gateway6)
{
	const char *d = scratch_dir();

	hp6_up();
	/* TCP: mars at the uplink's IPv6 address, at its own gateway6, at planet's */
	expect_fetch("hp6-mars", "http://[2001:db8::1]:6000/", "page-of-earth\n");
	expect_fetch("hp6-mars", "http://[fd00:11::1]:6000/", "page-of-earth\n");
	expect_fetch("hp6-mars", "http://[fd00:10::1]:6000/", "page-of-earth\n");
	/* earth to its own forward: hairpin to itself */
	expect_fetch("hp6-earth", "http://[2001:db8::1]:6000/", "page-of-earth\n");
	expect_fetch("hp6-earth", "http://[fd00:10::1]:6000/", "page-of-earth\n");
	/* the forward's own IPv6 host address: there, not at a gateway6 */
	expect_fetch("hp6-mars", "http://[2001:db8::1]:6001/", "page-of-earth\n");
	cr_assert_neq(fetch("hp6-mars", 2, "http://[fd00:11::1]:6001/", NULL), 0,
		      "a forward for one host address answers there only");
	/* IPv4 beside it, unchanged */
	expect_fetch("hp6-mars", "http://192.0.2.1:6000/", "page-of-earth\n");
	cr_assert(nsbpf_json("forward list hp6",
			     ".labs[0].forwards[] | select(.port == 6000) | .hits >= 6"));

	/* UDP both ways, and to itself */
	udp6_echo("hp6-mars", "2001:db8::1", "ping-hp6-uplink6");
	udp6_echo("hp6-mars", "fd00:11::1", "ping-hp6-gw6");
	udp6_echo("hp6-earth", "fd00:10::1", "ping-hp6-self");

	/* 3 MB up from mars through [uplink6]:6090: intact, and earth's peer is planet's gateway6 */
	random_file("in", 3000000);
	serve("hp6-earth", "t", 9000, "sink.log",
	      "timeout 20 socat -d -d -u TCP6-LISTEN:9000,reuseaddr CREATE:%s/out", d);
	cr_assert_eq(in_ns("hp6-mars", "timeout 20 socat -u FILE:%s/in TCP6:[2001:db8::1]:6090", d),
		     0);
	cr_assert(wait_file("out", 3000000, 20000));
	cr_assert(same_file("in", "out"), "the upload arrived intact");
	cr_assert_eq(
		run("grep -q 'accepting connection from AF=10 " PLANET_GW6_PEER "' %s/sink.log", d),
		0, "earth sees planet's gateway6 as its peer");
	/* 3 MB down to mars through its [gateway6]:6091 */
	serve("hp6-earth", "t", 9001, "source.log",
	      "timeout 20 socat -d -d -u FILE:%s/in TCP6-LISTEN:9001,reuseaddr", d);
	cr_assert_eq(
		in_ns("hp6-mars", "timeout 20 socat -u TCP6:[fd00:11::1]:6091 CREATE:%s/down", d),
		0);
	cr_assert(wait_file("down", 3000000, 20000));
	cr_assert(same_file("in", "down"), "the download arrived intact");
	cr_assert_eq(run("grep -q 'accepting connection from AF=10 " PLANET_GW6_PEER "' "
			 "%s/source.log",
			 d),
		     0, "earth sees planet's gateway6 as its peer");

	/* the flows: both halves, in ct6 (nat list), counted under hairpin */
	cr_assert(hp6_flows(".kind == \"hairpin\" and .node.ip == \"fd00:11::10\" and "
			    ".remote.ip == \"2001:db8::1\" and .nat.ip == \"fd00:10::1\" and "
			    ".dnat.ip == \"fd00:10::10\""),
		  "mars's side: to earth from planet's gateway6");
	cr_assert(hp6_flows(".kind == \"hairpin\" and .node.ip == \"fd00:10::10\" and "
			    ".remote.ip == \"fd00:10::1\" and .dnat.ip == \"fd00:11::10\""),
		  "earth's side: back to mars");
	cr_assert_gt(stat_path("hp6", "hairpin"), 0);
	hp6_down();
}

Test(forward6, hairpin_flows_end_with_their_forward)
{
	hp6_up();
	expect_fetch("hp6-mars", "http://[2001:db8::1]:6000/", "page-of-earth\n");
	udp6_echo("hp6-earth", "2001:db8::1", "ping-hp6-self");
	cr_assert(hp6_flows(".kind == \"hairpin\" and .node.ip == \"fd00:10::10\" and "
			    ".node.port == 8080"),
		  "the TCP hairpin flow's backend side");
	cr_assert(hp6_flows(".kind == \"hairpin\" and .proto == \"udp\""), "the UDP one");
	cr_assert_eq(nsbpf_run("forward del hp6 tcp 6000"), 0);
	cr_assert_eq(nsbpf_run("forward del hp6 udp 6053"), 0);
	/* gone from ct6 at once, both halves */
	cr_assert(!hp6_flows(".kind == \"hairpin\""), "both sides of both hairpin flows");
	cr_assert_neq(fetch("hp6-mars", 2, "http://[2001:db8::1]:6000/", NULL), 0,
		      "deleted: nothing answers");
	hp6_down();
}
