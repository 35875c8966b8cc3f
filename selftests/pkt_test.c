// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The frame builder's checksum verifier (frame_csums_ok) is what the NAT
 * selftests trust: it must accept what frame_build() makes and refuse the
 * same frames with any one checksummed byte changed. Pure userspace.
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "pkt.h"

static const struct frame quoted = { .kind = FR_UDP4,
				     .saddr = IP4(10, 0, 0, 1),
				     .daddr = IP4(10, 0, 0, 2),
				     .sport = 1000,
				     .dport = 53 };

/* clang-format off */
static const struct frame frames[] = {
	{ .kind = FR_TCP4, .saddr = IP4(10, 0, 0, 1), .daddr = IP4(192, 0, 2, 1), .sport = 1,
	  .dport = 2, .tcp_flags = TCPF_SYN },
	{ .kind = FR_UDP4, .saddr = IP4(10, 0, 0, 1), .daddr = IP4(192, 0, 2, 1), .sport = 1,
	  .dport = 2, .ihl = 6, .payload_len = 33 },
	{ .kind = FR_ICMP4, .saddr = IP4(10, 0, 0, 1), .daddr = IP4(192, 0, 2, 1), .icmp_type = 8,
	  .icmp_id = 7 },
	{ .kind = FR_ICMP4, .saddr = IP4(10, 0, 0, 9), .daddr = IP4(10, 0, 0, 1), .icmp_type = 3,
	  .icmp_code = 3, .quote = &quoted, .quote_len = 44 },
};
/* clang-format on */

Test(pkt, csum_verifier_refuses_any_flipped_byte)
{
	char why[128];

	for (size_t i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
		struct pkt p, bad;

		cr_assert(frame_build(&frames[i], &p), "frame %zu: build", i);
		cr_expect(frame_csums_ok(p.buf, p.len, why, sizeof(why)), "frame %zu: %s", i, why);
		/* every byte after the Ethernet header is covered by some sum */
		for (size_t at = 14; at < p.len; at++) {
			bad = p;
			bad.buf[at] ^= 0x10;
			cr_expect(!frame_csums_ok(bad.buf, bad.len, why, sizeof(why)),
				  "frame %zu: byte %zu flipped, still valid", i, at);
		}
	}
}

Test(pkt, udp_zero_checksum_is_none)
{
	struct frame f = frames[1];
	char why[128];
	struct pkt p;

	f.no_csum = true;
	cr_assert(frame_build(&f, &p), "build");
	cr_expect(p.buf[14 + 24 + 6] == 0 && p.buf[14 + 24 + 7] == 0, "checksum field zero");
	cr_expect(frame_csums_ok(p.buf, p.len, why, sizeof(why)), "%s", why);
}
