/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Remote subnets (networks.N.remote; a CNI config's remoteSubnets): other
 * machines' pod subnets, reached natively, as flannel host-gw or Calico's
 * native routing do: no NAT, no tunnel, each side's own addresses.
 *
 *   from_node     a node of the network to a remote address, no flow of
 *                 ours: a router's checks (lib/masq.h's), TTL - 1, out of
 *                 the uplink by bpf_redirect_neigh() to the entry's next
 *                 hop, its source kept (remote_out)
 *   to_uplink     that packet carries a lab source: let through, as only
 *                 a node's to a remote subnet of its network is
 *   from_uplink   from a remote address to a node of that network: TTL - 1,
 *                 into the node as a reply goes (remote_in); from anywhere
 *                 else to a lab address stays dropped (inbound)
 *
 * The next hop is the entry's, not the host's FIB: the host needs no route
 * and gets none, and nothing of the host's own routing (another lab's,
 * a CNI plugin's) can send the lab's packets elsewhere. A source inside a
 * remote subnet is trusted as the host's own rp_filter would trust it: the
 * uplink is the way back to it, and no more can be known of it here.
 *
 * Cost: the trie is asked only when config.flags has NSB_CFG_F_REMOTES, and
 * only where a lab without remotes drops or masquerades a new flow. No
 * stack: the key is the per-CPU routes key (lib/endpoint.h), the value is
 * bpf_redirect_neigh()'s parameters.
 */
#ifndef NSBPF_LIB_REMOTE_H
#define NSBPF_LIB_REMOTE_H

#include "lib/endpoint.h"

/* The remote subnet of network net_id that holds addr, or NULL. */
static __always_inline const struct nsb_remote *remote_find(const struct nsb_config *cfg,
							    __be32 addr, __u32 net_id)
{
	const struct nsb_remote *r;
	struct nsb_route_key *k;

	if (!(cfg->flags & NSB_CFG_F_REMOTES))
		return NULL;
	k = route_key_of(addr);
	if (!k)
		return NULL;
	r = bpf_map_lookup_elem(&remotes, k);
	return r && r->net_id == net_id ? r : NULL;
}

/*
 * to_uplink: may a packet from lab address saddr leave? Only a node's (or
 * its router's prefix's) to a remote subnet of its own network: what
 * remote_out sent. Config and daddr are read here, on this rare path only.
 */
static __always_inline bool remote_src_ok(struct __sk_buff *skb, __be32 saddr)
{
	const struct nsb_config *cfg = bpf_map_lookup_elem(&config, &__endpoint_zero);
	const struct nsb_endpoint *ep;
	__be32 daddr;

	if (!cfg || !(cfg->flags & NSB_CFG_F_REMOTES))
		return false;
	if (bpf_skb_load_bytes(skb, ETH_HLEN + offsetof(struct iphdr, daddr), &daddr,
			       sizeof(daddr)))
		return false;
	ep = endpoint_find(&saddr);
	return ep && remote_find(cfg, daddr, ep->net_id);
}

#endif /* NSBPF_LIB_REMOTE_H */
