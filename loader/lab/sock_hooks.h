/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Host-local access to a lab's forwards: the cgroup sock_addr hooks. */
#ifndef NSBPF_LAB_SOCK_HOOKS_H
#define NSBPF_LAB_SOCK_HOOKS_H

#include <stdbool.h>

#include "sys/journal.h"

/*
 * The hooks on the root of the cgroup v2 hierarchy, as links pinned in dir;
 * their object shares the lab's pinned maps (ct_entries: the conntrack size
 * the lab's maps have, 0: the default). 0 when the hooks are not built or
 * there is no cgroup v2 (with a note).
 */
int sock_hooks_up(const char *dir, unsigned int ct_entries, struct journal *j, bool reup);

#endif /* NSBPF_LAB_SOCK_HOOKS_H */
