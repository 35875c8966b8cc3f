// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The IPAM plugin, run as the runtime runs us (ipam.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cni/ipam.h"

int cni_ipam_find(const char *cni_path, const char *type, char *out, size_t len, struct cni_err *e)
{
	const char *p = cni_path;

	while (*p) {
		size_t n = strcspn(p, ":");

		if (n && (size_t)snprintf(out, len, "%.*s/%s", (int)n, p, type) < len &&
		    !access(out, X_OK))
			return 0;
		p += n + (p[n] == ':');
	}
	return cni_fail(e, CNI_ERR_CONFIG, "IPAM plugin not found",
			"ipam: \"type\": no plugin \"%s\" in CNI_PATH (%s)", type, cni_path);
}

static void child(const char *bin, const char *cmd, const char *container, const char *ifname,
		  int in, int out)
{
	dup2(in, 0);
	dup2(out, 1);
	if (in > 1)
		close(in);
	if (out > 1)
		close(out);
	setenv("CNI_COMMAND", cmd, 1);
	if (container)
		setenv("CNI_CONTAINERID", container, 1);
	if (ifname)
		setenv("CNI_IFNAME", ifname, 1);
	execl(bin, bin, (char *)NULL);
	_exit(127);
}

/* Feed stdin, collect stdout (malloc'd, NUL-terminated), wait: the exit status or -errno. */
static int talk(pid_t pid, int in, int out, const char *text, size_t len, char **got)
{
	size_t n = 0, cap = 4096;
	char *buf = malloc(cap);
	ssize_t r;
	int st;

	signal(SIGPIPE, SIG_IGN);
	for (size_t off = 0; off < len; off += (size_t)r) {
		r = write(in, text + off, len - off);
		if (r <= 0)
			break;
	}
	close(in);
	while (buf && (r = read(out, buf + n, cap - n - 1)) > 0) {
		n += (size_t)r;
		if (cap - n < 2) {
			char *grown = realloc(buf, cap *= 2);

			if (!grown)
				free(buf);
			buf = grown;
		}
	}
	close(out);
	if (buf)
		buf[n] = '\0';
	*got = buf;
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The IPAM plugin's own error document, passed on as ours. */
static int ipam_error(const char *type, const char *cmd, int status, const char *out,
		      struct cni_err *e)
{
	json_t *doc = out ? json_loads(out, 0, NULL) : NULL;
	const char *msg = json_string_value(json_object_get(doc, "msg"));
	const char *det = json_string_value(json_object_get(doc, "details"));
	json_int_t code = json_integer_value(json_object_get(doc, "code"));

	cni_fail(e, code > 0 ? (unsigned int)code : CNI_ERR_INTERNAL, "IPAM plugin failed",
		 "ipam plugin %s %s: %s%s%s (exit status %d)", type, cmd, msg ? msg : "failed",
		 det && *det ? ": " : "", det ? det : "", status);
	if (msg)
		snprintf(e->msg, sizeof(e->msg), "%s", msg);
	json_decref(doc);
	return -1;
}

static int run_once(const struct cni_env *env, const struct cni_conf *conf, const char *cmd,
		    const char *container, const char *ifname, const char *stdin_text,
		    size_t stdin_len, json_t **res, struct cni_err *e)
{
	int in[2], out[2], status;
	char bin[4096], *got = NULL;
	pid_t pid;

	if (cni_ipam_find(env->path, conf->ipam_type, bin, sizeof(bin), e))
		return -1;
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC))
		return cni_fail(e, CNI_ERR_IO, "I/O failure", "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		return cni_fail(e, CNI_ERR_IO, "I/O failure", "fork: %s", strerror(errno));
	if (!pid)
		child(bin, cmd, container, ifname, in[0], out[1]);
	close(in[0]);
	close(out[1]);
	status = talk(pid, in[1], out[0], stdin_text, stdin_len, &got);
	if (status) {
		ipam_error(conf->ipam_type, cmd, status, got, e);
		free(got);
		return -1;
	}
	if (res) {
		*res = got ? json_loads(got, 0, NULL) : NULL;
		if (!json_is_object(*res)) {
			json_decref(*res);
			*res = NULL;
			free(got);
			return cni_fail(e, CNI_ERR_DECODE, "failed to decode content",
					"ipam plugin %s %s: its result is no JSON object",
					conf->ipam_type, cmd);
		}
	}
	free(got);
	return 0;
}

/* The configuration as 1.0.0 (malloc'd), for an IPAM plugin that does not speak 1.1.0. */
static char *as_1_0_0(const char *text, size_t len)
{
	json_t *doc = json_loadb(text, len, 0, NULL);
	char *out = NULL;

	if (doc && !json_object_set_new(doc, "cniVersion", json_string("1.0.0")))
		out = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	return out;
}

int cni_ipam_run(const struct cni_env *env, const struct cni_conf *conf, const char *cmd,
		 const char *container, const char *ifname, const char *stdin_text,
		 size_t stdin_len, json_t **res, struct cni_err *e)
{
	char *older;
	int err = run_once(env, conf, cmd, container, ifname, stdin_text, stdin_len, res, e);

	/* 1.1.0 changed no document the IPAM exchanges: Debian 12's host-local speaks 1.0.0 */
	if (!err || e->code != CNI_ERR_VERSION || strcmp(conf->version, "1.1.0"))
		return err;
	older = as_1_0_0(stdin_text, stdin_len);
	if (!older)
		return err;
	err = run_once(env, conf, cmd, container, ifname, older, strlen(older), res, e);
	free(older);
	return err;
}
