// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Input files: regular, bounded, read whole before anything is parsed. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/input_file.h"

static const char *kind_of(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFIFO:
		return "a FIFO (named pipe)";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	case S_IFDIR:
		return "a directory";
	case S_IFSOCK:
		return "a socket";
	default:
		return "a special file";
	}
}

/* "16 MiB" for the limits we set, bytes for the odd ones (tests). */
static const char *size_str(size_t n, char *buf, size_t len)
{
	if (n >= (1u << 20) && !(n & ((1u << 20) - 1)))
		snprintf(buf, len, "%zu MiB", n >> 20);
	else
		snprintf(buf, len, "%zu bytes", n);
	return buf;
}

/* open() says ENXIO for a socket: say what the path is instead. */
static int open_failed(const char *path, struct err_msg *e)
{
	int err = -errno;
	struct stat st;

	if (err == -ENXIO && !stat(path, &st) && !S_ISREG(st.st_mode))
		return err_set(e, -EINVAL, "%s: is %s, not a regular file", path,
			       kind_of(st.st_mode));
	return err_set(e, err, "%s: cannot read: %s", path, strerror(-err));
}

/* A regular file of at most max bytes, opened without ever blocking: its fd. */
static int open_regular(const char *path, size_t max, struct err_msg *e)
{
	char lim[32];
	struct stat st;
	int fd, err;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return open_failed(path, e);
	if (fstat(fd, &st)) {
		err = err_set(e, -errno, "%s: cannot read: %s", path, strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		err = err_set(e, S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL,
			      "%s: is %s, not a regular file", path, kind_of(st.st_mode));
	} else if ((uintmax_t)st.st_size > max) {
		err = err_set(e, -EFBIG, "%s: is %jd bytes, larger than the limit of %s", path,
			      (intmax_t)st.st_size, size_str(max, lim, sizeof(lim)));
	} else if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)) {
		err = err_set(e, -errno, "%s: cannot read: %s", path, strerror(errno));
	} else {
		return fd;
	}
	close(fd);
	return err;
}

/*
 * At most max + 1 bytes of fd: a file that grows while it is read, or a
 * pipe on standard input, is bounded too. 0, -EFBIG, -ENOMEM or read's.
 */
static int read_bounded(int fd, size_t max, char **bufp, size_t *lenp)
{
	size_t len = 0, cap = 0, want = max + 1;
	char *buf = NULL, *grown;
	ssize_t n = 1;

	while (n && len < want) {
		if (len == cap) {
			cap = cap ? cap * 2 : 64 * 1024;
			cap = cap < want ? cap : want;
			grown = realloc(buf, cap + 1); /* + 1: the NUL */
			if (!grown) {
				free(buf);
				return -ENOMEM;
			}
			buf = grown;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return -errno;
		}
		len += (size_t)n;
	}
	if (len > max) {
		free(buf);
		return -EFBIG;
	}
	if (!buf)
		buf = malloc(1);
	if (!buf)
		return -ENOMEM;
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return 0;
}

/* fd's content, where name says which input it is in messages. */
static int read_fd(int fd, const char *name, size_t max, char **buf, size_t *len, struct err_msg *e)
{
	char lim[32];
	int err = read_bounded(fd, max, buf, len);

	if (err == -EFBIG)
		return err_set(e, err, "%s: larger than the limit of %s", name,
			       size_str(max, lim, sizeof(lim)));
	if (err)
		return err_set(e, err, "%s: cannot read: %s", name, strerror(-err));
	return 0;
}

int input_file_read(const char *path, size_t max, char **buf, size_t *len, struct err_msg *e)
{
	int fd = open_regular(path, max, e), err;

	if (fd < 0)
		return fd;
	err = read_fd(fd, path, max, buf, len, e);
	close(fd);
	return err;
}

/* ---- the bytes as a stream ---- */

struct mem_file {
	char *buf;
	size_t len, pos;
};

static ssize_t mem_read(void *cookie, char *out, size_t n)
{
	struct mem_file *m = cookie;

	if (n > m->len - m->pos)
		n = m->len - m->pos;
	memcpy(out, m->buf + m->pos, n);
	m->pos += n;
	return (ssize_t)n;
}

static int mem_close(void *cookie)
{
	struct mem_file *m = cookie;

	free(m->buf);
	free(m);
	return 0;
}

FILE *input_file_open(const char *path, size_t max, struct err_msg *e)
{
	cookie_io_functions_t io = { .read = mem_read, .close = mem_close };
	struct mem_file *m = calloc(1, sizeof(*m));
	int err;
	FILE *f;

	if (!m) {
		err = err_set(e, -ENOMEM, "%s: %s", path, strerror(ENOMEM));
		goto fail;
	}
	if (!strcmp(path, "-"))
		err = read_fd(STDIN_FILENO, "standard input", max, &m->buf, &m->len, e);
	else
		err = input_file_read(path, max, &m->buf, &m->len, e);
	if (err)
		goto fail;
	f = fopencookie(m, "r", io);
	if (f)
		return f;
	err = err_set(e, -errno, "%s: cannot read: %s", path, strerror(errno));
	free(m->buf);
fail:
	free(m);
	errno = -err;
	return NULL;
}
