// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Issue 9 with real packets: what an untrusted outside and an untrusted node
 * try, and what a user checks afterwards. The world forges datagrams and TCP
 * segments on a raw socket (IP_HDRINCL), watches its wire on an AF_PACKET
 * socket, and floods the lab with new flows; a node sends where no node may.
 * The sockets of both ends live in this process: each is made in its netns
 * (the thread goes there for socket() and comes back), so a test needs no
 * background server and reads sequence numbers straight from its sockets
 * (sockets.c). Over 400 lines: the four scenarios of issue 9 and the attack
 * helpers that belong to each, read together.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "harness.h"
#include "sockets.h"

TestSuite(hardening, .init = harness_enter, .fini = harness_leave, .timeout = 60);

/*
 * earth and neptune masquerade, pluto's network is closed (and isolated from
 * theirs); the forwards lead to earth: udp 7000, tcp 6000 to a server the
 * tests open, tcp 6001 to a port nobody listens on.
 */
static const char lab_yaml[] = "name: hd\n"
			       "%s"
			       "networks:\n"
			       "  planet:\n"
			       "    subnet: 10.10.0.0/16\n"
			       "    masquerade: true\n"
			       "  closed:\n"
			       "    subnet: 10.11.0.0/24\n"
			       "nodes:\n"
			       "  earth: {network: planet, ip: 10.10.0.10}\n"
			       "  neptune: {network: planet, ip: 10.10.0.11}\n"
			       "  pluto: {network: closed, ip: 10.11.0.10}\n"
			       "forwards:\n"
			       "  - {proto: udp, port: 7000, to: earth:7000}\n"
			       "  - {proto: tcp, port: 6000, to: earth:8080}\n"
			       "  - {proto: tcp, port: 6001, to: earth:8081}\n";

#define UPLINK "192.0.2.1"
#define WORLD  "192.0.2.2"

/*
 * Everything this thread sends goes through one CPU's backlog, in order:
 * a packet sent last is decided last, so the forged or leaking packets
 * sent before it have been decided once it arrives.
 */
static void one_cpu(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	cr_assert_eq(sched_setaffinity(0, sizeof(set), &set), 0, "pin to CPU 0: %s",
		     strerror(errno));
}

/* nat: the topology's nat block, or "". */
static void hd_up(const char *nat)
{
	char yaml[2048];

	one_cpu();
	world_up();
	snprintf(yaml, sizeof(yaml), lab_yaml, nat);
	lab_up_ok("hd", yaml);
	/* both ends know each other's MAC before the first forged packet */
	cr_assert_eq(run("ip netns exec world ping -c1 -W2 " UPLINK), 0);
}

static void hd_down(void)
{
	cr_assert(host_untouched());
	lab_down_ok("hd");
	/* tcx links went with their pins (lab_gone); clsact filters are checked here */
	cr_assert_eq(run("test -z \"$(tc filter show dev up0 ingress)\" && "
			 "test -z \"$(tc filter show dev up0 egress)\""),
		     0, "no filter left on the uplink, either way");
}

static long long hd_drop(const char *name)
{
	long long v = stat_drop("hd", name);

	cr_assert_geq(v, 0, "nsbpf stats hd: drops.%s", name);
	return v;
}

/*
 * The drop counter NAME once it reaches WANT, or as it is after MS: what
 * was sent may still sit in a backlog that ksoftirqd works through.
 */
static long long drops_reach(const char *name, long long want, int ms)
{
	long long deadline = now_ms() + ms, v;

	while ((v = hd_drop(name)) < want && now_ms() < deadline)
		usleep(50 * 1000);
	return v;
}

/* ------------------------------------------------------------------ item 2 */

Test(hardening, forged_sources_from_the_uplink_never_reach_a_node)
{
	static const struct {
		const char *src, *what;
	} forged[] = {
		{ "10.10.0.11", "another node (neptune)" },
		{ "10.11.0.10", "a node of an isolated network (pluto)" },
		{ "10.10.0.1", "a gateway" },
		{ "127.0.0.1", "loopback" },
		{ UPLINK, "the uplink's own address" },
	};
	const int n_forged = (int)(sizeof(forged) / sizeof(forged[0]));
	int srv, raw, legit = 0, bad = 0;
	long long spoof0, deadline;
	struct sockaddr_in from;
	char buf[64];

	hd_up("");
	srv = udp_bound("hd-earth", "0.0.0.0", 7000);
	raw = raw_open("world");
	spoof0 = hd_drop("uplink_spoof");
	for (int i = 0; i < n_forged; i++) {
		snprintf(buf, sizeof(buf), "from %s", forged[i].what);
		raw_udp(raw, forged[i].src, 40000 + i, UPLINK, 7000, buf);
	}
	/* last on the same path: once it is in, the forged ones were decided */
	raw_udp(raw, WORLD, 40100, UPLINK, 7000, "legit");

	deadline = now_ms() + 3000;
	while (now_ms() < deadline) {
		if (recv_within(srv, buf, sizeof(buf), (int)(deadline - now_ms()), &from) < 0)
			break;
		if (from.sin_addr.s_addr == ip4(WORLD) && !strcmp(buf, "legit")) {
			legit++;
			deadline = now_ms() + 200; /* anything that came after it */
			continue;
		}
		bad++;
		cr_log_error("earth got \"%s\" from %s:%d", buf, inet_ntoa(from.sin_addr),
			     ntohs(from.sin_port));
	}
	cr_assert_eq(legit, 1, "the world's own datagram reaches earth through the forward");
	cr_assert_eq(bad, 0, "no forged source reaches earth");
	cr_assert_eq(drops_reach("uplink_spoof", spoof0 + n_forged, 2000) - spoof0, n_forged,
		     "each forged datagram counted");
	close(raw);
	close(srv);
	hd_down();
}

/* ------------------------------------------------------------------ item 3 */

#define GUESSES	     100
#define GUESS_MARGIN (1u << 24) /* far beyond any window of these sockets */

/*
 * What an off-path attacker in the world sends at the flow
 * world src:sport -> uplink dport, whose world socket is wfd: GUESSES RSTs and
 * GUESSES FIN-ACKs (with the right ack) whose sequence numbers are spread over
 * the space, all at least GUESS_MARGIN from the real one, then one RST inside
 * the window but not exact. Returns how many are out of window.
 */
static int forge_close(int raw, int wfd, int sport, int dport)
{
	const uint32_t step = (uint32_t)((0x100000000ull - 2ull * GUESS_MARGIN) / (GUESSES - 1));
	uint32_t snd, rcv;

	tcp_seqs(wfd, &snd, &rcv);
	for (uint32_t k = 0; k < GUESSES; k++) {
		uint32_t seq = snd + GUESS_MARGIN + k * step;

		raw_tcp(raw, WORLD, sport, UPLINK, dport, seq, 0, TH_RST);
		raw_tcp(raw, WORLD, sport, UPLINK, dport, seq, rcv, TH_FIN | TH_ACK);
	}
	/* in window, inexact: passed, the node's stack answers a challenge ACK (RFC 5961) */
	raw_tcp(raw, WORLD, sport, UPLINK, dport, snd + 1000, 0, TH_RST);
	return 2 * GUESSES;
}

/* `nsbpf nat list hd` has a tcp flow of KIND between earth:NPORT and the world:RPORT in STATE. */
static bool flow_state(const char *kind, int nport, int rport, const char *state)
{
	return nsbpf_json("nat list hd",
			  "[.flows[] | select(.proto == \"tcp\" and "
			  ".kind == \"%s\" and .node.ip == \"10.10.0.10\" and .node.port == %d and "
			  ".remote.ip == \"" WORLD
			  "\" and .remote.port == %d and .state == \"%s\")] | "
			  "length == 1",
			  kind, nport, rport, state);
}

Test(hardening, off_path_rst_and_fin_neither_close_nor_steal_a_tcp_flow)
{
	int lsn, wcli, ecli_in, wlsn, ecli, wsrv, raw, cport, eport, nat_port, forged = 0;
	long long win0;

	hd_up("");
	/* world -> earth through the forward tcp 6000 -> earth:8080 */
	lsn = tcp_listen("hd-earth", "0.0.0.0", 8080);
	wcli = tcp_connect("world", UPLINK, 6000);
	ecli_in = tcp_accept(lsn);
	cport = local_port(wcli, false);
	xfer(wcli, ecli_in, "hello earth", "forward, world -> earth");
	xfer(ecli_in, wcli, "hello world", "forward, earth -> world");
	/* earth -> world through masquerade */
	wlsn = tcp_listen("world", WORLD, 9000);
	ecli = tcp_connect("hd-earth", WORLD, 9000);
	wsrv = tcp_accept(wlsn);
	eport = local_port(ecli, false);
	nat_port = local_port(wsrv, true); /* the world sees the uplink and this port */
	xfer(ecli, wsrv, "up", "masquerade, earth -> world");
	xfer(wsrv, ecli, "down", "masquerade, world -> earth");
	cr_assert(flow_state("forward", 8080, cport, "established"));
	cr_assert(flow_state("masquerade", eport, 9000, "established"));

	raw = raw_open("world");
	win0 = hd_drop("tcp_window");
	forged += forge_close(raw, wcli, cport, 6000);
	forged += forge_close(raw, wsrv, 9000, nat_port);
	/* the raw socket's packets are decided by the time the sockets' next ones are */
	xfer(wcli, ecli_in, "still here?", "forward, world -> earth, after the attack");
	xfer(ecli_in, wcli, "yes", "forward, earth -> world, after the attack");
	xfer(ecli, wsrv, "and here?", "masquerade, earth -> world, after the attack");
	xfer(wsrv, ecli, "yes", "masquerade, world -> earth, after the attack");
	cr_assert_geq(drops_reach("tcp_window", win0 + forged, 2000) - win0, forged,
		      "every out-of-window RST and FIN dropped and counted (%d sent)", forged);
	cr_assert(flow_state("forward", 8080, cport, "established"), "the forwarded flow is open");
	cr_assert(flow_state("masquerade", eport, 9000, "established"),
		  "the masqueraded flow is open");

	/* a correct close, each side in turn, still closes both flows */
	cr_assert_eq(shutdown(wcli, SHUT_WR), 0);
	expect_eof(ecli_in, "earth sees the world's FIN");
	cr_assert_eq(shutdown(ecli_in, SHUT_WR), 0);
	expect_eof(wcli, "the world sees earth's FIN");
	cr_assert_eq(shutdown(ecli, SHUT_WR), 0);
	expect_eof(wsrv, "the world sees earth's FIN");
	cr_assert_eq(shutdown(wsrv, SHUT_WR), 0);
	expect_eof(ecli, "earth sees the world's FIN");
	cr_assert(flow_state("forward", 8080, cport, "closed"),
		  "both FINs close the forwarded flow");
	cr_assert(flow_state("masquerade", eport, 9000, "closed"),
		  "both FINs close the masqueraded flow");
	close(raw);
	close(wcli);
	close(ecli_in);
	close(lsn);
	close(ecli);
	close(wsrv);
	close(wlsn);
	hd_down();
}

/* ------------------------------------------------------------------ item 4 */

#define FLOOD	1024
#define CT_SIZE 256

/*
 * A node opens FLOOD UDP flows to as many world ports, which nobody answers;
 * the world sends FLOOD SYNs to the forward tcp 6001 from as many ports.
 * The node's socket and the world's raw socket, for the caller to close.
 */
static void flood(int *u, int *raw)
{
	*u = udp_bound("hd-neptune", "0.0.0.0", 0);
	for (int i = 0; i < FLOOD; i++) {
		udp_to(*u, WORLD, 10000 + i, "flood");
		if (i % 64 == 63)
			usleep(1000); /* never more than a CPU's backlog holds */
	}
	*raw = raw_open("world");
	for (int i = 0; i < FLOOD; i++) {
		raw_tcp(*raw, WORLD, 20000 + i, UPLINK, 6001, 0x9e3779b9u * (uint32_t)i, 0, TH_SYN);
		if (i % 64 == 63)
			usleep(1000);
	}
}

Test(hardening, a_flood_of_new_flows_from_either_side_evicts_no_established_flow)
{
	int wlsn, idle, wsrv, eport, nat_port, u, raw, lsn, late, late_in;
	long long full0, early0, full, deadline;

	hd_up("nat: {conntrack: 256}\n");
	/* a plain hash refuses when full: it has no least recently used entry to push out */
	cr_assert(json_true("bpftool -j map show pinned /sys/fs/bpf/nsbpf/hd/ct",
			    ".type == \"hash\" and .max_entries == %d", CT_SIZE));
	/* the idle established flow: earth -> world through masquerade */
	wlsn = tcp_listen("world", WORLD, 9000);
	idle = tcp_connect("hd-earth", WORLD, 9000);
	wsrv = tcp_accept(wlsn);
	eport = local_port(idle, false);
	nat_port = local_port(wsrv, true);
	xfer(idle, wsrv, "before", "earth -> world before the flood");
	xfer(wsrv, idle, "before", "world -> earth before the flood");
	/* neptune's first datagrams must not wait for its gateway's MAC */
	cr_assert_eq(run("ip netns exec hd-neptune ping -c1 -W2 10.10.0.1"), 0);
	full0 = hd_drop("ct_full");
	early0 = hd_drop("ct_early_drop");

	flood(&u, &raw);

	full = drops_reach("ct_full", full0 + 2 * FLOOD - (CT_SIZE - 1), 3000) - full0;
	cr_log_info("ct_full: %lld of %d new flows refused", full, 2 * FLOOD);
	/* at most the table's free entries got in, from either side */
	cr_assert_geq(full, 2 * FLOOD - (CT_SIZE - 1), "the full table refused the rest (%lld)",
		      full);
	/* before any packet of its own could make it again */
	cr_assert(nsbpf_json("nat list hd",
			     "[.flows[] | select(.proto == \"tcp\" and "
			     ".node.ip == \"10.10.0.10\" and .node.port == %d and "
			     ".remote.port == 9000 and .nat.port == %d and "
			     ".state == \"established\")] | length == 1",
			     eport, nat_port),
		  "the idle flow kept its entry and its port");
	/*
	 * The world speaks first: an evicted flow has no way back in (the host
	 * would reset the connection), where the node's packet would just
	 * masquerade it again.
	 */
	xfer(wsrv, idle, "after", "world -> earth after the flood");
	xfer(idle, wsrv, "after", "earth -> world after the flood");

	/* the collector drops the unanswered flows early; new flows get in again */
	deadline = now_ms() + 15000;
	while (hd_drop("ct_early_drop") == early0 && now_ms() < deadline)
		usleep(200 * 1000);
	cr_assert_gt(hd_drop("ct_early_drop"), early0,
		     "unanswered flows dropped early within 15 s");
	lsn = tcp_listen("hd-earth", "0.0.0.0", 8080);
	late = tcp_connect("world", UPLINK, 6000);
	late_in = tcp_accept(lsn);
	xfer(late, late_in, "room again", "a new forwarded flow after the flood");
	xfer(wsrv, idle, "still", "world -> earth at the end");
	xfer(idle, wsrv, "still", "earth -> world at the end");
	close(late);
	close(late_in);
	close(lsn);
	close(raw);
	close(u);
	close(idle);
	close(wsrv);
	close(wlsn);
	hd_down();
}

/* ------------------------------------------------------------------ item 6 */

/*
 * The control: a namespace behind a plain veth, no lab's, whose datagram to
 * 240.0.0.1 this host routes out to the world (and to_uplink lets pass).
 */
static void control_leaks(void)
{
	uint8_t pkt[256];
	long long deadline;
	bool seen = false;
	int cap, c;

	cr_assert_eq(script("veth-ns.sh ctl ctl0 10.99.0.1/24 10.99.0.2/24"), 0);
	cap = cap_open("world", "eth0");
	c = udp_bound("ctl", "0.0.0.0", 0);
	udp_to(c, "240.0.0.1", 9, "control");
	deadline = now_ms() + 3000;
	while (!seen && cap_ip(cap, pkt, sizeof(pkt), deadline)) {
		const struct iphdr *ip = (const struct iphdr *)pkt;

		seen = ip->daddr == ip4("240.0.0.1") && ip->saddr == ip4("10.99.0.2");
	}
	cr_assert(seen, "control: this host routes 240.0.0.1 out to the world, "
			"and the capture sees it");
	close(c);
	close(cap);
	cr_assert_eq(run("ip link del ctl0 && ip netns del ctl"), 0);
}

static const struct {
	const char *dst, *what;
} martians[] = {
	{ "240.0.0.1", "240/4" },
	{ "239.255.0.1", "multicast" },
	{ "10.11.0.255", "the closed network's broadcast" },
};
static const char *const gateways[] = { "10.10.0.1", "10.11.0.1" };
static const int n_martians = (int)(sizeof(martians) / sizeof(martians[0]));
static const int n_gateways = (int)(sizeof(gateways) / sizeof(gateways[0]));

/*
 * What the world's capture sees for 3 s (and 300 ms after the legit
 * datagram): legit masqueraded datagrams, and bad ones (a lab source, a
 * martian destination, a "leak" payload), each logged.
 */
static void world_watch(int cap, int *legit, int *bad)
{
	long long deadline;
	uint8_t pkt[256];
	char msg[64];

	deadline = now_ms() + 3000;
	for (size_t n; (n = cap_ip(cap, pkt, sizeof(pkt), deadline));) {
		const struct iphdr *ip = (const struct iphdr *)pkt;
		bool leaked = (ntohl(ip->saddr) >> 24) == 10;
		char src[16], dst[16];

		udp_payload(pkt, n, msg, sizeof(msg));
		for (int i = 0; i < n_martians; i++)
			leaked |= ip->daddr == ip4(martians[i].dst);
		leaked |= !strncmp(msg, "leak", 4);
		if (!strcmp(msg, "legit") && !leaked) {
			(*legit)++;
			cr_assert_eq(ip->saddr, ip4(UPLINK),
				     "the masqueraded datagram has the uplink's address");
			deadline = now_ms() + 300; /* stragglers */
		} else if (leaked) {
			(*bad)++;
			inet_ntop(AF_INET, &ip->saddr, src, sizeof(src));
			inet_ntop(AF_INET, &ip->daddr, dst, sizeof(dst));
			cr_log_error("the world got %s -> %s \"%s\"", src, dst, msg);
		}
	}
}

Test(hardening, a_forwarding_host_lets_nothing_out_with_a_lab_source_or_to_a_martian)
{
	long long martian0, lab0;
	int cap, e, legit = 0, bad = 0;
	char msg[64];

	hd_up("");
	/* a docker-like host */
	cr_assert_eq(run("sysctl -qw net.ipv4.ip_forward=1"), 0);
	control_leaks();
	martian0 = hd_drop("martian");
	lab0 = hd_drop("lab_source");

	cap = cap_open("world", "eth0");
	e = udp_bound("hd-earth", "0.0.0.0", 0);
	for (int i = 0; i < n_martians; i++) {
		snprintf(msg, sizeof(msg), "leak to %s", martians[i].what);
		udp_to(e, martians[i].dst, 9, msg);
	}
	for (int i = 0; i < n_gateways; i++) {
		int g = udp_bound(NULL, gateways[i], 0);

		snprintf(msg, sizeof(msg), "leak from %s", gateways[i]);
		udp_to(g, WORLD, 9, msg);
		close(g);
	}
	/* last: once it is in the world, the others had their chance */
	udp_to(e, WORLD, 9, "legit");

	world_watch(cap, &legit, &bad);
	cr_assert_eq(legit, 1, "a masqueraded datagram reaches the world");
	cr_assert_eq(bad, 0, "nothing reaches the world with a lab source or to a martian");
	cr_assert_eq(drops_reach("martian", martian0 + n_martians, 2000) - martian0, n_martians,
		     "each martian counted");
	cr_assert_eq(drops_reach("lab_source", lab0 + n_gateways, 2000) - lab0, n_gateways,
		     "each datagram from a gateway address counted");
	close(e);
	close(cap);
	cr_assert_eq(run("sysctl -qw net.ipv4.ip_forward=0"), 0);
	hd_down();
}
