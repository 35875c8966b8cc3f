// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The selftests' labs (labs.h) as the loader describes a lab, a topology
 * and its nodes' runtime facts, installed through the loader's fill path.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <bpf/bpf.h>

#include "nsbpf_maps.h"
#include "lab/fill.h"
#include "labs.h"

/* 02: locally administered; 4e 'N' node side, 48 'H' host end */
#define NODE_MAC(n)                    \
	{                              \
		0x02, 0x4e, 0, 0, 0, n \
	}
#define HOST_MAC(n)                    \
	{                              \
		0x02, 0x48, 0, 0, 0, n \
	}

const uint8_t earth_mac[6] = NODE_MAC(11);
const uint8_t earth_host[6] = HOST_MAC(11);
const uint8_t neptune_mac[6] = NODE_MAC(12);
const uint8_t neptune_host[6] = HOST_MAC(12);
const uint8_t mars_mac[6] = NODE_MAC(21);
const uint8_t mars_host[6] = HOST_MAC(21);
const uint8_t pluto_mac[6] = NODE_MAC(31);
const uint8_t pluto_host[6] = HOST_MAC(31);
const uint8_t halley_mac[6] = NODE_MAC(41);
const uint8_t halley_host[6] = HOST_MAC(41);
const uint8_t bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
const uint8_t rogue_mac[6] = { 0x02, 0x66, 0, 0, 0, 0x66 };
const uint8_t uplink_mac[6] = { 0x02, 0x55, 0, 0, 0, 2 };
const uint8_t router_mac[6] = { 0x02, 0x57, 0, 0, 0, 1 };

#define BIT(n) (1ULL << (n))
#define N(a)   (sizeof(a) / sizeof((a)[0]))

/* clang-format off */
static struct topo_node planets_nodes[] = {
	{ .name = "earth", .network = NET_PLANET, .ip = EARTH_IP },
	{ .name = "neptune", .network = NET_PLANET, .ip = NEPTUNE_IP },
	{ .name = "mars", .network = NET_MOON, .ip = MARS_IP },
	{ .name = "pluto", .network = NET_EXILE, .ip = PLUTO_IP },
};

static const struct node_rt planets_rt[] = {
	{ .ifindex = EARTH_IF, .node_mac = NODE_MAC(11), .host_mac = HOST_MAC(11) },
	{ .ifindex = NEPTUNE_IF, .node_mac = NODE_MAC(12), .host_mac = HOST_MAC(12) },
	{ .ifindex = MARS_IF, .node_mac = NODE_MAC(21), .host_mac = HOST_MAC(21) },
	{ .ifindex = PLUTO_IF, .node_mac = NODE_MAC(31), .host_mac = HOST_MAC(31) },
};

#define PLANET(reach_, masq) { .name = "planet", .subnet = IP4(10, 200, 0, 0), .prefix = 24, \
			       .gateway = PLANET_GW, .masquerade = masq, .reach = reach_, \
			       .id = NET_PLANET }
#define MOON(masq) { .name = "moon", .subnet = IP4(10, 201, 0, 0), .prefix = 24, \
		     .gateway = MOON_GW, .masquerade = masq, \
		     .reach = BIT(NET_PLANET) | BIT(NET_MOON), .id = NET_MOON }
#define EXILE { .name = "exile", .subnet = IP4(10, 202, 0, 0), .prefix = 24, \
		.gateway = IP4(10, 202, 0, 1), .reach = BIT(NET_EXILE), .id = NET_EXILE }

/* index == NET_* id */
static struct topo_network planets_nets[] = {
	PLANET(BIT(NET_PLANET) | BIT(NET_MOON), false), MOON(false), EXILE,
};
static struct topo_network apart_nets[] = {
	PLANET(BIT(NET_MOON), false), MOON(false), EXILE,
};
static struct topo_network masq_nets[] = {
	PLANET(BIT(NET_PLANET) | BIT(NET_MOON), true), MOON(true), EXILE,
};

/* lab_routed: earth (0), mars (2) and pluto (3) are routers */
static struct topo_node routed_nodes[] = {
	{ .name = "earth", .network = NET_PLANET, .ip = EARTH_IP, .forwarding = true },
	{ .name = "neptune", .network = NET_PLANET, .ip = NEPTUNE_IP },
	{ .name = "mars", .network = NET_MOON, .ip = MARS_IP, .forwarding = true },
	{ .name = "pluto", .network = NET_EXILE, .ip = PLUTO_IP, .forwarding = true },
};

static struct topo_net_route planet_routes[] = { { .prefix = IP4(10, 209, 0, 0), .len = 24, .via = 0 } };
static struct topo_net_route moon_routes[] = { { .prefix = IP4(10, 210, 0, 0), .len = 24, .via = 2 } };
static struct topo_net_route exile_routes[] = { { .prefix = IP4(10, 212, 0, 0), .len = 24, .via = 3 } };

static struct topo_network routed_nets[] = {
	PLANET(BIT(NET_PLANET) | BIT(NET_MOON), true), MOON(true), EXILE,
};
static struct topo_net_remote planet_remotes[] = {
	{ .prefix = IP4(10, 89, 0, 0), .len = 16, .via = PLANET_VIA } };
static struct topo_net_remote moon_remotes[] = {
	{ .prefix = IP4(10, 90, 0, 0), .len = 16, .via = MOON_VIA } };

static struct topo_network remote_nets[] = {
	PLANET(BIT(NET_PLANET) | BIT(NET_MOON), true), MOON(true), EXILE,
};
/* lab_dual: IPv6 beside IPv4, and an IPv6-only network (comet, id 3) */
#define A6(net, host) { .s6_addr = IP6(net, host) }
static struct topo_node dual_nodes[] = {
	{ .name = "earth", .network = NET_PLANET, .ip = EARTH_IP, .ip6 = A6(0x200, 0x11) },
	{ .name = "neptune", .network = NET_PLANET, .ip = NEPTUNE_IP, .ip6 = A6(0x200, 0x12) },
	{ .name = "mars", .network = NET_MOON, .ip = MARS_IP, .ip6 = A6(0x201, 0x21) },
	{ .name = "pluto", .network = NET_EXILE, .ip = PLUTO_IP, .ip6 = A6(0x202, 0x31) },
	{ .name = "halley", .network = NET_COMET, .ip6 = A6(0x203, 0x41) },
};

static const struct node_rt dual_rt[] = {
	{ .ifindex = EARTH_IF, .node_mac = NODE_MAC(11), .host_mac = HOST_MAC(11) },
	{ .ifindex = NEPTUNE_IF, .node_mac = NODE_MAC(12), .host_mac = HOST_MAC(12) },
	{ .ifindex = MARS_IF, .node_mac = NODE_MAC(21), .host_mac = HOST_MAC(21) },
	{ .ifindex = PLUTO_IF, .node_mac = NODE_MAC(31), .host_mac = HOST_MAC(31) },
	{ .ifindex = HALLEY_IF, .node_mac = NODE_MAC(41), .host_mac = HOST_MAC(41) },
};

#define V6(net) .subnet6 = A6(net, 0), .prefix6 = 64, .gateway6 = A6(net, 1)
static struct topo_network dual_nets[] = {
	{ .name = "planet", .subnet = IP4(10, 200, 0, 0), .prefix = 24, .gateway = PLANET_GW,
	  .reach = BIT(NET_PLANET) | BIT(NET_MOON) | BIT(NET_COMET), .id = NET_PLANET, V6(0x200) },
	{ .name = "moon", .subnet = IP4(10, 201, 0, 0), .prefix = 24, .gateway = MOON_GW,
	  .reach = BIT(NET_PLANET) | BIT(NET_MOON), .id = NET_MOON, V6(0x201) },
	{ .name = "exile", .subnet = IP4(10, 202, 0, 0), .prefix = 24,
	  .gateway = IP4(10, 202, 0, 1), .reach = BIT(NET_EXILE), .id = NET_EXILE, V6(0x202) },
	{ .name = "comet", .reach = BIT(NET_PLANET) | BIT(NET_COMET), .id = NET_COMET, V6(0x203) },
};
/* clang-format on */

#define TOPO(name_, nets)                                                                       \
	{                                                                                       \
		.name = name_, .networks = nets, .n_networks = N(nets), .nodes = planets_nodes, \
		.n_nodes = N(planets_nodes)                                                     \
	}

static const struct topo planets_topo = TOPO("planets", planets_nets);
static const struct topo apart_topo = TOPO("planet_apart", apart_nets);
static const struct topo masq_topo = TOPO("masq", masq_nets);

const struct test_lab lab_planets = { &planets_topo, planets_rt };
const struct test_lab lab_planet_apart = { &apart_topo, planets_rt };
const struct test_lab lab_masq = { &masq_topo, planets_rt };

static struct topo routed_topo = {
	.name = "routed",
	.networks = routed_nets,
	.n_networks = N(routed_nets),
	.nodes = routed_nodes,
	.n_nodes = N(routed_nodes),
};

const struct test_lab lab_routed = { &routed_topo, planets_rt };

static const struct topo remote_topo = TOPO("remote", remote_nets);

const struct test_lab lab_remote = { &remote_topo, planets_rt };

static const struct topo dual_topo = {
	.name = "dual",
	.networks = dual_nets,
	.n_networks = N(dual_nets),
	.nodes = dual_nodes,
	.n_nodes = N(dual_nodes),
};

const struct test_lab lab_dual = { &dual_topo, dual_rt };

/* The remote subnets of lab_remote, hung on its networks as routed_init() does. */
static void remote_init(void)
{
	remote_nets[NET_PLANET].remotes = planet_remotes;
	remote_nets[NET_PLANET].n_remotes = N(planet_remotes);
	remote_nets[NET_MOON].remotes = moon_remotes;
	remote_nets[NET_MOON].n_remotes = N(moon_remotes);
}

/* The routes of lab_routed, hung on its networks (PLANET() and friends have no room). */
static void routed_init(void)
{
	routed_nets[NET_PLANET].routes = planet_routes;
	routed_nets[NET_PLANET].n_routes = N(planet_routes);
	routed_nets[NET_MOON].routes = moon_routes;
	routed_nets[NET_MOON].n_routes = N(moon_routes);
	routed_nets[NET_EXILE].routes = exile_routes;
	routed_nets[NET_EXILE].n_routes = N(exile_routes);
}

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

/* Unused network ids stay all zero (no NSB_NET_F_USED), as in a fresh map. */
static int clear_networks(int fd)
{
	struct nsb_network none = { 0 };

	for (__u32 id = 0; id < NSB_MAX_NETWORKS; id++)
		if (bpf_map_update_elem(fd, &id, &none, BPF_ANY))
			return -errno;
	return 0;
}

int test_lab_install(const struct test_lab *lab, int endpoints_fd, int networks_fd)
{
	int err;

	err = clear_endpoints(endpoints_fd);
	if (!err)
		err = clear_networks(networks_fd);
	if (!err)
		err = lab_fill_networks(networks_fd, lab->topo);
	if (!err)
		err = lab_fill_endpoints(endpoints_fd, lab->topo, lab->rt);
	return err;
}

int test_lab_install_remotes(const struct test_lab *lab, int remotes_fd)
{
	remote_init();
	return lab_fill_remotes(remotes_fd, lab->topo);
}

int test_lab_install_routes(const struct test_lab *lab, int routes_fd)
{
	routed_init();
	return lab_fill_routes(routes_fd, lab->topo, lab->rt);
}

int test_lab_install6(const struct test_lab *lab, int networks6_fd, int endpoints6_fd,
		      int ifaces6_fd)
{
	int err = lab_fill_networks6(networks6_fd, lab->topo);

	return err ?: lab_fill_endpoints6(endpoints6_fd, ifaces6_fd, lab->topo, lab->rt);
}

int test_nets6_pad(int networks_fd, int networks6_fd, __u32 first)
{
	for (__u32 id = first; id < NSB_MAX_NETWORKS; id++) {
		/* 2001:db8:e0XX::/64, the /48s apart; the gateway its ::1 */
		struct nsb_network6 n6 = { .subnet = { htonl(0x20010db8),
						       htonl(0xe0000000 | id << 16) },
					   .prefixlen = 64,
					   .flags = NSB_NET_F_USED };
		struct nsb_network net = { .flags = NSB_NET_F_HOLE | NSB_NET_F_V6_ONLY };

		memcpy(n6.gateway, n6.subnet, sizeof(n6.gateway));
		n6.gateway[3] = htonl(1);
		if (bpf_map_update_elem(networks_fd, &id, &net, BPF_ANY) ||
		    bpf_map_update_elem(networks6_fd, &id, &n6, BPF_ANY))
			return -errno;
	}
	return 0;
}
