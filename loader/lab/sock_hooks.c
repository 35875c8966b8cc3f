// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The cgroup sock_addr hooks that let the host itself reach forwarded ports
 * (127.0.0.1:6000, uplink-address:6000, and ::ffff:127.0.0.1:6000 from IPv6
 * sockets): every program of the sock object, attached to the root of the
 * cgroup v2 hierarchy as pinned links (cg_<program>). They act only in the
 * lab's host netns (the programs compare netns cookies), so the rest of the
 * machine is unaffected. Re-up updates the pinned links in place and links
 * (and journals, for down) a program the lab does not have yet, as the IPv6
 * hooks on a lab brought up before them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lab/datapath_internal.h"
#include "sys/pins.h"
#include "sys/tc.h"
#include "util/log.h"

#if __has_include("sock.skel.h")
#include "sock.skel.h"

/* The first cgroup2 mount in /proc/self/mountinfo. */
static int cgroup2_root(char *buf, size_t len)
{
	char line[1024], mnt[512], fstype[64];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int err = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		const char *sep = strstr(line, " - ");

		if (!sep || sscanf(line, "%*s %*s %*s %*s %511s", mnt) != 1 ||
		    sscanf(sep + 3, "%63s", fstype) != 1 || strcmp(fstype, "cgroup2"))
			continue;
		snprintf(buf, len, "%s", mnt);
		err = 0;
		break;
	}
	fclose(f);
	return err;
}

static int link_prog(struct bpf_program *prog, int cg_fd, const struct dp_run *r)
{
	char pin[512];

	snprintf(pin, sizeof(pin), "%s/cg_%s", r->dir, bpf_program__name(prog));
	return tc_link_pin(bpf_program__fd(prog), cg_fd, bpf_program__expected_attach_type(prog),
			   pin, r->j, r->reup);
}

int sock_hooks_up(const struct dp_run *r)
{
	struct nsbpf_sock *skel;
	struct bpf_program *prog;
	char cg[512];
	int cg_fd, err;

	err = cgroup2_root(cg, sizeof(cg));
	if (err) {
		pr_warn("no cgroup v2 mounted: forwards are not reachable from the host itself\n");
		return 0;
	}
	cg_fd = open(cg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg_fd < 0)
		return -errno;
	skel = nsbpf_sock__open();
	if (!skel) {
		err = -errno;
		goto out;
	}
	err = pins_object(skel->obj, r->dir, r->ct_entries, NULL);
	if (!err)
		err = nsbpf_sock__load(skel);
	if (err) {
		pr_warn("loading the socket hooks failed: %s (run with -vv for the verifier log)\n",
			strerror(-err));
		goto out;
	}
	bpf_object__for_each_program(prog, skel->obj) {
		err = link_prog(prog, cg_fd, r);
		if (err) {
			pr_warn("attach %s to cgroup %s: %s\n", bpf_program__name(prog), cg,
				strerror(-err));
			break;
		}
	}
out:
	nsbpf_sock__destroy(skel);
	close(cg_fd);
	return err;
}

#else /* !sock.skel.h */

int sock_hooks_up(const struct dp_run *r)
{
	(void)r;
	return 0;
}

#endif /* sock.skel.h */
