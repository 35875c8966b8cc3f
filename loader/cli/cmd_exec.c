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

int cmd_exec(int argc, char **argv)
{
	struct lab_info li;
	int cmd = 3, ret;

	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		exec_help();
		return EXIT_OK;
	}
	if (argc > 3 && !strcmp(argv[3], "--"))
		cmd = 4;
	if (argc <= cmd) {
		cli_err("exec: usage: nsbpf exec LAB NODE [--] CMD [ARG...]");
		return EXIT_USAGE;
	}
	ret = cli_open_lab(argv[1], &li);
	if (ret)
		return ret;
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
