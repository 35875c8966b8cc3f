// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Each pinned map's key and value as fields (map_dump.h): the names follow
 * the structs of maps/nsbpf_maps.h, so `nsbpf map dump -j` and `bpftool map
 * dump` name the same things; a clock becomes an age in seconds (AGE_S,
 * IDLE_S), a timeout seconds. Fields marked detail are JSON only.
 */
#include <arpa/inet.h>
#include <string.h>

#include "lab/map_decode.h"

#define ARRAY_N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const ct_states[] = { "new", "established", "closing", "closed" };
static const char *const ct_flags[] = { "fin_orig", "fin_reply", "dnat",   "hairpin",
					"rst",	    "cport",	 "fwd_any" };
static const char *const tcp_flags[] = { "wscale", "maxack" };
static const char *const nat_flags[] = { "hairpin" };
static const char *const net_flags[] = { "used", "masquerade", "hole", "v6_only" };
static const char *const cfg_flags[] = { "remotes" };
static const char *const frag_dirs[] = { "out", "in" };

#define __NSB_STR(n, s, d) s,
static const char *const path_names[] = { NSB_PATH_LIST(__NSB_STR) };
static const char *const drop_names[] = { NULL, NSB_DROP_LIST(__NSB_STR) };
static const char *const stat_kinds[] = { "path", "drop" };

static unsigned int popcount4(const __u64 w[4])
{
	return (unsigned int)(__builtin_popcountll(w[0]) + __builtin_popcountll(w[1]) +
			      __builtin_popcountll(w[2]) + __builtin_popcountll(w[3]));
}

static bool dec_config(const struct map_walk *w, const void *key, const void *val,
		       struct map_entry *me)
{
	const struct nsb_config *c = val;

	(void)w;
	(void)key;
	mf_key_done(me);
	mf_uint(me, "layout", c->layout);
	mf_flags(me, "flags", cfg_flags, ARRAY_N(cfg_flags), c->flags);
	mf_uint(me, "uplink_ifindex", c->uplink_ifindex);
	mf_ip(me, "uplink_addr", c->uplink_addr);
	mf_uint(me, "snat_port_min", c->snat_port_min); /* host order already */
	mf_uint(me, "snat_port_max", c->snat_port_max);
	mf_uint(me, "ct_max", c->ct_max);
	mf_secs(me, "tmo_tcp_syn_s", c->tmo_tcp_syn);
	mf_secs(me, "tmo_tcp_est_s", c->tmo_tcp_est);
	mf_secs(me, "tmo_tcp_closing_s", c->tmo_tcp_closing);
	mf_secs(me, "tmo_tcp_closed_s", c->tmo_tcp_closed);
	mf_secs(me, "tmo_udp_new_s", c->tmo_udp_new);
	mf_secs(me, "tmo_udp_s", c->tmo_udp);
	mf_secs(me, "tmo_icmp_s", c->tmo_icmp);
	mf_uint(me, "host_netns_cookie", c->host_netns_cookie);
	mf_uint(me, "fib_ifindex", c->fib_ifindex);
	mf_uint(me, "routes", c->routes);
	mf_ip6(me, "uplink_addr6", c->uplink_addr6);
	/* the IPv6 summaries: of 256 slots, how many no subnet6 / host address hashes to */
	mf_uint(me, "lab6_outside_slots", popcount4(c->lab6_outside));
	mf_uint(me, "host6_outside_slots", popcount4(c->host6_outside));
	return true;
}

/* Used slots and a converge's holes; reach by network name. */
static bool dec_network(const struct map_walk *w, const void *key, const void *val,
			struct map_entry *me)
{
	const struct nsb_network *n = val;
	__u32 id = *(const __u32 *)key;

	if (!(n->flags & (NSB_NET_F_USED | NSB_NET_F_HOLE)))
		return false;
	mf_uint(me, "id", id);
	mf_name(me, "name", w->net_names, NSB_MAX_NETWORKS, id);
	mf_key_done(me);
	mf_ip(me, "subnet", n->subnet);
	mf_uint(me, "prefix", (uint64_t)__builtin_popcount(n->mask));
	mf_ip(me, "gateway", n->gateway);
	mf_flags(me, "flags", net_flags, ARRAY_N(net_flags), n->flags);
	mf_flags(me, "reach", w->net_names, NSB_MAX_NETWORKS, n->reach);
	return true;
}

static bool dec_endpoint(const struct map_walk *w, const void *key, const void *val,
			 struct map_entry *me)
{
	const struct nsb_endpoint *ep = val;

	mf_ip(me, "addr", ((const struct nsb_addr_key *)key)->addr);
	mf_key_done(me);
	mf_uint(me, "ifindex", ep->ifindex);
	mf_uint(me, "net_id", ep->net_id);
	mf_name(me, "network", w->net_names, NSB_MAX_NETWORKS, ep->net_id);
	mf_mac(me, "node_mac", ep->node_mac);
	mf_mac(me, "host_mac", ep->host_mac);
	return true;
}

/* A routed prefix: its router's endpoint, as in endpoints, and its address. */
static bool dec_route(const struct map_walk *w, const void *key, const void *val,
		      struct map_entry *me)
{
	const struct nsb_route_key *k = key;
	const struct nsb_route *r = val;

	mf_ip(me, "addr", k->addr);
	mf_uint(me, "prefixlen", k->prefixlen);
	mf_key_done(me);
	mf_ip(me, "via", r->via);
	mf_uint(me, "ifindex", r->ep.ifindex);
	mf_uint(me, "net_id", r->ep.net_id);
	mf_name(me, "network", w->net_names, NSB_MAX_NETWORKS, r->ep.net_id);
	mf_mac(me, "node_mac", r->ep.node_mac);
	mf_mac(me, "host_mac", r->ep.host_mac);
	return true;
}

static bool dec_remote(const struct map_walk *w, const void *key, const void *val,
		       struct map_entry *me)
{
	const struct nsb_route_key *k = key;
	const struct nsb_remote *r = val;

	mf_ip(me, "addr", k->addr);
	mf_uint(me, "prefixlen", k->prefixlen);
	mf_key_done(me);
	mf_ip(me, "via", r->nh.ipv4_nh);
	mf_uint(me, "net_id", r->net_id);
	mf_name(me, "network", w->net_names, NSB_MAX_NETWORKS, r->net_id);
	return true;
}

static bool dec_host_addr(const struct map_walk *w, const void *key, const void *val,
			  struct map_entry *me)
{
	(void)w;
	mf_ip(me, "addr", ((const struct nsb_addr_key *)key)->addr);
	mf_key_done(me);
	mf_uint(me, "value", *(const __u8 *)val);
	return true;
}

/* A word of the forwarded-ports bitmaps: 64 ports of one protocol from `from_port`. */
static bool dec_fwd_port_word(const struct map_walk *w, const void *key, const void *val,
			      struct map_entry *me)
{
	__u32 word = *(const __u32 *)key;
	__u64 bits = *(const __u64 *)val;

	(void)w;
	if (!bits)
		return false;
	mf_uint(me, "word", word);
	mf_key_done(me);
	mf_uint(me, "one_address", word >= 2048);
	mf_proto(me, "proto", word % 2048 >= 1024 ? IPPROTO_UDP : IPPROTO_TCP);
	mf_uint(me, "from_port", (uint64_t)(word % 1024) * 64);
	mf_uint(me, "bits", bits);
	return true;
}

/* A word of the address filter: 64 bits of hashed /24s (used words). */
/* A word of addr_filter: its 32 slots' lab and host bits, each as a 32-bit mask. */
static bool dec_filter_word(const struct map_walk *w, const void *key, const void *val,
			    struct map_entry *me)
{
	__u64 bits = *(const __u64 *)val;
	__u32 lab = 0, host = 0;

	(void)w;
	if (!bits)
		return false;
	for (int i = 0; i < 32; i++) {
		lab |= (__u32)((bits >> (2 * i)) & NSB_ADDR_FILTER_LAB) << i;
		host |= (__u32)(((bits >> (2 * i)) & NSB_ADDR_FILTER_HOST) >> 1) << i;
	}
	mf_uint(me, "word", *(const __u32 *)key);
	mf_key_done(me);
	mf_uint(me, "first_slot", *(const __u32 *)key * 32);
	mf_uint(me, "lab", lab);
	mf_uint(me, "host", host);
	return true;
}

static bool dec_forward(const struct map_walk *w, const void *key, const void *val,
			struct map_entry *me)
{
	const struct nsb_fwd_key *k = key;
	const struct nsb_fwd_val *v = val;

	(void)w;
	mf_ip(me, "host_addr", k->host_addr);
	mf_port(me, "port", k->port);
	mf_proto(me, "proto", k->proto);
	mf_key_done(me);
	mf_ip(me, "node_addr", v->node_addr);
	mf_port(me, "node_port", v->node_port);
	mf_port(me, "first_port", v->first_port);
	mf_uint(me, "count", v->count);
	mf_uint(me, "ifindex", v->ifindex);
	mf_uint(me, "hits", v->hits);
	return true;
}

static void tcp_side(struct map_entry *me, const char *const names[6], const struct nsb_tcp_side *s)
{
	mf_uint(me, names[0], s->end);
	mf_uint(me, names[1], s->maxend);
	mf_uint(me, names[2], s->maxwin);
	mf_uint(me, names[3], s->maxack);
	mf_uint(me, names[4], s->wscale);
	mf_flags(me, names[5], tcp_flags, ARRAY_N(tcp_flags), s->flags);
}

/* An address of either family (a ct or nat_ports entry of its map's). */
static void mf_addr(struct map_entry *me, const char *name, const __be32 *a, bool v6)
{
	if (v6)
		mf_ip6(me, name, a);
	else
		mf_ip(me, name, *a);
}

/* A ct or ct6 entry: its key's fields, its addresses' family, the entry both share. */
struct ct_view {
	const __be32 *saddr, *daddr, *nat_addr, *dnat_addr;
	__be16 sport, dport;
	__u8 proto;
	bool v6;
	const struct nsb_ct_entry *c;
};

static void ct_fields(const struct map_walk *w, const struct ct_view *v, struct map_entry *me)
{
	static const char *const orig[6] = { "tcp_orig_end",	"tcp_orig_maxend",
					     "tcp_orig_maxwin", "tcp_orig_maxack",
					     "tcp_orig_wscale", "tcp_orig_flags" };
	static const char *const reply[6] = { "tcp_reply_end",	  "tcp_reply_maxend",
					      "tcp_reply_maxwin", "tcp_reply_maxack",
					      "tcp_reply_wscale", "tcp_reply_flags" };
	const struct nsb_ct_entry *c = v->c;

	mf_addr(me, "saddr", v->saddr, v->v6);
	mf_addr(me, "daddr", v->daddr, v->v6);
	mf_port(me, "sport", v->sport);
	mf_port(me, "dport", v->dport);
	mf_proto(me, "proto", v->proto);
	mf_key_done(me);
	mf_addr(me, "nat_addr", v->nat_addr, v->v6);
	mf_port(me, "nat_port", c->nat_port);
	mf_name(me, "state", ct_states, ARRAY_N(ct_states), c->state);
	mf_flags(me, "flags", ct_flags, ARRAY_N(ct_flags), c->flags);
	mf_addr(me, "dnat_addr", v->dnat_addr, v->v6);
	mf_port(me, "dnat_port", c->dnat_port);
	mf_age(me, "age_s", w, c->created_ns);
	mf_age(me, "idle_s", w, c->last_seen_ns);
	mf_uint(me, "pkts_orig", c->pkts_orig);
	mf_uint(me, "pkts_reply", c->pkts_reply);
	me->detail = true;
	mf_uint(me, "ifindex", c->ifindex);
	mf_uint(me, "bytes_orig", c->bytes_orig);
	mf_uint(me, "bytes_reply", c->bytes_reply);
	tcp_side(me, orig, &c->tcp[0]);
	tcp_side(me, reply, &c->tcp[1]);
}

static bool dec_ct(const struct map_walk *w, const void *key, const void *val, struct map_entry *me)
{
	const struct nsb_ct_key *k = key;
	const struct nsb_ct_entry *c = val;

	ct_fields(w,
		  &(struct ct_view){ &k->saddr, &k->daddr, &c->nat_addr, &c->dnat_addr, k->sport,
				     k->dport, k->proto, false, c },
		  me);
	return true;
}

/* A nat_ports or nat_ports6 claim: as ct_view. */
struct nat_view {
	const __be32 *nat_addr, *remote_addr, *node_addr;
	__be16 nat_port, remote_port;
	__u8 proto;
	bool v6;
	const struct nsb_nat_val *v;
};

static void nat_fields(const struct map_walk *w, const struct nat_view *n, struct map_entry *me)
{
	const struct nsb_nat_val *v = n->v;

	mf_addr(me, "nat_addr", n->nat_addr, n->v6);
	mf_addr(me, "remote_addr", n->remote_addr, n->v6);
	mf_port(me, "nat_port", n->nat_port);
	mf_port(me, "remote_port", n->remote_port);
	mf_proto(me, "proto", n->proto);
	mf_key_done(me);
	mf_addr(me, "node_addr", n->node_addr, n->v6);
	mf_port(me, "node_port", v->node_port);
	mf_flags(me, "flags", nat_flags, ARRAY_N(nat_flags), v->flags);
	mf_age(me, "claim_age_s", w, v->claimed_ns);
	me->detail = true;
	mf_uint(me, "ifindex", v->ifindex);
	mf_port(me, "remote_port", v->remote_port); /* the key has one too: JSON only */
}

static bool dec_nat_port(const struct map_walk *w, const void *key, const void *val,
			 struct map_entry *me)
{
	const struct nsb_nat_key *k = key;
	const struct nsb_nat_val *v = val;

	nat_fields(w,
		   &(struct nat_view){ &k->nat_addr, &k->remote_addr, &v->node_addr, k->nat_port,
				       k->remote_port, k->proto, false, v },
		   me);
	return true;
}

/* A frags or frags6 record: as ct_view (id: the IPv4 header's 16 bits, or the fragment header's 32). */
struct frag_view {
	const __be32 *saddr, *daddr, *ct_saddr, *ct_daddr, *to_addr;
	__u32 id;
	__u8 proto, dir;
	__be16 ct_sport, ct_dport;
	__u8 ct_proto;
	__u64 first_ns;
	bool v6;
};

static void frag_fields(const struct map_walk *w, const struct frag_view *f, struct map_entry *me)
{
	mf_addr(me, "saddr", f->saddr, f->v6);
	mf_addr(me, "daddr", f->daddr, f->v6);
	mf_uint(me, "id", f->id);
	mf_proto(me, "proto", f->proto);
	mf_name(me, "dir", frag_dirs, ARRAY_N(frag_dirs), f->dir);
	mf_key_done(me);
	mf_addr(me, "ct_saddr", f->ct_saddr, f->v6);
	mf_addr(me, "ct_daddr", f->ct_daddr, f->v6);
	mf_port(me, "ct_sport", f->ct_sport);
	mf_port(me, "ct_dport", f->ct_dport);
	mf_proto(me, "ct_proto", f->ct_proto);
	mf_addr(me, "to_addr", f->to_addr, f->v6);
	mf_age(me, "age_s", w, f->first_ns);
}

static bool dec_frag(const struct map_walk *w, const void *key, const void *val,
		     struct map_entry *me)
{
	const struct nsb_frag_key *k = key;
	const struct nsb_frag_val *v = val;

	frag_fields(w,
		    &(struct frag_view){ &k->saddr, &k->daddr, &v->ct.saddr, &v->ct.daddr,
					 &v->to_addr, ntohs(k->id), k->proto, k->dir, v->ct.sport,
					 v->ct.dport, v->ct.proto, v->first_ns, false },
		    me);
	return true;
}

/* A sock_orig or sock_orig6 entry: the cookie, the node's side, what the socket asked for. */
static void sock_orig_fields(struct map_entry *me, __u64 cookie, const __be32 *node_addr,
			     __be16 node_port, const __be32 *addr, __be16 port, bool v6)
{
	mf_uint(me, "cookie", cookie);
	mf_addr(me, "node_addr", node_addr, v6);
	mf_port(me, "node_port", node_port);
	mf_key_done(me);
	mf_addr(me, "addr", addr, v6);
	mf_port(me, "port", port);
}

static bool dec_sock_orig(const struct map_walk *w, const void *key, const void *val,
			  struct map_entry *me)
{
	const struct nsb_sock_key *k = key;
	const struct nsb_sock_orig *v = val;

	(void)w;
	sock_orig_fields(me, k->cookie, &k->node_addr, k->node_port, &v->addr, v->port, false);
	return true;
}

static bool dec_fib_seen(const struct map_walk *w, const void *key, const void *val,
			 struct map_entry *me)
{
	const struct nsb_fib_seen *v = val;

	mf_ip(me, "addr", ((const struct nsb_addr_key *)key)->addr);
	mf_key_done(me);
	mf_age(me, "checked_age_s", w, v->checked_ns);
	mf_uint(me, "local", v->local);
	return true;
}

/* ---- IPv6's twins (nsbpf_maps6.h): the same fields, addresses as inet_ntop() writes them ---- */

/* Used slots: a network with IPv6. */
static bool dec_network6(const struct map_walk *w, const void *key, const void *val,
			 struct map_entry *me)
{
	const struct nsb_network6 *n = val;
	__u32 id = *(const __u32 *)key;

	if (!(n->flags & NSB_NET_F_USED))
		return false;
	mf_uint(me, "id", id);
	mf_name(me, "name", w->net_names, NSB_MAX_NETWORKS, id);
	mf_key_done(me);
	mf_ip6(me, "subnet", n->subnet);
	mf_uint(me, "prefix", n->prefixlen);
	mf_ip6(me, "gateway", n->gateway);
	mf_flags(me, "flags", net_flags, ARRAY_N(net_flags), n->flags);
	return true;
}

static void endpoint_fields(const struct map_walk *w, const struct nsb_endpoint *ep,
			    struct map_entry *me)
{
	mf_uint(me, "ifindex", ep->ifindex);
	mf_uint(me, "net_id", ep->net_id);
	mf_name(me, "network", w->net_names, NSB_MAX_NETWORKS, ep->net_id);
	mf_mac(me, "node_mac", ep->node_mac);
	mf_mac(me, "host_mac", ep->host_mac);
}

static bool dec_endpoint6(const struct map_walk *w, const void *key, const void *val,
			  struct map_entry *me)
{
	mf_ip6(me, "addr", ((const struct nsb_addr6_key *)key)->addr);
	mf_key_done(me);
	endpoint_fields(w, val, me);
	return true;
}

static bool dec_host_addr6(const struct map_walk *w, const void *key, const void *val,
			   struct map_entry *me)
{
	(void)w;
	mf_ip6(me, "addr", ((const struct nsb_addr6_key *)key)->addr);
	mf_key_done(me);
	mf_uint(me, "value", *(const __u8 *)val);
	return true;
}

/* A node's host end -> its endpoint and IPv6 address. */
static bool dec_iface6(const struct map_walk *w, const void *key, const void *val,
		       struct map_entry *me)
{
	const struct nsb_iface6 *v = val;

	mf_uint(me, "ifindex", *(const __u32 *)key);
	mf_key_done(me);
	mf_ip6(me, "addr", v->addr);
	mf_uint(me, "net_id", v->ep.net_id);
	mf_name(me, "network", w->net_names, NSB_MAX_NETWORKS, v->ep.net_id);
	mf_mac(me, "node_mac", v->ep.node_mac);
	mf_mac(me, "host_mac", v->ep.host_mac);
	return true;
}

static bool dec_forward6(const struct map_walk *w, const void *key, const void *val,
			 struct map_entry *me)
{
	const struct nsb_fwd6_key *k = key;
	const struct nsb_fwd6_val *v = val;

	(void)w;
	mf_ip6(me, "host_addr", k->host_addr);
	mf_port(me, "port", k->port);
	mf_proto(me, "proto", k->proto);
	mf_key_done(me);
	mf_ip6(me, "node_addr", v->node_addr);
	mf_port(me, "node_port", v->v.node_port);
	mf_port(me, "first_port", v->v.first_port);
	mf_uint(me, "count", v->v.count);
	mf_uint(me, "ifindex", v->v.ifindex);
	mf_uint(me, "hits", v->v.hits);
	return true;
}

/* As dec_ct(), the addresses from the IPv6 key and the entry's IPv6 tail. */
static bool dec_ct6(const struct map_walk *w, const void *key, const void *val,
		    struct map_entry *me)
{
	const struct nsb_ct6_key *k = key;
	const struct nsb_ct6_entry *ce = val;

	ct_fields(w,
		  &(struct ct_view){ k->saddr, k->daddr, ce->nat_addr, ce->dnat_addr, k->sport,
				     k->dport, k->proto, true, &ce->e },
		  me);
	return true;
}

static bool dec_nat_port6(const struct map_walk *w, const void *key, const void *val,
			  struct map_entry *me)
{
	const struct nsb_nat6_key *k = key;
	const struct nsb_nat6_val *v = val;

	nat_fields(w,
		   &(struct nat_view){ k->nat_addr, k->remote_addr, v->node_addr, k->nat_port,
				       k->remote_port, k->proto, true, &v->v },
		   me);
	return true;
}

/* As dec_frag(): an IPv6 datagram's later fragments, its 32-bit id. */
static bool dec_frag6(const struct map_walk *w, const void *key, const void *val,
		      struct map_entry *me)
{
	const struct nsb_frag6_key *k = key;
	const struct nsb_frag6_val *v = val;

	frag_fields(w,
		    &(struct frag_view){ k->saddr, k->daddr, v->ct.saddr, v->ct.daddr, v->to_addr,
					 ntohl(k->id), k->proto, k->dir, v->ct.sport, v->ct.dport,
					 v->ct.proto, v->first_ns, true },
		    me);
	return true;
}

static bool dec_sock_orig6(const struct map_walk *w, const void *key, const void *val,
			   struct map_entry *me)
{
	const struct nsb_sock6_key *k = key;
	const struct nsb_sock6_orig *v = val;

	(void)w;
	sock_orig_fields(me, k->cookie, k->node_addr, k->node_port, v->addr, v->port, true);
	return true;
}

/* Named slots only, per-CPU counters summed. */
static bool dec_stat(const struct map_walk *w, const void *key, const void *val,
		     struct map_entry *me)
{
	const struct nsb_counter *per = val;
	__u32 i = *(const __u32 *)key;
	bool drop = i >= NSB_STAT_DROP_BASE;
	__u32 n = drop ? i - NSB_STAT_DROP_BASE : i;
	uint64_t packets = 0, bytes = 0;

	if (drop ? n == 0 || n >= NSB_DROP_MAX : n >= NSB_PATH_MAX)
		return false;
	for (int c = 0; c < w->ncpu; c++) {
		packets += per[c].packets;
		bytes += per[c].bytes;
	}
	mf_uint(me, "index", i);
	mf_name(me, "kind", stat_kinds, ARRAY_N(stat_kinds), drop);
	if (drop)
		mf_name(me, "name", drop_names, ARRAY_N(drop_names), n);
	else
		mf_name(me, "name", path_names, ARRAY_N(path_names), n);
	mf_key_done(me);
	mf_uint(me, "packets", packets);
	mf_uint(me, "bytes", bytes);
	return true;
}

static bool dec_gc(const struct map_walk *w, const void *key, const void *val, struct map_entry *me)
{
	const struct nsb_gc *g = val;

	(void)key;
	mf_key_done(me);
	mf_age(me, "last_pass_age_s", w, g->last_ns);
	mf_uint(me, "ct_count", g->ct_count);
	mf_uint(me, "passes", g->passes);
	return true;
}

#define DEC(n, k, v, fn)                    \
	{                                   \
		n, sizeof(k), sizeof(v), fn \
	}

static const struct map_decoder decoders[] = {
	DEC("config", __u32, struct nsb_config, dec_config),
	DEC("networks", __u32, struct nsb_network, dec_network),
	DEC("endpoints", struct nsb_addr_key, struct nsb_endpoint, dec_endpoint),
	DEC("routes", struct nsb_route_key, struct nsb_route, dec_route),
	DEC("remotes", struct nsb_route_key, struct nsb_remote, dec_remote),
	DEC("host_addrs", struct nsb_addr_key, __u8, dec_host_addr),
	DEC("addr_filter", __u32, __u64, dec_filter_word),
	DEC("forwards", struct nsb_fwd_key, struct nsb_fwd_val, dec_forward),
	DEC("fwd_ports", __u32, __u64, dec_fwd_port_word),
	DEC("ct", struct nsb_ct_key, struct nsb_ct_entry, dec_ct),
	DEC("nat_ports", struct nsb_nat_key, struct nsb_nat_val, dec_nat_port),
	DEC("frags", struct nsb_frag_key, struct nsb_frag_val, dec_frag),
	DEC("sock_orig", struct nsb_sock_key, struct nsb_sock_orig, dec_sock_orig),
	DEC("fib_cache", struct nsb_addr_key, struct nsb_fib_seen, dec_fib_seen),
	DEC("networks6", __u32, struct nsb_network6, dec_network6),
	DEC("endpoints6", struct nsb_addr6_key, struct nsb_endpoint, dec_endpoint6),
	DEC("ifaces6", __u32, struct nsb_iface6, dec_iface6),
	DEC("host_addrs6", struct nsb_addr6_key, __u8, dec_host_addr6),
	DEC("forwards6", struct nsb_fwd6_key, struct nsb_fwd6_val, dec_forward6),
	DEC("ct6", struct nsb_ct6_key, struct nsb_ct6_entry, dec_ct6),
	DEC("nat_ports6", struct nsb_nat6_key, struct nsb_nat6_val, dec_nat_port6),
	DEC("frags6", struct nsb_frag6_key, struct nsb_frag6_val, dec_frag6),
	DEC("sock_orig6", struct nsb_sock6_key, struct nsb_sock6_orig, dec_sock_orig6),
	DEC("stats", __u32, struct nsb_counter, dec_stat),
	DEC("gc", __u32, struct nsb_gc, dec_gc),
};

const struct map_kind_info lab_maps[] = {
	{ "config", "array", true,
	  "the lab's settings: uplink, SNAT ports, conntrack size, timeouts" },
	{ "networks", "array", false, "network id -> subnet, gateway, flags, reach (used slots)" },
	{ "endpoints", "hash", false, "node address -> host end, network, MACs" },
	{ "routes", "lpm_trie", false, "routed prefix -> its router's address, host end, MACs" },
	{ "remotes", "lpm_trie", false, "another machine's subnet -> next hop, network" },
	{ "host_addrs", "hash", false, "the host namespace's own addresses" },
	{ "addr_filter", "array", false,
	  "hashed /24s of lab and host addresses -> a lab and a host bit each (used words)" },
	{ "forwards", "hash", false, "host address, port, protocol -> node address, port; hits" },
	{ "fwd_ports", "array", false,
	  "64 ports of a protocol -> a bit per port a forward for any/one address uses" },
	{ "ct", "hash", false, "flows as the node sends them -> translation, state, counters" },
	{ "nat_ports", "hash", false, "what a reply on the uplink carries -> the node's side" },
	{ "frags", "lru_hash", false, "later fragments of translated datagrams" },
	{ "sock_orig", "lru_hash", false, "host sockets a forward rewrote -> what they asked for" },
	{ "fib_cache", "lru_hash", false, "destinations the host's FIB was asked about lately" },
	{ "networks6", "array", false,
	  "network id -> its IPv6 subnet, gateway, flags (used slots)" },
	{ "endpoints6", "hash", false, "node IPv6 address -> host end, network, MACs" },
	{ "ifaces6", "hash", false, "a node's host end -> its IPv6 address, network, MACs" },
	{ "host_addrs6", "hash", false, "the host namespace's own IPv6 addresses" },
	{ "forwards6", "hash", false,
	  "host IPv6 address (:: any), port, protocol -> node IPv6 address, port; hits" },
	{ "ct6", "hash", false,
	  "IPv6 flows as the node sends them -> translation, state, counters" },
	{ "nat_ports6", "hash", false,
	  "what an IPv6 reply on the uplink carries -> the node's side" },
	{ "frags6", "lru_hash", false, "later fragments of translated IPv6 datagrams" },
	{ "sock_orig6", "lru_hash", false,
	  "host IPv6 sockets a forward rewrote -> what they asked for" },
	{ "stats", "percpu_array", false, "packets, bytes per path and drop reason (all CPUs)" },
	{ "gc", "array", true, "the conntrack collector's last pass" },
};
const size_t lab_maps_n = ARRAY_N(lab_maps);

_Static_assert(ARRAY_N(lab_maps) == ARRAY_N(decoders), "a decoder per map");

const struct map_kind_info *lab_map_find(const char *name)
{
	for (size_t i = 0; i < lab_maps_n; i++)
		if (!strcmp(lab_maps[i].name, name))
			return &lab_maps[i];
	return NULL;
}

const struct map_decoder *map_decoder_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_N(decoders); i++)
		if (!strcmp(decoders[i].name, name))
			return &decoders[i];
	return NULL;
}
