// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A lab's pinned maps, entry by entry (map_dump.h): the walk over hash and
 * array maps and the field builders; map_decode.c knows each map's layout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lab/map_decode.h"
#include "lab/map_dump.h"
#include "sys/pins.h"

static struct map_field *mf_add(struct map_entry *me, const char *name, enum map_field_kind kind)
{
	static struct map_field spare; /* past MAP_FIELDS_MAX: written, never shown */
	struct map_field *f = me->n < MAP_FIELDS_MAX ? &me->f[me->n++] : &spare;

	memset(f, 0, sizeof(*f));
	f->name = name;
	f->kind = kind;
	f->detail = me->detail;
	return f;
}

void mf_uint(struct map_entry *me, const char *name, uint64_t v)
{
	mf_add(me, name, MAP_F_UINT)->u = v;
}

void mf_ip(struct map_entry *me, const char *name, __be32 wire)
{
	mf_add(me, name, MAP_F_IPV4)->u = ntohl(wire);
}

void mf_ip6(struct map_entry *me, const char *name, const __be32 wire[4])
{
	memcpy(mf_add(me, name, MAP_F_IPV6)->ip6, wire, 16);
}

void mf_port(struct map_entry *me, const char *name, __be16 wire)
{
	mf_add(me, name, MAP_F_UINT)->u = ntohs(wire);
}

void mf_mac(struct map_entry *me, const char *name, const uint8_t mac[6])
{
	memcpy(mf_add(me, name, MAP_F_MAC)->mac, mac, 6);
}

void mf_name(struct map_entry *me, const char *name, const char *const *names, size_t n, uint64_t v)
{
	struct map_field *f = mf_add(me, name, MAP_F_NAME);

	f->u = v;
	f->s = v < n ? names[v] : NULL;
}

void mf_flags(struct map_entry *me, const char *name, const char *const *names, size_t n,
	      uint64_t bits)
{
	struct map_field *f = mf_add(me, name, MAP_F_FLAGS);

	f->u = bits;
	f->names = names;
	f->n_names = n;
}

void mf_proto(struct map_entry *me, const char *name, uint8_t proto)
{
	static const char *const names[] = { [IPPROTO_ICMP] = "icmp",
					     [IPPROTO_TCP] = "tcp",
					     [IPPROTO_UDP] = "udp",
					     [IPPROTO_ICMPV6] = "icmpv6" };

	mf_name(me, name, names, sizeof(names) / sizeof(names[0]), proto);
}

void mf_age(struct map_entry *me, const char *name, const struct map_walk *w, uint64_t ts)
{
	struct map_field *f = mf_add(me, name, MAP_F_SECS);

	f->null = !ts;
	f->u = ts && w->now_ns > ts ? (w->now_ns - ts) / NSB_NSEC_PER_SEC : 0;
}

void mf_secs(struct map_entry *me, const char *name, uint64_t ns)
{
	mf_add(me, name, MAP_F_SECS)->u = ns / NSB_NSEC_PER_SEC;
}

void mf_key_done(struct map_entry *me)
{
	me->n_key = me->n;
}

/* The walk's context: the clock, the lab's network names, the CPUs. */
static int walk_init(struct map_walk *w, const struct lab_info *li)
{
	struct timespec ts;

	memset(w, 0, sizeof(*w));
	clock_gettime(CLOCK_MONOTONIC, &ts);
	w->now_ns = (uint64_t)ts.tv_sec * NSB_NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
	for (size_t i = 0; i < li->n_nets; i++)
		if (li->nets[i].id >= 0 && li->nets[i].id < NSB_MAX_NETWORKS)
			w->net_names[li->nets[i].id] = li->nets[i].name;
	w->ncpu = libbpf_num_possible_cpus();
	return w->ncpu > 0 ? 0 : -EINVAL;
}

static bool map_is_array(__u32 type)
{
	return type == BPF_MAP_TYPE_ARRAY || type == BPF_MAP_TYPE_PERCPU_ARRAY;
}

static bool map_is_percpu(__u32 type)
{
	return type == BPF_MAP_TYPE_PERCPU_ARRAY || type == BPF_MAP_TYPE_PERCPU_HASH ||
	       type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

struct walk_bufs {
	unsigned char key[64], next[64];
	void *val;
};

/* One entry, looked up and decoded: 0, fn's return, or nothing when it went meanwhile. */
static int walk_one(int fd, const struct map_decoder *d, const struct map_walk *w,
		    struct walk_bufs *b, map_entry_fn fn, void *arg)
{
	struct map_entry *me;
	int ret = 0;

	if (bpf_map_lookup_elem(fd, b->key, b->val))
		return errno == ENOENT ? 0 : -errno;
	me = calloc(1, sizeof(*me));
	if (!me)
		return -ENOMEM;
	if (d->decode(w, b->key, b->val, me))
		ret = fn(me, arg);
	free(me);
	return ret;
}

static int walk(int fd, const struct bpf_map_info *info, const struct map_decoder *d,
		const struct map_walk *w, map_entry_fn fn, void *arg)
{
	size_t stride = map_is_percpu(info->type) ? ((info->value_size + 7) & ~7U) : 0;
	struct walk_bufs b = { 0 };
	int err = 0;

	b.val = calloc(stride ? (size_t)w->ncpu : 1, stride ? stride : info->value_size);
	if (!b.val)
		return -ENOMEM;
	if (map_is_array(info->type)) {
		for (__u32 k = 0; !err && k < info->max_entries; k++) {
			memcpy(b.key, &k, sizeof(k));
			err = walk_one(fd, d, w, &b, fn, arg);
		}
	} else {
		bool first = true;

		while (!err && !bpf_map_get_next_key(fd, first ? NULL : b.key, b.next)) {
			first = false;
			memcpy(b.key, b.next, info->key_size);
			err = walk_one(fd, d, w, &b, fn, arg);
		}
	}
	free(b.val);
	return err;
}

int lab_map_dump(const struct lab_info *li, const char *map, map_entry_fn fn, void *arg,
		 struct err_msg *e)
{
	const struct map_decoder *d = map_decoder_find(map);
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	struct map_walk w;
	char path[512];
	int fd, err;

	e->text[0] = '\0';
	pins_path(li->name, map, path, sizeof(path));
	if (!d)
		return err_set(e, -EINVAL, "lab %s: no decoder for map %s", li->name, map);
	err = walk_init(&w, li);
	if (err)
		return err_set(e, err, "lab %s: how many CPUs: %s", li->name, strerror(-err));
	fd = pins_map_open(li->name, map);
	if (fd < 0)
		return err_set(e, fd, "lab %s: open %s: %s", li->name, path, strerror(-fd));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		err = err_set(e, -errno, "lab %s: %s: %s", li->name, path, strerror(errno));
	else if (info.key_size != d->key_size || info.value_size != d->value_size ||
		 info.key_size > sizeof(((struct walk_bufs *)0)->key))
		err = err_set(e, -EPROTO, "lab %s: %s: key %u, value %u bytes: not this nsbpf's",
			      li->name, path, info.key_size, info.value_size);
	else
		err = walk(fd, &info, d, &w, fn, arg);
	if (err < 0 && !e->text[0])
		err_set(e, err, "lab %s: %s: %s", li->name, path, strerror(-err));
	close(fd);
	return err;
}
