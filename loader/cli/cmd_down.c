// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* nsbpf down LAB... */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmds.h"
#include "lab/lab.h"

static void down_help(void)
{
	printf("usage: nsbpf down LAB...\n"
	       "\n"
	       "Remove everything the lab created: processes left in its nodes, its\n"
	       "programs and pinned maps, veths and namespaces. It works from the record\n"
	       "the lab keeps under /run/nsbpf/LAB/ (not from the topology file), also\n"
	       "after an interrupted up; a lab that is not up is not an error.\n"
	       "\n"
	       "It works from anywhere: a lab brought up in another network namespace\n"
	       "(nsbpf -n NETNS up) is removed there; when that namespace is gone (the\n"
	       "lab is orphaned) down removes what is left (node namespaces, pins,\n"
	       "cgroup programs, state) and says so. A lab brought up in another mount\n"
	       "namespace that still exists is refused: run down where it was brought up.\n");
}

/* "2 namespaces, 15 pins" from counts by enum lab_obj; "nothing" for none. */
static const char *kinds_str(const unsigned int *n, char *buf, size_t len)
{
	static const struct {
		enum lab_obj kind;
		const char *one, *many;
	} names[] = {
		{ LAB_OBJ_NETNS, "namespace", "namespaces" },
		{ LAB_OBJ_LINK, "link", "links" },
		{ LAB_OBJ_PIN, "pin", "pins" },
		{ LAB_OBJ_FILTER, "tc filter", "tc filters" },
	};
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		unsigned int c = n[names[i].kind];

		if (c && off < len)
			off += (size_t)snprintf(buf + off, len - off, "%s%u %s", off ? ", " : "", c,
						c == 1 ? names[i].one : names[i].many);
	}
	return off ? buf : "nothing";
}

const struct cli_opt down_opts[] = { CLI_OPT_JSON, CLI_OPT_HELP, { 0 } };

int cmd_down(int argc, char **argv)
{
	int ret = EXIT_OK;

	switch (opts_parse(&argc, argv, down_opts, "down", 0)) {
	case OPTS_GO:
		break;
	case OPTS_HELP:
		down_help();
		return EXIT_OK;
	default:
		return EXIT_USAGE;
	}
	if (argc < 2) {
		cli_err("down: missing LAB (try \"nsbpf down --help\")");
		return EXIT_USAGE;
	}
	for (int i = 1; i < argc; i++)
		if (cli_check_lab(argv[i]))
			return EXIT_USAGE;
	for (int i = 1; i < argc; i++) {
		struct down_result r;

		if (lab_down(argv[i], &r)) {
			cli_err("%s", r.err.text);
			ret = EXIT_FAIL;
		} else if (r.orphaned) {
			char removed[256], gone[256];

			cli_say("lab %s is down: it was orphaned; removed %s; gone with it before: %s\n",
				argv[i], kinds_str(r.removed, removed, sizeof(removed)),
				kinds_str(r.gone, gone, sizeof(gone)));
		} else if (r.was_up) {
			cli_say("lab %s is down\n", argv[i]);
		} else {
			cli_say("lab %s is not up: nothing to do\n", argv[i]);
		}
	}
	return ret;
}
