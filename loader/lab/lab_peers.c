// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The other labs of this host netns, for topo_check_peers() (lab_peers.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lab/lab.h"
#include "lab/lab_peers.h"
#include "lab/rules.h"
#include "nsbpf_maps.h"
#include "sys/netns.h"
#include "util/log.h"

/* What one peer points into. */
struct peer_store {
	struct lab_info li;
	struct topo_peer_net *nets;
	struct fwd_spec *fwds;
};

static int fill_forwards(struct peer_store *s, struct topo_peer *p)
{
	struct fwd_entry *fe = NULL;
	size_t n = 0;
	int err = rules_forwards_list(&s->li, &fe, &n);

	if (err) {
		/* a lab whose maps are gone holds no ports: its down cleans up */
		pr_debug("lab %s: no forwards to compare (%s)\n", s->li.name, strerror(-err));
		return 0;
	}
	s->fwds = calloc(n ? n : 1, sizeof(*s->fwds));
	if (!s->fwds) {
		free(fe);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		s->fwds[i] = fe[i].spec;
	free(fe);
	p->fwds = s->fwds;
	p->n_fwds = n;
	return 0;
}

static int fill_peer(struct peer_store *s, struct topo_peer *p, const char *uplink)
{
	const struct lab_info *li = &s->li;

	s->nets = calloc(li->n_nets ? li->n_nets : 1, sizeof(*s->nets));
	if (!s->nets)
		return -ENOMEM;
	for (size_t i = 0; i < li->n_nets; i++)
		s->nets[i] =
			(struct topo_peer_net){ li->nets[i].name, li->nets[i].subnet,
						(uint8_t)li->nets[i].prefix, li->nets[i].subnet6,
						(uint8_t)li->nets[i].prefix6 };
	*p = (struct topo_peer){ .name = li->name, .nets = s->nets, .n_nets = li->n_nets };
	p->same_uplink = uplink[0] && !strcmp(uplink, li->uplink);
	if (!p->same_uplink)
		return 0;
	p->snat_lo = li->snat_lo ? li->snat_lo : NSB_SNAT_PORT_MIN;
	p->snat_hi = li->snat_lo ? li->snat_hi : NSB_SNAT_PORT_MAX;
	return fill_forwards(s, p);
}

int lab_peers_read(const char *self, const char *uplink, struct lab_peers *out, struct err_msg *e)
{
	unsigned long here = (unsigned long)netns_self_ino();
	struct peer_store *store;
	struct lab_names names;
	int err;

	memset(out, 0, sizeof(*out));
	err = lab_list(&names, e);
	if (err)
		return err;
	store = calloc(names.n + 1, sizeof(*store));
	out->peer = calloc(names.n + 1, sizeof(*out->peer));
	out->store = store;
	if (!store || !out->peer)
		err = err_set(e, -ENOMEM, "%s", strerror(ENOMEM));
	for (size_t i = 0; !err && i < names.n; i++) {
		struct peer_store *s = &store[out->n];

		/* a lab partly up (no lab file) created nothing that lasts: down removes it */
		if (!strcmp(names.name[i], self) || lab_info_read(names.name[i], &s->li))
			continue;
		if (s->li.hostns != here) {
			lab_info_free(&s->li);
			continue;
		}
		err = fill_peer(s, &out->peer[out->n], uplink);
		out->n++;
		if (err)
			err_set(e, err, "lab %s: %s", names.name[i], strerror(-err));
	}
	lab_names_free(&names);
	if (err)
		lab_peers_free(out);
	return err;
}

void lab_peers_free(struct lab_peers *p)
{
	struct peer_store *store = p->store;

	for (size_t i = 0; store && i < p->n; i++) {
		lab_info_free(&store[i].li);
		free(store[i].nets);
		free(store[i].fwds);
	}
	free(store);
	free(p->peer);
	memset(p, 0, sizeof(*p));
}

int lab_peers_check_forwards(const struct lab_info *li, const struct fwd_spec *reqs, size_t n,
			     struct err_list *probs)
{
	struct lab_peers lp;
	struct fwd_index *ix;
	struct err_msg e;
	size_t before = probs->n;
	char why[400];
	int err = lab_peers_read(li->name, li->uplink, &lp, &e);

	if (err)
		return err_add(probs, ERR_NO_INDEX, false, "%s", e.text) ?: err;
	ix = topo_peers_fwd_index(lp.peer, lp.n);
	err = ix ? 0 : -ENOMEM;
	for (size_t i = 0; !err && i < n; i++)
		if (topo_peers_fwd_clash(lp.peer, lp.n, ix, &reqs[i], why, sizeof(why)))
			err = err_add(probs, i, false, "%s", why);
	fwd_index_free(ix);
	lab_peers_free(&lp);
	return err ? err : probs->n > before ? -EADDRINUSE : 0;
}
