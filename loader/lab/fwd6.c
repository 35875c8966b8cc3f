// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* forwards6: the IPv6 side of the port forwards (fwd6.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "lab/fwd6.h"
#include "sys/pins.h"

int fwd6_nodes_of(const struct lab_info *li, struct fwd6_node **out, size_t *n)
{
	struct fwd6_node *v = calloc(li->n_nodes ? li->n_nodes : 1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < li->n_nodes; i++) {
		v[i].ip = li->nodes[i].ip;
		if (li->nodes[i].prefix6)
			v[i].ip6 = li->nodes[i].ip6;
	}
	*out = v;
	*n = li->n_nodes;
	return 0;
}

static bool ip6_none(const struct in6_addr *a)
{
	return IN6_IS_ADDR_UNSPECIFIED(a);
}

/* One wanted entry for any address: the key's port and proto, the value. */
struct want6 {
	struct nsb_fwd6_key k;
	struct nsb_fwd6_val v;
};

static int cmp_want(const void *a, const void *b)
{
	const struct nsb_fwd6_key *x = &((const struct want6 *)a)->k;
	const struct nsb_fwd6_key *y = &((const struct want6 *)b)->k;

	if (x->proto != y->proto)
		return x->proto - y->proto;
	return ntohs(x->port) - ntohs(y->port);
}

static bool key_any(const struct nsb_fwd6_key *k)
{
	return !k->host_addr[0] && !k->host_addr[1] && !k->host_addr[2] && !k->host_addr[3];
}

/* Do a and b lead to the same place (hits aside)? */
static bool same_target(const struct nsb_fwd6_val *a, const struct nsb_fwd6_val *b)
{
	return !memcmp(a->node_addr, b->node_addr, 16) && a->v.node_port == b->v.node_port &&
	       a->v.first_port == b->v.first_port && a->v.count == b->v.count &&
	       a->v.ifindex == b->v.ifindex;
}

/* What forwards says forwards6 should hold for any address; sorted. free() *out. */
static int wanted(int fwd_fd, const struct fwd6_node *nodes, size_t n_nodes, struct want6 **out,
		  size_t *n)
{
	struct nsb_fwd_key k, next, *prev = NULL;
	struct want6 *w = NULL;
	size_t cnt = 0, cap = 0;
	struct nsb_fwd_val v;

	while (!bpf_map_get_next_key(fwd_fd, prev, &next)) {
		k = next;
		prev = &k;
		if (k.host_addr || bpf_map_lookup_elem(fwd_fd, &k, &v))
			continue;
		for (size_t i = 0; i < n_nodes; i++) {
			if (nodes[i].ip != ntohl(v.node_addr) || ip6_none(&nodes[i].ip6))
				continue;
			if (cnt == cap) {
				struct want6 *g = reallocarray(w, cap ? 2 * cap : 64, sizeof(*w));

				if (!g) {
					free(w);
					return -ENOMEM;
				}
				w = g;
				cap = cap ? 2 * cap : 64;
			}
			memset(&w[cnt], 0, sizeof(w[cnt]));
			w[cnt].k.port = k.port;
			w[cnt].k.proto = k.proto;
			w[cnt].v.v = v;
			w[cnt].v.v.node_addr = 0;
			w[cnt].v.v.hits = 0;
			memcpy(w[cnt].v.node_addr, &nodes[i].ip6, 16);
			cnt++;
			break;
		}
	}
	if (errno != ENOENT) {
		free(w);
		return -errno;
	}
	if (cnt)
		qsort(w, cnt, sizeof(*w), cmp_want);
	*out = w;
	*n = cnt;
	return 0;
}

int fwd6_sync(int fwd_fd, int fwd6_fd, const struct fwd6_node *nodes, size_t n_nodes)
{
	struct nsb_fwd6_key k, next, *prev = NULL, *gone = NULL;
	size_t n_want = 0, n_gone = 0, cap_gone = 0;
	struct want6 *want = NULL, *hit;
	struct nsb_fwd6_val have;
	int err = wanted(fwd_fd, nodes, n_nodes, &want, &n_want);

	if (err)
		return err;
	/* the entries for any address no forward wants (or wants elsewhere) go */
	while (!err && !bpf_map_get_next_key(fwd6_fd, prev, &next)) {
		struct want6 probe = { .k = next };

		k = next;
		prev = &k;
		if (!key_any(&k))
			continue; /* an IPv6 host address's forward: the file's */
		hit = n_want ? bsearch(&probe, want, n_want, sizeof(*want), cmp_want) : NULL;
		if (hit && !bpf_map_lookup_elem(fwd6_fd, &k, &have) && same_target(&have, &hit->v))
			continue;
		if (n_gone == cap_gone) {
			struct nsb_fwd6_key *g =
				reallocarray(gone, cap_gone ? 2 * cap_gone : 64, sizeof(*g));

			if (!g) {
				err = -ENOMEM;
				break;
			}
			gone = g;
			cap_gone = cap_gone ? 2 * cap_gone : 64;
		}
		gone[n_gone++] = k;
	}
	/* deleted after the walk: a walk that deletes as it goes may skip keys */
	for (size_t i = 0; !err && i < n_gone; i++)
		if (bpf_map_delete_elem(fwd6_fd, &gone[i]) && errno != ENOENT)
			err = -errno;
	for (size_t i = 0; !err && i < n_want; i++) {
		if (!bpf_map_lookup_elem(fwd6_fd, &want[i].k, &have) &&
		    same_target(&have, &want[i].v))
			continue; /* as it is: its hits stay */
		if (bpf_map_update_elem(fwd6_fd, &want[i].k, &want[i].v, BPF_ANY))
			err = -errno;
	}
	free(gone);
	free(want);
	return err;
}

int fwd6_map_add(int fwd6_fd, uint8_t proto, const struct in6_addr *host, uint16_t port,
		 uint16_t port_end, const struct in6_addr *node6, uint16_t to_port, int ifindex)
{
	unsigned int count = (unsigned int)(port_end - port) + 1, i;
	struct nsb_fwd6_key k = { .proto = proto };
	struct nsb_fwd6_val v = { 0 };
	int err = 0;

	memcpy(k.host_addr, host, 16);
	memcpy(v.node_addr, node6, 16);
	v.v.first_port = htons(port);
	v.v.count = (__u16)count;
	v.v.ifindex = (__u32)ifindex;
	for (i = 0; i < count; i++) {
		k.port = htons((uint16_t)(port + i));
		v.v.node_port = htons((uint16_t)(to_port + i));
		if (bpf_map_update_elem(fwd6_fd, &k, &v, BPF_NOEXIST)) {
			err = -errno;
			break;
		}
	}
	while (err && i-- > 0) {
		k.port = htons((uint16_t)(port + i));
		bpf_map_delete_elem(fwd6_fd, &k);
	}
	return err;
}

int fwd6_map_del(int fwd6_fd, uint8_t proto, const struct in6_addr *host, uint16_t port,
		 uint16_t port_end, const struct in6_addr *node6)
{
	struct nsb_fwd6_key k = { .proto = proto };
	struct nsb_fwd6_val v;

	memcpy(k.host_addr, host, 16);
	for (uint32_t p = port; p <= port_end; p++) {
		k.port = htons((uint16_t)p);
		if (bpf_map_lookup_elem(fwd6_fd, &k, &v) ||
		    (node6 && memcmp(v.node_addr, node6, 16)))
			continue;
		if (bpf_map_delete_elem(fwd6_fd, &k) && errno != ENOENT)
			return -errno;
	}
	return 0;
}

static struct nsb_fwd6_key fwd6_key(const struct fwd_spec *f, uint16_t port)
{
	struct nsb_fwd6_key k = { .port = htons(port), .proto = f->proto };

	memcpy(k.host_addr, &f->host_ip6, 16);
	return k;
}

int fwd6_batch_add(struct fwd_batch *b, const struct fwd_spec *f, const struct in6_addr *node6,
		   int ifindex)
{
	unsigned int count = (unsigned int)(f->port_end - f->port) + 1;
	struct nsb_fwd6_val v = { 0 };
	struct nsb_fwd6_key k;
	int err = 0;

	memcpy(v.node_addr, node6, 16);
	v.v.first_port = htons(f->port);
	v.v.count = (__u16)count;
	v.v.ifindex = (__u32)ifindex;
	for (unsigned int i = 0; i < count && !err; i++) {
		k = fwd6_key(f, (uint16_t)(f->port + i));
		v.v.node_port = htons((uint16_t)(f->to_port + i));
		err = fwd_batch_push6(b, false, &k, &v);
	}
	return err;
}

int fwd6_batch_del(int fwd6_fd, struct fwd_batch *b, const struct fwd_spec *f,
		   struct nsb_fwd6_val *first)
{
	struct nsb_fwd6_key k = fwd6_key(f, f->port);
	struct nsb_fwd6_val v;
	unsigned int count;
	int err = 0;

	if (bpf_map_lookup_elem(fwd6_fd, &k, first))
		return -errno;
	count = first->v.count ? first->v.count : 1;
	/* the spelled range must be the forward's own, not a part of it */
	if (ntohs(first->v.first_port) != f->port || f->port_end != f->port + count - 1)
		return -ERANGE;
	for (unsigned int i = 0; i < count && !err; i++) {
		k = fwd6_key(f, (uint16_t)(f->port + i));
		if (bpf_map_lookup_elem(fwd6_fd, &k, &v))
			return -errno; /* a range with a hole: not one of ours */
		err = fwd_batch_push6(b, true, &k, &v);
	}
	return err;
}

int fwd6_ports_want(int fwd6_fd, __u64 *want)
{
	struct nsb_fwd6_key k, next, *prev = NULL;

	while (!bpf_map_get_next_key(fwd6_fd, prev, &next)) {
		__u16 port = ntohs(next.port);
		__u32 word = NSB_FWD_PORT_WORD(next.proto, port, !key_any(&next));

		if (word < NSB_FWD_PORT_WORDS)
			want[word] |= 1ULL << (port % 64);
		k = next;
		prev = &k;
	}
	return errno == ENOENT ? 0 : -errno;
}

int fwd6_lookup_any(int fwd6_fd, uint8_t proto, uint16_t port, struct nsb_fwd6_val *v)
{
	struct nsb_fwd6_key k = { .port = htons(port), .proto = proto };

	return bpf_map_lookup_elem(fwd6_fd, &k, v) ? -errno : 0;
}

/*
 * Does the forward at addr:port (that address's, else, with any, any
 * address's) lead to node:node_port? As fwd_flows.c's leads_to().
 */
static bool leads_to6(int fwd6_fd, const __be32 *addr, __be16 port, __u8 proto, const __be32 *node,
		      __be16 node_port, bool any)
{
	struct nsb_fwd6_key fk = { .port = port, .proto = proto };
	struct nsb_fwd6_val v;
	int err;

	memcpy(fk.host_addr, addr, 16);
	err = bpf_map_lookup_elem(fwd6_fd, &fk, &v);
	if (err && any && !key_any(&fk)) {
		memset(fk.host_addr, 0, 16);
		err = bpf_map_lookup_elem(fwd6_fd, &fk, &v);
	}
	return !err && !memcmp(v.node_addr, node, 16) && v.v.node_port == node_port;
}

/*
 * Is the forwarded or hairpin flow k/ce still its forwards6 entry's?
 *   forwarded   node:8080 -> client, as host address:6000
 *   hairpin     client -> uplink6:6000, to backend:8080 (dnat; lib/hairpin6.h)
 *   its twin    backend:8080 -> gw6:P, as uplink6:6000 -> client (F_DNAT)
 * Masqueraded flows are no forward's: alive here.
 */
static bool flow6_alive(int fwd6_fd, const struct nsb_ct6_key *k, const struct nsb_ct6_entry *ce)
{
	static const __be32 any[4];

	if (ce->e.flags & NSB_CT_F_HAIRPIN) {
		if (ce->e.flags & NSB_CT_F_DNAT)
			return leads_to6(fwd6_fd, ce->nat_addr, ce->e.nat_port, k->proto, k->saddr,
					 k->sport, true);
		return leads_to6(fwd6_fd, k->daddr, k->dport, k->proto, ce->dnat_addr,
				 ce->e.dnat_port, true);
	}
	if (!(ce->e.flags & NSB_CT_F_DNAT))
		return true; /* masqueraded: no forward's */
	return leads_to6(fwd6_fd, ce->e.flags & NSB_CT_F_FWD_ANY ? any : ce->nat_addr,
			 ce->e.nat_port, k->proto, k->saddr, k->sport, false);
}

/* A hairpin entry's twin, if it still points back at k (lib/hairpin6.h's __hairpin6_twin()). */
static void end_twin6(int ct6_fd, const struct nsb_ct6_key *k, const struct nsb_ct6_entry *ce)
{
	struct nsb_ct6_key tk = { .sport = ce->e.dnat_port,
				  .dport = ce->e.nat_port,
				  .proto = k->proto };
	struct nsb_ct6_entry tw;

	memcpy(tk.saddr, ce->dnat_addr, 16);
	memcpy(tk.daddr, ce->nat_addr, 16);
	if (!bpf_map_lookup_elem(ct6_fd, &tk, &tw) && !memcmp(tw.dnat_addr, k->saddr, 16) &&
	    tw.e.dnat_port == k->sport && !memcmp(tw.nat_addr, k->daddr, 16) &&
	    tw.e.nat_port == k->dport)
		bpf_map_delete_elem(ct6_fd, &tk);
}

/* A forwarded flow's claim, if it is still this flow's (lib/dnat6.h made it). */
static void end_claim6(int nat6_fd, const struct nsb_ct6_key *k, const struct nsb_ct6_entry *ce)
{
	/* {host address, client, host port, the client's real port} */
	struct nsb_nat6_key nk = {
		.nat_port = ce->e.nat_port,
		.remote_port = ce->e.flags & NSB_CT_F_CPORT ? ce->e.dnat_port : k->dport,
		.proto = k->proto,
	};

	memcpy(nk.nat_addr, ce->nat_addr, 16);
	memcpy(nk.remote_addr, k->daddr, 16);
	bpf_map_delete_elem(nat6_fd, &nk);
}

/* Which flows end: a forward's that is gone, or a removed node's (fwd_flows.c's verdict). */
struct verdict6 {
	int fwd6_fd;		    /* -1: by node */
	const struct in6_addr *ips; /* the removed nodes' addresses */
	size_t n_ips;
};

static bool ip6_in(const struct verdict6 *v, const __be32 *addr)
{
	for (size_t i = 0; i < v->n_ips; i++)
		if (!memcmp(&v->ips[i], addr, 16))
			return true;
	return false;
}

/* A flow's node is its key's source, or a hairpin flow's backend. */
static bool flow6_dead(const struct verdict6 *v, const struct nsb_ct6_key *k,
		       const struct nsb_ct6_entry *ce)
{
	if (v->fwd6_fd < 0)
		return ip6_in(v, k->saddr) ||
		       ((ce->e.flags & NSB_CT_F_HAIRPIN) && ip6_in(v, ce->dnat_addr));
	return !flow6_alive(v->fwd6_fd, k, ce);
}

static int sweep6(int ct6_fd, int nat6_fd, const struct verdict6 *v, size_t *gone)
{
	struct nsb_ct6_key k, next, *prev = NULL, *dead = NULL;
	struct nsb_ct6_entry ce, *ents = NULL;
	size_t n = 0, cap = 0;
	int err = 0;

	*gone = 0;
	while (!bpf_map_get_next_key(ct6_fd, prev, &next)) {
		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(ct6_fd, &k, &ce) || !flow6_dead(v, &k, &ce))
			continue;
		if (n == cap) {
			size_t c = cap ? 2 * cap : 64;
			struct nsb_ct6_key *d = reallocarray(dead, c, sizeof(*d));
			struct nsb_ct6_entry *e = d ? reallocarray(ents, c, sizeof(*e)) : NULL;

			if (d)
				dead = d;
			if (!d || !e) {
				err = -ENOMEM;
				break;
			}
			ents = e;
			cap = c;
		}
		dead[n] = k;
		ents[n++] = ce;
	}
	/* collected first: deleting while walking a hash skips keys */
	for (size_t i = 0; !err && i < n; i++) {
		if (!bpf_map_delete_elem(ct6_fd, &dead[i]))
			(*gone)++;
		/* a hairpin claim goes with its flow (the collector: __nat6_owner()) */
		if (ents[i].e.flags & NSB_CT_F_HAIRPIN)
			end_twin6(ct6_fd, &dead[i], &ents[i]);
		else
			end_claim6(nat6_fd, &dead[i], &ents[i]);
	}
	free(dead);
	free(ents);
	return err;
}

int fwd6_flows_sweep(int ct6_fd, int nat6_fd, int fwd6_fd, size_t *gone)
{
	struct verdict6 v = { .fwd6_fd = fwd6_fd };

	return sweep6(ct6_fd, nat6_fd, &v, gone);
}

int node6_flows_sweep(const char *lab, const struct in6_addr *ips, size_t n, size_t *gone)
{
	struct verdict6 v = { .fwd6_fd = -1, .ips = ips, .n_ips = n };
	int ct6_fd, nat6_fd, err;

	*gone = 0;
	if (!n)
		return 0;
	ct6_fd = pins_map_open(lab, "ct6");
	nat6_fd = pins_map_open(lab, "nat_ports6");
	err = ct6_fd < 0 ? ct6_fd : nat6_fd < 0 ? nat6_fd : 0;
	if (!err)
		err = sweep6(ct6_fd, nat6_fd, &v, gone);
	if (ct6_fd >= 0)
		close(ct6_fd);
	if (nat6_fd >= 0)
		close(nat6_fd);
	return err;
}

int fwd6_sync_lab(const char *lab)
{
	int fwd_fd = pins_map_open(lab, "forwards"), fwd6_fd = pins_map_open(lab, "forwards6");
	struct fwd6_node *nodes = NULL;
	struct lab_info li;
	size_t n = 0;
	int err;

	if (fwd6_fd == -ENOENT) { /* a lab from before forwards6: its re-up adds it */
		err = 0;
		goto out;
	}
	err = fwd_fd < 0 ? fwd_fd : fwd6_fd < 0 ? fwd6_fd : lab_info_read(lab, &li);
	if (err)
		goto out;
	err = fwd6_nodes_of(&li, &nodes, &n);
	if (!err)
		err = fwd6_sync(fwd_fd, fwd6_fd, nodes, n);
	free(nodes);
	lab_info_free(&li);
out:
	if (fwd_fd >= 0)
		close(fwd_fd);
	if (fwd6_fd >= 0)
		close(fwd6_fd);
	return err;
}
