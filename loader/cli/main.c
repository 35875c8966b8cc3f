// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* nsbpf [-j|--json] [-v] [-n NETNS] COMMAND [ARGS]: global options, dispatch. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmds.h"
#include "util/log.h"
#include "sys/netns.h"

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const struct nsb_cmd main_cmds[] = {
	{ "help", cmd_help },
	{ "up", cmd_up },
	{ "down", cmd_down },
	{ "status", cmd_status }, { "show", cmd_status },
	{ "exec", cmd_exec },
	{ "stats", cmd_stats },
	{ "nat", cmd_nat },
	{ "forward", cmd_forward }, { "forwards", cmd_forward },
	{ "version", cmd_version },
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
	       "commands:\n"
	       "  up FILE [--dry-run]       validate and create a lab (re-up: replace programs)\n"
	       "  down LAB                  remove everything the lab created\n"
	       "  status [LAB]              labs, nodes, addresses, MACs, states, attach mode\n"
	       "  exec LAB NODE -- CMD...   run a command inside a node\n"
	       "  stats LAB                 datapath counters per path and drop reason\n"
	       "  nat list|flush|on|off ...  masqueraded flows; masquerade per network\n"
	       "  forward add|del|list ...  port forwards of a running lab\n"
	       "  version                   print the version\n"
	       "\n"
	       "options:\n"
	       "  -j, --json                JSON output (also accepted after the command)\n"
	       "  -v                        more messages (-vv: libbpf, -vvv: libbpf debug)\n"
	       "  -n, --netns NAME          act in network namespace /run/netns/NAME\n"
	       "  -h, --help                this help; \"nsbpf COMMAND --help\" for a command\n"
	       "  -V, --version             print the version\n"
	       "\n"
	       "exit status: 0 ok, 1 the operation failed, 2 bad usage or invalid input\n");
	return EXIT_OK;
}

static int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("nsbpf %s\n", NSBPF_VERSION);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			cli_opts.json = true;
		} else if (a[1] == 'v' && strspn(a + 1, "v") == strlen(a + 1)) {
			log_verbosity += (int)strlen(a + 1);
		} else if ((!strcmp(a, "-n") || !strcmp(a, "--netns")) && i + 1 < argc) {
			cli_opts.netns = argv[++i];
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			return cmd_help(0, NULL);
		} else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
			return cmd_version(0, NULL);
		} else {
			cli_err("unknown option %s (try \"nsbpf --help\")", a);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		cmd_help(0, NULL);
		return EXIT_USAGE;
	}
	log_setup_libbpf();
	if (cli_opts.netns) {
		int err = netns_switch(cli_opts.netns);

		if (err) {
			cli_err("-n %s: %s", cli_opts.netns, strerror(-err));
			return EXIT_FAIL;
		}
	}
	argc = cli_common_flags(argc - i, argv + i);
	argv += i;
	for (const struct nsb_cmd *c = main_cmds; c->name; c++)
		if (!strcmp(c->name, argv[0]))
			return c->fn(argc, argv);
	cli_err("unknown command \"%s\" (try \"nsbpf --help\")", argv[0]);
	return EXIT_USAGE;
}
