// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Errors in words, gathered for cli/ to print. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/err.h"

int err_set(struct err_msg *m, int err, const char *fmt, ...)
{
	va_list ap;

	if (!m)
		return err;
	va_start(ap, fmt);
	vsnprintf(m->text, sizeof(m->text), fmt, ap);
	va_end(ap);
	return err;
}

int err_add(struct err_list *l, size_t index, bool bad_input, const char *fmt, ...)
{
	struct err_item *grown = realloc(l->v, sizeof(*grown) * (l->n + 1));
	va_list ap;
	int n;

	if (!grown)
		return -ENOMEM;
	l->v = grown;
	va_start(ap, fmt);
	n = vasprintf(&l->v[l->n].text, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	l->v[l->n].index = index;
	l->v[l->n].bad_input = bad_input;
	l->n++;
	return 0;
}

bool err_any_bad_input(const struct err_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].bad_input)
			return true;
	return false;
}

void err_list_free(struct err_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].text);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
