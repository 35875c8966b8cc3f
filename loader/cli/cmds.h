/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* One entry point per CLI object; main.c dispatches to these. */
#ifndef NSBPF_CMDS_H
#define NSBPF_CMDS_H

int cmd_up(int argc, char **argv);
int cmd_down(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_nat(int argc, char **argv);
int cmd_forward(int argc, char **argv);

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
