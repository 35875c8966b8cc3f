/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Where a lab lives besides its network namespace: the mount namespace
 * whose /run/netns holds its nodes' names and whose bpffs holds its pins.
 * `ip netns exec` runs a command in a mount namespace of its own with a
 * fresh /sys (no bpffs): a lab made there vanishes with the command, and a
 * lab made elsewhere cannot be seen from there. up records the place;
 * every later command compares.
 */
#ifndef NSBPF_SYS_PLACE_H
#define NSBPF_SYS_PLACE_H

#include <stdbool.h>
#include <stddef.h>

struct place {
	unsigned long mntns;	 /* inode of the mount namespace */
	unsigned long bpffs_dev; /* st_dev of the bpffs at /sys/fs/bpf, 0: none mounted */
	unsigned long netns_dev; /* st_dev of /run/netns, 0: missing */
};

/* The calling process's place. 0 or -errno. */
int place_self(struct place *p);

/* Are a and b the same? A field 0 in either (unknown) is not compared. */
bool place_same(const struct place *a, const struct place *b);

/*
 * Is the calling process the only one in its mount namespace (ip netns
 * exec, unshare -m, nsenter -m NSBPF)? Whatever it mounts then goes when it
 * exits.
 */
bool mntns_alone(void);

/* Does some process live in mount namespace ino? */
bool mntns_alive(unsigned long ino);

/* "under ip netns exec?"-style advice for messages, from where we are. */
const char *place_hint(void);

#endif /* NSBPF_SYS_PLACE_H */
