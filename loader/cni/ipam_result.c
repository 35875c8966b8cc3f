// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* An IPAM result's IPv4 address and routes (ipam.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cni/ipam.h"

/* "a.b.c.d/N" into ip and prefix: 0, or -1 (not IPv4 CIDR). */
static int cidr4(const char *s, uint32_t *ip, uint8_t *prefix)
{
	char addr[32], *slash, *end;
	long p;

	if (!s || snprintf(addr, sizeof(addr), "%s", s) >= (int)sizeof(addr))
		return -1;
	slash = strchr(addr, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	p = strtol(slash + 1, &end, 10);
	if (*end || end == slash + 1 || p < 0 || p > 32 || topo_parse_ipv4(addr, ip))
		return -1;
	*prefix = (uint8_t)p;
	return 0;
}

static int parse_routes(json_t *res, struct cni_ipam_ip *ip, struct cni_err *e)
{
	json_t *r;
	size_t i;

	json_array_foreach(json_object_get(res, "routes"), i, r)
	{
		const char *dst = json_string_value(json_object_get(r, "dst"));
		const char *gw = json_string_value(json_object_get(r, "gw"));
		struct lab_ep_route *rt = &ip->routes[ip->n_routes];
		uint8_t prefix;

		if (dst && strchr(dst, ':'))
			continue; /* IPv6: the lab has none */
		if (cidr4(dst, &rt->dst, &prefix) || (gw && topo_parse_ipv4(gw, &rt->gw)))
			return cni_fail(e, CNI_ERR_DECODE, "failed to decode content",
					"IPAM result: route %zu: \"%s\" via \"%s\" is not IPv4", i,
					dst ? dst : "", gw ? gw : "");
		if (ip->n_routes == LAB_EP_ROUTES_MAX)
			return cni_fail(e, CNI_ERR_CONFIG, "invalid network config",
					"IPAM result: more than %d routes", LAB_EP_ROUTES_MAX);
		rt->prefix = prefix;
		if (!gw)
			rt->gw = 0;
		ip->n_routes++;
	}
	return 0;
}

int cni_ipam_parse(json_t *res, struct cni_ipam_ip *ip, struct cni_err *e)
{
	json_t *a;
	size_t i;

	memset(ip, 0, sizeof(*ip));
	json_array_foreach(json_object_get(res, "ips"), i, a)
	{
		const char *addr = json_string_value(json_object_get(a, "address"));
		const char *gw = json_string_value(json_object_get(a, "gateway"));

		if (addr && strchr(addr, ':'))
			continue;
		if (ip->ip)
			return cni_fail(
				e, CNI_ERR_CONFIG, "invalid network config",
				"IPAM result: more than one IPv4 address (%s): an endpoint has one",
				addr ? addr : "?");
		if (cidr4(addr, &ip->ip, &ip->prefix) || (gw && topo_parse_ipv4(gw, &ip->gateway)))
			return cni_fail(e, CNI_ERR_DECODE, "failed to decode content",
					"IPAM result: address \"%s\" gateway \"%s\" is not IPv4",
					addr ? addr : "", gw ? gw : "");
	}
	if (!ip->ip)
		return cni_fail(e, CNI_ERR_CONFIG, "invalid network config",
				"IPAM result: no IPv4 address");
	return parse_routes(res, ip, e);
}
