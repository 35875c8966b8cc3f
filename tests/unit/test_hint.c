// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of the words of messages: did-you-mean and counted nouns. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "util/hint.h"
#include "util/plural.h"

Test(hint, did_you_mean)
{
	struct hint h;
	char buf[64];

	hint_init(&h, "subnte");
	hint_try(&h, "gateway");
	hint_try(&h, "subnet");
	cr_assert(eq(str, (char *)hint_str(&h, buf, sizeof(buf)), " (did you mean \"subnet\"?)"),
		  "a swap is one typo");
	hint_init(&h, "x");
	hint_try(&h, "ip");
	cr_assert(eq(str, (char *)hint_str(&h, buf, sizeof(buf)), ""),
		  "no guess for a word shorter than its distance");
	hint_init(&h, "masq");
	hint_try(&h, "masquerade");
	cr_assert(eq(ptr, (void *)h.best, NULL), "distance 6");
	hint_init(&h, "nod");
	hint_try(&h, "nodes");
	hint_try(&h, "node");
	cr_assert(eq(str, (char *)h.best, "node"), "the closest wins");
}

Test(hint, commands_labs_and_nodes)
{
	static const char *const cmds[] = { "up", "down", "status", "stats", "nat", "forward" };
	struct hint h;

	hint_init(&h, "statsu");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		hint_try(&h, cmds[i]);
	cr_assert(eq(str, (char *)h.best, "status"), "statsu: a swap from status, two from stats");
	hint_init(&h, "fowrard");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		hint_try(&h, cmds[i]);
	cr_assert(eq(str, (char *)h.best, "forward"));
	hint_init(&h, "status");
	hint_try(&h, "status");
	cr_assert(eq(ptr, (void *)h.best, NULL), "the word itself is no hint");
	hint_init(&h, "planets2");
	hint_try(&h, "planets");
	cr_assert(eq(str, (char *)h.best, "planets"), "a lab with one letter more");
}

Test(plural, counts_agree_with_their_noun)
{
	char buf[32];

	cr_assert(eq(str, (char *)count_str(buf, sizeof(buf), 1, "node", "nodes"), "1 node"));
	cr_assert(eq(str, (char *)count_str(buf, sizeof(buf), 2, "node", "nodes"), "2 nodes"));
	cr_assert(eq(str, (char *)count_str(buf, sizeof(buf), 0, "node", "nodes"), "0 nodes"));
	cr_assert(eq(str, (char *)count_str(buf, sizeof(buf), 1, "process", "processes"),
		     "1 process"));
	cr_assert(eq(str, (char *)plural(11, "forward", "forwards"), "forwards"));
	cr_assert(eq(str, (char *)count_str(buf, 6, 12345, "node", "nodes"), "12345"),
		  "truncated to the buffer");
}
