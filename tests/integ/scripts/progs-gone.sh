#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# progs-gone.sh ID...: none of these BPF programs is loaded any more.
for id in "$@"; do
	if bpftool prog show id "$id" >/dev/null 2>&1; then
		echo "program $id is still loaded"
		exit 1
	fi
done
exit 0
