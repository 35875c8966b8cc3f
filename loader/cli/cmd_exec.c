// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* nsbpf exec LAB NODE [--] CMD [ARG...]: the command's exit status is ours. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	const struct lab_node *node;
	char hint[TOPO_NAME_MAX + 32];
	struct lab_info li;
	struct err_msg e;
	int cmd = 3, ret, err;

	/* Options stop at NODE: what follows is CMD's, untouched (`ip -j link`). */
	ret = opts_simple(&argc, argv, exec_opts, "exec", 2, exec_help);
	if (ret >= 0)
		return ret;
	if (argc > 3 && !strcmp(argv[3], "--"))
		cmd = 4;
	if (argc <= cmd) {
		cli_err("exec: usage: nsbpf exec LAB NODE [--] CMD [ARG...]");
		return EXIT_USAGE;
	}
	ret = cli_open_lab(argv[1], &li);
	if (ret)
		return ret;
	node = lab_node_find(&li, argv[2]);
	if (!node) {
		cli_err("lab %s has no node \"%s\"%s", argv[1], argv[2],
			cli_node_hint(&li, argv[2], hint, sizeof(hint)));
		lab_info_free(&li);
		return EXIT_USAGE;
	}
	setenv("NSBPF_LAB", li.name, 1);
	setenv("NSBPF_NODE", node->name, 1);
	ret = lab_exec_enter(node->netns, &e);
	lab_info_free(&li);
	if (ret) {
		cli_err("%s", e.text);
		return EXIT_FAIL;
	}
	execvp(argv[cmd], argv + cmd);
	err = errno;
	cli_err("exec %s: %s", argv[cmd], strerror(err));
	return err == ENOENT ? 127 : 126;
}
