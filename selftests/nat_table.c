// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The NAT tables' runner (nat_table.h): lab_masq with an uplink (a veth in
 * the selftests' private netns, MTU ST_UPLINK_MTU: bpf_check_mtu() needs a
 * real device; BPF_PROG_TEST_RUN never performs the redirect), the table's
 * config and forwards, then every step through BPF_PROG_TEST_RUN.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <unistd.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nat_table.h"

struct run {
	struct st_env env;
	const struct nat_table *t;
	uint32_t uplink_if;
	uint32_t vars[NVARS];
	bool bound[NVARS];
	uint16_t pmin, pmax;
	uint64_t unit;
};

/* A port as a number: PORT_VAR(n) must have been learnt already. */
static bool port_of(const struct run *r, uint32_t p, uint32_t *out)
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

/* f with its port variables replaced, its quote (if any) copied into *q likewise. */
static bool resolve(const struct run *r, const struct frame *f, struct frame *out, struct frame *q)
{
	bool ok = true;

	*out = *f;
	ok &= port_of(r, f->sport, &out->sport);
	ok &= port_of(r, f->dport, &out->dport);
	ok &= port_of(r, f->icmp_id, &out->icmp_id);
	if (f->quote) {
		*q = *f->quote;
		ok &= port_of(r, q->sport, &q->sport);
		ok &= port_of(r, q->dport, &q->dport);
		ok &= port_of(r, q->icmp_id, &q->icmp_id);
		out->quote = q;
	}
	return ok;
}

static bool ct_key(const struct run *r, const struct ct_expect *e, struct nsb_ct_key *k)
{
	uint32_t sport, dport;

	if (!port_of(r, e->sport, &sport) || !port_of(r, e->dport, &dport))
		return false;
	memset(k, 0, sizeof(*k));
	k->saddr = htonl(e->saddr);
	k->daddr = htonl(e->daddr);
	k->sport = htons((uint16_t)sport);
	k->dport = htons((uint16_t)dport);
	k->proto = e->proto;
	return true;
}

/* One entry per host port, as loader/fwd_map.c writes them. */
static void install_fwd(struct run *r, const struct fwd_rule *f)
{
	uint16_t end = f->port_end ? f->port_end : f->port;

	for (uint32_t p = f->port; p <= end; p++) {
		struct nsb_fwd_key k = {
			.host_addr = htonl(f->host_addr),
			.port = htons((uint16_t)p),
			.proto = f->proto,
		};
		struct nsb_fwd_val v = {
			.node_addr = htonl(f->node_addr),
			.node_port = htons((uint16_t)(f->node_port + (p - f->port))),
			.first_port = htons(f->port),
			.count = (__u16)(end - f->port + 1),
			.ifindex = f->ifindex,
		};

		cr_assert(!st_forward_put(&r->env, &k, &v, BPF_NOEXIST), "forwards: %s",
			  strerror(errno));
	}
}

#define FIB_DEV	       "nsbst-fib"
#define UPLINK_NAME_ST "nsbst-up" /* st_uplink()'s */

/*
 * The lab's FIB probe device, as the loader makes it: one end of a veth
 * pair whose other end stays down, forwarding on, in the selftests'
 * private netns. Its ifindex.
 */
static uint32_t fib_dev(void)
{
	int err = system("ip link add " FIB_DEV " type veth peer name " FIB_DEV "-p 2>/dev/null; "
			 "echo 1 > /proc/sys/net/ipv4/conf/" FIB_DEV "/forwarding && "
			 "ip link set " FIB_DEV " up && ip link set " UPLINK_NAME_ST " up && "
			 /* the world is out there: a host without a route gets all */
			 "ip route replace default dev " UPLINK_NAME_ST);

	cr_assert(err == 0, "make the FIB probe device %s", FIB_DEV);
	return if_nametoindex(FIB_DEV);
}

/* The host gains ip (host order), on the probe device; once per netns is enough. */
static bool host_gains(uint32_t ip)
{
	char cmd[128];
	struct in_addr a = { .s_addr = htonl(ip) };

	snprintf(cmd, sizeof(cmd), "ip addr replace %s/32 dev " FIB_DEV, inet_ntoa(a));
	if (!ASSERT_EQ(system(cmd), 0, cmd))
		return false;
	/* what the FIB said of it before stays cached for NSB_FIB_CACHE_NS */
	usleep(NSB_FIB_CACHE_NS / 1000 + 100000);
	return true;
}

static void install(struct run *r)
{
	const struct nat_table *t = r->t;
	struct nsb_config cfg = {
		.layout = NSB_LAYOUT_VERSION,
		.uplink_ifindex = t->no_uplink ? 0 : r->uplink_if,
		.uplink_addr = t->no_uplink ? 0 : htonl(UPLINK_IP),
		.snat_port_min = r->pmin,
		.snat_port_max = r->pmax,
		.ct_max = t->ct_max,
		.fib_ifindex = t->fib ? fib_dev() : 0,
		.tmo_tcp_syn = 120 * r->unit,
		.tmo_tcp_est = 7440 * r->unit,
		.tmo_tcp_closing = 10 * r->unit,
		.tmo_tcp_closed = 10 * r->unit,
		.tmo_udp_new = TMO_UDP * r->unit,
		.tmo_udp = TMO_UDP * r->unit,
		.tmo_icmp = 30 * r->unit,
	};
	static const uint32_t host_addrs[] = { HOST_IP, UPLINK_IP };
	const struct test_lab *lab = t->lab ? t->lab : &lab_masq;
	__u32 zero = 0;
	__u8 one = 1;
	int err, routes, remotes;

	err = test_lab_install(lab, r->env.endpoints_fd, r->env.networks_fd);
	cr_assert(err == 0, "install lab %s: %s", lab->topo->name, strerror(-err));
	routes = test_lab_install_routes(lab, r->env.routes_fd);
	cr_assert(routes >= 0, "install the routes of %s: %s", lab->topo->name, strerror(-routes));
	cfg.routes = t->routes_off ? 0 : (__u32)routes;
	remotes = test_lab_install_remotes(lab, r->env.remotes_fd);
	cr_assert(remotes >= 0, "install the remote subnets of %s: %s", lab->topo->name,
		  strerror(-remotes));
	cfg.flags = remotes && !t->remotes_off ? NSB_CFG_F_REMOTES : 0;
	cr_assert(!bpf_map_update_elem(r->env.config_fd, &zero, &cfg, BPF_ANY), "config: %s",
		  strerror(errno));
	for (int i = 0; i < N(host_addrs); i++) {
		__be32 a = htonl(host_addrs[i]);

		cr_assert(!bpf_map_update_elem(r->env.host_addrs_fd, &a, &one, BPF_ANY),
			  "host_addrs: %s", strerror(errno));
	}
	st_addr_filter(&r->env);
	for (int i = 0; i < t->n_fwds; i++)
		install_fwd(r, &t->fwds[i]);
}

/*
 * Make the flow look idle for units: its last_seen_ns moves back. The
 * clock (bpf_ktime_get_ns) counts from boot, so no further back than that.
 */
static bool age_flow(struct run *r, const struct ct_expect *e, uint32_t units)
{
	uint64_t by = units * r->unit;
	struct nsb_ct_entry ce;
	struct nsb_ct_key k;

	if (!ct_key(r, e, &k))
		return false;
	if (!ASSERT_EQ(bpf_map_lookup_elem(r->env.ct_fd, &k, &ce), 0, "ct entry to age"))
		return false;
	if (!ASSERT_TRUE(ce.last_seen_ns > by, "the machine is up longer than the age"))
		return false;
	ce.last_seen_ns -= by;
	return ASSERT_EQ(bpf_map_update_elem(r->env.ct_fd, &k, &ce, BPF_EXIST), 0, "age ct entry");
}

/* A node's host end, or its router's for an address behind one (lab_routed). */
static uint32_t node_if(uint32_t ip)
{
	uint32_t net24 = ip & 0xffffff00;

	if (net24 == (BEHIND_EARTH & 0xffffff00))
		return EARTH_IF;
	if (net24 == (BEHIND_MARS & 0xffffff00))
		return MARS_IF;
	return ip == EARTH_IP	? EARTH_IF :
	       ip == NEPTUNE_IP ? NEPTUNE_IF :
	       ip == MARS_IP	? MARS_IF :
				  PLUTO_IF;
}

static bool check_ct(struct run *r, const struct ct_expect *e)
{
	struct nsb_ct_entry ce;
	struct nsb_ct_key k;
	uint32_t port, other;
	bool ok = true;
	int err;

	if (!e->check)
		return true;
	if (!ct_key(r, e, &k))
		return false;
	err = bpf_map_lookup_elem(r->env.ct_fd, &k, &ce) ? -errno : 0;
	if (e->absent)
		return ASSERT_EQ(err, -ENOENT, "ct: no entry");
	if (!ASSERT_EQ(err, 0, "ct: the entry"))
		return false;
	port = ntohs(ce.nat_port);
	if (IS_VAR(e->nat_port) && !r->bound[e->nat_port & 0xff]) {
		ok &= ASSERT_TRUE(port >= r->pmin && port <= r->pmax, "ct: nat port in the range");
		r->vars[e->nat_port & 0xff] = port;
		r->bound[e->nat_port & 0xff] = true;
	} else if (e->nat_port) {
		ok &= port_of(r, e->nat_port, &other) && ASSERT_EQ(port, other, "ct: nat port");
	}
	if (e->not_port)
		ok &= port_of(r, e->not_port, &other) &&
		      ASSERT_TRUE(port != other, "ct: a different nat port");
	ok &= ASSERT_EQ(ntohl(ce.nat_addr), e->nat_addr ? e->nat_addr : UPLINK_IP,
			"ct: nat address");
	ok &= ASSERT_EQ(ntohl(ce.dnat_addr), e->dnat_addr, "ct: dnat address");
	ok &= port_of(r, e->dnat_port, &other) &&
	      ASSERT_EQ(ntohs(ce.dnat_port), other, "ct: dnat port");
	ok &= ASSERT_EQ(ce.state, e->state, "ct: state");
	ok &= ASSERT_EQ(ce.flags, e->flags, "ct: flags");
	ok &= ASSERT_EQ(ce.pkts_orig, e->pkts_orig, "ct: packets out");
	ok &= ASSERT_EQ(ce.pkts_reply, e->pkts_reply, "ct: packets back");
	ok &= ASSERT_TRUE(ce.created_ns, "ct: created_ns set");
	ok &= ASSERT_EQ(ce.ifindex, node_if(e->saddr), "ct: the node's ifindex");
	for (int s = 0; s < 2; s++) {
		static const char *const side[2] = { "ct: side 0", "ct: side 1" };
		bool has = ce.tcp[s].flags & NSB_TCP_F_WSCALE;

		if (e->wscale[s] == WS_NONE)
			ok &= ASSERT_TRUE(!has, side[s]); /* announced no window scale */
		else if (e->wscale[s])
			ok &= ASSERT_TRUE(has, side[s]) &&
			      ASSERT_EQ(ce.tcp[s].wscale, e->wscale[s] - 1, side[s]);
	}
	return ok;
}

/* The key of the nat_ports entry e names. */
static bool natp_key(const struct run *r, const struct natp_expect *e, struct nsb_nat_key *k)
{
	uint32_t np, rp;

	if (!port_of(r, e->nat_port, &np) || !port_of(r, e->remote_port, &rp))
		return false;
	memset(k, 0, sizeof(*k));
	k->nat_addr = htonl(e->nat_addr);
	k->remote_addr = htonl(e->remote_addr);
	k->nat_port = htons((uint16_t)np);
	k->remote_port = htons((uint16_t)rp);
	k->proto = e->proto;
	return true;
}

/* Every port claim made `by` earlier; the keys first, as age_all() does. */
static bool age_claims(struct run *r, uint64_t by)
{
	static struct nsb_nat_key keys[256];
	struct nsb_nat_key *prev = NULL;
	struct nsb_nat_val nv;
	bool ok = true;
	int n = 0;

	while (n < 256 && !bpf_map_get_next_key(r->env.nat_ports_fd, prev, &keys[n])) {
		prev = &keys[n];
		n++;
	}
	for (int i = 0; i < n; i++) {
		if (bpf_map_lookup_elem(r->env.nat_ports_fd, &keys[i], &nv))
			continue;
		nv.claimed_ns -= by;
		ok &= ASSERT_EQ(bpf_map_update_elem(r->env.nat_ports_fd, &keys[i], &nv, BPF_EXIST),
				0, "age a claim");
	}
	return ok;
}

/*
 * Every ct entry made and last seen `by` earlier, and every claim made so.
 * The keys first: an update moves a hash entry, and a walk that updates as
 * it goes may never end.
 */
static bool age_all(struct run *r, uint64_t by)
{
	static struct nsb_ct_key keys[256];
	struct nsb_ct_key *prev = NULL;
	struct nsb_ct_entry ce;
	bool ok = age_claims(r, by);
	int n = 0;

	while (n < 256 && !bpf_map_get_next_key(r->env.ct_fd, prev, &keys[n])) {
		prev = &keys[n];
		n++;
	}
	for (int i = 0; i < n; i++) {
		if (bpf_map_lookup_elem(r->env.ct_fd, &keys[i], &ce))
			continue;
		ok &= ASSERT_TRUE(ce.created_ns > by, "the machine is up longer than the age");
		ce.created_ns -= by;
		ce.last_seen_ns -= by;
		ok &= ASSERT_EQ(bpf_map_update_elem(r->env.ct_fd, &keys[i], &ce, BPF_EXIST), 0,
				"age");
	}
	return ok;
}

/* The forward on f's port (one port) replaced by f, or deleted (node_addr 0). */
static bool refwd(struct run *r, const struct fwd_rule *f)
{
	struct nsb_fwd_key k = {
		.host_addr = htonl(f->host_addr),
		.port = htons(f->port),
		.proto = f->proto,
	};

	st_forward_del(&r->env, &k);
	if (f->node_addr)
		install_fwd(r, f);
	st_forwards_changed(&r->env); /* as the CLI does after the change */
	return true;
}

/*
 * The moment between another CPU's port claim and its ct write: .ct's entry
 * goes, its claim stays (evict); and later, that claim grown old (ms).
 */
static bool before_step(struct run *r, const struct nat_step *c)
{
	struct nsb_nat_key nk;
	struct nsb_nat_val nv;
	struct nsb_ct_key k;

	if (c->refwd && !refwd(r, c->refwd))
		return false;
	if (c->host_gains && !host_gains(c->host_gains))
		return false;
	if (c->age_all_ms && !age_all(r, (uint64_t)c->age_all_ms * MSEC_NS))
		return false;
	if (c->gc && !ASSERT_EQ(st_gc(&r->env), 0, "a collector pass"))
		return false;
	if (c->evict && (!ct_key(r, &c->ct, &k) || !ASSERT_EQ(bpf_map_delete_elem(r->env.ct_fd, &k),
							      0, "evict the ct entry")))
		return false;
	if (!c->claim_age_ms)
		return true;
	if (!natp_key(r, &c->natp, &nk) ||
	    !ASSERT_EQ(bpf_map_lookup_elem(r->env.nat_ports_fd, &nk, &nv), 0, "the claim to age"))
		return false;
	nv.claimed_ns -= (uint64_t)c->claim_age_ms * MSEC_NS;
	return ASSERT_EQ(bpf_map_update_elem(r->env.nat_ports_fd, &nk, &nv, BPF_EXIST), 0,
			 "age the claim");
}

static bool check_natp(struct run *r, const struct natp_expect *e)
{
	struct nsb_nat_key k = {};
	struct nsb_nat_val v;
	uint32_t np, rp, node_port;
	bool ok = true;
	int err;

	if (!e->check)
		return true;
	if (!port_of(r, e->nat_port, &np) || !port_of(r, e->remote_port, &rp))
		return false;
	k.nat_addr = htonl(e->nat_addr);
	k.remote_addr = htonl(e->remote_addr);
	k.nat_port = htons((uint16_t)np);
	k.remote_port = htons((uint16_t)rp);
	k.proto = e->proto;
	err = bpf_map_lookup_elem(r->env.nat_ports_fd, &k, &v) ? -errno : 0;
	if (e->absent)
		return ASSERT_EQ(err, -ENOENT, "nat_ports: no entry");
	if (!ASSERT_EQ(err, 0, "nat_ports: the entry"))
		return false;
	ok &= ASSERT_EQ(ntohl(v.node_addr), e->node_addr, "nat_ports: node address");
	ok &= port_of(r, e->node_port, &node_port) &&
	      ASSERT_EQ(ntohs(v.node_port), node_port, "nat_ports: node port");
	ok &= ASSERT_EQ(v.ifindex, e->ifindex, "nat_ports: ifindex");
	ok &= ASSERT_EQ(v.flags, e->flags, "nat_ports: flags");
	if (IS_VAR(e->seen_port) && !r->bound[e->seen_port & 0xff] &&
	    (e->seen_port & 0xff) < NVARS) {
		/* learnt: the remapped client port, which later frames use */
		ok &= ASSERT_TRUE(v.remote_port != 0, "nat_ports: a remapped port");
		r->vars[e->seen_port & 0xff] = ntohs(v.remote_port);
		r->bound[e->seen_port & 0xff] = true;
	} else {
		uint32_t seen;

		ok &= port_of(r, e->seen_port, &seen) &&
		      ASSERT_EQ(ntohs(v.remote_port), seen, "nat_ports: port as the node sees it");
	}
	return ok;
}

static bool check_hits(const struct run *r, const struct hits_expect *e)
{
	struct nsb_fwd_key k = {
		.host_addr = htonl(e->host_addr),
		.port = htons((uint16_t)e->port),
		.proto = e->proto,
	};
	struct nsb_fwd_val v;

	if (!e->check)
		return true;
	if (!ASSERT_EQ(bpf_map_lookup_elem(r->env.forwards_fd, &k, &v), 0, "forwards: the entry"))
		return false;
	return ASSERT_EQ(v.hits, e->hits, "forwards: hits");
}

static bool check_output(const struct run *r, const struct nat_step *c, const struct pkt *in,
			 const struct st_result *res)
{
	struct frame out, q;
	struct pkt want;
	char why[128];

	if (c->out.kind == FR_NONE)
		return st_assert_bytes(res->out, res->out_len, in->buf, in->len,
				       "output bytes (untouched)");
	if (!resolve(r, &c->out, &out, &q) ||
	    !ASSERT_TRUE(frame_build(&out, &want), "build the expected frame"))
		return false;
	if (!st_assert_bytes(res->out, res->out_len, want.buf, want.len, "output bytes"))
		return false;
	/* the bytes match a frame built from scratch; check its sums from scratch too */
	if (!frame_csums_ok(res->out, res->out_len, why, sizeof(why)))
		return ASSERT_TRUE(false, why);
	return true;
}

/* A run of t: the objects loaded, t's lab, config and forwards installed. */
static struct run *run_start(const struct nat_table *t)
{
	struct run *r = calloc(1, sizeof(*r));

	cr_assert(r, "calloc");
	r->t = t;
	r->pmin = t->port_min ? t->port_min : NSB_SNAT_PORT_MIN;
	r->pmax = t->port_max ? t->port_max : NSB_SNAT_PORT_MAX;
	r->unit = t->unit_ns ? t->unit_ns : SEC_NS;
	r->uplink_if = (uint32_t)st_uplink();
	st_open(&r->env, true);
	r->env.ct_max = t->ct_max;
	st_load(&r->env);
	install(r);
	return r;
}

uint32_t nat_env_setup(struct st_env *env, const struct nat_table *t)
{
	struct run *r = run_start(t);
	uint32_t uplink_if = r->uplink_if;

	*env = r->env;
	free(r);
	return uplink_if;
}

void run_table(const struct nat_table *t)
{
	struct nsb_counter before[NSB_STAT_MAX], after[NSB_STAT_MAX];
	struct run *r = run_start(t);
	int passed = 0;

	for (int i = 0; i < t->n; i++) {
		const struct nat_step *c = &t->steps[i];
		int fd = c->hook == FROM_NODE	? r->env.from_node_fd :
			 c->hook == FROM_UPLINK ? r->env.from_uplink_fd :
						  r->env.to_uplink_fd;
		uint32_t ingress = c->ingress == UPLINK_IF ? r->uplink_if : c->ingress;
		struct frame in, q;
		struct st_result res;
		struct pkt pin;
		bool ok = true;

		st_case = c->name;
		if (c->age && !age_flow(r, &c->ct, c->age))
			continue;
		if (!before_step(r, c))
			continue;
		if (!resolve(r, &c->in, &in, &q) ||
		    !ASSERT_TRUE(frame_build(&in, &pin), "build the input frame"))
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
		ok &= check_ct(r, &c->ct); /* before the output: it may learn a port */
		ok &= check_ct(r, &c->ct2);
		ok &= check_natp(r, &c->natp);
		ok &= check_hits(r, &c->hits);
		if (c->verdict != TC_ACT_SHOT)
			ok &= check_output(r, c, &pin, &res);
		passed += ok;
	}
	cr_log_info("%s: %d steps, %d passed", t->name, t->n, passed);
	st_close(&r->env);
	free(r);
}
