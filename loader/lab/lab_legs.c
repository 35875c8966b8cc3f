// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A node's legs, links and routes as up creates them. Every leg has a host
 * end like eth0's ("<lab>-<node>.<k>" for eth<k>, journaled before it is
 * made, so down removes it after a killed up); a link is a veth pair made
 * straight between two node namespaces, and goes with them; routes and
 * netem qdiscs go with their devices.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lab/lab.h"
#include "lab/lab_up.h"
#include "sys/journal.h"
#include "sys/netns.h"
#include "sys/nl.h"
#include "sys/qdisc.h"
#include "util/addr.h"
#include "util/log.h"

int node_rts_alloc(const struct topo *t, struct node_rt **rt)
{
	*rt = calloc(t->n_nodes ? t->n_nodes : 1, sizeof(**rt));
	if (!*rt)
		return -ENOMEM;
	for (size_t i = 0; i < t->n_nodes; i++) {
		if (!t->nodes[i].n_legs)
			continue;
		(*rt)[i].legs = calloc(t->nodes[i].n_legs, sizeof(*(*rt)[i].legs));
		if (!(*rt)[i].legs) {
			node_rts_free(t, *rt);
			*rt = NULL;
			return -ENOMEM;
		}
	}
	return 0;
}

void node_rts_free(const struct topo *t, struct node_rt *rt)
{
	for (size_t i = 0; rt && i < t->n_nodes; i++)
		free(rt[i].legs);
	free(rt);
}

struct leg_rt node_rt_leg(const struct node_rt *rt, size_t k)
{
	struct leg_rt l = { .ifindex = rt->ifindex };

	if (k)
		return rt->legs[k - 1];
	memcpy(l.node_mac, rt->node_mac, 6);
	memcpy(l.host_mac, rt->host_mac, 6);
	return l;
}

void lab_leg_macs(const char *lab, const char *node, size_t k, uint8_t node_mac[6],
		  uint8_t host_mac[6])
{
	char name[TOPO_NAME_MAX + 24];

	if (!k) {
		lab_node_macs(lab, node, node_mac, host_mac);
		return;
	}
	snprintf(name, sizeof(name), "%s.%zu", node, k); /* no node name has a '.' */
	lab_node_macs(lab, name, node_mac, host_mac);
}

void lab_link_mac(const char *lab, const char *node, const char *ifname, uint8_t mac[6])
{
	char name[TOPO_NAME_MAX + TOPO_IFNAMSIZ + 2];
	uint8_t unused[6];

	snprintf(name, sizeof(name), "%s:%s", node, ifname);
	lab_node_macs(lab, name, mac, unused);
}

static struct qdisc_impair impair_of(const struct topo_netem *ne)
{
	return (struct qdisc_impair){ ne->delay_us, ne->jitter_us, ne->loss_ppm, ne->rate_bps };
}

/* netem on ifname (in node's view): 0, or -errno said once, with the kernel's lack named. */
static int impair(struct nl_sock *sk, int ifindex, const struct topo_netem *ne, const char *node,
		  const char *ifname)
{
	struct qdisc_impair im = impair_of(ne);
	int err = ne->set ? qdisc_impair_set(sk, ifindex, &im) : 0;

	if (err == -EOPNOTSUPP)
		pr_warn("node %s: netem on %s: this kernel has no %s qdisc (CONFIG_NET_SCH_%s)\n",
			node, ifname, ne->delay_us || ne->loss_ppm ? "netem" : "tbf",
			ne->delay_us || ne->loss_ppm ? "NETEM" : "TBF");
	return err;
}

/*
 * Leg k's host end: journaled, made with its peer eth<k> in the node,
 * configured (sysctls, up, the gateway as a /32, a /32 route to the leg),
 * the node's netem on it. Its facts into lr.
 */
int hostend_create(struct nl_sock *sk, struct journal *j, const struct topo *t,
		   const struct topo_node *n, size_t k, int nsfd, struct leg_rt *lr)
{
	struct topo_leg leg = topo_node_leg(n, k);
	const struct topo_network *net = &t->networks[leg.network];
	struct nl_link_info host;
	char eth[24], ip[16];
	bool v6;
	int err;

	snprintf(eth, sizeof(eth), "eth%zu", k);
	lab_leg_macs(t->name, n->name, k, lr->node_mac, lr->host_mac);
	err = journal_link(j, leg.hostif, false);
	if (err)
		return err;
	err = nl_veth_create(sk, leg.hostif, lr->host_mac, eth, lr->node_mac, nsfd);
	if (err == -EEXIST)
		journal_link(j, leg.hostif, true);
	if (err) {
		pr_warn("node %s: create veth %s: %s%s\n", n->name, leg.hostif, strerror(-err),
			err == -EEXIST ? " (an interface of that name exists in the host)" : "");
		return err;
	}
	err = nl_link_get(sk, leg.hostif, &host);
	if (err)
		return err;
	lr->ifindex = host.ifindex;
	v6 = topo_leg_has_v6(t, n, k);
	err = hostif_sysctls(leg.hostif, v6);
	if (!err)
		err = nl_link_set_up(sk, host.ifindex);
	/* The gateway lives on every host end of its network, as a /32 (IPv6-only: none). */
	if (!err && topo_net_has_v4(net))
		err = nl_addr_add(sk, host.ifindex, net->gateway, 32);
	if (!err && topo_net_has_v4(net))
		err = nl_route_add(sk, leg.ip, 32, 0, host.ifindex, net->gateway);
	if (!err && v6)
		err = hostif_ipv6(sk, host.ifindex, net, &leg.ip6);
	if (!err)
		err = impair(sk, host.ifindex, &n->netem, n->name, leg.hostif);
	if (err)
		pr_warn("node %s: configure %s (%s): %s\n", n->name, leg.hostif,
			ipv4_str(leg.ip, ip), strerror(-err));
	return err;
}

/* A netlink socket inside the namespace nsfd (it stays there). */
static struct nl_sock *nl_open_in(int nsfd)
{
	struct nl_sock *sk;
	int saved, err;

	err = netns_enter(nsfd, &saved);
	if (err) {
		errno = -err;
		return NULL;
	}
	sk = nl_open();
	err = errno;
	netns_leave(saved);
	errno = err;
	return sk;
}

/* One end of a link, in its node: up, its addresses (IPv6 without DAD), the link's netem. */
static int link_end_config(struct nl_sock *sk, const struct topo *t, const struct topo_link *l,
			   int e)
{
	struct nl_link_info info;
	int err = nl_link_get(sk, l->ifname[e], &info);

	if (!err)
		err = nl_link_set_up(sk, info.ifindex);
	if (!err)
		err = nl_addr_add(sk, info.ifindex, topo_link_ip(l, e), l->prefix);
	if (!err && l->prefix6) {
		struct in6_addr a6 = topo_link_ip6(l, e);

		err = nl_addr6_add(sk, info.ifindex, &a6, l->prefix6);
	}
	if (!err)
		err = impair(sk, info.ifindex, &l->netem, t->nodes[l->node[e]].name, l->ifname[e]);
	return err;
}

/* The veth pair made in node[0]'s namespace with its peer in node[1]'s. */
static int link_create(const struct topo *t, const struct topo_link *l)
{
	const struct topo_node *a = &t->nodes[l->node[0]], *b = &t->nodes[l->node[1]];
	struct nl_sock *sa = NULL, *sb = NULL;
	uint8_t ma[6], mb[6];
	int fa, fb, err;

	lab_link_mac(t->name, a->name, l->ifname[0], ma);
	lab_link_mac(t->name, b->name, l->ifname[1], mb);
	fa = netns_open(a->netns);
	fb = netns_open(b->netns);
	err = fa < 0 ? fa : fb < 0 ? fb : 0;
	if (!err) {
		sa = nl_open_in(fa);
		sb = nl_open_in(fb);
		err = sa && sb ? 0 : -errno;
	}
	if (!err)
		err = nl_veth_create(sa, l->ifname[0], ma, l->ifname[1], mb, fb);
	if (!err)
		err = link_end_config(sa, t, l, 0);
	if (!err)
		err = link_end_config(sb, t, l, 1);
	if (err)
		pr_warn("link %s:%s - %s:%s: %s\n", a->name, l->ifname[0], b->name, l->ifname[1],
			strerror(-err));
	nl_close(sa);
	nl_close(sb);
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	return err;
}

int link_remove(const struct topo *t, const struct topo_link *l)
{
	int fd = netns_open(t->nodes[l->node[0]].netns), err;
	struct nl_sock *sk;

	if (fd < 0)
		return fd == -ENOENT ? 0 : fd; /* gone with its node */
	sk = nl_open_in(fd);
	close(fd);
	if (!sk)
		return -errno;
	err = nl_link_del(sk, l->ifname[0]); /* its peer goes with it */
	nl_close(sk);
	return err;
}

int links_create(const struct topo *t, const bool *only)
{
	for (size_t i = 0; i < t->n_links; i++) {
		int err = only && !only[i] ? 0 : link_create(t, &t->links[i]);

		if (err)
			return err;
	}
	return 0;
}

/* The interface of node i whose subnet holds via: a leg's eth<k> or a link end. */
static const char *via_ifname(const struct topo *t, size_t i, uint32_t via, char eth[24])
{
	const struct topo_node *n = &t->nodes[i];

	for (size_t k = 0; k < topo_node_n_legs(n); k++) {
		const struct topo_network *net = &t->networks[topo_node_leg(n, k).network];

		if (((via ^ net->subnet) >> (32 - net->prefix)) == 0) {
			snprintf(eth, 24, "eth%zu", k);
			return eth;
		}
	}
	for (size_t j = 0; j < t->n_links; j++) {
		const struct topo_link *l = &t->links[j];

		for (int e = 0; e < 2; e++)
			if (l->node[e] == (int)i && ((via ^ l->subnet) >> (32 - l->prefix)) == 0)
				return l->ifname[e];
	}
	return NULL;
}

/* The same for an IPv6 via: a leg's eth<k> with IPv6, or a link end with a subnet6. */
static const char *via6_ifname(const struct topo *t, size_t i, const struct in6_addr *via,
			       char eth[24])
{
	const struct topo_node *n = &t->nodes[i];

	for (size_t k = 0; k < topo_node_n_legs(n); k++) {
		const struct topo_network *net = &t->networks[topo_node_leg(n, k).network];

		if (topo_leg_has_v6(t, n, k) && topo_in_prefix6(via, &net->subnet6, net->prefix6)) {
			snprintf(eth, 24, "eth%zu", k);
			return eth;
		}
	}
	for (size_t j = 0; j < t->n_links; j++) {
		const struct topo_link *l = &t->links[j];

		for (int e = 0; e < 2; e++)
			if (l->node[e] == (int)i && l->prefix6 &&
			    topo_in_prefix6(via, &l->subnet6, l->prefix6))
				return l->ifname[e];
	}
	return NULL;
}

/* Route r of node n (its namespace's sk), either family. */
static int node_route_add(struct nl_sock *sk, const struct topo *t, size_t i,
			  const struct topo_route *r)
{
	struct nl_link_info info;
	const char *dev;
	char eth[24];
	int err;

	dev = r->v6 ? via6_ifname(t, i, &r->via6, eth) : via_ifname(t, i, r->via, eth);
	err = dev ? nl_link_get(sk, dev, &info) : -ENETUNREACH;
	if (!err && r->v6)
		err = nl_route6_add(sk, &r->dst6, r->prefix, &r->via6, info.ifindex, NULL);
	else if (!err)
		err = nl_route_add(sk, r->dst, r->prefix, r->via, info.ifindex, 0);
	return err;
}

static int node_routes(const struct topo *t, size_t i)
{
	const struct topo_node *n = &t->nodes[i];
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	struct nl_sock *sk;
	int fd, err = 0;

	fd = netns_open(n->netns);
	if (fd < 0)
		return fd;
	sk = nl_open_in(fd);
	close(fd);
	if (!sk)
		return -errno;
	for (size_t k = 0; !err && k < n->n_routes; k++) {
		const struct topo_route *r = &n->routes[k];

		err = node_route_add(sk, t, i, r);
		/* a converge re-adds a kept node's routes after its links changed */
		if (err == -EEXIST)
			err = 0;
		if (err)
			pr_warn("node %s: route to %s/%u via %s: %s\n", n->name,
				r->v6 ? inet_ntop(AF_INET6, &r->dst6, a, sizeof(a)) :
					ipv4_str(r->dst, a),
				r->prefix,
				r->v6 ? inet_ntop(AF_INET6, &r->via6, b, sizeof(b)) :
					ipv4_str(r->via, b),
				strerror(-err));
	}
	nl_close(sk);
	return err;
}

int routes_add(const struct topo *t, const bool *only)
{
	int err = 0;

	for (size_t i = 0; !err && i < t->n_nodes; i++)
		if (t->nodes[i].n_routes && (!only || only[i]))
			err = node_routes(t, i);
	return err;
}
