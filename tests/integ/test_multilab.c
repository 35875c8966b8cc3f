// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Several labs on one uplink, and other tools' tc programs next to ours:
 * every lab's masquerade and forward work at once, `down`/`up` of one does
 * not disturb the others' traffic, and a foreign program attached before
 * or after ours still sees what is not the lab's. Runs in each attach mode
 * (NSBPF_ATTACH=auto, tcx, clsact; see the Makefile).
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "harness.h"

TestSuite(multilab, .init = harness_enter, .fini = harness_leave, .timeout = 240);

#define NLABS 3

static const char *const names[NLABS] = { "alpha", "beta", "gamma" };

/*
 * Lab I: subnet 10.(21+I).0.0/24, forward 600I -> web:8080; with
 * explicit_ports, SNAT ports 6(1+I)000-6(1+I)999, else a share of the
 * default range (picked by up).
 */
static bool explicit_ports;
/* dual stack: lab I also has subnet6 fd00:2I::/64, web answers on IPv6 too */
static bool dual;

static int nat_lo(int i)
{
	return 61000 + 1000 * i;
}

static const char *lab_yaml(int i)
{
	static char y[1024];
	char nat[64] = "", v6[64] = "";

	if (dual)
		snprintf(v6, sizeof(v6), "    subnet6: fd00:%d::/64\n", 21 + i);
	if (explicit_ports)
		snprintf(nat, sizeof(nat), "nat:\n  ports: \"%d-%d\"\n", nat_lo(i),
			 nat_lo(i) + 999);
	snprintf(y, sizeof(y),
		 "name: %s\n"
		 "networks:\n"
		 "  lan:\n"
		 "    subnet: 10.%d.0.0/24\n"
		 "%s"
		 "    masquerade: true\n"
		 "%s"
		 "nodes:\n"
		 "  web:\n"
		 "    network: lan\n"
		 "    exec:\n"
		 "      - socat %s:8080,fork,reuseaddr SYSTEM:'echo page-of-%s' "
		 ">/dev/null 2>&1 &\n"
		 "  cli:\n"
		 "    network: lan\n"
		 "forwards:\n"
		 "  - {proto: tcp, port: %d, to: web:8080}\n",
		 names[i], 21 + i, v6, nat, dual ? "TCP6-LISTEN" : "TCP-LISTEN", names[i],
		 6000 + i);
	return y;
}

/* Lab I's masquerade ports, as status shows them (and as its file says, when it does). */
static void lab_ports(int i, long *lo, long *hi)
{
	char *out = NULL;

	cr_assert_eq(nsbpf_out(&out,
			       "status %s --json | jq -r '.labs[0].uplink | "
			       "\"\\(.snat_port_min) \\(.snat_port_max)\"'",
			       names[i]),
		     0);
	cr_assert_eq(sscanf(out, "%ld %ld", lo, hi), 2, "%s's ports: %s", names[i], out);
	free(out);
	if (explicit_ports)
		cr_assert(*lo == nat_lo(i) && *hi == nat_lo(i) + 999, "%s: the file's range",
			  names[i]);
}

static void lab_i_up(int i)
{
	char ns[32];

	lab_up_ok(names[i], lab_yaml(i));
	snprintf(ns, sizeof(ns), "%s-web", names[i]);
	cr_assert_eq(wait_listen(ns, "t", 8080), 0, "%s serves", ns);
}

/* The world, and a server in it that answers with the address and port it saw. */
static void world_with_server(void)
{
	world_up();
	serve("world", "t", 9000, "seen.log",
	      "socat TCP-LISTEN:9000,bind=192.0.2.2,fork,reuseaddr "
	      "SYSTEM:'echo $SOCAT_PEERADDR $SOCAT_PEERPORT'");
}

static bool clsact_forced(void)
{
	const char *m = getenv("NSBPF_ATTACH");

	return m && !strcmp(m, "clsact");
}

/* One family's addresses: the world's server, the uplink's, and how socat writes it. */
struct family {
	const char *ping; /* ping's flag */
	const char *ping_to;
	const char *tcp;   /* socat's address type */
	const char *world; /* as socat takes it */
	const char *uplink;
	const char *seen; /* the uplink's address as the server's socat writes it */
	int port;	  /* the world's server */
	const char *tag;  /* of the result files */
};

static const struct family v4 = {
	.ping = "-4",
	.ping_to = "192.0.2.2",
	.tcp = "TCP",
	.world = "192.0.2.2",
	.uplink = "192.0.2.1",
	.seen = "192.0.2.1",
	.port = 9000,
	.tag = "",
};
static const struct family v6 = {
	.ping = "-6",
	.ping_to = "2001:db8::2",
	.tcp = "TCP6",
	.world = "[2001:db8::2]",
	.uplink = "[2001:db8::1]",
	.seen = "[2001:0db8:0000:0000:0000:0000:0000:0001]", /* whole */
	.port = 9006,
	.tag = "6",
};

/*
 * Labs 0..N-1 at once over family f: from each lab's cli a ping and a TCP
 * connection to the world (masqueraded: the server sees the uplink address
 * and a port of that lab's range), and from the world each lab's forward.
 */
static void traffic_family_ok(int n, const struct family *f)
{
	const char *d = scratch_dir();
	char cmd[2048] = "";
	size_t len = 0;

	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(
			cmd + len, sizeof(cmd) - len,
			"(ip netns exec %s-cli ping %s -c3 -i0.2 -W2 %s >%s/ping%s-%d 2>&1) & "
			"(ip netns exec %s-cli socat -t3 - %s:%s:%d,connect-timeout=3 </dev/null >%s/masq%s-%d) & "
			"(ip netns exec world socat -t3 - %s:%s:%d,connect-timeout=3 </dev/null >%s/fwd%s-%d) & ",
			names[i], f->ping, f->ping_to, d, f->tag, i, names[i], f->tcp, f->world,
			f->port, d, f->tag, i, f->tcp, f->uplink, 6000 + i, d, f->tag, i);
	cr_assert_lt(len, sizeof(cmd) - 8);
	cr_assert_eq(run("%swait", cmd), 0);
	for (int i = 0; i < n; i++) {
		long lo, hi;

		lab_ports(i, &lo, &hi);
		cr_assert_eq(run("grep -q ' 0%% packet loss' %s/ping%s-%d", d, f->tag, i), 0,
			     "%s pings the world (%s)", names[i], f->ping);
		cr_assert_eq(run("awk '$1 == \"%s\" && $2 >= %ld && $2 <= %ld { ok = 1 } "
				 "END { exit !ok }' %s/masq%s-%d",
				 f->seen, lo, hi, d, f->tag, i),
			     0, "the world sees %s as the uplink address, a port of its range (%s)",
			     names[i], f->ping);
		cr_assert_eq(run("grep -qx 'page-of-%s' %s/fwd%s-%d", names[i], d, f->tag, i), 0,
			     "the world reaches %s's forward (%s)", names[i], f->ping);
	}
}

static void traffic_ok(int n)
{
	traffic_family_ok(n, &v4);
}

/* clsact: one filter per lab on each hook of the uplink, each at a priority of its own. */
static void uplink_filters_are(int n)
{
	if (!clsact_forced())
		return;
	cr_assert_eq(run("test $(tc filter show dev up0 ingress | grep -c from_uplink) -eq %d && "
			 "test $(tc filter show dev up0 ingress | grep from_uplink | "
			 "grep -o 'pref [0-9]*' | sort -u | wc -l) -eq %d && "
			 "test $(tc filter show dev up0 egress | grep -c to_uplink) -eq %d",
			 n, n, n),
		     0, "%d labs, %d priorities", n, n);
}

static void labs_down(int n)
{
	cr_assert(host_untouched());
	for (int i = 0; i < n; i++)
		lab_down_ok(names[i]);
	cr_assert_eq(run("test -z \"$(tc filter show dev up0 ingress)\" && "
			 "test -z \"$(tc filter show dev up0 egress)\""),
		     0, "no filter left on the uplink");
}

static void labs_work(int n)
{
	world_with_server();
	for (int i = 0; i < n; i++)
		lab_i_up(i);
	uplink_filters_are(n);
	traffic_ok(n);
	labs_down(n);
}

Test(multilab, two_labs_with_their_own_ports_masquerade_and_forward_at_once)
{
	explicit_ports = true;
	labs_work(2);
}

Test(multilab, three_labs_sharing_the_default_ports_masquerade_and_forward_at_once)
{
	labs_work(3);
}

Test(multilab, down_and_up_of_one_lab_lose_nothing_of_another)
{
	const char *d = scratch_dir();

	world_with_server();
	lab_i_up(0);
	lab_i_up(1);
	cr_assert_eq(run("ip netns exec alpha-cli ping -c500 -i0.01 -W1 192.0.2.2 >%s/ping 2>&1 & "
			 "echo $! >%s/ping.pid",
			 d, d),
		     0);
	cr_assert(wait_for(2000, "grep -q 'bytes from' %s/ping", d), "alpha pings");
	lab_down_ok("beta");
	lab_i_up(1);
	/* and beta's programs replaced in place (re-up): its own filters, not alpha's */
	cr_assert_eq(nsbpf_run("up %s", lab_file("beta", lab_yaml(1))), 0, "re-up beta");
	cr_assert_eq(run("kill -0 $(cat %s/ping.pid)", d), 0,
		     "the ping was still running: down, up and re-up happened during it");
	cr_assert(wait_for(10000, "! kill -0 $(cat %s/ping.pid)", d), "the ping ends");
	cr_assert_eq(
		run("grep -q '500 packets transmitted, 500 received, 0%% packet loss' %s/ping", d),
		0, "alpha lost nothing");
	uplink_filters_are(2);
	traffic_ok(2);
	labs_down(2);
}

/*
 * Two dual-stack labs on one uplink at once over IPv6: each cli's NAT66
 * (the world sees the uplink's IPv6 address and a port of that lab's
 * range) and each forward at [uplink6] from the world; IPv4 alongside.
 */
Test(multilab, two_dual_stack_labs_masquerade_and_forward_over_ipv6_at_once)
{
	explicit_ports = true;
	dual = true;
	cr_assert_eq(script("world6.sh"), 0, "world namespace with IPv6");
	serve("world", "t", 9006, "seen6.log",
	      "socat TCP6-LISTEN:9006,bind=[2001:db8::2],fork,reuseaddr "
	      "SYSTEM:'echo $SOCAT_PEERADDR $SOCAT_PEERPORT'");
	serve("world", "t", 9000, "seen.log", /* world_with_server()'s, for IPv4 alongside */
	      "socat TCP-LISTEN:9000,bind=192.0.2.2,fork,reuseaddr "
	      "SYSTEM:'echo $SOCAT_PEERADDR $SOCAT_PEERPORT'");
	for (int i = 0; i < 2; i++)
		lab_i_up(i);
	cr_assert(wait_for(5000, "! ip -6 addr show | grep -q tentative"));
	traffic_family_ok(2, &v6);
	traffic_ok(2);
	labs_down(2);
}

/* ---- a foreign program: counts the IPv4 ICMP packets it sees by type, returns next ---- */

#define INSN(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define MOV_X(d, s)   INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV_K(d, k)   INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, k)
#define ADD_K(d, k)   INSN(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, k)
#define LDX(sz, d, o) INSN(BPF_LDX | BPF_MEM | (sz), d, BPF_REG_10, o, 0)
#define JNE(d, k, to) INSN(BPF_JMP | BPF_JNE | BPF_K, d, 0, to, k)
#define CALL(f)	      INSN(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define FRAME	      (-40) /* 36 bytes of the frame: Ethernet, IPv4 header, ICMP type */
#define KEY	      (-44)
#define OUT(pc)	      (24 - (pc)-1) /* jump offset from pc to the exit */

static int foreign_prog(int map_fd)
{
	const struct bpf_insn insns[] = {
		MOV_X(BPF_REG_6, BPF_REG_1),
		MOV_X(BPF_REG_1, BPF_REG_6),
		MOV_K(BPF_REG_2, 0),
		MOV_X(BPF_REG_3, BPF_REG_10),
		ADD_K(BPF_REG_3, FRAME),
		MOV_K(BPF_REG_4, 36),
		CALL(BPF_FUNC_skb_load_bytes),
		JNE(BPF_REG_0, 0, OUT(7)),
		LDX(BPF_H, BPF_REG_1, FRAME + 12), /* EtherType 0x0800, as a little-endian u16 */
		JNE(BPF_REG_1, 0x0008, OUT(9)),
		LDX(BPF_B, BPF_REG_1, FRAME + 14), /* version 4, 20-byte header */
		JNE(BPF_REG_1, 0x45, OUT(11)),
		LDX(BPF_B, BPF_REG_1, FRAME + 23), /* ICMP */
		JNE(BPF_REG_1, 1, OUT(13)),
		LDX(BPF_B, BPF_REG_1, FRAME + 34), /* its type: the key */
		INSN(BPF_STX | BPF_MEM | BPF_W, BPF_REG_10, BPF_REG_1, KEY, 0),
		MOV_X(BPF_REG_2, BPF_REG_10),
		ADD_K(BPF_REG_2, KEY),
		INSN(BPF_LD | BPF_DW | BPF_IMM, BPF_REG_1, BPF_PSEUDO_MAP_FD, 0, map_fd),
		INSN(0, 0, 0, 0, 0),
		CALL(BPF_FUNC_map_lookup_elem),
		INSN(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_0, 0, OUT(21), 0),
		MOV_K(BPF_REG_1, 1),
		INSN(BPF_STX | BPF_ATOMIC | BPF_DW, BPF_REG_0, BPF_REG_1, 0, BPF_ADD),
		MOV_K(BPF_REG_0, -1), /* 24: TC_ACT_UNSPEC, TCX_NEXT */
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "foreign", "GPL", insns,
			       sizeof(insns) / sizeof(insns[0]), NULL);

	cr_assert_geq(fd, 0, "load the foreign program: %s", strerror(errno));
	return fd;
}

struct foreign {
	int map_fd, prog_fd, link_fd; /* link_fd: tcx, -1: a clsact filter */
};

#define NSB_TCX_INGRESS ((enum bpf_attach_type)46) /* Debian 12's uapi predates tcx */

/*
 * A foreign program on the uplink's ingress: a tcx link appended to those
 * there (tcx and auto, where the kernel has tcx), else a clsact filter at
 * PRIO (low runs before ours, high after).
 */
static void foreign_attach(struct foreign *f, unsigned int prio)
{
	int ifindex = (int)if_nametoindex("up0");

	f->map_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "foreign", 4, 8, 256, NULL);
	cr_assert_geq(f->map_fd, 0, "map: %s", strerror(errno));
	f->prog_fd = foreign_prog(f->map_fd);
	f->link_fd = -1;
	if (!clsact_forced()) {
		f->link_fd = bpf_link_create(f->prog_fd, ifindex, NSB_TCX_INGRESS, NULL);
		if (f->link_fd >= 0)
			return;
		cr_assert(getenv("NSBPF_ATTACH") && !strcmp(getenv("NSBPF_ATTACH"), "auto"),
			  "tcx link: %s", strerror(errno));
	}
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 1, .priority = prio, .prog_fd = f->prog_fd);
	int err = bpf_tc_hook_create(&hook);

	cr_assert(!err || err == -EEXIST, "clsact: %s", strerror(-err));
	cr_assert_eq(bpf_tc_attach(&hook, &opts), 0, "foreign filter at %u", prio);
}

/* ICMP packets of TYPE f has seen. */
static long long foreign_seen(const struct foreign *f, unsigned int type)
{
	long long n = -1;

	cr_assert_eq(bpf_map_lookup_elem(f->map_fd, &type, &n), 0);
	return n;
}

Test(multilab, foreign_programs_before_and_after_ours_see_their_traffic)
{
	struct foreign before, after;
	long long req;

	world_with_server();
	foreign_attach(&before, 1);
	lab_i_up(0);
	foreign_attach(&after, 0xfff0);
	/* the host's own: the world pings the uplink address, through all three */
	cr_assert_eq(in_ns("world", "ping -c20 -i0.05 -W2 192.0.2.1"), 0);
	cr_assert_geq(foreign_seen(&before, 8), 20, "the one before ours sees the pings");
	cr_assert_geq(foreign_seen(&after, 8), 20, "the one after ours sees the host's pings");
	/* the lab's own: its masquerade and forward work behind one that returns next */
	traffic_ok(1);
	cr_assert_geq(foreign_seen(&before, 0), 3, "the one before ours sees the lab's replies");
	cr_assert_eq(foreign_seen(&after, 0), 0, "the lab's replies end at ours");
	cr_assert_gt(stat_path("alpha", "rev_snat"), 0);
	/* down removes ours and leaves the others' programs in place */
	cr_assert(host_untouched());
	lab_down_ok("alpha");
	cr_assert_eq(run("! tc filter show dev up0 ingress | grep -q from_uplink"), 0);
	req = foreign_seen(&after, 8);
	cr_assert_eq(in_ns("world", "ping -c3 -i0.05 -W2 192.0.2.1"), 0);
	cr_assert_geq(foreign_seen(&before, 8), 23);
	cr_assert_geq(foreign_seen(&after, 8), req + 3, "still there after down");
	for (int i = 0; i < 2; i++) {
		const struct foreign *f = i ? &after : &before;

		if (f->link_fd >= 0)
			close(f->link_fd);
		close(f->prog_fd);
		close(f->map_fd);
	}
}
