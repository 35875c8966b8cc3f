// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The networks and endpoints maps from a topology (fill.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <bpf/bpf.h>

#include "nsbpf_maps.h"
#include "lab/fill.h"

int lab_fill_networks(int networks_fd, const struct topo *t)
{
	for (size_t i = 0; i < t->n_networks; i++) {
		const struct topo_network *n = &t->networks[i];
		struct nsb_network v = {
			.subnet = htonl(n->subnet),
			.mask = htonl(n->prefix ? ~0U << (32 - n->prefix) : 0),
			.gateway = htonl(n->gateway),
			.flags = NSB_NET_F_USED | (n->masquerade ? NSB_NET_F_MASQUERADE : 0),
			.reach = n->reach,
		};
		__u32 id = (__u32)i;

		if (bpf_map_update_elem(networks_fd, &id, &v, BPF_ANY))
			return -errno;
	}
	return 0;
}

int lab_fill_endpoints(int endpoints_fd, const struct topo *t, const struct node_rt *rt)
{
	for (size_t i = 0; i < t->n_nodes; i++) {
		const struct topo_node *n = &t->nodes[i];
		struct nsb_endpoint v = { .ifindex = (__u32)rt[i].ifindex,
					  .net_id = (__u32)n->network };
		__be32 key = htonl(n->ip);

		memcpy(v.node_mac, rt[i].node_mac, 6);
		memcpy(v.host_mac, rt[i].host_mac, 6);
		if (bpf_map_update_elem(endpoints_fd, &key, &v, BPF_ANY))
			return -errno;
	}
	return 0;
}
