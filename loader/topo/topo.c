// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The topology API: load a file or a buffer, the strict scalar parsers the
 * CLI shares, derived names, and the message list every error goes through.
 * The YAML walk lives in topo_yaml.c and the cross-checks in topo_check.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "topo/topo_internal.h"
#include "util/addr.h"

#define TOPO_FILE_MAX	(16u << 20)	/* a 4096-node lab is well under 1 MiB */

/* ---- scalar parsers ---- */

static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/*
 * Unsigned decimal, no sign, space or leading zero (YAML 1.1 and inet_aton
 * read "010" as octal: refuse to guess). -ERANGE above max.
 */
static int parse_dec(const char *s, unsigned long max, unsigned long *v, const char **end)
{
	unsigned long n = 0;
	const char *p = s;

	if (!is_digit(*p) || (*p == '0' && is_digit(p[1])))
		return -EINVAL;
	for (; is_digit(*p); p++)
		if (n <= max)	/* stop growing: no overflow on long input */
			n = n * 10 + (unsigned long)(*p - '0');
	*end = p;
	*v = n;
	return n > max ? -ERANGE : 0;
}

static int scan_ipv4(const char *s, uint32_t *ip, const char **end)
{
	uint32_t addr = 0;
	unsigned long part;
	int i;

	for (i = 0; i < 4; i++) {
		if (i && *s++ != '.')
			return -EINVAL;
		if (parse_dec(s, 255, &part, &s))
			return -EINVAL;
		addr = addr << 8 | (uint32_t)part;
	}
	*ip = addr;
	*end = s;
	return 0;
}

int topo_parse_ipv4(const char *s, uint32_t *ip)
{
	const char *end;
	uint32_t addr;

	if (scan_ipv4(s, &addr, &end) || *end)
		return -EINVAL;
	*ip = addr;
	return 0;
}

uint32_t topo_mask(int prefix)
{
	return prefix <= 0 ? 0 : ~0u << (32 - prefix);
}

int topo_ipv4_prefix(const char *s, uint32_t *addr, int *prefix)
{
	unsigned long len;
	const char *p;

	if (scan_ipv4(s, addr, &p) || *p++ != '/')
		return -EINVAL;
	if (parse_dec(p, 32, &len, &p) || *p)
		return -EINVAL;
	*prefix = (int)len;
	return 0;
}

int topo_parse_cidr(const char *s, uint32_t *net, uint8_t *prefix)
{
	uint32_t addr;
	int len;

	if (topo_ipv4_prefix(s, &addr, &len) || len < 1 || len > 30)
		return -EINVAL;
	if (addr & ~topo_mask(len))
		return -EINVAL;
	*net = addr;
	*prefix = (uint8_t)len;
	return 0;
}

static int scan_port(const char *s, uint16_t *port, const char **end)
{
	unsigned long v;
	int err = parse_dec(s, 65535, &v, end);

	if (err)
		return err;
	if (v == 0)
		return -ERANGE;
	*port = (uint16_t)v;
	return 0;
}

int topo_port_range_check(const char *s, uint16_t *lo, uint16_t *hi)
{
	uint16_t a, b;
	const char *p;
	int err;

	err = scan_port(s, &a, &p);
	if (err)
		return err;
	b = a;
	if (*p == '-') {
		err = scan_port(p + 1, &b, &p);
		if (err)
			return err;
	}
	if (*p)
		return -EINVAL;
	if (a > b)
		return -EDOM;
	*lo = a;
	*hi = b;
	return 0;
}

int topo_parse_port_range(const char *s, uint16_t *lo, uint16_t *hi)
{
	return topo_port_range_check(s, lo, hi) ? -EINVAL : 0;
}

/*
 * RFC 6890's blocks a host cannot route to a link: a subnet there fails at
 * netlink (multicast), or takes over the host's loopback or "this network".
 */
static const struct {
	uint32_t net;
	int prefix;
	const char *name;
} special_blocks[] = {
	{ 0x00000000, 8, "\"this network\"" },
	{ 0x7f000000, 8, "loopback" },
	{ 0xe0000000, 4, "multicast" },
	{ 0xf0000000, 4, "reserved" },
};

const char *topo_special_block(uint32_t net, int prefix, uint32_t *block, int *block_prefix)
{
	for (size_t i = 0; i < sizeof(special_blocks) / sizeof(special_blocks[0]); i++) {
		int p = prefix < special_blocks[i].prefix ? prefix : special_blocks[i].prefix;

		if ((net & topo_mask(p)) != (special_blocks[i].net & topo_mask(p)))
			continue;
		*block = special_blocks[i].net;
		*block_prefix = special_blocks[i].prefix;
		return special_blocks[i].name;
	}
	return NULL;
}

int topo_fwd_host_problem(uint32_t ip, char *why, size_t len)
{
	char a[TOPO_IPSTR], b[TOPO_IPSTR];
	const char *special;
	uint32_t block;
	int block_len;

	special = topo_special_block(ip, 32, &block, &block_len);
	if (!special || block == 0x7f000000)
		return 0;
	if (ip == 0xffffffff)
		snprintf(why, len,
			 "%s is the limited broadcast address: a forward's host is a unicast address of this host",
			 topo_ip_str(ip, a));
	else
		snprintf(why, len,
			 "%s is in %s/%d (%s): a forward's host is a unicast address of this host",
			 topo_ip_str(ip, a), topo_ip_str(block, b), block_len, special);
	return -EINVAL;
}

static const struct {
	char unit;
	uint32_t secs;
} duration_units[] = { { 'd', 86400 }, { 'h', 3600 }, { 'm', 60 }, { 's', 1 } };

#define N_UNITS	(sizeof(duration_units) / sizeof(duration_units[0]))

/*
 * Largest unit first and each once, so that a value reads one way only
 * ("2h4m", never "4m2h" or "1h1h4m"). Range is checked after syntax: a typo
 * is reported as a typo even in a huge number.
 */
int topo_parse_duration(const char *s, uint32_t *secs)
{
	unsigned long long total = 0;
	unsigned long v;
	size_t next = 0, u;
	const char *p = s;
	bool big = false;

	if (!*p)
		return -EINVAL;
	while (*p) {
		int err = parse_dec(p, TOPO_TIMEOUT_MAX, &v, &p);

		if (err == -EINVAL)
			return -EINVAL;
		big |= err == -ERANGE;
		for (u = next; u < N_UNITS && duration_units[u].unit != *p; u++)
			;
		if (u == N_UNITS)
			return -EINVAL;	/* no unit, an unknown one, or out of order */
		if (!big)
			total += (unsigned long long)v * duration_units[u].secs;
		next = u + 1;
		p++;
	}
	if (big || !total || total > TOPO_TIMEOUT_MAX)
		return -ERANGE;
	*secs = (uint32_t)total;
	return 0;
}

const char *topo_duration_str(uint64_t secs, char *buf, size_t len)
{
	size_t off = 0;

	if (len)
		buf[0] = '\0';
	if (!secs) {
		snprintf(buf, len, "0s");
		return buf;
	}
	for (size_t u = 0; u < N_UNITS && off < len; u++) {
		uint64_t n = secs / duration_units[u].secs;

		if (!n)
			continue;
		secs %= duration_units[u].secs;
		off += (size_t)snprintf(buf + off, len - off, "%llu%c", (unsigned long long)n,
					duration_units[u].unit);
	}
	return buf;
}

static bool is_alnum(char ch)
{
	return is_digit(ch) || (ch >= 'a' && ch <= 'z');
}

int topo_parse_name(const char *s)
{
	size_t i, len = strlen(s);

	if (!len || len >= TOPO_NAME_MAX || !is_alnum(s[0]) || !is_alnum(s[len - 1]))
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!is_alnum(s[i]) && s[i] != '-')
			return -EINVAL;
	return 0;
}

const char *topo_ip_str(uint32_t ip, char buf[TOPO_IPSTR])
{
	return ipv4_str(ip, buf);
}

/* ---- derived names ---- */

static int derive(const char *lab, const char *node, char *buf, size_t len, size_t limit)
{
	int n = snprintf(buf, len, "%s-%s", lab, node);

	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= len || (size_t)n > limit) {
		if (len)
			buf[0] = '\0';
		return -ENAMETOOLONG;
	}
	return 0;
}

int topo_hostif_name(const char *lab, const char *node, char *buf, size_t len)
{
	return derive(lab, node, buf, len, TOPO_IFNAMSIZ - 1);
}

int topo_netns_name(const char *lab, const char *node, char *buf, size_t len)
{
	/* The netns is named like the interface so `ip netns` and `ip link` agree. */
	return derive(lab, node, buf, len, TOPO_IFNAMSIZ - 1);
}

int topo_network_index(const struct topo *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->n_networks; i++)
		if (!strcmp(t->networks[i].name, name))
			return (int)i;
	return -1;
}

int topo_node_index(const struct topo *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->n_nodes; i++)
		if (!strcmp(t->nodes[i].name, name))
			return (int)i;
	return -1;
}

/* ---- did-you-mean ---- */

#define HINT_LEN_MAX	64

static int min3(int a, int b, int c)
{
	int m = a < b ? a : b;

	return m < c ? m : c;
}

/* Optimal string alignment: swapping two neighbours counts as one typo. */
static int edit_distance(const char *a, const char *b)
{
	int rows[3][HINT_LEN_MAX + 1];
	int la = (int)strlen(a), lb = (int)strlen(b);
	int i, j, *prev2, *prev, *cur;

	if (la > HINT_LEN_MAX || lb > HINT_LEN_MAX)
		return HINT_LEN_MAX;
	for (j = 0; j <= lb; j++)
		rows[0][j] = j;
	for (i = 1; i <= la; i++) {
		/* row i lives in rows[i % 3] */
		prev2 = rows[(i + 1) % 3];
		prev = rows[(i + 2) % 3];
		cur = rows[i % 3];
		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			int cost = a[i - 1] != b[j - 1];

			cur[j] = min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    prev2[j - 2] + 1 < cur[j])
				cur[j] = prev2[j - 2] + 1;
		}
	}
	return rows[la % 3][lb];
}

void topo_hint_init(struct topo_hint *h, const char *word)
{
	h->word = word;
	h->best = NULL;
	h->dist = 0;
}

void topo_hint_try(struct topo_hint *h, const char *cand)
{
	int d = edit_distance(h->word, cand);

	/* d < len: "x" is not a typo of "ip", it is a different word */
	if (d == 0 || d > 2 || d >= (int)strlen(h->word) || (h->best && d >= h->dist))
		return;
	h->best = cand;
	h->dist = d;
}

const char *topo_hint_str(const struct topo_hint *h, char *buf, size_t len)
{
	if (!h->best)
		return "";
	snprintf(buf, len, " (did you mean \"%s\"?)", h->best);
	return buf;
}

/* ---- messages and growth ---- */

void *topo_grow(void *p, size_t *cap, size_t want, size_t size)
{
	size_t ncap = *cap ? *cap : 8;
	char *np;

	if (want <= *cap)
		return p;
	while (ncap < want)
		ncap *= 2;
	np = reallocarray(p, ncap, size);
	if (!np)
		return NULL;
	memset(np + *cap * size, 0, (ncap - *cap) * size);
	*cap = ncap;
	return np;
}

void topo_err(struct topo_ctx *c, struct topo_mark m, const char *fmt, ...)
{
	struct topo_msg *msgs;
	char *body, *text;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&body, fmt, ap);
	va_end(ap);
	if (n < 0)
		goto nomem;
	if (m.line > 0)
		n = asprintf(&text, "%s:%d:%d: %s", c->path, m.line, m.col, body);
	else
		n = asprintf(&text, "%s: %s", c->path, body);
	free(body);
	if (n < 0)
		goto nomem;
	msgs = topo_grow(c->msgs, &c->cap_msgs, c->n_msgs + 1, sizeof(*msgs));
	if (!msgs) {
		free(text);
		goto nomem;
	}
	c->msgs = msgs;
	msgs[c->n_msgs] = (struct topo_msg){ .mark = m, .seq = c->n_msgs, .text = text };
	c->n_msgs++;
	return;
nomem:
	c->err = -ENOMEM;
}

static int msg_cmp(const void *pa, const void *pb)
{
	const struct topo_msg *a = pa, *b = pb;

	if (a->mark.line != b->mark.line)
		return a->mark.line < b->mark.line ? -1 : 1;
	if (a->mark.col != b->mark.col)
		return a->mark.col < b->mark.col ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Hand the messages over in file order, as a compiler would print them. */
void topo_flush_msgs(struct topo_ctx *c, struct topo_errors *errs)
{
	char **msgs = NULL;
	size_t i;

	if (c->n_msgs)
		qsort(c->msgs, c->n_msgs, sizeof(*c->msgs), msg_cmp);
	if (errs && c->n_msgs)
		msgs = reallocarray(errs->msgs, errs->n + c->n_msgs, sizeof(*msgs));
	for (i = 0; i < c->n_msgs; i++) {
		if (msgs) {
			msgs[errs->n++] = c->msgs[i].text;
			continue;
		}
		free(c->msgs[i].text);
	}
	if (msgs)
		errs->msgs = msgs;
	else if (errs && c->n_msgs)
		c->err = -ENOMEM;
	free(c->msgs);
	c->msgs = NULL;
	c->n_msgs = 0;
}

/* ---- the parallel arrays ---- */

int topo_add_network(struct topo_ctx *c)
{
	struct topo *t = c->t;
	size_t n = t->n_networks, cap = c->cap_networks;
	struct topo_network *nets;
	struct topo_net_src *src;

	nets = topo_grow(t->networks, &cap, n + 1, sizeof(*nets));
	if (!nets)
		return -ENOMEM;
	t->networks = nets;
	cap = c->cap_networks;
	src = topo_grow(c->nets, &cap, n + 1, sizeof(*src));
	if (!src)
		return -ENOMEM;
	c->nets = src;
	c->cap_networks = cap;
	t->n_networks++;
	return (int)n;
}

int topo_add_node(struct topo_ctx *c)
{
	struct topo *t = c->t;
	size_t n = t->n_nodes, cap = c->cap_nodes;
	struct topo_node *nodes;
	struct topo_node_src *src;

	nodes = topo_grow(t->nodes, &cap, n + 1, sizeof(*nodes));
	if (!nodes)
		return -ENOMEM;
	t->nodes = nodes;
	cap = c->cap_nodes;
	src = topo_grow(c->nodes, &cap, n + 1, sizeof(*src));
	if (!src)
		return -ENOMEM;
	c->nodes = src;
	c->cap_nodes = cap;
	nodes[n].network = -1;
	t->n_nodes++;
	return (int)n;
}

int topo_add_forward(struct topo_ctx *c)
{
	struct topo *t = c->t;
	size_t n = t->n_forwards, cap = c->cap_forwards;
	struct topo_forward *fwds;
	struct topo_fwd_src *src;

	fwds = topo_grow(t->forwards, &cap, n + 1, sizeof(*fwds));
	if (!fwds)
		return -ENOMEM;
	t->forwards = fwds;
	cap = c->cap_forwards;
	src = topo_grow(c->fwds, &cap, n + 1, sizeof(*src));
	if (!src)
		return -ENOMEM;
	c->fwds = src;
	c->cap_forwards = cap;
	fwds[n].node = -1;
	t->n_forwards++;
	return (int)n;
}

static void free_src(struct topo_ctx *c)
{
	size_t i, j;

	for (i = 0; c->nets && i < c->t->n_networks; i++) {
		for (j = 0; j < c->nets[i].n_reach; j++)
			free(c->nets[i].reach[j].name);
		free(c->nets[i].reach);
	}
	for (i = 0; c->nodes && i < c->t->n_nodes; i++)
		free(c->nodes[i].network.name);
	for (i = 0; c->fwds && i < c->t->n_forwards; i++)
		free(c->fwds[i].to.name);
	free(c->nets);
	free(c->nodes);
	free(c->fwds);
}

/* ---- load and free ---- */

void topo_free(struct topo *t)
{
	size_t i, j;

	if (!t)
		return;
	for (i = 0; i < t->n_nodes; i++) {
		for (j = 0; j < t->nodes[i].n_exec; j++)
			free(t->nodes[i].exec[j]);
		free(t->nodes[i].exec);
	}
	free(t->networks);
	free(t->nodes);
	free(t->forwards);
	free(t->path);
	free(t);
}

void topo_errors_free(struct topo_errors *errs)
{
	size_t i;

	if (!errs)
		return;
	for (i = 0; i < errs->n; i++)
		free(errs->msgs[i]);
	free(errs->msgs);
	errs->msgs = NULL;
	errs->n = 0;
}

int topo_load_buf(const char *name, const char *buf, size_t len, struct topo **out,
		  struct topo_errors *errs)
{
	struct topo_ctx c = { .path = name ? name : "<buffer>" };
	int err;

	*out = NULL;
	if (!buf && len)
		return -EINVAL;
	if (!buf)
		buf = "";	/* libyaml asserts on a NULL input */
	c.t = calloc(1, sizeof(*c.t));
	if (!c.t)
		return -ENOMEM;
	c.t->path = strdup(c.path);
	if (!c.t->path) {
		free(c.t);
		return -ENOMEM;
	}
	/* Check even after walk errors: the user wants every problem at once. */
	err = topo_yaml_walk(&c, buf, len);
	if (!err)
		topo_check(&c);
	if (!err && c.n_msgs)
		err = -EINVAL;
	free_src(&c);
	topo_flush_msgs(&c, errs);
	if (c.err)
		err = c.err;
	if (err) {
		topo_free(c.t);
		return err;
	}
	*out = c.t;
	return 0;
}

static int read_all(int fd, char **bufp, size_t *lenp)
{
	size_t len = 0, cap = 0;
	char *buf = NULL, *nbuf;
	ssize_t n;

	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 64 * 1024;
			if (cap > TOPO_FILE_MAX + 1)
				cap = TOPO_FILE_MAX + 1;
			if (len == cap) {
				free(buf);
				return -EFBIG;
			}
			nbuf = realloc(buf, cap);
			if (!nbuf) {
				free(buf);
				return -ENOMEM;
			}
			buf = nbuf;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*bufp = buf;
	*lenp = len;
	return 0;
}

int topo_load(const char *path, struct topo **out, struct topo_errors *errs)
{
	struct topo_ctx c = { .path = path };
	char *buf = NULL;
	size_t len = 0;
	int fd, err;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto fail;
	}
	err = read_all(fd, &buf, &len);
	close(fd);
	if (err)
		goto fail;
	err = topo_load_buf(path, buf, len, out, errs);
	free(buf);
	return err;
fail:
	if (err == -EFBIG)
		topo_err(&c, (struct topo_mark){ 0 }, "cannot read: larger than %u MiB",
			 TOPO_FILE_MAX >> 20);
	else
		topo_err(&c, (struct topo_mark){ 0 }, "cannot read: %s", strerror(-err));
	topo_flush_msgs(&c, errs);
	return err;
}
