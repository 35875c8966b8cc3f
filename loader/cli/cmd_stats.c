// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nsbpf stats LAB [--json]: the datapath's per-CPU counters, summed.
 * JSON shape: docs/json.md.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmds.h"
#include "cli/out.h"
#include "lab/lab.h"
#include "lab/monitor.h"
#include "lab/rules.h"

struct stat_name {
	const char *name;
	const char *desc;
};

#define __NSB_NAME(n, s, d) { s, d },
static const struct stat_name path_names[] = { NSB_PATH_LIST(__NSB_NAME) };
static const struct stat_name drop_names[] = { { "none", "" }, NSB_DROP_LIST(__NSB_NAME) };

static void stats_help(void)
{
	printf("usage: nsbpf stats LAB [--json]\n"
	       "\n"
	       "Packets and bytes per datapath path and per drop reason since the lab\n"
	       "came up (counters of the pinned per-CPU stats map, summed).\n");
}

/* One group: an object keyed by name under --json, rows of the table in text. */
static void print_group(struct out *o, const char *kind, const char *key,
			const struct stat_name *names, int n, const struct rules_counter *c)
{
	print_open_object(o, key);
	for (int i = 0; i < n; i++) {
		if (!names[i].desc[0])
			continue;
		print_row_open(o, names[i].name);
		print_text(o, "%s", kind);
		print_cell(o);
		print_text(o, "%s", names[i].name);
		print_cell(o);
		print_u64(o, "packets", "%llu", c[i].packets);
		print_cell(o);
		print_u64(o, "bytes", "%llu", c[i].bytes);
		print_cell(o);
		print_text(o, "%s", names[i].desc);
		print_cell(o);
		print_row_close(o);
	}
	print_close_object(o);
}

/* The monitor's events held back (rate limit, full ring): rows "monitor". */
static void print_monitor(struct out *o, const char *lab)
{
	static const char *const desc[2] = { "monitor events held back by the rate limit",
					     "monitor events the ring had no room for" };
	static const char *const name[2] = { "suppressed", "lost" };
	uint64_t n[2];

	if (lab_monitor_read_counts(lab, &n[0], &n[1]))
		return; /* a lab from before the monitor */
	print_open_object(o, "monitor");
	for (int i = 0; i < 2; i++) {
		print_row_open(o, name[i]);
		print_text(o, "monitor");
		print_cell(o);
		print_text(o, "%s", name[i]);
		print_cell(o);
		print_u64(o, "events", "%llu", n[i]);
		print_cell(o);
		print_text(o, "-");
		print_cell(o);
		print_text(o, "%s", desc[i]);
		print_cell(o);
		print_row_close(o);
	}
	print_close_object(o);
}

const struct cli_opt stats_opts[] = { CLI_OPT_JSON, CLI_OPT_HELP, { 0 } };

int cmd_stats(int argc, char **argv)
{
	struct rules_stats st;
	struct lab_info li;
	struct err_msg e;
	struct table tb;
	struct out o;
	int err = opts_simple(&argc, argv, stats_opts, "stats", 0, stats_help);

	if (err >= 0)
		return err;
	if (argc >= 2 && !strcmp(argv[1], "help")) {
		stats_help();
		return EXIT_OK;
	}
	if (argc >= 2 && !strcmp(argv[1], "show")) {
		argc--;
		argv++;
	}
	if (argc != 2) {
		cli_err("stats: usage: nsbpf stats LAB [--json]");
		return EXIT_USAGE;
	}
	err = cli_open_lab(argv[1], &li);
	if (err)
		return err;
	lab_info_free(&li);
	if (rules_stats_read(argv[1], &st, &e)) {
		cli_err("%s", e.text);
		return EXIT_FAIL;
	}
	out_begin(&o, stdout, cli_opts.json);
	table_init(&tb, 5, "KIND", "NAME", "PACKETS", "BYTES", "MEANING");
	print_table(&o, &tb);
	print_open_object(&o, NULL);
	print_string(&o, "lab", NULL, argv[1]);
	print_group(&o, "path", "paths", path_names, NSB_PATH_MAX, st.paths);
	print_group(&o, "drop", "drops", drop_names, NSB_DROP_MAX, st.drops);
	print_monitor(&o, argv[1]);
	print_table_end(&o, NULL);
	table_free(&tb);
	cli_doc_end(&o);
	return EXIT_OK;
}
