// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Re-up: `nsbpf up` on a lab that is up with the same topology replaces its
 * programs in place (link update / tc replace) and keeps its maps, so
 * established flows survive. Anything else that differs is refused.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lab/datapath.h"
#include "lab/lab.h"
#include "lab/lab_up.h"
#include "sys/nl.h"
#include "sys/state.h"
#include "util/plural.h"

/* The running lab's nodes against the file's: what up learned about them, or why not. */
static int reup_nodes(const struct topo *t, const struct lab_info *li, struct nl_sock *sk,
		      struct node_rt *rt, struct err_msg *e)
{
	if (li->n_nodes != t->n_nodes)
		return err_set(e, -EEXIST,
			       "lab %s is up with %zu %s, %s has %zu: run \"nsbpf down %s\" first",
			       t->name, li->n_nodes, plural(li->n_nodes, "node", "nodes"), t->path,
			       t->n_nodes, t->name);
	for (size_t i = 0; i < t->n_nodes; i++) {
		const struct topo_node *n = &t->nodes[i];
		const struct lab_node *ln = &li->nodes[i];
		struct nl_link_info info;

		if (strcmp(n->name, ln->name) || n->ip != ln->ip ||
		    strcmp(t->networks[n->network].name, ln->network) ||
		    n->forwarding != ln->forwarding)
			return err_set(
				e, -EEXIST,
				"lab %s is up with a different topology (node %s): run \"nsbpf down %s\" first",
				t->name, n->name, t->name);
		if (nl_link_get(sk, ln->hostif, &info))
			return err_set(
				e, -ENODEV,
				"lab %s: host end %s of node %s is missing: run \"nsbpf down %s\" first",
				t->name, ln->hostif, ln->name, t->name);
		rt[i].ifindex = info.ifindex;
		memcpy(rt[i].node_mac, ln->node_mac, 6);
		memcpy(rt[i].host_mac, ln->host_mac, 6);
	}
	return 0;
}

/* The running lab's routed prefixes against the file's, in file order. */
static int reup_routes(const struct topo *t, const struct lab_info *li, struct err_msg *e)
{
	size_t k = 0;

	for (size_t i = 0; i < t->n_networks; i++) {
		for (size_t j = 0; j < t->networks[i].n_routes; j++, k++) {
			const struct topo_net_route *r = &t->networks[i].routes[j];
			const struct lab_route *lr = k < li->n_routes ? &li->routes[k] : NULL;

			if (!lr || strcmp(lr->network, t->networks[i].name) ||
			    lr->prefix != r->prefix || lr->len != r->len ||
			    strcmp(lr->via, t->nodes[r->via].name))
				break;
		}
	}
	if (k == li->n_routes && k == topo_route_count(t))
		return 0;
	return err_set(e, -EEXIST,
		       "lab %s is up with different routes: run \"nsbpf down %s\" first", t->name,
		       t->name);
}

/* The lab is up already: same topology gets its programs replaced in place. */
int lab_reup(const struct topo *t, struct nl_sock *sk, struct up_result *r)
{
	struct dp_modes modes = { ATTACH_CLSACT, ATTACH_CLSACT };
	struct journal j = { .fd = -1 };
	struct node_rt *rt = NULL;
	struct dp_uplink up;
	struct lab_info li;
	char uplink[16];
	int err;

	err = lab_info_read(t->name, &li);
	if (err)
		return err;
	err = lab_check_here(&li, &r->err);
	if (!err) {
		rt = calloc(t->n_nodes ? t->n_nodes : 1, sizeof(*rt));
		err = rt ? reup_nodes(t, &li, sk, rt, &r->err) : -ENOMEM;
	}
	if (!err)
		err = reup_routes(t, &li, &r->err);
	if (!err)
		err = lab_resolve_uplink(sk, t, uplink, &up, &r->err);
	if (!err && strcmp(uplink, li.uplink))
		err = err_set(
			&r->err, -EEXIST,
			"lab %s is up with uplink \"%s\", now it would be \"%s\": run \"nsbpf down %s\" first",
			t->name, li.uplink, uplink, t->name);
	if (!err && (attach_mode_parse(li.attach, &modes.nodes) ||
		     (li.uplink_attach[0] && attach_mode_parse(li.uplink_attach, &modes.uplink))))
		err = err_set(&r->err, -EINVAL, "lab %s: unknown attach mode \"%s\" in its state",
			      t->name, li.attach);
	if (!err) {
		err = journal_open(&j, t->name);
		if (!err)
			err = dp_up(t, rt, &up, &j, &modes, true);
		if (err)
			err_set(&r->err, err,
				"lab %s: replacing the programs failed: %s (the lab is unchanged)",
				t->name, strerror(-err));
	}
	if (!err) {
		r->done = UP_REPLACED;
		r->attach = modes.nodes;
	}
	journal_close(&j);
	free(rt);
	lab_info_free(&li);
	return err;
}
