// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Masquerade to the outside world: a "world" netns behind the uplink veth
 * plays the internet, with servers in it. ip_forward stays 0, no iptables.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "harness.h"

TestSuite(masq, .init = harness_enter, .fini = harness_leave, .timeout = 240);

static const char planets[] = "name: planets\n"
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
			      "  pluto:\n"
			      "    network: closed\n";

/* The uplink: tcx unless clsact is forced. */
static const char *uplink_mode(void)
{
	const char *m = getenv("NSBPF_ATTACH");

	return m && !strcmp(m, "clsact") ? "clsact" : "tcx";
}

static void masq_up(void)
{
	world_up();
	lab_up_ok("planets", planets);
	cr_assert(nsbpf_json("status planets", ".labs[0].uplink.attach == \"%s\"", uplink_mode()),
		  "uplink attached with %s", uplink_mode());
	cr_assert(nsbpf_json("status planets", ".labs[0].uplink.name == \"up0\" and "
					       ".labs[0].uplink.ip == \"192.0.2.1\""),
		  "the default route's device is the uplink");
}

static void masq_down(void)
{
	cr_assert(host_untouched());
	lab_down_ok("planets");
	cr_assert(json_true("ip -j link show up0", ".[0].operstate == \"UP\""), "the uplink stays");
	cr_assert_eq(run("test -z \"$(tc filter show dev up0 ingress)\""), 0,
		     "no filter left on the uplink");
}

/* ping -cCOUNT -i0.2 -WWAIT ARGS from NETNS (NULL: the host) succeeds. */
static bool pings(const char *netns, int count, int wait, const char *args)
{
	return !in_ns(netns, "ping -c%d -i0.2 -W%d %s", count, wait, args);
}

/* What CMD prints, run in NETNS, is exactly WANT. */
static void prints(const char *netns, const char *cmd, const char *want)
{
	char *out = NULL;

	cr_assert_eq(in_ns_out(&out, netns, "%s", cmd), 0, "%s", cmd);
	cr_assert_str_eq(out, want, "%s", cmd);
	free(out);
}

Test(masq, http_fetch_server_sees_the_uplink_address)
{
	const char *d = scratch_dir();

	masq_up();
	cr_assert_eq(run("mkdir -p %s/www && echo hello-from-world > %s/www/index.html", d, d), 0);
	serve("world", "t", 8000, "http.log",
	      "python3 -m http.server 8000 --bind 192.0.2.2 --directory %s/www", d);
	expect_fetch("planets-earth", "http://192.0.2.2:8000/", "hello-from-world\n");
	cr_assert_eq(run("grep -q '^192.0.2.1 - .*GET / ' %s/http.log", d), 0,
		     "the server logs the uplink address as the client");
	cr_assert_eq(run("grep -q '^10\\.' %s/http.log", d), 1, "never a lab address");
	/* the flow is visible, translated to the uplink address */
	cr_assert(nsbpf_json("nat list planets",
			     ".flows[] | select(.proto == \"tcp\" and .kind == \"masquerade\" and "
			     ".node.ip == \"10.10.0.10\" and .remote.ip == \"192.0.2.2\" and "
			     ".remote.port == 8000 and .nat.ip == \"192.0.2.1\" and "
			     ".nat.port >= 61000 and .orig.packets > 0 and .reply.packets > 0)"));
	cr_assert_eq(nsbpf_run("nat list planets | grep -E '^tcp +masquerade +10.10.0.10:[0-9]+ "
			       "+192.0.2.2:8000 +192.0.2.1:6[0-9]+'"),
		     0);
	cr_assert_gt(stat_path("planets", "snat"), 0);
	cr_assert_eq(nsbpf_run("nat flush planets | grep -q flushed"), 0);
	cr_assert(nsbpf_json("nat list planets", ".flows == []"));
	masq_down();
}

Test(masq, ping_and_udp_request_response)
{
	masq_up();
	cr_assert(pings("planets-earth", 3, 2, "192.0.2.2"));
	cr_assert(pings("planets-neptune", 2, 2, "192.0.2.2"), "two nodes at once");
	cr_assert(nsbpf_json("nat list planets",
			     "[.flows[] | select(.proto == \"icmp\")] | length == 2"));
	serve("world", "u", 7000, "udp.log",
	      "socat UDP4-RECVFROM:7000,bind=192.0.2.2,fork EXEC:/bin/cat");
	prints(NULL, "echo ping-udp | ip netns exec planets-earth socat -t 2 - UDP4:192.0.2.2:7000",
	       "ping-udp\n");
	masq_down();
}

Test(masq, udp_to_a_closed_port_is_refused_in_the_node)
{
	masq_up();
	/* The world's port unreachable comes back through the NAT (RFC 5508). */
	cr_assert_eq(
		in_ns("planets-earth", "python3 %s 192.0.2.2 7999", script_path("udp-refused.py")),
		0, "ECONNREFUSED");
	cr_assert_gt(stat_path("planets", "icmp_err_rev"), 0);
	masq_down();
}

Test(masq, path_mtu_discovery_through_a_narrower_world_link)
{
	const char *d = scratch_dir();

	masq_up();
	/* world becomes a router to a server behind a 1280-byte path */
	cr_assert_eq(script("narrow-server.sh"), 0);
	random_file("in", 3000000);
	/* node -> server: the router's frag-needed must reach the node's socket */
	serve("server", "t", 9000, "sink.log",
	      "timeout 30 socat -u TCP-LISTEN:9000,reuseaddr CREATE:%s/out", d);
	cr_assert_eq(
		in_ns("planets-earth", "timeout 30 socat -u FILE:%s/in TCP:198.51.100.2:9000", d),
		0);
	cr_assert(wait_file("out", 3000000, 10000));
	cr_assert(same_file("in", "out"), "upload intact");
	/* server -> node */
	serve("server", "t", 9001, "src.log",
	      "timeout 30 socat -u FILE:%s/in TCP-LISTEN:9001,reuseaddr", d);
	cr_assert_eq(in_ns("planets-earth",
			   "timeout 30 socat -u TCP:198.51.100.2:9001 "
			   "CREATE:%s/down",
			   d),
		     0);
	cr_assert(same_file("in", "down"), "download intact");
	cr_assert_gt(stat_path("planets", "icmp_err_rev"), 0,
		     "frag-needed went back through the NAT");
	cr_assert_eq(run("ip -n planets-earth route get 198.51.100.2 | grep -q 'mtu 1280'"), 0,
		     "the node learned the path MTU");
	masq_down();
}

Test(masq, uplink_narrower_than_the_node_answers_frag_needed)
{
	char *out = NULL;

	masq_up();
	cr_assert_eq(run("ip link set up0 mtu 1400 && ip -n world link set eth0 mtu 1400"), 0);
	in_ns_out(&out, "planets-earth", "ping -c1 -W2 -M do -s 1472 192.0.2.2 2>&1");
	cr_assert(strstr(out, "mtu = 1400") || strstr(out, "mtu=1400"),
		  "frag needed with the uplink's MTU: %s", out);
	free(out);
	cr_assert_gt(stat_path("planets", "frag_needed"), 0);
	cr_assert(pings("planets-earth", 1, 2, "-M do -s 1372 192.0.2.2"),
		  "what fits goes through");
	masq_down();
}

Test(masq, two_thousand_short_connections_all_succeed)
{
	masq_up();
	serve("world", "t", 8001, "srv.log",
	      "socat TCP4-LISTEN:8001,bind=192.0.2.2,fork,reuseaddr,"
	      "backlog=256 SYSTEM:'echo ok'");
	cr_assert_eq(in_ns("planets-earth", "timeout 120 python3 %s 192.0.2.2 8001 2000",
			   script_path("short-conns.py")),
		     0);
	masq_down();
}

Test(masq, host_traffic_with_the_world_is_untouched)
{
	masq_up();
	cr_assert(pings(NULL, 2, 2, "192.0.2.2"), "host -> world");
	/* world -> host on a port inside the SNAT range that has no entry */
	serve(NULL, "t", 62000, "host-srv.log",
	      "socat TCP4-LISTEN:62000,bind=192.0.2.1,reuseaddr SYSTEM:'echo host-here'");
	prints("world", "socat -t 2 - TCP4:192.0.2.1:62000 </dev/null", "host-here\n");
	/* host -> world TCP, from a port in the host's own range */
	serve("world", "t", 8002, "w-srv.log",
	      "socat TCP4-LISTEN:8002,bind=192.0.2.2,reuseaddr SYSTEM:'echo world-here'");
	prints(NULL, "socat -t 2 - TCP4:192.0.2.2:8002 </dev/null", "world-here\n");
	masq_down();
}

Test(masq, networks_without_masquerade_stay_inside_and_nat_off_on)
{
	masq_up();
	cr_assert(!pings("planets-pluto", 2, 1, "192.0.2.2"), "closed network");
	cr_assert_geq(stat_drop("planets", "no_masquerade"), 2);
	cr_assert(pings("planets-pluto", 1, 2, "10.11.0.1"), "its gateway still answers");
	cr_assert(pings("planets-pluto", 1, 2, "192.0.2.1"), "and the host's address");

	cr_assert_eq(nsbpf_run("nat off planets planet"), 0);
	cr_assert(!pings("planets-earth", 1, 1, "192.0.2.2"));
	cr_assert_eq(nsbpf_run("nat on planets planet"), 0);
	cr_assert(pings("planets-earth", 1, 2, "192.0.2.2"));
	cr_assert_eq(nsbpf_run("nat on planets closed"), 0);
	cr_assert(pings("planets-pluto", 1, 2, "192.0.2.2"));
	cr_assert_eq(nsbpf_run("nat on planets nonet"), 2);
	masq_down();
}

Test(masq, bulk_upload_through_a_narrower_uplink_learns_the_mtu_from_nsbpf)
{
	const char *d = scratch_dir();

	masq_up();
	/* Only the host's end is narrower: the world advertises MSS 1460, so the
	 * node's (GSO, CHECKSUM_PARTIAL) segments do not fit and nsbpf answers. */
	cr_assert_eq(run("ip link set up0 mtu 1400"), 0);
	random_file("in", 2000000);
	serve("world", "t", 9000, "sink.log",
	      "timeout 30 socat -u TCP-LISTEN:9000,reuseaddr CREATE:%s/out", d);
	cr_assert_eq(in_ns("planets-earth", "timeout 30 socat -u FILE:%s/in TCP:192.0.2.2:9000", d),
		     0);
	cr_assert(wait_file("out", 2000000, 10000));
	cr_assert(same_file("in", "out"), "upload intact");
	cr_assert_gt(stat_path("planets", "frag_needed"), 0);
	masq_down();
}

Test(masq, fragmented_udp_both_ways)
{
	char *out = NULL;

	masq_up();
	serve("world", "u", 7001, "udp.log",
	      "socat UDP4-RECVFROM:7001,bind=192.0.2.2,fork EXEC:/bin/cat");
	cr_assert_eq(run_out(&out,
			     "head -c 3000 /dev/zero | tr '\\0' x | ip netns exec planets-earth "
			     "socat -t 2 -b 4000 - UDP4:192.0.2.2:7001 | wc -c"),
		     0);
	cr_assert_eq(atoi(out), 3000, "a 3000-byte datagram went out and came back whole");
	free(out);
	cr_assert_gt(stat_path("planets", "snat_frag"), 0);
	cr_assert_gt(stat_path("planets", "rev_snat_frag"), 0);
	masq_down();
}

Test(masq, traceroute_sees_the_gateway_then_the_world)
{
	char *out = NULL;

	masq_up();
	cr_assert_eq(in_ns_out(&out, "planets-earth", "traceroute -n -q1 -w1 -m3 192.0.2.2"), 0);
	cr_log_info("%s", out);
	cr_assert(strstr(out, " 1  10.10.0.1 "),
		  "hop 1 is the gateway (time exceeded from BPF): %s", out);
	cr_assert(strstr(out, " 2  192.0.2.2 "), "hop 2 is the destination: %s", out);
	free(out);
	cr_assert_gt(stat_path("planets", "time_exceeded"), 0);
	cr_assert_gt(stat_path("planets", "icmp_err_rev"), 0, "port unreachable came back");
	masq_down();
}

static const char tiny[] = "name: tiny\n"
			   "nat: {ports: 61000-61001, conntrack: 1024}\n"
			   "networks:\n"
			   "  n:\n"
			   "    subnet: 10.12.0.0/24\n"
			   "    masquerade: true\n"
			   "nodes:\n"
			   "  a:\n"
			   "    network: n\n"
			   "  b:\n"
			   "    network: n\n";

Test(masq, exhausted_port_range_drops_new_flows_and_keeps_old_ones)
{
	const char *d = scratch_dir();

	world_up();
	/* Nodes take their ephemeral ports from the SNAT range: two ports, two nodes. */
	lab_up_ok("tiny", tiny);
	cr_assert_eq(in_ns("tiny-a",
			   "grep -qE '^61000\\s+61001$' /proc/sys/net/ipv4/ip_local_port_range"),
		     0, "the node's ephemeral ports are the SNAT range");
	serve("world", "t", 8003, "echo.log",
	      "socat TCP4-LISTEN:8003,bind=192.0.2.2,fork,reuseaddr EXEC:/bin/cat");
	/* a holds both ports; b's connection finds none free */
	bg("hold.log",
	   "timeout 20 ip netns exec tiny-a python3 %s 192.0.2.2 8003 %s/held; "
	   "echo $? > %s/hold.rc",
	   script_path("hold-ports.py"), d, d);
	cr_assert(wait_file("held", 0, 5000));
	cr_assert_neq(
		in_ns("tiny-b", "timeout 5 python3 %s 192.0.2.2 8003", script_path("connect.py")),
		0, "a third flow gets no port");
	cr_assert_gt(stat_drop("tiny", "nat_exhausted"), 0);
	cr_assert(wait_file("hold.rc", 0, 10000));
	cr_assert_eq(run("exit $(cat %s/hold.rc)", d), 0, "the first two flows still work");
	cr_assert(nsbpf_json("nat list tiny", "[.flows[] | select(.node.ip == \"10.12.0.2\") | "
					      ".nat.port] | sort == [61000, 61001]"),
		  "they kept their own ports");
	/* the map type is the datapath's choice (LRU, or a hash with early drop) */
	cr_assert(json_true("bpftool -j map show pinned /sys/fs/bpf/nsbpf/tiny/ct",
			    ".max_entries == 1024"),
		  "conntrack sized from the topology");
	cr_assert(host_untouched());
	lab_down_ok("tiny");
}

/* Lab tmo with the nat line NAT. */
static void tmo_up(const char *nat)
{
	char yaml[512];

	snprintf(yaml, sizeof(yaml),
		 "name: tmo\n%s\nnetworks:\n  n:\n    subnet: 10.12.0.0/24\n"
		 "    masquerade: true\nnodes:\n  a:\n    network: n\n",
		 nat);
	lab_up_ok("tmo", yaml);
}

Test(masq, timeouts_from_the_file_are_in_force)
{
	world_up();
	tmo_up("nat: {timeouts: {tcp_established: 3h, udp_new: 1s, udp: 1s, icmp: 45s}}");
	/* what the file says, and the datapath's defaults for the rest */
	cr_assert(
		nsbpf_json("nat list tmo",
			   ".timeouts == {\"tcp_syn\": 240, "
			   "\"tcp_established\": 10800, \"tcp_closing\": 240, \"tcp_closed\": 120, "
			   "\"udp_new\": 1, \"udp\": 1, \"icmp\": 45}"));
	cr_assert_eq(nsbpf_run("nat list tmo | grep -qx 'timeouts: tcp_syn 4m, tcp_established 3h, "
			       "tcp_closing 4m, tcp_closed 2m, udp_new 1s, udp 1s, icmp 45s'"),
		     0);
	cr_assert(json_true("bpftool -j map dump pinned /sys/fs/bpf/nsbpf/tmo/config",
			    ".[0].formatted.value | .tmo_tcp_est == 10800000000000 and "
			    ".tmo_udp_new == 1000000000 and .tmo_tcp_syn == 0"),
		  "written to the config map, 0 for the defaults");
	/* a one-way UDP flow is expired after its second */
	cr_assert_eq(run("echo x | ip netns exec tmo-a socat -u - UDP4:192.0.2.2:9999"), 0);
	cr_assert(nsbpf_json("nat list tmo",
			     ".flows[] | select(.proto == \"udp\") | .expired == false"));
	/* listed as expired, or already collected */
	usleep(2200 * 1000);
	cr_assert(nsbpf_json("nat list tmo",
			     "[.flows[] | select(.proto == \"udp\" and .expired == false)] == []"));
	/* a re-up with other timeouts changes them in place */
	tmo_up("nat: {timeouts: {tcp_established: 2h4m}}");
	cr_assert(nsbpf_json("nat list tmo",
			     ".timeouts.tcp_established == 7440 and .timeouts.udp == 120"));
	cr_assert(host_untouched());
	lab_down_ok("tmo");
}
