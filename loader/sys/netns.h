/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Named network namespaces, iproute2 compatible: a bind mount of the
 * namespace under /run/netns/NAME, so `ip netns exec` and `ip -n` work.
 */
#ifndef NSBPF_NETNS_H
#define NSBPF_NETNS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define NETNS_RUN_DIR "/run/netns"

/* Make /run/netns exist and be a shared mount, as iproute2 does. */
int netns_prepare_dir(void);

/*
 * Create /run/netns/NAME holding a new namespace; the caller stays where it
 * was. Returns an fd of the new namespace, or -errno (-EEXIST when taken).
 */
int netns_create(const char *name);

/* fd of /run/netns/NAME, or -errno. */
int netns_open(const char *name);

/* Unmount and remove /run/netns/NAME; 0 when it was already gone. */
int netns_delete(const char *name);

/* Switch the calling thread to the namespace fd; *saved gets an fd of where it was. */
int netns_enter(int fd, int *saved);
/* Switch back and close saved. */
int netns_leave(int saved);
/* Enter /run/netns/NAME for the rest of the process (the -n option). */
int netns_switch(const char *name);

/* Inode of the namespace behind fd (0 on error). */
ino_t netns_ino(int fd);
/* Inode of the calling thread's namespace. */
ino_t netns_self_ino(void);
/* The cookie bpf_get_netns_cookie() returns in our namespace; 0 if unknown. */
uint64_t netns_cookie(void);
/*
 * Is the calling thread in the machine's initial namespace? 1 yes, 0 no (as
 * far as can be told: PID 1's namespace may be hidden from us), -errno.
 */
int netns_is_initial(void);

/*
 * Stop every process whose network namespace is one of inos: SIGTERM, wait
 * up to timeout_ms for them to go, then SIGKILL. Returns how many were found.
 */
int netns_kill_procs(const ino_t *inos, size_t n, int timeout_ms);

/*
 * The namespace whose inode is ino, wherever it still is: an fd of it, with
 * its /run/netns name in name ("" when only a process holds it), or
 * -ENOENT when it is gone.
 */
int netns_find(unsigned long ino, char *name, size_t len);

#endif /* NSBPF_NETNS_H */
