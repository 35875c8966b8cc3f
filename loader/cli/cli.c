// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Command dispatch and error reporting shared by every command. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "lab/lab.h"
#include "lab/rules.h"
#include "topo/topo.h"
#include "util/hint.h"
#include "util/log.h"
#include "util/plural.h"

struct cli_opts cli_opts;

int cli_dispatch(const struct nsb_cmd *cmds, const char *object, int argc, char **argv)
{
	const struct nsb_cmd *c;
	char hint[96];

	if (argc < 1)
		return cmds[0].fn(argc, argv);
	for (c = cmds; c->name; c++)
		if (!strcmp(c->name, argv[0]))
			return c->fn(argc, argv);
	cli_err("%s: unknown command \"%s\"%s (try \"nsbpf %s help\")", object, argv[0],
		cli_cmd_hint(cmds, argv[0], hint, sizeof(hint)), object);
	return EXIT_USAGE;
}

const char *cli_cmd_hint(const struct nsb_cmd *cmds, const char *word, char *buf, size_t len)
{
	struct hint h;

	hint_init(&h, word);
	for (; cmds->name; cmds++)
		hint_try(&h, cmds->name);
	return hint_str(&h, buf, len);
}

int cli_usage(const char *who, const char *usage, void (*help)(void))
{
	if (!cli_opts.json) {
		help();
		return EXIT_USAGE;
	}
	cli_err("%s: usage: %s", who, usage);
	return EXIT_USAGE;
}

void cli_say(const char *fmt, ...)
{
	va_list ap;

	if (cli_opts.json)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

int cli_check_lab(const char *lab)
{
	if (topo_parse_name(lab) || strlen(lab) >= TOPO_NAME_MAX) {
		cli_err("\"%s\" is not a lab name: [a-z0-9-], starting and ending with a letter or digit",
			lab);
		return -1;
	}
	return 0;
}

const char *cli_lab_hint(const char *lab, char *buf, size_t len)
{
	struct lab_names labs;
	struct hint h;

	buf[0] = '\0';
	if (lab_list(&labs, NULL))
		return buf;
	hint_init(&h, lab);
	for (size_t i = 0; i < labs.n; i++)
		hint_try(&h, labs.name[i]);
	hint_str(&h, buf, len);
	lab_names_free(&labs);
	return buf;
}

int cli_lab_is_up(const char *lab)
{
	char hint[TOPO_NAME_MAX + 32];

	if (cli_check_lab(lab))
		return EXIT_USAGE;
	if (!lab_exists(lab)) {
		cli_err("lab %s is not up%s", lab, cli_lab_hint(lab, hint, sizeof(hint)));
		return EXIT_FAIL;
	}
	cli_recover_lab(lab);
	return 0;
}

void cli_report_undone(const char *lab, size_t n)
{
	if (n)
		pr_warn("lab %s: undid an interrupted forward batch of %zu %s\n", lab, n,
			plural(n, "forward", "forwards"));
}

void cli_recover_lab(const char *lab)
{
	struct err_msg e;
	size_t n = 0;

	/* Failing, the journal stays: forward add|del refuse until it is undone. */
	if (rules_forwards_recover(lab, &n, &e))
		pr_warn("%s\n", e.text);
	cli_report_undone(lab, n);
}

int cli_open_lab(const char *lab, struct lab_info *li)
{
	int ret = cli_lab_is_up(lab);
	struct err_msg e;

	if (ret)
		return ret;
	if (lab_info_read(lab, li)) {
		cli_err("lab %s is partly up (interrupted?): \"nsbpf down %s\" cleans it up", lab,
			lab);
		return EXIT_FAIL;
	}
	if (lab_check_here(li, &e)) {
		cli_err("%s", e.text);
		lab_info_free(li);
		return EXIT_FAIL;
	}
	return 0;
}

const char *cli_node_hint(const struct lab_info *li, const char *node, char *buf, size_t len)
{
	struct hint h;

	hint_init(&h, node);
	for (size_t i = 0; i < li->n_nodes; i++)
		hint_try(&h, li->nodes[i].name);
	return hint_str(&h, buf, len);
}

const char *cli_net_hint(const struct lab_info *li, const char *net, char *buf, size_t len)
{
	struct hint h;

	hint_init(&h, net);
	for (size_t i = 0; i < li->n_nets; i++)
		hint_try(&h, li->nets[i].name);
	return hint_str(&h, buf, len);
}
