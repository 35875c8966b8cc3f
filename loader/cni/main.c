// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nsbpf-cni: the CNI plugin (installed as .../lib/cni/nsbpf). A runtime
 * runs it with CNI_COMMAND and the other CNI_* variables set and the
 * network configuration on stdin; the result or the error document goes to
 * stdout, logs to stderr (CNI spec 1.0.0; cmd.h for what each command does).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cni/cmd.h"
#include "cni/conf.h"

#define STDIN_MAX (1u << 20)

static const char *get_env(const char *name)
{
	return getenv(name);
}

/* All of stdin, NUL-terminated (at most STDIN_MAX): malloc'd, or NULL. */
static char *read_stdin(size_t *len)
{
	char *buf = malloc(STDIN_MAX + 1);
	ssize_t r;

	*len = 0;
	while (buf && *len < STDIN_MAX && (r = read(0, buf + *len, STDIN_MAX - *len)) > 0)
		*len += (size_t)r;
	if (buf)
		buf[*len] = '\0';
	return buf;
}

static void print_doc(json_t *doc)
{
	json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	fflush(stdout);
	json_decref(doc);
}

static int print_error(const char *version, const struct cni_err *e)
{
	json_t *doc = json_pack("{s:s, s:i, s:s}", "cniVersion", version[0] ? version : "1.0.0",
				"code", (int)e->code, "msg", e->msg);

	if (e->details[0])
		json_object_set_new(doc, "details", json_string(e->details));
	fprintf(stderr, "nsbpf-cni: %s: %s\n", e->msg, e->details);
	print_doc(doc);
	return 1;
}

/* VERSION: answered in the version asked about (1.0.0 when none). */
static int version(const char *text, size_t len)
{
	json_t *in = json_loadb(text, len, 0, NULL), *list = json_array();
	const char *v = json_string_value(json_object_get(in, "cniVersion"));
	json_t *doc = json_pack("{s:s}", "cniVersion", v && *v ? v : "1.0.0");

	for (int i = 0; cni_versions[i]; i++)
		json_array_append_new(list, json_string(cni_versions[i]));
	json_object_set_new(doc, "supportedVersions", list);
	json_decref(in);
	print_doc(doc);
	return 0;
}

/* The configuration's cniVersion for an error found before it is parsed ("" when none). */
static void peek_version(const char *text, size_t len, char *out, size_t size)
{
	json_t *in = json_loadb(text, len, 0, NULL);
	const char *v = json_string_value(json_object_get(in, "cniVersion"));

	snprintf(out, size, "%s", v && cni_version_supported(v) ? v : "");
	json_decref(in);
}

static int run(const struct cni_req *q, struct cni_err *e)
{
	json_t *out = NULL;

	switch (q->env->cmd) {
	case CNI_ADD:
		if (cni_add(q, &out, e))
			return -1;
		print_doc(out);
		return 0;
	case CNI_DEL:
		return cni_del(q, e);
	case CNI_CHECK:
		return cni_check(q, e);
	case CNI_GC:
		return cni_gc(q, e);
	case CNI_STATUS:
		return cni_status(q, e);
	case CNI_VERSION:
		break;
	}
	return 0;
}

int main(void)
{
	struct cni_err e = { 0 };
	struct cni_conf conf;
	struct cni_env env;
	struct cni_req q = { .env = &env, .conf = &conf };
	char ver[16];
	int err;

	q.text = read_stdin(&q.len);
	if (!q.text)
		return cni_fail(&e, CNI_ERR_IO, "I/O failure", "out of memory"),
		       print_error("", &e);
	if (cni_env_read(get_env, &env, &e)) {
		peek_version(q.text, q.len, ver, sizeof(ver));
		return print_error(ver, &e);
	}
	if (env.cmd == CNI_VERSION)
		return version(q.text, q.len);
	if (cni_conf_parse(q.text, q.len, env.cmd, &conf, &e))
		return print_error(conf.version, &e);
	err = run(&q, &e);
	cni_conf_free(&conf);
	return err ? print_error(conf.version, &e) : 0;
}
