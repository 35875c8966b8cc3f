// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Counts in messages, with the noun agreeing. */
#include <stdio.h>

#include "util/plural.h"

const char *plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

const char *count_str(char *buf, size_t len, size_t n, const char *one, const char *many)
{
	snprintf(buf, len, "%zu %s", n, plural(n, one, many));
	return buf;
}
