// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A batch of 40,000 forwards (`forward add|del LAB --file`) is all or none
 * also when interrupted: SIGTERM at several points leaves none of an add
 * and all of a del, and the retry succeeds; after kill -9 mid-batch a half
 * batch is live until the next command, which undoes it and says so. The
 * points are found by watching the batch's journal and its first entry,
 * not by guessing times. The attach mode plays no part: auto only.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "harness.h"
#include "nsbpf_maps.h"

TestSuite(forward_batch, .init = harness_enter, .fini = harness_leave, .timeout = 240);

/* One node, one forward of the file's own (it must outlive every batch). */
static const char moons[] = "name: moons\n"
			    "networks:\n"
			    "  orbit:\n"
			    "    subnet: 10.20.0.0/16\n"
			    "nodes:\n"
			    "  io:\n"
			    "    network: orbit\n"
			    "    ip: 10.20.0.10\n"
			    "forwards:\n"
			    "  - {proto: tcp, port: 6000, to: io:8080}\n";

#define BATCH	   40000
#define FIRST_PORT 10000 /* tcp and udp 10000..29999, in file order */
#define LAST_PORT  (FIRST_PORT + BATCH / 2 - 1)
#define JOURNAL	   "/run/nsbpf/moons/batch"
#define FORWARDS   "/sys/fs/bpf/nsbpf/moons/forwards"
#define WAIT_MS	   10000

static char file[256];

/* The lab up and the batch file written: BATCH lines, tcp then udp per port. */
static void setup(void)
{
	FILE *f;

	world_up();
	lab_up_ok("moons", moons);
	snprintf(file, sizeof(file), "%s/batch", scratch_dir());
	f = fopen(file, "w");
	cr_assert(f, "%s", file);
	for (int p = FIRST_PORT; p <= LAST_PORT; p++)
		fprintf(f, "tcp %d io:8080\nudp %d io:8080\n", p, p);
	cr_assert_eq(fclose(f), 0);
}

/* `forward list moons` shows N forwards (the CLI's view, through -j and jq). */
static bool forwards_are(int n)
{
	return nsbpf_json("forward list moons", ".labs[0].forwards | length == %d", n);
}

/* Is there an entry for PROTO PORT in the pinned map (read without nsbpf)? */
static bool entry_there(int proto, int port)
{
	struct nsb_fwd_key k = { .port = htons((uint16_t)port), .proto = (uint8_t)proto };
	struct nsb_fwd_val v;
	int fd = bpf_obj_get(FORWARDS);
	bool there;

	cr_assert_geq(fd, 0, "open %s", FORWARDS);
	there = !bpf_map_lookup_elem(fd, &k, &v);
	close(fd);
	return there;
}

/* The batch's first entry is in the map, its last is not: half a batch is live. */
static bool half_batch_live(void)
{
	return entry_there(IPPROTO_TCP, FIRST_PORT) && !entry_there(IPPROTO_UDP, LAST_PORT);
}

static bool file_there(const char *path)
{
	struct stat st;

	return !stat(path, &st);
}

/* `nsbpf forward OP moons --file FILE` in the background, output into LOG. */
static pid_t start(const char *op, const char *log)
{
	char path[512];
	pid_t pid = fork();

	cr_assert_geq(pid, 0, "fork");
	if (!pid) {
		int fd;

		snprintf(path, sizeof(path), "%s/%s", scratch_dir(), log);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		/* as from a terminal: a background job of a script would ignore SIGINT */
		signal(SIGINT, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		execl(nsbpf(), "nsbpf", "forward", op, "moons", "--file", file, (char *)NULL);
		_exit(127);
	}
	return pid;
}

enum point {
	AT_START,   /* a time after the start (the file is still being read) */
	AT_SAVING,  /* the journal is being written */
	AT_JOURNAL, /* the journal is in place */
	AT_ENTRY,   /* the batch changed its first entry (add: in, del: out) */
};

/* Poll until the point is reached (or the command ended): true when reached. */
static bool wait_point(pid_t pid, enum point at, bool del)
{
	long long end = now_ms() + WAIT_MS;

	while (now_ms() < end && waitpid(pid, NULL, WNOHANG) == 0) {
		if (at == AT_SAVING && file_there(JOURNAL ".tmp"))
			return true;
		if (at == AT_JOURNAL && file_there(JOURNAL))
			return true;
		if (at == AT_ENTRY && file_there(JOURNAL) &&
		    entry_there(IPPROTO_TCP, FIRST_PORT) == !del)
			return true;
		usleep(100);
	}
	return false;
}

/*
 * `forward OP --file` hit by SIG MS milliseconds after the point AT (from
 * the start for AT_START): its wait status. The point must be reached.
 */
static int interrupt(const char *op, enum point at, int ms, int sig, const char *log)
{
	pid_t pid = start(op, log);
	int status;

	if (at != AT_START)
		cr_assert(wait_point(pid, at, !strcmp(op, "del")), "%s: point %d not reached", op,
			  at);
	usleep((useconds_t)ms * 1000);
	kill(pid, sig);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	return status;
}

/* The scratch file LOG says WANT. */
static bool log_says(const char *log, const char *want)
{
	return !run("grep -qF '%s' %s/%s", want, scratch_dir(), log);
}

/* The batch's forwards, added uninterrupted (the retry) and checked; then deleted again. */
static void retry_add_then_del(void)
{
	cr_assert_eq(nsbpf_run("forward add moons --file %s", file), 0, "the retry");
	cr_assert(forwards_are(1 + BATCH));
	cr_assert_eq(nsbpf_run("forward del moons --file %s", file), 0);
	cr_assert(forwards_are(1));
}

Test(forward_batch, sigterm_during_an_add_leaves_none_and_the_retry_succeeds)
{
	static const struct {
		enum point at;
		int ms, sig;
	} points[] = { { AT_START, 50, SIGTERM }, { AT_JOURNAL, 0, SIGTERM },
		       { AT_ENTRY, 0, SIGTERM },  { AT_ENTRY, 70, SIGTERM },
		       { AT_ENTRY, 5, SIGINT },	  { AT_ENTRY, 10, SIGHUP } };
	int interrupted = 0;

	setup();
	for (size_t i = 0; i < sizeof(points) / sizeof(points[0]); i++) {
		int st = interrupt("add", points[i].at, points[i].ms, points[i].sig, "add.log");

		cr_log_info("point %zu: status %#x", i, st);
		cr_assert(!file_there(JOURNAL), "point %zu: the journal is gone", i);
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
			/* the signal came after the commit: all of it */
			cr_assert(forwards_are(1 + BATCH), "point %zu", i);
			cr_assert_eq(nsbpf_run("forward del moons --file %s", file), 0);
			continue;
		}
		/* undone, then dead of the signal, as a shell expects */
		cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == points[i].sig, "point %zu: status %#x",
			  i, st);
		if (points[i].at != AT_START) {
			interrupted++;
			cr_assert(log_says("add.log", "forward add: interrupted, nothing changed"));
		}
		cr_assert(!entry_there(IPPROTO_TCP, FIRST_PORT), "point %zu: none left", i);
		cr_assert(forwards_are(1), "point %zu: the file's forward alone", i);
		retry_add_then_del();
	}
	/* the points in the batch did interrupt it (its changes take ~90 ms here) */
	cr_assert_geq(interrupted, 3);
	lab_down_ok("moons");
}

Test(forward_batch, kill9_during_an_add_is_undone_by_the_next_command)
{
	static const int ms[] = { 0, 30 };
	char *out = NULL;
	int halves = 0;

	setup();
	for (size_t i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
		interrupt("add", AT_ENTRY, ms[i], SIGKILL, "add.log");
		if (!file_there(JOURNAL)) { /* it committed before the kill */
			cr_assert(forwards_are(1 + BATCH), "kill %zu", i);
			cr_assert_eq(nsbpf_run("forward del moons --file %s", file), 0);
			continue;
		}
		cr_assert(half_batch_live(), "kill %zu: a half batch is live", i);
		halves++;
		/* the next command, whatever it is, undoes it first and says so */
		cr_assert_eq(nsbpf_out(&out, "forward list moons -j 2>&1 >/dev/null"), 0);
		cr_assert(strstr(out,
				 "lab moons: undid an interrupted forward batch of 40000 forwards"),
			  "%s", out);
		free(out);
		out = NULL;
		cr_assert(!file_there(JOURNAL));
		cr_assert(!entry_there(IPPROTO_TCP, FIRST_PORT), "kill %zu: none left", i);
		cr_assert(forwards_are(1), "kill %zu", i);
		retry_add_then_del();
	}
	cr_assert_geq(halves, 1, "a kill hit the batch half way");
	/* killed while the journal is written: nothing was changed, the retry succeeds */
	interrupt("add", AT_SAVING, 0, SIGKILL, "add.log");
	cr_assert_eq(nsbpf_run("status moons >/dev/null"), 0);
	cr_assert(!file_there(JOURNAL));
	cr_assert(forwards_are(1) || forwards_are(1 + BATCH), "none or all");
	if (forwards_are(1))
		cr_assert_eq(nsbpf_run("forward add moons --file %s", file), 0);
	cr_assert(!file_there(JOURNAL ".tmp"), "a half-written journal is cleaned up");
	cr_assert(forwards_are(1 + BATCH));
	lab_down_ok("moons");
}

Test(forward_batch, an_interrupted_del_leaves_all_and_the_retry_removes_all)
{
	char *out = NULL;
	int st;

	setup();
	cr_assert_eq(nsbpf_run("forward add moons --file %s", file), 0);
	/* SIGTERM as the journal appears and once entries are going */
	st = interrupt("del", AT_JOURNAL, 0, SIGTERM, "del.log");
	cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "status %#x", st);
	cr_assert(log_says("del.log", "forward del: interrupted, nothing changed"));
	cr_assert(forwards_are(1 + BATCH));
	st = interrupt("del", AT_ENTRY, 0, SIGTERM, "del.log");
	cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "status %#x", st);
	cr_assert(!file_there(JOURNAL));
	cr_assert(forwards_are(1 + BATCH), "all 40000 back");
	/* kill -9 once entries are gone: back with the next command */
	interrupt("del", AT_ENTRY, 0, SIGKILL, "del.log");
	cr_assert(file_there(JOURNAL));
	cr_assert(!entry_there(IPPROTO_TCP, FIRST_PORT) && entry_there(IPPROTO_UDP, LAST_PORT),
		  "half of the del is live");
	cr_assert_eq(nsbpf_out(&out, "status moons 2>&1 >/dev/null"), 0);
	cr_assert(strstr(out, "undid an interrupted forward batch of 40000 forwards"), "%s", out);
	free(out);
	cr_assert(entry_there(IPPROTO_TCP, FIRST_PORT), "the deleted entries are back");
	cr_assert(forwards_are(1 + BATCH));
	cr_assert(nsbpf_json("forward list moons",
			     "[.labs[0].forwards[] | select(.port == %d)] | length == 2 and "
			     "all(.node == \"io\" and .to_port == 8080)",
			     FIRST_PORT));
	/* uninterrupted, they all go, and the file's own forward stays */
	cr_assert_eq(nsbpf_run("forward del moons --file %s", file), 0);
	cr_assert(forwards_are(1));
	cr_assert(nsbpf_json("forward list moons", ".labs[0].forwards[0].port == 6000"));
	lab_down_ok("moons");
}

Test(forward_batch, del_file_is_all_or_none_on_bad_lines)
{
	const char *d = scratch_dir();

	world_up();
	lab_up_ok("moons", moons);
	cr_assert_eq(nsbpf_run("forward add moons tcp 7000-7001 io:80-81"), 0);
	cr_assert_eq(nsbpf_run("forward add moons udp 7000 io:53"), 0);
	/* a forward that is not there: nothing deleted */
	cr_assert_eq(run("printf 'tcp 7000-7001\\nudp 7001\\n' > %s/del1", d), 0);
	nsbpf_says(1, "del1:2: lab moons has no forward udp 7001",
		   "forward del moons --file %s/del1", d);
	cr_assert(forwards_are(3));
	/* part of a range, a forward named twice, a target that is not its own */
	cr_assert_eq(
		run("printf 'tcp 7000\\nudp 7000\\nudp 7000 io:54\\n# c\\nudp 7000\\n' > %s/del2",
		    d),
		0);
	nsbpf_says(-1, "del2:1: tcp 7000 is part of a larger forward",
		   "forward del moons --file %s/del2", d);
	nsbpf_says(-1, "del2:3: udp 7000 -> io:54: the forward leads elsewhere",
		   "forward del moons --file %s/del2", d);
	nsbpf_says(2, "del2:5: udp 7000 is named more than once",
		   "forward del moons --file %s/del2", d);
	cr_assert(forwards_are(3));
	/* the lines add took (NODE:PORT checked), from standard input */
	cr_assert_eq(
		run("printf 'tcp 7000-7001 io:80-81\\nudp 7000\\n' | %s forward del moons --file -",
		    nsbpf()),
		0);
	cr_assert(forwards_are(1));
	lab_down_ok("moons");
}
