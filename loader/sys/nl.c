// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * rtnetlink over libnl-route-3. NLE_* codes are turned into errno here.
 * One file over 400 lines on purpose: every netlink request nsbpf makes goes
 * through the same socket and error mapping, and each request is short.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <string.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>

#include "util/log.h"
#include "sys/nl.h"

#define nle_to_errno nl_errno

int nl_errno(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case 0:
		return 0;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_NODEV:
		return -ENODEV;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_PERM:
		return -EPERM;
	case NLE_INVAL:
		return -EINVAL;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_RANGE:
		return -ERANGE;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case NLE_NOADDR:
		return -EADDRNOTAVAIL;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_AF_NOSUPPORT:
		return -EAFNOSUPPORT;
	case NLE_NOACCESS:
		return -EACCES;
	default:
		pr_debug("netlink: %s\n", nl_geterror(nle));
		return -EIO;
	}
}

struct nl_sock *nl_open(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	int err;

	if (!sk) {
		errno = ENOMEM;
		return NULL;
	}
	err = nl_connect(sk, NETLINK_ROUTE);
	if (err) {
		nl_socket_free(sk);
		errno = -nle_to_errno(err);
		return NULL;
	}
	return sk;
}

void nl_close(struct nl_sock *sk)
{
	if (sk)
		nl_socket_free(sk);
}

static struct nl_addr *v4addr(uint32_t ip, int prefix)
{
	uint32_t be = htonl(ip);
	struct nl_addr *a = nl_addr_build(AF_INET, &be, sizeof(be));

	if (a)
		nl_addr_set_prefixlen(a, prefix);
	return a;
}

static int set_mac(struct rtnl_link *link, const uint8_t mac[6])
{
	struct nl_addr *a;

	if (!mac)
		return 0;
	a = nl_addr_build(AF_LLC, mac, 6);
	if (!a)
		return -ENOMEM;
	rtnl_link_set_addr(link, a);
	nl_addr_put(a);
	return 0;
}

int nl_veth_create(struct nl_sock *sk, const char *name, const uint8_t mac[6],
		   const char *peer_name, const uint8_t peer_mac[6], int peer_ns_fd)
{
	struct rtnl_link *link, *peer;
	int err;

	link = rtnl_link_veth_alloc();
	if (!link)
		return -ENOMEM;
	peer = rtnl_link_veth_get_peer(link);
	rtnl_link_set_name(link, name);
	rtnl_link_set_name(peer, peer_name);
	if (peer_ns_fd >= 0)
		rtnl_link_set_ns_fd(peer, peer_ns_fd);
	err = mac ? set_mac(link, mac) : 0;
	if (!err && peer_mac)
		err = set_mac(peer, peer_mac);
	if (!err)
		err = nle_to_errno(rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL));
	rtnl_link_put(peer);
	rtnl_link_veth_release(link);
	return err;
}

int nl_link_del(struct nl_sock *sk, const char *name)
{
	struct rtnl_link *link = rtnl_link_alloc();
	int err;

	if (!link)
		return -ENOMEM;
	rtnl_link_set_name(link, name);
	err = nle_to_errno(rtnl_link_delete(sk, link));
	rtnl_link_put(link);
	return err == -ENODEV || err == -ENOENT ? 0 : err;
}

int nl_link_set_up(struct nl_sock *sk, int ifindex)
{
	struct rtnl_link *orig = rtnl_link_alloc(), *chg = rtnl_link_alloc();
	int err = -ENOMEM;

	if (orig && chg) {
		rtnl_link_set_ifindex(orig, ifindex);
		rtnl_link_set_flags(chg, IFF_UP);
		err = nle_to_errno(rtnl_link_change(sk, orig, chg, 0));
	}
	if (orig)
		rtnl_link_put(orig);
	if (chg)
		rtnl_link_put(chg);
	return err;
}

int nl_link_get(struct nl_sock *sk, const char *name, struct nl_link_info *info)
{
	struct rtnl_link *link;
	struct nl_addr *a;
	const char *kind;
	unsigned int flags;
	int err;

	memset(info, 0, sizeof(*info));
	err = nle_to_errno(rtnl_link_get_kernel(sk, 0, name, &link));
	if (err)
		return err == -ENOENT ? -ENODEV : err;
	info->ifindex = rtnl_link_get_ifindex(link);
	a = rtnl_link_get_addr(link);
	if (a && nl_addr_get_len(a) == 6)
		memcpy(info->mac, nl_addr_get_binary_addr(a), 6);
	flags = rtnl_link_get_flags(link);
	info->admin_up = flags & IFF_UP;
	info->lower_up = flags & IFF_LOWER_UP;
	info->mtu = rtnl_link_get_mtu(link);
	info->arptype = rtnl_link_get_arptype(link);
	kind = rtnl_link_get_type(link);
	if (kind)
		snprintf(info->kind, sizeof(info->kind), "%s", kind);
	rtnl_link_put(link);
	return 0;
}

/* local (its prefix set) on ifindex, with IFA_F_* flags; for sys/ only (nl.h). */
int nl_addr_add_local(struct nl_sock *sk, int ifindex, struct nl_addr *local, unsigned int flags)
{
	struct rtnl_addr *addr = rtnl_addr_alloc();
	int err = -ENOMEM;

	if (addr && local) {
		rtnl_addr_set_ifindex(addr, ifindex);
		rtnl_addr_set_family(addr, nl_addr_get_family(local));
		if (flags)
			rtnl_addr_set_flags(addr, flags);
		err = nle_to_errno(rtnl_addr_set_local(addr, local));
		if (!err)
			err = nle_to_errno(rtnl_addr_add(sk, addr, NLM_F_EXCL));
	}
	if (addr)
		rtnl_addr_put(addr);
	return err;
}

int nl_addr_add(struct nl_sock *sk, int ifindex, uint32_t ip, int prefix)
{
	struct nl_addr *local = v4addr(ip, prefix);
	int err = nl_addr_add_local(sk, ifindex, local, 0);

	if (local)
		nl_addr_put(local);
	return err;
}

/*
 * A static route of the main table to dst (its prefix set), via gw, out of
 * ifindex, preferred source src (gw, src NULL: none); the family is dst's.
 * For sys/ only (nl.h).
 */
int nl_route_add_addrs(struct nl_sock *sk, struct nl_addr *dst, struct nl_addr *gw, int ifindex,
		       struct nl_addr *src)
{
	struct rtnl_route *route = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	int family = dst ? nl_addr_get_family(dst) : AF_UNSPEC, err = -ENOMEM;

	if (!route || !nh || !dst)
		goto out;
	rtnl_route_set_family(route, (uint8_t)family);
	rtnl_route_set_table(route, RT_TABLE_MAIN);
	rtnl_route_set_protocol(route, RTPROT_STATIC);
	/* IPv6 routes have no scope but universe */
	rtnl_route_set_scope(route, gw || family == AF_INET6 ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
	err = nle_to_errno(rtnl_route_set_dst(route, dst));
	if (err)
		goto out;
	rtnl_route_nh_set_ifindex(nh, ifindex);
	if (gw)
		rtnl_route_nh_set_gateway(nh, gw);
	if (src && (err = nle_to_errno(rtnl_route_set_pref_src(route, src))))
		goto out;
	rtnl_route_add_nexthop(route, nh);
	nh = NULL; /* owned by route now */
	err = nle_to_errno(rtnl_route_add(sk, route, NLM_F_EXCL));
out:
	if (nh)
		rtnl_route_nh_free(nh);
	if (route)
		rtnl_route_put(route);
	return err;
}

int nl_route_add(struct nl_sock *sk, uint32_t dst, int prefix, uint32_t gw, int ifindex,
		 uint32_t src)
{
	struct nl_addr *d = v4addr(dst, prefix), *g = gw ? v4addr(gw, 32) : NULL;
	struct nl_addr *s = src ? v4addr(src, 32) : NULL;
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

struct default_dev {
	int ifindex;
};

static void find_default(struct nl_object *obj, void *arg)
{
	struct rtnl_route *r = (struct rtnl_route *)obj;
	struct default_dev *dd = arg;
	struct nl_addr *dst = rtnl_route_get_dst(r);
	struct rtnl_nexthop *nh;

	if (dd->ifindex || rtnl_route_get_family(r) != AF_INET ||
	    rtnl_route_get_table(r) != RT_TABLE_MAIN || rtnl_route_get_type(r) != RTN_UNICAST)
		return;
	if (dst && nl_addr_get_prefixlen(dst) != 0)
		return;
	nh = rtnl_route_nexthop_n(r, 0);
	if (nh)
		dd->ifindex = rtnl_route_nh_get_ifindex(nh);
}

int nl_route_del(struct nl_sock *sk, uint32_t dst, int prefix)
{
	struct rtnl_route *route = rtnl_route_alloc();
	struct nl_addr *d = v4addr(dst, prefix);
	int err = -ENOMEM;

	if (!route || !d)
		goto out;
	rtnl_route_set_family(route, AF_INET);
	rtnl_route_set_table(route, RT_TABLE_MAIN);
	rtnl_route_set_protocol(route, RTPROT_STATIC);
	/* any scope: libnl would guess link scope, and miss a route via a gateway */
	rtnl_route_set_scope(route, RT_SCOPE_NOWHERE);
	err = nle_to_errno(rtnl_route_set_dst(route, d));
	if (!err)
		err = nle_to_errno(rtnl_route_delete(sk, route, 0));
	if (err == -ESRCH || err == -ENOENT)
		err = 0;
out:
	if (route)
		rtnl_route_put(route);
	if (d)
		nl_addr_put(d);
	return err;
}

int nl_default_route_dev(struct nl_sock *sk, char ifname[16])
{
	struct nl_cache *routes = NULL, *links = NULL;
	struct default_dev dd = { 0 };
	int err;

	err = nle_to_errno(rtnl_route_alloc_cache(sk, AF_INET, 0, &routes));
	if (err)
		return err;
	nl_cache_foreach(routes, find_default, &dd);
	nl_cache_free(routes);
	if (!dd.ifindex)
		return -ENOENT;
	err = nle_to_errno(rtnl_link_alloc_cache(sk, AF_UNSPEC, &links));
	if (err)
		return err;
	if (!rtnl_link_i2name(links, dd.ifindex, ifname, 16))
		err = -ENODEV;
	nl_cache_free(links);
	return err;
}

struct first_v4 {
	int ifindex;
	uint32_t ip;
};

static void find_v4(struct nl_object *obj, void *arg)
{
	struct rtnl_addr *a = (struct rtnl_addr *)obj;
	struct first_v4 *fv = arg;
	struct nl_addr *local = rtnl_addr_get_local(a);
	uint32_t be;

	if (fv->ip || rtnl_addr_get_family(a) != AF_INET ||
	    rtnl_addr_get_ifindex(a) != fv->ifindex || !local || nl_addr_get_len(local) != 4)
		return;
	memcpy(&be, nl_addr_get_binary_addr(local), 4);
	fv->ip = ntohl(be);
}

int nl_first_ipv4(struct nl_sock *sk, int ifindex, uint32_t *ip)
{
	struct nl_cache *addrs = NULL;
	struct first_v4 fv = { .ifindex = ifindex };
	int err;

	err = nle_to_errno(rtnl_addr_alloc_cache(sk, &addrs));
	if (err)
		return err;
	nl_cache_foreach(addrs, find_v4, &fv);
	nl_cache_free(addrs);
	if (!fv.ip)
		return -EADDRNOTAVAIL;
	*ip = fv.ip;
	return 0;
}

struct all_v4 {
	uint32_t *out;
	size_t max;
	size_t n;
};

static void collect_v4(struct nl_object *obj, void *arg)
{
	struct rtnl_addr *a = (struct rtnl_addr *)obj;
	struct all_v4 *av = arg;
	struct nl_addr *local = rtnl_addr_get_local(a);
	uint32_t be;

	if (rtnl_addr_get_family(a) != AF_INET || !local || nl_addr_get_len(local) != 4)
		return;
	memcpy(&be, nl_addr_get_binary_addr(local), 4);
	for (size_t i = 0; i < av->n; i++)
		if (av->out[i] == ntohl(be))
			return;
	if (av->n < av->max)
		av->out[av->n++] = ntohl(be);
}

int nl_ipv4_addrs(struct nl_sock *sk, uint32_t *out, size_t max)
{
	struct nl_cache *addrs = NULL;
	struct all_v4 av = { .out = out, .max = max };
	int err;

	err = nle_to_errno(rtnl_addr_alloc_cache(sk, &addrs));
	if (err)
		return err;
	nl_cache_foreach(addrs, collect_v4, &av);
	nl_cache_free(addrs);
	return (int)av.n;
}

struct dev_v4 {
	int ifindex;
	struct nl_v4addr *out;
	size_t max;
	size_t n;
};

static void collect_dev_v4(struct nl_object *obj, void *arg)
{
	struct rtnl_addr *a = (struct rtnl_addr *)obj;
	struct dev_v4 *dv = arg;
	struct nl_addr *local = rtnl_addr_get_local(a);
	uint32_t be;

	if (rtnl_addr_get_family(a) != AF_INET || rtnl_addr_get_ifindex(a) != dv->ifindex ||
	    !local || nl_addr_get_len(local) != 4 || dv->n >= dv->max)
		return;
	memcpy(&be, nl_addr_get_binary_addr(local), 4);
	dv->out[dv->n].ip = ntohl(be);
	dv->out[dv->n++].prefix = (uint8_t)rtnl_addr_get_prefixlen(a);
}

int nl_ipv4_addrs_dev(struct nl_sock *sk, int ifindex, struct nl_v4addr *out, size_t max)
{
	struct nl_cache *addrs = NULL;
	struct dev_v4 dv = { .ifindex = ifindex, .out = out, .max = max };
	int err;

	err = nle_to_errno(rtnl_addr_alloc_cache(sk, &addrs));
	if (err)
		return err;
	nl_cache_foreach(addrs, collect_dev_v4, &dv);
	nl_cache_free(addrs);
	return (int)dv.n;
}

struct all_v6 {
	int ifindex; /* 0: every device */
	bool global_only;
	struct in6_addr *out;
	size_t max;
	size_t n;
};

static void collect_v6(struct nl_object *obj, void *arg)
{
	struct rtnl_addr *a = (struct rtnl_addr *)obj;
	struct all_v6 *av = arg;
	struct nl_addr *local = rtnl_addr_get_local(a);
	struct in6_addr ip;

	if (rtnl_addr_get_family(a) != AF_INET6 || !local || nl_addr_get_len(local) != 16 ||
	    (av->ifindex && rtnl_addr_get_ifindex(a) != av->ifindex))
		return;
	memcpy(&ip, nl_addr_get_binary_addr(local), 16);
	if (av->global_only &&
	    (rtnl_addr_get_scope(a) != RT_SCOPE_UNIVERSE || IN6_IS_ADDR_LINKLOCAL(&ip) ||
	     (rtnl_addr_get_flags(a) & (IFA_F_TENTATIVE | IFA_F_DADFAILED))))
		return;
	for (size_t i = 0; i < av->n; i++)
		if (!memcmp(&av->out[i], &ip, 16))
			return;
	if (av->n < av->max)
		av->out[av->n++] = ip;
}

int nl_ipv6_addrs(struct nl_sock *sk, int ifindex, bool global_only, struct in6_addr *out,
		  size_t max)
{
	struct all_v6 av = {
		.ifindex = ifindex, .global_only = global_only, .out = out, .max = max
	};
	struct nl_cache *addrs = NULL;
	int err;

	err = nle_to_errno(rtnl_addr_alloc_cache(sk, &addrs));
	if (err)
		return err;
	nl_cache_foreach(addrs, collect_v6, &av);
	nl_cache_free(addrs);
	return (int)av.n;
}

struct gateways {
	uint32_t *out;
	size_t max;
	size_t n;
};

static void collect_gw(struct rtnl_nexthop *nh, void *arg)
{
	struct nl_addr *gw = rtnl_route_nh_get_gateway(nh);
	struct gateways *g = arg;
	uint32_t be;

	if (!gw || nl_addr_get_family(gw) != AF_INET || nl_addr_get_len(gw) != 4 || g->n >= g->max)
		return;
	memcpy(&be, nl_addr_get_binary_addr(gw), 4);
	g->out[g->n++] = ntohl(be);
}

static void find_gateways(struct nl_object *obj, void *arg)
{
	struct rtnl_route *r = (struct rtnl_route *)obj;
	struct nl_addr *dst = rtnl_route_get_dst(r);

	if (rtnl_route_get_family(r) != AF_INET || rtnl_route_get_table(r) != RT_TABLE_MAIN ||
	    rtnl_route_get_type(r) != RTN_UNICAST || (dst && nl_addr_get_prefixlen(dst) != 0))
		return;
	rtnl_route_foreach_nexthop(r, collect_gw, arg);
}

int nl_default_gateways(struct nl_sock *sk, uint32_t *out, size_t max)
{
	struct nl_cache *routes = NULL;
	struct gateways g = { .out = out, .max = max };
	int err;

	err = nle_to_errno(rtnl_route_alloc_cache(sk, AF_INET, 0, &routes));
	if (err)
		return err;
	nl_cache_foreach(routes, find_gateways, &g);
	nl_cache_free(routes);
	return (int)g.n;
}
