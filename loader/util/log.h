/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Messages on stderr, prefixed "nsbpf:", filtered by -v. */
#ifndef NSBPF_LOG_H
#define NSBPF_LOG_H

enum log_level { LOG_WARN, LOG_INFO, LOG_DEBUG, LOG_LIBBPF_DEBUG };

extern int log_verbosity; /* 0 by default, +1 per -v */

void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_setup_libbpf(void); /* route libbpf's messages through us, one level quieter */

#define pr_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define pr_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif /* NSBPF_LOG_H */
