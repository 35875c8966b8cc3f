// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The sock object's cgroup hooks, for real: BPF_PROG_TEST_RUN cannot run
 * sock_addr programs, so they are attached (bpf links, gone with the test
 * process) to the test process's own cgroup v2, with config's
 * host_netns_cookie set to the selftests' private netns. The "nodes" are
 * listeners on 127.0.0.2 in that netns; a forward sends 127.0.0.1:6000 (and
 * the uplink address, here an address on lo) there. Checked: connect() and
 * sendto() reach the node, getpeername() and recvfrom() give back the
 * address asked for, hits are counted once per flow, a forward on one host
 * address answers only there, and another netns cookie (or none) leaves
 * every socket alone. The same from IPv6 sockets to IPv4-mapped addresses
 * (::ffff:127.0.0.1, as Java and dual-stack clients dial), whose answers
 * come back IPv4-mapped; pure IPv6 destinations, even those ending in
 * 127.0.0.1, are left alone, until forwards6 has forwards: then [::1],
 * [::] and the uplink's IPv6 address (PURE6_ADDR here) reach the node's
 * IPv6 address (PURE6_NODE) through connect6 and sendmsg6, getpeername6
 * and recvmsg6 give back what was asked for, a forward for one IPv6 host
 * address answers only there, hits are counted in forwards6. Skipped,
 * saying why, without cgroup v2; the IPv6 cases are skipped without IPv6.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>

#include "harness.h"
#include "labs.h"
#include "node.skel.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif /* SO_NETNS_COOKIE */

#define NODE_IP	      IP4(127, 0, 0, 2) /* the "node": a listener on lo */
#define LOOP_IP	      IP4(127, 0, 0, 1)
#define LOOP3_IP      IP4(127, 0, 0, 3)
#define UPLINK_ADDR   IP4(198, 18, 0, 1) /* the "uplink address", on lo */
#define TCP_NODE_PORT 8080
#define UDP_NODE_PORT 8081
#define PURE6_ADDR    "fd00::7f00:1" /* pure IPv6 on lo, ending in 127.0.0.1 */
#define PURE6_NODE    "fd00::7f00:2" /* and one ending in NODE_IP */
#define SOCK_HOOKS    8		     /* at most: links[] */

struct sock_env {
	struct st_env env;
	struct bpf_link *links[SOCK_HOOKS];
	__u64 cookie;
	bool ipv6; /* the netns has IPv6, PURE6_ADDR on lo */
};

static struct sockaddr_in sin_of(uint32_t ip, uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };

	a.sin_addr.s_addr = htonl(ip);
	return a;
}

/* ::ffff:ip, port */
static struct sockaddr_in6 sin6_mapped(uint32_t ip, uint16_t port)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(port) };

	a.sin6_addr.s6_addr[10] = 0xff;
	a.sin6_addr.s6_addr[11] = 0xff;
	a.sin6_addr.s6_addr32[3] = htonl(ip);
	return a;
}

static struct sockaddr_in6 sin6_of(const char *ip, uint16_t port)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(port) };

	cr_assert(inet_pton(AF_INET6, ip, &a.sin6_addr) == 1, "%s", ip);
	return a;
}

static void addr6_add(struct nl_sock *sk, int ifindex, const char *ip)
{
	struct rtnl_addr *ra = rtnl_addr_alloc();
	struct nl_addr *local;
	int err;

	cr_assert(ra && !nl_addr_parse(ip, AF_INET6, &local), "parse %s", ip);
	nl_addr_set_prefixlen(local, 128);
	rtnl_addr_set_ifindex(ra, ifindex);
	rtnl_addr_set_local(ra, local);
	rtnl_addr_set_flags(ra, IFA_F_NODAD); /* usable at once */
	err = rtnl_addr_add(sk, ra, 0);
	cr_assert(!err || err == -NLE_EXIST, "address %s on lo: %s", ip, nl_geterror(err));
	nl_addr_put(local);
	rtnl_addr_put(ra);
}

/* PURE6_ADDR and PURE6_NODE on lo, or false when the netns has no IPv6 */
static bool ipv6_up(struct nl_sock *sk, int ifindex)
{
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		fprintf(stderr, "[SKIP] %s: IPv6 cases: no IPv6 here (%s)\n",
			criterion_current_test->name, strerror(errno));
		return false;
	}
	close(fd);
	addr6_add(sk, ifindex, PURE6_ADDR);
	addr6_add(sk, ifindex, PURE6_NODE);
	return true;
}

/* lo up, with UPLINK_ADDR (and PURE6_ADDR) on it: the private netns starts with nothing */
static bool loopback_up(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct rtnl_link *lo, *change;
	struct rtnl_addr *ra;
	struct nl_addr *local;
	int ifindex = (int)if_nametoindex("lo"), err;
	bool ipv6;

	cr_assert(sk && !nl_connect(sk, NETLINK_ROUTE), "rtnetlink");
	cr_assert(!rtnl_link_get_kernel(sk, ifindex, NULL, &lo), "lo");
	change = rtnl_link_alloc();
	rtnl_link_set_flags(change, IFF_UP);
	cr_assert(!rtnl_link_change(sk, lo, change, 0), "set lo up");
	rtnl_link_put(change);
	rtnl_link_put(lo);
	ra = rtnl_addr_alloc();
	cr_assert(!nl_addr_parse("198.18.0.1/32", AF_INET, &local), "parse");
	rtnl_addr_set_ifindex(ra, ifindex);
	rtnl_addr_set_local(ra, local);
	err = rtnl_addr_add(sk, ra, 0);
	cr_assert(!err || err == -NLE_EXIST, "address on lo: %s", nl_geterror(err));
	nl_addr_put(local);
	rtnl_addr_put(ra);
	ipv6 = ipv6_up(sk, ifindex);
	nl_socket_free(sk);
	return ipv6;
}

static __u64 netns_cookie(void)
{
	__u64 cookie = 0;
	socklen_t len = sizeof(cookie);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	cr_assert(fd >= 0, "socket");
	cr_assert(!getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len),
		  "SO_NETNS_COOKIE: %s", strerror(errno));
	close(fd);
	return cookie;
}

/* The cgroup v2 directory this process is in, or skip. */
static int own_cgroup(void)
{
	char line[1024], mnt[512] = "", rel[512] = "", path[1100];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int fd;

	cr_assert(f, "mountinfo");
	while (fgets(line, sizeof(line), f)) {
		const char *sep = strstr(line, " - ");
		char fstype[64];

		if (sep && sscanf(sep + 3, "%63s", fstype) == 1 && !strcmp(fstype, "cgroup2") &&
		    sscanf(line, "%*s %*s %*s %*s %511s", mnt) == 1)
			break;
		mnt[0] = '\0';
	}
	fclose(f);
	f = fopen("/proc/self/cgroup", "re");
	cr_assert(f, "/proc/self/cgroup");
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3) && sscanf(line + 3, "%511s", rel) == 1)
			break;
	fclose(f);
	if (!mnt[0] || !rel[0]) {
		fprintf(stderr, "[SKIP] %s: no cgroup v2 to attach the hooks to\n",
			criterion_current_test->name);
		cr_skip_test("no cgroup v2 to attach the hooks to");
	}
	snprintf(path, sizeof(path), "%s%s", mnt, rel);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert(fd >= 0, "open %s: %s", path, strerror(errno));
	return fd;
}

static void set_config(struct sock_env *s, __u64 cookie)
{
	struct nsb_config cfg = {
		.layout = NSB_LAYOUT_VERSION,
		.uplink_addr = htonl(UPLINK_ADDR),
		.host_netns_cookie = cookie,
	};
	__u32 zero = 0;

	cr_assert(!bpf_map_update_elem(s->env.config_fd, &zero, &cfg, BPF_ANY), "config");
}

static void add_fwd(struct sock_env *s, uint8_t proto, uint32_t host, uint16_t port,
		    uint16_t node_port)
{
	struct nsb_fwd_key k = { .host_addr = htonl(host), .port = htons(port), .proto = proto };
	struct nsb_fwd_val v = {
		.node_addr = htonl(NODE_IP),
		.node_port = htons(node_port),
		.first_port = htons(port),
		.count = 1,
	};

	cr_assert(!st_forward_put(&s->env, &k, &v, BPF_NOEXIST), "forward");
}

static __u64 hits(struct sock_env *s, uint8_t proto, uint32_t host, uint16_t port)
{
	struct nsb_fwd_key k = { .host_addr = htonl(host), .port = htons(port), .proto = proto };
	struct nsb_fwd_val v;

	cr_assert(!bpf_map_lookup_elem(s->env.forwards_fd, &k, &v), "forward");
	return v.hits;
}

static void setup(struct sock_env *s)
{
	struct bpf_program *prog;
	int cg, i = 0;

	memset(s, 0, sizeof(*s));
	st_uplink(); /* skips in the machine's initial netns */
	s->ipv6 = loopback_up();
	cg = own_cgroup();
	st_setup(&s->env, false);
	s->cookie = netns_cookie();
	set_config(s, s->cookie);
	add_fwd(s, IPPROTO_TCP, 0, 6000, TCP_NODE_PORT);
	add_fwd(s, IPPROTO_UDP, 0, 6000, UDP_NODE_PORT);
	add_fwd(s, IPPROTO_TCP, LOOP_IP, 7001, TCP_NODE_PORT);
	bpf_object__for_each_program(prog, s->env.sobj) {
		cr_assert(i < SOCK_HOOKS, "at most %d hooks", SOCK_HOOKS);
		s->links[i] = bpf_program__attach_cgroup(prog, cg);
		cr_assert(s->links[i], "attach %s: %s", bpf_program__name(prog), strerror(errno));
		i++;
	}
	close(cg);
}

static void teardown(struct sock_env *s)
{
	for (int i = 0; i < SOCK_HOOKS; i++)
		bpf_link__destroy(s->links[i]);
	st_close(&s->env);
}

static int listener(int type, uint16_t port)
{
	struct sockaddr_in a = sin_of(NODE_IP, port);
	int one = 1, fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	struct timeval tv = { .tv_sec = 2 };

	cr_assert(fd >= 0, "socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	cr_assert(!bind(fd, (struct sockaddr *)&a, sizeof(a)), "bind: %s", strerror(errno));
	if (type == SOCK_STREAM)
		cr_assert(!listen(fd, 4), "listen");
	return fd;
}

/* connect() to ip:port over TCP: 0 or -errno */
static int tcp_connect(uint32_t ip, uint16_t port, int *out)
{
	struct sockaddr_in a = sin_of(ip, port);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	cr_assert(fd >= 0, "socket");
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		int err = -errno;

		close(fd);
		return err;
	}
	*out = fd;
	return 0;
}

static bool peer_is(int fd, uint32_t ip, uint16_t port, const char *what)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	if (!ASSERT_EQ(getpeername(fd, (struct sockaddr *)&a, &len), 0, what))
		return false;
	return ASSERT_EQ(ntohl(a.sin_addr.s_addr), ip, what) &
	       ASSERT_EQ(ntohs(a.sin_port), port, what);
}

static void tcp_cases(struct sock_env *s)
{
	int srv, cli, conn;
	char buf[8] = "";

	st_case = "tcp";
	srv = listener(SOCK_STREAM, TCP_NODE_PORT);
	ASSERT_EQ(tcp_connect(LOOP_IP, 6000, &cli), 0, "connect 127.0.0.1:6000 reaches the node");
	conn = accept(srv, NULL, NULL);
	ASSERT_TRUE(conn >= 0, "the node accepts");
	peer_is(cli, LOOP_IP, 6000, "getpeername: the address asked for");
	ASSERT_EQ(write(conn, "hello", 5), 5, "the node writes");
	ASSERT_EQ(read(cli, buf, sizeof(buf)), 5, "the client reads");
	ASSERT_TRUE(!memcmp(buf, "hello", 5), "what the node wrote");
	ASSERT_EQ(hits(s, IPPROTO_TCP, 0, 6000), 1, "one connect, one hit");
	close(conn);
	close(cli);

	st_case = "tcp to the uplink address";
	ASSERT_EQ(tcp_connect(UPLINK_ADDR, 6000, &cli), 0, "connect uplink:6000 reaches the node");
	peer_is(cli, UPLINK_ADDR, 6000, "getpeername: the uplink address");
	ASSERT_EQ(hits(s, IPPROTO_TCP, 0, 6000), 2, "a second hit");
	close(cli);

	st_case = "tcp, a forward on 127.0.0.1 only";
	ASSERT_EQ(tcp_connect(LOOP_IP, 7001, &cli), 0, "127.0.0.1:7001 reaches the node");
	close(cli);
	ASSERT_EQ(tcp_connect(LOOP3_IP, 7001, &cli), -ECONNREFUSED, "127.0.0.3:7001 is left alone");
	ASSERT_EQ(tcp_connect(UPLINK_ADDR, 7001, &cli), -ECONNREFUSED, "uplink:7001 is left alone");

	st_case = "tcp, not a forward";
	ASSERT_EQ(tcp_connect(LOOP_IP, 6001, &cli), -ECONNREFUSED, "127.0.0.1:6001 is left alone");
	close(srv);
}

static void udp_cases(struct sock_env *s)
{
	struct sockaddr_in to = sin_of(LOOP_IP, 6000), from;
	socklen_t len = sizeof(from);
	int srv, cli;
	char buf[8] = "";

	srv = listener(SOCK_DGRAM, UDP_NODE_PORT);

	st_case = "udp, unconnected (sendto, recvfrom)";
	cli = listener(SOCK_DGRAM, 0); /* any port on 127.0.0.2 will do */
	ASSERT_EQ(sendto(cli, "ping", 4, 0, (struct sockaddr *)&to, sizeof(to)), 4, "sendto");
	ASSERT_EQ(recvfrom(srv, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len), 4,
		  "the node gets it");
	ASSERT_EQ(sendto(srv, "pong", 4, 0, (struct sockaddr *)&from, len), 4, "the node answers");
	len = sizeof(from);
	ASSERT_EQ(recvfrom(cli, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len), 4,
		  "the client gets the answer");
	ASSERT_EQ(ntohl(from.sin_addr.s_addr), LOOP_IP, "recvfrom: from the address asked for");
	ASSERT_EQ(ntohs(from.sin_port), 6000, "recvfrom: from the port asked for");
	ASSERT_EQ(sendto(cli, "ping", 4, 0, (struct sockaddr *)&to, sizeof(to)), 4, "sendto again");
	len = sizeof(from);
	ASSERT_EQ(recvfrom(srv, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len), 4,
		  "the node gets it again");
	ASSERT_EQ(hits(s, IPPROTO_UDP, 0, 6000), 1, "one socket to one forward: one hit");
	close(cli);

	st_case = "udp, connected (connect, send, recvfrom, getpeername)";
	cli = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_EQ(connect(cli, (struct sockaddr *)&to, sizeof(to)), 0, "connect");
	peer_is(cli, LOOP_IP, 6000, "getpeername: the address asked for");
	ASSERT_EQ(send(cli, "ping", 4, 0), 4, "send");
	len = sizeof(from);
	ASSERT_EQ(recvfrom(srv, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len), 4,
		  "the node gets it");
	ASSERT_EQ(sendto(srv, "pong", 4, 0, (struct sockaddr *)&from, len), 4, "the node answers");
	len = sizeof(from);
	ASSERT_EQ(recvfrom(cli, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len), 4,
		  "the client gets the answer");
	ASSERT_EQ(ntohl(from.sin_addr.s_addr), LOOP_IP, "recvfrom: from the address asked for");
	ASSERT_EQ(ntohs(from.sin_port), 6000, "recvfrom: from the port asked for");
	ASSERT_EQ(hits(s, IPPROTO_UDP, 0, 6000), 2, "a connect is a flow: two hits");
	close(cli);
	close(srv);
}

static int sock6(int type)
{
	int fd = socket(AF_INET6, type | SOCK_CLOEXEC, 0);
	struct timeval tv = { .tv_sec = 2 };

	cr_assert(fd >= 0, "socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* An IPv6-only socket bound to a (and listening, for TCP) */
static int listener6(int type, const struct sockaddr_in6 *a)
{
	int one = 1, fd = sock6(type);

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	cr_assert(!bind(fd, (const struct sockaddr *)a, sizeof(*a)), "bind: %s", strerror(errno));
	if (type == SOCK_STREAM)
		cr_assert(!listen(fd, 4), "listen");
	return fd;
}

/* connect() to a over TCP from an IPv6 socket: 0 or -errno */
static int tcp6_connect(const struct sockaddr_in6 *a, int *out)
{
	int fd = sock6(SOCK_STREAM);

	if (connect(fd, (const struct sockaddr *)a, sizeof(*a))) {
		int err = -errno;

		close(fd);
		return err;
	}
	*out = fd;
	return 0;
}

static bool addr6_is(const struct sockaddr_in6 *got, const struct sockaddr_in6 *want,
		     const char *what)
{
	char g[INET6_ADDRSTRLEN] = "?", w[INET6_ADDRSTRLEN] = "?";
	bool ok = got->sin6_family == AF_INET6 && got->sin6_port == want->sin6_port &&
		  !memcmp(&got->sin6_addr, &want->sin6_addr, sizeof(want->sin6_addr));

	inet_ntop(AF_INET6, &got->sin6_addr, g, sizeof(g));
	inet_ntop(AF_INET6, &want->sin6_addr, w, sizeof(w));
	cr_expect(ok, "%s: %s: got family %d [%s]:%u, want [%s]:%u", st_case, what,
		  got->sin6_family, g, ntohs(got->sin6_port), w, ntohs(want->sin6_port));
	return ok;
}

static bool peer6_is(int fd, const struct sockaddr_in6 *want, const char *what)
{
	struct sockaddr_in6 a = {};
	socklen_t len = sizeof(a);

	if (!ASSERT_EQ(getpeername(fd, (struct sockaddr *)&a, &len), 0, what))
		return false;
	return addr6_is(&a, want, what);
}

/* The IPv4 cases again, from IPv6 sockets to IPv4-mapped addresses */
static void tcp6_cases(struct sock_env *s)
{
	struct sockaddr_in6 loop = sin6_mapped(LOOP_IP, 6000);
	struct sockaddr_in6 uplink = sin6_mapped(UPLINK_ADDR, 6000);
	struct sockaddr_in6 only = sin6_mapped(LOOP_IP, 7001), loop3 = sin6_mapped(LOOP3_IP, 7001);
	__u64 before = hits(s, IPPROTO_TCP, 0, 6000);
	int srv, cli = -1, conn = -1;
	char buf[8] = "";

	srv = listener(SOCK_STREAM, TCP_NODE_PORT);
	st_case = "tcp6 to ::ffff:127.0.0.1";
	ASSERT_EQ(tcp6_connect(&loop, &cli), 0, "connect [::ffff:127.0.0.1]:6000 reaches the node");
	conn = accept(srv, NULL, NULL);
	ASSERT_TRUE(conn >= 0, "the node accepts");
	peer6_is(cli, &loop, "getpeername: the mapped address asked for");
	ASSERT_EQ(write(conn, "hello", 5), 5, "the node writes");
	ASSERT_EQ(read(cli, buf, sizeof(buf)), 5, "the client reads");
	ASSERT_TRUE(!memcmp(buf, "hello", 5), "what the node wrote");
	ASSERT_EQ(hits(s, IPPROTO_TCP, 0, 6000), before + 1, "one connect, one hit");
	close(conn);
	close(cli);

	st_case = "tcp6 to ::ffff:uplink";
	ASSERT_EQ(tcp6_connect(&uplink, &cli), 0, "connect [::ffff:uplink]:6000 reaches the node");
	conn = accept(srv, NULL, NULL);
	ASSERT_TRUE(conn >= 0, "the node accepts");
	peer6_is(cli, &uplink, "getpeername: the mapped uplink address");
	ASSERT_EQ(hits(s, IPPROTO_TCP, 0, 6000), before + 2, "a second hit");
	close(conn);
	close(cli);

	st_case = "tcp6, a forward on 127.0.0.1 only";
	ASSERT_EQ(tcp6_connect(&only, &cli), 0, "[::ffff:127.0.0.1]:7001 reaches the node");
	close(cli);
	ASSERT_EQ(tcp6_connect(&loop3, &cli), -ECONNREFUSED,
		  "[::ffff:127.0.0.3]:7001 is left alone");
	close(srv);
}

static void udp6_cases(struct sock_env *s)
{
	struct sockaddr_in6 to = sin6_mapped(LOOP_IP, 6000);
	struct sockaddr_in6 uplink = sin6_mapped(UPLINK_ADDR, 6000);
	struct sockaddr_in6 pure_node = sin6_of(PURE6_NODE, UDP_NODE_PORT), from6, me;
	__u64 before = hits(s, IPPROTO_UDP, 0, 6000);
	struct sockaddr_in from;
	socklen_t len;
	int srv, cli, peer;
	char buf[8] = "";

	srv = listener(SOCK_DGRAM, UDP_NODE_PORT);

	st_case = "udp6 to ::ffff:127.0.0.1, unconnected (sendto, recvfrom)";
	cli = sock6(SOCK_DGRAM);
	ASSERT_EQ(sendto(cli, "ping", 4, 0, (struct sockaddr *)&to, sizeof(to)), 4, "sendto");
	len = sizeof(from);
	ASSERT_EQ(recvfrom(srv, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len), 4,
		  "the node gets it");
	ASSERT_EQ(sendto(srv, "pong", 4, 0, (struct sockaddr *)&from, len), 4, "the node answers");
	len = sizeof(from6);
	ASSERT_EQ(recvfrom(cli, buf, sizeof(buf), 0, (struct sockaddr *)&from6, &len), 4,
		  "the client gets the answer");
	addr6_is(&from6, &to, "recvfrom: the mapped address asked for");
	ASSERT_EQ(sendto(cli, "ping", 4, 0, (struct sockaddr *)&to, sizeof(to)), 4, "sendto again");
	len = sizeof(from);
	ASSERT_EQ(recvfrom(srv, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len), 4,
		  "the node gets it again");
	ASSERT_EQ(hits(s, IPPROTO_UDP, 0, 6000), before + 1, "one socket to one forward: one hit");

	/* the socket knows the node as 127.0.0.2:8081 (sock_orig); fd00::7f00:2 only ends so */
	st_case = "udp6, a pure IPv6 peer that ends like the node";
	peer = listener6(SOCK_DGRAM, &pure_node);
	len = sizeof(me);
	ASSERT_EQ(getsockname(cli, (struct sockaddr *)&me, &len), 0, "the client's port");
	me = sin6_of(PURE6_ADDR, ntohs(me.sin6_port));
	ASSERT_EQ(sendto(peer, "pure", 4, 0, (struct sockaddr *)&me, sizeof(me)), 4,
		  "the IPv6 peer sends");
	len = sizeof(from6);
	ASSERT_EQ(recvfrom(cli, buf, sizeof(buf), 0, (struct sockaddr *)&from6, &len), 4,
		  "the client gets it");
	addr6_is(&from6, &pure_node, "recvfrom: the IPv6 peer, untouched");
	close(peer);
	close(cli);

	st_case = "udp6 to ::ffff:uplink, connected (connect, send, recvfrom, getpeername)";
	cli = sock6(SOCK_DGRAM);
	ASSERT_EQ(connect(cli, (struct sockaddr *)&uplink, sizeof(uplink)), 0, "connect");
	peer6_is(cli, &uplink, "getpeername: the mapped uplink address");
	ASSERT_EQ(send(cli, "ping", 4, 0), 4, "send");
	len = sizeof(from);
	ASSERT_EQ(recvfrom(srv, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len), 4,
		  "the node gets it");
	ASSERT_EQ(sendto(srv, "pong", 4, 0, (struct sockaddr *)&from, len), 4, "the node answers");
	len = sizeof(from6);
	ASSERT_EQ(recvfrom(cli, buf, sizeof(buf), 0, (struct sockaddr *)&from6, &len), 4,
		  "the client gets the answer");
	addr6_is(&from6, &uplink, "recvfrom: the mapped uplink address");
	ASSERT_EQ(hits(s, IPPROTO_UDP, 0, 6000), before + 2, "a connect is a flow: two hits");
	close(cli);
	close(srv);
}

static void add_fwd6(struct sock_env *s, uint8_t proto, const char *host, uint16_t port,
		     uint16_t node_port)
{
	struct nsb_fwd6_key k = { .port = htons(port), .proto = proto };
	struct nsb_fwd6_val v = {
		.v = { .node_port = htons(node_port), .first_port = htons(port), .count = 1 }
	};
	int fd = bpf_map__fd(s->env.skel->maps.forwards6);

	if (host)
		cr_assert(inet_pton(AF_INET6, host, k.host_addr) == 1, "%s", host);
	cr_assert(inet_pton(AF_INET6, PURE6_NODE, v.node_addr) == 1, "node");
	cr_assert(!bpf_map_update_elem(fd, &k, &v, BPF_NOEXIST), "forwards6");
	/* the hint bitmap, as the loader keeps it for both maps */
	st_fwd_ports_mark6(&s->env, proto, port, host != NULL);
}

static __u64 hits6(struct sock_env *s, uint8_t proto, const char *host, uint16_t port)
{
	struct nsb_fwd6_key k = { .port = htons(port), .proto = proto };
	struct nsb_fwd6_val v;

	if (host)
		cr_assert(inet_pton(AF_INET6, host, k.host_addr) == 1, "%s", host);
	cr_assert(!bpf_map_lookup_elem(bpf_map__fd(s->env.skel->maps.forwards6), &k, &v),
		  "forwards6");
	return v.v.hits;
}

/*
 * Forwards over IPv6 (forwards6): [::1], [::] and the uplink's IPv6
 * address reach the node at PURE6_NODE; the client sees what it asked for.
 */
static void fwd6_cases(struct sock_env *s)
{
	struct sockaddr_in6 loop = sin6_of("::1", 6000), any = sin6_of("::", 6000);
	struct sockaddr_in6 uplink = sin6_of(PURE6_ADDR, 6000), none = sin6_of("::1", 6001);
	struct sockaddr_in6 only = sin6_of(PURE6_ADDR, 7002), only_lo = sin6_of("::1", 7002);
	struct sockaddr_in6 tnode = sin6_of(PURE6_NODE, TCP_NODE_PORT);
	struct sockaddr_in6 unode = sin6_of(PURE6_NODE, UDP_NODE_PORT), from6;
	__u64 v4tcp = hits(s, IPPROTO_TCP, 0, 6000);
	struct nsb_config cfg;
	socklen_t len;
	__u32 zero = 0;
	int srv, cli = -1, conn = -1;
	char buf[8] = "";

	cr_assert(!bpf_map_lookup_elem(s->env.config_fd, &zero, &cfg), "config");
	cr_assert(inet_pton(AF_INET6, PURE6_ADDR, cfg.uplink_addr6) == 1, "uplink6");
	cr_assert(!bpf_map_update_elem(s->env.config_fd, &zero, &cfg, BPF_ANY), "config");
	add_fwd6(s, IPPROTO_TCP, NULL, 6000, TCP_NODE_PORT);
	add_fwd6(s, IPPROTO_UDP, NULL, 6000, UDP_NODE_PORT);
	add_fwd6(s, IPPROTO_TCP, PURE6_ADDR, 7002, TCP_NODE_PORT);

	srv = listener6(SOCK_STREAM, &tnode);
	st_case = "tcp6 to [::1]:6000";
	ASSERT_EQ(tcp6_connect(&loop, &cli), 0, "connect [::1]:6000 reaches the node");
	conn = accept(srv, NULL, NULL);
	ASSERT_TRUE(conn >= 0, "the node accepts");
	peer6_is(cli, &loop, "getpeername: [::1]:6000");
	ASSERT_EQ(write(conn, "hello", 5), 5, "the node writes");
	ASSERT_EQ(read(cli, buf, sizeof(buf)), 5, "the client reads");
	ASSERT_EQ(hits6(s, IPPROTO_TCP, NULL, 6000), 1, "one connect, one hit in forwards6");
	ASSERT_EQ(hits(s, IPPROTO_TCP, 0, 6000), v4tcp, "none in forwards");
	close(conn);
	close(cli);

	st_case = "tcp6 to the uplink's IPv6 address:6000";
	ASSERT_EQ(tcp6_connect(&uplink, &cli), 0, "connect [uplink6]:6000 reaches the node");
	conn = accept(srv, NULL, NULL);
	ASSERT_TRUE(conn >= 0, "the node accepts");
	peer6_is(cli, &uplink, "getpeername: the uplink's IPv6 address");
	ASSERT_EQ(hits6(s, IPPROTO_TCP, NULL, 6000), 2, "a second hit");
	close(conn);
	close(cli);

	st_case = "tcp6 to [::]:6000";
	ASSERT_EQ(tcp6_connect(&any, &cli), 0, "connect [::]:6000 reaches the node");
	conn = accept(srv, NULL, NULL);
	ASSERT_TRUE(conn >= 0, "the node accepts");
	close(conn);
	close(cli);

	st_case = "tcp6, a forward on the uplink's IPv6 address only";
	ASSERT_EQ(tcp6_connect(&only, &cli), 0, "[uplink6]:7002 reaches the node");
	conn = accept(srv, NULL, NULL);
	ASSERT_TRUE(conn >= 0, "the node accepts");
	peer6_is(cli, &only, "getpeername: [uplink6]:7002");
	close(conn);
	close(cli);
	ASSERT_EQ(tcp6_connect(&only_lo, &cli), -ECONNREFUSED, "[::1]:7002 is left alone");
	ASSERT_EQ(hits6(s, IPPROTO_TCP, PURE6_ADDR, 7002), 1, "one hit");

	st_case = "tcp6, not a forward";
	ASSERT_EQ(tcp6_connect(&none, &cli), -ECONNREFUSED, "[::1]:6001 is left alone");
	close(srv);

	srv = listener6(SOCK_DGRAM, &unode);
	st_case = "udp6 to [::1]:6000, unconnected (sendto, recvfrom)";
	cli = sock6(SOCK_DGRAM);
	ASSERT_EQ(sendto(cli, "ping", 4, 0, (struct sockaddr *)&loop, sizeof(loop)), 4, "sendto");
	len = sizeof(from6);
	ASSERT_EQ(recvfrom(srv, buf, sizeof(buf), 0, (struct sockaddr *)&from6, &len), 4,
		  "the node gets it");
	ASSERT_EQ(sendto(srv, "pong", 4, 0, (struct sockaddr *)&from6, len), 4, "the node answers");
	len = sizeof(from6);
	ASSERT_EQ(recvfrom(cli, buf, sizeof(buf), 0, (struct sockaddr *)&from6, &len), 4,
		  "the client gets the answer");
	addr6_is(&from6, &loop, "recvfrom: [::1]:6000");
	ASSERT_EQ(sendto(cli, "ping", 4, 0, (struct sockaddr *)&loop, sizeof(loop)), 4, "again");
	len = sizeof(from6);
	ASSERT_EQ(recvfrom(srv, buf, sizeof(buf), 0, (struct sockaddr *)&from6, &len), 4,
		  "the node gets it again");
	ASSERT_EQ(hits6(s, IPPROTO_UDP, NULL, 6000), 1, "one socket to one forward: one hit");
	close(cli);

	st_case = "udp6 to the uplink's IPv6 address, connected (getpeername, recvfrom)";
	cli = sock6(SOCK_DGRAM);
	ASSERT_EQ(connect(cli, (struct sockaddr *)&uplink, sizeof(uplink)), 0, "connect");
	peer6_is(cli, &uplink, "getpeername: the uplink's IPv6 address");
	ASSERT_EQ(send(cli, "ping", 4, 0), 4, "send");
	len = sizeof(from6);
	ASSERT_EQ(recvfrom(srv, buf, sizeof(buf), 0, (struct sockaddr *)&from6, &len), 4,
		  "the node gets it");
	ASSERT_EQ(sendto(srv, "pong", 4, 0, (struct sockaddr *)&from6, len), 4, "the node answers");
	len = sizeof(from6);
	ASSERT_EQ(recvfrom(cli, buf, sizeof(buf), 0, (struct sockaddr *)&from6, &len), 4,
		  "the client gets the answer");
	addr6_is(&from6, &uplink, "recvfrom: the uplink's IPv6 address");
	ASSERT_EQ(hits6(s, IPPROTO_UDP, NULL, 6000), 2, "a connect is a flow: two hits");
	close(cli);
	close(srv);
}

/* Pure IPv6 destinations are not forwards', even when they end in 127.0.0.1 */
static void pure6_cases(struct sock_env *s)
{
	static const char *const near[] = {
		"::127.0.0.1",	      /* IPv4-compatible (deprecated) */
		"::ffff:0:127.0.0.1", /* IPv4-translated (SIIT) */
		"64:ff9b::127.0.0.1", /* NAT64's well-known prefix */
		"::1",
	};
	struct sockaddr_in6 pure = sin6_of(PURE6_ADDR, 6000), from6;
	__u64 tcp = hits(s, IPPROTO_TCP, 0, 6000), udp = hits(s, IPPROTO_UDP, 0, 6000);
	socklen_t len;
	int srv, cli = -1, conn = -1;
	char buf[8] = "";

	st_case = "tcp6 to a pure IPv6 address";
	srv = listener6(SOCK_STREAM, &pure);
	ASSERT_EQ(tcp6_connect(&pure, &cli), 0, "connect [" PURE6_ADDR "]:6000");
	conn = accept(srv, NULL, NULL);
	ASSERT_TRUE(conn >= 0, "its own listener accepts");
	peer6_is(cli, &pure, "getpeername: what was asked for");
	close(conn);
	close(cli);
	close(srv);

	st_case = "udp6 to a pure IPv6 address";
	srv = listener6(SOCK_DGRAM, &pure);
	cli = sock6(SOCK_DGRAM);
	ASSERT_EQ(sendto(cli, "ping", 4, 0, (struct sockaddr *)&pure, sizeof(pure)), 4, "sendto");
	len = sizeof(from6);
	ASSERT_EQ(recvfrom(srv, buf, sizeof(buf), 0, (struct sockaddr *)&from6, &len), 4,
		  "its own listener gets it");
	ASSERT_EQ(sendto(srv, "pong", 4, 0, (struct sockaddr *)&from6, len), 4, "it answers");
	len = sizeof(from6);
	ASSERT_EQ(recvfrom(cli, buf, sizeof(buf), 0, (struct sockaddr *)&from6, &len), 4,
		  "the client gets the answer");
	addr6_is(&from6, &pure, "recvfrom: what was asked for");
	close(srv);

	/* unreachable or refused, whatever: the hits say no forward took them */
	st_case = "IPv6 addresses that end in 127.0.0.1, not IPv4-mapped";
	for (size_t i = 0; i < sizeof(near) / sizeof(near[0]); i++) {
		struct sockaddr_in6 a = sin6_of(near[i], 6000);

		if (!tcp6_connect(&a, &conn))
			close(conn);
		sendto(cli, "ping", 4, 0, (struct sockaddr *)&a, sizeof(a));
	}
	close(cli);
	ASSERT_EQ(hits(s, IPPROTO_TCP, 0, 6000), tcp, "no tcp hit");
	ASSERT_EQ(hits(s, IPPROTO_UDP, 0, 6000), udp, "no udp hit");
}

static void cookie_cases(struct sock_env *s)
{
	__u64 before = hits(s, IPPROTO_TCP, 0, 6000);
	int srv, cli;

	srv = listener(SOCK_STREAM, TCP_NODE_PORT);
	st_case = "another netns's cookie";
	set_config(s, s->cookie + 1);
	ASSERT_EQ(tcp_connect(LOOP_IP, 6000, &cli), -ECONNREFUSED,
		  "not the lab's netns: untouched");
	if (s->ipv6) {
		struct sockaddr_in6 loop = sin6_mapped(LOOP_IP, 6000);

		ASSERT_EQ(tcp6_connect(&loop, &cli), -ECONNREFUSED,
			  "[::ffff:127.0.0.1]:6000 from an IPv6 socket: untouched too");
	}
	st_case = "no cookie";
	set_config(s, 0);
	ASSERT_EQ(tcp_connect(LOOP_IP, 6000, &cli), -ECONNREFUSED, "cookie 0: untouched");
	ASSERT_EQ(hits(s, IPPROTO_TCP, 0, 6000), before, "no hit");
	st_case = "the lab's cookie again";
	set_config(s, s->cookie);
	ASSERT_EQ(tcp_connect(LOOP_IP, 6000, &cli), 0, "translated again");
	close(cli);
	close(srv);
}

/*
 * One test, the cases in turn: Criterion runs tests in parallel processes
 * that share the selftests' netns, and two sets of hooks attached with the
 * same netns cookie would translate each other's sockets.
 */
Test(sock, connect_sendmsg_recvmsg_getpeername)
{
	struct sock_env s;

	setup(&s);
	tcp_cases(&s);
	udp_cases(&s);
	if (s.ipv6) {
		tcp6_cases(&s);
		udp6_cases(&s);
		pure6_cases(&s);
		fwd6_cases(&s);
	}
	cookie_cases(&s);
	teardown(&s);
}
