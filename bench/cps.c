// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cps: new TCP connections per second, one at a time.
 *
 *   cps -s [-b ADDR] [-p PORT] [-z SIZE] [-T SECS]
 *	accept loop: per connection read SIZE bytes, send SIZE bytes back,
 *	close (the server closes first, as an HTTP/1.0 server does, so the
 *	TIME_WAIT is the server's and the client's ports never run out).
 *   cps -c ADDR [-p PORT] [-z SIZE] [-n N] [-w WARMUP] [-T SECS] [-t MS] [-j]
 *	WARMUP untimed, then N timed connections, one after the other:
 *	connect, send SIZE bytes, read SIZE bytes, read until EOF, close.
 *	Stops early at SECS. Prints connections/s, the rate over the
 *	connections faster than 100 ms alone (fast_cps: what the path does
 *	when nothing stalls, e.g. on a dropped SYN, retransmitted after 1 s),
 *	the per-connection time (p50/p99/max, us), the slow ones and the index
 *	of the first stall or error. A connection that fails or takes longer
 *	than MS (connect and each read; default 3000) counts as an error.
 *
 * Both ends are bounded in time (-T: default 20 s for -c, 60 s for -s).
 * Exit: 0 ok (the client: at least one connection and no error), 1 failed,
 * 2 usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
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

#define CPS_MAX_SIZE 65536
#define CPS_SLOW_US  100000 /* a retransmitted SYN takes >= 1 s: "slow" is far below */

struct cps_opts {
	bool server, json;
	const char *addr;
	uint16_t port;
	size_t size;
	long n, warmup, secs, tmo_ms;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static long ms_left(uint64_t deadline)
{
	uint64_t t = now_ns();

	return t >= deadline ? 0 : (long)((deadline - t) / 1000000ULL) + 1;
}

/* Wait for fd to be ready for events, at most until deadline. 0 ok, -ETIMEDOUT, -errno. */
static int wait_fd(int fd, short events, uint64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };

	for (;;) {
		long ms = ms_left(deadline);
		int r;

		if (!ms)
			return -ETIMEDOUT;
		r = poll(&p, 1, (int)(ms > 1000000 ? 1000000 : ms));
		if (r > 0)
			return 0;
		if (r == 0)
			continue;
		if (errno != EINTR)
			return -errno;
		if (stop)
			return -EINTR;
	}
}

/* Read exactly len bytes (nonblocking fd). 0 ok, 1 EOF before any byte, -errno. */
static int read_all(int fd, char *buf, size_t len, uint64_t deadline)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = read(fd, buf + done, len - done);

		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n == 0)
			return done ? -EPIPE : 1;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -errno;
		n = wait_fd(fd, POLLIN, deadline);
		if (n)
			return (int)n;
	}
	return 0;
}

static int write_all(int fd, const char *buf, size_t len, uint64_t deadline)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(fd, buf + done, len - done);

		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			return -errno;
		n = wait_fd(fd, POLLOUT, deadline);
		if (n)
			return (int)n;
	}
	return 0;
}

static void nodelay(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static int serve(const struct cps_opts *o)
{
	struct bench_addr sa;
	uint64_t end = now_ns() + (uint64_t)o->secs * 1000000000ULL;
	char *buf = malloc(o->size);
	long served = 0, failed = 0;
	int one = 1, ls;

	if (!buf)
		return 1;
	if (bench_addr_parse(o->addr ? o->addr : "0.0.0.0", o->port, &sa)) {
		fprintf(stderr, "cps: bad address %s\n", o->addr);
		free(buf);
		return 2;
	}
	ls = socket(sa.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ls < 0 || setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(ls, &sa.sa, sa.len) || listen(ls, 4096)) {
		fprintf(stderr, "cps: listen on %s:%u: %s\n", o->addr ? o->addr : "0.0.0.0",
			o->port, strerror(errno));
		free(buf);
		return 1;
	}
	memset(buf, 'r', o->size);
	while (!stop && ms_left(end)) {
		int fd = accept4(ls, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		uint64_t dl;

		if (fd < 0) {
			if (errno == EAGAIN || errno == EINTR) {
				wait_fd(ls, POLLIN, end);
				continue;
			}
			if (errno == ECONNABORTED || errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				failed++;
				continue;
			}
			fprintf(stderr, "cps: accept: %s\n", strerror(errno));
			break;
		}
		nodelay(fd);
		dl = now_ns() + (uint64_t)o->tmo_ms * 1000000ULL;
		if (dl > end)
			dl = end;
		if (read_all(fd, buf, o->size, dl) || write_all(fd, buf, o->size, dl))
			failed++;
		else
			served++;
		close(fd);
	}
	close(ls);
	free(buf);
	fprintf(stderr, "cps: served %ld connection(s), %ld failed\n", served, failed);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* One connection, start to finish. 0 ok, else -errno (negative). */
static int one_conn(const struct cps_opts *o, const struct bench_addr *sa, char *buf, uint64_t end)
{
	uint64_t dl = now_ns() + (uint64_t)o->tmo_ms * 1000000ULL;
	socklen_t el = sizeof(int);
	int fd, err = 0, r;
	char tail;

	if (dl > end)
		dl = end;
	fd = socket(sa->sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	nodelay(fd);
	if (connect(fd, &sa->sa, sa->len) && errno != EINPROGRESS) {
		err = -errno;
		goto out;
	}
	r = wait_fd(fd, POLLOUT, dl);
	if (r) {
		err = r;
		goto out;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) || err) {
		err = err ? -err : -errno;
		goto out;
	}
	memset(buf, 'q', o->size);
	err = write_all(fd, buf, o->size, dl);
	if (!err)
		err = read_all(fd, buf, o->size, dl);
	if (err == 1)
		err = -ECONNRESET; /* EOF before the answer */
	if (!err) {
		/* the server closes first: wait for its FIN, so no TIME_WAIT here */
		r = read_all(fd, &tail, 1, dl);
		err = r == 1 ? 0 : r ? r : -EPROTO;
	}
out:
	close(fd);
	return err;
}

static int client(const struct cps_opts *o)
{
	struct bench_addr sa;
	uint64_t *lat, t_start, end, t, busy = 0;
	char *buf;
	long i, done = 0, errors = 0, slow = 0, warm_err = 0, first_stall = -1, fast = 0;
	int first_err = 0;
	bool stalled_at_end = false;

	if (bench_addr_parse(o->addr, o->port, &sa)) {
		fprintf(stderr, "cps: bad address %s\n", o->addr);
		return 2;
	}
	lat = calloc((size_t)o->n, sizeof(*lat));
	buf = malloc(o->size);
	if (!lat || !buf) {
		free(lat);
		free(buf);
		return 1;
	}
	end = now_ns() + (uint64_t)o->secs * 1000000000ULL;
	for (i = 0; i < o->warmup && !stop && ms_left(end); i++) {
		int r = one_conn(o, &sa, buf, end);

		if (r) {
			if (!warm_err)
				fprintf(stderr, "cps: warm-up connection %ld: %s\n", i,
					strerror(-r));
			warm_err++;
		}
	}
	t_start = now_ns();
	for (i = 0; i < o->n && !stop; i++) {
		uint64_t t0 = now_ns();
		int r;

		if (t0 >= end)
			break;
		r = one_conn(o, &sa, buf, end);
		t = now_ns();
		if (r && t >= end && r == -ETIMEDOUT) {
			/* cut by the time limit: a stall only if it had taken long already */
			if ((t - t0) / 1000 >= CPS_SLOW_US) {
				stalled_at_end = true;
				if (first_stall < 0)
					first_stall = done + errors;
			}
			break;
		}
		if (r) {
			if (!errors)
				first_err = -r;
			if (first_stall < 0)
				first_stall = done + errors;
			errors++;
			continue;
		}
		lat[done] = (t - t0) / 1000;
		if (lat[done] >= CPS_SLOW_US) {
			slow++;
			if (first_stall < 0)
				first_stall = done + errors;
		} else {
			busy += t - t0;
			fast++;
		}
		done++;
	}
	t = now_ns();
	double secs = (double)(t - t_start) / 1e9;
	double cps = secs > 0 ? (double)done / secs : 0;
	double fast_cps = busy ? (double)fast / ((double)busy / 1e9) : 0;
	uint64_t p50 = 0, p99 = 0, max = 0;

	if (done) {
		qsort(lat, (size_t)done, sizeof(*lat), cmp_u64);
		p50 = lat[(done - 1) / 2];
		long r99 = (long)((double)done * 0.99 + 0.999999);

		p99 = lat[(r99 < 1 ? 1 : r99 > done ? done : r99) - 1];
		max = lat[done - 1];
	}
	if (o->json)
		printf("{\"connections\": %ld, \"errors\": %ld, \"slow\": %ld, "
		       "\"stalled_at_end\": %s, \"first_stall\": %ld, \"warmup_errors\": %ld, "
		       "\"secs\": %.3f, \"cps\": %.1f, \"fast_cps\": %.1f, \"p50_us\": %llu, "
		       "\"p99_us\": %llu, \"max_us\": %llu, \"first_error\": \"%s\"}\n",
		       done, errors, slow, stalled_at_end ? "true" : "false", first_stall, warm_err,
		       secs, cps, fast_cps, (unsigned long long)p50, (unsigned long long)p99,
		       (unsigned long long)max, errors ? strerror(first_err) : "");
	else
		printf("%ld connections in %.3f s: %.1f/s (%.1f/s over the connections faster than "
		       "%d ms); per connection p50 %llu us, p99 %llu us, max %llu us; %ld slower than "
		       "%d ms%s; %ld error(s)%s%s; first stall or error: #%ld\n",
		       done, secs, cps, fast_cps, CPS_SLOW_US / 1000, (unsigned long long)p50,
		       (unsigned long long)p99, (unsigned long long)max, slow, CPS_SLOW_US / 1000,
		       stalled_at_end ? ", and the last one stalled until the time limit" : "",
		       errors, errors ? ", first: " : "", errors ? strerror(first_err) : "",
		       first_stall);
	free(lat);
	free(buf);
	return done > 0 && !errors && !warm_err ? 0 : 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: cps -s [-b ADDR] [-p PORT] [-z SIZE] [-T SECS]\n"
		"       cps -c ADDR [-p PORT] [-z SIZE] [-n N] [-w WARMUP] [-T SECS] [-t MS] [-j]\n"
		"  ADDR       IPv4 or IPv6 (the server binds 0.0.0.0 without -b)\n"
		"  -z SIZE    request and response size in bytes (1..%d, default 1)\n"
		"  -n N       timed connections (default 10000)\n"
		"  -w WARMUP  untimed connections first (default 100)\n"
		"  -T SECS    time limit (default 20 for -c, 60 for -s)\n"
		"  -t MS      per-connection limit for connect and each read (default 3000)\n"
		"  -j         JSON output\n",
		CPS_MAX_SIZE);
}

static bool num(const char *s, long lo, long hi, long *v)
{
	char *e;

	errno = 0;
	*v = strtol(s, &e, 10);
	return !errno && *s && !*e && *v >= lo && *v <= hi;
}

int main(int argc, char **argv)
{
	struct cps_opts o = {
		.port = 7000, .size = 1, .n = 10000, .warmup = 100, .secs = -1, .tmo_ms = 3000
	};
	struct sigaction sa = { .sa_handler = on_signal };
	bool mode = false;
	long v;
	int c;

	static const struct option lopts[] = { { "help", no_argument, NULL, 'h' }, { 0 } };

	while ((c = getopt_long(argc, argv, "sc:b:p:z:n:w:T:t:jh", lopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o.server = true;
			mode = true;
			break;
		case 'c':
			o.addr = optarg;
			mode = true;
			break;
		case 'b':
			o.addr = optarg;
			break;
		case 'p':
			if (!num(optarg, 1, 65535, &v))
				goto bad;
			o.port = (uint16_t)v;
			break;
		case 'z':
			if (!num(optarg, 1, CPS_MAX_SIZE, &v))
				goto bad;
			o.size = (size_t)v;
			break;
		case 'n':
			if (!num(optarg, 1, 100000000, &o.n))
				goto bad;
			break;
		case 'w':
			if (!num(optarg, 0, 100000000, &o.warmup))
				goto bad;
			break;
		case 'T':
			if (!num(optarg, 1, 86400, &o.secs))
				goto bad;
			break;
		case 't':
			if (!num(optarg, 1, 600000, &o.tmo_ms))
				goto bad;
			break;
		case 'j':
			o.json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto bad;
		}
	}
	if (!mode || optind != argc || (!o.server && !o.addr))
		goto bad;
	if (o.secs < 0)
		o.secs = o.server ? 60 : 20;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return o.server ? serve(&o) : client(&o);
bad:
	usage(stderr);
	return 2;
}
