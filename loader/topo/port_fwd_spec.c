// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Parsing and conflict checks of port forwards. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo/port_fwd_spec.h"
#include "topo/topo_internal.h"

int fwd_parse_proto(const char *s, uint8_t *proto)
{
	if (!strcmp(s, "tcp"))
		*proto = IPPROTO_TCP;
	else if (!strcmp(s, "udp"))
		*proto = IPPROTO_UDP;
	else
		return -EINVAL;
	return 0;
}

int fwd_parse_host(const char *s, uint32_t *ip, uint16_t *lo, uint16_t *hi)
{
	const char *colon = strrchr(s, ':');
	char addr[32];

	*ip = 0;
	if (colon) {
		size_t n = (size_t)(colon - s);

		if (!n || n >= sizeof(addr))
			return -EINVAL;
		memcpy(addr, s, n);
		addr[n] = '\0';
		if (topo_parse_ipv4(addr, ip) || !*ip)
			return -EINVAL;
		s = colon + 1;
	}
	return topo_parse_port_range(s, lo, hi);
}

int fwd_parse_host46(const char *s, uint32_t *ip, struct in6_addr *ip6, uint16_t *lo, uint16_t *hi)
{
	const char *close;
	char addr[TOPO_IP6STR];
	size_t n;

	memset(ip6, 0, sizeof(*ip6));
	if (s[0] != '[')
		return fwd_parse_host(s, ip, lo, hi);
	*ip = 0;
	close = strchr(s, ']');
	if (!close || close[1] != ':')
		return -EINVAL;
	n = (size_t)(close - s - 1);
	if (!n || n >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, s + 1, n);
	addr[n] = '\0';
	if (topo_parse_ipv6(addr, ip6) || IN6_IS_ADDR_UNSPECIFIED(ip6))
		return -EINVAL;
	return topo_parse_port_range(close + 2, lo, hi);
}

int fwd_parse_host_addr(const char *s, uint32_t *ip, struct in6_addr *ip6, char *err, size_t len)
{
	char why[200];

	*ip = 0;
	memset(ip6, 0, sizeof(*ip6));
	if (!topo_parse_ipv4(s, ip)) {
		if (topo_fwd_host_problem(*ip, why, sizeof(why)))
			goto bad;
		if (!*ip) {
			snprintf(
				err, len,
				"--host %s: any is spelled without a host address (leave --host out)",
				s);
			return -EINVAL;
		}
		return 0;
	}
	*ip = 0;
	if (topo_parse_ipv6(s, ip6)) {
		snprintf(err, len, "--host %s: not an IPv4 or IPv6 address", s);
		return -EINVAL;
	}
	if (!topo_fwd_host6_problem(ip6, why, sizeof(why)))
		return 0;
bad:
	snprintf(err, len, "--host %s: %s", s, why);
	*ip = 0;
	memset(ip6, 0, sizeof(*ip6));
	return -EINVAL;
}

int fwd_parse_to(const char *s, char node[TOPO_NAME_MAX], uint16_t *lo, uint16_t *hi)
{
	const char *colon = strchr(s, ':');
	size_t n;

	if (!colon)
		return -EINVAL;
	n = (size_t)(colon - s);
	if (!n || n >= TOPO_NAME_MAX)
		return -EINVAL;
	memcpy(node, s, n);
	node[n] = '\0';
	if (topo_parse_name(node))
		return -EINVAL;
	return topo_parse_port_range(colon + 1, lo, hi);
}

static int parse_common(char **argv, struct fwd_spec *f, char *err, size_t len)
{
	if (fwd_parse_proto(argv[0], &f->proto)) {
		snprintf(err, len, "\"%s\": the protocol is tcp or udp", argv[0]);
		return -EINVAL;
	}
	if (fwd_parse_host46(argv[1], &f->host_ip, &f->host_ip6, &f->port, &f->port_end)) {
		/* 2001:db8::1:6000 could be either: the address goes in brackets */
		if (argv[1][0] != '[' && strchr(argv[1], ':') != strrchr(argv[1], ':'))
			snprintf(
				err, len,
				"\"%s\": an IPv6 host address goes in brackets: [HOSTIP6]:PORT[-END]",
				argv[1]);
		else
			snprintf(
				err, len,
				"\"%s\": expected [HOSTIP:]PORT[-END] or [HOSTIP6]:PORT[-END], ports 1-65535",
				argv[1]);
		return -EINVAL;
	}
	return 0;
}

int fwd_parse_add(int argc, char **argv, struct fwd_spec *f, char *err, size_t len)
{
	char why[160];

	memset(f, 0, sizeof(*f));
	if (argc != 3) {
		snprintf(err, len, "expected tcp|udp [HOSTIP:]PORT[-END] NODE:PORT[-END]");
		return -EINVAL;
	}
	if (parse_common(argv, f, err, len))
		return -EINVAL;
	if ((f->host_ip && topo_fwd_host_problem(f->host_ip, why, sizeof(why))) ||
	    (fwd_host6(f) && topo_fwd_host6_problem(&f->host_ip6, why, sizeof(why)))) {
		snprintf(err, len, "\"%s\": %s", argv[1], why);
		return -EINVAL;
	}
	if (fwd_parse_to(argv[2], f->node, &f->to_port, &f->to_port_end)) {
		snprintf(err, len, "\"%s\": expected NODE:PORT[-END], ports 1-65535", argv[2]);
		return -EINVAL;
	}
	if (!fwd_ranges_match(f)) {
		size_t host = (size_t)(f->port_end - f->port) + 1;
		size_t node = (size_t)(f->to_port_end - f->to_port) + 1;

		snprintf(err, len, "ranges of unequal length: %zu %s on the host, %zu on the node",
			 host, plural(host, "port", "ports"), node);
		return -EINVAL;
	}
	return 0;
}

int fwd_parse_del(int argc, char **argv, struct fwd_spec *f, char *err, size_t len)
{
	memset(f, 0, sizeof(*f));
	if (argc != 2) {
		snprintf(err, len, "expected tcp|udp [HOSTIP:]PORT[-END]");
		return -EINVAL;
	}
	return parse_common(argv, f, err, len);
}

void fwd_spec_from_topo(const struct topo *t, size_t i, struct fwd_spec *f)
{
	const struct topo_forward *tf = &t->forwards[i];

	*f = (struct fwd_spec){
		.proto = tf->proto,
		.host_ip = tf->host_ip,
		.host_ip6 = tf->host_ip6,
		.port = tf->port,
		.port_end = tf->port_end,
		.to_port = tf->to_port,
		.to_port_end = tf->to_port_end,
	};
	if (tf->node >= 0)
		snprintf(f->node, sizeof(f->node), "%s", t->nodes[tf->node].name);
}

bool fwd_host6(const struct fwd_spec *f)
{
	return !IN6_IS_ADDR_UNSPECIFIED(&f->host_ip6);
}

void fwd_format(const struct fwd_spec *f, char *buf, size_t len)
{
	char ip[TOPO_IPSTR], ip6[TOPO_IP6STR], host[TOPO_IP6STR + 4], to[96];

	if (f->host_ip)
		snprintf(host, sizeof(host), "%s:", topo_ip_str(f->host_ip, ip));
	else if (fwd_host6(f))
		snprintf(host, sizeof(host), "[%s]:", topo_ip6_str(&f->host_ip6, ip6));
	else
		host[0] = '\0';
	if (f->port == f->port_end)
		snprintf(buf, len, "%s %s%u", f->proto == IPPROTO_TCP ? "tcp" : "udp", host,
			 f->port);
	else
		snprintf(buf, len, "%s %s%u-%u", f->proto == IPPROTO_TCP ? "tcp" : "udp", host,
			 f->port, f->port_end);
	if (!f->node[0])
		return;
	if (f->to_port == f->to_port_end)
		snprintf(to, sizeof(to), " -> %s:%u", f->node, f->to_port);
	else
		snprintf(to, sizeof(to), " -> %s:%u-%u", f->node, f->to_port, f->to_port_end);
	strncat(buf, to, len - strlen(buf) - 1);
}

bool fwd_ranges_match(const struct fwd_spec *f)
{
	return f->port_end - f->port == f->to_port_end - f->to_port;
}

bool fwd_in_snat_range(const struct fwd_spec *f, uint16_t snat_lo, uint16_t snat_hi)
{
	return f->port <= snat_hi && snat_lo <= f->port_end;
}

int fwd_check_snat(const struct fwd_spec *f, uint16_t snat_lo, uint16_t snat_hi, char *err,
		   size_t len)
{
	char a[128];

	if (!fwd_in_snat_range(f, snat_lo, snat_hi))
		return 0;
	fwd_format(f, a, sizeof(a));
	snprintf(err, len, "%s: inside the masquerade port range %u-%u", a, snat_lo, snat_hi);
	return -EADDRINUSE;
}

static bool port_set(const uint8_t *bits, unsigned int port)
{
	return bits[port / 8] & (1U << (port % 8));
}

static bool has_addr(const struct fwd_host *h, uint32_t ip)
{
	if ((ip >> 24) == 127)
		return true; /* the whole of 127/8 is local, through lo's route */
	for (size_t i = 0; i < h->n_addrs; i++)
		if (h->addrs[i] == ip)
			return true;
	return false;
}

/*
 * The ephemeral range is refused, not reserved on the fly: reserving means
 * rewriting net.ipv4.ip_local_reserved_ports, one list that every tool of
 * the netns shares (a read-modify-write that races with them, and with
 * another lab), undoing it on del and down (and after a killed up, from the
 * journal), and still leaves the sockets that took the port before. nsbpf
 * changes no host-wide setting (ip_forward neither); a port the admin
 * reserved is accepted, so the choice stays theirs.
 */
int fwd_check_host(const struct fwd_host *h, const struct fwd_spec *f, bool force, char *err,
		   size_t len)
{
	const uint8_t *used = f->proto == IPPROTO_TCP ? h->tcp : h->udp;
	char desc[128], ip[TOPO_IPSTR];
	unsigned int port;

	fwd_format(f, desc, sizeof(desc));
	if (fwd_host6(f) && !IN6_IS_ADDR_LOOPBACK(&f->host_ip6)) {
		char ip6[TOPO_IP6STR];
		size_t i;

		for (i = 0; i < h->n_addrs6; i++)
			if (IN6_ARE_ADDR_EQUAL(&h->addrs6[i], &f->host_ip6))
				break;
		if (i == h->n_addrs6) {
			snprintf(
				err, len,
				"%s: %s is not an address of this host: use one it has (ip -6 addr), or no host address",
				desc, topo_ip6_str(&f->host_ip6, ip6));
			return -EADDRNOTAVAIL;
		}
	}
	if (f->host_ip && !has_addr(h, f->host_ip)) {
		snprintf(
			err, len,
			"%s: %s is not an address of this host: use one it has (ip -4 addr), a gateway of the lab, or no host address",
			desc, topo_ip_str(f->host_ip, ip));
		return -EADDRNOTAVAIL;
	}
	for (port = f->port; port <= f->port_end; port++) {
		if (port < h->eph_lo || port > h->eph_hi || port_set(h->reserved, port))
			continue;
		snprintf(
			err, len,
			"%s: port %u is in the host's ephemeral port range %u-%u (net.ipv4.ip_local_port_range), where its own connections take their source ports and their replies would go to the node: use a port outside it, or add the port to net.ipv4.ip_local_reserved_ports",
			desc, port, h->eph_lo, h->eph_hi);
		return -ERANGE;
	}
	for (port = f->port; !force && port <= f->port_end; port++) {
		if (!port_set(used, port))
			continue;
		snprintf(err, len, "%s: the host already %s port %u (--force to forward it anyway)",
			 desc, f->proto == IPPROTO_TCP ? "listens on" : "has a socket on", port);
		return -EADDRINUSE;
	}
	return 0;
}

int fwd_host_parse_reserved(struct fwd_host *h, const char *s)
{
	uint16_t lo, hi;
	char item[16];
	size_t n;

	while (*s && *s != '\n') {
		n = strcspn(s, ",\n");
		if (!n || n >= sizeof(item))
			return -EINVAL;
		memcpy(item, s, n);
		item[n] = '\0';
		if (topo_parse_port_range(item, &lo, &hi))
			return -EINVAL;
		for (unsigned int p = lo; p <= hi; p++)
			h->reserved[p / 8] |= (uint8_t)(1U << (p % 8));
		s += n;
		if (*s == ',')
			s++;
	}
	return 0;
}

int fwd_check(const struct fwd_spec *f, const struct fwd_spec *existing, size_t n, uint16_t snat_lo,
	      uint16_t snat_hi, char *err, size_t len)
{
	struct fwd_index *ix;
	int e = fwd_check_snat(f, snat_lo, snat_hi, err, len);

	if (e)
		return e;
	ix = fwd_index_new();
	if (!ix)
		return -ENOMEM;
	for (size_t i = 0; !e && i < n; i++)
		e = fwd_index_claim(ix, &existing[i], err, len);
	if (!e)
		e = fwd_index_claim(ix, f, err, len);
	fwd_index_free(ix);
	return e;
}
