// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nsbpf status [LAB] [--json]
 *
 * JSON shape: docs/json.md (change both together: the tests compare them).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmds.h"
#include "lab/lab.h"
#include "lab/rules.h"
#include "cli/out.h"
#include "util/addr.h"

#include <arpa/inet.h>

#define IP6_STRLEN INET6_ADDRSTRLEN

static const char *ip6_str(const struct in6_addr *a, char buf[IP6_STRLEN])
{
	return inet_ntop(AF_INET6, a, buf, IP6_STRLEN) ? buf : "::";
}

static void status_help(void)
{
	printf("usage: nsbpf status [LAB] [--json]\n"
	       "\n"
	       "Show the labs that are up (or one): attach mode, uplink, the host network\n"
	       "namespace the lab lives in; per network: subnet, gateway (and subnet6,\n"
	       "gateway6 when dual-stack), masquerade as it is now, reach; per node:\n"
	       "network, address (and ip6), namespace, host-side interface,\n"
	       "MAC and state (seen from the lab's host namespace, from wherever it runs);\n"
	       "the routers (forwarding: true) and the routed prefixes, each via its router.\n");
}

static const char *state_name(enum lab_node_state s)
{
	return s == LAB_NODE_UP ? "up" : s == LAB_NODE_DOWN ? "down" : "missing";
}

/* "lab NAME (FILE): host ends MODE, uplink NAME IP (MODE)" and its JSON members. */
static void print_lab_head(struct out *o, const struct lab_info *li)
{
	char ip[IPV4_STRLEN], ip6[IP6_STRLEN];

	print_string(o, "name", "lab %s", li->name);
	print_string(o, "file", " (%s)", li->file);
	print_string(o, "attach", ": host ends %s", li->attach);
	if (li->uplink[0]) {
		print_open_object(o, "uplink");
		print_string(o, "name", ", uplink %s", li->uplink);
		if (li->uplink_ip)
			print_string(o, "ip", " %s", ipv4_str(li->uplink_ip, ip));
		else
			print_null(o, "ip", NULL, NULL);
		if (!IN6_IS_ADDR_UNSPECIFIED(&li->uplink_ip6))
			print_string(o, "ip6", " %s", ip6_str(&li->uplink_ip6, ip6));
		else
			print_null(o, "ip6", NULL, NULL);
		if (li->uplink_attach[0])
			print_string(o, "attach", " (%s)", li->uplink_attach);
		else
			print_null(o, "attach", NULL, NULL);
		if (li->snat_lo)
			print_text(o, ", masquerade ports %u-%u", li->snat_lo, li->snat_hi);
		print_uint(o, "snat_port_min", NULL, li->snat_lo);
		print_uint(o, "snat_port_max", NULL, li->snat_hi);
		print_close_object(o);
	} else {
		print_null(o, "uplink", ", uplink %s", "none");
	}
	print_text(o, "\n");
}

/*
 * A further leg: an object of the node's "legs", a row of its own under the
 * node's ("m:eth1"). The node's state covers its legs.
 */
static void print_leg(struct out *o, const struct lab_node *n, size_t k, const char *state)
{
	const struct lab_leg *l = &n->legs[k];
	char ip[IPV4_STRLEN], ip6[IP6_STRLEN], mac[MAC_STRLEN], hmac[MAC_STRLEN];

	print_row_next(o);
	print_open_object(o, NULL);
	print_text(o, "%s:eth%zu", n->name, k + 1);
	print_cell(o);
	print_string(o, "network", "%s", l->network);
	print_cell(o);
	if (l->prefix)
		print_text(o, "%s/%d", ipv4_str(l->ip, ip), l->prefix);
	else
		print_text(o, "-"); /* an IPv6-only network */
	if (l->prefix6) {
		print_string(o, "ip6", " %s", ip6_str(&l->ip6, ip6));
		print_uint(o, "prefix6", "/%u", (unsigned int)l->prefix6);
	} else {
		print_null(o, "ip6", NULL, NULL);
		print_null(o, "prefix6", NULL, NULL);
	}
	print_cell(o);
	print_text(o, "%s", n->netns);
	print_cell(o);
	print_string(o, "hostif", "%s", l->hostif);
	print_cell(o);
	if (l->prefix) {
		print_string(o, "ip", NULL, ipv4_str(l->ip, ip));
		print_uint(o, "prefix", NULL, (unsigned int)l->prefix);
	} else {
		print_null(o, "ip", NULL, NULL);
		print_null(o, "prefix", NULL, NULL);
	}
	print_string(o, "mac", "%s", mac_str(l->node_mac, mac));
	print_cell(o);
	print_string(o, "host_mac", NULL, mac_str(l->host_mac, hmac));
	print_text(o, "%s", state);
	print_cell(o);
	print_close_object(o);
}

/* A node with links only: no first leg, its fields null ("-" in the table). */
static void print_first_leg_null(struct out *o)
{
	print_null(o, "hostif", "%s", "-");
	print_cell(o);
	print_null(o, "ifindex", NULL, NULL);
	print_null(o, "ip", NULL, NULL);
	print_null(o, "prefix", NULL, NULL);
	print_null(o, "mac", "%s", "-");
	print_cell(o);
	print_null(o, "host_mac", NULL, NULL);
}

/*
 * One node: an object of "nodes", a row of the table (ADDRESS is ip/prefix),
 * its further legs under it. A node with links only has network "", hostif "".
 */
static void print_node(struct out *o, const struct lab_node *n, const struct lab_node_status *st)
{
	char ip[IPV4_STRLEN], ip6[IP6_STRLEN], mac[MAC_STRLEN], hmac[MAC_STRLEN];

	print_row_open(o, NULL);
	print_string(o, "name", "%s", n->name);
	print_cell(o);
	if (n->network[0])
		print_string(o, "network", "%s", n->network);
	else
		print_null(o, "network", "%s", "-"); /* links only */
	print_cell(o);
	if (n->network[0] && n->prefix)
		print_text(o, "%s/%d", ipv4_str(n->ip, ip), n->prefix);
	else
		print_text(o, "-"); /* links only, or an IPv6-only network */
	if (n->prefix6) {
		print_string(o, "ip6", " %s", ip6_str(&n->ip6, ip6));
		print_uint(o, "prefix6", "/%u", (unsigned int)n->prefix6);
	} else {
		print_null(o, "ip6", NULL, NULL);
		print_null(o, "prefix6", NULL, NULL);
	}
	print_cell(o);
	print_string(o, "netns", "%s", n->netns);
	print_cell(o);
	if (n->network[0]) {
		print_string(o, "hostif", "%s", n->hostif);
		print_cell(o);
		print_uint(o, "ifindex", NULL, (unsigned int)st->ifindex);
		if (n->prefix) {
			print_string(o, "ip", NULL, ipv4_str(n->ip, ip));
			print_uint(o, "prefix", NULL, (unsigned int)n->prefix);
		} else {
			print_null(o, "ip", NULL, NULL);
			print_null(o, "prefix", NULL, NULL);
		}
		print_string(o, "mac", "%s", mac_str(n->node_mac, mac));
		print_cell(o);
		print_string(o, "host_mac", NULL, mac_str(n->host_mac, hmac));
	} else {
		print_first_leg_null(o);
	}
	print_bool(o, "forwarding", NULL, n->forwarding);
	print_string(o, "state", "%s", state_name(st->state));
	print_cell(o);
	print_open_array(o, "legs");
	for (size_t k = 0; k < n->n_legs; k++)
		print_leg(o, n, k, state_name(st->state));
	print_close_array(o);
	print_row_close(o);
}

/* The links between nodes: "links" objects, and a list under the nodes in text. */
static void print_links(struct out *o, const struct lab_info *li)
{
	char ip[IPV4_STRLEN], ip6[IP6_STRLEN];

	if (li->n_links)
		print_text(o, "links:\n");
	print_open_array(o, "links");
	for (size_t i = 0; i < li->n_links; i++) {
		const struct lab_link *l = &li->links[i];

		print_open_object(o, NULL);
		print_open_array(o, "ends");
		for (int e = 0; e < 2; e++) {
			print_open_object(o, NULL);
			print_string(o, "node", e ? " - %s" : "  %s", l->node[e]);
			print_string(o, "ifname", ":%s", l->ifname[e]);
			print_string(o, "ip", " %s", ipv4_str(l->ip[e], ip));
			if (l->prefix6)
				print_string(o, "ip6", " %s", ip6_str(&l->ip6[e], ip6));
			else
				print_null(o, "ip6", NULL, NULL);
			print_close_object(o);
		}
		print_close_array(o);
		print_uint(o, "prefix", " (/%u", (unsigned int)l->prefix);
		if (l->prefix6)
			print_uint(o, "prefix6", ", /%u", (unsigned int)l->prefix6);
		else
			print_null(o, "prefix6", NULL, NULL);
		print_text(o, ")\n");
		print_close_object(o);
	}
	print_close_array(o);
}

/* Where the lab lives: its host netns by name, and what the node states mean then. */
static void print_where(struct out *o, const struct lab_info *li)
{
	char netns[256], name[256];
	enum lab_where w = lab_where(li, netns, sizeof(netns));

	lab_hostns_name(li, name, sizeof(name));
	print_string(o, "where", NULL, lab_where_name(w));
	print_open_object(o, "host_netns");
	if (name[0])
		print_string(o, "name", NULL, name);
	else
		print_null(o, "name", NULL, NULL);
	print_u64(o, "inode", NULL, li->hostns);
	print_close_object(o);
	if (w == LAB_HERE)
		print_text(o, "  in this network namespace (%s%snet:[%lu])\n", name,
			   name[0] ? ", " : "", li->hostns);
	else if (w == LAB_OTHER_NETNS)
		print_text(o, "  in network namespace %s (net:[%lu]); nodes seen from there\n",
			   netns[0] ? netns : "-", li->hostns);
	else if (w == LAB_OTHER_MNTNS)
		print_text(
			o,
			"  in another mount namespace: its namespaces and pins are not visible here\n");
	else if (w == LAB_ORPHANED)
		print_text(
			o,
			"  orphaned: the namespace it was brought up in is gone; \"nsbpf down %s\" removes what is left\n",
			li->name);
}

/* One network: an object of "networks", a row of the table; rn NULL: its map unread. */
static void print_net(struct out *o, const struct lab_info *li, const struct lab_net *n,
		      const struct rules_net *rn)
{
	uint64_t reach = rn ? rn->reach : n->reach;
	char sub[IPV4_STRLEN], gw[IPV4_STRLEN], sub6[IP6_STRLEN], gw6[IP6_STRLEN];
	bool first = true;

	print_row_open(o, NULL);
	print_string(o, "name", "%s", n->name);
	print_cell(o);
	print_uint(o, "id", NULL, (unsigned int)n->id);
	if (n->prefix) {
		print_string(o, "subnet", "%s", ipv4_str(n->subnet, sub));
		print_uint(o, "prefix", "/%u", (unsigned int)n->prefix);
	} else { /* IPv6-only */
		print_null(o, "subnet", "%s", "-");
		print_null(o, "prefix", NULL, NULL);
	}
	if (n->prefix6) {
		print_string(o, "subnet6", " %s", ip6_str(&n->subnet6, sub6));
		print_uint(o, "prefix6", "/%u", (unsigned int)n->prefix6);
	} else {
		print_null(o, "subnet6", NULL, NULL);
		print_null(o, "prefix6", NULL, NULL);
	}
	print_cell(o);
	if (n->prefix)
		print_string(o, "gateway", "%s", ipv4_str(n->gateway, gw));
	else
		print_null(o, "gateway", "%s", "-");
	if (n->prefix6)
		print_string(o, "gateway6", " %s", ip6_str(&n->gateway6, gw6));
	else
		print_null(o, "gateway6", NULL, NULL);
	print_cell(o);
	if (rn) {
		print_bool(o, "masquerade", "on", rn->masquerade);
		if (!rn->masquerade)
			print_text(o, "off");
	} else
		print_null(o, "masquerade", "%s", "?");
	print_cell(o);
	print_open_array(o, "reach");
	for (size_t i = 0; i < li->n_nets; i++) {
		if (li->nets[i].id < 0 || li->nets[i].id >= NSB_MAX_NETWORKS ||
		    !(reach >> li->nets[i].id & 1))
			continue;
		print_string(o, NULL, first ? "%s" : ",%s", li->nets[i].name);
		first = false;
	}
	print_close_array(o);
	print_cell(o);
	print_row_close(o);
}

/* The networks, masquerade and reach as the networks map has them now. */
static void print_nets(struct out *o, const struct lab_info *li)
{
	struct rules_net *rn = calloc(li->n_nets ? li->n_nets : 1, sizeof(*rn));
	struct err_msg e;
	struct table tb;

	/* unreadable (another mount namespace's pins): the file's reach, masquerade unknown */
	if (rn && rules_networks_read(li, rn, &e)) {
		free(rn);
		rn = NULL;
	}
	table_init(&tb, 5, "NETWORK", "SUBNET", "GATEWAY", "MASQUERADE", "REACH");
	print_table(o, &tb);
	print_open_array(o, "networks");
	for (size_t i = 0; i < li->n_nets; i++)
		print_net(o, li, &li->nets[i], rn ? &rn[i] : NULL);
	print_close_array(o);
	print_table_end(o, NULL);
	table_free(&tb);
	free(rn);
}

/* "routes:" lines under the nodes (the routers named), and the "routes" array. */
static void print_routes(struct out *o, const struct lab_info *li)
{
	char ip[IPV4_STRLEN], to[IPV4_STRLEN + 4];
	bool any = false;

	for (size_t i = 0; i < li->n_nodes; i++) {
		if (!li->nodes[i].forwarding)
			continue;
		print_text(o, any ? ", %s" : "routers (forwarding): %s", li->nodes[i].name);
		any = true;
	}
	if (any)
		print_text(o, "\n");
	if (li->n_routes)
		print_text(o, "routes:\n");
	print_open_array(o, "routes");
	for (size_t i = 0; i < li->n_routes; i++) {
		const struct lab_route *r = &li->routes[i];

		snprintf(to, sizeof(to), "%s/%d", ipv4_str(r->prefix, ip), r->len);
		print_open_object(o, NULL);
		print_string(o, "to", "  %s", to);
		print_string(o, "via", " via %s", r->via);
		print_string(o, "network", " (network %s)\n", r->network);
		print_close_object(o);
	}
	print_close_array(o);
}

static void print_lab(struct out *o, const struct lab_info *li, const struct lab_node_status *st)
{
	struct table tb;

	print_open_object(o, NULL);
	print_lab_head(o, li);
	print_where(o, li);
	print_nets(o, li);
	table_init(&tb, 7, "NODE", "NETWORK", "ADDRESS", "NETNS", "HOSTIF", "MAC", "STATE");
	print_table(o, &tb);
	print_open_array(o, "nodes");
	for (size_t i = 0; i < li->n_nodes; i++)
		print_node(o, &li->nodes[i], &st[i]);
	print_close_array(o);
	print_table_end(o, NULL);
	table_free(&tb);
	print_links(o, li);
	print_routes(o, li);
	/* Forwards: rows LAB FORWARD HITS, shown as a list under the nodes. */
	table_init(&tb, 3, "LAB", "FORWARD", "HITS");
	print_table(o, &tb);
	if (!forward_print_lab(o, li) && tb.nrows > 1) {
		print_table(o, NULL);
		print_text(o, "forwards:\n");
		for (int r = 1; r < tb.nrows; r++)
			print_text(o, "  %s  (%s hits)\n", tb.cells[r * 3 + 1],
				   tb.cells[r * 3 + 2]);
	}
	print_table(o, NULL);
	table_free(&tb);
	print_close_object(o);
}

const struct cli_opt status_opts[] = { CLI_OPT_JSON, CLI_OPT_HELP, { 0 } };

/* One lab of the list: EXIT_FAIL when it cannot be shown (partly up only counts if asked for). */
static int status_one(struct out *o, const char *name, bool gap, bool asked)
{
	struct lab_node_status *st;
	struct lab_info li;
	int ret = EXIT_OK;
	char why[160];

	if (lab_info_read(name, &li)) {
		/* say it in the document too: {"name", "partial": true, "message"} */
		snprintf(why, sizeof(why),
			 "partly up (interrupted?): \"nsbpf down %s\" cleans it up", name);
		print_open_object(o, NULL);
		print_string(o, "name", "lab %s: ", name);
		print_bool(o, "partial", NULL, true);
		print_string(o, "message", "%s\n", why);
		print_close_object(o);
		if (asked)
			cli_err("lab %s is %s", name, why);
		return asked ? EXIT_FAIL : EXIT_OK;
	}
	if (gap)
		print_text(o, "\n");
	if (lab_nodes_status(&li, &st)) {
		cli_err("status: %s", strerror(ENOMEM));
		ret = EXIT_FAIL;
	} else {
		print_lab(o, &li, st);
		free(st);
	}
	lab_info_free(&li);
	return ret;
}

int cmd_status(int argc, char **argv)
{
	struct lab_names labs;
	const char *only = NULL;
	struct err_msg e;
	struct out o;
	int ret = opts_simple(&argc, argv, status_opts, "status", 0, status_help);

	if (ret >= 0)
		return ret;
	ret = EXIT_OK;
	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		cli_err("status: usage: nsbpf status [LAB] [--json]");
		return EXIT_USAGE;
	}
	if (argc == 2) {
		only = argv[1];
		ret = cli_lab_is_up(only);
		if (ret)
			return ret;
	}
	if (lab_list(&labs, &e)) {
		cli_err("status: %s", e.text);
		return EXIT_FAIL;
	}
	out_begin(&o, stdout, cli_opts.json);
	print_open_object(&o, NULL);
	print_open_array(&o, "labs");
	for (size_t i = 0; i < labs.n; i++) {
		if (only && strcmp(only, labs.name[i]))
			continue;
		if (!only)
			cli_recover_lab(labs.name[i]); /* cli_lab_is_up() did the one named */
		ret |= status_one(&o, labs.name[i], i && !only, only != NULL);
	}
	print_close_array(&o);
	if (!labs.n)
		print_text(&o, "no labs are up\n");
	cli_doc_end(&o);
	lab_names_free(&labs);
	return ret;
}
