// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nsbpf down: undo the journal, newest record first. Works on a journal cut
 * short by a killed `up`, and a second run finds nothing left to do.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lab/datapath.h"
#include "lab/lab.h"
#include "nsbpf_maps.h"
#include "util/log.h"
#include "util/plural.h"
#include "sys/journal.h"
#include "sys/netns.h"
#include "sys/nl.h"
#include "sys/place.h"
#include "sys/pins.h"
#include "sys/state.h"
#include "sys/tc.h"

/* What down may touch: where the lab lives, as its journal says and as we find it. */
struct down_ctx {
	const char *lab;
	const struct lab_progress *progress;
	const struct journal_recs *jl;
	bool host_gone; /* the host netns is gone: its links and filters went with it */
	bool mnt_gone;	/* the mount namespace is gone: its /run/netns names too */
	bool pins_gone; /* ... and its bpffs was not ours (a bpffs of its own) */
};

/*
 * Is /run/netns/NAME still the namespace up created? Without a record
 * (an older journal) the name is all there is, as before.
 */
static bool netns_is_ours(const struct down_ctx *c, const char *name)
{
	unsigned long want = journal_recorded_ino(c->jl, name);
	bool ours;
	int fd;

	if (!want)
		return !c->mnt_gone;
	fd = netns_open(name);
	if (fd < 0)
		return false;
	ours = (unsigned long)netns_ino(fd) == want;
	close(fd);
	if (!ours)
		pr_warn("lab %s: %s/%s is not the namespace the lab created: left alone\n", c->lab,
			NETNS_RUN_DIR, name);
	return ours;
}

/* Stop whatever still runs inside the lab's namespaces, in one /proc walk. */
static void kill_lab_procs(const struct down_ctx *c)
{
	const struct journal_recs *jl = c->jl;
	ino_t *inos = calloc(jl->n + 1, sizeof(*inos));
	size_t n = 0;
	int found;

	if (!inos)
		return;
	/* by the inodes up recorded: a namespace whose name went still has processes */
	for (size_t i = 0; i < jl->n; i++)
		if (jl->rec[i].kind == JOURNAL_NETNS_INO)
			inos[n++] = jl->rec[i].netns_ino.ino;
	for (size_t i = 0; i < jl->n; i++) {
		int fd;

		if (jl->rec[i].kind != JOURNAL_NETNS ||
		    journal_recorded_ino(jl, jl->rec[i].netns.name) || c->mnt_gone)
			continue;
		fd = netns_open(jl->rec[i].netns.name);
		if (fd < 0)
			continue;
		inos[n++] = netns_ino(fd);
		close(fd);
	}
	found = netns_kill_procs(inos, n, 2000);
	if (found > 0)
		pr_info("stopped %d %s left in the lab\n", found,
			plural((size_t)found, "process", "processes"));
	free(inos);
}

/* Did this record's object live where the lab no longer is? */
static bool rec_gone(const struct down_ctx *c, const struct journal_rec *rec)
{
	switch (rec->kind) {
	case JOURNAL_LINK:
	case JOURNAL_CLSACT:
	case JOURNAL_ROUTE:
		return c->host_gone;
	case JOURNAL_PIN:
	case JOURNAL_PINDIR:
		return c->pins_gone;
	case JOURNAL_NETNS:
		return !netns_is_ours(c, rec->netns.name);
	default:
		return false;
	}
}

/* A route into the lab: gone already with its router's host end is as good. */
static int undo_route(struct nl_sock *sk, const char *prefix)
{
	uint32_t dst;
	uint8_t len;

	if (topo_parse_prefix(prefix, &dst, &len))
		return -EINVAL;
	return nl_route_del(sk, dst, len);
}

static int undo(struct nl_sock *sk, const struct journal_rec *rec)
{
	switch (rec->kind) {
	case JOURNAL_ROUTE:
		return undo_route(sk, rec->route.prefix);
	case JOURNAL_PIN:
		return unlink(rec->pin.path) && errno != ENOENT ? -errno : 0;
	case JOURNAL_PINDIR:
		return rmdir(rec->pindir.path) && errno != ENOENT ? -errno : 0;
	case JOURNAL_CLSACT:
		return tc_clsact_detach(rec->clsact.ifname, rec->clsact.ingress, rec->clsact.handle,
					rec->clsact.prio);
	case JOURNAL_LINK:
		return nl_link_del(sk, rec->link.ifname);
	case JOURNAL_NETNS:
		return netns_delete(rec->netns.name);
	case JOURNAL_HOSTNS:
	case JOURNAL_PLACE:
	case JOURNAL_NETNS_INO:
		break; /* notes: nothing to undo */
	}
	return 0;
}

/* A link whose peer was in a node's namespace: it goes with the namespace. */
static bool goes_with_a_node(const struct down_ctx *c, const char *ifname)
{
	size_t n = strlen(c->lab);

	/* the FIB probe pair lives in the host netns (lab_up.c): nothing deletes it for us */
	return strncmp(ifname, c->lab, n) || strcmp(ifname + n, NSB_FIB_SUFFIX);
}

/*
 * Wait up to timeout_ms for the links of the nodes to go with their
 * namespaces; how many are left.
 */
static size_t wait_links_gone(struct nl_sock *sk, const struct down_ctx *c, int timeout_ms)
{
	struct timespec nap = { 0, 5 * 1000 * 1000 };
	const struct journal_recs *jl = c->jl;
	struct nl_link_info info;
	size_t left = 0;

	if (c->host_gone)
		return 0;
	for (int waited = 0;; waited += 5) {
		left = 0;
		for (size_t i = 0; i < jl->n; i++)
			if (jl->rec[i].kind == JOURNAL_LINK &&
			    goes_with_a_node(c, jl->rec[i].link.ifname) &&
			    !nl_link_get(sk, jl->rec[i].link.ifname, &info))
				left++;
		if (!left || waited >= timeout_ms)
			return left;
		nanosleep(&nap, NULL);
	}
}

/* What the record's object is; LAB_OBJ_KINDS for notes (hostns, place, netns-ino). */
static enum lab_obj rec_obj(const struct journal_rec *rec)
{
	switch (rec->kind) {
	case JOURNAL_NETNS:
		return LAB_OBJ_NETNS;
	case JOURNAL_LINK:
		return LAB_OBJ_LINK;
	case JOURNAL_PIN:
	case JOURNAL_PINDIR:
		return LAB_OBJ_PIN;
	case JOURNAL_CLSACT:
		return LAB_OBJ_FILTER;
	default:
		return LAB_OBJ_KINDS;
	}
}

/*
 * Namespaces first: the kernel then unregisters all their veths in one batch
 * (one RCU barrier for the lot, where deleting links one by one costs one
 * each: 0.3 s against 15 s for 500 nodes). tcx links still cost a grace
 * period per device there, one reason host ends use clsact by default.
 * Links still there after that are deleted one by one; pins, filters and
 * the rest follow, newest first. Forgotten records never reach here
 * (journal_read drops them); records of objects that went with the host
 * netns or the mount namespace are counted, not touched.
 */
/* Phase 0 removes the namespaces, 1 the links left, 2 the rest (pins, filters). */
static const char *const phase_names[] = { "removing namespaces", "removing links",
					   "removing pins and filters" };

static bool in_phase(const struct journal_rec *rec, int phase)
{
	bool ns = rec->kind == JOURNAL_NETNS, link = rec->kind == JOURNAL_LINK;

	/* routes first, while their routers' host ends are there: a route then is surely ours */
	if (rec->kind == JOURNAL_ROUTE)
		return phase == 0;
	if (rec_obj(rec) == LAB_OBJ_KINDS)
		return false;
	return phase == 0 ? ns : phase == 1 ? link : !ns && !link;
}

static size_t phase_count(const struct journal_recs *jl, int phase)
{
	size_t n = 0;

	for (size_t i = 0; i < jl->n; i++)
		n += in_phase(&jl->rec[i], phase);
	return n;
}

static int undo_all(struct nl_sock *sk, const struct down_ctx *c, struct down_result *r)
{
	char what[JOURNAL_NAME_MAX + 64];
	unsigned int links = 0, links_failed = 0;
	int failed = 0, err;

	for (size_t i = 0; i < c->jl->n; i++)
		links += c->jl->rec[i].kind == JOURNAL_LINK;
	for (int phase = 0; phase < 3; phase++) {
		size_t done = 0, total = phase_count(c->jl, phase);

		/* phase 1 deletes what is left: the nodes' links that did not go, the FIB probe */
		if (phase == 1)
			wait_links_gone(sk, c, 3000);
		for (size_t i = c->jl->n; i-- > 0;) {
			const struct journal_rec *rec = &c->jl->rec[i];
			bool link = rec->kind == JOURNAL_LINK;
			enum lab_obj obj;

			if (!in_phase(rec, phase))
				continue;
			lab_progress(c->progress, phase_names[phase], done++, total);
			/* links are counted below; routes not at all (part of the host ends) */
			obj = link ? LAB_OBJ_KINDS : rec_obj(rec);
			if (rec_gone(c, rec)) {
				if (obj < LAB_OBJ_KINDS)
					r->gone[obj]++;
				continue;
			}
			err = undo(sk, rec);
			if (!err) {
				if (obj < LAB_OBJ_KINDS)
					r->removed[obj]++;
				continue;
			}
			journal_rec_str(rec, what, sizeof(what));
			pr_warn("lab %s: undo \"%s\": %s\n", c->lab, what, strerror(-err));
			failed++;
			links_failed += link;
		}
		if (total)
			lab_progress(c->progress, phase_names[phase], total, total);
	}
	/* links mostly go with their namespaces, in phase 0 */
	if (c->host_gone)
		r->gone[LAB_OBJ_LINK] += links;
	else
		r->removed[LAB_OBJ_LINK] += links - links_failed;
	return failed;
}

static const struct journal_rec *find_rec(const struct journal_recs *jl, enum journal_kind kind)
{
	for (size_t i = 0; i < jl->n; i++)
		if (jl->rec[i].kind == kind)
			return &jl->rec[i];
	return NULL;
}

/* Is the lab's mount namespace here, gone, or alive elsewhere (-EXDEV)? */
static int locate_mntns(struct down_ctx *c, struct err_msg *e)
{
	const struct journal_rec *place = find_rec(c->jl, JOURNAL_PLACE);
	struct place self;

	if (!place || place_self(&self) || place_same(&place->place, &self))
		return 0;
	if (mntns_alive(place->place.mntns))
		return err_set(
			e, -EXDEV,
			"lab %s was brought up in another mount namespace (mnt:[%lu]): its /run/netns and bpffs are not the ones visible here%s; run nsbpf where the lab was brought up (for a lab in another network namespace: nsbpf -n NETNS down %s, not ip netns exec)",
			c->lab, place->place.mntns, place_hint(), c->lab);
	c->mnt_gone = true;
	/* a copy of our mounts (unshare -m) shared our bpffs: its pins are ours to remove */
	c->pins_gone = !place->place.bpffs_dev || place->place.bpffs_dev != self.bpffs_dev;
	return 0;
}

/*
 * Go where the lab's host netns is, when it is elsewhere: down works from
 * anywhere. *saved: where we were, -1 when we did not move. A host netns
 * that is gone leaves the lab orphaned (c->host_gone).
 */
static int locate_hostns(struct down_ctx *c, int *saved, struct err_msg *e)
{
	const struct journal_rec *host = find_rec(c->jl, JOURNAL_HOSTNS);
	char name[JOURNAL_NAME_MAX];
	int fd, err;

	*saved = -1;
	if (!host || host->hostns.ino == (unsigned long)netns_self_ino())
		return 0;
	fd = netns_find(host->hostns.ino, name, sizeof(name));
	if (fd < 0) {
		c->host_gone = true;
		return 0;
	}
	err = netns_enter(fd, saved);
	close(fd);
	if (err)
		return err_set(e, err, "lab %s: enter its host network namespace (net:[%lu]): %s",
			       c->lab, host->hostns.ino, strerror(-err));
	return 0;
}

static int teardown_here(struct down_ctx *c, struct down_result *r)
{
	struct nl_sock *sk = nl_open();
	int failed;

	if (!sk)
		return err_set(&r->err, -errno, "netlink: %s", strerror(errno));
	if (r->orphaned)
		pr_warn("lab %s is orphaned: its %s is gone; removing what is left\n", c->lab,
			c->host_gone ? "host network namespace" : "mount namespace");
	lab_progress(c->progress, "stopping processes", 0, 0);
	kill_lab_procs(c);
	failed = undo_all(sk, c, r);
	nl_close(sk);
	if (failed)
		return err_set(&r->err, -EBUSY,
			       "lab %s: %d %s could not be removed; state kept in %s/%s", c->lab,
			       failed, plural((size_t)failed, "object", "objects"), STATE_DIR,
			       c->lab);
	return 0;
}

int lab_teardown(const char *lab, const struct lab_progress *progress, struct down_result *r)
{
	struct down_ctx c = { .lab = lab, .progress = progress };
	struct journal_recs jl = { 0 };
	int err, saved = -1;

	memset(r, 0, sizeof(*r));
	if (!state_exists(lab))
		return 0;
	r->was_up = true;
	err = journal_read(lab, &jl);
	if (err && err != -ENOENT)
		return err_set(&r->err, err, "lab %s: read its journal: %s", lab, strerror(-err));
	c.jl = &jl;
	err = locate_mntns(&c, &r->err);
	if (!err)
		err = locate_hostns(&c, &saved, &r->err);
	r->orphaned = c.host_gone || c.mnt_gone;
	if (!err)
		err = teardown_here(&c, r);
	if (saved >= 0)
		netns_leave(saved);
	journal_recs_free(&jl);
	if (err)
		return err;
	/* The parent pin directory goes when the last lab leaves it. */
	rmdir(PIN_ROOT);
	err = state_remove(lab);
	if (err)
		return err_set(&r->err, err, "lab %s: remove %s/%s: %s", lab, STATE_DIR, lab,
			       strerror(-err));
	return 0;
}

int lab_down(const char *lab, const struct lab_progress *progress, struct down_result *r)
{
	int lock = state_lock();
	int err;

	if (lock < 0) {
		memset(r, 0, sizeof(*r));
		return err_set(&r->err, lock, "lock %s: %s", STATE_DIR, strerror(-lock));
	}
	err = lab_teardown(lab, progress, r);
	state_unlock(lock);
	return err;
}
