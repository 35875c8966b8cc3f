// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Deleting port forwards of a running lab (rules.h): every forward named
 * is found whole in the map first, then all go in one batch (fwd_txn.c),
 * all or none, also when interrupted.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lab/fwd6.h"
#include "lab/fwd_txn.h"
#include "lab/rules.h"

static int cmp_named(const void *a, const void *b, void *arg)
{
	const struct fwd_spec *reqs = arg;
	const struct fwd_spec *x = &reqs[*(const size_t *)a], *y = &reqs[*(const size_t *)b];

	if (x->proto != y->proto)
		return x->proto - y->proto;
	if (x->host_ip != y->host_ip)
		return x->host_ip < y->host_ip ? -1 : 1;
	if (memcmp(&x->host_ip6, &y->host_ip6, sizeof(x->host_ip6)))
		return memcmp(&x->host_ip6, &y->host_ip6, sizeof(x->host_ip6));
	if (x->port != y->port)
		return x->port - y->port;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

/* A forward named twice: a problem at its later request. */
static int del_twice(const struct fwd_spec *reqs, size_t n, struct err_list *probs)
{
	size_t *ix = calloc(n ? n : 1, sizeof(*ix));
	char desc[160];

	if (!ix)
		return err_add(probs, ERR_NO_INDEX, false, "forward del: %s", strerror(ENOMEM));
	for (size_t i = 0; i < n; i++)
		ix[i] = i;
	qsort_r(ix, n, sizeof(*ix), cmp_named, (void *)reqs);
	for (size_t i = 1; i < n; i++) {
		const struct fwd_spec *x = &reqs[ix[i - 1]], *y = &reqs[ix[i]];

		if (x->proto != y->proto || x->host_ip != y->host_ip ||
		    !IN6_ARE_ADDR_EQUAL(&x->host_ip6, &y->host_ip6) || x->port != y->port)
			continue;
		fwd_format(y, desc, sizeof(desc));
		err_add(probs, ix[i], true, "%s is named more than once", desc);
	}
	free(ix);
	return 0;
}

/* A request that names a node: does the forward lead there (first is its first port's)? */
static void del_target(const struct lab_info *li, const struct fwd_spec *f, size_t i,
		       const struct nsb_fwd_val *first, struct err_list *probs)
{
	const struct lab_node *node = lab_node_find(li, f->node);
	char desc[160];

	fwd_format(f, desc, sizeof(desc));
	if (!node)
		err_add(probs, i, true, "lab %s has no node \"%s\"", li->name, f->node);
	else if (node->ip != ntohl(first->node_addr) || f->to_port != ntohs(first->node_port))
		err_add(probs, i, false,
			"%s: the forward leads elsewhere (see nsbpf forward list %s)", desc,
			li->name);
}

/* del_target() for a forward for an IPv6 host address: to the node's ip6. */
static void del_target6(const struct lab_info *li, const struct fwd_spec *f, size_t i,
			const struct nsb_fwd6_val *first, struct err_list *probs)
{
	const struct lab_node *node = lab_node_find(li, f->node);
	char desc[160];

	fwd_format(f, desc, sizeof(desc));
	if (!node)
		err_add(probs, i, true, "lab %s has no node \"%s\"", li->name, f->node);
	else if (!node->prefix6 || memcmp(&node->ip6, first->node_addr, 16) ||
		 f->to_port != ntohs(first->v.node_port))
		err_add(probs, i, false,
			"%s: the forward leads elsewhere (see nsbpf forward list %s)", desc,
			li->name);
}

/* Each request's entries, with their values, in b: or every problem. */
static int del_ops(const struct lab_info *li, int fd, int fd6, const struct fwd_spec *reqs,
		   size_t n, struct fwd_batch *b, struct err_list *probs)
{
	char desc[160];
	int err = 0;

	for (size_t i = 0; i < n && err != -ENOMEM; i++) {
		bool v6 = fwd_host6(&reqs[i]);
		struct nsb_fwd6_val first6;
		struct nsb_fwd_val first;

		fwd_format(&reqs[i], desc, sizeof(desc));
		/* an IPv6 host address's forward: forwards6's alone (a lab without it has none) */
		if (v6)
			err = fd6 < 0 ? -ENOENT : fwd6_batch_del(fd6, b, &reqs[i], &first6);
		else
			err = fwd_map_batch_del(fd, b, &reqs[i], &first);
		if (err == -ENOENT)
			err_add(probs, i, false, "lab %s has no forward %s", li->name, desc);
		else if (err == -ERANGE)
			err_add(probs, i, false,
				"%s is part of a larger forward: delete it whole (see nsbpf forward list %s)",
				desc, li->name);
		else if (err)
			err_add(probs, i, false, "%s: %s", desc, strerror(-err));
		else if (reqs[i].node[0] && v6)
			del_target6(li, &reqs[i], i, &first6, probs);
		else if (reqs[i].node[0])
			del_target(li, &reqs[i], i, &first, probs);
	}
	if (err != -ENOMEM)
		del_twice(reqs, n, probs);
	return probs->n ? (err ? err : -EINVAL) : 0;
}

/* forward del's plan: del_ops (the run's options play no part). */
static int del_plan(const struct lab_info *li, int fd, int fd6, const struct fwd_spec *reqs,
		    size_t n, const struct rules_fwd_run *run, struct fwd_batch *b,
		    struct err_list *probs)
{
	(void)run;
	return del_ops(li, fd, fd6, reqs, n, b, probs);
}

int rules_forwards_del(const struct lab_info *li, const struct fwd_spec *reqs, size_t n,
		       struct rules_fwd_run *run, struct err_list *probs)
{
	return fwd_txn_apply(li, "forward del", del_plan, reqs, n, run, probs);
}
