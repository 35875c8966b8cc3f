// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The integration harness: private namespaces, shell helpers, leak checks. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "harness.h"
#include "sys/netns.h"

static char scratch[128];

static void must(int ok, const char *what)
{
	if (!ok)
		cr_assert_fail("harness: %s: %s", what, strerror(errno));
}

void harness_enter(void)
{
	if (geteuid() != 0)
		cr_skip_test("integration tests need root (namespaces, bpf)");
	ino_t start = netns_self_ino();

	must(!unshare(CLONE_NEWNET | CLONE_NEWNS), "unshare(net, mount)");
	/* Never touch the machine's initial namespace, whatever happened above. */
	if (netns_is_initial() != 0 || netns_self_ino() == start)
		cr_assert_fail("harness: still in the machine's initial network namespace: refusing to run");
	must(!mount("", "/", NULL, MS_REC | MS_PRIVATE, NULL), "make / private");
	mkdir("/run/netns", 0755);
	mkdir("/run/nsbpf", 0755);
	must(!mount("tmpfs", "/run/netns", "tmpfs", 0, "mode=0755"), "tmpfs on /run/netns");
	must(!mount("tmpfs", "/run/nsbpf", "tmpfs", 0, "mode=0755"), "tmpfs on /run/nsbpf");
	must(!mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700"), "bpffs on /sys/fs/bpf");
	snprintf(scratch, sizeof(scratch), "/tmp/nsbpf-test.%d", getpid());
	must(!mkdir(scratch, 0700) || errno == EEXIST, "mkdir scratch");
	must(!mount("tmpfs", scratch, "tmpfs", 0, "mode=0700"), "tmpfs on scratch");
	run("ip link set lo up");
}

/* Every process living in the test's namespaces: the host one and those in /run/netns. */
static void kill_test_procs(void)
{
	ino_t inos[64];
	size_t n = 0;
	struct dirent *de;
	DIR *d = opendir("/run/netns");

	inos[n++] = netns_self_ino();
	while (d && (de = readdir(d)) && n < 64) {
		int fd;

		if (de->d_name[0] == '.')
			continue;
		fd = netns_open(de->d_name);
		if (fd < 0)
			continue;
		inos[n++] = netns_ino(fd);
		close(fd);
	}
	if (d)
		closedir(d);
	netns_kill_procs(inos, n, 2000);
}

/* Stop anything a test started in its namespaces, then drop the scratch dir. */
void harness_leave(void)
{
	char *out = NULL;

	if (!scratch[0])
		return;
	if (!run_out(&out, "ls /run/nsbpf") && out && out[0]) {
		char *save, *lab;

		for (lab = strtok_r(out, "\n", &save); lab; lab = strtok_r(NULL, "\n", &save))
			run("%s down %s >/dev/null 2>&1", nsbpf(), lab);
	}
	free(out);
	kill_test_procs();
	umount2(scratch, MNT_DETACH);
	rmdir(scratch);
}

static int run_va(char **out, const char *fmt, va_list ap)
{
	char cmd[4096], buf[4096];
	size_t len = 0, cap = 0;
	FILE *p;
	int st;

	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	if (out)
		*out = NULL;
	p = popen(cmd, "r");
	if (!p)
		return -1;
	for (;;) {
		size_t n = fread(buf, 1, sizeof(buf), p);

		if (!n)
			break;
		if (out) {
			if (len + n + 1 > cap) {
				cap = (len + n + 1) * 2;
				*out = realloc(*out, cap);
			}
			memcpy(*out + len, buf, n);
			len += n;
			(*out)[len] = '\0';
		}
	}
	st = pclose(p);
	if (out && !*out)
		*out = strdup("");
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

int run(const char *fmt, ...)
{
	char *out = NULL;
	char cmd[4096];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = run_out(&out, "%s 2>&1", cmd);
	if (st)
		cr_log_info("$ %s -> %d\n%s", cmd, st, out ? out : "");
	free(out);
	return st;
}

int run_out(char **out, const char *fmt, ...)
{
	va_list ap;
	int st;

	va_start(ap, fmt);
	st = run_va(out, fmt, ap);
	va_end(ap);
	return st;
}

const char *scratch_dir(void)
{
	return scratch;
}

const char *nsbpf(void)
{
	const char *p = getenv("NSBPF");

	return p && *p ? p : ".output/nsbpf";
}

const char *lab_file(const char *name, const char *yaml)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.yaml", scratch, name);
	f = fopen(path, "w");
	cr_assert(f, "write %s", path);
	fputs(yaml, f);
	fclose(f);
	return path;
}

bool lab_gone(const char *lab)
{
	char *out = NULL;
	bool gone = true;

	if (!run_out(&out, "ls /run/netns | grep '^%s-'", lab)) {
		cr_log_error("netns left behind:\n%s", out);
		gone = false;
	}
	free(out);
	if (!run_out(&out, "ip -o link show | grep ' %s-'", lab)) {
		cr_log_error("interfaces left behind:\n%s", out);
		gone = false;
	}
	free(out);
	if (!run("test ! -e /sys/fs/bpf/nsbpf/%s", lab)) {
	} else {
		cr_log_error("pins left in /sys/fs/bpf/nsbpf/%s", lab);
		gone = false;
	}
	if (run("test ! -e /run/nsbpf/%s", lab)) {
		cr_log_error("state left in /run/nsbpf/%s", lab);
		gone = false;
	}
	return gone;
}

bool host_untouched(void)
{
	char *out = NULL;
	bool ok = true;

	if (run_out(&out, "cat /proc/sys/net/ipv4/ip_forward") || strcmp(out, "0\n")) {
		cr_log_error("ip_forward is %s", out);
		ok = false;
	}
	free(out);
	/* nft's ruleset of our netns: empty means no rule of anyone's. */
	if (!run_out(&out, "nft list ruleset 2>/dev/null") && out[0]) {
		cr_log_error("nft ruleset is not empty:\n%s", out);
		ok = false;
	}
	free(out);
	if (!run_out(&out, "iptables-save 2>/dev/null | grep -v '^#' | grep -iE 'nsbpf|-A '") &&
	    out[0]) {
		cr_log_error("iptables rules:\n%s", out);
		ok = false;
	}
	free(out);
	if (!run_out(&out, "ip -o link show type bridge") && out[0]) {
		cr_log_error("bridges:\n%s", out);
		ok = false;
	}
	free(out);
	return ok;
}

long long stat_packets(const char *lab, const char *kind, const char *name)
{
	char *out = NULL;
	long long v = -1;

	if (!run_out(&out, "%s stats %s --json | jq -e '.%s.%s.packets'", nsbpf(), lab, kind,
		     name))
		v = strtoll(out, NULL, 10);
	free(out);
	return v;
}

void world_up(void)
{
	cr_assert_eq(run("ip netns add world && ip -n world link set lo up && "
			 "ip link add up0 type veth peer name eth0 netns world && "
			 "ip addr add 192.0.2.1/24 dev up0 && ip link set up0 up && "
			 "ip -n world addr add 192.0.2.2/24 dev eth0 && ip -n world link set eth0 up && "
			 "ip route add default via 192.0.2.2"), 0, "world namespace");
}

int bg(const char *log, const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return run("(%s) >%s/%s 2>&1 &", cmd, scratch, log);
}

int wait_listen(const char *netns, const char *proto, int port)
{
	return run("for i in $(seq 100); do ip netns exec %s ss -ln%s | grep -q ':%d ' && exit 0; "
		   "sleep 0.05; done; exit 1", netns, proto, port);
}
