// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Typed operations on a running lab through its pinned maps (rules.h). The
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
#include "sys/nl.h"
#include "sys/pins.h"
#include "sys/state.h"

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
		c->timeouts[i].secs = nsb_ct_timeout(&cfg, timeout_rows[i].proto,
						     timeout_rows[i].state) / NSB_NSEC_PER_SEC;
	}
	return 0;
}

/* ---- flows ---- */

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);	/* bpf_ktime_get_ns()'s clock */
	return (__u64)ts.tv_sec * NSB_NSEC_PER_SEC + (__u64)ts.tv_nsec;
}

static struct rules_endpoint endpoint(__be32 ip, __be16 port)
{
	return (struct rules_endpoint){ .ip = ntohl(ip), .port = ntohs(port) };
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
			continue;	/* evicted meanwhile */
		flow_of(&cfg, &key, &ent, now, &f);
		err = fn(&f, arg);
	}
	close(fd);
	return err;
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

int rules_flows_flush(const char *lab, size_t *n, struct err_msg *e)
{
	int ct, np, flushed, err = 0;

	ct = open_map(lab, "ct", e);
	if (ct < 0)
		return ct;
	np = open_map(lab, "nat_ports", e);
	if (np < 0) {
		close(ct);
		return np;
	}
	/* Forward entries first: no new reply can find a half-deleted flow. */
	flushed = flush_map(ct, sizeof(struct nsb_ct_key));
	if (flushed >= 0)
		err = flush_map(np, sizeof(struct nsb_nat_key));
	if (flushed < 0 || err < 0)
		err = err_set(e, flushed < 0 ? flushed : err, "lab %s: flush: %s", lab,
			      strerror(-(flushed < 0 ? flushed : err)));
	else
		*n = (size_t)flushed;
	close(np);
	close(ct);
	return err < 0 ? err : 0;
}

/* ---- masquerade, counters ---- */

int rules_masquerade_set(const char *lab, const struct lab_net *net, bool on, struct err_msg *e)
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
	if (on)
		val.flags |= NSB_NET_F_MASQUERADE;
	else
		val.flags &= ~NSB_NET_F_MASQUERADE;
	if (bpf_map_update_elem(fd, &id, &val, BPF_EXIST))
		err = -errno;
out:
	if (err)
		err_set(e, err, "lab %s: network %s: %s", lab, net->name, strerror(-err));
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

/* ---- port forwards ---- */

int rules_forwards_list(const struct lab_info *li, struct fwd_entry **out, size_t *n)
{
	int fd = fwd_map_open(li->name), err;

	if (fd < 0)
		return fd;
	err = fwd_map_read(fd, li, out, n);
	close(fd);
	return err;
}

/* What every request is checked against: the lab's forwards and the host. */
struct fwd_check {
	struct fwd_index *ix;	/* points into have */
	struct fwd_entry *have;
	struct fwd_host *host;
	struct rules_config cfg;
};

static int fwd_check_begin(const struct lab_info *li, int fd, struct fwd_check *c,
			   struct err_list *probs)
{
	struct err_msg e;
	char why[512];
	size_t n_have = 0;
	int err;

	c->ix = fwd_index_new();
	c->host = fwd_host_read();
	if (!c->ix || !c->host) {
		err = !c->host ? -errno : -ENOMEM;
		err_add(probs, ERR_NO_INDEX, false, "forward add: %s", strerror(-err));
		return err;
	}
	err = fwd_map_read(fd, li, &c->have, &n_have);
	if (!err)
		err = rules_config_read(li->name, &c->cfg, &e);
	if (err) {
		err_add(probs, ERR_NO_INDEX, false, "lab %s: %s", li->name, strerror(-err));
		return err;
	}
	for (size_t i = 0; i < n_have; i++)
		fwd_index_claim(c->ix, &c->have[i].spec, why, sizeof(why));
	return 0;
}

/*
 * Every request against the lab, the running forwards, the masquerade
 * range, each other and what the host has (addresses, ephemeral ports,
 * sockets; `up` checks the file's forwards the same way): every problem.
 */
static int fwd_check_all(const struct lab_info *li, int fd, const struct fwd_spec *reqs,
			 size_t n, bool force, struct err_list *probs)
{
	struct fwd_check c = { 0 };
	char why[512];
	int err;

	err = fwd_check_begin(li, fd, &c, probs);
	for (size_t i = 0; !err && i < n; i++) {
		const struct fwd_spec *f = &reqs[i];

		if (!lab_node_find(li, f->node)) {
			err_add(probs, i, true, "lab %s has no node \"%s\"", li->name, f->node);
			continue;
		}
		if (fwd_check_snat(f, c.cfg.snat_port_min, c.cfg.snat_port_max, why, sizeof(why)) ||
		    fwd_index_claim(c.ix, f, why, sizeof(why)) ||
		    fwd_check_host(c.host, f, force, why, sizeof(why)))
			err_add(probs, i, false, "%s", why);
	}
	if (!err && probs->n)
		err = -EINVAL;
	fwd_host_free(c.host);
	fwd_index_free(c.ix);
	free(c.have);
	return err;
}

/* Insert them all, or none: a failure takes back what this run inserted. */
static int fwd_insert_all(const struct lab_info *li, int fd, const struct fwd_spec *reqs,
			  size_t n, struct err_list *probs)
{
	struct nl_sock *sk = nl_open();
	char desc[160];
	size_t i;
	int err = 0;

	if (!sk) {
		err = -errno;
		err_add(probs, ERR_NO_INDEX, false, "netlink: %s", strerror(-err));
		return err;
	}
	for (i = 0; i < n; i++) {
		const struct lab_node *node = lab_node_find(li, reqs[i].node);
		struct nl_link_info link;

		fwd_format(&reqs[i], desc, sizeof(desc));
		if (nl_link_get(sk, node->hostif, &link)) {
			err_add(probs, ERR_NO_INDEX, false, "lab %s: host end %s of node %s is missing",
				li->name, node->hostif, node->name);
			err = -ENODEV;
			break;
		}
		err = fwd_map_add(fd, &reqs[i], node->ip, link.ifindex);
		if (err) {
			err_add(probs, ERR_NO_INDEX, false, "forward add: %s: %s", desc,
				err == -EEXIST ? "a port of it was just taken by another forward" :
						 strerror(-err));
			break;
		}
	}
	if (err)
		while (i-- > 0)
			fwd_map_del(fd, &reqs[i]);
	nl_close(sk);
	return err;
}

/* The state lock and the forwards map: 0, or -errno with the message in probs. */
static int fwd_map_lock(const struct lab_info *li, int *lock, int *fd, struct err_msg *e)
{
	*lock = state_lock();
	*fd = fwd_map_open(li->name);
	if (*lock >= 0 && *fd >= 0)
		return 0;
	return err_set(e, *lock < 0 ? *lock : *fd, "lab %s: forwards map: %s", li->name,
		       strerror(-(*lock < 0 ? *lock : *fd)));
}

static void fwd_map_unlock(int lock, int fd)
{
	if (fd >= 0)
		close(fd);
	state_unlock(lock);
}

int rules_forwards_add(const struct lab_info *li, const struct fwd_spec *reqs, size_t n,
		       bool force, struct err_list *probs)
{
	struct err_msg e;
	int lock, fd, err;

	err = fwd_map_lock(li, &lock, &fd, &e);
	if (err)
		err_add(probs, ERR_NO_INDEX, false, "%s", e.text);
	if (!err)
		err = fwd_check_all(li, fd, reqs, n, force, probs);
	if (!err)
		err = fwd_insert_all(li, fd, reqs, n, probs);
	fwd_map_unlock(lock, fd);
	return err;
}

int rules_forwards_del(const struct lab_info *li, const struct fwd_spec *f, struct err_msg *e)
{
	char desc[160];
	int lock, fd, err;

	fwd_format(f, desc, sizeof(desc));
	err = fwd_map_lock(li, &lock, &fd, e);
	if (!err)
		err = fwd_map_del(fd, f);
	if (err == -ENOENT && fd >= 0)
		err_set(e, err, "forward del: lab %s has no forward %s", li->name, desc);
	else if (err == -ERANGE)
		err_set(e, err, "forward del: %s is part of a larger forward: delete it whole (see nsbpf forward list %s)",
			desc, li->name);
	else if (err && fd >= 0)
		err_set(e, err, "forward del: %s: %s", desc, strerror(-err));
	fwd_map_unlock(lock, fd);
	return err;
}
