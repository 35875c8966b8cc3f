/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Labs whose endpoints come and go one by one (the CNI plugin, loader/cni/):
 * a lab with one network and no node yet, then endpoints added into network
 * namespaces someone else made (a container runtime's: a path, not a
 * /run/netns name) and removed again, each without touching the others.
 * Like all of lab/, nothing here prints: 0/-errno with the words in e.
 */
#ifndef NSBPF_LAB_EP_H
#define NSBPF_LAB_EP_H

#include <stdbool.h>
#include <stdint.h>

#include "lab/lab.h"
#include "util/err.h"

#define LAB_EP_REMOTES_MAX 64

/* Another machine's subnet, reached natively through via (networks.N.remote). */
struct lab_ep_remote {
	uint32_t subnet; /* host order */
	int prefix;
	uint32_t via; /* host order, on the uplink's link */
};

/* The one network of an endpoint lab. */
struct lab_ep_net {
	char name[TOPO_NAME_MAX];   /* the lab's and its network's name */
	char uplink[TOPO_IFNAMSIZ]; /* "": the default route's device */
	uint32_t subnet;	    /* host order */
	int prefix;
	uint32_t gateway; /* 0: subnet + 1 */
	bool masquerade;
	struct lab_ep_remote remotes[LAB_EP_REMOTES_MAX];
	size_t n_remotes;
};

/*
 * Bring up the lab of net with no endpoint: maps, pins, uplink programs;
 * its file is recorded as "cni:NAME" (lab_info's file), what marks it.
 * 0, or -errno with every problem in r (as lab_up's); r->bad_input when
 * the network does not fit this host.
 */
int lab_ep_net_up(const struct lab_ep_net *net, const struct up_opts *o, struct up_result *r);

#define LAB_EP_ROUTES_MAX 16

struct lab_ep_route {
	uint32_t dst; /* host order */
	int prefix;
	uint32_t gw; /* 0: the network's gateway */
};

/* One endpoint: a veth from the lab's host netns into netns, ifname inside. */
struct lab_ep {
	char node[TOPO_NAME_MAX];   /* its node name in the lab */
	char hostif[TOPO_IFNAMSIZ]; /* the host end */
	char netns[TOPO_NAME_MAX];  /* path of the namespace it goes into */
	char ifname[TOPO_IFNAMSIZ]; /* its name there */
	uint32_t ip;		    /* host order, in the lab's subnet */
	int prefix;		    /* of the address inside (the subnet's) */
	struct lab_ep_route routes[LAB_EP_ROUTES_MAX];
	int n_routes;
};

/* What the endpoint got. */
struct lab_ep_rt {
	uint8_t node_mac[6];
	uint8_t host_mac[6];
	uint32_t gateway; /* host order */
};

/*
 * Add ep to the running lab: the veth, the addresses and routes inside,
 * the host end's programs, the endpoints map, the lab file. All or
 * nothing. -EEXIST: the node name, address or host end is taken; -ENOENT:
 * no such lab or netns.
 */
int lab_ep_add(const char *lab, const struct lab_ep *ep, struct lab_ep_rt *rt, struct err_msg *e);

/*
 * Remove the endpoint of node name: map entry, host end (its peer goes with
 * it), forwards to it, its line in the lab file. 0 also when it is gone
 * already; *left: the lab's endpoints after it.
 */
int lab_ep_del(const char *lab, const char *node, size_t *left, struct err_msg *e);

/* Is the endpoint there as added: host end up, ifname with ip inside netns? 0 or -errno, e. */
int lab_ep_check(const char *lab, const struct lab_ep *ep, struct err_msg *e);

#endif /* NSBPF_LAB_EP_H */
