/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The IPv6 side of the port forwards (forwards6, nsbpf_maps6.h). A forward
 * for any host address to a node with an ip6 answers on the uplink's IPv6
 * address too: its forwards6 entries follow its forwards entries, made
 * again from them after every change (fwd6_sync(): up, forward add and
 * del, converge, a recovered batch), so the journalled IPv4 batch stays
 * the one truth and a forward to a node without ip6 stays IPv4-only. A
 * forward for an IPv6 host address (the file's host: "2001:db8::1") is
 * forwards6's alone, written at up; fwd6_sync() leaves those alone.
 * Each call works on map fds and returns 0 or -errno.
 */
#ifndef NSBPF_LAB_FWD6_H
#define NSBPF_LAB_FWD6_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "lab/fwd_batch.h"
#include "lab/lab.h"
#include "topo/port_fwd_spec.h"
#include "nsbpf_maps.h"
#include "nsbpf_maps6.h"

/* A node's first-leg IPv4 address (host order) and its ip6 (:: none). */
struct fwd6_node {
	uint32_t ip;
	struct in6_addr ip6;
};

/* The nodes of li, as fwd6_sync() wants them; free() *out. */
int fwd6_nodes_of(const struct lab_info *li, struct fwd6_node **out, size_t *n);

/*
 * forwards6's entries for any host address, as forwards and nodes say:
 * one per forwards entry for any address whose node has an ip6, hits kept
 * where the entry stays the same; the rest of them deleted.
 */
int fwd6_sync(int fwd_fd, int fwd6_fd, const struct fwd6_node *nodes, size_t n);

/* Insert every port of a forward for host (:: any) to node6 with BPF_NOEXIST: all or nothing. */
int fwd6_map_add(int fwd6_fd, uint8_t proto, const struct in6_addr *host, uint16_t port,
		 uint16_t port_end, const struct in6_addr *node6, uint16_t to_port, int ifindex);

/*
 * Delete the entries of a forward for host (an IPv6 host address) whose
 * node is still node6 (the file's forward going in a converge; NULL:
 * whatever their node).
 */
int fwd6_map_del(int fwd6_fd, uint8_t proto, const struct in6_addr *host, uint16_t port,
		 uint16_t port_end, const struct in6_addr *node6);

/*
 * A forward for an IPv6 host address (f->host_ip6) in a batch (fwd_batch.h,
 * as `forward add|del` change forwards): append the entries that add it
 * towards node6/ifindex, one per port; or, for del, the deletion of the
 * forward that starts at f->port, each port with its value (*first: its
 * first port's). del: -ENOENT no such forward, -ERANGE f is a part of a
 * longer one.
 */
int fwd6_batch_add(struct fwd_batch *b, const struct fwd_spec *f, const struct in6_addr *node6,
		   int ifindex);
int fwd6_batch_del(int fwd6_fd, struct fwd_batch *b, const struct fwd_spec *f,
		   struct nsb_fwd6_val *first);

/* Set want's bits (NSB_FWD_PORT_WORDS words) for every entry of forwards6. */
int fwd6_ports_want(int fwd6_fd, __u64 *want);

/*
 * Delete the ct6 entries of forwarded and hairpin flows whose forwards6
 * entry is gone or leads elsewhere, and a forwarded flow's claim in
 * nat_ports6 or a hairpin entry's twin (its claim, the collector's then).
 * *gone: how many.
 */
int fwd6_flows_sweep(int ct6_fd, int nat6_fd, int fwd6_fd, size_t *gone);
/*
 * The ct6 flows of removed nodes (ips[0..n): their legs' ip6), with their
 * claims and hairpin twins, as node_flows_sweep() for IPv4: 0 or -errno.
 */
int node6_flows_sweep(const char *lab, const struct in6_addr *ips, size_t n, size_t *gone);

/* The forwards6 entry of an IPv4 forward for any address at proto/port, if there is one. */
int fwd6_lookup_any(int fwd6_fd, uint8_t proto, uint16_t port, struct nsb_fwd6_val *v);

/* By lab: fwd6_sync() with the lab's nodes (a lab without forwards6: 0). */
int fwd6_sync_lab(const char *lab);

#endif /* NSBPF_LAB_FWD6_H */
