// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Sockets in namespaces, forged packets, captures, router advertisements
 * (sockets.h). Over 400 lines: every packet-level helper of the integration
 * tests in one place, so that the test files stay lists of steps.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip6.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "harness.h"
#include "sockets.h"
#include "sys/netns.h"

uint32_t ip4(const char *s)
{
	struct in_addr a;

	cr_assert_eq(inet_pton(AF_INET, s, &a), 1, "address %s", s);
	return a.s_addr;
}

struct sockaddr_in sin4(const char *addr, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };

	a.sin_addr.s_addr = ip4(addr);
	return a;
}

/* A socket of netns NETNS (NULL: the host's): made there, used from here (it keeps its netns). */
int ns_socket(const char *netns, int domain, int type, int proto)
{
	int nsfd, saved, fd, err;

	if (!netns) {
		fd = socket(domain, type | SOCK_CLOEXEC, proto);
		cr_assert_geq(fd, 0, "socket: %s", strerror(errno));
		return fd;
	}
	nsfd = netns_open(netns);
	cr_assert_geq(nsfd, 0, "netns %s: %s", netns, strerror(-nsfd));
	cr_assert_eq(netns_enter(nsfd, &saved), 0, "enter netns %s", netns);
	fd = socket(domain, type | SOCK_CLOEXEC, proto);
	err = errno;
	netns_leave(saved);
	close(nsfd);
	cr_assert_geq(fd, 0, "socket in %s: %s", netns, strerror(err));
	return fd;
}

void set_timeouts(int fd, int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

int udp_bound(const char *netns, const char *addr, int port)
{
	int fd = ns_socket(netns, AF_INET, SOCK_DGRAM, 0), on = 1;
	struct sockaddr_in a = sin4(addr, port);

	setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &on, sizeof(on));
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0, "udp bind %s:%d in %s: %s",
		     addr, port, netns ? netns : "the host", strerror(errno));
	return fd;
}

void udp_to(int fd, const char *addr, int port, const char *msg)
{
	struct sockaddr_in a = sin4(addr, port);

	cr_assert_eq(sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&a, sizeof(a)),
		     (ssize_t)strlen(msg), "udp to %s:%d: %s", addr, port, strerror(errno));
}

/* A datagram within ms milliseconds: its length (NUL-terminated in buf), or -1. */
ssize_t recv_within(int fd, char *buf, size_t size, int ms, struct sockaddr_in *from)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	socklen_t alen = sizeof(*from);
	ssize_t n;

	if (poll(&p, 1, ms) != 1)
		return -1;
	n = recvfrom(fd, buf, size - 1, MSG_DONTWAIT, (struct sockaddr *)from, &alen);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

int tcp_listen(const char *netns, const char *addr, int port)
{
	int fd = ns_socket(netns, AF_INET, SOCK_STREAM, 0), on = 1;
	struct sockaddr_in a = sin4(addr, port);

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0, "tcp bind %s:%d in %s", addr,
		     port, netns);
	cr_assert_eq(listen(fd, 16), 0);
	return fd;
}

/* Connected within 3 s, with 2 s send and receive timeouts. */
int tcp_connect(const char *netns, const char *addr, int port)
{
	int fd = ns_socket(netns, AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = sin4(addr, port);

	set_timeouts(fd, 3000);
	cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0,
		     "connect from %s to %s:%d: %s", netns, addr, port, strerror(errno));
	set_timeouts(fd, 2000);
	return fd;
}

int tcp_accept(int lfd)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	int fd;

	cr_assert_eq(poll(&p, 1, 3000), 1, "a connection to accept within 3 s");
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	cr_assert_geq(fd, 0, "accept: %s", strerror(errno));
	set_timeouts(fd, 2000);
	return fd;
}

/* MSG sent on a arrives whole on b (2 s at most). */
void xfer(int a, int b, const char *msg, const char *what)
{
	size_t len = strlen(msg), got = 0;
	char buf[256] = "";

	cr_assert_eq(send(a, msg, len, MSG_NOSIGNAL), (ssize_t)len, "%s: send: %s", what,
		     strerror(errno));
	while (got < len) {
		ssize_t n = recv(b, buf + got, len - got, 0);

		cr_assert_gt(n, 0, "%s: %s", what, n ? strerror(errno) : "end of stream");
		got += (size_t)n;
	}
	cr_assert(!memcmp(buf, msg, len), "%s: the bytes sent", what);
}

/* The peer closed its side: recv says end of stream (2 s at most). */
void expect_eof(int fd, const char *what)
{
	char c;
	ssize_t n = recv(fd, &c, 1, 0);

	cr_assert_eq(n, 0, "%s: end of stream, got %zd (%s)", what, n,
		     n < 0 ? strerror(errno) : "data");
}

int local_port(int fd, bool peer)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	cr_assert_eq((peer ? getpeername : getsockname)(fd, (struct sockaddr *)&a, &len), 0);
	return ntohs(a.sin_port);
}

/*
 * What a TCP socket sends next and expects next (snd_nxt, rcv_nxt), read in
 * repair mode (TCP_QUEUE_SEQ), which it leaves without a window probe.
 */
void tcp_seqs(int fd, uint32_t *snd, uint32_t *rcv)
{
	int on = TCP_REPAIR_ON, off = TCP_REPAIR_OFF_NO_WP, q;
	socklen_t len = sizeof(*snd);

	cr_assert_eq(setsockopt(fd, IPPROTO_TCP, TCP_REPAIR, &on, sizeof(on)), 0, "TCP_REPAIR: %s",
		     strerror(errno));
	q = TCP_SEND_QUEUE;
	cr_assert_eq(setsockopt(fd, IPPROTO_TCP, TCP_REPAIR_QUEUE, &q, sizeof(q)), 0);
	cr_assert_eq(getsockopt(fd, IPPROTO_TCP, TCP_QUEUE_SEQ, snd, &len), 0);
	q = TCP_RECV_QUEUE;
	len = sizeof(*rcv);
	cr_assert_eq(setsockopt(fd, IPPROTO_TCP, TCP_REPAIR_QUEUE, &q, sizeof(q)), 0);
	cr_assert_eq(getsockopt(fd, IPPROTO_TCP, TCP_QUEUE_SEQ, rcv, &len), 0);
	cr_assert_eq(setsockopt(fd, IPPROTO_TCP, TCP_REPAIR, &off, sizeof(off)), 0);
}

/* The world's raw IPv4 socket: it sends headers as they are written (IP_HDRINCL). */
int raw_open(const char *netns)
{
	int fd = ns_socket(netns, AF_INET, SOCK_RAW, IPPROTO_RAW), on = 1;

	cr_assert_eq(setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &on, sizeof(on)), 0);
	return fd;
}

/*
 * An IPv4 datagram from src to dst carrying l4 (a UDP or TCP header and
 * its payload), whose transport checksum at csum_off is computed here; the
 * kernel fills in the IPv4 header's.
 */
void raw_send(int fd, uint32_t src, uint32_t dst, uint8_t proto, uint8_t *l4, size_t l4len,
	      size_t csum_off)
{
	uint8_t pkt[256];
	struct iphdr *ip = (struct iphdr *)pkt;
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr.s_addr = dst };
	uint16_t sum;
	uint32_t s;

	cr_assert_leq(sizeof(*ip) + l4len, sizeof(pkt));
	memset(ip, 0, sizeof(*ip));
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = proto;
	ip->saddr = src;
	ip->daddr = dst;
	ip->tot_len = htons((uint16_t)(sizeof(*ip) + l4len));
	l4[csum_off] = l4[csum_off + 1] = 0;
	/* pseudo header: addresses, protocol, transport length */
	s = csum_add(0, &ip->saddr, 8) + proto + (uint32_t)l4len;
	sum = htons(csum_fold(csum_add(s, l4, l4len)));
	if (proto == IPPROTO_UDP && !sum)
		sum = 0xffff;
	memcpy(l4 + csum_off, &sum, 2);
	memcpy(pkt + sizeof(*ip), l4, l4len);
	cr_assert_eq(sendto(fd, pkt, sizeof(*ip) + l4len, 0, (struct sockaddr *)&to, sizeof(to)),
		     (ssize_t)(sizeof(*ip) + l4len), "raw send: %s", strerror(errno));
}

void raw_udp(int fd, const char *src, int sport, const char *dst, int dport, const char *msg)
{
	uint8_t l4[128];
	struct udphdr *uh = (struct udphdr *)l4;
	size_t len = sizeof(*uh) + strlen(msg);

	cr_assert_leq(len, sizeof(l4));
	uh->source = htons((uint16_t)sport);
	uh->dest = htons((uint16_t)dport);
	uh->len = htons((uint16_t)len);
	memcpy(l4 + sizeof(*uh), msg, strlen(msg));
	raw_send(fd, ip4(src), ip4(dst), IPPROTO_UDP, l4, len, offsetof(struct udphdr, check));
}

void raw_tcp(int fd, const char *src, int sport, const char *dst, int dport, uint32_t seq,
	     uint32_t ack, uint8_t flags)
{
	struct tcphdr th = { 0 };

	th.source = htons((uint16_t)sport);
	th.dest = htons((uint16_t)dport);
	th.seq = htonl(seq);
	th.ack_seq = htonl(ack);
	th.doff = 5;
	th.th_flags = flags;
	th.window = htons(502);
	raw_send(fd, ip4(src), ip4(dst), IPPROTO_TCP, (uint8_t *)&th, sizeof(th),
		 offsetof(struct tcphdr, check));
}

/* A packet socket on IFNAME of NETNS: every frame from now on. */
int cap_open(const char *netns, const char *ifname)
{
	int fd = ns_socket(netns, AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	struct ifreq ifr = { 0 };

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	/* the socket's netns answers, not ours */
	cr_assert_eq(ioctl(fd, SIOCGIFINDEX, &ifr), 0, "%s in %s", ifname, netns);
	sll.sll_ifindex = ifr.ifr_ifindex;
	cr_assert_eq(bind(fd, (struct sockaddr *)&sll, sizeof(sll)), 0);
	return fd;
}

/*
 * The next IPv4 packet that came in on the capture before the deadline:
 * its length, the IPv4 header at buf; 0 at the deadline.
 */
size_t cap_ip(int fd, uint8_t *buf, size_t size, long long deadline)
{
	uint8_t frame[2048];

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct sockaddr_ll from;
		socklen_t alen = sizeof(from);
		long long left = deadline - now_ms();
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)left) != 1)
			return 0;
		n = recvfrom(fd, frame, sizeof(frame), MSG_DONTWAIT, (struct sockaddr *)&from,
			     &alen);
		if (n < (ssize_t)(ETH_HLEN + sizeof(struct iphdr)) ||
		    from.sll_pkttype == PACKET_OUTGOING || ntohs(from.sll_protocol) != ETH_P_IP)
			continue;
		n -= ETH_HLEN;
		if ((size_t)n > size)
			n = (ssize_t)size;
		memcpy(buf, frame + ETH_HLEN, (size_t)n);
		return (size_t)n;
	}
}

/* A UDP packet's payload (NUL-terminated into out), or "" for anything else. */
void udp_payload(const uint8_t *pkt, size_t len, char *out, size_t size)
{
	const struct iphdr *ip = (const struct iphdr *)pkt;
	size_t off = (size_t)ip->ihl * 4 + sizeof(struct udphdr), n;

	out[0] = '\0';
	if (ip->protocol != IPPROTO_UDP || len <= off)
		return;
	n = len - off < size - 1 ? len - off : size - 1;
	memcpy(out, pkt + off, n);
	out[n] = '\0';
}

/* ---- a node that plays IPv6 router ---- */

#define RA_LEN	     (sizeof(struct nd_router_advert) + 8 + sizeof(struct nd_opt_prefix_info))
#define RA_FRAME_LEN (14 + 40 + RA_LEN)

/* The EUI-64 link-local address of MAC. */
static void link_local(struct in6_addr *a, const uint8_t mac[6])
{
	memset(a, 0, sizeof(*a));
	a->s6_addr[0] = 0xfe;
	a->s6_addr[1] = 0x80;
	memcpy(&a->s6_addr[8], mac, 3);
	a->s6_addr[8] ^= 0x02;
	a->s6_addr[11] = 0xff;
	a->s6_addr[12] = 0xfe;
	memcpy(&a->s6_addr[13], mac + 3, 3);
}

/*
 * A router advertisement as any router sends it: from the link-local address
 * of MAC to all nodes, hop limit 255, router lifetime 1800 s, MAC, and an
 * on-link, autonomous prefix PREFIX/64.
 */
static void build_ra(uint8_t frame[RA_FRAME_LEN], const uint8_t mac[6], const char *prefix)
{
	static const uint8_t all_nodes_mac[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	struct ether_header *eth = (struct ether_header *)frame;
	struct ip6_hdr *ip6 = (struct ip6_hdr *)(frame + 14);
	struct nd_router_advert *ra = (struct nd_router_advert *)(ip6 + 1);
	uint8_t *sll = (uint8_t *)(ra + 1);
	struct nd_opt_prefix_info *pi = (struct nd_opt_prefix_info *)(sll + 8);
	uint32_t sum;

	memset(frame, 0, RA_FRAME_LEN);
	memcpy(eth->ether_dhost, all_nodes_mac, 6);
	memcpy(eth->ether_shost, mac, 6);
	eth->ether_type = htons(ETH_P_IPV6);
	ip6->ip6_flow = htonl(6u << 28);
	ip6->ip6_plen = htons((uint16_t)RA_LEN);
	ip6->ip6_nxt = IPPROTO_ICMPV6;
	ip6->ip6_hlim = 255;
	link_local(&ip6->ip6_src, mac);
	inet_pton(AF_INET6, "ff02::1", &ip6->ip6_dst);
	ra->nd_ra_type = ND_ROUTER_ADVERT;
	ra->nd_ra_curhoplimit = 64;
	ra->nd_ra_router_lifetime = htons(1800);
	sll[0] = ND_OPT_SOURCE_LINKADDR;
	sll[1] = 1;
	memcpy(sll + 2, mac, 6);
	pi->nd_opt_pi_type = ND_OPT_PREFIX_INFORMATION;
	pi->nd_opt_pi_len = 4;
	pi->nd_opt_pi_prefix_len = 64;
	pi->nd_opt_pi_flags_reserved = ND_OPT_PI_FLAG_ONLINK | ND_OPT_PI_FLAG_AUTO;
	pi->nd_opt_pi_valid_time = htonl(86400);
	pi->nd_opt_pi_preferred_time = htonl(14400);
	inet_pton(AF_INET6, prefix, &pi->nd_opt_pi_prefix);
	/* pseudo-header: addresses, upper-layer length, next header */
	sum = csum_add(0, &ip6->ip6_src, 32);
	sum += (uint32_t)RA_LEN + IPPROTO_ICMPV6;
	sum = csum_add(sum, ra, RA_LEN);
	ra->nd_ra_cksum = htons(csum_fold(sum));
}

/* In a child, in NETNS: the advertisement of PREFIX, three times on eth0. Its exit status. */
static int send_ra_child(const char *netns, const char *prefix)
{
	uint8_t frame[RA_FRAME_LEN];
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_halen = 6 };
	struct ifreq ifr = { 0 };
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/run/netns/%s", netns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET))
		return 10;
	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_IPV6));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "eth0");
	if (fd < 0 || ioctl(fd, SIOCGIFHWADDR, &ifr))
		return 11;
	build_ra(frame, (const uint8_t *)ifr.ifr_hwaddr.sa_data, prefix);
	to.sll_ifindex = (int)if_nametoindex("eth0");
	memcpy(to.sll_addr, frame, 6); /* the all-nodes MAC */
	for (int i = 0; i < 3; i++) {
		if (sendto(fd, frame, sizeof(frame), 0, (struct sockaddr *)&to, sizeof(to)) < 0)
			return 12;
		usleep(100 * 1000);
	}
	return 0;
}

/*
 * Sent on an AF_PACKET socket of eth0 in NETNS (a forked child enters it), so
 * the node's own IPv6 state does not matter. 0 when sent.
 */
int send_ra(const char *netns, const char *prefix)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (!pid)
		_exit(send_ra_child(netns, prefix));
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}
