// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * One JSON contract: every command under -j prints exactly one document,
 * shaped as docs/json.md says (valid and error cases); exec passes -j to
 * the command; progress stays off stderr without a terminal.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "harness.h"

TestSuite(json, .init = harness_enter, .fini = harness_leave, .timeout = 240);

static const char jl[] = "name: jl\n"
			 "networks:\n"
			 "  net:\n"
			 "    subnet: 10.78.0.0/24\n"
			 "    masquerade: true\n"
			 "nodes:\n"
			 "  a: {network: net, ip: 10.78.0.10}\n"
			 "  b: {network: net, exec: [\"true\"]}\n"
			 "forwards:\n"
			 "  - {proto: tcp, port: 6100, to: a:80}\n";

/* Three problems in one file: one document with the three, each at its place. */
static const char bad[] = "name: jl\n"
			  "networks:\n"
			  "  net: {subnte: 10.78.0.0/24}\n"
			  "nodes:\n"
			  "  a: {network: nett}\n"
			  "  b: {netwrk: net}\n";

Test(json, errors_are_one_document_with_every_problem_at_its_place)
{
	const char *f = lab_file("bad", bad);

	nsbpf_doc(2, "error", ".errors | length == 3", "up %s", f);
	nsbpf_doc(2, "error", ".errors | length == 3", "graph %s", f);
	nsbpf_doc(2, "error",
		  ".error == .errors[0] and .errors[1].line == 5 and .errors[1].col == 16 and "
		  "(.errors[1].message | test(\"did you mean \\\"net\\\"\")) and "
		  "(.errors | all(.file | endswith(\"bad.yaml\")))",
		  "up --dry-run %s", f);
	nsbpf_doc(2, "error", ".error.message | test(\"did you mean \\\"status\\\"\")", "statsu");
	nsbpf_doc(2, "error", ".error.file == null and .error.line == null", "down Bad_Name");
	nsbpf_doc(1, "error", ".error.message == \"lab nolab is not up\"", "status nolab");
	nsbpf_doc(1, "error", NULL, "exec nolab a true");
	nsbpf_doc(2, "error", ".error.message | test(\"usage\")", "forward add jl tcp");
	nsbpf_doc(2, "error", ".error.message | test(\"usage\")", "nat on jl");
	nsbpf_doc(2, "error", ".error.message | test(\"unknown option --bogus\")",
		  "status --bogus");
	nsbpf_doc(2, "error", ".error.message | test(\"did you mean \\\"list\\\"\")",
		  "nat lsit jl");
	nsbpf_doc(1, "error", ".error.message == \"lab x is not up\"", "status -- x");
	nsbpf_doc(0, "version", NULL, "version");
	nsbpf_doc(0, "status", ".labs == []", "status");
	nsbpf_doc(0, "forward list", ".labs == []", "forward list");
}

/* up, re-up, dry run, status, stats, nat, forwards, down: each one document. */
Test(json, every_command_prints_its_documented_shape)
{
	const char *f;
	char batch[256];

	world_up();
	f = strdup(lab_file("jl", jl));
	nsbpf_doc(0, "up", ".result == \"planned\" and .dry_run and (.forwards | length == 1)",
		  "up --dry-run %s", f);
	nsbpf_doc(0, "up",
		  ".result == \"created\" and (.dry_run | not) and .uplink == \"up0\" and "
		  "(.attach | type == \"string\") and (.nodes | map(.exec) == [0, 1])",
		  "up %s", f);
	nsbpf_doc(0, "up", ".result == \"replaced\"", "up %s", f);
	nsbpf_doc(0, "status", ".labs[0].name == \"jl\" and (.labs[0].forwards | length == 1)",
		  "status");
	nsbpf_doc(0, "status", ".labs | length == 1", "status jl");
	cr_assert_eq(in_ns("jl-a", "ping -c1 -W2 192.0.2.2"), 0, "a masqueraded flow");
	nsbpf_doc(0, "stats", ".paths | length > 0", "stats jl");
	nsbpf_doc(0, "map dump",
		  "(.maps | length > 10) and (.maps[] | select(.name == \"ct\") | "
		  ".entries[0].value.state == \"established\")",
		  "map dump jl");
	nsbpf_doc(0, "map dump", "[.maps[].name] == [\"networks\"]", "map dump jl networks");
	nsbpf_doc(0, "map list", ".maps | length > 10", "map list");
	nsbpf_doc(2, "error", ".error.message | test(\"no map\")", "map dump jl nope");
	nsbpf_doc(0, "graph", ".source == \"file\" and .format == \"dot\"", "graph --format=dot %s",
		  f);
	nsbpf_doc(0, "graph", ".source == \"lab\" and (.graph | test(\"flowchart\"))", "graph jl");
	nsbpf_doc(0, "nat list", ".flows[0].kind == \"masquerade\"", "nat list jl");
	nsbpf_doc(0, "nat flush", ".flushed >= 1", "nat flush jl");
	nsbpf_doc(0, "nat on", ".masquerade == false and .network == \"net\" and .changed",
		  "nat off jl net");
	nsbpf_doc(0, "nat on", ".masquerade == false and (.changed | not)", "nat off jl net");
	nsbpf_doc(0, "nat on", ".masquerade == true and .changed", "nat on jl net");
	nsbpf_doc(2, "error", ".error.message | test(\"did you mean \\\"net\\\"\")",
		  "nat on jl nett");

	nsbpf_doc(0, "forward add",
		  ".action == \"add\" and .count == 1 and .forwards[0].port == 6200",
		  "forward add jl tcp 6200 a:80");
	snprintf(batch, sizeof(batch), "%s/fw", scratch_dir());
	cr_assert_eq(run("printf 'tcp 6300 a:80\\nudp 6301 b:53\\n' >%s", batch), 0);
	nsbpf_doc(0, "forward add", ".count == 2 and (.forwards | length == 2)",
		  "forward add jl --file=%s", batch);
	nsbpf_doc(0, "forward list", ".labs[0].forwards | length == 4", "forward list jl");
	nsbpf_doc(0, "forward add", ".action == \"del\" and .forwards[0].node == null",
		  "forward del jl tcp 6200");
	nsbpf_doc(0, "forward add", ".action == \"del\" and .count == 2", "forward del jl -f %s",
		  batch);
	/* a batch with two bad lines: both, by line, in one document; nothing changed */
	cr_assert_eq(run("printf 'tcp 6400 a:80\\nsctp 1 a:1\\ntcp 70000 a:80\\n' >%s", batch), 0);
	nsbpf_doc(2, "error", "[.errors[].line] == [2, 3] and (.errors[0].col == null)",
		  "forward add jl --file %s", batch);
	nsbpf_doc(0, "forward list", ".labs[0].forwards | length == 1", "forward list");

	nsbpf_doc(0, "down",
		  ".labs[0] | .name == \"jl\" and .was_up and .removed_all and "
		  ".removed.namespaces == 2",
		  "down jl");
	cr_assert(lab_gone("jl"));
	nsbpf_doc(0, "down", ".labs[0].was_up == false", "down -- jl");
	free((void *)f);
}

/* An interrupted up leaves a lab without its lab file: status says so, in the document. */
Test(json, a_partly_up_lab_is_named_in_the_document)
{
	cr_assert_eq(run("mkdir -p -m 0700 /run/nsbpf/half"), 0);
	nsbpf_doc(0, "status",
		  ".labs == [{\"name\": \"half\", \"partial\": true, "
		  "\"message\": \"partly up (interrupted?): \\\"nsbpf down half\\\" "
		  "cleans it up\"}]",
		  "status");
	nsbpf_doc(1, "status", ".labs[0].partial and (.errors | length == 1)", "status half");
	nsbpf_doc(1, "error", ".error.message | test(\"did you mean \\\"half\\\"\")",
		  "status hals");
	nsbpf_doc(0, "down", ".labs[0].was_up", "down half");
}

/* exec: -j after NODE is the command's; ours before it changes nothing in its output. */
Test(json, exec_passes_options_to_the_command_untouched)
{
	char *out = NULL;

	lab_up_ok("jl", jl);
	cr_assert_eq(nsbpf_out(&out, "-j exec jl a echo -j --json=x"), 0);
	cr_assert_str_eq(out, "-j --json=x\n");
	free(out);
	cr_assert_eq(nsbpf_out(&out, "exec -j jl b -- echo -- -j"), 0);
	cr_assert_str_eq(out, "-- -j\n");
	free(out);
	nsbpf_doc(2, "error",
		  ".error.message == \"lab jl has no node \\\"aa\\\" (did you mean \\\"a\\\"?)\"",
		  "exec jl aa true");
	lab_down_ok("jl");
}

/* 51 nodes: over the line where up and down show progress on a terminal. */
static const char *big_lab(void)
{
	static char yaml[4096];
	size_t off =
		(size_t)snprintf(yaml, sizeof(yaml),
				 "name: big\nnetworks:\n  net: {subnet: 10.79.0.0/24}\nnodes:\n");

	for (int i = 0; i < 51; i++)
		off += (size_t)snprintf(yaml + off, sizeof(yaml) - off, "  n%d: {network: net}\n",
					i);
	return lab_file("big", yaml);
}

/* `script` gives nsbpf a terminal: what it wrote there, into *out. */
static int PRINTF(2, 3) on_tty(char **out, const char *fmt, ...)
{
	char args[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	return run_out(out, "script -qec '%s %s' /dev/null </dev/null", nsbpf(), args);
}

Test(json, progress_shows_on_a_terminal_only_and_never_under_json)
{
	const char *f = strdup(big_lab());
	char *out = NULL;

	cr_assert_eq(nsbpf_out(&out, "up %s 2>&1 >/dev/null", f), 0);
	cr_assert_str_empty(out, "no terminal: nothing on stderr");
	free(out);
	cr_assert_eq(on_tty(&out, "down big"), 0);
	cr_assert(strstr(out, "\rremoving namespaces 51/51"), "a terminal: progress: %s", out);
	free(out);
	cr_assert_eq(on_tty(&out, "-j up %s", f), 0);
	cr_assert(!strstr(out, "creating nodes") && out[0] == '{', "-j: no progress: %s", out);
	free(out);
	cr_assert_eq(nsbpf_out(&out, "down big 2>&1 >/dev/null"), 0);
	cr_assert_str_empty(out, "no terminal: nothing on stderr");
	free(out);
	cr_assert(lab_gone("big"));
	free((void *)f);
}
