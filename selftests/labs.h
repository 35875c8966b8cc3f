/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The selftests' labs: named networks, nodes and addresses, described as
 * the loader describes a lab and installed by the loader's own fill code.
 *
 *   planet 10.200.0.0/24 gw .1   earth .11 (if 101), neptune .12 (if 102)
 *   moon   10.201.0.0/24 gw .1   mars  .21 (if 103)      planet <-> moon
 *   exile  10.202.0.0/24 gw .1   pluto .31 (if 104)      reaches only itself
 *
 * The ifindexes need not exist: from_node reads skb->ingress_ifindex, which
 * BPF_PROG_TEST_RUN takes from ctx_in as it is, and the redirect target is
 * only recorded, never used. lab_masq is the same picture with planet and
 * moon masquerading to the outside world through the uplink (UPLINK_IP;
 * REMOTE_IP and friends are out there); exile does not masquerade.
 *
 * lab_routed is lab_masq with routers: earth, mars and pluto forward, and
 * each has a routed prefix behind it (networks.N.routes):
 *   planet  10.209.0.0/24 via earth   moon  10.210.0.0/24 via mars
 *   exile   10.212.0.0/24 via pluto   (10.211.0.0/24: nobody's)
 */
#ifndef NSBPF_SELFTESTS_LABS_H
#define NSBPF_SELFTESTS_LABS_H

#include <stdint.h>

#include "lab/lab.h"
#include "topo/topo.h"
#include "pkt.h"

#define NET_PLANET 0
#define NET_MOON   1
#define NET_EXILE  2

#define PLANET_GW     IP4(10, 200, 0, 1)
#define PLANET_BCAST  IP4(10, 200, 0, 255)
#define PLANET_NONE   IP4(10, 200, 0, 99) /* in the subnet, no node */
#define MOON_GW	      IP4(10, 201, 0, 1)
#define MOON_NONE     IP4(10, 201, 0, 99)
#define EARTH_IP      IP4(10, 200, 0, 11)
#define NEPTUNE_IP    IP4(10, 200, 0, 12)
#define MARS_IP	      IP4(10, 201, 0, 21)
#define PLUTO_IP      IP4(10, 202, 0, 31)
#define STRANGER_IP   IP4(10, 200, 0, 66) /* in planet, not a node */
#define OUTSIDE_IP    IP4(192, 0, 2, 80)  /* TEST-NET-1: the outside world */
#define MDNS_IP	      IP4(224, 0, 0, 251)
#define UPLINK_IP     IP4(203, 0, 113, 2)  /* TEST-NET-3: the uplink's address */
#define ROUTER_IP     IP4(203, 0, 113, 1)  /* the first router out there */
#define REMOTE_IP     OUTSIDE_IP	   /* a server out in the world */
#define REMOTE2_IP    IP4(198, 51, 100, 7) /* TEST-NET-2: another one */
#define HOST_IP	      IP4(192, 168, 50, 1) /* another address of the host */
#define LIMITED_BCAST IP4(255, 255, 255, 255)

#define BEHIND_EARTH IP4(10, 209, 0, 5) /* in earth's routed prefix */
#define BEHIND_MARS  IP4(10, 210, 0, 5)
#define BEHIND_PLUTO IP4(10, 212, 0, 5)
#define BEHIND_NONE  IP4(10, 211, 0, 5) /* in no prefix, no subnet */

/* lab_remote: other machines' pod subnets, behind next hops on the uplink's link */
#define PLANET_REMOTE IP4(10, 89, 0, 7)	   /* a pod in planet's remote 10.89.0.0/16 */
#define MOON_REMOTE   IP4(10, 90, 0, 7)	   /* one in moon's remote 10.90.0.0/16 */
#define PLANET_VIA    IP4(203, 0, 113, 12) /* the next hops: other machines' uplinks */
#define MOON_VIA      IP4(203, 0, 113, 13)

/*
 * lab_dual: lab_planets dual-stack, plus comet, an IPv6-only network:
 *   planet fd00:200::/64 gw ::1  earth ::11, neptune ::12
 *   moon   fd00:201::/64 gw ::1  mars ::21
 *   exile  fd00:202::/64 gw ::1  pluto ::31
 *   comet  fd00:203::/64 gw ::1  halley ::41 (if 105)   comet <-> planet
 * IP6(net, host): fd00:<net>::<host>, both two hex bytes as written.
 */
#define NET_COMET 3
#define IP6(net, host)                                                                         \
	{                                                                                      \
		0xfd, 0x00, (net) >> 8, (net)&0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (host) >> 8, \
			(host)&0xff                                                            \
	}
#define HALLEY_IF 105
extern const uint8_t halley_mac[6], halley_host[6];

#define EARTH_IF   101
#define NEPTUNE_IF 102
#define MARS_IF	   103
#define PLUTO_IF   104

/* node_mac: eth0 in the node; host: the host end of its veth */
extern const uint8_t earth_mac[6], earth_host[6];
extern const uint8_t neptune_mac[6], neptune_host[6];
extern const uint8_t mars_mac[6], mars_host[6];
extern const uint8_t pluto_mac[6], pluto_host[6];
extern const uint8_t bcast_mac[6], rogue_mac[6];
extern const uint8_t uplink_mac[6], router_mac[6]; /* the uplink, the world's router */

/*
 * A selftest lab is the loader's own description: its topology and the
 * runtime facts of its nodes (rt[i] belongs to topo->nodes[i]), installed
 * through the loader's fill path (lab/fill.h). Network ids are indexes.
 */
struct test_lab {
	const struct topo *topo;
	const struct node_rt *rt;
};

extern const struct test_lab lab_planets;      /* the picture above */
extern const struct test_lab lab_planet_apart; /* planet's nodes may not reach each other */
extern const struct test_lab lab_masq;	       /* planet and moon masquerade, exile not */
extern const struct test_lab lab_routed;       /* lab_masq with routers and routed prefixes */
extern const struct test_lab lab_remote;       /* lab_masq with remote subnets on planet, moon */
extern const struct test_lab lab_dual;	       /* lab_planets dual-stack, and comet (IPv6 only) */

/* The runtime facts of node n of lab, and the mask of network net, host order. */
static inline const struct node_rt *test_lab_rt(const struct test_lab *lab,
						const struct topo_node *n)
{
	return &lab->rt[n - lab->topo->nodes];
}

static inline uint32_t test_lab_mask(const struct topo_network *net)
{
	return net->prefix ? ~0U << (32 - net->prefix) : 0;
}

/* Replaces the contents of the endpoints and networks maps with lab. 0 or -errno. */
int test_lab_install(const struct test_lab *lab, int endpoints_fd, int networks_fd);
/*
 * Replaces the contents of the IPv6 maps (networks6, endpoints6, ifaces6)
 * with lab's: empty for a lab without IPv6. 0 or -errno.
 */
int test_lab_install6(const struct test_lab *lab, int networks6_fd, int endpoints6_fd,
		      int ifaces6_fd);
/*
 * IPv6-only networks in every id from first to the last (NSB_MAX_NETWORKS
 * - 1): 2001:db8:e0XX::/64 (XX the id), each in a /48 of its own, as holes
 * in networks. The most networks6 entries the datapath walks. 0 or -errno.
 */
int test_nets6_pad(int networks_fd, int networks6_fd, __u32 first);
/* Replaces the contents of the routes map with lab's: the count (config.routes), or -errno. */
int test_lab_install_routes(const struct test_lab *lab, int routes_fd);
/* Its remote subnets (and none of another lab's): how many, or -errno. */
int test_lab_install_remotes(const struct test_lab *lab, int remotes_fd);

#endif /* NSBPF_SELFTESTS_LABS_H */
