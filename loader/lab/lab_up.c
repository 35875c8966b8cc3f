// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nsbpf up: namespaces, veths, addresses and routes over netlink, then the
 * datapath, then the nodes' exec commands. Every object is journaled before
 * it is created, so a failure (or a kill) is undone from the journal.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lab/datapath.h"
#include "lab/lab.h"
#include "lab/lab_peers.h"
#include "lab/lab_up.h"
#include "util/addr.h"
#include "util/log.h"
#include "sys/netns.h"
#include "nsbpf_maps.h"
#include "sys/journal.h"
#include "sys/nl.h"
#include "sys/pins.h"
#include "sys/place.h"
#include "sys/state.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = sig;
}

/* One node: its namespace, a veth per leg, both ends configured. */
int node_create(struct nl_sock *sk, struct journal *j, const struct topo *t,
		const struct topo_node *n, struct node_rt *rt)
{
	struct leg_rt lr;
	int nsfd, err;

	err = journal_netns(j, n->netns, false);
	if (err)
		return err;
	nsfd = netns_create(n->netns);
	if (nsfd < 0) {
		/* Not ours (it appeared since the preflight): down must leave it. */
		if (nsfd == -EEXIST)
			journal_netns(j, n->netns, true);
		pr_warn("node %s: create netns %s: %s\n", n->name, n->netns, strerror(-nsfd));
		return nsfd;
	}
	rt->netns_ino = netns_ino(nsfd);
	/* down then touches /run/netns/NAME only while it is this namespace */
	err = journal_netns_ino(j, n->netns, rt->netns_ino);
	for (size_t k = 0; !err && k < topo_node_n_legs(n); k++) {
		err = hostend_create(sk, j, t, n, k, nsfd, k ? &rt->legs[k - 1] : &lr);
		if (!err && !k) {
			rt->ifindex = lr.ifindex;
			memcpy(rt->node_mac, lr.node_mac, 6);
			memcpy(rt->host_mac, lr.host_mac, 6);
		}
	}
	if (!err)
		err = node_config(nsfd, t, n);
	if (err)
		pr_warn("node %s: configure its interfaces in %s: %s\n", n->name, n->netns,
			strerror(-err));
	close(nsfd);
	return err;
}

/*
 * The host's routes into the routed prefixes, each via its router's address
 * on the router's host end: the host itself reaches them, as the nodes do
 * through the datapath. Journaled first; one that exists is not ours.
 */
int routes_create(struct nl_sock *sk, struct journal *j, const struct topo *t,
		  const struct node_rt *rt, const bool *only)
{
	char prefix[24], ip[16];
	size_t n = 0;
	int err;

	for (size_t i = 0; i < t->n_networks; i++) {
		for (size_t k = 0; k < t->networks[i].n_routes; k++) {
			const struct topo_net_route *r = &t->networks[i].routes[k];
			const struct topo_node *via = &t->nodes[r->via];

			if (only && !only[n++])
				continue;
			snprintf(prefix, sizeof(prefix), "%s/%u", ipv4_str(r->prefix, ip), r->len);
			err = journal_route(j, prefix, false);
			if (err)
				return err;
			err = nl_route_add(sk, r->prefix, r->len, via->ip, rt[r->via].ifindex, 0);
			if (err == -EEXIST)
				journal_route(j, prefix, true);
			if (err) {
				pr_warn("route %s via node %s: %s%s\n", prefix, via->name,
					strerror(-err),
					err == -EEXIST ? " (the host has a route to it already)" :
							 "");
				return err;
			}
		}
	}
	return 0;
}

/* The file's uplink, or the default route's device, or "" (no uplink). */
static void uplink_name(struct nl_sock *sk, const struct topo *t, char name[16])
{
	name[0] = '\0';
	if (t->uplink[0]) {
		snprintf(name, 16, "%s", t->uplink);
	} else if (nl_default_route_dev(sk, name)) {
		pr_info("no default route: the lab has no uplink\n");
		name[0] = '\0';
	}
}

/* NAT66's source: uplink6 when the uplink has it (lab_check_host() says so otherwise). */
static void uplink_ip6(struct nl_sock *sk, const struct topo *t, int ifindex, struct dp_uplink *up)
{
	struct topo_host_addr6 a6[UPLINK_ADDRS6_MAX];
	struct nl_v6addr raw[UPLINK_ADDRS6_MAX];
	int n = nl_ipv6_global_addrs_dev(sk, ifindex, raw, UPLINK_ADDRS6_MAX);

	for (int i = 0; i < n; i++)
		a6[i] = (struct topo_host_addr6){ raw[i].ip, raw[i].prefix };
	if (!topo_uplink6_pick(t, a6, n > 0 ? (size_t)n : 0, &up->ip6))
		memset(&up->ip6, 0, sizeof(up->ip6));
}

int lab_resolve_uplink(struct nl_sock *sk, const struct topo *t, char name[16],
		       struct dp_uplink *up, struct err_msg *e)
{
	struct nl_link_info info = { 0 };
	int err;

	memset(up, 0, sizeof(*up));
	uplink_name(sk, t, name);
	if (!name[0])
		return 0;
	err = nl_link_get(sk, name, &info);
	if (err)
		return err_set(e, -ENODEV, "%s: uplink \"%s\": %s", t->path, name, strerror(-err));
	up->ifindex = info.ifindex;
	snprintf(up->name, sizeof(up->name), "%s", name);
	if (nl_first_ipv4(sk, info.ifindex, &up->ip))
		pr_info("uplink %s has no IPv4 address\n", name);
	uplink_ip6(sk, t, info.ifindex, up);
	return 0;
}

/* Names already taken in the host: refuse before creating anything (only: NULL for all). */
int preflight(struct nl_sock *sk, const struct topo *t, const bool *only, struct err_msg *e)
{
	struct nl_link_info info = { 0 };
	int fd;

	for (size_t i = 0; i < t->n_nodes; i++) {
		const struct topo_node *n = &t->nodes[i];

		if (only && !only[i])
			continue;
		fd = netns_open(n->netns);
		if (fd >= 0) {
			close(fd);
			return err_set(
				e, -EEXIST,
				"node %s: a network namespace named %s already exists (%s/%s): nothing was created",
				n->name, n->netns, NETNS_RUN_DIR, n->netns);
		}
		for (size_t k = 0; k < topo_node_n_legs(n); k++) {
			struct topo_leg leg = topo_node_leg(n, k);

			if (!nl_link_get(sk, leg.hostif, &info))
				return err_set(
					e, -EEXIST,
					"node %s: an interface named %s already exists in this namespace: nothing was created",
					n->name, leg.hostif);
		}
	}
	return 0;
}

/*
 * The lab's FIB probe device (NSB_FIB_SUFFIX in nsbpf_maps.h): a veth
 * pair in the host netns, forwarding on at one end, the other end down, so
 * nothing ever arrives. Without it (a name taken, no veth) the datapath
 * falls back to the host's addresses as up saw them: a warning, not an
 * error.
 */
static void fib_probe_create(struct nl_sock *sk, struct journal *j, const struct topo *t)
{
	char name[80], peer[80], path[160]; /* the name check keeps them within IFNAMSIZ */
	struct nl_link_info info = { 0 };
	int err;

	snprintf(name, sizeof(name), "%s%s", t->name, NSB_FIB_SUFFIX);
	snprintf(peer, sizeof(peer), "%s%s", t->name, NSB_FIB_PEER_SUFFIX);
	if (journal_link(j, name, false))
		return;
	err = nl_veth_create(sk, name, NULL, peer, NULL, -1);
	if (err == -EEXIST)
		journal_link(j, name, true);
	if (!err) {
		snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", name);
		err = write_sysctl(path, "1");
	}
	if (!err) {
		snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", peer);
		err = write_sysctl(path, "1");
	}
	if (!err) {
		snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/forwarding", name);
		err = write_sysctl(path, "1");
	}
	if (!err)
		err = nl_link_get(sk, name, &info);
	if (!err)
		err = nl_link_set_up(sk, info.ifindex);
	if (err)
		pr_warn("lab %s: no FIB probe device %s (%s): addresses the host gains later "
			"count as the world's\n",
			t->name, name, strerror(-err));
}

/* The nodes' exec commands, node by node in file order (only: NULL for all). */
int exec_all(const struct topo *t, const struct up_opts *o, const bool *only,
	     struct lab_exec_fail *fail)
{
	size_t n = 0, done = 0;
	int nsfd, err;

	for (size_t i = 0; i < t->n_nodes; i++)
		n += t->nodes[i].n_exec > 0 && (!only || only[i]);
	for (size_t i = 0; i < t->n_nodes; i++) {
		if (interrupted)
			return -EINTR;
		if (!t->nodes[i].n_exec || (only && !only[i]))
			continue;
		lab_progress(o->progress, "running exec commands", done++, n);
		nsfd = netns_open(t->nodes[i].netns);
		if (nsfd < 0)
			return nsfd;
		err = lab_exec_node_cmds(t->name, &t->nodes[i], nsfd, o->exec_timeout_s, fail);
		close(nsfd);
		if (err)
			return err;
	}
	if (n)
		lab_progress(o->progress, "running exec commands", n, n);
	return 0;
}

static int create_all(const struct topo *t, const struct up_opts *o, struct nl_sock *sk,
		      struct journal *j, struct node_rt *rt, const struct dp_uplink *up,
		      const char *uplink, struct lab_exec_fail *fail)
{
	struct journal_rec hostns = { .kind = JOURNAL_HOSTNS, .hostns.ino = netns_self_ino() };
	struct dp_modes modes = { o->attach, o->attach };
	struct place here;
	int err;

	err = journal_write(j, &hostns);
	if (!err)
		err = netns_prepare_dir();
	if (err) {
		pr_warn("prepare %s: %s\n", NETNS_RUN_DIR, strerror(-err));
		return err;
	}
	/* the place, with the bpffs the pins will be in: every later command compares */
	err = bpffs_ensure();
	if (!err)
		err = place_self(&here);
	if (!err)
		err = journal_place(j, &here);
	if (err) {
		pr_warn("bpffs %s: %s\n", BPFFS_ROOT, strerror(-err));
		return err;
	}
	for (size_t i = 0; i < t->n_nodes; i++) {
		lab_progress(o->progress, "creating nodes", i, t->n_nodes);
		if (interrupted)
			return -EINTR;
		err = node_create(sk, j, t, &t->nodes[i], &rt[i]);
		if (err)
			return err;
	}
	lab_progress(o->progress, "creating nodes", t->n_nodes, t->n_nodes);
	err = links_create(t, NULL);
	if (!err)
		err = routes_add(t, NULL); /* inside the nodes */
	if (!err)
		err = routes_create(sk, j, t, rt, NULL); /* the host's, to routed prefixes */
	if (err)
		return err;
	fib_probe_create(sk, j, t);
	lab_progress(o->progress, "loading the datapath", 0, 0);
	err = dp_up(t, rt, up, j, &modes, false);
	if (!err)
		err = exec_all(t, o, NULL, fail);
	if (!err)
		err = lab_record(t, rt, &modes, up, uplink);
	return err;
}

int lab_record(const struct topo *t, const struct node_rt *rt, const struct dp_modes *modes,
	       const struct dp_uplink *up, const char *uplink)
{
	char abspath[1024], *text;
	int err;

	/* the text first: a lab file always has the topology it was made from */
	err = state_write_file(t->name, "topo", t->src ? t->src : "", t->src_len);
	if (err)
		return err;
	if (!realpath(t->path, abspath))
		snprintf(abspath, sizeof(abspath), "%s", t->path);
	text = lab_info_format(t, rt, abspath, attach_mode_name(modes->nodes),
			       up->ifindex ? attach_mode_name(modes->uplink) : "-", uplink, up->ip,
			       &up->ip6);
	if (!text)
		return -ENOMEM;
	err = state_write_lab(t->name, text);
	free(text);
	return err;
}

bool lab_up_interrupted(void)
{
	return interrupted != 0;
}

void lab_up_signals(struct lab_up_sigs *s, bool catch)
{
	struct sigaction sa = { .sa_handler = on_signal };

	if (!catch) {
		sigaction(SIGINT, &s->old[0], NULL);
		sigaction(SIGTERM, &s->old[1], NULL);
		sigaction(SIGHUP, &s->old[2], NULL);
		return;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &s->old[0]);
	sigaction(SIGTERM, &sa, &s->old[1]);
	sigaction(SIGHUP, &sa, &s->old[2]);
}

/* A new lab: create it all, or roll back what this run created. */
static int up_new(const struct topo *t, const struct up_opts *o, struct nl_sock *sk,
		  const struct dp_uplink *up, struct up_result *r)
{
	struct lab_up_sigs sigs;
	struct journal j = { .fd = -1 };
	struct down_result undone;
	struct node_rt *rt;
	int err;

	err = node_rts_alloc(t, &rt);
	if (!err)
		err = journal_create(&j, t->name);
	if (err) {
		node_rts_free(t, rt);
		return err_set(&r->err, err, "lab %s: state in %s: %s", t->name, STATE_DIR,
			       strerror(-err));
	}
	lab_up_signals(&sigs, true);
	err = create_all(t, o, sk, &j, rt, up, r->uplink, &r->exec);
	journal_close(&j);
	if (err) {
		err_set(&r->err, err, "lab %s: up failed: %s; rolling back", t->name,
			err == -EINTR ? "interrupted" : strerror(-err));
		if (lab_teardown(t->name, o->progress, &undone))
			r->rollback = undone.err;
	} else {
		r->done = UP_CREATED;
	}
	lab_up_signals(&sigs, false);
	node_rts_free(t, rt);
	return err;
}

/* Under the state lock: re-up a lab that is up, or bring a new one up. */
static int up_locked(struct topo *t, const struct up_opts *o, struct nl_sock *sk,
		     const struct dp_uplink *up, struct up_result *r)
{
	struct state_lines l;
	int err;

	if (state_exists(t->name)) {
		if (lab_converging(t->name))
			return err_set(
				&r->err, -EBUSY,
				"lab %s was partly converged (interrupted?): run \"nsbpf down %s\" first",
				t->name, t->name);
		if (state_read_lab(t->name, &l))
			return err_set(
				&r->err, -EBUSY,
				"lab %s was partly brought up (interrupted?): run \"nsbpf down %s\" first",
				t->name, t->name);
		state_lines_free(&l);
		return lab_reup(t, o, sk, up, r);
	}
	err = preflight(sk, t, NULL, &r->err);
	if (!err)
		err = up_new(t, o, sk, up, r);
	return err;
}

/*
 * The lab against the other labs of this host netns (under the state lock):
 * subnets, forwards, masquerade ports. A lab that is up keeps the ports it
 * has: a re-up compares them as if the file had named them.
 */
static int check_peers(struct topo *t, struct up_result *r)
{
	struct lab_peers peers;
	struct lab_info li;
	int err;

	if (!t->nat.ports_mark.line && !lab_info_read(t->name, &li)) {
		if (li.snat_lo) {
			t->nat.port_min = li.snat_lo;
			t->nat.port_max = li.snat_hi;
			t->nat.ports_mark =
				t->nat.mark.line ? t->nat.mark : (struct topo_mark){ 1, 1 };
		}
		lab_info_free(&li);
	}
	err = lab_peers_read(t->name, r->uplink, &peers, &r->err);
	if (err)
		return err;
	err = topo_check_peers(t, peers.peer, peers.n, &r->problems);
	lab_peers_free(&peers);
	if (err && err != -EINVAL)
		err_set(&r->err, err, "%s: checking it against the other labs: %s", t->path,
			strerror(-err));
	return err;
}

/* Everything the file asks of this host and of the other labs, before anything is created. */
static int check_all(struct nl_sock *sk, struct topo *t, const struct up_opts *o,
		     struct dp_uplink *up, struct up_result *r)
{
	int err = lab_check_host(sk, t, r->uplink, o->force, &r->problems, &r->err);

	if (!err)
		err = check_peers(t, r);
	if (err) {
		r->bad_input = r->problems.n > 0;
		return err;
	}
	err = lab_resolve_uplink(sk, t, r->uplink, up, &r->err);
	r->bad_input = err != 0;
	return err;
}

int lab_up(struct topo *t, const struct up_opts *o, struct up_result *r)
{
	struct dp_uplink up;
	struct nl_sock *sk;
	int lock, err;

	memset(r, 0, sizeof(*r));
	pins_dir(t->name, r->pin_dir, sizeof(r->pin_dir));
	/* what we would mount and bind here goes when we exit: refuse before it exists */
	if (mntns_alone())
		return err_set(
			&r->err, -EXDEV,
			"lab %s: this nsbpf runs alone in a mount namespace of its own (under ip netns exec, unshare -m or nsenter -m?): the lab's namespaces and pins would vanish when it exits; run \"nsbpf -n NETNS up %s\" instead, nothing was created",
			t->name, t->path);
	sk = nl_open();
	if (!sk)
		return err_set(&r->err, -errno, "netlink: %s", strerror(errno));
	uplink_name(sk, t, r->uplink);
	/* one lock from the checks to the last object: two ups never pass them together */
	lock = state_lock();
	if (lock < 0) {
		err = err_set(&r->err, lock, "lock %s: %s", STATE_DIR, strerror(-lock));
		goto out;
	}
	err = check_all(sk, t, o, &up, r);
	if (!err && o->dry_run) {
		r->done = UP_PLANNED;
		err = lab_plan_diff(t, r);
	} else if (!err)
		err = up_locked(t, o, sk, &up, r);
	state_unlock(lock);
out:
	nl_close(sk);
	return err;
}

void up_result_free(struct up_result *r)
{
	topo_errors_free(&r->problems);
	topo_diff_free(&r->diff);
}
