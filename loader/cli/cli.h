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

/*
 * "nsbpf: msg" on stderr; under --json also kept for the one document of
 * the run (docs/json.md): the "errors" member of the command's document
 * (cli_doc_end), or {"error": ..., "errors": [...]} when it printed none
 * (cli_finish).
 */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same about a place in a file: "nsbpf: FILE:LINE[:COL]: msg" (line, col 0: none). */
void cli_err_at(const char *file, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A message "FILE:LINE:COL: text" (the topology's): its place goes into the JSON error. */
void cli_err_placed(const char *msg);

/*
 * End the command's JSON document (o's top object): the errors so far as
 * "errors" (when any), the closing brace, the newline. Text: out_end().
 */
struct out;
void cli_doc_end(struct out *o);

/*
 * After the command, with its exit code: under --json, when it printed no
 * document, one error document (or for a failure that said nothing, one
 * naming the exit code). Returns ret.
 */
int cli_finish(int ret);

/*
 * A usage error that shows the command's help: the help on stdout, or under
 * --json an error "WHO: usage: USAGE". EXIT_USAGE.
 */
int cli_usage(const char *who, const char *usage, void (*help)(void));

/* Did-you-mean over cmds' names: " (did you mean \"x\"?)" or "". */
const char *cli_cmd_hint(const struct nsb_cmd *cmds, const char *word, char *buf, size_t len);

/* A line for people (text only): under --json a command prints its document instead. */
void cli_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Lab names as given on the command line: same rules as the topology. */
int cli_check_lab(const char *lab);

/*
 * A lab named on the command line that is up: 0, or the exit code after
 * saying why (not a lab name, "lab %s is not up", with a did-you-mean over
 * the labs that are). Then cli_recover_lab().
 */
int cli_lab_is_up(const char *lab);

/* " (did you mean \"x\"?)" over the labs that are up, or "". */
const char *cli_lab_hint(const char *lab, char *buf, size_t len);
/* The same over the lab's nodes, and over its networks. */
struct lab_info;
const char *cli_node_hint(const struct lab_info *li, const char *node, char *buf, size_t len);
const char *cli_net_hint(const struct lab_info *li, const char *net, char *buf, size_t len);

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
