// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of the CNI plugin's input: environment, network configuration, names. */
#include <netinet/in.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "cni/conf.h"

static const char *env_vals[16][2];

static const char *fake_env(const char *name)
{
	for (int i = 0; env_vals[i][0]; i++)
		if (!strcmp(env_vals[i][0], name))
			return env_vals[i][1];
	return NULL;
}

static void set_env(const char *cmd, const char *id, const char *netns, const char *ifname)
{
	memset(env_vals, 0, sizeof(env_vals));
	env_vals[0][0] = "CNI_COMMAND", env_vals[0][1] = cmd;
	env_vals[1][0] = "CNI_CONTAINERID", env_vals[1][1] = id;
	env_vals[2][0] = "CNI_NETNS", env_vals[2][1] = netns;
	env_vals[3][0] = "CNI_IFNAME", env_vals[3][1] = ifname;
	env_vals[4][0] = "CNI_PATH", env_vals[4][1] = "/usr/lib/cni";
}

Test(cni_conf, environment)
{
	struct cni_env env;
	struct cni_err e;

	set_env("ADD", "abc123", "/run/netns/x", "eth0");
	cr_assert_eq(cni_env_read(fake_env, &env, &e), 0);
	cr_assert_eq(env.cmd, CNI_ADD);
	cr_assert(eq(str, (char *)env.netns, "/run/netns/x"));
	set_env("ADD", "abc123", NULL, "eth0");
	cr_assert_eq(cni_env_read(fake_env, &env, &e), -1, "ADD needs CNI_NETNS");
	cr_assert_eq(e.code, 4);
	cr_assert(eq(str, e.details, "CNI_NETNS is not set"));
	set_env("DEL", "abc123", NULL, "eth0");
	cr_assert_eq(cni_env_read(fake_env, &env, &e), 0, "DEL does not");
	set_env("FROB", "abc123", "/x", "eth0");
	cr_assert_eq(cni_env_read(fake_env, &env, &e), -1);
	cr_assert_eq(e.code, 4);
	set_env("ADD", "-abc", "/x", "eth0");
	cr_assert_eq(cni_env_read(fake_env, &env, &e), -1, "an ID starts alphanumeric");
	set_env("ADD", "abc", "/x", "a/b");
	cr_assert_eq(cni_env_read(fake_env, &env, &e), -1, "no / in an interface name");
	set_env("ADD", "abc", "/x", "sixteen-chars-xx");
	cr_assert_eq(cni_env_read(fake_env, &env, &e), -1, "at most 15 bytes");
	set_env("VERSION", NULL, NULL, NULL);
	cr_assert_eq(cni_env_read(fake_env, &env, &e), 0, "VERSION needs nothing else");
}

static int parse(const char *text, enum cni_cmd cmd, struct cni_conf *c, struct cni_err *e)
{
	memset(e, 0, sizeof(*e));
	return cni_conf_parse(text, strlen(text), cmd, c, e);
}

Test(cni_conf, full)
{
	struct cni_conf c;
	struct cni_err e;

	cr_assert_eq(
		parse("{\"cniVersion\": \"1.0.0\", \"name\": \"labnet\", \"type\": \"nsbpf\","
		      " \"ipMasq\": true, \"uplink\": \"up0\","
		      " \"ipam\": {\"type\": \"host-local\", \"ranges\": [[{\"subnet\": "
		      "\"10.88.0.0/16\", \"gateway\": \"10.88.0.254\"}]]},"
		      " \"runtimeConfig\": {\"portMappings\": [{\"hostPort\": 8080, "
		      "\"containerPort\": 80, \"protocol\": \"udp\", \"hostIP\": \"127.0.0.1\"},"
		      " {\"hostPort\": 9000, \"containerPort\": 90}]}}",
		      CNI_ADD, &c, &e),
		0, "%s", e.details);
	cr_assert(eq(str, c.name, "labnet"));
	cr_assert(eq(str, c.ipam_type, "host-local"));
	cr_assert(eq(str, c.uplink, "up0"));
	cr_assert(c.ipmasq);
	cr_assert_eq(c.subnet, 0x0a580000u);
	cr_assert_eq(c.prefix, 16);
	cr_assert_eq(c.gateway, 0x0a5800feu);
	cr_assert_eq(c.n_ports, 2);
	cr_assert_eq(c.ports[0].proto, IPPROTO_UDP);
	cr_assert_eq(c.ports[0].host_ip, 0x7f000001u);
	cr_assert_eq(c.ports[1].proto, IPPROTO_TCP, "tcp by default");
	cr_assert_eq(c.ports[1].host_port, 9000);
	cni_conf_free(&c);
}

Test(cni_conf, subnet_sources)
{
	struct cni_conf c;
	struct cni_err e;

	cr_assert_eq(parse("{\"cniVersion\": \"0.4.0\", \"name\": \"n\", \"type\": \"nsbpf\","
			   " \"ipam\": {\"type\": \"host-local\", \"subnet\": \"10.1.0.0/24\"}}",
			   CNI_ADD, &c, &e),
		     0, "the IPAM's subnet (older host-local form)");
	cr_assert_eq(c.subnet, 0x0a010000u);
	cr_assert_eq(parse("{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"type\": \"nsbpf\","
			   " \"subnet\": \"10.2.0.0/16\", \"ipam\": {\"type\": \"dhcp\"}}",
			   CNI_ADD, &c, &e),
		     0, "our own subnet key, for IPAM plugins without one");
	cr_assert_eq(c.subnet, 0x0a020000u);
	cr_assert_eq(parse("{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"type\": \"nsbpf\","
			   " \"ipam\": {\"type\": \"dhcp\"}}",
			   CNI_ADD, &c, &e),
		     -1);
	cr_assert_eq(e.code, 7);
}

/* TEXT is refused with CODE, the details holding WANT. */
static void refused(const char *text, enum cni_cmd cmd, unsigned int code, const char *want)
{
	struct cni_conf c;
	struct cni_err e;

	cr_assert_eq(parse(text, cmd, &c, &e), -1, "%s", text);
	cr_assert_eq(e.code, code, "%s: code %u (%s)", text, e.code, e.details);
	cr_assert(strstr(e.details, want) != NULL, "%s: \"%s\" lacks \"%s\"", text, e.details,
		  want);
	cni_conf_free(&c);
}

#define IPAM "\"ipam\": {\"type\": \"host-local\", \"subnet\": \"10.1.0.0/24\"}"

Test(cni_conf, refused)
{
	refused("{\"cniVersion\": ", CNI_ADD, 6, "not JSON");
	refused("[1]", CNI_ADD, 6, "not a JSON object");
	refused("{\"cniVersion\": \"9.9.9\"}", CNI_ADD, 1, "\"9.9.9\" is not supported");
	refused("{\"cniVersion\": \"0.3.1\", \"name\": \"n\", \"type\": \"nsbpf\", " IPAM "}",
		CNI_CHECK, 1, "no command CHECK");
	refused("{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"type\": \"nsbpf\", " IPAM "}",
		CNI_GC, 1, "no command GC");
	refused("{\"cniVersion\": \"1.0.0\", \"type\": \"nsbpf\", " IPAM "}", CNI_ADD, 7,
		"\"name\" is missing");
	refused("{\"cniVersion\": \"1.0.0\", \"name\": \"Lab_Net\", \"type\": \"nsbpf\", " IPAM "}",
		CNI_ADD, 7, "[a-z0-9-]");
	refused("{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"type\": \"nsbpf\"}", CNI_ADD, 7,
		"\"ipam\" is missing");
	refused("{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"type\": \"nsbpf\", "
		"\"ipam\": {\"type\": \"host-local\", \"subnet\": \"fd00::/64\"}}",
		CNI_ADD, 7, "IPv6 is not supported");
	refused("{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"type\": \"nsbpf\", \"ipMasq\": 1, " IPAM
		"}",
		CNI_ADD, 7, "\"ipMasq\" must be true or false");
	refused("{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"type\": \"nsbpf\", " IPAM
		", \"remoteSubnets\": {}}",
		CNI_ADD, 7, "\"remoteSubnets\" must be a list");
	refused("{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"type\": \"nsbpf\", " IPAM
		", \"remoteSubnets\": [{\"subnet\": \"10.2.0.0/16\"}]}",
		CNI_ADD, 7, "remoteSubnets[0]: \"via\" is missing");
	refused("{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"type\": \"nsbpf\", " IPAM
		", \"remoteSubnets\": [{\"subnet\": \"10.2.0.1/16\", \"via\": \"192.0.2.12\"}]}",
		CNI_ADD, 7, "\"10.2.0.1/16\" is no IPv4 subnet");
	refused("{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"type\": \"nsbpf\", " IPAM
		", \"remoteSubnets\": [{\"subnet\": \"10.2.0.0/16\", \"via\": \"192.0.2\"}]}",
		CNI_ADD, 7, "\"192.0.2\" is no IPv4 address");
	refused("{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"type\": \"nsbpf\", " IPAM
		", \"remoteSubnets\": [{\"subnet\": \"10.0.0.0/8\", \"via\": \"192.0.2.12\"}]}",
		CNI_ADD, 7, "overlaps the network's own subnet");
	refused("{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"type\": \"nsbpf\", " IPAM
		", \"remoteSubnets\": [{\"subnet\": \"10.2.0.0/16\", \"via\": \"10.1.0.7\"}]}",
		CNI_ADD, 7, "in the network's own subnet");
	refused("{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"type\": \"nsbpf\", " IPAM
		", \"remoteSubnets\": [{\"subnet\": \"10.2.0.0/16\", \"via\": \"192.0.2.12\"},"
		" {\"subnet\": \"10.2.128.0/17\", \"via\": \"192.0.2.13\"}]}",
		CNI_ADD, 7,
		"remoteSubnets[1]: \"subnet\": 10.2.128.0/17 overlaps remoteSubnets[0]");
	refused("{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"type\": \"nsbpf\", " IPAM
		", \"runtimeConfig\": {\"portMappings\": [{\"hostPort\": 0, \"containerPort\": 80}]}}",
		CNI_ADD, 7, "hostPort and containerPort");
	refused("{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"type\": \"nsbpf\", " IPAM
		", \"runtimeConfig\": {\"portMappings\": [{\"hostPort\": 1, \"containerPort\": 80, "
		"\"protocol\": \"sctp\"}]}}",
		CNI_ADD, 7, "protocol \"sctp\"");
	refused("{\"cniVersion\": \"1.0.0\", \"cniVersion\": \"1.0.0\"}", CNI_ADD, 6, "duplicate");
}

Test(cni_conf, remote_subnets)
{
	struct cni_conf c;
	struct cni_err e;

	cr_assert_eq(
		parse("{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"type\": \"nsbpf\", " IPAM
		      ", \"remoteSubnets\": [{\"subnet\": \"10.89.0.0/16\", \"via\": "
		      "\"192.0.2.12\"}, {\"subnet\": \"10.90.1.0/24\", \"via\": \"192.0.2.13\"}]}",
		      CNI_ADD, &c, &e),
		0, "%s", e.details);
	cr_assert_eq(c.n_remotes, 2);
	cr_assert_eq(c.remotes[0].subnet, 0x0a590000);
	cr_assert_eq(c.remotes[0].prefix, 16);
	cr_assert_eq(c.remotes[0].via, 0xc000020c);
	cr_assert_eq(c.remotes[1].subnet, 0x0a5a0100);
	cr_assert_eq(c.remotes[1].prefix, 24);
	cni_conf_free(&c);
}

Test(cni_conf, prev_result_and_gc)
{
	struct cni_conf c;
	struct cni_err e;

	cr_assert_eq(parse("{\"cniVersion\": \"1.1.0\", \"name\": \"n\", \"type\": \"nsbpf\", " IPAM
			   ", \"prevResult\": {\"ips\": [{\"address\": \"fd00::5/64\"}, "
			   "{\"address\": \"10.1.0.5/24\"}]},"
			   " \"cni.dev/valid-attachments\": [{\"containerID\": \"a\", \"ifname\": "
			   "\"eth0\"}]}",
			   CNI_GC, &c, &e),
		     0, "%s", e.details);
	cr_assert(c.has_prev);
	cr_assert_eq(c.prev_ip, 0x0a010005u, "the first IPv4 address");
	cr_assert_eq(c.prev_prefix, 24);
	cr_assert_eq(c.n_valid, 1);
	cr_assert(eq(str, c.valid[0].container, "a"));
	cni_conf_free(&c);
}

Test(cni_conf, names)
{
	char node[TOPO_NAME_MAX], hostif[TOPO_IFNAMSIZ], node2[TOPO_NAME_MAX],
		hostif2[TOPO_IFNAMSIZ];

	cni_names("labnet", "0123456789abcdef0123", "eth0", node, hostif);
	cr_assert(eq(str, node, "0123456789ab"), "a runtime's ID: its short form");
	cr_assert_eq(strlen(hostif), 15);
	cr_assert_eq(strncmp(hostif, "nsb", 3), 0);
	cni_names("labnet", "0123456789abcdef0123", "net1", node2, hostif2);
	cr_assert(strcmp(node, node2) != 0 && strcmp(hostif, hostif2) != 0,
		  "another interface, other names");
	cni_names("labnet", "Pod_A", "eth0", node, hostif);
	cr_assert_eq(node[0], 'c', "an ID that is no node name: hashed");
	cr_assert_eq(strlen(node), 13);
	cni_names("labnet", "0123456789abcdef0123", "eth0", node, hostif);
	cni_names("other", "0123456789abcdef0123", "eth0", node2, hostif2);
	cr_assert(strcmp(hostif, hostif2) != 0, "host ends differ across networks");
}
