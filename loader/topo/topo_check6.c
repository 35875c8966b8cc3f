// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The IPv6 half of the cross-checks and defaults (subnet6, gateway6, ip6),
 * run after the IPv4 ones of the same objects (topo_check.c): the same
 * rules in the other family, minus broadcast (IPv6 has none) and plus the
 * subnet-router anycast address (RFC 4291 2.6.1: the subnet6 itself), which
 * no gateway or node may take.
 *
 * An IPv6-only network (subnet6 without subnet) has prefix 0 and its nodes
 * ip 0: what is IPv4 only (an ip, a gateway, routes, remote subnets,
 * forwards to its nodes) is refused there. A node's further interfaces
 * (legs) get an ip6 in a dual-stack network as its first does.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo/topo_internal.h"

/* Why a6 cannot be a gateway6 or node address of n, or NULL when it can. */
static const char *addr6_problem(const struct topo_network *n, const struct in6_addr *a6)
{
	if (!topo_in_prefix6(a6, &n->subnet6, n->prefix6))
		return "is outside";
	if (topo_ip6_eq(a6, &n->subnet6))
		return "is the subnet-router anycast address (host bits all zero) of";
	return NULL;
}

static void check_gateway6(struct topo_ctx *c, size_t i)
{
	struct topo_network *n = &c->t->networks[i];
	const struct topo_net_src *src = &c->nets[i];
	char gw[TOPO_IP6STR], net[TOPO_IP6STR];
	const char *problem;

	if (!src->gateway6_given) {
		n->gateway6 = n->subnet6;
		topo_ip6_inc(&n->gateway6); /* a /126 at most: no carry out of the subnet */
		return;
	}
	if (!src->gateway6_ok)
		return;
	problem = addr6_problem(n, &n->gateway6);
	if (problem)
		topo_err(c, src->gateway6_mark, "network \"%s\": gateway6 %s %s subnet6 %s/%u",
			 n->name, topo_ip6_str(&n->gateway6, gw), problem,
			 topo_ip6_str(&n->subnet6, net), n->prefix6);
}

static void check_overlap6(struct topo_ctx *c, size_t i)
{
	const struct topo_network *a = &c->t->networks[i], *b;
	char sa[TOPO_IP6STR], sb[TOPO_IP6STR];

	for (size_t j = 0; j < i; j++) {
		b = &c->t->networks[j];
		if (!c->nets[j].subnet6_ok ||
		    !topo_overlap6(&a->subnet6, a->prefix6, &b->subnet6, b->prefix6))
			continue;
		topo_err(c, a->subnet6_mark,
			 "network \"%s\": subnet6 %s/%u overlaps network \"%s\" (%s/%u at %d:%d)",
			 a->name, topo_ip6_str(&a->subnet6, sa), a->prefix6, b->name,
			 topo_ip6_str(&b->subnet6, sb), b->prefix6, b->subnet6_mark.line,
			 b->subnet6_mark.col);
		return; /* one is enough to fix the file */
	}
}

/* What an IPv6-only network cannot have: IPv4's gateway, routes and remote subnets. */
static void check_v6_only(struct topo_ctx *c, size_t i)
{
	struct topo_network *n = &c->t->networks[i];

	if (c->nets[i].gateway_given)
		topo_err(
			c, c->nets[i].gateway_mark,
			"network \"%s\": gateway without subnet: an IPv6-only network's gateway is gateway6",
			n->name);
	if (n->n_routes)
		topo_err(
			c, n->routes[0].mark,
			"network \"%s\": routes on an IPv6-only network: routed prefixes are IPv4 (give the network a subnet)",
			n->name);
	if (n->n_remotes)
		topo_err(
			c, n->remotes[0].mark,
			"network \"%s\": remote on an IPv6-only network: remote subnets are IPv4 (give the network a subnet)",
			n->name);
}

void topo_check_networks6(struct topo_ctx *c)
{
	struct topo_network *n;
	struct topo_net_src *src;

	for (size_t i = 0; i < c->t->n_networks; i++) {
		n = &c->t->networks[i];
		src = &c->nets[i];
		if (src->gateway6_given && !src->subnet6_given) {
			topo_err(
				c, src->gateway6_mark,
				"network \"%s\": gateway6 without subnet6: give the network a subnet6 (or leave gateway6 out)",
				n->name);
			src->gateway6_ok = false;
		}
		if (src->subnet6_given && !n->subnet_mark.line)
			check_v6_only(c, i);
		if (!src->subnet6_ok) {
			n->prefix6 = 0; /* no IPv6 for anything after */
			continue;
		}
		check_gateway6(c, i);
		check_overlap6(c, i);
	}
}

/* ---- nodes ---- */

/*
 * Every leg of every node, in file order (node by node, eth0 first), as
 * topo_check.c walks them for IPv4: a further leg's ip6 is checked and
 * defaulted like a first one's.
 */
struct leg6_ref {
	size_t node;
	size_t k; /* 0: the first leg (topo_node.network/ip6) */
	int network;
	struct in6_addr *ip6;
	bool ip_given, ip6_given;
	bool *ip6_ok;
	struct topo_mark ip_mark, ip6_mark, mark;
};

static struct leg6_ref leg6_ref(struct topo_ctx *c, size_t i, size_t k)
{
	struct topo_node *node = &c->t->nodes[i];
	struct topo_node_src *src = &c->nodes[i];

	if (!k)
		return (struct leg6_ref){ i,
					  0,
					  node->network,
					  &node->ip6,
					  src->ip_given,
					  src->ip6_given,
					  &src->ip6_ok,
					  src->ip_mark,
					  src->ip6_mark,
					  node->mark };
	return (struct leg6_ref){ i,
				  k,
				  node->legs[k - 1].network,
				  &node->legs[k - 1].ip6,
				  src->legs[k - 1].ip_given,
				  src->legs[k - 1].ip6_given,
				  &src->legs[k - 1].ip6_ok,
				  src->legs[k - 1].ip_mark,
				  src->legs[k - 1].ip6_mark,
				  node->legs[k - 1].mark };
}

/* The legs of every node: ip6 checks walk the first ones too when there is no network. */
static size_t n_legs6(const struct topo_ctx *c, size_t i)
{
	const struct topo_node *node = &c->t->nodes[i];

	return 1 + (node->network >= 0 ? node->n_legs : 0);
}

/* "node \"x\"" or "node \"x\": interface 2" for leg k. */
static const char *leg_who(const struct topo_ctx *c, const struct leg6_ref *r, char *buf,
			   size_t len)
{
	if (r->k)
		snprintf(buf, len, "node \"%s\": interface %zu", c->t->nodes[r->node].name,
			 r->k + 1);
	else
		snprintf(buf, len, "node \"%s\"", c->t->nodes[r->node].name);
	return buf;
}

struct ip6_use {
	struct in6_addr ip;
	size_t node; /* file order */
	size_t k;
	struct topo_mark mark;
};

static int ip6_use_cmp(const void *pa, const void *pb)
{
	const struct ip6_use *a = pa, *b = pb;
	int d = topo_ip6_cmp(&a->ip, &b->ip);

	if (d)
		return d;
	if (a->node != b->node)
		return a->node < b->node ? -1 : 1;
	return a->k < b->k ? -1 : a->k > b->k;
}

static bool ip6_taken(const struct ip6_use *uses, size_t n, const struct in6_addr *ip)
{
	size_t lo = 0, hi = n, mid;
	int d;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		d = topo_ip6_cmp(&uses[mid].ip, ip);
		if (!d)
			return true;
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* The leg has IPv6 to check: its network's subnet6 is usable. */
static const struct topo_network *net6_of(struct topo_ctx *c, const struct leg6_ref *r)
{
	if (r->network < 0 || !c->nets[r->network].subnet6_ok)
		return NULL;
	return &c->t->networks[r->network];
}

/* ip6 that has nothing to go with; ip where only ip6 can be. */
static void check_leg6_where(struct topo_ctx *c, const struct leg6_ref *r)
{
	const struct topo_node_src *src = &c->nodes[r->node];
	const struct topo_network *net;
	char who[TOPO_NAME_MAX + 32];

	leg_who(c, r, who, sizeof(who));
	if (r->network >= 0 && r->ip_given && !c->t->networks[r->network].subnet_mark.line &&
	    c->nets[r->network].subnet6_given)
		topo_err(c, r->ip_mark,
			 "%s: ip given, but network \"%s\" is IPv6-only (no subnet): give ip6", who,
			 c->t->networks[r->network].name);
	if (!r->ip6_given || !*r->ip6_ok)
		return;
	if (r->network < 0) {
		if (src->network.name || c->t->nodes[r->node].n_legs || r->k)
			return; /* its network was reported */
		topo_err(c, r->ip6_mark, "%s: ip6 without a network", who);
		*r->ip6_ok = false;
		return;
	}
	net = &c->t->networks[r->network];
	if (!c->nets[r->network].subnet6_given) {
		topo_err(c, r->ip6_mark,
			 "%s: ip6 given, but network \"%s\" has no subnet6 (at %d:%d)", who,
			 net->name, net->mark.line, net->mark.col);
		*r->ip6_ok = false;
	}
}

static void check_leg_ip6(struct topo_ctx *c, const struct leg6_ref *r)
{
	const struct topo_network *net = net6_of(c, r);
	char ip[TOPO_IP6STR], sub[TOPO_IP6STR], who[TOPO_NAME_MAX + 32];
	const char *problem;

	if (!net || !*r->ip6_ok)
		return;
	problem = addr6_problem(net, r->ip6);
	if (!problem && (c->nets[r->network].gateway6_ok || !c->nets[r->network].gateway6_given) &&
	    topo_ip6_eq(r->ip6, &net->gateway6))
		problem = "is the gateway6 of";
	if (problem)
		topo_err(c, r->ip6_mark, "%s: ip6 %s %s network \"%s\" (%s/%u)",
			 leg_who(c, r, who, sizeof(who)), topo_ip6_str(r->ip6, ip), problem,
			 net->name, topo_ip6_str(&net->subnet6, sub), net->prefix6);
}

static void check_dup_ip6s(struct topo_ctx *c, const struct ip6_use *uses, size_t n)
{
	const struct ip6_use *first = NULL;
	char ip[TOPO_IP6STR], who[TOPO_NAME_MAX + 32];

	for (size_t k = 0; k < n; k++) {
		struct leg6_ref r = { .node = uses[k].node, .k = uses[k].k };

		if (!k || !topo_ip6_eq(&uses[k].ip, &uses[k - 1].ip)) {
			first = &uses[k];
			continue;
		}
		topo_err(c, uses[k].mark, "%s: ip6 %s is already used by node \"%s\" (at %d:%d)",
			 leg_who(c, &r, who, sizeof(who)), topo_ip6_str(&uses[k].ip, ip),
			 c->t->nodes[first->node].name, first->mark.line, first->mark.col);
	}
}

/* Where a network's default ip6s stand, and who did not get one. */
struct alloc6 {
	struct in6_addr next;
	bool started, full;
	size_t first_fail, n_fail;
};

static void alloc_one6(struct topo_ctx *c, struct alloc6 *a, const struct leg6_ref *r,
		       const struct ip6_use *uses, size_t n_uses)
{
	const struct topo_network *net = &c->t->networks[r->network];
	struct in6_addr last = topo_last6(&net->subnet6, net->prefix6);

	if (!a->started) {
		a->next = net->subnet6;
		a->full = !topo_ip6_inc(&a->next);
		a->started = true;
	}
	while (!a->full &&
	       (topo_ip6_eq(&a->next, &net->gateway6) || ip6_taken(uses, n_uses, &a->next)))
		a->full = topo_ip6_eq(&a->next, &last) || !topo_ip6_inc(&a->next);
	if (a->full) {
		if (!a->n_fail++)
			a->first_fail = r->node;
		return;
	}
	*r->ip6 = a->next;
	a->full = topo_ip6_eq(&a->next, &last) || !topo_ip6_inc(&a->next);
}

/* Defaults in file order, as for IPv4: the next free after the gateway6... from subnet6 + 1. */
static void alloc_ip6s(struct topo_ctx *c, const struct ip6_use *uses, size_t n_uses)
{
	char sub[TOPO_IP6STR], more[48];
	const struct topo_network *net;
	struct alloc6 *al;
	size_t i;

	al = calloc(c->t->n_networks + 1, sizeof(*al));
	if (!al) {
		c->err = -ENOMEM;
		return;
	}
	for (i = 0; i < c->t->n_nodes; i++)
		for (size_t k = 0; k < n_legs6(c, i); k++) {
			struct leg6_ref r = leg6_ref(c, i, k);

			if (net6_of(c, &r) && !r.ip6_given)
				alloc_one6(c, &al[r.network], &r, uses, n_uses);
		}
	for (i = 0; i < c->t->n_networks; i++) {
		if (!al[i].n_fail)
			continue;
		net = &c->t->networks[i];
		snprintf(more, sizeof(more), " (nor for %zu more node%s)", al[i].n_fail - 1,
			 al[i].n_fail == 2 ? "" : "s");
		topo_err(c, c->t->nodes[al[i].first_fail].mark,
			 "node \"%s\": network \"%s\" (%s/%u) has no free ip6 left for it%s",
			 c->t->nodes[al[i].first_fail].name, net->name,
			 topo_ip6_str(&net->subnet6, sub), net->prefix6,
			 al[i].n_fail > 1 ? more : "");
	}
	free(al);
}

void topo_check_nodes6(struct topo_ctx *c)
{
	struct ip6_use *uses;
	size_t i, cap = 1, n = 0;

	for (i = 0; i < c->t->n_nodes; i++)
		cap += n_legs6(c, i);
	uses = calloc(cap, sizeof(*uses));
	if (!uses) {
		c->err = -ENOMEM;
		return;
	}
	for (i = 0; i < c->t->n_nodes; i++)
		for (size_t k = 0; k < n_legs6(c, i); k++) {
			struct leg6_ref r = leg6_ref(c, i, k);

			check_leg6_where(c, &r);
			check_leg_ip6(c, &r);
			if (net6_of(c, &r) && r.ip6_given && *r.ip6_ok)
				uses[n++] = (struct ip6_use){ *r.ip6, i, k, r.ip6_mark };
			else if (!net6_of(c, &r))
				memset(r.ip6, 0, sizeof(*r.ip6));
		}
	if (n)
		qsort(uses, n, sizeof(*uses), ip6_use_cmp);
	check_dup_ip6s(c, uses, n);
	alloc_ip6s(c, uses, n);
	free(uses);
}

bool topo_uplink6_pick(const struct topo *t, const struct topo_host_addr6 *addrs, size_t n,
		       struct in6_addr *out)
{
	if (t->uplink6_mark.line) {
		for (size_t i = 0; i < n; i++)
			if (topo_ip6_eq(&addrs[i].ip, &t->uplink6)) {
				*out = t->uplink6;
				return true;
			}
		return false;
	}
	if (!n)
		return false;
	*out = addrs[0].ip;
	return true;
}
