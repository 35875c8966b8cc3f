// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Did-you-mean over an optimal string alignment distance. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/hint.h"

#define HINT_LEN_MAX 64

static int min3(int a, int b, int c)
{
	int m = a < b ? a : b;

	return m < c ? m : c;
}

/*
 * Optimal string alignment: swapping two neighbours counts as one typo.
 * Past max the exact distance does not matter: max + 1 as soon as two rows
 * in a row exceed it (no later row can come back under), so that a hint
 * over thousands of names costs a few rows each.
 */
static int edit_distance(const char *a, const char *b, int max)
{
	int rows[3][HINT_LEN_MAX + 1];
	int la = (int)strlen(a), lb = (int)strlen(b);
	int i, j, *prev2, *prev, *cur, low, prev_low = 0;

	if (la > HINT_LEN_MAX || lb > HINT_LEN_MAX || abs(la - lb) > max)
		return max + 1;
	for (j = 0; j <= lb; j++)
		rows[0][j] = j;
	for (i = 1; i <= la; i++) {
		/* row i lives in rows[i % 3] */
		prev2 = rows[(i + 1) % 3];
		prev = rows[(i + 2) % 3];
		cur = rows[i % 3];
		low = cur[0] = i;
		for (j = 1; j <= lb; j++) {
			int cost = a[i - 1] != b[j - 1];

			cur[j] = min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    prev2[j - 2] + 1 < cur[j])
				cur[j] = prev2[j - 2] + 1;
			low = cur[j] < low ? cur[j] : low;
		}
		if (low > max && prev_low > max)
			return max + 1;
		prev_low = low;
	}
	return rows[la % 3][lb];
}

void hint_init(struct hint *h, const char *word)
{
	h->word = word;
	h->best = NULL;
	h->dist = 0;
}

void hint_try(struct hint *h, const char *cand)
{
	int d = edit_distance(h->word, cand, 2);

	/* d < len: "x" is not a typo of "ip", it is a different word */
	if (d == 0 || d > 2 || d >= (int)strlen(h->word) || (h->best && d >= h->dist))
		return;
	h->best = cand;
	h->dist = d;
}

const char *hint_str(const struct hint *h, char *buf, size_t len)
{
	if (!h->best)
		return "";
	snprintf(buf, len, " (did you mean \"%s\"?)", h->best);
	return buf;
}
