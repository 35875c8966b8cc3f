// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * An endpoint inside the namespace a runtime made (lab_ep.c), and its line
 * in the lab file, which status, forwards and down read as any node's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab/lab_ep_internal.h"
#include "lab/lab_up.h"
#include "sys/netns.h"
#include "sys/nl.h"
#include "sys/state.h"

static int configure_here(struct nl_sock *sk, const struct lab_ep *ep, uint32_t gateway)
{
	struct nl_link_info link = { 0 };
	int err;

	err = nl_link_set_up(sk, 1);
	if (!err)
		err = nl_link_get(sk, ep->ifname, &link);
	if (!err)
		err = nl_link_set_up(sk, link.ifindex);
	if (!err)
		err = nl_addr_add(sk, link.ifindex, ep->ip, ep->prefix);
	for (int i = 0; !err && i < ep->n_routes; i++) {
		const struct lab_ep_route *r = &ep->routes[i];

		err = nl_route_add(sk, r->dst, r->prefix, r->gw ? r->gw : gateway, link.ifindex, 0);
	}
	return err;
}

int ep_configure(int nsfd, const struct lab_ep *ep, uint32_t gateway, uint16_t port_lo,
		 uint16_t port_hi)
{
	struct nl_sock *sk;
	char path[128], range[32];
	int saved, err;

	err = netns_enter(nsfd, &saved);
	if (err)
		return err;
	sk = nl_open();
	err = sk ? configure_here(sk, ep, gateway) : -errno;
	if (!err) {
		snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/rp_filter", ep->ifname);
		err = write_sysctl(path, "0");
	}
	/* as a node's (lab_node.c): flows keep their port through the NAT */
	if (!err && port_lo) {
		snprintf(range, sizeof(range), "%u %u", port_lo, port_hi);
		err = write_sysctl("/proc/sys/net/ipv4/ip_local_port_range", range);
	}
	nl_close(sk);
	netns_leave(saved);
	return err;
}

static int check_here(struct nl_sock *sk, const struct lab_ep *ep, struct err_msg *e)
{
	struct nl_link_info link = { 0 };
	struct nl_v4addr addrs[64];
	int n;

	if (nl_link_get(sk, ep->ifname, &link))
		return err_set(e, -ENOENT, "no interface %s in %s", ep->ifname, ep->netns);
	if (!link.admin_up)
		return err_set(e, -ENETDOWN, "interface %s in %s is down", ep->ifname, ep->netns);
	n = nl_ipv4_addrs_dev(sk, link.ifindex, addrs, sizeof(addrs) / sizeof(addrs[0]));
	for (int i = 0; i < n; i++)
		if (addrs[i].ip == ep->ip && addrs[i].prefix == ep->prefix)
			return 0;
	return err_set(e, -EADDRNOTAVAIL, "interface %s in %s lacks its address", ep->ifname,
		       ep->netns);
}

int ep_check_inside(int nsfd, const struct lab_ep *ep, struct err_msg *e)
{
	struct nl_sock *sk;
	int saved, err;

	err = netns_enter(nsfd, &saved);
	if (err)
		return err_set(e, err, "enter %s: %s", ep->netns, strerror(-err));
	sk = nl_open();
	err = sk ? check_here(sk, ep, e) : err_set(e, -errno, "netlink: %s", strerror(errno));
	nl_close(sk);
	netns_leave(saved);
	return err;
}

/* Is line the node line of node? */
static bool is_node_line(const char *line, const char *node)
{
	size_t n = strlen(node);

	return !strncmp(line, "node ", 5) && !strncmp(line + 5, node, n) && line[5 + n] == ' ';
}

int ep_lab_file(const char *lab, const char *node, const char *line)
{
	struct state_lines l;
	size_t len = 1;
	char *text, *p;
	int err = state_read_lab(lab, &l);

	if (err)
		return err;
	for (size_t i = 0; i < l.n; i++)
		len += strlen(l.line[i]) + 1;
	text = malloc(len + (line ? strlen(line) + 1 : 0));
	if (!text) {
		state_lines_free(&l);
		return -ENOMEM;
	}
	p = text;
	for (size_t i = 0; i < l.n; i++)
		if (line || !is_node_line(l.line[i], node))
			p += sprintf(p, "%s\n", l.line[i]);
	if (line)
		sprintf(p, "%s\n", line);
	else
		*p = '\0';
	err = state_write_lab(lab, text);
	free(text);
	state_lines_free(&l);
	return err;
}
