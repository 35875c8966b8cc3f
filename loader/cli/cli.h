/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Command tables, option flags shared by every command, exit codes (options: opts.h). */
#ifndef NSBPF_CLI_H
#define NSBPF_CLI_H

#include <stdbool.h>
#include <stddef.h>

enum nsb_exit {
	EXIT_OK = 0,
	EXIT_FAIL = 1,	/* the operation failed */
	EXIT_USAGE = 2, /* bad usage or invalid input */
	EXIT_SKIP = 77, /* test skipped */
};

struct nsb_cmd {
	const char *name;
	int (*fn)(int argc, char **argv); /* argv[0] is the command word */
};

struct cli_opts {
	bool json;	   /* -j/--json, before or after the command word */
	const char *netns; /* -n NAME: run in /run/netns/NAME */
};
extern struct cli_opts cli_opts;

/* Run the row matching argv[0]; no word runs the first row. */
int cli_dispatch(const struct nsb_cmd *cmds, const char *object, int argc, char **argv);

/* "nsbpf: msg" on stderr, or {"error": "msg"} on stdout under --json. */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * A line for people about what a command did ("lab x is down"); nothing
 * under --json, where such commands print no document.
 */
void cli_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Lab names as given on the command line: same rules as the topology. */
int cli_check_lab(const char *lab);

/*
 * A lab named on the command line that is up: 0, or the exit code after
 * saying why (not a lab name, "lab %s is not up"). Then cli_recover_lab().
 */
int cli_lab_is_up(const char *lab);

/*
 * Before anything else on a lab: undo the forward batch a killed command
 * left in it, and say so on stderr (or why it could not).
 */
void cli_recover_lab(const char *lab);
/* "lab LAB: undid an interrupted forward batch of N forwards" on stderr (n 0: nothing). */
void cli_report_undone(const char *lab, size_t n);

/*
 * Open a running lab for a command: cli_lab_is_up(), its lab file read into
 * li (lab_info_free() it), and the lab's host netns the one we run in. 0, or
 * the exit code after saying why (li then needs no freeing).
 */
struct lab_info;
int cli_open_lab(const char *lab, struct lab_info *li);

#endif /* NSBPF_CLI_H */
