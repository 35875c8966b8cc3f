// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* A running lab's topology against its file (topo_diff.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo/topo_diff.h"
#include "topo/topo_diff_internal.h"
#include "topo/topo_internal.h"
#include "util/addr.h"

static const char *const kind_names[] = {
	[TOPO_DIFF_NETWORK] = "network", [TOPO_DIFF_NODE] = "node",
	[TOPO_DIFF_LEG] = "leg",	 [TOPO_DIFF_LINK] = "link",
	[TOPO_DIFF_ROUTE] = "route",	 [TOPO_DIFF_FORWARD] = "forward",
};

const char *topo_diff_kind_name(enum topo_diff_kind k)
{
	return kind_names[k];
}

static const char *net_name(const struct topo *t, int network)
{
	return network < 0 ? "-" : t->networks[network].name;
}

/* ", "-separated details: "ip A -> B, exec". */
static void detail_add(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void detail_add(char *buf, size_t len, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;

	if (n && n + 2 < len) {
		memcpy(buf + n, ", ", 3);
		n += 2;
	}
	va_start(ap, fmt);
	vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
}

int topo_diff_line_add(struct topo_diff *d, char op, enum topo_diff_kind kind, const char *name,
		       const char *detail)
{
	struct topo_diff_line *l = reallocarray(d->lines, d->n + 1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	d->lines = l;
	l = &d->lines[d->n++];
	memset(l, 0, sizeof(*l));
	l->op = op;
	l->kind = kind;
	snprintf(l->name, sizeof(l->name), "%s", name);
	snprintf(l->detail, sizeof(l->detail), "%s", detail ? detail : "");
	return 0;
}

static bool netem_same(const struct topo_netem *a, const struct topo_netem *b)
{
	return a->set == b->set && a->delay_us == b->delay_us && a->jitter_us == b->jitter_us &&
	       a->loss_ppm == b->loss_ppm && a->rate_bps == b->rate_bps;
}

static bool remotes_same(const struct topo_network *a, const struct topo_network *b)
{
	if (a->n_remotes != b->n_remotes)
		return false;
	for (size_t k = 0; k < a->n_remotes; k++)
		if (a->remotes[k].prefix != b->remotes[k].prefix ||
		    a->remotes[k].len != b->remotes[k].len ||
		    a->remotes[k].via != b->remotes[k].via)
			return false;
	return true;
}

/* IPv6: subnet6 added, removed or changed, gateway6 changed (readdresses too). */
static void net_detail6(const struct topo_network *a, const struct topo_network *b, char *buf,
			size_t len)
{
	char x[TOPO_IP6STR + 4], y[TOPO_IP6STR + 4], p[TOPO_IP6STR], q[TOPO_IP6STR];

	if (a->prefix6 != b->prefix6 || !topo_ip6_eq(&a->subnet6, &b->subnet6)) {
		snprintf(x, sizeof(x), "%s/%u", topo_ip6_str(&a->subnet6, p), a->prefix6);
		snprintf(y, sizeof(y), "%s/%u", topo_ip6_str(&b->subnet6, q), b->prefix6);
		detail_add(buf, len, "subnet6 %s -> %s", a->prefix6 ? x : "none",
			   b->prefix6 ? y : "none");
	} else if (a->prefix6 && !topo_ip6_eq(&a->gateway6, &b->gateway6)) {
		detail_add(buf, len, "gateway6 %s -> %s", topo_ip6_str(&a->gateway6, p),
			   topo_ip6_str(&b->gateway6, q));
	}
}

/* What differs in the network itself; "" when nothing. Only address changes recreate. */
static void net_detail(const struct topo_network *a, const struct topo_network *b, char *buf,
		       size_t len, bool *readdress)
{
	char x[IPV4_STRLEN], y[IPV4_STRLEN];

	buf[0] = '\0';
	if (a->subnet != b->subnet || a->prefix != b->prefix)
		detail_add(buf, len, "subnet %s/%u -> %s/%u", ipv4_str(a->subnet, x), a->prefix,
			   ipv4_str(b->subnet, y), b->prefix);
	if (a->gateway != b->gateway)
		detail_add(buf, len, "gateway %s -> %s", ipv4_str(a->gateway, x),
			   ipv4_str(b->gateway, y));
	net_detail6(a, b, buf, len);
	*readdress = buf[0] != '\0';
	if (a->masquerade != b->masquerade)
		detail_add(buf, len, "masquerade %s -> %s", a->masquerade ? "true" : "false",
			   b->masquerade ? "true" : "false");
	if (a->reach != b->reach)
		detail_add(buf, len, "reach");
	if (!remotes_same(a, b))
		detail_add(buf, len, "remote");
}

/* Does network `name` of a lose or change its addresses in b? */
static bool net_readdressed(const struct topo *a, const struct topo *b, int na)
{
	int nb = na < 0 ? -1 : topo_network_index(b, a->networks[na].name);
	char buf[256];
	bool re;

	if (na < 0)
		return false;
	if (nb < 0)
		return true;
	net_detail(&a->networks[na], &b->networks[nb], buf, sizeof(buf), &re);
	return re;
}

static bool routes_same(const struct topo_node *x, const struct topo_node *y)
{
	if (x->n_routes != y->n_routes)
		return false;
	for (size_t k = 0; k < x->n_routes; k++)
		if (x->routes[k].dst != y->routes[k].dst ||
		    x->routes[k].prefix != y->routes[k].prefix ||
		    x->routes[k].via != y->routes[k].via || x->routes[k].v6 != y->routes[k].v6 ||
		    !topo_ip6_eq(&x->routes[k].dst6, &y->routes[k].dst6) ||
		    !topo_ip6_eq(&x->routes[k].via6, &y->routes[k].via6))
			return false;
	return true;
}

static bool exec_same(const struct topo_node *x, const struct topo_node *y)
{
	if (x->n_exec != y->n_exec)
		return false;
	for (size_t k = 0; k < x->n_exec; k++)
		if (strcmp(x->exec[k], y->exec[k]))
			return false;
	return true;
}

/* What differs in leg k of a node present in both (k < both counts). */
static void leg_detail(const struct topo *a, const struct topo_node *x, const struct topo *b,
		       const struct topo_node *y, size_t k, char *buf, size_t len)
{
	struct topo_leg la = topo_node_leg(x, k), lb = topo_node_leg(y, k);
	char p[IPV4_STRLEN], q[IPV4_STRLEN], p6[TOPO_IP6STR], q6[TOPO_IP6STR];

	buf[0] = '\0';
	if (strcmp(net_name(a, la.network), net_name(b, lb.network)))
		detail_add(buf, len, "network %s -> %s", net_name(a, la.network),
			   net_name(b, lb.network));
	if (la.ip != lb.ip)
		detail_add(buf, len, "ip %s -> %s", ipv4_str(la.ip, p), ipv4_str(lb.ip, q));
	/* the leg's ip6 (:: when its network has no subnet6) */
	if (!topo_ip6_eq(&la.ip6, &lb.ip6))
		detail_add(buf, len, "ip6 %s -> %s", topo_ip6_str(&la.ip6, p6),
			   topo_ip6_str(&lb.ip6, q6));
	else if (la.ip == lb.ip && net_readdressed(a, b, la.network))
		detail_add(buf, len, "network %s readdressed", net_name(a, la.network));
}

/* The node's own differences (its first leg's, its settings) into buf. */
static void node_detail(const struct topo *a, const struct topo_node *x, const struct topo *b,
			const struct topo_node *y, char *buf, size_t len)
{
	size_t na = topo_node_n_legs(x), nb = topo_node_n_legs(y);

	buf[0] = '\0';
	if ((x->network < 0) != (y->network < 0))
		detail_add(buf, len, "network %s -> %s", net_name(a, x->network),
			   net_name(b, y->network));
	else if (x->network >= 0)
		leg_detail(a, x, b, y, 0, buf, len);
	if (na != nb)
		detail_add(buf, len, "legs %zu -> %zu", na, nb);
	if (x->forwarding != y->forwarding)
		detail_add(buf, len, "forwarding %s -> %s", x->forwarding ? "true" : "false",
			   y->forwarding ? "true" : "false");
	if (!routes_same(x, y))
		detail_add(buf, len, "routes");
	if (!exec_same(x, y))
		detail_add(buf, len, "exec");
	if (!netem_same(&x->netem, &y->netem))
		detail_add(buf, len, "netem");
}

/* Lines of the further legs (eth1..) of a node in both; true when any differs. */
static int leg_lines(const struct topo *a, const struct topo_node *x, const struct topo *b,
		     const struct topo_node *y, struct topo_diff *d, bool *differ)
{
	size_t na = topo_node_n_legs(x), nb = topo_node_n_legs(y), first = x->network >= 0;
	char name[TOPO_DIFF_NAME], buf[256], ip[IPV4_STRLEN];
	int err = 0;

	for (size_t k = first ? 1 : 0; !err && k < (na > nb ? na : nb); k++) {
		bool in_a = k < na, in_b = k < nb;
		const struct topo *t = in_a ? a : b;
		struct topo_leg l = topo_node_leg(in_a ? x : y, k);

		snprintf(name, sizeof(name), "%s eth%zu", x->name, k);
		snprintf(buf, sizeof(buf), "%s %s", net_name(t, l.network), ipv4_str(l.ip, ip));
		if (in_a && in_b)
			leg_detail(a, x, b, y, k, buf, sizeof(buf));
		if (in_a && in_b && !buf[0])
			continue;
		*differ = true;
		err = topo_diff_line_add(d,
					 in_a && in_b ? '~' :
					 in_a	      ? '-' :
							'+',
					 TOPO_DIFF_LEG, name, buf);
	}
	return err;
}

static int net_lines(const struct topo *a, const struct topo *b, struct topo_diff *d)
{
	char buf[256];
	bool re;
	int err = 0;

	for (size_t i = 0; !err && i < a->n_networks; i++) {
		int j = topo_network_index(b, a->networks[i].name);

		if (j < 0) {
			err = topo_diff_line_add(d, '-', TOPO_DIFF_NETWORK, a->networks[i].name,
						 NULL);
			continue;
		}
		net_detail(&a->networks[i], &b->networks[j], buf, sizeof(buf), &re);
		if (buf[0])
			err = topo_diff_line_add(d, '~', TOPO_DIFF_NETWORK, a->networks[i].name,
						 buf);
	}
	for (size_t j = 0; !err && j < b->n_networks; j++)
		if (topo_network_index(a, b->networks[j].name) < 0)
			err = topo_diff_line_add(d, '+', TOPO_DIFF_NETWORK, b->networks[j].name,
						 NULL);
	return err;
}

/* Node lines and the node sets: a node that differs in anything is recreated. */
static int node_lines(const struct topo *a, const struct topo *b, struct topo_diff *d)
{
	char buf[256];
	bool differ;
	int err = 0;

	for (size_t i = 0; !err && i < a->n_nodes; i++) {
		const struct topo_node *x = &a->nodes[i];
		int j = topo_node_index(b, x->name);

		if (j < 0) {
			d->del_node[i] = true;
			err = topo_diff_line_add(d, '-', TOPO_DIFF_NODE, x->name, NULL);
			continue;
		}
		node_detail(a, x, b, &b->nodes[j], buf, sizeof(buf));
		differ = buf[0] != '\0';
		if (buf[0])
			err = topo_diff_line_add(d, '~', TOPO_DIFF_NODE, x->name, buf);
		/* a node that gains or loses its first network: the node line says it */
		if (!err && (x->network < 0) == (b->nodes[j].network < 0))
			err = leg_lines(a, x, b, &b->nodes[j], d, &differ);
		d->del_node[i] = d->new_node[j] = differ;
	}
	for (size_t j = 0; !err && j < b->n_nodes; j++)
		if (topo_node_index(a, b->nodes[j].name) < 0) {
			d->new_node[j] = true;
			err = topo_diff_line_add(d, '+', TOPO_DIFF_NODE, b->nodes[j].name, NULL);
		}
	return err;
}

void topo_diff_free(struct topo_diff *d)
{
	free(d->lines);
	free(d->del_node);
	free(d->new_node);
	free(d->del_link);
	free(d->new_link);
	free(d->del_route);
	free(d->new_route);
	free(d->del_fwd);
	free(d->new_fwd);
	memset(d, 0, sizeof(*d));
}

static bool *flags(size_t n)
{
	return calloc(n ? n : 1, sizeof(bool));
}

int topo_diff_alloc(const struct topo *a, const struct topo *b, struct topo_diff *d)
{
	memset(d, 0, sizeof(*d));
	d->del_node = flags(a->n_nodes);
	d->new_node = flags(b->n_nodes);
	d->del_link = flags(a->n_links);
	d->new_link = flags(b->n_links);
	d->del_route = flags(topo_route_count(a));
	d->new_route = flags(topo_route_count(b));
	d->del_fwd = flags(a->n_forwards);
	d->new_fwd = flags(b->n_forwards);
	if (d->del_node && d->new_node && d->del_link && d->new_link && d->del_route &&
	    d->new_route && d->del_fwd && d->new_fwd)
		return 0;
	topo_diff_free(d);
	return -ENOMEM;
}

int topo_diff(const struct topo *a, const struct topo *b, struct topo_diff *d)
{
	int err = topo_diff_alloc(a, b, d);

	if (!err)
		err = net_lines(a, b, d);
	if (!err)
		err = node_lines(a, b, d);
	if (!err)
		err = topo_diff_plan(a, b, d);
	if (!err)
		err = topo_diff_item_lines(a, b, d);
	if (err)
		topo_diff_free(d);
	return err;
}
