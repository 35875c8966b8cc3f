/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A topology against the other labs up in the same host netns: subnets,
 * forwards and masquerade ports are per host netns and per uplink, so two
 * labs must not claim the same ones. The lab layer gathers the peers
 * (lab_peers.c); this only compares, so it is unit tested without a host.
 */
#ifndef NSBPF_TOPO_PEERS_H
#define NSBPF_TOPO_PEERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "topo/port_fwd_spec.h"
#include "topo/topo.h"

/*
 * Masquerade ports a lab takes when its file has no nat: ports: a share of
 * the default range (NSB_SNAT_PORT_MIN..MAX), so that four labs share an
 * uplink address without a word. Ports are per remote address and port, so
 * a share is that many flows to one server.
 */
#define TOPO_SNAT_SHARES 4

struct topo_peer_net {
	const char *name;
	uint32_t subnet; /* host order */
	uint8_t prefix;
	struct in6_addr subnet6; /* prefix6 0: none */
	uint8_t prefix6;
};

struct topo_peer {
	const char *name;
	const struct topo_peer_net *nets;
	size_t n_nets;
	bool same_uplink; /* the same uplink device: forward and masquerade ports are shared */
	const struct fwd_spec *fwds;
	size_t n_fwds;
	uint16_t snat_lo, snat_hi; /* its masquerade ports; 0 0: none */
};

/* An index of the forwards of the peers on the same uplink; NULL: no memory. */
struct fwd_index *topo_peers_fwd_index(const struct topo_peer *peers, size_t n);

/*
 * Does forward f clash with a forward of a peer on the same uplink (through
 * ix, from topo_peers_fwd_index) or lie in its masquerade ports? That peer,
 * and why in why ("tcp 8080 -> a:80 clashes with lab x's forward ..."); NULL.
 */
const struct topo_peer *topo_peers_fwd_clash(const struct topo_peer *peers, size_t n,
					     const struct fwd_index *ix, const struct fwd_spec *f,
					     char *why, size_t len);

/* The share k (0..TOPO_SNAT_SHARES-1) of the default masquerade ports. */
void topo_snat_share(unsigned int k, uint16_t *lo, uint16_t *hi);

/*
 * t against peers, before anything is created: no subnet overlaps a peer's,
 * no forward clashes with a forward of a peer on the same uplink or lies in
 * its masquerade ports, and the masquerade ports are t's own: the file's
 * nat: ports: must meet no peer's ports; without it t->nat gets the first
 * free share. 0, or -EINVAL with each problem appended to errs as
 * "FILE:LINE:COL: message", naming the other lab.
 */
int topo_check_peers(struct topo *t, const struct topo_peer *peers, size_t n,
		     struct topo_errors *errs);

#endif /* NSBPF_TOPO_PEERS_H */
