// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* nsbpf exec LAB NODE [--] CMD [ARG...]: the command's exit status is ours. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmds.h"
#include "lab/lab.h"

static void exec_help(void)
{
	printf("usage: nsbpf exec LAB NODE [--] CMD [ARG...]\n"
	       "\n"
	       "Run CMD inside the node's network namespace (with a /sys of its own, as\n"
	       "`ip netns exec` does). Standard input and output pass through; the exit\n"
	       "status is the command's.\n");
}

const struct cli_opt exec_opts[] = { CLI_OPT_JSON, CLI_OPT_HELP, { 0 } };

int cmd_exec(int argc, char **argv)
{
	struct lab_info li;
	int cmd = 3, ret;

	/* Options stop at NODE: what follows is CMD's, untouched (`ip -j link`). */
	switch (opts_parse(&argc, argv, exec_opts, "exec", 2)) {
	case OPTS_GO:
		break;
	case OPTS_HELP:
		exec_help();
		return EXIT_OK;
	default:
		return EXIT_USAGE;
	}
	if (argc > 3 && !strcmp(argv[3], "--"))
		cmd = 4;
	if (argc <= cmd) {
		cli_err("exec: usage: nsbpf exec LAB NODE [--] CMD [ARG...]");
		return EXIT_USAGE;
	}
	if (cli_check_lab(argv[1]))
		return EXIT_USAGE;
	if (lab_info_read(argv[1], &li)) {
		cli_err("lab %s is not up", argv[1]);
		return EXIT_FAIL;
	}
	ret = EXIT_FAIL;
	if (lab_check_hostns(&li))
		goto out;
	for (size_t i = 0; i < li.n_nodes; i++) {
		if (strcmp(li.nodes[i].name, argv[2]))
			continue;
		setenv("NSBPF_LAB", li.name, 1);
		setenv("NSBPF_NODE", li.nodes[i].name, 1);
		ret = lab_exec_argv(li.nodes[i].netns, argv + cmd);
		goto out;
	}
	cli_err("lab %s has no node \"%s\"", argv[1], argv[2]);
	ret = EXIT_USAGE;
out:
	lab_info_free(&li);
	return ret;
}
