// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The topology parser and validator. Run from the repository root: the
 * corpus is found at CORPUS. Every tests/topo/bad/ file starts with one
 * "# expect: LINE:COL: message" line per error it must produce, in file
 * order; the message may be cut short, the position may not.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <glob.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nsbpf_maps.h"
#include "topo/topo.h"
#include "topo/topo_internal.h"

#ifndef CORPUS
#define CORPUS "tests/topo"
#endif /* CORPUS */

#define EXPECT_TAG "# expect: "
#define EXPECT_MAX 16

/* ---- helpers ---- */

static uint32_t ip(const char *s)
{
	uint32_t v = 0;

	cr_assert(eq(int, topo_parse_ipv4(s, &v), 0), "test address %s", s);
	return v;
}

/* All messages on one string, for failure output. */
static const char *joined(const struct topo_errors *e)
{
	static char buf[8192];
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < e->n && off < sizeof(buf); i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "\n  %s", e->msgs[i]);
	return buf;
}

static struct topo *load_ok(const char *path)
{
	struct topo_errors e = { 0 };
	struct topo *t = NULL;
	int err = topo_load(path, &t, &e);

	cr_assert(eq(int, err, 0), "%s: %d, errors:%s", path, err, joined(&e));
	cr_assert(eq(sz, e.n, 0));
	cr_assert(not(eq(ptr, t, NULL)));
	topo_errors_free(&e);
	return t;
}

static int load_str(const char *s, struct topo **t, struct topo_errors *e)
{
	return topo_load_buf("inline.yaml", s, strlen(s), t, e);
}

static struct topo_node *node(const struct topo *t, const char *name)
{
	int i = topo_node_index(t, name);

	cr_assert(ge(int, i, 0), "node %s", name);
	return &t->nodes[i];
}

static struct topo_network *net(const struct topo *t, const char *name)
{
	int i = topo_network_index(t, name);

	cr_assert(ge(int, i, 0), "network %s", name);
	return &t->networks[i];
}

/* ---- scalar parsers ---- */

Test(topo_parse, ipv4_accepts_dotted_quads)
{
	uint32_t v;

	cr_assert(eq(int, topo_parse_ipv4("10.10.0.1", &v), 0));
	cr_assert(eq(u32, v, 0x0a0a0001));
	cr_assert(eq(int, topo_parse_ipv4("0.0.0.0", &v), 0));
	cr_assert(eq(u32, v, 0));
	cr_assert(eq(int, topo_parse_ipv4("255.255.255.255", &v), 0));
	cr_assert(eq(u32, v, 0xffffffff));
}

Test(topo_parse, ipv4_rejects_everything_else)
{
	static const char *const bad[] = {
		"1.2.3",
		"1.2.3.4.5",
		"01.2.3.4",
		"1.2.3.00",
		"256.1.1.1",
		"1.2.3.256",
		"",
		"1.2.3.4 ",
		" 1.2.3.4",
		"1..2.3",
		"+1.2.3.4",
		"-1.2.3.4",
		"1.2.3.4/8",
		"0x1.2.3.4",
		"1.2.3.",
		".1.2.3",
		"99999999999999999999.1.1.1",
		"a.b.c.d",
	};
	uint32_t v = 42;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert(eq(int, topo_parse_ipv4(bad[i], &v), -EINVAL), "\"%s\"", bad[i]);
	cr_assert(eq(u32, v, 42), "a failed parse leaves the output alone");
}

Test(topo_parse, cidr)
{
	uint32_t n;
	uint8_t p;

	cr_assert(eq(int, topo_parse_cidr("10.10.0.0/16", &n, &p), 0));
	cr_assert(eq(u32, n, 0x0a0a0000));
	cr_assert(eq(u8, p, 16));
	cr_assert(eq(int, topo_parse_cidr("10.0.0.252/30", &n, &p), 0));
	cr_assert(eq(int, topo_parse_cidr("128.0.0.0/1", &n, &p), 0));
	cr_assert(eq(int, topo_parse_cidr("10.10.0.1/16", &n, &p), -EINVAL), "host bits");
	cr_assert(eq(int, topo_parse_cidr("10.0.0.0/31", &n, &p), -EINVAL));
	cr_assert(eq(int, topo_parse_cidr("10.0.0.0/32", &n, &p), -EINVAL));
	cr_assert(eq(int, topo_parse_cidr("0.0.0.0/0", &n, &p), -EINVAL));
	cr_assert(eq(int, topo_parse_cidr("10.0.0.0/08", &n, &p), -EINVAL));
	cr_assert(eq(int, topo_parse_cidr("10.0.0.0/", &n, &p), -EINVAL));
	cr_assert(eq(int, topo_parse_cidr("10.0.0.0", &n, &p), -EINVAL));
	cr_assert(eq(int, topo_parse_cidr("10.0.0/8", &n, &p), -EINVAL));
	cr_assert(eq(int, topo_parse_cidr("10.0.0.0/8 ", &n, &p), -EINVAL));
}

Test(topo_parse, port_range)
{
	uint16_t lo, hi;

	cr_assert(eq(int, topo_parse_port_range("6000", &lo, &hi), 0));
	cr_assert(eq(u16, lo, 6000));
	cr_assert(eq(u16, hi, 6000));
	cr_assert(eq(int, topo_parse_port_range("1-65535", &lo, &hi), 0));
	cr_assert(eq(u16, lo, 1));
	cr_assert(eq(u16, hi, 65535));
	cr_assert(eq(int, topo_parse_port_range("5-5", &lo, &hi), 0));
}

Test(topo_parse, port_range_rejects)
{
	static const char *const bad[] = {
		"0",	"65536",   "10-5",  "5-", "a", "-5",
		"5--6", "080",	   " 5",    "5 ", "",  "99999999999999999999",
		"1-0",	"1-65536", "5-6-7", "+5",
	};
	uint16_t lo, hi;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert(eq(int, topo_parse_port_range(bad[i], &lo, &hi), -EINVAL), "\"%s\"",
			  bad[i]);
}

Test(topo_parse, port_range_tells_why)
{
	uint16_t lo, hi;

	cr_assert(eq(int, topo_port_range_check("0", &lo, &hi), -ERANGE));
	cr_assert(eq(int, topo_port_range_check("65536", &lo, &hi), -ERANGE));
	cr_assert(eq(int, topo_port_range_check("10-5", &lo, &hi), -EDOM));
	cr_assert(eq(int, topo_port_range_check("5-", &lo, &hi), -EINVAL));
}

Test(topo_parse, special_blocks)
{
	uint32_t block = 0;
	int len = 0;

	cr_assert(
		eq(str, (char *)topo_special_block(ip("127.0.0.1"), 32, &block, &len), "loopback"));
	cr_assert(eq(u32, block, ip("127.0.0.0")));
	cr_assert(eq(int, len, 8));
	cr_assert(eq(str, (char *)topo_special_block(ip("255.255.255.255"), 32, &block, &len),
		     "reserved"));
	cr_assert(
		eq(str, (char *)topo_special_block(ip("192.0.0.0"), 2, &block, &len), "multicast"),
		"a block inside the subnet");
	cr_assert(eq(ptr, (void *)topo_special_block(ip("1.0.0.0"), 8, &block, &len), NULL));
	cr_assert(eq(ptr, (void *)topo_special_block(ip("128.0.0.0"), 2, &block, &len), NULL));
	cr_assert(
		eq(ptr, (void *)topo_special_block(ip("223.255.255.255"), 32, &block, &len), NULL));
	cr_assert(
		eq(ptr, (void *)topo_special_block(ip("126.255.255.255"), 32, &block, &len), NULL));
}

Test(topo_parse, durations)
{
	static const struct {
		const char *s;
		uint32_t secs;
	} good[] = {
		{ "1s", 1 },
		{ "30s", 30 },
		{ "240s", 240 },
		{ "4m", 240 },
		{ "2h4m", 7440 },
		{ "1d", 86400 },
		{ "1d12h30m15s", 131415 },
		{ "0h30m", 1800 },
		{ "30d", 2592000 },
		{ "2592000s", 2592000 },
		{ "90m", 5400 },
	};
	uint32_t v;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		cr_assert(eq(int, topo_parse_duration(good[i].s, &v), 0), "\"%s\"", good[i].s);
		cr_assert(eq(u32, v, good[i].secs), "\"%s\"", good[i].s);
	}
}

Test(topo_parse, durations_reject)
{
	static const char *const syntax[] = {
		"",	"30",  "s",  "4m2h", "1h1h", "1.5s", "05s", "30 s", " 30s",
		"30s ", "30S", "1w", "-1s",  "+1s",  "2hm",  "1h4", "m30",
	};
	static const char *const range[] = {
		"0s", "0d0h0m0s", "30d1s", "31d", "2592001s", "99999999999s", "720h1s",
	};
	uint32_t v = 42;
	size_t i;

	for (i = 0; i < sizeof(syntax) / sizeof(syntax[0]); i++)
		cr_assert(eq(int, topo_parse_duration(syntax[i], &v), -EINVAL), "\"%s\"",
			  syntax[i]);
	for (i = 0; i < sizeof(range) / sizeof(range[0]); i++)
		cr_assert(eq(int, topo_parse_duration(range[i], &v), -ERANGE), "\"%s\"", range[i]);
	cr_assert(eq(u32, v, 42), "a failed parse leaves the output alone");
}

Test(topo_parse, durations_print_back)
{
	char buf[16];

	cr_assert(eq(str, (char *)topo_duration_str(7440, buf, sizeof(buf)), "2h4m"));
	cr_assert(eq(str, (char *)topo_duration_str(0, buf, sizeof(buf)), "0s"));
	cr_assert(eq(str, (char *)topo_duration_str(131415, buf, sizeof(buf)), "1d12h30m15s"));
	cr_assert(eq(str, (char *)topo_duration_str(60, buf, sizeof(buf)), "1m"));
	cr_assert(eq(str, (char *)topo_duration_str(TOPO_TIMEOUT_MAX, buf, sizeof(buf)), "30d"));
}

Test(topo_parse, names)
{
	static const char *const good[] = { "a", "0", "a-b", "planet-9", "a--b" };
	static const char *const bad[] = { "", "-a", "a-", "-", "A", "a_b", "a b", "a.b", "é" };
	char longest[TOPO_NAME_MAX + 1];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		cr_assert(eq(int, topo_parse_name(good[i]), 0), "\"%s\"", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert(eq(int, topo_parse_name(bad[i]), -EINVAL), "\"%s\"", bad[i]);
	memset(longest, 'a', sizeof(longest));
	longest[TOPO_NAME_MAX - 1] = '\0';
	cr_assert(eq(int, topo_parse_name(longest), 0), "63 characters fit");
	longest[TOPO_NAME_MAX - 1] = 'a';
	longest[TOPO_NAME_MAX] = '\0';
	cr_assert(eq(int, topo_parse_name(longest), -EINVAL), "64 do not");
}

Test(topo_parse, derived_names)
{
	char buf[TOPO_NAME_MAX];

	cr_assert(eq(int, topo_hostif_name("planets", "neptune", buf, sizeof(buf)), 0));
	cr_assert(eq(str, buf, "planets-neptune"));
	cr_assert(eq(int, topo_netns_name("planets", "earth", buf, sizeof(buf)), 0));
	cr_assert(eq(str, buf, "planets-earth"));
	cr_assert(eq(int, topo_hostif_name("planets", "neptune2", buf, sizeof(buf)), -ENAMETOOLONG),
		  "16 characters do not fit IFNAMSIZ");
	cr_assert(eq(str, buf, ""));
	cr_assert(eq(int, topo_netns_name("planets", "neptune2", buf, sizeof(buf)), -ENAMETOOLONG));
	cr_assert(eq(int, topo_hostif_name("a", "b", buf, 3), -ENAMETOOLONG), "small buffer");
}

/* ---- topo_load_buf ---- */

Test(topo_buf, minimal)
{
	static const char y[] = "name: x\nnetworks: {n: {subnet: 10.0.0.0/24}}\n"
				"nodes: {a: {network: n}}\n";
	struct topo_errors e = { 0 };
	struct topo *t;

	cr_assert(eq(int, load_str(y, &t, &e), 0), "%s", joined(&e));
	cr_assert(eq(str, t->path, "inline.yaml"));
	cr_assert(eq(str, t->name, "x"));
	cr_assert(eq(str, t->uplink, ""));
	cr_assert(eq(sz, t->n_forwards, 0));
	cr_assert(eq(u32, t->nodes[0].ip, ip("10.0.0.2")));
	topo_free(t);
}

Test(topo_buf, length_is_honoured)
{
	static const char y[] = "name: x\nnetworks: {n: {subnet: 10.0.0.0/24}}\n"
				"nodes: {a: {network: n}}\nthis is not yaml: [";
	struct topo *t;

	/* no NUL is needed, and nothing past len is read */
	cr_assert(eq(int, topo_load_buf("b", y, strstr(y, "this") - y, &t, NULL), 0));
	topo_free(t);
}

Test(topo_buf, collects_every_error_in_file_order)
{
	static const char y[] = "name: X\n"
				"nodes:\n"
				"  a: {network: m}\n"
				"networks:\n"
				"  n: {subnet: 10.0.0.1/24, gatway: 10.0.0.1}\n";
	struct topo_errors e = { 0 };
	struct topo *t = (struct topo *)1;

	cr_assert(eq(int, load_str(y, &t, &e), -EINVAL));
	cr_assert(eq(ptr, t, NULL));
	cr_assert(eq(sz, e.n, 4), "%s", joined(&e));
	cr_assert(eq(str, e.msgs[0],
		     "inline.yaml:1:7: lab name \"X\" is not valid: use a-z, 0-9 "
		     "and '-', starting and ending with a letter or digit"));
	cr_assert(eq(str, e.msgs[1], "inline.yaml:3:16: node \"a\": network \"m\" is not defined"));
	cr_assert(eq(str, e.msgs[2],
		     "inline.yaml:5:15: network \"n\": subnet \"10.0.0.1/24\" "
		     "has host bits set (did you mean \"10.0.0.0/24\"?)"));
	cr_assert(eq(str, e.msgs[3],
		     "inline.yaml:5:28: network \"n\": unknown key \"gatway\" "
		     "(did you mean \"gateway\"?)"));
	topo_errors_free(&e);
	cr_assert(eq(sz, e.n, 0));
	cr_assert(eq(ptr, e.msgs, NULL));
}

Test(topo_buf, errors_append)
{
	struct topo_errors e = { 0 };
	struct topo *t;

	cr_assert(eq(int, load_str("", &t, &e), -EINVAL));
	cr_assert(eq(int, topo_load_buf(NULL, "x: 1", 4, &t, &e), -EINVAL));
	cr_assert(eq(sz, e.n, 5), "%s", joined(&e));
	cr_assert(eq(str, e.msgs[0],
		     "inline.yaml:1:1: empty file: expected a mapping with name, "
		     "networks and nodes"));
	cr_assert(eq(str, e.msgs[1],
		     "<buffer>:1:1: unknown key \"x\" (expected one of: name, "
		     "uplink, uplink6, networks, nodes, forwards, nat, links)"));
	topo_errors_free(&e);
}

Test(topo_buf, errors_may_be_null)
{
	struct topo *t;

	cr_assert(eq(int, topo_load_buf("n", NULL, 0, &t, NULL), -EINVAL), "empty");
	cr_assert(eq(int, topo_load_buf("n", NULL, 1, &t, NULL), -EINVAL), "no buffer");

	cr_assert(eq(int, topo_load_buf("n", "name: [", 7, &t, NULL), -EINVAL));
	cr_assert(eq(ptr, t, NULL));
}

Test(topo_buf, tab_indent_is_a_syntax_error)
{
	static const char y[] = "name: x\nnetworks:\n\tn: {subnet: 10.0.0.0/24}\n";
	struct topo_errors e = { 0 };
	struct topo *t;

	cr_assert(eq(int, load_str(y, &t, &e), -EINVAL));
	cr_assert(eq(sz, e.n, 1), "%s", joined(&e));
	cr_assert(eq(int, strncmp(e.msgs[0], "inline.yaml:3:1: YAML syntax error: ", 36), 0), "%s",
		  e.msgs[0]);
	topo_errors_free(&e);
}

Test(topo_buf, bad_utf8_has_a_position)
{
	static const char y[] = "name: x\nnetworks:\n  n\xff: {subnet: 10.0.0.0/24}\n";
	struct topo_errors e = { 0 };
	struct topo *t;

	cr_assert(eq(int, load_str(y, &t, &e), -EINVAL));
	cr_assert(eq(sz, e.n, 1), "%s", joined(&e));
	cr_assert(eq(str, e.msgs[0], "inline.yaml:3:4: YAML error: invalid leading UTF-8 octet"));
	topo_errors_free(&e);
}

/* "name: a", one /16 network, and n nodes "n1".. in it. */
static char *many_nodes(size_t n)
{
	size_t i, len = 64 + n * 32, off;
	char *y = malloc(len);

	cr_assert(not(eq(ptr, y, NULL)));
	off = (size_t)snprintf(y, len, "name: a\nnetworks: {n: {subnet: 10.0.0.0/16}}\nnodes:\n");
	for (i = 1; i <= n; i++)
		off += (size_t)snprintf(y + off, len - off, "  n%zu: {network: n}\n", i);
	return y;
}

Test(topo_buf, node_limit)
{
	struct topo_errors e = { 0 };
	struct topo *t;
	char *y = many_nodes(4096);

	cr_assert(eq(int, load_str(y, &t, &e), 0), "4096 nodes fit:%s", joined(&e));
	cr_assert(eq(u32, t->nodes[4095].ip, ip("10.0.16.1")));
	topo_free(t);
	free(y);
	y = many_nodes(4097);
	cr_assert(eq(int, load_str(y, &t, &e), -EINVAL));
	cr_assert(eq(sz, e.n, 1), "%s", joined(&e));
	cr_assert(eq(str, e.msgs[0],
		     "inline.yaml:4100:3: node \"n4097\": too many nodes: the limit is 4096"));
	topo_errors_free(&e);
	free(y);
}

/*
 * The limit is counted before the document is loaded: 60,000 nodes get the
 * same one message as 4097, at the node past the limit, and nothing else
 * (bench/parse.sh times it: milliseconds).
 */
Test(topo_buf, node_limit_stops_a_60000_node_file_at_the_first_node_past_it)
{
	struct topo_errors e = { 0 };
	struct topo *t = NULL;
	char *y = many_nodes(60000);

	cr_assert(eq(int, load_str(y, &t, &e), -EINVAL));
	cr_assert(eq(ptr, t, NULL));
	cr_assert(eq(sz, e.n, 1), "%s", joined(&e));
	cr_assert(eq(str, e.msgs[0],
		     "inline.yaml:4100:3: node \"n4097\": too many nodes: the limit is 4096"));
	topo_errors_free(&e);
	free(y);
}

/* An alias can stand for a mapping the first count never saw: the walk counts too. */
Test(topo_buf, node_limit_holds_for_an_aliased_mapping)
{
	struct topo_errors e = { 0 };
	size_t i, len = 128 + 4097 * 32, off;
	char *y = malloc(len);
	struct topo *t;

	cr_assert(not(eq(ptr, y, NULL)));
	off = (size_t)snprintf(y, len, "name: a\nnetworks: {n: {subnet: 10.0.0.0/16}}\nx: &all\n");
	for (i = 1; i <= 4097; i++)
		off += (size_t)snprintf(y + off, len - off, "  n%zu: {network: n}\n", i);
	snprintf(y + off, len - off, "nodes: *all\n");
	cr_assert(eq(int, load_str(y, &t, &e), -EINVAL));
	cr_assert(eq(sz, e.n, 2), "%s", joined(&e));
	cr_assert(eq(str, e.msgs[0],
		     "inline.yaml:3:1: unknown key \"x\" (expected one of: name, "
		     "uplink, uplink6, networks, nodes, forwards, nat, links)"));
	cr_assert(eq(str, e.msgs[1],
		     "inline.yaml:4100:3: node \"n4097\": too many nodes: the limit is 4096"));
	topo_errors_free(&e);
	free(y);
}

/* Duplicates are found by hash: the first and the last of 4000 keys. */
Test(topo_buf, duplicate_node_far_from_the_first)
{
	struct topo_errors e = { 0 };
	char *y = many_nodes(4000), *all;
	struct topo *t;

	cr_assert(ge(int, asprintf(&all, "%s  n1: {network: n}\n", y), 0));
	cr_assert(eq(int, load_str(all, &t, &e), -EINVAL));
	cr_assert(eq(sz, e.n, 1), "%s", joined(&e));
	cr_assert(eq(str, e.msgs[0],
		     "inline.yaml:4004:3: duplicate node \"n1\" (first defined at 4:3)"));
	topo_errors_free(&e);
	free(all);
	free(y);
}

/* A file of a thousand mistakes gets the first hundred and a count of the rest. */
Test(topo_buf, messages_stop_at_a_hundred)
{
	struct topo_errors e = { 0 };
	size_t i, len = 128 + 1000 * 48, off;
	char *y = malloc(len);
	struct topo *t;

	cr_assert(not(eq(ptr, y, NULL)));
	off = (size_t)snprintf(y, len,
			       "name: a\nnetworks: {n: {subnet: 10.0.0.0/16}}\n"
			       "nodes: {earth: {network: n}}\nforwards:\n");
	for (i = 0; i < 1000; i++)
		off += (size_t)snprintf(y + off, len - off,
					"  - {proto: tcp, port: %zu, to: eartj:80}\n", 1000 + i);
	cr_assert(eq(int, load_str(y, &t, &e), -EINVAL));
	cr_assert(eq(sz, e.n, 101), "%s", joined(&e));
	cr_assert(eq(str, e.msgs[0],
		     "inline.yaml:5:34: forward 1: node \"eartj\" is not defined (did you mean "
		     "\"earth\"?)"));
	cr_assert(not(eq(ptr, strstr(e.msgs[19], "did you mean"), NULL)), "%s", e.msgs[19]);
	cr_assert(eq(ptr, strstr(e.msgs[20], "did you mean"), NULL), "%s", e.msgs[20]);
	cr_assert(eq(str, e.msgs[99],
		     "inline.yaml:104:34: forward 100: node \"eartj\" is not defined"),
		  "did-you-mean for the first 20 only");
	cr_assert(eq(str, e.msgs[100], "inline.yaml: 900 more problems not shown"));
	topo_errors_free(&e);
	free(y);
}

Test(topo_load, unreadable_files)
{
	struct topo_errors e = { 0 };
	struct topo *t;

	cr_assert(eq(int, topo_load(CORPUS "/nonexistent.yaml", &t, &e), -ENOENT));
	cr_assert(eq(ptr, t, NULL));
	cr_assert(eq(int, topo_load(CORPUS, &t, &e), -EISDIR));
	cr_assert(eq(sz, e.n, 2));
	cr_assert(eq(str, e.msgs[0],
		     CORPUS "/nonexistent.yaml: cannot read: No such file or directory"));
	cr_assert(eq(str, e.msgs[1], CORPUS ": is a directory, not a regular file"));
	topo_errors_free(&e);
}

/* ---- the corpus ---- */

struct corpus_file {
	char path[256];
};

static void corpus_free(struct criterion_test_params *p)
{
	cr_free(p->params);
}

/* Parameters go to the test processes: cr_malloc'd and free of pointers. */
static size_t corpus_list(const char *dir, struct corpus_file **out)
{
	struct corpus_file *files;
	char pattern[256];
	glob_t g;
	size_t i;

	*out = NULL;
	snprintf(pattern, sizeof(pattern), "%s/*.yaml", dir);
	if (glob(pattern, 0, NULL, &g))
		return 0;
	files = cr_malloc(g.gl_pathc * sizeof(*files));
	for (i = 0; files && i < g.gl_pathc; i++)
		snprintf(files[i].path, sizeof(files[i].path), "%s", g.gl_pathv[i]);
	i = files ? g.gl_pathc : 0;
	globfree(&g);
	*out = files;
	return i;
}

/* The "# expect: " lines at the top of a bad file, without the tag. */
static size_t read_expects(const char *path, char expects[EXPECT_MAX][512])
{
	char line[512];
	size_t n = 0;
	FILE *f = fopen(path, "r");

	cr_assert(not(eq(ptr, f, NULL)), "%s", path);
	while (n < EXPECT_MAX && fgets(line, sizeof(line), f)) {
		if (strncmp(line, EXPECT_TAG, strlen(EXPECT_TAG)))
			break;
		line[strcspn(line, "\n")] = '\0';
		snprintf(expects[n++], sizeof(expects[0]), "%s", line + strlen(EXPECT_TAG));
	}
	fclose(f);
	return n;
}

ParameterizedTestParameters(topo_corpus, bad)
{
	struct corpus_file *files;
	size_t n = corpus_list(CORPUS "/bad", &files);

	return cr_make_param_array(struct corpus_file, files, n, corpus_free);
}

ParameterizedTest(struct corpus_file *f, topo_corpus, bad)
{
	char expects[EXPECT_MAX][512], want[1024];
	struct topo_errors e = { 0 };
	struct topo *t;
	size_t n, i;

	n = read_expects(f->path, expects);
	cr_assert(gt(sz, n, 0), "%s: no \"" EXPECT_TAG "\" line at the top", f->path);
	cr_assert(eq(int, topo_load(f->path, &t, &e), -EINVAL), "%s", f->path);
	cr_assert(eq(ptr, t, NULL));
	cr_assert(eq(sz, e.n, n), "%s: %zu errors expected, got:%s", f->path, n, joined(&e));
	for (i = 0; i < n; i++) {
		snprintf(want, sizeof(want), "%s:%s", f->path, expects[i]);
		cr_assert(eq(int, strncmp(e.msgs[i], want, strlen(want)), 0),
			  "expected\n  %s\ngot\n  %s", want, e.msgs[i]);
	}
	topo_errors_free(&e);
}

ParameterizedTestParameters(topo_corpus, good)
{
	struct corpus_file *files;
	size_t n = corpus_list(CORPUS "/good", &files);

	return cr_make_param_array(struct corpus_file, files, n, corpus_free);
}

ParameterizedTest(struct corpus_file *f, topo_corpus, good)
{
	topo_free(load_ok(f->path));
}

static size_t corpus_count(const char *dir)
{
	char pattern[256];
	size_t n = 0;
	glob_t g;

	snprintf(pattern, sizeof(pattern), "%s/*.yaml", dir);
	if (!glob(pattern, 0, NULL, &g))
		n = g.gl_pathc;
	globfree(&g);
	return n;
}

Test(topo_corpus, is_there)
{
	cr_assert(ge(sz, corpus_count(CORPUS "/bad"), 60),
		  "bad files missing under " CORPUS "/bad: run from the repo root");
	cr_assert(ge(sz, corpus_count(CORPUS "/good"), 10),
		  "good files missing under " CORPUS "/good");
}

/* ---- the good files, field by field ---- */

Test(topo_good, seed_lab)
{
	struct topo *t = load_ok("labs/planets.yaml");

	cr_assert(eq(str, t->name, "planets"));
	cr_assert(eq(sz, t->n_nodes, 2));
	cr_assert(eq(u32, node(t, "neptune")->ip, ip("10.10.0.2")));
	topo_free(t);
}

Test(topo_good, planets)
{
	struct topo *t = load_ok(CORPUS "/good/planets.yaml");
	const struct topo_network *planet = net(t, "planet"), *back = net(t, "backstage");
	struct topo_node *earth = node(t, "earth");
	const struct topo_forward *f = t->forwards;

	cr_assert(eq(str, t->path, CORPUS "/good/planets.yaml"));
	cr_assert(eq(str, t->uplink, "eth0"));
	cr_assert(eq(sz, t->n_networks, 2));
	cr_assert(eq(u32, planet->subnet, ip("10.10.0.0")));
	cr_assert(eq(u8, planet->prefix, 16));
	cr_assert(eq(u32, planet->gateway, ip("10.10.0.1")));
	cr_assert(planet->masquerade);
	cr_assert(not(back->masquerade));
	cr_assert(eq(u32, back->gateway, ip("10.20.0.1")));
	cr_assert(eq(u64, planet->reach, 0x3));
	cr_assert(eq(u64, back->reach, 0x3), "reach is symmetric");
	cr_assert(eq(int, planet->mark.line, 6));
	cr_assert(eq(int, planet->mark.col, 3));

	cr_assert(eq(sz, t->n_nodes, 3));
	cr_assert(eq(u32, earth->ip, ip("10.10.0.10")));
	cr_assert(eq(int, earth->network, 0));
	cr_assert(eq(sz, earth->n_exec, 1));
	cr_assert(eq(str, earth->exec[0], "sysctl -w net.ipv4.ping_group_range=\"0 2147483647\""));
	cr_assert(eq(str, earth->netns, "planets-earth"));
	cr_assert(eq(str, earth->hostif, "planets-earth"));
	cr_assert(eq(u32, node(t, "neptune")->ip, ip("10.10.0.2")));
	cr_assert(eq(u32, node(t, "mars")->ip, ip("10.20.0.2")));
	cr_assert(eq(int, node(t, "mars")->network, 1));
	cr_assert(eq(sz, node(t, "mars")->n_exec, 0));

	cr_assert(eq(sz, t->n_forwards, 3));
	cr_assert(eq(u8, f[0].proto, IPPROTO_TCP));
	cr_assert(eq(u16, f[0].port, 6000));
	cr_assert(eq(u16, f[0].port_end, 6000));
	cr_assert(eq(int, f[0].node, 0));
	cr_assert(eq(u16, f[0].to_port, 8080));
	cr_assert(eq(u16, f[0].to_port_end, 8080));
	cr_assert(eq(u32, f[0].host_ip, 0));
	cr_assert(eq(u8, f[1].proto, IPPROTO_UDP));
	cr_assert(eq(u16, f[1].port, 5353));
	cr_assert(eq(u16, f[1].port_end, 5354));
	cr_assert(eq(int, f[1].node, 1));
	cr_assert(eq(u16, f[1].to_port, 53));
	cr_assert(eq(u16, f[1].to_port_end, 54));
	cr_assert(eq(u32, f[2].host_ip, ip("127.0.0.1")));
	cr_assert(eq(int, f[2].mark.line, 26));
	cr_assert(eq(int, f[2].mark.col, 5));
	topo_free(t);
}

Test(topo_good, minimal_defaults)
{
	struct topo *t = load_ok(CORPUS "/good/minimal.yaml");

	cr_assert(eq(str, t->uplink, ""));
	cr_assert(eq(u32, t->networks[0].gateway, ip("192.168.7.1")), "subnet + 1");
	cr_assert(not(t->networks[0].masquerade));
	cr_assert(eq(u64, t->networks[0].reach, 1), "only itself");
	cr_assert(eq(u32, t->nodes[0].ip, ip("192.168.7.2")));
	cr_assert(eq(ptr, t->nodes[0].exec, NULL));
	cr_assert(eq(str, t->nodes[0].hostif, "min-a"));
	cr_assert(eq(sz, t->n_forwards, 0));
	topo_free(t);
}

Test(topo_good, next_free_address)
{
	struct topo *t = load_ok(CORPUS "/good/defaults.yaml");

	cr_assert(eq(u32, t->networks[0].gateway, ip("10.1.0.3")));
	cr_assert(eq(u32, node(t, "a")->ip, ip("10.1.0.1")));
	cr_assert(eq(u32, node(t, "b")->ip, ip("10.1.0.2")));
	cr_assert(eq(u32, node(t, "c")->ip, ip("10.1.0.4")), "steps over the gateway");
	cr_assert(eq(u32, node(t, "d")->ip, ip("10.1.0.6")), "steps over e's, given later");
	cr_assert(eq(u32, node(t, "e")->ip, ip("10.1.0.5")));
	topo_free(t);
}

Test(topo_good, reach_is_symmetric)
{
	struct topo *t = load_ok(CORPUS "/good/reach.yaml");

	cr_assert(eq(u64, net(t, "a")->reach, 0x1 | 0x2 | 0x8));
	cr_assert(eq(u64, net(t, "b")->reach, 0x2 | 0x1));
	cr_assert(eq(u64, net(t, "c")->reach, 0x4));
	cr_assert(eq(u64, net(t, "d")->reach, 0x8 | 0x1));
	topo_free(t);
}

Test(topo_good, flow_style)
{
	struct topo *t = load_ok(CORPUS "/good/flow-style.yaml");
	struct topo_node *x = node(t, "x");

	cr_assert(eq(u32, t->networks[0].subnet, ip("172.16.0.0")));
	cr_assert(eq(u8, t->networks[0].prefix, 12));
	cr_assert(eq(u32, x->ip, ip("172.16.0.2")));
	cr_assert(eq(sz, x->n_exec, 2));
	cr_assert(eq(str, x->exec[1], "echo 'a: b'"));
	cr_assert(eq(u16, t->forwards[0].port, 53));
	cr_assert(eq(u16, t->forwards[0].to_port, 5353));
	topo_free(t);
}

Test(topo_good, anchors)
{
	struct topo *t = load_ok(CORPUS "/good/anchors.yaml");

	cr_assert(eq(int, node(t, "b")->network, 0));
	cr_assert(eq(sz, node(t, "b")->n_exec, 2));
	cr_assert(eq(str, node(t, "b")->exec[0], "ip link set lo up"));
	cr_assert(eq(u32, node(t, "b")->ip, ip("10.9.0.3")));
	topo_free(t);
}

Test(topo_good, forwards_that_do_not_clash)
{
	struct topo *t = load_ok(CORPUS "/good/forwards.yaml");

	cr_assert(eq(sz, t->n_forwards, 7));
	cr_assert(eq(u32, t->forwards[3].host_ip, ip("192.0.2.1")));
	cr_assert(eq(u16, t->forwards[4].port_end, 1009));
	cr_assert(eq(u16, t->forwards[4].to_port_end, 2009));
	cr_assert(eq(int, t->forwards[5].node, 1));
	cr_assert(eq(u16, t->forwards[6].port, 65535));
	cr_assert(eq(u16, t->nat.port_min, 40000), "nat: ports: moves the SNAT range");
	cr_assert(eq(u16, t->nat.port_max, 40999));
	cr_assert(eq(u32, t->nat.conntrack, 4096));
	topo_free(t);
}

Test(topo_good, nat_defaults_resolved_at_load)
{
	struct topo *t = load_ok("labs/planets.yaml");
	static const struct topo_timeouts none;

	cr_assert(eq(u16, t->nat.port_min, NSB_SNAT_PORT_MIN), "the default, filled in once");
	cr_assert(eq(u16, t->nat.port_max, NSB_SNAT_PORT_MAX));
	cr_assert(eq(u32, t->nat.conntrack, NSB_CT_DEFAULT_SIZE));
	cr_assert(eq(int, memcmp(&t->nat.timeouts, &none, sizeof(none)), 0),
		  "no timeouts: the datapath's defaults");
	topo_free(t);
}

Test(topo_good, nat_timeouts)
{
	struct topo *t = load_ok(CORPUS "/good/nat-timeouts.yaml");
	const struct topo_timeouts *tm = &t->nat.timeouts;

	cr_assert(eq(u32, tm->tcp_syn, 240));
	cr_assert(eq(u32, tm->tcp_est, 7440));
	cr_assert(eq(u32, tm->tcp_closing, 240));
	cr_assert(eq(u32, tm->tcp_closed, 120));
	cr_assert(eq(u32, tm->udp_new, 30));
	cr_assert(eq(u32, tm->udp, 131415));
	cr_assert(eq(u32, tm->icmp, 1), "below the RFC minimums is the user's choice");
	topo_free(t);
}

Test(topo_buf, nat_timeouts_some_keys_and_empty)
{
	static const char y[] = "name: x\nnetworks: {n: {subnet: 10.0.0.0/24}}\n"
				"nodes: {a: {network: n}}\nnat: {timeouts: {udp: 5m, icmp: }}\n";
	static const char empty[] = "name: x\nnetworks: {n: {subnet: 10.0.0.0/24}}\n"
				    "nodes: {a: {network: n}}\nnat: {timeouts: }\n";
	static const char scalar[] = "name: x\nnetworks: {n: {subnet: 10.0.0.0/24}}\n"
				     "nodes: {a: {network: n}}\nnat: {timeouts: 5m}\n";
	struct topo_errors e = { 0 };
	struct topo *t;

	cr_assert(eq(int, load_str(y, &t, &e), 0), "%s", joined(&e));
	cr_assert(eq(u32, t->nat.timeouts.udp, 300));
	cr_assert(eq(u32, t->nat.timeouts.icmp, 0), "empty: the default");
	cr_assert(eq(u32, t->nat.timeouts.tcp_est, 0));
	topo_free(t);
	cr_assert(eq(int, load_str(empty, &t, &e), 0), "%s", joined(&e));
	topo_free(t);
	cr_assert(eq(int, load_str(scalar, &t, &e), -EINVAL));
	cr_assert(eq(sz, e.n, 1), "%s", joined(&e));
	cr_assert(eq(str, e.msgs[0],
		     "inline.yaml:4:17: nat: timeouts: expected a mapping of "
		     "timeouts (tcp_syn: 4m, ...), got a scalar"));
	topo_errors_free(&e);
}

Test(topo_good, fifteen_characters_fit)
{
	struct topo *t = load_ok(CORPUS "/good/name-limit.yaml");

	cr_assert(eq(str, node(t, "neptune")->hostif, "planets-neptune"));
	cr_assert(eq(str, node(t, "neptune")->netns, "planets-neptune"));
	cr_assert(eq(str, node(t, "1")->hostif, "planets-1"));
	topo_free(t);
}

Test(topo_good, smallest_and_largest_subnets)
{
	struct topo *t = load_ok(CORPUS "/good/slash30.yaml");

	cr_assert(eq(u32, net(t, "p2p")->gateway, ip("10.255.255.253")));
	cr_assert(eq(u32, node(t, "only")->ip, ip("10.255.255.254")));
	cr_assert(eq(u8, net(t, "half")->prefix, 2));
	cr_assert(eq(u32, node(t, "big")->ip, ip("128.0.0.2")));
	topo_free(t);
}

Test(topo_good, empty_optional_keys)
{
	struct topo *t = load_ok(CORPUS "/good/nulls.yaml");

	cr_assert(eq(str, t->uplink, ""));
	cr_assert(eq(u32, t->networks[0].gateway, ip("10.3.0.1")));
	cr_assert(not(t->networks[0].masquerade));
	cr_assert(eq(u32, t->nodes[0].ip, ip("10.3.0.2")));
	cr_assert(eq(sz, t->nodes[0].n_exec, 0));
	cr_assert(eq(sz, t->n_forwards, 0));
	topo_free(t);
}

Test(topo_good, sixty_four_networks)
{
	struct topo *t = load_ok(CORPUS "/good/networks-64.yaml");

	cr_assert(eq(sz, t->n_networks, 64));
	cr_assert(eq(u64, t->networks[0].reach, 1ULL | 2ULL | 1ULL << 63));
	cr_assert(eq(u64, t->networks[63].reach, 1ULL << 63 | 1ULL << 62 | 1ULL));
	cr_assert(eq(int, node(t, "b")->network, 63));
	topo_free(t);
}
