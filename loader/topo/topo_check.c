// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Cross-checks and defaults, run over everything the walk could read: limits,
 * names derived from the lab, subnets and gateways, references, addresses,
 * then the forwards (topo_check_fwd.c). A check skips what the walk already
 * found broken, so that one mistake gives one message.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nsbpf_maps.h"
#include "topo/topo_internal.h"

#define HINT_MAX (TOPO_NAME_MAX + 32)
#define WHO_MAX	 (TOPO_NAME_MAX + 32)
/* "<lab>-<node>" with a one-letter node must still fit an interface name */
#define LAB_NAME_MAX (TOPO_IFNAMSIZ - 1 - 2)

_Static_assert(NSB_MAX_NETWORKS <= 64, "topo_network.reach is a 64-bit mask");

static uint32_t bcast_of(const struct topo_network *n)
{
	return n->subnet | ~topo_mask(n->prefix);
}

/* Why ip cannot be a host address in n, or NULL when it can. */
static const char *addr_problem(const struct topo_network *n, uint32_t ip)
{
	if ((ip & topo_mask(n->prefix)) != n->subnet)
		return "is outside";
	if (ip == n->subnet)
		return "is the network address of";
	if (ip == bcast_of(n))
		return "is the broadcast address of";
	return NULL;
}

/* ---- limits and names ---- */

/* The upper limits are the walk's (topo_yaml.c): it stops at them. */
static void check_limits(struct topo_ctx *c)
{
	struct topo *t = c->t;

	if (c->have_networks && !t->n_networks)
		topo_err(c, c->networks_mark, "no networks defined");
	if (c->have_nodes && !t->n_nodes)
		topo_err(c, c->nodes_mark, "no nodes defined");
}

/* Host ends of further legs: "<lab>-<node>.<k>" for eth<k>. */
static void check_leg_names(struct topo_ctx *c, size_t i)
{
	struct topo_node *n = &c->t->nodes[i];
	char full[2 * TOPO_NAME_MAX + 16];
	size_t k;

	for (k = 0; k < n->n_legs; k++) {
		snprintf(full, sizeof(full), "%s.%zu", n->hostif, k + 1);
		if (strlen(full) < TOPO_IFNAMSIZ) {
			memcpy(n->legs[k].hostif, full, strlen(full) + 1);
			continue;
		}
		topo_err(
			c, n->legs[k].mark,
			"node \"%s\": interface %zu: the host end's name \"%s\" is %zu characters, the limit is %d (shorten the lab or node name)",
			n->name, k + 2, full, strlen(full), TOPO_IFNAMSIZ - 1);
		return;
	}
}

static void check_derived_names(struct topo_ctx *c)
{
	char full[2 * TOPO_NAME_MAX + 2];
	struct topo *t = c->t;
	struct topo_node *n;
	size_t i;

	if (!c->name_ok)
		return;
	if (strlen(t->name) > LAB_NAME_MAX) {
		/* one message here rather than one per node */
		topo_err(
			c, c->name_mark,
			"lab name \"%s\" is too long for the names derived from it (%zu characters, the limit is %d: \"<lab>-<node>\" must fit in %d)",
			t->name, strlen(t->name), LAB_NAME_MAX, TOPO_IFNAMSIZ - 1);
		return;
	}
	for (i = 0; i < t->n_nodes; i++) {
		n = &t->nodes[i];
		if (!c->nodes[i].name_ok)
			continue;
		if (!topo_hostif_name(t->name, n->name, n->hostif, sizeof(n->hostif)) &&
		    !topo_netns_name(t->name, n->name, n->netns, sizeof(n->netns))) {
			check_leg_names(c, i);
			continue;
		}
		snprintf(full, sizeof(full), "%s-%s", t->name, n->name);
		topo_err(
			c, n->mark,
			"node \"%s\": the derived interface and netns name \"%s\" is %zu characters, the limit is %d",
			n->name, full, strlen(full), TOPO_IFNAMSIZ - 1);
	}
}

/* ---- networks ---- */

static void check_gateway(struct topo_ctx *c, size_t i)
{
	struct topo_network *n = &c->t->networks[i];
	char gw[TOPO_IPSTR], net[TOPO_IPSTR];
	const char *problem;

	if (!c->nets[i].gateway_given) {
		n->gateway = n->subnet + 1;
		n->gateway_mark = n->subnet_mark;
		return;
	}
	if (!c->nets[i].gateway_ok)
		return;
	problem = addr_problem(n, n->gateway);
	if (problem)
		topo_err(c, c->nets[i].gateway_mark, "network \"%s\": gateway %s %s subnet %s/%u",
			 n->name, topo_ip_str(n->gateway, gw), problem, topo_ip_str(n->subnet, net),
			 n->prefix);
}

static bool subnets_overlap(const struct topo_network *a, const struct topo_network *b)
{
	uint32_t m = topo_mask(a->prefix < b->prefix ? a->prefix : b->prefix);

	return (a->subnet & m) == (b->subnet & m);
}

static void check_overlap(struct topo_ctx *c, size_t i)
{
	const struct topo_network *a = &c->t->networks[i], *b;
	char sa[TOPO_IPSTR], sb[TOPO_IPSTR];
	size_t j;

	for (j = 0; j < i; j++) {
		b = &c->t->networks[j];
		if (!c->nets[j].subnet_ok || !subnets_overlap(a, b))
			continue;
		topo_err(c, c->nets[i].subnet_mark,
			 "network \"%s\": subnet %s/%u overlaps network \"%s\" (%s/%u at %d:%d)",
			 a->name, topo_ip_str(a->subnet, sa), a->prefix, b->name,
			 topo_ip_str(b->subnet, sb), b->prefix, c->nets[j].subnet_mark.line,
			 c->nets[j].subnet_mark.col);
		return; /* one is enough to fix the file */
	}
}

int topo_resolve_ref(struct topo_ctx *c, const struct topo_ref *r, const struct strmap *ix,
		     const char *names, size_t stride, size_t n, const char *what, const char *who)
{
	char hint[HINT_MAX];
	struct hint h;
	size_t i;

	if (strmap_get(ix, r->name, &i))
		return (int)i;
	hint_init(&h, r->name);
	for (i = 0; c->n_msgs < TOPO_HINTS_MAX && i < n; i++)
		hint_try(&h, names + i * stride);
	topo_err(c, r->mark, "%s%s \"%s\" is not defined%s", who, what, r->name,
		 hint_str(&h, hint, sizeof(hint)));
	return -1;
}

static int resolve_network(struct topo_ctx *c, const struct topo_ref *r, const char *who)
{
	return topo_resolve_ref(c, r, &c->net_ix, c->t->n_networks ? c->t->networks[0].name : NULL,
				sizeof(c->t->networks[0]), c->t->n_networks, "network", who);
}

static void add_reach(struct topo *t, size_t a, size_t b)
{
	if (a >= NSB_MAX_NETWORKS || b >= NSB_MAX_NETWORKS)
		return; /* reported by check_limits */
	t->networks[a].reach |= 1ULL << b;
	t->networks[b].reach |= 1ULL << a;
}

/* Reach is symmetric: a reply has to come back the way the request went. */
static void check_reach(struct topo_ctx *c, size_t i)
{
	const struct topo_net_src *src = &c->nets[i];
	char who[WHO_MAX];
	size_t j;
	int idx;

	add_reach(c->t, i, i);
	snprintf(who, sizeof(who), "network \"%s\": reach: ", c->t->networks[i].name);
	for (j = 0; j < src->n_reach; j++) {
		if (!src->reach[j].name)
			continue;
		idx = resolve_network(c, &src->reach[j], who);
		if (idx >= 0)
			add_reach(c->t, i, (size_t)idx);
	}
}

static void check_networks(struct topo_ctx *c)
{
	size_t i;

	for (i = 0; i < c->t->n_networks; i++) {
		if (c->nets[i].subnet_ok) {
			check_gateway(c, i);
			check_overlap(c, i);
		}
		check_reach(c, i);
	}
}

/* ---- nodes ---- */

/*
 * Every leg of every node, in file order (node by node, eth0 first): the
 * address checks and defaults treat a further leg like a first one.
 */
struct leg_ref {
	size_t node;
	size_t k; /* 0: the first leg (topo_node.network/ip) */
	int *network;
	uint32_t *ip;
	const struct topo_ref *net_ref;
	bool ip_given, ip_ok;
	struct topo_mark ip_mark;
};

struct ip_use {
	uint32_t ip;
	size_t ref; /* index into the leg_refs: file order */
};

static int ip_use_cmp(const void *pa, const void *pb)
{
	const struct ip_use *a = pa, *b = pb;

	if (a->ip != b->ip)
		return a->ip < b->ip ? -1 : 1;
	return a->ref < b->ref ? -1 : a->ref > b->ref;
}

/* The legs that have a network written (resolved or not). */
static struct leg_ref *leg_refs(struct topo_ctx *c, size_t *n)
{
	size_t cap = c->t->n_nodes + 1, i, k;
	struct leg_ref *r;

	for (i = 0; i < c->t->n_nodes; i++)
		cap += c->t->nodes[i].n_legs;
	r = calloc(cap, sizeof(*r));
	*n = 0;
	if (!r) {
		c->err = -ENOMEM;
		return NULL;
	}
	for (i = 0; i < c->t->n_nodes; i++) {
		struct topo_node *node = &c->t->nodes[i];
		struct topo_node_src *src = &c->nodes[i];

		if (!src->network.name)
			continue; /* no legs (a broken first item makes none either) */
		r[(*n)++] = (struct leg_ref){ i,
					      0,
					      &node->network,
					      &node->ip,
					      &src->network,
					      src->ip_given,
					      src->ip_ok,
					      src->ip_mark };
		for (k = 0; k < node->n_legs; k++) {
			if (!src->legs[k].network.name)
				continue; /* its item was reported */
			r[(*n)++] = (struct leg_ref){ i,
						      k + 1,
						      &node->legs[k].network,
						      &node->legs[k].ip,
						      &src->legs[k].network,
						      src->legs[k].ip_given,
						      src->legs[k].ip_ok,
						      src->legs[k].ip_mark };
		}
	}
	return r;
}

const char *topo_addr_problem(const struct topo_network *n, uint32_t ip)
{
	return addr_problem(n, ip);
}

static void check_node_ip(struct topo_ctx *c, const struct leg_ref *r)
{
	const struct topo_node *node = &c->t->nodes[r->node];
	const struct topo_network *net;
	char ip[TOPO_IPSTR], sub[TOPO_IPSTR];
	const struct topo_net_src *ns;
	const char *problem;

	if (!r->ip_ok || *r->network < 0)
		return;
	net = &c->t->networks[*r->network];
	ns = &c->nets[*r->network];
	if (!ns->subnet_ok)
		return;
	problem = addr_problem(net, *r->ip);
	if (!problem && (ns->gateway_ok || !ns->gateway_given) && *r->ip == net->gateway)
		problem = "is the gateway of";
	if (problem)
		topo_err(c, r->ip_mark, "node \"%s\": address %s %s network \"%s\" (%s/%u)",
			 node->name, topo_ip_str(*r->ip, ip), problem, net->name,
			 topo_ip_str(net->subnet, sub), net->prefix);
}

static void check_dup_ips(struct topo_ctx *c, const struct leg_ref *refs, const struct ip_use *uses,
			  size_t n)
{
	const struct leg_ref *first = NULL, *r;
	char ip[TOPO_IPSTR];
	size_t k;

	for (k = 0; k < n; k++) {
		r = &refs[uses[k].ref];
		if (!k || uses[k].ip != uses[k - 1].ip) {
			first = r; /* sorted by ref too: the earliest in the file */
			continue;
		}
		topo_err(c, r->ip_mark,
			 "node \"%s\": address %s is already used by node \"%s\" (at %d:%d)",
			 c->t->nodes[r->node].name, topo_ip_str(uses[k].ip, ip),
			 c->t->nodes[first->node].name, first->ip_mark.line, first->ip_mark.col);
	}
}

static bool ip_taken(const struct ip_use *uses, size_t n, uint32_t ip)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (uses[mid].ip == ip)
			return true;
		if (uses[mid].ip < ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* Where a network's default addresses stand, and who did not get one. */
struct alloc {
	uint32_t next;
	size_t first_fail;
	size_t n_fail;
};

static void alloc_one(struct topo_ctx *c, struct alloc *a, const struct leg_ref *r,
		      const struct ip_use *uses, size_t n_uses)
{
	const struct topo_network *net = &c->t->networks[*r->network];
	uint32_t last = bcast_of(net) - 1;

	if (!a->next)
		a->next = net->subnet + 1;
	while (a->next <= last && (a->next == net->gateway || ip_taken(uses, n_uses, a->next)))
		a->next++;
	if (a->next > last) {
		if (!a->n_fail++)
			a->first_fail = r->node;
		return;
	}
	*r->ip = a->next++;
}

static void report_full(struct topo_ctx *c, const struct alloc *allocs)
{
	const struct topo_network *net;
	const struct topo_node *node;
	char sub[TOPO_IPSTR], more[48];
	size_t i;

	for (i = 0; i < c->t->n_networks; i++) {
		if (!allocs[i].n_fail)
			continue;
		net = &c->t->networks[i];
		node = &c->t->nodes[allocs[i].first_fail];
		snprintf(more, sizeof(more), " (nor for %zu more node%s)", allocs[i].n_fail - 1,
			 allocs[i].n_fail == 2 ? "" : "s");
		topo_err(c, node->mark,
			 "node \"%s\": network \"%s\" (%s/%u) has no free address left for it%s",
			 node->name, net->name, topo_ip_str(net->subnet, sub), net->prefix,
			 allocs[i].n_fail > 1 ? more : "");
	}
}

/* Default addresses in file order, around every address written out. */
static void alloc_addresses(struct topo_ctx *c, const struct leg_ref *refs, size_t n_refs,
			    const struct ip_use *uses, size_t n_uses)
{
	struct alloc *allocs;
	size_t i;
	int net;

	allocs = calloc(c->t->n_networks + 1, sizeof(*allocs));
	if (!allocs) {
		c->err = -ENOMEM;
		return;
	}
	for (i = 0; i < n_refs; i++) {
		net = *refs[i].network;
		if (!refs[i].ip_given && net >= 0 && c->nets[net].subnet_ok)
			alloc_one(c, &allocs[net], &refs[i], uses, n_uses);
	}
	report_full(c, allocs);
	free(allocs);
}

/* Resolve the leg's network; a node has one leg per network at most. */
static void resolve_leg(struct topo_ctx *c, const struct leg_ref *refs, size_t i)
{
	const struct leg_ref *r = &refs[i];
	const struct topo_node *node = &c->t->nodes[r->node];
	char who[WHO_MAX];

	if (!c->have_networks)
		return;
	if (r->k)
		snprintf(who, sizeof(who), "node \"%s\": interface %zu: ", node->name, r->k + 1);
	else
		snprintf(who, sizeof(who), "node \"%s\": ", node->name);
	*r->network = resolve_network(c, r->net_ref, who);
	for (size_t j = i - r->k; *r->network >= 0 && j < i; j++)
		if (*refs[j].network == *r->network)
			topo_err(
				c, r->net_ref->mark,
				"%snetwork \"%s\" is already the network of interface %zu: a node has one leg per network",
				who, r->net_ref->name, refs[j].k + 1);
}

static void check_nodes(struct topo_ctx *c)
{
	struct ip_use *uses;
	struct leg_ref *refs;
	size_t i, n = 0, n_refs;

	refs = leg_refs(c, &n_refs);
	uses = calloc(n_refs + 1, sizeof(*uses));
	if (!refs || !uses) {
		c->err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n_refs; i++) {
		resolve_leg(c, refs, i);
		check_node_ip(c, &refs[i]);
		if (refs[i].ip_ok)
			uses[n++] = (struct ip_use){ *refs[i].ip, i };
	}
	if (n)
		qsort(uses, n, sizeof(*uses), ip_use_cmp);
	check_dup_ips(c, refs, uses, n);
	alloc_addresses(c, refs, n_refs, uses, n);
out:
	free(uses);
	free(refs);
}

/*
 * What the file leaves out of nat:, filled in once here: the loader and the
 * checks after this read final values. The timeouts stay 0 ("the
 * datapath's"): the config map carries them so, and nsb_ct_timeout()
 * (nsbpf_ct.h) is the one rule that picks the default.
 */
static void resolve_defaults(struct topo_ctx *c)
{
	struct topo_nat *n = &c->t->nat;

	n->ports_mark = c->nat_ports_mark;
	if (!n->port_min) {
		n->port_min = NSB_SNAT_PORT_MIN;
		n->port_max = NSB_SNAT_PORT_MAX;
	}
	if (!n->conntrack)
		n->conntrack = NSB_CT_DEFAULT_SIZE;
}

/* Names to indices; the first of two equal names wins, as it did pair by pair. */
static void index_names(struct topo_ctx *c, struct strmap *ix, const char *names, size_t stride,
			size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int err = strmap_add(ix, names + i * stride, i, NULL);

		if (err && err != -EEXIST)
			c->err = err;
	}
}

void topo_check(struct topo_ctx *c)
{
	struct topo *t = c->t;

	for (size_t i = 0; i < t->n_networks; i++)
		t->networks[i].id = (uint32_t)i;
	index_names(c, &c->net_ix, t->n_networks ? t->networks[0].name : NULL,
		    sizeof(t->networks[0]), t->n_networks);
	index_names(c, &c->node_ix, t->n_nodes ? t->nodes[0].name : NULL, sizeof(t->nodes[0]),
		    t->n_nodes);
	resolve_defaults(c); /* first: the forwards' checks need the SNAT range */
	check_limits(c);
	topo_check_ifs(c); /* interfaces into legs: the names and addresses need them */
	check_derived_names(c);
	check_networks(c); /* before nodes: sets the default gateways */
	topo_check_networks6(c);
	check_nodes(c);
	topo_check_nodes6(c); /* after: needs the legs' networks resolved */
	topo_check_links(c);  /* after the addresses: link subnets against them */
	topo_check_routes(c);
	topo_check_links6(c); /* the IPv6 halves of the two above */
	topo_check_routes6(c);
	topo_check_net_routes(c); /* after nodes: a route names its router */
	topo_check_net_remotes(c);
	topo_check_forwards(c);
}
