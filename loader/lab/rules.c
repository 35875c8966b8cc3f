// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Typed operations on a running lab through its pinned maps (rules.h): the
 * config, the NAT's flows, masquerade, counters. With rules_forwards.c, the
 * one place outside the datapath that knows the maps' keys and values.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "lab/datapath.h"
#include "lab/rules.h"
#include "nsbpf_ct.h"
#include "sys/pins.h"

/* The lab's pinned map name, or -errno with "lab LAB: open PATH: why" in e. */
static int open_map(const char *lab, const char *name, struct err_msg *e)
{
	char path[512];
	int fd = pins_map_open(lab, name);

	if (fd < 0) {
		pins_path(lab, name, path, sizeof(path));
		err_set(e, fd, "lab %s: open %s: %s", lab, path, strerror(-fd));
	}
	return fd;
}

/* open_map(), but a map the lab does not have (one from before IPv6): -ENOENT, no words. */
static int open_map_opt(const char *lab, const char *name, struct err_msg *e)
{
	char path[512];
	int fd = pins_map_open(lab, name);

	if (fd < 0 && fd != -ENOENT) {
		pins_path(lab, name, path, sizeof(path));
		err_set(e, fd, "lab %s: open %s: %s", lab, path, strerror(-fd));
	}
	return fd;
}

static int config_lookup(const char *lab, struct nsb_config *cfg, struct err_msg *e)
{
	int fd = open_map(lab, "config", e), err = 0;
	__u32 zero = 0;

	if (fd < 0)
		return fd;
	memset(cfg, 0, sizeof(*cfg));
	if (bpf_map_lookup_elem(fd, &zero, cfg))
		err = err_set(e, -errno, "lab %s: config: %s", lab, strerror(errno));
	close(fd);
	return err;
}

static const struct {
	const char *name;
	__u8 proto;
	__u8 state;
} timeout_rows[RULES_N_TIMEOUTS] = {
	{ "tcp_syn", IPPROTO_TCP, NSB_CT_NEW },
	{ "tcp_established", IPPROTO_TCP, NSB_CT_ESTABLISHED },
	{ "tcp_closing", IPPROTO_TCP, NSB_CT_CLOSING },
	{ "tcp_closed", IPPROTO_TCP, NSB_CT_CLOSED },
	{ "udp_new", IPPROTO_UDP, NSB_CT_NEW },
	{ "udp", IPPROTO_UDP, NSB_CT_ESTABLISHED },
	{ "icmp", IPPROTO_ICMP, NSB_CT_NEW },
};

/* Timeouts through nsb_ct_timeout(), the rule the datapath expires flows by. */
int rules_config_read(const char *lab, struct rules_config *c, struct err_msg *e)
{
	struct nsb_config cfg;
	int err = config_lookup(lab, &cfg, e);

	if (err)
		return err;
	c->snat_port_min = cfg.snat_port_min;
	c->snat_port_max = cfg.snat_port_max;
	for (size_t i = 0; i < RULES_N_TIMEOUTS; i++) {
		c->timeouts[i].name = timeout_rows[i].name;
		c->timeouts[i].secs =
			nsb_ct_timeout(&cfg, timeout_rows[i].proto, timeout_rows[i].state) /
			NSB_NSEC_PER_SEC;
	}
	return 0;
}

/* ---- flows ---- */

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts); /* bpf_ktime_get_ns()'s clock */
	return (__u64)ts.tv_sec * NSB_NSEC_PER_SEC + (__u64)ts.tv_nsec;
}

static struct rules_endpoint endpoint(__be32 ip, __be16 port)
{
	return (struct rules_endpoint){ .ip = ntohl(ip), .port = ntohs(port) };
}

static struct rules_endpoint endpoint6(const __be32 *ip6, __be16 port)
{
	struct rules_endpoint ep = { .port = ntohs(port), .v6 = true };

	memcpy(ep.ip6, ip6, sizeof(ep.ip6));
	return ep;
}

static void flow_of(const struct nsb_config *cfg, const struct nsb_ct_key *k,
		    const struct nsb_ct_entry *e, __u64 now, struct rules_flow *f)
{
	__u64 idle = now > e->last_seen_ns ? now - e->last_seen_ns : 0;

	memset(f, 0, sizeof(*f));
	f->proto = k->proto;
	f->kind = e->flags & NSB_CT_F_HAIRPIN ? RULES_FLOW_HAIRPIN :
		  e->flags & NSB_CT_F_DNAT    ? RULES_FLOW_FORWARD :
						RULES_FLOW_MASQUERADE;
	f->state = (enum nsb_ct_state)e->state;
	f->node = endpoint(k->saddr, k->sport);
	f->remote = endpoint(k->daddr, k->dport);
	f->nat = endpoint(e->nat_addr, e->nat_port);
	f->has_dnat = e->flags & NSB_CT_F_HAIRPIN;
	if (f->has_dnat)
		f->dnat = endpoint(e->dnat_addr, e->dnat_port);
	f->age_s = (now > e->created_ns ? now - e->created_ns : 0) / NSB_NSEC_PER_SEC;
	f->idle_s = idle / NSB_NSEC_PER_SEC;
	f->expired = idle > nsb_ct_timeout(cfg, k->proto, e->state);
	f->pkts_orig = e->pkts_orig;
	f->bytes_orig = e->bytes_orig;
	f->pkts_reply = e->pkts_reply;
	f->bytes_reply = e->bytes_reply;
}

/* A ct6 entry as a flow: IPv4's rules on the wrapped entry, IPv6's endpoints. */
static void flow6_of(const struct nsb_config *cfg, const struct nsb_ct6_key *k,
		     const struct nsb_ct6_entry *e, __u64 now, struct rules_flow *f)
{
	struct nsb_ct_key k4 = { .sport = k->sport, .dport = k->dport, .proto = k->proto };

	flow_of(cfg, &k4, &e->e, now, f);
	f->v6 = true;
	f->node = endpoint6(k->saddr, k->sport);
	f->remote = endpoint6(k->daddr, k->dport);
	f->nat = endpoint6(e->nat_addr, e->e.nat_port);
	if (f->has_dnat)
		f->dnat = endpoint6(e->dnat_addr, e->e.dnat_port);
}

/* The flows of ct6; a lab without the map (made before IPv6): none. */
static int flows6_foreach(const char *lab, const struct nsb_config *cfg, __u64 now,
			  int (*fn)(const struct rules_flow *f, void *arg), void *arg,
			  struct err_msg *e)
{
	struct nsb_ct6_key key, next;
	struct nsb_ct6_entry ent;
	struct rules_flow f;
	bool first = true;
	int fd, err = 0;

	fd = open_map_opt(lab, "ct6", e);
	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	while (!err && !bpf_map_get_next_key(fd, first ? NULL : &key, &next)) {
		first = false;
		key = next;
		if (bpf_map_lookup_elem(fd, &key, &ent))
			continue; /* gone meanwhile */
		flow6_of(cfg, &key, &ent, now, &f);
		err = fn(&f, arg);
	}
	close(fd);
	return err;
}

int rules_flows_foreach(const char *lab, int (*fn)(const struct rules_flow *f, void *arg),
			void *arg, struct err_msg *e)
{
	struct nsb_ct_key key, next;
	struct nsb_ct_entry ent;
	struct nsb_config cfg;
	struct rules_flow f;
	bool first = true;
	__u64 now = now_ns();
	int fd, err;

	err = config_lookup(lab, &cfg, e);
	if (err)
		return err;
	fd = open_map(lab, "ct", e);
	if (fd < 0)
		return fd;
	while (!err && !bpf_map_get_next_key(fd, first ? NULL : &key, &next)) {
		first = false;
		key = next;
		if (bpf_map_lookup_elem(fd, &key, &ent))
			continue; /* evicted meanwhile */
		flow_of(&cfg, &key, &ent, now, &f);
		err = fn(&f, arg);
	}
	close(fd);
	return err ?: flows6_foreach(lab, &cfg, now, fn, arg, e);
}

/* Delete every key; a key that vanished meanwhile is fine. How many, or -errno. */
static int flush_map(int fd, size_t key_size)
{
	unsigned char key[64], next[64];
	int n = 0;

	if (key_size > sizeof(key))
		return -EINVAL;
	while (!bpf_map_get_next_key(fd, NULL, next)) {
		memcpy(key, next, key_size);
		if (bpf_map_delete_elem(fd, key) && errno != ENOENT)
			return -errno;
		n++;
	}
	return n;
}

/* Flush the pair ct, nat (their keys ct_key, nat_key bytes long): the flows, or -errno. */
static int flush_pair(const char *lab, const char *ct_name, size_t ct_key, const char *nat_name,
		      size_t nat_key, bool optional, struct err_msg *e)
{
	int ct, np, flushed, err = 0;

	ct = optional ? open_map_opt(lab, ct_name, e) : open_map(lab, ct_name, e);
	if (ct < 0)
		return ct == -ENOENT && optional ? 0 : ct; /* optional: a lab from before IPv6 */
	np = open_map(lab, nat_name, e);
	if (np < 0) {
		close(ct);
		return np;
	}
	/* Forward entries first: no new reply can find a half-deleted flow. */
	flushed = flush_map(ct, ct_key);
	if (flushed >= 0)
		err = flush_map(np, nat_key);
	if (flushed < 0 || err < 0)
		flushed = err_set(e, flushed < 0 ? flushed : err, "lab %s: flush: %s", lab,
				  strerror(-(flushed < 0 ? flushed : err)));
	close(np);
	close(ct);
	return flushed;
}

int rules_flows_flush(const char *lab, size_t *n, struct err_msg *e)
{
	int v4, v6;

	v4 = flush_pair(lab, "ct", sizeof(struct nsb_ct_key), "nat_ports",
			sizeof(struct nsb_nat_key), false, e);
	if (v4 < 0)
		return v4;
	v6 = flush_pair(lab, "ct6", sizeof(struct nsb_ct6_key), "nat_ports6",
			sizeof(struct nsb_nat6_key), true, e);
	if (v6 < 0)
		return v6;
	*n = (size_t)v4 + (size_t)v6;
	return 0;
}

/* ---- masquerade, counters ---- */

/*
 * NAT66 follows the network's masquerade: its networks6 slot, if it has
 * IPv6 (and the lab the map: one from before IPv6 has none). *changed is
 * set if this one changes. 0 or -errno.
 */
static int masquerade6_set(const char *lab, __u32 id, bool on, bool *changed)
{
	struct nsb_network6 val;
	int fd = pins_map_open(lab, "networks6"), err = 0;

	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	if (bpf_map_lookup_elem(fd, &id, &val))
		err = -errno;
	else if ((val.flags & NSB_NET_F_USED) && !(val.flags & NSB_NET_F_MASQUERADE) == on) {
		val.flags ^= NSB_NET_F_MASQUERADE;
		*changed = true;
		if (bpf_map_update_elem(fd, &id, &val, BPF_EXIST))
			err = -errno;
	}
	close(fd);
	return err;
}

int rules_masquerade_set(const char *lab, const struct lab_net *net, bool on, bool *changed,
			 struct err_msg *e)
{
	struct nsb_network val;
	__u32 id = (__u32)net->id;
	int fd = open_map(lab, "networks", e), err = 0;

	if (fd < 0)
		return fd;
	if (bpf_map_lookup_elem(fd, &id, &val)) {
		err = -errno;
		goto out;
	}
	*changed = !(val.flags & NSB_NET_F_MASQUERADE) == on;
	if (on)
		val.flags |= NSB_NET_F_MASQUERADE;
	else
		val.flags &= ~NSB_NET_F_MASQUERADE;
	if (*changed && bpf_map_update_elem(fd, &id, &val, BPF_EXIST))
		err = -errno;
	if (!err)
		err = masquerade6_set(lab, id, on, changed);
out:
	if (err)
		err_set(e, err, "lab %s: network %s: %s", lab, net->name, strerror(-err));
	close(fd);
	return err;
}

int rules_networks_read(const struct lab_info *li, struct rules_net *out, struct err_msg *e)
{
	int fd = open_map(li->name, "networks", e), err = 0;
	struct nsb_network val;

	if (fd < 0)
		return fd;
	for (size_t i = 0; !err && i < li->n_nets; i++) {
		__u32 id = (__u32)li->nets[i].id;

		if (bpf_map_lookup_elem(fd, &id, &val)) {
			err = err_set(e, -errno, "lab %s: network %s: %s", li->name,
				      li->nets[i].name, strerror(errno));
			break;
		}
		out[i].masquerade = val.flags & NSB_NET_F_MASQUERADE;
		out[i].reach = val.reach;
	}
	close(fd);
	return err;
}

int rules_stats_read(const char *lab, struct rules_stats *s, struct err_msg *e)
{
	struct nsb_counter c[NSB_STAT_MAX];
	char path[512];
	int err = dp_stats_read(lab, c);

	if (err) {
		pins_path(lab, "stats", path, sizeof(path));
		return err_set(e, err, "lab %s: read %s: %s", lab, path, strerror(-err));
	}
	for (int i = 0; i < NSB_PATH_MAX; i++)
		s->paths[i] = (struct rules_counter){ c[i].packets, c[i].bytes };
	for (int i = 0; i < NSB_DROP_MAX; i++)
		s->drops[i] = (struct rules_counter){ c[NSB_STAT_DROP_BASE + i].packets,
						      c[NSB_STAT_DROP_BASE + i].bytes };
	return 0;
}
