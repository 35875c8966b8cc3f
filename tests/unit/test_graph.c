// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `nsbpf graph`'s drawing of tests/topo/good/graph.yaml, exactly, in both
 * formats; the dot text is also run through Graphviz where it is installed.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo/topo.h"
#include "topo/topo_graph.h"

#ifndef CORPUS
#define CORPUS "tests/topo"
#endif /* CORPUS */

static const char mermaid[] =
	"flowchart LR\n"
	"  %% nsbpf lab shop\n"
	"  subgraph net0[\"front 10.1.0.0/24<br/>gateway 10.1.0.1\"]\n"
	"    node0[\"web<br/>10.1.0.2\"]\n"
	"  end\n"
	"  subgraph net1[\"back 10.2.0.0/24<br/>gateway 10.2.0.254\"]\n"
	"    node1[\"db<br/>10.2.0.10\"]\n"
	"  end\n"
	"  subgraph net2[\"mgmt 10.3.0.0/24<br/>gateway 10.3.0.1<br/>isolated\"]\n"
	"    node2[\"admin<br/>10.3.0.2\"]\n"
	"  end\n"
	"  net0 <-->|\"reach\"| net1\n"
	"  uplink([\"uplink eth0\"])\n"
	"  net0 -->|\"masquerade\"| uplink\n"
	"  uplink -->|\"tcp 8080 -> 80\"| node0\n"
	"  uplink -->|\"udp 127.0.0.1:5353-5354 -> 53-54\"| node1\n";

static const char dot[] =
	"digraph \"shop\" {\n"
	"  compound=true;\n"
	"  rankdir=LR;\n"
	"  node [shape=box];\n"
	"  subgraph cluster_net0 {\n"
	"    label=\"front 10.1.0.0/24\";\n"
	"    net0 [label=\"gateway 10.1.0.1\", shape=ellipse];\n"
	"    node0 [label=\"web\\n10.1.0.2\"];\n"
	"  }\n"
	"  subgraph cluster_net1 {\n"
	"    label=\"back 10.2.0.0/24\";\n"
	"    net1 [label=\"gateway 10.2.0.254\", shape=ellipse];\n"
	"    node1 [label=\"db\\n10.2.0.10\"];\n"
	"  }\n"
	"  subgraph cluster_net2 {\n"
	"    label=\"mgmt 10.3.0.0/24\\nisolated\";\n"
	"    net2 [label=\"gateway 10.3.0.1\", shape=ellipse];\n"
	"    node2 [label=\"admin\\n10.3.0.2\"];\n"
	"  }\n"
	"  net0 -> net1 [dir=both, ltail=cluster_net0, lhead=cluster_net1, label=\"reach\"];\n"
	"  uplink [label=\"uplink eth0\", shape=doubleoctagon];\n"
	"  net0 -> uplink [ltail=cluster_net0, label=\"masquerade\"];\n"
	"  uplink -> node0 [label=\"tcp 8080 -> 80\"];\n"
	"  uplink -> node1 [label=\"udp 127.0.0.1:5353-5354 -> 53-54\"];\n"
	"}\n";

static struct topo *load(void)
{
	struct topo_errors errs = { 0 };
	struct topo *t = NULL;

	cr_assert(eq(int, topo_load(CORPUS "/good/graph.yaml", &t, &errs), 0));
	return t;
}

Test(graph, mermaid_of_the_corpus_file)
{
	struct topo *t = load();
	char *text = topo_graph(t, t->uplink, TOPO_GRAPH_MERMAID);

	cr_assert(not(eq(ptr, text, NULL)));
	cr_assert(eq(str, text, (char *)mermaid));
	free(text);
	topo_free(t);
}

Test(graph, dot_of_the_corpus_file_and_graphviz_reads_it)
{
	struct topo *t = load();
	char *text = topo_graph(t, t->uplink, TOPO_GRAPH_DOT);
	FILE *p;

	cr_assert(not(eq(ptr, text, NULL)));
	cr_assert(eq(str, text, (char *)dot));
	if (system("command -v dot >/dev/null 2>&1") == 0) {
		/* dot exits non-zero, with the line, on a syntax error */
		p = popen("dot -Tsvg -o /dev/null", "w");
		cr_assert(not(eq(ptr, p, NULL)));
		fputs(text, p);
		cr_assert(eq(int, pclose(p), 0), "graphviz refused the dot text");
	}
	free(text);
	topo_free(t);
}

Test(graph, no_uplink_and_format_names)
{
	struct topo *t = load();
	enum topo_graph_format f;
	char *text;

	t->n_forwards = 0;
	text = topo_graph(t, NULL, TOPO_GRAPH_MERMAID);
	cr_assert(not(eq(ptr, strstr(text, "uplink([\"host (no uplink)\"])\n"), NULL)), "%s", text);
	free(text);
	cr_assert(eq(int, topo_graph_format_parse("dot", &f), 0));
	cr_assert(eq(int, f, TOPO_GRAPH_DOT));
	cr_assert(eq(int, topo_graph_format_parse("svg", &f), -EINVAL));
	cr_assert(eq(str, (char *)topo_graph_format_name(TOPO_GRAPH_MERMAID), "mermaid"));
	topo_free(t);
}

Test(graph, routers_and_their_routed_prefixes)
{
	struct topo_errors errs = { 0 };
	struct topo *t = NULL;
	char *m, *d;
	FILE *p;

	cr_assert(eq(int, topo_load(CORPUS "/good/routes.yaml", &t, &errs), 0));
	m = topo_graph(t, "eth0", TOPO_GRAPH_MERMAID);
	d = topo_graph(t, "eth0", TOPO_GRAPH_DOT);
	cr_assert(m != NULL && d != NULL);
	cr_assert(strstr(m, "    node1[\"r1<br/>10.81.0.3<br/>router\"]\n") != NULL, "%s", m);
	cr_assert(strstr(m, "    node0[\"h1<br/>10.81.0.2\"]\n") != NULL,
		  "no router line for a node that does not forward:\n%s", m);
	cr_assert(not(eq(ptr,
			 strstr(m, "  route0[(\"10.81.9.0/24\")]\n"
				   "  node1 <-->|\"route\"| route0\n"),
			 NULL)),
		  "%s", m);
	cr_assert(strstr(m, "  node3 <-->|\"route\"| route3\n") != NULL, "%s", m);
	cr_assert(not(eq(ptr,
			 strstr(d, "  route2 [label=\"192.0.2.7/32\", shape=note];\n"
				   "  node2 -> route2 [dir=both, label=\"route\"];\n"),
			 NULL)),
		  "%s", d);
	if (system("command -v dot >/dev/null 2>&1") == 0) {
		p = popen("dot -Tsvg -o /dev/null", "w");
		cr_assert(not(eq(ptr, p, NULL)));
		fputs(d, p);
		cr_assert(eq(int, pclose(p), 0), "graphviz refused the dot text");
	}
	free(m);
	free(d);
	topo_free(t);
}
