/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Progress of up and down on a terminal: one line on stderr, rewritten in
 * place ("\rcreating nodes 120/500"), for labs of PROGRESS_MIN_NODES nodes
 * or more; never under --json, never when stderr is not a terminal.
 */
#ifndef NSBPF_CLI_PROGRESS_H
#define NSBPF_CLI_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "lab/lab.h"

#define PROGRESS_MIN_NODES 50

struct cli_progress {
	FILE *f;
	bool on;
	bool shown;	  /* a line is on the terminal: progress_end() clears it */
	size_t last_done; /* throttle: about 100 updates a phase */
	char phase[48];
	struct lab_progress lp; /* what lab_up()/lab_down() take */
};

/* Show progress for a lab of nodes nodes? */
bool progress_wanted(bool tty, bool json, size_t nodes);
/* "\rcreating nodes 120/500\033[K" ("\rloading the datapath\033[K" for total 0). */
int progress_format(char *buf, size_t len, const char *phase, size_t done, size_t total);

/* p->lp reports to stderr when progress_wanted() for this run; else to nothing. */
void progress_init(struct cli_progress *p, size_t nodes);
/* Clear the line, before the command prints its result or its errors. */
void progress_end(struct cli_progress *p);

#endif /* NSBPF_CLI_PROGRESS_H */
