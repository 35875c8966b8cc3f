// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The checks `up` makes against the host, fed with made-up hosts: a veth
 * uplink 192.0.2.1/24 with the default gateway 192.0.2.2 unless a test
 * says otherwise.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <errno.h>
#include <linux/if_arp.h>
#include <stdio.h>
#include <string.h>

#include "topo/port_fwd_spec.h"
#include "topo/topo.h"

static const struct topo_host_addr up0_addrs[] = { { 0xc0000201, 24 } }; /* 192.0.2.1/24 */
static const uint32_t up0_gw[] = { 0xc0000202 };			 /* 192.0.2.2 */

static struct topo_host up0_host(void)
{
	return (struct topo_host){
		.uplink = "up0",
		.uplink_type = ARPHRD_ETHER,
		.uplink_kind = "veth",
		.uplink_addrs = up0_addrs,
		.n_uplink_addrs = 1,
		.gateways = up0_gw,
		.n_gateways = 1,
	};
}

static struct topo *load(const char *y)
{
	struct topo_errors e = { 0 };
	struct topo *t = NULL;

	cr_assert(eq(int, topo_load_buf("lab.yaml", y, strlen(y), &t, &e), 0), "%s",
		  e.n ? e.msgs[0] : "");
	return t;
}

static const char *joined(const struct topo_errors *e)
{
	static char buf[4096];
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < e->n && off < sizeof(buf); i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "\n  %s", e->msgs[i]);
	return buf;
}

/* Check t against h: expect exactly the n messages given (prefixes). */
static void expect(const struct topo *t, const struct topo_host *h, size_t n, const char **want)
{
	struct topo_errors e = { 0 };

	cr_assert(eq(int, topo_check_host(t, h, &e), n ? -EINVAL : 0), "%s", joined(&e));
	cr_assert(eq(sz, e.n, n), "%s", joined(&e));
	for (size_t i = 0; i < n; i++)
		cr_assert(eq(int, strncmp(e.msgs[i], want[i], strlen(want[i])), 0),
			  "expected\n  %s\ngot\n  %s", want[i], e.msgs[i]);
	topo_errors_free(&e);
}

Test(topo_host, a_lab_beside_the_uplink_passes)
{
	struct topo *t = load("name: x\nnetworks: {n: {subnet: 10.0.0.0/24}}\n"
			      "nodes: {a: {network: n}}\n");
	struct topo_host h = up0_host();

	expect(t, &h, 0, NULL);
	topo_free(t);
}

Test(topo_host, subnets_on_the_uplink_are_refused_where_they_are_written)
{
	static const char *const subnets[] = { "192.0.2.0/24", "192.0.2.128/25", "192.0.0.0/16" };
	struct topo_host h = up0_host();
	char y[256], want[256];
	const char *w[] = { want };

	for (size_t i = 0; i < 3; i++) {
		struct topo *t;

		snprintf(y, sizeof(y),
			 "name: x\nnetworks:\n  n:\n    subnet: %s\n"
			 "nodes: {a: {network: n}}\n",
			 subnets[i]);
		t = load(y);
		snprintf(
			want, sizeof(want),
			"lab.yaml:4:13: network \"n\": subnet %s overlaps the uplink's subnet "
			"192.0.2.0/24 (up0 192.0.2.1/24): the host would reach its neighbours there "
			"through the lab",
			subnets[i]);
		expect(t, &h, 1, w);
		topo_free(t);
	}
}

Test(topo_host, routed_prefixes_as_subnets_the_uplink_and_the_default_gateway)
{
	struct topo *t = load("name: x\n"
			      "networks:\n"
			      "  n:\n"
			      "    subnet: 10.0.0.0/24\n"
			      "    routes:\n"
			      "      - {to: 192.0.2.0/23, via: r}\n"
			      "      - {to: 10.1.0.0/16, via: r}\n"
			      "      - {to: 10.9.0.0/16, via: r}\n"
			      "nodes: {r: {network: n, forwarding: true}}\n");
	static const uint32_t gws[] = { 0x0a010203 }; /* 10.1.2.3 */
	struct topo_host h = up0_host();
	const char *want[] = {
		"lab.yaml:6:14: network \"n\": route 1: to 192.0.2.0/23 overlaps the uplink's subnet "
		"192.0.2.0/24 (up0 192.0.2.1/24): the host would reach its neighbours there through "
		"the lab",
		"lab.yaml:7:14: network \"n\": route 2: to 10.1.0.0/16 contains the host's default "
		"gateway 10.1.2.3: the host's way out would lead into the lab",
	};

	h.gateways = gws;
	expect(t, &h, 2, want);
	topo_free(t);
}

Test(topo_host, a_gateway_on_the_uplink_address_and_the_default_gateway)
{
	struct topo *t = load("name: x\n"
			      "networks:\n"
			      "  a:\n"
			      "    subnet: 198.51.100.0/24\n"
			      "    gateway: 198.51.100.1\n"
			      "  b: {subnet: 10.0.0.0/8}\n"
			      "nodes: {n: {network: b}}\n");
	/* a /32 on the uplink (as in clouds), the default route via 10.1.2.3 */
	static const struct topo_host_addr addrs[] = { { 0xc6336401, 32 } }; /* 198.51.100.1 */
	static const uint32_t gws[] = { 0x0a010203 };
	struct topo_host h = up0_host();
	const char *want[] = {
		"lab.yaml:4:13: network \"a\": subnet 198.51.100.0/24 overlaps the uplink's subnet "
		"198.51.100.1/32 (up0 198.51.100.1/32)",
		"lab.yaml:5:14: network \"a\": gateway 198.51.100.1 is the address of the uplink up0: "
		"the host's own address would move into the lab",
		"lab.yaml:6:15: network \"b\": subnet 10.0.0.0/8 contains the host's default gateway "
		"10.1.2.3: the host's way out would lead into the lab",
	};

	h.uplink_addrs = addrs;
	h.gateways = gws;
	expect(t, &h, 3, want);
	topo_free(t);
}

Test(topo_host, uplinks_that_are_not_ethernet)
{
	struct topo *named = load("name: x\nuplink: wg0\nnetworks: {n: {subnet: 10.0.0.0/24}}\n"
				  "nodes: {a: {network: n}}\n");
	struct topo *dflt = load("name: x\nnetworks: {n: {subnet: 10.0.0.0/24}}\n"
				 "nodes: {a: {network: n}}\n");
	struct topo_host h = up0_host();
	const char *wg[] = {
		"lab.yaml:2:9: uplink \"wg0\" is not an Ethernet device (wireguard, link type 65534): "
		"the datapath reads an Ethernet header on the uplink, so WireGuard, tun, PPP and other "
		"layer-3 devices cannot be one; name an Ethernet interface",
	};
	const char *ppp[] = {
		"lab.yaml: the default route's device \"ppp0\" is not an Ethernet device (link type 512)",
	};
	const char *lo[] = { "lab.yaml: the default route's device \"lo\" is a loopback device" };
	const char *gone[] = {
		"lab.yaml:2:9: uplink \"wg0\" does not exist in this network namespace"
	};

	h.uplink = "wg0";
	h.uplink_type = ARPHRD_NONE;
	h.uplink_kind = "wireguard";
	expect(named, &h, 1, wg);
	/* the default route's device: no position in the file */
	h.uplink = "ppp0";
	h.uplink_type = ARPHRD_PPP;
	h.uplink_kind = "";
	expect(dflt, &h, 1, ppp);
	h.uplink = "lo";
	h.uplink_type = ARPHRD_LOOPBACK;
	expect(dflt, &h, 1, lo);
	h.uplink = "wg0";
	h.uplink_missing = true;
	expect(named, &h, 1, gone);
	topo_free(named);
	topo_free(dflt);
}

Test(topo_host, no_uplink_no_uplink_checks)
{
	struct topo *t = load("name: x\nnetworks: {n: {subnet: 192.0.2.0/24}}\n"
			      "nodes: {a: {network: n}}\n");
	struct topo_host h = { .uplink = "" };

	expect(t, &h, 0, NULL);
	topo_free(t);
}

/* The forwards go through the same check as `forward add`. */
static int check_fwd(const struct topo *t, size_t i, void *arg, char *err, size_t len)
{
	struct fwd_spec f;

	fwd_spec_from_topo(t, i, &f);
	return fwd_check_host(arg, &f, false, err, len);
}

Test(topo_host, forwards_are_reported_at_their_host_or_port)
{
	struct topo *t = load("name: x\nnetworks: {n: {subnet: 10.0.0.0/24}}\n"
			      "nodes: {a: {network: n}}\n"
			      "forwards:\n"
			      "  - {proto: tcp, port: 6000, to: a:80, host: 192.0.2.99}\n"
			      "  - {proto: udp, port: 40000, to: a:80}\n"
			      "  - {proto: tcp, port: 7100, to: a:80}\n"
			      "  - {proto: tcp, port: 6001, to: a:80, host: 192.0.2.1}\n"
			      "  - {proto: tcp, port: 6002, to: a:80, host: 127.0.0.1}\n");
	static struct fwd_host fh;
	static uint32_t addrs[] = { 0xc0000201 };
	struct topo_host h = up0_host();
	const char *want[] = {
		"lab.yaml:5:46: forward 1: tcp 192.0.2.99:6000 -> a:80: 192.0.2.99 is not an address "
		"of this host",
		"lab.yaml:6:24: forward 2: udp 40000 -> a:80: port 40000 is in the host's ephemeral "
		"port range 32768-60999",
		"lab.yaml:7:24: forward 3: tcp 7100 -> a:80: the host already listens on port 7100 "
		"(--force to forward it anyway)",
	};

	fh.eph_lo = 32768;
	fh.eph_hi = 60999;
	fh.tcp[7100 / 8] |= 1 << (7100 % 8);
	fh.addrs = addrs;
	fh.n_addrs = 1;
	h.fwd_check = check_fwd;
	h.fwd_arg = &fh;
	expect(t, &h, 3, want);
	topo_free(t);
}

Test(topo_host, remote_subnets_through_a_next_hop_on_the_uplinks_link)
{
	struct topo *t = load("name: x\n"
			      "networks:\n"
			      "  n:\n"
			      "    subnet: 10.0.0.0/24\n"
			      "    remote:\n"
			      "      - {to: 10.1.0.0/16, via: 192.0.2.12}\n"
			      "      - {to: 10.2.0.0/16, via: 198.51.100.7}\n"
			      "      - {to: 192.0.2.128/25, via: 192.0.2.13}\n"
			      "      - {to: 10.3.0.0/16, via: 192.0.2.1}\n"
			      "nodes: {a: {network: n}}\n");
	struct topo_host h = up0_host();
	const char *want[] = {
		"lab.yaml:7:32: network \"n\": remote 2: via 198.51.100.7 is in no subnet of the "
		"uplink up0: the next hop must be on its link (another machine's uplink address, or "
		"a router there)",
		"lab.yaml:8:14: network \"n\": remote 3: to 192.0.2.128/25 overlaps the uplink's "
		"subnet 192.0.2.0/24",
		"lab.yaml:9:32: network \"n\": remote 4: via 192.0.2.1 is the uplink's own address",
	};

	expect(t, &h, 3, want);
	h.uplink = "";
	h.n_uplink_addrs = 0;
	{
		const char *none[] = {
			"lab.yaml:6:9: network \"n\": remote 1: the lab has no uplink "
			"to reach it through"
		};

		expect(t, &h, 1, none);
	}
	topo_free(t);
}
