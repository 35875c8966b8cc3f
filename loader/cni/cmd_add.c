// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ADD: an address from the IPAM plugin, the network's lab (brought up by
 * the first ADD), the endpoint, its port mappings; undone in reverse on any
 * failure, the IPAM's address released last.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cni/cmd.h"
#include "cni/ipam.h"
#include "util/addr.h"

static uint32_t mask_of(int prefix)
{
	return prefix ? ~0U << (32 - prefix) : 0;
}

/* The IPAM's address must be a host of the network's subnet, its gateway ours. */
static int ip_fits(const struct cni_conf *c, const struct cni_ipam_ip *ip, struct cni_err *e)
{
	uint32_t gw = c->gateway ? c->gateway : c->subnet + 1, m = mask_of(c->prefix);
	char a[16], b[16], g[16];

	if ((ip->ip & m) != c->subnet || ip->ip == c->subnet || ip->ip == (c->subnet | ~m) ||
	    ip->ip == gw)
		return cni_fail(
			e, CNI_ERR_CONFIG, "invalid network config",
			"the IPAM plugin gave %s/%u: not a host address of the network's subnet %s/%u (gateway %s)",
			ipv4_str(ip->ip, a), ip->prefix, ipv4_str(c->subnet, b), c->prefix,
			ipv4_str(gw, g));
	if (ip->gateway && ip->gateway != gw)
		return cni_fail(e, CNI_ERR_CONFIG, "invalid network config",
				"the IPAM plugin gave the gateway %s: the network's is %s",
				ipv4_str(ip->gateway, a), ipv4_str(gw, b));
	return 0;
}

/* The network's lab: up already (with the same subnet), or brought up now (*made). */
static int net_up(const struct cni_conf *c, bool *made, struct cni_err *e)
{
	struct lab_ep_net net = { .subnet = c->subnet,
				  .prefix = c->prefix,
				  .gateway = c->gateway,
				  .masquerade = c->ipmasq };
	struct up_opts o = { .attach = ATTACH_AUTO, .exec_timeout_s = 60 };
	struct up_result r;
	struct lab_info li;
	int ours = cni_lab_ours(c->name, e), err;

	*made = false;
	if (ours < 0)
		return -1;
	if (ours) {
		err = lab_info_read(c->name, &li);
		if (!err && li.n_nets &&
		    (li.nets[0].subnet != c->subnet || li.nets[0].prefix != c->prefix))
			err = cni_fail(
				e, CNI_ERR_CONFIG, "invalid network config",
				"network %s is up with another subnet: its containers must go first",
				c->name);
		lab_info_free(&li);
		return err ? -1 : 0;
	}
	snprintf(net.name, sizeof(net.name), "%s", c->name);
	snprintf(net.uplink, sizeof(net.uplink), "%s", c->uplink);
	for (size_t i = 0; i < c->n_remotes && i < LAB_EP_REMOTES_MAX; i++)
		net.remotes[net.n_remotes++] = (struct lab_ep_remote){
			.subnet = c->remotes[i].subnet,
			.prefix = c->remotes[i].prefix,
			.via = c->remotes[i].via,
		};
	err = lab_ep_net_up(&net, &o, &r);
	if (err) {
		size_t off;

		cni_fail(e, r.bad_input ? CNI_ERR_CONFIG : CNI_ERR_INTERNAL,
			 r.bad_input ? "invalid network config" : "internal error", "%s",
			 r.err.text);
		off = strlen(e->details);
		for (size_t i = 0; i < r.problems.n && off < sizeof(e->details); i++)
			off += (size_t)snprintf(e->details + off, sizeof(e->details) - off, "%s%s",
						off ? "; " : "", r.problems.msgs[i]);
	}
	up_result_free(&r);
	*made = !err;
	return err ? -1 : 0;
}

static void ep_of(const struct cni_req *q, const struct cni_ipam_ip *ip, struct lab_ep *ep)
{
	memset(ep, 0, sizeof(*ep));
	cni_names(q->conf->name, q->env->container, q->env->ifname, ep->node, ep->hostif);
	snprintf(ep->netns, sizeof(ep->netns), "%s", q->env->netns);
	snprintf(ep->ifname, sizeof(ep->ifname), "%s", q->env->ifname);
	ep->ip = ip->ip;
	ep->prefix = q->conf->prefix;
	memcpy(ep->routes, ip->routes, sizeof(ep->routes));
	ep->n_routes = ip->n_routes;
}

/* The endpoint and its forwards in the lab that is up; its record. */
static int ep_up(const struct cni_req *q, const struct lab_ep *ep, struct lab_ep_rt *rt,
		 struct cni_err *e)
{
	const struct cni_conf *c = q->conf;
	struct err_msg m = { { 0 } };
	struct cni_rec rec = { .n_ports = c->n_ports };
	int err;

	if (strlen(q->env->netns) >= sizeof(ep->netns))
		return cni_fail(e, CNI_ERR_ENV, "invalid CNI_NETNS",
				"CNI_NETNS %s: longer than %zu bytes", q->env->netns,
				sizeof(ep->netns) - 1);
	if (lab_ep_add(c->name, ep, rt, &m)) {
		cni_fail(e, CNI_ERR_INTERNAL, "internal error", "%s", m.text);
		return -2; /* nothing made */
	}
	snprintf(rec.container, sizeof(rec.container), "%s", q->env->container);
	snprintf(rec.ifname, sizeof(rec.ifname), "%s", q->env->ifname);
	memcpy(rec.ports, c->ports, sizeof(rec.ports));
	err = cni_rec_write(c->name, ep->node, &rec);
	if (err)
		cni_fail(e, CNI_ERR_IO, "I/O failure", "record of endpoint %s: %s", ep->node,
			 strerror(-err));
	if (!err && cni_ports_add(c->name, ep->node, c->ports, c->n_ports, e))
		err = -1;
	return err ? -1 : 0;
}

/* An attachment that is there already: refused before the IPAM could hand out a second address. */
static int ep_taken(const struct cni_req *q, struct cni_err *e)
{
	char node[TOPO_NAME_MAX], hostif[TOPO_IFNAMSIZ];
	struct lab_info li;
	bool taken;

	cni_names(q->conf->name, q->env->container, q->env->ifname, node, hostif);
	if (lab_info_read(q->conf->name, &li))
		return 0;
	taken = lab_node_find(&li, node) != NULL;
	lab_info_free(&li);
	if (taken)
		return cni_fail(
			e, CNI_ERR_INTERNAL, "internal error",
			"container %s has its interface %s in network %s already (endpoint %s)",
			q->env->container, q->env->ifname, q->conf->name, node);
	return 0;
}

static int add_locked(const struct cni_req *q, json_t **out, struct cni_err *e)
{
	const struct cni_conf *c = q->conf;
	struct cni_err undo_e;
	struct cni_ipam_ip ip;
	struct lab_ep_rt rt;
	struct lab_ep ep;
	json_t *ipam = NULL;
	bool made = false;
	int err;

	if (ep_taken(q, e))
		return -1;
	if (cni_ipam_run(q->env, c, "ADD", NULL, NULL, q->text, q->len, &ipam, e))
		return -1;
	if (cni_ipam_parse(ipam, &ip, e) || ip_fits(c, &ip, e) || net_up(c, &made, e))
		goto undo_ipam;
	ep_of(q, &ip, &ep);
	err = ep_up(q, &ep, &rt, e);
	if (!err) {
		*out = cni_result(q, ipam, &ep, &rt);
		return 0;
	}
	/* the endpoint, and the lab when it has none left (one this ADD made) */
	if (err == -1 || made)
		cni_ep_remove(c->name, err == -1 ? ep.node : "", &undo_e);
undo_ipam:
	json_decref(ipam);
	cni_ipam_run(q->env, c, "DEL", NULL, NULL, q->text, q->len, NULL, &undo_e);
	return -1;
}

int cni_add(const struct cni_req *q, json_t **out, struct cni_err *e)
{
	int lock = cni_lock(q->conf->name, e), err;

	if (lock < 0)
		return -1;
	err = add_locked(q, out, e);
	cni_unlock(lock);
	return err;
}
