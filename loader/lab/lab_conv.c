// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `up FILE` on a running lab: converge it to the file. The diff against
 * the topology the lab runs (its state's "topo") says what goes and what
 * comes (topo/topo_diff.h); nodes that did not change keep their
 * namespaces, processes and flows. Removed objects go first, new ones are
 * made as up makes them (journaled first), then the maps are refilled and
 * the programs replaced in place, then the new nodes' exec commands run.
 * A failure anywhere converges back to the lab as it was. While it runs,
 * a "converge" file in the state marks the lab: a converge killed halfway
 * leaves `down` its journal and `up` a refusal.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "lab/fill.h"
#include "lab/fwd6.h"
#include "lab/fwd_flows.h"
#include "lab/lab_conv.h"
#include "lab/lab_up.h"
#include "sys/journal.h"
#include "sys/nl.h"
#include "sys/pins.h"
#include "sys/state.h"
#include "util/addr.h"
#include "util/log.h"

bool lab_converging(const char *lab)
{
	char path[512];

	state_path(lab, "converge", path, sizeof(path));
	return access(path, F_OK) == 0;
}

int lab_topo_recorded(const char *lab, struct topo **t, struct err_msg *e)
{
	struct topo_errors errs = { 0 };
	char path[512];
	int err;

	*t = NULL;
	state_path(lab, "topo", path, sizeof(path));
	if (access(path, F_OK))
		return 0;
	err = topo_load(path, t, &errs);
	if (err)
		err_set(e, err, "lab %s: its recorded topology %s: %s", lab, path,
			errs.n ? errs.msgs[0] : strerror(-err));
	topo_errors_free(&errs);
	return err;
}

int lab_plan_diff(const struct topo *t, struct up_result *r)
{
	struct topo *was;
	int err;

	if (!state_exists(t->name))
		return 0;
	err = lab_topo_recorded(t->name, &was, &r->err);
	if (!err && was) {
		err = topo_diff(was, t, &r->diff);
		r->has_diff = !err;
	}
	topo_free(was);
	return err;
}

/* The host's routes into routed prefixes of a that go (journal records forgotten). */
static int host_routes_remove(struct conv *c)
{
	char prefix[24], ip[IPV4_STRLEN];
	size_t n = 0;
	int err = 0;

	for (size_t i = 0; !err && i < c->a->n_networks; i++)
		for (size_t k = 0; !err && k < c->a->networks[i].n_routes; k++) {
			const struct topo_net_route *r = &c->a->networks[i].routes[k];

			if (!c->d->del_route[n++])
				continue;
			snprintf(prefix, sizeof(prefix), "%s/%u", ipv4_str(r->prefix, ip), r->len);
			err = nl_route_del(c->sk, r->prefix, r->len);
			if (!err)
				err = journal_route(c->j, prefix, true);
		}
	return err;
}

/* What goes: routes, links between kept nodes, nodes (their addresses into ips). */
static int conv_remove(struct conv *c, uint32_t **ips, size_t *n_ips)
{
	int err = host_routes_remove(c);

	/* every one, also of a removed node: a namespace is freed later, its devices with it */
	for (size_t i = 0; !err && i < c->a->n_links; i++)
		if (c->d->del_link[i])
			err = link_remove(c->a, &c->a->links[i]);
	if (!err)
		err = conv_nodes_remove(c->sk, c->j, c->a, c->d->del_node, ips, n_ips);
	if (err)
		err_set(c->e, err, "lab %s: removing what the file no longer has: %s", c->a->name,
			strerror(-err));
	return err;
}

/* Does a link that goes or comes touch node i of b (its routes may leave by it)? */
static bool links_touch(const struct conv *c, size_t i)
{
	const char *name = c->b->nodes[i].name;

	for (size_t l = 0; l < c->a->n_links; l++)
		for (int e = 0; e < 2; e++)
			if (c->d->del_link[l] &&
			    !strcmp(c->a->nodes[c->a->links[l].node[e]].name, name))
				return true;
	for (size_t l = 0; l < c->b->n_links; l++)
		if (c->d->new_link[l] &&
		    (c->b->links[l].node[0] == (int)i || c->b->links[l].node[1] == (int)i))
			return true;
	return false;
}

/* b's nodes: new ones made as up makes them, kept ones looked up. */
static int conv_nodes(struct conv *c)
{
	int err = 0;

	for (size_t i = 0; !err && i < c->b->n_nodes; i++) {
		if (!c->rollback && lab_up_interrupted())
			return -EINTR;
		if (c->d->new_node[i])
			err = node_create(c->sk, c->j, c->b, &c->b->nodes[i], &c->rt[i]);
		else
			err = conv_node_rt(c->sk, c->b, i, &c->rt[i]);
		if (err)
			err_set(c->e, err, "lab %s: node %s: %s", c->b->name, c->b->nodes[i].name,
				strerror(-err));
	}
	return err;
}

/* What comes: nodes, links, the routes inside the nodes they touch, the host's routes. */
static int conv_create(struct conv *c)
{
	bool *readd = calloc(c->b->n_nodes + 1, sizeof(*readd));
	int err = readd ? 0 : -ENOMEM;

	/* a rollback finds the names it makes again maybe still there: they go first */
	if (!err && c->rollback)
		err = conv_nodes_remove(c->sk, c->j, c->b, c->d->new_node, NULL, NULL);
	else if (!err)
		err = preflight(c->sk, c->b, c->d->new_node, c->e);
	if (!err)
		err = conv_nodes(c);
	for (size_t i = 0; !err && i < c->b->n_nodes; i++)
		readd[i] = c->d->new_node[i] || links_touch(c, i);
	if (!err)
		err = links_create(c->b, c->d->new_link);
	if (!err)
		err = routes_add(c->b, readd);
	if (!err)
		err = routes_create(c->sk, c->j, c->b, c->rt, c->d->new_route);
	if (err && !c->e->text[0])
		err_set(c->e, err, "lab %s: making what the file adds: %s", c->b->name,
			strerror(-err));
	free(readd);
	return err;
}

/* The maps before the refill: forwards, stale endpoints and networks. */
static int conv_maps(struct conv *c)
{
	int nets = pins_map_open(c->b->name, "networks");
	int eps = pins_map_open(c->b->name, "endpoints");
	int err = nets < 0 ? nets : eps < 0 ? eps : 0;

	if (!err)
		err = conv_forwards(c->b->name, c->a, c->b, c->d, c->rt);
	if (!err)
		err = lab_fill_prune(nets, eps, c->b);
	if (nets >= 0)
		close(nets);
	if (eps >= 0)
		close(eps);
	if (err)
		err_set(c->e, err, "lab %s: updating its maps: %s", c->b->name, strerror(-err));
	return err;
}

/* The ip6 of every leg of the nodes that go (a changed node goes and comes back). */
static struct in6_addr *removed_ip6s(const struct conv *c, size_t *n)
{
	size_t cap = 1;
	struct in6_addr *ips;

	*n = 0;
	for (size_t i = 0; i < c->a->n_nodes; i++)
		cap += topo_node_n_legs(&c->a->nodes[i]);
	ips = calloc(cap, sizeof(*ips));
	for (size_t i = 0; ips && i < c->a->n_nodes; i++)
		for (size_t k = 0; c->d->del_node[i] && k < topo_node_n_legs(&c->a->nodes[i]); k++)
			if (topo_leg_has_v6(c->a, &c->a->nodes[i], k))
				ips[(*n)++] = topo_node_leg(&c->a->nodes[i], k).ip6;
	return ips;
}

/* The removed nodes' flows, both families: after the refill, their endpoints are gone. */
static void removed_flows_sweep(const struct conv *c, const uint32_t *ips, size_t n_ips)
{
	size_t n6, gone;
	struct in6_addr *ips6 = removed_ip6s(c, &n6);

	if (node_flows_sweep(c->b->name, ips, n_ips, &gone) || !ips6 ||
	    node6_flows_sweep(c->b->name, ips6, n6, &gone))
		pr_warn("lab %s: some flows of removed nodes are left to time out\n", c->b->name);
	free(ips6);
}

/* a to b by the plan c->d: remove, create, maps and programs, flows, exec. */
static int conv_apply(struct conv *c)
{
	uint32_t *ips = NULL;
	size_t n_ips = 0;
	int err = conv_remove(c, &ips, &n_ips);

	if (!err)
		err = conv_create(c);
	if (!err)
		err = conv_maps(c);
	if (!err) {
		err = dp_up(c->b, c->rt, c->up, c->j, &c->modes, true);
		if (err)
			err_set(c->e, err, "lab %s: replacing the programs failed: %s", c->b->name,
				strerror(-err));
	}
	if (!err)
		removed_flows_sweep(c, ips, n_ips);
	if (!err && !c->rollback && lab_up_interrupted())
		err = err_set(c->e, -EINTR, "lab %s: interrupted", c->b->name);
	if (!err)
		err = exec_all(c->b, c->o, c->d->new_node, c->fail);
	if (err && !c->e->text[0])
		err_set(c->e, err, "lab %s: %s", c->b->name, strerror(-err));
	free(ips);
	return err;
}

/* Back from b (where c got to) to a: the nodes c made go, those it removed come back. */
static int conv_rollback(const struct conv *c, struct err_msg *e)
{
	struct lab_exec_fail fail = { 0 };
	struct topo_diff back;
	struct conv r = *c;
	int err = topo_diff_alloc(c->b, c->a, &back);

	if (err)
		return err_set(e, err, "lab %s: rolling back: %s", c->a->name, strerror(-err));
	memcpy(back.del_node, c->d->new_node, c->b->n_nodes * sizeof(bool));
	memcpy(back.new_node, c->d->del_node, c->a->n_nodes * sizeof(bool));
	topo_diff_plan(c->b, c->a, &back);
	r.a = c->b;
	r.b = c->a;
	r.d = &back;
	r.rollback = true;
	r.fail = &fail;
	r.e = e;
	err = node_rts_alloc(c->a, &r.rt);
	if (!err)
		err = conv_apply(&r);
	if (err) {
		char why[sizeof(e->text)];

		snprintf(why, sizeof(why), "%s", e->text[0] ? e->text : strerror(-err));
		err_set(e, err, "rolling back failed too (%s): run \"nsbpf down %s\"", why,
			c->a->name);
	}
	node_rts_free(c->a, r.rt);
	topo_diff_free(&back);
	return err;
}

/* The marker a converge leaves while it runs: on (write) or off. */
static int marker(const char *lab, bool on)
{
	char path[512];

	if (on)
		return state_write_file(lab, "converge", "", 0);
	state_path(lab, "converge", path, sizeof(path));
	return unlink(path) && errno != ENOENT ? -errno : 0;
}

static int converge_run(struct conv *c, struct up_result *r)
{
	int err = conv_apply(c);

	if (!err)
		err = lab_record(c->b, c->rt, &c->modes, c->up, r->uplink);
	if (!err)
		return 0;
	if (!r->err.text[0])
		err_set(&r->err, err, "lab %s: %s", c->b->name, strerror(-err));
	snprintf(r->err.text + strlen(r->err.text), sizeof(r->err.text) - strlen(r->err.text),
		 "; rolling back to the lab as it was");
	pr_info("lab %s: converge failed, rolling back\n", c->b->name);
	return conv_rollback(c, &r->rollback) ? err : (marker(c->b->name, false), err);
}

int lab_converge(const struct topo *a, const struct topo *t, const struct up_opts *o,
		 struct nl_sock *sk, const struct dp_uplink *up, const struct dp_modes *modes,
		 struct up_result *r)
{
	struct journal j = { .fd = -1 };
	struct conv c = { .a = a,
			  .b = t,
			  .d = &r->diff,
			  .o = o,
			  .sk = sk,
			  .j = &j,
			  .up = up,
			  .modes = *modes,
			  .fail = &r->exec,
			  .e = &r->err };
	struct lab_up_sigs sigs;
	int err = topo_diff(a, t, &r->diff);

	r->has_diff = !err;
	if (!err)
		err = node_rts_alloc(t, &c.rt);
	if (!err)
		err = marker(t->name, true);
	if (!err)
		err = journal_open(&j, t->name);
	if (err) {
		node_rts_free(t, c.rt);
		return err_set(&r->err, err, "lab %s: converge: %s", t->name, strerror(-err));
	}
	lab_up_signals(&sigs, true);
	err = converge_run(&c, r);
	if (!err) {
		marker(t->name, false);
		r->done = r->diff.n ? UP_CONVERGED : UP_REPLACED;
	}
	lab_up_signals(&sigs, false);
	journal_close(&j);
	node_rts_free(t, c.rt);
	return err;
}
