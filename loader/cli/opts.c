// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The getopt_long loop every command parses with, and the global options. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/opts.h"
#include "util/log.h"

static bool opt_is_short(const struct cli_opt *o)
{
	return o->val > 0 && o->val < 256;
}

void opts_begin(struct opts_parser *p, int argc, char **argv, const struct cli_opt *opts,
		const char *who, int max_operands)
{
	int n = 0, nlong = 0;
	char *s;

	memset(p, 0, sizeof(*p));
	p->argc = argc;
	p->argv = argv;
	p->opts = opts;
	p->who = who;
	p->max_operands = max_operands;
	/* "+": stop at each operand (opts_next() takes it and goes on); ":": we report */
	s = p->shorts;
	*s++ = '+';
	*s++ = ':';
	for (const struct cli_opt *o = opts; (o->name || o->val) && n < CLI_OPTS_MAX; o++, n++) {
		if (opt_is_short(o)) {
			*s++ = (char)o->val;
			if (o->arg)
				*s++ = ':';
		}
		if (o->name)
			p->longs[nlong++] =
				(struct option){ o->name, o->arg ? required_argument : no_argument,
						 NULL, o->val };
	}
	*s = '\0';
	optind = 0; /* glibc and musl: start over, even after a parse that stopped early */
	opterr = 0;
}

static const struct cli_opt *opt_find(const struct opts_parser *p, int val)
{
	for (const struct cli_opt *o = p->opts; o->name || o->val; o++)
		if (o->val == val)
			return o;
	return NULL;
}

/* getopt said '?' or ':' about the word argv[at]: say it as the commands always have. */
static void opt_report(const struct opts_parser *p, int c, int at)
{
	const char *word = p->argv[at];
	const struct cli_opt *o = opt_find(p, optopt);
	char name[64], why[96];

	if (!strncmp(word, "--", 2))
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(word, "="), word);
	else
		snprintf(name, sizeof(name), "-%c", optopt);
	if (c == ':')
		snprintf(why, sizeof(why), "option %s needs %s", name,
			 o && o->arg ? o->arg : "a value");
	else if (optopt && o) /* --json=x: a known flag given a value */
		snprintf(why, sizeof(why), "option %s takes no value", name);
	else
		snprintf(why, sizeof(why), "unknown option %s", name);
	if (p->who)
		cli_err("%s: %s (try \"nsbpf %s --help\")", p->who, why, p->who);
	else
		cli_err("%s (try \"nsbpf --help\")", why);
}

/* Move argv[from..argc) down after the operands and end argv with NULL. */
static void opts_keep_rest(struct opts_parser *p, int from)
{
	int to = p->n + 1;

	while (from < p->argc)
		p->argv[to++] = p->argv[from++];
	p->argc = to;
	p->argv[to] = NULL;
}

int opts_next(struct opts_parser *p)
{
	if (p->argc < 1)
		return -1; /* no command word: a sub-command table's default row */
	for (;;) {
		int at = optind ? optind : 1;
		int c = getopt_long(p->argc, p->argv, p->shorts, p->longs, NULL);

		if (c == 'j') {
			cli_opts.json = true;
			continue;
		}
		if (c == '?' || c == ':') {
			opt_report(p, c, at);
			return '?';
		}
		if (c != -1) {
			p->arg = optarg;
			return c;
		}
		/* The end, a "--" (getopt stepped over it) or an operand: take it, go on. */
		if (optind >= p->argc || optind > at)
			break;
		p->argv[++p->n] = p->argv[optind++];
		if (p->n == p->max_operands)
			break;
	}
	opts_keep_rest(p, optind);
	return -1;
}

enum opts_result opts_parse(int *argc, char **argv, const struct cli_opt *opts, const char *who,
			    int max_operands)
{
	struct opts_parser p;
	int c;

	opts_begin(&p, *argc, argv, opts, who, max_operands);
	c = opts_next(&p);
	if (c == 'h')
		return OPTS_HELP;
	if (c != -1)
		return OPTS_BAD; /* '?', reported: these tables hold -j and -h only */
	*argc = p.argc;
	return OPTS_GO;
}

int opts_simple(int *argc, char **argv, const struct cli_opt *opts, const char *who,
		int max_operands, void (*help)(void))
{
	switch (opts_parse(argc, argv, opts, who, max_operands)) {
	case OPTS_GO:
		return -1;
	case OPTS_HELP:
		help();
		return EXIT_OK;
	default:
		return EXIT_USAGE;
	}
}

const struct cli_opt opts_global_table[] = {
	{ "json", 'j', NULL, "JSON output (also accepted after the command)" },
	{ NULL, 'v', NULL, "more messages (-vv: libbpf, -vvv: libbpf debug)" },
	{ "netns", 'n', "NAME", "act in network namespace /run/netns/NAME" },
	{ "help", 'h', NULL, "this help; \"nsbpf COMMAND --help\" for a command" },
	{ "version", 'V', NULL, "print the version" },
	{ 0 }
};

/* `nsbpf -n status` is a forgotten NAME, not a namespace called "status". */
static bool netns_refused(const char *netns, bool has_cmd, const struct nsb_cmd *cmds)
{
	if (!*netns || netns[0] == '-') {
		cli_err("option -n needs a namespace, not \"%s\" (nsbpf -n NAME COMMAND)", netns);
		return true;
	}
	for (; cmds && cmds->name && !has_cmd; cmds++)
		if (!strcmp(cmds->name, netns)) {
			cli_err("option -n needs a namespace: \"%s\" is a command "
				"(nsbpf -n NAME %s)",
				netns, netns);
			return true;
		}
	return false;
}

enum opts_result opts_global(int *argc, char **argv, const struct nsb_cmd *cmds)
{
	const char *netns = NULL;
	struct opts_parser p;
	int c;

	opts_begin(&p, *argc, argv, opts_global_table, NULL, 1);
	while ((c = opts_next(&p)) != -1) {
		switch (c) {
		case 'v':
			log_verbosity++;
			break;
		case 'n':
			netns = p.arg;
			break;
		case 'h':
			return OPTS_HELP;
		case 'V':
			return OPTS_VERSION;
		default:
			return OPTS_BAD;
		}
	}
	*argc = p.argc;
	if (netns && netns_refused(netns, p.argc > 1, cmds))
		return OPTS_BAD;
	if (netns)
		cli_opts.netns = netns;
	return OPTS_GO;
}

static void opt_print(FILE *f, const struct cli_opt *o, const char *indent)
{
	char left[64];
	int n = 0;

	if (opt_is_short(o))
		n = snprintf(left, sizeof(left), "-%c%s", o->val, o->name ? ", " : "");
	snprintf(left + n, sizeof(left) - (size_t)n, "%s%s%s%s", o->name ? "--" : "",
		 o->name ? o->name : "", o->arg ? " " : "", o->arg ? o->arg : "");
	fprintf(f, "%s%-*s  %s\n", indent, 26 - (int)strlen(indent), left, o->help);
}

void opts_print(FILE *f, const struct cli_opt *opts)
{
	for (const struct cli_opt *o = opts; o->name || o->val; o++)
		opt_print(f, o, "  ");
}

void opts_print_cmd(FILE *f, const struct cli_opt *opts)
{
	for (const struct cli_opt *o = opts; o && (o->name || o->val); o++)
		if (o->val != 'j' && o->val != 'h')
			opt_print(f, o, "      ");
}
