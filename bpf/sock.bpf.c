// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Port forwards from the host itself: cgroup v2 sock_addr hooks, attached
 * by the loader to the root of the cgroup hierarchy. What iptables does in
 * the nat table's OUTPUT chain, done once per socket (or per UDP datagram
 * sent with an address) instead of once per packet: the host's socket
 * talks to the node directly, and its packets take the host's own route to
 * the node (to_node), its replies come back through from_node to the host.
 *
 *   sock_connect4  (connect(), TCP and UDP) and sock_sendmsg4 (sendto() on
 *                  UDP): a destination that hits a forward (its own address,
 *                  or "any" at 127/8, 0.0.0.0 or the uplink address) becomes
 *                  the forward's node:port; the address asked for is kept in
 *                  sock_orig under (socket cookie, node, port); the forward's
 *                  hit is counted per connect() and per new UDP peer
 *   sock_recvmsg4  (recvfrom() on UDP) and sock_getpeer4 (getpeername()):
 *                  node:port back to the address asked for, so the client
 *                  sees the peer it dialled
 *
 * They act only in the lab's host netns: each first compares the socket's
 * netns cookie with config.host_netns_cookie (0: not set, do nothing), so
 * every other process of the machine passes untouched. All return 1 (let
 * the call go on). Helpers need Linux 5.8 (getpeername hooks; the netns
 * cookie for sock_addr is 5.7).
 *
 * Maps read: config, forwards, sock_orig. Written: sock_orig, forwards (hits).
 */
#include "nsbpf_maps.bpf.h"	/* first: it includes vmlinux.h */
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "lib/forwards.h"

#define SOCK_GO_ON	1	/* a sock_addr hook's "carry on"; recvmsg and getpeername know no other */

/* The lab's config when ctx's socket lives in the lab's host netns, else NULL. */
static __always_inline const struct nsb_config *__sock_lab(struct bpf_sock_addr *ctx)
{
	__u32 zero = 0;
	const struct nsb_config *cfg = bpf_map_lookup_elem(&config, &zero);

	if (!cfg || !cfg->host_netns_cookie ||
	    bpf_get_netns_cookie(ctx) != cfg->host_netns_cookie)
		return NULL;
	return cfg;
}

/* The forward ctx's destination hits, or NULL. */
static __always_inline struct nsb_fwd_val *__sock_fwd(const struct nsb_config *cfg,
						       struct bpf_sock_addr *ctx, __u8 proto)
{
	__be32 daddr = ctx->user_ip4;
	__u8 first = bpf_ntohl(daddr) >> 24;
	/* connect(0.0.0.0) is a connect to this host, as to 127.0.0.1 */
	bool any = !daddr || first == 127 || (cfg->uplink_addr && daddr == cfg->uplink_addr);

	return forwards_lookup(daddr, (__be16)ctx->user_port, proto, any);
}

/*
 * Point ctx at fwd's node, keeping what it asked for. True when the socket
 * did not talk to that node through this address before (a new flow).
 */
static __always_inline bool __sock_dnat(struct bpf_sock_addr *ctx, const struct nsb_fwd_val *fwd)
{
	struct nsb_sock_key k = {
		.cookie = bpf_get_socket_cookie(ctx),
		.node_addr = fwd->node_addr,
		.node_port = fwd->node_port,
	};
	struct nsb_sock_orig o = { .addr = ctx->user_ip4, .port = (__be16)ctx->user_port };
	const struct nsb_sock_orig *had = bpf_map_lookup_elem(&sock_orig, &k);
	bool fresh = !had || had->addr != o.addr || had->port != o.port;

	/* best effort: without it the client sees the node's address, still talks to it */
	if (fresh)
		bpf_map_update_elem(&sock_orig, &k, &o, BPF_ANY);
	ctx->user_ip4 = k.node_addr;
	ctx->user_port = (__u32)k.node_port;
	return fresh;
}

/* ctx's peer (node:port) back to the address asked for, if a forward made it. */
static __always_inline void __sock_undo(struct bpf_sock_addr *ctx)
{
	struct nsb_sock_key k = {
		.cookie = bpf_get_socket_cookie(ctx),
		.node_addr = ctx->user_ip4,
		.node_port = (__be16)ctx->user_port,
	};
	const struct nsb_sock_orig *o = bpf_map_lookup_elem(&sock_orig, &k);

	if (!o)
		return;
	ctx->user_ip4 = o->addr;
	ctx->user_port = (__u32)o->port;
}

SEC("cgroup/connect4")
int sock_connect4(struct bpf_sock_addr *ctx)
{
	const struct nsb_config *cfg = __sock_lab(ctx);
	struct nsb_fwd_val *fwd;
	__u32 proto;

	if (!cfg)
		return SOCK_GO_ON;
	proto = ctx->protocol;
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return SOCK_GO_ON;
	fwd = __sock_fwd(cfg, ctx, (__u8)proto);
	if (!fwd)
		return SOCK_GO_ON;
	__sock_dnat(ctx, fwd);
	forwards_hit(fwd);	/* a connect() is a new flow, even to the same place again */
	return SOCK_GO_ON;
}

SEC("cgroup/sendmsg4")
int sock_sendmsg4(struct bpf_sock_addr *ctx)
{
	const struct nsb_config *cfg = __sock_lab(ctx);
	struct nsb_fwd_val *fwd;

	if (!cfg)
		return SOCK_GO_ON;
	fwd = __sock_fwd(cfg, ctx, IPPROTO_UDP);	/* the hook runs for UDP only */
	if (fwd && __sock_dnat(ctx, fwd))
		forwards_hit(fwd);
	return SOCK_GO_ON;
}

SEC("cgroup/recvmsg4")
int sock_recvmsg4(struct bpf_sock_addr *ctx)
{
	if (__sock_lab(ctx))
		__sock_undo(ctx);
	return SOCK_GO_ON;
}

SEC("cgroup/getpeername4")
int sock_getpeer4(struct bpf_sock_addr *ctx)
{
	if (__sock_lab(ctx))
		__sock_undo(ctx);
	return SOCK_GO_ON;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
