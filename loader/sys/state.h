/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What a lab created, recorded under /run/nsbpf/LAB/ as it goes:
 *  journal  one record per object, written *before* the object is created
 *           (sys/journal.h);
 *  topo     the topology file's text the lab runs (what a converge diffs against);
 *  converge there while `up` converges the lab (a killed one: `down` removes it);
 *  lab      written last, atomically: the lab is complete and up;
 *  exec-NODE.log  what the node's exec commands printed.
 * All of it root's only: files 0600, directories 0700 (state_open).
 * A lock on /run/nsbpf serialises every command that changes a lab.
 */
#ifndef NSBPF_STATE_H
#define NSBPF_STATE_H

#include <stdbool.h>
#include <stddef.h>

#define STATE_DIR "/run/nsbpf"

/* Take the lock (blocking); returns an fd to pass to state_unlock. */
int state_lock(void);
void state_unlock(int fd);

/* Create /run/nsbpf/LAB/; -EEXIST when the lab has state. */
int state_create(const char *lab);

/* Lines of a state file, in order; free with state_lines_free. */
struct state_lines {
	char **line;
	size_t n;
};
int state_read_lab(const char *lab, struct state_lines *out); /* -ENOENT: not complete */
void state_lines_free(struct state_lines *l);

/* Atomically write the "lab" file from its text. */
int state_write_lab(const char *lab, const char *text);
/* Atomically write the lab's state file `file` (e.g. "topo": the topology it runs). */
int state_write_file(const char *lab, const char *file, const char *text, size_t len);
/* Remove /run/nsbpf/LAB/ and everything in it. */
int state_remove(const char *lab);
/* Does /run/nsbpf/LAB/ exist? */
bool state_exists(const char *lab);
/* Names of every lab with state, sorted; free with state_lines_free. */
int state_list(struct state_lines *out);

/* Path of a file in the lab's state directory. */
void state_path(const char *lab, const char *file, char *buf, size_t len);

/*
 * Open a file of a lab's state (path from state_path(); flags as open()'s,
 * O_CLOEXEC added): the file is made 0600 and its directory 0700 whatever
 * the umask or an older nsbpf left. Every file under STATE_DIR is opened
 * for writing here. The fd, or -errno.
 */
int state_open(const char *path, int flags);

#endif /* NSBPF_STATE_H */
