/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The files a user hands nsbpf (a topology, a list of forwards), read whole
 * and bounded before anything is parsed: a regular file of at most max
 * bytes, never a FIFO, a device, a directory or a socket, which could
 * block the command forever or feed it without end. Opening never blocks
 * (O_NONBLOCK until fstat has seen a regular file). The errors name the
 * path and what it is: "FILE: is a FIFO (named pipe), not a regular file".
 */
#ifndef NSBPF_UTIL_INPUT_FILE_H
#define NSBPF_UTIL_INPUT_FILE_H

#include <stddef.h>
#include <stdio.h>

#include "util/err.h"

/*
 * The content of path in *buf (NUL-terminated, free() it) and its length
 * in *len. 0, or -errno with why in e: -EISDIR (a directory), -EINVAL
 * (another kind of file), -EFBIG (over max bytes), or open's and read's.
 */
int input_file_read(const char *path, size_t max, char **buf, size_t *len, struct err_msg *e);

/*
 * The same, as a stream over the bytes read (fclose() it); path "-" reads
 * standard input, which may be a pipe: at most max + 1 bytes of it are
 * read. NULL with errno set and why in e.
 */
FILE *input_file_open(const char *path, size_t max, struct err_msg *e);

#endif /* NSBPF_UTIL_INPUT_FILE_H */
