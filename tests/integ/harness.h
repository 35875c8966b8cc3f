/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Integration test harness. Every test runs in net and mount namespaces of
 * its own: a private "host" netns, tmpfs on /run/netns and /run/nsbpf, a
 * fresh bpffs on /sys/fs/bpf. Whatever a failing test leaves behind goes
 * away with its process. It refuses to run in the machine's initial netns.
 */
#ifndef NSBPF_TEST_HARNESS_H
#define NSBPF_TEST_HARNESS_H

#include <stdbool.h>

/* Criterion .init / .fini for every integration test. */
void harness_enter(void);
void harness_leave(void);

/* Run a shell command (printf-style); returns its exit status, or -1. */
int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same, capturing stdout+stderr into a malloc'd string (*out). */
int run_out(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The test's private scratch directory (a tmpfs). */
const char *scratch_dir(void);
/* Path of the nsbpf binary under test ($NSBPF). */
const char *nsbpf(void);
/* Write a topology file into the test's scratch dir; returns its path. */
const char *lab_file(const char *name, const char *yaml);

/* Nothing of LAB remains: namespaces, host ends, pins, state. Logs what is left. */
bool lab_gone(const char *lab);
/* No nft/iptables rule, ip_forward 0, no bridge: the lab stayed out of the host's way. */
bool host_untouched(void);

/* Counter of `nsbpf stats LAB --json`: kind "paths" or "drops", packets. */
long long stat_packets(const char *lab, const char *kind, const char *name);

/*
 * The outside world: netns "world" behind the uplink veth up0.
 * host up0 192.0.2.1/24 <-> world eth0 192.0.2.2/24, default route via world.
 */
void world_up(void);
/* Start a command in the background, output to LOG in the scratch dir. */
int bg(const char *log, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Wait (5 s at most) until something listens on PORT ("t" tcp, "u" udp) in NETNS. */
int wait_listen(const char *netns, const char *proto, int port);

#endif /* NSBPF_TEST_HARNESS_H */
