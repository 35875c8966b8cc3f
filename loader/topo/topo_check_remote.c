// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The networks' remote subnets (networks.N.remote): each is nobody else's
 * (no lab subnet, no routed prefix, no other remote subnet of any network:
 * the datapath's tries would pick one silently), and its next hop is no lab
 * address. That the next hop is on the uplink's link is the host's to say,
 * at up (lab_check.c). The walk checked each entry on its own.
 */
#include <stdbool.h>
#include <stdio.h>

#include "nsbpf_maps.h"
#include "topo/topo_internal.h"

#define WHO_MAX (TOPO_NAME_MAX + 48)

static const char *remote_who(const struct topo *t, size_t net, size_t i, char *buf, size_t len)
{
	snprintf(buf, len, "network \"%s\": remote %zu: ", t->networks[net].name, i + 1);
	return buf;
}

/* Its prefix against every lab subnet and routed prefix. False: it overlaps one (reported). */
static bool check_lab(struct topo_ctx *c, size_t net, size_t i)
{
	const struct topo_net_remote *r = &c->t->networks[net].remotes[i];
	char who[WHO_MAX], a[TOPO_IPSTR], b[TOPO_IPSTR];

	remote_who(c->t, net, i, who, sizeof(who));
	for (size_t k = 0; k < c->t->n_networks; k++) {
		const struct topo_network *n = &c->t->networks[k];

		if (c->nets[k].subnet_ok && topo_overlap(r->prefix, r->len, n->subnet, n->prefix)) {
			topo_err(c, r->to_mark, "%sto %s/%u overlaps network \"%s\" (%s/%u)", who,
				 topo_ip_str(r->prefix, a), r->len, n->name,
				 topo_ip_str(n->subnet, b), n->prefix);
			return false;
		}
		if (c->nets[k].subnet_ok && r->via && (r->via & topo_mask(n->prefix)) == n->subnet)
			topo_err(
				c, r->via_mark,
				"%svia %s is in network \"%s\" (%s/%u): the next hop is another machine, on the uplink's link",
				who, topo_ip_str(r->via, a), n->name, topo_ip_str(n->subnet, b),
				n->prefix);
		for (size_t j = 0; j < n->n_routes; j++) {
			if (!c->nets[k].routes[j].to_ok ||
			    !topo_overlap(r->prefix, r->len, n->routes[j].prefix, n->routes[j].len))
				continue;
			topo_err(c, r->to_mark, "%sto %s/%u overlaps route %zu of network \"%s\"",
				 who, topo_ip_str(r->prefix, a), r->len, j + 1, n->name);
			return false;
		}
	}
	return true;
}

/* Against the remote subnets before it, of any network. */
static void check_before(struct topo_ctx *c, size_t net, size_t i)
{
	const struct topo_net_remote *r = &c->t->networks[net].remotes[i], *o;
	char who[WHO_MAX], a[TOPO_IPSTR], b[TOPO_IPSTR];

	for (size_t k = 0; k <= net; k++) {
		size_t n = k < net ? c->t->networks[k].n_remotes : i;

		for (size_t j = 0; j < n; j++) {
			o = &c->t->networks[k].remotes[j];
			if (!o->len || !topo_overlap(r->prefix, r->len, o->prefix, o->len))
				continue;
			topo_err(c, r->to_mark,
				 "%sto %s/%u overlaps remote %zu of network \"%s\" (%s/%u)",
				 remote_who(c->t, net, i, who, sizeof(who)),
				 topo_ip_str(r->prefix, a), r->len, j + 1, c->t->networks[k].name,
				 topo_ip_str(o->prefix, b), o->len);
			return;
		}
	}
}

void topo_check_net_remotes(struct topo_ctx *c)
{
	size_t seen = 0;

	for (size_t net = 0; net < c->t->n_networks; net++) {
		for (size_t i = 0; i < c->t->networks[net].n_remotes; i++) {
			struct topo_net_remote *r = &c->t->networks[net].remotes[i];

			if (++seen == NSB_MAX_REMOTES + 1) {
				topo_err(
					c, r->mark,
					"network \"%s\": remote %zu: the lab has more than %d remote subnets, the most its datapath holds",
					c->t->networks[net].name, i + 1, NSB_MAX_REMOTES);
				return;
			}
			if (!r->len)
				continue;
			/* one message per entry: later ones no longer compare with it */
			if (!check_lab(c, net, i))
				r->len = 0;
			else
				check_before(c, net, i);
		}
	}
}

size_t topo_remote_count(const struct topo *t)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n_networks; i++)
		n += t->networks[i].n_remotes;
	return n;
}
