// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nsbpf forward add|del|list: port forwards of a running lab, kept in its
 * pinned forwards map (they outlive the CLI; `down` removes them).
 *
 * `forward list --json` shape:
 * {"labs": [{"name", "forwards": [{"proto", "host": IP|null, "port",
 *   "port_end", "node", "node_ip", "to_port", "to_port_end", "hits"}]}]}
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "cli/cli.h"
#include "cli/cmds.h"
#include "lab/datapath.h"
#include "lab/port_fwd_map.h"
#include "lab/lab.h"
#include "sys/nl.h"
#include "cli/out.h"
#include "sys/state.h"

static int forward_list(int argc, char **argv);
static int forward_add(int argc, char **argv);
static int forward_del(int argc, char **argv);
static int forward_help(int argc, char **argv);

static const struct nsb_cmd forward_cmds[] = {
	{ "list", forward_list }, { "show", forward_list },
	{ "add", forward_add },
	{ "del", forward_del }, { "delete", forward_del },
	{ "help", forward_help },
	{ NULL }
};

static int forward_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("usage: nsbpf forward add LAB PROTO [HOSTIP:]PORT[-END] NODE:PORT[-END] [--force]\n"
	       "       nsbpf forward add LAB --file FILE [--force]   (FILE - : standard input)\n"
	       "       nsbpf forward del LAB PROTO [HOSTIP:]PORT[-END]\n"
	       "       nsbpf forward list [LAB] [--json]\n"
	       "\n"
	       "Without HOSTIP a forward answers on the uplink address and on the host's\n"
	       "loopback (and on the gateways, for nodes: hairpin); with HOSTIP only there.\n"
	       "add refuses a forward that exists or overlaps another, a node that does not\n"
	       "exist, ranges of unequal length, ports of the masquerade range, a HOSTIP the\n"
	       "host does not have, ports of the host's ephemeral range (ip_local_port_range)\n"
	       "unless reserved (ip_local_reserved_ports), and a port the host already\n"
	       "listens on (unless --force). --file adds one forward per\n"
	       "line (PROTO [HOSTIP:]PORT[-END] NODE:PORT[-END], # comments): all or none.\n"
	       "\n"
	       "PROTO := tcp | udp\n");
	return EXIT_OK;
}

static int open_lab(const char *lab, struct lab_info *li)
{
	if (cli_check_lab(lab))
		return EXIT_USAGE;
	if (lab_info_read(lab, li)) {
		cli_err("lab %s is not up", lab);
		return EXIT_FAIL;
	}
	if (lab_check_hostns(li)) {
		lab_info_free(li);
		return EXIT_FAIL;
	}
	return 0;
}

static int snat_range(const char *lab, uint16_t *lo, uint16_t *hi)
{
	struct nsb_config cfg = { 0 };
	char path[512];
	__u32 zero = 0;
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/%s/config", PIN_ROOT, lab);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	if (bpf_map_lookup_elem(fd, &zero, &cfg))
		err = -errno;
	close(fd);
	*lo = cfg.snat_port_min;
	*hi = cfg.snat_port_max;
	return err;
}

/* One forward to add, and where it was spelled (for messages). */
struct fwd_req {
	struct fwd_spec spec;
	char where[64];		/* "FILE:LINE" or "" for the command line */
};

/* Lines "PROTO [HOSTIP:]PORT[-END] NODE:PORT[-END]", # comments: all or nothing. */
static int read_batch(const char *file, struct fwd_req **out, size_t *n)
{
	FILE *f = strcmp(file, "-") ? fopen(file, "re") : stdin;
	struct fwd_req *v = NULL;
	size_t cnt = 0, cap = 0, lineno = 0;
	char line[512], err[256];
	int bad = 0;

	if (!f) {
		cli_err("forward add: %s: %s", file, strerror(errno));
		return EXIT_USAGE;
	}
	while (fgets(line, sizeof(line), f)) {
		char *argv[4], *save, *tok, *hash = strchr(line, '#');
		int argc = 0;

		lineno++;
		if (hash)
			*hash = '\0';
		for (tok = strtok_r(line, " \t\r\n", &save); tok && argc < 4;
		     tok = strtok_r(NULL, " \t\r\n", &save))
			argv[argc++] = tok;
		if (!argc)
			continue;
		if (cnt == cap) {
			struct fwd_req *g;

			cap = cap ? cap * 2 : 64;
			g = realloc(v, cap * sizeof(*v));
			if (!g) {
				bad = 1;
				break;
			}
			v = g;
		}
		memset(&v[cnt], 0, sizeof(v[cnt]));
		snprintf(v[cnt].where, sizeof(v[cnt].where), "%s:%zu", file, lineno);
		if (fwd_parse_add(argc, argv, &v[cnt].spec, err, sizeof(err))) {
			cli_err("%s: %s", v[cnt].where, err);
			bad = 1;
			continue;
		}
		cnt++;
	}
	if (f != stdin)
		fclose(f);
	if (bad) {
		free(v);
		return EXIT_USAGE;
	}
	*out = v;
	*n = cnt;
	return 0;
}

static const struct lab_node *find_node(const struct lab_info *li, const char *name)
{
	for (size_t i = 0; i < li->n_nodes; i++)
		if (!strcmp(li->nodes[i].name, name))
			return &li->nodes[i];
	return NULL;
}

/*
 * Check every request against the lab, the running forwards, the masquerade
 * range, each other and what the host has (addresses, ephemeral ports,
 * sockets; `up` checks the file's forwards the same way): print every problem.
 */
static int check_reqs(const char *lab, const struct lab_info *li, int fd, struct fwd_req *reqs,
		      size_t n, bool force)
{
	struct fwd_entry *have = NULL;
	struct fwd_index *ix = fwd_index_new();
	struct fwd_host *host = fwd_host_read();
	uint16_t lo = 0, hi = 0;
	size_t n_have = 0;
	int ret = EXIT_FAIL, e;
	char err[512];

	if (!ix || !host) {
		cli_err("forward add: %s", strerror(!host ? errno : ENOMEM));
		fwd_index_free(ix);
		fwd_host_free(host);
		return EXIT_FAIL;
	}
	e = fwd_map_read(fd, li, &have, &n_have);
	if (!e)
		e = snat_range(lab, &lo, &hi);
	if (e) {
		cli_err("lab %s: %s", lab, strerror(-e));
		goto out;
	}
	for (size_t i = 0; i < n_have; i++)
		fwd_index_claim(ix, &have[i].spec, err, sizeof(err));
	ret = EXIT_OK;
	for (size_t i = 0; i < n; i++) {
		const struct fwd_spec *f = &reqs[i].spec;
		const char *at = reqs[i].where[0] ? reqs[i].where : "forward add";

		if (!find_node(li, f->node)) {
			cli_err("%s: lab %s has no node \"%s\"", at, lab, f->node);
			ret = EXIT_USAGE;
			continue;
		}
		e = fwd_check_snat(f, lo, hi, err, sizeof(err));
		if (!e)
			e = fwd_index_claim(ix, f, err, sizeof(err));
		if (!e)
			e = fwd_check_host(host, f, force, err, sizeof(err));
		if (e) {
			cli_err("%s: %s", at, err);
			if (ret == EXIT_OK)
				ret = EXIT_FAIL;
		}
	}
out:
	fwd_host_free(host);
	free(have);
	fwd_index_free(ix);
	return ret;
}

/* Insert them all, or none: a failure takes back what this run inserted. */
static int insert_reqs(const char *lab, const struct lab_info *li, int fd,
		       const struct fwd_req *reqs, size_t n)
{
	struct nl_sock *sk = nl_open();
	char desc[160];
	size_t i;
	int e = 0;

	if (!sk) {
		cli_err("netlink: %s", strerror(errno));
		return EXIT_FAIL;
	}
	for (i = 0; i < n; i++) {
		const struct lab_node *node = find_node(li, reqs[i].spec.node);
		struct nl_link_info link;

		fwd_format(&reqs[i].spec, desc, sizeof(desc));
		if (nl_link_get(sk, node->hostif, &link)) {
			cli_err("lab %s: host end %s of node %s is missing", lab, node->hostif,
				node->name);
			e = -ENODEV;
			break;
		}
		e = fwd_map_add(fd, &reqs[i].spec, node->ip, link.ifindex);
		if (e) {
			cli_err("forward add: %s: %s", desc,
				e == -EEXIST ? "a port of it was just taken by another forward" :
					       strerror(-e));
			break;
		}
	}
	if (e)
		while (i-- > 0)
			fwd_map_del(fd, &reqs[i].spec);
	nl_close(sk);
	return e ? EXIT_FAIL : EXIT_OK;
}

/* -j and -h, before the sub-command word and after it (del, list). */
const struct cli_opt forward_opts[] = { CLI_OPT_JSON, CLI_OPT_HELP, { 0 } };

enum { FWD_FORCE = 256 };

const struct cli_opt forward_add_opts[] = {
	{ "force", FWD_FORCE, NULL, "also on ports the host's own sockets have" },
	{ "file", 'f', "FILE", "one forward per line, all or none (- : standard input)" },
	CLI_OPT_JSON,
	CLI_OPT_HELP,
	{ 0 }
};

static int forward_add(int argc, char **argv)
{
	struct fwd_req *reqs = NULL, one;
	const char *file = NULL;
	struct lab_info li;
	bool force = false;
	size_t n = 0;
	int fd = -1, lock = -1, ret, rest;
	char err[256], desc[160];
	char **args = argv + 1;
	struct opts_parser p;

	opts_begin(&p, argc, argv, forward_add_opts, "forward add", 0);
	while ((ret = opts_next(&p)) != -1) {
		if (ret == FWD_FORCE)
			force = true;
		else if (ret == 'f')
			file = p.arg;
		else
			return ret == 'h' ? forward_help(0, NULL) : EXIT_USAGE;
	}
	rest = p.argc - 1;
	if (rest < 1 || (file && rest != 1) || (!file && rest != 4)) {
		forward_help(0, NULL);
		return EXIT_USAGE;
	}
	if (file) {
		ret = read_batch(file, &reqs, &n);
		if (ret)
			return ret;
	} else {
		memset(&one, 0, sizeof(one));
		if (fwd_parse_add(3, args + 1, &one.spec, err, sizeof(err))) {
			cli_err("forward add: %s", err);
			return EXIT_USAGE;
		}
		reqs = &one;
		n = 1;
	}
	ret = open_lab(args[0], &li);
	if (ret)
		goto out_free;
	ret = EXIT_FAIL;
	lock = state_lock();
	fd = fwd_map_open(args[0]);
	if (lock < 0 || fd < 0) {
		cli_err("lab %s: forwards map: %s", args[0], strerror(-(lock < 0 ? lock : fd)));
		goto out;
	}
	ret = check_reqs(args[0], &li, fd, reqs, n, force);
	if (!ret)
		ret = insert_reqs(args[0], &li, fd, reqs, n);
	if (!ret && !cli_opts.json) {
		if (n == 1) {
			fwd_format(&reqs[0].spec, desc, sizeof(desc));
			printf("lab %s: forward %s added\n", args[0], desc);
		} else {
			printf("lab %s: %zu forwards added\n", args[0], n);
		}
	}
out:
	if (fd >= 0)
		close(fd);
	state_unlock(lock);
	lab_info_free(&li);
out_free:
	if (reqs != &one)
		free(reqs);
	return ret;
}

static int forward_del(int argc, char **argv)
{
	struct lab_info li;
	struct fwd_spec f;
	char err[256], desc[160];
	int fd = -1, lock = -1, ret, e;

	switch (opts_parse(&argc, argv, forward_opts, "forward del", 0)) {
	case OPTS_GO:
		break;
	case OPTS_HELP:
		return forward_help(0, NULL);
	default:
		return EXIT_USAGE;
	}
	if (argc < 2) {
		forward_help(0, NULL);
		return EXIT_USAGE;
	}
	if (fwd_parse_del(argc - 2, argv + 2, &f, err, sizeof(err))) {
		cli_err("forward del: %s", err);
		return EXIT_USAGE;
	}
	ret = open_lab(argv[1], &li);
	if (ret)
		return ret;
	ret = EXIT_FAIL;
	fwd_format(&f, desc, sizeof(desc));
	lock = state_lock();
	fd = fwd_map_open(argv[1]);
	if (lock < 0 || fd < 0) {
		cli_err("lab %s: forwards map: %s", argv[1], strerror(-(lock < 0 ? lock : fd)));
		goto out;
	}
	e = fwd_map_del(fd, &f);
	if (e == -ENOENT)
		cli_err("forward del: lab %s has no forward %s", argv[1], desc);
	else if (e == -ERANGE)
		cli_err("forward del: %s is part of a larger forward: delete it whole (see nsbpf forward list %s)",
			desc, argv[1]);
	else if (e)
		cli_err("forward del: %s: %s", desc, strerror(-e));
	else {
		if (!cli_opts.json)
			printf("lab %s: forward %s deleted\n", argv[1], desc);
		ret = EXIT_OK;
	}
out:
	if (fd >= 0)
		close(fd);
	state_unlock(lock);
	lab_info_free(&li);
	return ret;
}

/* One lab's forwards: JSON object, or lines of the text table. */
int forward_print_lab(struct out *o, struct table *tb, const struct lab_info *li)
{
	struct fwd_entry *v = NULL;
	size_t n = 0;
	int fd = fwd_map_open(li->name), err;

	if (fd < 0)
		return fd;
	err = fwd_map_read(fd, li, &v, &n);
	close(fd);
	if (err)
		return err;
	if (o->json)
		out_arr_open(o, "forwards");
	for (size_t i = 0; i < n; i++) {
		const struct fwd_spec *s = &v[i].spec;
		char ip[16], node_ip[16], desc[160], hits[24];

		if (o->json) {
			out_obj_open(o, NULL);
			out_str(o, "proto", s->proto == 6 ? "tcp" : "udp");
			out_str(o, "host", s->host_ip ? ipv4_str(s->host_ip, ip) : NULL);
			out_u64(o, "port", s->port);
			out_u64(o, "port_end", s->port_end);
			out_str(o, "node", s->node[0] ? s->node : NULL);
			out_str(o, "node_ip", ipv4_str(v[i].node_ip, node_ip));
			out_u64(o, "to_port", s->to_port);
			out_u64(o, "to_port_end", s->to_port_end);
			out_u64(o, "hits", v[i].hits);
			out_obj_close(o);
		} else {
			struct fwd_spec shown = *s;

			if (!shown.node[0])
				snprintf(shown.node, sizeof(shown.node), "%s",
					 ipv4_str(v[i].node_ip, node_ip));
			fwd_format(&shown, desc, sizeof(desc));
			snprintf(hits, sizeof(hits), "%llu", (unsigned long long)v[i].hits);
			table_row(tb, li->name, desc, hits);
		}
	}
	if (o->json)
		out_arr_close(o);
	free(v);
	return 0;
}

static int forward_list(int argc, char **argv)
{
	struct state_lines labs = { 0 };
	struct table tb;
	struct out o;
	int ret = EXIT_OK;

	switch (opts_parse(&argc, argv, forward_opts, "forward list", 0)) {
	case OPTS_GO:
		break;
	case OPTS_HELP:
		return forward_help(0, NULL);
	default:
		return EXIT_USAGE;
	}
	if (argc > 2) {
		forward_help(0, NULL);
		return EXIT_USAGE;
	}
	if (argc == 2 && (cli_check_lab(argv[1]) || !state_exists(argv[1]))) {
		if (!cli_check_lab(argv[1]))
			cli_err("lab %s is not up", argv[1]);
		return cli_check_lab(argv[1]) ? EXIT_USAGE : EXIT_FAIL;
	}
	state_list(&labs);
	out_begin(&o, stdout, cli_opts.json);
	if (o.json) {
		out_obj_open(&o, NULL);
		out_arr_open(&o, "labs");
	} else {
		table_init(&tb, 3, "LAB", "FORWARD", "HITS");
	}
	for (size_t i = 0; i < labs.n; i++) {
		struct lab_info li;

		if (argc == 2 && strcmp(argv[1], labs.line[i]))
			continue;
		if (lab_info_read(labs.line[i], &li))
			continue;
		if (o.json) {
			out_obj_open(&o, NULL);
			out_str(&o, "name", li.name);
		}
		if (forward_print_lab(&o, &tb, &li)) {
			if (o.json)
				out_arr_open(&o, "forwards"), out_arr_close(&o);
			if (argc == 2) {
				cli_err("lab %s: no forwards map (is its datapath loaded?)", li.name);
				ret = EXIT_FAIL;
			}
		}
		if (o.json)
			out_obj_close(&o);
		lab_info_free(&li);
	}
	if (o.json) {
		out_arr_close(&o);
		out_obj_close(&o);
	} else {
		if (tb.nrows > 1)
			table_print(&tb, stdout);
		else
			printf("no forwards\n");
		table_free(&tb);
	}
	out_end(&o);
	state_lines_free(&labs);
	return ret;
}

int cmd_forward(int argc, char **argv)
{
	/* Up to the sub-command word: add, del and list parse what follows it. */
	switch (opts_parse(&argc, argv, forward_opts, "forward", 1)) {
	case OPTS_GO:
		return cli_dispatch(forward_cmds, "forward", argc - 1, argv + 1);
	case OPTS_HELP:
		return forward_help(argc, argv);
	default:
		return EXIT_USAGE;
	}
}
