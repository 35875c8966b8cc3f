// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Forward batches (lab/fwd_batch.h) against an in-memory map: the journal
 * reads back whole or not at all, a stop undoes what was made, and undo
 * is idempotent and leaves alone what the batch did not write.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "lab/fwd_batch.h"

/* A map keyed by port below SLOTS (every test's key is tcp, any address). */
#define SLOTS 1024

struct fake_map {
	bool used[SLOTS];
	struct nsb_fwd_val val[SLOTS];
	int calls;	/* inserts and removes */
	int stop_after; /* set *stop after this many calls (0: never) */
	volatile sig_atomic_t *stop;
};

static int slot(const struct nsb_fwd_key *k)
{
	return ntohs(k->port) % SLOTS;
}

static int fake_lookup(void *ctx, const struct nsb_fwd_key *k, struct nsb_fwd_val *v)
{
	struct fake_map *m = ctx;

	if (!m->used[slot(k)])
		return -ENOENT;
	*v = m->val[slot(k)];
	return 0;
}

static void count_call(struct fake_map *m)
{
	if (++m->calls == m->stop_after && m->stop)
		*m->stop = 1;
}

static int fake_insert(void *ctx, const struct nsb_fwd_key *k, const struct nsb_fwd_val *v)
{
	struct fake_map *m = ctx;

	count_call(m);
	if (m->used[slot(k)])
		return -EEXIST;
	m->used[slot(k)] = true;
	m->val[slot(k)] = *v;
	return 0;
}

static int fake_remove(void *ctx, const struct nsb_fwd_key *k)
{
	struct fake_map *m = ctx;

	count_call(m);
	if (!m->used[slot(k)])
		return -ENOENT;
	m->used[slot(k)] = false;
	return 0;
}

static struct fake_map fm;
static struct fwd_batch_map map = {
	.lookup = fake_lookup, .insert = fake_insert, .remove = fake_remove, .ctx = &fm
};
static char dir[] = "/tmp/nsbpf-fwd-batch-XXXXXX";
static char journal[sizeof(dir) + 16];

static void setup(void)
{
	memset(&fm, 0, sizeof(fm));
	cr_assert(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
	snprintf(journal, sizeof(journal), "%s/batch", dir);
}

static void teardown(void)
{
	char tmp[sizeof(journal) + 8];

	snprintf(tmp, sizeof(tmp), "%s.tmp", journal);
	unlink(tmp);
	unlink(journal);
	rmdir(dir);
	strcpy(dir, "/tmp/nsbpf-fwd-batch-XXXXXX");
}

TestSuite(fwd_batch, .init = setup, .fini = teardown);

static struct nsb_fwd_key key(int port)
{
	return (struct nsb_fwd_key){ .port = htons((uint16_t)port), .proto = 6 };
}

/* The entry of port `port` of a forward first..first+count-1 to node port 8080+. */
static struct nsb_fwd_val val(int first, int count, int port)
{
	return (struct nsb_fwd_val){ .node_addr = htonl(0x0a140a0a),
				     .node_port = htons((uint16_t)(8080 + port - first)),
				     .first_port = htons((uint16_t)first),
				     .count = (uint16_t)count,
				     .ifindex = 7 };
}

/* Adds: a range 100-102 and a single 200 (four entries, two forwards). */
static void adds(struct fwd_batch *b)
{
	for (int p = 100; p <= 102; p++) {
		struct nsb_fwd_key k = key(p);
		struct nsb_fwd_val v = val(100, 3, p);

		cr_assert_eq(fwd_batch_push(b, false, &k, &v), 0);
	}
	struct nsb_fwd_key k = key(200);
	struct nsb_fwd_val v = val(200, 1, 200);

	cr_assert_eq(fwd_batch_push(b, false, &k, &v), 0);
}

static bool has(int port)
{
	return fm.used[port % SLOTS];
}

Test(fwd_batch, counts_whole_forwards)
{
	struct fwd_batch b = { 0 };

	adds(&b);
	cr_assert_eq(b.n, 4);
	cr_assert_eq(fwd_batch_forwards(&b), 2);
	fwd_batch_free(&b);
}

Test(fwd_batch, journal_reads_back_what_it_writes_and_is_private)
{
	struct fwd_batch b = { 0 }, r;
	struct nsb_fwd_key k = key(300);
	struct nsb_fwd_val v = val(300, 1, 300);
	struct stat st;

	adds(&b);
	v.hits = 12345678901ULL;
	cr_assert_eq(fwd_batch_push(&b, true, &k, &v), 0);
	cr_assert_eq(fwd_batch_save(journal, &b), 0);
	cr_assert_eq(stat(journal, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	cr_assert_eq(fwd_batch_load(journal, &r), 0);
	cr_assert_eq(r.n, b.n);
	for (size_t i = 0; i < b.n; i++) {
		cr_assert_eq(r.op[i].del, b.op[i].del);
		cr_assert_arr_eq(&r.op[i].key, &b.op[i].key, sizeof(b.op[i].key));
		cr_assert_arr_eq(&r.op[i].val, &b.op[i].val, sizeof(b.op[i].val));
	}
	cr_assert_eq(fwd_batch_drop(journal), 0);
	cr_assert_eq(fwd_batch_load(journal, &r), -ENOENT, "dropped: no batch");
	fwd_batch_free(&r);
	fwd_batch_free(&b);
}

/* Write TEXT as the journal. */
static void write_journal(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert(f);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

Test(fwd_batch, a_journal_not_whole_is_refused_and_a_half_saved_one_ignored)
{
	struct fwd_batch b = { 0 }, r;
	char tmp[sizeof(journal) + 8], cmd[sizeof(journal) + 16], *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);

	adds(&b);
	cr_assert_eq(fwd_batch_save(journal, &b), 0);
	/* one line fewer than the header counts */
	snprintf(cmd, sizeof(cmd), "sed -i '$d' %s", journal);
	cr_assert_eq(system(cmd), 0);
	cr_assert_eq(fwd_batch_load(journal, &r), -EBADMSG);
	write_journal(journal, "nsbpf-forward-batch 1 1\na 00zz\n");
	cr_assert_eq(fwd_batch_load(journal, &r), -EBADMSG);
	/* a save killed before its rename: no batch, and its file goes */
	unlink(journal);
	snprintf(tmp, sizeof(tmp), "%s.tmp", journal);
	fputs("nsbpf-forward-batch 1 4\na ", mem);
	fclose(mem);
	write_journal(tmp, text);
	cr_assert_eq(fwd_batch_load(journal, &r), -ENOENT);
	cr_assert_neq(access(tmp, F_OK), 0);
	free(text);
	fwd_batch_free(&b);
}

Test(fwd_batch, a_stop_ends_the_walk_and_undo_takes_back_what_was_made)
{
	static volatile sig_atomic_t stop;
	struct fwd_batch b = { 0 };
	size_t done = 0;

	adds(&b);
	stop = 0;
	fm.stop = &stop;
	fm.stop_after = 2; /* the signal comes during the second insert */
	cr_assert_eq(fwd_batch_apply(&map, &b, &stop, &done), -EINTR);
	cr_assert_eq(done, 2);
	cr_assert(has(100) && has(101) && !has(102));
	cr_assert_eq(fwd_batch_undo(&map, &b, done), 0);
	cr_assert(!has(100) && !has(101));
	fwd_batch_free(&b);
}

Test(fwd_batch, undo_is_idempotent_and_keeps_what_the_batch_did_not_write)
{
	struct fwd_batch b = { 0 };
	struct nsb_fwd_val other = val(102, 1, 102);
	size_t done = 0;

	adds(&b);
	/* 102 is someone else's: the add fails there, having made two */
	fm.used[102] = true;
	fm.val[102] = other;
	cr_assert_eq(fwd_batch_apply(&map, &b, NULL, &done), -EEXIST);
	cr_assert_eq(done, 2);
	fm.val[100].hits = 5; /* traffic meanwhile: still the batch's entry */
	/* the whole batch (as recovery does), twice */
	cr_assert_eq(fwd_batch_undo(&map, &b, b.n), 0);
	cr_assert_eq(fwd_batch_undo(&map, &b, b.n), 0);
	cr_assert(!has(100) && !has(101) && !has(200));
	cr_assert(has(102), "not the batch's");
	cr_assert_arr_eq(&fm.val[102], &other, sizeof(other));
	fwd_batch_free(&b);
}

Test(fwd_batch, an_undone_del_brings_back_the_entries_as_they_were)
{
	struct fwd_batch b = { 0 };
	size_t done = 0;

	for (int p = 100; p <= 102; p++) {
		struct nsb_fwd_key k = key(p);
		struct nsb_fwd_val v = val(100, 3, p);

		v.hits = (uint64_t)p;
		fm.used[p] = true;
		fm.val[p] = v;
		cr_assert_eq(fwd_batch_push(&b, true, &k, &v), 0);
	}
	cr_assert_eq(fwd_batch_apply(&map, &b, NULL, &done), 0);
	cr_assert(!has(100) && !has(101) && !has(102));
	/* killed after the last delete, before the commit: undone in full */
	cr_assert_eq(fwd_batch_undo(&map, &b, b.n), 0);
	cr_assert_eq(fwd_batch_undo(&map, &b, b.n), 0);
	for (int p = 100; p <= 102; p++) {
		struct nsb_fwd_val v = val(100, 3, p);

		v.hits = (uint64_t)p;
		cr_assert(has(p));
		cr_assert_arr_eq(&fm.val[p], &v, sizeof(v));
	}
	fwd_batch_free(&b);
}

/* forwards6 for the IPv6 ops: a second map, keyed by port too, with whole values. */
static struct fake_map fm6;
static struct nsb_fwd6_val fm6_val[SLOTS];

static int fake_lookup6(void *ctx, const struct nsb_fwd6_key *k, struct nsb_fwd6_val *v)
{
	struct fake_map *m = ctx;
	int s = ntohs(k->port) % SLOTS;

	if (!m->used[s])
		return -ENOENT;
	*v = fm6_val[s];
	return 0;
}

static int fake_insert6(void *ctx, const struct nsb_fwd6_key *k, const struct nsb_fwd6_val *v)
{
	struct fake_map *m = ctx;
	int s = ntohs(k->port) % SLOTS;

	count_call(m);
	if (m->used[s])
		return -EEXIST;
	m->used[s] = true;
	fm6_val[s] = *v;
	return 0;
}

static int fake_remove6(void *ctx, const struct nsb_fwd6_key *k)
{
	struct fake_map *m = ctx;
	int s = ntohs(k->port) % SLOTS;

	count_call(m);
	if (!m->used[s])
		return -ENOENT;
	m->used[s] = false;
	return 0;
}

/* tcp [2001:db8::1]:300-301 -> fd00:10::10:8080-8081 */
static void adds6(struct fwd_batch *b)
{
	for (int p = 300; p <= 301; p++) {
		struct nsb_fwd6_key k = { .host_addr = { htonl(0x20010db8), 0, 0, htonl(1) },
					  .port = htons((uint16_t)p),
					  .proto = 6 };
		struct nsb_fwd6_val v = { .v = val(300, 2, p),
					  .node_addr = { htonl(0xfd000010), 0, 0, htonl(0x10) } };

		v.v.node_addr = 0;
		cr_assert_eq(fwd_batch_push6(b, false, &k, &v), 0);
	}
}

Test(fwd_batch, ipv6_ops_journal_as_version_2_apply_and_undo_in_their_map)
{
	struct fwd_batch_map m = map;
	struct fwd_batch b = { 0 }, back;
	char head[64] = "";
	size_t done;
	FILE *f;

	memset(&fm6, 0, sizeof(fm6));
	adds(&b);
	adds6(&b);
	cr_assert_eq(fwd_batch_forwards(&b), 3, "two IPv4 forwards and one IPv6");
	cr_assert_eq(fwd_batch_save(journal, &b), 0);
	f = fopen(journal, "r");
	cr_assert(f && fgets(head, sizeof(head), f));
	fclose(f);
	cr_assert_str_eq(head, "nsbpf-forward-batch 2 6\n");
	cr_assert_eq(fwd_batch_load(journal, &back), 0);
	cr_assert_eq(back.n, 6);
	cr_assert(back.op[4].v6 && !back.op[3].v6);
	cr_assert_eq(memcmp(&back.op[5].key6, &b.op[5].key6, sizeof(b.op[5].key6)), 0);
	cr_assert_eq(memcmp(&back.op[5].val6, &b.op[5].val6, sizeof(b.op[5].val6)), 0);

	/* a map without forwards6: the IPv6 op fails, the others undo */
	cr_assert_eq(fwd_batch_apply(&m, &b, NULL, &done), -EOPNOTSUPP);
	cr_assert_eq(done, 4);
	cr_assert_eq(fwd_batch_undo(&m, &b, done), 0);
	cr_assert(!has(100) && !has(200));

	m.lookup6 = fake_lookup6;
	m.insert6 = fake_insert6;
	m.remove6 = fake_remove6;
	m.ctx6 = &fm6;
	cr_assert_eq(fwd_batch_apply(&m, &b, NULL, &done), 0);
	cr_assert(has(100) && has(200) && fm6.used[300] && fm6.used[301]);
	cr_assert(!fm.used[300], "IPv6 entries go to forwards6 only");
	cr_assert_eq(fwd_batch_undo(&m, &b, b.n), 0);
	cr_assert(!has(100) && !fm6.used[300] && !fm6.used[301]);
	fwd_batch_free(&back);
	fwd_batch_free(&b);
}

Test(fwd_batch, a_version_1_journal_has_no_ipv6_lines)
{
	struct fwd_batch b = { 0 };
	FILE *f = fopen(journal, "w");

	cr_assert(f);
	fprintf(f, "nsbpf-forward-batch 1 1\na6 %040d %080d\n", 0, 0);
	fclose(f);
	cr_assert_eq(fwd_batch_load(journal, &b), -EBADMSG);
	f = fopen(journal, "w");
	fprintf(f, "nsbpf-forward-batch 3 0\n");
	fclose(f);
	cr_assert_eq(fwd_batch_load(journal, &b), -EBADMSG, "a version from the future");
}
