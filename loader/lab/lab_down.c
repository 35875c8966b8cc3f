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
#include "util/log.h"
#include "sys/journal.h"
#include "sys/netns.h"
#include "sys/nl.h"
#include "sys/state.h"
#include "sys/tc.h"

/* Stop whatever still runs inside the lab's namespaces, in one /proc walk. */
static void kill_lab_procs(const struct journal_recs *jl)
{
	ino_t *inos = calloc(jl->n + 1, sizeof(*inos));
	size_t n = 0;
	int found;

	if (!inos)
		return;
	for (size_t i = 0; i < jl->n; i++) {
		int fd;

		if (jl->rec[i].kind != JOURNAL_NETNS)
			continue;
		fd = netns_open(jl->rec[i].netns.name);
		if (fd < 0)
			continue;
		inos[n++] = netns_ino(fd);
		close(fd);
	}
	found = netns_kill_procs(inos, n, 2000);
	if (found > 0)
		pr_info("stopped %d process%s left in the lab\n", found, found == 1 ? "" : "es");
	free(inos);
}

static int undo(struct nl_sock *sk, const struct journal_rec *rec)
{
	switch (rec->kind) {
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
		break; /* a note: nothing to undo */
	}
	return 0;
}

/* Wait up to timeout_ms for the named links to go; how many are left. */
static size_t wait_links_gone(struct nl_sock *sk, const struct journal_recs *jl, int timeout_ms)
{
	struct timespec nap = { 0, 5 * 1000 * 1000 };
	struct nl_link_info info;
	size_t left = 0;

	for (int waited = 0;; waited += 5) {
		left = 0;
		for (size_t i = 0; i < jl->n; i++)
			if (jl->rec[i].kind == JOURNAL_LINK &&
			    !nl_link_get(sk, jl->rec[i].link.ifname, &info))
				left++;
		if (!left || waited >= timeout_ms)
			return left;
		nanosleep(&nap, NULL);
	}
}

/*
 * Namespaces first: the kernel then unregisters all their veths in one batch
 * (one RCU barrier for the lot, where deleting links one by one costs one
 * each: 0.3 s against 15 s for 500 nodes). tcx links still cost a grace
 * period per device there, one reason host ends use clsact by default.
 * Links still there after that are deleted one by one; pins, filters and
 * the rest follow, newest first. Forgotten records never reach here
 * (journal_read drops them).
 */
static int undo_all(struct nl_sock *sk, const char *lab, const struct journal_recs *jl)
{
	char what[JOURNAL_NAME_MAX + 64];
	int failed = 0, err;

	for (int phase = 0; phase < 3; phase++) {
		if (phase == 1 && !wait_links_gone(sk, jl, 3000))
			continue;
		for (size_t i = jl->n; i-- > 0;) {
			const struct journal_rec *rec = &jl->rec[i];
			bool ns = rec->kind == JOURNAL_NETNS, link = rec->kind == JOURNAL_LINK;

			if ((phase == 0 && !ns) || (phase == 1 && !link) ||
			    (phase == 2 && (ns || link)))
				continue;
			err = undo(sk, rec);
			if (err) {
				journal_rec_str(rec, what, sizeof(what));
				pr_warn("lab %s: undo \"%s\": %s\n", lab, what, strerror(-err));
				failed++;
			}
		}
	}
	return failed;
}

static int check_hostns(const struct journal_recs *jl, const char *lab, struct err_msg *e)
{
	unsigned long ino;

	for (size_t i = 0; i < jl->n; i++) {
		if (jl->rec[i].kind != JOURNAL_HOSTNS)
			continue;
		ino = jl->rec[i].hostns.ino;
		if (ino != (unsigned long)netns_self_ino())
			return err_set(
				e, -EXDEV,
				"lab %s was brought up in another network namespace (net:[%lu]): run down there (nsbpf -n NETNS down %s)",
				lab, ino, lab);
	}
	return 0;
}

int lab_teardown(const char *lab, struct down_result *r)
{
	struct journal_recs jl;
	struct nl_sock *sk;
	int err, failed = 0;

	memset(r, 0, sizeof(*r));
	if (!state_exists(lab))
		return 0;
	r->was_up = true;
	err = journal_read(lab, &jl);
	if (err && err != -ENOENT)
		return err_set(&r->err, err, "lab %s: read its journal: %s", lab, strerror(-err));
	err = check_hostns(&jl, lab, &r->err);
	sk = err ? NULL : nl_open();
	if (!err && !sk)
		err = err_set(&r->err, -errno, "netlink: %s", strerror(errno));
	if (err) {
		journal_recs_free(&jl);
		return err;
	}
	kill_lab_procs(&jl);
	failed = undo_all(sk, lab, &jl);
	nl_close(sk);
	journal_recs_free(&jl);
	if (failed)
		return err_set(&r->err, -EBUSY,
			       "lab %s: %d object%s could not be removed; state kept in %s/%s", lab,
			       failed, failed == 1 ? "" : "s", STATE_DIR, lab);
	/* The parent pin directory goes when the last lab leaves it. */
	rmdir(PIN_ROOT);
	err = state_remove(lab);
	if (err)
		return err_set(&r->err, err, "lab %s: remove %s/%s: %s", lab, STATE_DIR, lab,
			       strerror(-err));
	return 0;
}

int lab_down(const char *lab, struct down_result *r)
{
	int lock = state_lock();
	int err;

	if (lock < 0) {
		memset(r, 0, sizeof(*r));
		return err_set(&r->err, lock, "lock %s: %s", STATE_DIR, strerror(-lock));
	}
	err = lab_teardown(lab, r);
	state_unlock(lock);
	return err;
}
