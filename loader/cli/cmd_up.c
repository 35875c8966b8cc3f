// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* nsbpf up FILE [--dry-run] [--force] [--attach auto|tcx|clsact] */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmds.h"
#include "cli/out.h"
#include "cli/progress.h"
#include "lab/lab.h"
#include "topo/topo.h"
#include "util/addr.h"
#include "util/plural.h"

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
	       "On a lab that is up, converge it to FILE: what the file adds is created,\n"
	       "what it removes deleted, a changed node made again; unchanged nodes keep\n"
	       "their namespaces, processes and flows, forwards added at run time stay,\n"
	       "the programs are replaced in place and the maps kept. Any failure rolls\n"
	       "back to the lab as it was.\n"
	       "\n"
	       "  --dry-run        print what would be created (on a running lab: what\n"
	       "                   would change, one line each), change nothing\n"
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
		cli_err_placed(errs->msgs[i]);
	return EXIT_USAGE;
}

static void plan_networks(struct out *o, const struct topo *t)
{
	char ip[IPV4_STRLEN], gw[IPV4_STRLEN], a6[INET6_ADDRSTRLEN];

	print_open_array(o, "networks");
	for (size_t i = 0; i < t->n_networks; i++) {
		const struct topo_network *nw = &t->networks[i];

		print_open_object(o, NULL);
		print_string(o, "name", "  network %s: ", nw->name);
		if (topo_net_has_v4(nw)) {
			print_string(o, "subnet", "%s", ipv4_str(nw->subnet, ip));
			print_uint(o, "prefix", "/%u", nw->prefix);
			print_string(o, "gateway", " gateway %s", ipv4_str(nw->gateway, gw));
		} else {
			print_null(o, "subnet", "%s", "IPv6 only");
			print_null(o, "prefix", NULL, NULL);
			print_null(o, "gateway", NULL, NULL);
		}
		if (topo_net_has_v6(nw)) {
			print_string(o, "subnet6", ", %s",
				     inet_ntop(AF_INET6, &nw->subnet6, a6, sizeof(a6)));
			print_uint(o, "prefix6", "/%u", nw->prefix6);
			print_string(o, "gateway6", " gateway6 %s",
				     inet_ntop(AF_INET6, &nw->gateway6, a6, sizeof(a6)));
		} else {
			print_null(o, "subnet6", NULL, NULL);
			print_null(o, "prefix6", NULL, NULL);
			print_null(o, "gateway6", NULL, NULL);
		}
		print_bool(o, "masquerade", " masquerade", nw->masquerade);
		print_text(o, "\n");
		print_close_object(o);
	}
	print_close_array(o);
}

/* Leg k of n, as plan_nodes prints it: ", veth HOSTIF <-> ethK IP/PREFIX, IP6/PREFIX6". */
static void plan_leg(struct out *o, const struct topo *t, const struct topo_node *n, size_t k)
{
	struct topo_leg l = topo_node_leg(n, k);
	const struct topo_network *nw = &t->networks[l.network];
	char ip[IPV4_STRLEN], eth[24], a6[INET6_ADDRSTRLEN];

	snprintf(eth, sizeof(eth), "eth%zu", k);
	print_open_object(o, NULL);
	print_string(o, "network", NULL, nw->name);
	print_string(o, "hostif", ", veth %s", l.hostif);
	print_string(o, "ifname", " <-> %s", eth);
	if (topo_net_has_v4(nw)) {
		print_string(o, "ip", " %s", ipv4_str(l.ip, ip));
		print_uint(o, "prefix", "/%u", nw->prefix);
	} else {
		print_null(o, "ip", NULL, NULL);
		print_null(o, "prefix", NULL, NULL);
	}
	if (topo_leg_has_v6(t, n, k)) {
		print_string(o, "ip6", topo_net_has_v4(nw) ? ", %s" : " %s",
			     inet_ntop(AF_INET6, &l.ip6, a6, sizeof(a6)));
		print_uint(o, "prefix6", "/%u", nw->prefix6);
	} else {
		print_null(o, "ip6", NULL, NULL);
		print_null(o, "prefix6", NULL, NULL);
	}
	print_close_object(o);
}

/* The first leg's keys: null (and ", links only") for a node without one. */
static void plan_first_leg(struct out *o, const struct topo *t, const struct topo_node *n)
{
	const struct topo_network *nw = n->network >= 0 ? &t->networks[n->network] : NULL;
	char ip[IPV4_STRLEN], gw[IPV4_STRLEN], a6[INET6_ADDRSTRLEN];

	if (!nw) {
		print_null(o, "hostif", NULL, NULL);
		print_null(o, "ip", NULL, NULL);
		print_null(o, "prefix", NULL, NULL);
		print_null(o, "gateway", "%s", ", links only");
	} else if (!topo_net_has_v4(nw)) {
		print_string(o, "hostif", ", veth %s <-> eth0", n->hostif);
		print_null(o, "ip", NULL, NULL);
		print_null(o, "prefix", NULL, NULL);
		print_null(o, "gateway", NULL, NULL);
	} else {
		print_string(o, "hostif", ", veth %s <-> eth0 ", n->hostif);
		print_string(o, "ip", "%s", ipv4_str(n->ip, ip));
		print_uint(o, "prefix", "/%u", nw->prefix);
		print_string(o, "gateway", ", default via %s", ipv4_str(nw->gateway, gw));
	}
	if (nw && topo_net_has_v6(nw)) {
		print_string(o, "ip6", ", %s", inet_ntop(AF_INET6, &n->ip6, a6, sizeof(a6)));
		print_uint(o, "prefix6", "/%u", nw->prefix6);
		print_string(o, "gateway6", " via %s",
			     inet_ntop(AF_INET6, &nw->gateway6, a6, sizeof(a6)));
	} else {
		print_null(o, "ip6", NULL, NULL);
		print_null(o, "prefix6", NULL, NULL);
		print_null(o, "gateway6", NULL, NULL);
	}
}

static void plan_nodes(struct out *o, const struct topo *t)
{
	print_open_array(o, "nodes");
	for (size_t i = 0; i < t->n_nodes; i++) {
		const struct topo_node *n = &t->nodes[i];

		print_open_object(o, NULL);
		print_string(o, "name", "  node %s: ", n->name);
		print_string(o, "netns", "netns %s", n->netns);
		plan_first_leg(o, t, n);
		print_open_array(o, "legs");
		for (size_t k = 1; k < topo_node_n_legs(n); k++)
			plan_leg(o, t, n, k);
		print_close_array(o);
		print_u64(o, "routes", n->n_routes ? ", %llu static " : NULL, n->n_routes);
		print_text(o, "%s", n->n_routes ? plural(n->n_routes, "route", "routes") : "");
		print_u64(o, "exec", n->n_exec ? ", %llu exec " : NULL, n->n_exec);
		print_text(o, "%s\n", n->n_exec ? plural(n->n_exec, "command", "commands") : "");
		print_close_object(o);
	}
	print_close_array(o);
}

static void plan_links(struct out *o, const struct topo *t)
{
	char ip[IPV4_STRLEN], a6[INET6_ADDRSTRLEN];

	print_open_array(o, "links");
	for (size_t i = 0; i < t->n_links; i++) {
		const struct topo_link *l = &t->links[i];

		print_open_object(o, NULL);
		print_open_array(o, "ends");
		for (int e = 0; e < 2; e++) {
			struct in6_addr e6 = topo_link_ip6(l, e);

			print_open_object(o, NULL);
			print_string(o, "node", e ? " - %s" : "  link %s",
				     t->nodes[l->node[e]].name);
			print_string(o, "ifname", ":%s", l->ifname[e]);
			print_string(o, "ip", " %s", ipv4_str(topo_link_ip(l, e), ip));
			if (l->prefix6)
				print_string(o, "ip6", " %s",
					     inet_ntop(AF_INET6, &e6, a6, sizeof(a6)));
			else
				print_null(o, "ip6", NULL, NULL);
			print_close_object(o);
		}
		print_close_array(o);
		print_uint(o, "prefix", "/%u", l->prefix);
		if (l->prefix6)
			print_uint(o, "prefix6", " /%u", l->prefix6);
		else
			print_null(o, "prefix6", NULL, NULL);
		print_bool(o, "netem", ", netem", l->netem.set);
		print_text(o, "\n");
		print_close_object(o);
	}
	print_close_array(o);
}

static void plan_forwards(struct out *o, const struct topo *t)
{
	char ip[IPV4_STRLEN];

	print_open_array(o, "forwards");
	for (size_t i = 0; i < t->n_forwards; i++) {
		const struct topo_forward *f = &t->forwards[i];

		print_open_object(o, NULL);
		print_string(o, "proto", "  forward %s ", f->proto == 6 ? "tcp" : "udp");
		if (f->host_ip)
			print_string(o, "host", NULL, ipv4_str(f->host_ip, ip));
		else
			print_null(o, "host", NULL, NULL);
		print_uint(o, "port", "%u", f->port);
		print_uint(o, "port_end", "-%u", f->port_end);
		print_string(o, "node", " -> %s", t->nodes[f->node].name);
		print_uint(o, "to_port", ":%u", f->to_port);
		print_uint(o, "to_port_end", "-%u\n", f->to_port_end);
		print_close_object(o);
	}
	print_close_array(o);
}

static const char *ports_str(const struct topo *t, char buf[16])
{
	snprintf(buf, 16, "%u-%u", t->nat.port_min, t->nat.port_max);
	return buf;
}

/* The attach modes the lab got (JSON only): null for a dry run. */
static void print_attach(struct out *o, const struct topo *t, const struct up_result *r)
{
	struct lab_info li;

	if (r->done == UP_PLANNED || lab_info_read(t->name, &li)) {
		print_null(o, "attach", NULL, NULL);
		print_null(o, "uplink_attach", NULL, NULL);
		return;
	}
	print_string(o, "attach", NULL, li.attach);
	if (li.uplink_attach[0] && strcmp(li.uplink_attach, "-"))
		print_string(o, "uplink_attach", NULL, li.uplink_attach);
	else
		print_null(o, "uplink_attach", NULL, NULL);
	lab_info_free(&li);
}

/*
 * The changes of a converge, or of a dry run on a running lab: one line
 * each, "+ node h2", "~ node h1: ip A -> B"; null (JSON) when the lab was
 * not up with a recorded topology.
 */
static void print_changes(struct out *o, const struct up_result *r)
{
	static const char *const ops[] = { ['+'] = "add", ['-'] = "remove", ['~'] = "change" };

	if (!r->has_diff) {
		print_null(o, "changes", NULL, NULL);
		return;
	}
	print_open_array(o, "changes");
	for (size_t i = 0; i < r->diff.n; i++) {
		const struct topo_diff_line *l = &r->diff.lines[i];
		char op[2] = { l->op, '\0' };

		print_open_object(o, NULL);
		print_text(o, "%s ", op);
		print_string(o, "change", NULL, ops[(unsigned char)l->op]);
		print_string(o, "kind", "%s ", topo_diff_kind_name(l->kind));
		print_string(o, "name", "%s", l->name);
		if (l->detail[0])
			print_string(o, "detail", ": %s", l->detail);
		else
			print_null(o, "detail", NULL, NULL);
		print_text(o, "\n");
		print_close_object(o);
	}
	print_close_array(o);
}

/* The one line of text: what up did, or that the plan follows. */
static void print_head(struct out *o, const struct topo *t, const struct up_result *r)
{
	char nodes[32], nets[32], changes[32];

	count_str(changes, sizeof(changes), r->diff.n, "change", "changes");
	if (r->done == UP_PLANNED && r->has_diff)
		print_text(o, " is up: %s to converge (dry run, nothing changed)\n", changes);
	else if (r->done == UP_PLANNED)
		print_text(o, ": would create (dry run, nothing changed)\n");
	else if (r->done == UP_CONVERGED)
		print_text(o, " is up: converged, %s; programs replaced in place (%s), maps kept\n",
			   changes, attach_mode_name(r->attach));
	else if (r->done == UP_REPLACED)
		print_text(o, " is up: programs replaced in place (%s), maps kept\n",
			   attach_mode_name(r->attach));
	else
		print_text(o, " is up: %s, %s\n",
			   count_str(nodes, sizeof(nodes), t->n_nodes, "node", "nodes"),
			   count_str(nets, sizeof(nets), t->n_networks, "network", "networks"));
}

/*
 * What up did or would do (docs/json.md): in text the plan for a dry run,
 * one line otherwise; under --json always the lab as created or planned.
 */
static void print_up(const struct topo *t, const struct up_result *r)
{
	static const char *const results[] = {
		[UP_CREATED] = "created",
		[UP_REPLACED] = "replaced",
		[UP_PLANNED] = "planned",
		[UP_CONVERGED] = "converged",
	};
	char ports[16];
	struct out o;

	out_begin(&o, stdout, cli_opts.json);
	print_open_object(&o, NULL);
	print_string(&o, "lab", "lab %s", t->name);
	print_head(&o, t, r);
	print_string(&o, "result", NULL, results[r->done]);
	print_bool(&o, "dry_run", NULL, r->done == UP_PLANNED);
	print_attach(&o, t, r);
	print_changes(&o, r);
	if (o.json || (r->done == UP_PLANNED && !r->has_diff)) {
		if (r->uplink[0])
			print_string(&o, "uplink", "  uplink: %s\n", r->uplink);
		else
			print_null(&o, "uplink", "  uplink: %s\n", "(none)");
		print_string(&o, "snat_ports", "  masquerade ports: %s\n", ports_str(t, ports));
		plan_networks(&o, t);
		plan_nodes(&o, t);
		plan_links(&o, t);
		print_string(&o, "pins",
			     "  bpf: programs from_node/to_node on every host end, maps in %s/\n",
			     r->pin_dir);
		plan_forwards(&o, t);
	}
	cli_doc_end(&o);
}

/* What a failed exec command wrote last (lab_up() kept it before rolling back). */
static void print_log_tail(const struct lab_exec_fail *f)
{
	size_t n = strlen(f->tail);

	if (n)
		fprintf(stderr, "--- output (%s) ---\n%s%s", f->log, f->tail,
			f->tail[n - 1] == '\n' ? "" : "\n");
}

/* What lab_up() did, or every reason it did not, in order: the exit code. */
static int up_report(const struct topo *t, const struct up_result *r, int err)
{
	if (!err) {
		print_up(t, r);
		return EXIT_OK;
	}
	cmd_report_topo_errors(&r->problems);
	if (r->exec.why.text[0]) {
		cli_err("%s", r->exec.why.text);
		print_log_tail(&r->exec);
	}
	if (r->err.text[0])
		cli_err("%s", r->err.text);
	if (r->rollback.text[0])
		cli_err("%s", r->rollback.text);
	return r->bad_input ? EXIT_USAGE : EXIT_FAIL;
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
	return EXIT_USAGE; /* '?': reported */
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
	struct up_result r;
	const char *file;
	struct topo *t = NULL;
	struct cli_progress pr;
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
	/* a re-up keeps the forwards map: finish an interrupted batch on it first */
	if (!o.dry_run && lab_exists(t->name))
		cli_recover_lab(t->name);
	progress_init(&pr, o.dry_run ? 0 : t->n_nodes);
	o.progress = &pr.lp;
	ret = lab_up(t, &o, &r);
	progress_end(&pr);
	ret = up_report(t, &r, ret);
	up_result_free(&r);
	topo_free(t);
	return ret;
}
