// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Masquerade to the outside world: a "world" netns behind the uplink veth
 * plays the internet, with servers in it. ip_forward stays 0, no iptables.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "harness.h"

TestSuite(masq, .init = harness_enter, .fini = harness_leave, .timeout = 240);

static const char planets[] =
	"name: planets\n"
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

static void lab_with_world(void)
{
	world_up();
	cr_assert_eq(run("%s up %s", nsbpf(), lab_file("planets", planets)), 0);
	cr_assert_eq(run("%s status planets --json | jq -e '.labs[0].uplink.attach == \"%s\"'", nsbpf(),
			 uplink_mode()), 0, "uplink attached with %s", uplink_mode());
	cr_assert_eq(run("%s status planets --json | jq -e '.labs[0].uplink.name == \"up0\" and .labs[0].uplink.ip == \"192.0.2.1\"'",
			 nsbpf()), 0, "the default route's device is the uplink");
}

static void lab_down(void)
{
	cr_assert(host_untouched());
	cr_assert_eq(run("%s down planets", nsbpf()), 0);
	cr_assert(lab_gone("planets"));
	cr_assert_eq(run("ip -j link show up0 | jq -e '.[0].operstate == \"UP\"'"), 0, "the uplink stays");
	cr_assert_eq(run("test -z \"$(tc filter show dev up0 ingress)\""), 0, "no filter left on the uplink");
}

Test(masq, http_fetch_server_sees_the_uplink_address)
{
	char *out = NULL;

	lab_with_world();
	cr_assert_eq(run("mkdir -p %s/www && echo hello-from-world > %s/www/index.html", scratch_dir(), scratch_dir()), 0);
	bg("http.log", "ip netns exec world python3 -m http.server 8000 --bind 192.0.2.2 --directory %s/www", scratch_dir());
	cr_assert_eq(wait_listen("world", "t", 8000), 0);
	cr_assert_eq(run_out(&out, "ip netns exec planets-earth curl -s -m 5 http://192.0.2.2:8000/"), 0);
	cr_assert_str_eq(out, "hello-from-world\n");
	free(out);
	cr_assert_eq(run("grep -q '^192.0.2.1 - .*GET / ' %s/http.log", scratch_dir()), 0,
		     "the server logs the uplink address as the client");
	cr_assert_eq(run("grep -q '^10\\.' %s/http.log", scratch_dir()), 1, "never a lab address");
	/* the flow is visible, translated to the uplink address */
	cr_assert_eq(run("%s nat list planets --json | jq -e '.flows[] | select(.proto == \"tcp\" and .kind == \"masquerade\" and .node.ip == \"10.10.0.10\" and "
			 ".remote.ip == \"192.0.2.2\" and .remote.port == 8000 and .nat.ip == \"192.0.2.1\" and "
			 ".nat.port >= 61000 and .orig.packets > 0 and .reply.packets > 0)'", nsbpf()), 0);
	cr_assert_eq(run("%s nat list planets | grep -E '^tcp +masquerade +10.10.0.10:[0-9]+ +192.0.2.2:8000 +192.0.2.1:6[0-9]+'", nsbpf()), 0);
	cr_assert_gt(stat_packets("planets", "paths", "snat"), 0);
	cr_assert_eq(run("%s nat flush planets | grep -q flushed", nsbpf()), 0);
	cr_assert_eq(run("%s nat list planets --json | jq -e '.flows == []'", nsbpf()), 0);
	lab_down();
}

Test(masq, ping_and_udp_request_response)
{
	char *out = NULL;

	lab_with_world();
	cr_assert_eq(run("ip netns exec planets-earth ping -c3 -i0.2 -W2 192.0.2.2"), 0);
	cr_assert_eq(run("ip netns exec planets-neptune ping -c2 -i0.2 -W2 192.0.2.2"), 0, "two nodes at once");
	cr_assert_eq(run("%s nat list planets --json | jq -e '[.flows[] | select(.proto == \"icmp\")] | length == 2'", nsbpf()), 0);
	bg("udp.log", "ip netns exec world socat UDP4-RECVFROM:7000,bind=192.0.2.2,fork EXEC:/bin/cat");
	cr_assert_eq(wait_listen("world", "u", 7000), 0);
	cr_assert_eq(run_out(&out, "echo ping-udp | ip netns exec planets-earth socat -t 2 - UDP4:192.0.2.2:7000"), 0);
	cr_assert_str_eq(out, "ping-udp\n");
	free(out);
	lab_down();
}

Test(masq, udp_to_a_closed_port_is_refused_in_the_node)
{
	lab_with_world();
	/* The world's port unreachable comes back through the NAT (RFC 5508). */
	cr_assert_eq(run("ip netns exec planets-earth python3 -c '\n"
			 "import socket, sys\n"
			 "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
			 "s.settimeout(3)\n"
			 "s.connect((\"192.0.2.2\", 7999))\n"
			 "s.send(b\"x\")\n"
			 "try:\n"
			 "    s.recv(16)\n"
			 "except ConnectionRefusedError:\n"
			 "    sys.exit(0)\n"
			 "except socket.timeout:\n"
			 "    sys.exit(3)\n"
			 "sys.exit(4)'"), 0, "ECONNREFUSED");
	cr_assert_gt(stat_packets("planets", "paths", "icmp_err_rev"), 0);
	lab_down();
}

Test(masq, path_mtu_discovery_through_a_narrower_world_link)
{
	char *a = NULL, *b = NULL;
	const char *d = scratch_dir();

	lab_with_world();
	/* world becomes a router to a server behind a 1280-byte path */
	cr_assert_eq(run("ip netns add server && ip -n server link set lo up && "
			 "ip -n world link add s0 type veth peer name eth0 netns server && "
			 "ip -n world addr add 198.51.100.1/24 dev s0 && ip -n world link set s0 up && "
			 "ip -n server addr add 198.51.100.2/24 dev eth0 && ip -n server link set eth0 up && "
			 "ip -n server route add default via 198.51.100.1 && "
			 "ip netns exec world sysctl -qw net.ipv4.ip_forward=1 && "
			 "ip -n world route replace 198.51.100.0/24 dev s0 mtu 1280 && "
			 "ip -n world route replace 192.0.2.0/24 dev eth0 mtu 1280"), 0);
	cr_assert_eq(run("head -c 3000000 /dev/urandom > %s/in", d), 0);
	/* node -> server: the router's frag-needed must reach the node's socket */
	bg("sink.log", "timeout 30 ip netns exec server socat -u TCP-LISTEN:9000,reuseaddr CREATE:%s/out", d);
	cr_assert_eq(wait_listen("server", "t", 9000), 0);
	cr_assert_eq(run("timeout 30 ip netns exec planets-earth socat -u FILE:%s/in TCP:198.51.100.2:9000", d), 0);
	cr_assert_eq(run("for i in $(seq 100); do [ $(stat -c %%s %s/out 2>/dev/null || echo 0) -ge 3000000 ] && exit 0; sleep 0.1; done; exit 1", d), 0);
	cr_assert_eq(run_out(&a, "sha256sum < %s/in", d), 0);
	cr_assert_eq(run_out(&b, "sha256sum < %s/out", d), 0);
	cr_assert_str_eq(a, b, "upload intact");
	free(b);
	/* server -> node */
	bg("src.log", "timeout 30 ip netns exec server socat -u FILE:%s/in TCP-LISTEN:9001,reuseaddr", d);
	cr_assert_eq(wait_listen("server", "t", 9001), 0);
	cr_assert_eq(run("timeout 30 ip netns exec planets-earth socat -u TCP:198.51.100.2:9001 CREATE:%s/down", d), 0);
	cr_assert_eq(run_out(&b, "sha256sum < %s/down", d), 0);
	cr_assert_str_eq(a, b, "download intact");
	free(a);
	free(b);
	cr_assert_gt(stat_packets("planets", "paths", "icmp_err_rev"), 0, "frag-needed went back through the NAT");
	cr_assert_eq(run("ip -n planets-earth route get 198.51.100.2 | grep -q 'mtu 1280'"), 0, "the node learned the path MTU");
	lab_down();
}

Test(masq, uplink_narrower_than_the_node_answers_frag_needed)
{
	char *out = NULL;

	lab_with_world();
	cr_assert_eq(run("ip link set up0 mtu 1400 && ip -n world link set eth0 mtu 1400"), 0);
	run_out(&out, "ip netns exec planets-earth ping -c1 -W2 -M do -s 1472 192.0.2.2 2>&1");
	cr_assert(strstr(out, "mtu = 1400") || strstr(out, "mtu=1400"), "frag needed with the uplink's MTU: %s", out);
	free(out);
	cr_assert_gt(stat_packets("planets", "paths", "frag_needed"), 0);
	cr_assert_eq(run("ip netns exec planets-earth ping -c1 -W2 -M do -s 1372 192.0.2.2"), 0, "what fits goes through");
	lab_down();
}

Test(masq, two_thousand_short_connections_all_succeed)
{
	lab_with_world();
	bg("srv.log", "ip netns exec world socat TCP4-LISTEN:8001,bind=192.0.2.2,fork,reuseaddr,backlog=256 SYSTEM:'echo ok'");
	cr_assert_eq(wait_listen("world", "t", 8001), 0);
	cr_assert_eq(run("timeout 120 ip netns exec planets-earth python3 -c '\n"
			 "import socket, sys\n"
			 "ok = 0\n"
			 "for i in range(2000):\n"
			 "    s = socket.create_connection((\"192.0.2.2\", 8001), timeout=5)\n"
			 "    data = b\"\"\n"
			 "    while True:\n"
			 "        c = s.recv(16)\n"
			 "        if not c: break\n"
			 "        data += c\n"
			 "    s.close()\n"
			 "    ok += data == b\"ok\\n\"\n"
			 "print(ok)\n"
			 "sys.exit(0 if ok == 2000 else 1)'"), 0);
	lab_down();
}

Test(masq, host_traffic_with_the_world_is_untouched)
{
	char *out = NULL;

	lab_with_world();
	cr_assert_eq(run("ping -c2 -i0.2 -W2 192.0.2.2"), 0, "host -> world");
	/* world -> host on a port inside the SNAT range that has no entry */
	bg("host-srv.log", "socat TCP4-LISTEN:62000,bind=192.0.2.1,reuseaddr SYSTEM:'echo host-here'");
	cr_assert_eq(run("for i in $(seq 100); do ss -ltn | grep -q ':62000 ' && exit 0; sleep 0.05; done; exit 1"), 0);
	cr_assert_eq(run_out(&out, "ip netns exec world socat -t 2 - TCP4:192.0.2.1:62000 </dev/null"), 0);
	cr_assert_str_eq(out, "host-here\n");
	free(out);
	/* host -> world TCP, from a port in the host's own range */
	bg("w-srv.log", "ip netns exec world socat TCP4-LISTEN:8002,bind=192.0.2.2,reuseaddr SYSTEM:'echo world-here'");
	cr_assert_eq(wait_listen("world", "t", 8002), 0);
	cr_assert_eq(run_out(&out, "socat -t 2 - TCP4:192.0.2.2:8002 </dev/null"), 0);
	cr_assert_str_eq(out, "world-here\n");
	free(out);
	lab_down();
}

Test(masq, networks_without_masquerade_stay_inside_and_nat_off_on)
{
	lab_with_world();
	cr_assert_neq(run("ip netns exec planets-pluto ping -c2 -i0.2 -W1 192.0.2.2"), 0, "closed network");
	cr_assert_geq(stat_packets("planets", "drops", "no_masquerade"), 2);
	cr_assert_eq(run("ip netns exec planets-pluto ping -c1 -W2 10.11.0.1"), 0, "its gateway still answers");
	cr_assert_eq(run("ip netns exec planets-pluto ping -c1 -W2 192.0.2.1"), 0, "and the host's address");

	cr_assert_eq(run("%s nat off planets planet", nsbpf()), 0);
	cr_assert_neq(run("ip netns exec planets-earth ping -c1 -W1 192.0.2.2"), 0);
	cr_assert_eq(run("%s nat on planets planet", nsbpf()), 0);
	cr_assert_eq(run("ip netns exec planets-earth ping -c1 -W2 192.0.2.2"), 0);
	cr_assert_eq(run("%s nat on planets closed", nsbpf()), 0);
	cr_assert_eq(run("ip netns exec planets-pluto ping -c1 -W2 192.0.2.2"), 0);
	cr_assert_eq(run("%s nat on planets nonet", nsbpf()), 2);
	lab_down();
}

Test(masq, bulk_upload_through_a_narrower_uplink_learns_the_mtu_from_nsbpf)
{
	const char *d = scratch_dir();

	lab_with_world();
	/* Only the host's end is narrower: the world advertises MSS 1460, so the
	 * node's (GSO, CHECKSUM_PARTIAL) segments do not fit and nsbpf answers. */
	cr_assert_eq(run("ip link set up0 mtu 1400"), 0);
	cr_assert_eq(run("head -c 2000000 /dev/urandom > %s/in", d), 0);
	bg("sink.log", "timeout 30 ip netns exec world socat -u TCP-LISTEN:9000,reuseaddr CREATE:%s/out", d);
	cr_assert_eq(wait_listen("world", "t", 9000), 0);
	cr_assert_eq(run("timeout 30 ip netns exec planets-earth socat -u FILE:%s/in TCP:192.0.2.2:9000", d), 0);
	cr_assert_eq(run("for i in $(seq 100); do [ $(stat -c %%s %s/out 2>/dev/null || echo 0) -ge 2000000 ] && exit 0; sleep 0.1; done; exit 1", d), 0);
	cr_assert_eq(run("cmp %s/in %s/out", d, d), 0, "upload intact");
	cr_assert_gt(stat_packets("planets", "paths", "frag_needed"), 0);
	lab_down();
}

Test(masq, fragmented_udp_both_ways)
{
	char *out = NULL;

	lab_with_world();
	bg("udp.log", "ip netns exec world socat UDP4-RECVFROM:7001,bind=192.0.2.2,fork EXEC:/bin/cat");
	cr_assert_eq(wait_listen("world", "u", 7001), 0);
	cr_assert_eq(run_out(&out, "head -c 3000 /dev/zero | tr '\\0' x | ip netns exec planets-earth socat -t 2 -b 4000 - UDP4:192.0.2.2:7001 | wc -c"), 0);
	cr_assert_eq(atoi(out), 3000, "a 3000-byte datagram went out and came back whole");
	free(out);
	cr_assert_gt(stat_packets("planets", "paths", "snat_frag"), 0);
	cr_assert_gt(stat_packets("planets", "paths", "rev_snat_frag"), 0);
	lab_down();
}

Test(masq, traceroute_sees_the_gateway_then_the_world)
{
	char *out = NULL;

	lab_with_world();
	cr_assert_eq(run_out(&out, "ip netns exec planets-earth traceroute -n -q1 -w1 -m3 192.0.2.2"), 0);
	cr_log_info("%s", out);
	cr_assert(strstr(out, " 1  10.10.0.1 "), "hop 1 is the gateway (time exceeded from BPF): %s", out);
	cr_assert(strstr(out, " 2  192.0.2.2 "), "hop 2 is the destination: %s", out);
	free(out);
	cr_assert_gt(stat_packets("planets", "paths", "time_exceeded"), 0);
	cr_assert_gt(stat_packets("planets", "paths", "icmp_err_rev"), 0, "port unreachable came back");
	lab_down();
}

Test(masq, exhausted_port_range_drops_new_flows_and_keeps_old_ones)
{
	const char *hold =
		"import socket, sys, time\n"
		"a = socket.create_connection((\"192.0.2.2\", 8003), timeout=3)\n"
		"b = socket.create_connection((\"192.0.2.2\", 8003), timeout=3)\n"
		"open(sys.argv[1], \"w\").close()\n"
		"time.sleep(4)\n"
		"for s in (a, b):\n"
		"    s.sendall(b\"still-here\")\n"
		"    assert s.recv(32) == b\"still-here\"\n";
	const char *d = scratch_dir();
	FILE *f;
	char path[256];

	world_up();
	/* Nodes take their ephemeral ports from the SNAT range: two ports, two nodes. */
	cr_assert_eq(run("%s up %s", nsbpf(),
			 lab_file("tiny", "name: tiny\nnat: {ports: 61000-61001, conntrack: 1024}\nnetworks:\n  n:\n    subnet: 10.12.0.0/24\n"
					  "    masquerade: true\nnodes:\n  a:\n    network: n\n  b:\n    network: n\n")), 0);
	cr_assert_eq(run("ip netns exec tiny-a cat /proc/sys/net/ipv4/ip_local_port_range | grep -qE '^61000\\s+61001$'"), 0,
		     "the node's ephemeral ports are the SNAT range");
	bg("echo.log", "ip netns exec world socat TCP4-LISTEN:8003,bind=192.0.2.2,fork,reuseaddr EXEC:/bin/cat");
	cr_assert_eq(wait_listen("world", "t", 8003), 0);
	snprintf(path, sizeof(path), "%s/hold.py", d);
	f = fopen(path, "w");
	cr_assert(f);
	fputs(hold, f);
	fclose(f);
	/* a holds both ports; b's connection finds none free */
	bg("hold.log", "timeout 20 ip netns exec tiny-a python3 %s/hold.py %s/held; echo $? > %s/hold.rc", d, d, d);
	cr_assert_eq(run("for i in $(seq 100); do [ -e %s/held ] && exit 0; sleep 0.05; done; exit 1", d), 0);
	cr_assert_neq(run("timeout 5 ip netns exec tiny-b python3 -c 'import socket; socket.create_connection((\"192.0.2.2\", 8003), timeout=2)'"), 0,
		      "a third flow gets no port");
	cr_assert_gt(stat_packets("tiny", "drops", "nat_exhausted"), 0);
	cr_assert_eq(run("for i in $(seq 200); do [ -e %s/hold.rc ] && exit $(cat %s/hold.rc); sleep 0.05; done; exit 1", d, d), 0,
		     "the first two flows still work");
	cr_assert_eq(run("%s nat list tiny --json | jq -e '[.flows[] | select(.node.ip == \"10.12.0.2\") | .nat.port] | sort == [61000, 61001]'", nsbpf()), 0,
		     "they kept their own ports");
	/* the map type is the datapath's choice (LRU, or a hash with early drop) */
	cr_assert_eq(run("bpftool -j map show pinned /sys/fs/bpf/nsbpf/tiny/ct | jq -e '.max_entries == 1024'"), 0,
		     "conntrack sized from the topology");
	cr_assert(host_untouched());
	cr_assert_eq(run("%s down tiny", nsbpf()), 0);
	cr_assert(lab_gone("tiny"));
}

Test(masq, timeouts_from_the_file_are_in_force)
{
	world_up();
	cr_assert_eq(run("%s up %s", nsbpf(),
			 lab_file("tmo", "name: tmo\nnat: {timeouts: {tcp_established: 3h, udp_new: 1s, udp: 1s, icmp: 45s}}\n"
					 "networks:\n  n:\n    subnet: 10.12.0.0/24\n    masquerade: true\n"
					 "nodes:\n  a:\n    network: n\n")), 0);
	/* what the file says, and the datapath's defaults for the rest */
	cr_assert_eq(run("%s nat list tmo --json | jq -e '.timeouts == {\"tcp_syn\": 240, \"tcp_established\": 10800, "
			 "\"tcp_closing\": 240, \"tcp_closed\": 120, \"udp_new\": 1, \"udp\": 1, \"icmp\": 45}'", nsbpf()), 0);
	cr_assert_eq(run("%s nat list tmo | grep -qx 'timeouts: tcp_syn 4m, tcp_established 3h, tcp_closing 4m, "
			 "tcp_closed 2m, udp_new 1s, udp 1s, icmp 45s'", nsbpf()), 0);
	cr_assert_eq(run("bpftool -j map dump pinned /sys/fs/bpf/nsbpf/tmo/config | "
			 "jq -e '.[0].formatted.value | .tmo_tcp_est == 10800000000000 and .tmo_udp_new == 1000000000 and .tmo_tcp_syn == 0'"), 0,
		     "written to the config map, 0 for the defaults");
	/* a one-way UDP flow is expired after its second */
	cr_assert_eq(run("echo x | ip netns exec tmo-a socat -u - UDP4:192.0.2.2:9999"), 0);
	cr_assert_eq(run("%s nat list tmo --json | jq -e '.flows[] | select(.proto == \"udp\") | .expired == false'", nsbpf()), 0);
	/* listed as expired, or already collected */
	cr_assert_eq(run("sleep 2.2; %s nat list tmo --json | jq -e '[.flows[] | select(.proto == \"udp\" and .expired == false)] == []'",
			 nsbpf()), 0);
	/* a re-up with other timeouts changes them in place */
	cr_assert_eq(run("%s up %s", nsbpf(),
			 lab_file("tmo", "name: tmo\nnat: {timeouts: {tcp_established: 2h4m}}\n"
					 "networks:\n  n:\n    subnet: 10.12.0.0/24\n    masquerade: true\n"
					 "nodes:\n  a:\n    network: n\n")), 0);
	cr_assert_eq(run("%s nat list tmo --json | jq -e '.timeouts.tcp_established == 7440 and .timeouts.udp == 120'", nsbpf()), 0);
	cr_assert(host_untouched());
	cr_assert_eq(run("%s down tmo", nsbpf()), 0);
	cr_assert(lab_gone("tmo"));
}
