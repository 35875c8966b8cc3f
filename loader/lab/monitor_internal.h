/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Inside lab/monitor*.c: the switch, the lock, the watcher. */
#ifndef NSBPF_LAB_MONITOR_INTERNAL_H
#define NSBPF_LAB_MONITOR_INTERNAL_H

#include "lab/monitor.h"

int mon_switch_set(int mon_fd, const struct nsb_monitor *v);
int mon_switch_get(int mon_fd, struct nsb_monitor *v);
void mon_switch_clear(int mon_fd, uint32_t owner);
int mon_lock(const char *lab);
/* Fork the watcher (m->mon_fd set): 0 or -errno. */
int mon_watcher_start(struct lab_monitor *m);
/* Close its pipe and reap it (it clears the switch if still ours). */
void mon_watcher_stop(struct lab_monitor *m);
/* The per-CPU ev_rate counters of rate_fd, summed: 0 or -errno. */
int mon_counts_fd(int rate_fd, uint64_t *suppressed, uint64_t *lost);

#endif /* NSBPF_LAB_MONITOR_INTERNAL_H */
