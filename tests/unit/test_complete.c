// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The completion generator (`nsbpf __complete`) on a table of its own: a
 * command added to the help's table completes, with its sub-commands,
 * options and option values, and nothing in the bash script changes.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <criterion/new/assert.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmds.h"
#include "cli/opts.h"

static const struct cli_opt watch_opts[] = {
	{ "type", 't', "drop|flow|all", "which events" },
	{ "node", 'N', "NODE", "one node" },
	{ "out", 'o', "FILE", "write there" },
	CLI_OPT_JSON,
	CLI_OPT_HELP,
	{ 0 },
};

static const struct cli_cmd_doc docs[] = {
	{ "watch", "watch LAB [--type T]", "a new command", watch_opts },
	{ "probe", "probe start|stop ...", "one with sub-commands", NULL },
	{ "up", "up FILE [--dry-run]", "files", NULL },
	{ NULL },
};

/* Complete the line's last word (cword: its index); stdout is redirected. */
static void complete(int cword, const char *line)
{
	char buf[256], *argv[16] = { "__complete", NULL }, *save = NULL;
	int argc = 2;
	char num[8];

	snprintf(num, sizeof(num), "%d", cword);
	argv[1] = num;
	snprintf(buf, sizeof(buf), "%s", line);
	for (char *w = strtok_r(buf, " ", &save); w && argc < 15; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	cr_assert(eq(int, cli_complete(docs, argc, argv), EXIT_OK));
	fflush(stdout);
}

Test(complete, a_new_command_and_its_options, .init = cr_redirect_stdout)
{
	complete(1, "nsbpf w");
	cr_assert_stdout_eq_str("watch\n");
}

Test(complete, option_names_of_the_command, .init = cr_redirect_stdout)
{
	complete(3, "nsbpf watch lab --");
	cr_assert_stdout_eq_str("--type\n--node\n--out\n--json\n--help\n");
}

Test(complete, option_values_from_the_arg_name, .init = cr_redirect_stdout)
{
	complete(4, "nsbpf watch lab --type f");
	complete(3, "nsbpf watch lab --type=d");
	complete(4, "nsbpf watch lab -o x");
	cr_assert_stdout_eq_str("flow\n--type=drop\n@files\n");
}

Test(complete, sub_commands_then_files, .init = cr_redirect_stdout)
{
	complete(2, "nsbpf probe st");
	complete(3, "nsbpf -j up");
	cr_assert_stdout_eq_str("start\nstop\n@files\n");
}

Test(complete, bad_calls_are_usage_errors)
{
	char *argv[] = { "__complete", "9", "nsbpf", NULL };

	cr_assert(eq(int, cli_complete(docs, 3, argv), EXIT_USAGE));
	cr_assert(eq(int, cli_complete(docs, 1, argv), EXIT_USAGE));
}
