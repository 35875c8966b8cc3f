// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The datapath side of one endpoint (lab_ep.c): the node programs loaded
 * again on the lab's pinned maps and attached to the new host end, and its
 * entry in the endpoints map. Each load is a program instance of its own;
 * all of them share the maps, as after a re-up.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lab/lab_ep_internal.h"
#include "nsbpf_maps.h"
#include "sys/pins.h"
#include "sys/tc.h"
#include "node.skel.h"

/* datapath.c's handle and priority for the filters on host ends: devices we own. */
#define EP_TC_HANDLE 1
#define EP_TC_PRIO   1

/* The lab's conntrack size, which every object must declare alike (pins_object). */
static unsigned int ct_entries(const char *lab)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	int fd = pins_map_open(lab, "ct");
	unsigned int n = 0;

	if (fd < 0)
		return 0;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len))
		n = info.max_entries;
	close(fd);
	return n;
}

int ep_dp_attach(const char *lab, const char *mode, const char *hostif, int ifindex,
		 struct journal *j)
{
	struct nsbpf_node *skel = nsbpf_node__open();
	char dir[256];
	int err;

	if (!skel)
		return -errno;
	pins_dir(lab, dir, sizeof(dir));
	err = pins_object(skel->obj, dir, ct_entries(lab), j);
	if (!err)
		err = nsbpf_node__load(skel);
	if (!err) {
		struct tc_point p = {
			.ifname = hostif,
			.ifindex = ifindex,
			.in_fd = bpf_program__fd(skel->progs.from_node),
			.eg_fd = bpf_program__fd(skel->progs.to_node),
			.handle = EP_TC_HANDLE,
			.prio = EP_TC_PRIO,
		};

		err = tc_attach(dir, &p, !strcmp(mode, "tcx"), j, false);
	}
	nsbpf_node__destroy(skel);
	return err;
}

int ep_dp_endpoint(const char *lab, uint32_t ip, int ifindex, const uint8_t node_mac[6],
		   const uint8_t host_mac[6], bool add)
{
	struct nsb_endpoint v = { .ifindex = (__u32)ifindex, .net_id = 0 };
	int fd = pins_map_open(lab, "endpoints");
	__be32 key = htonl(ip);
	int err = 0;

	if (fd < 0)
		return fd;
	memcpy(v.node_mac, node_mac, 6);
	memcpy(v.host_mac, host_mac, 6);
	if (add && bpf_map_update_elem(fd, &key, &v, BPF_NOEXIST))
		err = -errno;
	if (!add && bpf_map_delete_elem(fd, &key) && errno != ENOENT)
		err = -errno;
	close(fd);
	return err;
}
