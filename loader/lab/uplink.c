// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The uplink object (bpf/uplink.bpf.c): from_uplink takes replies of
 * masqueraded flows and new connections to forwarded ports into the nodes,
 * to_uplink drops what leaves with a lab source; everything else goes on
 * untouched to the next program ("next"). It shares the maps the node
 * object pinned.
 *
 * The uplink is shared with other labs and tools. tcx: our links are
 * appended after those already there. clsact: each lab's filters get a
 * priority of their own, the first free one from TC_PRIO_UPLINK on, which
 * the journal keeps: re-up replaces the lab's own filters there, down
 * removes them by their record.
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

/* Our filters' handle and first priority on the uplink, a device shared with others. */
#define TC_HANDLE_UPLINK 0x4e5b /* unlikely to be someone else's */
#define TC_PRIO_UPLINK	 0xc000

/*
 * Re-up: the handle and priority the lab's ingress filter on ifname got at
 * up, from its journal. A lab without such a record (tcx, or one brought up
 * before priorities were chosen) keeps the constants.
 */
static int uplink_journal_prio(const struct dp_run *r, const char *ifname, struct tc_point *p)
{
	struct journal_recs recs;
	int err = journal_read(r->j->lab, &recs);

	if (err)
		return err == -ENOENT ? 0 : err;
	for (size_t i = 0; i < recs.n; i++) {
		const struct journal_rec *rec = &recs.rec[i];

		if (rec->kind == JOURNAL_CLSACT && rec->clsact.ingress &&
		    !strcmp(rec->clsact.ifname, ifname)) {
			p->handle = rec->clsact.handle;
			p->prio = rec->clsact.prio;
		}
	}
	journal_recs_free(&recs);
	return 0;
}

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
		.shared = true,
	};
	bool tcx;
	int err;

	if (r->reup && *mode == ATTACH_CLSACT) {
		err = uplink_journal_prio(r, up->name, &p);
		if (err)
			return err;
	}
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
