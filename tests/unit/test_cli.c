// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of the CLI plumbing: JSON writer, tables, options, names, MACs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/redirect.h>

#include "cli/cli.h"
#include "cli/cmds.h"
#include "cli/opts.h"
#include "lab/lab.h"
#include "cli/out.h"
#include "cli/progress.h"
#include "util/log.h"

static char *capture_json(void (*fill)(struct out *o))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct out o;

	out_begin(&o, f, true);
	fill(&o);
	out_end(&o);
	fclose(f);
	return buf;
}

static void fill_nested(struct out *o)
{
	out_obj_open(o, NULL);
	out_str(o, "name", "a\"b\\c\nd\te\x01");
	out_u64(o, "n", 18446744073709551615ULL);
	out_bool(o, "yes", true);
	out_str(o, "none", NULL);
	out_arr_open(o, "list");
	out_obj_open(o, NULL);
	out_u64(o, "x", 1);
	out_obj_close(o);
	out_obj_open(o, NULL);
	out_obj_close(o);
	out_arr_close(o);
	out_arr_open(o, "empty");
	out_arr_close(o);
	out_obj_close(o);
}

Test(out, json_nesting_commas_and_escapes)
{
	char *s = capture_json(fill_nested);

	cr_assert_str_eq(s, "{\"name\":\"a\\\"b\\\\c\\nd\\te\\u0001\",\"n\":18446744073709551615,"
			    "\"yes\":true,\"none\":null,\"list\":[{\"x\":1},{}],\"empty\":[]}\n");
	free(s);
}

Test(out, table_aligns_columns_and_fills_missing_cells)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct table t;

	table_init(&t, 3, "NODE", "IP", "STATE");
	table_row(&t, "earth", "10.10.0.10/16", "up");
	table_row(&t, "a", (const char *)NULL, "down");
	table_print(&t, f);
	table_free(&t);
	fclose(f);
	cr_assert_str_eq(buf, "NODE   IP             STATE\n"
			      "earth  10.10.0.10/16  up\n"
			      "a      -              down\n");
	free(buf);
}

/* ---- options: getopt_long through cli/opts.c ---- */

static void redirect_std(void)
{
	cr_redirect_stdout();
	cr_redirect_stderr();
}

static const struct nsb_cmd some_cmds[] = { { "status", NULL }, { "up", NULL }, { NULL } };

Test(opts, exec_passes_everything_after_node_untouched, .init = redirect_std)
{
	char *argv[] = { "exec", "-j", "Bad_Lab", "node", "ip", "-j", "link", NULL };

	/* cmd_exec parses, then refuses the lab name: argv shows what it parsed. */
	cr_assert_eq(cmd_exec(7, argv), EXIT_USAGE);
	cr_assert(cli_opts.json, "-j before LAB is ours");
	cr_assert_str_eq(argv[1], "Bad_Lab");
	cr_assert_str_eq(argv[2], "node");
	cr_assert_str_eq(argv[3], "ip");
	cr_assert_str_eq(argv[4], "-j", "a flag of the command run in the node stays");
	cr_assert_str_eq(argv[5], "link");
	cr_assert_null(argv[6]);
}

Test(opts, exec_keeps_double_dash_after_node_for_the_body_to_swallow)
{
	char *argv[] = { "exec", "lab", "node", "--", "cmd", "--json", NULL };
	int argc = 6;

	cr_assert_eq(opts_parse(&argc, argv, exec_opts, "exec", 2), OPTS_GO);
	cr_assert_eq(argc, 6);
	cr_assert_str_eq(argv[3], "--");
	cr_assert_str_eq(argv[5], "--json");
	cr_assert_not(cli_opts.json);
}

Test(opts, help_is_found_before_double_dash_only)
{
	char *a[] = { "up", "x.yaml", "--help", NULL };
	char *b[] = { "exec", "lab", "n", "--", "ls", "--help", NULL };
	int argc_a = 3, argc_b = 6;

	cr_assert_eq(opts_parse(&argc_a, a, up_opts, "up", 0), OPTS_HELP);
	cr_assert_eq(opts_parse(&argc_b, b, exec_opts, "exec", 2), OPTS_GO);
	cr_assert_eq(argc_b, 6);
}

Test(opts, netns_option_refuses_a_command_word, .init = redirect_std)
{
	char *argv[] = { "nsbpf", "-n", "status", NULL };
	int argc = 3;

	cr_assert_eq(opts_global(&argc, argv, some_cmds), OPTS_BAD);
	cr_assert_null(cli_opts.netns);
	fflush(stderr);
	cr_assert_stderr_eq_str("nsbpf: option -n needs a namespace: \"status\" is a command "
				"(nsbpf -n NAME status)\n");
}

Test(opts, netns_option_refuses_an_option_as_its_value, .init = redirect_std)
{
	char *argv[] = { "nsbpf", "-n", "-j", "status", NULL };
	int argc = 4;

	cr_assert_eq(opts_global(&argc, argv, some_cmds), OPTS_BAD);
	cr_assert_null(cli_opts.netns);
}

Test(opts, netns_named_like_a_command_is_fine_before_a_command)
{
	char *argv[] = { "nsbpf", "-n", "status", "status", NULL };
	int argc = 4;

	cr_assert_eq(opts_global(&argc, argv, some_cmds), OPTS_GO);
	cr_assert_str_eq(cli_opts.netns, "status");
	cr_assert_eq(argc, 2);
	cr_assert_str_eq(argv[1], "status");
}

Test(opts, global_long_options_take_equals_and_stop_at_the_command)
{
	char *argv[] = { "nsbpf", "--netns=blue", "--json", "status", "lab", "-v", NULL };
	int argc = 6;

	cr_assert_eq(opts_global(&argc, argv, some_cmds), OPTS_GO);
	cr_assert_str_eq(cli_opts.netns, "blue");
	cr_assert(cli_opts.json);
	cr_assert_eq(argc, 4, "the command word and its own words");
	cr_assert_str_eq(argv[1], "status");
	cr_assert_str_eq(argv[2], "lab");
	cr_assert_str_eq(argv[3], "-v", "the command's, not a global -v");
	cr_assert_null(argv[4]);
	cr_assert_eq(log_verbosity, 0);
}

Test(opts, verbose_counts_every_v)
{
	char *argv[] = { "nsbpf", "-vvv", "-jv", "status", NULL };
	int argc = 4;

	cr_assert_eq(opts_global(&argc, argv, some_cmds), OPTS_GO);
	cr_assert_eq(log_verbosity, 4);
	cr_assert(cli_opts.json);
}

Test(opts, help_and_version_and_no_command)
{
	char *h[] = { "nsbpf", "-j", "--help", NULL };
	char *v[] = { "nsbpf", "-V", NULL };
	char *none[] = { "nsbpf", "-j", NULL };
	int argc_h = 3, argc_v = 2, argc_none = 2;

	cr_assert_eq(opts_global(&argc_h, h, some_cmds), OPTS_HELP);
	cr_assert_eq(opts_global(&argc_v, v, some_cmds), OPTS_VERSION);
	cr_assert_eq(opts_global(&argc_none, none, some_cmds), OPTS_GO);
	cr_assert_eq(argc_none, 1, "no command word: main prints the help, exit 2");
}

Test(opts, up_takes_opt_equals_value_and_opt_space_value)
{
	char *a[] = { "up", "--attach=tcx", "lab.yaml", "--exec-timeout=5", "--dry-run", NULL };
	char *b[] = { "up", "--force", "--attach", "clsact", "lab.yaml", NULL };
	struct up_opts o;
	const char *file;

	unsetenv("NSBPF_ATTACH");
	cr_assert_eq(cmd_up_parse(5, a, &o, &file), -1);
	cr_assert_eq(o.attach, ATTACH_TCX);
	cr_assert_eq(o.exec_timeout_s, 5);
	cr_assert(o.dry_run);
	cr_assert_not(o.force);
	cr_assert_str_eq(file, "lab.yaml");
	cr_assert_eq(cmd_up_parse(5, b, &o, &file), -1);
	cr_assert_eq(o.attach, ATTACH_CLSACT);
	cr_assert_eq(o.exec_timeout_s, 60);
	cr_assert(o.force);
	cr_assert_str_eq(file, "lab.yaml");
}

Test(opts, up_attach_default_comes_from_the_environment_under_the_option)
{
	char *a[] = { "up", "lab.yaml", NULL };
	char *b[] = { "up", "lab.yaml", "--attach=tcx", NULL };
	struct up_opts o;
	const char *file;

	setenv("NSBPF_ATTACH", "clsact", 1);
	cr_assert_eq(cmd_up_parse(2, a, &o, &file), -1);
	cr_assert_eq(o.attach, ATTACH_CLSACT);
	cr_assert_eq(cmd_up_parse(3, b, &o, &file), -1);
	cr_assert_eq(o.attach, ATTACH_TCX);
	unsetenv("NSBPF_ATTACH");
}

Test(opts, up_refuses_a_bad_value_and_a_second_file, .init = redirect_std)
{
	char *a[] = { "up", "--attach=xdp", "lab.yaml", NULL };
	char *b[] = { "up", "one.yaml", "two.yaml", NULL };
	struct up_opts o;
	const char *file;

	unsetenv("NSBPF_ATTACH");
	cr_assert_eq(cmd_up_parse(3, a, &o, &file), EXIT_USAGE);
	cr_assert_eq(cmd_up_parse(3, b, &o, &file), EXIT_USAGE);
	fflush(stderr);
	cr_assert_stderr_eq_str(
		"nsbpf: up: --attach xdp: expected auto, tcx or clsact\n"
		"nsbpf: up: one topology file at a time (got one.yaml and two.yaml)\n");
}

Test(opts, json_after_the_command_and_its_operands)
{
	char *st[] = { "status", "lab", "--json", NULL };
	char *up[] = { "up", "lab.yaml", "-j", NULL };
	int argc = 3;
	struct up_opts o;
	const char *file;

	cr_assert_eq(opts_parse(&argc, st, status_opts, "status", 0), OPTS_GO);
	cr_assert(cli_opts.json);
	cr_assert_eq(argc, 2);
	cr_assert_str_eq(st[1], "lab");
	cr_assert_null(st[2]);
	cli_opts.json = false;
	cr_assert_eq(cmd_up_parse(3, up, &o, &file), -1);
	cr_assert(cli_opts.json);
	cr_assert_str_eq(file, "lab.yaml");
}

Test(opts, unknown_options_are_usage_errors_with_the_old_message, .init = redirect_std)
{
	char *up[] = { "up", "x.yaml", "--frob=1", NULL };
	char *down[] = { "down", "-x", "lab", NULL };
	char *glob[] = { "nsbpf", "-x", "status", NULL };
	int argc = 3;

	cr_assert_eq(cmd_up(3, up), EXIT_USAGE);
	cr_assert_eq(cmd_down(3, down), EXIT_USAGE);
	cr_assert_eq(opts_global(&argc, glob, some_cmds), OPTS_BAD);
	fflush(stderr);
	cr_assert_stderr_eq_str("nsbpf: up: unknown option --frob (try \"nsbpf up --help\")\n"
				"nsbpf: down: unknown option -x (try \"nsbpf down --help\")\n"
				"nsbpf: unknown option -x (try \"nsbpf --help\")\n");
}

Test(opts, missing_values_and_values_for_flags_are_usage_errors, .init = redirect_std)
{
	char *up[] = { "up", "x.yaml", "--attach", NULL };
	char *st[] = { "status", "--json=yes", NULL };
	char *glob[] = { "nsbpf", "-n", NULL };
	int argc_st = 2, argc_glob = 2;

	cr_assert_eq(cmd_up(3, up), EXIT_USAGE);
	cr_assert_eq(opts_parse(&argc_st, st, status_opts, "status", 0), OPTS_BAD);
	cr_assert_eq(opts_global(&argc_glob, glob, some_cmds), OPTS_BAD);
	fflush(stderr);
	cr_assert_stderr_eq_str(
		"nsbpf: up: option --attach needs MODE (try \"nsbpf up --help\")\n"
		"nsbpf: status: option --json takes no value (try \"nsbpf status --help\")\n"
		"nsbpf: option -n needs NAME (try \"nsbpf --help\")\n");
}

Test(opts, forward_options_before_and_after_the_sub_command_word)
{
	char *argv[] = { "forward", "-j", "add", "lab", "--force", NULL };
	int argc = 5;

	cr_assert_eq(opts_parse(&argc, argv, forward_opts, "forward", 1), OPTS_GO);
	cr_assert(cli_opts.json);
	cr_assert_eq(argc, 4);
	cr_assert_str_eq(argv[1], "add");
	cr_assert_str_eq(argv[3], "--force", "add's own option, for add to parse");
}

Test(opts, forward_add_takes_file_equals_value, .init = redirect_std)
{
	char *argv[] = { "forward", "add", "lab", "--file=/nonexistent/fwds", NULL };

	cr_assert_eq(cmd_forward(4, argv), EXIT_USAGE);
	fflush(stderr);
	cr_assert_stderr_eq_str(
		"nsbpf: forward add: /nonexistent/fwds: cannot read: No such file or directory\n");
}

Test(opts, no_words_at_all_is_left_alone)
{
	char *argv[] = { NULL };
	int argc = 0;

	cr_assert_eq(opts_parse(&argc, argv, forward_opts, "forward list", 0), OPTS_GO);
	cr_assert_eq(argc, 0);
}

/* What the parser and a completion generator rely on, for every table. */
Test(opts, every_table_fits_and_names_each_option_once)
{
	const struct cli_opt *tables[] = { opts_global_table, up_opts,	    down_opts,
					   status_opts,	      exec_opts,    stats_opts,
					   nat_opts,	      forward_opts, forward_add_opts };

	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		int n = 0;

		for (const struct cli_opt *a = tables[t]; a->name || a->val; a++, n++) {
			cr_assert(a->help && *a->help, "table %zu row %d: a help line", t, n);
			for (const struct cli_opt *b = a + 1; b->name || b->val; b++) {
				cr_assert_neq(a->val, b->val, "table %zu: val %d twice", t, a->val);
				cr_assert(!a->name || !b->name || strcmp(a->name, b->name),
					  "table %zu: --%s twice", t, a->name);
			}
		}
		cr_assert_leq(n, CLI_OPTS_MAX, "table %zu: %d rows", t, n);
	}
}

Test(opts, help_lists_the_global_table)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	opts_print(f, opts_global_table);
	fclose(f);
	cr_assert(strstr(buf, "  -j, --json                JSON output"), "%s", buf);
	cr_assert(strstr(buf, "  -v                        more messages"), "%s", buf);
	cr_assert(strstr(buf, "  -n, --netns NAME          act in"), "%s", buf);
	free(buf);
}

Test(cli, lab_names)
{
	cr_assert_eq(cli_check_lab("planets"), 0);
	cr_assert_eq(cli_check_lab("lab-2"), 0);
	cr_assert_eq(cli_check_lab("Bad"), -1);
	cr_assert_eq(cli_check_lab("-x"), -1);
	cr_assert_eq(cli_check_lab("../etc"), -1, "never a path");
	cr_assert_eq(cli_check_lab(""), -1);
}

Test(cli, attach_modes_parse)
{
	enum attach_mode m;

	cr_assert_eq(attach_mode_parse("clsact", &m), 0);
	cr_assert_eq(m, ATTACH_CLSACT);
	cr_assert_eq(attach_mode_parse("tcx", &m), 0);
	cr_assert_eq(m, ATTACH_TCX);
	cr_assert_eq(attach_mode_parse("auto", &m), 0);
	cr_assert_eq(m, ATTACH_AUTO);
	cr_assert_neq(attach_mode_parse("xdp", &m), 0);
	cr_assert_str_eq(attach_mode_name(ATTACH_TCX), "tcx");
}

Test(lab, macs_are_stable_unicast_locally_administered_and_distinct)
{
	unsigned char n1[6], h1[6], n2[6], h2[6], n3[6], h3[6];

	lab_node_macs("planets", "earth", n1, h1);
	lab_node_macs("planets", "earth", n2, h2);
	cr_assert_arr_eq(n1, n2, 6, "same names, same MACs");
	cr_assert_eq(n1[0], 0x02);
	cr_assert_eq(h1[0], 0x06);
	cr_assert_eq(n1[0] & 1, 0, "unicast");
	cr_assert_arr_eq(n1 + 1, h1 + 1, 5);
	lab_node_macs("planets", "neptune", n3, h3);
	cr_assert_arr_neq(n1, n3, 6);
	lab_node_macs("planet", "searth", n3, h3);
	cr_assert_arr_neq(n1, n3, 6, "the separator matters");
}

/* ---- one JSON document per run (cli/errors.c) ---- */

static void json_run(void)
{
	cr_redirect_stdout();
	cr_redirect_stderr();
	cli_opts.json = true;
}

static void json_run_end(void)
{
	cli_opts.json = false;
}

Test(errors, every_problem_in_one_document_each_at_its_place, .init = json_run,
     .fini = json_run_end)
{
	cli_err_placed("/l/x.yaml:3:9: unknown key \"subnte\" (did you mean \"subnet\"?)");
	cli_err_at("fw", 2, 0, "bad: %s", "sctp");
	cli_err("lab x is not up");
	cr_assert_eq(cli_finish(EXIT_USAGE), EXIT_USAGE);
	fflush(stdout);
	cr_assert_stdout_eq_str(
		"{\"error\":{\"message\":\"unknown key \\\"subnte\\\" (did you mean \\\"subnet\\\"?)\","
		"\"file\":\"/l/x.yaml\",\"line\":3,\"col\":9},"
		"\"errors\":[{\"message\":\"unknown key \\\"subnte\\\" (did you mean \\\"subnet\\\"?)\","
		"\"file\":\"/l/x.yaml\",\"line\":3,\"col\":9},"
		"{\"message\":\"bad: sctp\",\"file\":\"fw\",\"line\":2,\"col\":null},"
		"{\"message\":\"lab x is not up\",\"file\":null,\"line\":null,\"col\":null}]}\n");
}

Test(errors, a_document_takes_the_errors_and_nothing_follows_it, .init = json_run,
     .fini = json_run_end)
{
	struct out o;

	cli_err("a message with no place: 1:2: inside");
	out_begin(&o, stdout, true);
	out_obj_open(&o, NULL);
	out_str(&o, "lab", "x");
	cli_doc_end(&o);
	cr_assert_eq(cli_finish(EXIT_FAIL), EXIT_FAIL);
	fflush(stdout);
	cr_assert_stdout_eq_str(
		"{\"lab\":\"x\",\"errors\":[{\"message\":\"a message with no place: "
		"1:2: inside\",\"file\":null,\"line\":null,\"col\":null}]}\n");
}

Test(errors, a_failure_that_said_nothing_still_gets_its_document, .init = json_run,
     .fini = json_run_end)
{
	cr_assert_eq(cli_finish(EXIT_FAIL), EXIT_FAIL);
	fflush(stdout);
	cr_assert_stdout_eq_str(
		"{\"error\":{\"message\":\"failed (exit status 1)\",\"file\":null,"
		"\"line\":null,\"col\":null},\"errors\":[{\"message\":\"failed (exit "
		"status 1)\",\"file\":null,\"line\":null,\"col\":null}]}\n");
}

/* ---- progress (cli/progress.c) ---- */

Test(progress, line_and_when_it_shows)
{
	char buf[96];

	progress_format(buf, sizeof(buf), "creating nodes", 120, 500);
	cr_assert_str_eq(buf, "\rcreating nodes 120/500\033[K");
	progress_format(buf, sizeof(buf), "loading the datapath", 0, 0);
	cr_assert_str_eq(buf, "\rloading the datapath\033[K", "no count without a total");
	cr_assert(progress_wanted(true, false, 50));
	cr_assert_not(progress_wanted(true, false, 49), "a small lab is quick");
	cr_assert_not(progress_wanted(false, false, 500), "no terminal");
	cr_assert_not(progress_wanted(true, true, 500), "never under --json");
}

Test(opts, double_dash_ends_the_options_of_up)
{
	char *argv[] = { "up", "--attach=clsact", "--", "-odd.yaml", NULL };
	struct up_opts o;
	const char *file;

	unsetenv("NSBPF_ATTACH");
	cr_assert_eq(cmd_up_parse(4, argv, &o, &file), -1);
	cr_assert_eq(o.attach, ATTACH_CLSACT);
	cr_assert_str_eq(file, "-odd.yaml", "after --, a word with a dash is the FILE");
}

static void exec_help_stub(void)
{
	printf("help\n");
}

Test(opts, simple_commands_show_help_or_go_on)
{
	char *a[] = { "stats", "--json", "--", "--help", NULL };
	char *b[] = { "stats", "lab", "-h", NULL };
	int argc_a = 4, argc_b = 3;

	cr_assert_eq(opts_simple(&argc_a, a, stats_opts, "stats", 0, NULL), -1);
	cr_assert_eq(argc_a, 2);
	cr_assert_str_eq(a[1], "--help", "an operand after --");
	cr_redirect_stdout();
	cr_assert_eq(opts_simple(&argc_b, b, stats_opts, "stats", 0, exec_help_stub), EXIT_OK);
}
