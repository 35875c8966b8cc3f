// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Re-up: `nsbpf up` on a lab that is up with the same topology replaces its
 * programs in place (link update / tc replace) and keeps its maps, so
 * established flows survive. Anything else that differs is refused.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nsbpf_maps.h"
#include "lab/datapath.h"
#include "lab/lab.h"
#include "lab/lab_up.h"
#include "sys/nl.h"
#include "sys/state.h"
#include "util/plural.h"

static const char *net_name(const struct topo *t, int network)
{
	return network < 0 ? "" : t->networks[network].name;
}

/* Is the node as up made it, legs and all? */
static bool node_same(const struct topo *t, const struct topo_node *n, const struct lab_node *ln)
{
	if (strcmp(n->name, ln->name) || n->ip != ln->ip ||
	    strcmp(net_name(t, n->network), ln->network) || n->n_legs != ln->n_legs)
		return false;
	for (size_t k = 0; k < n->n_legs; k++)
		if (n->legs[k].ip != ln->legs[k].ip ||
		    strcmp(net_name(t, n->legs[k].network), ln->legs[k].network))
			return false;
	return true;
}

static bool links_same(const struct topo *t, const struct lab_info *li)
{
	if (t->n_links != li->n_links)
		return false;
	for (size_t i = 0; i < t->n_links; i++) {
		const struct topo_link *l = &t->links[i];

		for (int e = 0; e < 2; e++)
			if (strcmp(t->nodes[l->node[e]].name, li->links[i].node[e]) ||
			    strcmp(l->ifname[e], li->links[i].ifname[e]) ||
			    topo_link_ip(l, e) != li->links[i].ip[e])
				return false;
	}
	return true;
}

/* A host end's ifindex into *ifindex, or -ENODEV with e. */
static int hostend_find(const struct topo *t, struct nl_sock *sk, const char *hostif,
			const char *node, int *ifindex, struct err_msg *e)
{
	struct nl_link_info info;

	if (nl_link_get(sk, hostif, &info))
		return err_set(
			e, -ENODEV,
			"lab %s: host end %s of node %s is missing: run \"nsbpf down %s\" first",
			t->name, hostif, node, t->name);
	*ifindex = info.ifindex;
	return 0;
}

/* The running lab's nodes against the file's: what up learned about them, or why not. */
static int reup_nodes(const struct topo *t, const struct lab_info *li, struct nl_sock *sk,
		      struct node_rt *rt, struct err_msg *e)
{
	int err = 0;

	if (li->n_nodes != t->n_nodes)
		return err_set(e, -EEXIST,
			       "lab %s is up with %zu %s, %s has %zu: run \"nsbpf down %s\" first",
			       t->name, li->n_nodes, plural(li->n_nodes, "node", "nodes"), t->path,
			       t->n_nodes, t->name);
	for (size_t i = 0; !err && i < t->n_nodes; i++) {
		const struct lab_node *ln = &li->nodes[i];

		if (!node_same(t, &t->nodes[i], ln) || t->nodes[i].forwarding != ln->forwarding)
			return err_set(
				e, -EEXIST,
				"lab %s is up with a different topology (node %s): run \"nsbpf down %s\" first",
				t->name, t->nodes[i].name, t->name);
		if (ln->hostif[0])
			err = hostend_find(t, sk, ln->hostif, ln->name, &rt[i].ifindex, e);
		memcpy(rt[i].node_mac, ln->node_mac, 6);
		memcpy(rt[i].host_mac, ln->host_mac, 6);
		for (size_t k = 0; !err && k < ln->n_legs; k++) {
			err = hostend_find(t, sk, ln->legs[k].hostif, ln->name,
					   &rt[i].legs[k].ifindex, e);
			memcpy(rt[i].legs[k].node_mac, ln->legs[k].node_mac, 6);
			memcpy(rt[i].legs[k].host_mac, ln->legs[k].host_mac, 6);
		}
	}
	if (!err && !links_same(t, li))
		return err_set(e, -EEXIST,
			       "lab %s is up with different links: run \"nsbpf down %s\" first",
			       t->name, t->name);
	return err;
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

/* The lab's attach modes as its state has them. */
static int reup_modes(const struct topo *t, const struct lab_info *li, struct dp_modes *modes,
		      struct err_msg *e)
{
	if (attach_mode_parse(li->attach, &modes->nodes) ||
	    (li->uplink_attach[0] && attach_mode_parse(li->uplink_attach, &modes->uplink)))
		return err_set(e, -EINVAL, "lab %s: unknown attach mode \"%s\" in its state",
			       t->name, li->attach);
	return 0;
}

/* A lab without its topology's text (an older nsbpf's): the same topology only. */
static int reup_same(const struct topo *t, const struct lab_info *li, struct nl_sock *sk,
		     const struct dp_uplink *up, struct dp_modes *modes, struct up_result *r)
{
	struct journal j = { .fd = -1 };
	struct node_rt *rt = NULL;
	int err = node_rts_alloc(t, &rt);

	if (!err)
		err = reup_nodes(t, li, sk, rt, &r->err);
	if (!err)
		err = reup_routes(t, li, &r->err);
	if (!err) {
		err = journal_open(&j, t->name);
		if (!err)
			err = dp_up(t, rt, up, &j, modes, true);
		if (err)
			err_set(&r->err, err,
				"lab %s: replacing the programs failed: %s (the lab is unchanged)",
				t->name, strerror(-err));
	}
	if (!err)
		r->done = UP_REPLACED;
	journal_close(&j);
	node_rts_free(t, rt);
	return err;
}

/*
 * The lab is up already: converged to the file when its state has the
 * topology it runs (its programs replaced in place either way).
 */
/*
 * The running lab's networks keep their ids (the datapath's slots, which
 * its unchanged nodes' endpoints name): a network removed before others
 * leaves a hole rather than shift them. New networks take the lowest free.
 */
static void net_ids_keep(struct topo *t, const struct lab_info *li)
{
	uint64_t used = 0;
	bool fresh[NSB_MAX_NETWORKS] = { false };

	for (size_t i = 0; i < t->n_networks && i < NSB_MAX_NETWORKS; i++) {
		const struct lab_net *ln = lab_net_find(li, t->networks[i].name);

		fresh[i] = !ln || ln->id < 0 || ln->id >= 64 || used >> ln->id & 1;
		if (!fresh[i]) {
			t->networks[i].id = (uint32_t)ln->id;
			used |= 1ULL << ln->id;
		}
	}
	for (size_t i = 0; i < t->n_networks && i < NSB_MAX_NETWORKS; i++) {
		uint32_t id = 0;

		if (!fresh[i])
			continue;
		while (id < 63 && used >> id & 1)
			id++;
		t->networks[i].id = id;
		used |= 1ULL << id;
	}
}

int lab_reup(struct topo *t, const struct up_opts *o, struct nl_sock *sk,
	     const struct dp_uplink *up, struct up_result *r)
{
	struct dp_modes modes = { ATTACH_CLSACT, ATTACH_CLSACT };
	struct topo *was = NULL;
	struct lab_info li;
	int err;

	err = lab_info_read(t->name, &li);
	if (err)
		return err;
	err = lab_check_here(&li, &r->err);
	if (!err && strcmp(r->uplink, li.uplink))
		err = err_set(
			&r->err, -EEXIST,
			"lab %s is up with uplink \"%s\", now it would be \"%s\": a converge keeps the uplink; run \"nsbpf down %s\" first",
			t->name, li.uplink[0] ? li.uplink : "(none)",
			r->uplink[0] ? r->uplink : "(none)", t->name);
	if (!err)
		err = reup_modes(t, &li, &modes, &r->err);
	/* the host ends keep how they are attached: asked otherwise, refused */
	if (!err && o->attach != ATTACH_AUTO &&
	    (o->attach != modes.nodes || (li.uplink_attach[0] && o->attach != modes.uplink)))
		err = err_set(
			&r->err, -EEXIST,
			"lab %s is up attached %s (uplink %s), --attach %s asks otherwise: run \"nsbpf down %s\" first",
			t->name, li.attach, li.uplink_attach[0] ? li.uplink_attach : "-",
			attach_mode_name(o->attach), t->name);
	if (!err)
		err = lab_topo_recorded(t->name, &was, &r->err);
	if (!err) {
		net_ids_keep(t, &li);
		if (was)
			net_ids_keep(was, &li);
	}
	if (!err && was) {
		/* the lab keeps its masquerade ports (check_peers gave them to t) */
		was->nat.port_min = t->nat.port_min;
		was->nat.port_max = t->nat.port_max;
	}
	if (!err && was)
		err = lab_converge(was, t, o, sk, up, &modes, r);
	else if (!err)
		err = reup_same(t, &li, sk, up, &modes, r);
	if (!err)
		r->attach = modes.nodes;
	topo_free(was);
	lab_info_free(&li);
	return err;
}
