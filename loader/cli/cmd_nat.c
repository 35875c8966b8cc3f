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
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "cli/cli.h"
#include "nsbpf_ct.h"
#include "cli/cmds.h"
#include "lab/datapath.h"
#include "lab/lab.h"
#include "cli/out.h"
#include "sys/state.h"
#include "topo/topo.h"

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

static int open_pinned(const char *lab, const char *map)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s/%s", PIN_ROOT, lab, map);
	fd = bpf_obj_get(path);
	if (fd < 0)
		cli_err("lab %s: open %s: %s", lab, path, strerror(errno));
	return fd;
}

static int lab_arg(int argc, char **argv, int want)
{
	if (argc != want) {
		nat_help(0, NULL);
		return EXIT_USAGE;
	}
	if (cli_check_lab(argv[1]))
		return EXIT_USAGE;
	if (!state_exists(argv[1])) {
		cli_err("lab %s is not up", argv[1]);
		return EXIT_FAIL;
	}
	return 0;
}

static const char *proto_name(__u8 p)
{
	return p == IPPROTO_TCP ? "tcp" : p == IPPROTO_UDP ? "udp" : p == IPPROTO_ICMP ? "icmp" : "?";
}

static const char *state_name(__u8 s)
{
	static const char *const names[] = { "new", "established", "closing", "closed" };

	return s < 4 ? names[s] : "?";
}

static const char *kind_name(__u8 flags)
{
	return flags & NSB_CT_F_HAIRPIN ? "hairpin" : flags & NSB_CT_F_DNAT ? "forward" : "masquerade";
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);	/* bpf_ktime_get_ns()'s clock */
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

static __u64 timeout_ns(const struct nsb_config *c, const struct nsb_ct_key *k,
			const struct nsb_ct_entry *e)
{
	return nsb_ct_timeout(c, k->proto, e->state);
}

/* The timeouts in force, by the names of the file's nat: timeouts: keys. */
static const struct {
	const char *name;
	__u8 proto;
	__u8 state;
} tmo_rows[] = {
	{ "tcp_syn", IPPROTO_TCP, NSB_CT_NEW },
	{ "tcp_established", IPPROTO_TCP, NSB_CT_ESTABLISHED },
	{ "tcp_closing", IPPROTO_TCP, NSB_CT_CLOSING },
	{ "tcp_closed", IPPROTO_TCP, NSB_CT_CLOSED },
	{ "udp_new", IPPROTO_UDP, NSB_CT_NEW },
	{ "udp", IPPROTO_UDP, NSB_CT_ESTABLISHED },
	{ "icmp", IPPROTO_ICMP, NSB_CT_NEW },
};

/* Read through nsb_ct_timeout(), the rule the datapath expires flows by. */
static void out_timeouts(struct out *o, const struct nsb_config *cfg)
{
	char line[256] = "timeouts:", d[16];
	size_t i;

	if (o->json)
		out_obj_open(o, "timeouts");
	for (i = 0; i < sizeof(tmo_rows) / sizeof(tmo_rows[0]); i++) {
		__u64 secs = nsb_ct_timeout(cfg, tmo_rows[i].proto, tmo_rows[i].state) /
			     NSB_NSEC_PER_SEC;

		if (o->json)
			out_u64(o, tmo_rows[i].name, secs);
		else
			snprintf(line + strlen(line), sizeof(line) - strlen(line), "%s %s %s",
				 i ? "," : "", tmo_rows[i].name,
				 topo_duration_str(secs, d, sizeof(d)));
	}
	if (o->json)
		out_obj_close(o);
	else
		printf("%s\n", line);
}

static void out_endpoint(struct out *o, const char *key, __be32 ip, __be16 port)
{
	char a[16];

	out_obj_open(o, key);
	out_str(o, "ip", inet_ntop(AF_INET, &ip, a, sizeof(a)));
	out_u64(o, "port", ntohs(port));
	out_obj_close(o);
}

static void fmt_ep(char *buf, size_t len, __be32 ip, __be16 port)
{
	char a[16];

	snprintf(buf, len, "%s:%u", inet_ntop(AF_INET, &ip, a, sizeof(a)), ntohs(port));
}

static int nat_list(int argc, char **argv)
{
	struct nsb_ct_key key, next;
	struct nsb_ct_entry e;
	struct nsb_config cfg = { 0 };
	__u64 now = now_ns();
	__u32 zero = 0;
	struct table tb;
	struct out o;
	int fd, cfd, ret, n = 0;
	bool first = true;

	ret = lab_arg(argc, argv, 2);
	if (ret)
		return ret;
	fd = open_pinned(argv[1], "ct");
	cfd = open_pinned(argv[1], "config");
	if (fd < 0 || cfd < 0 || bpf_map_lookup_elem(cfd, &zero, &cfg)) {
		if (fd >= 0)
			close(fd);
		if (cfd >= 0)
			close(cfd);
		return EXIT_FAIL;
	}
	close(cfd);
	out_begin(&o, stdout, cli_opts.json);
	if (o.json) {
		out_obj_open(&o, NULL);
		out_str(&o, "lab", argv[1]);
		out_timeouts(&o, &cfg);
		out_arr_open(&o, "flows");
	} else {
		out_timeouts(&o, &cfg);
		table_init(&tb, 10, "PROTO", "KIND", "NODE", "REMOTE", "NAT", "STATE", "AGE", "IDLE",
			   "PKTS OUT/IN", "BYTES OUT/IN");
	}
	while (!bpf_map_get_next_key(fd, first ? NULL : &key, &next)) {
		first = false;
		key = next;
		if (bpf_map_lookup_elem(fd, &key, &e))
			continue;	/* evicted meanwhile */
		__u64 age = now > e.created_ns ? now - e.created_ns : 0;
		__u64 idle = now > e.last_seen_ns ? now - e.last_seen_ns : 0;
		bool expired = idle > timeout_ns(&cfg, &key, &e);

		n++;
		if (o.json) {
			out_obj_open(&o, NULL);
			out_str(&o, "proto", proto_name(key.proto));
			out_str(&o, "kind", kind_name(e.flags));
			out_endpoint(&o, "node", key.saddr, key.sport);
			out_endpoint(&o, "remote", key.daddr, key.dport);
			out_endpoint(&o, "nat", e.nat_addr, e.nat_port);
			if (e.flags & NSB_CT_F_HAIRPIN)
				out_endpoint(&o, "dnat", e.dnat_addr, e.dnat_port);
			else
				out_str(&o, "dnat", NULL);
			out_str(&o, "state", state_name(e.state));
			out_u64(&o, "age_s", age / 1000000000ULL);
			out_u64(&o, "idle_s", idle / 1000000000ULL);
			out_bool(&o, "expired", expired);
			out_obj_open(&o, "orig");
			out_u64(&o, "packets", e.pkts_orig);
			out_u64(&o, "bytes", e.bytes_orig);
			out_obj_close(&o);
			out_obj_open(&o, "reply");
			out_u64(&o, "packets", e.pkts_reply);
			out_u64(&o, "bytes", e.bytes_reply);
			out_obj_close(&o);
			out_obj_close(&o);
		} else {
			char node[32], remote[64], nat[32], ag[24], id[24], pk[48], by[48];

			fmt_ep(node, sizeof(node), key.saddr, key.sport);
			fmt_ep(remote, sizeof(remote), key.daddr, key.dport);
			fmt_ep(nat, sizeof(nat), e.nat_addr, e.nat_port);
			if (e.flags & NSB_CT_F_HAIRPIN) {
				char d[32];

				fmt_ep(d, sizeof(d), e.dnat_addr, e.dnat_port);
				snprintf(remote + strlen(remote), sizeof(remote) - strlen(remote),
					 "=>%s", d);
			}
			snprintf(ag, sizeof(ag), "%llus", (unsigned long long)(age / 1000000000ULL));
			snprintf(id, sizeof(id), "%llus%s", (unsigned long long)(idle / 1000000000ULL),
				 expired ? " (expired)" : "");
			snprintf(pk, sizeof(pk), "%llu/%llu", (unsigned long long)e.pkts_orig,
				 (unsigned long long)e.pkts_reply);
			snprintf(by, sizeof(by), "%llu/%llu", (unsigned long long)e.bytes_orig,
				 (unsigned long long)e.bytes_reply);
			table_row(&tb, proto_name(key.proto), kind_name(e.flags), node, remote, nat,
				  state_name(e.state), ag, id, pk, by);
		}
	}
	close(fd);
	if (o.json) {
		out_arr_close(&o);
		out_obj_close(&o);
	} else {
		if (n)
			table_print(&tb, stdout);
		else
			printf("lab %s: no flows\n", argv[1]);
		table_free(&tb);
	}
	out_end(&o);
	return EXIT_OK;
}

/* Delete every key; a key that vanished meanwhile is fine. */
static int flush_map(int fd, size_t key_size)
{
	unsigned char key[64], next[64];
	int n = 0;

	if (key_size > sizeof(key))
		return -EINVAL;
	while (!bpf_map_get_next_key(fd, NULL, next)) {
		memcpy(key, next, key_size);
		if (bpf_map_delete_elem(fd, key) && errno != ENOENT)
			return -errno;
		n++;
	}
	return n;
}

static int nat_flush(int argc, char **argv)
{
	int ret = lab_arg(argc, argv, 2), ct, np, n;

	if (ret)
		return ret;
	ct = open_pinned(argv[1], "ct");
	np = open_pinned(argv[1], "nat_ports");
	ret = EXIT_FAIL;
	if (ct < 0 || np < 0)
		goto out;
	/* Forward entries first: no new reply can find a half-deleted flow. */
	n = flush_map(ct, sizeof(struct nsb_ct_key));
	if (n < 0 || flush_map(np, sizeof(struct nsb_nat_key)) < 0) {
		cli_err("lab %s: flush: %s", argv[1], strerror(errno));
		goto out;
	}
	if (!cli_opts.json)
		printf("lab %s: %d flow%s flushed\n", argv[1], n, n == 1 ? "" : "s");
	ret = EXIT_OK;
out:
	if (ct >= 0)
		close(ct);
	if (np >= 0)
		close(np);
	return ret;
}

static int nat_on(int argc, char **argv)
{
	bool on = !strcmp(argv[0], "on");
	struct nsb_network net;
	struct lab_info li;
	int ret = lab_arg(argc, argv, 3), fd = -1;
	__u32 id;

	if (ret)
		return ret;
	if (lab_info_read(argv[1], &li)) {
		cli_err("lab %s is not up", argv[1]);
		return EXIT_FAIL;
	}
	ret = EXIT_USAGE;
	for (size_t i = 0; i < li.n_nets; i++) {
		if (strcmp(li.nets[i].name, argv[2]))
			continue;
		id = (__u32)li.nets[i].id;
		ret = EXIT_FAIL;
		fd = open_pinned(argv[1], "networks");
		if (fd < 0)
			goto out;
		if (bpf_map_lookup_elem(fd, &id, &net)) {
			cli_err("lab %s: network %s: %s", argv[1], argv[2], strerror(errno));
			goto out;
		}
		if (on)
			net.flags |= NSB_NET_F_MASQUERADE;
		else
			net.flags &= ~NSB_NET_F_MASQUERADE;
		if (bpf_map_update_elem(fd, &id, &net, BPF_EXIST)) {
			cli_err("lab %s: network %s: %s", argv[1], argv[2], strerror(errno));
			goto out;
		}
		if (!li.uplink[0] && on)
			fprintf(stderr, "nsbpf: note: lab %s has no uplink; nothing can leave\n",
				argv[1]);
		if (!cli_opts.json)
			printf("lab %s: network %s: masquerade %s\n", argv[1], argv[2],
			       on ? "on" : "off");
		ret = EXIT_OK;
		goto out;
	}
	cli_err("lab %s has no network \"%s\"", argv[1], argv[2]);
out:
	if (fd >= 0)
		close(fd);
	lab_info_free(&li);
	return ret;
}

/* Every sub-command takes the same options: parse them once, here. */
const struct cli_opt nat_opts[] = { CLI_OPT_JSON, CLI_OPT_HELP, { 0 } };

int cmd_nat(int argc, char **argv)
{
	switch (opts_parse(&argc, argv, nat_opts, "nat", 0)) {
	case OPTS_GO:
		return cli_dispatch(nat_cmds, "nat", argc - 1, argv + 1);
	case OPTS_HELP:
		return nat_help(argc, argv);
	default:
		return EXIT_USAGE;
	}
}
