// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The strict scalar parsers of the topology, shared with the CLI (forward
 * add): addresses, prefixes, ports, durations, names; the address blocks no
 * lab may use; the names derived from the lab's, and lookups by name.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "topo/topo_internal.h"
#include "util/addr.h"

/* ---- scalar parsers ---- */

static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/*
 * Unsigned decimal, no sign, space or leading zero (YAML 1.1 and inet_aton
 * read "010" as octal: refuse to guess). -ERANGE above max.
 */
static int parse_dec(const char *s, unsigned long max, unsigned long *v, const char **end)
{
	unsigned long n = 0;
	const char *p = s;

	if (!is_digit(*p) || (*p == '0' && is_digit(p[1])))
		return -EINVAL;
	for (; is_digit(*p); p++)
		if (n <= max) /* stop growing: no overflow on long input */
			n = n * 10 + (unsigned long)(*p - '0');
	*end = p;
	*v = n;
	return n > max ? -ERANGE : 0;
}

static int scan_ipv4(const char *s, uint32_t *ip, const char **end)
{
	uint32_t addr = 0;
	unsigned long part;
	int i;

	for (i = 0; i < 4; i++) {
		if (i && *s++ != '.')
			return -EINVAL;
		if (parse_dec(s, 255, &part, &s))
			return -EINVAL;
		addr = addr << 8 | (uint32_t)part;
	}
	*ip = addr;
	*end = s;
	return 0;
}

int topo_parse_ipv4(const char *s, uint32_t *ip)
{
	const char *end;
	uint32_t addr;

	if (scan_ipv4(s, &addr, &end) || *end)
		return -EINVAL;
	*ip = addr;
	return 0;
}

uint32_t topo_mask(int prefix)
{
	return prefix <= 0 ? 0 : ~0u << (32 - prefix);
}

bool topo_overlap(uint32_t a, int pa, uint32_t b, int pb)
{
	uint32_t m = topo_mask(pa < pb ? pa : pb);

	return (a & m) == (b & m);
}

int topo_ipv4_prefix(const char *s, uint32_t *addr, int *prefix)
{
	unsigned long len;
	const char *p;

	if (scan_ipv4(s, addr, &p) || *p++ != '/')
		return -EINVAL;
	if (parse_dec(p, 32, &len, &p) || *p)
		return -EINVAL;
	*prefix = (int)len;
	return 0;
}

int topo_parse_cidr(const char *s, uint32_t *net, uint8_t *prefix)
{
	uint32_t addr;
	int len;

	if (topo_ipv4_prefix(s, &addr, &len) || len < 1 || len > 30)
		return -EINVAL;
	if (addr & ~topo_mask(len))
		return -EINVAL;
	*net = addr;
	*prefix = (uint8_t)len;
	return 0;
}

int topo_parse_prefix(const char *s, uint32_t *net, uint8_t *prefix)
{
	uint32_t addr;
	int len;

	if (topo_ipv4_prefix(s, &addr, &len) || len < 1 || (addr & ~topo_mask(len)))
		return -EINVAL;
	*net = addr;
	*prefix = (uint8_t)len;
	return 0;
}

static int scan_port(const char *s, uint16_t *port, const char **end)
{
	unsigned long v;
	int err = parse_dec(s, 65535, &v, end);

	if (err)
		return err;
	if (v == 0)
		return -ERANGE;
	*port = (uint16_t)v;
	return 0;
}

int topo_port_range_check(const char *s, uint16_t *lo, uint16_t *hi)
{
	uint16_t a, b;
	const char *p;
	int err;

	err = scan_port(s, &a, &p);
	if (err)
		return err;
	b = a;
	if (*p == '-') {
		err = scan_port(p + 1, &b, &p);
		if (err)
			return err;
	}
	if (*p)
		return -EINVAL;
	if (a > b)
		return -EDOM;
	*lo = a;
	*hi = b;
	return 0;
}

int topo_parse_port_range(const char *s, uint16_t *lo, uint16_t *hi)
{
	return topo_port_range_check(s, lo, hi) ? -EINVAL : 0;
}

/*
 * RFC 6890's blocks a host cannot route to a link: a subnet there fails at
 * netlink (multicast), or takes over the host's loopback or "this network".
 */
static const struct {
	uint32_t net;
	int prefix;
	const char *name;
} special_blocks[] = {
	{ 0x00000000, 8, "\"this network\"" },
	{ 0x7f000000, 8, "loopback" },
	{ 0xe0000000, 4, "multicast" },
	{ 0xf0000000, 4, "reserved" },
};

const char *topo_special_block(uint32_t net, int prefix, uint32_t *block, int *block_prefix)
{
	for (size_t i = 0; i < sizeof(special_blocks) / sizeof(special_blocks[0]); i++) {
		int p = prefix < special_blocks[i].prefix ? prefix : special_blocks[i].prefix;

		if ((net & topo_mask(p)) != (special_blocks[i].net & topo_mask(p)))
			continue;
		*block = special_blocks[i].net;
		*block_prefix = special_blocks[i].prefix;
		return special_blocks[i].name;
	}
	return NULL;
}

int topo_fwd_host_problem(uint32_t ip, char *why, size_t len)
{
	char a[TOPO_IPSTR], b[TOPO_IPSTR];
	const char *special;
	uint32_t block;
	int block_len;

	special = topo_special_block(ip, 32, &block, &block_len);
	if (!special || block == 0x7f000000)
		return 0;
	if (ip == 0xffffffff)
		snprintf(
			why, len,
			"%s is the limited broadcast address: a forward's host is a unicast address of this host",
			topo_ip_str(ip, a));
	else
		snprintf(why, len,
			 "%s is in %s/%d (%s): a forward's host is a unicast address of this host",
			 topo_ip_str(ip, a), topo_ip_str(block, b), block_len, special);
	return -EINVAL;
}

int topo_fwd_host6_problem(const struct in6_addr *ip6, char *why, size_t len)
{
	const char *what = NULL;
	char a[TOPO_IP6STR];

	if (IN6_IS_ADDR_UNSPECIFIED(ip6))
		what = "the unspecified address (leave host out to answer on the uplink's addresses and loopback)";
	else if (IN6_IS_ADDR_MULTICAST(ip6))
		what = "multicast (ff00::/8)";
	else if (IN6_IS_ADDR_LINKLOCAL(ip6))
		what = "link-local (fe80::/10)";
	else if (IN6_IS_ADDR_V4MAPPED(ip6))
		what = "IPv4-mapped (::ffff:0:0/96): give the IPv4 address";
	if (!what)
		return 0;
	snprintf(why, len, "%s is %s: a forward's host is a unicast address of this host",
		 topo_ip6_str(ip6, a), what);
	return -EINVAL;
}

static const struct {
	char unit;
	uint32_t secs;
} duration_units[] = { { 'd', 86400 }, { 'h', 3600 }, { 'm', 60 }, { 's', 1 } };

#define N_UNITS (sizeof(duration_units) / sizeof(duration_units[0]))

/*
 * Largest unit first and each once, so that a value reads one way only
 * ("2h4m", never "4m2h" or "1h1h4m"). Range is checked after syntax: a typo
 * is reported as a typo even in a huge number.
 */
int topo_parse_duration(const char *s, uint32_t *secs)
{
	unsigned long long total = 0;
	unsigned long v;
	size_t next = 0, u;
	const char *p = s;
	bool big = false;

	if (!*p)
		return -EINVAL;
	while (*p) {
		int err = parse_dec(p, TOPO_TIMEOUT_MAX, &v, &p);

		if (err == -EINVAL)
			return -EINVAL;
		big |= err == -ERANGE;
		for (u = next; u < N_UNITS && duration_units[u].unit != *p; u++)
			;
		if (u == N_UNITS)
			return -EINVAL; /* no unit, an unknown one, or out of order */
		if (!big)
			total += (unsigned long long)v * duration_units[u].secs;
		next = u + 1;
		p++;
	}
	if (big || !total || total > TOPO_TIMEOUT_MAX)
		return -ERANGE;
	*secs = (uint32_t)total;
	return 0;
}

const char *topo_duration_str(uint64_t secs, char *buf, size_t len)
{
	size_t off = 0;

	if (len)
		buf[0] = '\0';
	if (!secs) {
		snprintf(buf, len, "0s");
		return buf;
	}
	for (size_t u = 0; u < N_UNITS && off < len; u++) {
		uint64_t n = secs / duration_units[u].secs;

		if (!n)
			continue;
		secs %= duration_units[u].secs;
		off += (size_t)snprintf(buf + off, len - off, "%llu%c", (unsigned long long)n,
					duration_units[u].unit);
	}
	return buf;
}

static bool is_alnum(char ch)
{
	return is_digit(ch) || (ch >= 'a' && ch <= 'z');
}

int topo_parse_name(const char *s)
{
	size_t i, len = strlen(s);

	if (!len || len >= TOPO_NAME_MAX || !is_alnum(s[0]) || !is_alnum(s[len - 1]))
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!is_alnum(s[i]) && s[i] != '-')
			return -EINVAL;
	return 0;
}

const char *topo_ip_str(uint32_t ip, char buf[TOPO_IPSTR])
{
	return ipv4_str(ip, buf);
}

/* ---- derived names ---- */

static int derive(const char *lab, const char *node, char *buf, size_t len, size_t limit)
{
	int n = snprintf(buf, len, "%s-%s", lab, node);

	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= len || (size_t)n > limit) {
		if (len)
			buf[0] = '\0';
		return -ENAMETOOLONG;
	}
	return 0;
}

int topo_hostif_name(const char *lab, const char *node, char *buf, size_t len)
{
	return derive(lab, node, buf, len, TOPO_IFNAMSIZ - 1);
}

int topo_netns_name(const char *lab, const char *node, char *buf, size_t len)
{
	/* The netns is named like the interface so `ip netns` and `ip link` agree. */
	return derive(lab, node, buf, len, TOPO_IFNAMSIZ - 1);
}

int topo_name_index(const char *names, size_t stride, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(names + i * stride, name))
			return (int)i;
	return -1;
}

int topo_network_index(const struct topo *t, const char *name)
{
	return topo_name_index(t->n_networks ? t->networks[0].name : NULL, sizeof(t->networks[0]),
			       t->n_networks, name);
}

int topo_node_index(const struct topo *t, const char *name)
{
	return topo_name_index(t->n_nodes ? t->nodes[0].name : NULL, sizeof(t->nodes[0]),
			       t->n_nodes, name);
}
