// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nsbpf forward add|del|list: port forwards of a running lab, kept in its
 * pinned forwards map (they outlive the CLI; `down` removes them).
 * JSON shapes: docs/json.md.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmds.h"
#include "cli/out.h"
#include "lab/lab.h"
#include "lab/rules.h"
#include "util/addr.h"
#include "util/input_file.h"
#include "util/plural.h"

static int forward_list(int argc, char **argv);
static int forward_add(int argc, char **argv);
static int forward_del(int argc, char **argv);
static int forward_help(int argc, char **argv);

static const struct nsb_cmd forward_cmds[] = { { "list", forward_list },
					       { "show", forward_list },
					       { "add", forward_add },
					       { "del", forward_del },
					       { "delete", forward_del },
					       { "help", forward_help },
					       { NULL } };

static void forward_usage(void)
{
	printf("usage: nsbpf forward add LAB PROTO [HOSTIP:]PORT[-END] NODE:PORT[-END] [--host HOSTIP] [--force]\n"
	       "       nsbpf forward add LAB --file FILE [--force]   (FILE - : standard input)\n"
	       "       nsbpf forward del LAB PROTO [HOSTIP:]PORT[-END] [--host HOSTIP]\n"
	       "       nsbpf forward del LAB --file FILE\n"
	       "       nsbpf forward list [LAB] [--json]\n"
	       "\n"
	       "Without HOSTIP a forward answers on the uplink address and on the host's\n"
	       "loopback (and on the gateways, for nodes: hairpin), and on the uplink's IPv6\n"
	       "address and [::1] for a node with an ip6; with HOSTIP only there. An IPv6\n"
	       "HOSTIP goes in brackets ([2001:db8::1]:6001) or after --host, and leads to\n"
	       "the node's ip6. add refuses a forward that exists or overlaps another, a node\n"
	       "that does not exist (or has no ip6, for an IPv6 HOSTIP), ranges of unequal\n"
	       "length, ports of the masquerade range, a HOSTIP the host does not have, ports\n"
	       "of the host's ephemeral range (ip_local_port_range) unless reserved\n"
	       "(ip_local_reserved_ports), and a port the host already listens on (unless\n"
	       "--force). --file adds one forward per\n"
	       "line (PROTO [HOSTIP:]PORT[-END] NODE:PORT[-END], # comments): all or none.\n"
	       "del --file deletes the forward each line names (the same lines; NODE:PORT,\n"
	       "if given, must be where it leads): all or none. Interrupted (SIGTERM,\n"
	       "SIGINT, SIGHUP), a batch is undone; killed, the next command on the lab\n"
	       "undoes it.\n"
	       "\n"
	       "PROTO := tcp | udp\n");
}

static int forward_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	forward_usage();
	return EXIT_OK;
}

/* One forward to add or delete, and where it was spelled (for messages). */
struct fwd_req {
	struct fwd_spec spec;
	const char *file; /* NULL: the command line */
	int line;
};

/* A line's words: add's three, or del's two (or add's three: the same file). */
static int parse_line(bool del, int argc, char **argv, struct fwd_spec *f, char *err, size_t len)
{
	if (del && argc != 3)
		return fwd_parse_del(argc, argv, f, err, len);
	return fwd_parse_add(argc, argv, f, err, len);
}

/* Lines "PROTO [HOSTIP:]PORT[-END] NODE:PORT[-END]", # comments: all or nothing. */
static int read_batch(const char *file, bool del, struct fwd_req **out, size_t *n)
{
	struct err_msg e = { "" };
	FILE *f = input_file_open(file, FWD_FILE_MAX, &e); /* "-": stdin, bounded too */
	struct fwd_req *v = NULL;
	size_t cnt = 0, cap = 0, lineno = 0;
	char line[512], err[256];
	int bad = 0;

	if (!f) {
		cli_err("forward %s: %s", del ? "del" : "add", e.text);
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
		v[cnt] = (struct fwd_req){ .file = file, .line = (int)lineno };
		if (parse_line(del, argc, argv, &v[cnt].spec, err, sizeof(err))) {
			cli_err_at(file, (int)lineno, 0, "%s", err);
			bad = 1;
			continue;
		}
		cnt++;
	}
	fclose(f);
	if (bad) {
		free(v);
		return EXIT_USAGE;
	}
	*out = v;
	*n = cnt;
	return 0;
}

/* Every problem the batch found, each at the request it is about. */
static int report_probs(const char *what, const struct fwd_req *reqs, const struct err_list *probs)
{
	for (size_t i = 0; i < probs->n; i++) {
		const struct err_item *p = &probs->v[i];

		if (p->index == ERR_NO_INDEX)
			cli_err("%s", p->text);
		else if (reqs[p->index].file)
			cli_err_at(reqs[p->index].file, reqs[p->index].line, 0, "%s", p->text);
		else
			cli_err("%s: %s", what, p->text);
	}
	return err_any_bad_input(probs) ? EXIT_USAGE : EXIT_FAIL;
}

/* A signal while a batch runs: the batch sees it, undoes itself, returns -EINTR. */
static volatile sig_atomic_t fwd_stop;
static const int fwd_stop_sigs[] = { SIGTERM, SIGINT, SIGHUP };

static void on_stop(int sig)
{
	fwd_stop = sig;
}

/* Catch the stop signals (those not ignored), or give them their default back. */
static void catch_stops(bool on)
{
	struct sigaction sa = { .sa_handler = on ? on_stop : SIG_DFL, .sa_flags = SA_RESTART };
	struct sigaction old;

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(fwd_stop_sigs) / sizeof(fwd_stop_sigs[0]); i++)
		if (!sigaction(fwd_stop_sigs[i], NULL, &old) && old.sa_handler != SIG_IGN)
			sigaction(fwd_stop_sigs[i], &sa, NULL);
}

/* The lab's rules take bare specs; the places they were spelled stay here. */
static int run_reqs(const struct lab_info *li, const struct fwd_req *reqs, size_t n, bool del,
		    bool force)
{
	struct fwd_spec *specs = calloc(n ? n : 1, sizeof(*specs));
	struct rules_fwd_run run = { .force = force, .stop = &fwd_stop };
	struct err_list probs = { 0 };
	int ret = EXIT_OK, err;

	if (!specs) {
		cli_err("forward %s: %s", del ? "del" : "add", strerror(ENOMEM));
		return EXIT_FAIL;
	}
	for (size_t i = 0; i < n; i++)
		specs[i] = reqs[i].spec;
	catch_stops(true);
	err = del ? rules_forwards_del(li, specs, n, &run, &probs) :
		    rules_forwards_add(li, specs, n, &run, &probs);
	catch_stops(false);
	cli_report_undone(li->name, run.recovered);
	if (err)
		ret = report_probs(del ? "forward del" : "forward add", reqs, &probs);
	err_list_free(&probs);
	free(specs);
	if (err == -EINTR && fwd_stop)
		raise(fwd_stop); /* undone: now die of it, as asked */
	return ret;
}

/* -j and -h, before the sub-command word and after it (list). */
const struct cli_opt forward_opts[] = { CLI_OPT_JSON, CLI_OPT_HELP, { 0 } };

enum { FWD_FORCE = 256, FWD_HOST };

const struct cli_opt forward_add_opts[] = {
	{ "force", FWD_FORCE, NULL, "also on ports the host's own sockets have" },
	{ "file", 'f', "FILE", "one forward per line, all or none (- : standard input)" },
	{ "host", FWD_HOST, "HOSTIP", "the host address it answers on (IPv4 or IPv6)" },
	CLI_OPT_JSON,
	CLI_OPT_HELP,
	{ 0 }
};

static const struct cli_opt forward_del_opts[] = {
	{ "file", 'f', "FILE", "one forward per line, all or none (- : standard input)" },
	{ "host", FWD_HOST, "HOSTIP", "the host address it answers on (IPv4 or IPv6)" },
	CLI_OPT_JSON,
	CLI_OPT_HELP,
	{ 0 }
};

/*
 * The requests: FILE's, or the one of the command line (words: after LAB),
 * host (--host, NULL: none) its host address.
 */
static int get_reqs(const char *file, bool del, char **words, const char *host, struct fwd_req *one,
		    struct fwd_req **reqs, size_t *n)
{
	const char *what = del ? "del" : "add";
	struct fwd_spec *f = &one->spec;
	char err[256];

	if (file)
		return read_batch(file, del, reqs, n);
	memset(one, 0, sizeof(*one));
	if (parse_line(del, del ? 2 : 3, words, f, err, sizeof(err))) {
		cli_err("forward %s: %s", what, err);
		return EXIT_USAGE;
	}
	if (host && (f->host_ip || fwd_host6(f))) {
		cli_err("forward %s: \"%s\" names a host address, and --host %s another: give it once",
			what, words[1], host);
		return EXIT_USAGE;
	}
	if (host && fwd_parse_host_addr(host, &f->host_ip, &f->host_ip6, err, sizeof(err))) {
		cli_err("forward %s: %s", what, err);
		return EXIT_USAGE;
	}
	*reqs = one;
	*n = 1;
	return 0;
}

/* The host side of a forward: proto, host (null: any address), port, port_end. */
static void print_host_side(struct out *o, const struct fwd_spec *s)
{
	char ip[IPV4_STRLEN], ip6[INET6_ADDRSTRLEN];

	print_string(o, "proto", NULL, s->proto == 6 ? "tcp" : "udp");
	if (s->host_ip)
		print_string(o, "host", NULL, ipv4_str(s->host_ip, ip));
	else if (fwd_host6(s))
		print_string(o, "host", NULL, inet_ntop(AF_INET6, &s->host_ip6, ip6, sizeof(ip6)));
	else
		print_null(o, "host", NULL, NULL);
	print_uint(o, "port", NULL, s->port);
	print_uint(o, "port_end", NULL, s->port_end);
}

/* One forward as given (del: node and to ports null when not named). */
static void print_spec(struct out *o, const struct fwd_spec *s)
{
	print_open_object(o, NULL);
	print_host_side(o, s);
	if (s->node[0]) {
		print_string(o, "node", NULL, s->node);
		print_uint(o, "to_port", NULL, s->to_port);
		print_uint(o, "to_port_end", NULL, s->to_port_end);
	} else {
		print_null(o, "node", NULL, NULL);
		print_null(o, "to_port", NULL, NULL);
		print_null(o, "to_port_end", NULL, NULL);
	}
	print_close_object(o);
}

/*
 * What changed: {"lab", "action": "add"|"del", "count", "forwards": [...]};
 * text "lab L: forward F added" or "lab L: N forwards added".
 */
static void print_changed(const char *lab, const struct fwd_req *reqs, size_t n, bool del)
{
	const char *done = del ? "deleted" : "added";
	char desc[160];
	struct out o;

	out_begin(&o, stdout, cli_opts.json);
	print_open_object(&o, NULL);
	print_string(&o, "lab", "lab %s: ", lab);
	print_string(&o, "action", NULL, del ? "del" : "add");
	print_u64(&o, "count", n == 1 ? NULL : "%llu ", n);
	if (n == 1) {
		fwd_format(&reqs[0].spec, desc, sizeof(desc));
		print_text(&o, "forward %s %s\n", desc, done);
	} else
		print_text(&o, "%s %s\n", plural(n, "forward", "forwards"), done);
	print_open_array(&o, "forwards");
	for (size_t i = 0; o.json && i < n; i++)
		print_spec(&o, &reqs[i].spec);
	print_close_array(&o);
	cli_doc_end(&o);
}

/* forward add|del LAB ...: parse, open the lab, run the batch, say what it did. */
static int forward_change(int argc, char **argv, bool del)
{
	struct fwd_req *reqs = NULL, one;
	const char *file = NULL, *host = NULL, *what = del ? "forward del" : "forward add";
	struct lab_info li;
	bool force = false;
	size_t n = 0;
	int ret, rest;
	struct opts_parser p;

	opts_begin(&p, argc, argv, del ? forward_del_opts : forward_add_opts, what, 0);
	while ((ret = opts_next(&p)) != -1) {
		if (ret == FWD_FORCE)
			force = true;
		else if (ret == 'f')
			file = p.arg;
		else if (ret == FWD_HOST)
			host = p.arg;
		else
			return ret == 'h' ? forward_help(0, NULL) : EXIT_USAGE;
	}
	rest = p.argc - 1;
	if (rest < 1 || (file && (rest != 1 || host)) || (!file && rest != (del ? 3 : 4)))
		return cli_usage(
			what,
			del ? "nsbpf forward del LAB PROTO [HOSTIP:]PORT[-END] [--host HOSTIP] | LAB --file FILE" :
			      "nsbpf forward add LAB PROTO [HOSTIP:]PORT[-END] NODE:PORT[-END] [--host HOSTIP] | LAB --file FILE",
			forward_usage);
	ret = get_reqs(file, del, p.argv + 2, host, &one, &reqs, &n);
	if (!ret)
		ret = cli_open_lab(p.argv[1], &li);
	if (ret)
		goto out_free;
	ret = run_reqs(&li, reqs, n, del, force);
	if (!ret)
		print_changed(li.name, reqs, n, del);
	lab_info_free(&li);
out_free:
	if (reqs != &one)
		free(reqs);
	return ret;
}

static int forward_add(int argc, char **argv)
{
	return forward_change(argc, argv, false);
}

static int forward_del(int argc, char **argv)
{
	return forward_change(argc, argv, true);
}

/* Has li IPv6 anywhere (an uplink address6, a node with ip6)? */
static bool lab_has_ipv6(const struct lab_info *li)
{
	if (!IN6_IS_ADDR_UNSPECIFIED(&li->uplink_ip6))
		return true;
	for (size_t i = 0; i < li->n_nodes; i++)
		if (li->nodes[i].prefix6)
			return true;
	return false;
}

/* One forward: an object of "forwards", a row LAB FORWARD HITS of the table. */
static void print_forward(struct out *o, const struct lab_info *li, const struct fwd_entry *fe)
{
	const struct fwd_spec *s = &fe->spec;
	char node_ip[IPV4_STRLEN], desc[160], ip6[INET6_ADDRSTRLEN];
	struct fwd_spec shown = *s;

	print_row_open(o, NULL);
	print_text(o, "%s", li->name);
	print_cell(o);
	print_host_side(o, s);
	if (s->node[0])
		print_string(o, "node", NULL, s->node);
	else
		print_null(o, "node", NULL, NULL);
	if (fwd_host6(s))
		print_null(o, "node_ip", NULL, NULL); /* IPv6's alone */
	else
		print_string(o, "node_ip", NULL, ipv4_str(fe->node_ip, node_ip));
	print_uint(o, "to_port", NULL, s->to_port);
	print_uint(o, "to_port_end", NULL, s->to_port_end);
	/* Text: a forward to an address that is no node shows the address. */
	if (!shown.node[0])
		snprintf(shown.node, sizeof(shown.node), "%s", node_ip);
	fwd_format(&shown, desc, sizeof(desc));
	print_text(o, "%s", desc);
	/* the IPv6 side: in a lab with IPv6, a forward to a node without ip6 says so */
	if (fe->has6) {
		inet_ntop(AF_INET6, &fe->node_ip6, ip6, sizeof(ip6));
		print_string(o, "node_ip6", fwd_host6(s) ? ", to [%s]" : ", IPv6 too: [%s]", ip6);
	} else {
		print_null(o, "node_ip6", NULL, NULL);
		if (!s->host_ip && lab_has_ipv6(li))
			print_text(o, ", IPv4 only");
	}
	print_string(o, "origin", fe->runtime ? " (%s)" : NULL, fe->runtime ? "runtime" : "file");
	print_cell(o);
	print_u64(o, "hits", "%llu", fe->hits);
	print_cell(o);
	print_row_close(o);
}

int forward_print_lab(struct out *o, const struct lab_info *li)
{
	struct fwd_entry *v = NULL;
	size_t n = 0;
	int err = rules_forwards_list(li, &v, &n);

	if (!err)
		err = rules_forwards_origin(li, v, n);
	print_open_array(o, "forwards");
	for (size_t i = 0; !err && i < n; i++)
		print_forward(o, li, &v[i]);
	print_close_array(o);
	free(v);
	return err;
}

static int forward_list(int argc, char **argv)
{
	struct lab_names labs;
	struct table tb;
	struct out o;
	int ret = EXIT_OK;

	ret = opts_simple(&argc, argv, forward_opts, "forward list", 0, forward_usage);
	if (ret >= 0)
		return ret;
	ret = EXIT_OK;
	if (argc > 2)
		return cli_usage("forward list", "nsbpf forward list [LAB]", forward_usage);
	if (argc == 2) {
		ret = cli_lab_is_up(argv[1]);
		if (ret)
			return ret;
	}
	lab_list(&labs, NULL);
	out_begin(&o, stdout, cli_opts.json);
	table_init(&tb, 3, "LAB", "FORWARD", "HITS");
	print_table(&o, &tb);
	print_open_object(&o, NULL);
	print_open_array(&o, "labs");
	for (size_t i = 0; i < labs.n; i++) {
		struct lab_info li;

		if (argc == 2 && strcmp(argv[1], labs.name[i]))
			continue;
		if (argc != 2)
			cli_recover_lab(labs.name[i]); /* cli_lab_is_up() did the one named */
		if (lab_info_read(labs.name[i], &li))
			continue;
		print_open_object(&o, NULL);
		print_string(&o, "name", NULL, li.name);
		if (forward_print_lab(&o, &li) && argc == 2) {
			cli_err("lab %s: no forwards map (is its datapath loaded?)", li.name);
			ret = EXIT_FAIL;
		}
		print_close_object(&o);
		lab_info_free(&li);
	}
	print_close_array(&o);
	print_table_end(&o, "no forwards\n");
	table_free(&tb);
	cli_doc_end(&o);
	lab_names_free(&labs);
	return ret;
}

int cmd_forward(int argc, char **argv)
{
	/* Up to the sub-command word: add, del and list parse what follows it. */
	int ret = opts_simple(&argc, argv, forward_opts, "forward", 1, forward_usage);

	return ret >= 0 ? ret : cli_dispatch(forward_cmds, "forward", argc - 1, argv + 1);
}
