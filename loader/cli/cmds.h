/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* One entry point per CLI object; main.c dispatches to these. */
#ifndef NSBPF_CMDS_H
#define NSBPF_CMDS_H

#include "cli/opts.h"

int cmd_up(int argc, char **argv);
int cmd_down(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_nat(int argc, char **argv);
int cmd_forward(int argc, char **argv);
int cmd_graph(int argc, char **argv);
int cmd_map(int argc, char **argv);
int cmd_monitor(int argc, char **argv);
/*
 * `nsbpf __complete CWORD WORD...` (hidden; complete.c): the candidates for
 * WORDS[CWORD], one a line, from docs (main.c's table, the help's rows).
 */
int cli_complete(const struct cli_cmd_doc *docs, int argc, char **argv);

/* Each command's options: the parser, the help and completion read these. */
extern const struct cli_opt up_opts[], down_opts[], status_opts[], exec_opts[], stats_opts[],
	nat_opts[], forward_opts[], forward_add_opts[], graph_opts[], map_opts[], monitor_opts[];

/* up's options into o and its FILE: -1 to go on, or the exit code. */
struct up_opts;
int cmd_up_parse(int argc, char **argv, struct up_opts *o, const char **file);

/*
 * A lab's forwards: the array "forwards" (empty when its map cannot be
 * read, then -errno), rows LAB FORWARD HITS of o's table in text.
 */
struct out;
struct lab_info;
int forward_print_lab(struct out *o, const struct lab_info *li);

/* Print the topology's validation errors; returns EXIT_USAGE. */
struct topo_errors;
int cmd_report_topo_errors(const struct topo_errors *errs);

#endif /* NSBPF_CMDS_H */
