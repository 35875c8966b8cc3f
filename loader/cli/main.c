// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* nsbpf [-j|--json] [-v] [-n NETNS] COMMAND [ARGS]: global options, dispatch. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmds.h"
#include "cli/opts.h"
#include "util/log.h"
#include "sys/netns.h"

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);
static int cmd_complete(int argc, char **argv);

static const struct nsb_cmd main_cmds[] = { { "help", cmd_help },
					    { "up", cmd_up },
					    { "down", cmd_down },
					    { "status", cmd_status },
					    { "show", cmd_status },
					    { "exec", cmd_exec },
					    { "stats", cmd_stats },
					    { "nat", cmd_nat },
					    { "forward", cmd_forward },
					    { "forwards", cmd_forward },
					    { "version", cmd_version },
					    { "graph", cmd_graph },
					    { "map", cmd_map },
					    { "monitor", cmd_monitor },
					    { "__complete", cmd_complete },
					    { NULL } };

/* The commands as the help lists them, with their options: a completion generator reads this. */
static const struct cli_cmd_doc main_docs[] = {
	{ "up", "up FILE [OPTIONS]", "validate and create a lab (re-up: replace programs)",
	  up_opts },
	{ "down", "down LAB...", "remove everything the lab created", down_opts },
	{ "status", "status [LAB]", "labs, nodes, addresses, MACs, states, attach mode",
	  status_opts },
	{ "exec", "exec LAB NODE [--] CMD...", "run a command inside a node", exec_opts },
	{ "stats", "stats LAB", "datapath counters per path and drop reason", stats_opts },
	{ "nat", "nat list|flush|on|off ...", "masqueraded flows; masquerade per network",
	  nat_opts },
	{ "forward", "forward add|del|list ...", "port forwards of a running lab",
	  forward_add_opts },
	{ "graph", "graph FILE|LAB", "draw a file or a lab (mermaid, dot)", graph_opts },
	{ "map", "map dump LAB [MAP]", "a lab's pinned maps, decoded", map_opts },
	{ "monitor", "monitor LAB [--type T]", "drops and new flows as they happen", monitor_opts },
	{ "version", "version", "print the version", NULL },
	{ NULL }
};

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("usage: nsbpf [OPTIONS] COMMAND [ARGS]\n"
	       "\n"
	       "Network-namespace labs from one topology file, with an eBPF datapath.\n"
	       "\n"
	       "commands:\n");
	for (const struct cli_cmd_doc *d = main_docs; d->name; d++) {
		printf("  %-24s  %s\n", d->usage, d->summary);
		opts_print_cmd(stdout, d->opts);
	}
	printf("\noptions:\n");
	opts_print(stdout, opts_global_table);
	printf("\nexit status: 0 ok, 1 the operation failed, 2 bad usage or invalid input\n");
	return EXIT_OK;
}

/* Hidden (not in main_docs): the generator the bash completion calls. */
static int cmd_complete(int argc, char **argv)
{
	return cli_complete(main_docs, argc, argv);
}

static int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (cli_opts.json)
		printf("{\"version\":\"%s\"}\n", NSBPF_VERSION);
	else
		printf("nsbpf %s\n", NSBPF_VERSION);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	char hint[64];

	switch (opts_global(&argc, argv, main_cmds)) {
	case OPTS_GO:
		break;
	case OPTS_HELP:
		return cmd_help(0, NULL);
	case OPTS_VERSION:
		return cmd_version(0, NULL);
	default:
		return cli_finish(EXIT_USAGE);
	}
	if (argc < 2) {
		if (cli_opts.json)
			cli_err("missing COMMAND (try \"nsbpf --help\")");
		else
			cmd_help(0, NULL);
		return cli_finish(EXIT_USAGE);
	}
	log_setup_libbpf();
	if (cli_opts.netns) {
		int err = netns_switch(cli_opts.netns);

		if (err) {
			cli_err("-n %s: %s", cli_opts.netns, strerror(-err));
			return cli_finish(EXIT_FAIL);
		}
	}
	/* argv[1] is the command word: what follows is the command's own. */
	for (const struct nsb_cmd *c = main_cmds; c->name; c++)
		if (!strcmp(c->name, argv[1]))
			return cli_finish(c->fn(argc - 1, argv + 1));
	cli_err("unknown command \"%s\"%s (try \"nsbpf --help\")", argv[1],
		cli_cmd_hint(main_cmds, argv[1], hint, sizeof(hint)));
	return cli_finish(EXIT_USAGE);
}
