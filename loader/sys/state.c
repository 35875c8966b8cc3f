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

/*
 * What a lab's commands print and what it created is root's alone: files
 * 0600 in directories 0700, set explicitly (the umask only takes bits away,
 * and an older nsbpf made them 0644 and 0755).
 */
#define STATE_DIR_MODE	0700
#define STATE_FILE_MODE 0600

/* The files of a directory an older nsbpf made: 0600 too (its dirs are labs). */
static int tighten_files(const char *path)
{
	struct dirent *de;
	struct stat st;
	int err = 0;
	DIR *d;

	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d)) && !err) {
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode))
			continue;
		if ((st.st_mode & 07777) != STATE_FILE_MODE &&
		    fchmodat(dirfd(d), de->d_name, STATE_FILE_MODE, 0))
			err = -errno;
	}
	closedir(d);
	return err;
}

/* path is a directory of mode 0700 with files 0600; made so when it is not. */
static int tighten_dir(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if ((st.st_mode & 07777) == STATE_DIR_MODE)
		return 0;
	if (chmod(path, STATE_DIR_MODE))
		return -errno;
	return tighten_files(path);
}

static int mkdir_private(const char *path)
{
	if (mkdir(path, STATE_DIR_MODE) && errno != EEXIST)
		return -errno;
	return tighten_dir(path);
}

static int mkdir_state(void)
{
	if (mkdir("/run", 0755) && errno != EEXIST)
		return -errno;
	return mkdir_private(STATE_DIR);
}

int state_open(const char *path, int flags)
{
	char dir[512], *slash;
	struct stat st;
	int fd, err;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		err = tighten_dir(dir);
		if (err)
			return err;
	}
	fd = open(path, flags | O_CLOEXEC, STATE_FILE_MODE);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) ||
	    ((st.st_mode & 07777) != STATE_FILE_MODE && fchmod(fd, STATE_FILE_MODE))) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
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
	if (mkdir(dir, STATE_DIR_MODE))
		return -errno;
	return tighten_dir(dir);
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
	return state_write_file(lab, "lab", text, strlen(text));
}

int state_write_file(const char *lab, const char *file, const char *text, size_t len)
{
	char path[512], tmp[520];
	int fd, err = 0;

	state_path(lab, file, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = state_open(tmp, O_WRONLY | O_CREAT | O_TRUNC);
	if (fd < 0)
		return fd;
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
