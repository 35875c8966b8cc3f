// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of the CLI plumbing: JSON writer, tables, flags, names, MACs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "cli/cli.h"
#include "lab/lab.h"
#include "cli/out.h"

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

Test(cli, common_flags_are_removed_but_not_after_double_dash)
{
	char *argv[] = { "exec", "--json", "lab", "node", "--", "cmd", "--json", NULL };
	int argc = cli_common_flags(7, argv);

	cr_assert_eq(argc, 6);
	cr_assert(cli_opts.json);
	cr_assert_str_eq(argv[1], "lab");
	cr_assert_str_eq(argv[3], "--");
	cr_assert_str_eq(argv[5], "--json", "a flag of the command run in the node stays");
	cr_assert_null(argv[6]);
	cli_opts.json = false;
}

Test(cli, help_is_found_before_double_dash_only)
{
	char *a[] = { "up", "x.yaml", "--help", NULL };
	char *b[] = { "exec", "lab", "n", "--", "ls", "--help", NULL };

	cr_assert(cli_wants_help(3, a));
	cr_assert_not(cli_wants_help(6, b));
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
