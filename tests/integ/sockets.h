/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Sockets of other namespaces used from the test's thread: each is made in
 * its netns (the thread goes there for socket() and comes back) and keeps
 * it. UDP and TCP endpoints, raw IPv4 with forged headers (IP_HDRINCL), and
 * AF_PACKET captures, IPv6 router advertisements. Every helper asserts what
 * it needs.
 */
#ifndef NSBPF_TEST_SOCKETS_H
#define NSBPF_TEST_SOCKETS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* An IPv4 address in wire order (asserted to parse); an address and port. */
uint32_t ip4(const char *s);
struct sockaddr_in sin4(const char *addr, int port);

/* A socket of netns NETNS (NULL: the host's): made there, used from here (it keeps its netns). */
int ns_socket(const char *netns, int domain, int type, int proto);

/* SO_RCVTIMEO and SO_SNDTIMEO of MS milliseconds. */
void set_timeouts(int fd, int ms);
/* A UDP socket of NETNS bound to ADDR:PORT (0: any port), broadcast allowed. */
int udp_bound(const char *netns, const char *addr, int port);
/* MSG, whole, to ADDR:PORT. */
void udp_to(int fd, const char *addr, int port, const char *msg);

/* A datagram within ms milliseconds: its length (NUL-terminated in buf), or -1. */
ssize_t recv_within(int fd, char *buf, size_t size, int ms, struct sockaddr_in *from);

/* A TCP listener of NETNS on ADDR:PORT. */
int tcp_listen(const char *netns, const char *addr, int port);
/* Connected within 3 s, with 2 s send and receive timeouts. */
int tcp_connect(const char *netns, const char *addr, int port);
/* A connection accepted within 3 s, with 2 s timeouts. */
int tcp_accept(int lfd);

/* MSG sent on a arrives whole on b (2 s at most). */
void xfer(int a, int b, const char *msg, const char *what);
/* The peer closed its side: recv says end of stream (2 s at most). */
void expect_eof(int fd, const char *what);

/* The socket's own port, or its peer's. */
int local_port(int fd, bool peer);

/*
 * What a TCP socket sends next and expects next (snd_nxt, rcv_nxt), read in
 * repair mode (TCP_QUEUE_SEQ), which it leaves without a window probe.
 */
void tcp_seqs(int fd, uint32_t *snd, uint32_t *rcv);

/* The world's raw IPv4 socket: it sends headers as they are written (IP_HDRINCL). */
int raw_open(const char *netns);

/*
 * An IPv4 datagram from src to dst carrying l4 (a UDP or TCP header and
 * its payload), whose transport checksum at csum_off is computed here; the
 * kernel fills in the IPv4 header's.
 */
void raw_send(int fd, uint32_t src, uint32_t dst, uint8_t proto, uint8_t *l4, size_t l4len,
	      size_t csum_off);

/* A forged UDP datagram carrying MSG; a forged TCP segment without payload. */
void raw_udp(int fd, const char *src, int sport, const char *dst, int dport, const char *msg);
void raw_tcp(int fd, const char *src, int sport, const char *dst, int dport, uint32_t seq,
	     uint32_t ack, uint8_t flags);

/* A packet socket on IFNAME of NETNS: every frame from now on. */
int cap_open(const char *netns, const char *ifname);

/*
 * The next IPv4 packet that came in on the capture before the deadline:
 * its length, the IPv4 header at buf; 0 at the deadline.
 */
size_t cap_ip(int fd, uint8_t *buf, size_t size, long long deadline);

/* A UDP packet's payload (NUL-terminated into out), or "" for anything else. */
void udp_payload(const uint8_t *pkt, size_t len, char *out, size_t size);

/*
 * A router advertisement as any router sends it (hop limit 255, lifetime
 * 1800 s, an on-link, autonomous PREFIX/64), three times on eth0 of NETNS
 * from an AF_PACKET socket of a forked child that enters it, so the node's
 * own IPv6 state does not matter. 0 when sent.
 */
int send_ra(const char *netns, const char *prefix);

#endif /* NSBPF_TEST_SOCKETS_H */
