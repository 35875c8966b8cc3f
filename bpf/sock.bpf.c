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
 *   sock_connect6, sock_recvmsg6, sock_getpeer6: the same for IPv6 sockets
 *                  that dial IPv4-mapped addresses (::ffff:127.0.0.1, Java's
 *                  default; ::ffff:uplink from a dual-stack client), through
 *                  the same workers; the node and the address given back stay
 *                  IPv4-mapped. Other IPv6 addresses are left alone.
 *
 * No sendmsg6: udpv6_sendmsg() hands an IPv4-mapped destination to
 * udp_sendmsg() before the UDP6_SENDMSG hook, so sock_sendmsg4 sees it (as a
 * sockaddr_in) and sendmsg6 never would; the kernel would even refuse a
 * sendmsg6 rewrite to a mapped address (-ENOTSUPP). A sendmsg6 program
 * would only cost every IPv6 datagram sent on the machine. The selftests
 * show it: sendto(::ffff:127.0.0.1) from an IPv6 socket is counted once.
 *
 * They act only in the lab's host netns: each first compares the socket's
 * netns cookie with config.host_netns_cookie (0: not set, do nothing), so
 * every other process of the machine passes untouched. All return 1 (let
 * the call go on). Helpers need Linux 5.8 (getpeername hooks; the netns
 * cookie for sock_addr is 5.7).
 *
 * Maps read: config, forwards, sock_orig. Written: sock_orig, forwards (hits).
 */
#include "nsbpf_maps.bpf.h" /* first: it includes vmlinux.h */
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "lib/port_fwd.h"

#define SOCK_GO_ON 1 /* a sock_addr hook's "carry on"; recvmsg and getpeername know no other */

/* The lab's config when ctx's socket lives in the lab's host netns, else NULL. */
static __always_inline const struct nsb_config *__sock_lab(struct bpf_sock_addr *ctx)
{
	__u32 zero = 0;
	const struct nsb_config *cfg = bpf_map_lookup_elem(&config, &zero);

	if (!cfg || !cfg->host_netns_cookie || bpf_get_netns_cookie(ctx) != cfg->host_netns_cookie)
		return NULL;
	return cfg;
}

/*
 * ctx's IPv4 address: user_ip4 for an IPv4 hook (v6 false), the a.b.c.d of
 * ::ffff:a.b.c.d for an IPv6 one. False for any other IPv6 address: those
 * are left alone. v6 is a constant at every call, so each program keeps one
 * branch: the verifier refuses user_ip4 in an IPv6 program and the reverse.
 */
static __always_inline bool __sock_ip4(struct bpf_sock_addr *ctx, bool v6, __be32 *ip)
{
	if (!v6) {
		*ip = ctx->user_ip4;
		return true;
	}
	if (ctx->user_ip6[0] || ctx->user_ip6[1] || ctx->user_ip6[2] != bpf_htonl(0xffff))
		return false;
	*ip = ctx->user_ip6[3];
	return true;
}

/* Set ctx's IPv4 address; in an IPv6 hook the ::ffff: prefix stays, so it stays mapped. */
static __always_inline void __sock_set_ip4(struct bpf_sock_addr *ctx, bool v6, __be32 ip)
{
	if (v6)
		ctx->user_ip6[3] = ip;
	else
		ctx->user_ip4 = ip;
}

/* The forward daddr:ctx's port hits, or NULL. */
static __always_inline struct nsb_fwd_val *
__sock_fwd(const struct nsb_config *cfg, struct bpf_sock_addr *ctx, __be32 daddr, __u8 proto)
{
	__u8 first = bpf_ntohl(daddr) >> 24;
	/* connect(0.0.0.0) is a connect to this host, as to 127.0.0.1 */
	bool any = !daddr || first == 127 || (cfg->uplink_addr && daddr == cfg->uplink_addr);

	return forwards_lookup(daddr, (__be16)ctx->user_port, proto, any);
}

/*
 * Point ctx at fwd's node, keeping what it asked for (daddr). True when the
 * socket did not talk to that node through this address before (a new flow).
 */
static __always_inline bool __sock_dnat(struct bpf_sock_addr *ctx, bool v6, __be32 daddr,
					const struct nsb_fwd_val *fwd)
{
	struct nsb_sock_key k = {
		.cookie = bpf_get_socket_cookie(ctx),
		.node_addr = fwd->node_addr,
		.node_port = fwd->node_port,
	};
	struct nsb_sock_orig o = { .addr = daddr, .port = (__be16)ctx->user_port };
	const struct nsb_sock_orig *had = bpf_map_lookup_elem(&sock_orig, &k);
	bool fresh = !had || had->addr != o.addr || had->port != o.port;

	/* best effort: without it the client sees the node's address, still talks to it */
	if (fresh)
		bpf_map_update_elem(&sock_orig, &k, &o, BPF_ANY);
	__sock_set_ip4(ctx, v6, k.node_addr);
	ctx->user_port = (__u32)k.node_port;
	return fresh;
}

/*
 * connect(), TCP or UDP, from an IPv4 socket or to ::ffff:a.b.c.d from an
 * IPv6 one: a destination that hits a forward becomes its node. A connect()
 * is a new flow, even to the same place again: one hit each.
 */
static __always_inline int sock_connect(struct bpf_sock_addr *ctx, bool v6)
{
	const struct nsb_config *cfg;
	struct nsb_fwd_val *fwd;
	__be32 daddr;
	__u32 proto;

	if (!__sock_ip4(ctx, v6, &daddr))
		return SOCK_GO_ON; /* pure IPv6: not a forward's */
	cfg = __sock_lab(ctx);
	if (!cfg)
		return SOCK_GO_ON;
	proto = ctx->protocol;
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return SOCK_GO_ON;
	fwd = __sock_fwd(cfg, ctx, daddr, (__u8)proto);
	if (!fwd)
		return SOCK_GO_ON;
	__sock_dnat(ctx, v6, daddr, fwd);
	forwards_hit(fwd);
	return SOCK_GO_ON;
}

/*
 * recvfrom() and getpeername(): ctx's peer (node:port) back to the address
 * asked for, if a forward made it; an IPv6 socket gets it IPv4-mapped.
 */
static __always_inline int sock_undo(struct bpf_sock_addr *ctx, bool v6)
{
	struct nsb_sock_key k = {};
	const struct nsb_sock_orig *o;

	if (!__sock_ip4(ctx, v6, &k.node_addr) || !__sock_lab(ctx))
		return SOCK_GO_ON;
	k.cookie = bpf_get_socket_cookie(ctx);
	k.node_port = (__be16)ctx->user_port;
	o = bpf_map_lookup_elem(&sock_orig, &k);
	if (!o)
		return SOCK_GO_ON;
	__sock_set_ip4(ctx, v6, o->addr);
	ctx->user_port = (__u32)o->port;
	return SOCK_GO_ON;
}

SEC("cgroup/connect4")
int sock_connect4(struct bpf_sock_addr *ctx)
{
	return sock_connect(ctx, false);
}

SEC("cgroup/connect6")
int sock_connect6(struct bpf_sock_addr *ctx)
{
	return sock_connect(ctx, true);
}

/*
 * sendto() on UDP, from an IPv4 socket and also to ::ffff:a.b.c.d from an
 * IPv6 one: udpv6_sendmsg() hands IPv4-mapped destinations to udp_sendmsg()
 * before its own hook, so this hook sees them as a sockaddr_in. A new peer
 * of the socket is a new flow.
 */
SEC("cgroup/sendmsg4")
int sock_sendmsg4(struct bpf_sock_addr *ctx)
{
	const struct nsb_config *cfg = __sock_lab(ctx);
	struct nsb_fwd_val *fwd;
	__be32 daddr;

	if (!cfg)
		return SOCK_GO_ON;
	daddr = ctx->user_ip4;
	fwd = __sock_fwd(cfg, ctx, daddr, IPPROTO_UDP); /* the hook runs for UDP only */
	if (fwd && __sock_dnat(ctx, false, daddr, fwd))
		forwards_hit(fwd);
	return SOCK_GO_ON;
}

SEC("cgroup/recvmsg4")
int sock_recvmsg4(struct bpf_sock_addr *ctx)
{
	return sock_undo(ctx, false);
}

SEC("cgroup/recvmsg6")
int sock_recvmsg6(struct bpf_sock_addr *ctx)
{
	return sock_undo(ctx, true);
}

SEC("cgroup/getpeername4")
int sock_getpeer4(struct bpf_sock_addr *ctx)
{
	return sock_undo(ctx, false);
}

SEC("cgroup/getpeername6")
int sock_getpeer6(struct bpf_sock_addr *ctx)
{
	return sock_undo(ctx, true);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
