// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * rr: TCP request/response latency, one connection, one message in flight.
 *
 *   rr -s [-b ADDR] [-p PORT] [-z SIZE] [-T SECS]
 *	serve one connection: read SIZE bytes, send them back, until EOF.
 *   rr -c ADDR [-p PORT] [-z SIZE] [-n N] [-w WARMUP] [-T SECS] [-j]
 *	WARMUP round trips, then N timed ones (CLOCK_MONOTONIC around each
 *	write + read), stopping early at SECS; prints p50/p99/mean in us and
 *	the round trips per second over the timed ones' wall-clock span.
 *
 * Both ends set TCP_NODELAY. Both are bounded in time (-T, default 20 s for
 * the client, 60 s for the server), so a benchmark never hangs on them.
 * Exit: 0 ok, 1 failed, 2 usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sockaddr.h"

#define RR_MAX_SIZE 65536

struct rr_opts {
	bool server, json;
	const char *addr;
	uint16_t port;
	size_t size;
	long n, warmup;
	long secs;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int xfer_all(int fd, char *buf, size_t len, bool send)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n =
			send ? write(fd, buf + done, len - done) : read(fd, buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return done ? -EPIPE : 1; /* 1: clean EOF between messages */
		done += (size_t)n;
	}
	return 0;
}

static void nodelay(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static int serve(const struct rr_opts *o, char *buf)
{
	struct bench_addr sa;
	int one = 1, lfd, fd, err;

	if (bench_addr_parse(o->addr ? o->addr : "0.0.0.0", o->port, &sa)) {
		fprintf(stderr, "rr: bad address %s\n", o->addr);
		return 2;
	}
	lfd = socket(sa.sa.sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, &sa.sa, sa.len) || listen(lfd, 1)) {
		fprintf(stderr, "rr: listen on port %u: %s\n", o->port, strerror(errno));
		return 1;
	}
	fd = accept(lfd, NULL, NULL);
	close(lfd);
	if (fd < 0) {
		fprintf(stderr, "rr: accept: %s\n", strerror(errno));
		return 1;
	}
	nodelay(fd);
	for (;;) {
		err = xfer_all(fd, buf, o->size, false);
		if (err == 1)
			break;
		if (!err)
			err = xfer_all(fd, buf, o->size, true);
		if (err) {
			fprintf(stderr, "rr: serve: %s\n", strerror(-err));
			close(fd);
			return 1;
		}
	}
	close(fd);
	return 0;
}

/* The server may still be starting: retry for up to 3 s. */
static int connect_retry(const struct bench_addr *sa)
{
	struct timespec nap = { 0, 50 * 1000 * 1000 };

	for (int i = 0; i < 60; i++) {
		int fd = socket(sa->sa.sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0)
			return -errno;
		if (!connect(fd, &sa->sa, sa->len))
			return fd;
		close(fd);
		if (errno != ECONNREFUSED && errno != EINTR)
			return -errno;
		nanosleep(&nap, NULL);
	}
	return -ECONNREFUSED;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank: the smallest sample with at least p of them at or below it. */
static double pct_us(const uint64_t *v, long n, double p)
{
	long r = (long)(p * (double)n + 0.999999);

	if (r < 1)
		r = 1;
	if (r > n)
		r = n;
	return (double)v[r - 1] / 1000.0;
}

/* Transactions/s over the timed round trips' wall-clock time (gaps included). */
static void report(const struct rr_opts *o, uint64_t *lat, long done, uint64_t sum, uint64_t span)
{
	double tps = span ? (double)done / ((double)span / 1e9) : 0;

	qsort(lat, (size_t)done, sizeof(*lat), cmp_u64);
	if (o->json)
		printf("{\"n\": %ld, \"size\": %zu, \"p50_us\": %.2f, \"p99_us\": %.2f, "
		       "\"mean_us\": %.2f, \"min_us\": %.2f, \"max_us\": %.2f, \"tps\": %.1f, "
		       "\"complete\": %s}\n",
		       done, o->size, pct_us(lat, done, 0.50), pct_us(lat, done, 0.99),
		       (double)sum / (double)done / 1000.0, (double)lat[0] / 1000.0,
		       (double)lat[done - 1] / 1000.0, tps, done == o->n ? "true" : "false");
	else
		printf("%ld round trips of %zu bytes%s: p50 %.2f us  p99 %.2f us  mean %.2f us  min %.2f us  max %.2f us  %.1f/s\n",
		       done, o->size, done == o->n ? "" : " (time limit)", pct_us(lat, done, 0.50),
		       pct_us(lat, done, 0.99), (double)sum / (double)done / 1000.0,
		       (double)lat[0] / 1000.0, (double)lat[done - 1] / 1000.0, tps);
}

static int client(const struct rr_opts *o, char *buf)
{
	struct bench_addr sa;
	uint64_t *lat, t0, deadline, sum = 0, first = 0, last = 0;
	long done = 0;
	int fd, err = 0, ret = 1;

	if (bench_addr_parse(o->addr, o->port, &sa)) {
		fprintf(stderr, "rr: bad address %s\n", o->addr);
		return 2;
	}
	lat = calloc((size_t)o->n, sizeof(*lat));
	if (!lat) {
		fprintf(stderr, "rr: out of memory\n");
		return 1;
	}
	fd = connect_retry(&sa);
	if (fd < 0) {
		fprintf(stderr, "rr: connect %s:%u: %s\n", o->addr, o->port, strerror(-fd));
		goto out;
	}
	nodelay(fd);
	memset(buf, 'r', o->size);
	deadline = now_ns() + (uint64_t)o->secs * 1000000000ULL;
	for (long i = 0; i < o->warmup + o->n; i++) {
		t0 = now_ns();
		if (t0 > deadline)
			break;
		err = xfer_all(fd, buf, o->size, true);
		if (!err)
			err = xfer_all(fd, buf, o->size, false);
		if (err) {
			fprintf(stderr, "rr: round trip %ld: %s\n", i,
				err == 1 ? "connection closed" : strerror(-err));
			break;
		}
		if (i >= o->warmup) {
			last = now_ns();
			first = done ? first : t0;
			lat[done] = last - t0;
			sum += lat[done++];
		}
	}
	close(fd);
	if (err || !done)
		goto out;
	report(o, lat, done, sum, last - first);
	ret = 0;
out:
	free(lat);
	return ret;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rr -s [-b ADDR] [-p PORT] [-z SIZE] [-T SECS]\n"
		"       rr -c ADDR [-p PORT] [-z SIZE] [-n N] [-w WARMUP] [-T SECS] [-j]\n"
		"  ADDR       IPv4 or IPv6 (the server binds 0.0.0.0 without -b)\n"
		"  -z SIZE    request and response size in bytes (1..%d, default 1)\n"
		"  -n N       timed round trips (default 20000)\n"
		"  -w WARMUP  untimed round trips first (default 1000)\n"
		"  -T SECS    time limit (default 20 for -c, 60 for -s)\n"
		"  -j         JSON output\n",
		RR_MAX_SIZE);
}

static int parse_long(const char *s, long min, long max, long *v)
{
	char *end;

	errno = 0;
	*v = strtol(s, &end, 10);
	return errno || *end || end == s || *v < min || *v > max ? -EINVAL : 0;
}

int main(int argc, char **argv)
{
	struct rr_opts o = { .port = 7777, .size = 1, .n = 20000, .warmup = 1000, .secs = -1 };
	static char buf[RR_MAX_SIZE];
	bool client_mode = false;
	long v;
	int c;

	while ((c = getopt(argc, argv, "sc:b:p:z:n:w:T:jh")) != -1) {
		switch (c) {
		case 's':
			o.server = true;
			break;
		case 'c':
			client_mode = true;
			o.addr = optarg;
			break;
		case 'b':
			o.addr = optarg;
			break;
		case 'p':
			if (parse_long(optarg, 1, 65535, &v))
				goto bad;
			o.port = (uint16_t)v;
			break;
		case 'z':
			if (parse_long(optarg, 1, RR_MAX_SIZE, &v))
				goto bad;
			o.size = (size_t)v;
			break;
		case 'n':
			if (parse_long(optarg, 1, 100000000, &v))
				goto bad;
			o.n = v;
			break;
		case 'w':
			if (parse_long(optarg, 0, 100000000, &v))
				goto bad;
			o.warmup = v;
			break;
		case 'T':
			if (parse_long(optarg, 1, 3600, &v))
				goto bad;
			o.secs = v;
			break;
		case 'j':
			o.json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || o.server == client_mode) {
		usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (o.server) {
		/* A server nobody talks to must still go away by itself. */
		alarm((unsigned int)(o.secs > 0 ? o.secs : 60));
		return serve(&o, buf);
	}
	if (o.secs < 0)
		o.secs = 20;
	return client(&o, buf);
bad:
	fprintf(stderr, "rr: bad value for -%c: %s\n", c, optarg);
	return 2;
}
