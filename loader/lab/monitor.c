// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `nsbpf monitor`'s domain: the lab's events ring read with libbpf's
 * ring_buffer, each event with its device resolved, while the switch is on
 * (monitor_switch.c keeps it from outliving the monitor).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lab/monitor_internal.h"
#include "sys/pins.h"
#include "util/addr.h"

static int64_t clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static const struct lab_mon_dev *dev_find(const struct lab_monitor *m, uint32_t ifindex)
{
	for (size_t i = 0; i < m->n_devs; i++)
		if (m->devs[i].ifindex == ifindex)
			return &m->devs[i];
	return NULL;
}

int lab_event_addrs(const struct lab_event *e, bool xlat, char src[IPV6_STRLEN],
		    char dst[IPV6_STRLEN])
{
	const struct nsb_event *ev = e->ev;
	const struct nsb_ev_tuple *t = xlat ? &ev->xlat : &ev->orig;

	src[0] = dst[0] = '\0';
	if (e->ev6) {
		const struct nsb_ev6_addrs *a = xlat ? &e->ev6->xlat : &e->ev6->orig;

		ipv6_str(a->saddr, src);
		ipv6_str(a->daddr, dst);
		return AF_INET6;
	}
	if (!(ev->flags & NSB_EV_F_IPV4))
		return 0;
	ipv4_str(ntohl(t->saddr), src);
	ipv4_str(ntohl(t->daddr), dst);
	return AF_INET;
}

static int on_event(void *ctx, void *data, size_t len)
{
	struct lab_monitor *m = ctx;
	const struct nsb_event *ev = data;
	struct lab_event e = { .ev = ev };
	int64_t wall;

	if (len < sizeof(*ev) || ev->time_ns < m->start_ns)
		return 0; /* short, or left in the ring by a monitor before us */
	wall = (int64_t)ev->time_ns + m->wall_off_ns;
	e.wall.tv_sec = wall / 1000000000LL;
	e.wall.tv_nsec = wall % 1000000000LL;
	if ((ev->flags & NSB_EV_F_IPV6) && len >= sizeof(*e.ev6))
		e.ev6 = data;
	e.where = dev_find(m, ev->ifindex);
	m->fn(&e, m->arg);
	return 0;
}

/* The host ends and the uplink by ifindex, as the lab's host netns has them now. */
static int devs_resolve(struct lab_monitor *m)
{
	const struct lab_info *li = m->li;

	size_t n = li->n_nodes + 1;

	for (size_t i = 0; i < li->n_nodes; i++)
		n += li->nodes[i].n_legs;
	m->devs = calloc(n, sizeof(*m->devs));
	if (!m->devs)
		return -ENOMEM;
	for (size_t i = 0; i < li->n_nodes; i++) {
		const struct lab_node *nd = &li->nodes[i];

		/* every leg's host end; a gone one (ifindex 0) names no node in events */
		for (size_t k = 0; k <= nd->n_legs; k++) {
			const char *hostif = k ? nd->legs[k - 1].hostif : nd->hostif;
			unsigned int ifi = *hostif ? if_nametoindex(hostif) : 0;

			if (ifi)
				m->devs[m->n_devs++] =
					(struct lab_mon_dev){ ifi, nd->name, hostif };
		}
	}
	if (li->uplink[0] && if_nametoindex(li->uplink))
		m->devs[m->n_devs++] =
			(struct lab_mon_dev){ if_nametoindex(li->uplink), NULL, li->uplink };
	return 0;
}

static int maps_open(struct lab_monitor *m, struct err_msg *e)
{
	const char *lab = m->li->name;

	m->mon_fd = pins_map_open(lab, "monitor");
	m->rate_fd = m->mon_fd < 0 ? m->mon_fd : pins_map_open(lab, "ev_rate");
	m->ring_fd = m->rate_fd < 0 ? m->rate_fd : pins_map_open(lab, "events");
	if (m->ring_fd == -ENOENT)
		return err_set(
			e, -ENOENT,
			"lab %s has no monitor maps (brought up by an older nsbpf): run \"nsbpf up FILE\" on it again",
			lab);
	if (m->ring_fd < 0)
		return err_set(e, m->ring_fd, "lab %s: open its monitor maps: %s", lab,
			       strerror(-m->ring_fd));
	return 0;
}

/* The lock, or why not: -EBUSY names the monitor that runs. */
static int lock_take(struct lab_monitor *m, struct err_msg *e)
{
	const char *lab = m->li->name;
	struct nsb_monitor v = { 0 };

	m->lock_fd = mon_lock(lab);
	if (m->lock_fd == -EBUSY) {
		mon_switch_get(m->mon_fd, &v);
		return err_set(
			e, -EBUSY,
			"lab %s is monitored already (nsbpf monitor, pid %u): one monitor per lab, its ring buffer has one reader",
			lab, v.pid);
	}
	if (m->lock_fd < 0)
		return err_set(e, m->lock_fd, "lab %s: lock its monitor: %s", lab,
			       strerror(-m->lock_fd));
	/* locked, and on: its monitor died with its watcher */
	if (!mon_switch_get(m->mon_fd, &v) && v.on)
		m->stale_pid = v.pid ? v.pid : 1;
	return 0;
}

static int switch_on(struct lab_monitor *m, const struct lab_mon_opts *o, struct err_msg *e)
{
	struct nsb_monitor v = { .on = 1, .pid = (uint32_t)getpid() };
	int err;

	if (o) {
		v.rate = o->rate;
		v.burst = o->burst;
	}
	err = mon_watcher_start(m);
	if (!err)
		err = mon_switch_set(m->mon_fd, &v);
	if (err)
		return err_set(e, err, "lab %s: switch its monitor on: %s", m->li->name,
			       strerror(-err));
	return 0;
}

int lab_monitor_start(const struct lab_info *li, const struct lab_mon_opts *o,
		      struct lab_monitor *m, lab_event_fn fn, void *arg, struct err_msg *e)
{
	int err;

	memset(m, 0, sizeof(*m));
	m->li = li;
	m->fn = fn;
	m->arg = arg;
	m->lock_fd = m->mon_fd = m->rate_fd = m->ring_fd = m->pipe_w = -1;
	err = maps_open(m, e);
	if (!err)
		err = lock_take(m, e);
	if (!err && devs_resolve(m))
		err = err_set(e, -ENOMEM, "out of memory");
	if (!err) {
		m->rb = ring_buffer__new(m->ring_fd, on_event, m, NULL);
		if (!m->rb)
			err = err_set(e, -errno, "lab %s: read its events ring: %s", li->name,
				      strerror(errno));
	}
	if (!err) {
		m->start_ns = (uint64_t)clock_ns(CLOCK_MONOTONIC);
		m->wall_off_ns = clock_ns(CLOCK_REALTIME) - (int64_t)m->start_ns;
		err = switch_on(m, o, e);
	}
	if (err)
		lab_monitor_stop(m);
	return err;
}

int lab_monitor_poll(struct lab_monitor *m, int timeout_ms, const sigset_t *sigmask)
{
	struct epoll_event ev;
	int n;

	n = epoll_pwait(ring_buffer__epoll_fd(m->rb), &ev, 1, timeout_ms, sigmask);
	if (n < 0)
		return -errno;
	return ring_buffer__consume(m->rb);
}

int lab_monitor_read_counts(const char *lab, uint64_t *suppressed, uint64_t *lost)
{
	int fd = pins_map_open(lab, "ev_rate");
	int err;

	if (fd < 0)
		return fd;
	err = mon_counts_fd(fd, suppressed, lost);
	close(fd);
	return err;
}

int lab_monitor_counts(const struct lab_monitor *m, uint64_t *suppressed, uint64_t *lost)
{
	return mon_counts_fd(m->rate_fd, suppressed, lost);
}

bool lab_monitor_alive(const struct lab_monitor *m)
{
	char path[512];

	pins_path(m->li->name, "events", path, sizeof(path));
	return access(path, F_OK) == 0;
}

void lab_monitor_stop(struct lab_monitor *m)
{
	if (m->watcher > 0 && m->mon_fd >= 0)
		mon_switch_clear(m->mon_fd, (uint32_t)getpid());
	mon_watcher_stop(m);
	ring_buffer__free(m->rb);
	m->rb = NULL;
	for (int *fd = &m->lock_fd; fd <= &m->ring_fd; fd++)
		if (*fd >= 0) {
			close(*fd);
			*fd = -1;
		}
	free(m->devs);
	m->devs = NULL;
	m->n_devs = 0;
}
