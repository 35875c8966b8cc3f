// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What ships beside the binary, checked by the scripts in tests/docs/ (run
 * from the repository root): the man pages render without a warning, the
 * bash completion completes, make install/uninstall put and remove exactly
 * their files, the topology JSON Schema agrees with the corpus. A script
 * exits 77 when a tool it needs is missing: the test is skipped then.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

/* Run a script, its output into a log shown only when it fails. */
static void script(const char *cmd)
{
	char log[] = "/tmp/nsbpf-docs-XXXXXX", line[512], full[1024];
	int fd = mkstemp(log), st;
	FILE *f;

	cr_assert(fd >= 0);
	snprintf(full, sizeof(full), "%s >%s 2>&1", cmd, log);
	st = system(full);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 77) {
		remove(log);
		cr_skip_test("%s: a tool is missing", cmd);
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		f = fopen(log, "r");
		while (f && fgets(line, sizeof(line), f))
			cr_log_error("%s", line);
		if (f)
			fclose(f);
	}
	remove(log);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s failed (exit %d)", cmd,
		  WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

Test(docs, man_pages_render_without_warnings)
{
	script("tests/docs/man.sh");
}

Test(docs, bash_completion_completes_commands_options_files)
{
	script("tests/docs/completion.sh");
}

Test(docs, install_and_uninstall_into_destdir)
{
	script("tests/docs/install.sh");
}

Test(docs, topology_schema_agrees_with_the_corpus)
{
	script("/usr/bin/python3 tests/docs/schema.py");
}
