// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Mount namespaces, bpffs and /run/netns: where a lab's objects are visible (sys/place.h). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "sys/netns.h"
#include "sys/pins.h"
#include "sys/place.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

int place_self(struct place *p)
{
	struct statfs fs;
	struct stat st;

	memset(p, 0, sizeof(*p));
	if (stat("/proc/self/ns/mnt", &st))
		return -errno;
	p->mntns = st.st_ino;
	if (!statfs(BPFFS_ROOT, &fs) && fs.f_type == BPF_FS_MAGIC && !stat(BPFFS_ROOT, &st))
		p->bpffs_dev = st.st_dev;
	if (!stat(NETNS_RUN_DIR, &st))
		p->netns_dev = st.st_dev;
	return 0;
}

static bool field_same(unsigned long a, unsigned long b)
{
	return !a || !b || a == b;
}

bool place_same(const struct place *a, const struct place *b)
{
	return field_same(a->mntns, b->mntns) && field_same(a->bpffs_dev, b->bpffs_dev) &&
	       field_same(a->netns_dev, b->netns_dev);
}

/* How many processes other than us live in mount namespace ino (stops at 1). */
static int mntns_others(unsigned long ino)
{
	pid_t self = getpid();
	struct dirent *de;
	int found = 0;
	DIR *d = opendir("/proc");

	if (!d)
		return -errno;
	while (!found && (de = readdir(d))) {
		char path[64], *end;
		long pid = strtol(de->d_name, &end, 10);
		struct stat st;

		if (*end || pid <= 0 || pid == self)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/ns/mnt", pid);
		if (!stat(path, &st) && st.st_ino == ino)
			found = 1;
	}
	closedir(d);
	return found;
}

bool mntns_alone(void)
{
	struct stat st;

	if (stat("/proc/self/ns/mnt", &st))
		return false;
	return mntns_others(st.st_ino) == 0;
}

bool mntns_alive(unsigned long ino)
{
	struct stat st;

	if (!stat("/proc/self/ns/mnt", &st) && st.st_ino == ino)
		return true;
	/* can't tell (no /proc): call it alive, the careful answer */
	return mntns_others(ino) != 0;
}

const char *place_hint(void)
{
	return mntns_alone() ? " (this nsbpf runs alone in a mount namespace of its own: "
			       "under ip netns exec, unshare -m or nsenter -m?)" :
			       "";
}
