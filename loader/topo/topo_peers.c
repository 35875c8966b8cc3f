// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* A topology against the other labs of its host netns (topo_peers.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "nsbpf_maps.h"
#include "topo/topo_internal.h"
#include "topo/topo_peers.h"

void topo_snat_share(unsigned int k, uint16_t *lo, uint16_t *hi)
{
	unsigned int size = (NSB_SNAT_PORT_MAX - NSB_SNAT_PORT_MIN + 1) / TOPO_SNAT_SHARES;

	*lo = (uint16_t)(NSB_SNAT_PORT_MIN + k * size);
	*hi = k + 1 == TOPO_SNAT_SHARES ? NSB_SNAT_PORT_MAX : (uint16_t)(*lo + size - 1);
}

/* The subnet6s: a lab's IPv6 routes are the host's too. */
static void check_subnet6(struct topo_ctx *c, const struct topo_network *net,
			  const struct topo_peer_net *o, const char *peer)
{
	char a[TOPO_IP6STR], b[TOPO_IP6STR];

	if (!net->prefix6 || !o->prefix6 ||
	    !topo_overlap6(&net->subnet6, net->prefix6, &o->subnet6, o->prefix6))
		return;
	topo_err(
		c, net->subnet6_mark,
		"network \"%s\": subnet6 %s/%u overlaps network \"%s\" (%s/%u) of lab %s, up in this network namespace",
		net->name, topo_ip6_str(&net->subnet6, a), net->prefix6, o->name,
		topo_ip6_str(&o->subnet6, b), o->prefix6, peer);
}

static void check_subnets(struct topo_ctx *c, const struct topo_peer *peers, size_t n)
{
	char a[TOPO_IPSTR], b[TOPO_IPSTR];

	for (size_t i = 0; i < c->t->n_networks; i++) {
		const struct topo_network *net = &c->t->networks[i];

		for (size_t p = 0; p < n; p++)
			for (size_t k = 0; k < peers[p].n_nets; k++) {
				const struct topo_peer_net *o = &peers[p].nets[k];

				check_subnet6(c, net, o, peers[p].name);
				if (!net->prefix || !o->prefix || /* IPv6-only */
				    !topo_overlap(net->subnet, net->prefix, o->subnet, o->prefix))
					continue;
				topo_err(
					c, net->subnet_mark,
					"network \"%s\": subnet %s/%u overlaps network \"%s\" (%s/%u) of lab %s, up in this network namespace",
					net->name, topo_ip_str(net->subnet, a), net->prefix,
					o->name, topo_ip_str(o->subnet, b), o->prefix,
					peers[p].name);
			}
	}
}

/* The peer whose fwds array holds f. */
static const struct topo_peer *owner(const struct topo_peer *peers, size_t n,
				     const struct fwd_spec *f)
{
	for (size_t p = 0; p < n; p++)
		if (f >= peers[p].fwds && f < peers[p].fwds + peers[p].n_fwds)
			return &peers[p];
	return NULL;
}

static bool in_range(uint16_t lo, uint16_t hi, uint16_t a, uint16_t b)
{
	return a <= hi && lo <= b;
}

struct fwd_index *topo_peers_fwd_index(const struct topo_peer *peers, size_t n)
{
	struct fwd_index *ix = fwd_index_new();

	for (size_t p = 0; ix && p < n; p++)
		for (size_t k = 0; peers[p].same_uplink && k < peers[p].n_fwds; k++)
			if (fwd_index_add(ix, &peers[p].fwds[k])) {
				fwd_index_free(ix);
				return NULL;
			}
	return ix;
}

const struct topo_peer *topo_peers_fwd_clash(const struct topo_peer *peers, size_t n,
					     const struct fwd_index *ix, const struct fwd_spec *f,
					     char *why, size_t len)
{
	const struct fwd_spec *clash = fwd_index_find(ix, f);
	const struct topo_peer *p = clash ? owner(peers, n, clash) : NULL;
	char mine[160], theirs[160];

	fwd_format(f, mine, sizeof(mine));
	if (p) {
		fwd_format(clash, theirs, sizeof(theirs));
		snprintf(why, len, "%s clashes with lab %s's forward %s", mine, p->name, theirs);
		return p;
	}
	for (size_t i = 0; i < n; i++) {
		p = &peers[i];
		if (!p->same_uplink || !p->snat_lo ||
		    !in_range(p->snat_lo, p->snat_hi, f->port, f->port_end))
			continue;
		snprintf(why, len, "%s lies in lab %s's masquerade ports %u-%u on this uplink",
			 mine, p->name, p->snat_lo, p->snat_hi);
		return p;
	}
	return NULL;
}

static void check_forwards(struct topo_ctx *c, const struct topo_peer *peers, size_t n)
{
	struct fwd_index *ix = topo_peers_fwd_index(peers, n);
	struct fwd_spec f;
	char why[400];

	if (!ix) {
		c->err = -ENOMEM;
		return;
	}
	for (size_t i = 0; i < c->t->n_forwards; i++) {
		fwd_spec_from_topo(c->t, i, &f);
		if (topo_peers_fwd_clash(peers, n, ix, &f, why, sizeof(why)))
			topo_err(c, c->t->forwards[i].port_mark, "forward %zu: %s", i + 1, why);
	}
	fwd_index_free(ix);
}

/* Who holds a port of lo..hi on the uplink: the first peer, NULL when none. */
static const struct topo_peer *snat_holder(const struct topo_peer *peers, size_t n, uint16_t lo,
					   uint16_t hi, const struct fwd_spec **fwd)
{
	*fwd = NULL;
	for (size_t p = 0; p < n; p++) {
		if (!peers[p].same_uplink)
			continue;
		if (peers[p].snat_lo && in_range(lo, hi, peers[p].snat_lo, peers[p].snat_hi))
			return &peers[p];
		for (size_t k = 0; k < peers[p].n_fwds; k++)
			if (in_range(lo, hi, peers[p].fwds[k].port, peers[p].fwds[k].port_end)) {
				*fwd = &peers[p].fwds[k];
				return &peers[p];
			}
	}
	return NULL;
}

static void snat_taken(struct topo_ctx *c, struct topo_mark m, const struct topo_peer *p,
		       const struct fwd_spec *f, const char *what)
{
	char s[160];

	if (f) {
		fwd_format(f, s, sizeof(s));
		topo_err(c, m, "%s meet lab %s's forward %s on this uplink", what, p->name, s);
	} else {
		topo_err(c, m, "%s meet lab %s's masquerade ports %u-%u on this uplink", what,
			 p->name, p->snat_lo, p->snat_hi);
	}
}

/* The file's nat: ports:, or the first free share of the default range. */
static void check_snat(struct topo_ctx *c, const struct topo_peer *peers, size_t n)
{
	struct topo_nat *nat = &c->t->nat;
	struct topo_mark m = nat->mark.line ? nat->mark : (struct topo_mark){ 1, 1 };
	const struct topo_peer *p;
	const struct fwd_spec *f;
	char what[96];
	uint16_t lo, hi;

	if (nat->ports_mark.line) {
		p = snat_holder(peers, n, nat->port_min, nat->port_max, &f);
		snprintf(what, sizeof(what), "nat: ports %u-%u", nat->port_min, nat->port_max);
		if (p)
			snat_taken(c, nat->ports_mark, p, f, what);
		return;
	}
	for (unsigned int k = 0; k < TOPO_SNAT_SHARES; k++) {
		topo_snat_share(k, &lo, &hi);
		if (!snat_holder(peers, n, lo, hi, &f)) {
			nat->port_min = lo;
			nat->port_max = hi;
			return;
		}
	}
	topo_err(
		c, m,
		"no share of the masquerade ports %u-%u is free on this uplink (other labs hold them): give the lab its own with nat: ports:",
		NSB_SNAT_PORT_MIN, NSB_SNAT_PORT_MAX);
}

int topo_check_peers(struct topo *t, const struct topo_peer *peers, size_t n,
		     struct topo_errors *errs)
{
	struct topo_ctx c = { .path = t->path, .t = t };
	int err;

	check_subnets(&c, peers, n);
	if (!c.err)
		check_forwards(&c, peers, n);
	if (!c.err)
		check_snat(&c, peers, n);
	err = c.n_msgs ? -EINVAL : 0;
	topo_flush_msgs(&c, errs);
	return c.err ? c.err : err;
}
