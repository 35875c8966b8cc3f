// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Port mappings as forwards of the endpoint's node, through the lab's
 * forward machinery (all or none, checked as `nsbpf forward add` checks),
 * and the removal of an endpoint with its forwards (cmd.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cni/cmd.h"
#include "lab/rules.h"

static void to_specs(const char *node, const struct cni_port *p, size_t n, struct fwd_spec *f)
{
	for (size_t i = 0; i < n; i++) {
		memset(&f[i], 0, sizeof(f[i]));
		f[i].proto = p[i].proto;
		f[i].host_ip = p[i].host_ip;
		f[i].port = f[i].port_end = p[i].host_port;
		f[i].to_port = f[i].to_port_end = p[i].container_port;
		snprintf(f[i].node, sizeof(f[i].node), "%s", node);
	}
}

int cni_ports_add(const char *lab, const char *node, const struct cni_port *p, size_t n,
		  struct cni_err *e)
{
	struct fwd_spec f[CNI_PORTS_MAX];
	struct rules_fwd_run run = { 0 };
	struct err_list probs = { 0 };
	struct lab_info li;
	size_t off = 0;
	int err;

	if (!n)
		return 0;
	if (lab_info_read(lab, &li))
		return cni_fail(e, CNI_ERR_INTERNAL, "internal error", "lab %s is not up", lab);
	to_specs(node, p, n, f);
	err = rules_forwards_add(&li, f, n, &run, &probs);
	lab_info_free(&li);
	if (!err)
		return 0;
	cni_fail(e, err_any_bad_input(&probs) ? CNI_ERR_CONFIG : CNI_ERR_INTERNAL,
		 "port mapping refused", "%s", "");
	for (size_t i = 0; i < probs.n && off < sizeof(e->details); i++) {
		const struct cni_port *q = probs.v[i].index < n ? &p[probs.v[i].index] : NULL;
		char what[48] = "";

		if (q)
			snprintf(what, sizeof(what), "hostPort %u/%s: ", q->host_port,
				 q->proto == 17 ? "udp" : "tcp");
		off += (size_t)snprintf(e->details + off, sizeof(e->details) - off, "%s%s%s",
					i ? "; " : "", what, probs.v[i].text);
	}
	err_list_free(&probs);
	return -1;
}

void cni_ports_del(const char *lab, const char *node, const struct cni_port *p, size_t n)
{
	struct fwd_spec f[CNI_PORTS_MAX];
	struct rules_fwd_run run = { 0 };
	struct lab_info li;

	if (!n || lab_info_read(lab, &li))
		return;
	to_specs(node, p, n, f);
	/* each alone: one already gone must not keep the others */
	for (size_t i = 0; i < n; i++) {
		struct err_list probs = { 0 };

		rules_forwards_del(&li, &f[i], 1, &run, &probs);
		err_list_free(&probs);
	}
	lab_info_free(&li);
}

int cni_ep_remove(const char *lab, const char *node, struct cni_err *e)
{
	struct down_result down;
	struct err_msg m = { { 0 } };
	struct cni_rec rec;
	size_t left = 0;
	int ours = cni_lab_ours(lab, e);

	if (ours <= 0)
		return ours;
	if (!cni_rec_read(lab, node, &rec))
		cni_ports_del(lab, node, rec.ports, rec.n_ports);
	if (lab_ep_del(lab, node, &left, &m))
		return cni_fail(e, CNI_ERR_INTERNAL, "internal error", "%s", m.text);
	cni_rec_remove(lab, node);
	if (left || !lab_exists(lab))
		return 0;
	if (lab_down(lab, NULL, &down))
		return cni_fail(e, CNI_ERR_INTERNAL, "internal error", "%s", down.err.text);
	return 0;
}
