// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Load, pin, fill and attach the node programs of a lab. Pinned maps are
 * reused by a re-up (libbpf checks their definition, we check the layout
 * version), so state survives program replacement.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lab/datapath.h"
#include "lab/port_fwd_map.h"
#include "util/log.h"
#include "sys/nl.h"
#include "sys/pins.h"
#include "node.skel.h"
#if __has_include("uplink.skel.h")
#include "uplink.skel.h"
#define HAVE_UPLINK_OBJ 1
#endif /* uplink.skel.h */

#define NSEC_PER_SEC	1000000000ULL

#ifndef ENOTSUPP
#define ENOTSUPP 524	/* kernel-internal, leaks out of some bpf() paths */
#endif /* ENOTSUPP */

/* Debian 12's uapi headers predate tcx (6.6): the attach types by number. */
#define NSB_TCX_INGRESS	46
#define NSB_TCX_EGRESS	47

static const char *const attach_names[] = {
	[ATTACH_AUTO] = "auto", [ATTACH_TCX] = "tcx", [ATTACH_CLSACT] = "clsact",
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
 * Every map of an object is pinned by name under the lab's directory, so
 * the node and uplink objects share them; "trace" (tests only) and the
 * internal .rodata/.bss maps stay private.
 */
static bool pinned_map(const struct bpf_map *m)
{
	return !bpf_map__is_internal(m) && strcmp(bpf_map__name(m), "trace");
}

int dp_set_pins(struct bpf_object *obj, const struct topo *t, const char *dir,
		struct journal *j)
{
	struct bpf_map *m;
	char path[512];
	int err;

	bpf_object__for_each_map(m, obj) {
		if (!pinned_map(m))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(m));
		if (j) {
			err = journal_add(j, "pin %s", path);
			if (err)
				return err;
		}
		err = bpf_map__set_pin_path(m, path);
		if (err)
			return err;
		/* Conntrack sizes come from the topology (nat: conntrack:). */
		if (t->nat.conntrack && (!strcmp(bpf_map__name(m), "ct") ||
					 !strcmp(bpf_map__name(m), "nat_ports"))) {
			err = bpf_map__set_max_entries(m, t->nat.conntrack);
			if (err)
				return err;
		}
	}
	return 0;
}

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71	/* Linux 5.14 */
#endif /* SO_NETNS_COOKIE */

/* The cookie bpf_get_netns_cookie() returns in this netns; 0 if unknown. */
static __u64 netns_cookie(void)
{
	__u64 cookie = 0;
	socklen_t len = sizeof(cookie);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return 0;
	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len))
		cookie = 0;
	close(fd);
	return cookie;
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
		err = fwd_map_add(bpf_map__fd(m), &f, t->nodes[tf->node].ip, rt[tf->node].ifindex);

		if (err == -EEXIST) {
			pr_info("forward %zu of %s: a port is taken (kept as it is)\n", i + 1, t->path);
			continue;
		}
		if (err)
			return err;
	}
	return 0;
}

/* The lab's FIB probe device (lab_up.c makes it), or 0: none, host_addrs answers. */
static __u32 fib_probe_ifindex(const struct topo *t)
{
	char name[80];	/* the name check keeps it within IFNAMSIZ; room for any */

	snprintf(name, sizeof(name), "%s%s", t->name, NSB_FIB_SUFFIX);
	return if_nametoindex(name);
}

static int fill_maps(struct nsbpf_node *skel, const struct topo *t, const struct node_rt *rt,
		     const struct dp_uplink *up)
{
	int ep_fd = bpf_map__fd(skel->maps.endpoints);
	int net_fd = bpf_map__fd(skel->maps.networks);
	int cfg_fd = bpf_map__fd(skel->maps.config);
	struct nsb_config cfg = {
		.layout = NSB_LAYOUT_VERSION,
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
	};
	__u32 zero = 0;
	int err;

	for (size_t i = 0; i < t->n_networks; i++) {
		const struct topo_network *n = &t->networks[i];
		struct nsb_network v = {
			.subnet = htonl(n->subnet),
			.mask = htonl(n->prefix ? ~0U << (32 - n->prefix) : 0),
			.gateway = htonl(n->gateway),
			.flags = NSB_NET_F_USED | (n->masquerade ? NSB_NET_F_MASQUERADE : 0),
			.reach = n->reach,
		};
		__u32 id = (__u32)i;

		if (bpf_map_update_elem(net_fd, &id, &v, BPF_ANY))
			return -errno;
	}
	for (size_t i = 0; i < t->n_nodes; i++) {
		const struct topo_node *n = &t->nodes[i];
		struct nsb_endpoint v = { .ifindex = (__u32)rt[i].ifindex, .net_id = (__u32)n->network };
		__be32 key = htonl(n->ip);

		memcpy(v.node_mac, rt[i].node_mac, 6);
		memcpy(v.host_mac, rt[i].host_mac, 6);
		if (bpf_map_update_elem(ep_fd, &key, &v, BPF_ANY))
			return -errno;
	}
	cfg.host_netns_cookie = netns_cookie();
	cfg.fib_ifindex = fib_probe_ifindex(t);
	err = fill_host_addrs(skel->obj);
	if (!err)
		err = fill_forwards(skel->obj, t, rt);
	if (err)
		return err;
	/* Config last: its layout field marks the maps as complete. */
	return bpf_map_update_elem(cfg_fd, &zero, &cfg, BPF_ANY) ? -errno : 0;
}

/*
 * Run the collector once and arm its timer (bpf/lib/ct_gc.h): the program
 * is never attached, BPF_PROG_TEST_RUN runs it on a dummy frame. The timer
 * then lives in the pinned gc map until `down` unpins it.
 */
static int gc_arm(struct nsbpf_node *skel)
{
	__u8 frame[14] = { 0 };	/* an Ethernet header, the least test_run takes */
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

static int tcx_attach(int prog_fd, int ifindex, int type, const char *pin, struct journal *j,
		      bool reup)
{
	int fd, err;

	if (reup) {
		fd = bpf_obj_get(pin);
		if (fd >= 0) {
			err = bpf_link_update(fd, prog_fd, NULL) ? -errno : 0;
			close(fd);
			return err;
		}
	}
	fd = bpf_link_create(prog_fd, ifindex, type, NULL);
	if (fd < 0)
		return -errno;
	err = journal_add(j, "pin %s", pin);
	if (!err && bpf_obj_pin(fd, pin))
		err = -errno;
	close(fd);	/* the pin holds the link: it outlives us */
	return err;
}

/* Our filters' handle and priority: on devices we own, and on the uplink. */
#define TC_HANDLE_NODE		1
#define TC_PRIO_NODE		1
#define TC_HANDLE_UPLINK	0x4e5b	/* unlikely to be someone else's */
#define TC_PRIO_UPLINK		0xc000

struct attach_point {
	const char *ifname;
	int ifindex;
	int in_fd;		/* tc ingress program */
	int eg_fd;		/* tc egress program, -1: none */
	unsigned int handle;	/* clsact filter */
	unsigned int prio;
};

static int clsact_attach(const struct attach_point *ap, bool ingress, struct journal *j,
			 bool reup)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ap->ifindex,
		    .attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = ap->handle, .priority = ap->prio,
		    .prog_fd = ingress ? ap->in_fd : ap->eg_fd, .flags = BPF_TC_F_REPLACE);
	int err;

	/* A clsact qdisc that exists (someone else's too) is shared, never removed. */
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST)
		return err;
	if (!reup) {
		err = journal_add(j, "tc %s %s %u %u", ap->ifname, ingress ? "ingress" : "egress",
				  ap->handle, ap->prio);
		if (err)
			return err;
	}
	return bpf_tc_attach(&hook, &opts);
}

static int attach_point(const char *dir, const struct attach_point *ap, enum attach_mode mode,
			struct journal *j, bool reup)
{
	char pin[512];
	int err;

	if (mode == ATTACH_CLSACT) {
		err = clsact_attach(ap, true, j, reup);
		if (!err && ap->eg_fd >= 0)
			err = clsact_attach(ap, false, j, reup);
		return err;
	}
	snprintf(pin, sizeof(pin), "%s/tcx_%s_in", dir, ap->ifname);
	err = tcx_attach(ap->in_fd, ap->ifindex, NSB_TCX_INGRESS, pin, j, reup);
	if (err || ap->eg_fd < 0)
		return err;
	snprintf(pin, sizeof(pin), "%s/tcx_%s_eg", dir, ap->ifname);
	return tcx_attach(ap->eg_fd, ap->ifindex, NSB_TCX_EGRESS, pin, j, reup);
}

static struct attach_point node_point(struct nsbpf_node *skel, const struct topo_node *n,
				      int ifindex)
{
	return (struct attach_point){
		.ifname = n->hostif, .ifindex = ifindex,
		.in_fd = bpf_program__fd(skel->progs.from_node),
		.eg_fd = bpf_program__fd(skel->progs.to_node),
		.handle = TC_HANDLE_NODE, .prio = TC_PRIO_NODE,
	};
}

/* auto: tcx when the kernel takes a tcx link (6.6+), found by trying. */
static enum attach_mode probe_mode(const char *dir, const struct attach_point *ap,
				   struct journal *j, int *err)
{
	*err = attach_point(dir, ap, ATTACH_TCX, j, false);
	if (!*err)
		return ATTACH_TCX;
	if (*err != -EINVAL && *err != -EOPNOTSUPP && *err != -ENOTSUPP)
		return ATTACH_TCX;
	pr_info("no tcx links on this kernel (%s): using tc clsact\n", strerror(-*err));
	*err = attach_point(dir, ap, ATTACH_CLSACT, j, false);
	return ATTACH_CLSACT;
}

/*
 * Host ends: the lab's own devices. auto means clsact there: a tcx attach or
 * detach waits for an RCU grace period under the RTNL lock (about 12 ms on
 * the reference machine), so a lab of 100 nodes took 2.9 s to come up with
 * tcx and 0.17 s with clsact, and nothing else shares these devices.
 */
static int attach_all(struct nsbpf_node *skel, const char *dir, const struct topo *t,
		      const struct node_rt *rt, enum attach_mode *mode, struct journal *j,
		      bool reup)
{
	int err = 0;

	if (*mode == ATTACH_AUTO)
		*mode = ATTACH_CLSACT;
	for (size_t i = 0; !err && i < t->n_nodes; i++) {
		struct attach_point ap = node_point(skel, &t->nodes[i], rt[i].ifindex);

		err = attach_point(dir, &ap, *mode, j, reup);
	}
	return err;
}

#ifdef HAVE_UPLINK_OBJ
/*
 * The uplink object: from_uplink takes the replies of masqueraded flows back
 * into the nodes and passes everything else on untouched. It reuses the maps
 * the node object pinned.
 */
static int uplink_up(const struct topo *t, const struct dp_uplink *up, const char *dir,
		     enum attach_mode *mode, struct journal *j, bool reup)
{
	struct nsbpf_uplink *skel;
	struct attach_point ap;
	int err;

	skel = nsbpf_uplink__open();
	if (!skel)
		return -errno;
	err = dp_set_pins(skel->obj, t, dir, NULL);
	if (!err) {
		err = nsbpf_uplink__load(skel);
		if (err)
			pr_warn("loading the uplink program failed: %s (run with -vv for the verifier log)\n",
				strerror(-err));
	}
	if (!err) {
		ap = (struct attach_point){
			.ifname = up->name, .ifindex = up->ifindex,
			.in_fd = bpf_program__fd(skel->progs.from_uplink),
			/* nothing leaves with a lab source, whatever the host routes (egress.h) */
			.eg_fd = bpf_program__fd(skel->progs.to_uplink),
			.handle = TC_HANDLE_UPLINK, .prio = TC_PRIO_UPLINK,
		};
		/* The uplink is shared with the host: tcx links coexist with others. */
		if (*mode == ATTACH_AUTO)
			*mode = probe_mode(dir, &ap, j, &err);
		else
			err = attach_point(dir, &ap, *mode, j, reup);
		if (err)
			pr_warn("attach to uplink %s: %s\n", up->name, strerror(-err));
	}
	nsbpf_uplink__destroy(skel);
	return err;
}
#endif /* HAVE_UPLINK_OBJ */

int dp_up(const struct topo *t, const struct node_rt *rt, const struct dp_uplink *up,
	  struct journal *j, struct dp_modes *modes, bool reup)
{
	enum attach_mode *mode = &modes->nodes;
	struct nsbpf_node *skel;
	char dir[256];
	int err;

	err = bpffs_ensure();
	if (err) {
		pr_warn("mount bpffs on %s: %s\n", BPFFS_ROOT, strerror(-err));
		return err;
	}
	pins_dir(t->name, dir, sizeof(dir));
	if (mkdir(PIN_ROOT, 0700) && errno != EEXIST)
		return -errno;
	if (!reup) {
		err = journal_add(j, "pindir %s", dir);
		if (err)
			return err;
		if (mkdir(dir, 0700) && errno != EEXIST)
			return -errno;
	}
	err = pins_check_layout(dir);
	if (err)
		return err;
	skel = nsbpf_node__open();
	if (!skel)
		return -errno;
	err = dp_set_pins(skel->obj, t, dir, reup ? NULL : j);
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
		err = attach_all(skel, dir, t, rt, mode, j, reup);
#ifdef HAVE_UPLINK_OBJ
	if (!err && up->ifindex)
		err = uplink_up(t, up, dir, &modes->uplink, j, reup);
#endif /* HAVE_UPLINK_OBJ */
	if (!err)
		err = sock_hooks_up(t, dir, j, reup);
	if (err == -EINVAL && (*mode == ATTACH_TCX || modes->uplink == ATTACH_TCX))
		pr_warn("datapath of lab %s: the kernel refused a tcx link (tcx needs Linux 6.6+): use --attach auto or clsact\n",
			t->name);
	else if (err)
		pr_warn("datapath of lab %s: %s\n", t->name, strerror(-err));
	nsbpf_node__destroy(skel);
	return err;
}

int dp_tc_detach(const char *ifname, const char *dir, unsigned int handle, unsigned int prio)
{
	int ifindex = (int)if_nametoindex(ifname);
	int err;

	if (!ifindex)
		return 0;	/* the device is gone, and its filters with it */
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = strcmp(dir, "ingress") ? BPF_TC_EGRESS : BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = handle, .priority = prio);
	err = bpf_tc_detach(&hook, &opts);
	return err == -ENOENT || err == -EINVAL ? 0 : err;
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
