// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The runner of nat66_steps.h's tables (nat66_test.c, fwd6_test.c): the
 * lab and the config installed, forwards6 and fwd_ports for a table's
 * forwards, each step's frame run through its hook and every check of it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nat66_steps.h"
#include "node.skel.h"
#include "lab/fill.h"

/* clang-format off */
const uint8_t uplink6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x01, 0x13, [15] = 2 };
const uint8_t host6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x50, [15] = 1 };
/* clang-format on */

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
		.snat_port_min = t->port_min,
		.snat_port_max = t->port_max,
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
	if (t->pad6) {
		__u32 first = 0;

		for (size_t i = 0; i < masq6_topo.n_networks; i++)
			if ((__u32)masq6_topo.networks[i].id >= first)
				first = (__u32)masq6_topo.networks[i].id + 1;
		cr_assert(!test_nets6_pad(env->networks_fd, bpf_map__fd(env->skel->maps.networks6),
					  first),
			  "networks6 padded");
	}
	st_addr_filter(env);
	if (!t->no_uplink6)
		memcpy(cfg.uplink_addr6, uplink6, 16);
	cr_assert(!bpf_map_update_elem(bpf_map__fd(env->skel->maps.host_addrs6), host6, &one,
				       BPF_ANY),
		  "host_addrs6");
	if (t->summary) {
		cr_assert(
			!lab_lab6_outside(bpf_map__fd(env->skel->maps.networks6), cfg.lab6_outside),
			"config.lab6_outside");
		cr_assert(!lab_host6_outside(bpf_map__fd(env->skel->maps.host_addrs6),
					     cfg.host6_outside),
			  "config.host6_outside");
	}
	cr_assert(!bpf_map_update_elem(env->config_fd, &zero, &cfg, BPF_ANY), "config");
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

/*
 * Every frags6 record made `secs` earlier, but one that is that old
 * already (an earlier step aged it: twice would need twice the uptime, more
 * than a fresh VM of the kernel matrix has); the keys first.
 */
static bool age_frags(struct run6 *r, uint32_t secs)
{
	static struct nsb_frag6_key keys[64];
	int fd = bpf_map__fd(r->env.skel->maps.frags6);
	struct nsb_frag6_key *prev = NULL;
	uint64_t by = secs * 1000000000ULL;
	struct nsb_frag6_val v;
	struct timespec ts;
	bool ok = true;
	uint64_t now;
	int n = 0;

	clock_gettime(CLOCK_MONOTONIC, &ts); /* bpf_ktime_get_ns()'s clock */
	now = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	while (n < 64 && !bpf_map_get_next_key(fd, prev, &keys[n])) {
		prev = &keys[n];
		n++;
	}
	ok &= ASSERT_TRUE(n > 0, "a frags6 record to age");
	for (int i = 0; i < n; i++) {
		if (bpf_map_lookup_elem(fd, &keys[i], &v) || now - v.first_ns >= by)
			continue;
		ok &= ASSERT_TRUE(v.first_ns > by, "the machine is up longer than the age");
		v.first_ns -= by;
		ok &= ASSERT_EQ(bpf_map_update_elem(fd, &keys[i], &v, BPF_EXIST), 0,
				"age a record");
	}
	return ok;
}

static const uint8_t zero6[16];

/*
 * A hairpin entry's new destination and its flow's claim in nat_ports6
 * (NSB_NAT_F_HAIRPIN): the client's entry {c, a, cp, 6000} claims {gw6,
 * backend, P, 8080} -> c:cp; the twin {backend, gw6, 8080, P} is that
 * claim's flow, leading back to the client.
 */
static bool check_hairpin6(struct run6 *r, const struct ct6_expect *e, const struct nsb_ct6_key *k,
			   const struct nsb_ct6_entry *ce)
{
	bool twin = ce->e.flags & NSB_CT_F_DNAT;
	struct nsb_nat6_key nk = { .proto = k->proto };
	struct nsb_nat6_val nv;
	uint32_t dport;
	bool ok = true;

	if (!ASSERT_TRUE(e->dnat6, "ct6: a hairpin entry expected") ||
	    !port_of(r, e->dnat_port, &dport))
		return false;
	ok &= ASSERT_TRUE(!memcmp(ce->dnat_addr, e->dnat6, 16), "ct6: new destination");
	ok &= ASSERT_EQ(ntohs(ce->e.dnat_port), dport, "ct6: new destination port");
	ok &= ASSERT_EQ(ce->e.dnat_addr, 0, "ct6: IPv4 dnat address 0");
	if (twin) {
		memcpy(nk.nat_addr, k->daddr, 16);
		memcpy(nk.remote_addr, k->saddr, 16);
		nk.nat_port = k->dport;
		nk.remote_port = k->sport;
	} else {
		memcpy(nk.nat_addr, ce->nat_addr, 16);
		memcpy(nk.remote_addr, ce->dnat_addr, 16);
		nk.nat_port = ce->e.nat_port;
		nk.remote_port = ce->e.dnat_port;
	}
	if (!ASSERT_EQ(bpf_map_lookup_elem(r->nat6_fd, &nk, &nv), 0, "nat_ports6: hairpin claim"))
		return false;
	ok &= ASSERT_EQ(nv.v.flags, NSB_NAT_F_HAIRPIN, "nat_ports6: NSB_NAT_F_HAIRPIN");
	ok &= ASSERT_TRUE(!memcmp(nv.node_addr, twin ? ce->dnat_addr : k->saddr, 16),
			  "nat_ports6: the client's address");
	ok &= ASSERT_EQ(nv.v.node_port, twin ? ce->e.dnat_port : k->sport,
			"nat_ports6: the client's port");
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
	if (e->dnat6 || (ce.e.flags & NSB_CT_F_HAIRPIN))
		return ok && check_hairpin6(r, e, &k, &ce);
	ok &= ASSERT_TRUE(!memcmp(ce.dnat_addr, zero6, 16), "ct6: no new destination");
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

/* run_table6(): nat66_steps.h */
void run_table6(const struct table6 *t)
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
		if (c->frag_age && !age_frags(r, c->frag_age))
			continue;
		if (!resolve(r, &c->in, &in) || !ASSERT_TRUE(f6_build(&in, &pin), "input frame"))
			continue;
		st_stats(&r->env, before);
		st_run(&r->env, fd, &pin, ingress, &res);
		if (!ASSERT_EQ(res.err, 0, "BPF_PROG_TEST_RUN"))
			continue;
		st_stats(&r->env, after);
		ok &= ASSERT_EQ((int32_t)res.retval, c->verdict, "verdict");
		ok &= st_check_trace(c->stat, c->redirect == UPLINK_IF ? r->uplink_if : c->redirect,
				     c->flags, &res.trace);
		ok &= st_check_stats(c->stat, before, after, pin.len);
		ok &= check_ct6(r, &c->ct); /* before the output: it may learn a port */
		ok &= check_ct6(r, &c->ct2);
		if (c->verdict != TC_ACT_SHOT)
			ok &= check_output(r, c, &pin, &res);
		passed += ok;
	}
	cr_log_info("%s: %d steps, %d passed", t->name, t->n, passed);
	st_close(&r->env);
	free(r);
}
