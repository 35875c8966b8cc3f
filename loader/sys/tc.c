// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* tcx links, clsact filters, and pinned bpf_links (sys/tc.h). */
#include <errno.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "sys/tc.h"
#include "util/log.h"

#ifndef ENOTSUPP
#define ENOTSUPP 524 /* kernel-internal, leaks out of some bpf() paths */
#endif		     /* ENOTSUPP */

/* Debian 12's uapi headers predate tcx (6.6): the attach types by number. */
#define NSB_TCX_INGRESS ((enum bpf_attach_type)46)
#define NSB_TCX_EGRESS	((enum bpf_attach_type)47)

int tc_link_pin(int prog_fd, int target, enum bpf_attach_type type, const char *pin,
		struct journal *j, bool update)
{
	int fd, err;

	if (update) {
		fd = bpf_obj_get(pin);
		if (fd >= 0) {
			err = bpf_link_update(fd, prog_fd, NULL) ? -errno : 0;
			close(fd);
			return err;
		}
	}
	fd = bpf_link_create(prog_fd, target, type, NULL);
	if (fd < 0)
		return -errno;
	err = journal_pin(j, pin);
	if (!err && bpf_obj_pin(fd, pin))
		err = -errno;
	close(fd); /* the pin holds the link: it outlives us */
	return err;
}

/*
 * One clsact filter. A new one is journaled first and never replaces a
 * filter at its handle and priority (someone else's: -EEXIST, and the
 * record is forgotten so that down leaves that filter alone); reup
 * replaces our own.
 */
static int clsact_attach(const struct tc_point *p, bool ingress, struct journal *j, bool reup)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = p->ifindex,
		    .attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = p->handle, .priority = p->prio,
		    .prog_fd = ingress ? p->in_fd : p->eg_fd, .flags = reup ? BPF_TC_F_REPLACE : 0);
	struct journal_rec rec = {
		.kind = JOURNAL_CLSACT,
		.clsact = { .ingress = ingress, .handle = p->handle, .prio = p->prio },
	};
	int err;

	if (reup)
		return bpf_tc_attach(&hook, &opts);
	if (snprintf(rec.clsact.ifname, sizeof(rec.clsact.ifname), "%s", p->ifname) >=
	    (int)sizeof(rec.clsact.ifname))
		return -ENAMETOOLONG;
	err = journal_write(j, &rec);
	if (err)
		return err;
	err = bpf_tc_attach(&hook, &opts);
	if (err) {
		rec.forget = true; /* nothing of ours there to remove */
		(void)journal_write(j, &rec);
	}
	return err;
}

/*
 * 1 when no filter has handle at prio on either hook of ifindex, 0 when one
 * has, else -errno. The query says -ENOENT, or -EINVAL for a hook without
 * filters (no chain) and for a priority held by a filter of another
 * protocol: the attach tells those apart. A filter of another handle at
 * prio is not seen: ours then joins its priority, which runs both.
 */
static int clsact_prio_free(int ifindex, unsigned int handle, unsigned int prio)
{
	for (int in = 0; in < 2; in++) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = in ? BPF_TC_INGRESS : BPF_TC_EGRESS);
		LIBBPF_OPTS(bpf_tc_opts, opts, .handle = handle, .priority = prio);
		int err = bpf_tc_query(&hook, &opts);

		if (!err)
			return 0;
		if (err != -ENOENT && err != -EINVAL)
			return err;
	}
	return 1;
}

/* Priorities a shared device's search tries before it gives up (-EBUSY). */
#define TC_PRIO_TRIES 256

/* p->prio moved to the first free priority from it on, at most `last`. */
static int clsact_prio_find(struct tc_point *p, unsigned int last)
{
	for (; p->prio <= last; p->prio++) {
		int free = clsact_prio_free(p->ifindex, p->handle, p->prio);

		if (free)
			return free < 0 ? free : 0;
	}
	return -EBUSY;
}

/*
 * A clsact qdisc that exists (someone else's too) is shared, never removed.
 * On a shared device a new attach takes the first free priority: where
 * the kernel refuses ours all the same (a filter of another protocol holds
 * it: -EINVAL; or one came meanwhile: -EEXIST), the next one.
 */
static int clsact_attach_all(const struct tc_point *p, struct journal *j, bool reup)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = p->ifindex, .attach_point = BPF_TC_INGRESS);
	unsigned int last = p->prio + TC_PRIO_TRIES - 1;
	bool search = p->shared && !reup;
	struct tc_point q = *p;
	int err;

	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST)
		return err;
	if (last > UINT16_MAX)
		last = UINT16_MAX;
	for (;;) {
		err = search ? clsact_prio_find(&q, last) : 0;
		if (!err)
			err = clsact_attach(&q, true, j, reup);
		if (!search || (err != -EINVAL && err != -EEXIST) || q.prio >= last)
			break;
		q.prio++;
	}
	if (!err && q.eg_fd >= 0)
		err = clsact_attach(&q, false, j, reup);
	return err;
}

static int tcx_attach(const char *dir, const struct tc_point *p, bool ingress, struct journal *j,
		      bool reup)
{
	char pin[512];

	snprintf(pin, sizeof(pin), "%s/tcx_%s_%s", dir, p->ifname, ingress ? "in" : "eg");
	return tc_link_pin(ingress ? p->in_fd : p->eg_fd, p->ifindex,
			   ingress ? NSB_TCX_INGRESS : NSB_TCX_EGRESS, pin, j, reup);
}

int tc_attach(const char *dir, const struct tc_point *p, bool tcx, struct journal *j, bool reup)
{
	int err;

	if (!tcx)
		return clsact_attach_all(p, j, reup);
	err = tcx_attach(dir, p, true, j, reup);
	if (!err && p->eg_fd >= 0)
		err = tcx_attach(dir, p, false, j, reup);
	return err;
}

/* Found by trying, never by kernel version: backports and configs differ. */
int tc_attach_probe(const char *dir, const struct tc_point *p, struct journal *j, bool *tcx)
{
	int err = tc_attach(dir, p, true, j, false);

	*tcx = true;
	if (err != -EINVAL && err != -EOPNOTSUPP && err != -ENOTSUPP)
		return err;
	pr_info("no tcx links on this kernel (%s): using tc clsact\n", strerror(-err));
	*tcx = false;
	return tc_attach(dir, p, false, j, false);
}

int tc_clsact_detach(const char *ifname, bool ingress, unsigned int handle, unsigned int prio)
{
	int ifindex = (int)if_nametoindex(ifname);
	int err;

	if (!ifindex)
		return 0; /* the device is gone, and its filters with it */
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = handle, .priority = prio);
	err = bpf_tc_detach(&hook, &opts);
	return err == -ENOENT || err == -EINVAL ? 0 : err;
}
