// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The fwd_ports bitmap and the flows of gone forwards (fwd_flows.h). */
#include <errno.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "lab/fwd_flows.h"
#include "lab/fwd6.h"
#include "sys/pins.h"

/* 4x the largest conntrack table (`nat: conntrack` takes up to 2^24) */
#define FWD_SWEEP_STEPS (4UL << 24)

static void port_bit(const struct nsb_fwd_key *k, __u32 *word, __u64 *bit)
{
	__u16 port = ntohs(k->port);

	*word = NSB_FWD_PORT_WORD(k->proto, port, k->host_addr != 0);
	*bit = 1ULL << (port % 64);
}

static int mark(int ports_fd, __u32 word, __u64 bit)
{
	__u64 bits;
	if (bpf_map_lookup_elem(ports_fd, &word, &bits))
		return -errno;
	if (bits & bit)
		return 0;
	bits |= bit;
	return bpf_map_update_elem(ports_fd, &word, &bits, BPF_ANY) ? -errno : 0;
}

int fwd_ports_mark(int ports_fd, const struct nsb_fwd_key *key)
{
	__u64 bit;
	__u32 word;

	port_bit(key, &word, &bit);
	return mark(ports_fd, word, bit);
}

int fwd_ports_mark6(int ports_fd, const struct nsb_fwd6_key *key)
{
	__u16 port = ntohs(key->port);
	bool any = !key->host_addr[0] && !key->host_addr[1] && !key->host_addr[2] &&
		   !key->host_addr[3];

	return mark(ports_fd, NSB_FWD_PORT_WORD(key->proto, port, !any), 1ULL << (port % 64));
}

int fwd_ports_sync(int ports_fd, int fwd_fd)
{
	return fwd_ports_sync46(ports_fd, fwd_fd, -1);
}

int fwd_ports_sync46(int ports_fd, int fwd_fd, int fwd6_fd)
{
	__u64 *want = calloc(NSB_FWD_PORT_WORDS, sizeof(*want));
	struct nsb_fwd_key k, next, *prev = NULL;
	int err = 0;

	if (!want)
		return -ENOMEM;
	while (!bpf_map_get_next_key(fwd_fd, prev, &next)) {
		__u64 bit;
		__u32 word;

		port_bit(&next, &word, &bit);
		if (word < NSB_FWD_PORT_WORDS)
			want[word] |= bit;
		k = next;
		prev = &k;
	}
	if (errno != ENOENT)
		err = -errno;
	/* one bitmap for both families (nsbpf_maps6.h) */
	if (!err && fwd6_fd >= 0)
		err = fwd6_ports_want(fwd6_fd, want);
	/* only the words that differ: a sync after one forward writes one */
	for (__u32 w = 0; !err && w < NSB_FWD_PORT_WORDS; w++) {
		__u64 have;

		if (bpf_map_lookup_elem(ports_fd, &w, &have))
			err = -errno;
		else if (have != want[w] && bpf_map_update_elem(ports_fd, &w, &want[w], BPF_ANY))
			err = -errno;
	}
	free(want);
	return err;
}

/* Does the forward at addr:port (that address's, else any address's) lead to node:node_port? */
static bool leads_to(int fwd_fd, __be32 addr, __be16 port, __u8 proto, __be32 node,
		     __be16 node_port, bool any)
{
	struct nsb_fwd_key k = { .host_addr = addr, .port = port, .proto = proto };
	struct nsb_fwd_val v;
	int err = addr ? bpf_map_lookup_elem(fwd_fd, &k, &v) : -1;

	if (err && any) {
		k.host_addr = 0;
		err = bpf_map_lookup_elem(fwd_fd, &k, &v);
	}
	return !err && v.node_addr == node && v.node_port == node_port;
}

/*
 * Is the forwarded or hairpin flow k/ce still its forward's? The same
 * question the datapath asked per packet before it trusted the loader:
 *   forwarded   node:8080 -> client, as uplink:6000 (its very forward's key)
 *   hairpin     client -> uplink:6000, to backend:8080 (dnat)
 *   its twin    backend:8080 -> gw:P, as uplink:6000 -> client (F_DNAT)
 * Masqueraded flows are no forward's: alive here.
 */
static bool flow_alive(int fwd_fd, const struct nsb_ct_key *k, const struct nsb_ct_entry *ce)
{
	bool any = ce->flags & NSB_CT_F_FWD_ANY;

	if (!(ce->flags & NSB_CT_F_HAIRPIN)) {
		if (!(ce->flags & NSB_CT_F_DNAT))
			return true;
		return leads_to(fwd_fd, any ? 0 : ce->nat_addr, ce->nat_port, k->proto, k->saddr,
				k->sport, true);
	}
	if (ce->flags & NSB_CT_F_DNAT)
		return leads_to(fwd_fd, ce->nat_addr, ce->nat_port, k->proto, k->saddr, k->sport,
				true);
	return leads_to(fwd_fd, k->daddr, k->dport, k->proto, ce->dnat_addr, ce->dnat_port, true);
}

struct dead {
	struct nsb_ct_key *k;
	struct nsb_ct_entry *ce;
	size_t n, cap;
};

static int dead_push(struct dead *d, const struct nsb_ct_key *k, const struct nsb_ct_entry *ce)
{
	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 64;
		struct nsb_ct_key *nk = realloc(d->k, cap * sizeof(*nk));
		struct nsb_ct_entry *nce;

		if (!nk)
			return -ENOMEM;
		d->k = nk;
		nce = realloc(d->ce, cap * sizeof(*nce));
		if (!nce)
			return -ENOMEM;
		d->ce = nce;
		d->cap = cap;
	}
	d->k[d->n] = *k;
	d->ce[d->n++] = *ce;
	return 0;
}

/* Which flows end: a forward's that is gone, or a removed node's. */
struct verdict {
	int fwd_fd;	     /* -1: by node */
	const uint32_t *ips; /* host order: the removed nodes' addresses */
	size_t n_ips;
};

static bool ip_in(const struct verdict *v, __be32 addr)
{
	for (size_t i = 0; i < v->n_ips; i++)
		if (htonl(v->ips[i]) == addr)
			return true;
	return false;
}

/* A flow's node is its key's source, or a hairpin flow's backend. */
static bool flow_dead(const struct verdict *v, const struct nsb_ct_key *k,
		      const struct nsb_ct_entry *ce)
{
	if (v->fwd_fd < 0)
		return ip_in(v, k->saddr) ||
		       ((ce->flags & NSB_CT_F_HAIRPIN) && ip_in(v, ce->dnat_addr));
	return (ce->flags & (NSB_CT_F_DNAT | NSB_CT_F_HAIRPIN)) && !flow_alive(v->fwd_fd, k, ce);
}

/* The flows to end, collected first: deleting while walking a hash skips keys. */
static int collect(int ct_fd, const struct verdict *v, struct dead *d)
{
	struct nsb_ct_key k, next, *prev = NULL;
	struct nsb_ct_entry ce;
	size_t steps = 0;
	int err;

	/*
	 * Bounded: a key the datapath deletes under the walk restarts it from
	 * the first bucket (the kernel's get_next_key), so a walk under churn
	 * could go on; what it missed, the next change's sweep takes.
	 */
	while (steps++ < FWD_SWEEP_STEPS && !bpf_map_get_next_key(ct_fd, prev, &next)) {
		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(ct_fd, &k, &ce))
			continue; /* gone meanwhile */
		if (!flow_dead(v, &k, &ce))
			continue;
		err = dead_push(d, &k, &ce);
		if (err)
			return err;
	}
	return steps > FWD_SWEEP_STEPS || errno == ENOENT ? 0 : -errno;
}

/* A hairpin entry's twin, if it still points back at k (hairpin.h's __hairpin_twin()). */
static void end_twin(int ct_fd, const struct nsb_ct_key *k, const struct nsb_ct_entry *ce)
{
	struct nsb_ct_key tk = {
		.saddr = ce->dnat_addr,
		.daddr = ce->nat_addr,
		.sport = ce->dnat_port,
		.dport = ce->nat_port,
		.proto = k->proto,
	};
	struct nsb_ct_entry tw;

	if (!bpf_map_lookup_elem(ct_fd, &tk, &tw) && tw.dnat_addr == k->saddr &&
	    tw.dnat_port == k->sport && tw.nat_addr == k->daddr && tw.nat_port == k->dport)
		bpf_map_delete_elem(ct_fd, &tk);
}

/* A forwarded flow's claim, if it is still this flow's (lib/dnat.h made it). */
static void end_claim(int nat_fd, const struct nsb_ct_key *k, const struct nsb_ct_entry *ce)
{
	struct nsb_nat_key nk = {
		.nat_addr = ce->nat_addr,
		.remote_addr = k->daddr,
		.nat_port = ce->nat_port,
		.remote_port = ce->flags & NSB_CT_F_CPORT ? ce->dnat_port : k->dport,
		.proto = k->proto,
	};
	struct nsb_nat_val nv;

	if (!bpf_map_lookup_elem(nat_fd, &nk, &nv) && nv.node_addr == k->saddr &&
	    nv.node_port == k->sport)
		bpf_map_delete_elem(nat_fd, &nk);
}

static int sweep_once(int ct_fd, int nat_fd, const struct verdict *v, size_t *gone)
{
	struct dead d = { 0 };
	int err = collect(ct_fd, v, &d);

	for (size_t i = 0; !err && i < d.n; i++) {
		if (bpf_map_delete_elem(ct_fd, &d.k[i]) && errno != ENOENT) {
			err = -errno;
			break;
		}
		(*gone)++;
		if (d.ce[i].flags & NSB_CT_F_HAIRPIN)
			end_twin(ct_fd, &d.k[i], &d.ce[i]);
		else
			end_claim(nat_fd, &d.k[i], &d.ce[i]);
	}
	free(d.k);
	free(d.ce);
	return err;
}

int fwd_flows_sweep(int ct_fd, int nat_fd, int fwd_fd, size_t *gone)
{
	struct verdict v = { .fwd_fd = fwd_fd };

	*gone = 0;
	return sweep_once(ct_fd, nat_fd, &v, gone);
}

int node_flows_sweep(const char *lab, const uint32_t *ips, size_t n, size_t *gone)
{
	struct verdict v = { .fwd_fd = -1, .ips = ips, .n_ips = n };
	int ct_fd = pins_map_open(lab, "ct"), nat_fd = pins_map_open(lab, "nat_ports"), err;

	*gone = 0;
	err = ct_fd < 0 ? ct_fd : nat_fd < 0 ? nat_fd : 0;
	if (!err && n)
		err = sweep_once(ct_fd, nat_fd, &v, gone);
	if (ct_fd >= 0)
		close(ct_fd);
	if (nat_fd >= 0)
		close(nat_fd);
	return err;
}

int fwd_after_change(const char *lab, size_t *gone)
{
	int fwd_fd = pins_map_open(lab, "forwards");
	int ports_fd = -1, ct_fd = -1, nat_fd = -1, fwd6_fd = -1, ct6_fd = -1, nat6_fd = -1, err;

	*gone = 0;
	if (fwd_fd < 0)
		return fwd_fd;
	/* the IPv6 side follows the forwards first (fwd6.h): the bitmap counts both */
	err = fwd6_sync_lab(lab);
	if (!err) {
		fwd6_fd = pins_map_open(lab, "forwards6");
		if (fwd6_fd == -ENOENT)
			fwd6_fd = -1; /* a lab from before forwards6 */
		else if (fwd6_fd < 0)
			err = fwd6_fd;
	}
	if (!err) {
		ports_fd = pins_map_open(lab, "fwd_ports");
		err = ports_fd == -ENOENT ? 0 :
		      ports_fd < 0	  ? ports_fd :
					    fwd_ports_sync46(ports_fd, fwd_fd, fwd6_fd);
	}
	if (!err) {
		ct_fd = pins_map_open(lab, "ct");
		nat_fd = pins_map_open(lab, "nat_ports");
		err = ct_fd < 0 ? ct_fd : nat_fd < 0 ? nat_fd : 0;
	}
	if (!err)
		err = fwd_flows_sweep(ct_fd, nat_fd, fwd_fd, gone);
	/*
	 * Twice on a running lab: a packet that found the old forward just
	 * before it went may make its flow behind the first walk. A program runs
	 * for microseconds; the second walk starts well after any that began
	 * before the change.
	 */
	if (!err) {
		size_t more;

		nanosleep(&(struct timespec){ .tv_nsec = 2 * 1000 * 1000 }, NULL);
		err = fwd_flows_sweep(ct_fd, nat_fd, fwd_fd, &more);
		*gone += more;
	}
	if (!err && fwd6_fd >= 0) {
		ct6_fd = pins_map_open(lab, "ct6");
		nat6_fd = pins_map_open(lab, "nat_ports6");
		err = ct6_fd < 0 ? ct6_fd : nat6_fd < 0 ? nat6_fd : 0;
		for (int i = 0; !err && i < 2; i++) {
			size_t more;

			if (i)
				nanosleep(&(struct timespec){ .tv_nsec = 2 * 1000 * 1000 }, NULL);
			err = fwd6_flows_sweep(ct6_fd, nat6_fd, fwd6_fd, &more);
			*gone += more;
		}
	}
	int fds[] = { fwd_fd, ports_fd, ct_fd, nat_fd, fwd6_fd, ct6_fd, nat6_fd };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return err;
}
