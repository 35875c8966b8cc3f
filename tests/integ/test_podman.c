// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A real runtime: Debian's podman with its CNI backend runs the nsbpf plugin
 * for a network "labnet" (scripts/podman-env.sh: podman's storage, config,
 * CNI config dir and a busybox image imported from a local rootfs, all in
 * the scratch dir; every podman call bounded by scripts/podman.sh).
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "harness.h"

TestSuite(podman, .init = harness_enter, .fini = harness_leave, .timeout = 300);

#define IMAGE "localhost/nsbpf-bb:1"

/* podman ARGS in the test's podman; its exit status (logged with stderr when not 0), stdout into *out when OUT. */
static int pm(char **out, const char *fmt, ...) PRINTF(2, 3);
static int pm(char **out, const char *fmt, ...)
{
	char args[2048], *mine = NULL, *err = NULL;
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	st = script_out(out ? out : &mine, "podman.sh %s/podman %s 2>%s/podman.err", scratch_dir(),
			args, scratch_dir());
	if (st) {
		run_out(&err, "cat %s/podman.err", scratch_dir());
		cr_log_info("podman %s -> %d\n%s%s", args, st, out ? *out : mine, err);
		free(err);
	}
	free(mine);
	return st;
}

/* The plugin: $NSBPF_CNI, else nsbpf-cni next to $NSBPF (absolute: podman runs it). */
static void podman_env(void)
{
	const char *env = getenv("NSBPF_CNI");
	char plugin[PATH_MAX], path[PATH_MAX];

	if (run("command -v podman >/dev/null"))
		cr_skip_test("podman is not installed (scripts/install-deps.sh installs it)");
	if (env && *env)
		snprintf(path, sizeof(path), "%s", env);
	else
		snprintf(path, sizeof(path), "%s-cni", nsbpf());
	cr_assert(realpath(path, plugin) != NULL, "the CNI plugin %s", path);
	cr_assert_eq(script("podman-env.sh %s/podman %s", scratch_dir(), plugin), 0,
		     "podman's environment and image");
}

/* `podman inspect -f FIELD CTR`'s first word, into BUF of 64. */
static const char *inspect(const char *ctr, const char *field, char *buf)
{
	char *out = NULL;

	cr_assert_eq(pm(&out, "inspect -f '{{%s}}' %s", field, ctr), 0);
	cr_assert_eq(sscanf(out, "%63s", buf), 1, "inspect %s %s: %s", field, ctr, out);
	free(out);
	return buf;
}

/* Nothing of the containers or labnet is left, in podman, nsbpf and the host. */
static void nothing_left(void)
{
	char *out = NULL;

	cr_assert_eq(pm(&out, "ps -aq"), 0);
	cr_assert_str_eq(out, "", "podman lists no container");
	free(out);
	cr_assert(wait_for(10000, "! pgrep -f '[c]onmon.*%s/podman' >/dev/null", scratch_dir()),
		  "the containers' conmon and processes exited");
	cr_assert(lab_gone("labnet"));
	nsbpf_says(0, "no labs are up", "status");
	cr_assert_neq(run("ip -o link show | grep ' nsb'"), 0, "no host end is left");
	cr_assert_eq(run("test \"$(ls /run/netns)\" = world"), 0, "the containers' netns went");
	cr_assert_neq(run("ls %s/podman/ipam/labnet | grep -q '^10\\.'", scratch_dir()), 0,
		      "host-local holds no address");
	cr_assert(host_untouched());
}

static void world_www(void)
{
	run("mkdir -p %s/www && printf page-of-world >%s/www/index.html", scratch_dir(),
	    scratch_dir());
	serve("world", "t", 8000, "http-world.log",
	      "python3 -m http.server 8000 --directory %s/www", scratch_dir());
}

Test(podman, two_containers_a_published_port_and_nothing_left_after_rm)
{
	char *out = NULL, b[64], b_id[64];

	world_up();
	podman_env();
	cr_assert_eq(pm(&out, "network ls --format '{{.Name}} {{.Driver}}'"), 0);
	cr_assert(strstr(out, "labnet nsbpf\n"),
		  "podman took labnet's configuration (a plugin failing VERSION is skipped): %s",
		  out);
	free(out);
	cr_assert_eq(pm(NULL, "run -d --pull never --name b --network labnet -p 8080:80 " IMAGE
			      " httpd -f -p 80 -h /www"),
		     0);
	cr_assert_eq(pm(NULL, "run -d --pull never --name a --network labnet " IMAGE " sleep 300"),
		     0);
	cr_assert_eq(pm(&out, "ps -q --no-trunc | cut -c1-12 | sort | paste -sd' '"), 0);
	cr_assert(nsbpf_json("status labnet",
			     "[.labs[0].nodes[].name] | sort | join(\" \") == \"%.*s\"",
			     (int)strcspn(out, "\n"), out),
		  "labnet's nodes are the containers (podman ps: %s)", out);
	free(out);
	inspect("b", ".Id", b_id);
	cr_assert(nsbpf_json("forward list labnet",
			     ".labs[0].forwards | length == 1 and .[0].port == 8080 and "
			     ".[0].to_port == 80 and .[0].node == \"%.12s\"",
			     b_id),
		  "b's published port is a forward to b");
	inspect("b", ".NetworkSettings.Networks.labnet.IPAddress", b);
	cr_assert_eq(strncmp(b, "10.88.", 6), 0, "b's address %s is labnet's", b);

	cr_assert_eq(pm(&out, "exec a wget -qO- http://%s/", b), 0, "a reaches b");
	cr_assert_str_eq(out, "page-of-b\n");
	free(out);
	world_www();
	cr_assert_eq(pm(&out, "exec a wget -qO- http://192.0.2.2:8000/"), 0, "a, the world");
	cr_assert_str_eq(out, "page-of-world");
	free(out);
	cr_assert_eq(run("grep -q '^192.0.2.1 ' %s/http-world.log", scratch_dir()), 0,
		     "the world sees the masqueraded address");
	expect_fetch("world", "http://192.0.2.1:8080/", "page-of-b\n");
	expect_fetch(NULL, "http://127.0.0.1:8080/", "page-of-b\n");
	cr_assert(stat_path("labnet", "snat") > 0);

	cr_assert_eq(pm(NULL, "rm -f -t 0 a b"), 0);
	nothing_left();
}
