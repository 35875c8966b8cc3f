/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Errors in words, for layers that never print: they fill one of these and
 * return -errno; cli/ prints the text and picks the exit code.
 */
#ifndef NSBPF_UTIL_ERR_H
#define NSBPF_UTIL_ERR_H

#include <stdbool.h>
#include <stddef.h>

/* One failure: "lab planets: open /sys/fs/bpf/nsbpf/planets/ct: ...". */
struct err_msg {
	char text[1024];
};

/* Set m's text (m may be NULL); returns err, so that `return err_set(...)` reads. */
int err_set(struct err_msg *m, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define ERR_NO_INDEX ((size_t)-1)

/* Every problem of a check, in order; index names the request it is about. */
struct err_item {
	size_t index;	/* which request, or ERR_NO_INDEX */
	bool bad_input; /* the request itself is wrong (usage), not the state */
	char *text;
};

struct err_list {
	struct err_item *v;
	size_t n;
};

/* Append a problem; -ENOMEM when even that fails. */
int err_add(struct err_list *l, size_t index, bool bad_input, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
bool err_any_bad_input(const struct err_list *l);
void err_list_free(struct err_list *l);

#endif /* NSBPF_UTIL_ERR_H */
