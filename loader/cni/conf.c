// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The CNI environment and network configuration (conf.h). */
#include <ctype.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cni/conf.h"

const char *const cni_versions[] = { "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0", NULL };

int cni_fail(struct cni_err *e, unsigned int code, const char *msg, const char *fmt, ...)
{
	va_list ap;

	e->code = code;
	snprintf(e->msg, sizeof(e->msg), "%s", msg);
	va_start(ap, fmt);
	vsnprintf(e->details, sizeof(e->details), fmt, ap);
	va_end(ap);
	return -1;
}

bool cni_version_supported(const char *v)
{
	for (int i = 0; cni_versions[i]; i++)
		if (!strcmp(v, cni_versions[i]))
			return true;
	return false;
}

bool cni_version_at_least(const char *v, int major, int minor)
{
	int ma = 0, mi = 0;

	if (sscanf(v, "%d.%d", &ma, &mi) != 2)
		return false;
	return ma > major || (ma == major && mi >= minor);
}

static const struct {
	const char *name;
	enum cni_cmd cmd;
} cmds[] = {
	{ "ADD", CNI_ADD },	    { "DEL", CNI_DEL }, { "CHECK", CNI_CHECK },
	{ "VERSION", CNI_VERSION }, { "GC", CNI_GC },	{ "STATUS", CNI_STATUS },
};

/* An interface name the kernel takes: 1..15 bytes, not . or .., no / : or space. */
static bool ifname_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n >= TOPO_IFNAMSIZ || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || isspace((unsigned char)*s))
			return false;
	return true;
}

/* The spec's container ID: alphanumeric, then also _ . - */
static bool container_ok(const char *s)
{
	if (!isalnum((unsigned char)*s) || strlen(s) > 255)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.-", *s))
			return false;
	return true;
}

static int need(const char *(*get)(const char *), const char *var, const char **out,
		struct cni_err *e)
{
	*out = get(var);
	if (!*out || !**out)
		return cni_fail(e, CNI_ERR_ENV, "missing environment variable", "%s is not set",
				var);
	return 0;
}

int cni_env_read(const char *(*get)(const char *), struct cni_env *env, struct cni_err *e)
{
	enum cni_cmd c;
	size_t i;

	memset(env, 0, sizeof(*env));
	env->netns = env->container = env->ifname = env->path = "";
	if (need(get, "CNI_COMMAND", &env->cmd_name, e))
		return -1;
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]) && strcmp(cmds[i].name, env->cmd_name); i++)
		;
	if (i == sizeof(cmds) / sizeof(cmds[0]))
		return cni_fail(
			e, CNI_ERR_ENV, "unknown CNI_COMMAND",
			"CNI_COMMAND \"%s\" is none of ADD, DEL, CHECK, VERSION, GC, STATUS",
			env->cmd_name);
	env->cmd = c = cmds[i].cmd;
	if (c == CNI_VERSION)
		return 0;
	if (need(get, "CNI_PATH", &env->path, e))
		return -1;
	if (c == CNI_GC || c == CNI_STATUS)
		return 0;
	if (need(get, "CNI_CONTAINERID", &env->container, e) ||
	    need(get, "CNI_IFNAME", &env->ifname, e))
		return -1;
	if (!container_ok(env->container))
		return cni_fail(
			e, CNI_ERR_ENV, "invalid CNI_CONTAINERID",
			"CNI_CONTAINERID \"%s\": alphanumeric, then also _ . - (at most 255)",
			env->container);
	if (!ifname_ok(env->ifname))
		return cni_fail(
			e, CNI_ERR_ENV, "invalid CNI_IFNAME",
			"CNI_IFNAME \"%s\" is no interface name (1 to 15 bytes, no / : or space)",
			env->ifname);
	if (c != CNI_DEL && need(get, "CNI_NETNS", &env->netns, e))
		return -1;
	if (!env->netns)
		env->netns = "";
	return 0;
}

void cni_names(const char *lab, const char *container, const char *ifname, char node[TOPO_NAME_MAX],
	       char hostif[TOPO_IFNAMSIZ])
{
	uint64_t h = 0xcbf29ce484222325ULL, g; /* FNV-1a 64 */
	const char *parts[5] = { lab, "/", container, "/", ifname };
	bool plain = strlen(container) >= 12 && !strcmp(ifname, "eth0");

	for (int p = 2; p < 5; p++)
		for (const char *s = parts[p]; *s; s++)
			h = (h ^ (uint8_t)*s) * 0x100000001b3ULL;
	for (int i = 0; plain && i < 12; i++)
		plain = islower((unsigned char)container[i]) ||
			isdigit((unsigned char)container[i]);
	if (plain)
		snprintf(node, TOPO_NAME_MAX, "%.12s", container);
	else
		snprintf(node, TOPO_NAME_MAX, "c%012llx", (unsigned long long)(h >> 16));
	g = h;
	for (const char *s = lab; *s; s++)
		g = (g ^ (uint8_t)*s) * 0x100000001b3ULL;
	snprintf(hostif, TOPO_IFNAMSIZ, "nsb%012llx", (unsigned long long)(g >> 16));
}
