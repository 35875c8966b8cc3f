// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nsbpf __complete CWORD WORD...: what the bash completion offers for
 * WORD[CWORD] (WORD[0] is "nsbpf"), one candidate a line, those that start
 * with the word typed so far. "@files" asks the script for file names,
 * "@commands" for command names.
 *
 * Everything comes from the tables the help and the parser read: the
 * command words and their usage from main.c's docs, the options from each
 * command's cli_opt table. A usage is a grammar: lowercase words separated
 * by '|' are literal sub-commands, uppercase ones are kinds (LAB, NODE,
 * NETWORK, MAP, FILE, CMD, NODE:PORT), "[X]" is optional, "X..." repeats.
 * A command whose row says only "sub|sub ..." has its forms below (and
 * down, whose LAB repeats); one with no forms here takes a LAB after its
 * sub-command, as all of ours do.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmds.h"
#include "lab/lab.h"
#include "lab/lab_pinned.h"

struct form {
	const char *usage; /* "nat on|off LAB NETWORK" */
	const struct cli_opt *opts;
};

static const struct form sub_forms[] = {
	{ "nat list|show LAB", nat_opts },
	{ "nat flush LAB", nat_opts },
	{ "nat on|off LAB NETWORK", nat_opts },
	{ "forward add LAB tcp|udp PORT NODE:PORT", forward_add_opts },
	{ "forward del LAB tcp|udp PORT", forward_add_opts },
	{ "forward list|show [LAB]", forward_opts },
	{ "down LAB...", down_opts },
	{ "map dump LAB [MAP]", map_opts },
	{ "map list", map_opts },
	{ NULL, NULL },
};

/* Option values no arg name spells out. */
static const struct {
	const char *opt;
	const char *values;
} opt_values[] = { { "attach", "auto|tcx|clsact" } };

#define TOK_MAX	  16
#define FORMS_MAX 16
#define LIT_MAX	  64

struct tok {
	char word[64]; /* without [ ] and ... */
	bool repeat;
};

struct ctx {
	char **w; /* the words, w[0] "nsbpf" */
	int n, cword;
	const char *cur;    /* w[cword], or "" past the end */
	const char *prefix; /* printed before each candidate ("--format=") */
	const char *lab;    /* the LAB the words name, if any */
	char lits[LIT_MAX][64];
	int nlits;
	unsigned int kinds;
};

enum kind {
	K_LAB = 1,
	K_NODE = 2,
	K_NETWORK = 4,
	K_MAP = 8,
	K_FILE = 16,
	K_CMD = 32,
	K_NODEPORT = 64
};

static void emit(const struct ctx *c, const char *s, const char *suffix)
{
	size_t len = strlen(c->cur);

	if (!strncmp(s, c->cur, len))
		printf("%s%s%s\n", c->prefix, s, suffix);
}

static void add_lit(struct ctx *c, const char *s)
{
	for (int i = 0; i < c->nlits; i++)
		if (!strcmp(c->lits[i], s))
			return;
	if (c->nlits < LIT_MAX)
		snprintf(c->lits[c->nlits++], sizeof(c->lits[0]), "%s", s);
}

static unsigned int kind_of(const char *word)
{
	static const struct {
		const char *name;
		unsigned int kind;
	} kinds[] = { { "LAB", K_LAB },		  { "NODE", K_NODE }, { "NETWORK", K_NETWORK },
		      { "MAP", K_MAP },		  { "FILE", K_FILE }, { "CMD", K_CMD },
		      { "NODE:PORT", K_NODEPORT } };

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kinds[i].name, word))
			return kinds[i].kind;
	return 0;
}

static bool is_literal(const char *word)
{
	return word[0] >= 'a' && word[0] <= 'z';
}

/* Does the typed word w match the token (a literal must be one of its words)? */
static bool tok_matches(const struct tok *t, const char *w)
{
	const char *p = t->word;
	size_t len = strlen(w);

	if (!is_literal(t->word))
		return true;
	for (;;) {
		size_t n = strcspn(p, "|");

		if (n == len && !strncmp(p, w, n))
			return true;
		if (!p[n])
			return false;
		p += n + 1;
	}
}

/* usage after its command word into toks; "..." alone becomes "LAB" (see the top). */
static int tokenize(const char *usage, struct tok *toks)
{
	char buf[256], *save = NULL, *s;
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", usage);
	s = strtok_r(buf, " ", &save); /* the command word */
	while ((s = strtok_r(NULL, " ", &save)) && n < TOK_MAX) {
		size_t len;

		if (s[0] == '-' || (s[0] == '[' && s[1] == '-'))
			continue; /* options come from the tables */
		s += strspn(s, "[{");
		len = strcspn(s, "]}");
		toks[n].repeat = len >= 3 && !strncmp(s + len - 3, "...", 3);
		if (toks[n].repeat)
			len -= 3;
		snprintf(toks[n].word, sizeof(toks[n].word), "%.*s", (int)len, s);
		if (!len)
			snprintf(toks[n].word, sizeof(toks[n].word), "LAB");
		n++;
	}
	return n;
}

/* The words of the token into c: literal alternatives, or its kinds. */
static void add_tok(struct ctx *c, const struct tok *t)
{
	const char *p = t->word;

	while (*p) {
		size_t n = strcspn(p, "|");
		char one[64];

		snprintf(one, sizeof(one), "%.*s", (int)n, p);
		if (is_literal(one))
			add_lit(c, one);
		else
			c->kinds |= kind_of(one);
		p += n + (p[n] ? 1 : 0);
	}
}

/* The forms of command d: its rows of sub_forms, or its own usage. */
static int forms_of(const struct cli_cmd_doc *d, struct form *out)
{
	size_t len = strlen(d->name);
	int n = 0;

	for (const struct form *f = sub_forms; f->usage && n < FORMS_MAX; f++)
		if (!strncmp(f->usage, d->name, len) && f->usage[len] == ' ')
			out[n++] = *f;
	if (!n)
		out[n++] = (struct form){ d->usage, d->opts };
	return n;
}

/* The option a word names ("--format", "--format=dot", "-f") in tabs, or NULL. */
static const struct cli_opt *opt_named(const struct cli_opt *const *tabs, int ntabs, const char *w)
{
	size_t len = strcspn(w + 2, "=");

	for (int t = 0; t < ntabs; t++)
		for (const struct cli_opt *o = tabs[t]; o && (o->name || o->val); o++) {
			if (w[1] == '-' && o->name && strlen(o->name) == len &&
			    !strncmp(o->name, w + 2, len))
				return o;
			if (w[1] != '-' && o->val == w[1] && o->val < 256)
				return o;
		}
	return NULL;
}

static void list_netns(const struct ctx *c)
{
	DIR *d = opendir("/run/netns");
	struct dirent *de;

	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.')
			emit(c, de->d_name, "");
	if (d)
		closedir(d);
}

/* The value of option o: its arg's words ("mermaid|dot"), a kind, or a known list. */
static void opt_value(struct ctx *c, const struct cli_opt *o)
{
	struct tok t = { .repeat = false };

	snprintf(t.word, sizeof(t.word), "%s", o->arg);
	for (size_t i = 0; o->name && i < sizeof(opt_values) / sizeof(opt_values[0]); i++)
		if (!strcmp(opt_values[i].opt, o->name))
			snprintf(t.word, sizeof(t.word), "%s", opt_values[i].values);
	if (!strcmp(t.word, "NAME"))
		list_netns(c); /* -n NAME */
	else
		add_tok(c, &t);
}

static void emit_opts(const struct ctx *c, const struct cli_opt *const *tabs, int ntabs)
{
	char s[72];

	for (int t = 0; t < ntabs; t++)
		for (const struct cli_opt *o = tabs[t]; o && (o->name || o->val); o++) {
			if (o->name)
				snprintf(s, sizeof(s), "--%s", o->name);
			else
				snprintf(s, sizeof(s), "-%c", o->val);
			emit(c, s, "");
		}
}

static void emit_nodes(const struct ctx *c, bool networks, const char *suffix)
{
	struct lab_info li;

	if (!c->lab || lab_info_read(c->lab, &li))
		return;
	for (size_t i = 0; !networks && i < li.n_nodes; i++)
		emit(c, li.nodes[i].name, suffix);
	for (size_t i = 0; networks && i < li.n_nets; i++)
		emit(c, li.nets[i].name, "");
	lab_info_free(&li);
}

static void emit_names(const struct ctx *c, bool maps)
{
	struct lab_names names;

	if (maps ? (!c->lab || lab_pinned_maps(c->lab, &names)) : lab_list(&names, NULL))
		return;
	for (size_t i = 0; i < names.n; i++)
		emit(c, names.name[i], "");
	lab_names_free(&names);
}

/* Everything gathered in c, each kind once. */
static void emit_all(const struct ctx *c)
{
	for (int i = 0; i < c->nlits; i++)
		emit(c, c->lits[i], "");
	if (c->kinds & K_LAB)
		emit_names(c, false);
	if (c->kinds & K_MAP)
		emit_names(c, true);
	if (c->kinds & (K_NODE | K_NODEPORT))
		emit_nodes(c, false, c->kinds & K_NODEPORT ? ":" : "");
	if (c->kinds & K_NETWORK)
		emit_nodes(c, true, "");
	if (c->kinds & K_FILE)
		printf("@files\n");
	if (c->kinds & K_CMD)
		printf("@commands\n");
}

/*
 * Positional words pos[0..npos) typed so far against form f: when they fit,
 * its token at npos goes into c (and the LAB they name into c->lab).
 */
static bool match_form(struct ctx *c, const struct form *f, char **pos, int npos, bool add)
{
	struct tok toks[TOK_MAX];
	int n = tokenize(f->usage, toks), i;
	const char *lab = NULL;

	for (i = 0; i < npos; i++) {
		const struct tok *t = &toks[i < n ? i : n - 1];

		if (!n || (i >= n && !t->repeat) || !tok_matches(t, pos[i]))
			return false;
		if (!lab && strstr(t->word, "LAB") && !is_literal(t->word))
			lab = pos[i];
	}
	if (lab)
		c->lab = lab;
	if (!add)
		return true;
	if (npos < n) {
		add_tok(c, &toks[npos]);
	} else if (n && toks[n - 1].repeat) {
		struct tok t = toks[n - 1];

		if (kind_of(t.word) == K_CMD)
			snprintf(t.word, sizeof(t.word), "FILE"); /* CMD's own arguments */
		add_tok(c, &t);
	}
	return true;
}

/* The value of option o: --node NODE needs the LAB of the words before it. */
static void opt_value_after(struct ctx *c, const struct form *forms, int nf, char **pos, int npos,
			    const struct cli_opt *o)
{
	for (int f = 0; f < nf && !c->lab; f++)
		match_form(c, &forms[f], pos, npos, false);
	opt_value(c, o);
}

/* The options of d and of the forms the words fit, each table once. */
static void emit_form_opts(struct ctx *c, const struct cli_cmd_doc *d, const struct form *forms,
			   int nf, char **pos, int npos)
{
	const struct cli_opt *tabs[FORMS_MAX + 1];
	int nt = 0;

	tabs[nt++] = d->opts;
	for (int f = 0; f < nf; f++) {
		bool have = false;

		for (int t = 0; t < nt; t++)
			have |= tabs[t] == forms[f].opts;
		if (!have && match_form(c, &forms[f], pos, npos, false))
			tabs[nt++] = forms[f].opts;
	}
	emit_opts(c, tabs, nt);
}

/* Words after the command word ci: positionals, options; the word at cword is completed. */
static void complete_cmd(struct ctx *c, const struct cli_cmd_doc *d, int ci)
{
	const struct cli_opt *tabs[FORMS_MAX + 1];
	struct form forms[FORMS_MAX];
	int nf = forms_of(d, forms), nt = 0, npos = 0;
	char *pos[64];
	bool dashdash = false;

	tabs[nt++] = d->opts;
	for (int f = 0; f < nf; f++)
		if (forms[f].opts != d->opts)
			tabs[nt++] = forms[f].opts;
	for (int i = ci + 1; i < c->cword; i++) {
		const char *w = c->w[i];
		const struct cli_opt *o;

		if (dashdash || w[0] != '-' || !w[1]) {
			if (npos < 64)
				pos[npos++] = c->w[i];
			continue;
		}
		dashdash = !strcmp(w, "--");
		o = dashdash ? NULL : opt_named(tabs, nt, w);
		if (o && o->arg && !strchr(w, '=') && ++i == c->cword)
			return opt_value_after(c, forms, nf, pos, npos,
					       o); /* the word is its value */
	}
	if (!dashdash && c->cur[0] == '-') {
		const struct cli_opt *o = opt_named(tabs, nt, c->cur);
		const char *eq = strchr(c->cur, '=');

		if (o && o->arg && eq && c->cur[1] == '-') {
			static char prefix[80];

			snprintf(prefix, sizeof(prefix), "%.*s", (int)(eq - c->cur + 1), c->cur);
			c->prefix = prefix;
			c->cur = eq + 1;
			return opt_value_after(c, forms, nf, pos, npos, o);
		}
		return emit_form_opts(c, d, forms, nf, pos, npos);
	}
	for (int f = 0; f < nf; f++)
		match_form(c, &forms[f], pos, npos, true);
}

/* The command word's index, past the global options; -1 when the word at cword is before it. */
static int command_index(struct ctx *c)
{
	const struct cli_opt *tabs[] = { opts_global_table };

	for (int i = 1; i < c->cword; i++) {
		const char *w = c->w[i];
		const struct cli_opt *o;

		if (w[0] != '-' || !w[1])
			return i;
		o = opt_named(tabs, 1, w);
		/* "--netns NAME", "-n NAME"; not "--netns=NAME" nor "-nNAME" */
		if (o && o->arg && !strchr(w, '=') && (w[1] == '-' || !w[2]) && ++i == c->cword) {
			opt_value(c, o);
			return -2; /* done: the value of -n */
		}
	}
	return -1;
}

int cli_complete(const struct cli_cmd_doc *docs, int argc, char **argv)
{
	const struct cli_opt *tabs[] = { opts_global_table };
	struct ctx c = { .prefix = "" };
	int ci;

	if (argc < 3)
		return EXIT_USAGE;
	c.w = argv + 2;
	c.n = argc - 2;
	c.cword = atoi(argv[1]);
	if (c.cword < 1 || c.cword > c.n)
		return EXIT_USAGE;
	c.cur = c.cword < c.n ? c.w[c.cword] : "";
	ci = command_index(&c);
	if (ci == -1 && c.cur[0] == '-') {
		emit_opts(&c, tabs, 1);
	} else if (ci == -1) {
		for (const struct cli_cmd_doc *d = docs; d->name; d++)
			emit(&c, d->name, "");
	} else if (ci >= 0) {
		for (const struct cli_cmd_doc *d = docs; d->name; d++)
			if (!strcmp(d->name, c.w[ci]))
				complete_cmd(&c, d, ci);
	}
	emit_all(&c);
	return EXIT_OK;
}
