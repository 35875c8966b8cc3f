/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Output: a small streaming JSON writer for --json, and aligned text
 * tables for terminals. Commands build one from the same data.
 */
#ifndef NSBPF_OUT_H
#define NSBPF_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define OUT_MAX_DEPTH 16
#define OUT_MAX_CELLS 16

struct table;

struct out {
	FILE *f;
	bool json;
	int depth;
	bool need_comma[OUT_MAX_DEPTH];
	/* Text with a table: print_* text goes into cells of its rows. */
	struct table *tb;
	char *cells[OUT_MAX_CELLS];
	int ncells;
	char cell[256];
};

void out_begin(struct out *o, FILE *f, bool json);
void out_end(struct out *o); /* newline after the JSON document */
/* JSON documents out_end() finished on stdout in this run (cli_finish() adds none after one). */
extern unsigned int out_stdout_docs;

/* key is NULL inside arrays and at top level. */
void out_obj_open(struct out *o, const char *key);
void out_obj_close(struct out *o);
void out_arr_open(struct out *o, const char *key);
void out_arr_close(struct out *o);
void out_str(struct out *o, const char *key, const char *val); /* NULL -> null */
void out_u64(struct out *o, const char *key, uint64_t val);
void out_bool(struct out *o, const char *key, bool val);

/*
 * One call for both outputs, as iproute2's print_* family: under --json the
 * member key (NULL inside arrays), else fmt as text with the value (fmt
 * NULL: nothing in text). Commands then have no `if (json)` forks.
 */
void print_string(struct out *o, const char *key, const char *fmt, const char *val);
void print_uint(struct out *o, const char *key, const char *fmt, unsigned int val);
void print_u64(struct out *o, const char *key, const char *fmt, uint64_t val); /* fmt: %llu */
/* JSON true/false; text: fmt (no conversion) when val is true. */
void print_bool(struct out *o, const char *key, const char *fmt, bool val);
/* JSON null; text: fmt with text ("(none)"). */
void print_null(struct out *o, const char *key, const char *fmt, const char *text);
/* Text only (a separator, a newline); nothing under --json. */
void print_text(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* JSON only: objects and arrays have no text of their own. */
void print_open_object(struct out *o, const char *key);
void print_close_object(struct out *o);
void print_open_array(struct out *o, const char *key);
void print_close_array(struct out *o);

/*
 * Rows of a text table that are objects under --json: print_table() sends
 * the text of print_* into tb, print_cell() ends a cell, print_row_close()
 * adds the row; print_table_end() prints the aligned table, or empty
 * instead when it has no row (NULL: the header alone). Under --json only
 * the objects are written.
 */
void print_table(struct out *o, struct table *tb);
void print_row_open(struct out *o, const char *key);
void print_cell(struct out *o);
void print_row_close(struct out *o);
/* Text: the row so far is done, the next starts (rows nested in one JSON object). */
void print_row_next(struct out *o);
void print_table_end(struct out *o, const char *empty);

/* Text tables: cells are copied; columns are aligned at print time. */
struct table {
	int ncols;
	int nrows;
	char **cells; /* nrows * ncols */
};

void table_init(struct table *t, int ncols, ...); /* header cells */
void table_row(struct table *t, ...);		  /* ncols cells, NULL -> "-" */
void table_print(const struct table *t, FILE *f);
void table_free(struct table *t);

#endif /* NSBPF_OUT_H */
