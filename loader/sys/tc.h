/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Programs on interfaces: tcx links (Linux 6.6+, pinned so they outlive the
 * loader, appended after the links already there, updated in place on
 * re-up) or tc clsact filters (never replacing a filter that exists, but our
 * own on re-up), and the pinned bpf_link that tcx and cgroup hooks share.
 * Every object is journaled before it is created.
 */
#ifndef NSBPF_SYS_TC_H
#define NSBPF_SYS_TC_H

#include <stdbool.h>

#include <bpf/libbpf.h>

#include "sys/journal.h"

/* A device and the programs that go on it. */
struct tc_point {
	const char *ifname;
	int ifindex;
	int in_fd;	     /* ingress program */
	int eg_fd;	     /* egress program, -1: none */
	unsigned int handle; /* clsact filter handle and priority */
	unsigned int prio;
	/*
	 * A device others use too (the uplink: other labs, other tools): a new
	 * clsact attach takes the first priority from prio on that is free on
	 * both hooks, so that no two labs share one.
	 */
	bool shared;
};

/*
 * A bpf_link of prog_fd on target (an ifindex for tcx, a cgroup fd), pinned
 * at pin and journaled before it is pinned. With update, a link already
 * pinned there is moved to prog_fd in place instead (re-up).
 */
int tc_link_pin(int prog_fd, int target, enum bpf_attach_type type, const char *pin,
		struct journal *j, bool update);

/*
 * Attach p's programs: tcx links pinned in dir as tcx_IFNAME_in/_eg, or
 * clsact filters (a clsact qdisc that exists is shared and never removed),
 * journaled with the handle and priority they got. reup updates the links
 * in place and replaces the filters at p's handle and priority (the lab's
 * own, from its journal); without it, a filter already at that handle and
 * priority is never replaced (-EEXIST).
 */
int tc_attach(const char *dir, const struct tc_point *p, bool tcx, struct journal *j, bool reup);

/* tcx where the kernel takes a tcx link, clsact otherwise; *tcx says which. */
int tc_attach_probe(const char *dir, const struct tc_point *p, struct journal *j, bool *tcx);

/* Remove one clsact filter (down): 0 when it, or its device, is gone. */
int tc_clsact_detach(const char *ifname, bool ingress, unsigned int handle, unsigned int prio);

#endif /* NSBPF_SYS_TC_H */
