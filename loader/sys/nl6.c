// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The IPv6 half of rtnetlink (nl.h): addresses without duplicate address
 * detection (the lab assigns every address, and the datapath answers
 * neighbour discovery itself), routes, and the uplink's global addresses.
 * Addresses are struct in6_addr, network order, as the kernel has them.
 */
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <string.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/route.h>

#include "sys/nl.h"

static struct nl_addr *v6addr(const struct in6_addr *ip, int prefix)
{
	struct nl_addr *a = nl_addr_build(AF_INET6, ip, sizeof(*ip));

	if (a)
		nl_addr_set_prefixlen(a, prefix);
	return a;
}

int nl_addr6_add(struct nl_sock *sk, int ifindex, const struct in6_addr *ip, int prefix)
{
	struct nl_addr *local = v6addr(ip, prefix);
	/* usable at once: no DAD probe, no tentative state to wait out */
	int err = nl_addr_add_local(sk, ifindex, local, IFA_F_NODAD);

	if (local)
		nl_addr_put(local);
	return err;
}

int nl_route6_add(struct nl_sock *sk, const struct in6_addr *dst, int prefix,
		  const struct in6_addr *gw, int ifindex, const struct in6_addr *src)
{
	struct nl_addr *d = v6addr(dst, prefix), *g = gw ? v6addr(gw, 128) : NULL;
	struct nl_addr *s = src ? v6addr(src, 128) : NULL;
	int err = -ENOMEM;

	if (d && (g || !gw) && (s || !src))
		err = nl_route_add_addrs(sk, d, g, ifindex, s);
	if (d)
		nl_addr_put(d);
	if (g)
		nl_addr_put(g);
	if (s)
		nl_addr_put(s);
	return err;
}

struct dev_v6 {
	int ifindex;
	struct nl_v6addr *out;
	size_t max;
	size_t n;
};

/* Global scope, and usable: not tentative (DAD still running) nor failed DAD. */
static void collect_dev_v6(struct nl_object *obj, void *arg)
{
	struct rtnl_addr *a = (struct rtnl_addr *)obj;
	struct dev_v6 *dv = arg;
	struct nl_addr *local = rtnl_addr_get_local(a);

	if (rtnl_addr_get_family(a) != AF_INET6 || rtnl_addr_get_ifindex(a) != dv->ifindex ||
	    !local || nl_addr_get_len(local) != 16 || dv->n >= dv->max ||
	    rtnl_addr_get_scope(a) != RT_SCOPE_UNIVERSE ||
	    (rtnl_addr_get_flags(a) & (IFA_F_TENTATIVE | IFA_F_DADFAILED)))
		return;
	memcpy(&dv->out[dv->n].ip, nl_addr_get_binary_addr(local), 16);
	dv->out[dv->n++].prefix = (uint8_t)rtnl_addr_get_prefixlen(a);
}

int nl_ipv6_global_addrs_dev(struct nl_sock *sk, int ifindex, struct nl_v6addr *out, size_t max)
{
	struct nl_cache *addrs = NULL;
	struct dev_v6 dv = { .ifindex = ifindex, .out = out, .max = max };
	int err;

	err = nl_errno(rtnl_addr_alloc_cache(sk, &addrs));
	if (err)
		return err;
	nl_cache_foreach(addrs, collect_dev_v6, &dv);
	nl_cache_free(addrs);
	return (int)dv.n;
}
