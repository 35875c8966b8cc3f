/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Hairpin at from_node: a node reaches a port forward of its own lab (at the
 * uplink address, at any lab gateway, or at the forward's own address) and
 * lands on the forward's backend, which may be itself. Both directions are
 * node-sent, so both are ct entries keyed as the nodes send them, each the
 * other's twin:
 *
 *   client c:cp -> uplink:6000   as   gw:P -> backend:8080        F_HAIRPIN
 *   backend:8080 -> gw:P         as   uplink:6000 -> c:cp          F_HAIRPIN|F_DNAT
 *
 * gw is the backend network's gateway and P a port from the SNAT range,
 * claimed in nat_ports as masquerade claims (nat_ct_create()), so the
 * backend answers its own gateway and the reply comes back through
 * from_node. Each packet is counted on its own entry (orig) and its twin's
 * (reply), so both keep the state and the idle time of the connection.
 * Delivery: bpf_redirect_peer() into the target, the sender's own host end
 * included. A routed hop: TTL - 1 (expired: dropped, ttl). Forwards are
 * public: every node may use them, whatever its network may reach. Later
 * fragments of a hairpin datagram are not followed (they go to the host).
 */
#ifndef NSBPF_LIB_HAIRPIN_H
#define NSBPF_LIB_HAIRPIN_H

#include "lib/nat.h"
#include "lib/subnets.h"
#include "lib/port_fwd.h"

/* Is daddr a gateway of the lab? The sender's own first, without a scan. */
static __always_inline bool __hairpin_gateway(const struct nsb_endpoint *src, __be32 daddr)
{
	__u32 id = src->net_id;
	const struct nsb_network *net = bpf_map_lookup_elem(&networks, &id);

	if (net && net->gateway == daddr)
		return true;
	return lab_where(daddr) == LAB_GATEWAY;
}

/*
 * Is f, which src sent and no ct entry knows, a new flow to a port forward?
 * Only a TCP SYN or a UDP datagram opens one. 0: no; 1: yes, *rq says where
 * to and *fwdp is the forward (for its hit); or nsb_drop().
 */
static __always_inline int hairpin_target(const struct nsb_config *cfg,
					  const struct nsb_endpoint *src, const struct flow_v4 *f,
					  struct nat_req *rq, struct nsb_fwd_val **fwdp)
{
	const struct nsb_endpoint *ep;
	const struct nsb_network *net;
	struct nsb_fwd_val *fwd;
	__be32 daddr = f->key.daddr, node;
	__u32 id;

	if (f->l4 != FLOW_L4_OK)
		return 0;
	if (f->key.proto == IPPROTO_TCP) {
		if ((f->tcp_flags & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN)) != TCP_SYN)
			return 0;
	} else if (f->key.proto != IPPROTO_UDP) {
		return 0;
	}
	fwd = forwards_lookup(daddr, f->key.dport, f->key.proto, false);
	if (!fwd) {
		fwd = forwards_lookup(0, f->key.dport, f->key.proto, true);
		/* the scan of the gateways only once a forward is there */
		if (!fwd || ((!cfg->uplink_addr || daddr != cfg->uplink_addr) &&
			     !__hairpin_gateway(src, daddr)))
			return 0;
	}
	node = fwd->node_addr;
	ep = endpoint_find(&node); /* the node, or the router it lies behind */
	if (!ep)
		return nsb_drop(NSB_DROP_NO_ENDPOINT); /* the forward's node is gone */
	id = ep->net_id;
	net = bpf_map_lookup_elem(&networks, &id);
	if (!net || !net->gateway)
		return nsb_drop(NSB_DROP_NO_ENDPOINT);
	rq->nat_addr = net->gateway;
	rq->to_addr = node;
	rq->to_port = fwd->node_port;
	rq->flags = NSB_CT_F_HAIRPIN;
	rq->to_ifindex = ep->ifindex;
	*fwdp = fwd;
	return 1;
}

/* The backend's entry for the flow ce (the client's, just made). 0 or nsb_drop(). */
static __always_inline int hairpin_twin(const struct flow_v4 *f, const struct nsb_ct_entry *ce,
					const struct nat_req *rq, __u64 now)
{
	struct nsb_ct_key tk = {
		.saddr = rq->to_addr,
		.daddr = rq->nat_addr,
		.sport = rq->to_port,
		.dport = ce->nat_port,
		.proto = f->key.proto,
	};
	struct nsb_ct_entry *te = ct_scratch_get();

	if (!te)
		return nsb_drop(NSB_DROP_INTERNAL);
	te->nat_addr = f->key.daddr;
	te->nat_port = f->key.dport;
	te->dnat_addr = f->key.saddr;
	te->dnat_port = f->key.sport;
	te->state = NSB_CT_NEW;
	te->flags = NSB_CT_F_HAIRPIN | NSB_CT_F_DNAT;
	te->ifindex = rq->to_ifindex;
	te->created_ns = now;
	te->last_seen_ns = now;
	/* BPF_ANY: the claim of gw:P is ours, whatever sits at its key is stale */
	if (bpf_map_update_elem(&ct, &tk, te, BPF_ANY))
		return nsb_drop(NSB_DROP_CT_FULL); /* the claim was ours: only a full table */
	return 0;
}

/*
 * The twin of the hairpin entry ce of f, if it still leads back to f: a
 * twin whose port a newer flow took over belongs to that flow, and a
 * straggler of f must neither reach its backend nor change its state.
 */
static __always_inline struct nsb_ct_entry *__hairpin_twin(const struct flow_v4 *f,
							   const struct nsb_ct_entry *ce)
{
	struct nsb_ct_key tk = {
		.saddr = ce->dnat_addr,
		.daddr = ce->nat_addr,
		.sport = ce->dnat_port,
		.dport = ce->nat_port,
		.proto = f->key.proto,
	};
	struct nsb_ct_entry *tw = bpf_map_lookup_elem(&ct, &tk);

	if (!tw || tw->dnat_addr != f->key.saddr || tw->dnat_port != f->key.sport ||
	    tw->nat_addr != f->key.daddr || tw->nat_port != f->key.dport)
		return NULL;
	return tw;
}

/* Translate f both ways as its entry ce says, count it on both, and into the target. */
static __always_inline int hairpin_out(struct __sk_buff *skb, struct nsb_verdict *v,
				       const struct flow_v4 *f, struct nsb_ct_entry *ce,
				       struct nsb_ct_entry *tw, __u64 now)
{
	struct nsb_ct_key out = {
		.saddr = ce->nat_addr,
		.daddr = ce->dnat_addr,
		.sport = ce->nat_port,
		.dport = ce->dnat_port,
		.proto = f->key.proto,
	};
	const struct nsb_endpoint *dst = endpoint_find(&out.daddr);

	if (!dst)
		return nsb_drop(NSB_DROP_NO_ENDPOINT);
	/* both ends are nodes past anti-spoofing: nobody else can send on this flow */
	ct_tcp_trusted(ce, f->key.proto, f->tcp_flags, false);
	ct_tcp_trusted(tw, f->key.proto, f->tcp_flags, true);
	if (__nat_rewrite_v4(skb, f->l4_off | RW_TTL_DEC, &out))
		return nsb_drop(NSB_DROP_CSUM);
	ct_account_orig(ce, f->key.proto, f->len, now);
	ct_account_reply(tw, f->key.proto, f->len, now);
	return nat_to_node(skb, v, dst, NSB_PATH_HAIRPIN);
}

/*
 * Can a TCP or UDP packet to this port of a host address be a hairpin
 * flow's? Only to a forwarded port (the client's side) or a port of the
 * SNAT range (the backend's answer to its gateway); any other is the
 * host's own traffic. Asked here and, before the global call, by from_node.
 */
static __always_inline bool hairpin_port_maybe(const struct nsb_config *cfg, __be16 dport,
					       __u8 proto)
{
	__u32 port = bpf_ntohs(dport);

	return (port >= nsb_snat_port_min(cfg) && port <= nsb_snat_port_max(cfg)) ||
	       forwards_port_used(dport, proto);
}

/* A packet src sent to an address of the host's: hairpin, or to the host. */
static __always_inline int __hairpin_v4(struct __sk_buff *skb, struct nsb_verdict *v,
					const struct nsb_endpoint *src)
{
	struct nsb_fwd_val *fwd = NULL;
	struct nsb_ct_entry *ce, *tw = NULL;
	const struct nsb_config *cfg;
	struct nat_req rq = {};
	struct flow_v4 f;
	__u64 now;
	int ret;

	ret = flow_reparse_v4(skb, src, &cfg, &f);
	if (ret)
		return ret;
	if (f.l4 != FLOW_L4_OK || (f.key.proto != IPPROTO_TCP && f.key.proto != IPPROTO_UDP))
		return verdict_pass(v, NSB_PATH_TO_HOST);
	/*
	 * The host's own traffic fast: a hairpin flow's packet goes to a
	 * forwarded port (the client's side) or to a gateway's port from the
	 * SNAT range (the backend's). Any other is the host's, without a
	 * conntrack lookup. A hairpin flow lives as long as its forward leads
	 * to its backend: the loader ends it (lab/fwd_flows.c).
	 */
	if (!hairpin_port_maybe(cfg, f.key.dport, f.key.proto))
		return verdict_pass(v, NSB_PATH_TO_HOST);
	now = ct_now();
	ce = bpf_map_lookup_elem(&ct, &f.key);
	if (ce && !ct_expired(cfg, ce, f.key.proto, now) && (ce->flags & NSB_CT_F_HAIRPIN))
		tw = __hairpin_twin(&f, ce);
	if (!tw) {
		/* ce: NULL, a stale entry, or one whose twin is another flow's now */
		ret = hairpin_target(cfg, src, &f, &rq, &fwd);
		if (ret <= 0)
			return ret ? ret : verdict_pass(v, NSB_PATH_TO_HOST);
		if (f.ttl <= 1)
			return nsb_drop(NSB_DROP_TTL); /* inside the lab: no ICMP error */
		rq.ifindex = src->ifindex;
		rq.now = now;
		ret = nat_ct_create(cfg, &f, &rq, ce);
		if (ret)
			return ret;
		ce = bpf_map_lookup_elem(&ct, &f.key);
		if (!ce)
			return nsb_drop(NSB_DROP_CT_INSERT); /* gone meanwhile (the collector) */
		ret = hairpin_twin(&f, ce, &rq, now);
		if (ret)
			return ret;
		tw = __hairpin_twin(&f, ce);
		if (!tw)
			return nsb_drop(NSB_DROP_CT_INSERT); /* gone meanwhile (the collector) */
		if (fwd)
			forwards_hit(fwd);
	} else if (f.ttl <= 1) {
		return nsb_drop(NSB_DROP_TTL);
	}
	return hairpin_out(skb, v, &f, ce, tw, now);
}

/*
 * What a node sends to an address of the host's (the uplink address, a
 * gateway, another host address): a hairpin flow's packet, a new flow to a
 * port forward, or the host's (to_host, untouched). src: the sender.
 *
 * A global function: the verifier walks it once, on its own, however many
 * paths of from_node lead here. It finishes its own verdict (verdict_done()).
 */
__noinline int hairpin_from_node_v4(struct __sk_buff *skb, const struct nsb_endpoint *src)
{
	struct nsb_verdict v = NSB_VERDICT_INIT;

	return verdict_done(verdict_finish(skb, &v, __hairpin_v4(skb, &v, src)));
}

#endif /* NSBPF_LIB_HAIRPIN_H */
