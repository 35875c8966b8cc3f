// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nsbpf nat list|flush|on|off: the masquerade's conntrack, read and changed
 * through the lab's pinned maps (no daemon).
 *
 * JSON shapes: docs/json.md.
 */
#include <arpa/inet.h>
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
#include "util/plural.h"

static int nat_list(int argc, char **argv);
static int nat_flush(int argc, char **argv);
static int nat_on(int argc, char **argv);
static int nat_help(int argc, char **argv);

static const struct nsb_cmd nat_cmds[] = { { "list", nat_list },
					   { "show", nat_list },
					   { "flush", nat_flush },
					   { "on", nat_on },
					   { "off", nat_on },
					   { "help", nat_help },
					   { NULL } };

static void nat_usage(void)
{
	printf("usage: nsbpf nat list LAB [--json]\n"
	       "       nsbpf nat flush LAB\n"
	       "       nsbpf nat { on | off } LAB NETWORK\n"
	       "\n"
	       "list   flows through the NAT (masquerade, forwards, hairpin): original and\n"
	       "       translated tuple, state, age, packets and bytes each way\n"
	       "flush  forget every flow (established connections through the NAT break)\n"
	       "on/off masquerade a network or stop (new flows only; the topology file's\n"
	       "       value comes back on the next `nsbpf up`)\n");
}

static int nat_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	nat_usage();
	return EXIT_OK;
}

/* want words, the lab argv[1] open in li: 0, or an exit code. */
static int lab_arg(int argc, char **argv, int want, struct lab_info *li)
{
	if (argc != want)
		return cli_usage("nat",
				 want == 3 ? "nsbpf nat on|off LAB NETWORK" :
					     "nsbpf nat list|flush LAB",
				 nat_usage);
	return cli_open_lab(argv[1], li);
}

static const char *proto_name(uint8_t p)
{
	return p == IPPROTO_TCP	   ? "tcp" :
	       p == IPPROTO_UDP	   ? "udp" :
	       p == IPPROTO_ICMP   ? "icmp" :
	       p == IPPROTO_ICMPV6 ? "icmpv6" :
				     "?";
}

/* An endpoint's address: dotted IPv4, or IPv6 as inet_ntop() writes it. */
static const char *endpoint_ip(const struct rules_endpoint *ep, char buf[INET6_ADDRSTRLEN])
{
	if (!ep->v6)
		return ipv4_str(ep->ip, buf);
	return inet_ntop(AF_INET6, ep->ip6, buf, INET6_ADDRSTRLEN) ? buf : "?";
}

static const char *state_name(enum nsb_ct_state s)
{
	static const char *const names[] = { "new", "established", "closing", "closed" };

	return (unsigned int)s < 4 ? names[s] : "?";
}

static const char *kind_name(enum rules_flow_kind k)
{
	return k == RULES_FLOW_HAIRPIN ? "hairpin" :
	       k == RULES_FLOW_FORWARD ? "forward" :
					 "masquerade";
}

/* JSON {"tcp_syn": 240, ...}; text "timeouts: tcp_syn 4m, ...". */
static void print_timeouts(struct out *o, const struct rules_config *cfg)
{
	char d[16];

	print_open_object(o, "timeouts");
	print_text(o, "timeouts:");
	for (size_t i = 0; i < RULES_N_TIMEOUTS; i++) {
		const struct rules_timeout *t = &cfg->timeouts[i];

		print_text(o, "%s %s ", i ? "," : "", t->name);
		print_u64(o, t->name, NULL, t->secs);
		print_text(o, "%s", topo_duration_str(t->secs, d, sizeof(d)));
	}
	print_text(o, "\n");
	print_close_object(o);
}

/*
 * {"ip", "port"}, and "ip:port" in text unless it is JSON only: IPv6 as
 * "[ip]:port" (RFC 5952 6).
 */
static void print_endpoint(struct out *o, const char *key, const struct rules_endpoint *ep,
			   bool text)
{
	char a[INET6_ADDRSTRLEN];

	print_open_object(o, key);
	print_string(o, "ip", !text ? NULL : ep->v6 ? "[%s]" : "%s", endpoint_ip(ep, a));
	print_uint(o, "port", text ? ":%u" : NULL, ep->port);
	print_close_object(o);
}

/* The counters: {"orig": {"packets", "bytes"}, "reply": {...}}, or "3/2" "300/200". */
static void print_counters(struct out *o, const struct rules_flow *f)
{
	print_open_object(o, "orig");
	print_u64(o, "packets", NULL, f->pkts_orig);
	print_u64(o, "bytes", NULL, f->bytes_orig);
	print_close_object(o);
	print_open_object(o, "reply");
	print_u64(o, "packets", NULL, f->pkts_reply);
	print_u64(o, "bytes", NULL, f->bytes_reply);
	print_close_object(o);
	print_text(o, "%llu/%llu", (unsigned long long)f->pkts_orig,
		   (unsigned long long)f->pkts_reply);
	print_cell(o);
	print_text(o, "%llu/%llu", (unsigned long long)f->bytes_orig,
		   (unsigned long long)f->bytes_reply);
	print_cell(o);
}

/*
 * One flow: an object of "flows", a row of the table. Where the columns
 * and the members come in another order (the hairpin's destination, the
 * counters), each side is written on its own.
 */
static int print_flow(const struct rules_flow *f, void *arg)
{
	struct out *o = arg;
	char a[INET6_ADDRSTRLEN];

	print_row_open(o, NULL);
	print_string(o, "proto", "%s", proto_name(f->proto));
	print_cell(o);
	print_string(o, "kind", "%s", kind_name(f->kind));
	print_cell(o);
	print_endpoint(o, "node", &f->node, true);
	print_cell(o);
	print_endpoint(o, "remote", &f->remote, true);
	if (f->has_dnat)
		print_text(o, f->dnat.v6 ? "=>[%s]:%u" : "=>%s:%u", endpoint_ip(&f->dnat, a),
			   f->dnat.port);
	print_cell(o);
	print_endpoint(o, "nat", &f->nat, true);
	print_cell(o);
	if (f->has_dnat)
		print_endpoint(o, "dnat", &f->dnat, false);
	else
		print_null(o, "dnat", NULL, NULL);
	print_string(o, "state", "%s", state_name(f->state));
	print_cell(o);
	print_u64(o, "age_s", "%llus", f->age_s);
	print_cell(o);
	print_u64(o, "idle_s", "%llus", f->idle_s);
	print_bool(o, "expired", " (expired)", f->expired);
	print_cell(o);
	print_counters(o, f);
	print_row_close(o);
	return 0;
}

static int nat_list(int argc, char **argv)
{
	struct rules_config cfg;
	struct lab_info li;
	struct err_msg e;
	struct table tb;
	char none[128];
	struct out o;
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
	print_open_object(&o, NULL);
	print_string(&o, "lab", NULL, argv[1]);
	print_timeouts(&o, &cfg);
	table_init(&tb, 10, "PROTO", "KIND", "NODE", "REMOTE", "NAT", "STATE", "AGE", "IDLE",
		   "PKTS OUT/IN", "BYTES OUT/IN");
	print_table(&o, &tb);
	print_open_array(&o, "flows");
	ret = rules_flows_foreach(argv[1], print_flow, &o, &e) ? EXIT_FAIL : EXIT_OK;
	print_close_array(&o);
	snprintf(none, sizeof(none), "lab %s: no flows\n", argv[1]);
	print_table_end(&o, ret ? "" : none);
	table_free(&tb);
	if (ret)
		cli_err("%s", e.text);
	cli_doc_end(&o);
	return ret;
}

static int nat_flush(int argc, char **argv)
{
	struct lab_info li;
	struct err_msg e;
	int ret = lab_arg(argc, argv, 2, &li);
	struct out o;
	size_t n;

	if (ret)
		return ret;
	lab_info_free(&li);
	if (rules_flows_flush(argv[1], &n, &e)) {
		cli_err("%s", e.text);
		return EXIT_FAIL;
	}
	/* {"lab", "flushed": N} */
	out_begin(&o, stdout, cli_opts.json);
	print_open_object(&o, NULL);
	print_string(&o, "lab", "lab %s: ", argv[1]);
	print_u64(&o, "flushed", "%llu ", n);
	print_text(&o, "%s flushed\n", plural(n, "flow", "flows"));
	cli_doc_end(&o);
	return EXIT_OK;
}

/* {"lab", "network", "masquerade": BOOL, "changed": BOOL}: as it is now, and whether it was not. */
static void print_masquerade(const char *lab, const char *net, bool on, bool changed)
{
	struct out o;

	out_begin(&o, stdout, cli_opts.json);
	print_open_object(&o, NULL);
	print_string(&o, "lab", "lab %s: ", lab);
	print_string(&o, "network", "network %s: ", net);
	print_bool(&o, "masquerade", "masquerade on", on);
	print_text(&o, "%s", on ? "" : "masquerade off");
	print_bool(&o, "changed", NULL, changed);
	print_text(&o, "%s\n", changed ? "" : " (already)");
	cli_doc_end(&o);
}

static int nat_on(int argc, char **argv)
{
	bool on = !strcmp(argv[0], "on");
	const struct lab_net *net;
	bool changed = false;
	char hint[TOPO_NAME_MAX + 32];
	struct lab_info li;
	struct err_msg e;
	int ret = lab_arg(argc, argv, 3, &li);

	if (ret)
		return ret;
	net = lab_net_find(&li, argv[2]);
	if (!net) {
		cli_err("lab %s has no network \"%s\"%s", argv[1], argv[2],
			cli_net_hint(&li, argv[2], hint, sizeof(hint)));
		ret = EXIT_USAGE;
	} else if (rules_masquerade_set(argv[1], net, on, &changed, &e)) {
		cli_err("%s", e.text);
		ret = EXIT_FAIL;
	} else {
		if (!li.uplink[0] && on)
			fprintf(stderr, "nsbpf: note: lab %s has no uplink; nothing can leave\n",
				argv[1]);
		print_masquerade(argv[1], net->name, on, changed);
	}
	lab_info_free(&li);
	return ret;
}

/* Every sub-command takes the same options: parse them once, here. */
const struct cli_opt nat_opts[] = { CLI_OPT_JSON, CLI_OPT_HELP, { 0 } };

int cmd_nat(int argc, char **argv)
{
	int ret = opts_simple(&argc, argv, nat_opts, "nat", 0, nat_usage);

	return ret >= 0 ? ret : cli_dispatch(nat_cmds, "nat", argc - 1, argv + 1);
}
