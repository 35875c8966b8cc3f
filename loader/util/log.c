// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Logging: our messages and libbpf's, one verbosity knob for both. */
#include <stdarg.h>
#include <stdio.h>

#include <bpf/libbpf.h>

#include "util/log.h"

int log_verbosity;

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	if ((int)lvl > log_verbosity)
		return;
	fputs("nsbpf: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

/* libbpf warnings show at -v, its info at -vv, its debug output at -vvv. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	int need = level == LIBBPF_WARN ? 1 : level == LIBBPF_INFO ? 2 : 3;

	if (log_verbosity < need)
		return 0;
	fputs("libbpf: ", stderr);
	return vfprintf(stderr, fmt, ap);
}

void log_setup_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}
