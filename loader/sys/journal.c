// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The journal's one writer and one parser. The line syntax is the one every
 * nsbpf has written, so a journal left by an older one still reads.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sys/journal.h"
#include "sys/state.h"
#include "util/log.h"

static const char *const kind_names[] = {
	[JOURNAL_HOSTNS] = "hostns", [JOURNAL_NETNS] = "netns",
	[JOURNAL_LINK] = "link",     [JOURNAL_PINDIR] = "pindir",
	[JOURNAL_PIN] = "pin",	     [JOURNAL_CLSACT] = "tc",
	[JOURNAL_PLACE] = "place",   [JOURNAL_NETNS_INO] = "netns-ino",
	[JOURNAL_ROUTE] = "route",
};

#define N_KINDS (sizeof(kind_names) / sizeof(kind_names[0]))

static int journal_open_flags(struct journal *j, const char *lab, int flags)
{
	char path[512];

	snprintf(j->lab, sizeof(j->lab), "%s", lab);
	state_path(lab, "journal", path, sizeof(path));
	j->fd = state_open(path, O_WRONLY | O_APPEND | flags);
	return j->fd < 0 ? j->fd : 0;
}

int journal_create(struct journal *j, const char *lab)
{
	int err = state_create(lab);

	return err ? err : journal_open_flags(j, lab, O_CREAT | O_EXCL);
}

int journal_open(struct journal *j, const char *lab)
{
	return journal_open_flags(j, lab, 0);
}

void journal_close(struct journal *j)
{
	if (j->fd >= 0)
		close(j->fd);
	j->fd = -1;
}

/* The one string field of a record: its name or path. */
static const char *rec_name(const struct journal_rec *rec)
{
	switch (rec->kind) {
	case JOURNAL_NETNS:
		return rec->netns.name;
	case JOURNAL_LINK:
		return rec->link.ifname;
	case JOURNAL_PINDIR:
		return rec->pindir.path;
	case JOURNAL_PIN:
		return rec->pin.path;
	case JOURNAL_CLSACT:
		return rec->clsact.ifname;
	case JOURNAL_NETNS_INO:
		return rec->netns_ino.name;
	case JOURNAL_ROUTE:
		return rec->route.prefix;
	case JOURNAL_HOSTNS:
	case JOURNAL_PLACE:
		break;
	}
	return NULL;
}

int journal_rec_str(const struct journal_rec *rec, char *buf, size_t len)
{
	const char *forget = rec->forget ? "forget " : "";
	const char *name = rec_name(rec);
	int n;

	if ((unsigned int)rec->kind >= N_KINDS)
		return -EINVAL;
	/* The parser splits on blanks: a name with one would read back wrong. */
	if (name && (!name[0] || strpbrk(name, " \t\r\n")))
		return -EINVAL;
	if (rec->kind == JOURNAL_HOSTNS)
		n = snprintf(buf, len, "%shostns %lu", forget, rec->hostns.ino);
	else if (rec->kind == JOURNAL_PLACE)
		n = snprintf(buf, len, "%splace %lu %lu %lu", forget, rec->place.mntns,
			     rec->place.bpffs_dev, rec->place.netns_dev);
	else if (rec->kind == JOURNAL_NETNS_INO)
		n = snprintf(buf, len, "%snetns-ino %s %lu", forget, name, rec->netns_ino.ino);
	else if (rec->kind == JOURNAL_CLSACT)
		n = snprintf(buf, len, "%stc %s %s %u %u", forget, name,
			     rec->clsact.ingress ? "ingress" : "egress", rec->clsact.handle,
			     rec->clsact.prio);
	else
		n = snprintf(buf, len, "%s%s %s", forget, kind_names[rec->kind], name);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int journal_write(struct journal *j, const struct journal_rec *rec)
{
	char buf[JOURNAL_NAME_MAX + 64];
	size_t n;
	int err = journal_rec_str(rec, buf, sizeof(buf) - 1);

	if (err)
		return err;
	n = strlen(buf);
	buf[n++] = '\n';
	/* One write(2) per record: a killed process leaves whole lines. */
	if (write(j->fd, buf, n) != (ssize_t)n)
		return errno ? -errno : -EIO;
	return 0;
}

static int write_named(struct journal *j, enum journal_kind kind, const char *name, bool forget)
{
	struct journal_rec rec = { .kind = kind, .forget = forget };
	char *field = (char *)rec_name(&rec);

	if (snprintf(field, JOURNAL_NAME_MAX, "%s", name) >= JOURNAL_NAME_MAX)
		return -ENAMETOOLONG;
	return journal_write(j, &rec);
}

int journal_netns(struct journal *j, const char *name, bool forget)
{
	return write_named(j, JOURNAL_NETNS, name, forget);
}

int journal_link(struct journal *j, const char *ifname, bool forget)
{
	return write_named(j, JOURNAL_LINK, ifname, forget);
}

int journal_route(struct journal *j, const char *prefix, bool forget)
{
	return write_named(j, JOURNAL_ROUTE, prefix, forget);
}

int journal_pin(struct journal *j, const char *path)
{
	return write_named(j, JOURNAL_PIN, path, false);
}

int journal_netns_ino(struct journal *j, const char *name, unsigned long ino)
{
	struct journal_rec rec = { .kind = JOURNAL_NETNS_INO, .netns_ino.ino = ino };

	if (snprintf(rec.netns_ino.name, JOURNAL_NAME_MAX, "%s", name) >= JOURNAL_NAME_MAX)
		return -ENAMETOOLONG;
	return journal_write(j, &rec);
}

int journal_place(struct journal *j, const struct place *p)
{
	struct journal_rec rec = { .kind = JOURNAL_PLACE, .place = *p };

	return journal_write(j, &rec);
}

/* %255s: JOURNAL_NAME_MAX - 1 */
#define NAME_FMT "%255s"
_Static_assert(JOURNAL_NAME_MAX == 256, "NAME_FMT follows JOURNAL_NAME_MAX");

/* One line into rec: 1 parsed, 0 not a record we know (skip it). */
static int parse_line(const char *line, struct journal_rec *rec)
{
	char kind[16], dir[16];
	unsigned int k;
	int end = 0;

	memset(rec, 0, sizeof(*rec));
	if (!strncmp(line, "forget ", 7)) {
		rec->forget = true;
		line += 7;
	}
	if (sscanf(line, "%15s %n", kind, &end) != 1 || !end)
		return 0;
	for (k = 0; k < N_KINDS && strcmp(kind, kind_names[k]); k++)
		;
	if (k == N_KINDS)
		return 0;
	rec->kind = (enum journal_kind)k;
	line += end;
	if (rec->kind == JOURNAL_HOSTNS)
		return sscanf(line, "%lu", &rec->hostns.ino) == 1;
	if (rec->kind == JOURNAL_PLACE)
		return sscanf(line, "%lu %lu %lu", &rec->place.mntns, &rec->place.bpffs_dev,
			      &rec->place.netns_dev) == 3;
	if (rec->kind == JOURNAL_NETNS_INO)
		return sscanf(line, NAME_FMT " %lu", rec->netns_ino.name, &rec->netns_ino.ino) == 2;
	if (rec->kind != JOURNAL_CLSACT)
		return sscanf(line, NAME_FMT, (char *)rec_name(rec)) == 1;
	if (sscanf(line, NAME_FMT " %15s %u %u", rec->clsact.ifname, dir, &rec->clsact.handle,
		   &rec->clsact.prio) != 4)
		return 0;
	rec->clsact.ingress = !strcmp(dir, "ingress");
	return 1;
}

static bool rec_equal(const struct journal_rec *a, const struct journal_rec *b)
{
	char sa[JOURNAL_NAME_MAX + 64], sb[JOURNAL_NAME_MAX + 64];

	return !journal_rec_str(a, sa, sizeof(sa)) && !journal_rec_str(b, sb, sizeof(sb)) &&
	       !strcmp(sa, sb);
}

/* A forget record drops itself and the nearest equal record before it. */
static void apply_forget(struct journal_recs *r, const struct journal_rec *forget)
{
	struct journal_rec want = *forget;

	want.forget = false;
	for (size_t i = r->n; i-- > 0;) {
		if (rec_equal(&r->rec[i], &want)) {
			memmove(&r->rec[i], &r->rec[i + 1], (r->n - i - 1) * sizeof(r->rec[0]));
			r->n--;
			return;
		}
	}
}

static int recs_add(struct journal_recs *r, const struct journal_rec *rec, size_t *cap)
{
	if (rec->forget) {
		apply_forget(r, rec);
		return 0;
	}
	if (r->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct journal_rec *grown = realloc(r->rec, ncap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		r->rec = grown;
		*cap = ncap;
	}
	r->rec[r->n++] = *rec;
	return 0;
}

int journal_read(const char *lab, struct journal_recs *out)
{
	char path[512];

	state_path(lab, "journal", path, sizeof(path));
	return journal_read_path(path, out);
}

int journal_read_path(const char *path, struct journal_recs *out)
{
	struct journal_rec rec;
	size_t cap = 0, rcap = 0;
	char *line = NULL;
	int err = 0;
	FILE *f;

	memset(out, 0, sizeof(*out));
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (!err && getline(&line, &cap, f) >= 0) {
		line[strcspn(line, "\r\n")] = '\0';
		if (parse_line(line, &rec))
			err = recs_add(out, &rec, &rcap);
		else if (line[0])
			pr_debug("%s: skipped \"%s\"\n", path, line);
	}
	free(line);
	fclose(f);
	if (err)
		journal_recs_free(out);
	return err;
}

void journal_recs_free(struct journal_recs *r)
{
	free(r->rec);
	memset(r, 0, sizeof(*r));
}

unsigned long journal_recorded_ino(const struct journal_recs *jl, const char *name)
{
	for (size_t i = jl->n; i-- > 0;)
		if (jl->rec[i].kind == JOURNAL_NETNS_INO &&
		    !strcmp(jl->rec[i].netns_ino.name, name))
			return jl->rec[i].netns_ino.ino;
	return 0;
}
