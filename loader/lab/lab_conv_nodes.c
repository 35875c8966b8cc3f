// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The nodes a converge removes, and the facts of the nodes it keeps
 * (lab_conv.h). A node goes as down takes a lab: its processes stopped by
 * the namespace's inode up journaled, then its host ends and namespace;
 * their records are forgotten once they are gone, so that a converge cut
 * short still leaves `down` a journal of what is there.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lab/lab_conv.h"
#include "lab/lab_up.h"
#include "sys/journal.h"
#include "sys/netns.h"
#include "sys/nl.h"

/* Is /run/netns/NAME the namespace up made (its inode as journaled)? */
static bool netns_ours(const struct journal_recs *jl, const char *name, ino_t *ino)
{
	unsigned long want = journal_recorded_ino(jl, name);
	int fd = want ? netns_open(name) : -1;

	if (fd < 0)
		return false;
	*ino = netns_ino(fd);
	close(fd);
	return (unsigned long)*ino == want;
}

/* The namespace's records, forgotten: netns NAME and netns-ino NAME INO. */
static int forget_netns(struct journal *j, const struct journal_recs *jl, const char *name)
{
	int err = 0;

	for (size_t i = 0; !err && i < jl->n; i++) {
		struct journal_rec rec = jl->rec[i];

		if ((rec.kind == JOURNAL_NETNS && !strcmp(rec.netns.name, name)) ||
		    (rec.kind == JOURNAL_NETNS_INO && !strcmp(rec.netns_ino.name, name))) {
			rec.forget = true;
			err = journal_write(j, &rec);
		}
	}
	return err;
}

/* Every address of node i (legs and link ends) appended to *ips. */
static int node_ips(const struct topo *t, size_t i, uint32_t **ips, size_t *n)
{
	const struct topo_node *nd = &t->nodes[i];
	size_t legs = topo_node_n_legs(nd);
	uint32_t *p = reallocarray(*ips, *n + legs + 2 * t->n_links, sizeof(*p));

	if (!p)
		return -ENOMEM;
	*ips = p;
	for (size_t k = 0; k < legs; k++)
		p[(*n)++] = topo_node_leg(nd, k).ip;
	for (size_t l = 0; l < t->n_links; l++)
		for (int e = 0; e < 2; e++)
			if (t->links[l].node[e] == (int)i)
				p[(*n)++] = topo_link_ip(&t->links[l], e);
	return 0;
}

/* Host ends, then the namespace when it is ours, then its records. */
static int node_remove(struct nl_sock *sk, struct journal *j, const struct journal_recs *jl,
		       const struct topo *t, size_t i, bool ours)
{
	const struct topo_node *n = &t->nodes[i];
	int err = 0;

	for (size_t k = 0; !err && k < topo_node_n_legs(n); k++)
		err = lab_hostend_undo(sk, t->name, topo_node_leg(n, k).hostif);
	if (!err && ours)
		err = netns_delete(n->netns);
	if (!err && ours)
		err = forget_netns(j, jl, n->netns);
	return err;
}

int conv_nodes_remove(struct nl_sock *sk, struct journal *j, const struct topo *t, const bool *mask,
		      uint32_t **ips, size_t *n)
{
	struct journal_recs jl = { 0 };
	ino_t *inos = calloc(t->n_nodes + 1, sizeof(*inos));
	bool *ours = calloc(t->n_nodes + 1, sizeof(*ours));
	size_t n_inos = 0;
	int err = inos && ours ? journal_read(t->name, &jl) : -ENOMEM;

	for (size_t i = 0; !err && i < t->n_nodes; i++)
		if (mask[i] && netns_ours(&jl, t->nodes[i].netns, &inos[n_inos]))
			ours[i] = true, n_inos++;
	if (!err && n_inos)
		netns_kill_procs(inos, n_inos, 2000);
	for (size_t i = 0; !err && i < t->n_nodes; i++) {
		if (!mask[i])
			continue;
		err = node_remove(sk, j, &jl, t, i, ours[i]);
		if (!err && ips && n)
			err = node_ips(t, i, ips, n);
	}
	journal_recs_free(&jl);
	free(inos);
	free(ours);
	return err;
}

int conv_node_rt(struct nl_sock *sk, const struct topo *t, size_t i, struct node_rt *rt)
{
	const struct topo_node *n = &t->nodes[i];
	struct nl_link_info info;

	for (size_t k = 0; k < topo_node_n_legs(n); k++) {
		struct leg_rt lr = { 0 };
		int err = nl_link_get(sk, topo_node_leg(n, k).hostif, &info);

		if (err)
			return err;
		lr.ifindex = info.ifindex;
		lab_leg_macs(t->name, n->name, k, lr.node_mac, lr.host_mac);
		if (k) {
			rt->legs[k - 1] = lr;
			continue;
		}
		rt->ifindex = lr.ifindex;
		memcpy(rt->node_mac, lr.node_mac, 6);
		memcpy(rt->host_mac, lr.host_mac, 6);
	}
	return 0;
}
