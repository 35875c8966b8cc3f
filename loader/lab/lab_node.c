// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A node as up configures it: its MACs, the sysctls of its host end, and
 * inside its namespace lo, eth0, the address, the default route and the
 * ephemeral port range.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lab/lab.h"
#include "lab/lab_up.h"
#include "nsbpf_maps.h"
#include "sys/netns.h"
#include "sys/nl.h"

void lab_node_macs(const char *lab, const char *node, uint8_t node_mac[6], uint8_t host_mac[6])
{
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a 64 of "lab/node" */
	const char *parts[3] = { lab, "/", node };

	for (int p = 0; p < 3; p++)
		for (const char *s = parts[p]; *s; s++)
			h = (h ^ (uint8_t)*s) * 0x100000001b3ULL;
	node_mac[0] = 0x02;
	host_mac[0] = 0x06;
	for (int i = 1; i < 6; i++)
		node_mac[i] = host_mac[i] = (uint8_t)(h >> (8 * (i - 1)));
}

/* Per-interface sysctls a routed host end needs; ip_forward is never touched. */
int write_sysctl(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -EIO;
}

/*
 * A node must never configure the host: no router advertisement (default
 * route, SLAAC address), no redirect. A host end of an IPv4-only network
 * has IPv6 off altogether; the other three stay off should someone turn it
 * back on. Set while the device is still down: it never sends a router
 * solicitation nor takes a link-local address.
 */
static const struct sysctl_val hostif_v4only[] = {
	{ "accept_ra", "0" },
	{ "autoconf", "0" },
	{ "accept_redirects", "0" },
	{ "disable_ipv6", "1" },
};

/*
 * A dual-stack network's host end keeps IPv6, with a link-local only (the
 * kernel needs one to send neighbour discovery; addr_gen_mode 0: EUI-64 of
 * its MAC, whatever the host's default), usable at once (no DAD: the
 * datapath owns the link), and still learns nothing from the node.
 */
static const struct sysctl_val hostif_dual[] = {
	{ "accept_ra", "0" },  { "autoconf", "0" },	 { "accept_redirects", "0" },
	{ "accept_dad", "0" }, { "addr_gen_mode", "0" }, { "disable_ipv6", "0" },
};

/* Inside a dual-stack node, eth0 before it goes up: the lab gives every address. */
static const struct sysctl_val node_dual[] = {
	{ "accept_ra", "0" },
	{ "autoconf", "0" },
	{ "accept_dad", "0" },
	{ "disable_ipv6", "0" },
};

int write_ipv6_sysctls(const char *ifname, const struct sysctl_val *v, size_t n)
{
	char path[128];
	int err = 0;

	for (size_t i = 0; !err && i < n; i++) {
		snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/%s", ifname, v[i].name);
		err = write_sysctl(path, v[i].val);
	}
	return err;
}

int hostif_sysctls(const char *ifname, bool v6)
{
	char path[128];
	int err;

	/* The node's source is only reachable through this device's /32 route. */
	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/rp_filter", ifname);
	err = write_sysctl(path, "0");
	if (access("/proc/sys/net/ipv6/conf", F_OK))
		return err ? err : v6 ? -EAFNOSUPPORT : 0; /* ipv6.disable=1 */
	if (!err && v6)
		return write_ipv6_sysctls(ifname, hostif_dual,
					  sizeof(hostif_dual) / sizeof(hostif_dual[0]));
	if (!err)
		err = write_ipv6_sysctls(ifname, hostif_v4only,
					 sizeof(hostif_v4only) / sizeof(hostif_v4only[0]));
	return err;
}

/*
 * The host end of a dual-stack leg, up: the gateway6 as a /128 (on every
 * host end of the network, as the IPv4 gateway's /32) and a /128 route to
 * the node, with the gateway6 as the host's source toward it.
 */
int hostif_ipv6(struct nl_sock *sk, int ifindex, const struct topo_network *net,
		const struct in6_addr *ip6)
{
	int err = nl_addr6_add(sk, ifindex, &net->gateway6, 128);

	if (!err)
		err = nl_route6_add(sk, ip6, 128, NULL, ifindex, &net->gateway6);
	return err;
}

/*
 * Leg k inside the node: eth<k> up, its addresses, no rp_filter; eth0 has
 * the default route, the first leg with IPv6 the IPv6 one.
 */
static int leg_config(struct nl_sock *sk, const struct topo *t, const struct topo_node *n, size_t k)
{
	struct topo_leg leg = topo_node_leg(n, k);
	const struct topo_network *net = &t->networks[leg.network];
	struct nl_link_info eth = { 0 };
	char name[24], path[128];
	bool v6;
	int err;

	snprintf(name, sizeof(name), "eth%zu", k);
	err = nl_link_get(sk, name, &eth);
	v6 = topo_leg_has_v6(t, n, k);
	if (!err && v6)
		err = write_ipv6_sysctls(name, node_dual, sizeof(node_dual) / sizeof(node_dual[0]));
	if (!err)
		err = nl_link_set_up(sk, eth.ifindex);
	/* an IPv6-only network (prefix 0): no IPv4 address, no IPv4 default route */
	if (!err && topo_net_has_v4(net))
		err = nl_addr_add(sk, eth.ifindex, leg.ip, net->prefix);
	if (!err && !k && topo_net_has_v4(net))
		err = nl_route_add(sk, 0, 0, net->gateway, eth.ifindex, 0);
	if (!err && v6)
		err = nl_addr6_add(sk, eth.ifindex, &leg.ip6, net->prefix6);
	if (!err && v6 && (int)k == topo_node_first_v6_leg(t, n))
		err = nl_route6_add(sk, &in6addr_any, 0, &net->gateway6, eth.ifindex, NULL);
	if (!err) {
		snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/rp_filter", name);
		err = write_sysctl(path, "0");
	}
	return err;
}

/*
 * Inside the node: lo and every leg up, their addresses, the default route
 * via eth0's gateway, and ip_forward for a router.
 */
int node_config(int nsfd, const struct topo *t, const struct topo_node *n)
{
	struct nl_sock *sk;
	int saved, err;

	err = netns_enter(nsfd, &saved);
	if (err)
		return err;
	sk = nl_open();
	if (!sk) {
		err = -errno;
		goto out;
	}
	err = nl_link_set_up(sk, 1);
	for (size_t k = 0; !err && k < topo_node_n_legs(n); k++)
		err = leg_config(sk, t, n, k);
	if (!err) {
		/*
		 * The node's own ephemeral ports are the masquerade's ports: a flow then
		 * keeps its port through the NAT, and a remote that still holds the
		 * previous connection of that tuple in TIME_WAIT sees the node's
		 * monotonic sequence numbers and timestamps, as behind iptables.
		 */
		char range[32];

		snprintf(range, sizeof(range), "%d %d", t->nat.port_min, t->nat.port_max);
		err = write_sysctl("/proc/sys/net/ipv4/ip_local_port_range", range);
	}
	/* a router (forwarding: true): its own namespace's switch, never the host's */
	if (!err && n->forwarding)
		err = write_sysctl("/proc/sys/net/ipv4/ip_forward", "1");
	if (!err && n->forwarding && topo_node_has_v6(t, n))
		err = write_sysctl("/proc/sys/net/ipv6/conf/all/forwarding", "1");
	nl_close(sk);
out:
	netns_leave(saved);
	return err;
}
