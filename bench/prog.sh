#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# from_node's cost per packet under BPF_PROG_TEST_RUN: runs the selftest
# bench/* cases (selftests/bench_prog.c, NSBPF_BENCH=1) in the private
# sandbox of bench/lib.sh and turns their lines into bench/results/prog.*.
#   bench/prog.sh [SELFTESTS_BINARY]
# Exits 77 (skipped) when the binary or its bench cases are not there.
set -u -o pipefail
BENCH_NAME=prog
. "$(dirname "$0")/lib.sh"
bench_sandbox "$@"

BIN=${1:-$BENCH_TOP/.output/selftests/selftests}
[ -x "$BIN" ] || { bench_log "no $BIN: skipped"; exit 77; }

OUT=$BENCH_SCRATCH/prog.txt
ENV_BEFORE=$(bench_env_json)
NSBPF_BENCH=1 timeout 300 "$BIN" --verbose=0 --filter 'bench/*' >"$OUT" 2>&1
rc=$?
cat "$OUT"
# "  <case>   prog 129.4 ns/packet   syscall 1336.1 ns (98 bytes)"
ROWS=$BENCH_SCRATCH/rows.tsv
sed -n 's/^  \(.*[^ ]\) \{1,\}prog \{1,\}\([0-9.]*\) ns\/packet \{1,\}syscall \{1,\}\([0-9.]*\) ns (\([0-9]*\) bytes)$/\1\t\2\t\3\t\4/p' \
	"$OUT" >"$ROWS"
if [ ! -s "$ROWS" ]; then
	if grep -q '^\[FAIL\] bench' "$OUT"; then
		bench_log "the bench/* selftest FAILED (exit $rc): no result"
		exit 1
	fi
	bench_log "no bench/* case ran (exit $rc): skipped"
	exit 77
fi

jq -Rn --argjson env "$ENV_BEFORE" --argjson rc "$rc" '
	{bench: "prog", unit: "ns per packet (mean)", env: $env, exit: $rc,
	 cases: [inputs | split("\t") | {case: .[0], prog_ns: (.[1] | tonumber),
	          syscall_ns: (.[2] | tonumber), bytes: (.[3] | tonumber)}]}' \
	"$ROWS" >"$BENCH_SCRATCH/prog.json"
{
	echo "# from_node under BPF_PROG_TEST_RUN"
	echo
	echo "Mean ns per packet (selftests/bench_prog.c; \"prog\" is the kernel's test_run"
	echo "duration, \"syscall\" the whole bpf() call). The floor row is a program that only counts."
	echo
	echo "| case | prog ns | syscall ns | bytes |"
	echo "|---|---:|---:|---:|"
	awk -F'\t' '{ printf "| %s | %s | %s | %s |\n", $1, $2, $3, $4 }' "$ROWS"
	echo
	echo "Load average $(echo "$ENV_BEFORE" | jq -r .loadavg); kernel $(uname -r), git $(echo "$ENV_BEFORE" | jq -r .git)."
} >"$BENCH_SCRATCH/prog.md"
bench_save prog "$BENCH_SCRATCH/prog.json" "$BENCH_SCRATCH/prog.md"
exit $rc
