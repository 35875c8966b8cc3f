#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# cgroup-progs.sh LAB: the program ids of LAB's pinned cgroup hooks, on one line.
# A pin without a program shows as a missing id (the caller counts them).
set -eu
for f in /sys/fs/bpf/nsbpf/"$1"/cg_sock_*; do
	bpftool -j link show pinned "$f" | jq -e .prog_id
done | tr '\n' ' '
