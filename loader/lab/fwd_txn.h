/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One change of a lab's forwards (rules_forwards*.c): the state lock, the
 * pinned forwards map, and its batch journal (fwd_batch.h). Every change
 * starts by undoing a batch that a killed command left, and runs its own
 * batch all or none.
 */
#ifndef NSBPF_FWD_TXN_H
#define NSBPF_FWD_TXN_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "lab/fwd_batch.h"
#include "util/err.h"

struct fwd_txn {
	int lock;
	int fd;	      /* the forwards map */
	int fd6;      /* forwards6, or -1 (a lab from before it: its re-up adds it) */
	int ports_fd; /* fwd_ports, or -1 (a lab from before it: its re-up adds it) */
	const char *lab;
	struct fwd_batch_map map;
	char journal[512];
	char swept[512]; /* there while the map may hold changes not yet swept (fwd_flows.h) */
};

/*
 * Take the state lock and open the lab's forwards map; then undo the batch
 * a killed command left, if any (*recovered: its forwards, 0 when none),
 * and end the flows of forwards a killed command took away. lab must
 * outlive t. 0, or -errno with e (fwd_txn_end() either way).
 */
int fwd_txn_begin(struct fwd_txn *t, const char *lab, size_t *recovered, struct err_msg *e);

/*
 * Run b all or none: journal it, make its changes, commit. A set *stop
 * before or during the changes, or a failed change, undoes what was made:
 * -EINTR (stopped) or -errno, with e. If even the undo fails, the journal
 * stays for the next command to finish it (e says so). The ports b adds
 * are marked in fwd_ports first; after the commit (or the undo) the bitmap
 * is synced and the flows of forwards that went are ended (fwd_flows.h);
 * if that fails or is killed, the next change of the lab's forwards does it.
 */
int fwd_txn_run(struct fwd_txn *t, const struct fwd_batch *b, const volatile sig_atomic_t *stop,
		struct err_msg *e);

void fwd_txn_end(struct fwd_txn *t);

struct lab_info;
struct fwd_spec;
struct rules_fwd_run;

/*
 * What one change does: check the requests against the lab and its maps
 * (fd: forwards; fd6: forwards6, -1 for a lab without it) and put its map
 * changes into b; 0, or -errno with every problem in probs. Called under
 * the lock, before the journal is written.
 */
typedef int (*fwd_plan_fn)(const struct lab_info *li, int fd, int fd6, const struct fwd_spec *reqs,
			   size_t n, const struct rules_fwd_run *run, struct fwd_batch *b,
			   struct err_list *probs);

/*
 * One change of li's forwards, whole: begin (lock, map, recovery into
 * run->recovered), plan, run the batch all or none under run->stop, end.
 * what ("forward add") words the failures in probs.
 */
int fwd_txn_apply(const struct lab_info *li, const char *what, fwd_plan_fn plan,
		  const struct fwd_spec *reqs, size_t n, struct rules_fwd_run *run,
		  struct err_list *probs);

/* Is a batch journal there (a batch runs, or was left)? Without the lock. */
bool fwd_txn_left(const char *lab);

/* What fwd_txn_begin() recovers, without the lock when there is no journal. */
int fwd_txn_recover(const char *lab, size_t *recovered, struct err_msg *e);

#endif /* NSBPF_FWD_TXN_H */
