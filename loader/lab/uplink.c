// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The uplink object (bpf/uplink.bpf.c): from_uplink takes replies of
 * masqueraded flows and new connections to forwarded ports into the nodes,
 * to_uplink drops what leaves with a lab source; everything else passes
 * untouched. It shares the maps the node object pinned.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "lab/datapath_internal.h"
#include "sys/pins.h"
#include "sys/tc.h"
#include "util/log.h"

#if __has_include("uplink.skel.h")
#include "uplink.skel.h"

/* Our filters' handle and priority on the uplink, a device shared with others. */
#define TC_HANDLE_UPLINK 0x4e5b /* unlikely to be someone else's */
#define TC_PRIO_UPLINK	 0xc000

/* The uplink is shared with the host: tcx links coexist with others. */
static int attach_uplink(struct nsbpf_uplink *skel, const struct dp_run *r,
			 const struct dp_uplink *up, enum attach_mode *mode)
{
	struct tc_point p = {
		.ifname = up->name,
		.ifindex = up->ifindex,
		.in_fd = bpf_program__fd(skel->progs.from_uplink),
		/* nothing leaves with a lab source, whatever the host routes (egress.h) */
		.eg_fd = bpf_program__fd(skel->progs.to_uplink),
		.handle = TC_HANDLE_UPLINK,
		.prio = TC_PRIO_UPLINK,
	};
	bool tcx;
	int err;

	if (*mode != ATTACH_AUTO)
		return tc_attach(r->dir, &p, *mode == ATTACH_TCX, r->j, r->reup);
	err = tc_attach_probe(r->dir, &p, r->j, &tcx);
	*mode = tcx ? ATTACH_TCX : ATTACH_CLSACT;
	return err;
}

int uplink_up(const struct dp_run *r, const struct dp_uplink *up, enum attach_mode *mode)
{
	struct nsbpf_uplink *skel;
	int err;

	skel = nsbpf_uplink__open();
	if (!skel)
		return -errno;
	err = pins_object(skel->obj, r->dir, r->ct_entries, NULL);
	if (!err) {
		err = nsbpf_uplink__load(skel);
		if (err)
			pr_warn("loading the uplink program failed: %s (run with -vv for the verifier log)\n",
				strerror(-err));
	}
	if (!err) {
		err = attach_uplink(skel, r, up, mode);
		if (err)
			pr_warn("attach to uplink %s: %s\n", up->name, strerror(-err));
	}
	nsbpf_uplink__destroy(skel);
	return err;
}

#else /* !uplink.skel.h */

int uplink_up(const struct dp_run *r, const struct dp_uplink *up, enum attach_mode *mode)
{
	(void)r;
	(void)up;
	(void)mode;
	return 0;
}

#endif /* uplink.skel.h */
