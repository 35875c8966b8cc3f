/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Port forwards as the CLI and the topology spell them, and the checks that
 * keep them from clashing: pure functions, unit tested.
 */
#ifndef NSBPF_FWD_SPEC_H
#define NSBPF_FWD_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "topo/topo.h"

/* Bytes of a `forward add --file` list: 40,000 lines take about 1.5 MiB. */
#define FWD_FILE_MAX (64u << 20)

struct fwd_spec {
	uint8_t proto;		  /* IPPROTO_TCP or IPPROTO_UDP */
	uint32_t host_ip;	  /* host order; 0: the uplink address and loopback */
	struct in6_addr host_ip6; /* an IPv6 host address (host_ip 0): IPv6's alone; :: none */
	uint16_t port;		  /* host ports port..port_end */
	uint16_t port_end;
	char node[TOPO_NAME_MAX];
	uint16_t to_port; /* node ports to_port..to_port_end */
	uint16_t to_port_end;
};

/* "tcp" | "udp" */
int fwd_parse_proto(const char *s, uint8_t *proto);
/* [HOSTIP:]PORT[-END] */
int fwd_parse_host(const char *s, uint32_t *ip, uint16_t *lo, uint16_t *hi);
/*
 * [HOSTIP:]PORT[-END] or [HOSTIP6]:PORT[-END] (an IPv6 address in brackets,
 * as fwd_format() writes it): *ip or *ip6 (the other 0, both 0 for none).
 */
int fwd_parse_host46(const char *s, uint32_t *ip, struct in6_addr *ip6, uint16_t *lo, uint16_t *hi);
/*
 * A host address alone (`forward add|del --host`), IPv4 or IPv6, with the
 * checks of the file's host: (a unicast address). 0, or -EINVAL with err.
 */
int fwd_parse_host_addr(const char *s, uint32_t *ip, struct in6_addr *ip6, char *err, size_t len);
/* NODE:PORT[-END] */
int fwd_parse_to(const char *s, char node[TOPO_NAME_MAX], uint16_t *lo, uint16_t *hi);

/*
 * `forward add` arguments after LAB: PROTO [HOSTIP:]PORT[-END] NODE:PORT[-END].
 * 0, or -EINVAL with a message in err.
 */
int fwd_parse_add(int argc, char **argv, struct fwd_spec *f, char *err, size_t len);
/* `forward del` arguments after LAB: PROTO [HOSTIP:]PORT[-END]. */
int fwd_parse_del(int argc, char **argv, struct fwd_spec *f, char *err, size_t len);

/*
 * The rules a forward obeys wherever it comes from (the topology file,
 * `forward add`); the callers word the messages.
 */
/* As many host ports as node ports. */
bool fwd_ranges_match(const struct fwd_spec *f);
/* Has f ports in the masquerade's range? Replies to masqueraded flows own them. */
bool fwd_in_snat_range(const struct fwd_spec *f, uint16_t snat_lo, uint16_t snat_hi);

/* -EADDRINUSE (and err) when f has ports in the masquerade range. */
int fwd_check_snat(const struct fwd_spec *f, uint16_t snat_lo, uint16_t snat_hi, char *err,
		   size_t len);

/*
 * Is f acceptable next to the existing ones and the masquerade's port range
 * [snat_lo, snat_hi]? 0, or -EEXIST (same forward), -EADDRINUSE (overlap or
 * inside the SNAT range) with a message in err.
 */
int fwd_check(const struct fwd_spec *f, const struct fwd_spec *existing, size_t n, uint16_t snat_lo,
	      uint16_t snat_hi, char *err, size_t len);

/*
 * An index of the (proto, address, port) triples forwards claim, to check
 * many forwards at once in O(ports) instead of comparing every pair. Two
 * forwards clash when they share the protocol and a port, and an address
 * both answer on (the same one, or either is for any address): the one
 * overlap rule.
 */
struct fwd_index;

struct fwd_index *fwd_index_new(void);
void fwd_index_free(struct fwd_index *ix);
/* The earliest added forward of the index that f clashes with, or NULL. */
const struct fwd_spec *fwd_index_find(const struct fwd_index *ix, const struct fwd_spec *f);
/*
 * Add f, clashes or not: a port keeps the forward that had it first. 0 or
 * -ENOMEM. f must outlive the index.
 */
int fwd_index_add(struct fwd_index *ix, const struct fwd_spec *f);
/*
 * Claim every port of f, or, when f clashes with a forward the index holds,
 * claim nothing and return -EEXIST (the same forward) or -EADDRINUSE (an
 * overlap) with a message in err. f must outlive the index.
 */
int fwd_index_claim(struct fwd_index *ix, const struct fwd_spec *f, char *err, size_t len);

/*
 * What a forward takes from the host it runs on, seen from the lab's host
 * netns: its ports (sockets of the host's own), its ephemeral port range,
 * its addresses. fwd_host_read() (fwd_map.c) fills it from /proc and netlink.
 */
struct fwd_host {
	uint8_t tcp[65536 / 8];	     /* a listening TCP socket has the port */
	uint8_t udp[65536 / 8];	     /* a UDP socket has the port */
	uint8_t reserved[65536 / 8]; /* net.ipv4.ip_local_reserved_ports */
	uint16_t eph_lo, eph_hi;     /* net.ipv4.ip_local_port_range */
	uint32_t *addrs;	     /* IPv4 addresses, host order */
	size_t n_addrs;
	struct in6_addr *addrs6; /* IPv6 addresses */
	size_t n_addrs6;
};

/*
 * Can the host give f its address and ports? 0, or with a message in err
 * (starting with f as fwd_format() spells it):
 *  -EADDRNOTAVAIL  f's host address is none of the host's (loopback is);
 *  -ERANGE         a port lies in the host's ephemeral range and is not
 *                  reserved there;
 *  -EADDRINUSE     a socket of the host has a port (never with force).
 */
int fwd_check_host(const struct fwd_host *h, const struct fwd_spec *f, bool force, char *err,
		   size_t len);
/* Parse ip_local_reserved_ports ("8080,9000-9100") into h->reserved. */
int fwd_host_parse_reserved(struct fwd_host *h, const char *s);

/* Is f for an IPv6 host address (IPv6's alone: forwards6, not forwards)? */
bool fwd_host6(const struct fwd_spec *f);

/* Forward i of the topology file, as the CLI would spell it. */
void fwd_spec_from_topo(const struct topo *t, size_t i, struct fwd_spec *f);

/* "tcp 127.0.0.1:6000-6001 -> earth:8080-8081" */
void fwd_format(const struct fwd_spec *f, char *buf, size_t len);

#endif /* NSBPF_FWD_SPEC_H */
