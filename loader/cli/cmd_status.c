// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nsbpf status [LAB] [--json]
 *
 * JSON shape (stable):
 * {"labs": [{"name", "file", "attach", "uplink": {"name", "ip", "attach"} | null,
 *            "nodes": [{"name", "network", "netns", "hostif", "ifindex",
 *                       "ip", "prefix", "mac", "host_mac", "state"}],
 *            "forwards": [as in `nsbpf forward list --json`]}]}
 * state: "up" (host end up with carrier), "down", "missing" (host end or
 * namespace gone).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmds.h"
#include "lab/lab.h"
#include "sys/netns.h"
#include "sys/nl.h"
#include "cli/out.h"
#include "sys/state.h"

static void status_help(void)
{
	printf("usage: nsbpf status [LAB] [--json]\n"
	       "\n"
	       "Show the labs that are up (or one), their attach mode and uplink, and per\n"
	       "node: network, address, namespace, host-side interface, MAC and state.\n");
}

static const char *node_state(struct nl_sock *sk, const struct lab_node *n, int *ifindex)
{
	struct nl_link_info info;
	int fd = netns_open(n->netns);

	*ifindex = 0;
	if (fd < 0)
		return "missing";
	close(fd);
	if (!sk || nl_link_get(sk, n->hostif, &info))
		return "missing";
	*ifindex = info.ifindex;
	return info.admin_up && info.lower_up ? "up" : "down";
}

static void print_lab(struct out *o, struct nl_sock *sk, const struct lab_info *li)
{
	char ip[16], mac[18], hmac[18], buf[32];
	struct table tb;

	if (o->json) {
		out_obj_open(o, NULL);
		out_str(o, "name", li->name);
		out_str(o, "file", li->file);
		out_str(o, "attach", li->attach);
		if (li->uplink[0]) {
			out_obj_open(o, "uplink");
			out_str(o, "name", li->uplink);
			out_str(o, "ip", li->uplink_ip ? ipv4_str(li->uplink_ip, ip) : NULL);
			out_str(o, "attach", li->uplink_attach[0] ? li->uplink_attach : NULL);
			out_obj_close(o);
		} else {
			out_str(o, "uplink", NULL);
		}
		out_arr_open(o, "nodes");
	} else {
		printf("lab %s (%s): host ends %s, uplink %s", li->name, li->file, li->attach,
		       li->uplink[0] ? li->uplink : "none");
		if (li->uplink_ip)
			printf(" %s", ipv4_str(li->uplink_ip, ip));
		if (li->uplink_attach[0])
			printf(" (%s)", li->uplink_attach);
		printf("\n");
		table_init(&tb, 7, "NODE", "NETWORK", "ADDRESS", "NETNS", "HOSTIF", "MAC", "STATE");
	}
	for (size_t i = 0; i < li->n_nodes; i++) {
		const struct lab_node *n = &li->nodes[i];
		int ifindex;
		const char *state = node_state(sk, n, &ifindex);

		fmt_mac(n->node_mac, mac);
		fmt_mac(n->host_mac, hmac);
		if (o->json) {
			out_obj_open(o, NULL);
			out_str(o, "name", n->name);
			out_str(o, "network", n->network);
			out_str(o, "netns", n->netns);
			out_str(o, "hostif", n->hostif);
			out_u64(o, "ifindex", (uint64_t)ifindex);
			out_str(o, "ip", ipv4_str(n->ip, ip));
			out_u64(o, "prefix", (uint64_t)n->prefix);
			out_str(o, "mac", mac);
			out_str(o, "host_mac", hmac);
			out_str(o, "state", state);
			out_obj_close(o);
		} else {
			snprintf(buf, sizeof(buf), "%s/%d", ipv4_str(n->ip, ip), n->prefix);
			table_row(&tb, n->name, n->network, buf, n->netns, n->hostif, mac, state);
		}
	}
	if (o->json) {
		out_arr_close(o);
		if (forward_print_lab(o, NULL, li)) {
			out_arr_open(o, "forwards");
			out_arr_close(o);
		}
		out_obj_close(o);
	} else {
		table_print(&tb, stdout);
		table_free(&tb);
		table_init(&tb, 3, "LAB", "FORWARD", "HITS");
		if (!forward_print_lab(o, &tb, li) && tb.nrows > 1) {
			printf("forwards:\n");
			for (int r = 1; r < tb.nrows; r++)
				printf("  %s  (%s hits)\n", tb.cells[r * 3 + 1], tb.cells[r * 3 + 2]);
		}
		table_free(&tb);
	}
}

const struct cli_opt status_opts[] = { CLI_OPT_JSON, CLI_OPT_HELP, { 0 } };

int cmd_status(int argc, char **argv)
{
	struct state_lines labs = { 0 };
	const char *only = NULL;
	struct nl_sock *sk;
	struct out o;
	int ret = EXIT_OK;

	switch (opts_parse(&argc, argv, status_opts, "status", 0)) {
	case OPTS_GO:
		break;
	case OPTS_HELP:
		status_help();
		return EXIT_OK;
	default:
		return EXIT_USAGE;
	}
	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		cli_err("status: usage: nsbpf status [LAB] [--json]");
		return EXIT_USAGE;
	}
	if (argc == 2) {
		only = argv[1];
		if (cli_check_lab(only))
			return EXIT_USAGE;
		if (!state_exists(only)) {
			cli_err("lab %s is not up", only);
			return EXIT_FAIL;
		}
	}
	if (state_list(&labs)) {
		cli_err("status: read %s: %s", STATE_DIR, strerror(errno));
		return EXIT_FAIL;
	}
	sk = nl_open();
	out_begin(&o, stdout, cli_opts.json);
	if (o.json) {
		out_obj_open(&o, NULL);
		out_arr_open(&o, "labs");
	}
	for (size_t i = 0; i < labs.n; i++) {
		struct lab_info li;

		if (only && strcmp(only, labs.line[i]))
			continue;
		if (lab_info_read(labs.line[i], &li)) {
			if (!o.json)
				printf("lab %s: partly up (interrupted?): \"nsbpf down %s\" cleans it up\n",
				       labs.line[i], labs.line[i]);
			if (only)
				ret = EXIT_FAIL;
			continue;
		}
		if (!o.json && i && !only)
			printf("\n");
		print_lab(&o, sk, &li);
		lab_info_free(&li);
	}
	if (o.json) {
		out_arr_close(&o);
		out_obj_close(&o);
	} else if (!labs.n) {
		printf("no labs are up\n");
	}
	out_end(&o);
	nl_close(sk);
	state_lines_free(&labs);
	return ret;
}
