// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The node, uplink and sock objects as the verifier sees them: loaded with
 * the verifier's statistics log (BPF_LOG_STATS), which must hold nothing but
 * statistics, and each program's verified_insns read back through
 * bpf_prog_info. Both builds are loaded: the loader's (trace off, the trace
 * code eliminated) and the selftests' (trace on). The figures are printed,
 * not asserted. The sock object's cgroup hooks cannot run under
 * BPF_PROG_TEST_RUN: loading them is their test here (sock_test.c runs them
 * for real).
 */
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>

#include "harness.h"

#define BPF_LOG_STATS 4
#define LOG_SIZE      (64 * 1024)

static bool log_is_clean(const char *log)
{
	static const char *const ok[] = { "processed ", "verification time ", "stack depth " };
	char line[512];

	for (const char *p = log; *p;) {
		size_t n = strcspn(p, "\n");
		bool known = n == 0;

		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
			known |= !strncmp(line, ok[i], strlen(ok[i]));
		if (!ASSERT_TRUE(known, line))
			return false;
		p += n + (p[n] == '\n');
	}
	return true;
}

#define MAX_PROGS 16

/* Asks obj's programs for the verifier's statistics log, into logs. */
static int want_logs(struct bpf_object *obj, char (*logs)[LOG_SIZE], int first)
{
	struct bpf_program *prog;
	int i = first;

	bpf_object__for_each_program(prog, obj) {
		cr_assert(i < MAX_PROGS, "at most %d programs", MAX_PROGS);
		logs[i][0] = '\0';
		bpf_program__set_log_level(prog, BPF_LOG_STATS);
		bpf_program__set_log_buf(prog, logs[i], LOG_SIZE);
		i++;
	}
	return i;
}

static int report(struct bpf_object *obj, char (*logs)[LOG_SIZE], int first, bool trace)
{
	struct bpf_program *prog;
	int i = first;

	bpf_object__for_each_program(prog, obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		const char *processed = strstr(logs[i], "processed ");

		st_case = bpf_program__name(prog);
		cr_assert(!bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len),
			  "%s: bpf_obj_get_info_by_fd", st_case);
		log_is_clean(logs[i]);
		cr_log_info("%-13s trace=%d: verified_insns %u, xlated %u insns, jited %u bytes;"
			    " %.*s",
			    st_case, trace, info.verified_insns, info.xlated_prog_len / 8,
			    info.jited_prog_len, processed ? (int)strcspn(processed, "\n") : 0,
			    processed ? processed : "");
		ASSERT_TRUE(info.verified_insns > 0, "verified_insns reported");
		i++;
	}
	return i;
}

/* Every object: the node object's programs, then the uplink's, then the sock hooks. */
static void load_and_report(bool trace)
{
	static char logs[MAX_PROGS][LOG_SIZE];
	struct st_env env;
	int n;

	st_open(&env, trace);
	n = want_logs(env.obj, logs, 0);
	n = want_logs(env.uobj, logs, n);
	want_logs(env.sobj, logs, n);
	st_load(&env);
	n = report(env.obj, logs, 0, trace);
	n = report(env.uobj, logs, n, trace);
	report(env.sobj, logs, n, trace);
	st_close(&env);
}

Test(load, verifier_clean_and_insns)
{
	load_and_report(false);
	load_and_report(true);
}
