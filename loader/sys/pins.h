/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A lab's pinned objects under /sys/fs/bpf/nsbpf/LAB/: the bpffs, the pin
 * paths, pinning an object's maps, opening a map by name, and the layout
 * check that keeps maps of another nsbpf from being reused.
 */
#ifndef NSBPF_SYS_PINS_H
#define NSBPF_SYS_PINS_H

#include <stddef.h>

#define BPFFS_ROOT "/sys/fs/bpf"
#define PIN_ROOT   BPFFS_ROOT "/nsbpf"

/* Make sure a bpffs is mounted at /sys/fs/bpf. */
int bpffs_ensure(void);

/* /sys/fs/bpf/nsbpf/LAB */
void pins_dir(const char *lab, char *buf, size_t len);
/* /sys/fs/bpf/nsbpf/LAB/NAME */
void pins_path(const char *lab, const char *name, char *buf, size_t len);

/* fd of the lab's pinned map NAME, or -errno (-ENOENT: not pinned). */
int pins_map_open(const char *lab, const char *name);

/*
 * 0 when dir holds no maps or maps of this nsbpf's layout; -EPROTO (with a
 * warning that says what to do) for another layout.
 */
int pins_check_layout(const char *dir);

struct bpf_object;
struct journal;
/*
 * Pin every shared map of obj under dir, so all of a lab's objects use the
 * same maps; the pins not there yet are journaled when j is given (a re-up
 * by a newer nsbpf adds its new maps). ct_entries (0: the object's own)
 * sizes the conntrack maps: every object must declare them alike.
 */
int pins_object(struct bpf_object *obj, const char *dir, unsigned int ct_entries,
		struct journal *j);

#endif /* NSBPF_SYS_PINS_H */
