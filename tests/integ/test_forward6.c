// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Port forwards over IPv6 (issue 14): a dual-stack lab whose forwards for
 * any host address answer on the uplink's IPv6 address too (the world on
 * IPv6 behind the uplink: world6.sh), from the world (TCP and UDP) and
 * from the host itself ([::1] and the uplink's IPv6 address, through the
 * cgroup hooks); a forward to a node without ip6 stays IPv4-only, and
 * `forward list` says which is which; forward add and del follow on IPv6;
 * the file's forward for an IPv6 host address answers there only.
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
