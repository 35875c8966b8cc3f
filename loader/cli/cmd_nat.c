// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nsbpf nat list|flush|on|off: the masquerade's conntrack, read and changed
 * through the lab's pinned maps (no daemon).
 *
 * `nat list --json` shape:
 * {"lab", "timeouts": {"tcp_syn", "tcp_established", "tcp_closing", "tcp_closed",
 *   "udp_new", "udp", "icmp"} (seconds), "flows": [{"proto", "kind", "node": {"ip", "port"},
 *   "remote": {"ip", "port"}, "nat": {"ip", "port"}, "dnat": {"ip", "port"} | null,
 *   "state", "age_s", "idle_s", "expired",
 *   "orig": {"packets", "bytes"}, "reply": {"packets", "bytes"}}]}
 * kind: "masquerade" (the node opened it), "forward" (a client through a
 * forward), "hairpin" (node to node through a forward). "node" is the node
 * that sends with this entry's key, "nat" the source it is given, "dnat" the
 * destination a hairpin entry is given.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmds.h"
#include "cli/out.h"
#include "lab/lab.h"
#include "lab/rules.h"
#include "topo/topo.h"
#include "util/addr.h"

static int nat_list(int argc, char **argv);
static int nat_flush(int argc, char **argv);
static int nat_on(int argc, char **argv);
static int nat_help(int argc, char **argv);

static const struct nsb_cmd nat_cmds[] = {
	{ "list", nat_list }, { "show", nat_list },
	{ "flush", nat_flush },
	{ "on", nat_on }, { "off", nat_on },
	{ "help", nat_help },
	{ NULL }
};

static int nat_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("usage: nsbpf nat list LAB [--json]\n"
	       "       nsbpf nat flush LAB\n"
	       "       nsbpf nat { on | off } LAB NETWORK\n"
	       "\n"
	       "list   flows through the NAT (masquerade, forwards, hairpin): original and\n"
	       "       translated tuple, state, age, packets and bytes each way\n"
	       "flush  forget every flow (established connections through the NAT break)\n"
	       "on/off masquerade a network or stop (new flows only; the topology file's\n"
	       "       value comes back on the next `nsbpf up`)\n");
	return EXIT_OK;
}

/* want words, the lab argv[1] open in li: 0, or an exit code. */
static int lab_arg(int argc, char **argv, int want, struct lab_info *li)
{
	if (argc != want) {
		nat_help(0, NULL);
		return EXIT_USAGE;
	}
	return cli_open_lab(argv[1], li);
}

static const char *proto_name(uint8_t p)
{
	return p == IPPROTO_TCP ? "tcp" : p == IPPROTO_UDP ? "udp" : p == IPPROTO_ICMP ? "icmp" : "?";
}

static const char *state_name(enum nsb_ct_state s)
{
	static const char *const names[] = { "new", "established", "closing", "closed" };

	return (unsigned int)s < 4 ? names[s] : "?";
}

static const char *kind_name(enum rules_flow_kind k)
{
	return k == RULES_FLOW_HAIRPIN ? "hairpin" : k == RULES_FLOW_FORWARD ? "forward" : "masquerade";
}

static void out_timeouts(struct out *o, const struct rules_config *cfg)
{
	char line[256] = "timeouts:", d[16];
	size_t i;

	if (o->json)
		out_obj_open(o, "timeouts");
	for (i = 0; i < RULES_N_TIMEOUTS; i++) {
		const struct rules_timeout *t = &cfg->timeouts[i];

		if (o->json)
			out_u64(o, t->name, t->secs);
		else
			snprintf(line + strlen(line), sizeof(line) - strlen(line), "%s %s %s",
				 i ? "," : "", t->name, topo_duration_str(t->secs, d, sizeof(d)));
	}
	if (o->json)
		out_obj_close(o);
	else
		printf("%s\n", line);
}

static void out_endpoint(struct out *o, const char *key, const struct rules_endpoint *ep)
{
	char a[IPV4_STRLEN];

	out_obj_open(o, key);
	out_str(o, "ip", ipv4_str(ep->ip, a));
	out_u64(o, "port", ep->port);
	out_obj_close(o);
}

static void fmt_ep(char *buf, size_t len, const struct rules_endpoint *ep)
{
	char a[IPV4_STRLEN];

	snprintf(buf, len, "%s:%u", ipv4_str(ep->ip, a), ep->port);
}

static void flow_json(struct out *o, const struct rules_flow *f)
{
	out_obj_open(o, NULL);
	out_str(o, "proto", proto_name(f->proto));
	out_str(o, "kind", kind_name(f->kind));
	out_endpoint(o, "node", &f->node);
	out_endpoint(o, "remote", &f->remote);
	out_endpoint(o, "nat", &f->nat);
	if (f->has_dnat)
		out_endpoint(o, "dnat", &f->dnat);
	else
		out_str(o, "dnat", NULL);
	out_str(o, "state", state_name(f->state));
	out_u64(o, "age_s", f->age_s);
	out_u64(o, "idle_s", f->idle_s);
	out_bool(o, "expired", f->expired);
	out_obj_open(o, "orig");
	out_u64(o, "packets", f->pkts_orig);
	out_u64(o, "bytes", f->bytes_orig);
	out_obj_close(o);
	out_obj_open(o, "reply");
	out_u64(o, "packets", f->pkts_reply);
	out_u64(o, "bytes", f->bytes_reply);
	out_obj_close(o);
	out_obj_close(o);
}

static void flow_row(struct table *tb, const struct rules_flow *f)
{
	char node[32], remote[64], nat[32], ag[24], id[24], pk[48], by[48];

	fmt_ep(node, sizeof(node), &f->node);
	fmt_ep(remote, sizeof(remote), &f->remote);
	fmt_ep(nat, sizeof(nat), &f->nat);
	if (f->has_dnat) {
		char d[32];

		fmt_ep(d, sizeof(d), &f->dnat);
		snprintf(remote + strlen(remote), sizeof(remote) - strlen(remote), "=>%s", d);
	}
	snprintf(ag, sizeof(ag), "%llus", (unsigned long long)f->age_s);
	snprintf(id, sizeof(id), "%llus%s", (unsigned long long)f->idle_s,
		 f->expired ? " (expired)" : "");
	snprintf(pk, sizeof(pk), "%llu/%llu", (unsigned long long)f->pkts_orig,
		 (unsigned long long)f->pkts_reply);
	snprintf(by, sizeof(by), "%llu/%llu", (unsigned long long)f->bytes_orig,
		 (unsigned long long)f->bytes_reply);
	table_row(tb, proto_name(f->proto), kind_name(f->kind), node, remote, nat,
		  state_name(f->state), ag, id, pk, by);
}

struct flow_out {
	struct out *o;
	struct table tb;
	int n;
};

static int print_flow(const struct rules_flow *f, void *arg)
{
	struct flow_out *fo = arg;

	fo->n++;
	if (fo->o->json)
		flow_json(fo->o, f);
	else
		flow_row(&fo->tb, f);
	return 0;
}

static int nat_list(int argc, char **argv)
{
	struct rules_config cfg;
	struct lab_info li;
	struct err_msg e;
	struct out o;
	struct flow_out fo = { .o = &o };
	int ret;

	ret = lab_arg(argc, argv, 2, &li);
	if (ret)
		return ret;
	lab_info_free(&li);
	if (rules_config_read(argv[1], &cfg, &e)) {
		cli_err("%s", e.text);
		return EXIT_FAIL;
	}
	out_begin(&o, stdout, cli_opts.json);
	if (o.json) {
		out_obj_open(&o, NULL);
		out_str(&o, "lab", argv[1]);
		out_timeouts(&o, &cfg);
		out_arr_open(&o, "flows");
	} else {
		out_timeouts(&o, &cfg);
		table_init(&fo.tb, 10, "PROTO", "KIND", "NODE", "REMOTE", "NAT", "STATE", "AGE",
			   "IDLE", "PKTS OUT/IN", "BYTES OUT/IN");
	}
	ret = rules_flows_foreach(argv[1], print_flow, &fo, &e) ? EXIT_FAIL : EXIT_OK;
	if (o.json) {
		out_arr_close(&o);
		out_obj_close(&o);
	} else {
		if (fo.n)
			table_print(&fo.tb, stdout);
		else if (!ret)
			printf("lab %s: no flows\n", argv[1]);
		table_free(&fo.tb);
	}
	out_end(&o);
	if (ret)
		cli_err("%s", e.text);
	return ret;
}

static int nat_flush(int argc, char **argv)
{
	struct lab_info li;
	struct err_msg e;
	int ret = lab_arg(argc, argv, 2, &li);
	size_t n;

	if (ret)
		return ret;
	lab_info_free(&li);
	if (rules_flows_flush(argv[1], &n, &e)) {
		cli_err("%s", e.text);
		return EXIT_FAIL;
	}
	if (!cli_opts.json)
		printf("lab %s: %zu flow%s flushed\n", argv[1], n, n == 1 ? "" : "s");
	return EXIT_OK;
}

static int nat_on(int argc, char **argv)
{
	bool on = !strcmp(argv[0], "on");
	const struct lab_net *net;
	struct lab_info li;
	struct err_msg e;
	int ret = lab_arg(argc, argv, 3, &li);

	if (ret)
		return ret;
	net = lab_net_find(&li, argv[2]);
	if (!net) {
		cli_err("lab %s has no network \"%s\"", argv[1], argv[2]);
		ret = EXIT_USAGE;
	} else if (rules_masquerade_set(argv[1], net, on, &e)) {
		cli_err("%s", e.text);
		ret = EXIT_FAIL;
	} else {
		if (!li.uplink[0] && on)
			fprintf(stderr, "nsbpf: note: lab %s has no uplink; nothing can leave\n",
				argv[1]);
		if (!cli_opts.json)
			printf("lab %s: network %s: masquerade %s\n", argv[1], argv[2],
			       on ? "on" : "off");
	}
	lab_info_free(&li);
	return ret;
}

int cmd_nat(int argc, char **argv)
{
	if (cli_wants_help(argc, argv))
		return nat_help(argc, argv);
	return cli_dispatch(nat_cmds, "nat", argc - 1, argv + 1);
}
