/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A lab drawn as text: Mermaid (a flowchart to paste into Markdown) or
 * Graphviz dot. Networks are boxes (subnet, gateway) holding their nodes
 * (name, address); reach is an edge between two networks, a network that
 * reaches none is marked isolated; the uplink is one more box, with an edge
 * from each masqueraded network and one edge per forward into its node.
 * The same drawing for a file (`nsbpf graph FILE`) and for a running lab
 * (lab_graph(), from its state and maps).
 */
#ifndef NSBPF_TOPO_GRAPH_H
#define NSBPF_TOPO_GRAPH_H

#include "topo/topo.h"

enum topo_graph_format {
	TOPO_GRAPH_MERMAID,
	TOPO_GRAPH_DOT,
};

/* "mermaid" | "dot": 0 or -EINVAL. */
int topo_graph_format_parse(const char *s, enum topo_graph_format *f);
const char *topo_graph_format_name(enum topo_graph_format f);

/*
 * The drawing of t, malloc'd, or NULL with errno set. uplink: how to
 * label the uplink box ("eth0", "default route"); NULL: the lab has none
 * (its forwards then come from the host).
 */
char *topo_graph(const struct topo *t, const char *uplink, enum topo_graph_format f);

#endif /* NSBPF_TOPO_GRAPH_H */
