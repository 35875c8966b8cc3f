/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The maps a running lab has pinned, by name (completion of `map dump LAB MAP`). */
#ifndef NSBPF_LAB_PINNED_H
#define NSBPF_LAB_PINNED_H

#include "lab/lab.h"

/* Names of the maps under /sys/fs/bpf/nsbpf/LAB/, sorted: 0 or -errno; lab_names_free(). */
int lab_pinned_maps(const char *lab, struct lab_names *out);

#endif /* NSBPF_LAB_PINNED_H */
