// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Input files (util/input_file.c): a regular file is read whole; a FIFO, a
 * device, a directory, a socket or a file over the bound is refused with
 * the path and what it is, and a FIFO is refused without blocking (the
 * test's timeout turns a hang into a failure). Names to indices
 * (util/strmap.c) are tested here too: the other half of reading big files.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/input_file.h"
#include "util/strmap.h"

static char dir[] = "/tmp/nsbpf-input-XXXXXX";
static char path[sizeof(dir) + 32];

static void make_dir(void)
{
	cr_assert(not(eq(ptr, mkdtemp(dir), NULL)), "mkdtemp: %s", strerror(errno));
}

/* Criterion runs each test in its own process: the directory is its own. */
static void remove_dir(void)
{
	char cmd[sizeof(dir) + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		cr_log_warn("%s failed", cmd);
}

TestSuite(input_file, .init = make_dir, .fini = remove_dir);

static const char *in_dir(const char *name)
{
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

static void write_file(const char *name, const char *text)
{
	FILE *f = fopen(in_dir(name), "w");

	cr_assert(not(eq(ptr, f, NULL)));
	cr_assert(eq(sz, fwrite(text, 1, strlen(text), f), strlen(text)));
	fclose(f);
}

static char *msg_for(const char *fmt, const char *p)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), fmt, p);
	return buf;
}

Test(input_file, reads_a_regular_file_whole)
{
	struct err_msg e = { "" };
	char *buf = NULL;
	size_t len = 0;

	write_file("topo.yaml", "name: a\n");
	cr_assert(eq(int, input_file_read(in_dir("topo.yaml"), 8, &buf, &len, &e), 0), "%s",
		  e.text);
	cr_assert(eq(sz, len, 8), "exactly the bound is allowed");
	cr_assert(eq(str, buf, "name: a\n"), "NUL-terminated");
	free(buf);
}

Test(input_file, refuses_a_file_over_the_bound)
{
	struct err_msg e = { "" };
	char *buf = NULL;
	size_t len = 0;

	write_file("big", "123456789");
	cr_assert(eq(int, input_file_read(in_dir("big"), 8, &buf, &len, &e), -EFBIG));
	cr_assert(
		eq(str, e.text, msg_for("%s: is 9 bytes, larger than the limit of 8 bytes", path)));
	cr_assert(eq(ptr, buf, NULL));
}

Test(input_file, refuses_a_fifo_without_blocking, .timeout = 10)
{
	struct err_msg e = { "" };
	char *buf = NULL;
	size_t len = 0;

	cr_assert(eq(int, mkfifo(in_dir("fifo"), 0600), 0), "mkfifo: %s", strerror(errno));
	/* no writer: a blocking open would wait here for ever */
	cr_assert(eq(int, input_file_read(path, 1024, &buf, &len, &e), -EINVAL));
	cr_assert(eq(str, e.text, msg_for("%s: is a FIFO (named pipe), not a regular file", path)));
	cr_assert(eq(ptr, input_file_open(path, 1024, &e), NULL));
	cr_assert(eq(int, errno, EINVAL));
}

Test(input_file, refuses_dev_zero_a_directory_and_a_socket)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct err_msg e = { "" };
	char *buf = NULL;
	size_t len = 0;
	int s;

	cr_assert(eq(int, input_file_read("/dev/zero", 1024, &buf, &len, &e), -EINVAL));
	cr_assert(eq(str, e.text, "/dev/zero: is a character device, not a regular file"));
	cr_assert(eq(int, input_file_read(dir, 1024, &buf, &len, &e), -EISDIR));
	cr_assert(eq(str, e.text, msg_for("%s: is a directory, not a regular file", dir)));

	s = socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert(ge(int, s, 0));
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", in_dir("sock"));
	cr_assert(eq(int, bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0), "%s", strerror(errno));
	cr_assert(eq(int, input_file_read(path, 1024, &buf, &len, &e), -EINVAL));
	cr_assert(eq(str, e.text, msg_for("%s: is a socket, not a regular file", path)));
	close(s);
	cr_assert(eq(ptr, buf, NULL));
}

Test(input_file, says_what_is_missing)
{
	struct err_msg e = { "" };

	cr_assert(eq(ptr, input_file_open(in_dir("none"), 1024, &e), NULL));
	cr_assert(eq(int, errno, ENOENT));
	cr_assert(eq(str, e.text, msg_for("%s: cannot read: No such file or directory", path)));
}

/* stdin as a pipe: "-" reads it, and at most the bound plus one byte of it. */
static void stdin_from(const char *text, size_t repeat)
{
	int p[2];

	cr_assert(eq(int, pipe(p), 0));
	if (!fork()) {
		close(p[0]);
		for (size_t i = 0; i < repeat; i++)
			if (write(p[1], text, strlen(text)) < 0)
				break; /* the reader stopped: that is the point */
		_exit(0);
	}
	close(p[1]);
	cr_assert(eq(int, dup2(p[0], STDIN_FILENO), STDIN_FILENO));
	close(p[0]);
}

Test(input_file, dash_is_standard_input_as_a_stream)
{
	struct err_msg e = { "" };
	char line[64];
	FILE *f;

	stdin_from("tcp 8080 earth:80\n", 2);
	f = input_file_open("-", 1024, &e);
	cr_assert(not(eq(ptr, f, NULL)), "%s", e.text);
	cr_assert(not(eq(ptr, fgets(line, sizeof(line), f), NULL)));
	cr_assert(eq(str, line, "tcp 8080 earth:80\n"));
	cr_assert(not(eq(ptr, fgets(line, sizeof(line), f), NULL)));
	cr_assert(eq(ptr, fgets(line, sizeof(line), f), NULL), "then the end");
	cr_assert(eq(int, fclose(f), 0));
}

Test(input_file, standard_input_is_bounded_too)
{
	struct err_msg e = { "" };

	stdin_from("0123456789", 1000); /* 10,000 bytes, without end for a 4 KiB bound */
	cr_assert(eq(ptr, input_file_open("-", 4096, &e), NULL));
	cr_assert(eq(int, errno, EFBIG));
	cr_assert(eq(str, e.text, "standard input: larger than the limit of 4096 bytes"));
}

/* ---- names to indices ---- */

Test(strmap, finds_each_name_and_keeps_the_first_of_two)
{
	static char names[20000][8];
	struct strmap m = { 0 };
	size_t v;

	for (size_t i = 0; i < 20000; i++) {
		snprintf(names[i], sizeof(names[i]), "n%zu", i);
		cr_assert(eq(int, strmap_add(&m, names[i], i, NULL), 0));
	}
	for (size_t i = 0; i < 20000; i++) {
		cr_assert(strmap_get(&m, names[i], &v), "%s", names[i]);
		cr_assert(eq(sz, v, i));
	}
	cr_assert(eq(int, strmap_add(&m, "n42", 7, &v), -EEXIST));
	cr_assert(eq(sz, v, 42), "the first keeps its value");
	cr_assert(not(strmap_get(&m, "n20000", &v)));
	cr_assert(not(strmap_get(&m, "", &v)));
	strmap_free(&m);
	cr_assert(not(strmap_get(&m, "n1", &v)), "an empty map has nothing");
}
