// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* A running lab read back into a struct topo for the drawing (lab_graph.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "lab/lab_graph.h"
#include "lab/rules.h"
#include "nsbpf_maps.h"
#include "sys/pins.h"

/* Reach as the state file has it, by network id, into bits by index (li's order: t's). */
static uint64_t reach_by_index(const struct lab_info *li, uint64_t ids)
{
	uint64_t bits = 0;

	for (size_t j = 0; j < li->n_nets && j < 64; j++)
		if (li->nets[j].id >= 0 && li->nets[j].id < 64 && ids >> li->nets[j].id & 1)
			bits |= 1ULL << j;
	return bits;
}

/* Masquerade as it is now: the networks map's flag (nat on|off change it at run time). */
static int nets_now(const struct lab_info *li, struct topo *t, struct err_msg *e)
{
	int fd = pins_map_open(li->name, "networks"), err = 0;

	if (fd < 0)
		return err_set(e, fd, "lab %s: open its networks map: %s", li->name, strerror(-fd));
	for (size_t i = 0; i < li->n_nets; i++) {
		const struct lab_net *ln = &li->nets[i];
		struct topo_network *n = &t->networks[i];
		struct nsb_network val;
		__u32 id = (__u32)ln->id;

		snprintf(n->name, sizeof(n->name), "%s", ln->name);
		n->subnet = ln->subnet;
		n->prefix = (uint8_t)ln->prefix;
		n->gateway = ln->gateway;
		n->subnet6 = ln->subnet6;
		n->prefix6 = (uint8_t)ln->prefix6;
		n->gateway6 = ln->gateway6;
		n->id = id;
		n->reach = reach_by_index(li, ln->reach);
		n->masquerade = ln->masquerade;
		if (bpf_map_lookup_elem(fd, &id, &val)) {
			err = err_set(e, -errno, "lab %s: network %s: %s", li->name, ln->name,
				      strerror(errno));
			break;
		}
		n->masquerade = !!(val.flags & NSB_NET_F_MASQUERADE);
	}
	close(fd);
	return err;
}

/* Nodes with their legs (network -1 for a node with links only). */
static int nodes_of(const struct lab_info *li, struct topo *t)
{
	for (size_t k = 0; k < li->n_nodes; k++) {
		const struct lab_node *ln = &li->nodes[k];
		struct topo_node *n = &t->nodes[k];

		snprintf(n->name, sizeof(n->name), "%s", ln->name);
		n->network = ln->network[0] ? topo_network_index(t, ln->network) : -1;
		n->ip = ln->ip;
		n->ip6 = ln->ip6;
		n->forwarding = ln->forwarding;
		if (!ln->n_legs)
			continue;
		n->legs = calloc(ln->n_legs, sizeof(*n->legs));
		if (!n->legs)
			return -ENOMEM;
		n->n_legs = ln->n_legs;
		for (size_t j = 0; j < ln->n_legs; j++) {
			n->legs[j].network = topo_network_index(t, ln->legs[j].network);
			n->legs[j].ip = ln->legs[j].ip;
			n->legs[j].ip6 = ln->legs[j].ip6;
			snprintf(n->legs[j].hostif, sizeof(n->legs[j].hostif), "%s",
				 ln->legs[j].hostif);
		}
	}
	return 0;
}

static int links_of(const struct lab_info *li, struct topo *t)
{
	t->links = calloc(li->n_links ? li->n_links : 1, sizeof(*t->links));
	if (!t->links)
		return -ENOMEM;
	t->n_links = li->n_links;
	for (size_t i = 0; i < li->n_links; i++) {
		struct topo_link *l = &t->links[i];

		for (int e = 0; e < 2; e++) {
			l->node[e] = topo_node_index(t, li->links[i].node[e]);
			snprintf(l->ifname[e], sizeof(l->ifname[e]), "%s", li->links[i].ifname[e]);
		}
		l->prefix = (uint8_t)li->links[i].prefix;
		l->subnet = li->links[i].ip[0] - 1; /* the first end has the first address */
		l->prefix6 = (uint8_t)li->links[i].prefix6;
		if (l->prefix6) /* the same: subnet6 + 1 */
			l->subnet6 = topo_mask6(&li->links[i].ip6[0], l->prefix6);
	}
	return 0;
}

/* The routed prefixes of the state file, on their networks; one of no known router left out. */
static int routes_of(const struct lab_info *li, struct topo *t, struct err_msg *e)
{
	for (size_t i = 0; i < li->n_routes; i++) {
		const struct lab_route *lr = &li->routes[i];
		int net = topo_network_index(t, lr->network), via = topo_node_index(t, lr->via);
		struct topo_network *n;
		struct topo_net_route *grown;

		if (net < 0 || via < 0)
			continue;
		n = &t->networks[net];
		grown = realloc(n->routes, (n->n_routes + 1) * sizeof(*grown));
		if (!grown)
			return err_set(e, -ENOMEM, "%s", strerror(ENOMEM));
		n->routes = grown;
		n->routes[n->n_routes++] = (struct topo_net_route){ .prefix = lr->prefix,
								    .len = (uint8_t)lr->len,
								    .via = via };
	}
	return 0;
}

/* The forwards map's entries; one that leads to no node of the lab is left out. */
static int forwards_of(const struct lab_info *li, struct topo *t, struct err_msg *e)
{
	struct fwd_entry *v = NULL;
	size_t n = 0;
	int err = rules_forwards_list(li, &v, &n);

	if (err)
		return err_set(e, err, "lab %s: read its forwards: %s", li->name, strerror(-err));
	t->forwards = calloc(n ? n : 1, sizeof(*t->forwards));
	if (!t->forwards) {
		free(v);
		return err_set(e, -ENOMEM, "%s", strerror(ENOMEM));
	}
	for (size_t i = 0; i < n; i++) {
		struct topo_forward *f = &t->forwards[t->n_forwards];

		f->node = topo_node_index(t, v[i].spec.node);
		if (f->node < 0)
			continue;
		f->proto = v[i].spec.proto;
		f->host_ip = v[i].spec.host_ip;
		f->port = v[i].spec.port;
		f->port_end = v[i].spec.port_end;
		f->to_port = v[i].spec.to_port;
		f->to_port_end = v[i].spec.to_port_end;
		t->n_forwards++;
	}
	free(v);
	return 0;
}

int lab_graph_topo(const struct lab_info *li, struct topo **out, struct err_msg *e)
{
	struct topo *t = calloc(1, sizeof(*t));
	int err;

	if (!t)
		return err_set(e, -ENOMEM, "%s", strerror(ENOMEM));
	snprintf(t->name, sizeof(t->name), "%s", li->name);
	snprintf(t->uplink, sizeof(t->uplink), "%s", li->uplink);
	t->networks = calloc(li->n_nets ? li->n_nets : 1, sizeof(*t->networks));
	t->nodes = calloc(li->n_nodes ? li->n_nodes : 1, sizeof(*t->nodes));
	if (!t->networks || !t->nodes) {
		err = err_set(e, -ENOMEM, "%s", strerror(ENOMEM));
		goto fail;
	}
	t->n_networks = li->n_nets;
	t->n_nodes = li->n_nodes;
	err = nets_now(li, t, e);
	if (!err && (nodes_of(li, t) || links_of(li, t)))
		err = err_set(e, -ENOMEM, "%s", strerror(ENOMEM));
	if (!err)
		err = routes_of(li, t, e);
	if (!err)
		err = forwards_of(li, t, e);
	if (!err) {
		*out = t;
		return 0;
	}
fail:
	topo_free(t);
	return err;
}
