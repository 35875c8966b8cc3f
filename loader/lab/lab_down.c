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
#include "sys/netns.h"
#include "sys/nl.h"
#include "sys/state.h"

/* Stop whatever still runs inside the lab's namespaces, in one /proc walk. */
static void kill_lab_procs(const struct state_lines *jl)
{
	ino_t *inos = calloc(jl->n + 1, sizeof(*inos));
	size_t n = 0;
	int found;

	if (!inos)
		return;
	for (size_t i = 0; i < jl->n; i++) {
		char kind[16], name[128];
		int fd;

		if (sscanf(jl->line[i], "%15s %127s", kind, name) != 2 || strcmp(kind, "netns"))
			continue;
		fd = netns_open(name);
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

static int undo(struct nl_sock *sk, const char *line)
{
	char kind[16], a[256], b[256];
	unsigned int handle, prio;
	int n = sscanf(line, "%15s %255s %255s %u %u", kind, a, b, &handle, &prio);

	if (n < 2)
		return 0;
	if (!strcmp(kind, "pin"))
		return unlink(a) && errno != ENOENT ? -errno : 0;
	if (!strcmp(kind, "pindir"))
		return rmdir(a) && errno != ENOENT ? -errno : 0;
	if (!strcmp(kind, "tc") && n == 5)
		return dp_tc_detach(a, b, handle, prio);
	if (!strcmp(kind, "link"))
		return nl_link_del(sk, a);
	if (!strcmp(kind, "netns"))
		return netns_delete(a);
	return 0;	/* hostns and other notes: nothing to undo */
}

/*
 * "forget KIND NAME" cancels the "KIND NAME" record before it: up journaled
 * the object, then found the name taken by someone else. Never remove that.
 */
static bool forgotten(struct state_lines *jl, size_t i)
{
	const char *rec = jl->line[i];

	if (!strncmp(rec, "forget ", 7))
		return true;
	for (size_t k = i + 1; k < jl->n; k++) {
		char *l = jl->line[k];

		if (!strncmp(l, "forget ", 7) && !strcmp(l + 7, rec)) {
			l[0] = '#';	/* each forget cancels one record */
			return true;
		}
	}
	return false;
}

static bool is_kind(const char *line, const char *kind)
{
	size_t n = strlen(kind);

	return !strncmp(line, kind, n) && line[n] == ' ';
}

/* Wait up to timeout_ms for the named links to go; how many are left. */
static size_t wait_links_gone(struct nl_sock *sk, struct state_lines *jl, const bool *skip,
			      int timeout_ms)
{
	struct timespec nap = { 0, 5 * 1000 * 1000 };
	struct nl_link_info info;
	size_t left = 0;

	for (int waited = 0;; waited += 5) {
		left = 0;
		for (size_t i = 0; i < jl->n; i++)
			if (!skip[i] && is_kind(jl->line[i], "link") &&
			    !nl_link_get(sk, jl->line[i] + 5, &info))
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
 * the rest follow, newest first.
 */
static int undo_all(struct nl_sock *sk, const char *lab, struct state_lines *jl)
{
	bool *skip = calloc(jl->n + 1, sizeof(*skip));
	int failed = 0, err;

	if (!skip)
		return 1;
	for (size_t i = jl->n; i-- > 0;)
		skip[i] = forgotten(jl, i);
	for (int phase = 0; phase < 3; phase++) {
		if (phase == 1 && !wait_links_gone(sk, jl, skip, 3000))
			continue;
		for (size_t i = jl->n; i-- > 0;) {
			bool ns = is_kind(jl->line[i], "netns"), link = is_kind(jl->line[i], "link");

			if (skip[i] || (phase == 0 && !ns) || (phase == 1 && !link) ||
			    (phase == 2 && (ns || link)))
				continue;
			err = undo(sk, jl->line[i]);
			if (err) {
				pr_warn("lab %s: undo \"%s\": %s\n", lab, jl->line[i], strerror(-err));
				failed++;
			}
		}
	}
	free(skip);
	return failed;
}

static int check_hostns(const struct state_lines *jl, const char *lab, struct err_msg *e)
{
	unsigned long ino;

	for (size_t i = 0; i < jl->n; i++) {
		if (sscanf(jl->line[i], "hostns %lu", &ino) != 1)
			continue;
		if (ino != (unsigned long)netns_self_ino())
			return err_set(e, -EXDEV,
				       "lab %s was brought up in another network namespace (net:[%lu]): run down there (nsbpf -n NETNS down %s)",
				       lab, ino, lab);
	}
	return 0;
}

int lab_teardown(const char *lab, struct down_result *r)
{
	struct state_lines jl;
	struct nl_sock *sk;
	int err, failed = 0;

	memset(r, 0, sizeof(*r));
	if (!state_exists(lab))
		return 0;
	r->was_up = true;
	err = state_read_journal(lab, &jl);
	if (err && err != -ENOENT)
		return err_set(&r->err, err, "lab %s: read its journal: %s", lab, strerror(-err));
	err = check_hostns(&jl, lab, &r->err);
	sk = err ? NULL : nl_open();
	if (!err && !sk)
		err = err_set(&r->err, -errno, "netlink: %s", strerror(errno));
	if (err) {
		state_lines_free(&jl);
		return err;
	}
	kill_lab_procs(&jl);
	failed = undo_all(sk, lab, &jl);
	nl_close(sk);
	state_lines_free(&jl);
	if (failed)
		return err_set(&r->err, -EBUSY, "lab %s: %d object%s could not be removed; state kept in %s/%s",
			       lab, failed, failed == 1 ? "" : "s", STATE_DIR, lab);
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
