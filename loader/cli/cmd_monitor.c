// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nsbpf monitor LAB [--type drop|flow|all] [--node NODE] [-j]: the
 * datapath's drops and new flows as they happen, one line per event (text,
 * timestamped), or one JSON object per line under -j (JSON Lines: the one
 * command whose -j output is a stream, not one document). Runs until
 * Ctrl-C, SIGTERM or SIGHUP (exit 0), or the lab goes down (exit 1).
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "cli/cli.h"
#include "cli/cmds.h"
#include "cli/out.h"
#include "lab/lab.h"
#include "lab/monitor.h"
#include "util/addr.h"

#define __MON_NAME(n, s, d) s,
static const char *const drop_names[] = { "none", NSB_DROP_LIST(__MON_NAME) };
static const char *const kind_names[] = { [NSB_EV_KIND_NONE] = NULL,
					  [NSB_EV_KIND_MASQUERADE] = "masquerade",
					  [NSB_EV_KIND_FORWARD] = "forward",
					  [NSB_EV_KIND_HAIRPIN] = "hairpin" };

enum { MON_TYPE = 256, MON_NODE, MON_RATE, MON_BURST };

const struct cli_opt monitor_opts[] = {
	{ "type", MON_TYPE, "TYPE", "drop, flow or all (default)" },
	{ "node", MON_NODE, "NODE", "only events of this node (or \"uplink\")" },
	{ "rate", MON_RATE, "N", "events a second per CPU the datapath may send (5000)" },
	{ "burst", MON_BURST, "N", "events a CPU may send at once (1000)" },
	CLI_OPT_JSON,
	CLI_OPT_HELP,
	{ 0 }
};

struct mon_cli {
	int type; /* enum nsb_ev_type, 0: all */
	const char *node;
	struct lab_mon_opts rate;
	struct out o;
};

static volatile sig_atomic_t mon_stop;

static void on_signal(int sig)
{
	mon_stop = sig;
}

static void monitor_help(void)
{
	printf("usage: nsbpf monitor LAB [--type drop|flow|all] [--node NODE] [--rate N] [--burst N] [-j]\n"
	       "\n"
	       "The datapath's events as they happen, until Ctrl-C: every drop with its\n"
	       "reason (the names of `nsbpf stats`), every new flow (masquerade, forward,\n"
	       "hairpin) with its translation, early drops of unanswered flows. One line\n"
	       "per event; with -j one JSON object per line (JSON Lines, a stream).\n"
	       "A per-CPU rate limit holds back what a flood would send; what it held\n"
	       "back is reported as \"suppressed\" events. One monitor per lab.\n"
	       "\noptions:\n");
	opts_print(stdout, monitor_opts);
}

/* An ICMP or ICMPv6 packet (not a flow): type and code, and the echo id as its one port. */
static bool icmp_packet(const struct lab_event *e)
{
	const struct nsb_event *ev = e->ev;

	if (ev->flags & NSB_EV_F_XLAT)
		return false;
	if (e->ev6)
		return ev->proto == IPPROTO_ICMPV6;
	return ev->proto == IPPROTO_ICMP && (ev->flags & NSB_EV_F_IPV4);
}

static const char *proto_str(const struct lab_event *e, char *buf, size_t len)
{
	const struct nsb_event *ev = e->ev;

	switch (ntohs(ev->ethertype)) {
	case 0:
	case 0x0800:
		break;
	case 0x0806:
		return "arp";
	case 0x86dd:
		if (e->ev6)
			break;
		return "ipv6";
	default:
		snprintf(buf, len, "0x%04x", ntohs(ev->ethertype));
		return buf;
	}
	switch (ev->proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmpv6";
	default:
		snprintf(buf, len, "%u", ev->proto);
		return buf;
	}
}

/*
 * src, sport, dst, dport members (null where the event has none); text
 * "a:p -> b:q", IPv6 "[a]:p -> [b]:q".
 */
static void print_tuple(struct out *o, const struct lab_event *e, bool xlat)
{
	const struct nsb_event *ev = e->ev;
	const struct nsb_ev_tuple *t = xlat ? &ev->xlat : &ev->orig;
	char a[IPV6_STRLEN], b[IPV6_STRLEN];
	int family = lab_event_addrs(e, xlat, a, b);
	bool ports = ev->flags & NSB_EV_F_L4;

	if (!family) {
		print_null(o, "src", " %s", "-");
		print_null(o, "sport", NULL, NULL);
		print_null(o, "dst", NULL, NULL);
		print_null(o, "dport", NULL, NULL);
		return;
	}
	print_string(o, "src", family == AF_INET6 ? " [%s]" : " %s", a);
	if (ports)
		print_uint(o, "sport", ":%u", ntohs(t->sport));
	else
		print_null(o, "sport", NULL, NULL);
	print_string(o, "dst", family == AF_INET6 ? " -> [%s]" : " -> %s", b);
	if (ports && !icmp_packet(e))
		print_uint(o, "dport", ":%u", ntohs(t->dport));
	else
		print_null(o, "dport", NULL, NULL);
}

static void print_where(struct out *o, const struct lab_event *e)
{
	const char *node = e->where ? e->where->node : NULL;
	const char *dev = e->where ? e->where->dev : NULL;

	if (node)
		print_string(o, "node", " %-12s", node);
	else
		print_null(o, "node", " %-12s", e->where ? "uplink" : "-");
	if (dev)
		print_string(o, "dev", NULL, dev);
	else
		print_null(o, "dev", NULL, NULL);
	print_uint(o, "ifindex", NULL, e->ev->ifindex);
}

static void print_time(struct out *o, const struct timespec *ts)
{
	char day[32], buf[64];
	struct tm tm;

	if (o->json) {
		gmtime_r(&ts->tv_sec, &tm);
		strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(buf, sizeof(buf), "%s.%06ldZ", day, ts->tv_nsec / 1000);
	} else {
		localtime_r(&ts->tv_sec, &tm);
		strftime(day, sizeof(day), "%H:%M:%S", &tm);
		snprintf(buf, sizeof(buf), "%s.%06ld", day, ts->tv_nsec / 1000);
	}
	print_string(o, "time", "%s", buf);
}

/* Every event has the same members (docs/json.md): null where they say nothing. */
static void print_icmp(struct out *o, const struct lab_event *e)
{
	const struct nsb_event *ev = e->ev;

	if (icmp_packet(e)) {
		print_uint(o, "icmp_type", " type %u", ev->icmp_type);
		print_uint(o, "icmp_code", " code %u", ev->icmp_code);
	} else {
		print_null(o, "icmp_type", NULL, NULL);
		print_null(o, "icmp_code", NULL, NULL);
	}
}

static bool mon_wanted(const struct mon_cli *c, const struct lab_event *e)
{
	if (c->type && e->ev->type != c->type)
		return false;
	if (!c->node)
		return true;
	if (!e->where)
		return false;
	if (!e->where->node)
		return !strcmp(c->node, "uplink") || !strcmp(c->node, e->where->dev);
	return !strcmp(c->node, e->where->node);
}

static void on_event(const struct lab_event *e, void *arg)
{
	struct mon_cli *c = arg;
	const struct nsb_event *ev = e->ev;
	const char *kind = ev->kind < 4 ? kind_names[ev->kind] : NULL;
	bool drop = ev->type == NSB_EV_DROP;
	char pbuf[16], a[IPV6_STRLEN], b[IPV6_STRLEN];
	struct out *o = &c->o;
	int family;

	if (!mon_wanted(c, e))
		return;
	out_begin(o, stdout, cli_opts.json);
	print_open_object(o, NULL);
	print_time(o, &e->wall);
	print_string(o, "type", " %-5s", drop ? "drop" : "flow");
	if (drop)
		print_string(o, "reason", " %-14s",
			     ev->reason < NSB_DROP_MAX ? drop_names[ev->reason] : "?");
	else
		print_string(o, "reason", " %-14s", kind ? kind : "?");
	if (kind)
		print_string(o, "kind", NULL, kind);
	else
		print_null(o, "kind", NULL, NULL);
	print_where(o, e);
	print_string(o, "proto", " %-4s", proto_str(e, pbuf, sizeof(pbuf)));
	family = lab_event_addrs(e, false, a, b);
	if (family)
		print_string(o, "family", NULL, family == AF_INET6 ? "ipv6" : "ipv4");
	else
		print_null(o, "family", NULL, NULL);
	print_tuple(o, e, false);
	print_icmp(o, e);
	if (ev->flags & NSB_EV_F_XLAT) {
		print_open_object(o, "nat");
		print_text(o, " as");
		print_tuple(o, e, true);
		print_close_object(o);
	} else {
		print_null(o, "nat", NULL, NULL);
	}
	print_close_object(o);
	print_text(o, "\n");
	out_end(o);
}

/* A "suppressed" or "lost" line with how many since the last one. */
static void print_held(struct mon_cli *c, const char *what, uint64_t n)
{
	struct timespec now;
	struct out *o = &c->o;

	clock_gettime(CLOCK_REALTIME, &now);
	out_begin(o, stdout, cli_opts.json);
	print_open_object(o, NULL);
	print_time(o, &now);
	print_string(o, "type", " %s", what);
	print_u64(o, "count", " %llu events", n);
	print_text(o, "%s\n", !strcmp(what, "lost") ? " (the ring was full)" : " (rate limit)");
	print_close_object(o);
	out_end(o);
}

/* What was held back since the last look, as lines. */
static void report_held(struct mon_cli *c, const struct lab_monitor *m, uint64_t last[2])
{
	uint64_t now[2];

	if (lab_monitor_counts(m, &now[0], &now[1]))
		return;
	if (now[0] > last[0])
		print_held(c, "suppressed", now[0] - last[0]);
	if (now[1] > last[1])
		print_held(c, "lost", now[1] - last[1]);
	last[0] = now[0];
	last[1] = now[1];
}

static int parse_count(const char *opt, const char *arg, uint32_t *v)
{
	char *end;
	unsigned long n = strtoul(arg, &end, 10);

	if (*arg && !*end && n > 0 && n <= UINT_MAX) {
		*v = (uint32_t)n;
		return 0;
	}
	cli_err("monitor: --%s %s: expected a number > 0", opt, arg);
	return EXIT_USAGE;
}

static int monitor_parse_opt(int c, const char *arg, struct mon_cli *mc)
{
	switch (c) {
	case MON_TYPE:
		if (!strcmp(arg, "all") || !strcmp(arg, "drop") || !strcmp(arg, "flow")) {
			mc->type = !strcmp(arg, "drop") ? NSB_EV_DROP :
				   !strcmp(arg, "flow") ? NSB_EV_FLOW :
							  0;
			return 0;
		}
		cli_err("monitor: --type %s: expected drop, flow or all", arg);
		return EXIT_USAGE;
	case MON_NODE:
		mc->node = arg;
		return 0;
	case MON_RATE:
		return parse_count("rate", arg, &mc->rate.rate);
	case MON_BURST:
		return parse_count("burst", arg, &mc->rate.burst);
	}
	return EXIT_USAGE; /* '?': reported */
}

/* -1 to go on with argv[1] the lab, or the exit code. */
static int monitor_parse(int argc, char **argv, struct mon_cli *mc)
{
	struct opts_parser p;
	int c, err;

	opts_begin(&p, argc, argv, monitor_opts, "monitor", 0);
	while ((c = opts_next(&p)) != -1) {
		if (c == 'h') {
			monitor_help();
			return EXIT_OK;
		}
		err = monitor_parse_opt(c, p.arg, mc);
		if (err)
			return err;
	}
	if (p.argc != 2) {
		cli_err("monitor: usage: nsbpf monitor LAB [--type drop|flow|all] [--node NODE] [-j]");
		return EXIT_USAGE;
	}
	return -1;
}

static bool node_known(const struct lab_info *li, const char *node)
{
	if (!strcmp(node, "uplink") || (li->uplink[0] && !strcmp(node, li->uplink)))
		return true;
	for (size_t i = 0; i < li->n_nodes; i++)
		if (!strcmp(li->nodes[i].name, node))
			return true;
	return false;
}

/* Until a signal or the lab's end: 0, or the exit code. */
static int monitor_loop(struct mon_cli *mc, struct lab_monitor *m, const sigset_t *waitmask)
{
	uint64_t held[2] = { 0, 0 };
	time_t last = time(NULL);
	int n;

	lab_monitor_counts(m, &held[0], &held[1]);
	while (!mon_stop) {
		n = lab_monitor_poll(m, 1000, waitmask);
		if (n < 0 && n != -EINTR) {
			cli_err("monitor: reading the events of lab %s: %s", m->li->name,
				strerror(-n));
			return EXIT_FAIL;
		}
		if (ferror(stdout))
			return EXIT_OK; /* the reader went away (a pipe to head) */
		if (time(NULL) == last)
			continue;
		last = time(NULL);
		report_held(mc, m, held);
		if (!lab_monitor_alive(m)) {
			cli_err("monitor: lab %s went down", m->li->name);
			return EXIT_FAIL;
		}
	}
	lab_monitor_poll(m, 0, waitmask); /* what came in meanwhile */
	report_held(mc, m, held);
	return EXIT_OK;
}

/* SIGINT, SIGTERM, SIGHUP: blocked but while waiting (waitmask), then they stop the loop. */
static void signals_setup(sigset_t *waitmask)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t set;

	sigemptyset(&sa.sa_mask);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, waitmask);
	sigdelset(waitmask, SIGINT);
	sigdelset(waitmask, SIGTERM);
	sigdelset(waitmask, SIGHUP);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int cmd_monitor(int argc, char **argv)
{
	struct mon_cli mc = { 0 };
	struct lab_monitor m;
	struct lab_info li;
	struct err_msg e;
	sigset_t waitmask;
	int ret;

	ret = monitor_parse(argc, argv, &mc);
	if (ret >= 0)
		return ret;
	ret = cli_open_lab(argv[1], &li);
	if (ret)
		return ret;
	if (mc.node && !node_known(&li, mc.node)) {
		cli_err("monitor: lab %s has no node \"%s\"", li.name, mc.node);
		lab_info_free(&li);
		return EXIT_USAGE;
	}
	signals_setup(&waitmask);
	if (lab_monitor_start(&li, &mc.rate, &m, on_event, &mc, &e)) {
		cli_err("%s", e.text);
		lab_info_free(&li);
		return EXIT_FAIL;
	}
	if (m.stale_pid)
		fprintf(stderr,
			"nsbpf: lab %s: a monitor (pid %u) died and left events on: taken over\n",
			li.name, m.stale_pid);
	if (!cli_opts.json)
		fprintf(stderr, "monitoring lab %s (%s), Ctrl-C to stop\n", li.name,
			mc.type == NSB_EV_DROP ? "drops" :
			mc.type == NSB_EV_FLOW ? "new flows" :
						 "drops and new flows");
	ret = monitor_loop(&mc, &m, &waitmask);
	lab_monitor_stop(&m);
	lab_info_free(&li);
	return ret;
}
