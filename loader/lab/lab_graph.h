/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A running lab as a topology, for topo_graph(): what `nsbpf graph LAB` draws. */
#ifndef NSBPF_LAB_GRAPH_H
#define NSBPF_LAB_GRAPH_H

#include "lab/lab.h"
#include "util/err.h"

/*
 * li's networks (masquerade as the networks map has it now, after any
 * `nat on|off`), nodes, and forwards (as the forwards map holds them) in
 * *out (topo_free() it). 0, or -errno with why in e.
 */
int lab_graph_topo(const struct lab_info *li, struct topo **out, struct err_msg *e);

#endif /* NSBPF_LAB_GRAPH_H */
