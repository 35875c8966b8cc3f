/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Inside topo/: what topo_diff.c and topo_diff_items.c share. */
#ifndef NSBPF_TOPO_DIFF_INTERNAL_H
#define NSBPF_TOPO_DIFF_INTERNAL_H

#include "topo/topo_diff.h"

/* Append a line (detail NULL: none): 0 or -ENOMEM. */
int topo_diff_line_add(struct topo_diff *d, char op, enum topo_diff_kind kind, const char *name,
		       const char *detail);

/* The lines of links, routed prefixes and forwards. */
int topo_diff_item_lines(const struct topo *a, const struct topo *b, struct topo_diff *d);

#endif /* NSBPF_TOPO_DIFF_INTERNAL_H */
