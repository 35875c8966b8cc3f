// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * IPv6 scalars of the topology (subnet6, gateway6, ip6, uplink6): strict
 * parsing, prefix arithmetic, and the blocks no lab address may use. Kept
 * beside topo_parse.c's IPv4 ones, in network byte order (struct in6_addr)
 * as the kernel and the maps have them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "topo/topo_internal.h"

/* inet_pton's text with nothing around it: no prefix, no zone (fe80::1%eth0). */
int topo_parse_ipv6(const char *s, struct in6_addr *a)
{
	if (!strchr(s, ':') || strpbrk(s, "/% \t"))
		return -EINVAL;
	return inet_pton(AF_INET6, s, a) == 1 ? 0 : -EINVAL;
}

int topo_ipv6_prefix(const char *s, struct in6_addr *a, int *prefix)
{
	char buf[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/'), *p;
	int len = 0;

	if (!slash || (size_t)(slash - s) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	if (topo_parse_ipv6(buf, a))
		return -EINVAL;
	p = slash + 1;
	/* decimal, no leading zero, at most 128 */
	if (*p < '0' || *p > '9' || (*p == '0' && p[1]))
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		len = len * 10 + (*p - '0');
		if (len > 128)
			return -EINVAL;
	}
	if (*p)
		return -EINVAL;
	*prefix = len;
	return 0;
}

struct in6_addr topo_mask6(const struct in6_addr *a, int prefix)
{
	struct in6_addr m = *a;

	for (int i = 0; i < 16; i++) {
		int bits = prefix - i * 8;

		if (bits >= 8)
			continue;
		m.s6_addr[i] &= bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
	}
	return m;
}

bool topo_in_prefix6(const struct in6_addr *a, const struct in6_addr *net, int prefix)
{
	struct in6_addr x = topo_mask6(a, prefix), y = topo_mask6(net, prefix);

	return !memcmp(&x, &y, sizeof(x));
}

bool topo_overlap6(const struct in6_addr *a, int pa, const struct in6_addr *b, int pb)
{
	return topo_in_prefix6(a, b, pa < pb ? pa : pb);
}

bool topo_host_bits6(const struct in6_addr *a, int prefix)
{
	struct in6_addr m = topo_mask6(a, prefix);

	return !!memcmp(&m, a, sizeof(m));
}

bool topo_ip6_eq(const struct in6_addr *a, const struct in6_addr *b)
{
	return !memcmp(a, b, sizeof(*a));
}

bool topo_ip6_zero(const struct in6_addr *a)
{
	static const struct in6_addr zero;

	return topo_ip6_eq(a, &zero);
}

int topo_ip6_cmp(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(a, b, sizeof(*a));
}

/* a + 1, carrying: false when it wrapped. */
bool topo_ip6_inc(struct in6_addr *a)
{
	for (int i = 15; i >= 0; i--)
		if (++a->s6_addr[i])
			return true;
	return false;
}

/* The last address of net/prefix (every host bit set). */
struct in6_addr topo_last6(const struct in6_addr *net, int prefix)
{
	struct in6_addr l = *net;

	for (int i = 0; i < 16; i++) {
		int bits = prefix - i * 8;

		if (bits >= 8)
			continue;
		l.s6_addr[i] |= bits <= 0 ? 0xff : (uint8_t)(0xff >> bits);
	}
	return l;
}

const char *topo_ip6_str(const struct in6_addr *a, char buf[TOPO_IP6STR])
{
	if (!inet_ntop(AF_INET6, a, buf, TOPO_IP6STR))
		snprintf(buf, TOPO_IP6STR, "?");
	return buf;
}

/*
 * Blocks no lab subnet6 or address may touch: the datapath and the kernel
 * give them meanings of their own (RFC 4291, 6890).
 */
static const struct {
	const char *text; /* the block's prefix */
	int prefix;
	const char *name;
} special6[] = {
	{ "::", 128, "the unspecified address" },
	{ "::1", 128, "loopback" },
	{ "::ffff:0.0.0.0", 96, "IPv4-mapped" },
	{ "fe80::", 10, "link-local" },
	{ "ff00::", 8, "multicast" },
};

const char *topo_special_block6(const struct in6_addr *net, int prefix, struct in6_addr *block,
				int *block_prefix)
{
	struct in6_addr b;

	for (size_t i = 0; i < sizeof(special6) / sizeof(special6[0]); i++) {
		if (inet_pton(AF_INET6, special6[i].text, &b) != 1)
			continue;
		if (!topo_overlap6(net, prefix, &b, special6[i].prefix))
			continue;
		*block = b;
		*block_prefix = special6[i].prefix;
		return special6[i].name;
	}
	return NULL;
}
