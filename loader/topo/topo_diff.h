/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What changes when a running lab (a) converges to its file (b): the lines
 * `up --dry-run` prints ("+ node h2", "~ node h1: ip A -> B") and what the
 * loader recreates. A pure function of the two topologies, unit tested.
 *
 * Objects are matched by name: networks and nodes by theirs, links by
 * their ends (node:ifname), routed prefixes by prefix, forwards by
 * protocol, host address and first port. A node that differs in anything
 * (legs, addresses, routes, exec, netem, a network it is in) is recreated
 * whole; links, routes and forwards that touch a recreated node are made
 * again with it, without a line of their own.
 */
#ifndef NSBPF_TOPO_DIFF_H
#define NSBPF_TOPO_DIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "topo/topo.h"

enum topo_diff_kind {
	TOPO_DIFF_NETWORK,
	TOPO_DIFF_NODE,
	TOPO_DIFF_LEG,
	TOPO_DIFF_LINK,
	TOPO_DIFF_ROUTE,
	TOPO_DIFF_FORWARD,
};

#define TOPO_DIFF_NAME 192 /* two node:ifname ends and more */

/* One line: "OP KIND NAME[: DETAIL]". */
struct topo_diff_line {
	char op; /* '+' added, '-' removed, '~' changed */
	enum topo_diff_kind kind;
	char name[TOPO_DIFF_NAME]; /* "h2", "tcp 8443", "r1:eth1 - h9:eth0", "10.81.9.0/24" */
	char detail[256];	   /* "" or "ip 10.81.0.5 -> 10.81.0.6" */
};

/*
 * The plan: what goes (of a) and what is made (of b). Routes are indexed
 * as the networks list them, one after the other.
 */
struct topo_diff {
	struct topo_diff_line *lines;
	size_t n;
	bool *del_node, *new_node;   /* a->n_nodes, b->n_nodes */
	bool *del_link, *new_link;   /* a->n_links, b->n_links */
	bool *del_route, *new_route; /* topo_route_count(a), (b) */
	bool *del_fwd, *new_fwd;     /* a->n_forwards, b->n_forwards */
};

/* "network", "node", ... */
const char *topo_diff_kind_name(enum topo_diff_kind k);

/* a against b: lines and plan. 0 or -ENOMEM (d freed). */
int topo_diff(const struct topo *a, const struct topo *b, struct topo_diff *d);

/*
 * The plan alone for given node sets (d->del_node of a, d->new_node of b,
 * allocated and set): the links, routes and forwards that go and come
 * with them or differ. A rollback is this from b back to a. 0 or -ENOMEM.
 */
int topo_diff_plan(const struct topo *a, const struct topo *b, struct topo_diff *d);

/* The plan's node sets, allocated and compared: 0 or -ENOMEM. */
int topo_diff_alloc(const struct topo *a, const struct topo *b, struct topo_diff *d);

void topo_diff_free(struct topo_diff *d);

#endif /* NSBPF_TOPO_DIFF_H */
