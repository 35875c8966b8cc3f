// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The diff a converge applies (topo/topo_diff.h): its lines as `up
 * --dry-run` prints them, and what it recreates: a changed node whole, the
 * links, routes and forwards that touch it; nothing of an unchanged node.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo/topo.h"
#include "topo/topo_diff.h"

static struct topo *load(const char *yaml)
{
	struct topo_errors e = { 0 };
	struct topo *t = NULL;
	int err = topo_load_buf("inline.yaml", yaml, strlen(yaml), &t, &e);

	cr_assert_eq(err, 0, "%d: %s", err, e.n ? e.msgs[0] : "");
	topo_errors_free(&e);
	return t;
}

/* The diff's lines as the text prints them, one per line. */
static char *lines(const struct topo_diff *d)
{
	char *buf = calloc(1, 8192);
	size_t n = 0;

	for (size_t i = 0; i < d->n; i++) {
		const struct topo_diff_line *l = &d->lines[i];

		n += (size_t)snprintf(buf + n, 8192 - n, "%c %s %s%s%s\n", l->op,
				      topo_diff_kind_name(l->kind), l->name,
				      l->detail[0] ? ": " : "", l->detail);
	}
	return buf;
}

static const char base[] = "name: d\n"
			   "networks:\n"
			   "  core: {subnet: 10.81.0.0/24, routes: [{to: 10.81.9.0/24, via: r1}]}\n"
			   "  side: {subnet: 10.82.0.0/24}\n"
			   "nodes:\n"
			   "  h1: {network: core, ip: 10.81.0.5}\n"
			   "  h2: {network: core}\n"
			   "  r1: {network: core, ip: 10.81.0.2, forwarding: true}\n"
			   "  m:\n"
			   "    interfaces: [{network: core}, {network: side, ip: 10.82.0.7}]\n"
			   "  h9: {routes: [{to: default, via: 10.81.9.1}]}\n"
			   "links:\n"
			   "  - {endpoints: [r1, h9], subnet: 10.81.9.0/30}\n"
			   "forwards:\n"
			   "  - {proto: tcp, port: 8443, to: h1:443}\n"
			   "  - {proto: udp, port: 5000-5001, to: h2:53-54}\n";

Test(topo_diff, the_same_file_changes_nothing)
{
	struct topo *a = load(base), *b = load(base);
	struct topo_diff d;

	cr_assert_eq(topo_diff(a, b, &d), 0);
	cr_assert_eq(d.n, 0);
	for (size_t i = 0; i < a->n_nodes; i++)
		cr_assert(!d.del_node[i] && !d.new_node[i], "node %zu kept", i);
	cr_assert(!d.del_link[0] && !d.new_link[0] && !d.del_route[0] && !d.new_route[0]);
	cr_assert(!d.del_fwd[0] && !d.new_fwd[1]);
	topo_diff_free(&d);
	topo_free(a);
	topo_free(b);
}

Test(topo_diff, an_address_recreates_that_node_only)
{
	char *yaml = strdup(base), *p = strstr(yaml, "10.81.0.5");
	struct topo *a = load(base), *b;
	struct topo_diff d;
	char *text;

	p[8] = '6';
	b = load(yaml);
	cr_assert_eq(topo_diff(a, b, &d), 0);
	text = lines(&d);
	cr_assert_str_eq(text, "~ node h1: ip 10.81.0.5 -> 10.81.0.6\n");
	cr_assert(d.del_node[0] && d.new_node[0]);
	for (size_t i = 1; i < a->n_nodes; i++)
		cr_assert(!d.del_node[i] && !d.new_node[i], "node %zu kept", i);
	cr_assert(!d.del_link[0] && !d.new_link[0], "its node's link is not h1's");
	cr_assert(!d.del_fwd[0] && !d.new_fwd[0], "the forward follows it by name");
	free(text);
	free(yaml);
	topo_diff_free(&d);
	topo_free(a);
	topo_free(b);
}

static const char other[] =
	"name: d\n"
	"networks:\n"
	"  core: {subnet: 10.81.0.0/24, masquerade: true,"
	" routes: [{to: 10.81.8.0/24, via: r1}]}\n"
	"  lab2: {subnet: 10.84.0.0/24}\n"
	"nodes:\n"
	"  h1: {network: core, ip: 10.81.0.5}\n"
	"  h2: {network: core}\n"
	"  r1: {network: core, ip: 10.81.0.2, forwarding: true, exec: [\"true\"]}\n"
	"  m:\n"
	"    interfaces: [{network: core}, {network: lab2, ip: 10.84.0.7}]\n"
	"  n2: {network: lab2}\n"
	"  h8: {routes: [{to: default, via: 10.81.8.1}]}\n"
	"links:\n"
	"  - {endpoints: [r1, h8], subnet: 10.81.8.0/30}\n"
	"forwards:\n"
	"  - {proto: tcp, port: 8444, to: h1:443}\n"
	"  - {proto: udp, port: 5000-5001, to: n2:53-54}\n";

Test(topo_diff, every_kind_in_order_and_what_goes_with_a_recreated_node)
{
	struct topo *a = load(base), *b = load(other);
	struct topo_diff d;
	char *text;

	cr_assert_eq(topo_diff(a, b, &d), 0);
	text = lines(&d);
	cr_assert_str_eq(text, "~ network core: masquerade false -> true\n"
			       "- network side\n"
			       "+ network lab2\n"
			       "~ node r1: exec\n"
			       "~ leg m eth1: network side -> lab2, ip 10.82.0.7 -> 10.84.0.7\n"
			       "- node h9\n"
			       "+ node n2\n"
			       "+ node h8\n"
			       "- link r1:eth1 - h9:eth0\n"
			       "+ link r1:eth1 - h8:eth0\n"
			       "- route 10.81.9.0/24\n"
			       "+ route 10.81.8.0/24: via r1 in core\n"
			       "- forward tcp 8443\n"
			       "~ forward udp 5000-5001: h2:53-54 -> n2:53-54\n"
			       "+ forward tcp 8444\n");
	/* h1 h2 kept; r1 (exec), m (a leg) and h9 (gone) go; r1 m n2 h8 come */
	cr_assert(!d.del_node[0] && !d.del_node[1] && d.del_node[2] && d.del_node[3] &&
		  d.del_node[4]);
	cr_assert(!d.new_node[0] && !d.new_node[1] && d.new_node[2] && d.new_node[3] &&
		  d.new_node[4] && d.new_node[5]);
	cr_assert(d.del_route[0] && d.new_route[0]);
	cr_assert(d.del_fwd[0] && d.del_fwd[1] && d.new_fwd[0] && d.new_fwd[1]);
	free(text);
	topo_diff_free(&d);
	topo_free(a);
	topo_free(b);
}

Test(topo_diff, a_rollback_plan_makes_again_what_the_converge_removed)
{
	struct topo *a = load(base), *b = load(other);
	struct topo_diff d, back;

	cr_assert_eq(topo_diff(a, b, &d), 0);
	cr_assert_eq(topo_diff_alloc(b, a, &back), 0);
	memcpy(back.del_node, d.new_node, b->n_nodes * sizeof(bool));
	memcpy(back.new_node, d.del_node, a->n_nodes * sizeof(bool));
	cr_assert_eq(topo_diff_plan(b, a, &back), 0);
	cr_assert_eq(back.n, 0, "a plan has no lines");
	cr_assert(back.del_link[0] && back.new_link[0], "r1's links: it is made again");
	cr_assert(back.del_route[0] && back.new_route[0]);
	cr_assert(back.del_fwd[0] && back.new_fwd[0]);
	topo_diff_free(&d);
	topo_diff_free(&back);
	topo_free(a);
	topo_free(b);
}

Test(topo_diff, a_remote_subnet_changes_its_network_and_recreates_nothing)
{
	static const char with_remote[] =
		"name: d\n"
		"networks:\n"
		"  core: {subnet: 10.88.0.0/24, remote: [{to: 10.89.0.0/24, via: 192.0.2.12}]}\n"
		"nodes:\n"
		"  h1: {network: core}\n";
	char *yaml = strdup(with_remote), *p = strstr(yaml, "192.0.2.12");
	struct topo *a = load(with_remote), *b;
	struct topo_diff d;
	char *text;

	p[9] = '3'; /* another next hop */
	b = load(yaml);
	cr_assert_eq(topo_diff(a, b, &d), 0);
	text = lines(&d);
	cr_assert_str_eq(text, "~ network core: remote\n");
	cr_assert(!d.del_node[0] && !d.new_node[0], "h1 kept");
	free(text);
	free(yaml);
	topo_diff_free(&d);
	topo_free(a);
	topo_free(b);
}
