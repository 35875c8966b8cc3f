// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Load, pin, fill and attach the node programs of a lab, then the uplink
 * (uplink.c) and cgroup (sock_hooks.c) objects. Pinned maps are reused by a
 * re-up (libbpf checks their definition, we check the layout version), so
 * state survives program replacement.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lab/datapath_internal.h"
#include "lab/fill.h"
#include "lab/fwd_flows.h"
#include "lab/fwd6.h"
#include "lab/port_fwd_map.h"
#include "util/log.h"
#include "sys/netns.h"
#include "sys/nl.h"
#include "sys/pins.h"
#include "sys/tc.h"
#include "node.skel.h"

static const char *const attach_names[] = {
	[ATTACH_AUTO] = "auto",
	[ATTACH_TCX] = "tcx",
	[ATTACH_CLSACT] = "clsact",
};

const char *attach_mode_name(enum attach_mode m)
{
	return m <= ATTACH_CLSACT ? attach_names[m] : "?";
}

int attach_mode_parse(const char *s, enum attach_mode *m)
{
	for (int i = ATTACH_AUTO; i <= ATTACH_CLSACT; i++)
		if (!strcmp(s, attach_names[i])) {
			*m = (enum attach_mode)i;
			return 0;
		}
	return -EINVAL;
}

/*
 * The host's own addresses, so packets from nodes to them go to the host
 * stack and never out of the uplink. Refreshed by every up.
 */
static int fill_host_addrs(struct bpf_object *obj)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, "host_addrs");
	uint32_t addrs[256];
	__be32 key, next;
	struct nl_sock *sk;
	__u8 one = 1;
	int n, fd;

	if (!m)
		return 0;
	fd = bpf_map__fd(m);
	while (!bpf_map_get_next_key(fd, NULL, &next)) {
		key = next;
		if (bpf_map_delete_elem(fd, &key))
			return -errno;
	}
	sk = nl_open();
	if (!sk)
		return -errno;
	n = nl_ipv4_addrs(sk, addrs, sizeof(addrs) / sizeof(addrs[0]));
	nl_close(sk);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		key = htonl(addrs[i]);
		if (bpf_map_update_elem(fd, &key, &one, BPF_ANY))
			return -errno;
	}
	return 0;
}

/* The host's own IPv6 addresses (link-local ones too), as fill_host_addrs() for IPv4. */
static int fill_host_addrs6(struct nsbpf_node *skel)
{
	struct in6_addr addrs[NSB_HOST_ADDRS6_MAX];
	struct nl_sock *sk = nl_open();
	int n;

	if (!sk)
		return -errno;
	n = nl_ipv6_addrs(sk, 0, false, addrs, NSB_HOST_ADDRS6_MAX);
	nl_close(sk);
	if (n < 0)
		return n;
	return lab_fill_host_addrs6(bpf_map__fd(skel->maps.host_addrs6), addrs, (size_t)n);
}

/*
 * The IPv6 side of the forwards (lab/fwd6.h): every forward for any host
 * address to a node with an ip6 (runtime ones a re-up keeps included).
 */
static int fill_forwards6(struct bpf_object *obj, const struct topo *t)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, "forwards");
	struct bpf_map *m6 = bpf_object__find_map_by_name(obj, "forwards6");
	struct fwd6_node *nodes;
	int err;

	if (!m || !m6)
		return 0;
	nodes = calloc(t->n_nodes ? t->n_nodes : 1, sizeof(*nodes));
	if (!nodes)
		return -ENOMEM;
	for (size_t i = 0; i < t->n_nodes; i++) {
		nodes[i].ip = t->nodes[i].ip;
		nodes[i].ip6 = t->nodes[i].ip6;
	}
	err = fwd6_sync(bpf_map__fd(m), bpf_map__fd(m6), nodes, t->n_nodes);
	free(nodes);
	return err;
}

/*
 * A forward for an IPv6 host address: forwards6's alone, the file's (no
 * runtime forward has one), written over on a re-up so that it follows
 * its node's ip6.
 */
static int fill_forward_host6(struct bpf_object *obj, const struct topo *t,
			      const struct topo_forward *tf, int ifindex)
{
	struct bpf_map *m6 = bpf_object__find_map_by_name(obj, "forwards6");
	const struct in6_addr *node6 = &t->nodes[tf->node].ip6;
	int fd6, err;

	if (!m6)
		return 0;
	fd6 = bpf_map__fd(m6);
	err = fwd6_map_del(fd6, tf->proto, &tf->host_ip6, tf->port, tf->port_end, NULL);
	if (!err)
		err = fwd6_map_add(fd6, tf->proto, &tf->host_ip6, tf->port, tf->port_end, node6,
				   tf->to_port, ifindex);
	return err;
}

/*
 * The topology's forwards. A re-up keeps what is there: forwards added at run
 * time stay, and a port taken by one is not overwritten by the file.
 */
static int fill_forwards(struct bpf_object *obj, const struct topo *t, const struct node_rt *rt)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, "forwards");

	if (!m)
		return 0;
	for (size_t i = 0; i < t->n_forwards; i++) {
		const struct topo_forward *tf = &t->forwards[i];
		struct fwd_spec f;
		int err;

		fwd_spec_from_topo(t, i, &f);
		if (fwd_host6(&f)) {
			err = fill_forward_host6(obj, t, tf, rt[tf->node].ifindex);
			if (err)
				return err;
			continue;
		}
		err = fwd_map_add(bpf_map__fd(m), &f, topo_node_fwd_ip(t, &t->nodes[tf->node]),
				  rt[tf->node].ifindex);

		if (err == -EEXIST) {
			pr_info("forward %zu of %s: a port is taken (kept as it is)\n", i + 1,
				t->path);
			continue;
		}
		if (err)
			return err;
	}
	return fill_forwards6(obj, t);
}

/*
 * What goes with the forwards (lab/fwd_flows.h): their ports' bits, and, on
 * a re-up, the end of flows whose forward a command without the sweep
 * (an older nsbpf) took away. The programs trust both from their attach on.
 */
static int fill_forward_flows(struct nsbpf_node *skel)
{
	int fwd_fd = bpf_map__fd(skel->maps.forwards), fwd6_fd = bpf_map__fd(skel->maps.forwards6);
	size_t gone;
	int err = fwd_ports_sync46(bpf_map__fd(skel->maps.fwd_ports), fwd_fd, fwd6_fd);

	if (!err)
		err = fwd_flows_sweep(bpf_map__fd(skel->maps.ct), bpf_map__fd(skel->maps.nat_ports),
				      fwd_fd, &gone);
	if (!err)
		err = fwd6_flows_sweep(bpf_map__fd(skel->maps.ct6),
				       bpf_map__fd(skel->maps.nat_ports6), fwd6_fd, &gone);
	return err;
}

/* The lab's FIB probe device (lab_up.c makes it), or 0: none, host_addrs answers. */
static __u32 fib_probe_ifindex(const struct topo *t)
{
	char name[80]; /* the name check keeps it within IFNAMSIZ; room for any */

	snprintf(name, sizeof(name), "%s%s", t->name, NSB_FIB_SUFFIX);
	return if_nametoindex(name);
}

/* The config entry: what the programs need besides the tables. */
static struct nsb_config config_of(const struct topo *t, const struct dp_uplink *up, int routes,
				   int remotes)
{
	struct nsb_config c = {
		.layout = NSB_LAYOUT_VERSION,
		.flags = remotes > 0 ? NSB_CFG_F_REMOTES : 0,
		.uplink_ifindex = (__u32)up->ifindex,
		.uplink_addr = htonl(up->ip),
		.snat_port_min = t->nat.port_min,
		.snat_port_max = t->nat.port_max,
		.ct_max = t->nat.conntrack,
		/* The file's nat: timeouts:, 0 where it has none: nsb_ct_timeout()'s default. */
		.tmo_tcp_syn = t->nat.timeouts.tcp_syn * NSB_NSEC_PER_SEC,
		.tmo_tcp_est = t->nat.timeouts.tcp_est * NSB_NSEC_PER_SEC,
		.tmo_tcp_closing = t->nat.timeouts.tcp_closing * NSB_NSEC_PER_SEC,
		.tmo_tcp_closed = t->nat.timeouts.tcp_closed * NSB_NSEC_PER_SEC,
		.tmo_udp_new = t->nat.timeouts.udp_new * NSB_NSEC_PER_SEC,
		.tmo_udp = t->nat.timeouts.udp * NSB_NSEC_PER_SEC,
		.tmo_icmp = t->nat.timeouts.icmp * NSB_NSEC_PER_SEC,
		.host_netns_cookie = netns_cookie(),
		.fib_ifindex = fib_probe_ifindex(t),
		.routes = (__u32)routes,
	};
	memcpy(c.uplink_addr6, &up->ip6, sizeof(c.uplink_addr6));
	return c;
}

static int fill_maps(struct nsbpf_node *skel, const struct topo *t, const struct node_rt *rt,
		     const struct dp_uplink *up)
{
	struct nsb_config cfg;
	__u32 zero = 0;
	int err, routes, remotes = 0;

	err = lab_fill_networks(bpf_map__fd(skel->maps.networks), t);
	if (!err)
		err = lab_fill_endpoints(bpf_map__fd(skel->maps.endpoints), t, rt);
	routes = err ? 0 : lab_fill_routes(bpf_map__fd(skel->maps.routes), t, rt);
	if (routes < 0)
		err = routes;
	if (!err)
		remotes = lab_fill_remotes(bpf_map__fd(skel->maps.remotes), t);
	if (remotes < 0)
		err = remotes;
	cfg = config_of(t, up, routes, remotes);
	if (!err)
		err = fill_host_addrs(skel->obj);
	if (!err)
		err = lab_fill_networks6(bpf_map__fd(skel->maps.networks6), t);
	if (!err)
		err = lab_fill_endpoints6(bpf_map__fd(skel->maps.endpoints6),
					  bpf_map__fd(skel->maps.ifaces6), t, rt);
	if (!err)
		err = lab_lab6_outside(bpf_map__fd(skel->maps.networks6), cfg.lab6_outside);
	if (!err)
		err = fill_host_addrs6(skel);
	if (!err)
		err = lab_host6_outside(bpf_map__fd(skel->maps.host_addrs6), cfg.host6_outside);
	if (!err)
		err = lab_fill_addr_filter(
			bpf_map__fd(skel->maps.addr_filter), bpf_map__fd(skel->maps.networks),
			bpf_map__fd(skel->maps.host_addrs), bpf_map__fd(skel->maps.routes));
	if (!err)
		err = fill_forwards(skel->obj, t, rt);
	if (!err)
		err = fill_forward_flows(skel);
	if (err)
		return err;
	/* Config last: its layout field marks the maps as complete. */
	return bpf_map_update_elem(bpf_map__fd(skel->maps.config), &zero, &cfg, BPF_ANY) ? -errno :
											   0;
}

/*
 * Run the collector once and arm its timer (bpf/lib/ct_gc.h): the program
 * is never attached, BPF_PROG_TEST_RUN runs it on a dummy frame. The timer
 * then lives in the pinned gc map until `down` unpins it.
 */
static int gc_arm(struct nsbpf_node *skel)
{
	__u8 frame[14] = { 0 }; /* an Ethernet header, the least test_run takes */
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = sizeof(frame),
		    .repeat = 1);
	int err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.ct_gc), &opts);

	if (err)
		return -errno;
	if (opts.retval) {
		pr_warn("arming the conntrack collector failed: %d\n", (int)opts.retval);
		return -EINVAL;
	}
	return 0;
}

/* Our filters' handle and priority on the host ends: devices we own. */
#define TC_HANDLE_NODE 1
#define TC_PRIO_NODE   1

/*
 * Host ends: the lab's own devices. auto means clsact there: a tcx attach or
 * detach waits for an RCU grace period under the RTNL lock (about 12 ms on
 * the reference machine), so a lab of 100 nodes took 2.9 s to come up with
 * tcx and 0.17 s with clsact, and nothing else shares these devices.
 */
static int attach_nodes(struct nsbpf_node *skel, const struct dp_run *r, const struct topo *t,
			const struct node_rt *rt, enum attach_mode *mode)
{
	int err = 0;

	if (*mode == ATTACH_AUTO)
		*mode = ATTACH_CLSACT;
	for (size_t i = 0; !err && i < t->n_nodes; i++) {
		for (size_t k = 0; !err && k < topo_node_n_legs(&t->nodes[i]); k++) {
			struct topo_leg leg = topo_node_leg(&t->nodes[i], k);
			struct tc_point p = {
				.ifname = leg.hostif,
				.ifindex = node_rt_leg(&rt[i], k).ifindex,
				.in_fd = bpf_program__fd(skel->progs.from_node),
				.eg_fd = bpf_program__fd(skel->progs.to_node),
				.handle = TC_HANDLE_NODE,
				.prio = TC_PRIO_NODE,
			};

			err = tc_attach(r->dir, &p, *mode == ATTACH_TCX, r->j, r->reup);
		}
	}
	return err;
}

/* The node object: load, pin, fill, arm the collector, attach to the host ends. */
static int nodes_up(const struct dp_run *r, const struct topo *t, const struct node_rt *rt,
		    const struct dp_uplink *up, enum attach_mode *mode)
{
	struct nsbpf_node *skel = nsbpf_node__open();
	int err;

	if (!skel)
		return -errno;
	err = pins_object(skel->obj, r->dir, r->ct_entries, r->j);
	if (!err) {
		err = nsbpf_node__load(skel);
		if (err)
			pr_warn("loading the BPF programs failed: %s (run with -vv for the verifier log)\n",
				strerror(-err));
	}
	if (!err)
		err = fill_maps(skel, t, rt, up);
	if (!err)
		err = gc_arm(skel);
	if (!err)
		err = attach_nodes(skel, r, t, rt, mode);
	nsbpf_node__destroy(skel);
	return err;
}

/* The lab's pin directory, journaled before it is made (first up only). */
static int pin_dir_make(const char *dir, struct journal *j, bool reup)
{
	struct journal_rec rec = { .kind = JOURNAL_PINDIR };
	int err;

	err = bpffs_ensure();
	if (err) {
		pr_warn("mount bpffs on %s: %s\n", BPFFS_ROOT, strerror(-err));
		return err;
	}
	if (mkdir(PIN_ROOT, 0700) && errno != EEXIST)
		return -errno;
	if (reup)
		return 0;
	snprintf(rec.pindir.path, sizeof(rec.pindir.path), "%s", dir);
	err = journal_write(j, &rec);
	if (err)
		return err;
	return mkdir(dir, 0700) && errno != EEXIST ? -errno : 0;
}

int dp_up(const struct topo *t, const struct node_rt *rt, const struct dp_uplink *up,
	  struct journal *j, struct dp_modes *modes, bool reup)
{
	char dir[256];
	struct dp_run r = { .dir = dir, .ct_entries = t->nat.conntrack, .j = j, .reup = reup };
	int err;

	pins_dir(t->name, dir, sizeof(dir));
	err = pin_dir_make(dir, j, reup);
	if (!err)
		err = pins_check_layout(dir);
	if (err)
		return err;
	err = nodes_up(&r, t, rt, up, &modes->nodes);
	if (!err && up->ifindex)
		err = uplink_up(&r, up, &modes->uplink);
	if (!err)
		err = sock_hooks_up(&r);
	if (err == -EINVAL && (modes->nodes == ATTACH_TCX || modes->uplink == ATTACH_TCX))
		pr_warn("datapath of lab %s: the kernel refused a tcx link (tcx needs Linux 6.6+): use --attach auto or clsact\n",
			t->name);
	else if (err)
		pr_warn("datapath of lab %s: %s\n", t->name, strerror(-err));
	return err;
}

int dp_stats_read(const char *lab, struct nsb_counter *out)
{
	int ncpu = libbpf_num_possible_cpus();
	struct nsb_counter *per;
	int fd, err = 0;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	fd = pins_map_open(lab, "stats");
	if (fd < 0)
		return fd;
	per = calloc((size_t)ncpu, sizeof(*per));
	if (!per) {
		close(fd);
		return -ENOMEM;
	}
	memset(out, 0, sizeof(*out) * NSB_STAT_MAX);
	for (__u32 k = 0; k < NSB_STAT_MAX; k++) {
		if (bpf_map_lookup_elem(fd, &k, per)) {
			err = -errno;
			break;
		}
		for (int c = 0; c < ncpu; c++) {
			out[k].packets += per[c].packets;
			out[k].bytes += per[c].bytes;
		}
	}
	free(per);
	close(fd);
	return err;
}
