// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Commands inside a node: the topology's exec lists during up, and
 * `nsbpf exec`. Both enter the node's netns and, like `ip netns exec`, give
 * the command a /sys of that namespace.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lab/lab.h"
#include "util/log.h"
#include "sys/netns.h"
#include "sys/state.h"

/* Best effort: /sys/class/net then shows the node's interfaces. */
static void private_sysfs(void)
{
	if (unshare(CLONE_NEWNS))
		return;
	if (mount("", "/", NULL, MS_SLAVE | MS_REC, NULL))
		return;
	if (umount2("/sys", MNT_DETACH) && errno != EINVAL)
		return;
	mount("sysfs", "/sys", "sysfs", 0, NULL);
}

static void set_env(const char *lab, const char *node)
{
	setenv("NSBPF_LAB", lab, 1);
	setenv("NSBPF_NODE", node, 1);
}

/* Wait for pid up to timeout_s; kill it after that. Returns the wait status or -ETIME. */
static int wait_timeout(pid_t pid, int timeout_s)
{
	struct timespec nap = { 0, 10 * 1000 * 1000 };
	long waited_ms = 0;
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			return -errno;
		if (waited_ms >= timeout_s * 1000L) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -ETIME;
		}
		nanosleep(&nap, NULL);
		waited_ms += 10;
	}
}

/* The end of what a failed exec command wrote: up shows it after the rollback. */
static void keep_log_tail(struct lab_exec_fail *fail, const char *path)
{
	size_t cap = sizeof(fail->tail) - 1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	off_t size;
	ssize_t n;

	snprintf(fail->log, sizeof(fail->log), "%s", path);
	fail->tail[0] = '\0';
	if (fd < 0)
		return;
	size = lseek(fd, 0, SEEK_END);
	lseek(fd, size > (off_t)cap ? size - (off_t)cap : 0, SEEK_SET);
	n = read(fd, fail->tail, cap);
	close(fd);
	fail->tail[n > 0 ? n : 0] = '\0';
}

static int run_one(const char *lab, const struct topo_node *n, int nsfd, const char *cmd,
		   const char *logpath, int timeout_s, struct lab_exec_fail *fail)
{
	int status, logfd;
	pid_t pid;

	logfd = state_open(logpath, O_WRONLY | O_CREAT | O_APPEND); /* 0600: what commands print */
	if (logfd < 0)
		return logfd;
	dprintf(logfd, "$ %s\n", cmd);
	pid = fork();
	if (pid < 0) {
		close(logfd);
		return -errno;
	}
	if (!pid) {
		int null = open("/dev/null", O_RDONLY);

		/* Own process group: background daemons outlive us, down stops them. */
		setpgid(0, 0);
		if (setns(nsfd, CLONE_NEWNET))
			_exit(126);
		private_sysfs();
		set_env(lab, n->name);
		dup2(null, 0);
		dup2(logfd, 1);
		dup2(logfd, 2);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(logfd);
	status = wait_timeout(pid, timeout_s);
	if (status == -ETIME) {
		keep_log_tail(fail, logpath);
		return err_set(
			&fail->why, -ETIME,
			"node %s: exec \"%s\" did not finish within %d s (start servers in the background with &)",
			n->name, cmd, timeout_s);
	}
	if (status < 0)
		return status;
	if (WIFEXITED(status) && !WEXITSTATUS(status))
		return 0;
	keep_log_tail(fail, logpath);
	if (WIFEXITED(status))
		return err_set(&fail->why, -ECHILD, "node %s: exec \"%s\" exited with status %d",
			       n->name, cmd, WEXITSTATUS(status));
	return err_set(&fail->why, -ECHILD, "node %s: exec \"%s\" killed by signal %d", n->name,
		       cmd, WTERMSIG(status));
}

int lab_exec_node_cmds(const char *lab, const struct topo_node *n, int nsfd, int timeout_s,
		       struct lab_exec_fail *fail)
{
	char logpath[512], file[128];

	snprintf(file, sizeof(file), "exec-%s.log", n->name);
	state_path(lab, file, logpath, sizeof(logpath));
	for (size_t i = 0; i < n->n_exec; i++) {
		int err = run_one(lab, n, nsfd, n->exec[i], logpath, timeout_s, fail);

		if (err)
			return err;
		pr_debug("node %s: ran \"%s\"\n", n->name, n->exec[i]);
	}
	return 0;
}

int lab_exec_enter(const char *netns, struct err_msg *e)
{
	int fd = netns_open(netns), err = 0;

	if (fd < 0)
		return err_set(e, fd, "netns %s: %s", netns, strerror(-fd));
	if (setns(fd, CLONE_NEWNET))
		err = err_set(e, -errno, "enter netns %s: %s", netns, strerror(errno));
	close(fd);
	if (!err)
		private_sysfs();
	return err;
}
