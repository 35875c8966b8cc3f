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
 *                  IPv4-mapped.
 *   IPv6 itself (connect6, sendmsg6 on UDP, recvmsg6, getpeername6): a
 *                  destination that hits a forwards6 entry (its own address,
 *                  or "any" at ::1, :: or the uplink's IPv6 address) becomes
 *                  the node's ip6:port, the address asked for kept in
 *                  sock_orig6 and given back. Other IPv6 addresses are left
 *                  alone.
 *
 * sendmsg6 never sees an IPv4-mapped destination: udpv6_sendmsg() hands
 * those to udp_sendmsg() before the UDP6_SENDMSG hook, so sock_sendmsg4 sees
 * them (as a sockaddr_in); the kernel would even refuse a sendmsg6 rewrite
 * to a mapped address (-ENOTSUPP). The selftests show it:
 * sendto(::ffff:127.0.0.1) from an IPv6 socket is counted once. sendmsg6
 * is there for IPv6 destinations only, and costs a netns cookie compare
 * for the rest of the machine's IPv6 datagrams.
 *
 * They act only in the lab's host netns: each first compares the socket's
 * netns cookie with config.host_netns_cookie (0: not set, do nothing), so
 * every other process of the machine passes untouched. All return 1 (let
 * the call go on). Helpers need Linux 5.8 (getpeername hooks; the netns
 * cookie for sock_addr is 5.7).
 *
 * Maps read: config, forwards, forwards6, sock_orig, sock_orig6. Written:
 * sock_orig, sock_orig6, forwards and forwards6 (hits).
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

/* ctx's IPv6 address, whole (an IPv6 hook, never IPv4-mapped: the caller checked). */
static __always_inline void __sock_ip6(struct bpf_sock_addr *ctx, __be32 *ip6)
{
	/* one word at a time: the verifier takes 4-byte loads of user_ip6 */
	ip6[0] = ctx->user_ip6[0];
	ip6[1] = ctx->user_ip6[1];
	ip6[2] = ctx->user_ip6[2];
	ip6[3] = ctx->user_ip6[3];
}

static __always_inline void __sock_set_ip6(struct bpf_sock_addr *ctx, const __be32 *ip6)
{
	ctx->user_ip6[0] = ip6[0];
	ctx->user_ip6[1] = ip6[1];
	ctx->user_ip6[2] = ip6[2];
	ctx->user_ip6[3] = ip6[3];
}

/*
 * An IPv6 destination of the host's (daddr, ctx's port) that hits a
 * forwards6 entry: ::1 and :: (a connect to this host) and the uplink's
 * IPv6 address answer for any; then ctx points at the node, what it asked
 * for kept in sock_orig6 (best effort, as IPv4's). True when it did, *fresh
 * when the socket did not talk to the node through this address before.
 */
static __always_inline struct nsb_fwd6_val *
__sock_dnat6(const struct nsb_config *cfg, struct bpf_sock_addr *ctx, __u8 proto, bool *fresh)
{
	struct nsb_sock6_key k = {};
	struct nsb_sock6_orig o = {};
	const struct nsb_sock6_orig *had;
	struct nsb_fwd6_val *fwd;
	bool any, any_hit;

	__sock_ip6(ctx, o.addr);
	o.port = (__be16)ctx->user_port;
	any = addr6_any(o.addr) ||
	      (!o.addr[0] && !o.addr[1] && !o.addr[2] && o.addr[3] == bpf_htonl(1)) ||
	      (!addr6_any(cfg->uplink_addr6) && addr6_eq(o.addr, cfg->uplink_addr6));
	fwd = forwards6_lookup(o.addr, o.port, proto, any, &any_hit);
	if (!fwd)
		return NULL;
	k.cookie = bpf_get_socket_cookie(ctx);
	addr6_copy(k.node_addr, fwd->node_addr);
	k.node_port = fwd->v.node_port;
	had = bpf_map_lookup_elem(&sock_orig6, &k);
	*fresh = !had || !addr6_eq(had->addr, o.addr) || had->port != o.port;
	if (*fresh)
		bpf_map_update_elem(&sock_orig6, &k, &o, BPF_ANY);
	__sock_set_ip6(ctx, k.node_addr);
	ctx->user_port = (__u32)k.node_port;
	return fwd;
}

/* connect() of an IPv6 socket to an IPv6 address (not IPv4-mapped). */
static __always_inline int sock_connect6_pure(struct bpf_sock_addr *ctx)
{
	const struct nsb_config *cfg = __sock_lab(ctx);
	struct nsb_fwd6_val *fwd;
	__u32 proto = ctx->protocol;
	bool fresh;

	if (!cfg || (proto != IPPROTO_TCP && proto != IPPROTO_UDP))
		return SOCK_GO_ON;
	fwd = __sock_dnat6(cfg, ctx, (__u8)proto, &fresh);
	if (fwd)
		forwards_hit(&fwd->v); /* a connect() is a new flow */
	return SOCK_GO_ON;
}

/* recvfrom() and getpeername() of an IPv6 socket whose peer a forwards6 entry made. */
static __always_inline int sock_undo6(struct bpf_sock_addr *ctx)
{
	struct nsb_sock6_key k = {};
	const struct nsb_sock6_orig *o;

	if (!__sock_lab(ctx))
		return SOCK_GO_ON;
	__sock_ip6(ctx, k.node_addr);
	k.cookie = bpf_get_socket_cookie(ctx);
	k.node_port = (__be16)ctx->user_port;
	o = bpf_map_lookup_elem(&sock_orig6, &k);
	if (!o)
		return SOCK_GO_ON;
	__sock_set_ip6(ctx, o->addr);
	ctx->user_port = (__u32)o->port;
	return SOCK_GO_ON;
}

/* Is ctx's IPv6 address IPv4-mapped (::ffff:a.b.c.d)? Those take IPv4's way. */
static __always_inline bool __sock_mapped(struct bpf_sock_addr *ctx)
{
	return !ctx->user_ip6[0] && !ctx->user_ip6[1] && ctx->user_ip6[2] == bpf_htonl(0xffff);
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
	if (!__sock_mapped(ctx))
		return sock_connect6_pure(ctx);
	return sock_connect(ctx, true);
}

/* sendto() on UDP to an IPv6 address (never an IPv4-mapped one: see above). */
SEC("cgroup/sendmsg6")
int sock_sendmsg6(struct bpf_sock_addr *ctx)
{
	const struct nsb_config *cfg = __sock_lab(ctx);
	struct nsb_fwd6_val *fwd;
	bool fresh = false;

	if (!cfg)
		return SOCK_GO_ON;
	fwd = __sock_dnat6(cfg, ctx, IPPROTO_UDP, &fresh); /* the hook runs for UDP only */
	if (fwd && fresh)
		forwards_hit(&fwd->v); /* a new peer of the socket: a new flow */
	return SOCK_GO_ON;
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
	if (!__sock_mapped(ctx))
		return sock_undo6(ctx);
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
	if (!__sock_mapped(ctx))
		return sock_undo6(ctx);
	return sock_undo(ctx, true);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
