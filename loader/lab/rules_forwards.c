// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Port forwards of a running lab (rules.h): list, and add/del under the
 * state lock, checked by the same rules as the file's forwards
 * (topo/port_fwd_spec.c) and written all or none (port_fwd_map.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lab/rules.h"
#include "sys/nl.h"
#include "sys/state.h"

int rules_forwards_list(const struct lab_info *li, struct fwd_entry **out, size_t *n)
{
	int fd = fwd_map_open(li->name), err;

	if (fd < 0)
		return fd;
	err = fwd_map_read(fd, li, out, n);
	close(fd);
	return err;
}

/* What every request is checked against: the lab's forwards and the host. */
struct fwd_check {
	struct fwd_index *ix; /* points into have */
	struct fwd_entry *have;
	struct fwd_host *host;
	struct rules_config cfg;
};

static int fwd_check_begin(const struct lab_info *li, int fd, struct fwd_check *c,
			   struct err_list *probs)
{
	struct err_msg e;
	char why[512];
	size_t n_have = 0;
	int err;

	c->ix = fwd_index_new();
	c->host = fwd_host_read();
	if (!c->ix || !c->host) {
		err = !c->host ? -errno : -ENOMEM;
		err_add(probs, ERR_NO_INDEX, false, "forward add: %s", strerror(-err));
		return err;
	}
	err = fwd_map_read(fd, li, &c->have, &n_have);
	if (!err)
		err = rules_config_read(li->name, &c->cfg, &e);
	if (err) {
		err_add(probs, ERR_NO_INDEX, false, "lab %s: %s", li->name, strerror(-err));
		return err;
	}
	for (size_t i = 0; i < n_have; i++)
		fwd_index_claim(c->ix, &c->have[i].spec, why, sizeof(why));
	return 0;
}

/*
 * Every request against the lab, the running forwards, the masquerade
 * range, each other and what the host has (addresses, ephemeral ports,
 * sockets; `up` checks the file's forwards the same way): every problem.
 */
static int fwd_check_all(const struct lab_info *li, int fd, const struct fwd_spec *reqs, size_t n,
			 bool force, struct err_list *probs)
{
	struct fwd_check c = { 0 };
	char why[512];
	int err;

	err = fwd_check_begin(li, fd, &c, probs);
	for (size_t i = 0; !err && i < n; i++) {
		const struct fwd_spec *f = &reqs[i];

		if (!lab_node_find(li, f->node)) {
			err_add(probs, i, true, "lab %s has no node \"%s\"", li->name, f->node);
			continue;
		}
		if (fwd_check_snat(f, c.cfg.snat_port_min, c.cfg.snat_port_max, why, sizeof(why)) ||
		    fwd_index_claim(c.ix, f, why, sizeof(why)) ||
		    fwd_check_host(c.host, f, force, why, sizeof(why)))
			err_add(probs, i, false, "%s", why);
	}
	if (!err && probs->n)
		err = -EINVAL;
	fwd_host_free(c.host);
	fwd_index_free(c.ix);
	free(c.have);
	return err;
}

/* Insert them all, or none: a failure takes back what this run inserted. */
static int fwd_insert_all(const struct lab_info *li, int fd, const struct fwd_spec *reqs, size_t n,
			  struct err_list *probs)
{
	struct nl_sock *sk = nl_open();
	char desc[160];
	size_t i;
	int err = 0;

	if (!sk) {
		err = -errno;
		err_add(probs, ERR_NO_INDEX, false, "netlink: %s", strerror(-err));
		return err;
	}
	for (i = 0; i < n; i++) {
		const struct lab_node *node = lab_node_find(li, reqs[i].node);
		struct nl_link_info link;

		fwd_format(&reqs[i], desc, sizeof(desc));
		if (nl_link_get(sk, node->hostif, &link)) {
			err_add(probs, ERR_NO_INDEX, false,
				"lab %s: host end %s of node %s is missing", li->name, node->hostif,
				node->name);
			err = -ENODEV;
			break;
		}
		err = fwd_map_add(fd, &reqs[i], node->ip, link.ifindex);
		if (err) {
			err_add(probs, ERR_NO_INDEX, false, "forward add: %s: %s", desc,
				err == -EEXIST ? "a port of it was just taken by another forward" :
						 strerror(-err));
			break;
		}
	}
	if (err)
		while (i-- > 0)
			fwd_map_del(fd, &reqs[i]);
	nl_close(sk);
	return err;
}

/* The state lock and the forwards map: 0, or -errno with the message in probs. */
static int fwd_map_lock(const struct lab_info *li, int *lock, int *fd, struct err_msg *e)
{
	*lock = state_lock();
	*fd = fwd_map_open(li->name);
	if (*lock >= 0 && *fd >= 0)
		return 0;
	return err_set(e, *lock < 0 ? *lock : *fd, "lab %s: forwards map: %s", li->name,
		       strerror(-(*lock < 0 ? *lock : *fd)));
}

static void fwd_map_unlock(int lock, int fd)
{
	if (fd >= 0)
		close(fd);
	state_unlock(lock);
}

int rules_forwards_add(const struct lab_info *li, const struct fwd_spec *reqs, size_t n, bool force,
		       struct err_list *probs)
{
	struct err_msg e;
	int lock, fd, err;

	err = fwd_map_lock(li, &lock, &fd, &e);
	if (err)
		err_add(probs, ERR_NO_INDEX, false, "%s", e.text);
	if (!err)
		err = fwd_check_all(li, fd, reqs, n, force, probs);
	if (!err)
		err = fwd_insert_all(li, fd, reqs, n, probs);
	fwd_map_unlock(lock, fd);
	return err;
}

int rules_forwards_del(const struct lab_info *li, const struct fwd_spec *f, struct err_msg *e)
{
	char desc[160];
	int lock, fd, err;

	fwd_format(f, desc, sizeof(desc));
	err = fwd_map_lock(li, &lock, &fd, e);
	if (!err)
		err = fwd_map_del(fd, f);
	if (err == -ENOENT && fd >= 0)
		err_set(e, err, "forward del: lab %s has no forward %s", li->name, desc);
	else if (err == -ERANGE)
		err_set(e, err,
			"forward del: %s is part of a larger forward: delete it whole (see nsbpf forward list %s)",
			desc, li->name);
	else if (err && fd >= 0)
		err_set(e, err, "forward del: %s: %s", desc, strerror(-err));
	fwd_map_unlock(lock, fd);
	return err;
}
