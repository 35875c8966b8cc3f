// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Port forwards of a running lab (rules.h): list, and add under the state
 * lock, checked by the same rules as the file's forwards
 * (topo/port_fwd_spec.c) and written all or none, also when interrupted
 * (a batch: fwd_txn.c). Deleting them: rules_forwards_del.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "lab/fwd_txn.h"
#include "lab/fwd6.h"
#include "lab/lab_peers.h"
#include "lab/lab_up.h"
#include "lab/rules.h"
#include "sys/nl.h"
#include "sys/pins.h"

/*
 * The IPv6 side of each forward for any address (lab/fwd6.h): its node's
 * ip6 when forwards6 has its first port leading to the same node port,
 * the hits of its ports added. A lab without forwards6: none.
 */
static void forwards6_side(const char *lab, struct fwd_entry *v, size_t n)
{
	int fd6 = pins_map_open(lab, "forwards6");
	struct nsb_fwd6_val v6;

	for (size_t i = 0; fd6 >= 0 && i < n; i++) {
		const struct fwd_spec *s = &v[i].spec;

		if (s->host_ip || fwd6_lookup_any(fd6, s->proto, s->port, &v6) ||
		    ntohs(v6.v.node_port) != s->to_port)
			continue;
		v[i].has6 = true;
		memcpy(&v[i].node_ip6, v6.node_addr, 16);
		for (unsigned int p = s->port; p <= s->port_end; p++)
			if (!fwd6_lookup_any(fd6, s->proto, (uint16_t)p, &v6))
				v[i].hits += v6.v.hits;
	}
	if (fd6 >= 0)
		close(fd6);
}

/* The node of li whose ip6 is a, or "". */
static const char *node_of6(const struct lab_info *li, const __be32 *a)
{
	for (size_t i = 0; i < li->n_nodes; i++)
		if (li->nodes[i].prefix6 && !memcmp(&li->nodes[i].ip6, a, 16))
			return li->nodes[i].name;
	return "";
}

/*
 * The forwards for an IPv6 host address (forwards6's alone), appended to
 * *v: one per first port, hits summed.
 */
static int forwards6_host(const struct lab_info *li, struct fwd_entry **v, size_t *n)
{
	int fd6 = pins_map_open(li->name, "forwards6");
	struct nsb_fwd6_key k, next, *prev = NULL;
	struct nsb_fwd6_val v6;
	int err = 0;

	if (fd6 == -ENOENT)
		return 0;
	if (fd6 < 0)
		return fd6;
	while (!err && !bpf_map_get_next_key(fd6, prev, &next)) {
		struct fwd_entry *e = NULL, *g;

		k = next;
		prev = &k;
		if ((!k.host_addr[0] && !k.host_addr[1] && !k.host_addr[2] && !k.host_addr[3]) ||
		    bpf_map_lookup_elem(fd6, &k, &v6))
			continue;
		for (size_t i = 0; i < *n; i++) {
			struct fwd_spec *s = &(*v)[i].spec;

			if (s->proto == k.proto && s->port == ntohs(v6.v.first_port) &&
			    !memcmp(&s->host_ip6, k.host_addr, 16))
				e = &(*v)[i];
		}
		if (!e) {
			g = reallocarray(*v, *n + 1, sizeof(**v));
			if (!g) {
				err = -ENOMEM;
				break;
			}
			*v = g;
			e = &g[(*n)++];
			memset(e, 0, sizeof(*e));
			e->spec.proto = k.proto;
			memcpy(&e->spec.host_ip6, k.host_addr, 16);
			e->spec.port = ntohs(v6.v.first_port);
			e->spec.port_end =
				(uint16_t)(e->spec.port + (v6.v.count ? v6.v.count : 1) - 1);
			e->spec.to_port =
				(uint16_t)(ntohs(v6.v.node_port) - (ntohs(k.port) - e->spec.port));
			e->spec.to_port_end =
				(uint16_t)(e->spec.to_port + (e->spec.port_end - e->spec.port));
			snprintf(e->spec.node, sizeof(e->spec.node), "%s",
				 node_of6(li, v6.node_addr));
			e->has6 = true;
			memcpy(&e->node_ip6, v6.node_addr, 16);
		}
		e->hits += v6.v.hits;
	}
	close(fd6);
	return err;
}

int rules_forwards_list(const struct lab_info *li, struct fwd_entry **out, size_t *n)
{
	int fd = fwd_map_open(li->name), err;

	if (fd < 0)
		return fd;
	err = fwd_map_read(fd, li, out, n);
	close(fd);
	if (!err)
		forwards6_side(li->name, *out, *n);
	if (!err)
		err = forwards6_host(li, out, n);
	return err;
}

/* Does t's forward i say exactly f? */
static bool file_has(const struct topo *t, const struct fwd_spec *f)
{
	for (size_t i = 0; i < t->n_forwards; i++) {
		const struct topo_forward *x = &t->forwards[i];

		if (x->proto == f->proto && x->host_ip == f->host_ip &&
		    IN6_ARE_ADDR_EQUAL(&x->host_ip6, &f->host_ip6) && x->port == f->port &&
		    x->port_end == f->port_end && x->to_port == f->to_port &&
		    x->to_port_end == f->to_port_end && !strcmp(t->nodes[x->node].name, f->node))
			return true;
	}
	return false;
}

int rules_forwards_origin(const struct lab_info *li, struct fwd_entry *v, size_t n)
{
	struct topo *t = NULL;
	struct err_msg e;
	int err = lab_topo_recorded(li->name, &t, &e);

	for (size_t i = 0; !err && i < n; i++)
		v[i].runtime = t ? !file_has(t, &v[i].spec) : !strncmp(li->file, "cni:", 4);
	topo_free(t);
	return err;
}

/* What every request is checked against: the lab's forwards and the host. */
struct fwd_check {
	struct fwd_index *ix; /* points into have */
	struct fwd_entry *have;
	struct fwd_entry *have6; /* forwards for an IPv6 host address (forwards6's alone) */
	size_t n_have6;
	struct fwd_host *host;
	struct rules_config cfg;
};

static int fwd_check_begin(const struct lab_info *li, int fd, struct fwd_check *c,
			   struct err_list *probs)
{
	struct err_msg e;
	char why[512];
	size_t n_have = 0;
	int err;

	c->ix = fwd_index_new();
	c->host = fwd_host_read();
	if (!c->ix || !c->host) {
		err = !c->host ? -errno : -ENOMEM;
		err_add(probs, ERR_NO_INDEX, false, "forward add: %s", strerror(-err));
		return err;
	}
	err = fwd_map_read(fd, li, &c->have, &n_have);
	if (!err)
		err = rules_config_read(li->name, &c->cfg, &e);
	if (err) {
		err_add(probs, ERR_NO_INDEX, false, "lab %s: %s", li->name, strerror(-err));
		return err;
	}
	for (size_t i = 0; i < n_have; i++)
		fwd_index_claim(c->ix, &c->have[i].spec, why, sizeof(why));
	err = forwards6_host(li, &c->have6, &c->n_have6);
	if (err)
		err_add(probs, ERR_NO_INDEX, false, "lab %s: forwards6: %s", li->name,
			strerror(-err));
	return err;
}

/* Do f and g, both for an IPv6 host address, share an address, a protocol and a port? */
static bool clash6(const struct fwd_spec *f, const struct fwd_spec *g)
{
	return f->proto == g->proto && IN6_ARE_ADDR_EQUAL(&f->host_ip6, &g->host_ip6) &&
	       f->port <= g->port_end && g->port <= f->port_end;
}

/*
 * A forward for an IPv6 host address, as the file's (topo_check_fwd.c):
 * to a node with an ip6, clashing only with another for the same address
 * (the datapath asks for the address's own forward before one for any),
 * here the lab's (forwards6) and the requests before it.
 */
static int check6(const struct lab_info *li, int fd6, const struct fwd_check *c,
		  const struct fwd_spec *reqs, size_t i, char *why, size_t len)
{
	const struct fwd_spec *f = &reqs[i];
	const struct lab_node *node = lab_node_find(li, f->node);
	char desc[160], other[160];

	fwd_format(f, desc, sizeof(desc));
	if (fd6 < 0) {
		snprintf(
			why, len,
			"%s: lab %s has no forwards6 map (brought up by an nsbpf without IPv6): run \"nsbpf up FILE\" on it again",
			desc, li->name);
		return -EOPNOTSUPP;
	}
	if (!node->prefix6) {
		snprintf(
			why, len,
			"%s: the host address is IPv6, and node \"%s\" has no ip6 (its network has no subnet6): leave the host address out, or give the network a subnet6",
			desc, node->name);
		return -EINVAL;
	}
	for (size_t j = 0; j < c->n_have6; j++) {
		if (!clash6(f, &c->have6[j].spec))
			continue;
		fwd_format(&c->have6[j].spec, other, sizeof(other));
		snprintf(why, len, "%s %s forward %s of lab %s", desc,
			 f->port == c->have6[j].spec.port &&
					 f->port_end == c->have6[j].spec.port_end ?
				 "is" :
				 "overlaps",
			 other, li->name);
		return -EADDRINUSE;
	}
	for (size_t j = 0; j < i; j++) {
		if (!fwd_host6(&reqs[j]) || !clash6(f, &reqs[j]))
			continue;
		fwd_format(&reqs[j], other, sizeof(other));
		snprintf(why, len, "%s overlaps %s, added with it", desc, other);
		return -EADDRINUSE;
	}
	return 0;
}

/*
 * Every request against the lab, the running forwards, the masquerade
 * range, each other and what the host has (addresses, ephemeral ports,
 * sockets; `up` checks the file's forwards the same way): every problem.
 */
static int fwd_check_all(const struct lab_info *li, int fd, int fd6, const struct fwd_spec *reqs,
			 size_t n, bool force, struct err_list *probs)
{
	struct fwd_check c = { 0 };
	char why[512];
	int err;

	err = fwd_check_begin(li, fd, &c, probs);
	for (size_t i = 0; !err && i < n; i++) {
		const struct fwd_spec *f = &reqs[i];

		if (!lab_node_find(li, f->node)) {
			err_add(probs, i, true, "lab %s has no node \"%s\"", li->name, f->node);
			continue;
		}
		/* an IPv6 host address's forward: forwards6's alone, the IPv4 index never sees it */
		if (fwd_check_snat(f, c.cfg.snat_port_min, c.cfg.snat_port_max, why, sizeof(why)) ||
		    (fwd_host6(f) ? check6(li, fd6, &c, reqs, i, why, sizeof(why)) :
				    fwd_index_claim(c.ix, f, why, sizeof(why))) ||
		    fwd_check_host(c.host, f, force, why, sizeof(why)))
			err_add(probs, i, false, "%s", why);
	}
	if (!err && probs->n)
		err = -EINVAL;
	fwd_host_free(c.host);
	fwd_index_free(c.ix);
	free(c.have);
	free(c.have6);
	return err;
}

/* The host end's ifindex of li->nodes[i], looked up once per node (0: not yet). */
static int node_ifindex(struct nl_sock *sk, const struct lab_info *li, size_t i, int *cache,
			struct err_list *probs)
{
	struct nl_link_info link;

	if (cache[i])
		return cache[i];
	/* links only, behind a router: no host end of its own, as a forward from the file */
	if (!li->nodes[i].hostif[0] && lab_node_fwd_ip(li, &li->nodes[i]))
		return 0;
	if (li->nodes[i].hostif[0] && !li->nodes[i].ip) {
		err_add(probs, ERR_NO_INDEX, false,
			"lab %s: node %s has no IPv4 address (its network is IPv6-only): forwards go to a node's IPv4 address",
			li->name, li->nodes[i].name);
		return -EINVAL;
	}
	if (!li->nodes[i].hostif[0]) {
		err_add(probs, ERR_NO_INDEX, false,
			"lab %s: node %s has no network: a forward goes to the address of a node's first network, or to a link address inside a routed prefix (networks.N.routes)",
			li->name, li->nodes[i].name);
		return -EINVAL;
	}
	if (nl_link_get(sk, li->nodes[i].hostif, &link)) {
		err_add(probs, ERR_NO_INDEX, false, "lab %s: host end %s of node %s is missing",
			li->name, li->nodes[i].hostif, li->nodes[i].name);
		return -ENODEV;
	}
	return cache[i] = link.ifindex;
}

/* The host end's ifindex of a node with an ip6, for a forward for an IPv6 host address. */
static int node_ifindex6(struct nl_sock *sk, const struct lab_info *li, const struct lab_node *node,
			 struct err_list *probs)
{
	struct nl_link_info link;

	if (!node->hostif[0] || nl_link_get(sk, node->hostif, &link)) {
		err_add(probs, ERR_NO_INDEX, false, "lab %s: host end %s of node %s is missing",
			li->name, node->hostif, node->name);
		return -ENODEV;
	}
	return link.ifindex;
}

/* The map entries of every request, in b (checked requests: their nodes exist). */
static int fwd_add_ops(const struct lab_info *li, const struct fwd_spec *reqs, size_t n,
		       struct fwd_batch *b, struct err_list *probs)
{
	int *cache = calloc(li->n_nodes ? li->n_nodes : 1, sizeof(*cache));
	struct nl_sock *sk = nl_open();
	int err = !cache || !sk ? (sk ? -ENOMEM : -errno) : 0;

	if (err)
		err_add(probs, ERR_NO_INDEX, false, "forward add: %s", strerror(-err));
	for (size_t i = 0; !err && i < n; i++) {
		const struct lab_node *node = lab_node_find(li, reqs[i].node);
		bool v6 = fwd_host6(&reqs[i]);
		int ifindex = v6 ? node_ifindex6(sk, li, node, probs) :
				   node_ifindex(sk, li, (size_t)(node - li->nodes), cache, probs);

		if (ifindex < 0)
			err = ifindex;
		else if (v6)
			err = fwd6_batch_add(b, &reqs[i], &node->ip6, ifindex);
		else
			err = fwd_map_batch_add(b, &reqs[i], lab_node_fwd_ip(li, node), ifindex);
		if (err == -ENOMEM)
			err_add(probs, ERR_NO_INDEX, false, "forward add: %s", strerror(-err));
	}
	nl_close(sk);
	free(cache);
	return err;
}

/* forward add's plan: the checks of the lab, of the other labs, then the entries. */
static int add_plan(const struct lab_info *li, int fd, int fd6, const struct fwd_spec *reqs,
		    size_t n, const struct rules_fwd_run *run, struct fwd_batch *b,
		    struct err_list *probs)
{
	int err = fwd_check_all(li, fd, fd6, reqs, n, run->force, probs);

	/* the other labs on the uplink: under the lock, before the journal */
	if (!err)
		err = lab_peers_check_forwards(li, reqs, n, probs);
	if (!err)
		err = fwd_add_ops(li, reqs, n, b, probs);
	return err;
}

int rules_forwards_add(const struct lab_info *li, const struct fwd_spec *reqs, size_t n,
		       struct rules_fwd_run *run, struct err_list *probs)
{
	return fwd_txn_apply(li, "forward add", add_plan, reqs, n, run, probs);
}

int rules_forwards_recover(const char *lab, size_t *n, struct err_msg *e)
{
	struct lab_info li;
	enum lab_where w;
	char netns[256];

	*n = 0;
	if (!fwd_txn_left(lab) || lab_info_read(lab, &li))
		return 0;
	/* The pins are the mount namespace's: another one's bpffs is not the lab's. */
	w = lab_where(&li, netns, sizeof(netns));
	lab_info_free(&li);
	if (w != LAB_HERE && w != LAB_OTHER_NETNS)
		return err_set(
			e, -EXDEV,
			"lab %s: an interrupted forward batch is left, to be undone where the lab was brought up",
			lab);
	return fwd_txn_recover(lab, n, e);
}
