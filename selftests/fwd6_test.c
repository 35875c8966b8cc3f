// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Port forwards over IPv6 under BPF_PROG_TEST_RUN (lib/dnat6.h, the DNAT
 * side of lib/from_uplink6.h and the reply side of lib/masq6.h): a client
 * in the world opens a flow to the uplink's IPv6 address (or a host
 * address with a forward of its own) on a forwarded port; its later
 * packets and the node's replies, both ways, with TCP window tracking; the
 * host's traffic to ports without a forward untouched. Tables of steps as
 * nat66_test.c's (nat66_frame.h's frames): every output compared whole with
 * a frame built from scratch, every L4 checksum recomputed from scratch
 * over the IPv6 pseudo-header, the trace map's redirect, the stats slot,
 * the ct6 entry and its nat_ports6 claim.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "labs.h"
#include "nat66_frame.h"
#include "node.skel.h"
#include "lab/fill.h"
#include "lab/fwd6.h"
#include "lab/fwd_flows.h"

#pragma GCC diagnostic ignored "-Woverride-init"

#define PATH(p)	    (NSB_PATH_##p)
#define DROP(r)	    (NSB_STAT_DROP_BASE + NSB_DROP_##r)
#define NOT_COUNTED UINT32_MAX
#define UPLINK_IF   UINT32_MAX
#define N(a)	    ((int)(sizeof(a) / sizeof((a)[0])))

#define NVARS	  4
#define VAR(n)	  (0x10000u | (n))
#define IS_VAR(p) ((p)&0x10000u)

/* ------------------------------------------------------------ addresses */

/* clang-format off */
static const uint8_t earth6[16] = IP6(0x200, 0x11);
static const uint8_t pluto6[16] = IP6(0x202, 0x31);
static const uint8_t remote6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x80 };
static const uint8_t remote6b[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 7, [15] = 0x07 };
static const uint8_t host6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x50, [15] = 1 };
static const uint8_t uplink6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x01, 0x13, [15] = 2 };
/* clang-format on */

/* ----------------------------------------------------------------- steps */

enum hook { FROM_NODE, FROM_UPLINK, TO_UPLINK };

struct ct6_expect {
	bool check;
	const uint8_t *saddr, *daddr;
	uint32_t sport, dport; /* VAR(n) allowed */
	uint8_t proto;
	bool absent;
	uint8_t state, flags;
	uint32_t nat_port; /* a number; VAR(n): learnt if new, else compared */
	uint32_t not_port; /* VAR(n) or a number: nat_port must differ */
	uint64_t pkts_orig, pkts_reply;
	bool claim_absent;   /* its nat_ports6 claim must be gone too */
	const uint8_t *nat6; /* the nat address; NULL: the uplink's */
	bool any_port;	     /* nat_port need not be in the SNAT range (a forward's) */
};

struct step6 {
	const char *name;
	enum hook hook;
	uint32_t ingress;
	struct f6 in;
	int verdict;
	struct f6 out; /* F6_NONE: the input, untouched */
	uint32_t redirect, flags;
	uint32_t stat;
	struct ct6_expect ct;
	uint32_t age;	  /* before the step: .ct's flow idle this many seconds longer */
	uint32_t age_all; /* before the step: every ct6 entry made this many seconds earlier */
	bool gc;	  /* before the step: one collector pass */
};

/* A forward of forwards6: host (NULL: any) port -> node:to_port. */
struct fwd6 {
	const uint8_t *host;
	uint16_t port;
	uint8_t proto;
	const uint8_t *node;
	uint16_t to_port;
	uint32_t ifindex;
};

struct table6 {
	const char *name;
	const struct step6 *steps;
	int n;
	bool no_uplink6; /* config without uplink_addr6 */
	uint32_t ct_max;
	const struct fwd6 *fwds; /* forwards6 entries (their fwd_ports bits with them) */
	int n_fwds;
};

#define SYN    TCPF_SYN
#define SYNACK (TCPF_SYN | TCPF_ACK)
#define ACK    TCPF_ACK
#define FINACK (TCPF_FIN | TCPF_ACK)
#define RST    TCPF_RST

/* node's packet to d, and as it leaves the uplink: source the uplink's, port np, hop - 1 */
#define OUT6(k, node, sp, d, dp)                                                            \
	.kind = (k), .dst = node##_host, .src = node##_mac, .saddr = node##6, .daddr = (d), \
	.sport = (sp), .dport = (dp)
#define SNAT6(k, node, np, d, dp)                                                           \
	.kind = (k), .dst = node##_host, .src = node##_mac, .saddr = uplink6, .daddr = (d), \
	.sport = (np), .dport = (dp), .hop = 63
/* from the world to the uplink's address6, and as it reaches node: hop - 1, MACs */
#define IN6(k, s, sp, np)                                                                  \
	.kind = (k), .dst = uplink_mac, .src = router_mac, .saddr = (s), .daddr = uplink6, \
	.sport = (sp), .dport = (np), .hop = 60
#define BACK6(k, node, s, sp, p)                                                            \
	.kind = (k), .dst = node##_mac, .src = node##_host, .saddr = (s), .daddr = node##6, \
	.sport = (sp), .dport = (p), .hop = 59
#define PING6(node, id, d) OUT6(F6_ICMP, node, id, d, 0)
#define PONG6(s, id)	   IN6(F6_ICMP, s, id, 0), .type = 129

#define SNAT_OUT                                                                       \
	.verdict = TC_ACT_REDIRECT, .redirect = UPLINK_IF, .flags = NSB_TRACE_F_NEIGH, \
	.stat = PATH(SNAT)
#define INTO(node)                                                                    \
	.verdict = TC_ACT_REDIRECT, .redirect = node##_IF, .flags = NSB_TRACE_F_PEER, \
	.stat = PATH(REV_SNAT)
#define HOSTS	.verdict = TC_ACT_UNSPEC, .stat = NOT_COUNTED
#define SHOT(r) .verdict = TC_ACT_SHOT, .stat = DROP(r)
#define CT6(s, sp, d, dp, pr) \
	.check = true, .saddr = (s), .sport = (sp), .daddr = (d), .dport = (dp), .proto = (pr)
#define halley_IF  HALLEY_IF
#define earth_IF   EARTH_IF
#define neptune_IF NEPTUNE_IF
#define mars_IF	   MARS_IF
#define pluto_IF   PLUTO_IF

/* ----------------------------------------------------------------- runner */

struct run6 {
	struct st_env env;
	int ct6_fd, nat6_fd;
	uint32_t uplink_if;
	uint32_t vars[NVARS];
	bool bound[NVARS];
};

static bool port_of(const struct run6 *r, uint32_t p, uint32_t *out)
{
	if (!IS_VAR(p)) {
		*out = p;
		return true;
	}
	if (!ASSERT_TRUE((p & 0xff) < NVARS && r->bound[p & 0xff], "port variable learnt"))
		return false;
	*out = r->vars[p & 0xff];
	return true;
}

static bool resolve(const struct run6 *r, const struct f6 *f, struct f6 *out)
{
	*out = *f;
	return port_of(r, f->sport, &out->sport) && port_of(r, f->dport, &out->dport);
}

static bool ct6_key(const struct run6 *r, const struct ct6_expect *e, struct nsb_ct6_key *k)
{
	uint32_t sp, dp;

	if (!port_of(r, e->sport, &sp) || !port_of(r, e->dport, &dp))
		return false;
	memset(k, 0, sizeof(*k));
	memcpy(k->saddr, e->saddr, 16);
	memcpy(k->daddr, e->daddr, 16);
	k->sport = htons((uint16_t)sp);
	k->dport = htons((uint16_t)dp);
	k->proto = e->proto;
	return true;
}

/* The lab: lab_dual with planet and moon masquerading (NAT66 too). */
static struct topo_network masq6_nets[8];
static struct topo masq6_topo;
static struct test_lab lab_masq6;

static void lab_masq6_init(void)
{
	masq6_topo = *lab_dual.topo;
	cr_assert(masq6_topo.n_networks <= N(masq6_nets), "lab_dual's networks fit");
	memcpy(masq6_nets, masq6_topo.networks, masq6_topo.n_networks * sizeof(masq6_nets[0]));
	masq6_nets[NET_PLANET].masquerade = true;
	masq6_nets[NET_MOON].masquerade = true;
	masq6_topo.networks = masq6_nets;
	lab_masq6 = (struct test_lab){ &masq6_topo, lab_dual.rt };
}

static void install(struct run6 *r, const struct table6 *t)
{
	struct nsb_config cfg = {
		.layout = NSB_LAYOUT_VERSION,
		.uplink_ifindex = r->uplink_if,
		.uplink_addr = htonl(UPLINK_IP),
		.ct_max = t->ct_max,
	};
	struct st_env *env = &r->env;
	__u32 zero = 0;
	__u8 one = 1;

	lab_masq6_init();
	cr_assert(!test_lab_install(&lab_masq6, env->endpoints_fd, env->networks_fd),
		  "install the lab");
	cr_assert(!test_lab_install6(&lab_masq6, bpf_map__fd(env->skel->maps.networks6),
				     bpf_map__fd(env->skel->maps.endpoints6),
				     bpf_map__fd(env->skel->maps.ifaces6)),
		  "install the lab's IPv6 side");
	st_addr_filter(env);
	if (!t->no_uplink6)
		memcpy(cfg.uplink_addr6, uplink6, 16);
	cr_assert(!bpf_map_update_elem(env->config_fd, &zero, &cfg, BPF_ANY), "config");
	cr_assert(!bpf_map_update_elem(bpf_map__fd(env->skel->maps.host_addrs6), host6, &one,
				       BPF_ANY),
		  "host_addrs6");
	for (int i = 0; i < t->n_fwds; i++) {
		const struct fwd6 *f = &t->fwds[i];
		struct nsb_fwd6_key k = { .port = htons(f->port), .proto = f->proto };
		struct nsb_fwd6_val v = { .v = { .node_port = htons(f->to_port),
						 .first_port = htons(f->port),
						 .count = 1,
						 .ifindex = f->ifindex } };
		uint32_t word = NSB_FWD_PORT_WORD(f->proto, f->port, f->host != NULL);
		__u64 bits = 0;

		if (f->host)
			memcpy(k.host_addr, f->host, 16);
		memcpy(v.node_addr, f->node, 16);
		cr_assert(!bpf_map_update_elem(bpf_map__fd(env->skel->maps.forwards6), &k, &v,
					       BPF_NOEXIST),
			  "forwards6");
		bpf_map_lookup_elem(bpf_map__fd(env->skel->maps.fwd_ports), &word, &bits);
		bits |= 1ULL << (f->port % 64);
		cr_assert(!bpf_map_update_elem(bpf_map__fd(env->skel->maps.fwd_ports), &word, &bits,
					       BPF_ANY),
			  "fwd_ports");
	}
}

/* Every port claim made `by` earlier, as a flow that old claimed it; the keys first. */
static bool age_claims(struct run6 *r, uint64_t by)
{
	static struct nsb_nat6_key keys[64];
	struct nsb_nat6_key *prev = NULL;
	struct nsb_nat6_val nv;
	bool ok = true;
	int n = 0;

	while (n < 64 && !bpf_map_get_next_key(r->nat6_fd, prev, &keys[n])) {
		prev = &keys[n];
		n++;
	}
	for (int i = 0; i < n; i++) {
		if (bpf_map_lookup_elem(r->nat6_fd, &keys[i], &nv))
			continue;
		nv.v.claimed_ns -= by;
		ok &= ASSERT_EQ(bpf_map_update_elem(r->nat6_fd, &keys[i], &nv, BPF_EXIST), 0,
				"age a claim");
	}
	return ok;
}

/* .ct's flow idle `secs` longer: its last_seen_ns moves back (the claims' age with it). */
static bool age_flow(struct run6 *r, const struct ct6_expect *e, uint32_t secs)
{
	struct nsb_ct6_entry ce;
	struct nsb_ct6_key k;
	uint64_t by = secs * 1000000000ULL;

	if (!ct6_key(r, e, &k) ||
	    !ASSERT_EQ(bpf_map_lookup_elem(r->ct6_fd, &k, &ce), 0, "ct6 entry to age") ||
	    !ASSERT_TRUE(ce.e.last_seen_ns > by, "the machine is up longer than the age"))
		return false;
	ce.e.last_seen_ns -= by;
	return ASSERT_EQ(bpf_map_update_elem(r->ct6_fd, &k, &ce, BPF_EXIST), 0, "age ct6 entry") &&
	       age_claims(r, by);
}

/* Every ct6 entry and claim made (and last seen) `secs` earlier; the keys first. */
static bool age_all(struct run6 *r, uint32_t secs)
{
	static struct nsb_ct6_key keys[64];
	struct nsb_ct6_key *prev = NULL;
	struct nsb_ct6_entry ce;
	uint64_t by = secs * 1000000000ULL;
	bool ok = age_claims(r, by);
	int n = 0;

	while (n < 64 && !bpf_map_get_next_key(r->ct6_fd, prev, &keys[n])) {
		prev = &keys[n];
		n++;
	}
	for (int i = 0; i < n; i++) {
		if (bpf_map_lookup_elem(r->ct6_fd, &keys[i], &ce))
			continue;
		ce.e.created_ns -= by;
		ce.e.last_seen_ns -= by;
		ok &= ASSERT_EQ(bpf_map_update_elem(r->ct6_fd, &keys[i], &ce, BPF_EXIST), 0, "age");
	}
	return ok;
}

static bool check_ct6(struct run6 *r, const struct ct6_expect *e)
{
	struct nsb_nat6_key nk = { 0 };
	struct nsb_nat6_val nv;
	struct nsb_ct6_entry ce;
	struct nsb_ct6_key k;
	uint32_t port, other;
	bool ok = true;
	int err;

	if (!e->check)
		return true;
	if (!ct6_key(r, e, &k))
		return false;
	err = bpf_map_lookup_elem(r->ct6_fd, &k, &ce) ? -errno : 0;
	if (e->absent) {
		ok = ASSERT_EQ(err, -ENOENT, "ct6: no entry");
		if (e->claim_absent) {
			/* no claim of the flow's (its remote, its port) is left either */
			struct nsb_nat6_key key, *prev = NULL;

			while (!bpf_map_get_next_key(r->nat6_fd, prev, &key)) {
				if (bpf_map_lookup_elem(r->nat6_fd, &key, &nv) == 0 &&
				    !memcmp(nv.node_addr, e->saddr, 16) &&
				    nv.v.node_port == k.sport && key.remote_port == k.dport &&
				    key.proto == k.proto)
					ok &= ASSERT_TRUE(false,
							  "nat_ports6: the flow's claim gone");
				nk = key;
				prev = &nk;
			}
		}
		return ok;
	}
	if (!ASSERT_EQ(err, 0, "ct6: the entry"))
		return false;
	port = ntohs(ce.e.nat_port);
	if (IS_VAR(e->nat_port) && !r->bound[e->nat_port & 0xff]) {
		ok &= ASSERT_TRUE(e->any_port ||
					  (port >= NSB_SNAT_PORT_MIN && port <= NSB_SNAT_PORT_MAX),
				  "ct6: nat port in the range");
		r->vars[e->nat_port & 0xff] = port;
		r->bound[e->nat_port & 0xff] = true;
	} else if (e->nat_port) {
		ok &= port_of(r, e->nat_port, &other) && ASSERT_EQ(port, other, "ct6: nat port");
	}
	if (e->not_port)
		ok &= port_of(r, e->not_port, &other) &&
		      ASSERT_TRUE(port != other, "ct6: a different nat port");
	ok &= ASSERT_TRUE(!memcmp(ce.nat_addr, e->nat6 ? e->nat6 : uplink6, 16),
			  "ct6: nat address");
	ok &= ASSERT_EQ(ce.e.nat_addr, 0, "ct6: IPv4 nat address 0");
	ok &= ASSERT_EQ(ce.e.state, e->state, "ct6: state");
	ok &= ASSERT_EQ(ce.e.flags, e->flags, "ct6: flags");
	ok &= ASSERT_EQ(ce.e.pkts_orig, e->pkts_orig, "ct6: packets out");
	ok &= ASSERT_EQ(ce.e.pkts_reply, e->pkts_reply, "ct6: packets back");
	ok &= ASSERT_TRUE(ce.e.created_ns, "ct6: created_ns set");
	/* its claim: {uplink_addr6, remote, nat port, remote port} -> the node */
	memcpy(nk.nat_addr, e->nat6 ? e->nat6 : uplink6, 16);
	memcpy(nk.remote_addr, e->daddr, 16);
	nk.nat_port = ce.e.nat_port;
	nk.remote_port = k.dport;
	nk.proto = k.proto;
	if (!ASSERT_EQ(bpf_map_lookup_elem(r->nat6_fd, &nk, &nv), 0, "nat_ports6: the claim"))
		return false;
	ok &= ASSERT_TRUE(!memcmp(nv.node_addr, e->saddr, 16), "nat_ports6: node address");
	ok &= ASSERT_EQ(nv.v.node_port, k.sport, "nat_ports6: node port");
	ok &= ASSERT_EQ(nv.v.node_addr, 0, "nat_ports6: IPv4 node address 0");
	return ok;
}

static bool check_stats(const struct step6 *c, const struct nsb_counter *before,
			const struct nsb_counter *after, size_t len)
{
	unsigned long long pkts = 0;

	for (int i = 0; i < NSB_STAT_MAX; i++)
		pkts += after[i].packets - before[i].packets;
	if (c->stat == NOT_COUNTED)
		return ASSERT_EQ(pkts, 0, "no stats slot counted it");
	if (!ASSERT_EQ(pkts, 1, "counted exactly once") ||
	    !ASSERT_EQ(after[c->stat].packets - before[c->stat].packets, 1,
		       st_slot_name(c->stat))) {
		for (int i = 0; i < NSB_STAT_MAX; i++)
			if (after[i].packets != before[i].packets)
				cr_log_error("%s: counted under %s", st_case, st_slot_name(i));
		return false;
	}
	return ASSERT_EQ(after[c->stat].bytes - before[c->stat].bytes, len, "bytes counted");
}

static bool check_trace(const struct run6 *r, const struct step6 *c, const struct nsb_trace *t)
{
	bool dropped = c->stat >= NSB_STAT_DROP_BASE && c->stat != NOT_COUNTED;
	uint32_t redirect = c->redirect == UPLINK_IF ? r->uplink_if : c->redirect;
	bool ok = true;

	if (c->stat == NOT_COUNTED) {
		ok &= ASSERT_EQ(t->path, 0, "trace: no path (not traced)");
		ok &= ASSERT_EQ(t->redirect_ifindex, 0, "trace: no redirect");
		return ok & ASSERT_EQ(t->drop, NSB_DROP_NONE, "trace: no drop");
	}
	ok &= ASSERT_EQ(t->path, dropped ? 0 : c->stat + 1, "trace: path");
	ok &= ASSERT_EQ(t->drop, dropped ? c->stat - NSB_STAT_DROP_BASE : NSB_DROP_NONE,
			"trace: drop reason");
	ok &= ASSERT_EQ(t->redirect_ifindex, redirect, "trace: redirect ifindex");
	ok &= ASSERT_EQ(t->redirect_flags, c->flags, "trace: redirect flags");
	return ok;
}

static bool check_output(const struct run6 *r, const struct step6 *c, const struct pkt *in,
			 const struct st_result *res)
{
	struct pkt want;
	struct f6 out;
	char why[128];

	if (c->out.kind == F6_NONE)
		return st_assert_bytes(res->out, res->out_len, in->buf, in->len,
				       "output bytes (untouched)");
	if (!resolve(r, &c->out, &out) || !ASSERT_TRUE(f6_build(&out, &want), "expected frame"))
		return false;
	if (!st_assert_bytes(res->out, res->out_len, want.buf, want.len, "output bytes"))
		return false;
	/* the bytes match a frame built from scratch; its sums from scratch too */
	if (!f6_csum_ok(res->out, res->out_len, why, sizeof(why)))
		return ASSERT_TRUE(false, why);
	return true;
}

static void run_table6(const struct table6 *t)
{
	struct nsb_counter before[NSB_STAT_MAX], after[NSB_STAT_MAX];
	struct run6 *r = calloc(1, sizeof(*r));
	int passed = 0;

	cr_assert(r, "calloc");
	r->uplink_if = (uint32_t)st_uplink();
	st_open(&r->env, true);
	r->env.ct_max = t->ct_max;
	st_load(&r->env);
	r->ct6_fd = bpf_map__fd(r->env.skel->maps.ct6);
	r->nat6_fd = bpf_map__fd(r->env.skel->maps.nat_ports6);
	install(r, t);
	for (int i = 0; i < t->n; i++) {
		const struct step6 *c = &t->steps[i];
		int fd = c->hook == FROM_NODE	? r->env.from_node_fd :
			 c->hook == FROM_UPLINK ? r->env.from_uplink_fd :
						  r->env.to_uplink_fd;
		uint32_t ingress = c->ingress == UPLINK_IF ? r->uplink_if : c->ingress;
		struct st_result res;
		struct pkt pin;
		struct f6 in;
		bool ok = true;

		st_case = c->name;
		if (c->age && !age_flow(r, &c->ct, c->age))
			continue;
		if (c->age_all && !age_all(r, c->age_all))
			continue;
		if (c->gc && !ASSERT_EQ(st_gc(&r->env), 0, "a collector pass"))
			continue;
		if (!resolve(r, &c->in, &in) || !ASSERT_TRUE(f6_build(&in, &pin), "input frame"))
			continue;
		st_stats(&r->env, before);
		st_run(&r->env, fd, &pin, ingress, &res);
		if (!ASSERT_EQ(res.err, 0, "BPF_PROG_TEST_RUN"))
			continue;
		st_stats(&r->env, after);
		ok &= ASSERT_EQ((int32_t)res.retval, c->verdict, "verdict");
		ok &= check_trace(r, c, &res.trace);
		ok &= check_stats(c, before, after, pin.len);
		ok &= check_ct6(r, &c->ct); /* before the output: it may learn a port */
		if (c->verdict != TC_ACT_SHOT)
			ok &= check_output(r, c, &pin, &res);
		passed += ok;
	}
	cr_log_info("%s: %d steps, %d passed", t->name, t->n, passed);
	st_close(&r->env);
	free(r);
}

#define TABLE6(s, ...) (&(const struct table6){ .name = #s, .steps = s, .n = N(s), __VA_ARGS__ })

/* --------------------------------------------------------------- forwards */

/* the client's packet to the uplink's address6 (or another host address) at port p */
#define CLIENT6(k, s, sp, d, p)                                                        \
	.kind = (k), .dst = uplink_mac, .src = router_mac, .saddr = (s), .daddr = (d), \
	.sport = (sp), .dport = (p), .hop = 60
/* the node's reply as it leaves the uplink: from the host address a:p, hop - 1 */
#define REPLY6(k, node, a, p, c, cp)                                                    \
	.kind = (k), .dst = node##_host, .src = node##_mac, .saddr = (a), .daddr = (c), \
	.sport = (p), .dport = (cp), .hop = 63
#define DNAT_INTO(node)                                                               \
	.verdict = TC_ACT_REDIRECT, .redirect = node##_IF, .flags = NSB_TRACE_F_PEER, \
	.stat = PATH(DNAT)
#define REV_DNAT_OUT                                                                   \
	.verdict = TC_ACT_REDIRECT, .redirect = UPLINK_IF, .flags = NSB_TRACE_F_NEIGH, \
	.stat = PATH(REV_DNAT)
#define FWD_ANY (NSB_CT_F_DNAT | NSB_CT_F_FWD_ANY)

/* clang-format off */
static const struct fwd6 fwds[] = {
	{ NULL, 6000, 6, earth6, 8080, EARTH_IF },   /* any: the uplink's address6 */
	{ host6, 6001, 6, pluto6, 80, PLUTO_IF },    /* host6 only; exile does not masquerade */
	{ NULL, 7000, 17, pluto6, 53, PLUTO_IF },
};

static const struct step6 tcp_fwd_steps[] = {
	{ "client SYN to uplink6:6000: a new flow, into earth at 8080 (dnat), NEW",
	  FROM_UPLINK, UPLINK_IF, { CLIENT6(F6_TCP, remote6, 40000, uplink6, 6000), .flags = SYN },
	  DNAT_INTO(earth), .out = { BACK6(F6_TCP, earth, remote6, 40000, 8080), .flags = SYN },
	  .ct = { CT6(earth6, 8080, remote6, 40000, 6), .state = NSB_CT_NEW, .flags = FWD_ANY,
		  .nat_port = 6000, .pkts_reply = 1 } },
	{ "earth SYN-ACK: from uplink6:6000 out of the uplink (rev_dnat), ESTABLISHED",
	  FROM_NODE, EARTH_IF, { OUT6(F6_TCP, earth, 8080, remote6, 40000), .flags = SYNACK },
	  REV_DNAT_OUT,
	  .out = { REPLY6(F6_TCP, earth, uplink6, 6000, remote6, 40000), .flags = SYNACK },
	  .ct = { CT6(earth6, 8080, remote6, 40000, 6), .state = NSB_CT_ESTABLISHED,
		  .flags = FWD_ANY, .nat_port = 6000, .pkts_orig = 1, .pkts_reply = 1 } },
	{ "client ACK with 100 bytes: the flow's, into earth (dnat)",
	  FROM_UPLINK, UPLINK_IF, { CLIENT6(F6_TCP, remote6, 40000, uplink6, 6000), .flags = ACK,
				    .payload_len = 100 },
	  DNAT_INTO(earth),
	  .out = { BACK6(F6_TCP, earth, remote6, 40000, 8080), .flags = ACK, .payload_len = 100 },
	  .ct = { CT6(earth6, 8080, remote6, 40000, 6), .state = NSB_CT_ESTABLISHED,
		  .flags = FWD_ANY, .nat_port = 6000, .pkts_orig = 1, .pkts_reply = 2 } },
	{ "earth ACK with 1000 bytes: out from uplink6:6000",
	  FROM_NODE, EARTH_IF, { OUT6(F6_TCP, earth, 8080, remote6, 40000), .flags = ACK,
				 .seq = TCP_ISN + 1, .ack = TCP_ISN + 101, .payload_len = 1000 },
	  REV_DNAT_OUT,
	  .out = { REPLY6(F6_TCP, earth, uplink6, 6000, remote6, 40000), .flags = ACK,
		   .seq = TCP_ISN + 1, .ack = TCP_ISN + 101, .payload_len = 1000 },
	  .ct = { CT6(earth6, 8080, remote6, 40000, 6), .state = NSB_CT_ESTABLISHED,
		  .flags = FWD_ANY, .nat_port = 6000, .pkts_orig = 2, .pkts_reply = 2 } },
	{ "an off-path RST from the client (seq far out of window): tcp_window",
	  FROM_UPLINK, UPLINK_IF, { CLIENT6(F6_TCP, remote6, 40000, uplink6, 6000), .flags = RST,
				    .seq = TCP_ISN + 0x40000000 }, SHOT(TCP_WINDOW),
	  .ct = { CT6(earth6, 8080, remote6, 40000, 6), .state = NSB_CT_ESTABLISHED,
		  .flags = FWD_ANY, .nat_port = 6000, .pkts_orig = 2, .pkts_reply = 2 } },
	{ "a bare ACK to 6000 from another client port (no flow): the host's, untouched",
	  FROM_UPLINK, UPLINK_IF, { CLIENT6(F6_TCP, remote6, 40001, uplink6, 6000), .flags = ACK },
	  HOSTS, .ct = { CT6(earth6, 8080, remote6, 40001, 6), .absent = true } },
	{ "a SYN to uplink6:6002 (no forward): the host's, untouched",
	  FROM_UPLINK, UPLINK_IF, { CLIENT6(F6_TCP, remote6, 40002, uplink6, 6002), .flags = SYN },
	  HOSTS },
	{ "a SYN to uplink6:6001 (its forward is host6's only): the host's, untouched",
	  FROM_UPLINK, UPLINK_IF, { CLIENT6(F6_TCP, remote6, 40003, uplink6, 6001), .flags = SYN },
	  HOSTS, .ct = { CT6(pluto6, 80, remote6, 40003, 6), .absent = true } },
	{ "a SYN to host6:6001: into pluto at 80, the flow's address host6 (not any)",
	  FROM_UPLINK, UPLINK_IF, { CLIENT6(F6_TCP, remote6b, 41000, host6, 6001), .flags = SYN },
	  DNAT_INTO(pluto), .out = { BACK6(F6_TCP, pluto, remote6b, 41000, 80), .flags = SYN },
	  .ct = { CT6(pluto6, 80, remote6b, 41000, 6), .state = NSB_CT_NEW, .flags = NSB_CT_F_DNAT,
		  .nat_port = 6001, .pkts_reply = 1, .nat6 = host6 } },
	{ "pluto SYN-ACK: out from host6:6001, though exile does not masquerade",
	  FROM_NODE, PLUTO_IF, { OUT6(F6_TCP, pluto, 80, remote6b, 41000), .flags = SYNACK },
	  REV_DNAT_OUT,
	  .out = { REPLY6(F6_TCP, pluto, host6, 6001, remote6b, 41000), .flags = SYNACK },
	  .ct = { CT6(pluto6, 80, remote6b, 41000, 6), .state = NSB_CT_ESTABLISHED,
		  .flags = NSB_CT_F_DNAT, .nat_port = 6001, .pkts_orig = 1, .pkts_reply = 1,
		  .nat6 = host6 } },
	{ "pluto's own SYN to the client: not the forward's flow, no_masquerade",
	  FROM_NODE, PLUTO_IF, { OUT6(F6_TCP, pluto, 80, remote6b, 41001), .flags = SYN },
	  SHOT(NO_MASQUERADE) },
	{ "a SYN to 6000 from a lab address (earth6, forged): uplink_spoof, no flow",
	  FROM_UPLINK, UPLINK_IF, { CLIENT6(F6_TCP, earth6, 40004, uplink6, 6000), .flags = SYN },
	  SHOT(UPLINK_SPOOF), .ct = { CT6(earth6, 8080, earth6, 40004, 6), .absent = true } },
	{ "a SYN to 6000 with hop limit 1: ttl, no flow",
	  FROM_UPLINK, UPLINK_IF, { CLIENT6(F6_TCP, remote6, 40005, uplink6, 6000), .flags = SYN,
				    .hop = 1 },
	  SHOT(TTL), .ct = { CT6(earth6, 8080, remote6, 40005, 6), .absent = true } },
};

static const struct step6 udp_fwd_steps[] = {
	{ "client datagram to uplink6:7000: a new flow, into pluto at 53 (dnat)",
	  FROM_UPLINK, UPLINK_IF, { CLIENT6(F6_UDP, remote6, 5353, uplink6, 7000) },
	  DNAT_INTO(pluto), .out = { BACK6(F6_UDP, pluto, remote6, 5353, 53) },
	  .ct = { CT6(pluto6, 53, remote6, 5353, 17), .state = NSB_CT_NEW, .flags = FWD_ANY,
		  .nat_port = 7000, .pkts_reply = 1 } },
	{ "pluto's answer: from uplink6:7000 (rev_dnat), ESTABLISHED",
	  FROM_NODE, PLUTO_IF, { OUT6(F6_UDP, pluto, 53, remote6, 5353), .payload_len = 200 },
	  REV_DNAT_OUT, .out = { REPLY6(F6_UDP, pluto, uplink6, 7000, remote6, 5353),
				 .payload_len = 200 },
	  .ct = { CT6(pluto6, 53, remote6, 5353, 17), .state = NSB_CT_ESTABLISHED,
		  .flags = FWD_ANY, .nat_port = 7000, .pkts_orig = 1, .pkts_reply = 1 } },
	{ "the client's next datagram: the flow's, into pluto",
	  FROM_UPLINK, UPLINK_IF, { CLIENT6(F6_UDP, remote6, 5353, uplink6, 7000), .payload_len = 33 },
	  DNAT_INTO(pluto), .out = { BACK6(F6_UDP, pluto, remote6, 5353, 53), .payload_len = 33 },
	  .ct = { CT6(pluto6, 53, remote6, 5353, 17), .state = NSB_CT_ESTABLISHED,
		  .flags = FWD_ANY, .nat_port = 7000, .pkts_orig = 1, .pkts_reply = 2 } },
	{ "a datagram to 7000 without a checksum (invalid over IPv6): the host's",
	  FROM_UPLINK, UPLINK_IF, { CLIENT6(F6_UDP, remote6, 5354, uplink6, 7000), .no_csum = true },
	  HOSTS, .ct = { CT6(pluto6, 53, remote6, 5354, 17), .absent = true } },
	{ "a TCP SYN to 7000 (the forward is UDP's): the host's",
	  FROM_UPLINK, UPLINK_IF, { CLIENT6(F6_TCP, remote6, 5355, uplink6, 7000), .flags = SYN },
	  HOSTS },
};
/* clang-format on */

Test(fwd6, tcp)
{
	run_table6(TABLE6(tcp_fwd_steps, .fwds = fwds, .n_fwds = N(fwds)));
}

Test(fwd6, udp)
{
	run_table6(TABLE6(udp_fwd_steps, .fwds = fwds, .n_fwds = N(fwds)));
}

/* ------------------------------------------------ the loader's forwards6 */

static void fwd4_put(int fd, uint8_t proto, uint16_t port, uint32_t node_ip, uint16_t to_port,
		     uint32_t host)
{
	struct nsb_fwd_key k = { .host_addr = htonl(host), .port = htons(port), .proto = proto };
	struct nsb_fwd_val v = { .node_addr = htonl(node_ip),
				 .node_port = htons(to_port),
				 .first_port = htons(port),
				 .count = 1,
				 .ifindex = EARTH_IF };

	cr_assert(!bpf_map_update_elem(fd, &k, &v, BPF_ANY), "forwards");
}

static int fwd6_get(int fd, uint8_t proto, uint16_t port, struct nsb_fwd6_val *v)
{
	struct nsb_fwd6_key k = { .port = htons(port), .proto = proto };

	return bpf_map_lookup_elem(fd, &k, v) ? -errno : 0;
}

/*
 * fwd6_sync() (lab/fwd6.c): forwards6 follows forwards for any host
 * address to nodes with an ip6 (earth), not to one without (pluto here),
 * not for one IPv4 host address; a deleted or re-pointed forward takes
 * its IPv6 side along, hits stay while it stays; fwd_ports_sync46() keeps
 * the bits of both maps; fwd6_flows_sweep() ends the ct6 flows (and their
 * claims) of an IPv6 side that is gone, not the rest.
 */
Test(fwd6, loader_sync_and_sweep)
{
	struct fwd6_node nodes[] = {
		{ .ip = EARTH_IP }, { .ip = PLUTO_IP }, /* no ip6 */
	};
	struct nsb_nat6_key nk = { .nat_port = htons(6000),
				   .remote_port = htons(40000),
				   .proto = 6 };
	struct nsb_ct6_key ck = { .sport = htons(8080), .dport = htons(40000), .proto = 6 };
	struct nsb_ct6_entry ce = { .e = { .nat_port = htons(6000),
					   .flags = NSB_CT_F_DNAT | NSB_CT_F_FWD_ANY } };
	struct nsb_ct6_key mk = { .sport = htons(1234), .dport = htons(80), .proto = 6 };
	struct nsb_ct6_entry me = { .e = { .nat_port = htons(61001) } };
	struct nsb_nat6_val nv = { 0 };
	struct nsb_fwd6_val v6;
	struct st_env env;
	int fwd, fwd6, ports, ct6, nat6;
	__u32 word;
	__u64 bits;
	size_t gone;

	memcpy(&nodes[0].ip6, earth6, 16);
	st_open(&env, false);
	st_load(&env);
	fwd = env.forwards_fd;
	fwd6 = bpf_map__fd(env.skel->maps.forwards6);
	ports = bpf_map__fd(env.skel->maps.fwd_ports);
	ct6 = bpf_map__fd(env.skel->maps.ct6);
	nat6 = bpf_map__fd(env.skel->maps.nat_ports6);

	fwd4_put(fwd, 6, 6000, EARTH_IP, 8080, 0);
	fwd4_put(fwd, 17, 7000, EARTH_IP, 53, 0);
	fwd4_put(fwd, 6, 6002, PLUTO_IP, 80, 0);
	fwd4_put(fwd, 6, 6003, EARTH_IP, 80, HOST_IP);
	cr_assert_eq(fwd6_sync(fwd, fwd6, nodes, 2), 0, "sync");
	cr_assert_eq(fwd6_get(fwd6, 6, 6000, &v6), 0, "tcp 6000 -> earth: IPv6 side");
	cr_expect(!memcmp(v6.node_addr, earth6, 16), "its node's ip6");
	cr_expect_eq(ntohs(v6.v.node_port), 8080);
	cr_expect_eq(v6.v.ifindex, EARTH_IF);
	cr_expect_eq(v6.v.node_addr, 0, "no IPv4 address in it");
	cr_expect_eq(fwd6_get(fwd6, 17, 7000, &v6), 0, "udp 7000 -> earth: IPv6 side");
	cr_expect_eq(fwd6_get(fwd6, 6, 6002, &v6), -ENOENT, "pluto has no ip6: IPv4 only");
	cr_expect_eq(fwd6_get(fwd6, 6, 6003, &v6), -ENOENT, "an IPv4 host address: IPv4 only");

	/* hits stay across a sync that changes nothing */
	cr_assert_eq(fwd6_get(fwd6, 6, 6000, &v6), 0);
	v6.v.hits = 5;
	cr_assert(!bpf_map_update_elem(
		fwd6, &(struct nsb_fwd6_key){ .port = htons(6000), .proto = 6 }, &v6, BPF_EXIST));
	cr_assert_eq(fwd6_sync(fwd, fwd6, nodes, 2), 0, "sync again");
	cr_assert_eq(fwd6_get(fwd6, 6, 6000, &v6), 0);
	cr_expect_eq(v6.v.hits, 5, "hits kept");

	/* the bitmap counts both maps */
	cr_assert_eq(fwd_ports_sync46(ports, fwd, fwd6), 0, "ports sync");
	word = NSB_FWD_PORT_WORD(6, 6000, false);
	cr_assert(!bpf_map_lookup_elem(ports, &word, &bits));
	cr_expect(bits & (1ULL << (6000 % 64)), "tcp 6000's bit");

	/* a flow of the IPv6 side and a masqueraded one */
	memcpy(ck.saddr, earth6, 16);
	memcpy(ck.daddr, remote6, 16);
	memcpy(ce.nat_addr, uplink6, 16);
	memcpy(nk.nat_addr, uplink6, 16);
	memcpy(nk.remote_addr, remote6, 16);
	memcpy(nv.node_addr, earth6, 16);
	nv.v.node_port = htons(8080);
	memcpy(mk.saddr, earth6, 16);
	memcpy(mk.daddr, remote6, 16);
	memcpy(me.nat_addr, uplink6, 16);
	cr_assert(!bpf_map_update_elem(ct6, &ck, &ce, BPF_ANY));
	cr_assert(!bpf_map_update_elem(nat6, &nk, &nv, BPF_ANY));
	cr_assert(!bpf_map_update_elem(ct6, &mk, &me, BPF_ANY));
	cr_assert_eq(fwd6_flows_sweep(ct6, nat6, fwd6, &gone), 0);
	cr_expect_eq(gone, 0, "the forward is there: its flow stays");

	/* re-pointed to 8081: the IPv6 side follows, its old flow goes */
	fwd4_put(fwd, 6, 6000, EARTH_IP, 8081, 0);
	cr_assert_eq(fwd6_sync(fwd, fwd6, nodes, 2), 0);
	cr_assert_eq(fwd6_get(fwd6, 6, 6000, &v6), 0);
	cr_expect_eq(ntohs(v6.v.node_port), 8081, "re-pointed");
	cr_expect_eq(v6.v.hits, 0, "a new target starts counting anew");
	cr_assert_eq(fwd6_flows_sweep(ct6, nat6, fwd6, &gone), 0);
	cr_expect_eq(gone, 1, "the flow to 8080 ended");
	cr_expect(bpf_map_lookup_elem(ct6, &ck, &ce), "its ct6 entry gone");
	cr_expect(bpf_map_lookup_elem(nat6, &nk, &nv), "its claim gone");
	cr_expect(!bpf_map_lookup_elem(ct6, &mk, &me), "the masqueraded flow stays");

	/* deleted: the IPv6 side goes, and its port's bit with the last user */
	cr_assert(!bpf_map_delete_elem(fwd,
				       &(struct nsb_fwd_key){ .port = htons(6000), .proto = 6 }));
	cr_assert_eq(fwd6_sync(fwd, fwd6, nodes, 2), 0);
	cr_expect_eq(fwd6_get(fwd6, 6, 6000, &v6), -ENOENT, "deleted with it");
	cr_expect_eq(fwd6_get(fwd6, 17, 7000, &v6), 0, "the others stay");
	cr_assert_eq(fwd_ports_sync46(ports, fwd, fwd6), 0);
	cr_assert(!bpf_map_lookup_elem(ports, &word, &bits));
	cr_expect(!(bits & (1ULL << (6000 % 64))), "tcp 6000's bit cleared");
	st_close(&env);
}
