/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What goes with a change of the forwards map. The datapath trusts two
 * things the loader keeps (bpf/lib/rev_nat.h, hairpin.h, masq.h, so that
 * no packet pays a forwards lookup it does not need):
 *   fwd_ports  every forward's port has its bit (set before the forward
 *              goes in; cleared only when no forward uses the port);
 *   ct         a forwarded or hairpin flow lives only as long as the
 *              forward that made it leads to its node: once a forward is
 *              gone or re-pointed, its flows go, both directions.
 * Each call works on map fds (the selftests pass their own) and returns
 * 0 or -errno.
 */
#ifndef NSBPF_LAB_FWD_FLOWS_H
#define NSBPF_LAB_FWD_FLOWS_H

#include <stddef.h>
#include <stdint.h>

#include "nsbpf_maps.h"

/* Set the bit of key's port (before the forward goes in). */
int fwd_ports_mark(int ports_fd, const struct nsb_fwd_key *key);
/* The same for a forwards6 key (one bitmap for both families). */
int fwd_ports_mark6(int ports_fd, const struct nsb_fwd6_key *key);

/* The bitmap as the forwards map says now: bits set and cleared to match. */
int fwd_ports_sync(int ports_fd, int fwd_fd);
/* The same for forwards and forwards6 (fwd6_fd -1: none): one bitmap for both families. */
int fwd_ports_sync46(int ports_fd, int fwd_fd, int fwd6_fd);

/*
 * Delete the ct entries of forwarded and hairpin flows whose forward is
 * gone or leads elsewhere (a hairpin flow's twin with it), and the claims
 * of forwarded flows (a hairpin claim is left to the collector, which
 * takes claims whose flow is gone). *gone: the entries deleted.
 */
int fwd_flows_sweep(int ct_fd, int nat_fd, int fwd_fd, size_t *gone);

/*
 * The flows of removed nodes (ips, host order: every address they had),
 * by lab: their ct entries, a hairpin's twin, their masquerade claims.
 */
int node_flows_sweep(const char *lab, const uint32_t *ips, size_t n, size_t *gone);

/*
 * Both, by lab, after forwards changed (or were recovered): the bitmap
 * synced and the flows of gone forwards deleted. A lab whose maps predate
 * fwd_ports (re-up adds it) gets the sweep alone.
 */
int fwd_after_change(const char *lab, size_t *gone);

#endif /* NSBPF_LAB_FWD_FLOWS_H */
