// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The topology API: load a file or a buffer, and the message list every
 * error goes through (did-you-mean: util/hint.c). The strict scalar
 * parsers and the names live in topo_parse.c, the YAML walk in topo_yaml.c
 * and the cross-checks in topo_check.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo/topo_internal.h"
#include "util/addr.h"
#include "util/input_file.h"

/* ---- messages and growth ---- */

void *topo_grow(void *p, size_t *cap, size_t want, size_t size)
{
	size_t ncap = *cap ? *cap : 8;
	char *np;

	if (want <= *cap)
		return p;
	while (ncap < want)
		ncap *= 2;
	np = reallocarray(p, ncap, size);
	if (!np)
		return NULL;
	memset(np + *cap * size, 0, (ncap - *cap) * size);
	*cap = ncap;
	return np;
}

void topo_err(struct topo_ctx *c, struct topo_mark m, const char *fmt, ...)
{
	struct topo_msg *msgs;
	char *body, *text;
	va_list ap;
	int n;

	if (c->n_msgs >= TOPO_MSGS_MAX) {
		c->n_dropped++;
		return;
	}
	va_start(ap, fmt);
	n = vasprintf(&body, fmt, ap);
	va_end(ap);
	if (n < 0)
		goto nomem;
	if (m.line > 0)
		n = asprintf(&text, "%s:%d:%d: %s", c->path, m.line, m.col, body);
	else
		n = asprintf(&text, "%s: %s", c->path, body);
	free(body);
	if (n < 0)
		goto nomem;
	msgs = topo_grow(c->msgs, &c->cap_msgs, c->n_msgs + 1, sizeof(*msgs));
	if (!msgs) {
		free(text);
		goto nomem;
	}
	c->msgs = msgs;
	msgs[c->n_msgs] = (struct topo_msg){ .mark = m, .seq = c->n_msgs, .text = text };
	c->n_msgs++;
	return;
nomem:
	c->err = -ENOMEM;
}

static int msg_cmp(const void *pa, const void *pb)
{
	const struct topo_msg *a = pa, *b = pb;

	if (a->mark.line != b->mark.line)
		return a->mark.line < b->mark.line ? -1 : 1;
	if (a->mark.col != b->mark.col)
		return a->mark.col < b->mark.col ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* After the sort: the count of the messages not kept comes last. */
static void count_dropped(struct topo_ctx *c)
{
	struct topo_msg *msgs;
	char *text;

	if (!c->n_dropped)
		return;
	msgs = topo_grow(c->msgs, &c->cap_msgs, c->n_msgs + 1, sizeof(*msgs));
	if (!msgs || asprintf(&text, "%s: %zu more %s not shown", c->path, c->n_dropped,
			      plural(c->n_dropped, "problem", "problems")) < 0) {
		c->err = -ENOMEM;
		return;
	}
	c->msgs = msgs;
	msgs[c->n_msgs++] = (struct topo_msg){ .text = text };
	c->n_dropped = 0;
}

/* Hand the messages over in file order, as a compiler would print them. */
void topo_flush_msgs(struct topo_ctx *c, struct topo_errors *errs)
{
	char **msgs = NULL;
	size_t i;

	if (c->n_msgs)
		qsort(c->msgs, c->n_msgs, sizeof(*c->msgs), msg_cmp);
	count_dropped(c);
	if (errs && c->n_msgs)
		msgs = reallocarray(errs->msgs, errs->n + c->n_msgs, sizeof(*msgs));
	for (i = 0; i < c->n_msgs; i++) {
		if (msgs) {
			msgs[errs->n++] = c->msgs[i].text;
			continue;
		}
		free(c->msgs[i].text);
	}
	if (msgs)
		errs->msgs = msgs;
	else if (errs && c->n_msgs)
		c->err = -ENOMEM;
	free(c->msgs);
	c->msgs = NULL;
	c->n_msgs = 0;
}

/* ---- the parallel arrays ---- */

/*
 * One more zeroed entry at the end of a struct topo array and of its
 * parallel source array in topo_ctx, which share one capacity: the new
 * entry's index, or -ENOMEM with *n unchanged.
 */
static int add_entry(void **arr, size_t arr_size, void **src, size_t src_size, size_t *n,
		     size_t *cap)
{
	size_t cap_arr = *cap, cap_src = *cap;
	void *p;

	p = topo_grow(*arr, &cap_arr, *n + 1, arr_size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	p = topo_grow(*src, &cap_src, *n + 1, src_size);
	if (!p)
		return -ENOMEM;
	*src = p;
	*cap = cap_src;
	return (int)(*n)++;
}

/* add_entry() on list (a struct topo array) and src (its array in c), typed. */
#define ADD_ENTRY(c, list, src, n, cap)                                                     \
	({                                                                                  \
		void *list_ = (c)->t->list, *src_ = (c)->src;                               \
		int i_ = add_entry(&list_, sizeof(*(c)->t->list), &src_, sizeof(*(c)->src), \
				   &(c)->t->n, &(c)->cap);                                  \
                                                                                            \
		(c)->t->list = list_;                                                       \
		(c)->src = src_;                                                            \
		i_;                                                                         \
	})

int topo_add_network(struct topo_ctx *c)
{
	return ADD_ENTRY(c, networks, nets, n_networks, cap_networks);
}

int topo_add_node(struct topo_ctx *c)
{
	int i = ADD_ENTRY(c, nodes, nodes, n_nodes, cap_nodes);

	if (i >= 0)
		c->t->nodes[i].network = -1;
	return i;
}

int topo_add_forward(struct topo_ctx *c)
{
	int i = ADD_ENTRY(c, forwards, fwds, n_forwards, cap_forwards);

	if (i >= 0)
		c->t->forwards[i].node = -1;
	return i;
}

int topo_add_link(struct topo_ctx *c)
{
	int i = ADD_ENTRY(c, links, links, n_links, cap_links);

	if (i >= 0)
		c->t->links[i].node[0] = c->t->links[i].node[1] = -1;
	return i;
}

static void free_node_src(struct topo_node_src *n)
{
	free(n->network.name);
	for (size_t j = 0; j < n->n_ifs; j++)
		free(n->ifs[j].network.name);
	free(n->ifs); /* legs points into it */
}

static void free_src(struct topo_ctx *c)
{
	size_t i, j;

	for (i = 0; c->nets && i < c->t->n_networks; i++) {
		for (j = 0; j < c->nets[i].n_reach; j++)
			free(c->nets[i].reach[j].name);
		free(c->nets[i].reach);
		for (j = 0; c->nets[i].routes && j < c->t->networks[i].n_routes; j++)
			free(c->nets[i].routes[j].via.name);
		free(c->nets[i].routes);
	}
	for (i = 0; c->nodes && i < c->t->n_nodes; i++)
		free_node_src(&c->nodes[i]);
	for (i = 0; c->fwds && i < c->t->n_forwards; i++)
		free(c->fwds[i].to.name);
	for (i = 0; c->links && i < c->t->n_links; i++)
		for (j = 0; j < 2; j++)
			free(c->links[i].end[j].name);
	free(c->links);
	free(c->nets);
	free(c->nodes);
	free(c->fwds);
	strmap_free(&c->net_ix);
	strmap_free(&c->node_ix);
}

/* ---- legs ---- */

size_t topo_node_n_legs(const struct topo_node *n)
{
	return n->network < 0 ? 0 : 1 + n->n_legs;
}

struct topo_leg topo_node_leg(const struct topo_node *n, size_t k)
{
	struct topo_leg l = { .network = n->network, .ip = n->ip, .ip6 = n->ip6, .mark = n->mark };

	if (k)
		return n->legs[k - 1];
	memcpy(l.hostif, n->hostif, sizeof(l.hostif));
	return l;
}

bool topo_leg_has_v6(const struct topo *t, const struct topo_node *n, size_t k)
{
	struct topo_leg l = topo_node_leg(n, k);

	return l.network >= 0 && topo_net_has_v6(&t->networks[l.network]) &&
	       !IN6_IS_ADDR_UNSPECIFIED(&l.ip6);
}

struct in6_addr topo_link_ip6(const struct topo_link *l, int e)
{
	struct in6_addr a = l->subnet6;

	/* a /126 at most: no carry out of the subnet */
	topo_ip6_inc(&a);
	if (e)
		topo_ip6_inc(&a);
	return a;
}

int topo_node_first_v6_leg(const struct topo *t, const struct topo_node *n)
{
	for (size_t k = 0; k < topo_node_n_legs(n); k++)
		if (topo_leg_has_v6(t, n, k))
			return (int)k;
	return -1;
}

bool topo_node_has_v6(const struct topo *t, const struct topo_node *n)
{
	size_t i = (size_t)(n - t->nodes);

	if (topo_node_first_v6_leg(t, n) >= 0)
		return true;
	for (size_t j = 0; j < t->n_links; j++)
		if (t->links[j].prefix6 &&
		    (t->links[j].node[0] == (int)i || t->links[j].node[1] == (int)i))
			return true;
	return false;
}

/* ---- load and free ---- */

void topo_free(struct topo *t)
{
	size_t i, j;

	if (!t)
		return;
	for (i = 0; i < t->n_nodes; i++) {
		for (j = 0; j < t->nodes[i].n_exec; j++)
			free(t->nodes[i].exec[j]);
		free(t->nodes[i].exec);
		free(t->nodes[i].legs);
		free(t->nodes[i].routes);
	}
	free(t->links);
	for (i = 0; i < t->n_networks; i++) {
		free(t->networks[i].routes);
		free(t->networks[i].remotes);
	}
	free(t->networks);
	free(t->nodes);
	free(t->forwards);
	free(t->path);
	free(t->src);
	free(t);
}

void topo_errors_free(struct topo_errors *errs)
{
	size_t i;

	if (!errs)
		return;
	for (i = 0; i < errs->n; i++)
		free(errs->msgs[i]);
	free(errs->msgs);
	errs->msgs = NULL;
	errs->n = 0;
}

int topo_load_buf(const char *name, const char *buf, size_t len, struct topo **out,
		  struct topo_errors *errs)
{
	struct topo_ctx c = { .path = name ? name : "<buffer>" };
	int err;

	*out = NULL;
	if (!buf && len)
		return -EINVAL;
	if (!buf)
		buf = ""; /* libyaml asserts on a NULL input */
	c.t = calloc(1, sizeof(*c.t));
	if (!c.t)
		return -ENOMEM;
	c.t->path = strdup(c.path);
	if (!c.t->path) {
		free(c.t);
		return -ENOMEM;
	}
	/* Check even after walk errors: the user wants every problem at once. */
	err = topo_yaml_walk(&c, buf, len);
	if (!err)
		topo_check(&c);
	if (!err && c.n_msgs)
		err = -EINVAL;
	free_src(&c);
	topo_flush_msgs(&c, errs);
	if (c.err)
		err = c.err;
	if (!err) {
		c.t->src = malloc(len + 1);
		err = c.t->src ? 0 : -ENOMEM;
	}
	if (err) {
		topo_free(c.t);
		return err;
	}
	memcpy(c.t->src, buf, len);
	c.t->src[len] = '\0';
	c.t->src_len = len;
	*out = c.t;
	return 0;
}

/* The reader's message as it is: it names the file already. */
static int fail_unread(struct topo_errors *errs, const char *text, int err)
{
	char **msgs, *dup;

	if (!errs)
		return err;
	dup = strdup(text);
	msgs = dup ? reallocarray(errs->msgs, errs->n + 1, sizeof(*msgs)) : NULL;
	if (!msgs) {
		free(dup);
		return -ENOMEM;
	}
	errs->msgs = msgs;
	errs->msgs[errs->n++] = dup;
	return err;
}

int topo_load(const char *path, struct topo **out, struct topo_errors *errs)
{
	struct err_msg e = { "" };
	char *buf = NULL;
	size_t len = 0;
	int err;

	*out = NULL;
	err = input_file_read(path, TOPO_FILE_MAX, &buf, &len, &e);
	if (err)
		return fail_unread(errs, e.text, err);
	err = topo_load_buf(path, buf, len, out, errs);
	free(buf);
	return err;
}

/* Is ip inside a routed prefix of some network? */
static bool routed(const struct topo *t, uint32_t ip)
{
	for (size_t i = 0; i < t->n_networks; i++)
		for (size_t k = 0; k < t->networks[i].n_routes; k++) {
			const struct topo_net_route *r = &t->networks[i].routes[k];

			if ((ip & topo_mask(r->len)) == r->prefix)
				return true;
		}
	return false;
}

uint64_t topo_reach_ids(const struct topo *t, uint64_t reach)
{
	uint64_t ids = 0;

	for (size_t i = 0; i < t->n_networks && i < 64; i++)
		if (reach >> i & 1 && t->networks[i].id < 64)
			ids |= 1ULL << t->networks[i].id;
	return ids;
}

uint32_t topo_node_fwd_ip(const struct topo *t, const struct topo_node *n)
{
	int me = (int)(n - t->nodes);

	if (n->network >= 0)
		return n->ip;
	for (size_t l = 0; l < t->n_links; l++)
		for (int e = 0; e < 2; e++)
			if (t->links[l].node[e] == me && routed(t, topo_link_ip(&t->links[l], e)))
				return topo_link_ip(&t->links[l], e);
	return 0;
}
