/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Watching a running lab's datapath (`nsbpf monitor`): the events ring
 * buffer the BPF side writes while the lab's monitor switch is on
 * (bpf/lib/events.h), read with libbpf's ring_buffer.
 *
 * One monitor per lab: a BPF ring buffer has one consumer position, so two
 * readers would each see part of the events. The monitor holds an flock on
 * /run/nsbpf/LAB/monitor for as long as it (or its watcher) lives; a second
 * one is refused with -EBUSY. The switch is cleared however the monitor
 * ends: by lab_monitor_stop(), or, when the process dies (kill -9 too), by
 * its watcher, a child that holds the map and the lock and waits for the
 * end of a pipe only the monitor writes to. A switch left on by a monitor
 * that died with its watcher (the whole process group killed) has no lock
 * behind it: the next monitor takes it over.
 */
#ifndef NSBPF_LAB_MONITOR_H
#define NSBPF_LAB_MONITOR_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "lab/lab.h"
#include "nsbpf_maps.h"
#include "util/addr.h"
#include "util/err.h"

/* A device of the lab that events name: a node's host end, or the uplink. */
struct lab_mon_dev {
	uint32_t ifindex;
	const char *node; /* the node's name; NULL: the uplink */
	const char *dev;  /* the interface's name */
};

/* An event of the ring, with where it happened resolved. */
struct lab_event {
	const struct nsb_event *ev;
	const struct nsb_event6 *ev6;	 /* an IPv6 record (NSB_EV_F_IPV6, whole): ev's addresses */
	struct timespec wall;		 /* when, on the wall clock */
	const struct lab_mon_dev *where; /* NULL: an ifindex not of this lab */
};

/*
 * The event's addresses as text, of the packet or flow as it came (orig)
 * or of its translation (xlat): AF_INET (IPv4, or ARP's sender and
 * target), AF_INET6, or 0 when it has none (src and dst then "").
 */
int lab_event_addrs(const struct lab_event *e, bool xlat, char src[IPV6_STRLEN],
		    char dst[IPV6_STRLEN]);

typedef void (*lab_event_fn)(const struct lab_event *e, void *arg);

struct ring_buffer;

struct lab_monitor {
	const struct lab_info *li;
	int lock_fd, mon_fd, rate_fd, ring_fd;
	int pipe_w; /* the watcher's pipe: closed, the watcher clears the switch */
	pid_t watcher;
	uint32_t stale_pid; /* a monitor that died and left the switch on (0: none) */
	struct ring_buffer *rb;
	uint64_t start_ns;   /* CLOCK_MONOTONIC: older events are a previous monitor's */
	int64_t wall_off_ns; /* CLOCK_REALTIME - CLOCK_MONOTONIC */
	lab_event_fn fn;
	void *arg;
	struct lab_mon_dev *devs;
	size_t n_devs;
	char uplink[32];
};

/* The rate limit to ask the datapath for; 0: NSB_EV_RATE, NSB_EV_BURST. */
struct lab_mon_opts {
	uint32_t rate, burst;
};

/*
 * Start monitoring the lab li (the caller runs in its host netns, li stays
 * valid until lab_monitor_stop()): fn gets every event. 0, or -errno with
 * e: -EBUSY another monitor runs (its pid in e), -ENOENT the lab has no
 * monitor maps (brought up by an older nsbpf: `up` it again).
 */
int lab_monitor_start(const struct lab_info *li, const struct lab_mon_opts *o,
		      struct lab_monitor *m, lab_event_fn fn, void *arg, struct err_msg *e);

/*
 * Wait up to timeout_ms for events, with sigmask in force while waiting
 * (as epoll_pwait: the signals the caller blocks and waits for), and hand
 * each to fn. The number handed, or -errno (-EINTR: a signal came).
 */
int lab_monitor_poll(struct lab_monitor *m, int timeout_ms, const sigset_t *sigmask);

/* What the datapath held back since the lab came up: rate limit, full ring. */
int lab_monitor_counts(const struct lab_monitor *m, uint64_t *suppressed, uint64_t *lost);

/* Is the lab still there (its events map pinned)? */
bool lab_monitor_alive(const struct lab_monitor *m);

/* Clear the switch, end the watcher, free everything. */
void lab_monitor_stop(struct lab_monitor *m);

/* Sum of the per-CPU ev_rate counters of a lab (for `stats`): 0 or -errno. */
int lab_monitor_read_counts(const char *lab, uint64_t *suppressed, uint64_t *lost);

#endif /* NSBPF_LAB_MONITOR_H */
