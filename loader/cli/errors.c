// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Errors of a run: on stderr as they come, and under --json kept for the
 * one document the run prints on stdout (docs/json.md), so that a failure
 * with many problems (a file's) is still one document.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/out.h"

struct cli_error {
	char *message;
	char *file; /* NULL: not about a file */
	int line;   /* 0: none */
	int col;    /* 0: none */
};

static struct {
	struct cli_error *v;
	size_t n;
} errs;

static void keep(const char *file, int line, int col, const char *msg)
{
	struct cli_error *v;

	if (!cli_opts.json)
		return;
	v = realloc(errs.v, (errs.n + 1) * sizeof(*v));
	if (!v)
		return; /* stderr has it */
	errs.v = v;
	v[errs.n++] = (struct cli_error){
		.message = strdup(msg), .file = file ? strdup(file) : NULL, .line = line, .col = col
	};
}

void cli_err(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	keep(NULL, 0, 0, buf);
	fprintf(stderr, "nsbpf: %s\n", buf);
}

void cli_err_at(const char *file, int line, int col, const char *fmt, ...)
{
	char buf[1024], pos[32] = "";
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	keep(file, line, col, buf);
	if (line > 0 && col > 0)
		snprintf(pos, sizeof(pos), ":%d:%d", line, col);
	else if (line > 0)
		snprintf(pos, sizeof(pos), ":%d", line);
	fprintf(stderr, "nsbpf: %s%s: %s\n", file, pos, buf);
}

/* ":LINE:COL: " at s: its length, the numbers in line and col; 0 if not. */
static size_t place_len(const char *s, int *line, int *col)
{
	const char *p = s;
	int *num[2] = { line, col };

	for (int i = 0; i < 2; i++) {
		if (*p++ != ':' || !isdigit((unsigned char)*p))
			return 0;
		*num[i] = (int)strtol(p, (char **)&p, 10);
	}
	return p[0] == ':' && p[1] == ' ' ? (size_t)(p + 2 - s) : 0;
}

void cli_err_placed(const char *msg)
{
	int line = 0, col = 0;
	size_t n;

	fprintf(stderr, "nsbpf: %s\n", msg);
	/* the first ":LINE:COL: " ends the path (paths with such a part are not ours) */
	for (const char *p = strchr(msg, ':'); p; p = strchr(p + 1, ':')) {
		n = place_len(p, &line, &col);
		if (n) {
			char *file = strndup(msg, (size_t)(p - msg));

			keep(file, line, col, p + n);
			free(file);
			return;
		}
	}
	keep(NULL, 0, 0, msg);
}

static void put_error(struct out *o, const char *key, const struct cli_error *e)
{
	out_obj_open(o, key);
	out_str(o, "message", e->message ? e->message : "out of memory");
	out_str(o, "file", e->file);
	if (e->line > 0)
		out_u64(o, "line", (uint64_t)e->line);
	else
		out_str(o, "line", NULL);
	if (e->col > 0)
		out_u64(o, "col", (uint64_t)e->col);
	else
		out_str(o, "col", NULL);
	out_obj_close(o);
}

static void put_errors(struct out *o)
{
	out_arr_open(o, "errors");
	for (size_t i = 0; i < errs.n; i++)
		put_error(o, NULL, &errs.v[i]);
	out_arr_close(o);
}

static void errs_free(void)
{
	for (size_t i = 0; i < errs.n; i++) {
		free(errs.v[i].message);
		free(errs.v[i].file);
	}
	free(errs.v);
	errs.v = NULL;
	errs.n = 0;
}

void cli_doc_end(struct out *o)
{
	if (o->json) {
		if (errs.n)
			put_errors(o);
		out_obj_close(o);
		errs_free();
	}
	out_end(o);
}

int cli_finish(int ret)
{
	char text[64];
	struct out o;

	/* after a document (or a stream's lines) the errors stay on stderr: one shape only */
	if (!cli_opts.json || out_stdout_docs || (!errs.n && !ret))
		return ret;
	if (!errs.n) { /* a failure that said nothing (a signal's default is death) */
		snprintf(text, sizeof(text), "failed (exit status %d)", ret);
		keep(NULL, 0, 0, text);
	}
	out_begin(&o, stdout, true);
	out_obj_open(&o, NULL);
	if (errs.n)
		put_error(&o, "error", &errs.v[0]);
	put_errors(&o);
	out_obj_close(&o);
	out_end(&o);
	errs_free();
	return ret;
}
