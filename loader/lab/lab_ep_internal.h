/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Inside lab/: what the files of endpoint labs (lab_ep*.c) share. */
#ifndef NSBPF_LAB_EP_INTERNAL_H
#define NSBPF_LAB_EP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "lab/lab_ep.h"
#include "sys/journal.h"

/* Load the node programs on the lab's maps, attach them to hostif (mode "tcx" or "clsact"). */
int ep_dp_attach(const char *lab, const char *mode, const char *hostif, int ifindex,
		 struct journal *j);
/* Add (BPF_NOEXIST) or delete the endpoints map entry of ip. */
int ep_dp_endpoint(const char *lab, uint32_t ip, int ifindex, const uint8_t node_mac[6],
		   const uint8_t host_mac[6], bool add);

/* Inside the endpoint's netns: lo and ifname up, its address and routes. */
int ep_configure(int nsfd, const struct lab_ep *ep, uint32_t gateway, uint16_t port_lo,
		 uint16_t port_hi);
/* Inside the netns: ifname is there, up, with ep->ip. */
int ep_check_inside(int nsfd, const struct lab_ep *ep, struct err_msg *e);

/* The lab file with the endpoint's node line added (line) or removed (line NULL, node). */
int ep_lab_file(const char *lab, const char *node, const char *line);

#endif /* NSBPF_LAB_EP_INTERNAL_H */
