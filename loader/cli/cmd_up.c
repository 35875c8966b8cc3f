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
	       "  --attach MODE    auto (default: tcx links when the kernel has them), tcx,\n"
	       "                   clsact; the default can also come from $NSBPF_ATTACH\n"
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

enum { UP_DRY_RUN = 256, UP_FORCE, UP_ATTACH, UP_EXEC_TIMEOUT };

const struct cli_opt up_opts[] = {
	{ "dry-run", UP_DRY_RUN, NULL, "print what would be created, change nothing" },
	{ "force", UP_FORCE, NULL, "install forwards on ports host sockets have" },
	{ "attach", UP_ATTACH, "MODE", "auto, tcx or clsact (default: $NSBPF_ATTACH or auto)" },
	{ "exec-timeout", UP_EXEC_TIMEOUT, "S", "seconds each exec command may take (60)" },
	CLI_OPT_JSON,
	CLI_OPT_HELP,
	{ 0 }
};

static int up_parse_opt(int c, const char *arg, struct up_opts *o)
{
	char *end;

	switch (c) {
	case UP_DRY_RUN:
		o->dry_run = true;
		return 0;
	case UP_FORCE:
		o->force = true;
		return 0;
	case UP_ATTACH:
		if (!attach_mode_parse(arg, &o->attach))
			return 0;
		cli_err("up: --attach %s: expected auto, tcx or clsact", arg);
		return EXIT_USAGE;
	case UP_EXEC_TIMEOUT:
		o->exec_timeout_s = (int)strtol(arg, &end, 10);
		if (*arg && !*end && o->exec_timeout_s > 0)
			return 0;
		cli_err("up: --exec-timeout %s: expected seconds > 0", arg);
		return EXIT_USAGE;
	}
	return EXIT_USAGE;	/* '?': reported */
}

int cmd_up_parse(int argc, char **argv, struct up_opts *o, const char **file)
{
	const char *env = getenv("NSBPF_ATTACH");
	bool attach_given = false;
	struct opts_parser p;
	int c, err;

	*o = (struct up_opts){ .attach = ATTACH_AUTO, .exec_timeout_s = 60 };
	*file = NULL;
	opts_begin(&p, argc, argv, up_opts, "up", 0);
	while ((c = opts_next(&p)) != -1) {
		if (c == 'h') {
			up_help();
			return EXIT_OK;
		}
		err = up_parse_opt(c, p.arg, o);
		if (err)
			return err;
		attach_given |= c == UP_ATTACH;
	}
	/* The environment's default, under --attach. */
	if (!attach_given && env && *env && attach_mode_parse(env, &o->attach)) {
		cli_err("NSBPF_ATTACH=%s: expected auto, tcx or clsact", env);
		return EXIT_USAGE;
	}
	if (p.argc > 2) {
		cli_err("up: one topology file at a time (got %s and %s)", argv[1], argv[2]);
		return EXIT_USAGE;
	}
	*file = argv[1];
	return -1;
}

int cmd_up(int argc, char **argv)
{
	struct up_opts o;
	struct topo_errors errs = { 0 };
	const char *file;
	struct topo *t = NULL;
	int ret;

	ret = cmd_up_parse(argc, argv, &o, &file);
	if (ret >= 0)
		return ret;
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
