// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The monitor's switch (the pinned monitor map) and what guarantees it is
 * cleared: the lock file that makes a monitor the only one, and the
 * watcher process that clears the switch when the monitor dies.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lab/monitor_internal.h"
#include "sys/state.h"

int mon_switch_set(int mon_fd, const struct nsb_monitor *v)
{
	__u32 zero = 0;

	return bpf_map_update_elem(mon_fd, &zero, v, BPF_ANY) ? -errno : 0;
}

int mon_switch_get(int mon_fd, struct nsb_monitor *v)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(mon_fd, &zero, v) ? -errno : 0;
}

/* Off, if it is still owner's (a later monitor's is not ours to clear). */
void mon_switch_clear(int mon_fd, uint32_t owner)
{
	struct nsb_monitor v;

	if (!mon_switch_get(mon_fd, &v) && v.pid == owner) {
		memset(&v, 0, sizeof(v));
		mon_switch_set(mon_fd, &v);
	}
}

/*
 * /run/nsbpf/LAB/monitor, locked: the fd, -EBUSY while another monitor (or
 * its watcher) holds it, or another -errno.
 */
int mon_lock(const char *lab)
{
	char path[512];
	int fd;

	state_path(lab, "monitor", path, sizeof(path));
	fd = state_open(path, O_RDWR | O_CREAT);
	if (fd < 0)
		return fd;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		int err = errno == EWOULDBLOCK ? -EBUSY : -errno;

		close(fd);
		return err;
	}
	return fd;
}

/*
 * The watcher: deaf to the signals a terminal or a `kill` sends the
 * monitor, it blocks on the pipe until its only writer, the monitor, is
 * gone (exit, crash, kill -9: the kernel closes the pipe either way), then
 * clears the switch. It holds the lock until then.
 */
static void __attribute__((noreturn)) watcher(int rfd, int mon_fd, uint32_t owner)
{
	char b;

	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_NAME, "nsbpf-monwatch");
	/* not the monitor's stdout: a reader of the pipe sees it end with the monitor */
	int null = open("/dev/null", O_RDWR);

	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (null > 2)
			close(null);
	}
	while (read(rfd, &b, 1) < 0 && errno == EINTR)
		;
	mon_switch_clear(mon_fd, owner);
	_exit(0);
}

int mon_watcher_start(struct lab_monitor *m)
{
	uint32_t owner = (uint32_t)getpid();
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	fflush(NULL); /* nothing buffered twice */
	pid = fork();
	if (pid < 0) {
		int err = -errno;

		close(p[0]);
		close(p[1]);
		return err;
	}
	if (pid == 0) {
		close(p[1]);
		watcher(p[0], m->mon_fd, owner);
	}
	close(p[0]);
	m->pipe_w = p[1];
	m->watcher = pid;
	return 0;
}

void mon_watcher_stop(struct lab_monitor *m)
{
	if (m->pipe_w >= 0)
		close(m->pipe_w);
	m->pipe_w = -1;
	if (m->watcher > 0)
		while (waitpid(m->watcher, NULL, 0) < 0 && errno == EINTR)
			;
	m->watcher = 0;
}

/* The per-CPU ev_rate counters, summed. */
int mon_counts_fd(int rate_fd, uint64_t *suppressed, uint64_t *lost)
{
	int ncpu = libbpf_num_possible_cpus();
	struct nsb_ev_rate *per;
	__u32 zero = 0;
	int err = 0;

	*suppressed = *lost = 0;
	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	per = calloc((size_t)ncpu, sizeof(*per));
	if (!per)
		return -ENOMEM;
	if (bpf_map_lookup_elem(rate_fd, &zero, per))
		err = -errno;
	for (int c = 0; !err && c < ncpu; c++) {
		*suppressed += per[c].suppressed;
		*lost += per[c].lost;
	}
	free(per);
	return err;
}
