// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `nsbpf forward` arguments and conflict checks. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include <criterion/criterion.h>

#include "topo/port_fwd_spec.h"

static int add(const char *proto, const char *host, const char *to, struct fwd_spec *f, char *err)
{
	char *argv[] = { (char *)proto, (char *)host, (char *)to, NULL };

	return fwd_parse_add(3, argv, f, err, 256);
}

Test(fwd_spec, parses_the_add_forms)
{
	struct fwd_spec f;
	char err[256];

	cr_assert_eq(add("tcp", "6000", "earth:8080", &f, err), 0, "%s", err);
	cr_assert_eq(f.proto, IPPROTO_TCP);
	cr_assert_eq(f.host_ip, 0);
	cr_assert_eq(f.port, 6000);
	cr_assert_eq(f.port_end, 6000);
	cr_assert_str_eq(f.node, "earth");
	cr_assert_eq(f.to_port, 8080);
	cr_assert_eq(f.to_port_end, 8080);

	cr_assert_eq(add("udp", "127.0.0.1:5353-5354", "neptune:53-54", &f, err), 0, "%s", err);
	cr_assert_eq(f.proto, IPPROTO_UDP);
	cr_assert_eq(f.host_ip, 0x7f000001);
	cr_assert_eq(f.port, 5353);
	cr_assert_eq(f.port_end, 5354);
	cr_assert_eq(f.to_port, 53);
	cr_assert_eq(f.to_port_end, 54);
}

Test(fwd_spec, parses_an_ipv6_host_address_in_brackets)
{
	struct in6_addr want;
	struct fwd_spec f;
	char err[256];

	inet_pton(AF_INET6, "2001:db8::1", &want);
	cr_assert_eq(add("tcp", "[2001:db8::1]:6001-6002", "earth:80-81", &f, err), 0, "%s", err);
	cr_assert_eq(f.host_ip, 0);
	cr_assert(IN6_ARE_ADDR_EQUAL(&f.host_ip6, &want));
	cr_assert(fwd_host6(&f));
	cr_assert_eq(f.port, 6001);
	cr_assert_eq(f.port_end, 6002);
	fwd_format(&f, err, sizeof(err));
	cr_assert_str_eq(err, "tcp [2001:db8::1]:6001-6002 -> earth:80-81",
			 "as it is written back");
	cr_assert_eq(add("tcp", "6000", "earth:80", &f, err), 0);
	cr_assert(!fwd_host6(&f));

	cr_assert_eq(add("tcp", "2001:db8::1:6001", "earth:80", &f, err), -EINVAL);
	cr_assert(strstr(err, "goes in brackets: [HOSTIP6]:PORT"), "%s", err);
	cr_assert_eq(add("tcp", "[2001:db8::1]6001", "earth:80", &f, err), -EINVAL);
	cr_assert_eq(add("tcp", "[2001:db8::1:6001", "earth:80", &f, err), -EINVAL);
	cr_assert_eq(add("tcp", "[]:6001", "earth:80", &f, err), -EINVAL);
	cr_assert_eq(add("tcp", "[::]:6001", "earth:80", &f, err), -EINVAL);
	cr_assert_eq(add("tcp", "[10.0.0.1]:6001", "earth:80", &f, err), -EINVAL);
	cr_assert_eq(add("tcp", "[fe80::1]:6001", "earth:80", &f, err), -EINVAL);
	cr_assert(strstr(err, "link-local (fe80::/10)"), "%s", err);
	cr_assert_eq(add("tcp", "[ff02::1]:6001", "earth:80", &f, err), -EINVAL);
	cr_assert(strstr(err, "multicast"), "%s", err);
	cr_assert_eq(add("tcp", "[::1]:6001", "earth:80", &f, err), 0, "loopback: %s", err);
	{
		char *argv[] = { "tcp", "[2001:db8::1]:6001", NULL };

		cr_assert_eq(fwd_parse_del(2, argv, &f, err, sizeof(err)), 0, "%s", err);
		cr_assert(IN6_ARE_ADDR_EQUAL(&f.host_ip6, &want));
	}
}

Test(fwd_spec, a_host_address_alone_either_family)
{
	struct in6_addr ip6, want;
	char err[256];
	uint32_t ip;

	inet_pton(AF_INET6, "2001:db8::1", &want);
	cr_assert_eq(fwd_parse_host_addr("192.0.2.1", &ip, &ip6, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(ip, 0xc0000201);
	cr_assert(IN6_IS_ADDR_UNSPECIFIED(&ip6));
	cr_assert_eq(fwd_parse_host_addr("2001:db8::1", &ip, &ip6, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(ip, 0);
	cr_assert(IN6_ARE_ADDR_EQUAL(&ip6, &want));
	cr_assert_eq(fwd_parse_host_addr("2001:db8::zz", &ip, &ip6, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "--host 2001:db8::zz: not an IPv4 or IPv6 address");
	cr_assert_eq(fwd_parse_host_addr("::", &ip, &ip6, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "unspecified"), "%s", err);
	cr_assert_eq(fwd_parse_host_addr("fe80::1", &ip, &ip6, err, sizeof(err)), -EINVAL);
	cr_assert(IN6_IS_ADDR_UNSPECIFIED(&ip6), "nothing left behind on error");
	cr_assert_eq(fwd_parse_host_addr("239.1.2.3", &ip, &ip6, err, sizeof(err)), -EINVAL);
	cr_assert_eq(ip, 0);
	cr_assert_eq(fwd_parse_host_addr("0.0.0.0", &ip, &ip6, err, sizeof(err)), -EINVAL);
}

Test(fwd_spec, rejects_bad_arguments_with_a_reason)
{
	struct fwd_spec f;
	char err[256];

	cr_assert_eq(add("sctp", "6000", "earth:8080", &f, err), -EINVAL);
	cr_assert(strstr(err, "tcp or udp"), "%s", err);
	cr_assert_eq(add("tcp", "0", "earth:8080", &f, err), -EINVAL);
	cr_assert(strstr(err, "1-65535"), "%s", err);
	cr_assert_eq(add("tcp", "65536", "earth:8080", &f, err), -EINVAL);
	cr_assert_eq(add("tcp", "6001-6000", "earth:8080", &f, err), -EINVAL);
	cr_assert_eq(add("tcp", "1.2.3:6000", "earth:8080", &f, err), -EINVAL);
	cr_assert_eq(add("tcp", ":6000", "earth:8080", &f, err), -EINVAL);
	cr_assert_eq(add("tcp", "0.0.0.0:6000", "earth:8080", &f, err), -EINVAL,
		     "any is spelled without an address");
	cr_assert_eq(add("tcp", "255.255.255.255:6000", "earth:8080", &f, err), -EINVAL);
	cr_assert_str_eq(err, "\"255.255.255.255:6000\": 255.255.255.255 is the limited broadcast "
			      "address: a forward's host is a unicast address of this host");
	cr_assert_eq(add("udp", "239.1.2.3:6000", "earth:8080", &f, err), -EINVAL);
	cr_assert(strstr(err, "239.1.2.3 is in 224.0.0.0/4 (multicast)"), "%s", err);
	cr_assert_eq(add("tcp", "127.0.0.2:6000", "earth:8080", &f, err), 0, "loopback: %s", err);
	cr_assert_eq(add("tcp", "6000", "earth", &f, err), -EINVAL);
	cr_assert(strstr(err, "NODE:PORT"), "%s", err);
	cr_assert_eq(add("tcp", "6000", "Earth:80", &f, err), -EINVAL);
	cr_assert_eq(add("tcp", "6000", ":80", &f, err), -EINVAL);
	cr_assert_eq(add("tcp", "6000-6002", "earth:80-81", &f, err), -EINVAL);
	cr_assert(strstr(err, "unequal length: 3 ports on the host, 2 on the node"), "%s", err);
	{
		char *argv[] = { "tcp", "6000", NULL };

		cr_assert_eq(fwd_parse_add(2, argv, &f, err, sizeof(err)), -EINVAL);
		cr_assert_eq(fwd_parse_del(2, argv, &f, err, sizeof(err)), 0);
	}
}

static struct fwd_spec spec(const char *proto, const char *host, const char *to)
{
	struct fwd_spec f;
	char err[256];

	cr_assert_eq(add(proto, host, to, &f, err), 0, "%s", err);
	return f;
}

Test(fwd_spec, conflicts)
{
	struct fwd_spec have[] = {
		spec("tcp", "6000", "earth:8080"),
		spec("tcp", "127.0.0.1:7000-7009", "earth:7000-7009"),
		spec("udp", "5353", "neptune:53"),
	};
	struct fwd_spec f;
	char err[256];

	f = spec("tcp", "6000", "neptune:80");
	cr_assert_eq(fwd_check(&f, have, 3, 61000, 65535, err, sizeof(err)), -EEXIST);
	cr_assert(strstr(err, "exists already (tcp 6000 -> earth:8080)"), "%s", err);
	f = spec("tcp", "5990-6005", "neptune:5990-6005");
	cr_assert_eq(fwd_check(&f, have, 3, 61000, 65535, err, sizeof(err)), -EADDRINUSE);
	cr_assert(strstr(err, "overlaps the forward tcp 6000 -> earth:8080"), "%s", err);
	f = spec("tcp", "192.0.2.1:6000", "neptune:80");
	cr_assert_eq(fwd_check(&f, have, 3, 61000, 65535, err, sizeof(err)), -EADDRINUSE,
		     "a specific address overlaps the any-address forward");
	f = spec("tcp", "192.0.2.1:7005", "neptune:80");
	cr_assert_eq(fwd_check(&f, have, 3, 61000, 65535, err, sizeof(err)), 0,
		     "different addresses do not overlap: %s", err);
	f = spec("tcp", "7005", "neptune:80");
	cr_assert_eq(fwd_check(&f, have, 3, 61000, 65535, err, sizeof(err)), -EADDRINUSE);
	f = spec("udp", "6000", "neptune:80");
	cr_assert_eq(fwd_check(&f, have, 3, 61000, 65535, err, sizeof(err)), 0, "other protocol");
	f = spec("tcp", "60990-61000", "neptune:80-90");
	cr_assert_eq(fwd_check(&f, have, 3, 61000, 65535, err, sizeof(err)), -EADDRINUSE);
	cr_assert(strstr(err, "inside the masquerade port range 61000-65535"), "%s", err);
}

Test(fwd_spec, formats_like_the_cli_spells_it)
{
	struct fwd_spec f = spec("udp", "127.0.0.1:5353-5354", "neptune:53-54");
	char buf[128];

	fwd_format(&f, buf, sizeof(buf));
	cr_assert_str_eq(buf, "udp 127.0.0.1:5353-5354 -> neptune:53-54");
	f = spec("tcp", "6000", "earth:8080");
	fwd_format(&f, buf, sizeof(buf));
	cr_assert_str_eq(buf, "tcp 6000 -> earth:8080");
}

Test(fwd_spec, index_checks_many_forwards_in_one_pass)
{
	static struct fwd_spec f[10000];
	struct fwd_index *ix = fwd_index_new();
	struct fwd_spec g;
	char err[256];

	cr_assert_not_null(ix);
	for (int i = 0; i < 10000; i++) {
		f[i] = (struct fwd_spec){ .proto = IPPROTO_TCP,
					  .port = (uint16_t)(10000 + i),
					  .port_end = (uint16_t)(10000 + i),
					  .to_port = 80,
					  .to_port_end = 80 };
		strcpy(f[i].node, "web");
		if (i % 2)
			f[i].host_ip = 0x7f000001;
		cr_assert_eq(fwd_index_claim(ix, &f[i], err, sizeof(err)), 0, "%d: %s", i, err);
	}
	g = f[4321];
	cr_assert_eq(fwd_index_claim(ix, &g, err, sizeof(err)), -EEXIST, "%s", err);
	g.host_ip = 0x7f000002;
	cr_assert_eq(fwd_index_claim(ix, &g, err, sizeof(err)), 0,
		     "port 14321 on 127.0.0.1 leaves it free on 127.0.0.2: %s", err);
	g = f[100];
	g.port_end = (uint16_t)(g.port + 5);
	g.to_port_end = (uint16_t)(g.to_port + 5);
	cr_assert_eq(fwd_index_claim(ix, &g, err, sizeof(err)), -EADDRINUSE);
	cr_assert(strstr(err, "overlaps the forward tcp 10100 -> web:80"), "%s", err);
	g.proto = IPPROTO_UDP;
	cr_assert_eq(fwd_index_claim(ix, &g, err, sizeof(err)), 0, "udp is its own space");
	fwd_index_free(ix);
}

static struct fwd_host *host_with(uint16_t eph_lo, uint16_t eph_hi)
{
	static uint32_t addrs[] = { 0xc0000201 }; /* 192.0.2.1 */
	static struct fwd_host h;

	memset(&h, 0, sizeof(h));
	h.eph_lo = eph_lo;
	h.eph_hi = eph_hi;
	h.addrs = addrs;
	h.n_addrs = 1;
	return &h;
}

Test(fwd_spec, the_hosts_ephemeral_ports_are_refused_unless_reserved)
{
	struct fwd_host *h = host_with(32768, 60999);
	struct fwd_spec f;
	char err[512];

	f = spec("udp", "40000", "earth:53");
	cr_assert_eq(fwd_check_host(h, &f, false, err, sizeof(err)), -ERANGE);
	cr_assert(strstr(err, "udp 40000 -> earth:53: port 40000 is in the host's ephemeral port "
			      "range 32768-60999 (net.ipv4.ip_local_port_range)"),
		  "%s", err);
	cr_assert(strstr(err, "net.ipv4.ip_local_reserved_ports"), "says how: %s", err);
	cr_assert_eq(fwd_check_host(h, &f, true, err, sizeof(err)), -ERANGE,
		     "--force is for sockets");
	/* a range reaching into it, by its first port inside */
	f = spec("tcp", "32760-32770", "earth:100-110");
	cr_assert_eq(fwd_check_host(h, &f, false, err, sizeof(err)), -ERANGE);
	cr_assert(strstr(err, "port 32768 is in"), "%s", err);
	f = spec("tcp", "32767", "earth:80");
	cr_assert_eq(fwd_check_host(h, &f, false, err, sizeof(err)), 0, "%s", err);
	f = spec("tcp", "61000", "earth:80");
	cr_assert_eq(fwd_check_host(h, &f, false, err, sizeof(err)), 0, "%s", err);
	/* what the admin reserved is theirs to forward */
	cr_assert_eq(fwd_host_parse_reserved(h, "40000,50000-50010\n"), 0);
	f = spec("udp", "40000", "earth:53");
	cr_assert_eq(fwd_check_host(h, &f, false, err, sizeof(err)), 0, "%s", err);
	f = spec("tcp", "50000-50010", "earth:1-11");
	cr_assert_eq(fwd_check_host(h, &f, false, err, sizeof(err)), 0, "%s", err);
	f = spec("tcp", "50000-50011", "earth:1-12");
	cr_assert_eq(fwd_check_host(h, &f, false, err, sizeof(err)), -ERANGE);
	cr_assert(strstr(err, "port 50011 is in"), "%s", err);
	/* the host's own range elsewhere */
	h = host_with(10000, 10100);
	f = spec("tcp", "10050", "earth:80");
	cr_assert_eq(fwd_check_host(h, &f, false, err, sizeof(err)), -ERANGE);
	cr_assert(strstr(err, "range 10000-10100"), "%s", err);
}

Test(fwd_spec, reserved_ports_parse_like_the_kernel_prints_them)
{
	struct fwd_host *h = host_with(1, 1);

	cr_assert_eq(fwd_host_parse_reserved(h, ""), 0);
	cr_assert_eq(fwd_host_parse_reserved(h, "\n"), 0);
	cr_assert_eq(fwd_host_parse_reserved(h, "1,65535,8080-8081\n"), 0);
	cr_assert(h->reserved[8081 / 8] & (1 << (8081 % 8)));
	cr_assert(h->reserved[65535 / 8] & 0x80);
	cr_assert_not(h->reserved[8082 / 8] & (1 << (8082 % 8)));
	cr_assert_eq(fwd_host_parse_reserved(h, "80,,81"), -EINVAL);
	cr_assert_eq(fwd_host_parse_reserved(h, "x"), -EINVAL);
}

Test(fwd_spec, the_hosts_sockets_and_addresses)
{
	struct fwd_host *h = host_with(32768, 60999);
	struct fwd_spec f;
	char err[512];

	h->tcp[7100 / 8] |= 1 << (7100 % 8);
	h->udp[53 / 8] |= 1 << (53 % 8);
	f = spec("tcp", "7099-7101", "earth:1-3");
	cr_assert_eq(fwd_check_host(h, &f, false, err, sizeof(err)), -EADDRINUSE);
	cr_assert_str_eq(err, "tcp 7099-7101 -> earth:1-3: the host already listens on port 7100 "
			      "(--force to forward it anyway)");
	cr_assert_eq(fwd_check_host(h, &f, true, err, sizeof(err)), 0, "%s", err);
	f = spec("udp", "7100", "earth:1");
	cr_assert_eq(fwd_check_host(h, &f, false, err, sizeof(err)), 0, "other protocol: %s", err);
	f = spec("udp", "53", "earth:53");
	cr_assert_eq(fwd_check_host(h, &f, false, err, sizeof(err)), -EADDRINUSE);
	cr_assert(strstr(err, "has a socket on port 53"), "%s", err);
	/* addresses: the host's, and loopback */
	f = spec("tcp", "192.0.2.1:6000", "earth:80");
	cr_assert_eq(fwd_check_host(h, &f, false, err, sizeof(err)), 0, "%s", err);
	f = spec("tcp", "127.0.0.53:6000", "earth:80");
	cr_assert_eq(fwd_check_host(h, &f, false, err, sizeof(err)), 0, "%s", err);
	f = spec("tcp", "192.0.2.7:6000", "earth:80");
	cr_assert_eq(fwd_check_host(h, &f, true, err, sizeof(err)), -EADDRNOTAVAIL);
	cr_assert(
		strstr(err,
		       "tcp 192.0.2.7:6000 -> earth:80: 192.0.2.7 is not an address of this host"),
		"%s", err);
}
