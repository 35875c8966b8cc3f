/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Counts in messages: "1 node", "2 nodes", "0 nodes". */
#ifndef NSBPF_UTIL_PLURAL_H
#define NSBPF_UTIL_PLURAL_H

#include <stddef.h>

/* one for n == 1, else many. */
const char *plural(size_t n, const char *one, const char *many);
/* "N one|many" into buf (truncated to len); returns buf. */
const char *count_str(char *buf, size_t len, size_t n, const char *one, const char *many);

#endif /* NSBPF_UTIL_PLURAL_H */
