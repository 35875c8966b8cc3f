#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Topology parsing: `nsbpf up --dry-run` (parse and check, nothing created,
# no root needed) of generated files, best of RUNS wall-clock times:
#   nodes-N         N nodes on one /8; past 4096 (NSB_MAX_ENDPOINTS) the
#                   file is refused at the first node past the limit
#   nodes-4096-fwd  the largest lab, and 40,000 forwards to its nodes
#   alias-N         N nodes written under another key and aliased as nodes:
#                   the limit is then found by the walk, after the load
#
#   bench/parse.sh                  SIZES="4096 10000 40000 60000 80000" RUNS=3
# Before the linear parser (commit 3f1df04): 40,000 nodes 4.8-22 s, 60,000
# 13.9 s, 80,000 31 s on the 2-CPU test machine (the walk compared every
# key with every earlier one). After: refused in milliseconds.
set -u -o pipefail
NSBPF=${NSBPF:-$(cd "$(dirname "$0")/.." && pwd)/.output/nsbpf}
SIZES=${SIZES:-4096 10000 40000 60000 80000}
RUNS=${RUNS:-3}
[ -x "$NSBPF" ] || { echo "parse: no $NSBPF: run make first" >&2; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# nodes FILE N [KEY]: N nodes, under KEY (aliased as nodes) when given
gen_nodes() {
	awk -v n="$2" -v key="${3:-}" 'BEGIN {
		print "name: p\nnetworks:\n  lan:\n    subnet: 10.0.0.0/8"
		print (key == "" ? "nodes:" : key ": &all")
		for (i = 1; i <= n; i++) printf "  n%d:\n    network: lan\n", i
		if (key != "") print "nodes: *all"
	}' >"$1"
}

gen_forwards() {
	gen_nodes "$1" 4096
	awk 'BEGIN { print "forwards:"
		for (i = 0; i < 40000; i++)	# tcp and udp 10000-29999: below the ephemeral range
			printf "  - {proto: %s, port: %d, to: n%d:80}\n", i % 2 ? "udp" : "tcp",
				10000 + int(i / 2), i % 4096 + 1 }' >>"$1"
}

# best FILE: the fastest of RUNS runs, in seconds, and the exit status
best() {
	local i t0 t1 ms best_ms= st
	for ((i = 0; i < RUNS; i++)); do
		t0=$(date +%s%N)
		"$NSBPF" up --dry-run "$1" >/dev/null 2>&1
		st=$?
		t1=$(date +%s%N)
		ms=$(((t1 - t0) / 1000000))
		[ -z "$best_ms" ] || [ "$ms" -lt "$best_ms" ] && best_ms=$ms
	done
	printf '%6d ms  exit %d' "$best_ms" "$st"
}

printf '%-16s %9s  %s\n' file size "best of $RUNS"
for n in $SIZES; do
	gen_nodes "$dir/nodes-$n.yaml" "$n"
	printf '%-16s %9s  %s\n' "nodes-$n" "$(du -h "$dir/nodes-$n.yaml" | cut -f1)" \
		"$(best "$dir/nodes-$n.yaml")"
done
gen_forwards "$dir/fwd.yaml"
printf '%-16s %9s  %s\n' nodes-4096-fwd "$(du -h "$dir/fwd.yaml" | cut -f1)" "$(best "$dir/fwd.yaml")"
gen_nodes "$dir/alias.yaml" 60000 x
printf '%-16s %9s  %s\n' alias-60000 "$(du -h "$dir/alias.yaml" | cut -f1)" "$(best "$dir/alias.yaml")"
