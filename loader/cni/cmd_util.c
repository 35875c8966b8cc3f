// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* What the plugin's commands share: the lock, the endpoint records, forwards (cmd.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cni/cmd.h"
#include "lab/rules.h"
#include "sys/state.h"

int cni_lock(const char *net, struct cni_err *e)
{
	char path[256];
	int fd;

	if (mkdir(STATE_DIR, 0700) && errno != EEXIST)
		return cni_fail(e, CNI_ERR_IO, "I/O failure", "mkdir %s: %s", STATE_DIR,
				strerror(errno));
	/* hidden: no lab is named so, and state_list skips it */
	snprintf(path, sizeof(path), "%s/.cni-%s.lock", STATE_DIR, net);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX)) {
		cni_fail(e, CNI_ERR_IO, "I/O failure", "lock %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

void cni_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

static void rec_path(const char *lab, const char *node, char *buf, size_t len)
{
	char file[128];

	snprintf(file, sizeof(file), "cni-%s", node);
	state_path(lab, file, buf, len);
}

int cni_rec_write(const char *lab, const char *node, const struct cni_rec *r)
{
	char path[512];
	FILE *f;
	int fd;

	rec_path(lab, node, path, sizeof(path));
	fd = state_open(path, O_WRONLY | O_CREAT | O_TRUNC);
	if (fd < 0)
		return fd;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return -errno;
	}
	fprintf(f, "container %s\nifname %s\n", r->container, r->ifname);
	for (size_t i = 0; i < r->n_ports; i++)
		fprintf(f, "port %u %u %u %u\n", r->ports[i].proto, r->ports[i].host_ip,
			r->ports[i].host_port, r->ports[i].container_port);
	return fclose(f) ? -errno : 0;
}

int cni_rec_read(const char *lab, const char *node, struct cni_rec *r)
{
	char path[512], line[512];
	unsigned int a, b, c, d;
	FILE *f;

	memset(r, 0, sizeof(*r));
	rec_path(lab, node, path, sizeof(path));
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		struct cni_port *p = &r->ports[r->n_ports];

		if (sscanf(line, "container %255s", r->container) == 1 ||
		    sscanf(line, "ifname %15s", r->ifname) == 1)
			continue;
		if (r->n_ports < CNI_PORTS_MAX &&
		    sscanf(line, "port %u %u %u %u", &a, &b, &c, &d) == 4) {
			*p = (struct cni_port){ (uint8_t)a, (uint16_t)c, (uint16_t)d, b };
			r->n_ports++;
		}
	}
	fclose(f);
	return 0;
}

void cni_rec_remove(const char *lab, const char *node)
{
	char path[512];

	rec_path(lab, node, path, sizeof(path));
	unlink(path);
}

int cni_lab_ours(const char *lab, struct cni_err *e)
{
	struct lab_info li;
	bool ours;

	if (!lab_exists(lab))
		return 0;
	if (lab_info_read(lab, &li))
		return cni_fail(
			e, CNI_ERR_INTERNAL, "internal error",
			"the lab of network %s is partly up (an interrupted ADD?): run \"nsbpf down %s\"",
			lab, lab);
	ours = !strncmp(li.file, CNI_LAB_FILE, strlen(CNI_LAB_FILE));
	lab_info_free(&li);
	if (!ours)
		return cni_fail(e, CNI_ERR_CONFIG, "invalid network config",
				"network %s: a lab of that name is up, not made by the CNI plugin",
				lab);
	return 1;
}
