// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The lock, the map and the journal of a change of forwards (fwd_txn.h). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "lab/fwd_flows.h"
#include "lab/fwd_txn.h"
#include "lab/lab.h"
#include "lab/rules.h"
#include "lab/port_fwd_map.h"
#include "sys/pins.h"
#include "sys/state.h"

/* The state file that says a sweep is due (fwd_txn.h). */
#define FWD_SWEEP_FILE "fwd-sweep"

/* Sync fwd_ports and end gone forwards' flows; the marker goes once done. */
static void after_change(struct fwd_txn *t)
{
	size_t gone;

	if (!fwd_after_change(t->lab, &gone))
		unlink(t->swept);
}

/* The marker first: a kill between the change and the sweep leaves it. */
static int sweep_due(struct fwd_txn *t)
{
	int fd = open(t->swept, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* The ports b adds, in fwd_ports before any of them goes in. */
static int mark_ports(struct fwd_txn *t, const struct fwd_batch *b)
{
	for (size_t i = 0; t->ports_fd >= 0 && i < b->n; i++) {
		const struct fwd_batch_op *op = &b->op[i];
		int err = op->del ? 0 :
			  op->v6  ? fwd_ports_mark6(t->ports_fd, &op->key6) :
				    fwd_ports_mark(t->ports_fd, &op->key);

		if (err)
			return err;
	}
	return 0;
}

/* Undo the journal's batch (we hold the lock, so its command is dead). */
static int undo_left(struct fwd_txn *t, const char *lab, size_t *recovered, struct err_msg *e)
{
	struct fwd_batch b;
	int err = fwd_batch_load(t->journal, &b);

	if (err == -ENOENT)
		return 0;
	if (err)
		return err_set(e, err,
			       "lab %s: the journal of an interrupted forward batch (%s): %s", lab,
			       t->journal, strerror(-err));
	err = fwd_batch_undo(&t->map, &b, b.n);
	if (!err)
		err = fwd_batch_drop(t->journal);
	if (err)
		err_set(e, err, "lab %s: undoing an interrupted forward batch (%s): %s", lab,
			t->journal, strerror(-err));
	else
		*recovered = fwd_batch_forwards(&b);
	fwd_batch_free(&b);
	return err;
}

int fwd_txn_begin(struct fwd_txn *t, const char *lab, size_t *recovered, struct err_msg *e)
{
	int err;

	*recovered = 0;
	t->fd = -1;
	t->fd6 = -1;
	t->ports_fd = -1;
	t->lab = lab;
	state_path(lab, FWD_BATCH_FILE, t->journal, sizeof(t->journal));
	state_path(lab, FWD_SWEEP_FILE, t->swept, sizeof(t->swept));
	fwd_batch_map_fd(&t->map, &t->fd);
	t->lock = state_lock();
	if (t->lock < 0)
		return err_set(e, t->lock, "lab %s: state lock: %s", lab, strerror(-t->lock));
	t->fd = fwd_map_open(lab);
	if (t->fd < 0)
		return err_set(e, t->fd, "lab %s: forwards map: %s", lab, strerror(-t->fd));
	t->fd6 = pins_map_open(lab, "forwards6");
	if (t->fd6 < 0 && t->fd6 != -ENOENT)
		return err_set(e, t->fd6, "lab %s: forwards6 map: %s", lab, strerror(-t->fd6));
	if (t->fd6 >= 0)
		fwd_batch_map_fd6(&t->map, &t->fd6);
	t->ports_fd = pins_map_open(lab, "fwd_ports");
	if (t->ports_fd < 0 && t->ports_fd != -ENOENT)
		return err_set(e, t->ports_fd, "lab %s: fwd_ports map: %s", lab,
			       strerror(-t->ports_fd));
	err = undo_left(t, lab, recovered, e);
	if (!err && !access(t->swept, F_OK))
		after_change(t);
	return err;
}

int fwd_txn_run(struct fwd_txn *t, const struct fwd_batch *b, const volatile sig_atomic_t *stop,
		struct err_msg *e)
{
	size_t done = 0;
	int err, uerr;

	if (stop && *stop)
		return err_set(e, -EINTR, "interrupted, nothing changed");
	err = mark_ports(t, b);
	if (!err)
		err = sweep_due(t);
	if (err)
		return err_set(e, err, "%s: %s, nothing changed",
			       t->ports_fd >= 0 ? "fwd_ports map" : t->swept, strerror(-err));
	err = fwd_batch_save(t->journal, b);
	if (err)
		return err_set(e, err, "journal %s: %s, nothing changed", t->journal,
			       strerror(-err));
	err = fwd_batch_apply(&t->map, b, stop, &done);
	if (!err) {
		err = fwd_batch_drop(t->journal); /* the commit */
		if (!err) {
			after_change(t);
			return 0;
		}
		done = b->n;
	}
	uerr = fwd_batch_undo(&t->map, b, done);
	if (!uerr)
		uerr = fwd_batch_drop(t->journal);
	if (!uerr)
		after_change(t);
	if (!uerr)
		return err_set(e, err, "%s, nothing changed",
			       err == -EINTR ? "interrupted" : strerror(-err));
	return err_set(
		e, err,
		"%s, and undoing it failed (%s): the next nsbpf command on the lab undoes it (%s)",
		err == -EINTR ? "interrupted" : strerror(-err), strerror(-uerr), t->journal);
}

void fwd_txn_end(struct fwd_txn *t)
{
	if (t->fd >= 0)
		close(t->fd);
	if (t->fd6 >= 0)
		close(t->fd6);
	if (t->ports_fd >= 0)
		close(t->ports_fd);
	t->fd = -1;
	t->fd6 = -1;
	t->ports_fd = -1;
	state_unlock(t->lock);
	t->lock = -1;
}

bool fwd_txn_left(const char *lab)
{
	char path[512];

	state_path(lab, FWD_BATCH_FILE, path, sizeof(path));
	return !access(path, F_OK) || errno != ENOENT;
}

int fwd_txn_recover(const char *lab, size_t *recovered, struct err_msg *e)
{
	struct fwd_txn t;
	int err;

	*recovered = 0;
	/* A journal appears only under the lock: none now, none left. */
	if (!fwd_txn_left(lab))
		return 0;
	err = fwd_txn_begin(&t, lab, recovered, e);
	fwd_txn_end(&t);
	return err;
}

int fwd_txn_apply(const struct lab_info *li, const char *what, fwd_plan_fn plan,
		  const struct fwd_spec *reqs, size_t n, struct rules_fwd_run *run,
		  struct err_list *probs)
{
	struct fwd_batch b = { 0 };
	struct fwd_txn t;
	struct err_msg e;
	int err;

	err = fwd_txn_begin(&t, li->name, &run->recovered, &e);
	if (err)
		err_add(probs, ERR_NO_INDEX, false, "%s", e.text);
	if (!err)
		err = plan(li, t.fd, t.fd6, reqs, n, run, &b, probs);
	if (!err) {
		err = fwd_txn_run(&t, &b, run->stop, &e);
		if (err)
			err_add(probs, ERR_NO_INDEX, false, "lab %s: %s: %s", li->name, what,
				e.text);
	}
	fwd_txn_end(&t);
	fwd_batch_free(&b);
	return err;
}
