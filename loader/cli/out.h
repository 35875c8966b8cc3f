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

#define OUT_MAX_DEPTH	16

struct out {
	FILE *f;
	bool json;
	int depth;
	bool need_comma[OUT_MAX_DEPTH];
};

void out_begin(struct out *o, FILE *f, bool json);
void out_end(struct out *o);	/* newline after the JSON document */

/* key is NULL inside arrays and at top level. */
void out_obj_open(struct out *o, const char *key);
void out_obj_close(struct out *o);
void out_arr_open(struct out *o, const char *key);
void out_arr_close(struct out *o);
void out_str(struct out *o, const char *key, const char *val);	/* NULL -> null */
void out_u64(struct out *o, const char *key, uint64_t val);
void out_bool(struct out *o, const char *key, bool val);

/* Text tables: cells are copied; columns are aligned at print time. */
struct table {
	int ncols;
	int nrows;
	char **cells;		/* nrows * ncols */
};

void table_init(struct table *t, int ncols, ...);	/* header cells */
void table_row(struct table *t, ...);			/* ncols cells, NULL -> "-" */
void table_print(const struct table *t, FILE *f);
void table_free(struct table *t);

/* "aa:bb:cc:dd:ee:ff" */
void fmt_mac(const unsigned char mac[6], char buf[18]);

#endif /* NSBPF_OUT_H */
