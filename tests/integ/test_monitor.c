// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nsbpf monitor on a real lab: the events a user looks for (a spoofed
 * packet, an isolated ping, a new masqueraded flow, a forward's new flow)
 * with their fields, the monitor switch cleared however the monitor ends
 * (Ctrl-C, kill -9), one monitor per lab, and a flood held back by the
 * rate limit while traffic still flows; over IPv6, a spoofed source, a
 * NAT66 flow and an inbound packet from the world with their IPv6
 * addresses, in JSON and in text.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "harness.h"

TestSuite(monitor, .init = harness_enter, .fini = harness_leave, .timeout = 180);

static const char lab[] = "name: mon\n"
			  "networks:\n"
			  "  planet:\n"
			  "    subnet: 10.10.0.0/16\n"
			  "    masquerade: true\n"
			  "  closed:\n"
			  "    subnet: 10.11.0.0/24\n"
			  "nodes:\n"
			  "  earth:\n"
			  "    network: planet\n"
			  "    ip: 10.10.0.10\n"
			  "  neptune:\n"
			  "    network: planet\n"
			  "    ip: 10.10.0.2\n"
			  "  pluto:\n"
			  "    network: closed\n"
			  "    ip: 10.11.0.5\n"
			  "forwards:\n"
			  "  - {proto: tcp, port: 6000, to: earth:8080}\n";

#define SWITCH "bpftool -j map lookup pinned /sys/fs/bpf/nsbpf/mon/monitor key 0 0 0 0"

/* `nsbpf monitor ARGS` in the background, stdout into the scratch file OUT: its pid. */
static pid_t monitor_start(const char *out, const char *args)
{
	char cmd[1024];
	pid_t pid;

	snprintf(cmd, sizeof(cmd), "exec %s monitor %s >%s/%s 2>%s/%s.err", nsbpf(), args,
		 scratch_dir(), out, scratch_dir(), out);
	pid = fork();
	cr_assert_geq(pid, 0, "fork");
	if (!pid) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	cr_assert(wait_for(5000, SWITCH " | jq -e '.formatted.value.on == 1' >/dev/null"),
		  "monitor switched the lab's events on");
	return pid;
}

/* Signal the monitor, reap it: its exit status (128 + signal if it died of one). */
static int monitor_end(pid_t pid, int sig)
{
	int st;

	kill(pid, sig);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static bool switch_off_within(int ms)
{
	return wait_for(ms, SWITCH " | jq -e '.formatted.value.on == 0' >/dev/null");
}

/* The monitor's output OUT has, within 3 s, an event matching the jq condition COND. */
/* Every line of OUT that jq's SELECT picks is shaped as docs/json.md's SHAPE says. */
static bool lines_shaped(const char *out, const char *select, const char *shape)
{
	return !run("jq -c 'select(%s)' %s/%s | while read -r l; do "
		    "printf '%%s' \"$l\" | %s '%s' || exit 1; done",
		    select, scratch_dir(), out, script_path("json_shape.py"), shape);
}

static bool has_event(const char *out, const char *cond)
{
	char *seen = NULL;

	if (wait_for(3000, "jq -e -s 'any(.[]; %s)' %s/%s >/dev/null", cond, scratch_dir(), out))
		return true;
	run_out(&seen, "tail -c 3000 %s/%s", scratch_dir(), out);
	cr_log_error("%s has:\n%s", out, seen ? seen : "");
	free(seen);
	return false;
}

Test(monitor, drops_and_new_flows_with_their_fields)
{
	pid_t mon;

	world_up();
	lab_up_ok("mon", lab);
	mon = monitor_start("ev.jsonl", "mon -j");

	/* a spoofed source from earth (neptune's MAC known: no ARP from that source) */
	cr_assert(!in_ns("mon-earth", "ping -c1 -W2 10.10.0.2"));
	cr_assert_eq(run("ip -n mon-earth addr add 10.10.0.99/16 dev eth0"), 0);
	in_ns("mon-earth", "ping -c1 -W1 -I 10.10.0.99 10.10.0.2");
	cr_assert(has_event("ev.jsonl", ".type == \"drop\" and .reason == \"spoof_ip\" and "
					".node == \"earth\" and .dev == \"mon-earth\" and "
					".proto == \"icmp\" and .src == \"10.10.0.99\" and "
					".dst == \"10.10.0.2\" and .icmp_type == 8 and "
					"(.time | test(\"^20[0-9-]+T[0-9:.]+Z$\"))"),
		  "spoof_ip drop with its packet");
	/* pluto's network may not reach planet */
	in_ns("mon-pluto", "ping -c1 -W1 10.10.0.10");
	cr_assert(has_event("ev.jsonl", ".type == \"drop\" and .reason == \"isolated\" and "
					".node == \"pluto\" and .src == \"10.11.0.5\" and "
					".dst == \"10.10.0.10\""),
		  "isolated drop");
	/* a new masqueraded flow: earth's UDP to the world, its translation */
	in_ns("mon-earth", "sh -c 'echo hi | socat -T1 - UDP4:192.0.2.2:5353,sourceport=61111'");
	cr_assert(has_event("ev.jsonl",
			    ".type == \"flow\" and .reason == \"masquerade\" and "
			    ".node == \"earth\" and .proto == \"udp\" and .src == \"10.10.0.10\" "
			    "and .sport == 61111 and .dst == \"192.0.2.2\" and .dport == 5353 and "
			    ".nat.src == \"192.0.2.1\" and .nat.dst == \"192.0.2.2\" and "
			    ".nat.dport == 5353"),
		  "masquerade flow with its translation");
	/* a forward's new flow: the world's SYN to 6000 goes to earth:8080 */
	in_ns("world", "curl -s -m2 http://192.0.2.1:6000/");
	cr_assert(has_event("ev.jsonl", ".type == \"flow\" and .reason == \"forward\" and "
					".node == \"earth\" and .proto == \"tcp\" and "
					".src == \"192.0.2.2\" and .dst == \"192.0.2.1\" and "
					".dport == 6000 and .nat.dst == \"10.10.0.10\" and "
					".nat.dport == 8080 and .nat.sport == .sport"),
		  "forward flow with its translation");

	cr_assert_eq(monitor_end(mon, SIGINT), 0, "Ctrl-C ends monitor with status 0");
	cr_assert(switch_off_within(1000), "the switch is off once monitor is gone");
	cr_assert_eq(run("jq -e . %s/ev.jsonl >/dev/null", scratch_dir()), 0,
		     "every line is a JSON object");
	cr_assert(
		lines_shaped("ev.jsonl", ".type == \"drop\" or .type == \"flow\"", "monitor event"),
		"events shaped as docs/json.md says");
	lab_down_ok("mon");
}

Test(monitor, switch_cleared_after_kill_9_and_one_monitor_per_lab)
{
	pid_t mon;

	lab_up_ok("mon", lab);
	mon = monitor_start("a.jsonl", "mon -j --type drop");
	nsbpf_says(1, "monitored already", "monitor mon");
	cr_assert_eq(monitor_end(mon, SIGKILL), 128 + SIGKILL);
	cr_assert(switch_off_within(2000), "the watcher cleared the switch after kill -9");
	/* a new monitor starts at once, and --type/--node filter */
	mon = monitor_start("b.jsonl", "mon -j --type drop --node pluto");
	in_ns("mon-pluto", "ping -c1 -W1 10.10.0.10");
	cr_assert_eq(run("ip -n mon-earth addr add 10.10.0.99/16 dev eth0"), 0);
	in_ns("mon-earth", "ping -c1 -W1 -I 10.10.0.99 10.10.0.2");
	cr_assert(has_event("b.jsonl", ".reason == \"isolated\""));
	cr_assert_eq(monitor_end(mon, SIGTERM), 0);
	cr_assert_eq(run("jq -e -s 'all(.[]; .node == \"pluto\" and .type == \"drop\")' "
			 "%s/b.jsonl >/dev/null",
			 scratch_dir()),
		     0, "--node pluto --type drop show pluto's drops only");
	cr_assert(switch_off_within(1000));
	lab_down_ok("mon");
}

Test(monitor, flood_is_rate_limited_and_traffic_flows)
{
	long long before;
	char *out = NULL;
	pid_t mon;

	lab_up_ok("mon", lab);
	mon = monitor_start("f.jsonl", "mon -j");
	cr_assert(!in_ns("mon-earth", "ping -c1 -W2 10.10.0.2"), "neighbour resolved");
	cr_assert_eq(run("ip -n mon-earth addr add 10.10.0.99/16 dev eth0"), 0);
	before = stat_drop("mon", "spoof_ip");
	cr_assert_eq(bg("flood.log", "ip netns exec mon-earth %s 10.10.0.99 10.10.0.2 3",
			script_path("udp-flood.py")),
		     0);
	usleep(500 * 1000);
	cr_assert(!in_ns("mon-earth", "ping -c3 -i0.2 -W2 10.10.0.2"),
		  "earth reaches neptune during the flood");
	cr_assert(!in_ns("mon-neptune", "ping -c3 -i0.2 -W2 10.10.0.10"),
		  "neptune reaches earth during the flood");
	cr_assert(wait_file("flood.log", 1, 6000), "flood done");
	cr_assert_gt(stat_drop("mon", "spoof_ip") - before, 20000, "a flood it was");
	cr_assert(has_event("f.jsonl", ".type == \"suppressed\" and .count > 0"),
		  "monitor reports suppressed events");
	cr_assert(nsbpf_json("stats mon", ".monitor.suppressed.events > 0"), "stats counts them");
	cr_assert(lines_shaped("f.jsonl", ".type == \"suppressed\"", "monitor held"));
	cr_assert_eq(monitor_end(mon, SIGINT), 0);
	cr_assert_eq(run_out(&out, "jq -s '[.[] | select(.type == \"drop\")] | length' %s/f.jsonl",
			     scratch_dir()),
		     0);
	cr_log_info("flood: %lld drops, %s events shown", stat_drop("mon", "spoof_ip") - before,
		    out);
	free(out);
	cr_assert(switch_off_within(1000));
	lab_down_ok("mon");
}

static const char lab6[] = "name: mon6\n"
			   "networks:\n"
			   "  planet:\n"
			   "    subnet: 10.10.0.0/16\n"
			   "    subnet6: fd00:10::/64\n"
			   "    masquerade: true\n"
			   "nodes:\n"
			   "  earth: {network: planet, ip: 10.10.0.10, ip6: 'fd00:10::10'}\n";

#define SWITCH6 "bpftool -j map lookup pinned /sys/fs/bpf/nsbpf/mon6/monitor key 0 0 0 0"

/* monitor_start() for mon6. */
static pid_t monitor6_start(const char *out, const char *args)
{
	char cmd[1024];
	pid_t pid;

	snprintf(cmd, sizeof(cmd), "exec %s monitor %s >%s/%s 2>%s/%s.err", nsbpf(), args,
		 scratch_dir(), out, scratch_dir(), out);
	pid = fork();
	cr_assert_geq(pid, 0, "fork");
	if (!pid) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	cr_assert(wait_for(5000, SWITCH6 " | jq -e '.formatted.value.on == 1' >/dev/null"),
		  "monitor switched the lab's events on");
	return pid;
}

/* earth, with fd00:10::99 besides its ip6, sends from it to the world: spoof_ip. */
static void spoof6(void)
{
	in_ns("mon6-earth", "ping -6 -c1 -W1 -I fd00:10::99 2001:db8::2");
}

Test(monitor, ipv6_drops_and_nat66_flows_with_their_addresses)
{
	char *text = NULL;
	pid_t mon;

	cr_assert_eq(script("world6.sh"), 0, "world namespace with IPv6");
	lab_up_ok("mon6", lab6);
	cr_assert(wait_for(5000, "! ip -6 addr show | grep -q tentative"));
	/* the gateway's neighbour entry, from earth's own address */
	cr_assert(!in_ns("mon6-earth", "ping -6 -c1 -W2 2001:db8::2"), "ping6 to the world");
	cr_assert_eq(run("ip -n mon6-earth addr add fd00:10::99/64 dev eth0 nodad preferred_lft 0"),
		     0);

	mon = monitor6_start("ev6.jsonl", "mon6 -j");
	spoof6();
	cr_assert(has_event("ev6.jsonl", ".type == \"drop\" and .reason == \"spoof_ip\" and "
					 ".node == \"earth\" and .family == \"ipv6\" and "
					 ".proto == \"icmpv6\" and .src == \"fd00:10::99\" and "
					 ".dst == \"2001:db8::2\" and .icmp_type == 128 and "
					 ".sport != null and .dport == null"),
		  "an IPv6 spoof_ip drop with its addresses");
	/* a new NAT66 flow: earth's UDP to the world, its translation */
	in_ns("mon6-earth",
	      "sh -c 'echo hi | socat -T1 - UDP6:[2001:db8::2]:5353,sourceport=61112'");
	cr_assert(has_event("ev6.jsonl",
			    ".type == \"flow\" and .reason == \"masquerade\" and "
			    ".node == \"earth\" and .family == \"ipv6\" and .proto == \"udp\" and "
			    ".src == \"fd00:10::10\" and .sport == 61112 and "
			    ".dst == \"2001:db8::2\" and .dport == 5353 and "
			    ".nat.src == \"2001:db8::1\" and .nat.dst == \"2001:db8::2\" and "
			    ".nat.dport == 5353 and .nat.sport >= 61000"),
		  "a NAT66 flow with its translation");
	/* the world pinging a node's ip6 with no flow: dropped on the uplink (inbound) */
	cr_assert_eq(run("ip -n world -6 route add fd00:10::/64 via 2001:db8::1"), 0);
	in_ns("world", "ping -6 -c1 -W1 fd00:10::10");
	cr_assert(has_event("ev6.jsonl",
			    ".type == \"drop\" and .reason == \"inbound\" and "
			    ".node == null and .dev == \"up0\" and .family == \"ipv6\" "
			    "and .src == \"2001:db8::2\" and .dst == \"fd00:10::10\" and "
			    ".proto == \"icmpv6\" and .icmp_type == 128"),
		  "an IPv6 inbound drop on the uplink");
	cr_assert_eq(monitor_end(mon, SIGINT), 0);
	cr_assert(lines_shaped("ev6.jsonl", ".type == \"drop\" or .type == \"flow\"",
			       "monitor event"),
		  "IPv6 events shaped as docs/json.md says");

	/* text: [addr]:port */
	mon = monitor6_start("ev6.txt", "mon6");
	spoof6();
	in_ns("mon6-earth",
	      "sh -c 'echo hi | socat -T1 - UDP6:[2001:db8::2]:5354,sourceport=61113'");
	cr_assert(wait_for(3000,
			   "grep -q 'flow .*udp  \\[fd00:10::10\\]:61113 -> "
			   "\\[2001:db8::2\\]:5354 as \\[2001:db8::1\\]:[0-9]* -> "
			   "\\[2001:db8::2\\]:5354' %s/ev6.txt",
			   scratch_dir()),
		  "the NAT66 flow's text line");
	cr_assert(wait_for(3000,
			   "grep -q 'drop  spoof_ip .*icmpv6 \\[fd00:10::99\\]:[0-9]* -> "
			   "\\[2001:db8::2\\] type 128 code 0' %s/ev6.txt",
			   scratch_dir()),
		  "the spoof_ip drop's text line");
	cr_assert_eq(monitor_end(mon, SIGINT), 0);
	run_out(&text, "cat %s/ev6.txt", scratch_dir());
	cr_log_info("monitor text:\n%s", text ? text : "");
	free(text);
	lab_down_ok("mon6");
}
