// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The networks' routes (networks.N.routes): each names a router, a node of
 * that network with forwarding: true, and a prefix that is nobody else's:
 * no lab subnet, no other route of any network (the datapath's trie would
 * pick the longer one silently, and the host's routes likewise). Runs after
 * the nodes are resolved; the walk checked each prefix on its own.
 */
#include <stdbool.h>
#include <stdio.h>

#include "nsbpf_maps.h"
#include "topo/topo_internal.h"

#define WHO_MAX (2 * TOPO_NAME_MAX + 48)

static const char *route_who(const struct topo_ctx *c, size_t net, size_t i, char *buf, size_t len)
{
	snprintf(buf, len, "network \"%s\": route %zu: ", c->t->networks[net].name, i + 1);
	return buf;
}

/* The router: defined, of this network, forwarding. */
static void check_via(struct topo_ctx *c, size_t net, size_t i)
{
	const struct topo_net_route_src *src = &c->nets[net].routes[i];
	struct topo_net_route *r = &c->t->networks[net].routes[i];
	const struct topo_node *n;
	char who[WHO_MAX];
	int via;

	if (!src->via.name || !c->have_nodes)
		return;
	route_who(c, net, i, who, sizeof(who));
	via = topo_resolve_ref(c, &src->via, &c->node_ix,
			       c->t->n_nodes ? c->t->nodes[0].name : NULL, sizeof(c->t->nodes[0]),
			       c->t->n_nodes, "node", who);
	if (via < 0)
		return;
	n = &c->t->nodes[via];
	if (n->network >= 0 && (size_t)n->network != net) {
		topo_err(
			c, src->via.mark,
			"%svia %s: node \"%s\" is in network \"%s\", not in \"%s\": a route goes via a router of its own network",
			who, n->name, n->name, c->t->networks[n->network].name,
			c->t->networks[net].name);
		return;
	}
	if (!n->forwarding) {
		topo_err(
			c, src->via.mark,
			"%svia %s: node \"%s\" does not forward: give it forwarding: true (at %d:%d) to make it a router",
			who, n->name, n->name, n->mark.line, n->mark.col);
		return;
	}
	r->via = via;
}

/* Against the lab's subnets: a prefix there would shadow nodes. False when it overlaps one. */
static bool check_subnets(struct topo_ctx *c, size_t net, size_t i)
{
	const struct topo_net_route *r = &c->t->networks[net].routes[i];
	const struct topo_network *n;
	char who[WHO_MAX], a[TOPO_IPSTR], b[TOPO_IPSTR];

	for (size_t k = 0; k < c->t->n_networks; k++) {
		n = &c->t->networks[k];
		if (!c->nets[k].subnet_ok || !topo_overlap(r->prefix, r->len, n->subnet, n->prefix))
			continue;
		topo_err(c, r->to_mark, "%sto %s/%u overlaps network \"%s\" (%s/%u at %d:%d)",
			 route_who(c, net, i, who, sizeof(who)), topo_ip_str(r->prefix, a), r->len,
			 n->name, topo_ip_str(n->subnet, b), n->prefix, c->nets[k].subnet_mark.line,
			 c->nets[k].subnet_mark.col);
		return false; /* one is enough to fix the file */
	}
	return true;
}

/* Against the routes before it in the file, of any network. */
static void check_routes_before(struct topo_ctx *c, size_t net, size_t i)
{
	const struct topo_net_route *r = &c->t->networks[net].routes[i], *o;
	char who[WHO_MAX], a[TOPO_IPSTR], b[TOPO_IPSTR];

	for (size_t k = 0; k <= net; k++) {
		size_t n = k < net ? c->t->networks[k].n_routes : i; /* this network: before i */

		for (size_t j = 0; j < n; j++) {
			o = &c->t->networks[k].routes[j];
			if (!c->nets[k].routes[j].to_ok ||
			    !topo_overlap(r->prefix, r->len, o->prefix, o->len))
				continue;
			topo_err(c, r->to_mark,
				 "%sto %s/%u overlaps route %zu of network \"%s\" (%s/%u at %d:%d)",
				 route_who(c, net, i, who, sizeof(who)), topo_ip_str(r->prefix, a),
				 r->len, j + 1, c->t->networks[k].name, topo_ip_str(o->prefix, b),
				 o->len, o->to_mark.line, o->to_mark.col);
			return;
		}
	}
}

void topo_check_net_routes(struct topo_ctx *c)
{
	size_t seen = 0;

	for (size_t net = 0; net < c->t->n_networks; net++) {
		for (size_t i = 0; i < c->t->networks[net].n_routes; i++) {
			if (++seen == NSB_MAX_ROUTES + 1) {
				topo_err(
					c, c->t->networks[net].routes[i].mark,
					"network \"%s\": route %zu: the lab has more than %d routes, the most its datapath holds",
					c->t->networks[net].name, i + 1, NSB_MAX_ROUTES);
				return;
			}
			check_via(c, net, i);
			if (!c->nets[net].routes[i].to_ok)
				continue;
			/* one message per route: later routes no longer compare with it */
			if (!check_subnets(c, net, i))
				c->nets[net].routes[i].to_ok = false;
			else
				check_routes_before(c, net, i);
		}
	}
}

size_t topo_route_count(const struct topo *t)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n_networks; i++)
		n += t->networks[i].n_routes;
	return n;
}
