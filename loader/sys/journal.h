/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The journal of a lab, /run/nsbpf/LAB/journal: one record per object up
 * created, written *before* the object is created, so `down` finds
 * everything even when `up` was killed halfway. One line per record, one
 * write(2) per line (a killed writer leaves whole lines):
 *
 *   hostns INO                         the host netns up ran in (nothing to undo)
 *   netns NAME                         /run/netns/NAME
 *   link IFNAME                        a veth, by its host-side name
 *   pindir PATH                        the lab's directory on the bpffs
 *   pin PATH                           a pinned map or link (tcx, cgroup)
 *   tc IFNAME ingress|egress HANDLE PRIO   a clsact filter
 *   place MNTNS BPFFS_DEV NETNS_DEV    the mount namespace, bpffs and /run/netns
 *                                      up ran with (sys/place.h; nothing to undo)
 *   netns-ino NAME INO                 the namespace up created as NAME: down
 *                                      touches /run/netns/NAME only while it is
 *                                      that one, and stops processes in INO
 *   route PREFIX/LEN                   a route of the host netns into the lab
 *                                      (a routed prefix via its router node)
 *   forget RECORD                      cancels the RECORD before it: up
 *                                      journaled it, then found the name
 *                                      taken by someone else
 */
#ifndef NSBPF_SYS_JOURNAL_H
#define NSBPF_SYS_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "sys/place.h"

#define JOURNAL_NAME_MAX 256 /* names and paths, with their NUL */

enum journal_kind {
	JOURNAL_HOSTNS,
	JOURNAL_NETNS,
	JOURNAL_LINK,
	JOURNAL_PINDIR,
	JOURNAL_PIN,
	JOURNAL_CLSACT,
	JOURNAL_PLACE,
	JOURNAL_NETNS_INO,
	JOURNAL_ROUTE,
};

struct journal_hostns {
	unsigned long ino;
};

struct journal_netns {
	char name[JOURNAL_NAME_MAX];
};

struct journal_link {
	char ifname[JOURNAL_NAME_MAX];
};

struct journal_pindir {
	char path[JOURNAL_NAME_MAX];
};

struct journal_pin {
	char path[JOURNAL_NAME_MAX];
};

struct journal_clsact {
	char ifname[JOURNAL_NAME_MAX];
	bool ingress;
	unsigned int handle;
	unsigned int prio;
};

struct journal_netns_ino {
	char name[JOURNAL_NAME_MAX];
	unsigned long ino;
};

struct journal_route {
	char prefix[JOURNAL_NAME_MAX]; /* "10.81.9.0/24" */
};

struct journal_rec {
	enum journal_kind kind;
	bool forget; /* written only: journal_read applies the forgets */
	union {
		struct journal_hostns hostns;
		struct journal_netns netns;
		struct journal_link link;
		struct journal_pindir pindir;
		struct journal_pin pin;
		struct journal_clsact clsact;
		struct place place;
		struct journal_netns_ino netns_ino;
		struct journal_route route;
	};
};

struct journal {
	int fd;
	char lab[64];
};

/* Create /run/nsbpf/LAB/ and its journal; -EEXIST when the lab has state. */
int journal_create(struct journal *j, const char *lab);
/* Reopen an existing journal to append (re-up). */
int journal_open(struct journal *j, const char *lab);
void journal_close(struct journal *j);

/* Append one record; -EINVAL for a name the line syntax cannot hold. */
int journal_write(struct journal *j, const struct journal_rec *rec);

/*
 * The record as its journal line, without the newline: what the writer
 * writes, and how `down` names a record it could not undo. -ENAMETOOLONG
 * when it does not fit, -EINVAL when a name holds a space or a newline.
 */
int journal_rec_str(const struct journal_rec *rec, char *buf, size_t len);

/* Shorthands for the records written most. */
int journal_netns(struct journal *j, const char *name, bool forget);
int journal_link(struct journal *j, const char *ifname, bool forget);
int journal_pin(struct journal *j, const char *path);
int journal_netns_ino(struct journal *j, const char *name, unsigned long ino);
int journal_place(struct journal *j, const struct place *p);
int journal_route(struct journal *j, const char *prefix, bool forget);

/* The records that stand, in the order written. */
struct journal_recs {
	struct journal_rec *rec;
	size_t n;
};

/*
 * Read a lab's journal (-ENOENT: none). Each "forget" record cancels the
 * nearest equal record before it, and both are left out; lines of unknown
 * kinds (a newer nsbpf's) are skipped. Free with journal_recs_free.
 */
int journal_read(const char *lab, struct journal_recs *out);
/* The same for the journal file at path. */
int journal_read_path(const char *path, struct journal_recs *out);
void journal_recs_free(struct journal_recs *r);

/* The inode up recorded for the namespace it made as name (the last record); 0: none. */
unsigned long journal_recorded_ino(const struct journal_recs *jl, const char *name);

#endif /* NSBPF_SYS_JOURNAL_H */
