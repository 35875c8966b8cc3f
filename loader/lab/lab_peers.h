/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The other labs up in this host netns, as topo_check_peers() compares
 * them: their subnets, and on the same uplink their forwards and
 * masquerade ports. Read under the state lock, so that two `up`s (or an
 * `up` and a `forward add`) never both pass the checks on the same ports.
 */
#ifndef NSBPF_LAB_PEERS_H
#define NSBPF_LAB_PEERS_H

#include <stddef.h>

#include "topo/topo_peers.h"
#include "util/err.h"

struct lab_peers {
	struct topo_peer *peer;
	size_t n;
	void *store; /* what the peers point into */
};

/*
 * Every lab but self that is up in this host netns; same_uplink when its
 * uplink is uplink ("" : none). 0, or -errno with e.
 */
int lab_peers_read(const char *self, const char *uplink, struct lab_peers *out, struct err_msg *e);
void lab_peers_free(struct lab_peers *p);

struct lab_info;
/*
 * The n forwards `forward add` would give the running lab li against the
 * forwards and masquerade ports of the other labs on its uplink: 0, or
 * -EADDRINUSE with a problem per clashing request in probs (naming the
 * other lab), or another -errno. Call under the state lock.
 */
int lab_peers_check_forwards(const struct lab_info *li, const struct fwd_spec *reqs, size_t n,
			     struct err_list *probs);

#endif /* NSBPF_LAB_PEERS_H */
