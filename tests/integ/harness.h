/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Integration test harness. Every test runs in net and mount namespaces of
 * its own: a private "host" netns, tmpfs on /run/netns and /run/nsbpf, a
 * fresh bpffs on /sys/fs/bpf. Whatever a failing test leaves behind goes
 * away with its process. It refuses to run in the machine's initial netns.
 *
 * A test is a list of steps: the helpers below (harness.c: namespaces, shell,
 * leak checks; steps.c: labs, servers, clients, counters, waits). Anything
 * longer than a line of shell is a script in tests/integ/scripts/.
 */
#ifndef NSBPF_TEST_HARNESS_H
#define NSBPF_TEST_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PRINTF(f, a) __attribute__((format(printf, f, a)))

/* Criterion .init / .fini for every integration test. */
void harness_enter(void);
void harness_leave(void);

/* ---- shell (harness.c) ---- */

/* Run a shell command; its exit status, or -1. Logs the command and its output on failure. */
int run(const char *fmt, ...) PRINTF(1, 2);
/* The same, capturing stdout into a malloc'd string (*out); logs nothing. */
int run_out(char **out, const char *fmt, ...) PRINTF(2, 3);
/* Run a command inside NETNS (ip netns exec); NULL runs it in the host netns. */
int in_ns(const char *netns, const char *fmt, ...) PRINTF(2, 3);
int in_ns_out(char **out, const char *netns, const char *fmt, ...) PRINTF(3, 4);
/* Run tests/integ/scripts/NAME ARGS...: "NAME ARGS" is the format. */
int script(const char *fmt, ...) PRINTF(1, 2);
int script_out(char **out, const char *fmt, ...) PRINTF(2, 3);
/* The absolute path of tests/integ/scripts/NAME (until the next call), for ip netns exec. */
const char *script_path(const char *name);

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

/* ---- nsbpf (steps.c) ---- */

/* `nsbpf ARGS`: its exit status (logged on failure); or with its stdout into *out. */
int nsbpf_run(const char *fmt, ...) PRINTF(1, 2);
int nsbpf_out(char **out, const char *fmt, ...) PRINTF(2, 3);
/* `nsbpf ARGS` (stdout and stderr) says WANT and exits STATUS (-1: any); asserted. */
void nsbpf_says(int status, const char *want, const char *fmt, ...) PRINTF(3, 4);
/* `nsbpf ARGS --json | jq -e FILTER` succeeds. */
bool nsbpf_json(const char *args, const char *filter_fmt, ...) PRINTF(2, 3);
/*
 * `nsbpf -j ARGS` exits STATUS (-1: any) and prints exactly one JSON
 * document, shaped as docs/json.md's example SHAPE (scripts/json_shape.py),
 * on which FILTER (jq -e; NULL: none) holds. Asserted.
 */
void nsbpf_doc(int status, const char *shape, const char *filter, const char *fmt, ...)
	PRINTF(4, 5);
/* `CMD | jq -e FILTER` succeeds (CMD prints JSON: ip -j, bpftool -j). */
bool json_true(const char *cmd, const char *filter_fmt, ...) PRINTF(2, 3);
/* Counter of `nsbpf stats LAB --json`: kind "paths" or "drops", packets; -1 if none. */
long long stat_packets(const char *lab, const char *kind, const char *name);
long long stat_path(const char *lab, const char *name);
long long stat_drop(const char *lab, const char *name);

/* `nsbpf up` of an inline topology written as NAME.yaml: asserted to succeed. */
void lab_up_ok(const char *name, const char *yaml);
/* `nsbpf down LAB`, asserted, and nothing of it remains. */
void lab_down_ok(const char *lab);
/* Start nsbpf with ARGV (NULL-terminated) and send it SIG after MS milliseconds. */
void nsbpf_killed_after(int ms, int sig, const char *const argv[]);

/* ---- the world, servers and clients (steps.c) ---- */

/*
 * The outside world: netns "world" behind the uplink veth up0.
 * host up0 192.0.2.1/24 <-> world eth0 192.0.2.2/24, default route via world.
 */
void world_up(void);
/* Start a command in the background, output to LOG in the scratch dir. */
int bg(const char *log, const char *fmt, ...) PRINTF(2, 3);
/* 0 once something listens on PORT ("t" tcp, "u" udp) in NETNS (NULL: host), within 5 s. */
int wait_listen(const char *netns, const char *proto, int port);
/*
 * A server: CMD in the background in NETNS (NULL: the host), output into LOG
 * in the scratch dir; asserted to listen on PORT ("t" or "u") within 5 s.
 */
void serve(const char *netns, const char *proto, int port, const char *log, const char *fmt, ...)
	PRINTF(5, 6);
/* `curl -s -m SECS URL` from NETNS (NULL: the host): exit status, the body into *out. */
int fetch(const char *netns, int secs, const char *url, char **out);
/* A 5 s fetch of URL from NETNS answers exactly BODY (asserted). */
void expect_fetch(const char *netns, const char *url, const char *body);

/* ---- files and waits (steps.c) ---- */

/* The scratch file NAME, BYTES random bytes (asserted). */
void random_file(const char *name, long bytes);
/* Two files of the scratch dir have the same bytes. */
bool same_file(const char *a, const char *b);
/* Poll the shell condition every 50 ms until it exits 0 (true), MS / 50 times at most. */
bool wait_for(int ms, const char *fmt, ...) PRINTF(2, 3);
/* The scratch file NAME exists and has at least SIZE bytes, within MS. */
bool wait_file(const char *name, long size, int ms);
/* The first line of /proc/sys/PATH is VALUE. */
bool sysctl_is(const char *path, const char *value);
/* Milliseconds of CLOCK_MONOTONIC. */
long long now_ms(void);

/* ---- packets (harness.c) ---- */

/* The ones' complement sum of RFC 1071 over P, added to SUM; and its folded complement. */
uint32_t csum_add(uint32_t sum, const void *p, size_t len);
uint16_t csum_fold(uint32_t sum);

#endif /* NSBPF_TEST_HARNESS_H */
