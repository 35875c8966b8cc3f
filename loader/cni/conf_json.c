// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* cni_conf_parse(): the network configuration's keys, one function a part (conf.h). */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cni/conf.h"

#define BAD(e, ...) cni_fail(e, CNI_ERR_CONFIG, "invalid network config", __VA_ARGS__)

/* An optional string member: NULL when absent; -1 (e) when it is not a string. */
static int opt_str(json_t *o, const char *key, const char **out, struct cni_err *e)
{
	json_t *v = json_object_get(o, key);

	*out = NULL;
	if (!v)
		return 0;
	if (!json_is_string(v))
		return BAD(e, "\"%s\" must be a string", key);
	*out = json_string_value(v);
	return 0;
}

static int req_str(json_t *o, const char *key, const char *where, const char **out,
		   struct cni_err *e)
{
	if (opt_str(o, key, out, e))
		return -1;
	if (!*out || !**out)
		return BAD(e, "%s\"%s\" is missing", where, key);
	return 0;
}

static int parse_name(json_t *root, struct cni_conf *c, struct cni_err *e)
{
	const char *s, *type;

	if (req_str(root, "name", "", &s, e) || req_str(root, "type", "", &type, e))
		return -1;
	if (topo_parse_name(s) || strlen(s) > 13)
		return BAD(
			e,
			"network name \"%s\": nsbpf names its lab after it: [a-z0-9-], starting and ending with a letter or digit, at most 13 characters",
			s);
	snprintf(c->name, sizeof(c->name), "%s", s);
	return 0;
}

/* "subnet" and "gateway" from o (the config, an IPAM range or the IPAM block). */
static int take_subnet(json_t *o, const char *where, struct cni_conf *c, struct cni_err *e)
{
	const char *sub, *gw;

	if (opt_str(o, "subnet", &sub, e) || opt_str(o, "gateway", &gw, e))
		return -1;
	if (!sub)
		return 0;
	if (topo_parse_cidr(sub, &c->subnet, &c->prefix))
		return BAD(
			e,
			"%s\"subnet\": \"%s\" is no IPv4 subnet (a.b.c.d/N, host bits zero; IPv6 is not supported yet)",
			where, sub);
	if (gw && topo_parse_ipv4(gw, &c->gateway))
		return BAD(e, "%s\"gateway\": \"%s\" is no IPv4 address", where, gw);
	return 1;
}

static int parse_ipam(json_t *root, struct cni_conf *c, struct cni_err *e)
{
	json_t *ipam = json_object_get(root, "ipam"), *r;
	const char *type;
	int got;

	if (!json_is_object(ipam))
		return BAD(
			e,
			"\"ipam\" is missing: nsbpf takes its addresses from an IPAM plugin (\"ipam\": {\"type\": \"host-local\", ...})");
	if (req_str(ipam, "type", "ipam: ", &type, e))
		return -1;
	if (strchr(type, '/') || strlen(type) >= sizeof(c->ipam_type))
		return BAD(e, "ipam: \"type\": \"%s\" is no plugin name", type);
	snprintf(c->ipam_type, sizeof(c->ipam_type), "%s", type);
	got = take_subnet(root, "", c, e);
	r = json_array_get(json_array_get(json_object_get(ipam, "ranges"), 0), 0);
	if (!got && json_is_object(r))
		got = take_subnet(r, "ipam: ranges[0][0]: ", c, e);
	if (!got)
		got = take_subnet(ipam, "ipam: ", c, e);
	if (got < 0)
		return -1;
	if (!got)
		return BAD(
			e,
			"the network's subnet is unknown: give \"subnet\", or \"ipam\" \"ranges\" or \"subnet\"");
	return 0;
}

static bool overlap(uint32_t a, uint8_t pa, uint32_t b, uint8_t pb)
{
	uint8_t p = pa < pb ? pa : pb;
	uint32_t m = p ? ~0U << (32 - p) : 0;

	return (a & m) == (b & m);
}

/* remoteSubnets[i]: a subnet of nobody else here, and an address to reach it through. */
static int parse_remote(json_t *o, size_t i, struct cni_conf *c, struct cni_err *e)
{
	struct cni_remote *r = &c->remotes[i];
	const char *sub, *via;
	char w[48];

	snprintf(w, sizeof(w), "remoteSubnets[%zu]: ", i);
	if (!json_is_object(o))
		return BAD(e, "%san object {\"subnet\": CIDR, \"via\": ADDRESS}", w);
	if (req_str(o, "subnet", w, &sub, e) || req_str(o, "via", w, &via, e))
		return -1;
	if (topo_parse_cidr(sub, &r->subnet, &r->prefix) || !r->prefix)
		return BAD(
			e,
			"%s\"subnet\": \"%s\" is no IPv4 subnet (a.b.c.d/N, N 1..32, host bits zero)",
			w, sub);
	if (topo_parse_ipv4(via, &r->via) || !r->via)
		return BAD(e, "%s\"via\": \"%s\" is no IPv4 address", w, via);
	if (overlap(r->subnet, r->prefix, c->subnet, c->prefix))
		return BAD(e, "%s\"subnet\": %s overlaps the network's own subnet", w, sub);
	if (overlap(r->via, 32, c->subnet, c->prefix))
		return BAD(
			e,
			"%s\"via\": %s is in the network's own subnet: the next hop is another machine, on the uplink's link",
			w, via);
	for (size_t k = 0; k < i; k++)
		if (overlap(r->subnet, r->prefix, c->remotes[k].subnet, c->remotes[k].prefix))
			return BAD(e, "%s\"subnet\": %s overlaps remoteSubnets[%zu]", w, sub, k);
	return 0;
}

/* Other machines' pod subnets, routed natively (no NAT, no tunnel). */
static int parse_remotes(json_t *root, struct cni_conf *c, struct cni_err *e)
{
	json_t *rs = json_object_get(root, "remoteSubnets"), *o;
	size_t i;

	if (!rs)
		return 0;
	if (!json_is_array(rs))
		return BAD(e, "\"remoteSubnets\" must be a list of {\"subnet\", \"via\"}");
	if (json_array_size(rs) > CNI_REMOTES_MAX)
		return BAD(e, "\"remoteSubnets\": at most %d", CNI_REMOTES_MAX);
	json_array_foreach(rs, i, o)
	{
		if (parse_remote(o, i, c, e))
			return -1;
		c->n_remotes++;
	}
	return 0;
}

static int parse_port(json_t *o, struct cni_port *p, struct cni_err *e)
{
	json_t *hp = json_object_get(o, "hostPort"), *cp = json_object_get(o, "containerPort");
	const char *proto, *ip;

	if (!json_is_integer(hp) || !json_is_integer(cp) || json_integer_value(hp) < 1 ||
	    json_integer_value(hp) > 65535 || json_integer_value(cp) < 1 ||
	    json_integer_value(cp) > 65535)
		return BAD(
			e,
			"runtimeConfig: portMappings: hostPort and containerPort must be ports (1..65535)");
	p->host_port = (uint16_t)json_integer_value(hp);
	p->container_port = (uint16_t)json_integer_value(cp);
	if (opt_str(o, "protocol", &proto, e) || opt_str(o, "hostIP", &ip, e))
		return -1;
	if (!proto || !strcasecmp(proto, "tcp"))
		p->proto = IPPROTO_TCP;
	else if (!strcasecmp(proto, "udp"))
		p->proto = IPPROTO_UDP;
	else
		return BAD(e, "runtimeConfig: portMappings: protocol \"%s\": tcp or udp", proto);
	p->host_ip = 0;
	if (ip && *ip && strcmp(ip, "0.0.0.0") && topo_parse_ipv4(ip, &p->host_ip))
		return BAD(e, "runtimeConfig: portMappings: hostIP \"%s\" is no IPv4 address", ip);
	return 0;
}

static int parse_ports(json_t *root, struct cni_conf *c, struct cni_err *e)
{
	json_t *pm = json_object_get(json_object_get(root, "runtimeConfig"), "portMappings"), *o;
	size_t i;

	if (!pm)
		return 0;
	if (!json_is_array(pm))
		return BAD(e, "runtimeConfig: \"portMappings\" must be a list");
	if (json_array_size(pm) > CNI_PORTS_MAX)
		return BAD(e, "runtimeConfig: portMappings: at most %d", CNI_PORTS_MAX);
	json_array_foreach(pm, i, o)
	{
		if (!json_is_object(o) || parse_port(o, &c->ports[i], e))
			return json_is_object(o) ?
				       -1 :
				       BAD(e, "runtimeConfig: portMappings: each an object");
		c->n_ports++;
	}
	return 0;
}

/* prevResult's first IPv4 address (CHECK compares the endpoint with it). */
static int parse_prev(json_t *root, struct cni_conf *c, struct cni_err *e)
{
	json_t *prev = json_object_get(root, "prevResult"), *ip;
	char addr[32], *slash;
	size_t i;

	if (!prev)
		return 0;
	if (!json_is_object(prev))
		return BAD(e, "\"prevResult\" must be an object");
	c->has_prev = true;
	json_array_foreach(json_object_get(prev, "ips"), i, ip)
	{
		const char *s = json_string_value(json_object_get(ip, "address"));

		if (!s || snprintf(addr, sizeof(addr), "%s", s) >= (int)sizeof(addr))
			continue;
		slash = strchr(addr, '/');
		if (!slash)
			continue;
		*slash = '\0';
		if (!topo_parse_ipv4(addr, &c->prev_ip)) {
			c->prev_prefix = (uint8_t)atoi(slash + 1);
			return 0;
		}
	}
	return 0;
}

/* GC: the attachments still in use. */
static int parse_valid(json_t *root, struct cni_conf *c, struct cni_err *e)
{
	json_t *v = json_object_get(root, "cni.dev/valid-attachments"), *a;
	size_t i;

	if (!v)
		return 0;
	if (!json_is_array(v) || json_array_size(v) > CNI_GC_MAX)
		return BAD(e, "\"cni.dev/valid-attachments\" must be a list (at most %d)",
			   CNI_GC_MAX);
	c->valid = calloc(json_array_size(v) + 1, sizeof(*c->valid));
	if (!c->valid)
		return cni_fail(e, CNI_ERR_INTERNAL, "out of memory", "out of memory");
	json_array_foreach(v, i, a)
	{
		const char *id = json_string_value(json_object_get(a, "containerID"));
		const char *ifn = json_string_value(json_object_get(a, "ifname"));

		if (!id || !ifn)
			return BAD(e,
				   "cni.dev/valid-attachments: each needs containerID and ifname");
		snprintf(c->valid[i].container, sizeof(c->valid[i].container), "%s", id);
		snprintf(c->valid[i].ifname, sizeof(c->valid[i].ifname), "%s", ifn);
		c->n_valid++;
	}
	return 0;
}

static int parse_version(json_t *root, struct cni_conf *c, struct cni_err *e)
{
	const char *v;

	if (opt_str(root, "cniVersion", &v, e))
		return -1;
	if (!v || !*v)
		return BAD(e, "\"cniVersion\" is missing");
	snprintf(c->version, sizeof(c->version), "%s", v);
	if (!cni_version_supported(v))
		return cni_fail(
			e, CNI_ERR_VERSION, "incompatible CNI version",
			"cniVersion \"%s\" is not supported (0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0)",
			v);
	return 0;
}

static int parse_root(json_t *root, enum cni_cmd cmd, struct cni_conf *c, struct cni_err *e)
{
	json_t *mq = json_object_get(root, "ipMasq");
	const char *up;

	if (parse_version(root, c, e))
		return -1;
	if (cmd == CNI_VERSION)
		return 0;
	if ((cmd == CNI_CHECK && !cni_version_at_least(c->version, 0, 4)) ||
	    ((cmd == CNI_GC || cmd == CNI_STATUS) && !cni_version_at_least(c->version, 1, 1)))
		return cni_fail(e, CNI_ERR_VERSION, "incompatible CNI version",
				"cniVersion %s has no command %s", c->version,
				cmd == CNI_CHECK ? "CHECK" :
				cmd == CNI_GC	 ? "GC" :
						   "STATUS");
	if (parse_name(root, c, e) || parse_ipam(root, c, e))
		return -1;
	if (mq && !json_is_boolean(mq))
		return BAD(e, "\"ipMasq\" must be true or false");
	c->ipmasq = json_is_true(mq);
	if (opt_str(root, "uplink", &up, e))
		return -1;
	if (up && (!*up || strlen(up) >= sizeof(c->uplink)))
		return BAD(e, "\"uplink\": \"%s\" is no interface name", up);
	snprintf(c->uplink, sizeof(c->uplink), "%s", up ? up : "");
	if (parse_remotes(root, c, e) || parse_ports(root, c, e) || parse_prev(root, c, e))
		return -1;
	return parse_valid(root, c, e);
}

int cni_conf_parse(const char *text, size_t len, enum cni_cmd cmd, struct cni_conf *c,
		   struct cni_err *e)
{
	json_error_t jerr;
	json_t *root;
	int err;

	memset(c, 0, sizeof(*c));
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return cni_fail(e, CNI_ERR_DECODE, "failed to decode content",
				"the network configuration is not JSON: line %d column %d: %s",
				jerr.line, jerr.column, jerr.text);
	if (!json_is_object(root)) {
		json_decref(root);
		return cni_fail(e, CNI_ERR_DECODE, "failed to decode content",
				"the network configuration is not a JSON object");
	}
	err = parse_root(root, cmd, c, e);
	json_decref(root);
	return err;
}

void cni_conf_free(struct cni_conf *c)
{
	free(c->valid);
	c->valid = NULL;
	c->n_valid = 0;
}
