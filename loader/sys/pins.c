// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* A lab's pinned objects: bpffs, pin paths, maps by name, layout check. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>

#include "nsbpf_maps.h"
#include "sys/journal.h"
#include "sys/pins.h"
#include "util/log.h"

int bpffs_ensure(void)
{
	struct statfs st;

	if (!statfs(BPFFS_ROOT, &st) && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mkdir(BPFFS_ROOT, 0700) && errno != EEXIST)
		return -errno;
	if (mount("bpf", BPFFS_ROOT, "bpf", 0, "mode=0700"))
		return -errno;
	pr_info("mounted a bpf filesystem on %s\n", BPFFS_ROOT);
	return 0;
}

void pins_dir(const char *lab, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", PIN_ROOT, lab);
}

void pins_path(const char *lab, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s/%s", PIN_ROOT, lab, name);
}

int pins_map_open(const char *lab, const char *name)
{
	char path[512];
	int fd;

	pins_path(lab, name, path, sizeof(path));
	fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}

/* Pinned maps of another layout are never silently reused. */
int pins_check_layout(const char *dir)
{
	struct nsb_config cfg;
	char path[512];
	__u32 key = 0;
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/config", dir);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (bpf_map_lookup_elem(fd, &key, &cfg))
		err = -errno;
	else if (cfg.layout != NSB_LAYOUT_VERSION) {
		pr_warn("maps pinned in %s have layout %u, this nsbpf uses %u: run \"nsbpf down\" on the lab and bring it up again\n",
			dir, cfg.layout, NSB_LAYOUT_VERSION);
		err = -EPROTO;
	}
	close(fd);
	return err;
}

/*
 * Every map of an object is pinned by name under the lab's directory, so
 * the node, uplink and sock objects share them; "trace" (tests only) and the
 * internal .rodata/.bss maps stay private.
 */
static bool shared_map(const struct bpf_map *m)
{
	return !bpf_map__is_internal(m) && strcmp(bpf_map__name(m), "trace");
}

/* ct and nat_ports, and their IPv6 twins: one size, config.ct_max, for each */
static bool conntrack_map(const struct bpf_map *m)
{
	const char *n = bpf_map__name(m);

	return !strcmp(n, "ct") || !strcmp(n, "nat_ports") || !strcmp(n, "ct6") ||
	       !strcmp(n, "nat_ports6");
}

int pins_object(struct bpf_object *obj, const char *dir, unsigned int ct_entries, struct journal *j)
{
	struct bpf_map *m;
	char path[512];
	int err;

	bpf_object__for_each_map(m, obj) {
		if (!shared_map(m))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(m));
		/* a re-up pins only maps an older nsbpf did not have: journal just those */
		if (j && access(path, F_OK)) {
			err = journal_pin(j, path);
			if (err)
				return err;
		}
		err = bpf_map__set_pin_path(m, path);
		if (err)
			return err;
		if (ct_entries && conntrack_map(m)) {
			err = bpf_map__set_max_entries(m, ct_entries);
			if (err)
				return err;
		}
	}
	return 0;
}
