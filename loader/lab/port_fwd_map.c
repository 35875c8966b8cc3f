// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Forwards in the pinned map: grouped into ranges, added all or nothing. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "lab/datapath.h"
#include "lab/port_fwd_map.h"
#include "sys/nl.h"
#include "sys/pins.h"
#include "nsbpf_maps.h"
#include "nsbpf_maps6.h"

int fwd_map_open(const char *lab)
{
	return pins_map_open(lab, "forwards");
}

static struct nsb_fwd_key fwd_key(const struct fwd_spec *f, uint16_t port)
{
	return (struct nsb_fwd_key){
		.host_addr = htonl(f->host_ip),
		.port = htons(port),
		.proto = f->proto,
	};
}

/* The node at ip: its first leg's address, or a link address (a node behind a router). */
static const char *node_of(const struct lab_info *li, uint32_t ip)
{
	for (size_t i = 0; li && i < li->n_nodes; i++)
		if (li->nodes[i].ip == ip)
			return li->nodes[i].name;
	for (size_t l = 0; li && l < li->n_links; l++)
		for (int e = 0; e < 2; e++)
			if (li->links[l].ip[e] == ip)
				return li->links[l].node[e];
	return "";
}

static int cmp_entry(const void *a, const void *b)
{
	const struct fwd_spec *x = &((const struct fwd_entry *)a)->spec;
	const struct fwd_spec *y = &((const struct fwd_entry *)b)->spec;

	if (x->proto != y->proto)
		return x->proto - y->proto;
	if (x->port != y->port)
		return x->port - y->port;
	return x->host_ip < y->host_ip ? -1 : x->host_ip > y->host_ip;
}

/* One entry of the map, as it was read. */
struct raw_entry {
	struct nsb_fwd_key k;
	struct nsb_fwd_val v;
};

/* The entries of one forward next to each other: proto, address, first port. */
static int cmp_raw(const void *a, const void *b)
{
	const struct raw_entry *x = a, *y = b;

	if (x->k.proto != y->k.proto)
		return x->k.proto - y->k.proto;
	if (x->k.host_addr != y->k.host_addr)
		return ntohl(x->k.host_addr) < ntohl(y->k.host_addr) ? -1 : 1;
	return ntohs(x->v.first_port) - ntohs(y->v.first_port);
}

/* Every entry of the map; free() *out. */
static int read_raw(int fd, struct raw_entry **out, size_t *n)
{
	struct raw_entry *v = NULL;
	struct nsb_fwd_key key, next;
	size_t cnt = 0, cap = 0;
	bool first = true;

	while (!bpf_map_get_next_key(fd, first ? NULL : &key, &next)) {
		first = false;
		key = next;
		if (cnt == cap) {
			struct raw_entry *g = reallocarray(v, cap ? cap * 2 : 64, sizeof(*v));

			if (!g) {
				free(v);
				return -ENOMEM;
			}
			v = g;
			cap = cap ? cap * 2 : 64;
		}
		v[cnt].k = key;
		if (!bpf_map_lookup_elem(fd, &key, &v[cnt].v))
			cnt++;
	}
	*out = v;
	*n = cnt;
	return 0;
}

/* The forward an entry belongs to (a range: any of its ports will do). */
static void entry_of(const struct lab_info *li, const struct raw_entry *r, struct fwd_entry *e)
{
	struct fwd_spec *s = &e->spec;

	memset(e, 0, sizeof(*e));
	s->proto = r->k.proto;
	s->host_ip = ntohl(r->k.host_addr);
	s->port = ntohs(r->v.first_port);
	s->port_end = (uint16_t)(s->port + (r->v.count ? r->v.count : 1) - 1);
	s->to_port = (uint16_t)(ntohs(r->v.node_port) - (ntohs(r->k.port) - s->port));
	s->to_port_end = (uint16_t)(s->to_port + (s->port_end - s->port));
	e->node_ip = ntohl(r->v.node_addr);
	snprintf(s->node, sizeof(s->node), "%s", node_of(li, e->node_ip));
}

/* Sorting first keeps this linear in the map's size after n log n (40,000 forwards). */
int fwd_map_read(int fd, const struct lab_info *li, struct fwd_entry **out, size_t *n)
{
	struct fwd_entry *v = NULL;
	struct raw_entry *raw;
	size_t n_raw, cnt = 0;
	int err = read_raw(fd, &raw, &n_raw);

	if (err)
		return err;
	v = calloc(n_raw ? n_raw : 1, sizeof(*v));
	if (!v) {
		free(raw);
		return -ENOMEM;
	}
	if (n_raw)
		qsort(raw, n_raw, sizeof(*raw), cmp_raw);
	for (size_t i = 0; i < n_raw; i++) {
		if (!i || cmp_raw(&raw[i - 1], &raw[i]))
			entry_of(li, &raw[i], &v[cnt++]);
		v[cnt - 1].hits += raw[i].v.hits;
	}
	free(raw);
	if (cnt)
		qsort(v, cnt, sizeof(*v), cmp_entry);
	*out = v;
	*n = cnt;
	return 0;
}

static void fwd_entry_make(const struct fwd_spec *f, unsigned int i, uint32_t node_ip, int ifindex,
			   struct nsb_fwd_key *k, struct nsb_fwd_val *v)
{
	unsigned int count = (unsigned int)(f->port_end - f->port) + 1;

	*k = fwd_key(f, (uint16_t)(f->port + i));
	*v = (struct nsb_fwd_val){
		.node_addr = htonl(node_ip),
		.node_port = htons((uint16_t)(f->to_port + i)),
		.first_port = htons(f->port),
		.count = (__u16)count,
		.ifindex = (__u32)ifindex,
	};
}

int fwd_map_add(int fd, const struct fwd_spec *f, uint32_t node_ip, int ifindex)
{
	unsigned int count = (unsigned int)(f->port_end - f->port) + 1;
	struct nsb_fwd_key k;
	struct nsb_fwd_val v;
	unsigned int i;
	int err = 0;

	for (i = 0; i < count; i++) {
		fwd_entry_make(f, i, node_ip, ifindex, &k, &v);
		/* NOEXIST: of two concurrent adds of a port, exactly one wins. */
		if (bpf_map_update_elem(fd, &k, &v, BPF_NOEXIST)) {
			err = -errno;
			break;
		}
	}
	if (err) {
		while (i-- > 0) {
			k = fwd_key(f, (uint16_t)(f->port + i));
			bpf_map_delete_elem(fd, &k);
		}
	}
	return err;
}

int fwd_map_batch_add(struct fwd_batch *b, const struct fwd_spec *f, uint32_t node_ip, int ifindex)
{
	unsigned int count = (unsigned int)(f->port_end - f->port) + 1;
	struct nsb_fwd_key k;
	struct nsb_fwd_val v;
	int err = 0;

	for (unsigned int i = 0; i < count && !err; i++) {
		fwd_entry_make(f, i, node_ip, ifindex, &k, &v);
		err = fwd_batch_push(b, false, &k, &v);
	}
	return err;
}

int fwd_map_batch_del(int fd, struct fwd_batch *b, const struct fwd_spec *f,
		      struct nsb_fwd_val *first)
{
	struct nsb_fwd_key k = fwd_key(f, f->port);
	struct nsb_fwd_val v;
	unsigned int count;
	int err = 0;

	if (bpf_map_lookup_elem(fd, &k, first))
		return -errno;
	count = first->count ? first->count : 1;
	/* The spelled range must be the forward's own, not a part of it. */
	if (ntohs(first->first_port) != f->port || f->port_end != f->port + count - 1)
		return -ERANGE;
	for (unsigned int i = 0; i < count && !err; i++) {
		k = fwd_key(f, (uint16_t)(f->port + i));
		if (bpf_map_lookup_elem(fd, &k, &v))
			return -errno; /* a range with a hole: not one of ours */
		err = fwd_batch_push(b, true, &k, &v);
	}
	return err;
}

/* Mark the ports with a socket in /proc/net/FILE of the calling thread's netns. */
static void proc_ports(const char *file, bool listen_only, uint8_t *used)
{
	char path[64], line[512];
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/net/%s", file);
	fp = fopen(path, "re");
	if (!fp)
		return;
	while (fgets(line, sizeof(line), fp)) {
		unsigned int port, state;
		char local[80], *colon;

		if (sscanf(line, " %*d: %79s %*s %x", local, &state) != 2)
			continue;
		colon = strrchr(local, ':');
		if (!colon || sscanf(colon + 1, "%x", &port) != 1 || port > 65535)
			continue;
		if (listen_only && state != 0x0A) /* TCP_LISTEN */
			continue;
		used[port / 8] |= (uint8_t)(1U << (port % 8));
	}
	fclose(fp);
}

/* The first line of a /proc file, whole (malloc'd), or NULL (a kernel without it). */
static char *read_line(const char *path)
{
	FILE *fp = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;

	if (!fp)
		return NULL;
	if (getline(&line, &cap, fp) < 0) {
		free(line);
		line = NULL;
	}
	fclose(fp);
	return line;
}

struct fwd_host *fwd_host_read(void)
{
	struct fwd_host *h = calloc(1, sizeof(*h));
	unsigned int lo, hi;
	struct nl_sock *sk;
	char *line;
	int n;

	if (!h)
		return NULL;
	proc_ports("tcp", true, h->tcp);
	proc_ports("tcp6", true, h->tcp); /* a v6 socket on :: takes v4 too */
	proc_ports("udp", false, h->udp);
	proc_ports("udp6", false, h->udp);
	/* Linux's defaults, should the file be missing */
	h->eph_lo = 32768;
	h->eph_hi = 60999;
	line = read_line("/proc/sys/net/ipv4/ip_local_port_range");
	if (line && sscanf(line, "%u %u", &lo, &hi) == 2 && lo <= hi && hi <= 65535) {
		h->eph_lo = (uint16_t)lo;
		h->eph_hi = (uint16_t)hi;
	}
	free(line);
	line = read_line("/proc/sys/net/ipv4/ip_local_reserved_ports");
	if (line && fwd_host_parse_reserved(h, line))
		memset(h->reserved, 0, sizeof(h->reserved)); /* unreadable: none reserved */
	free(line);
	h->addrs = calloc(NSB_HOST_ADDRS_MAX, sizeof(*h->addrs));
	sk = nl_open();
	n = sk && h->addrs ? nl_ipv4_addrs(sk, h->addrs, NSB_HOST_ADDRS_MAX) : -ENOMEM;
	if (n >= 0) {
		h->n_addrs = (size_t)n;
		h->addrs6 = calloc(NSB_HOST_ADDRS6_MAX, sizeof(*h->addrs6));
		n = h->addrs6 ? nl_ipv6_addrs(sk, 0, false, h->addrs6, NSB_HOST_ADDRS6_MAX) :
				-ENOMEM;
	}
	nl_close(sk);
	if (n < 0) {
		fwd_host_free(h);
		errno = -n;
		return NULL;
	}
	h->n_addrs6 = (size_t)n;
	return h;
}

int fwd_host_add_addr(struct fwd_host *h, uint32_t ip)
{
	uint32_t *a = reallocarray(h->addrs, h->n_addrs + 1, sizeof(*a));

	if (!a)
		return -ENOMEM;
	h->addrs = a;
	h->addrs[h->n_addrs++] = ip;
	return 0;
}

void fwd_host_free(struct fwd_host *h)
{
	if (h) {
		free(h->addrs);
		free(h->addrs6);
	}
	free(h);
}
