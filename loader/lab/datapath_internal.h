/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What datapath.c shares with the files of the lab's other BPF objects:
 * uplink.c (the uplink programs) and sock_hooks.c (the cgroup hooks).
 * datapath.c calls them; they never call back.
 */
#ifndef NSBPF_LAB_DATAPATH_INTERNAL_H
#define NSBPF_LAB_DATAPATH_INTERNAL_H

#include <stdbool.h>

#include "lab/datapath.h"
#include "sys/journal.h"

/* What every object of one up shares. */
struct dp_run {
	const char *dir;	 /* the lab's pin directory */
	unsigned int ct_entries; /* conntrack size of the lab's maps, 0: the default */
	struct journal *j;
	bool reup; /* update links and filters in place */
};

/*
 * The uplink object, on up->name: *mode in (ATTACH_AUTO: tcx where the
 * kernel takes it), out what was used. 0 when the object is not built.
 */
int uplink_up(const struct dp_run *r, const struct dp_uplink *up, enum attach_mode *mode);

/*
 * Host-local access to forwards: the cgroup sock_addr hooks on the root of
 * the cgroup v2 hierarchy, as links pinned in r->dir. 0 when the hooks are
 * not built or there is no cgroup v2 (with a note).
 */
int sock_hooks_up(const struct dp_run *r);

#endif /* NSBPF_LAB_DATAPATH_INTERNAL_H */
