// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The ADD result: the IPAM plugin's, with the interfaces we made (the host
 * end, then the one in the sandbox) and each address pointing at the
 * sandbox's (cmd.h). Before 1.0.0 an address also says its "version".
 */
#include <stdio.h>
#include <string.h>

#include "cni/cmd.h"
#include "util/addr.h"

static json_t *iface(const char *name, const uint8_t mac[6], const char *sandbox)
{
	char m[18];
	json_t *o = json_pack("{s:s, s:s}", "name", name, "mac", mac_str(mac, m));

	if (o && sandbox)
		json_object_set_new(o, "sandbox", json_string(sandbox));
	return o;
}

/* The IPv4 addresses only (the endpoint has no other), each on interface 1. */
static json_t *ips_of(const struct cni_req *q, json_t *ipam, const struct lab_ep_rt *rt)
{
	json_t *out = json_array(), *a;
	char gw[16];
	size_t i;

	json_array_foreach(json_object_get(ipam, "ips"), i, a)
	{
		const char *addr = json_string_value(json_object_get(a, "address"));
		json_t *c;

		if (!addr || strchr(addr, ':'))
			continue;
		c = json_deep_copy(a);
		json_object_set_new(c, "interface", json_integer(1));
		if (!json_object_get(c, "gateway"))
			json_object_set_new(c, "gateway", json_string(ipv4_str(rt->gateway, gw)));
		if (cni_version_at_least(q->conf->version, 1, 0))
			json_object_del(c, "version");
		else
			json_object_set_new(c, "version", json_string("4"));
		json_array_append_new(out, c);
	}
	return out;
}

json_t *cni_result(const struct cni_req *q, json_t *ipam, const struct lab_ep *ep,
		   const struct lab_ep_rt *rt)
{
	json_t *ifs = json_array();

	json_array_append_new(ifs, iface(ep->hostif, rt->host_mac, NULL));
	json_array_append_new(ifs, iface(ep->ifname, rt->node_mac, ep->netns));
	json_object_set_new(ipam, "cniVersion", json_string(q->conf->version));
	json_object_set_new(ipam, "interfaces", ifs);
	json_object_set_new(ipam, "ips", ips_of(q, ipam, rt));
	return ipam;
}
