// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The files nsbpf writes and reads: its state under /run/nsbpf is root's
 * alone (files 0600, directories 0700, whatever the umask or an older
 * nsbpf left), and the files a user hands it must be regular and bounded:
 * a FIFO or /dev/zero is refused at once, a 60,000-node file by the node
 * limit, each with exit 2 and nothing created. Commands that could hang
 * run under `timeout 10`: a hang fails the test instead of stopping it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "harness.h"

TestSuite(files, .init = harness_enter, .fini = harness_leave, .timeout = 120);

static const char lab_yaml[] = "name: fl\n"
			       "networks:\n"
			       "  net:\n"
			       "    subnet: 10.78.0.0/24\n"
			       "nodes:\n"
			       "  a:\n"
			       "    network: net\n"
			       "    exec:\n"
			       "      - echo secret-output\n"
			       "  b:\n"
			       "    network: net\n";

/* Every entry under DIR (itself included) has mode DIRS if a directory, FILES if not. */
static bool modes_are(const char *dir, const char *dirs, const char *files)
{
	char *out = NULL;
	bool ok;

	ok = !run("find %s \\( -type d ! -perm %s \\) -o \\( ! -type d ! -perm %s \\) | "
		  "grep . && exit 1 || exit 0",
		  dir, dirs, files);
	if (!ok && !run_out(&out, "find %s -exec stat -c '%%a %%n' {} +", dir))
		cr_log_error("modes under %s:\n%s", dir, out);
	free(out);
	return ok;
}

/* `timeout 10 nsbpf ARGS`: exits 2 (not 124: no hang) and says WANT. */
static void refused(const char *want, const char *fmt, ...) PRINTF(2, 3);
static void refused(const char *want, const char *fmt, ...)
{
	char args[1024], *out = NULL;
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	st = run_out(&out, "timeout 10 %s %s 2>&1", nsbpf(), args);
	cr_assert_neq(st, 124, "nsbpf %s hung", args);
	cr_assert_eq(st, 2, "nsbpf %s: exit %d\n%s", args, st, out);
	cr_assert(strstr(out, want), "nsbpf %s: expected \"%s\" in\n%s", args, want, out);
	free(out);
}

/* Nothing of any lab was made: no namespace, no pin, no state. */
static bool nothing_created(void)
{
	return !run("test -z \"$(ls -A /run/netns)\"") &&
	       !run("test ! -e /sys/fs/bpf/nsbpf || test -z \"$(ls -A /sys/fs/bpf/nsbpf)\"") &&
	       !run("test -z \"$(ls -A /run/nsbpf)\"");
}

Test(files, state_is_root_only_whatever_the_umask)
{
	const char *f = lab_file("fl", lab_yaml);

	/* the harness's /run/nsbpf is 0755, as an older nsbpf made it */
	cr_assert_eq(run("umask 0; %s up %s", nsbpf(), f), 0);
	cr_assert_eq(run("grep -q secret-output /run/nsbpf/fl/exec-a.log"), 0);
	cr_assert_eq(run("test -s /run/nsbpf/fl/journal && test -s /run/nsbpf/fl/lab"), 0);
	cr_assert(modes_are("/run/nsbpf", "700", "600"));

	/* what an older nsbpf left is tightened when a command touches the lab */
	cr_assert_eq(run("chmod 0755 /run/nsbpf /run/nsbpf/fl && chmod 0644 /run/nsbpf/fl/*"), 0);
	cr_assert_eq(run("umask 0; %s up %s", nsbpf(), f), 0, "up again replaces the programs");
	cr_assert(modes_are("/run/nsbpf", "700", "600"));

	/* the pins: the kernel makes them 0600; root still reads them */
	cr_assert(modes_are("/sys/fs/bpf/nsbpf/fl", "700", "600"));
	cr_assert_eq(run("bpftool map dump pinned /sys/fs/bpf/nsbpf/fl/config >/dev/null"), 0);
	lab_down_ok("fl");
}

Test(files, up_on_a_fifo_is_refused_at_once)
{
	char fifo[512];

	snprintf(fifo, sizeof(fifo), "%s/lab.yaml", scratch_dir());
	cr_assert_eq(run("mkfifo %s", fifo), 0);
	/* no writer: a blocking open would wait for ever */
	refused("/lab.yaml: is a FIFO (named pipe), not a regular file", "up %s", fifo);
	refused("/lab.yaml: is a FIFO (named pipe), not a regular file", "up --dry-run %s", fifo);
	refused("/dev/zero: is a character device, not a regular file", "up /dev/zero");
	cr_assert(nothing_created());
}

Test(files, forward_file_must_be_regular)
{
	char fifo[512];

	lab_up_ok("fl", lab_yaml);
	snprintf(fifo, sizeof(fifo), "%s/fwds", scratch_dir());
	cr_assert_eq(run("mkfifo %s", fifo), 0);
	refused("forward add: /dev/zero: is a character device, not a regular file",
		"forward add fl --file /dev/zero");
	refused("/fwds: is a FIFO (named pipe), not a regular file", "forward add fl --file %s",
		fifo);
	refused("forward add: standard input: larger than the limit of 64 MiB",
		"forward add fl --file - < /dev/zero");
	cr_assert(nsbpf_json("forward list fl", ".labs[0].forwards | length == 0"),
		  "nothing was added");
	/* a pipe on standard input is still fine */
	cr_assert_eq(run("echo 'tcp 6000 a:80' | %s forward add fl --file -", nsbpf()), 0);
	cr_assert(nsbpf_json("forward list fl", ".labs[0].forwards | length == 1"));
	lab_down_ok("fl");
}

Test(files, a_60000_node_file_is_refused_by_the_node_limit)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/big.yaml", scratch_dir());
	cr_assert_eq(
		run("awk 'BEGIN { print \"name: big\\nnetworks:\\n  lan:\\n"
		    "    subnet: 10.0.0.0/8\\nnodes:\"; "
		    "for (i = 1; i <= 60000; i++) printf \"  n%%d:\\n    network: lan\\n\", i }' "
		    "> %s",
		    path),
		0);
	refused("big.yaml:8198:3: node \"n4097\": too many nodes: the limit is 4096", "up %s",
		path);
	refused("too many nodes: the limit is 4096", "up --dry-run %s", path);
	cr_assert(nothing_created());
}
