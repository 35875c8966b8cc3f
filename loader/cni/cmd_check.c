// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* CHECK: the endpoint is as ADD left it; STATUS: ADD can work. */
#include <stdio.h>
#include <string.h>

#include "cni/cmd.h"
#include "cni/ipam.h"

int cni_check(const struct cni_req *q, struct cni_err *e)
{
	const struct cni_conf *c = q->conf;
	struct err_msg m = { { 0 } };
	struct lab_ep ep = { 0 };
	int ours;

	if (!c->has_prev || !c->prev_ip)
		return cni_fail(e, CNI_ERR_CONFIG, "invalid network config",
				"CHECK needs prevResult with the IPv4 address ADD gave");
	ours = cni_lab_ours(c->name, e);
	if (ours < 0)
		return -1;
	if (!ours)
		return cni_fail(e, CNI_ERR_INTERNAL, "internal error", "network %s is not up",
				c->name);
	cni_names(c->name, q->env->container, q->env->ifname, ep.node, ep.hostif);
	snprintf(ep.netns, sizeof(ep.netns), "%s", q->env->netns);
	snprintf(ep.ifname, sizeof(ep.ifname), "%s", q->env->ifname);
	ep.ip = c->prev_ip;
	ep.prefix = c->prev_prefix;
	if (lab_ep_check(c->name, &ep, &m))
		return cni_fail(e, CNI_ERR_INTERNAL, "internal error", "%s", m.text);
	return cni_ipam_run(q->env, c, "CHECK", NULL, NULL, q->text, q->len, NULL, e);
}

int cni_status(const struct cni_req *q, struct cni_err *e)
{
	char bin[4096];

	if (cni_ipam_find(q->env->path, q->conf->ipam_type, bin, sizeof(bin), e)) {
		e->code = CNI_ERR_UNAVAILABLE;
		return -1;
	}
	return 0;
}
