// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Load, pin, fill and attach the node programs of a lab. Pinned maps are
 * reused by a re-up (libbpf checks their definition, we check the layout
 * version), so state survives program replacement.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "datapath.h"
#include "log.h"
#include "node.skel.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif /* BPF_FS_MAGIC */

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

int bpffs_ensure(void)
{
	struct statfs st;

	if (!statfs(BPFFS_ROOT, &st) && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mkdir(BPFFS_ROOT, 0700) && errno != EEXIST)
		return -errno;
	if (mount("bpf", BPFFS_ROOT, "bpf", 0, "mode=0700"))
		return -errno;
	pr_info("mounted a bpf filesystem on %s\n", BPFFS_ROOT);
	return 0;
}

static void pin_dir(const char *lab, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", PIN_ROOT, lab);
}

/* Pinned maps of another layout are never silently reused. */
static int check_layout(const char *dir)
{
	struct nsb_config cfg;
	char path[512];
	__u32 key = 0;
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/config", dir);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (bpf_map_lookup_elem(fd, &key, &cfg))
		err = -errno;
	else if (cfg.layout != NSB_LAYOUT_VERSION) {
		pr_warn("maps pinned in %s have layout %u, this nsbpf uses %u: run \"nsbpf down\" on the lab and bring it up again\n",
			dir, cfg.layout, NSB_LAYOUT_VERSION);
		err = -EPROTO;
	}
	close(fd);
	return err;
}

static int set_pins(struct nsbpf_node *skel, const char *dir, struct journal *j, bool reup)
{
	struct bpf_map *maps[] = { skel->maps.endpoints, skel->maps.networks, skel->maps.config,
				   skel->maps.stats };
	char path[512];
	int err;

	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(maps[i]));
		if (!reup) {
			err = journal_add(j, "pin %s", path);
			if (err)
				return err;
		}
		err = bpf_map__set_pin_path(maps[i], path);
		if (err)
			return err;
	}
	return 0;
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
	};
	__u32 zero = 0;

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
	/* Config last: its layout field marks the maps as complete. */
	return bpf_map_update_elem(cfg_fd, &zero, &cfg, BPF_ANY) ? -errno : 0;
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

static int clsact_attach(int prog_fd, int ifindex, const char *ifname, bool ingress,
			 struct journal *j, bool reup)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 1, .priority = 1, .prog_fd = prog_fd,
		    .flags = BPF_TC_F_REPLACE);
	int err;

	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST)
		return err;
	if (!reup) {
		err = journal_add(j, "tc %s %s 1 1", ifname, ingress ? "ingress" : "egress");
		if (err)
			return err;
	}
	return bpf_tc_attach(&hook, &opts);
}

static int attach_node(struct nsbpf_node *skel, const char *dir, const struct topo_node *n,
		       int ifindex, enum attach_mode mode, struct journal *j, bool reup)
{
	int in_fd = bpf_program__fd(skel->progs.from_node);
	int eg_fd = bpf_program__fd(skel->progs.to_node);
	char pin[512];
	int err;

	if (mode == ATTACH_CLSACT) {
		err = clsact_attach(in_fd, ifindex, n->hostif, true, j, reup);
		if (!err)
			err = clsact_attach(eg_fd, ifindex, n->hostif, false, j, reup);
		return err;
	}
	snprintf(pin, sizeof(pin), "%s/tcx_%s_in", dir, n->hostif);
	err = tcx_attach(in_fd, ifindex, NSB_TCX_INGRESS, pin, j, reup);
	if (err)
		return err;
	snprintf(pin, sizeof(pin), "%s/tcx_%s_eg", dir, n->hostif);
	return tcx_attach(eg_fd, ifindex, NSB_TCX_EGRESS, pin, j, reup);
}

/* auto: tcx when the kernel takes a tcx link (6.6+), found by trying. */
static enum attach_mode probe_mode(struct nsbpf_node *skel, const char *dir,
				   const struct topo_node *n, int ifindex, struct journal *j,
				   int *err)
{
	*err = attach_node(skel, dir, n, ifindex, ATTACH_TCX, j, false);
	if (!*err)
		return ATTACH_TCX;
	if (*err != -EINVAL && *err != -EOPNOTSUPP && *err != -ENOTSUPP)
		return ATTACH_TCX;
	pr_info("no tcx links on this kernel (%s): using tc clsact\n", strerror(-*err));
	*err = attach_node(skel, dir, n, ifindex, ATTACH_CLSACT, j, false);
	return ATTACH_CLSACT;
}

static int attach_all(struct nsbpf_node *skel, const char *dir, const struct topo *t,
		      const struct node_rt *rt, enum attach_mode *mode, struct journal *j,
		      bool reup)
{
	size_t first = 0;
	int err = 0;

	if (!t->n_nodes)
		return 0;
	if (*mode == ATTACH_AUTO) {
		*mode = probe_mode(skel, dir, &t->nodes[0], rt[0].ifindex, j, &err);
		first = 1;
	}
	for (size_t i = first; !err && i < t->n_nodes; i++)
		err = attach_node(skel, dir, &t->nodes[i], rt[i].ifindex, *mode, j, reup);
	return err;
}

int dp_up(const struct topo *t, const struct node_rt *rt, const struct dp_uplink *up,
	  struct journal *j, enum attach_mode *mode, bool reup)
{
	struct nsbpf_node *skel;
	char dir[256];
	int err;

	err = bpffs_ensure();
	if (err) {
		pr_warn("mount bpffs on %s: %s\n", BPFFS_ROOT, strerror(-err));
		return err;
	}
	pin_dir(t->name, dir, sizeof(dir));
	if (mkdir(PIN_ROOT, 0700) && errno != EEXIST)
		return -errno;
	if (!reup) {
		err = journal_add(j, "pindir %s", dir);
		if (err)
			return err;
		if (mkdir(dir, 0700) && errno != EEXIST)
			return -errno;
	}
	err = check_layout(dir);
	if (err)
		return err;
	skel = nsbpf_node__open();
	if (!skel)
		return -errno;
	err = set_pins(skel, dir, j, reup);
	if (!err) {
		err = nsbpf_node__load(skel);
		if (err)
			pr_warn("loading the BPF programs failed: %s (run with -vv for the verifier log)\n",
				strerror(-err));
	}
	if (!err)
		err = fill_maps(skel, t, rt, up);
	if (!err)
		err = attach_all(skel, dir, t, rt, mode, j, reup);
	if (err)
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
	char path[512];
	int fd, err = 0;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	snprintf(path, sizeof(path), "%s/%s/stats", PIN_ROOT, lab);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
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
