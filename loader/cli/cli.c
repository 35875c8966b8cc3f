// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Command dispatch and error reporting shared by every command. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/out.h"
#include "lab/lab.h"
#include "lab/rules.h"
#include "topo/topo.h"
#include "util/log.h"

struct cli_opts cli_opts;

int cli_dispatch(const struct nsb_cmd *cmds, const char *object, int argc, char **argv)
{
	const struct nsb_cmd *c;

	if (argc < 1)
		return cmds[0].fn(argc, argv);
	for (c = cmds; c->name; c++)
		if (!strcmp(c->name, argv[0]))
			return c->fn(argc, argv);
	cli_err("%s: unknown command \"%s\" (try \"nsbpf %s help\")", object, argv[0], object);
	return EXIT_USAGE;
}

void cli_err(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (cli_opts.json) {
		struct out o;

		out_begin(&o, stdout, true);
		out_obj_open(&o, NULL);
		out_str(&o, "error", buf);
		out_obj_close(&o);
		out_end(&o);
	}
	fprintf(stderr, "nsbpf: %s\n", buf);
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

int cli_lab_is_up(const char *lab)
{
	if (cli_check_lab(lab))
		return EXIT_USAGE;
	if (!lab_exists(lab)) {
		cli_err("lab %s is not up", lab);
		return EXIT_FAIL;
	}
	cli_recover_lab(lab);
	return 0;
}

void cli_report_undone(const char *lab, size_t n)
{
	if (n)
		pr_warn("lab %s: undid an interrupted forward batch of %zu forward%s\n", lab, n,
			n == 1 ? "" : "s");
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
		cli_err("lab %s is not up", lab);
		return EXIT_FAIL;
	}
	if (lab_check_here(li, &e)) {
		cli_err("%s", e.text);
		lab_info_free(li);
		return EXIT_FAIL;
	}
	return 0;
}
