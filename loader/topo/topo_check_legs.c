// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The checks of a node's legs, links and static routes (topo_check.c calls
 * them): interfaces become the first leg and the further legs, links get
 * their ends and interface names (eth<k> after the legs, in file order,
 * unless ifnames names them), routes must leave through a subnet the node
 * is on.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nsbpf_maps.h"
#include "topo/topo_internal.h"

#define WHO_MAX (TOPO_NAME_MAX + 48)

/* ---- interfaces ---- */

/* The first item is the first leg (network, ip), the others eth1... */
static void move_ifs(struct topo_ctx *c, size_t i)
{
	struct topo_node_src *src = &c->nodes[i];
	struct topo_node *n = &c->t->nodes[i];
	struct topo_leg_src *first = &src->ifs[0];

	src->network = first->network;
	first->network.name = NULL; /* src->network owns it now */
	src->ip_given = first->ip_given;
	src->ip_ok = first->ip_ok;
	src->ip_mark = first->ip_mark;
	n->ip = first->ip;
	/* the node's own ip6 is its first leg's, as before interfaces had one */
	if (first->ip6_given && src->ip6_given)
		topo_err(
			c, first->ip6_mark,
			"node \"%s\": ip6 twice: in the node (at %d:%d) and in its first interface",
			n->name, src->ip6_mark.line, src->ip6_mark.col);
	else if (first->ip6_given) {
		src->ip6_given = true;
		src->ip6_ok = first->ip6_ok;
		src->ip6_mark = first->ip6_mark;
		n->ip6 = first->ip6;
	}
	if (src->n_ifs < 2)
		return;
	n->legs = calloc(src->n_ifs - 1, sizeof(*n->legs));
	if (!n->legs) {
		c->err = -ENOMEM;
		return;
	}
	n->n_legs = src->n_ifs - 1;
	src->legs = src->ifs + 1;
	for (size_t k = 0; k < n->n_legs; k++)
		n->legs[k] = (struct topo_leg){ .network = -1,
						.ip = src->legs[k].ip,
						.ip6 = src->legs[k].ip6,
						.mark = src->legs[k].mark };
}

void topo_check_ifs(struct topo_ctx *c)
{
	size_t i, legs = 0;

	for (i = 0; i < c->t->n_nodes; i++) {
		struct topo_node_src *src = &c->nodes[i];
		const char *name = c->t->nodes[i].name;

		if (!src->ifs_given)
			continue;
		if (src->network.name || src->ip_given) {
			topo_err(
				c, src->ifs_mark,
				"node \"%s\": interfaces and %s together: write the first network (and its ip) as the first interface",
				name, src->network.name ? "network" : "ip");
			continue;
		}
		if (!src->n_ifs)
			continue;
		move_ifs(c, i);
		legs += c->t->nodes[i].n_legs;
		if (c->t->n_nodes + legs > NSB_MAX_ENDPOINTS) {
			topo_err(
				c, src->ifs_mark,
				"node \"%s\": interfaces: the nodes' legs are more than %d, the endpoints a lab may have",
				name, NSB_MAX_ENDPOINTS);
			return;
		}
	}
}

/* ---- links ---- */

static int resolve_node(struct topo_ctx *c, const struct topo_ref *r, const char *who)
{
	return topo_resolve_ref(c, r, &c->node_ix, c->t->n_nodes ? c->t->nodes[0].name : NULL,
				sizeof(c->t->nodes[0]), c->t->n_nodes, "node", who);
}

static void link_ends(struct topo_ctx *c, size_t i)
{
	struct topo_link_src *src = &c->links[i];
	struct topo_link *l = &c->t->links[i];
	char who[WHO_MAX];

	if (!src->ends_ok || !c->have_nodes)
		return;
	snprintf(who, sizeof(who), "link %zu: endpoints: ", src->nr);
	for (int e = 0; e < 2; e++) {
		l->node[e] = resolve_node(c, &src->end[e], who);
		if (l->node[e] >= 0)
			c->nodes[l->node[e]].has_link = true;
	}
	if (l->node[0] >= 0 && l->node[0] == l->node[1]) {
		topo_err(c, src->end[1].mark, "%snode \"%s\" is linked to itself", who,
			 src->end[1].name);
		l->node[1] = -1;
	}
}

static void link_overlap(struct topo_ctx *c, size_t i)
{
	const struct topo_link *l = &c->t->links[i], *o;
	const struct topo_network *n;
	char a[TOPO_IPSTR], b[TOPO_IPSTR];
	struct topo_mark m;
	size_t j;

	for (j = 0; j < c->t->n_networks; j++) {
		n = &c->t->networks[j];
		if (!c->nets[j].subnet_ok ||
		    !topo_overlap(l->subnet, l->prefix, n->subnet, n->prefix))
			continue;
		m = c->nets[j].subnet_mark;
		topo_err(c, c->links[i].subnet_mark,
			 "link %zu: subnet %s/%u overlaps network \"%s\" (%s/%u at %d:%d)",
			 c->links[i].nr, topo_ip_str(l->subnet, a), l->prefix, n->name,
			 topo_ip_str(n->subnet, b), n->prefix, m.line, m.col);
		return;
	}
	for (j = 0; j < i; j++) {
		o = &c->t->links[j];
		if (!c->links[j].subnet_ok ||
		    !topo_overlap(l->subnet, l->prefix, o->subnet, o->prefix))
			continue;
		m = c->links[j].subnet_mark;
		topo_err(c, c->links[i].subnet_mark,
			 "link %zu: subnet %s/%u overlaps link %zu (%s/%u at %d:%d)",
			 c->links[i].nr, topo_ip_str(l->subnet, a), l->prefix, c->links[j].nr,
			 topo_ip_str(o->subnet, b), o->prefix, m.line, m.col);
		return;
	}
}

/* An interface name inside a node, for the clash check. */
struct if_use {
	size_t node;
	const char *name;
	size_t link; /* index into links; SIZE_MAX: a leg */
	int end;
};

static int if_use_cmp(const void *pa, const void *pb)
{
	const struct if_use *a = pa, *b = pb;
	int d;

	if (a->node != b->node)
		return a->node < b->node ? -1 : 1;
	d = strcmp(a->name, b->name);
	if (d)
		return d;
	/* legs first (SIZE_MAX + 1 is 0), then the links in file order */
	return a->link + 1 < b->link + 1 ? -1 : a->link + 1 > b->link + 1;
}

static void report_clash(struct topo_ctx *c, const struct if_use *u, const struct if_use *first)
{
	const struct topo_link_src *src = &c->links[u->link];
	struct topo_mark m =
		src->ifnames_set ? src->ifnames_mark[u->end] : c->t->links[u->link].mark;
	char was[64];

	if (first->link == SIZE_MAX)
		snprintf(was, sizeof(was), "its interface %s", first->name);
	else
		snprintf(was, sizeof(was), "link %zu", c->links[first->link].nr);
	topo_err(c, m, "link %zu: ifnames: node \"%s\" has an interface \"%s\" already (%s)",
		 src->nr, c->t->nodes[u->node].name, u->name, was);
}

/* Default names eth<k> after the node's legs, then every name once per node. */
static void link_ifnames(struct topo_ctx *c)
{
	size_t *next = calloc(c->t->n_nodes + 1, sizeof(*next)), n = 0, i, cap;
	struct if_use *uses;
	char(*legs)[24];

	cap = 2 * c->t->n_links + 1;
	for (i = 0; i < c->t->n_nodes; i++)
		cap += topo_node_n_legs(&c->t->nodes[i]);
	uses = calloc(cap, sizeof(*uses));
	legs = calloc(cap, sizeof(*legs));
	if (!next || !uses || !legs) {
		c->err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < c->t->n_nodes; i++) {
		next[i] = topo_node_n_legs(&c->t->nodes[i]);
		for (size_t k = 0; k < next[i]; k++, n++) {
			snprintf(legs[n], sizeof(legs[n]), "eth%zu", k);
			uses[n] = (struct if_use){ i, legs[n], SIZE_MAX, 0 };
		}
	}
	for (i = 0; i < c->t->n_links; i++) {
		struct topo_link *l = &c->t->links[i];

		for (int e = 0; e < 2; e++) {
			if (l->node[e] < 0)
				continue;
			if (!c->links[i].ifnames_set)
				snprintf(l->ifname[e], sizeof(l->ifname[e]), "eth%zu",
					 next[l->node[e]]);
			next[l->node[e]]++;
			uses[n++] = (struct if_use){ (size_t)l->node[e], l->ifname[e], i, e };
		}
	}
	qsort(uses, n, sizeof(*uses), if_use_cmp);
	for (size_t f = 0, i = 1; i < n; i++) {
		if (uses[i].node != uses[f].node || strcmp(uses[i].name, uses[f].name))
			f = i;
		else
			report_clash(c, &uses[i], &uses[f]);
	}
out:
	free(legs);
	free(uses);
	free(next);
}

/* A node with no network, no interfaces and no link has no way to talk. */
static void check_unconnected(struct topo_ctx *c)
{
	for (size_t i = 0; i < c->t->n_nodes; i++) {
		const struct topo_node_src *src = &c->nodes[i];
		const struct topo_node *n = &c->t->nodes[i];

		if (src->network.name || src->ifs_given)
			continue;
		if (src->net_reported || !c->have_nodes)
			continue;
		if (src->ip_given)
			topo_err(
				c, n->mark,
				"node \"%s\": missing required key \"network\" (ip is an address in a network; a node with links only has no ip)",
				n->name);
		else if (!src->has_link)
			topo_err(
				c, n->mark,
				"node \"%s\": missing required key \"network\" (or \"interfaces\", or a link to another node)",
				n->name);
	}
}

void topo_check_links(struct topo_ctx *c)
{
	for (size_t i = 0; i < c->t->n_links; i++) {
		link_ends(c, i);
		if (c->links[i].subnet_ok)
			link_overlap(c, i);
	}
	link_ifnames(c);
	check_unconnected(c);
}

/* ---- routes ---- */

/* A subnet the node is on: a leg's network or a link's; its own address there. */
struct on_link {
	uint32_t subnet, self;
	uint8_t prefix;
};

static size_t node_subnets(const struct topo_ctx *c, size_t i, struct on_link *out, size_t max)
{
	const struct topo_node *n = &c->t->nodes[i];
	size_t cnt = 0;

	for (size_t k = 0; k < topo_node_n_legs(n) && cnt < max; k++) {
		struct topo_leg l = topo_node_leg(n, k);

		/* an IPv6-only network (prefix 0) puts no IPv4 address on the node */
		if (l.network >= 0 && c->t->networks[l.network].prefix)
			out[cnt++] = (struct on_link){ c->t->networks[l.network].subnet, l.ip,
						       c->t->networks[l.network].prefix };
	}
	for (size_t j = 0; j < c->t->n_links && cnt < max; j++) {
		const struct topo_link *lk = &c->t->links[j];

		for (int e = 0; e < 2; e++)
			if (lk->node[e] == (int)i && c->links[j].subnet_ok && cnt < max)
				out[cnt++] = (struct on_link){ lk->subnet, topo_link_ip(lk, e),
							       lk->prefix };
	}
	return cnt;
}

/* Why the route cannot be installed, or NULL. */
static const char *route_problem(const struct topo_route *r, const struct on_link *on, size_t n,
				 bool has_default)
{
	bool via_ok = false;

	if (!r->prefix && has_default)
		return "the node has a default route via its first network's gateway already";
	for (size_t k = 0; k < n; k++) {
		if (r->prefix == on[k].prefix && r->dst == on[k].subnet)
			return "is a subnet the node is on already (the kernel routes it)";
		if (r->via == on[k].self)
			return "via is the node's own address";
		if ((r->via & topo_mask(on[k].prefix)) == on[k].subnet && r->via != on[k].subnet &&
		    r->via != (on[k].subnet | ~topo_mask(on[k].prefix)))
			via_ok = true;
	}
	return via_ok ?
		       NULL :
		       "via is on none of the node's networks and links (a gateway must be on one)";
}

static void check_node_routes(struct topo_ctx *c, size_t i, struct on_link *on, size_t max)
{
	const struct topo_node *n = &c->t->nodes[i];
	size_t cnt = node_subnets(c, i, on, max);
	char a[TOPO_IPSTR], b[TOPO_IPSTR];
	const char *why;

	for (size_t k = 0; k < n->n_routes; k++) {
		const struct topo_route *r = &n->routes[k];

		if (r->v6)
			continue; /* topo_check_links6.c */
		for (size_t j = 0; j < k; j++) {
			if (n->routes[j].v6 || n->routes[j].dst != r->dst ||
			    n->routes[j].prefix != r->prefix)
				continue;
			topo_err(c, r->mark,
				 "node \"%s\": routes: %s/%u is routed already (at %d:%d)", n->name,
				 topo_ip_str(r->dst, a), r->prefix, n->routes[j].mark.line,
				 n->routes[j].mark.col);
			goto next;
		}
		why = route_problem(r, on, cnt, n->network >= 0);
		if (why)
			topo_err(c, r->mark, "node \"%s\": route to %s/%u via %s: %s", n->name,
				 topo_ip_str(r->dst, a), r->prefix, topo_ip_str(r->via, b), why);
next:;
	}
}

void topo_check_routes(struct topo_ctx *c)
{
	size_t max = 0, i;
	struct on_link *on;

	for (i = 0; i < c->t->n_nodes; i++)
		max += topo_node_n_legs(&c->t->nodes[i]);
	max += 2 * c->t->n_links + 1;
	on = calloc(max, sizeof(*on));
	if (!on) {
		c->err = -ENOMEM;
		return;
	}
	for (i = 0; i < c->t->n_nodes; i++)
		if (c->t->nodes[i].n_routes)
			check_node_routes(c, i, on, max);
	free(on);
}
