/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A batch of changes to a lab's forwards map (and forwards6, for forwards
 * for an IPv6 host address), all or none also across a signal or kill -9: its journal (/run/nsbpf/LAB/batch) lists every change
 * (an entry added, or an entry deleted with its value) and is in place
 * before the first change is made; removing it commits the batch. Whoever
 * finds a journal left behind (under the state lock) undoes it. Undo is
 * idempotent: it compares the map with what the batch wrote.
 */
#ifndef NSBPF_FWD_BATCH_H
#define NSBPF_FWD_BATCH_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "nsbpf_maps.h"

/* The journal's name in the lab's state directory. */
#define FWD_BATCH_FILE "batch"

struct fwd_batch_op {
	bool del;
	bool v6; /* an entry of forwards6: key6, val6 (else key, val) */
	struct nsb_fwd_key key;
	struct nsb_fwd_val val; /* add: the entry written; del: the entry as it was */
	struct nsb_fwd6_key key6;
	struct nsb_fwd6_val val6;
};

struct fwd_batch {
	struct fwd_batch_op *op;
	size_t n, cap;
};

/* How a batch reaches its map: the pinned one (fwd_batch_map_fd()), or a test's. */
struct fwd_batch_map {
	int (*lookup)(void *ctx, const struct nsb_fwd_key *k, struct nsb_fwd_val *v);
	int (*insert)(void *ctx, const struct nsb_fwd_key *k, const struct nsb_fwd_val *v);
	int (*remove)(void *ctx, const struct nsb_fwd_key *k); /* -ENOENT: not there */
	void *ctx;
	/* forwards6, the same way; NULL: none (an IPv6 op fails with -EOPNOTSUPP) */
	int (*lookup6)(void *ctx, const struct nsb_fwd6_key *k, struct nsb_fwd6_val *v);
	int (*insert6)(void *ctx, const struct nsb_fwd6_key *k, const struct nsb_fwd6_val *v);
	int (*remove6)(void *ctx, const struct nsb_fwd6_key *k);
	void *ctx6;
};

/* The map behind *fd (a BPF map fd; fd must outlive m). Each call 0 or -errno. */
void fwd_batch_map_fd(struct fwd_batch_map *m, int *fd);
/* And forwards6 behind *fd6 (*fd6 < 0: none, as a lab from before forwards6). */
void fwd_batch_map_fd6(struct fwd_batch_map *m, int *fd6);

int fwd_batch_push(struct fwd_batch *b, bool del, const struct nsb_fwd_key *k,
		   const struct nsb_fwd_val *v);
/* An op on forwards6 (an IPv6 host address's forward). */
int fwd_batch_push6(struct fwd_batch *b, bool del, const struct nsb_fwd6_key *k,
		    const struct nsb_fwd6_val *v);
void fwd_batch_free(struct fwd_batch *b);
/* Whole forwards in the batch (a range is one entry per port). */
size_t fwd_batch_forwards(const struct fwd_batch *b);

/*
 * Write the journal at path (0600) (version 2 when it has forwards6 ops:
 * an nsbpf before them refuses it rather than half undo it): through path.tmp, fsync'd and renamed,
 * so that it is there whole or not at all.
 */
int fwd_batch_save(const char *path, const struct fwd_batch *b);
/*
 * Read the journal at path into b (empty first). -ENOENT: none (a
 * path.tmp an interrupted save left goes); -EBADMSG: not a whole journal.
 */
int fwd_batch_load(const char *path, struct fwd_batch *b);
/* Remove the journal at path, durably: the batch is committed or undone. */
int fwd_batch_drop(const char *path);

/*
 * Make b's changes in order. Before each, a set *stop (a signal) ends the
 * walk with -EINTR; a change that fails ends it with its -errno. *done: how
 * many were made (undo them with fwd_batch_undo()).
 */
int fwd_batch_apply(const struct fwd_batch_map *m, const struct fwd_batch *b,
		    const volatile sig_atomic_t *stop, size_t *done);
/*
 * Take back the first n changes of b, latest first: an added entry goes if
 * the map still has it as written (hits and ifindex aside), a deleted one
 * comes back if its key is free. Running it again changes nothing. 0 or
 * the first -errno (it still tries every change).
 */
int fwd_batch_undo(const struct fwd_batch_map *m, const struct fwd_batch *b, size_t n);

#endif /* NSBPF_FWD_BATCH_H */
