// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Forward batches (fwd_batch.h): the changes, their journal, applying and
 * undoing them. The journal is text, one change a line after a header that
 * counts them:
 *
 *   nsbpf-forward-batch 1 N
 *   a KEY VAL      an entry added (key and value as hex of the map's bytes)
 *   d KEY VAL      an entry deleted, with the value it had
 *   a6 KEY VAL     the same in forwards6 (an IPv6 host address's forward);
 *   d6 KEY VAL     a journal with such lines is version 2
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "lab/fwd_batch.h"

#define JOURNAL_MAGIC "nsbpf-forward-batch"

static int bpf_lookup(void *ctx, const struct nsb_fwd_key *k, struct nsb_fwd_val *v)
{
	return bpf_map_lookup_elem(*(int *)ctx, k, v) ? -errno : 0;
}

static int bpf_insert(void *ctx, const struct nsb_fwd_key *k, const struct nsb_fwd_val *v)
{
	return bpf_map_update_elem(*(int *)ctx, k, v, BPF_NOEXIST) ? -errno : 0;
}

static int bpf_remove(void *ctx, const struct nsb_fwd_key *k)
{
	return bpf_map_delete_elem(*(int *)ctx, k) ? -errno : 0;
}

void fwd_batch_map_fd(struct fwd_batch_map *m, int *fd)
{
	*m = (struct fwd_batch_map){
		.lookup = bpf_lookup, .insert = bpf_insert, .remove = bpf_remove, .ctx = fd
	};
}

static int bpf_lookup6(void *ctx, const struct nsb_fwd6_key *k, struct nsb_fwd6_val *v)
{
	return bpf_map_lookup_elem(*(int *)ctx, k, v) ? -errno : 0;
}

static int bpf_insert6(void *ctx, const struct nsb_fwd6_key *k, const struct nsb_fwd6_val *v)
{
	return bpf_map_update_elem(*(int *)ctx, k, v, BPF_NOEXIST) ? -errno : 0;
}

static int bpf_remove6(void *ctx, const struct nsb_fwd6_key *k)
{
	return bpf_map_delete_elem(*(int *)ctx, k) ? -errno : 0;
}

void fwd_batch_map_fd6(struct fwd_batch_map *m, int *fd6)
{
	m->lookup6 = bpf_lookup6;
	m->insert6 = bpf_insert6;
	m->remove6 = bpf_remove6;
	m->ctx6 = fd6;
}

/* Room for one more op, zeroed: NULL when there is none. */
static struct fwd_batch_op *push(struct fwd_batch *b)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		struct fwd_batch_op *g = reallocarray(b->op, cap, sizeof(*g));

		if (!g)
			return NULL;
		b->op = g;
		b->cap = cap;
	}
	memset(&b->op[b->n], 0, sizeof(b->op[b->n]));
	return &b->op[b->n++];
}

int fwd_batch_push(struct fwd_batch *b, bool del, const struct nsb_fwd_key *k,
		   const struct nsb_fwd_val *v)
{
	struct fwd_batch_op *op = push(b);

	if (!op)
		return -ENOMEM;
	op->del = del;
	op->key = *k;
	op->val = *v;
	return 0;
}

int fwd_batch_push6(struct fwd_batch *b, bool del, const struct nsb_fwd6_key *k,
		    const struct nsb_fwd6_val *v)
{
	struct fwd_batch_op *op = push(b);

	if (!op)
		return -ENOMEM;
	op->del = del;
	op->v6 = true;
	op->key6 = *k;
	op->val6 = *v;
	return 0;
}

void fwd_batch_free(struct fwd_batch *b)
{
	free(b->op);
	memset(b, 0, sizeof(*b));
}

size_t fwd_batch_forwards(const struct fwd_batch *b)
{
	size_t n = 0;

	/* one entry per port, the first port's names the forward */
	for (size_t i = 0; i < b->n; i++)
		n += b->op[i].v6 ? b->op[i].key6.port == b->op[i].val6.v.first_port :
				   b->op[i].key.port == b->op[i].val.first_port;
	return n;
}

static char *hex_put(char *dst, const void *src, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *p = src;

	for (size_t i = 0; i < len; i++) {
		*dst++ = digits[p[i] >> 4];
		*dst++ = digits[p[i] & 15];
	}
	return dst;
}

static int hex_get(const char *src, void *dst, size_t len)
{
	unsigned char *p = dst;

	for (size_t i = 0; i < 2 * len; i++) {
		char c = src[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;

		if (d < 0)
			return -EBADMSG;
		p[i / 2] = (unsigned char)(i % 2 ? (p[i / 2] << 4) | d : d);
	}
	return 0;
}

/* Make what was written to the directory of path (a rename, an unlink) durable. */
static int sync_dir(const char *path)
{
	char dir[512];
	const char *slash = strrchr(path, '/');
	int fd, err = 0;

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) && errno != EINVAL)
		err = -errno;
	close(fd);
	return err;
}

static int write_ops(FILE *f, const struct fwd_batch *b)
{
	char line[3 + 2 * sizeof(struct nsb_fwd6_key) + 1 + 2 * sizeof(struct nsb_fwd6_val) + 2];
	int version = 1;

	for (size_t i = 0; i < b->n; i++)
		if (b->op[i].v6)
			version = 2;
	fprintf(f, "%s %d %zu\n", JOURNAL_MAGIC, version, b->n);
	for (size_t i = 0; i < b->n; i++) {
		const struct fwd_batch_op *op = &b->op[i];
		char *p = line;

		*p++ = op->del ? 'd' : 'a';
		if (op->v6)
			*p++ = '6';
		*p++ = ' ';
		p = op->v6 ? hex_put(p, &op->key6, sizeof(op->key6)) :
			     hex_put(p, &op->key, sizeof(op->key));
		*p++ = ' ';
		p = op->v6 ? hex_put(p, &op->val6, sizeof(op->val6)) :
			     hex_put(p, &op->val, sizeof(op->val));
		*p++ = '\n';
		fwrite(line, 1, (size_t)(p - line), f);
	}
	if (fflush(f) || ferror(f))
		return errno ? -errno : -EIO;
	return fsync(fileno(f)) && errno != EINVAL ? -errno : 0;
}

int fwd_batch_save(const char *path, const struct fwd_batch *b)
{
	char tmp[520];
	FILE *f;
	int fd, err;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		err = -errno;
		close(fd);
		unlink(tmp);
		return err;
	}
	err = write_ops(f, b);
	if (fclose(f) && !err)
		err = errno ? -errno : -EIO;
	if (!err && rename(tmp, path))
		err = -errno;
	if (!err)
		err = sync_dir(path);
	if (err)
		unlink(tmp);
	return err;
}

/* One line "a KEY VAL" or "d KEY VAL", "a6"/"d6" in a version 2 journal (without its newline). */
static int parse_op(const char *s, int version, struct fwd_batch *b)
{
	bool v6 = s[0] && s[1] == '6';
	const size_t klen = 2 * (v6 ? sizeof(struct nsb_fwd6_key) : sizeof(struct nsb_fwd_key));
	const size_t vlen = 2 * (v6 ? sizeof(struct nsb_fwd6_val) : sizeof(struct nsb_fwd_val));
	const char *k = s + (v6 ? 3 : 2);
	struct nsb_fwd6_key k6;
	struct nsb_fwd6_val v6v;
	struct nsb_fwd_key k4;
	struct nsb_fwd_val v4;

	if ((s[0] != 'a' && s[0] != 'd') || (v6 && version < 2) || k[-1] != ' ' ||
	    strlen(k) != klen + 1 + vlen || k[klen] != ' ')
		return -EBADMSG;
	if (v6)
		return hex_get(k, &k6, sizeof(k6)) || hex_get(k + klen + 1, &v6v, sizeof(v6v)) ?
			       -EBADMSG :
			       fwd_batch_push6(b, s[0] == 'd', &k6, &v6v);
	return hex_get(k, &k4, sizeof(k4)) || hex_get(k + klen + 1, &v4, sizeof(v4)) ?
		       -EBADMSG :
		       fwd_batch_push(b, s[0] == 'd', &k4, &v4);
}

static int read_ops(FILE *f, struct fwd_batch *b)
{
	char line[256];
	int version;
	size_t want;
	int err = 0;

	if (!fgets(line, sizeof(line), f) ||
	    sscanf(line, JOURNAL_MAGIC " %d %zu", &version, &want) != 2 || version < 1 ||
	    version > 2)
		return -EBADMSG;
	while (!err && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		err = parse_op(line, version, b);
	}
	if (!err && b->n != want)
		err = -EBADMSG;
	return err;
}

int fwd_batch_load(const char *path, struct fwd_batch *b)
{
	char tmp[520];
	FILE *f;
	int err;

	memset(b, 0, sizeof(*b));
	/* a save that did not finish: the batch never started */
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	unlink(tmp);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	err = read_ops(f, b);
	fclose(f);
	if (err)
		fwd_batch_free(b);
	return err;
}

int fwd_batch_drop(const char *path)
{
	if (unlink(path) && errno != ENOENT)
		return -errno;
	return sync_dir(path);
}

int fwd_batch_apply(const struct fwd_batch_map *m, const struct fwd_batch *b,
		    const volatile sig_atomic_t *stop, size_t *done)
{
	int err = 0;
	size_t i;

	for (i = 0; i < b->n && !err; i++) {
		const struct fwd_batch_op *op = &b->op[i];

		if (stop && *stop) {
			err = -EINTR;
			break;
		}
		if (op->v6)
			err = !m->insert6 ? -EOPNOTSUPP :
			      op->del	  ? m->remove6(m->ctx6, &op->key6) :
					    m->insert6(m->ctx6, &op->key6, &op->val6);
		else
			err = op->del ? m->remove(m->ctx, &op->key) :
					m->insert(m->ctx, &op->key, &op->val);
		if (err == -ENOENT && op->del)
			err = 0; /* gone already: as good as deleted */
		if (err)
			break;
	}
	*done = i;
	return err;
}

/*
 * The same forward's entry: what it counted since (hits) aside, and the
 * host end's ifindex too (a re-up may have made the node's veth anew).
 */
static bool same_entry(const struct nsb_fwd_val *a, const struct nsb_fwd_val *b)
{
	return a->node_addr == b->node_addr && a->node_port == b->node_port &&
	       a->first_port == b->first_port && a->count == b->count;
}

/* same_entry() of forwards6's values. */
static bool same_entry6(const struct nsb_fwd6_val *a, const struct nsb_fwd6_val *b)
{
	return !memcmp(a->node_addr, b->node_addr, sizeof(a->node_addr)) &&
	       a->v.node_port == b->v.node_port && a->v.first_port == b->v.first_port &&
	       a->v.count == b->v.count;
}

static int undo_op6(const struct fwd_batch_map *m, const struct fwd_batch_op *op)
{
	struct nsb_fwd6_val cur;
	int err;

	if (!m->lookup6)
		return -EOPNOTSUPP;
	err = m->lookup6(m->ctx6, &op->key6, &cur);
	if (err && err != -ENOENT)
		return err;
	if (op->del)
		return err == -ENOENT ? m->insert6(m->ctx6, &op->key6, &op->val6) : 0;
	if (!err && same_entry6(&cur, &op->val6)) {
		err = m->remove6(m->ctx6, &op->key6);
		return err == -ENOENT ? 0 : err;
	}
	return 0;
}

static int undo_op(const struct fwd_batch_map *m, const struct fwd_batch_op *op)
{
	struct nsb_fwd_val cur;
	int err;

	if (op->v6)
		return undo_op6(m, op);
	err = m->lookup(m->ctx, &op->key, &cur);

	if (err && err != -ENOENT)
		return err;
	if (op->del) /* back, unless its key was taken since (never under the lock) */
		return err == -ENOENT ? m->insert(m->ctx, &op->key, &op->val) : 0;
	if (!err && same_entry(&cur, &op->val)) {
		err = m->remove(m->ctx, &op->key);
		return err == -ENOENT ? 0 : err;
	}
	return 0;
}

int fwd_batch_undo(const struct fwd_batch_map *m, const struct fwd_batch *b, size_t n)
{
	int first = 0;

	for (size_t i = n < b->n ? n : b->n; i-- > 0;) {
		int err = undo_op(m, &b->op[i]);

		if (err && !first)
			first = err;
	}
	return first;
}
