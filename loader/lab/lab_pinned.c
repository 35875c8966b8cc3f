// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* A lab's pinned maps by name: the pins that are maps (not tcx links). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lab/lab_pinned.h"
#include "sys/pins.h"

/* A map's fdinfo has map_type (a link's link_type): the info call cannot tell them apart. */
static bool is_map(const char *lab, const char *name)
{
	int fd = pins_map_open(lab, name);
	char path[64], line[128];
	bool ok = false;
	FILE *f;

	if (fd < 0)
		return false;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	while (f && !ok && fgets(line, sizeof(line), f))
		ok = !strncmp(line, "map_type:", 9);
	if (f)
		fclose(f);
	close(fd);
	return ok;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int lab_pinned_maps(const char *lab, struct lab_names *out)
{
	struct dirent *de;
	char dir[512];
	DIR *d;
	int err = 0;

	memset(out, 0, sizeof(*out));
	pins_dir(lab, dir, sizeof(dir));
	d = opendir(dir);
	if (!d)
		return -errno;
	while (!err && (de = readdir(d))) {
		char **grown;

		if (de->d_name[0] == '.' || !is_map(lab, de->d_name))
			continue;
		grown = realloc(out->name, (out->n + 1) * sizeof(*grown));
		if (!grown || !(grown[out->n] = strdup(de->d_name))) {
			if (grown)
				out->name = grown;
			err = -ENOMEM;
			break;
		}
		out->name = grown;
		out->n++;
	}
	closedir(d);
	if (err)
		lab_names_free(out);
	else if (out->n)
		qsort(out->name, out->n, sizeof(*out->name), by_name);
	return err;
}
