// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The journal: what up writes, down reads back, old journals included. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "sys/journal.h"

static char path[] = "/tmp/nsbpf-journal-XXXXXX";

static struct journal open_tmp(void)
{
	struct journal j = { .fd = mkstemp(path) };

	cr_assert_geq(j.fd, 0, "mkstemp: %s", strerror(errno));
	return j;
}

static void remove_tmp(void)
{
	unlink(path);
	strcpy(path, "/tmp/nsbpf-journal-XXXXXX");
}

/* A journal as nsbpf wrote it before the records had types. */
static void write_text(const char *text)
{
	struct journal j = open_tmp();

	cr_assert_eq(write(j.fd, text, strlen(text)), (ssize_t)strlen(text));
	journal_close(&j);
}

TestSuite(journal, .fini = remove_tmp);

Test(journal, reads_back_what_it_writes)
{
	struct journal j = open_tmp();
	struct journal_rec tc = {
		.kind = JOURNAL_CLSACT,
		.clsact = { .ifname = "lab-earth", .ingress = false, .handle = 1, .prio = 49152 },
	};
	struct journal_rec hostns = { .kind = JOURNAL_HOSTNS, .hostns.ino = 4026531840UL };
	struct journal_recs r;

	cr_assert_eq(journal_write(&j, &hostns), 0);
	cr_assert_eq(journal_netns(&j, "lab-earth", false), 0);
	cr_assert_eq(journal_link(&j, "lab-earth", false), 0);
	cr_assert_eq(journal_pin(&j, "/sys/fs/bpf/nsbpf/lab/ct"), 0);
	cr_assert_eq(journal_write(&j, &tc), 0);
	journal_close(&j);

	cr_assert_eq(journal_read_path(path, &r), 0);
	cr_assert_eq(r.n, 5);
	cr_assert_eq(r.rec[0].kind, JOURNAL_HOSTNS);
	cr_assert_eq(r.rec[0].hostns.ino, 4026531840UL);
	cr_assert_eq(r.rec[1].kind, JOURNAL_NETNS);
	cr_assert_str_eq(r.rec[1].netns.name, "lab-earth");
	cr_assert_eq(r.rec[2].kind, JOURNAL_LINK);
	cr_assert_str_eq(r.rec[2].link.ifname, "lab-earth");
	cr_assert_eq(r.rec[3].kind, JOURNAL_PIN);
	cr_assert_str_eq(r.rec[3].pin.path, "/sys/fs/bpf/nsbpf/lab/ct");
	cr_assert_eq(r.rec[4].kind, JOURNAL_CLSACT);
	cr_assert_str_eq(r.rec[4].clsact.ifname, "lab-earth");
	cr_assert_eq(r.rec[4].clsact.ingress, false);
	cr_assert_eq(r.rec[4].clsact.handle, 1);
	cr_assert_eq(r.rec[4].clsact.prio, 49152);
	journal_recs_free(&r);
}

Test(journal, reads_back_the_place_and_the_namespace_inodes)
{
	struct journal j = open_tmp();
	struct place here = { .mntns = 4026531841UL, .bpffs_dev = 27, .netns_dev = 25 };
	struct journal_recs r;
	char line[JOURNAL_NAME_MAX + 64];

	cr_assert_eq(journal_place(&j, &here), 0);
	cr_assert_eq(journal_netns_ino(&j, "lab-earth", 4026532001UL), 0);
	journal_close(&j);
	cr_assert_eq(journal_read_path(path, &r), 0);
	cr_assert_eq(r.n, 2);
	cr_assert_eq(r.rec[0].kind, JOURNAL_PLACE);
	cr_assert(place_same(&r.rec[0].place, &here));
	cr_assert_eq(r.rec[0].place.bpffs_dev, 27);
	cr_assert_eq(r.rec[1].kind, JOURNAL_NETNS_INO);
	cr_assert_str_eq(r.rec[1].netns_ino.name, "lab-earth");
	cr_assert_eq(r.rec[1].netns_ino.ino, 4026532001UL);
	cr_assert_eq(journal_rec_str(&r.rec[0], line, sizeof(line)), 0);
	cr_assert_str_eq(line, "place 4026531841 27 25");
	journal_recs_free(&r);
}

Test(journal, place_same_compares_what_both_know)
{
	struct place a = { 1, 2, 3 }, b = { 1, 2, 3 };

	cr_assert(place_same(&a, &b));
	b.bpffs_dev = 0; /* no bpffs mounted now: not a difference */
	cr_assert(place_same(&a, &b));
	b.mntns = 9;
	cr_assert(!place_same(&a, &b), "another mount namespace");
	b = a;
	b.netns_dev = 7;
	cr_assert(!place_same(&a, &b), "another /run/netns");
}

Test(journal, reads_a_journal_of_the_previous_nsbpf)
{
	struct journal_recs r;
	char line[JOURNAL_NAME_MAX + 64];

	write_text("hostns 4026531840\n"
		   "netns lab-earth\n"
		   "link lab-earth\n"
		   "link labfib\n"
		   "pindir /sys/fs/bpf/nsbpf/lab\n"
		   "pin /sys/fs/bpf/nsbpf/lab/config\n"
		   "tc lab-earth ingress 1 1\n"
		   "pin /sys/fs/bpf/nsbpf/lab/tcx_eth0_in\n"
		   "pin /sys/fs/bpf/nsbpf/lab/cg_sock_connect4\n");
	cr_assert_eq(journal_read_path(path, &r), 0);
	cr_assert_eq(r.n, 9);
	cr_assert_eq(r.rec[4].kind, JOURNAL_PINDIR);
	cr_assert_str_eq(r.rec[4].pindir.path, "/sys/fs/bpf/nsbpf/lab");
	cr_assert_eq(r.rec[6].kind, JOURNAL_CLSACT);
	cr_assert(r.rec[6].clsact.ingress);
	/* Written back, every record is the line it came from. */
	cr_assert_eq(journal_rec_str(&r.rec[6], line, sizeof(line)), 0);
	cr_assert_str_eq(line, "tc lab-earth ingress 1 1");
	cr_assert_eq(journal_rec_str(&r.rec[8], line, sizeof(line)), 0);
	cr_assert_str_eq(line, "pin /sys/fs/bpf/nsbpf/lab/cg_sock_connect4");
	journal_recs_free(&r);
}

Test(journal, a_forget_cancels_the_nearest_equal_record_before_it)
{
	struct journal_recs r;

	write_text("netns a\n"
		   "link a\n"
		   "netns b\n"
		   "netns b\n"
		   "forget netns b\n"
		   "forget link a\n"
		   "forget link nowhere\n"
		   "link a\n");
	cr_assert_eq(journal_read_path(path, &r), 0);
	cr_assert_eq(r.n, 3);
	cr_assert_eq(r.rec[0].kind, JOURNAL_NETNS);
	cr_assert_str_eq(r.rec[0].netns.name, "a");
	cr_assert_eq(r.rec[1].kind, JOURNAL_NETNS);
	cr_assert_str_eq(r.rec[1].netns.name, "b");
	cr_assert_eq(r.rec[2].kind, JOURNAL_LINK); /* after the forget: stands */
	journal_recs_free(&r);
}

Test(journal, skips_lines_it_does_not_know)
{
	struct journal_recs r;

	write_text("bridge lab-br0\n"
		   "\n"
		   "tc lab-earth ingress\n"
		   "pin /sys/fs/bpf/nsbpf/lab/ct\n");
	cr_assert_eq(journal_read_path(path, &r), 0);
	cr_assert_eq(r.n, 1);
	cr_assert_eq(r.rec[0].kind, JOURNAL_PIN);
	journal_recs_free(&r);
}

Test(journal, a_route_reads_back_and_forgets)
{
	struct journal_recs r;

	write_text("route 10.81.9.0/24\n"
		   "route 10.81.8.0/24\n"
		   "forget route 10.81.8.0/24\n");
	cr_assert_eq(journal_read_path(path, &r), 0);
	cr_assert_eq(r.n, 1);
	cr_assert_eq(r.rec[0].kind, JOURNAL_ROUTE);
	cr_assert_str_eq(r.rec[0].route.prefix, "10.81.9.0/24");
	journal_recs_free(&r);
}

Test(journal, refuses_names_the_lines_cannot_hold)
{
	struct journal j = open_tmp();

	cr_assert_eq(journal_netns(&j, "two words", false), -EINVAL);
	cr_assert_eq(journal_link(&j, "", false), -EINVAL);
	cr_assert_eq(journal_pin(&j, "/a\nnetns b"), -EINVAL);
	journal_close(&j);
}

Test(journal, a_missing_journal_is_enoent)
{
	struct journal_recs r;

	cr_assert_eq(journal_read_path("/nonexistent/nsbpf/journal", &r), -ENOENT);
	cr_assert_eq(r.n, 0);
}
