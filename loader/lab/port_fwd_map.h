/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The lab's pinned forwards map, read and changed as whole forwards (a range
 * is one map entry per port).
 */
#ifndef NSBPF_FWD_MAP_H
#define NSBPF_FWD_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "topo/port_fwd_spec.h"
#include "lab/fwd_batch.h"
#include "lab/lab.h"

struct fwd_entry {
	struct fwd_spec spec; /* node "" when its address is no node of the lab */
	uint32_t node_ip;     /* host order */
	uint64_t hits;	      /* summed over the forward's ports */
	bool runtime;	      /* added by `forward add` (or CNI), not from the lab's file */
	bool has6;	      /* answers on the uplink's IPv6 address too (forwards6, lab/fwd6.h) */
	struct in6_addr node_ip6; /* has6: the node's IPv6 address */
};

/* Open /sys/fs/bpf/nsbpf/LAB/forwards: fd or -errno. */
int fwd_map_open(const char *lab);

/* Every forward in the map, sorted by proto, port, address; free() *out. */
int fwd_map_read(int fd, const struct lab_info *li, struct fwd_entry **out, size_t *n);

/*
 * Insert every port of f towards node ip/ifindex with BPF_NOEXIST: all or
 * nothing. -EEXIST when a port is taken (then nothing was inserted).
 */
int fwd_map_add(int fd, const struct fwd_spec *f, uint32_t node_ip, int ifindex);

/* Append to b the entries that add f (one per port) towards node ip/ifindex. */
int fwd_map_batch_add(struct fwd_batch *b, const struct fwd_spec *f, uint32_t node_ip, int ifindex);

/*
 * Append to b the deletion of the forward that starts at f->port, every
 * port with its value; *first: the value of its first port. -ENOENT: no
 * such forward; -ERANGE: f is not as long as it (a part of a longer one).
 */
int fwd_map_batch_del(int fd, struct fwd_batch *b, const struct fwd_spec *f,
		      struct nsb_fwd_val *first);

/*
 * What the calling thread's netns has for forwards to take (fwd_spec.h):
 * sockets' ports, ephemeral range and reserved ports, IPv4 addresses.
 * NULL with errno set on failure.
 */
struct fwd_host *fwd_host_read(void);
int fwd_host_add_addr(struct fwd_host *h, uint32_t ip); /* one more address, host order */
void fwd_host_free(struct fwd_host *h);

#endif /* NSBPF_FWD_MAP_H */
