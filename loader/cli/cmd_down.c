// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* nsbpf down LAB... */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmds.h"
#include "cli/out.h"
#include "cli/progress.h"
#include "lab/lab.h"
#include "util/plural.h"

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

static const struct {
	enum lab_obj kind;
	const char *key; /* JSON */
	const char *one, *many;
} kinds[] = {
	{ LAB_OBJ_NETNS, "namespaces", "namespace", "namespaces" },
	{ LAB_OBJ_LINK, "links", "link", "links" },
	{ LAB_OBJ_PIN, "pins", "pin", "pins" },
	{ LAB_OBJ_FILTER, "tc_filters", "tc filter", "tc filters" },
};

/* "2 namespaces, 15 pins" from counts by enum lab_obj; "nothing" for none. */
static const char *kinds_str(const unsigned int *n, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		unsigned int c = n[kinds[i].kind];

		if (c && off < len)
			off += (size_t)snprintf(buf + off, len - off, "%s%u %s", off ? ", " : "", c,
						plural(c, kinds[i].one, kinds[i].many));
	}
	return off ? buf : "nothing";
}

/* JSON {"namespaces": N, "links": N, "pins": N, "tc_filters": N}. */
static void print_kinds(struct out *o, const char *key, const unsigned int *n)
{
	print_open_object(o, key);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		print_uint(o, kinds[i].key, NULL, n[kinds[i].kind]);
	print_close_object(o);
}

/* One lab: a line of text, an object of "labs"; EXIT_FAIL when it could not go. */
static int down_one(struct out *o, const char *lab)
{
	char removed[256], gone[256];
	struct cli_progress pr;
	struct down_result r;
	struct lab_info li;
	size_t nodes = 0;
	int err;

	/* progress for big labs: their size from the lab file (none: a partial lab) */
	if (!lab_info_read(lab, &li)) {
		nodes = li.n_nodes;
		lab_info_free(&li);
	}
	progress_init(&pr, nodes);
	err = lab_down(lab, &pr.lp, &r);
	progress_end(&pr);
	if (err)
		cli_err("%s", r.err.text);
	print_open_object(o, NULL);
	print_string(o, "name", "lab %s ", lab);
	print_bool(o, "was_up", NULL, r.was_up);
	print_bool(o, "orphaned", NULL, r.orphaned);
	print_bool(o, "removed_all", NULL, !err);
	print_kinds(o, "removed", r.removed);
	print_kinds(o, "gone", r.gone);
	if (err)
		print_text(o, "could not be removed completely\n");
	else if (r.orphaned)
		print_text(o, "is down: it was orphaned; removed %s; gone with it before: %s\n",
			   kinds_str(r.removed, removed, sizeof(removed)),
			   kinds_str(r.gone, gone, sizeof(gone)));
	else if (r.was_up)
		print_text(o, "is down\n");
	else
		print_text(o, "is not up: nothing to do\n");
	print_close_object(o);
	return err ? EXIT_FAIL : EXIT_OK;
}

const struct cli_opt down_opts[] = { CLI_OPT_JSON, CLI_OPT_HELP, { 0 } };

int cmd_down(int argc, char **argv)
{
	int ret = opts_simple(&argc, argv, down_opts, "down", 0, down_help);
	struct out o;

	if (ret >= 0)
		return ret;
	if (argc < 2) {
		cli_err("down: missing LAB (try \"nsbpf down --help\")");
		return EXIT_USAGE;
	}
	for (int i = 1; i < argc; i++)
		if (cli_check_lab(argv[i]))
			return EXIT_USAGE;
	ret = EXIT_OK;
	out_begin(&o, stdout, cli_opts.json);
	print_open_object(&o, NULL);
	print_open_array(&o, "labs");
	for (int i = 1; i < argc; i++)
		ret |= down_one(&o, argv[i]);
	print_close_array(&o);
	cli_doc_end(&o);
	return ret;
}
