// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The networks, endpoints, routes and addr_filter maps (fill.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "nsbpf_maps.h"
#include "lab/fill.h"

/* The endpoint of leg k of node i. */
static struct nsb_endpoint leg_endpoint(const struct topo *t, const struct node_rt *rt, size_t i,
					size_t k)
{
	struct topo_leg leg = topo_node_leg(&t->nodes[i], k);
	struct leg_rt lr = node_rt_leg(&rt[i], k);
	struct nsb_endpoint v = { .ifindex = (__u32)lr.ifindex,
				  .net_id = t->networks[leg.network].id };

	memcpy(v.node_mac, lr.node_mac, 6);
	memcpy(v.host_mac, lr.host_mac, 6);
	return v;
}

/* Node i's leg in network net (a router's, for its routes there); its first when none is. */
static size_t net_leg(const struct topo *t, size_t i, int net)
{
	for (size_t k = 0; k < topo_node_n_legs(&t->nodes[i]); k++)
		if (topo_node_leg(&t->nodes[i], k).network == net)
			return k;
	return 0;
}

/* The highest network id of t, plus one: slots below it that t does not use are holes. */
static __u32 net_slots(const struct topo *t)
{
	__u32 n = 0;

	for (size_t i = 0; i < t->n_networks; i++)
		if (t->networks[i].id + 1 > n)
			n = t->networks[i].id + 1;
	return n;
}

int lab_fill_networks(int networks_fd, const struct topo *t)
{
	struct nsb_network slot[NSB_MAX_NETWORKS] = { 0 };
	__u32 slots = net_slots(t);

	for (size_t i = 0; i < t->n_networks; i++) {
		const struct topo_network *n = &t->networks[i];

		if (n->id >= NSB_MAX_NETWORKS)
			return -ERANGE;
		if (!n->prefix && n->prefix6) {
			/* IPv6 only: no IPv4 subnet to walk, but the reach both families obey */
			slot[n->id] = (struct nsb_network){
				.flags = NSB_NET_F_HOLE | NSB_NET_F_V6_ONLY,
				.reach = topo_reach_ids(t, n->reach),
			};
			continue;
		}
		slot[n->id] = (struct nsb_network){
			.subnet = htonl(n->subnet),
			.mask = htonl(n->prefix ? ~0U << (32 - n->prefix) : 0),
			.gateway = htonl(n->gateway),
			.flags = NSB_NET_F_USED | (n->masquerade ? NSB_NET_F_MASQUERADE : 0),
			.reach = topo_reach_ids(t, n->reach),
		};
	}
	/* every slot: a converge's holes flagged, the ids past the last emptied */
	for (__u32 id = 0; id < NSB_MAX_NETWORKS; id++) {
		if (id < slots && !(slot[id].flags & (NSB_NET_F_USED | NSB_NET_F_HOLE)))
			slot[id].flags = NSB_NET_F_HOLE;
		if (bpf_map_update_elem(networks_fd, &id, &slot[id], BPF_ANY))
			return -errno;
	}
	return 0;
}

/* One endpoint per leg of every node, keyed by the leg's address. */
int lab_fill_endpoints(int endpoints_fd, const struct topo *t, const struct node_rt *rt)
{
	for (size_t i = 0; i < t->n_nodes; i++) {
		for (size_t k = 0; k < topo_node_n_legs(&t->nodes[i]); k++) {
			struct nsb_endpoint v = leg_endpoint(t, rt, i, k);
			__be32 key = htonl(topo_node_leg(&t->nodes[i], k).ip);

			if (!key)
				continue; /* a leg in an IPv6-only network: endpoints6's */
			if (bpf_map_update_elem(endpoints_fd, &key, &v, BPF_ANY))
				return -errno;
		}
	}
	return 0;
}

/* One address's /24: flag (NSB_ADDR_FILTER_LAB or _HOST) in its slot. */
static void filter_set(__u64 *bits, uint32_t host_order, __u64 flag)
{
	uint32_t slot = NSB_ADDR_FILTER_SLOT(host_order);

	bits[NSB_ADDR_FILTER_WORD(slot)] |= flag << NSB_ADDR_FILTER_SHIFT(slot);
}

/* Every /24 of net's subnet (a /8 holds 65536 of them). */
static void filter_subnet(__u64 *bits, const struct nsb_network *net)
{
	uint32_t first = ntohl(net->subnet) >> 8, mask = ntohl(net->mask);
	uint32_t n24 = mask >= 0xffffff00U ? 1 : (~mask >> 8) + 1;

	for (uint32_t i = 0; i < n24 && i <= 0xffffff; i++)
		filter_set(bits, (first + i) << 8, NSB_ADDR_FILTER_LAB);
}

static int filter_networks(__u64 *bits, int networks_fd)
{
	for (__u32 id = 0; id < NSB_MAX_NETWORKS; id++) {
		struct nsb_network net;

		if (bpf_map_lookup_elem(networks_fd, &id, &net))
			return -errno;
		if (net.flags & NSB_NET_F_USED)
			filter_subnet(bits, &net);
	}
	return 0;
}

static int filter_host_addrs(__u64 *bits, int host_addrs_fd)
{
	__be32 key, next, *prev = NULL;

	while (!bpf_map_get_next_key(host_addrs_fd, prev, &next)) {
		filter_set(bits, ntohl(next), NSB_ADDR_FILTER_HOST);
		key = next;
		prev = &key;
	}
	return errno == ENOENT ? 0 : -errno;
}

/* Every /24 of every routed prefix in the routes map. */
static int filter_routes(__u64 *bits, int routes_fd)
{
	struct nsb_route_key key, next, *prev = NULL;

	while (!bpf_map_get_next_key(routes_fd, prev, &next)) {
		struct nsb_network net = {
			.subnet = next.addr,
			.mask = htonl(next.prefixlen ? ~0U << (32 - next.prefixlen) : 0),
		};

		filter_subnet(bits, &net);
		key = next;
		prev = &key;
	}
	return errno == ENOENT ? 0 : -errno;
}

int lab_fill_addr_filter(int filter_fd, int networks_fd, int host_addrs_fd, int routes_fd)
{
	__u64 *bits = calloc(NSB_ADDR_FILTER_WORDS, sizeof(*bits));
	int err;

	if (!bits)
		return -ENOMEM;
	err = filter_networks(bits, networks_fd);
	if (!err)
		err = filter_host_addrs(bits, host_addrs_fd);
	/* in the same write: a routed prefix's packets never look like the world's */
	if (!err && routes_fd >= 0)
		err = filter_routes(bits, routes_fd);
	for (__u32 w = 0; !err && w < NSB_ADDR_FILTER_WORDS; w++)
		if (bpf_map_update_elem(filter_fd, &w, &bits[w], BPF_ANY))
			err = -errno;
	free(bits);
	return err;
}

static bool route_in(const struct topo *t, const void *key)
{
	const struct nsb_route_key *k = key;

	for (size_t i = 0; i < t->n_networks; i++)
		for (size_t j = 0; j < t->networks[i].n_routes; j++) {
			const struct topo_net_route *r = &t->networks[i].routes[j];

			if (k->prefixlen == r->len && k->addr == htonl(r->prefix))
				return true;
		}
	return false;
}

static bool remote_in(const struct topo *t, const void *key)
{
	const struct nsb_route_key *k = key;

	for (size_t i = 0; i < t->n_networks; i++)
		for (size_t j = 0; j < t->networks[i].n_remotes; j++) {
			const struct topo_net_remote *r = &t->networks[i].remotes[j];

			if (k->prefixlen == r->len && k->addr == htonl(r->prefix))
				return true;
		}
	return false;
}

static bool leg_ip_in(const struct topo *t, const void *key)
{
	for (size_t i = 0; i < t->n_nodes; i++)
		for (size_t k = 0; k < topo_node_n_legs(&t->nodes[i]); k++)
			if (htonl(topo_node_leg(&t->nodes[i], k).ip) == *(const __be32 *)key)
				return true;
	return false;
}

/*
 * Delete the entries of fd whose key t does not have (keep() says): a
 * re-up or converge, or the selftests' tables. Keys of up to 16 bytes.
 */
static int drop_stale(int fd, bool (*keep)(const struct topo *, const void *), const struct topo *t)
{
	_Alignas(8) unsigned char key[16], next[16];
	bool first = true;

	while (!bpf_map_get_next_key(fd, first ? NULL : key, next)) {
		first = false;
		memcpy(key, next, sizeof(key));
		if (keep(t, key))
			continue;
		if (bpf_map_delete_elem(fd, key))
			return -errno;
		first = true; /* the walk starts over: the deleted key is gone */
	}
	return errno == ENOENT ? 0 : -errno;
}

int lab_fill_routes(int routes_fd, const struct topo *t, const struct node_rt *rt)
{
	int n = 0;

	for (size_t i = 0; i < t->n_networks; i++)
		for (size_t j = 0; j < t->networks[i].n_routes; j++, n++) {
			const struct topo_net_route *r = &t->networks[i].routes[j];
			struct nsb_route_key k = { .prefixlen = r->len, .addr = htonl(r->prefix) };
			size_t leg = net_leg(t, (size_t)r->via, (int)i);
			struct nsb_route v = {
				.ep = leg_endpoint(t, rt, (size_t)r->via, leg),
				.via = htonl(topo_node_leg(&t->nodes[r->via], leg).ip),
			};

			if (bpf_map_update_elem(routes_fd, &k, &v, BPF_ANY))
				return -errno;
		}
	return drop_stale(routes_fd, route_in, t) ?: n;
}

int lab_fill_remotes(int remotes_fd, const struct topo *t)
{
	int n = 0;

	for (size_t i = 0; i < t->n_networks; i++)
		for (size_t j = 0; j < t->networks[i].n_remotes; j++, n++) {
			const struct topo_net_remote *r = &t->networks[i].remotes[j];
			struct nsb_route_key k = { .prefixlen = r->len, .addr = htonl(r->prefix) };
			struct nsb_remote v = { .nh = { .nh_family = AF_INET,
							.ipv4_nh = htonl(r->via) },
						.net_id = t->networks[i].id };

			if (bpf_map_update_elem(remotes_fd, &k, &v, BPF_ANY))
				return -errno;
		}
	return drop_stale(remotes_fd, remote_in, t) ?: n;
}

int lab_fill_networks6(int networks6_fd, const struct topo *t)
{
	struct nsb_network6 slot[NSB_MAX_NETWORKS] = { 0 };

	for (size_t i = 0; i < t->n_networks; i++) {
		const struct topo_network *n = &t->networks[i];

		if (n->id >= NSB_MAX_NETWORKS)
			return -ERANGE;
		if (!n->prefix6)
			continue;
		memcpy(slot[n->id].subnet, &n->subnet6, 16);
		memcpy(slot[n->id].gateway, &n->gateway6, 16);
		slot[n->id].prefixlen = n->prefix6;
		slot[n->id].flags = NSB_NET_F_USED | (n->masquerade ? NSB_NET_F_MASQUERADE : 0);
	}
	/* every slot: the ids t does not use (or not for IPv6) emptied */
	for (__u32 id = 0; id < NSB_MAX_NETWORKS; id++)
		if (bpf_map_update_elem(networks6_fd, &id, &slot[id], BPF_ANY))
			return -errno;
	return 0;
}

int lab_lab6_outside(int networks6_fd, __u64 *outside)
{
	for (int w = 0; w < NSB_LAB6_OUTSIDE_WORDS; w++)
		outside[w] = ~0ULL;
	for (__u32 id = 0; id < NSB_MAX_NETWORKS; id++) {
		struct nsb_network6 n6;
		__u32 slot;

		if (bpf_map_lookup_elem(networks6_fd, &id, &n6))
			return -errno;
		/* as the datapath's scan: a used slot with a prefix is a subnet6 */
		if (!(n6.flags & NSB_NET_F_USED) || !n6.prefixlen)
			continue;
		if (n6.prefixlen < 48) {
			/* wider than a /48 (topo refuses it): no summary, always the scan */
			memset(outside, 0, NSB_LAB6_OUTSIDE_WORDS * sizeof(*outside));
			return 0;
		}
		slot = NSB_LAB6_SLOT(ntohl(n6.subnet[0]), ntohl(n6.subnet[1]));
		outside[slot / 64] &= ~(1ULL << (slot % 64));
	}
	return 0;
}

int lab_host6_outside(int host_addrs6_fd, __u64 *outside)
{
	struct nsb_addr6_key key, next, *prev = NULL;
	int n = 0;

	for (int w = 0; w < NSB_LAB6_OUTSIDE_WORDS; w++)
		outside[w] = ~0ULL;
	while (!bpf_map_get_next_key(host_addrs6_fd, prev, &next)) {
		__u32 slot = NSB_HOST6_SLOT(ntohl(next.addr[0]), ntohl(next.addr[1]),
					    ntohl(next.addr[2]), ntohl(next.addr[3]));

		outside[slot / 64] &= ~(1ULL << (slot % 64));
		key = next;
		prev = &key;
		if (++n > NSB_HOST_ADDRS6_MAX)
			return -E2BIG; /* a walk that does not end */
	}
	return errno == ENOENT ? 0 : -errno;
}

static bool ip6_in(const struct topo *t, const void *key)
{
	for (size_t i = 0; i < t->n_nodes; i++)
		for (size_t k = 0; k < topo_node_n_legs(&t->nodes[i]); k++) {
			struct topo_leg l = topo_node_leg(&t->nodes[i], k);

			if (topo_leg_has_v6(t, &t->nodes[i], k) && !memcmp(&l.ip6, key, 16))
				return true;
		}
	return false;
}

/* ifaces6 is keyed by ifindex: t's nodes' now, so keep() needs them at hand. */
static const struct node_rt *ifaces6_rt;

static bool iface6_in(const struct topo *t, const void *key)
{
	__u32 ifindex;

	memcpy(&ifindex, key, sizeof(ifindex));
	for (size_t i = 0; i < t->n_nodes; i++)
		for (size_t k = 0; k < topo_node_n_legs(&t->nodes[i]); k++)
			if (topo_leg_has_v6(t, &t->nodes[i], k) &&
			    (__u32)node_rt_leg(&ifaces6_rt[i], k).ifindex == ifindex)
				return true;
	return false;
}

int lab_fill_endpoints6(int endpoints6_fd, int ifaces6_fd, const struct topo *t,
			const struct node_rt *rt)
{
	int err;

	for (size_t i = 0; i < t->n_nodes; i++)
		for (size_t k = 0; k < topo_node_n_legs(&t->nodes[i]); k++) {
			struct topo_leg l = topo_node_leg(&t->nodes[i], k);
			struct nsb_iface6 ifc;
			__u32 ifindex;

			if (!topo_leg_has_v6(t, &t->nodes[i], k))
				continue;
			ifc.ep = leg_endpoint(t, rt, i, k); /* every leg with IPv6 */
			memcpy(ifc.addr, &l.ip6, 16);
			ifindex = ifc.ep.ifindex;
			if (bpf_map_update_elem(endpoints6_fd, ifc.addr, &ifc.ep, BPF_ANY) ||
			    bpf_map_update_elem(ifaces6_fd, &ifindex, &ifc, BPF_ANY))
				return -errno;
		}
	err = drop_stale(endpoints6_fd, ip6_in, t);
	if (!err) {
		ifaces6_rt = rt;
		err = drop_stale(ifaces6_fd, iface6_in, t);
		ifaces6_rt = NULL;
	}
	return err;
}

int lab_fill_host_addrs6(int host_addrs6_fd, const struct in6_addr *addrs, size_t n)
{
	struct nsb_addr6_key key, next;
	__u8 one = 1;

	/* restart from the first key each time: the one just deleted is gone */
	while (!bpf_map_get_next_key(host_addrs6_fd, NULL, &next)) {
		key = next;
		if (bpf_map_delete_elem(host_addrs6_fd, &key))
			return -errno;
	}
	for (size_t i = 0; i < n && i < NSB_HOST_ADDRS6_MAX; i++)
		if (bpf_map_update_elem(host_addrs6_fd, &addrs[i], &one, BPF_ANY))
			return -errno;
	return 0;
}

int lab_fill_prune(int networks_fd, int endpoints_fd, const struct topo *t)
{
	int err = drop_stale(endpoints_fd, leg_ip_in, t);

	/* ids t does not use: holes or empty, so addr_filter and reach forget them */
	return err ?: lab_fill_networks(networks_fd, t);
}
