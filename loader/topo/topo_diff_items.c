// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Links, routed prefixes and forwards of two topologies: matched by their
 * ends, prefix, and protocol/address/port; their lines and the plan's
 * sets (topo_diff.h).
 */
#include <stdio.h>
#include <string.h>

#include "topo/topo_diff.h"
#include "topo/topo_diff_internal.h"
#include "topo/topo_internal.h"
#include "util/addr.h"

static const char *node_name(const struct topo *t, int i)
{
	return t->nodes[i].name;
}

/* Link i of a is link j of b by its ends (node:ifname both). */
static bool link_match(const struct topo *a, size_t i, const struct topo *b, size_t j)
{
	const struct topo_link *x = &a->links[i], *y = &b->links[j];

	for (int e = 0; e < 2; e++)
		if (strcmp(node_name(a, x->node[e]), node_name(b, y->node[e])) ||
		    strcmp(x->ifname[e], y->ifname[e]))
			return false;
	return true;
}

static int link_find(const struct topo *a, size_t i, const struct topo *b)
{
	for (size_t j = 0; j < b->n_links; j++)
		if (link_match(a, i, b, j))
			return (int)j;
	return -1;
}

/* A link's subnet6 (none: prefix6 0). */
static bool link_same6(const struct topo_link *x, const struct topo_link *y)
{
	return x->prefix6 == y->prefix6 && (!x->prefix6 || topo_ip6_eq(&x->subnet6, &y->subnet6));
}

static bool link_same(const struct topo_link *x, const struct topo_link *y)
{
	return x->subnet == y->subnet && x->prefix == y->prefix && link_same6(x, y) &&
	       x->netem.set == y->netem.set && x->netem.delay_us == y->netem.delay_us &&
	       x->netem.jitter_us == y->netem.jitter_us && x->netem.loss_ppm == y->netem.loss_ppm &&
	       x->netem.rate_bps == y->netem.rate_bps;
}

/* Routed prefix number k (networks in order), its network into *net. */
static const struct topo_net_route *route_at(const struct topo *t, size_t k, size_t *net)
{
	*net = 0;
	for (size_t i = 0; i < t->n_networks; i++) {
		if (k < t->networks[i].n_routes) {
			*net = i;
			return &t->networks[i].routes[k];
		}
		k -= t->networks[i].n_routes;
	}
	return NULL;
}

static int route_find(const struct topo *a, size_t k, const struct topo *b)
{
	size_t na, nb, n = topo_route_count(b);
	const struct topo_net_route *x = route_at(a, k, &na);

	for (size_t j = 0; j < n; j++) {
		const struct topo_net_route *y = route_at(b, j, &nb);

		if (x->prefix == y->prefix && x->len == y->len)
			return (int)j;
	}
	return -1;
}

/* Same network, same router (by name). */
static bool route_same(const struct topo *a, size_t k, const struct topo *b, size_t j)
{
	size_t na, nb;
	const struct topo_net_route *x = route_at(a, k, &na), *y = route_at(b, j, &nb);

	return !strcmp(a->networks[na].name, b->networks[nb].name) &&
	       !strcmp(node_name(a, x->via), node_name(b, y->via));
}

static int fwd_find(const struct topo *a, size_t i, const struct topo *b)
{
	const struct topo_forward *x = &a->forwards[i];

	for (size_t j = 0; j < b->n_forwards; j++) {
		const struct topo_forward *y = &b->forwards[j];

		if (x->proto == y->proto && x->host_ip == y->host_ip &&
		    IN6_ARE_ADDR_EQUAL(&x->host_ip6, &y->host_ip6) && x->port == y->port)
			return (int)j;
	}
	return -1;
}

static bool fwd_same(const struct topo *a, size_t i, const struct topo *b, size_t j)
{
	const struct topo_forward *x = &a->forwards[i], *y = &b->forwards[j];

	return x->port_end == y->port_end && x->to_port == y->to_port &&
	       x->to_port_end == y->to_port_end &&
	       !strcmp(node_name(a, x->node), node_name(b, y->node));
}

int topo_diff_plan(const struct topo *a, const struct topo *b, struct topo_diff *d)
{
	size_t net, ra = topo_route_count(a), rb = topo_route_count(b);
	int j;

	for (size_t i = 0; i < a->n_links; i++) {
		const struct topo_link *l = &a->links[i];

		j = link_find(a, i, b);
		d->del_link[i] = j < 0 || !link_same(l, &b->links[j]) || d->del_node[l->node[0]] ||
				 d->del_node[l->node[1]];
	}
	for (size_t i = 0; i < b->n_links; i++) {
		const struct topo_link *l = &b->links[i];

		j = link_find(b, i, a);
		d->new_link[i] = j < 0 || !link_same(l, &a->links[j]) || d->new_node[l->node[0]] ||
				 d->new_node[l->node[1]];
	}
	for (size_t k = 0; k < ra; k++) {
		j = route_find(a, k, b);
		d->del_route[k] = j < 0 || !route_same(a, k, b, (size_t)j) ||
				  d->del_node[route_at(a, k, &net)->via];
	}
	for (size_t k = 0; k < rb; k++) {
		j = route_find(b, k, a);
		d->new_route[k] = j < 0 || !route_same(b, k, a, (size_t)j) ||
				  d->new_node[route_at(b, k, &net)->via];
	}
	for (size_t i = 0; i < a->n_forwards; i++) {
		j = fwd_find(a, i, b);
		d->del_fwd[i] = j < 0 || !fwd_same(a, i, b, (size_t)j);
	}
	for (size_t i = 0; i < b->n_forwards; i++) {
		j = fwd_find(b, i, a);
		d->new_fwd[i] = j < 0 || !fwd_same(b, i, a, (size_t)j);
	}
	return 0;
}

static void link_name(const struct topo *t, size_t i, char *buf, size_t len)
{
	const struct topo_link *l = &t->links[i];

	snprintf(buf, len, "%s:%s - %s:%s", node_name(t, l->node[0]), l->ifname[0],
		 node_name(t, l->node[1]), l->ifname[1]);
}

static int link_lines(const struct topo *a, const struct topo *b, struct topo_diff *d)
{
	char name[TOPO_DIFF_NAME], detail[256], x[IPV4_STRLEN], y[IPV4_STRLEN];
	int j, err = 0;

	for (size_t i = 0; !err && i < a->n_links; i++) {
		const struct topo_link *l = &a->links[i];

		link_name(a, i, name, sizeof(name));
		j = link_find(a, i, b);
		if (j < 0) {
			err = topo_diff_line_add(d, '-', TOPO_DIFF_LINK, name, NULL);
		} else if (!link_same(l, &b->links[j])) {
			snprintf(detail, sizeof(detail), "subnet %s/%u -> %s/%u%s",
				 ipv4_str(l->subnet, x), l->prefix, ipv4_str(b->links[j].subnet, y),
				 b->links[j].prefix,
				 l->subnet != b->links[j].subnet ||
						 l->prefix != b->links[j].prefix ?
					 "" :
				 !link_same6(l, &b->links[j]) ? " (subnet6)" :
								" (netem)");
			err = topo_diff_line_add(d, '~', TOPO_DIFF_LINK, name, detail);
		}
	}
	for (size_t i = 0; !err && i < b->n_links; i++) {
		link_name(b, i, name, sizeof(name));
		if (link_find(b, i, a) < 0)
			err = topo_diff_line_add(d, '+', TOPO_DIFF_LINK, name, NULL);
	}
	return err;
}

/* "10.81.9.0/24", and " via r1 (core)" into detail. */
static void route_words(const struct topo *t, size_t k, char *name, char *detail)
{
	size_t net;
	const struct topo_net_route *r = route_at(t, k, &net);
	char ip[IPV4_STRLEN];

	snprintf(name, TOPO_DIFF_NAME, "%s/%u", ipv4_str(r->prefix, ip), r->len);
	snprintf(detail, 256, "via %s in %s", node_name(t, r->via), t->networks[net].name);
}

static int route_lines(const struct topo *a, const struct topo *b, struct topo_diff *d)
{
	char name[TOPO_DIFF_NAME], was[256], now[256], detail[520];
	int j, err = 0;

	for (size_t k = 0; !err && k < topo_route_count(a); k++) {
		route_words(a, k, name, was);
		j = route_find(a, k, b);
		if (j < 0) {
			err = topo_diff_line_add(d, '-', TOPO_DIFF_ROUTE, name, NULL);
		} else if (!route_same(a, k, b, (size_t)j)) {
			route_words(b, (size_t)j, name, now);
			snprintf(detail, sizeof(detail), "%s -> %s", was, now);
			err = topo_diff_line_add(d, '~', TOPO_DIFF_ROUTE, name, detail);
		}
	}
	for (size_t k = 0; !err && k < topo_route_count(b); k++) {
		route_words(b, k, name, now);
		if (route_find(b, k, a) < 0)
			err = topo_diff_line_add(d, '+', TOPO_DIFF_ROUTE, name, now);
	}
	return err;
}

/* "tcp 8443", "udp 10.0.0.1:5000-5009"; detail "h1:80" (its target). */
static void fwd_words(const struct topo *t, size_t i, char *name, char *to)
{
	const struct topo_forward *f = &t->forwards[i];
	char ip[IPV4_STRLEN + 1] = "", range[16] = "";

	if (f->host_ip)
		snprintf(ip, sizeof(ip), "%s:", ipv4_str(f->host_ip, range));
	range[0] = '\0';
	if (f->port_end != f->port)
		snprintf(range, sizeof(range), "-%u", f->port_end);
	snprintf(name, TOPO_DIFF_NAME, "%s %s%u%s", f->proto == 6 ? "tcp" : "udp", ip, f->port,
		 range);
	range[0] = '\0';
	if (f->to_port_end != f->to_port)
		snprintf(range, sizeof(range), "-%u", f->to_port_end);
	snprintf(to, 256, "%s:%u%s", node_name(t, f->node), f->to_port, range);
}

static int fwd_lines(const struct topo *a, const struct topo *b, struct topo_diff *d)
{
	char name[TOPO_DIFF_NAME], was[256], now[256], detail[520];
	int j, err = 0;

	for (size_t i = 0; !err && i < a->n_forwards; i++) {
		fwd_words(a, i, name, was);
		j = fwd_find(a, i, b);
		if (j < 0) {
			err = topo_diff_line_add(d, '-', TOPO_DIFF_FORWARD, name, NULL);
		} else if (!fwd_same(a, i, b, (size_t)j)) {
			fwd_words(b, (size_t)j, name, now);
			snprintf(detail, sizeof(detail), "%s -> %s", was, now);
			err = topo_diff_line_add(d, '~', TOPO_DIFF_FORWARD, name, detail);
		}
	}
	for (size_t i = 0; !err && i < b->n_forwards; i++) {
		fwd_words(b, i, name, now);
		if (fwd_find(b, i, a) < 0)
			err = topo_diff_line_add(d, '+', TOPO_DIFF_FORWARD, name, NULL);
	}
	return err;
}

int topo_diff_item_lines(const struct topo *a, const struct topo *b, struct topo_diff *d)
{
	int err = link_lines(a, b, d);

	if (!err)
		err = route_lines(a, b, d);
	if (!err)
		err = fwd_lines(a, b, d);
	return err;
}
