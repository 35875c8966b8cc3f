// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * DEL and GC: endpoints removed with their forwards, the lab with the last
 * one, the addresses released by the IPAM plugin. DEL of what is gone
 * already succeeds, as the spec wants.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cni/cmd.h"
#include "cni/ipam.h"

static int del_locked(const struct cni_req *q, struct cni_err *e)
{
	char node[TOPO_NAME_MAX], hostif[TOPO_IFNAMSIZ];

	cni_names(q->conf->name, q->env->container, q->env->ifname, node, hostif);
	if (cni_ep_remove(q->conf->name, node, e))
		return -1;
	return cni_ipam_run(q->env, q->conf, "DEL", NULL, NULL, q->text, q->len, NULL, e);
}

int cni_del(const struct cni_req *q, struct cni_err *e)
{
	int lock = cni_lock(q->conf->name, e), err;

	if (lock < 0)
		return -1;
	err = del_locked(q, e);
	cni_unlock(lock);
	return err;
}

static bool valid(const struct cni_conf *c, const struct cni_rec *r)
{
	for (size_t i = 0; i < c->n_valid; i++)
		if (!strcmp(c->valid[i].container, r->container) &&
		    !strcmp(c->valid[i].ifname, r->ifname))
			return true;
	return false;
}

/* Every endpoint with a record that the runtime no longer lists. */
static int gc_locked(const struct cni_req *q, struct cni_err *e)
{
	const char *lab = q->conf->name;
	struct lab_info li;
	struct cni_rec rec;
	int ours = cni_lab_ours(lab, e), err = 0;

	if (ours <= 0 || lab_info_read(lab, &li))
		return ours < 0 ? -1 : 0;
	for (size_t i = 0; !err && i < li.n_nodes; i++) {
		if (cni_rec_read(lab, li.nodes[i].name, &rec) || valid(q->conf, &rec))
			continue;
		err = cni_ep_remove(lab, li.nodes[i].name, e);
		if (!err)
			err = cni_ipam_run(q->env, q->conf, "DEL", rec.container, rec.ifname,
					   q->text, q->len, NULL, e);
	}
	if (!li.n_nodes && !err)
		err = cni_ep_remove(lab, "", e);
	lab_info_free(&li);
	return err;
}

int cni_gc(const struct cni_req *q, struct cni_err *e)
{
	int lock = cni_lock(q->conf->name, e), err;

	if (lock < 0)
		return -1;
	err = gc_locked(q, e);
	cni_unlock(lock);
	return err;
}
