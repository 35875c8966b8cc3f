// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * An endpoint lab with no endpoint yet (lab_ep.h): written as a topology
 * and brought up by lab_up(), so it is checked against the host and the
 * other labs, journaled and torn down exactly as any lab.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab/lab_ep.h"
#include "util/addr.h"

/*
 * A topology needs a node: the text names one, "x", taken out again
 * before up, so the file's checks and defaults all apply.
 */
static int net_yaml(const struct lab_ep_net *net, char *buf, size_t len)
{
	char sub[16], gw[16];
	int n;

	n = snprintf(buf, len,
		     "name: %s\n%s%s%snetworks:\n  %s:\n    subnet: %s/%d\n    masquerade: %s\n",
		     net->name, net->uplink[0] ? "uplink: " : "", net->uplink,
		     net->uplink[0] ? "\n" : "", net->name, ipv4_str(net->subnet, sub), net->prefix,
		     net->masquerade ? "true" : "false");
	if (n > 0 && (size_t)n < len && net->gateway)
		n += snprintf(buf + n, len - (size_t)n, "    gateway: %s\n",
			      ipv4_str(net->gateway, gw));
	if (n > 0 && (size_t)n < len && net->n_remotes)
		n += snprintf(buf + n, len - (size_t)n, "    remote:\n");
	for (size_t i = 0; i < net->n_remotes && n > 0 && (size_t)n < len; i++)
		n += snprintf(buf + n, len - (size_t)n, "      - {to: %s/%d, via: %s}\n",
			      ipv4_str(net->remotes[i].subnet, sub), net->remotes[i].prefix,
			      ipv4_str(net->remotes[i].via, gw));
	if (n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, "nodes:\n  x: {network: %s}\n", net->name);
	return n > 0 && (size_t)n < len ? 0 : -ENAMETOOLONG;
}

int lab_ep_net_up(const struct lab_ep_net *net, const struct up_opts *o, struct up_result *r)
{
	struct topo_errors errs = { 0 };
	struct topo *t = NULL;
	char text[8192], what[96];
	int err;

	memset(r, 0, sizeof(*r));
	err = net_yaml(net, text, sizeof(text));
	if (err)
		return err_set(&r->err, err, "network %s: name too long", net->name);
	snprintf(what, sizeof(what), "cni:%s", net->name);
	err = topo_load_buf(what, text, strlen(text), &t, &errs);
	if (err) {
		r->bad_input = true;
		r->problems = errs;
		return err_set(&r->err, err, "network %s does not make a lab", net->name);
	}
	/* the placeholder holds no exec commands: dropping it is only the count */
	t->n_nodes = 0;
	err = lab_up(t, o, r);
	topo_free(t);
	return err;
}
