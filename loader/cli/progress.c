// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Progress of up and down on a terminal: one line, rewritten in place. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/progress.h"

bool progress_wanted(bool tty, bool json, size_t nodes)
{
	return tty && !json && nodes >= PROGRESS_MIN_NODES;
}

int progress_format(char *buf, size_t len, const char *phase, size_t done, size_t total)
{
	/* \033[K: clear what a longer line before left */
	if (!total)
		return snprintf(buf, len, "\r%s\033[K", phase);
	return snprintf(buf, len, "\r%s %zu/%zu\033[K", phase, done, total);
}

static void progress_show(void *arg, const char *phase, size_t done, size_t total)
{
	struct cli_progress *p = arg;
	size_t step = total / 100 ? total / 100 : 1;
	bool same = !strcmp(p->phase, phase);
	char line[96];

	/* a new phase, its end, or a hundredth more: not a write per node */
	if (same && done != total && done < p->last_done + step)
		return;
	snprintf(p->phase, sizeof(p->phase), "%s", phase);
	p->last_done = done;
	progress_format(line, sizeof(line), phase, done, total);
	fputs(line, p->f);
	fflush(p->f);
	p->shown = true;
}

void progress_init(struct cli_progress *p, size_t nodes)
{
	memset(p, 0, sizeof(*p));
	p->f = stderr;
	p->on = progress_wanted(isatty(STDERR_FILENO), cli_opts.json, nodes);
	p->lp.fn = p->on ? progress_show : NULL;
	p->lp.arg = p;
}

void progress_end(struct cli_progress *p)
{
	if (p->shown)
		fputs("\r\033[K", p->f);
	fflush(p->f);
	p->shown = false;
}
