/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Option tables and the one getopt_long loop every command parses with.
 *
 * A command declares its options as a table of struct cli_opt (exported, so
 * that help and a completion generator read the same rows as the parser) and
 * parses with opts_parse() when it has only -j/-h, or with
 * opts_begin()/opts_next() when it has options of its own.
 */
#ifndef NSBPF_CLI_OPTS_H
#define NSBPF_CLI_OPTS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "cli/cli.h"

struct cli_opt {
	const char *name; /* long name without "--"; NULL: short only */
	int val;	  /* the short letter, or >= 256 for a long-only option */
	const char *arg;  /* the value's name in help ("NAME"); NULL: a flag */
	const char *help; /* one line */
};
/* A table ends with { 0 }. */
#define CLI_OPTS_MAX 16

/* Rows every command has; -j is handled inside opts_next(). */
#define CLI_OPT_JSON                             \
	{                                        \
		"json", 'j', NULL, "JSON output" \
	}
#define CLI_OPT_HELP                           \
	{                                      \
		"help", 'h', NULL, "this help" \
	}

/* A command word as `nsbpf --help` lists it: what a completion generator reads. */
struct cli_cmd_doc {
	const char *name;	    /* the command word */
	const char *usage;	    /* "up FILE [--dry-run]" */
	const char *summary;	    /* one line */
	const struct cli_opt *opts; /* its options (sub-commands may add theirs) */
};

struct opts_parser {
	int argc; /* after the last opts_next(): argv[0], then the operands */
	char **argv;
	const char *arg; /* the value of the option just returned */
	const struct cli_opt *opts;
	const char *who;  /* "up", "forward add"; NULL for the global options */
	int max_operands; /* stop after this many operands (exec: LAB NODE); 0: all */
	int n;		  /* operands so far, moved down to argv[1..n] */
	char shorts[2 * CLI_OPTS_MAX + 3];
	struct option longs[CLI_OPTS_MAX + 1];
};

/*
 * Start parsing argv[1..] (argv[0] is the command word) against opts.
 * Options and operands may mix, as they always could (`status LAB --json`),
 * until max_operands operands are seen: everything after the last one is
 * left as it is, and a "--" ends the options.
 */
void opts_begin(struct opts_parser *p, int argc, char **argv, const struct cli_opt *opts,
		const char *who, int max_operands);

/*
 * The next option's val (its value in p->arg), or -1 at the end: then
 * p->argv[1..p->argc) are the operands in order and what follows them, and
 * p->argv[p->argc] is NULL. '?' after reporting an unknown option or a
 * missing value. -j/--json sets cli_opts.json and is not returned.
 */
int opts_next(struct opts_parser *p);

enum opts_result {
	OPTS_GO = 0,  /* *argc, argv: the command word and its operands */
	OPTS_HELP,    /* -h/--help was given */
	OPTS_VERSION, /* -V/--version was given (global options only) */
	OPTS_BAD,     /* a usage error, reported */
};

/* Parse a command whose options are only -j and -h. */
enum opts_result opts_parse(int *argc, char **argv, const struct cli_opt *opts, const char *who,
			    int max_operands);

/*
 * opts_parse() and what every command does with its result: -1 to go on
 * (*argc, argv: the command word and its operands), or the exit code after
 * showing help (-h) or a reported usage error.
 */
int opts_simple(int *argc, char **argv, const struct cli_opt *opts, const char *who,
		int max_operands, void (*help)(void));

/* The global options: nsbpf [-j] [-v...] [-n NAME] [-h] [-V] COMMAND ... */
extern const struct cli_opt opts_global_table[];

/*
 * Parse the global options up to the command word (getopt's "+": what
 * follows it is the command's); set cli_opts and log_verbosity. On OPTS_GO
 * argv[1] is the command word, if *argc > 1. cmds: to refuse `-n COMMAND`.
 */
enum opts_result opts_global(int *argc, char **argv, const struct nsb_cmd *cmds);

/* "  -n, --netns NAME          act in ..." for each row. */
void opts_print(FILE *f, const struct cli_opt *opts);
/* A command's own rows (not -j, -h) under its line of the top help, indented. */
void opts_print_cmd(FILE *f, const struct cli_opt *opts);

#endif /* NSBPF_CLI_OPTS_H */
