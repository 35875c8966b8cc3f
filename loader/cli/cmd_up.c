// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* nsbpf up FILE [--dry-run] [--force] [--attach auto|tcx|clsact] */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmds.h"
#include "lab/datapath.h"
#include "lab/lab.h"
#include "topo/topo.h"

static void up_help(void)
{
	printf("usage: nsbpf up FILE [--dry-run] [--force] [--attach MODE] [--exec-timeout SECONDS]\n"
	       "\n"
	       "Validate the topology FILE, on its own and against this host (the uplink,\n"
	       "its subnet and default gateway, the forwards' addresses and ports), then\n"
	       "create the lab: one network namespace per node (/run/netns/LAB-NODE), a\n"
	       "veth pair per node (host end LAB-NODE, eth0 in the node), addresses and\n"
	       "routes, the eBPF datapath, then the nodes' exec commands. Any failure\n"
	       "rolls back what this run created.\n"
	       "On a lab that is up with the same topology, the programs are replaced in\n"
	       "place and the maps kept.\n"
	       "\n"
	       "  --dry-run        print what would be created, change nothing\n"
	       "  --force          install the file's forwards on ports the host's own\n"
	       "                   sockets have (as nsbpf forward add --force)\n"
	       "  --attach MODE    auto (default: clsact on the nodes' host ends, a tcx link\n"
	       "                   on the uplink where the kernel has tcx), tcx, clsact;\n"
	       "                   the default can also come from $NSBPF_ATTACH\n"
	       "  --exec-timeout S seconds each exec command may take (default 60)\n"
	       "\n"
	       "MODE := auto | tcx | clsact\n");
}

int cmd_report_topo_errors(const struct topo_errors *errs)
{
	for (size_t i = 0; i < errs->n; i++)
		cli_err("%s", errs->msgs[i]);
	return EXIT_USAGE;
}

int cmd_up(int argc, char **argv)
{
	struct up_opts o = { .attach = ATTACH_AUTO, .exec_timeout_s = 60 };
	struct topo_errors errs = { 0 };
	const char *file = NULL, *env = getenv("NSBPF_ATTACH");
	struct topo *t = NULL;
	int ret;

	if (cli_wants_help(argc, argv)) {
		up_help();
		return EXIT_OK;
	}
	if (env && *env && attach_mode_parse(env, &o.attach)) {
		cli_err("NSBPF_ATTACH=%s: expected auto, tcx or clsact", env);
		return EXIT_USAGE;
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dry-run")) {
			o.dry_run = true;
		} else if (!strcmp(argv[i], "--force")) {
			o.force = true;
		} else if (!strcmp(argv[i], "--attach") && i + 1 < argc) {
			if (attach_mode_parse(argv[++i], &o.attach)) {
				cli_err("up: --attach %s: expected auto, tcx or clsact", argv[i]);
				return EXIT_USAGE;
			}
		} else if (!strcmp(argv[i], "--exec-timeout") && i + 1 < argc) {
			char *end;

			o.exec_timeout_s = (int)strtol(argv[++i], &end, 10);
			if (*end || o.exec_timeout_s <= 0) {
				cli_err("up: --exec-timeout %s: expected seconds > 0", argv[i]);
				return EXIT_USAGE;
			}
		} else if (argv[i][0] == '-' && argv[i][1]) {
			cli_err("up: unknown option %s (try \"nsbpf up --help\")", argv[i]);
			return EXIT_USAGE;
		} else if (!file) {
			file = argv[i];
		} else {
			cli_err("up: one topology file at a time (got %s and %s)", file, argv[i]);
			return EXIT_USAGE;
		}
	}
	if (!file) {
		cli_err("up: missing FILE (try \"nsbpf up --help\")");
		return EXIT_USAGE;
	}
	if (topo_load(file, &t, &errs)) {
		ret = cmd_report_topo_errors(&errs);
		topo_errors_free(&errs);
		return ret;
	}
	topo_errors_free(&errs);
	if (!o.dry_run && geteuid() != 0) {
		cli_err("up: needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN, CAP_BPF)");
		topo_free(t);
		return EXIT_FAIL;
	}
	ret = lab_up(t, &o);
	topo_free(t);
	return ret;
}
