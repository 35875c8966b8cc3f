// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Parsing and conflict checks of port forwards. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "fwd_spec.h"
#include "lab.h"

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
	if (fwd_parse_host(argv[1], &f->host_ip, &f->port, &f->port_end)) {
		snprintf(err, len, "\"%s\": expected [HOSTIP:]PORT[-END], ports 1-65535", argv[1]);
		return -EINVAL;
	}
	return 0;
}

int fwd_parse_add(int argc, char **argv, struct fwd_spec *f, char *err, size_t len)
{
	memset(f, 0, sizeof(*f));
	if (argc != 3) {
		snprintf(err, len, "expected tcp|udp [HOSTIP:]PORT[-END] NODE:PORT[-END]");
		return -EINVAL;
	}
	if (parse_common(argv, f, err, len))
		return -EINVAL;
	if (fwd_parse_to(argv[2], f->node, &f->to_port, &f->to_port_end)) {
		snprintf(err, len, "\"%s\": expected NODE:PORT[-END], ports 1-65535", argv[2]);
		return -EINVAL;
	}
	if (f->port_end - f->port != f->to_port_end - f->to_port) {
		snprintf(err, len, "ranges of unequal length: %u ports on the host, %u on the node",
			 f->port_end - f->port + 1, f->to_port_end - f->to_port + 1);
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

int fwd_overlaps(const struct fwd_spec *a, const struct fwd_spec *b)
{
	if (a->proto != b->proto)
		return 0;
	if (a->host_ip && b->host_ip && a->host_ip != b->host_ip)
		return 0;
	return a->port <= b->port_end && b->port <= a->port_end;
}

void fwd_format(const struct fwd_spec *f, char *buf, size_t len)
{
	char ip[16], host[40], to[96];

	if (f->host_ip)
		snprintf(host, sizeof(host), "%s:", ipv4_str(f->host_ip, ip));
	else
		host[0] = '\0';
	if (f->port == f->port_end)
		snprintf(buf, len, "%s %s%u", f->proto == IPPROTO_TCP ? "tcp" : "udp", host, f->port);
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

int fwd_check(const struct fwd_spec *f, const struct fwd_spec *existing, size_t n,
	      uint16_t snat_lo, uint16_t snat_hi, char *err, size_t len)
{
	char a[128], b[128];

	fwd_format(f, a, sizeof(a));
	if (f->port <= snat_hi && snat_lo <= f->port_end) {
		snprintf(err, len, "%s: inside the masquerade port range %u-%u", a, snat_lo, snat_hi);
		return -EADDRINUSE;
	}
	for (size_t i = 0; i < n; i++) {
		const struct fwd_spec *e = &existing[i];

		if (!fwd_overlaps(f, e))
			continue;
		fwd_format(e, b, sizeof(b));
		if (e->host_ip == f->host_ip && e->port == f->port && e->port_end == f->port_end) {
			snprintf(err, len, "a forward for %s exists already (%s)", a, b);
			return -EEXIST;
		}
		snprintf(err, len, "%s overlaps the forward %s", a, b);
		return -EADDRINUSE;
	}
	return 0;
}
