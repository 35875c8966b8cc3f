// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * NAT66 masquerade under BPF_PROG_TEST_RUN: from_node's SNAT of a node's
 * IPv6 flow (lib/masq6.h), from_uplink's way back and its policy
 * (lib/from_uplink6.h), to_uplink's lab_source (lib/egress6.h) and the
 * collector's ct6 walk, as tables of steps sharing the maps, as
 * nat_test.c for IPv4. The lab is lab_dual (labs.h) with planet and moon
 * masquerading. Each step names its input frame, the hook, the verdict,
 * the frame that must come out (compared whole against one built from
 * scratch here, then every TCP, UDP and ICMPv6 checksum of the output
 * recomputed from scratch over the IPv6 pseudo-header), the redirect
 * target and flags from the trace map, the one stats slot that counts it
 * (or none: the host's traffic), and the ct6 and nat_ports6 entries after
 * it. A port the test cannot know beforehand is learnt from ct6 into a
 * variable, VAR(n), which later frames use.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "labs.h"
#include "nat66_frame.h"
#include "node.skel.h"
#include "lab/fill.h"

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
static const uint8_t earth6[16] = IP6(0x200, 0x11), neptune6[16] = IP6(0x200, 0x12);
static const uint8_t mars6[16] = IP6(0x201, 0x21), pluto6[16] = IP6(0x202, 0x31);
static const uint8_t halley6[16] = IP6(0x203, 0x41), planet_gw6[16] = IP6(0x200, 1);
static const uint8_t remote6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x80 };
static const uint8_t remote6b[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 7, [15] = 0x07 };
static const uint8_t host6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x50, [15] = 1 };
static const uint8_t uplink6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x01, 0x13, [15] = 2 };
static const uint8_t router_ll6[16] = { 0xfe, 0x80, [15] = 1 };
static const uint8_t any6[16] = { 0 }, loop6[16] = { [15] = 1 };
static const uint8_t mcast6[16] = { 0xff, 0x02, [15] = 1 };
static const uint8_t snm_up6[16] = { 0xff, 0x02, [11] = 1, 0xff, 0, 0, 2 };
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
	bool claim_absent; /* its nat_ports6 claim must be gone too */
};

struct step6 {
	const char *name;
	enum hook hook;
	uint32_t ingress;
	struct f6 in;
	int verdict;
	struct f6 out;	   /* F6_NONE: the input, untouched */
	uint8_t out_icmp6; /* an ICMPv6 error of this type comes out instead (icmp6 builds it) */
	uint32_t redirect, flags;
	uint32_t stat;
	struct ct6_expect ct;
	uint32_t age;	  /* before the step: .ct's flow idle this many seconds longer */
	uint32_t age_all; /* before the step: every ct6 entry made this many seconds earlier */
	bool gc;	  /* before the step: one collector pass */
};

struct table6 {
	const char *name;
	const struct step6 *steps;
	int n;
	bool no_uplink6; /* config without uplink_addr6 */
	uint32_t ct_max;
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
		ok &= ASSERT_TRUE(port >= NSB_SNAT_PORT_MIN && port <= NSB_SNAT_PORT_MAX,
				  "ct6: nat port in the range");
		r->vars[e->nat_port & 0xff] = port;
		r->bound[e->nat_port & 0xff] = true;
	} else if (e->nat_port) {
		ok &= port_of(r, e->nat_port, &other) && ASSERT_EQ(port, other, "ct6: nat port");
	}
	if (e->not_port)
		ok &= port_of(r, e->not_port, &other) &&
		      ASSERT_TRUE(port != other, "ct6: a different nat port");
	ok &= ASSERT_TRUE(!memcmp(ce.nat_addr, uplink6, 16), "ct6: nat address uplink_addr6");
	ok &= ASSERT_EQ(ce.e.nat_addr, 0, "ct6: IPv4 nat address 0");
	ok &= ASSERT_EQ(ce.e.state, e->state, "ct6: state");
	ok &= ASSERT_EQ(ce.e.flags, e->flags, "ct6: flags");
	ok &= ASSERT_EQ(ce.e.pkts_orig, e->pkts_orig, "ct6: packets out");
	ok &= ASSERT_EQ(ce.e.pkts_reply, e->pkts_reply, "ct6: packets back");
	ok &= ASSERT_TRUE(ce.e.created_ns, "ct6: created_ns set");
	/* its claim: {uplink_addr6, remote, nat port, remote port} -> the node */
	memcpy(nk.nat_addr, uplink6, 16);
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

	if (c->out_icmp6) {
		/* icmp6's selftests check its bytes; here: an error of that type, sums right */
		if (!ASSERT_TRUE(res->out_len > 62 && res->out[20] == 58, "an ICMPv6 message") ||
		    !ASSERT_EQ(res->out[54], c->out_icmp6, "its type"))
			return false;
		if (!f6_csum_ok(res->out, res->out_len, why, sizeof(why)))
			return ASSERT_TRUE(false, why);
		return true;
	}
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

/* ---------------------------------------------------------------- TCP */

/* clang-format off */
static const struct step6 tcp_steps[] = {
	{ "earth SYN from 61100 (in the range, free): port kept, SNAT to uplink_addr6, NEW",
	  FROM_NODE, EARTH_IF, { OUT6(F6_TCP, earth, 61100, remote6, 80), .flags = SYN }, SNAT_OUT,
	  .out = { SNAT6(F6_TCP, earth, 61100, remote6, 80), .flags = SYN },
	  .ct = { CT6(earth6, 61100, remote6, 80, 6), .state = NSB_CT_NEW, .nat_port = 61100,
		  .pkts_orig = 1 } },
	{ "SYN-ACK back to 61100: into earth (redirect_peer), ESTABLISHED",
	  FROM_UPLINK, UPLINK_IF, { IN6(F6_TCP, remote6, 80, 61100), .flags = SYNACK }, INTO(earth),
	  .out = { BACK6(F6_TCP, earth, remote6, 80, 61100), .flags = SYNACK },
	  .ct = { CT6(earth6, 61100, remote6, 80, 6), .state = NSB_CT_ESTABLISHED,
		  .nat_port = 61100, .pkts_orig = 1, .pkts_reply = 1 } },
	{ "earth ACK with 300 bytes: the existing entry",
	  FROM_NODE, EARTH_IF, { OUT6(F6_TCP, earth, 61100, remote6, 80), .flags = ACK,
				 .payload_len = 300 }, SNAT_OUT,
	  .out = { SNAT6(F6_TCP, earth, 61100, remote6, 80), .flags = ACK, .payload_len = 300 },
	  .ct = { CT6(earth6, 61100, remote6, 80, 6), .state = NSB_CT_ESTABLISHED,
		  .nat_port = 61100, .pkts_orig = 2, .pkts_reply = 1 } },
	{ "an off-path RST (seq far out of window): dropped, tcp_window, still ESTABLISHED",
	  FROM_UPLINK, UPLINK_IF, { IN6(F6_TCP, remote6, 80, 61100), .flags = RST,
				    .seq = TCP_ISN + 0x40000000 }, SHOT(TCP_WINDOW),
	  .ct = { CT6(earth6, 61100, remote6, 80, 6), .state = NSB_CT_ESTABLISHED,
		  .nat_port = 61100, .pkts_orig = 2, .pkts_reply = 1 } },
	{ "an ACK acking data never sent: dropped, tcp_window",
	  FROM_UPLINK, UPLINK_IF, { IN6(F6_TCP, remote6, 80, 61100), .flags = ACK,
				    .ack = TCP_ISN + 0x10000000 }, SHOT(TCP_WINDOW) },
	{ "earth FIN: CLOSING",
	  FROM_NODE, EARTH_IF, { OUT6(F6_TCP, earth, 61100, remote6, 80), .flags = FINACK,
				 .seq = TCP_ISN + 301 }, SNAT_OUT,
	  .out = { SNAT6(F6_TCP, earth, 61100, remote6, 80), .flags = FINACK, .seq = TCP_ISN + 301 },
	  .ct = { CT6(earth6, 61100, remote6, 80, 6), .state = NSB_CT_CLOSING,
		  .flags = NSB_CT_F_FIN_ORIG, .nat_port = 61100, .pkts_orig = 3, .pkts_reply = 1 } },
	{ "FIN back: CLOSED, both FINs",
	  FROM_UPLINK, UPLINK_IF, { IN6(F6_TCP, remote6, 80, 61100), .flags = FINACK,
				    .ack = TCP_ISN + 302 }, INTO(earth),
	  .out = { BACK6(F6_TCP, earth, remote6, 80, 61100), .flags = FINACK, .ack = TCP_ISN + 302 },
	  .ct = { CT6(earth6, 61100, remote6, 80, 6), .state = NSB_CT_CLOSED,
		  .flags = NSB_CT_F_FIN_ORIG | NSB_CT_F_FIN_REPLY, .nat_port = 61100,
		  .pkts_orig = 3, .pkts_reply = 2 } },
	{ "earth SYN from 40000 (outside the range): a port from the range (var 0)",
	  FROM_NODE, EARTH_IF, { OUT6(F6_TCP, earth, 40000, remote6, 80), .flags = SYN }, SNAT_OUT,
	  .out = { SNAT6(F6_TCP, earth, VAR(0), remote6, 80), .flags = SYN },
	  .ct = { CT6(earth6, 40000, remote6, 80, 6), .state = NSB_CT_NEW, .nat_port = VAR(0),
		  .pkts_orig = 1 } },
	{ "neptune SYN from 40000 to the same remote: another port (var 1)",
	  FROM_NODE, NEPTUNE_IF, { OUT6(F6_TCP, neptune, 40000, remote6, 80), .flags = SYN },
	  SNAT_OUT, .out = { SNAT6(F6_TCP, neptune, VAR(1), remote6, 80), .flags = SYN },
	  .ct = { CT6(neptune6, 40000, remote6, 80, 6), .state = NSB_CT_NEW, .nat_port = VAR(1),
		  .not_port = VAR(0), .pkts_orig = 1 } },
	{ "SYN-ACK to var 0: into earth at 40000",
	  FROM_UPLINK, UPLINK_IF, { IN6(F6_TCP, remote6, 80, VAR(0)), .flags = SYNACK }, INTO(earth),
	  .out = { BACK6(F6_TCP, earth, remote6, 80, 40000), .flags = SYNACK } },
	{ "SYN-ACK to var 1: into neptune at 40000",
	  FROM_UPLINK, UPLINK_IF, { IN6(F6_TCP, remote6, 80, VAR(1)), .flags = SYNACK },
	  INTO(neptune), .out = { BACK6(F6_TCP, neptune, remote6, 80, 40000), .flags = SYNACK },
	  .ct = { CT6(neptune6, 40000, remote6, 80, 6), .state = NSB_CT_ESTABLISHED,
		  .nat_port = VAR(1), .pkts_orig = 1, .pkts_reply = 1 } },
	{ "mars (moon masquerades too) SYN from 61104 to another remote: port kept",
	  FROM_NODE, MARS_IF, { OUT6(F6_TCP, mars, 61104, remote6b, 22), .flags = SYN }, SNAT_OUT,
	  .out = { SNAT6(F6_TCP, mars, 61104, remote6b, 22), .flags = SYN },
	  .ct = { CT6(mars6, 61104, remote6b, 22, 6), .state = NSB_CT_NEW, .nat_port = 61104,
		  .pkts_orig = 1 } },
	{ "a SYN-ACK from another remote port: no flow, the host's, untouched",
	  FROM_UPLINK, UPLINK_IF, { IN6(F6_TCP, remote6b, 23, 61104), .flags = SYNACK }, HOSTS },
	{ "a SYN-ACK from another remote address: the host's, untouched",
	  FROM_UPLINK, UPLINK_IF, { IN6(F6_TCP, remote6, 22, 61104), .flags = SYNACK }, HOSTS },
	{ "to the uplink's port 22 (the host's sshd): untouched",
	  FROM_UPLINK, UPLINK_IF, { IN6(F6_TCP, remote6, 40000, 22), .flags = SYN }, HOSTS },
	{ "hop limit 1 on a reply: dropped, ttl",
	  FROM_UPLINK, UPLINK_IF, { IN6(F6_TCP, remote6b, 22, 61104), .flags = SYNACK, .hop = 1 },
	  SHOT(TTL) },
	{ "earth's SYN with hop limit 1: Time Exceeded back to earth (icmp6)",
	  FROM_NODE, EARTH_IF, { OUT6(F6_TCP, earth, 61105, remote6, 80), .flags = SYN, .hop = 1 },
	  .verdict = TC_ACT_REDIRECT, .redirect = EARTH_IF, .flags = NSB_TRACE_F_EGRESS,
	  .stat = PATH(TIME_EXCEEDED), .out_icmp6 = 3, .ct = { CT6(earth6, 61105, remote6, 80, 6), .absent = true } },
};
/* clang-format on */

/* ---------------------------------------------------------------- UDP */

/* clang-format off */
static const struct step6 udp_steps[] = {
	{ "earth UDP 61200 -> remote:53: SNAT, NEW",
	  FROM_NODE, EARTH_IF, { OUT6(F6_UDP, earth, 61200, remote6, 53) }, SNAT_OUT,
	  .out = { SNAT6(F6_UDP, earth, 61200, remote6, 53) },
	  .ct = { CT6(earth6, 61200, remote6, 53, 17), .state = NSB_CT_NEW, .nat_port = 61200,
		  .pkts_orig = 1 } },
	{ "its reply: into earth, ESTABLISHED",
	  FROM_UPLINK, UPLINK_IF, { IN6(F6_UDP, remote6, 53, 61200), .payload_len = 100 },
	  INTO(earth), .out = { BACK6(F6_UDP, earth, remote6, 53, 61200), .payload_len = 100 },
	  .ct = { CT6(earth6, 61200, remote6, 53, 17), .state = NSB_CT_ESTABLISHED,
		  .nat_port = 61200, .pkts_orig = 1, .pkts_reply = 1 } },
	{ "a reply without a checksum (invalid over IPv6): no flow's, the host's",
	  FROM_UPLINK, UPLINK_IF, { IN6(F6_UDP, remote6, 53, 61200), .no_csum = true }, HOSTS },
	{ "earth UDP without a checksum: not masqueraded, nat_proto",
	  FROM_NODE, EARTH_IF, { OUT6(F6_UDP, earth, 61201, remote6, 9), .no_csum = true },
	  SHOT(NAT_PROTO), .ct = { CT6(earth6, 61201, remote6, 9, 17), .absent = true } },
	{ "earth UDP 40001 (outside the range): var 0, the checksum over the new address and port",
	  FROM_NODE, EARTH_IF, { OUT6(F6_UDP, earth, 40001, remote6b, 123), .payload_len = 48 },
	  SNAT_OUT, .out = { SNAT6(F6_UDP, earth, VAR(0), remote6b, 123), .payload_len = 48 },
	  .ct = { CT6(earth6, 40001, remote6b, 123, 17), .state = NSB_CT_NEW, .nat_port = VAR(0),
		  .pkts_orig = 1 } },
	{ "its reply: to 40001",
	  FROM_UPLINK, UPLINK_IF, { IN6(F6_UDP, remote6b, 123, VAR(0)), .payload_len = 48 },
	  INTO(earth), .out = { BACK6(F6_UDP, earth, remote6b, 123, 40001), .payload_len = 48 } },
	{ "a reply to a port in the range without a flow: the host's",
	  FROM_UPLINK, UPLINK_IF, { IN6(F6_UDP, remote6, 53, 61299) }, HOSTS },
	{ "too big for the uplink (MTU 1400): Packet Too Big back to earth (icmp6)",
	  FROM_NODE, EARTH_IF, { OUT6(F6_UDP, earth, 61202, remote6, 53), .payload_len = 1400 },
	  .verdict = TC_ACT_REDIRECT, .redirect = EARTH_IF, .flags = NSB_TRACE_F_EGRESS,
	  .stat = PATH(FRAG_NEEDED), .out_icmp6 = 2, .ct = { CT6(earth6, 61202, remote6, 53, 17), .absent = true } },
	{ "a first fragment (fragment header): not masqueraded, frag",
	  FROM_NODE, EARTH_IF, { OUT6(F6_UDP, earth, 61203, remote6, 53), .frag = true },
	  SHOT(FRAG) },
};
/* clang-format on */

/* ---------------------------------------------------------- ICMPv6 echo */

/* clang-format off */
static const struct step6 echo_steps[] = {
	{ "earth pings with id 61300 (in the range): id kept, SNAT",
	  FROM_NODE, EARTH_IF, { PING6(earth, 61300, remote6) }, SNAT_OUT,
	  .out = { SNAT6(F6_ICMP, earth, 61300, remote6, 0) },
	  .ct = { CT6(earth6, 61300, remote6, 0, 58), .state = NSB_CT_NEW, .nat_port = 61300,
		  .pkts_orig = 1 } },
	{ "echo reply: into earth, ESTABLISHED",
	  FROM_UPLINK, UPLINK_IF, { PONG6(remote6, 61300) }, INTO(earth),
	  .out = { BACK6(F6_ICMP, earth, remote6, 61300, 0), .type = 129 },
	  .ct = { CT6(earth6, 61300, remote6, 0, 58), .state = NSB_CT_ESTABLISHED,
		  .nat_port = 61300, .pkts_orig = 1, .pkts_reply = 1 } },
	{ "neptune pings with id 1234: the id translated (var 0), ICMPv6 checksum with it",
	  FROM_NODE, NEPTUNE_IF, { PING6(neptune, 1234, remote6), .payload_len = 56 }, SNAT_OUT,
	  .out = { SNAT6(F6_ICMP, neptune, VAR(0), remote6, 0), .payload_len = 56 },
	  .ct = { CT6(neptune6, 1234, remote6, 0, 58), .state = NSB_CT_NEW, .nat_port = VAR(0),
		  .pkts_orig = 1 } },
	{ "its reply with the allocated id: into neptune with id 1234",
	  FROM_UPLINK, UPLINK_IF, { PONG6(remote6, VAR(0)), .payload_len = 56 }, INTO(neptune),
	  .out = { BACK6(F6_ICMP, neptune, remote6, 1234, 0), .type = 129, .payload_len = 56 } },
	{ "an echo reply with no flow: the host's (its own ping), untouched",
	  FROM_UPLINK, UPLINK_IF, { PONG6(remote6, 61301) }, HOSTS },
	{ "an echo request from the world to the uplink: the host's",
	  FROM_UPLINK, UPLINK_IF, { IN6(F6_ICMP, remote6, 61300, 0) }, HOSTS },
	{ "pluto (exile, no masquerade) pings out: no_masquerade",
	  FROM_NODE, PLUTO_IF, { PING6(pluto, 5, remote6) }, SHOT(NO_MASQUERADE),
	  .ct = { CT6(pluto6, 5, remote6, 0, 58), .absent = true } },
	{ "halley (comet, IPv6 only, no masquerade) pings out: no_masquerade",
	  FROM_NODE, HALLEY_IF, { PING6(halley, 5, remote6) }, SHOT(NO_MASQUERADE) },
	{ "earth sends an echo reply out (type 129): nat_proto",
	  FROM_NODE, EARTH_IF, { PING6(earth, 7, remote6), .type = 129 }, SHOT(NAT_PROTO) },
};
/* clang-format on */

/* ------------------------------------------------------- the uplink's policy */

/* clang-format off */
static const struct step6 policy_steps[] = {
	{ "the world to earth's address: inbound",
	  FROM_UPLINK, UPLINK_IF, { IN6(F6_TCP, remote6, 40000, 80), .daddr = earth6, .flags = SYN },
	  SHOT(INBOUND) },
	{ "the world to planet's gateway6: inbound",
	  FROM_UPLINK, UPLINK_IF, { IN6(F6_UDP, remote6, 40000, 53), .daddr = planet_gw6 },
	  SHOT(INBOUND) },
	{ "from mars's address (a lab source) to the uplink: uplink_spoof",
	  FROM_UPLINK, UPLINK_IF, { IN6(F6_TCP, mars6, 80, 61100), .flags = SYNACK },
	  SHOT(UPLINK_SPOOF) },
	{ "from :: to the uplink: uplink_spoof",
	  FROM_UPLINK, UPLINK_IF, { IN6(F6_UDP, any6, 53, 61200) }, SHOT(UPLINK_SPOOF) },
	{ "from ::1 to the uplink: uplink_spoof",
	  FROM_UPLINK, UPLINK_IF, { IN6(F6_UDP, loop6, 53, 61200) }, SHOT(UPLINK_SPOOF) },
	{ "from a multicast source: uplink_spoof",
	  FROM_UPLINK, UPLINK_IF, { IN6(F6_UDP, mcast6, 53, 61200) }, SHOT(UPLINK_SPOOF) },
	{ "from the host's own address6: uplink_spoof",
	  FROM_UPLINK, UPLINK_IF, { IN6(F6_UDP, host6, 53, 61200) }, SHOT(UPLINK_SPOOF) },
	{ "from a lab source to another host address: uplink_spoof",
	  FROM_UPLINK, UPLINK_IF, { IN6(F6_UDP, earth6, 53, 5353), .daddr = host6 },
	  SHOT(UPLINK_SPOOF) },
	{ "an ICMPv6 error from a lab source: uplink_spoof",
	  FROM_UPLINK, UPLINK_IF, { IN6(F6_ICMP, mars6, 0, 0), .type = 1, .code = 4 },
	  SHOT(UPLINK_SPOOF) },
	{ "an ICMPv6 error from the world quoting no flow of ours: the host's",
	  FROM_UPLINK, UPLINK_IF, { IN6(F6_ICMP, remote6, 0, 0), .type = 1, .code = 4 }, HOSTS },
	{ "the world to another host address: the host's, untouched",
	  FROM_UPLINK, UPLINK_IF, { IN6(F6_TCP, remote6, 40000, 443), .daddr = host6,
				    .flags = SYN }, HOSTS },
	{ "a neighbour solicitation for the uplink's address6: the host's",
	  FROM_UPLINK, UPLINK_IF, { IN6(F6_ICMP, router_ll6, 0, 0), .daddr = snm_up6, .type = 135,
				    .hop = 255 }, HOSTS },
	{ "DAD from the world (:: to a solicited-node group): the host's",
	  FROM_UPLINK, UPLINK_IF, { IN6(F6_ICMP, any6, 0, 0), .daddr = snm_up6, .type = 135,
				    .hop = 255 }, HOSTS },
	{ "to_uplink: a packet leaving with earth's source: lab_source",
	  TO_UPLINK, 0, { OUT6(F6_TCP, earth, 40000, remote6, 80), .flags = SYN },
	  SHOT(LAB_SOURCE) },
	{ "to_uplink: the host's with the uplink's address6: untouched",
	  TO_UPLINK, 0, { IN6(F6_TCP, uplink6, 40000, 80), .daddr = remote6, .flags = SYN }, HOSTS },
	{ "to_uplink: the host's neighbour solicitation (link-local): untouched",
	  TO_UPLINK, 0, { IN6(F6_ICMP, router_ll6, 0, 0), .daddr = snm_up6, .type = 135,
			  .hop = 255 }, HOSTS },
};
/* clang-format on */

/* -------------------------------------------------------- no uplink_addr6 */

/* clang-format off */
static const struct step6 no_uplink_steps[] = {
	{ "earth SYN out, the uplink has no IPv6 address: no_uplink",
	  FROM_NODE, EARTH_IF, { OUT6(F6_TCP, earth, 61100, remote6, 80), .flags = SYN },
	  SHOT(NO_UPLINK), .ct = { CT6(earth6, 61100, remote6, 80, 6), .absent = true } },
	{ "a reply to it from the world: no flow, the host's",
	  FROM_UPLINK, UPLINK_IF, { IN6(F6_TCP, remote6, 80, 61100), .flags = SYNACK,
				    .daddr = host6 }, HOSTS },
};
/* clang-format on */

/* ------------------------------------------------ expiry and the collector */

/* clang-format off */
static const struct step6 gc_steps[] = {
	{ "earth UDP 61200 -> remote:53",
	  FROM_NODE, EARTH_IF, { OUT6(F6_UDP, earth, 61200, remote6, 53) }, SNAT_OUT,
	  .out = { SNAT6(F6_UDP, earth, 61200, remote6, 53) },
	  .ct = { CT6(earth6, 61200, remote6, 53, 17), .state = NSB_CT_NEW, .nat_port = 61200,
		  .pkts_orig = 1 } },
	{ "idle past udp_new (30 s): its reply finds no flow, the host's",
	  FROM_UPLINK, UPLINK_IF, { IN6(F6_UDP, remote6, 53, 61200) }, HOSTS,
	  .age = 31, .ct = { CT6(earth6, 61200, remote6, 53, 17), .state = NSB_CT_NEW,
			     .nat_port = 61200, .pkts_orig = 1 } },
	{ "a collector pass removes the expired entry and its claim",
	  FROM_UPLINK, UPLINK_IF, { IN6(F6_UDP, remote6, 53, 61200) }, HOSTS, .gc = true,
	  .ct = { CT6(earth6, 61200, remote6, 53, 17), .absent = true, .claim_absent = true } },
	{ "earth TCP SYN 61300, live",
	  FROM_NODE, EARTH_IF, { OUT6(F6_TCP, earth, 61300, remote6, 80), .flags = SYN }, SNAT_OUT,
	  .out = { SNAT6(F6_TCP, earth, 61300, remote6, 80), .flags = SYN },
	  .ct = { CT6(earth6, 61300, remote6, 80, 6), .state = NSB_CT_NEW, .nat_port = 61300,
		  .pkts_orig = 1 } },
	{ "a collector pass keeps the live flow: its reply goes in",
	  FROM_UPLINK, UPLINK_IF, { IN6(F6_TCP, remote6, 80, 61300), .flags = SYNACK }, INTO(earth),
	  .gc = true, .out = { BACK6(F6_TCP, earth, remote6, 80, 61300), .flags = SYNACK },
	  .ct = { CT6(earth6, 61300, remote6, 80, 6), .state = NSB_CT_ESTABLISHED,
		  .nat_port = 61300, .pkts_orig = 1, .pkts_reply = 1 } },
};
/* clang-format on */

/* ------------------------------------- a full table: refused, early dropped */

/* clang-format off */
static const struct step6 full_steps[] = {
	{ "flow 1 of 4", FROM_NODE, EARTH_IF, { OUT6(F6_UDP, earth, 62001, remote6, 53) },
	  SNAT_OUT, .out = { SNAT6(F6_UDP, earth, 62001, remote6, 53) } },
	{ "flow 2 of 4", FROM_NODE, EARTH_IF, { OUT6(F6_UDP, earth, 62002, remote6, 53) },
	  SNAT_OUT, .out = { SNAT6(F6_UDP, earth, 62002, remote6, 53) } },
	{ "flow 3 of 4", FROM_NODE, EARTH_IF, { OUT6(F6_UDP, earth, 62003, remote6, 53) },
	  SNAT_OUT, .out = { SNAT6(F6_UDP, earth, 62003, remote6, 53) } },
	{ "flow 4 of 4", FROM_NODE, EARTH_IF, { OUT6(F6_UDP, earth, 62004, remote6, 53) },
	  SNAT_OUT, .out = { SNAT6(F6_UDP, earth, 62004, remote6, 53) } },
	{ "a fifth while all four live: ct_full, nothing evicted",
	  FROM_NODE, EARTH_IF, { OUT6(F6_UDP, earth, 62005, remote6, 53) }, SHOT(CT_FULL),
	  .ct = { CT6(earth6, 62005, remote6, 53, 17), .absent = true } },
	{ "flow 1 still goes out",
	  FROM_NODE, EARTH_IF, { OUT6(F6_UDP, earth, 62001, remote6, 53) }, SNAT_OUT,
	  .out = { SNAT6(F6_UDP, earth, 62001, remote6, 53) },
	  .ct = { CT6(earth6, 62001, remote6, 53, 17), .state = NSB_CT_NEW, .nat_port = 62001,
		  .pkts_orig = 2 } },
	{ "6 s later (unanswered, under pressure): the collector drops them early; a new flow "
	  "gets in",
	  FROM_NODE, EARTH_IF, { OUT6(F6_UDP, earth, 62005, remote6, 53) }, SNAT_OUT,
	  .age_all = 6, .gc = true, .out = { SNAT6(F6_UDP, earth, 62005, remote6, 53) },
	  .ct = { CT6(earth6, 62005, remote6, 53, 17), .state = NSB_CT_NEW, .nat_port = 62005,
		  .pkts_orig = 1 } },
};
/* clang-format on */

Test(nat66, tcp)
{
	run_table6(TABLE6(tcp_steps));
}

Test(nat66, udp)
{
	run_table6(TABLE6(udp_steps));
}

Test(nat66, icmpv6_echo)
{
	run_table6(TABLE6(echo_steps));
}

Test(nat66, uplink_policy)
{
	run_table6(TABLE6(policy_steps));
}

Test(nat66, no_uplink_addr6)
{
	run_table6(TABLE6(no_uplink_steps, .no_uplink6 = true));
}

Test(nat66, gc_expiry)
{
	run_table6(TABLE6(gc_steps));
}

Test(nat66, full_refused_then_early_drop)
{
	run_table6(TABLE6(full_steps, .ct_max = 4));
}
