// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nsbpf stats LAB [--json]: the datapath's per-CPU counters, summed.
 * JSON: {"lab", "paths": {NAME: {"packets", "bytes"}}, "drops": {NAME: {...}}}
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmds.h"
#include "lab/datapath.h"
#include "cli/out.h"
#include "sys/state.h"

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

static void print_group(struct out *o, struct table *tb, const char *kind, const char *key,
			const struct stat_name *names, int n, const struct nsb_counter *c)
{
	char pk[32], by[32];

	if (o->json)
		out_obj_open(o, key);
	for (int i = 0; i < n; i++) {
		if (!names[i].desc[0])
			continue;
		if (o->json) {
			out_obj_open(o, names[i].name);
			out_u64(o, "packets", c[i].packets);
			out_u64(o, "bytes", c[i].bytes);
			out_obj_close(o);
		} else {
			snprintf(pk, sizeof(pk), "%llu", (unsigned long long)c[i].packets);
			snprintf(by, sizeof(by), "%llu", (unsigned long long)c[i].bytes);
			table_row(tb, kind, names[i].name, pk, by, names[i].desc);
		}
	}
	if (o->json)
		out_obj_close(o);
}

const struct cli_opt stats_opts[] = { CLI_OPT_JSON, CLI_OPT_HELP, { 0 } };

int cmd_stats(int argc, char **argv)
{
	struct nsb_counter c[NSB_STAT_MAX];
	struct table tb;
	struct out o;
	int err;

	switch (opts_parse(&argc, argv, stats_opts, "stats", 0)) {
	case OPTS_GO:
		break;
	case OPTS_HELP:
		stats_help();
		return EXIT_OK;
	default:
		return EXIT_USAGE;
	}
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
	if (cli_check_lab(argv[1]))
		return EXIT_USAGE;
	if (!state_exists(argv[1])) {
		cli_err("lab %s is not up", argv[1]);
		return EXIT_FAIL;
	}
	err = dp_stats_read(argv[1], c);
	if (err) {
		cli_err("lab %s: read %s/%s/stats: %s", argv[1], PIN_ROOT, argv[1], strerror(-err));
		return EXIT_FAIL;
	}
	out_begin(&o, stdout, cli_opts.json);
	if (o.json) {
		out_obj_open(&o, NULL);
		out_str(&o, "lab", argv[1]);
	} else {
		table_init(&tb, 5, "KIND", "NAME", "PACKETS", "BYTES", "MEANING");
	}
	print_group(&o, &tb, "path", "paths", path_names, NSB_PATH_MAX, c);
	print_group(&o, &tb, "drop", "drops", drop_names, NSB_DROP_MAX, c + NSB_STAT_DROP_BASE);
	if (o.json) {
		out_obj_close(&o);
	} else {
		table_print(&tb, stdout);
		table_free(&tb);
	}
	out_end(&o);
	return EXIT_OK;
}
