// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nsbpf stats LAB [--json]: the datapath's per-CPU counters, summed.
 * JSON: {"lab", "paths": {NAME: {"packets", "bytes"}}, "drops": {NAME: {...}}}
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmds.h"
#include "cli/out.h"
#include "lab/lab.h"
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

static void print_group(struct out *o, struct table *tb, const char *kind, const char *key,
			const struct stat_name *names, int n, const struct rules_counter *c)
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

int cmd_stats(int argc, char **argv)
{
	struct rules_stats st;
	struct lab_info li;
	struct err_msg e;
	struct table tb;
	struct out o;
	int err;

	if (cli_wants_help(argc, argv) || (argc >= 2 && !strcmp(argv[1], "help"))) {
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
	if (o.json) {
		out_obj_open(&o, NULL);
		out_str(&o, "lab", argv[1]);
	} else {
		table_init(&tb, 5, "KIND", "NAME", "PACKETS", "BYTES", "MEANING");
	}
	print_group(&o, &tb, "path", "paths", path_names, NSB_PATH_MAX, st.paths);
	print_group(&o, &tb, "drop", "drops", drop_names, NSB_DROP_MAX, st.drops);
	if (o.json) {
		out_obj_close(&o);
	} else {
		table_print(&tb, stdout);
		table_free(&tb);
	}
	out_end(&o);
	return EXIT_OK;
}
