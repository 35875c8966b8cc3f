// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The file's forwards: their node resolved, then port_fwd_spec's rules (the
 * ones `forward add` obeys) worded with the file's places. Runs after the
 * defaults are resolved: the SNAT range is final.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>

#include "topo/port_fwd_spec.h"
#include "topo/topo_internal.h"

#define FWD_STR 80

/*
 * A forward goes to the node's first leg; a node with links only, to its
 * link address inside a routed prefix (the datapath reaches it through
 * the prefix's router), or nowhere.
 */
static void check_fwd_leg(struct topo_ctx *c, size_t i)
{
	const struct topo_forward *f = &c->t->forwards[i];
	const struct topo_node *n;

	if (f->node < 0)
		return;
	n = &c->t->nodes[f->node];
	if (n->network >= 0 && !c->t->networks[n->network].subnet_mark.line &&
	    c->nets[n->network].subnet6_given) {
		topo_err(
			c, c->fwds[i].to.mark,
			"forward %zu: node \"%s\" has no IPv4 address (network \"%s\" is IPv6-only): forwards go to a node's IPv4 address",
			c->fwds[i].nr, n->name, c->t->networks[n->network].name);
		return;
	}
	if (c->nodes[f->node].network.name)
		return;
	if (topo_node_fwd_ip(c->t, n)) /* behind a router: its link address there */
		return;
	topo_err(
		c, c->fwds[i].to.mark,
		"forward %zu: node \"%s\" has no network: a forward goes to the address of a node's first network, or to a link address inside a routed prefix (networks.N.routes)",
		c->fwds[i].nr, n->name);
}

/* A forward for an IPv6 host address goes to the node's ip6: it needs one. */
static void check_fwd_host6(struct topo_ctx *c, size_t i)
{
	const struct topo_forward *f = &c->t->forwards[i];
	const struct topo_node *n;
	char ip6[TOPO_IP6STR];

	if (f->node < 0 || IN6_IS_ADDR_UNSPECIFIED(&f->host_ip6))
		return;
	n = &c->t->nodes[f->node];
	if (n->network >= 0 && (size_t)n->network < c->t->n_networks &&
	    c->t->networks[n->network].prefix6)
		return;
	topo_err(
		c, f->host_mark,
		"forward %zu: host %s is an IPv6 address, and node \"%s\" has no ip6 (its network has no subnet6): leave host out, or give the network a subnet6",
		c->fwds[i].nr, topo_ip6_str(&f->host_ip6, ip6), n->name);
}

static int resolve_node(struct topo_ctx *c, const struct topo_ref *r, size_t nr)
{
	char who[32];

	snprintf(who, sizeof(who), "forward %zu: ", nr);
	return topo_resolve_ref(c, r, &c->node_ix, c->t->n_nodes ? c->t->nodes[0].name : NULL,
				sizeof(c->t->nodes[0]), c->t->n_nodes, "node", who);
}

static const char *range_str(uint16_t lo, uint16_t hi, char *buf, size_t len)
{
	if (lo == hi)
		snprintf(buf, len, "%u", lo);
	else
		snprintf(buf, len, "%u-%u", lo, hi);
	return buf;
}

static const char *fwd_str(const struct topo_forward *f, char buf[FWD_STR])
{
	char ports[16], ip[TOPO_IP6STR];

	snprintf(buf, FWD_STR, "%s %s on %s", f->proto == IPPROTO_TCP ? "tcp" : "udp",
		 range_str(f->port, f->port_end, ports, sizeof(ports)),
		 f->host_ip				? topo_ip_str(f->host_ip, ip) :
		 !IN6_IS_ADDR_UNSPECIFIED(&f->host_ip6) ? topo_ip6_str(&f->host_ip6, ip) :
							  "every address");
	return buf;
}

/*
 * The forward rules are port_fwd_spec.c's, the ones `forward add` obeys;
 * here they are worded with the file's places. specs[i] is forward i as
 * the CLI spells it.
 */
static void check_range_len(struct topo_ctx *c, size_t i, const struct fwd_spec *f)
{
	const struct topo_fwd_src *src = &c->fwds[i];
	char a[16], b[16];
	unsigned int na, nb;

	if (!src->port_ok || !src->to_ok || fwd_ranges_match(f))
		return;
	na = (unsigned int)(f->port_end - f->port) + 1;
	nb = (unsigned int)(f->to_port_end - f->to_port) + 1;
	topo_err(
		c, src->to.mark,
		"forward %zu: port %s has %u %s but to port %s has %u: the ranges must be the same length",
		src->nr, range_str(f->port, f->port_end, a, sizeof(a)), na,
		plural(na, "port", "ports"), range_str(f->to_port, f->to_port_end, b, sizeof(b)),
		nb);
}

static bool fwd_usable(const struct topo_fwd_src *src)
{
	return src->proto_ok && src->port_ok && src->host_ok;
}

/*
 * Against every usable forward before it, clashing or not, so that each
 * overlap is reported once, naming the earliest forward it overlaps.
 */
static void check_fwd_overlap(struct topo_ctx *c, struct fwd_index *ix,
			      const struct fwd_spec *specs, size_t i)
{
	const struct topo_forward *f = &c->t->forwards[i], *o;
	char sa[FWD_STR], sb[FWD_STR];
	const struct fwd_spec *first;
	size_t j;

	if (!fwd_usable(&c->fwds[i]))
		return;
	/*
	 * An IPv6 host address's forward (forwards6 alone) clashes only with
	 * another for the same address: the IPv4 index never sees it. The
	 * datapath asks for a forward of the address itself before one for
	 * any, so a forward for any on the same port is no clash. Pairwise:
	 * a file has few of them.
	 */
	if (fwd_host6(&specs[i])) {
		for (j = 0; j < i; j++) {
			if (!fwd_usable(&c->fwds[j]) || !fwd_host6(&specs[j]) ||
			    specs[j].proto != specs[i].proto ||
			    !IN6_ARE_ADDR_EQUAL(&specs[j].host_ip6, &specs[i].host_ip6) ||
			    specs[j].port_end < specs[i].port || specs[i].port_end < specs[j].port)
				continue;
			o = &c->t->forwards[j];
			topo_err(c, c->fwds[i].port_mark,
				 "forward %zu: %s overlaps forward %zu (%s, at %d:%d)",
				 c->fwds[i].nr, fwd_str(f, sa), c->fwds[j].nr, fwd_str(o, sb),
				 o->mark.line, o->mark.col);
			return;
		}
		return;
	}
	first = fwd_index_find(ix, &specs[i]);
	if (fwd_index_add(ix, &specs[i])) {
		c->err = -ENOMEM;
		return;
	}
	if (!first)
		return;
	j = (size_t)(first - specs);
	o = &c->t->forwards[j];
	topo_err(c, c->fwds[i].port_mark, "forward %zu: %s overlaps forward %zu (%s, at %d:%d)",
		 c->fwds[i].nr, fwd_str(f, sa), c->fwds[j].nr, fwd_str(o, sb), o->mark.line,
		 o->mark.col);
}

static void check_fwd_snat(struct topo_ctx *c, size_t i, const struct fwd_spec *f)
{
	uint16_t lo = c->t->nat.port_min, hi = c->t->nat.port_max;
	char a[16];

	if (!c->fwds[i].port_ok || !fwd_in_snat_range(f, lo, hi))
		return;
	topo_err(
		c, c->fwds[i].port_mark,
		"forward %zu: port %s is inside the masquerade port range %u-%u (move it, or set nat: ports:)",
		c->fwds[i].nr, range_str(f->port, f->port_end, a, sizeof(a)), lo, hi);
}

void topo_check_forwards(struct topo_ctx *c)
{
	struct fwd_spec *specs;
	struct fwd_index *ix;
	struct topo_fwd_src *src;
	size_t i;

	if (!c->t->n_forwards)
		return;
	specs = calloc(c->t->n_forwards, sizeof(*specs));
	ix = fwd_index_new();
	if (!specs || !ix) {
		c->err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < c->t->n_forwards; i++) {
		src = &c->fwds[i];
		if (src->to.name && c->have_nodes)
			c->t->forwards[i].node = resolve_node(c, &src->to, src->nr);
		check_fwd_leg(c, i);
		check_fwd_host6(c, i);
		fwd_spec_from_topo(c->t, i, &specs[i]);
		check_range_len(c, i, &specs[i]);
		check_fwd_overlap(c, ix, specs, i);
		check_fwd_snat(c, i, &specs[i]);
	}
out:
	fwd_index_free(ix);
	free(specs);
}
