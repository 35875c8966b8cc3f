// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The lab's record of what it created, under /run/nsbpf/LAB/. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys/state.h"

void state_path(const char *lab, const char *file, char *buf, size_t len)
{
	if (file)
		snprintf(buf, len, "%s/%s/%s", STATE_DIR, lab, file);
	else
		snprintf(buf, len, "%s/%s", STATE_DIR, lab);
}

static int mkdir_state(void)
{
	if (mkdir("/run", 0755) && errno != EEXIST)
		return -errno;
	if (mkdir(STATE_DIR, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

int state_lock(void)
{
	int fd, err = mkdir_state();

	if (err)
		return err;
	fd = open(STATE_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

void state_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

int state_create(const char *lab)
{
	char dir[512];
	int err = mkdir_state();

	if (err)
		return err;
	state_path(lab, NULL, dir, sizeof(dir));
	return mkdir(dir, 0755) ? -errno : 0;
}

static int read_lines(const char *path, struct state_lines *out)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f = fopen(path, "re");

	memset(out, 0, sizeof(*out));
	if (!f)
		return -errno;
	while ((n = getline(&line, &cap, f)) >= 0) {
		char **grown;

		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (!n)
			continue;
		grown = realloc(out->line, sizeof(char *) * (out->n + 1));
		if (!grown)
			break;
		out->line = grown;
		out->line[out->n++] = strdup(line);
	}
	free(line);
	fclose(f);
	return 0;
}

int state_read_lab(const char *lab, struct state_lines *out)
{
	char path[512];

	state_path(lab, "lab", path, sizeof(path));
	return read_lines(path, out);
}

void state_lines_free(struct state_lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->line[i]);
	free(l->line);
	memset(l, 0, sizeof(*l));
}

int state_write_lab(const char *lab, const char *text)
{
	char path[512], tmp[520];
	size_t len = strlen(text);
	int fd, err = 0;

	state_path(lab, "lab", path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len)
		err = errno ? -errno : -EIO;
	close(fd);
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

int state_remove(const char *lab)
{
	char dir[512], path[1024];
	struct dirent *de;
	DIR *d;

	state_path(lab, NULL, dir, sizeof(dir));
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	return rmdir(dir) && errno != ENOENT ? -errno : 0;
}

bool state_exists(const char *lab)
{
	char dir[512];
	struct stat st;

	state_path(lab, NULL, dir, sizeof(dir));
	return !stat(dir, &st) && S_ISDIR(st.st_mode);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int state_list(struct state_lines *out)
{
	struct dirent *de;
	DIR *d = opendir(STATE_DIR);

	memset(out, 0, sizeof(*out));
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		char **grown;

		if (de->d_name[0] == '.' || !state_exists(de->d_name))
			continue;
		grown = realloc(out->line, sizeof(char *) * (out->n + 1));
		if (!grown)
			break;
		out->line = grown;
		out->line[out->n++] = strdup(de->d_name);
	}
	closedir(d);
	if (out->n)
		qsort(out->line, out->n, sizeof(char *), cmp_str);
	return 0;
}
