/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Inside lab/: a converge (lab_conv*.c) takes a running lab from topology
 * a to b by a plan (topo/topo_diff.h); a rollback is the same from b back
 * to a, for the nodes the plan touched.
 */
#ifndef NSBPF_LAB_CONV_H
#define NSBPF_LAB_CONV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lab/datapath.h"
#include "lab/lab.h"
#include "topo/topo_diff.h"

struct nl_sock;

struct conv {
	const struct topo *a, *b; /* from, to */
	const struct topo_diff *d;
	const struct up_opts *o;
	struct nl_sock *sk;
	struct journal *j;
	const struct dp_uplink *up;
	struct dp_modes modes;
	struct node_rt *rt; /* b's nodes */
	bool rollback;	    /* undoing a converge: leftovers of b's names go first */
	struct lab_exec_fail *fail;
	struct err_msg *e;
};

/*
 * Remove the nodes of t in mask: their processes, host ends (with their
 * filters and pins), namespaces, and their journal records forgotten.
 * Every address they had is appended to *ips (*n of them; ips NULL: not
 * wanted). A namespace that is not the one up made is left alone.
 */
int conv_nodes_remove(struct nl_sock *sk, struct journal *j, const struct topo *t, const bool *mask,
		      uint32_t **ips, size_t *n);

/* What up learned about node i of t, from the host as it is (the node was kept). */
int conv_node_rt(struct nl_sock *sk, const struct topo *t, size_t i, struct node_rt *rt);

/*
 * The forwards map before the refill: a's file forwards in d->del_fwd
 * deleted, and every entry whose node b has not deleted (a runtime
 * forward to a removed node) or pointed at its node's new host end.
 */
int conv_forwards(const char *lab, const struct topo *a, const struct topo *b,
		  const struct topo_diff *d, const struct node_rt *rt);

#endif /* NSBPF_LAB_CONV_H */
