// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* JSON writer and aligned text tables. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli/out.h"

void out_begin(struct out *o, FILE *f, bool json)
{
	memset(o, 0, sizeof(*o));
	o->f = f;
	o->json = json;
}

unsigned int out_stdout_docs;

void out_end(struct out *o)
{
	if (o->json)
		fputc('\n', o->f);
	if (o->json && o->f == stdout)
		out_stdout_docs++;
	fflush(o->f);
}

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_key(struct out *o, const char *key)
{
	if (o->need_comma[o->depth])
		fputc(',', o->f);
	o->need_comma[o->depth] = true;
	if (key) {
		json_string(o->f, key);
		fputc(':', o->f);
	}
}

static void json_open(struct out *o, const char *key, char c)
{
	json_key(o, key);
	fputc(c, o->f);
	if (o->depth < OUT_MAX_DEPTH - 1)
		o->depth++;
	o->need_comma[o->depth] = false;
}

void out_obj_open(struct out *o, const char *key)
{
	json_open(o, key, '{');
}

void out_arr_open(struct out *o, const char *key)
{
	json_open(o, key, '[');
}

void out_obj_close(struct out *o)
{
	fputc('}', o->f);
	if (o->depth)
		o->depth--;
}

void out_arr_close(struct out *o)
{
	fputc(']', o->f);
	if (o->depth)
		o->depth--;
}

void out_str(struct out *o, const char *key, const char *val)
{
	json_key(o, key);
	if (val)
		json_string(o->f, val);
	else
		fputs("null", o->f);
}

void out_u64(struct out *o, const char *key, uint64_t val)
{
	json_key(o, key);
	fprintf(o->f, "%llu", (unsigned long long)val);
}

void out_bool(struct out *o, const char *key, bool val)
{
	json_key(o, key);
	fputs(val ? "true" : "false", o->f);
}

/* Text to the stream, or to the current cell of a table. */
static void text_vprintf(struct out *o, const char *fmt, va_list ap)
{
	size_t len = strlen(o->cell);

	if (!o->tb)
		vfprintf(o->f, fmt, ap);
	else if (len < sizeof(o->cell) - 1)
		vsnprintf(o->cell + len, sizeof(o->cell) - len, fmt, ap);
}

void print_text(struct out *o, const char *fmt, ...)
{
	va_list ap;

	if (o->json)
		return;
	va_start(ap, fmt);
	text_vprintf(o, fmt, ap);
	va_end(ap);
}

/* fmt comes from the command's own formats, never from input. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-security"
void print_string(struct out *o, const char *key, const char *fmt, const char *val)
{
	if (o->json)
		out_str(o, key, val);
	else if (fmt)
		print_text(o, fmt, val);
}

void print_uint(struct out *o, const char *key, const char *fmt, unsigned int val)
{
	if (o->json)
		out_u64(o, key, val);
	else if (fmt)
		print_text(o, fmt, val);
}

void print_u64(struct out *o, const char *key, const char *fmt, uint64_t val)
{
	if (o->json)
		out_u64(o, key, val);
	else if (fmt)
		print_text(o, fmt, (unsigned long long)val);
}

void print_null(struct out *o, const char *key, const char *fmt, const char *text)
{
	if (o->json)
		out_str(o, key, NULL);
	else if (fmt)
		print_text(o, fmt, text);
}

void print_bool(struct out *o, const char *key, const char *fmt, bool val)
{
	if (o->json)
		out_bool(o, key, val);
	else if (fmt && val)
		print_text(o, fmt);
}
#pragma GCC diagnostic pop

void print_open_object(struct out *o, const char *key)
{
	if (o->json)
		out_obj_open(o, key);
}

void print_close_object(struct out *o)
{
	if (o->json)
		out_obj_close(o);
}

void print_open_array(struct out *o, const char *key)
{
	if (o->json)
		out_arr_open(o, key);
}

void print_close_array(struct out *o)
{
	if (o->json)
		out_arr_close(o);
}

void print_table(struct out *o, struct table *tb)
{
	if (!o->json)
		o->tb = tb;
}

void print_row_open(struct out *o, const char *key)
{
	if (o->json)
		out_obj_open(o, key);
	o->ncells = 0;
	o->cell[0] = '\0';
}

void print_cell(struct out *o)
{
	if (o->json || !o->tb || o->ncells >= OUT_MAX_CELLS)
		return;
	o->cells[o->ncells++] = strdup(o->cell);
	o->cell[0] = '\0';
}

static void table_add_cells(struct table *t, char **cells, int n);

void print_row_close(struct out *o)
{
	if (o->json) {
		out_obj_close(o);
		return;
	}
	if (o->tb)
		table_add_cells(o->tb, o->cells, o->ncells);
	for (int i = 0; i < o->ncells; i++)
		free(o->cells[i]);
	o->ncells = 0;
}

void print_row_next(struct out *o)
{
	if (o->json)
		return;
	print_row_close(o);
	print_row_open(o, NULL);
}

void print_table_end(struct out *o, const char *empty)
{
	struct table *tb = o->tb;

	if (o->json || !tb)
		return;
	o->tb = NULL;
	if (tb->nrows > 1 || !empty)
		table_print(tb, o->f);
	else
		fputs(empty, o->f);
}

/* A row of ncols cells: missing or NULL cells print as "-". */
static void table_add_cells(struct table *t, char **cells, int n)
{
	t->cells = realloc(t->cells, sizeof(char *) * (size_t)(t->nrows + 1) * t->ncols);
	if (!t->cells)
		abort();
	for (int i = 0; i < t->ncols; i++)
		t->cells[t->nrows * t->ncols + i] = strdup(i < n && cells[i] ? cells[i] : "-");
	t->nrows++;
}

static void table_add(struct table *t, va_list ap)
{
	t->cells = realloc(t->cells, sizeof(char *) * (size_t)(t->nrows + 1) * t->ncols);
	if (!t->cells)
		abort();
	for (int i = 0; i < t->ncols; i++) {
		const char *s = va_arg(ap, const char *);

		t->cells[t->nrows * t->ncols + i] = strdup(s ? s : "-");
	}
	t->nrows++;
}

void table_init(struct table *t, int ncols, ...)
{
	va_list ap;

	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	va_start(ap, ncols);
	table_add(t, ap);
	va_end(ap);
}

void table_row(struct table *t, ...)
{
	va_list ap;

	va_start(ap, t);
	table_add(t, ap);
	va_end(ap);
}

void table_print(const struct table *t, FILE *f)
{
	int width[32] = { 0 };

	for (int r = 0; r < t->nrows; r++)
		for (int c = 0; c < t->ncols && c < 32; c++) {
			int w = (int)strlen(t->cells[r * t->ncols + c]);

			if (w > width[c])
				width[c] = w;
		}
	for (int r = 0; r < t->nrows; r++) {
		for (int c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * t->ncols + c];

			if (c == t->ncols - 1)
				fprintf(f, "%s\n", s);
			else
				fprintf(f, "%-*s  ", c < 32 ? width[c] : 0, s);
		}
	}
}

void table_free(struct table *t)
{
	for (int i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}
