// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The checks of a topology that need the host: only `up` knows the uplink's
 * addresses and link type, the default gateways, the forwards' ports. They
 * run before anything is created, and report like every other check of the
 * file: at the position of what has to change, exit 2. The caller gathers
 * the facts (struct topo_host); this file only compares, so it is unit
 * tested without a host.
 */
#include <errno.h>
#include <linux/if_arp.h>
#include <stdio.h>
#include <string.h>

#include "topo/topo_internal.h"

static bool in_subnet(uint32_t ip, uint32_t net, int prefix)
{
	return (ip & topo_mask(prefix)) == net;
}

/* Layer-3 devices have no Ethernet header, which from_uplink reads first. */
static bool check_uplink(struct topo_ctx *c, const struct topo_host *h)
{
	const struct topo *t = c->t;
	char what[TOPO_IFNAMSIZ + 48], kind[32] = "";

	if (!h->uplink[0])
		return false;
	if (t->uplink[0])
		snprintf(what, sizeof(what), "uplink \"%s\"", h->uplink);
	else
		snprintf(what, sizeof(what), "the default route's device \"%s\"", h->uplink);
	if (h->uplink_missing) {
		topo_err(c, t->uplink_mark, "%s does not exist in this network namespace", what);
		return false;
	}
	if (h->uplink_type == ARPHRD_ETHER)
		return true;
	if (h->uplink_kind && h->uplink_kind[0])
		snprintf(kind, sizeof(kind), "%s, ", h->uplink_kind);
	if (h->uplink_type == ARPHRD_LOOPBACK)
		topo_err(
			c, t->uplink_mark,
			"%s is a loopback device, not a way out: %s the Ethernet interface that faces the outside",
			what, t->uplink[0] ? "name" : "set uplink: to");
	else
		topo_err(
			c, t->uplink_mark,
			"%s is not an Ethernet device (%slink type %u): the datapath reads an Ethernet header on the uplink, so WireGuard, tun, PPP and other layer-3 devices cannot be one; %s an Ethernet interface",
			what, kind, h->uplink_type, t->uplink[0] ? "name" : "set uplink: to");
	return false;
}

/*
 * A lab subnet that overlaps the uplink's takes the host's neighbours (its
 * /32 routes to nodes win), one that holds a default gateway takes the
 * host's way out; a gateway on the uplink address takes the host's own.
 */
static void check_network(struct topo_ctx *c, const struct topo_host *h, bool uplink_ok,
			  const struct topo_network *n)
{
	char a[TOPO_IPSTR], b[TOPO_IPSTR], d[TOPO_IPSTR];
	bool gw_given = n->gateway_mark.line != n->subnet_mark.line ||
			n->gateway_mark.col != n->subnet_mark.col;
	const struct topo_host_addr *u;
	size_t i;

	if (!topo_net_has_v4(n))
		return; /* IPv6-only: check_network6() */
	/* A defaulted gateway there comes with the subnet: the overlap says it all. */
	for (i = 0; uplink_ok && gw_given && i < h->n_uplink_addrs; i++) {
		u = &h->uplink_addrs[i];
		if (n->gateway != u->ip)
			continue;
		topo_err(
			c, n->gateway_mark,
			"network \"%s\": gateway %s is the address of the uplink %s: the host's own address would move into the lab",
			n->name, topo_ip_str(n->gateway, a), h->uplink);
	}
	for (i = 0; uplink_ok && i < h->n_uplink_addrs; i++) {
		u = &h->uplink_addrs[i];
		if (!topo_overlap(n->subnet, n->prefix, u->ip, u->prefix))
			continue;
		topo_err(
			c, n->subnet_mark,
			"network \"%s\": subnet %s/%u overlaps the uplink's subnet %s/%u (%s %s/%u): the host would reach its neighbours there through the lab",
			n->name, topo_ip_str(n->subnet, a), n->prefix,
			topo_ip_str(u->ip & topo_mask(u->prefix), b), u->prefix, h->uplink,
			topo_ip_str(u->ip, d), u->prefix);
		return; /* the default gateway is usually in there too */
	}
	for (i = 0; i < h->n_gateways; i++) {
		if (!in_subnet(h->gateways[i], n->subnet, n->prefix))
			continue;
		topo_err(
			c, n->subnet_mark,
			"network \"%s\": subnet %s/%u contains the host's default gateway %s: the host's way out would lead into the lab",
			n->name, topo_ip_str(n->subnet, a), n->prefix,
			topo_ip_str(h->gateways[i], b));
		return;
	}
}

/*
 * A routed prefix is the lab's as a subnet is (the host routes it into the
 * lab): the same rules against the uplink's subnets and the default
 * gateways. Its address, too, lies in an uplink subnet when it overlaps one.
 */
static void check_route(struct topo_ctx *c, const struct topo_host *h, bool uplink_ok,
			const struct topo_network *n, size_t i)
{
	const struct topo_net_route *r = &n->routes[i];
	char a[TOPO_IPSTR], b[TOPO_IPSTR], d[TOPO_IPSTR];
	const struct topo_host_addr *u;
	size_t k;

	for (k = 0; uplink_ok && k < h->n_uplink_addrs; k++) {
		u = &h->uplink_addrs[k];
		if (!topo_overlap(r->prefix, r->len, u->ip, u->prefix))
			continue;
		topo_err(
			c, r->to_mark,
			"network \"%s\": route %zu: to %s/%u overlaps the uplink's subnet %s/%u (%s %s/%u): the host would reach its neighbours there through the lab",
			n->name, i + 1, topo_ip_str(r->prefix, a), r->len,
			topo_ip_str(u->ip & topo_mask(u->prefix), b), u->prefix, h->uplink,
			topo_ip_str(u->ip, d), u->prefix);
		return;
	}
	for (k = 0; k < h->n_gateways; k++) {
		if (!in_subnet(h->gateways[k], r->prefix, r->len))
			continue;
		topo_err(
			c, r->to_mark,
			"network \"%s\": route %zu: to %s/%u contains the host's default gateway %s: the host's way out would lead into the lab",
			n->name, i + 1, topo_ip_str(r->prefix, a), r->len,
			topo_ip_str(h->gateways[k], b));
		return;
	}
}

/*
 * A remote subnet is reached through a next hop on the uplink's link: its
 * address in an uplink subnet (not the uplink's own), the subnet itself in
 * none (the host would take it for its neighbours).
 */
static void check_remote(struct topo_ctx *c, const struct topo_host *h, bool uplink_ok,
			 const struct topo_network *n, size_t i)
{
	const struct topo_net_remote *r = &n->remotes[i];
	char a[TOPO_IPSTR], b[TOPO_IPSTR];
	bool onlink = false;
	size_t k;

	if (!h->uplink[0]) { /* said once a network */
		if (!i)
			topo_err(
				c, r->mark,
				"network \"%s\": remote %zu: the lab has no uplink to reach it through",
				n->name, i + 1);
		return;
	}
	for (k = 0; uplink_ok && k < h->n_uplink_addrs; k++) {
		const struct topo_host_addr *u = &h->uplink_addrs[k];

		if (topo_overlap(r->prefix, r->len, u->ip, u->prefix)) {
			topo_err(
				c, r->to_mark,
				"network \"%s\": remote %zu: to %s/%u overlaps the uplink's subnet %s/%u",
				n->name, i + 1, topo_ip_str(r->prefix, a), r->len,
				topo_ip_str(u->ip & topo_mask(u->prefix), b), u->prefix);
			return;
		}
		if (r->via == u->ip) {
			topo_err(c, r->via_mark,
				 "network \"%s\": remote %zu: via %s is the uplink's own address",
				 n->name, i + 1, topo_ip_str(r->via, a));
			return;
		}
		onlink |= in_subnet(r->via, u->ip & topo_mask(u->prefix), u->prefix);
	}
	if (uplink_ok && !onlink)
		topo_err(
			c, r->via_mark,
			"network \"%s\": remote %zu: via %s is in no subnet of the uplink %s: the next hop must be on its link (another machine's uplink address, or a router there)",
			n->name, i + 1, topo_ip_str(r->via, a), h->uplink);
}

/*
 * IPv6: a subnet6 that overlaps the uplink's prefixes takes the host's
 * neighbours as in IPv4; a masqueraded dual-stack network needs a global
 * address on the uplink for NAT66 (uplink6, or the first).
 */
static void check_network6(struct topo_ctx *c, const struct topo_host *h, bool uplink_ok,
			   const struct topo_network *n)
{
	char a[TOPO_IP6STR], b[TOPO_IP6STR];
	const struct topo_host_addr6 *u;
	struct in6_addr pick, net;

	if (!topo_net_has_v6(n) || !uplink_ok)
		return;
	for (size_t i = 0; i < h->n_uplink_addrs6; i++) {
		u = &h->uplink_addrs6[i];
		if (!topo_overlap6(&n->subnet6, n->prefix6, &u->ip, u->prefix))
			continue;
		net = topo_mask6(&u->ip, u->prefix);
		topo_err(
			c, n->subnet6_mark,
			"network \"%s\": subnet6 %s/%u overlaps the uplink's prefix %s/%u (%s): the host would reach its neighbours there through the lab",
			n->name, topo_ip6_str(&n->subnet6, a), n->prefix6, topo_ip6_str(&net, b),
			u->prefix, h->uplink);
		return;
	}
	if (n->masquerade && !c->t->uplink6_mark.line &&
	    !topo_uplink6_pick(c->t, h->uplink_addrs6, h->n_uplink_addrs6, &pick))
		topo_err(
			c, n->subnet6_mark,
			"network \"%s\": masquerade with a subnet6, but the uplink %s has no global IPv6 address for NAT66: give it one, or leave subnet6 (or masquerade) out",
			n->name, h->uplink);
}

static void check_uplink6(struct topo_ctx *c, const struct topo_host *h, bool uplink_ok)
{
	const struct topo *t = c->t;
	char a[TOPO_IP6STR], has[4 * (TOPO_IP6STR + 2) + 8] = "";
	struct in6_addr pick;
	size_t i, off = 0;

	if (!t->uplink6_mark.line || !uplink_ok ||
	    topo_uplink6_pick(t, h->uplink_addrs6, h->n_uplink_addrs6, &pick))
		return;
	for (i = 0; i < h->n_uplink_addrs6 && i < 4; i++)
		off += (size_t)snprintf(has + off, sizeof(has) - off, "%s%s", i ? ", " : "",
					topo_ip6_str(&h->uplink_addrs6[i].ip, a));
	if (i < h->n_uplink_addrs6)
		snprintf(has + off, sizeof(has) - off, ", ...");
	topo_err(c, t->uplink6_mark, "uplink6 %s is not a global address of the uplink %s (%s%s)",
		 topo_ip6_str(&t->uplink6, a), h->uplink,
		 h->n_uplink_addrs6 ? "it has " : "it has none", has);
}

static void check_forward(struct topo_ctx *c, const struct topo_host *h, size_t i)
{
	const struct topo_forward *f = &c->t->forwards[i];
	bool at_host;
	char why[512];
	int err;

	if (!h->fwd_check)
		return;
	err = h->fwd_check(c->t, i, h->fwd_arg, why, sizeof(why));
	at_host = err == -EADDRNOTAVAIL && f->host_mark.line;
	if (err == -ENOMEM)
		c->err = err;
	else if (err)
		topo_err(c, at_host ? f->host_mark : f->port_mark, "forward %zu: %s", i + 1, why);
}

int topo_check_host(const struct topo *t, const struct topo_host *h, struct topo_errors *errs)
{
	struct topo_ctx c = { .path = t->path, .t = (struct topo *)t };
	bool uplink_ok = check_uplink(&c, h);
	size_t i;
	int err;

	check_uplink6(&c, h, uplink_ok);
	for (i = 0; i < t->n_networks; i++) {
		check_network(&c, h, uplink_ok, &t->networks[i]);
		check_network6(&c, h, uplink_ok, &t->networks[i]);
		for (size_t k = 0; k < t->networks[i].n_routes; k++)
			check_route(&c, h, uplink_ok, &t->networks[i], k);
		for (size_t k = 0; k < t->networks[i].n_remotes; k++)
			check_remote(&c, h, uplink_ok, &t->networks[i], k);
	}
	for (i = 0; i < t->n_forwards; i++)
		check_forward(&c, h, i);
	err = c.n_msgs ? -EINVAL : 0;
	topo_flush_msgs(&c, errs);
	return c.err ? c.err : err;
}
