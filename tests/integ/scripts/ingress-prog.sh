#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# ingress-prog.sh LAB IFNAME: the id of the program at ingress of the host end
# IFNAME, through its pinned tcx link or its clsact filter.
set -eu
link=/sys/fs/bpf/nsbpf/$1/tcx_$2_in
if [ -e "$link" ]; then
	bpftool -j link show pinned "$link" | jq -e .prog_id
else
	bpftool -j net show dev "$2" |
		jq -e '.[0].tc[] | select(.kind == "clsact/ingress") | .id'
fi
