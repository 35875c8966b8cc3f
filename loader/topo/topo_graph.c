// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The drawing of a lab (topo_graph.h), into a memory stream. Ids are
 * generated (net0, node3, uplink): names may hold '-', which neither
 * Mermaid nor dot takes in a bare id, and labels carry the names. Names
 * are [a-z0-9-], so no label needs escaping.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo/topo_graph.h"
#include "topo/topo_internal.h"
#include "util/addr.h"

struct gw {
	FILE *f;
	const struct topo *t;
	enum topo_graph_format fmt;
	const char *br; /* a line break inside a label */
};

int topo_graph_format_parse(const char *s, enum topo_graph_format *f)
{
	if (!strcmp(s, "mermaid"))
		*f = TOPO_GRAPH_MERMAID;
	else if (!strcmp(s, "dot"))
		*f = TOPO_GRAPH_DOT;
	else
		return -EINVAL;
	return 0;
}

const char *topo_graph_format_name(enum topo_graph_format f)
{
	return f == TOPO_GRAPH_DOT ? "dot" : "mermaid";
}

static bool net_isolated(const struct topo *t, size_t i)
{
	return t->n_networks > 1 && !(t->networks[i].reach & ~(1ull << i));
}

/* "planet 10.10.0.0/16" BR "gateway 10.10.0.1" [BR "isolated"]; dot puts the gateway apart. */
static void net_label(const struct gw *g, size_t i, bool with_gateway)
{
	const struct topo_network *n = &g->t->networks[i];
	char a[IPV4_STRLEN], b[IPV4_STRLEN], a6[TOPO_IP6STR];

	if (topo_net_has_v4(n))
		fprintf(g->f, "%s %s/%u", n->name, ipv4_str(n->subnet, a), n->prefix);
	else
		fprintf(g->f, "%s", n->name);
	if (topo_net_has_v6(n))
		fprintf(g->f, "%s%s/%u", g->br, topo_ip6_str(&n->subnet6, a6), n->prefix6);
	if (with_gateway && topo_net_has_v4(n))
		fprintf(g->f, "%sgateway %s", g->br, ipv4_str(n->gateway, b));
	if (with_gateway && topo_net_has_v6(n))
		fprintf(g->f, "%sgateway6 %s", g->br, topo_ip6_str(&n->gateway6, a6));
	if (net_isolated(g->t, i))
		fprintf(g->f, "%sisolated", g->br);
}

/* "tcp 6000 -> 8080", "udp 127.0.0.1:5353-5354 -> 53-54" */
static void fwd_label(const struct gw *g, const struct topo_forward *fw)
{
	char a[IPV4_STRLEN];

	fprintf(g->f, "%s ", fw->proto == IPPROTO_UDP ? "udp" : "tcp");
	if (fw->host_ip)
		fprintf(g->f, "%s:", ipv4_str(fw->host_ip, a));
	fprintf(g->f, "%u", fw->port);
	if (fw->port_end != fw->port)
		fprintf(g->f, "-%u", fw->port_end);
	fprintf(g->f, " -> %u", fw->to_port);
	if (fw->to_port_end != fw->to_port)
		fprintf(g->f, "-%u", fw->to_port_end);
}

static void node_box(const struct gw *g, size_t k)
{
	const struct topo_node *n = &g->t->nodes[k];
	char a[IPV4_STRLEN], ip[IPV4_STRLEN + TOPO_IP6STR + 16], a6[TOPO_IP6STR];
	const char *router = n->forwarding ? "router" : "";
	const char *br = n->forwarding ? g->br : "";

	if (n->network < 0) { /* links only: no address of a network */
		fprintf(g->f,
			g->fmt == TOPO_GRAPH_DOT ? "  node%zu [label=\"%s%s%s\"];\n" :
						   "  node%zu[\"%s%s%s\"]\n",
			k, n->name, br, router);
		return;
	}
	/* a dual-stack node: its ip6 under its ip; IPv6-only: its ip6 */
	if (!topo_net_has_v4(&g->t->networks[n->network]))
		snprintf(ip, sizeof(ip), "%s", topo_ip6_str(&n->ip6, a6));
	else if (topo_net_has_v6(&g->t->networks[n->network]))
		snprintf(ip, sizeof(ip), "%s%s%s", ipv4_str(n->ip, a), g->br,
			 topo_ip6_str(&n->ip6, a6));
	else
		snprintf(ip, sizeof(ip), "%s", ipv4_str(n->ip, a));
	if (g->fmt == TOPO_GRAPH_DOT)
		fprintf(g->f, "    node%zu [label=\"%s%s%s%s%s\"];\n", k, n->name, g->br, ip, br,
			router);
	else
		fprintf(g->f, "    node%zu[\"%s%s%s%s%s\"]\n", k, n->name, g->br, ip, br, router);
}

/* Network i and its nodes: a Mermaid subgraph, or a dot cluster around its gateway. */
static void net_box(const struct gw *g, size_t i)
{
	char a[IPV4_STRLEN];

	if (g->fmt == TOPO_GRAPH_DOT) {
		fprintf(g->f, "  subgraph cluster_net%zu {\n    label=\"", i);
		net_label(g, i, false);
		fprintf(g->f, "\";\n    net%zu [label=\"gateway %s\", shape=ellipse];\n", i,
			ipv4_str(g->t->networks[i].gateway, a));
	} else {
		fprintf(g->f, "  subgraph net%zu[\"", i);
		net_label(g, i, true);
		fprintf(g->f, "\"]\n");
	}
	for (size_t k = 0; k < g->t->n_nodes; k++)
		if ((size_t)g->t->nodes[k].network == i)
			node_box(g, k);
	fprintf(g->f, g->fmt == TOPO_GRAPH_DOT ? "  }\n" : "  end\n");
}

/* An edge from a to b; label NULL: none. dot edges between clusters name them. */
static void edge(const struct gw *g, const char *a, const char *b, bool both, bool cluster_a,
		 bool cluster_b)
{
	if (g->fmt == TOPO_GRAPH_MERMAID) {
		fprintf(g->f, "  %s %s|\"", a, both ? "<-->" : "-->");
		return; /* the caller writes the label, then edge_end() */
	}
	fprintf(g->f, "  %s -> %s [", a, b);
	if (both)
		fprintf(g->f, "dir=both, ");
	if (cluster_a)
		fprintf(g->f, "ltail=cluster_%s, ", a);
	if (cluster_b)
		fprintf(g->f, "lhead=cluster_%s, ", b);
	fprintf(g->f, "label=\"");
}

static void edge_end(const struct gw *g, const char *b)
{
	if (g->fmt == TOPO_GRAPH_MERMAID)
		fprintf(g->f, "\"| %s\n", b);
	else
		fprintf(g->f, "\"];\n");
}

/* reach between networks, each pair once (reach is symmetric). */
static void reach_edges(const struct gw *g)
{
	char a[32], b[32];

	for (size_t i = 0; i < g->t->n_networks; i++)
		for (size_t j = i + 1; j < g->t->n_networks; j++) {
			if (!(g->t->networks[i].reach & (1ull << j)))
				continue;
			snprintf(a, sizeof(a), "net%zu", i);
			snprintf(b, sizeof(b), "net%zu", j);
			edge(g, a, b, true, true, true);
			fprintf(g->f, "reach");
			edge_end(g, b);
		}
}

/* A box per routed prefix, an edge from its router to it. */
static void route_edges(const struct gw *g)
{
	char a[32], b[32], ip[IPV4_STRLEN];
	size_t id = 0;

	for (size_t i = 0; i < g->t->n_networks; i++) {
		for (size_t k = 0; k < g->t->networks[i].n_routes; k++, id++) {
			const struct topo_net_route *r = &g->t->networks[i].routes[k];

			if (g->fmt == TOPO_GRAPH_DOT)
				fprintf(g->f, "  route%zu [label=\"%s/%u\", shape=note];\n", id,
					ipv4_str(r->prefix, ip), r->len);
			else
				fprintf(g->f, "  route%zu[(\"%s/%u\")]\n", id,
					ipv4_str(r->prefix, ip), r->len);
			snprintf(a, sizeof(a), "node%d", r->via);
			snprintf(b, sizeof(b), "route%zu", id);
			edge(g, a, b, true, false, false);
			fprintf(g->f, "route");
			edge_end(g, b);
		}
	}
}

/* The uplink box, masquerade into it, forwards out of it. */
static void uplink_edges(const struct gw *g, const char *uplink)
{
	char a[32], b[32];

	if (g->fmt == TOPO_GRAPH_DOT)
		fprintf(g->f, "  uplink [label=\"%s%s\", shape=doubleoctagon];\n",
			uplink ? "uplink " : "host (no uplink)", uplink ? uplink : "");
	else
		fprintf(g->f, "  uplink([\"%s%s\"])\n", uplink ? "uplink " : "host (no uplink)",
			uplink ? uplink : "");
	for (size_t i = 0; i < g->t->n_networks; i++) {
		if (!g->t->networks[i].masquerade)
			continue;
		snprintf(a, sizeof(a), "net%zu", i);
		edge(g, a, "uplink", false, true, false);
		fprintf(g->f, "masquerade");
		edge_end(g, "uplink");
	}
	for (size_t k = 0; k < g->t->n_forwards; k++) {
		snprintf(b, sizeof(b), "node%d", g->t->forwards[k].node);
		edge(g, "uplink", b, false, false, false);
		fwd_label(g, &g->t->forwards[k]);
		edge_end(g, b);
	}
}

/* An undirected line from a to b labelled "text"; to_cluster: b is a dot cluster. */
static void line(const struct gw *g, const char *a, const char *b, bool to_cluster,
		 const char *text)
{
	if (g->fmt == TOPO_GRAPH_MERMAID)
		fprintf(g->f, "  %s ---|\"%s\"| %s\n", a, text, b);
	else
		fprintf(g->f, "  %s -> %s [dir=none, %s%s%slabel=\"%s\"];\n", a, b,
			to_cluster ? "lhead=cluster_" : "", to_cluster ? b : "",
			to_cluster ? ", " : "", text);
}

/* Further legs (a line to their network) and links (a line between two nodes). */
static void leg_and_link_lines(const struct gw *g)
{
	char a[32], b[32], text[96], ip[IPV4_STRLEN], ip6[TOPO_IP6STR];

	for (size_t k = 0; k < g->t->n_nodes; k++) {
		const struct topo_node *n = &g->t->nodes[k];

		snprintf(a, sizeof(a), "node%zu", k);
		for (size_t j = 0; j < n->n_legs; j++) {
			const struct topo_network *net;

			if (n->legs[j].network < 0)
				continue;
			net = &g->t->networks[n->legs[j].network];
			snprintf(b, sizeof(b), "net%d", n->legs[j].network);
			/* as a node's label: ip, ip6 or both */
			snprintf(text, sizeof(text), "eth%zu%s%s%s%s", j + 1,
				 topo_net_has_v4(net) ? " " : "",
				 topo_net_has_v4(net) ? ipv4_str(n->legs[j].ip, ip) : "",
				 topo_leg_has_v6(g->t, n, j + 1) ? " " : "",
				 topo_leg_has_v6(g->t, n, j + 1) ?
					 topo_ip6_str(&n->legs[j].ip6, ip6) :
					 "");
			line(g, a, b, true, text);
		}
	}
	for (size_t i = 0; i < g->t->n_links; i++) {
		const struct topo_link *l = &g->t->links[i];

		if (l->node[0] < 0 || l->node[1] < 0)
			continue;
		snprintf(a, sizeof(a), "node%d", l->node[0]);
		snprintf(b, sizeof(b), "node%d", l->node[1]);
		if (l->prefix6) /* as a node's label: both */
			snprintf(text, sizeof(text), "%s/%u %s/%u", ipv4_str(l->subnet, ip),
				 l->prefix, topo_ip6_str(&l->subnet6, ip6), l->prefix6);
		else
			snprintf(text, sizeof(text), "%s/%u", ipv4_str(l->subnet, ip), l->prefix);
		line(g, a, b, false, text);
	}
}

static void draw(const struct gw *g, const char *uplink)
{
	if (g->fmt == TOPO_GRAPH_DOT)
		fprintf(g->f,
			"digraph \"%s\" {\n  compound=true;\n  rankdir=LR;\n  node [shape=box];\n",
			g->t->name);
	else
		fprintf(g->f, "flowchart LR\n  %%%% nsbpf lab %s\n", g->t->name);
	for (size_t i = 0; i < g->t->n_networks; i++)
		net_box(g, i);
	for (size_t k = 0; k < g->t->n_nodes; k++)
		if (g->t->nodes[k].network < 0)
			node_box(g, k);
	leg_and_link_lines(g);
	reach_edges(g);
	route_edges(g);
	uplink_edges(g, uplink);
	if (g->fmt == TOPO_GRAPH_DOT)
		fprintf(g->f, "}\n");
}

char *topo_graph(const struct topo *t, const char *uplink, enum topo_graph_format f)
{
	struct gw g = { .t = t, .fmt = f, .br = f == TOPO_GRAPH_DOT ? "\\n" : "<br/>" };
	char *buf = NULL;
	size_t len = 0;

	g.f = open_memstream(&buf, &len);
	if (!g.f)
		return NULL;
	draw(&g, uplink);
	if (fclose(g.f)) {
		free(buf);
		errno = ENOMEM;
		return NULL;
	}
	return buf;
}
