// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Named network namespaces, created and removed the way iproute2 does. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/log.h"
#include "sys/netns.h"

int netns_prepare_dir(void)
{
	if (mkdir(NETNS_RUN_DIR, 0755) && errno != EEXIST)
		return -errno;
	/*
	 * A shared mount propagates our bind mounts to mount namespaces made
	 * later (ip netns exec makes one per command); iproute2 does the same.
	 */
	if (!mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL))
		return 0;
	if (errno != EINVAL)
		return -errno;
	if (mount(NETNS_RUN_DIR, NETNS_RUN_DIR, "none", MS_BIND | MS_REC, NULL))
		return -errno;
	if (mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL))
		return -errno;
	return 0;
}

/* A name under /run/netns, or a path as a container runtime gives it (CNI_NETNS). */
static void netns_path(const char *name, char *buf, size_t len)
{
	if (name[0] == '/')
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "%s/%s", NETNS_RUN_DIR, name);
}

int netns_create(const char *name)
{
	char path[256];
	int saved, fd, err;

	netns_path(name, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL, 0);
	if (fd < 0)
		return -errno;
	close(fd);

	saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (saved < 0) {
		err = -errno;
		goto err_unlink;
	}
	if (unshare(CLONE_NEWNET)) {
		err = -errno;
		goto err_close;
	}
	fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL)) {
		err = -errno;
		if (fd >= 0)
			close(fd);
		setns(saved, CLONE_NEWNET);
		goto err_close;
	}
	if (setns(saved, CLONE_NEWNET)) {
		/* Cannot get back: nothing sane is left to do in this process. */
		pr_warn("cannot return to the host namespace: %s\n", strerror(errno));
		abort();
	}
	close(saved);
	return fd;

err_close:
	close(saved);
err_unlink:
	unlink(path);
	return err;
}

int netns_open(const char *name)
{
	char path[256];
	int fd;

	netns_path(name, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int netns_delete(const char *name)
{
	char path[256];

	netns_path(name, path, sizeof(path));
	if (umount2(path, MNT_DETACH) && errno != EINVAL && errno != ENOENT)
		return -errno;
	if (unlink(path) && errno != ENOENT)
		return -errno;
	return 0;
}

int netns_enter(int fd, int *saved)
{
	*saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*saved < 0)
		return -errno;
	if (setns(fd, CLONE_NEWNET)) {
		int err = -errno;

		close(*saved);
		*saved = -1;
		return err;
	}
	return 0;
}

int netns_leave(int saved)
{
	int err = 0;

	if (saved < 0)
		return 0;
	if (setns(saved, CLONE_NEWNET)) {
		pr_warn("cannot return to the host namespace: %s\n", strerror(errno));
		abort();
	}
	close(saved);
	return err;
}

int netns_switch(const char *name)
{
	int fd = netns_open(name);
	int err = 0;

	if (fd < 0)
		return fd;
	if (setns(fd, CLONE_NEWNET))
		err = -errno;
	close(fd);
	return err;
}

ino_t netns_ino(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : st.st_ino;
}

ino_t netns_self_ino(void)
{
	struct stat st;

	return stat("/proc/thread-self/ns/net", &st) ? 0 : st.st_ino;
}

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71 /* Linux 5.14 */
#endif			   /* SO_NETNS_COOKIE */

uint64_t netns_cookie(void)
{
	uint64_t cookie = 0;
	socklen_t len = sizeof(cookie);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return 0;
	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len))
		cookie = 0;
	close(fd);
	return cookie;
}

/* The initial netns has this fixed inode number on kernels since 6.x. */
#define PROC_NET_INIT_INO 0xEFFFFFF9U

int netns_is_initial(void)
{
	struct stat init, self;

	if (stat("/proc/thread-self/ns/net", &self))
		return -errno;
	if (self.st_ino == PROC_NET_INIT_INO)
		return 1;
	/* PID 1's namespace, when we may look (containers often forbid it). */
	if (!stat("/proc/1/ns/net", &init))
		return init.st_ino == self.st_ino && init.st_dev == self.st_dev;
	return 0;
}

static int ino_in(ino_t ino, const ino_t *inos, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (inos[i] == ino)
			return 1;
	return 0;
}

/* Signal every process living in one of the namespaces; count them. */
static int signal_procs(const ino_t *inos, size_t n, int sig)
{
	struct dirent *de;
	int found = 0;
	pid_t self = getpid();
	DIR *d = opendir("/proc");

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char path[64];
		struct stat st;
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (*end || pid <= 1 || pid == self)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/ns/net", pid);
		if (stat(path, &st) || !ino_in(st.st_ino, inos, n))
			continue;
		found++;
		if (sig)
			kill((pid_t)pid, sig);
	}
	closedir(d);
	return found;
}

int netns_kill_procs(const ino_t *inos, size_t n, int timeout_ms)
{
	struct timespec nap = { 0, 20 * 1000 * 1000 };
	int found, waited;

	if (!n)
		return 0;
	found = signal_procs(inos, n, SIGTERM);
	if (found <= 0)
		return found;
	for (waited = 0; waited < timeout_ms; waited += 20) {
		if (signal_procs(inos, n, 0) <= 0)
			return found;
		nanosleep(&nap, NULL);
	}
	signal_procs(inos, n, SIGKILL);
	return found;
}

/* A name under /run/netns for namespace ino: 0 and name, or -ENOENT. */
static int find_named(unsigned long ino, char *name, size_t len)
{
	struct dirent *de;
	int err = -ENOENT;
	DIR *d = opendir(NETNS_RUN_DIR);

	if (!d)
		return -ENOENT;
	while (err && (de = readdir(d))) {
		char path[512];
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", NETNS_RUN_DIR, de->d_name);
		/* stat follows the bind mount to the namespace; a bare file has another inode */
		if (stat(path, &st) || st.st_ino != ino || st.st_dev == 0)
			continue;
		snprintf(name, len, "%s", de->d_name);
		err = 0;
	}
	closedir(d);
	return err;
}

/* A process living in namespace ino: its pid, or -ENOENT. */
static long find_proc(unsigned long ino)
{
	struct dirent *de;
	long found = -ENOENT;
	DIR *d = opendir("/proc");

	if (!d)
		return -ENOENT;
	while (found < 0 && (de = readdir(d))) {
		char path[64], *end;
		long pid = strtol(de->d_name, &end, 10);
		struct stat st;

		if (*end || pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/ns/net", pid);
		if (!stat(path, &st) && st.st_ino == ino)
			found = pid;
	}
	closedir(d);
	return found;
}

int netns_find(unsigned long ino, char *name, size_t len)
{
	char path[64];
	long pid;
	int fd;

	name[0] = '\0';
	if (!find_named(ino, name, len)) {
		fd = netns_open(name);
		if (fd >= 0 && (unsigned long)netns_ino(fd) == ino)
			return fd;
		if (fd >= 0)
			close(fd);
		name[0] = '\0';
	}
	pid = find_proc(ino);
	if (pid < 0)
		return -ENOENT;
	snprintf(path, sizeof(path), "/proc/%ld/ns/net", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if ((unsigned long)netns_ino(fd) != ino) { /* the process moved or went */
		close(fd);
		return -ENOENT;
	}
	return fd;
}
