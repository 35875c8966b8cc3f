// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The monitor's events (bpf/lib/events.h) under BPF_PROG_TEST_RUN: a drop
 * writes one event with its reason, device and packet while the monitor
 * switch is on, and nothing while it is off; a passed packet writes none;
 * a new masqueraded flow writes its translation; the rate limit lets its
 * burst through and counts the rest as suppressed. IPv6: a drop and a new
 * NAT66 flow write the longer record (struct nsb_event6) with their
 * 16-byte addresses.
 */
#include <arpa/inet.h>
#include <sched.h>
#include <string.h>

#include "frame6.h"
#include "harness.h"
#include "labs.h"
#include "node.skel.h"

#define LO_IF  1 /* BPF_PROG_TEST_RUN's skb->ifindex: loopback */
#define MAX_EV 64

struct collected {
	struct nsb_event ev[MAX_EV];
	struct nsb_event6 ev6[MAX_EV]; /* an IPv6 record, at its index */
	size_t len[MAX_EV];
	int n;
};

struct mon_env {
	struct st_env st;
	int monitor_fd, rate_fd;
	struct ring_buffer *rb;
	struct collected got;
};

static int on_event(void *ctx, void *data, size_t len)
{
	struct collected *c = ctx;

	if (c->n < MAX_EV) {
		c->len[c->n] = len;
		if (len == sizeof(struct nsb_event))
			memcpy(&c->ev[c->n], data, len);
		else if (len == sizeof(struct nsb_event6))
			memcpy(&c->ev6[c->n], data, len);
	}
	c->n++;
	return 0;
}

static void mon_setup(struct mon_env *m, bool masq)
{
	cpu_set_t one;

	/* one CPU: the rate limit is per CPU */
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	sched_setaffinity(0, sizeof(one), &one);
	st_setup(&m->st, false);
	m->monitor_fd = bpf_object__find_map_fd_by_name(m->st.obj, "monitor");
	m->rate_fd = bpf_object__find_map_fd_by_name(m->st.obj, "ev_rate");
	cr_assert(m->monitor_fd >= 0 && m->rate_fd >= 0, "monitor maps");
	m->rb = ring_buffer__new(bpf_object__find_map_fd_by_name(m->st.obj, "events"), on_event,
				 &m->got, NULL);
	cr_assert(m->rb, "ring buffer of the events map");
	if (masq) {
		struct nsb_config cfg = {
			.layout = NSB_LAYOUT_VERSION,
			.uplink_ifindex = (uint32_t)st_uplink(),
			.uplink_addr = htonl(UPLINK_IP),
		};
		__u32 zero = 0;

		cr_assert(!test_lab_install(&lab_masq, m->st.endpoints_fd, m->st.networks_fd));
		st_addr_filter(&m->st);
		cr_assert(!bpf_map_update_elem(m->st.config_fd, &zero, &cfg, BPF_ANY));
	}
}

static void mon_switch(struct mon_env *m, uint32_t on, uint32_t rate, uint32_t burst)
{
	struct nsb_monitor v = { .on = on, .pid = 1, .rate = rate, .burst = burst };
	__u32 zero = 0;

	cr_assert(!bpf_map_update_elem(m->monitor_fd, &zero, &v, BPF_ANY), "monitor switch");
}

/* Run pkt through from_node n times; the events they wrote into m->got. */
static int mon_run(struct mon_env *m, const struct frame *f, uint32_t ingress, int n, int verdict)
{
	struct st_result r;
	struct pkt p;

	cr_assert(frame_build(f, &p), "%s: build", st_case);
	m->got.n = 0;
	for (int i = 0; i < n; i++) {
		st_run(&m->st, m->st.from_node_fd, &p, ingress, &r);
		ASSERT_EQ((int32_t)r.retval, verdict, "verdict");
	}
	ring_buffer__consume(m->rb);
	return m->got.n;
}

/* mon_run() for an IPv6 frame. */
static int mon_run6(struct mon_env *m, const struct frame6 *f, uint32_t ingress, int verdict)
{
	struct st_result r;
	struct pkt p;

	cr_assert(frame6_build(f, &p), "%s: build", st_case);
	m->got.n = 0;
	st_run(&m->st, m->st.from_node_fd, &p, ingress, &r);
	ASSERT_EQ((int32_t)r.retval, verdict, "verdict");
	ring_buffer__consume(m->rb);
	return m->got.n;
}

static void mon_close(struct mon_env *m)
{
	ring_buffer__free(m->rb);
	st_close(&m->st);
}

static uint64_t suppressed(const struct mon_env *m)
{
	struct nsb_ev_rate per[m->st.ncpus];
	uint64_t sum = 0;
	__u32 zero = 0;

	cr_assert(!bpf_map_lookup_elem(m->rate_fd, &zero, per));
	for (int c = 0; c < m->st.ncpus; c++)
		sum += per[c].suppressed;
	return sum;
}

/* neptune's address from earth's veth: spoof_ip */
static const struct frame spoofed = { .kind = FR_UDP4,
				      .dst = earth_host,
				      .src = earth_mac,
				      .saddr = NEPTUNE_IP,
				      .daddr = MARS_IP,
				      .sport = 4444,
				      .dport = 53 };

Test(monitor, drop_event_only_while_switched_on)
{
	const struct nsb_event *e;
	struct mon_env m = { 0 };
	struct frame ok = spoofed;

	st_require_bpf();
	mon_setup(&m, false);
	st_case = "switch off: a drop writes nothing";
	ASSERT_EQ(mon_run(&m, &spoofed, EARTH_IF, 3, TC_ACT_SHOT), 0, "events");

	mon_switch(&m, 1, 0, 0);
	st_case = "switch on: a drop writes its event";
	if (ASSERT_EQ(mon_run(&m, &spoofed, EARTH_IF, 1, TC_ACT_SHOT), 1, "events")) {
		e = &m.got.ev[0];
		ASSERT_EQ(e->type, NSB_EV_DROP, "type");
		ASSERT_EQ(e->reason, NSB_DROP_SPOOF_IP, "reason");
		ASSERT_EQ(e->ifindex, LO_IF, "ifindex (skb->ifindex)");
		ASSERT_EQ(ntohs(e->ethertype), 0x0800, "ethertype");
		ASSERT_EQ(e->proto, IPPROTO_UDP, "proto");
		ASSERT_EQ(e->flags, NSB_EV_F_IPV4 | NSB_EV_F_L4, "flags");
		ASSERT_EQ(ntohl(e->orig.saddr), NEPTUNE_IP, "src");
		ASSERT_EQ(ntohl(e->orig.daddr), MARS_IP, "dst");
		ASSERT_EQ(ntohs(e->orig.sport), 4444, "sport");
		ASSERT_EQ(ntohs(e->orig.dport), 53, "dport");
		ASSERT_TRUE(e->time_ns > 0, "time");
	}
	st_case = "switch on: a passed packet writes nothing";
	ok.saddr = EARTH_IP;
	ok.daddr = NEPTUNE_IP;
	ASSERT_EQ(mon_run(&m, &ok, EARTH_IF, 2, TC_ACT_REDIRECT), 0, "events");

	mon_switch(&m, 0, 0, 0);
	st_case = "switched off again: nothing";
	ASSERT_EQ(mon_run(&m, &spoofed, EARTH_IF, 2, TC_ACT_SHOT), 0, "events");
	mon_close(&m);
}

Test(monitor, new_masqueraded_flow_event_with_its_translation)
{
	const struct frame out = { .kind = FR_UDP4,
				   .dst = earth_host,
				   .src = earth_mac,
				   .saddr = EARTH_IP,
				   .daddr = REMOTE_IP,
				   .sport = 61200,
				   .dport = 53 };
	const struct nsb_event *e;
	struct mon_env m = { 0 };

	st_require_bpf();
	mon_setup(&m, true);
	mon_switch(&m, 1, 0, 0);
	st_case = "earth's first datagram to the world: a masquerade flow";
	if (ASSERT_EQ(mon_run(&m, &out, EARTH_IF, 1, TC_ACT_REDIRECT), 1, "events")) {
		e = &m.got.ev[0];
		ASSERT_EQ(e->type, NSB_EV_FLOW, "type");
		ASSERT_EQ(e->kind, NSB_EV_KIND_MASQUERADE, "kind");
		ASSERT_EQ(e->ifindex, EARTH_IF, "ifindex (the node's host end)");
		ASSERT_EQ(e->proto, IPPROTO_UDP, "proto");
		ASSERT_EQ(e->flags, NSB_EV_F_IPV4 | NSB_EV_F_L4 | NSB_EV_F_XLAT, "flags");
		ASSERT_EQ(ntohl(e->orig.saddr), EARTH_IP, "src");
		ASSERT_EQ(ntohs(e->orig.sport), 61200, "sport");
		ASSERT_EQ(ntohl(e->orig.daddr), REMOTE_IP, "dst");
		ASSERT_EQ(ntohl(e->xlat.saddr), UPLINK_IP, "translated src");
		ASSERT_EQ(ntohs(e->xlat.sport), 61200, "translated sport (kept)");
		ASSERT_EQ(ntohl(e->xlat.daddr), REMOTE_IP, "translated dst");
		ASSERT_EQ(ntohs(e->xlat.dport), 53, "translated dport");
	}
	st_case = "its next datagram: no new flow";
	ASSERT_EQ(mon_run(&m, &out, EARTH_IF, 1, TC_ACT_REDIRECT), 0, "events");
	mon_close(&m);
}

Test(monitor, rate_limit_lets_the_burst_through_and_counts_the_rest)
{
	struct mon_env m = { 0 };
	uint64_t before;
	int n;

	st_require_bpf();
	mon_setup(&m, false);
	/* one event a second, bursts of 10: 50 drops in far less than a second */
	mon_switch(&m, 1, 1, 10);
	before = suppressed(&m);
	st_case = "50 drops, rate 1/s, burst 10";
	n = mon_run(&m, &spoofed, EARTH_IF, 50, TC_ACT_SHOT);
	ASSERT_TRUE(n >= 10 && n <= 11, "events: the burst (and one second's credit at most)");
	ASSERT_EQ(suppressed(&m) - before, 50 - n, "suppressed: the rest");
	mon_close(&m);
}

static const uint8_t earth6[16] = IP6(0x200, 0x11), neptune6[16] = IP6(0x200, 0x12);
static const uint8_t remote6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x80 };
static const uint8_t uplink6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x01, 0x13, [15] = 2 };

/* lab_dual's IPv6 side, planet masquerading (NAT66 to uplink6) when masq. */
static void mon_setup6(struct mon_env *m, bool masq)
{
	struct nsb_config cfg = { .layout = NSB_LAYOUT_VERSION };
	int nets6;
	struct nsb_network6 n6;
	__u32 zero = 0, planet = 0;

	mon_setup(m, false);
	nets6 = bpf_map__fd(m->st.skel->maps.networks6);
	cr_assert(!test_lab_install(&lab_dual, m->st.endpoints_fd, m->st.networks_fd));
	cr_assert(!test_lab_install6(&lab_dual, nets6, bpf_map__fd(m->st.skel->maps.endpoints6),
				     bpf_map__fd(m->st.skel->maps.ifaces6)));
	st_addr_filter(&m->st);
	if (masq) {
		cfg.uplink_ifindex = (uint32_t)st_uplink();
		memcpy(cfg.uplink_addr6, uplink6, 16);
		cr_assert(!bpf_map_lookup_elem(nets6, &planet, &n6));
		n6.flags |= NSB_NET_F_MASQUERADE;
		cr_assert(!bpf_map_update_elem(nets6, &planet, &n6, BPF_ANY));
	}
	cr_assert(!bpf_map_update_elem(m->st.config_fd, &zero, &cfg, BPF_ANY));
}

Test(monitor, ipv6_drop_event_with_its_addresses)
{
	/* neptune's ip6 from earth's veth: spoof_ip */
	const struct frame6 spoofed6 = {
		.dst = earth_host, .src = earth_mac, .saddr = neptune6, .daddr = remote6
	};
	const struct nsb_event6 *e6;
	const struct nsb_event *e;
	struct mon_env m = { 0 };

	st_require_bpf();
	mon_setup6(&m, false);
	mon_switch(&m, 1, 0, 0);
	st_case = "an IPv6 spoof_ip drop: an IPv6 record";
	if (ASSERT_EQ(mon_run6(&m, &spoofed6, EARTH_IF, TC_ACT_SHOT), 1, "events") &&
	    ASSERT_EQ(m.got.len[0], sizeof(struct nsb_event6), "record length")) {
		e6 = &m.got.ev6[0];
		e = &e6->e;
		ASSERT_EQ(e->type, NSB_EV_DROP, "type");
		ASSERT_EQ(e->reason, NSB_DROP_SPOOF_IP, "reason");
		ASSERT_EQ(ntohs(e->ethertype), 0x86dd, "ethertype");
		ASSERT_EQ(e->proto, IPPROTO_UDP, "proto");
		ASSERT_EQ(e->flags, NSB_EV_F_IPV6 | NSB_EV_F_L4, "flags");
		ASSERT_TRUE(!memcmp(e6->orig.saddr, neptune6, 16), "src");
		ASSERT_TRUE(!memcmp(e6->orig.daddr, remote6, 16), "dst");
		ASSERT_EQ(e->orig.saddr | e->orig.daddr, 0, "no IPv4 addresses");
		ASSERT_EQ(ntohs(e->orig.sport), 5000, "sport");
		ASSERT_EQ(ntohs(e->orig.dport), 6000, "dport");
	}
	mon_close(&m);
}

Test(monitor, new_nat66_flow_event_with_its_translation)
{
	const struct frame6 out6 = {
		.dst = earth_host, .src = earth_mac, .saddr = earth6, .daddr = remote6
	};
	const struct nsb_event6 *e6;
	const struct nsb_event *e;
	struct mon_env m = { 0 };

	st_require_bpf();
	mon_setup6(&m, true);
	mon_switch(&m, 1, 0, 0);
	st_case = "earth's first datagram to the world over IPv6: a NAT66 flow";
	if (ASSERT_EQ(mon_run6(&m, &out6, EARTH_IF, TC_ACT_REDIRECT), 1, "events") &&
	    ASSERT_EQ(m.got.len[0], sizeof(struct nsb_event6), "record length")) {
		e6 = &m.got.ev6[0];
		e = &e6->e;
		ASSERT_EQ(e->type, NSB_EV_FLOW, "type");
		ASSERT_EQ(e->kind, NSB_EV_KIND_MASQUERADE, "kind");
		ASSERT_EQ(e->ifindex, EARTH_IF, "ifindex (the node's host end)");
		ASSERT_EQ(e->proto, IPPROTO_UDP, "proto");
		ASSERT_EQ(e->flags, NSB_EV_F_IPV6 | NSB_EV_F_L4 | NSB_EV_F_XLAT, "flags");
		ASSERT_TRUE(!memcmp(e6->orig.saddr, earth6, 16), "src");
		ASSERT_TRUE(!memcmp(e6->orig.daddr, remote6, 16), "dst");
		ASSERT_EQ(ntohs(e->orig.sport), 5000, "sport");
		ASSERT_EQ(ntohs(e->orig.dport), 6000, "dport");
		ASSERT_TRUE(!memcmp(e6->xlat.saddr, uplink6, 16), "translated src: uplink6");
		ASSERT_TRUE(!memcmp(e6->xlat.daddr, remote6, 16), "translated dst");
		ASSERT_TRUE(ntohs(e->xlat.sport) >= 61000, "translated sport: a SNAT port");
		ASSERT_EQ(ntohs(e->xlat.dport), 6000, "translated dport");
	}
	st_case = "its next datagram: no new flow";
	ASSERT_EQ(mon_run6(&m, &out6, EARTH_IF, TC_ACT_REDIRECT), 0, "events");
	mon_close(&m);
}
