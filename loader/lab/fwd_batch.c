// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Forward batches (fwd_batch.h): the changes, their journal, applying and
 * undoing them. The journal is text, one change a line after a header that
 * counts them:
 *
 *   nsbpf-forward-batch 1 N
 *   a KEY VAL      an entry added (key and value as hex of the map's bytes)
 *   d KEY VAL      an entry deleted, with the value it had
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "lab/fwd_batch.h"

#define JOURNAL_MAGIC "nsbpf-forward-batch 1"

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
	*m = (struct fwd_batch_map){ bpf_lookup, bpf_insert, bpf_remove, fd };
}

int fwd_batch_push(struct fwd_batch *b, bool del, const struct nsb_fwd_key *k,
		   const struct nsb_fwd_val *v)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		struct fwd_batch_op *g = reallocarray(b->op, cap, sizeof(*g));

		if (!g)
			return -ENOMEM;
		b->op = g;
		b->cap = cap;
	}
	memset(&b->op[b->n], 0, sizeof(b->op[b->n]));
	b->op[b->n].del = del;
	b->op[b->n].key = *k;
	b->op[b->n].val = *v;
	b->n++;
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
		n += b->op[i].key.port == b->op[i].val.first_port;
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
	char line[2 + 2 * sizeof(struct nsb_fwd_key) + 1 + 2 * sizeof(struct nsb_fwd_val) + 2];

	fprintf(f, "%s %zu\n", JOURNAL_MAGIC, b->n);
	for (size_t i = 0; i < b->n; i++) {
		char *p = line;

		*p++ = b->op[i].del ? 'd' : 'a';
		*p++ = ' ';
		p = hex_put(p, &b->op[i].key, sizeof(b->op[i].key));
		*p++ = ' ';
		p = hex_put(p, &b->op[i].val, sizeof(b->op[i].val));
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

/* One line "a KEY VAL" or "d KEY VAL" (without its newline). */
static int parse_op(const char *s, struct fwd_batch *b)
{
	const size_t klen = 2 * sizeof(struct nsb_fwd_key), vlen = 2 * sizeof(struct nsb_fwd_val);
	struct nsb_fwd_key k;
	struct nsb_fwd_val v;

	if ((s[0] != 'a' && s[0] != 'd') || s[1] != ' ' || strlen(s) != 2 + klen + 1 + vlen ||
	    s[2 + klen] != ' ' || hex_get(s + 2, &k, sizeof(k)) ||
	    hex_get(s + 3 + klen, &v, sizeof(v)))
		return -EBADMSG;
	return fwd_batch_push(b, s[0] == 'd', &k, &v);
}

static int read_ops(FILE *f, struct fwd_batch *b)
{
	char line[256];
	size_t want;
	int err = 0;

	if (!fgets(line, sizeof(line), f) || sscanf(line, JOURNAL_MAGIC " %zu", &want) != 1)
		return -EBADMSG;
	while (!err && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		err = parse_op(line, b);
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
		err = op->del ? m->remove(m->ctx, &op->key) : m->insert(m->ctx, &op->key, &op->val);
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

static int undo_op(const struct fwd_batch_map *m, const struct fwd_batch_op *op)
{
	struct nsb_fwd_val cur;
	int err = m->lookup(m->ctx, &op->key, &cur);

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
