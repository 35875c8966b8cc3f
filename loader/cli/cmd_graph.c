// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nsbpf graph FILE|LAB [--format mermaid|dot] [--json]
 *
 * A topology file (checked as `up` checks it on its own) or a running lab
 * drawn as Mermaid (default: paste into Markdown in a ```mermaid block) or
 * Graphviz dot (`| dot -Tsvg`). An argument with '/' or '.' is a file, as
 * is one that names no lab that is up.
 *
 * JSON shape: {"lab", "source": "file"|"lab", "format": "mermaid"|"dot",
 *              "graph": "the text"}
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmds.h"
#include "cli/out.h"
#include "lab/lab.h"
#include "lab/lab_graph.h"
#include "topo/topo_graph.h"

static void graph_help(void)
{
	printf("usage: nsbpf graph FILE|LAB [--format mermaid|dot] [--json]\n"
	       "\n"
	       "Draw a topology file or a running lab: networks (subnet, gateway) with\n"
	       "their nodes (addresses), reach between networks (a network that reaches\n"
	       "none is marked isolated), the uplink with the masqueraded networks and\n"
	       "one edge per forward. Mermaid pastes into Markdown (```mermaid); dot\n"
	       "renders with Graphviz (nsbpf graph LAB --format dot | dot -Tsvg > lab.svg).\n"
	       "A running lab shows masquerade as it is now and its forwards as they are.\n"
	       "\n"
	       "  --format FORMAT  mermaid (default) or dot\n"
	       "\n"
	       "FORMAT := mermaid | dot\n");
}

enum { GRAPH_FORMAT = 'f' };

const struct cli_opt graph_opts[] = {
	{ "format", GRAPH_FORMAT, "mermaid|dot", "drawing format (default mermaid)" },
	CLI_OPT_JSON,
	CLI_OPT_HELP,
	{ 0 },
};

/* A lab that is up, unless the word looks like a path or no such lab is up. */
static bool is_lab(const char *arg)
{
	return !strpbrk(arg, "/.") && !topo_parse_name(arg) && lab_exists(arg);
}

static int graph_file(const char *path, struct topo **t, const char **uplink)
{
	struct topo_errors errs = { 0 };
	int err = topo_load(path, t, &errs);

	if (err) {
		cmd_report_topo_errors(&errs);
		topo_errors_free(&errs);
		return err == -EINVAL ? EXIT_USAGE : EXIT_FAIL;
	}
	*uplink = (*t)->uplink[0] ? (*t)->uplink : "(default route)";
	return EXIT_OK;
}

static int graph_lab(const char *lab, struct topo **t, const char **uplink)
{
	struct lab_info li;
	struct err_msg e;
	int ret = cli_lab_is_up(lab);

	if (ret)
		return ret;
	if (lab_info_read(lab, &li)) {
		cli_err("lab %s is not up", lab);
		return EXIT_FAIL;
	}
	if (lab_graph_topo(&li, t, &e)) {
		cli_err("graph: %s", e.text);
		ret = EXIT_FAIL;
	} else {
		*uplink = (*t)->uplink[0] ? (*t)->uplink : NULL;
	}
	lab_info_free(&li);
	return ret;
}

static int graph_print(const struct topo *t, const char *uplink, enum topo_graph_format f,
		       bool from_lab)
{
	char *text = topo_graph(t, uplink, f);
	struct out o;

	if (!text) {
		cli_err("graph: %s", strerror(errno));
		return EXIT_FAIL;
	}
	out_begin(&o, stdout, cli_opts.json);
	print_open_object(&o, NULL);
	print_string(&o, "lab", NULL, t->name);
	print_string(&o, "source", NULL, from_lab ? "lab" : "file");
	print_string(&o, "format", NULL, topo_graph_format_name(f));
	print_string(&o, "graph", "%s", text);
	cli_doc_end(&o);
	free(text);
	return EXIT_OK;
}

int cmd_graph(int argc, char **argv)
{
	enum topo_graph_format f = TOPO_GRAPH_MERMAID;
	const char *uplink = NULL;
	struct opts_parser p;
	struct topo *t = NULL;
	bool lab;
	int c, ret;

	opts_begin(&p, argc, argv, graph_opts, "graph", 0);
	while ((c = opts_next(&p)) != -1) {
		if (c == 'h') {
			graph_help();
			return EXIT_OK;
		}
		if (c != GRAPH_FORMAT || topo_graph_format_parse(p.arg, &f)) {
			if (c == GRAPH_FORMAT)
				cli_err("graph: --format %s: use mermaid or dot", p.arg);
			return EXIT_USAGE;
		}
	}
	if (p.argc != 2) {
		cli_err("graph: usage: nsbpf graph FILE|LAB [--format mermaid|dot] [--json]");
		return EXIT_USAGE;
	}
	lab = is_lab(p.argv[1]);
	if (!lab && !strpbrk(p.argv[1], "/.") && access(p.argv[1], F_OK)) {
		cli_err("graph: %s: no lab of that name is up and no such file", p.argv[1]);
		return EXIT_FAIL;
	}
	ret = lab ? graph_lab(p.argv[1], &t, &uplink) : graph_file(p.argv[1], &t, &uplink);
	if (!ret)
		ret = graph_print(t, uplink, f, lab);
	topo_free(t);
	return ret;
}
