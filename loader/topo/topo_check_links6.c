// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The IPv6 half of the links' and node routes' checks (topo_check_legs.c
 * has the IPv4 one): a link's subnet6 overlaps no network's subnet6 and no
 * other link's; an IPv6 route leaves through a subnet6 the node is on (a
 * leg's network or a link), via an address there that is not the node's,
 * and "default" only where the node has no IPv6 default route already.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "topo/topo_internal.h"

/* ---- links ---- */

static void link_overlap6(struct topo_ctx *c, size_t i)
{
	const struct topo_link *l = &c->t->links[i], *o;
	char a[TOPO_IP6STR], b[TOPO_IP6STR];

	for (size_t j = 0; j < c->t->n_networks; j++) {
		const struct topo_network *n = &c->t->networks[j];

		if (!c->nets[j].subnet6_ok || !n->prefix6 ||
		    !topo_overlap6(&l->subnet6, l->prefix6, &n->subnet6, n->prefix6))
			continue;
		topo_err(c, l->subnet6_mark,
			 "link %zu: subnet6 %s/%u overlaps network \"%s\" (%s/%u at %d:%d)", i + 1,
			 topo_ip6_str(&l->subnet6, a), l->prefix6, n->name,
			 topo_ip6_str(&n->subnet6, b), n->prefix6, n->subnet6_mark.line,
			 n->subnet6_mark.col);
		return;
	}
	for (size_t j = 0; j < i; j++) {
		o = &c->t->links[j];
		if (!o->prefix6 || !topo_overlap6(&l->subnet6, l->prefix6, &o->subnet6, o->prefix6))
			continue;
		topo_err(c, l->subnet6_mark,
			 "link %zu: subnet6 %s/%u overlaps link %zu (%s/%u at %d:%d)", i + 1,
			 topo_ip6_str(&l->subnet6, a), l->prefix6, j + 1,
			 topo_ip6_str(&o->subnet6, b), o->prefix6, o->subnet6_mark.line,
			 o->subnet6_mark.col);
		return;
	}
}

void topo_check_links6(struct topo_ctx *c)
{
	for (size_t i = 0; i < c->t->n_links; i++)
		if (c->t->links[i].prefix6)
			link_overlap6(c, i);
}

/* ---- routes ---- */

/* A subnet6 the node is on: a leg's network or a link's; its own address there. */
struct on_link6 {
	struct in6_addr subnet, self;
	uint8_t prefix;
};

static size_t node_subnets6(const struct topo_ctx *c, size_t i, struct on_link6 *out, size_t max)
{
	const struct topo_node *n = &c->t->nodes[i];
	size_t cnt = 0;

	for (size_t k = 0; k < topo_node_n_legs(n) && cnt < max; k++) {
		struct topo_leg l = topo_node_leg(n, k);

		if (topo_leg_has_v6(c->t, n, k))
			out[cnt++] = (struct on_link6){ c->t->networks[l.network].subnet6, l.ip6,
							c->t->networks[l.network].prefix6 };
	}
	for (size_t j = 0; j < c->t->n_links && cnt < max; j++) {
		const struct topo_link *lk = &c->t->links[j];

		for (int e = 0; e < 2; e++)
			if (lk->node[e] == (int)i && lk->prefix6 && cnt < max)
				out[cnt++] = (struct on_link6){ lk->subnet6, topo_link_ip6(lk, e),
								lk->prefix6 };
	}
	return cnt;
}

/* Why the route cannot be installed, or NULL. */
static const char *route6_problem(const struct topo_route *r, const struct on_link6 *on, size_t n,
				  bool has_default)
{
	bool via_ok = false;

	if (!r->prefix && has_default)
		return "the node has an IPv6 default route via its first IPv6 network's gateway6 already";
	for (size_t k = 0; k < n; k++) {
		if (r->prefix == on[k].prefix && topo_ip6_eq(&r->dst6, &on[k].subnet))
			return "is a subnet6 the node is on already (the kernel routes it)";
		if (topo_ip6_eq(&r->via6, &on[k].self))
			return "via is the node's own address";
		if (topo_in_prefix6(&r->via6, &on[k].subnet, on[k].prefix) &&
		    !topo_ip6_eq(&r->via6, &on[k].subnet))
			via_ok = true;
	}
	return via_ok ?
		       NULL :
		       "via is on none of the node's subnet6s (networks and links; a gateway must be on one)";
}

static void check_node_routes6(struct topo_ctx *c, size_t i, struct on_link6 *on, size_t max)
{
	const struct topo_node *n = &c->t->nodes[i];
	size_t cnt = node_subnets6(c, i, on, max);
	char a[TOPO_IP6STR], b[TOPO_IP6STR];
	const char *why;

	for (size_t k = 0; k < n->n_routes; k++) {
		const struct topo_route *r = &n->routes[k];

		if (!r->v6)
			continue;
		for (size_t j = 0; j < k; j++) {
			if (!n->routes[j].v6 || n->routes[j].prefix != r->prefix ||
			    !topo_ip6_eq(&n->routes[j].dst6, &r->dst6))
				continue;
			topo_err(c, r->mark,
				 "node \"%s\": routes: %s/%u is routed already (at %d:%d)", n->name,
				 topo_ip6_str(&r->dst6, a), r->prefix, n->routes[j].mark.line,
				 n->routes[j].mark.col);
			goto next;
		}
		why = route6_problem(r, on, cnt, topo_node_first_v6_leg(c->t, n) >= 0);
		if (why)
			topo_err(c, r->mark, "node \"%s\": route to %s/%u via %s: %s", n->name,
				 topo_ip6_str(&r->dst6, a), r->prefix, topo_ip6_str(&r->via6, b),
				 why);
next:;
	}
}

void topo_check_routes6(struct topo_ctx *c)
{
	size_t max = 1, i;
	struct on_link6 *on;

	for (i = 0; i < c->t->n_nodes; i++)
		max += topo_node_n_legs(&c->t->nodes[i]);
	max += 2 * c->t->n_links;
	on = calloc(max, sizeof(*on));
	if (!on) {
		c->err = -ENOMEM;
		return;
	}
	for (i = 0; i < c->t->n_nodes; i++)
		if (c->t->nodes[i].n_routes)
			check_node_routes6(c, i, on, max);
	free(on);
}
