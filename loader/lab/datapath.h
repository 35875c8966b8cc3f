/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The eBPF datapath of a lab: load the CO-RE programs, pin and fill the maps
 * under /sys/fs/bpf/nsbpf/LAB/ (sys/pins.h), attach to every host end and the
 * uplink (sys/tc.h: tcx links where the kernel has them, tc clsact filters
 * otherwise; the uplink object in uplink.c), and the cgroup hooks
 * (sock_hooks.c).
 */
#ifndef NSBPF_DATAPATH_H
#define NSBPF_DATAPATH_H

#include <stdbool.h>
#include <netinet/in.h>
#include <stdint.h>

#include "lab/lab.h"
#include "nsbpf_maps.h"
#include "sys/journal.h"
#include "sys/pins.h"
#include "sys/state.h"

struct dp_uplink {
	char name[16];	     /* "" : no uplink */
	int ifindex;	     /* 0: no uplink */
	uint32_t ip;	     /* host order */
	struct in6_addr ip6; /* NAT66's source (lab_resolve_uplink()); :: none */
};

/*
 * How programs attach: on the host ends, and on the uplink. In: what was
 * asked (ATTACH_AUTO: clsact on the host ends, tcx on the uplink where the
 * kernel has it); out: what was used.
 */
struct dp_modes {
	enum attach_mode nodes;
	enum attach_mode uplink;
};

/*
 * First up: load, pin, fill, attach; every object is journaled before it is
 * created. Re-up (reup): reuse the pinned maps, refill them, and replace the
 * programs in place with the modes the lab already uses (modes on input).
 */
int dp_up(const struct topo *t, const struct node_rt *rt, const struct dp_uplink *up,
	  struct journal *j, struct dp_modes *modes, bool reup);

/* Sum the per-CPU stats of a lab: out[NSB_STAT_MAX]. */
int dp_stats_read(const char *lab, struct nsb_counter *out);

#endif /* NSBPF_DATAPATH_H */
