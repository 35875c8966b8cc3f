// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The forwards map in a converge (lab_conv.h): the file's forwards follow
 * the file, runtime ones (`forward add`, CNI port mappings) stay while
 * their node does. The refill (datapath.c) then adds the file's new ones,
 * and the sweep ends the flows of what went (fwd_flows.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "lab/fwd6.h"
#include "lab/lab_conv.h"
#include "nsbpf_maps.h"
#include "sys/pins.h"

/* Forward i of a, every port, where the map still has it as a's. */
static int drop_file_fwd(const char *lab, int fd, const struct topo *a, size_t i)
{
	const struct topo_forward *f = &a->forwards[i];
	__be32 node = htonl(topo_node_fwd_ip(a, &a->nodes[f->node]));

	/* an IPv6 host address's: forwards6's alone (lab/fwd6.h) */
	if (!IN6_IS_ADDR_UNSPECIFIED(&f->host_ip6)) {
		int fd6 = pins_map_open(lab, "forwards6"), err;

		if (fd6 == -ENOENT)
			return 0;
		if (fd6 < 0)
			return fd6;
		err = fwd6_map_del(fd6, f->proto, &f->host_ip6, f->port, f->port_end,
				   &a->nodes[f->node].ip6);
		close(fd6);
		return err;
	}

	for (uint32_t p = f->port; p <= f->port_end; p++) {
		struct nsb_fwd_key k = { .host_addr = htonl(f->host_ip),
					 .port = htons((uint16_t)p),
					 .proto = f->proto };
		struct nsb_fwd_val v;

		if (bpf_map_lookup_elem(fd, &k, &v))
			continue;
		if (v.node_addr != node || ntohs(v.node_port) != f->to_port + (p - f->port))
			continue; /* a runtime forward took the port */
		if (bpf_map_delete_elem(fd, &k) && errno != ENOENT)
			return -errno;
	}
	return 0;
}

/* b's node whose forwards go to addr, or -1. */
static int node_at(const struct topo *b, __be32 addr)
{
	for (size_t i = 0; i < b->n_nodes; i++)
		if (htonl(topo_node_fwd_ip(b, &b->nodes[i])) == addr)
			return (int)i;
	return -1;
}

/* Every key of the map (deleting while walking a hash skips keys). */
static int keys_read(int fd, struct nsb_fwd_key **out, size_t *n)
{
	struct nsb_fwd_key k, next, *prev = NULL, *p;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 64;
			p = reallocarray(*out, cap, sizeof(*p));
			if (!p)
				return -ENOMEM;
			*out = p;
		}
		(*out)[(*n)++] = next;
		k = next;
		prev = &k;
	}
	return errno == ENOENT ? 0 : -errno;
}

/* b's node at addr, or a's node of that name in b (readdressed: its new address into *addr). */
static int node_now(const struct topo *a, const struct topo *b, __be32 *addr)
{
	int node = node_at(b, *addr), was = node < 0 ? node_at(a, *addr) : -1;

	if (was >= 0)
		node = topo_node_index(b, a->nodes[was].name);
	if (was >= 0 && node >= 0) {
		*addr = htonl(topo_node_fwd_ip(b, &b->nodes[node]));
		if (!*addr)
			node = -1; /* no longer anywhere a forward reaches */
	}
	return node;
}

/*
 * Entries of removed nodes deleted; of recreated ones pointed at their new
 * host end, and at their new address when only that changed (a runtime
 * forward follows its node by name, as the file's do).
 */
static int fix_entries(int fd, const struct topo *a, const struct topo *b, const struct node_rt *rt)
{
	struct nsb_fwd_key *keys;
	size_t n;
	int err = keys_read(fd, &keys, &n);

	for (size_t i = 0; !err && i < n; i++) {
		struct nsb_fwd_val v;
		__be32 addr;
		int node;

		if (bpf_map_lookup_elem(fd, &keys[i], &v))
			continue;
		addr = v.node_addr;
		node = node_now(a, b, &addr);
		if (node < 0) {
			if (bpf_map_delete_elem(fd, &keys[i]) && errno != ENOENT)
				err = -errno;
		} else if (v.ifindex != (__u32)rt[node].ifindex || v.node_addr != addr) {
			v.ifindex = (__u32)rt[node].ifindex;
			v.node_addr = addr;
			if (bpf_map_update_elem(fd, &keys[i], &v, BPF_EXIST))
				err = -errno;
		}
	}
	free(keys);
	return err;
}

/* t's node whose ip6 is addr, or -1. */
static int node_at6(const struct topo *t, const __be32 *addr)
{
	for (size_t i = 0; i < t->n_nodes; i++)
		if (!IN6_IS_ADDR_UNSPECIFIED(&t->nodes[i].ip6) &&
		    !memcmp(&t->nodes[i].ip6, addr, 16))
			return (int)i;
	return -1;
}

/*
 * fix_entries() for the forwards for an IPv6 host address (forwards6's
 * alone; `forward add --host`'s stay while their node does, as IPv4's):
 * a removed node's go (or one left without ip6), a recreated one's follow
 * its host end and ip6. The entries for any address follow forwards
 * (fwd6_sync()), the file's own are written again by the refill.
 */
static int fix_entries6(const char *lab, const struct topo *a, const struct topo *b,
			const struct node_rt *rt)
{
	int fd6 = pins_map_open(lab, "forwards6"), err = 0;
	struct nsb_fwd6_key k, next, *prev = NULL, *keys = NULL, *g;
	size_t n = 0, cap = 0;

	if (fd6 == -ENOENT)
		return 0;
	if (fd6 < 0)
		return fd6;
	while (!bpf_map_get_next_key(fd6, prev, &next)) {
		k = next;
		prev = &k;
		if (!k.host_addr[0] && !k.host_addr[1] && !k.host_addr[2] && !k.host_addr[3])
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			g = reallocarray(keys, cap, sizeof(*keys));
			if (!g) {
				err = -ENOMEM;
				break;
			}
			keys = g;
		}
		keys[n++] = k;
	}
	for (size_t i = 0; !err && i < n; i++) {
		struct nsb_fwd6_val v;
		int was, node;

		if (bpf_map_lookup_elem(fd6, &keys[i], &v))
			continue;
		node = node_at6(b, v.node_addr);
		was = node < 0 ? node_at6(a, v.node_addr) : -1;
		if (was >= 0)
			node = topo_node_index(b, a->nodes[was].name);
		if (node < 0 || IN6_IS_ADDR_UNSPECIFIED(&b->nodes[node].ip6)) {
			if (bpf_map_delete_elem(fd6, &keys[i]) && errno != ENOENT)
				err = -errno;
		} else if (v.v.ifindex != (__u32)rt[node].ifindex ||
			   memcmp(v.node_addr, &b->nodes[node].ip6, 16)) {
			v.v.ifindex = (__u32)rt[node].ifindex;
			memcpy(v.node_addr, &b->nodes[node].ip6, 16);
			if (bpf_map_update_elem(fd6, &keys[i], &v, BPF_EXIST))
				err = -errno;
		}
	}
	free(keys);
	close(fd6);
	return err;
}

int conv_forwards(const char *lab, const struct topo *a, const struct topo *b,
		  const struct topo_diff *d, const struct node_rt *rt)
{
	int fd = pins_map_open(lab, "forwards"), err = 0;

	if (fd < 0)
		return fd;
	for (size_t i = 0; !err && i < a->n_forwards; i++)
		if (d->del_fwd[i])
			err = drop_file_fwd(lab, fd, a, i);
	if (!err)
		err = fix_entries(fd, a, b, rt);
	if (!err)
		err = fix_entries6(lab, a, b, rt);
	close(fd);
	return err;
}
