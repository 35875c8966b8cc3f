// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The steps tests are made of: nsbpf and its JSON, labs up and down, the
 * world, servers and clients in namespaces, files, bounded waits.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "harness.h"

#define CMD_MAX 4096

int nsbpf_run(const char *fmt, ...)
{
	char args[CMD_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	return run("%s %s", nsbpf(), args);
}

int nsbpf_out(char **out, const char *fmt, ...)
{
	char args[CMD_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	return run_out(out, "%s %s", nsbpf(), args);
}

void nsbpf_says(int status, const char *want, const char *fmt, ...)
{
	char args[CMD_MAX], *out = NULL;
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	st = run_out(&out, "%s %s 2>&1", nsbpf(), args);
	if (status >= 0)
		cr_assert_eq(st, status, "nsbpf %s: exit %d\n%s", args, st, out);
	cr_assert(strstr(out, want), "nsbpf %s: expected \"%s\" in\n%s", args, want, out);
	free(out);
}

static bool jq_va(const char *cmd, const char *filter_fmt, va_list ap)
{
	char filter[CMD_MAX];

	vsnprintf(filter, sizeof(filter), filter_fmt, ap);
	return !run("%s | jq -e '%s'", cmd, filter);
}

bool nsbpf_json(const char *args, const char *filter_fmt, ...)
{
	char cmd[CMD_MAX];
	va_list ap;
	bool ok;

	snprintf(cmd, sizeof(cmd), "%s %s --json", nsbpf(), args);
	va_start(ap, filter_fmt);
	ok = jq_va(cmd, filter_fmt, ap);
	va_end(ap);
	return ok;
}

void nsbpf_doc(int status, const char *shape, const char *filter, const char *fmt, ...)
{
	char args[CMD_MAX], path[512], *out = NULL;
	va_list ap;
	FILE *f;
	int st;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	st = run_out(&out, "%s -j %s 2>/dev/null", nsbpf(), args);
	snprintf(path, sizeof(path), "%s/doc.json", scratch_dir());
	f = fopen(path, "w");
	cr_assert(f, "write %s", path);
	fputs(out ? out : "", f);
	fclose(f);
	cr_log_info("nsbpf -j %s: %d: %s", args, st, out ? out : "");
	free(out);
	if (status >= 0)
		cr_assert_eq(st, status, "nsbpf -j %s: exit status %d, want %d", args, st, status);
	cr_assert_eq(script("json_shape.py '%s' <%s", shape, path), 0,
		     "nsbpf -j %s: one document shaped as \"%s\" of docs/json.md", args, shape);
	if (filter)
		cr_assert_eq(run("jq -e '%s' <%s >/dev/null", filter, path), 0, "nsbpf -j %s: %s",
			     args, filter);
}

bool json_true(const char *cmd, const char *filter_fmt, ...)
{
	va_list ap;
	bool ok;

	va_start(ap, filter_fmt);
	ok = jq_va(cmd, filter_fmt, ap);
	va_end(ap);
	return ok;
}

long long stat_packets(const char *lab, const char *kind, const char *name)
{
	char *out = NULL;
	long long v = -1;

	if (!run_out(&out, "%s stats %s --json | jq -e '.%s.%s.packets'", nsbpf(), lab, kind, name))
		v = strtoll(out, NULL, 10);
	free(out);
	return v;
}

long long stat_path(const char *lab, const char *name)
{
	return stat_packets(lab, "paths", name);
}

long long stat_drop(const char *lab, const char *name)
{
	return stat_packets(lab, "drops", name);
}

void lab_up_ok(const char *name, const char *yaml)
{
	cr_assert_eq(nsbpf_run("up %s", lab_file(name, yaml)), 0, "up %s", name);
}

void lab_down_ok(const char *lab)
{
	cr_assert_eq(nsbpf_run("down %s", lab), 0, "down %s", lab);
	cr_assert(lab_gone(lab));
}

void nsbpf_killed_after(int ms, int sig, const char *const argv[])
{
	pid_t pid = fork();

	cr_assert_geq(pid, 0, "fork");
	if (!pid) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		execv(nsbpf(), (char *const *)argv);
		_exit(127);
	}
	usleep((useconds_t)ms * 1000);
	kill(pid, sig);
	waitpid(pid, NULL, 0);
}

void world_up(void)
{
	cr_assert_eq(script("world.sh"), 0, "world namespace");
}

int bg(const char *log, const char *fmt, ...)
{
	char cmd[CMD_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return run("(%s) >%s/%s 2>&1 &", cmd, scratch_dir(), log);
}

int wait_listen(const char *netns, const char *proto, int port)
{
	char pre[128] = "";

	if (netns)
		snprintf(pre, sizeof(pre), "ip netns exec %s ", netns);
	return wait_for(5000, "%sss -ln%s | grep -q ':%d '", pre, proto, port) ? 0 : 1;
}

void serve(const char *netns, const char *proto, int port, const char *log, const char *fmt, ...)
{
	char cmd[CMD_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (netns)
		bg(log, "ip netns exec %s %s", netns, cmd);
	else
		bg(log, "%s", cmd);
	cr_assert_eq(wait_listen(netns, proto, port), 0, "%s listens on %s %d in %s", cmd,
		     proto[0] == 't' ? "tcp" : "udp", port, netns ? netns : "the host");
}

int fetch(const char *netns, int secs, const char *url, char **out)
{
	return in_ns_out(out, netns, "curl -s -m %d %s", secs, url);
}

void expect_fetch(const char *netns, const char *url, const char *body)
{
	const char *who = netns ? netns : "the host";
	char *out = NULL;

	cr_assert_eq(fetch(netns, 5, url, &out), 0, "%s: %s", who, url);
	cr_assert_str_eq(out, body, "%s: %s", who, url);
	free(out);
}

void random_file(const char *name, long bytes)
{
	cr_assert_eq(run("head -c %ld /dev/urandom > %s/%s", bytes, scratch_dir(), name), 0);
}

bool same_file(const char *a, const char *b)
{
	return !run("cmp %s/%s %s/%s", scratch_dir(), a, scratch_dir(), b);
}

bool wait_for(int ms, const char *fmt, ...)
{
	char cmd[CMD_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	/* Counted tries, not a deadline: a loaded machine gets the same number of looks. */
	for (int i = 0; i < ms / 50; i++) {
		char *out = NULL;
		int st = run_out(&out, "(%s) 2>&1", cmd);

		free(out);
		if (!st)
			return true;
		usleep(50 * 1000);
	}
	cr_log_info("not within %d ms: %s", ms, cmd);
	return false;
}

bool wait_file(const char *name, long size, int ms)
{
	const char *d = scratch_dir();

	return wait_for(ms, "[ -e %s/%s ] && [ $(stat -c %%s %s/%s) -ge %ld ]", d, name, d, name,
			size);
}

bool sysctl_is(const char *path, const char *value)
{
	char file[256], line[256] = "";
	FILE *f;

	snprintf(file, sizeof(file), "/proc/sys/%s", path);
	f = fopen(file, "r");
	if (!f)
		return false;
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	if (strcmp(line, value))
		cr_log_info("%s is %s, not %s", file, line, value);
	return !strcmp(line, value);
}

long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
