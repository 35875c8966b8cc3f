/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Did-you-mean: the closest candidate within an edit distance of 2 (a swap
 * of two neighbours is one typo). The topology checker hints keys with it,
 * the CLI commands, labs, nodes and networks.
 */
#ifndef NSBPF_UTIL_HINT_H
#define NSBPF_UTIL_HINT_H

#include <stddef.h>

struct hint {
	const char *word;
	const char *best; /* NULL: nothing close enough */
	int dist;
};

void hint_init(struct hint *h, const char *word);
void hint_try(struct hint *h, const char *cand);
/* " (did you mean \"best\"?)", or "" when there is no best. */
const char *hint_str(const struct hint *h, char *buf, size_t len);

#endif /* NSBPF_UTIL_HINT_H */
