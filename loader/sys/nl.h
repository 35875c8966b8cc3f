/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * rtnetlink through libnl-route-3: links, addresses, routes. Every function
 * works in the namespace the socket was opened in and returns 0 or -errno;
 * libnl's NLE_* codes never leave nl.c. Addresses are host byte order.
 */
#ifndef NSBPF_NL_H
#define NSBPF_NL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include <netinet/in.h> /* struct in6_addr */

struct nl_sock;

struct nl_sock *nl_open(void); /* NULL with errno set */
int nl_errno(int nle);	       /* libnl's NLE_* as -errno, for sys/ only */
void nl_close(struct nl_sock *sk);

/*
 * A veth pair: NAME here, PEER_NAME created straight inside the namespace
 * peer_ns_fd (no create-then-move), both still down: the caller configures
 * NAME (sysctls) before it goes up.
 */
/*
 * A veth pair; its peer moves into peer_ns_fd (-1: stays here). MACs NULL:
 * the kernel's. 0 or -errno (-EEXIST: a name is taken).
 */
int nl_veth_create(struct nl_sock *sk, const char *name, const uint8_t mac[6],
		   const char *peer_name, const uint8_t peer_mac[6], int peer_ns_fd);
int nl_link_del(struct nl_sock *sk, const char *name); /* 0 when already gone */
int nl_link_set_up(struct nl_sock *sk, int ifindex);

struct nl_link_info {
	int ifindex;
	uint8_t mac[6];
	bool admin_up;
	bool lower_up;
	unsigned int mtu;
	unsigned int arptype; /* ARPHRD_*: ARPHRD_ETHER for Ethernet, veth, bridge */
	char kind[16];	      /* "veth", "" when none */
};
int nl_link_get(struct nl_sock *sk, const char *name, struct nl_link_info *info);

int nl_addr_add(struct nl_sock *sk, int ifindex, uint32_t ip, int prefix);
/* Either family, for sys/ only (nl.c): an address with IFA_F_* flags, a static route. */
struct nl_addr;
int nl_addr_add_local(struct nl_sock *sk, int ifindex, struct nl_addr *local, unsigned int flags);
int nl_route_add_addrs(struct nl_sock *sk, struct nl_addr *dst, struct nl_addr *gw, int ifindex,
		       struct nl_addr *src);
/* dst/prefix via gw (0: on link) out of ifindex, preferred source src (0: none). */
int nl_route_add(struct nl_sock *sk, uint32_t dst, int prefix, uint32_t gw, int ifindex,
		 uint32_t src);

/* Delete the static route dst/prefix of the main table: 0 when there is none. */
int nl_route_del(struct nl_sock *sk, uint32_t dst, int prefix);

/* The device of the main table's IPv4 default route: -ENOENT when none. */
int nl_default_route_dev(struct nl_sock *sk, char ifname[16]);
/* The first IPv4 address of ifindex: -EADDRNOTAVAIL when none. */
int nl_first_ipv4(struct nl_sock *sk, int ifindex, uint32_t *ip);

/* Every IPv4 address of the namespace, deduplicated, at most max: the count. */
int nl_ipv4_addrs(struct nl_sock *sk, uint32_t *out, size_t max);

struct nl_v4addr {
	uint32_t ip;
	uint8_t prefix;
};
/* The IPv4 addresses of ifindex with their prefix lengths, at most max: the count. */
int nl_ipv4_addrs_dev(struct nl_sock *sk, int ifindex, struct nl_v4addr *out, size_t max);
/*
 * The IPv6 addresses of ifindex (0: of every device), deduplicated, in the
 * kernel's order, at most max: the count. global_only: no link-local, host
 * scope, tentative or dad-failed ones (what may source a flow to the world).
 */
int nl_ipv6_addrs(struct nl_sock *sk, int ifindex, bool global_only, struct in6_addr *out,
		  size_t max);
/* Gateways of the main table's IPv4 default routes (every nexthop), at most max: the count. */
int nl_default_gateways(struct nl_sock *sk, uint32_t *out, size_t max);

/* IPv6 (nl6.c): addresses in network order. */
/* ip/prefix on ifindex, IFA_F_NODAD: usable at once, no DAD probe. */
int nl_addr6_add(struct nl_sock *sk, int ifindex, const struct in6_addr *ip, int prefix);
/* dst/prefix via gw (NULL: on link) out of ifindex, preferred source src (NULL: none). */
int nl_route6_add(struct nl_sock *sk, const struct in6_addr *dst, int prefix,
		  const struct in6_addr *gw, int ifindex, const struct in6_addr *src);

struct nl_v6addr {
	struct in6_addr ip;
	uint8_t prefix;
};
/* The global IPv6 addresses of ifindex (not tentative, not dadfailed), in the kernel's order. */
int nl_ipv6_global_addrs_dev(struct nl_sock *sk, int ifindex, struct nl_v6addr *out, size_t max);

#endif /* NSBPF_NL_H */
