/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * An IPv4 or IPv6 address and port for the bench tools (rr, cps): the
 * family is the address's, so one tool measures both (bench/ipv6.sh).
 */
#ifndef NSBPF_BENCH_SOCKADDR_H
#define NSBPF_BENCH_SOCKADDR_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

struct bench_addr {
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	};
	socklen_t len;
};

/* s: dotted quad or IPv6 (no brackets); 0, else -EINVAL. */
static inline int bench_addr_parse(const char *s, uint16_t port, struct bench_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a->in.sin_addr) == 1) {
		a->in.sin_family = AF_INET;
		a->in.sin_port = htons(port);
		a->len = sizeof(a->in);
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a->in6.sin6_addr) == 1) {
		a->in6.sin6_family = AF_INET6;
		a->in6.sin6_port = htons(port);
		a->len = sizeof(a->in6);
		return 0;
	}
	return -EINVAL;
}

#endif /* NSBPF_BENCH_SOCKADDR_H */
