// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The integration harness: private namespaces, shell helpers, leak checks, checksums. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
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
static char scripts[PATH_MAX];

static void must(int ok, const char *what)
{
	if (!ok)
		cr_assert_fail("harness: %s: %s", what, strerror(errno));
}

/* tests/integ/scripts: $NSBPF_TEST_SCRIPTS, or found from the binary (.output/tests/). */
static void find_scripts(void)
{
	const char *env = getenv("NSBPF_TEST_SCRIPTS");
	char exe[PATH_MAX], path[PATH_MAX + 64];
	ssize_t n;

	if (env && *env) {
		snprintf(scripts, sizeof(scripts), "%s", env);
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	must(n > 0, "readlink /proc/self/exe");
	exe[n] = '\0';
	snprintf(path, sizeof(path), "%s/../../tests/integ/scripts", dirname(exe));
	must(realpath(path, scripts) != NULL, "tests/integ/scripts (set NSBPF_TEST_SCRIPTS)");
}

void harness_enter(void)
{
	if (geteuid() != 0)
		cr_skip_test("integration tests need root (namespaces, bpf)");
	ino_t start = netns_self_ino();

	must(!unshare(CLONE_NEWNET | CLONE_NEWNS), "unshare(net, mount)");
	/* Never touch the machine's initial namespace, whatever happened above. */
	if (netns_is_initial() != 0 || netns_self_ino() == start)
		cr_assert_fail("harness: still in the machine's initial network namespace: "
			       "refusing to run");
	find_scripts();
	must(!mount("", "/", NULL, MS_REC | MS_PRIVATE, NULL), "make / private");
	mkdir("/run/netns", 0755);
	mkdir("/run/nsbpf", 0755);
	must(!mount("tmpfs", "/run/netns", "tmpfs", 0, "mode=0755"), "tmpfs on /run/netns");
	must(!mount("tmpfs", "/run/nsbpf", "tmpfs", 0, "mode=0755"), "tmpfs on /run/nsbpf");
	must(!mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700"), "bpffs on /sys/fs/bpf");
	snprintf(scratch, sizeof(scratch), "/tmp/nsbpf-test.%d", getpid());
	must(!mkdir(scratch, 0700) || errno == EEXIST, "mkdir scratch");
	must(!mount("tmpfs", scratch, "tmpfs", 0, "mode=0700"), "tmpfs on scratch");
	/* a test that skips itself (cr_skip_test) never reaches its suite's .fini */
	atexit(harness_leave);
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
	scratch[0] = '\0'; /* done: the atexit call after a .fini has nothing left to do */
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

static int run_vfmt(char **out, const char *prefix, const char *fmt, va_list ap)
{
	char cmd[4096];

	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	return out ? run_out(out, "%s%s", prefix, cmd) : run("%s%s", prefix, cmd);
}

static const char *ns_prefix(const char *netns, char *buf, size_t size)
{
	if (!netns)
		return "";
	snprintf(buf, size, "ip netns exec %s ", netns);
	return buf;
}

int in_ns(const char *netns, const char *fmt, ...)
{
	char pre[128];
	va_list ap;
	int st;

	va_start(ap, fmt);
	st = run_vfmt(NULL, ns_prefix(netns, pre, sizeof(pre)), fmt, ap);
	va_end(ap);
	return st;
}

int in_ns_out(char **out, const char *netns, const char *fmt, ...)
{
	char pre[128];
	va_list ap;
	int st;

	va_start(ap, fmt);
	st = run_vfmt(out, ns_prefix(netns, pre, sizeof(pre)), fmt, ap);
	va_end(ap);
	return st;
}

int script(const char *fmt, ...)
{
	char pre[PATH_MAX + 1];
	va_list ap;
	int st;

	snprintf(pre, sizeof(pre), "%s/", scripts);
	va_start(ap, fmt);
	st = run_vfmt(NULL, pre, fmt, ap);
	va_end(ap);
	return st;
}

int script_out(char **out, const char *fmt, ...)
{
	char pre[PATH_MAX + 1];
	va_list ap;
	int st;

	snprintf(pre, sizeof(pre), "%s/", scripts);
	va_start(ap, fmt);
	st = run_vfmt(out, pre, fmt, ap);
	va_end(ap);
	return st;
}

const char *script_path(const char *name)
{
	static char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", scripts, name);
	return path;
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
	if (run("test ! -e /sys/fs/bpf/nsbpf/%s", lab)) {
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

uint32_t csum_add(uint32_t sum, const void *p, size_t len)
{
	const uint8_t *b = p;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	return sum;
}

uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}
