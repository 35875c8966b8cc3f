// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of the one print path (text and JSON from the same calls) and util/. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include <arpa/inet.h>

#include "cli/out.h"
#include "lab/monitor.h"
#include "util/addr.h"
#include "util/err.h"

/* A lab head and two rows of a table, as the commands write them. */
static void fill(struct out *o)
{
	struct table tb;

	table_init(&tb, 3, "NODE", "IP", "STATE");
	print_open_object(o, NULL);
	print_string(o, "lab", "lab %s", "planets");
	print_null(o, "uplink", ", uplink %s", "none");
	print_bool(o, "masquerade", " masquerade", true);
	print_bool(o, "hidden", " never", false);
	print_text(o, "\n");
	print_table(o, &tb);
	print_open_array(o, "nodes");
	for (unsigned int i = 0; i < 2; i++) {
		print_row_open(o, NULL);
		print_string(o, "name", "%s", i ? "mars" : "earth");
		print_cell(o);
		print_string(o, "ip", "%s", "10.0.0.1");
		print_uint(o, "prefix", "/%u", 24 + i);
		print_cell(o);
		print_u64(o, "hits", NULL, 18446744073709551615ULL);
		print_text(o, "up");
		print_cell(o);
		print_row_close(o);
	}
	print_close_array(o);
	print_close_object(o);
	print_table_end(o, "no nodes\n");
	table_free(&tb);
}

static char *capture(bool json, void (*fn)(struct out *o))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct out o;

	out_begin(&o, f, json);
	fn(&o);
	out_end(&o);
	fclose(f);
	return buf;
}

Test(print, one_call_gives_json)
{
	char *s = capture(true, fill);

	cr_assert_str_eq(
		s, "{\"lab\":\"planets\",\"uplink\":null,\"masquerade\":true,\"hidden\":false,"
		   "\"nodes\":[{\"name\":\"earth\",\"ip\":\"10.0.0.1\",\"prefix\":24,"
		   "\"hits\":18446744073709551615},{\"name\":\"mars\",\"ip\":\"10.0.0.1\","
		   "\"prefix\":25,\"hits\":18446744073709551615}]}\n");
	free(s);
}

Test(print, one_call_gives_text_and_table_cells)
{
	char *s = capture(false, fill);

	cr_assert_str_eq(s, "lab planets, uplink none masquerade\n"
			    "NODE   IP           STATE\n"
			    "earth  10.0.0.1/24  up\n"
			    "mars   10.0.0.1/25  up\n");
	free(s);
}

static void empty_table(struct out *o)
{
	struct table tb;

	table_init(&tb, 2, "A", "B");
	print_table(o, &tb);
	print_open_array(o, "rows");
	print_close_array(o);
	print_table_end(o, "nothing\n");
	table_free(&tb);
}

Test(print, empty_table_says_so_in_text_only)
{
	char *t = capture(false, empty_table), *j = capture(true, empty_table);

	cr_assert_str_eq(t, "nothing\n");
	cr_assert_str_eq(j, "\"rows\":[]\n");
	free(t);
	free(j);
}

Test(util, addresses_as_text)
{
	char ip[IPV4_STRLEN], mac[MAC_STRLEN];
	const uint8_t m[6] = { 0x02, 0xab, 0, 0x10, 0xff, 1 };

	cr_assert_str_eq(ipv4_str(0x0a0a000a, ip), "10.10.0.10");
	cr_assert_str_eq(ipv4_str(0xffffffff, ip), "255.255.255.255");
	cr_assert_str_eq(ipv4_str(0, ip), "0.0.0.0");
	cr_assert_str_eq(mac_str(m, mac), "02:ab:00:10:ff:01");
}

Test(util, ipv6_addresses_as_inet_ntop_writes_them)
{
	const uint8_t a[16] = { 0xfd, 0, 0, 0x10, [15] = 0x10 }, none[16] = { 0 };
	const uint8_t mapped[16] = { [10] = 0xff, 0xff, 192, 0, 2, 1 };
	char ip6[IPV6_STRLEN];

	cr_assert_str_eq(ipv6_str(a, ip6), "fd00:10::10");
	cr_assert_str_eq(ipv6_str(none, ip6), "::");
	cr_assert_str_eq(ipv6_str(mapped, ip6), "::ffff:192.0.2.1");
}

/* An event as the ring has it: its addresses by family, orig and xlat. */
Test(util, monitor_event_addresses_by_family)
{
	struct nsb_event6 e6 = { 0 };
	struct nsb_event e4 = { 0 };
	struct lab_event le = { .ev = &e4 };
	char a[IPV6_STRLEN], b[IPV6_STRLEN];

	cr_assert_eq(lab_event_addrs(&le, false, a, b), 0, "no addresses");
	cr_assert_str_eq(a, "");
	e4.flags = NSB_EV_F_IPV4 | NSB_EV_F_XLAT;
	e4.orig.saddr = htonl(0x0a0a000a);
	e4.orig.daddr = htonl(0xc0000202);
	e4.xlat.saddr = htonl(0xc0000201);
	e4.xlat.daddr = htonl(0xc0000202);
	cr_assert_eq(lab_event_addrs(&le, false, a, b), AF_INET);
	cr_assert_str_eq(a, "10.10.0.10");
	cr_assert_str_eq(b, "192.0.2.2");
	cr_assert_eq(lab_event_addrs(&le, true, a, b), AF_INET);
	cr_assert_str_eq(a, "192.0.2.1");

	e6.e.flags = NSB_EV_F_IPV6 | NSB_EV_F_XLAT;
	inet_pton(AF_INET6, "fd00:10::10", e6.orig.saddr);
	inet_pton(AF_INET6, "2001:db8::2", e6.orig.daddr);
	inet_pton(AF_INET6, "2001:db8::1", e6.xlat.saddr);
	inet_pton(AF_INET6, "2001:db8::2", e6.xlat.daddr);
	le = (struct lab_event){ .ev = &e6.e, .ev6 = &e6 };
	cr_assert_eq(lab_event_addrs(&le, false, a, b), AF_INET6);
	cr_assert_str_eq(a, "fd00:10::10");
	cr_assert_str_eq(b, "2001:db8::2");
	cr_assert_eq(lab_event_addrs(&le, true, a, b), AF_INET6);
	cr_assert_str_eq(a, "2001:db8::1");
	/* an IPv6 record cut short (no ev6): no addresses rather than IPv4's zeros */
	le.ev6 = NULL;
	cr_assert_eq(lab_event_addrs(&le, false, a, b), 0);
}

Test(util, errors_in_words)
{
	struct err_list l = { 0 };
	struct err_msg m;

	cr_assert_eq(err_set(&m, -2, "lab %s: %s", "x", "gone"), -2);
	cr_assert_str_eq(m.text, "lab x: gone");
	cr_assert_eq(err_set(NULL, -5, "nobody reads %d", 1), -5, "no message wanted");
	cr_assert_eq(err_add(&l, ERR_NO_INDEX, false, "first"), 0);
	cr_assert_not(err_any_bad_input(&l));
	cr_assert_eq(err_add(&l, 3, true, "request %d", 3), 0);
	cr_assert(err_any_bad_input(&l));
	cr_assert_eq(l.n, 2);
	cr_assert_eq(l.v[1].index, 3);
	cr_assert_str_eq(l.v[1].text, "request 3");
	err_list_free(&l);
	cr_assert_eq(l.n, 0);
}
