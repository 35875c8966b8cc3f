// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Endpoints added to and removed from a running lab one by one (lab_ep.h),
 * under the state lock. Every object is journaled before it is made, as
 * up's, so `down` removes what is left; a removed endpoint's records are
 * forgotten in the journal.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lab/lab_ep_internal.h"
#include "lab/lab_up.h"
#include "util/addr.h"
#include "sys/netns.h"
#include "sys/nl.h"
#include "sys/pins.h"
#include "sys/state.h"

/* Does a record belong to the endpoint whose host end is hostif? */
static bool rec_of(const struct journal_rec *rec, const char *hostif)
{
	char tail[64];
	const char *base;

	if (rec->kind == JOURNAL_LINK)
		return !strcmp(rec->link.ifname, hostif);
	if (rec->kind == JOURNAL_CLSACT)
		return !strcmp(rec->clsact.ifname, hostif);
	if (rec->kind != JOURNAL_PIN)
		return false;
	base = strrchr(rec->pin.path, '/');
	snprintf(tail, sizeof(tail), "/tcx_%s_", hostif);
	return base && !strncmp(base, tail, strlen(tail));
}

/* Remove the host end with its links and filters, and forget their records. */
int lab_hostend_undo(struct nl_sock *sk, const char *lab, const char *hostif)
{
	struct journal_recs jl = { 0 };
	struct journal j = { .fd = -1 };
	int err = journal_read(lab, &jl);

	if (!err)
		err = journal_open(&j, lab);
	for (size_t i = 0; !err && i < jl.n; i++) {
		struct journal_rec rec = jl.rec[i];

		if (!rec_of(&rec, hostif))
			continue;
		if (rec.kind == JOURNAL_PIN && unlink(rec.pin.path) && errno != ENOENT)
			err = -errno;
		rec.forget = true;
		if (!err)
			err = journal_write(&j, &rec);
	}
	/* the filters and the peer inside the netns go with the host end */
	if (!err)
		err = nl_link_del(sk, hostif);
	journal_close(&j);
	journal_recs_free(&jl);
	return err;
}

/* Refuse a name, address or host end the lab has already. */
static int ep_free(const struct lab_info *li, const struct lab_ep *ep, struct err_msg *e)
{
	char ip[16];

	for (size_t i = 0; i < li->n_nodes; i++) {
		const struct lab_node *n = &li->nodes[i];

		if (!strcmp(n->name, ep->node) || !strcmp(n->hostif, ep->hostif))
			return err_set(e, -EEXIST, "lab %s has an endpoint %s already", li->name,
				       ep->node);
		if (n->ip == ep->ip)
			return err_set(e, -EEXIST, "address %s is endpoint %s's in lab %s",
				       ipv4_str(ep->ip, ip), n->name, li->name);
	}
	return 0;
}

static int ep_line(const struct lab_info *li, const struct lab_ep *ep, const struct lab_ep_rt *rt,
		   char *buf, size_t len)
{
	char ip[16], m1[18], m2[18];

	if (strchr(ep->netns, ' ') || strchr(ep->netns, '\n'))
		return -EINVAL;
	snprintf(buf, len, "node %s %s %s %d %s %s %s %s", ep->node, li->nets[0].name,
		 ipv4_str(ep->ip, ip), li->nets[0].prefix, ep->netns, ep->hostif,
		 mac_str(rt->node_mac, m1), mac_str(rt->host_mac, m2));
	return 0;
}

/* The host end: sysctls while down, up, the gateway as a /32, the route to the endpoint. */
static int host_end(struct nl_sock *sk, const struct lab_ep *ep, uint32_t gateway, int *ifindex)
{
	struct nl_link_info host = { 0 };
	int err = nl_link_get(sk, ep->hostif, &host);

	*ifindex = host.ifindex;
	if (!err)
		err = hostif_sysctls(ep->hostif, false); /* CNI endpoints: IPv4 only */
	if (!err)
		err = nl_link_set_up(sk, host.ifindex);
	if (!err)
		err = nl_addr_add(sk, host.ifindex, gateway, 32);
	if (!err)
		err = nl_route_add(sk, ep->ip, 32, 0, host.ifindex, gateway);
	return err;
}

/* Make the endpoint; on failure the caller undoes it (unless -EEXIST: then nothing was made). */
static int ep_make(struct nl_sock *sk, struct journal *j, const struct lab_info *li,
		   const struct lab_ep *ep, struct lab_ep_rt *rt, int nsfd, struct err_msg *e)
{
	struct nl_link_info info;
	char line[512];
	int ifindex, err;

	if (!nl_link_get(sk, ep->hostif, &info))
		return err_set(e, -EEXIST, "an interface %s exists in the host already",
			       ep->hostif);
	err = journal_link(j, ep->hostif, false);
	if (!err)
		err = nl_veth_create(sk, ep->hostif, rt->host_mac, ep->ifname, rt->node_mac, nsfd);
	if (err == -EEXIST) {
		journal_link(j, ep->hostif, true);
		return err_set(e, err, "an interface %s exists in %s already", ep->ifname,
			       ep->netns);
	}
	if (err)
		return err_set(e, err, "create veth %s: %s", ep->hostif, strerror(-err));
	err = host_end(sk, ep, rt->gateway, &ifindex);
	if (err)
		return err_set(e, err, "configure %s: %s", ep->hostif, strerror(-err));
	err = ep_configure(nsfd, ep, rt->gateway, li->snat_lo, li->snat_hi);
	if (err)
		return err_set(e, err, "configure %s in %s: %s", ep->ifname, ep->netns,
			       strerror(-err));
	err = ep_dp_attach(li->name, li->attach, ep->hostif, ifindex, j);
	if (!err)
		err = ep_dp_endpoint(li->name, ep->ip, ifindex, rt->node_mac, rt->host_mac, true);
	if (err)
		return err_set(e, err, "datapath on %s: %s", ep->hostif, strerror(-err));
	err = ep_line(li, ep, rt, line, sizeof(line));
	if (!err)
		err = ep_lab_file(li->name, ep->node, line);
	return err ? err_set(e, err, "lab %s: write its state: %s", li->name, strerror(-err)) : 0;
}

static int ep_add_locked(const struct lab_info *li, const struct lab_ep *ep, struct lab_ep_rt *rt,
			 struct err_msg *e)
{
	struct journal j = { .fd = -1 };
	struct nl_sock *sk;
	int nsfd, err;

	nsfd = open(ep->netns, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return err_set(e, -errno, "network namespace %s: %s", ep->netns, strerror(errno));
	sk = nl_open();
	err = sk ? journal_open(&j, li->name) : -errno;
	if (err) {
		err_set(e, err, "lab %s: %s", li->name, strerror(-err));
	} else {
		err = ep_make(sk, &j, li, ep, rt, nsfd, e);
		if (err && err != -EEXIST) {
			ep_dp_endpoint(li->name, ep->ip, 0, rt->node_mac, rt->host_mac, false);
			journal_close(&j);
			lab_hostend_undo(sk, li->name, ep->hostif);
		}
	}
	journal_close(&j);
	nl_close(sk);
	close(nsfd);
	return err;
}

int lab_ep_add(const char *lab, const struct lab_ep *ep, struct lab_ep_rt *rt, struct err_msg *e)
{
	struct lab_info li;
	int lock, err;

	memset(rt, 0, sizeof(*rt));
	lock = state_lock();
	if (lock < 0)
		return err_set(e, lock, "lock %s: %s", STATE_DIR, strerror(-lock));
	err = lab_info_read(lab, &li);
	if (err) {
		err_set(e, err, "lab %s is not up", lab);
		goto out;
	}
	err = lab_check_here(&li, e);
	if (!err && !li.n_nets)
		err = err_set(e, -EINVAL, "lab %s has no network", lab);
	if (!err)
		err = ep_free(&li, ep, e);
	if (!err) {
		lab_node_macs(lab, ep->node, rt->node_mac, rt->host_mac);
		rt->gateway = li.nets[0].gateway;
		err = ep_add_locked(&li, ep, rt, e);
	}
	lab_info_free(&li);
out:
	state_unlock(lock);
	return err;
}

static int ep_del_locked(const struct lab_info *li, const struct lab_node *n, struct err_msg *e)
{
	struct nl_sock *sk = nl_open();
	int err;

	if (!sk)
		return err_set(e, -errno, "netlink: %s", strerror(errno));
	err = ep_dp_endpoint(li->name, n->ip, 0, n->node_mac, n->host_mac, false);
	if (!err)
		err = lab_hostend_undo(sk, li->name, n->hostif);
	if (!err)
		err = ep_lab_file(li->name, n->name, NULL);
	nl_close(sk);
	if (err)
		err_set(e, err, "lab %s: remove endpoint %s: %s", li->name, n->name,
			strerror(-err));
	return err;
}

int lab_ep_del(const char *lab, const char *node, size_t *left, struct err_msg *e)
{
	const struct lab_node *n;
	struct lab_info li;
	int lock, err;

	*left = 0;
	lock = state_lock();
	if (lock < 0)
		return err_set(e, lock, "lock %s: %s", STATE_DIR, strerror(-lock));
	err = lab_info_read(lab, &li);
	if (err) {
		state_unlock(lock);
		return err == -ENOENT ? 0 : err_set(e, err, "lab %s: %s", lab, strerror(-err));
	}
	err = lab_check_here(&li, e);
	n = err ? NULL : lab_node_find(&li, node);
	*left = li.n_nodes;
	if (n) {
		err = ep_del_locked(&li, n, e);
		*left -= !err;
	}
	lab_info_free(&li);
	state_unlock(lock);
	return err;
}

int lab_ep_check(const char *lab, const struct lab_ep *ep, struct err_msg *e)
{
	struct nl_link_info host;
	const struct lab_node *n;
	struct lab_info li;
	struct nl_sock *sk;
	int nsfd, err;

	err = lab_info_read(lab, &li);
	if (err)
		return err_set(e, err, "lab %s is not up", lab);
	n = lab_node_find(&li, ep->node);
	if (!n || n->ip != ep->ip)
		err = err_set(e, -ENOENT, "lab %s has no endpoint %s", lab, ep->node);
	sk = err ? NULL : nl_open();
	if (!err && (!sk || nl_link_get(sk, n->hostif, &host) || !host.admin_up))
		err = err_set(e, -ENODEV, "host end %s is missing or down", n->hostif);
	nl_close(sk);
	lab_info_free(&li);
	if (err)
		return err;
	nsfd = open(ep->netns, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return err_set(e, -errno, "network namespace %s: %s", ep->netns, strerror(errno));
	err = ep_check_inside(nsfd, ep, e);
	close(nsfd);
	return err;
}
