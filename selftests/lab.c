// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The selftests' lab (lab.h) and how it lands in the maps: the same
 * structs the loader fills, through the ABI header.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <bpf/bpf.h>

#include "nsbpf_maps.h"
#include "lab.h"

/* 02: locally administered; 4e 'N' node side, 48 'H' host end */
const uint8_t earth_mac[6] = { 0x02, 0x4e, 0, 0, 0, 11 };
const uint8_t earth_host[6] = { 0x02, 0x48, 0, 0, 0, 11 };
const uint8_t neptune_mac[6] = { 0x02, 0x4e, 0, 0, 0, 12 };
const uint8_t neptune_host[6] = { 0x02, 0x48, 0, 0, 0, 12 };
const uint8_t mars_mac[6] = { 0x02, 0x4e, 0, 0, 0, 21 };
const uint8_t mars_host[6] = { 0x02, 0x48, 0, 0, 0, 21 };
const uint8_t pluto_mac[6] = { 0x02, 0x4e, 0, 0, 0, 31 };
const uint8_t pluto_host[6] = { 0x02, 0x48, 0, 0, 0, 31 };
const uint8_t bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
const uint8_t rogue_mac[6] = { 0x02, 0x66, 0, 0, 0, 0x66 };
const uint8_t uplink_mac[6] = { 0x02, 0x55, 0, 0, 0, 2 };
const uint8_t router_mac[6] = { 0x02, 0x57, 0, 0, 0, 1 };

#define MASK24 0xffffff00u
#define BIT(n) (1ULL << (n))

/* clang-format off */
static const struct lab_node planets_nodes[] = {
	{ EARTH_IP, EARTH_IF, NET_PLANET, earth_mac, earth_host },
	{ NEPTUNE_IP, NEPTUNE_IF, NET_PLANET, neptune_mac, neptune_host },
	{ MARS_IP, MARS_IF, NET_MOON, mars_mac, mars_host },
	{ PLUTO_IP, PLUTO_IF, NET_EXILE, pluto_mac, pluto_host },
};
/* clang-format on */

/* clang-format off */
static const struct lab_net planets_nets[] = {
	{ NET_PLANET, IP4(10, 200, 0, 0), MASK24, PLANET_GW, BIT(NET_PLANET) | BIT(NET_MOON), 0 },
	{ NET_MOON, IP4(10, 201, 0, 0), MASK24, MOON_GW, BIT(NET_PLANET) | BIT(NET_MOON), 0 },
	{ NET_EXILE, IP4(10, 202, 0, 0), MASK24, IP4(10, 202, 0, 1), BIT(NET_EXILE), 0 },
};
/* clang-format on */

/* clang-format off */
static const struct lab_net apart_nets[] = {
	{ NET_PLANET, IP4(10, 200, 0, 0), MASK24, PLANET_GW, BIT(NET_MOON), 0 },
	{ NET_MOON, IP4(10, 201, 0, 0), MASK24, MOON_GW, BIT(NET_PLANET) | BIT(NET_MOON), 0 },
	{ NET_EXILE, IP4(10, 202, 0, 0), MASK24, IP4(10, 202, 0, 1), BIT(NET_EXILE), 0 },
};
/* clang-format on */

/* clang-format off */
static const struct lab_net masq_nets[] = {
	{ NET_PLANET, IP4(10, 200, 0, 0), MASK24, PLANET_GW, BIT(NET_PLANET) | BIT(NET_MOON),
	  NSB_NET_F_MASQUERADE },
	{ NET_MOON, IP4(10, 201, 0, 0), MASK24, MOON_GW, BIT(NET_PLANET) | BIT(NET_MOON),
	  NSB_NET_F_MASQUERADE },
	{ NET_EXILE, IP4(10, 202, 0, 0), MASK24, IP4(10, 202, 0, 1), BIT(NET_EXILE), 0 },
};
/* clang-format on */

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

const struct lab lab_planets = {
	"planets", planets_nets, N(planets_nets), planets_nodes, N(planets_nodes),
};

const struct lab lab_planet_apart = {
	"planet_apart", apart_nets, N(apart_nets), planets_nodes, N(planets_nodes),
};

const struct lab lab_masq = {
	"masq", masq_nets, N(masq_nets), planets_nodes, N(planets_nodes),
};

static int clear_endpoints(int fd)
{
	__be32 key, next;

	/* restart from the first key each time: the one just deleted is gone */
	while (!bpf_map_get_next_key(fd, NULL, &next)) {
		key = next;
		if (bpf_map_delete_elem(fd, &key))
			return -errno;
	}
	return errno == ENOENT ? 0 : -errno;
}

int lab_install(const struct lab *lab, int endpoints_fd, int networks_fd)
{
	struct nsb_network net;
	int err;

	err = clear_endpoints(endpoints_fd);
	if (err)
		return err;
	for (__u32 id = 0; id < NSB_MAX_NETWORKS; id++) {
		memset(&net, 0, sizeof(net));
		for (int i = 0; i < lab->n_nets; i++) {
			const struct lab_net *n = &lab->nets[i];

			if (n->id != id)
				continue;
			net.subnet = htonl(n->subnet);
			net.mask = htonl(n->mask);
			net.gateway = htonl(n->gateway);
			net.flags = NSB_NET_F_USED | n->flags;
			net.reach = n->reach;
		}
		if (bpf_map_update_elem(networks_fd, &id, &net, BPF_ANY))
			return -errno;
	}
	for (int i = 0; i < lab->n_nodes; i++) {
		const struct lab_node *n = &lab->nodes[i];
		struct nsb_endpoint ep = { .ifindex = n->ifindex, .net_id = n->net_id };
		__be32 key = htonl(n->ip);

		memcpy(ep.node_mac, n->mac, 6);
		memcpy(ep.host_mac, n->host, 6);
		if (bpf_map_update_elem(endpoints_fd, &key, &ep, BPF_NOEXIST))
			return -errno;
	}
	return 0;
}
