#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The datapath's cost per packet under BPF_PROG_TEST_RUN: runs the selftest
# bench/* cases (selftests/bench_prog.c, NSBPF_BENCH=1) in the private
# sandbox of bench/lib.sh and turns their lines into bench/results/prog.*.
#
#   bench/prog.sh [--baseline BASE_BINARY] [--repeats N] [SELFTESTS_BINARY]
#
# With --baseline (or PROG_BASELINE=BASE_BINARY in the environment, for
# `make bench-prog`), both binaries run in the same sandbox, interleaved
# (SELFTESTS_BINARY, BASE_BINARY, SELFTESTS_BINARY, ...: N times each,
# default 3), and every case gets the mean ns/packet of each and the ratio
# new/baseline (the mean's, the lowest and highest of the rounds' paired
# ratios, and the ratio once each binary's floor row is taken off). Cases
# are matched by name: build the baseline with the bench sources of the tree
# under test, so that both run the same packets through different datapaths:
#
#   git worktree add /tmp/nsbpf-base REV
#   mkdir -p /tmp/nsbpf-base/.output && cp .output/vmlinux.h /tmp/nsbpf-base/.output/
#   cp selftests/bench_prog.c selftests/pkt.c selftests/pkt.h /tmp/nsbpf-base/selftests/
#   make -C /tmp/nsbpf-base .output/selftests/selftests
#   bench/prog.sh --baseline /tmp/nsbpf-base/.output/selftests/selftests
#   git worktree remove --force /tmp/nsbpf-base
#
# NSBPF_BENCH_N (runs per case, default 200000) goes through to the binaries.
# Exits 77 (skipped) when a binary or its bench cases are not there, 1 when a
# run failed (its results are still written), 2 on a bad option.
set -u -o pipefail
BENCH_NAME=prog
. "$(dirname "$0")/lib.sh"

usage() {
	echo "usage: bench/prog.sh [--baseline BASE_BINARY] [--repeats N] [SELFTESTS_BINARY]" >&2
	exit 2
}

BASE=${PROG_BASELINE:-}
REPEATS=""
BIN=""
while [ $# -gt 0 ]; do
	case $1 in
	--baseline) [ $# -ge 2 ] || usage; BASE=$2; shift 2 ;;
	--baseline=*) BASE=${1#*=}; shift ;;
	--repeats) [ $# -ge 2 ] || usage; REPEATS=$2; shift 2 ;;
	--repeats=*) REPEATS=${1#*=}; shift ;;
	-h|--help) usage ;;
	-*) echo "prog: unknown option $1" >&2; usage ;;
	*) [ -z "$BIN" ] || usage; BIN=$1; shift ;;
	esac
done
[ -z "$REPEATS" ] && REPEATS=$([ -n "$BASE" ] && echo 3 || echo 1)
[[ "$REPEATS" =~ ^[1-9][0-9]*$ ]] || { echo "prog: --repeats wants a positive number" >&2; exit 2; }
# absolute paths: the sandbox re-executes this script
abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
[ -n "$BIN" ] && BIN=$(abs "$BIN")
[ -n "$BASE" ] && BASE=$(abs "$BASE")

args=()
[ -n "$BASE" ] && args+=(--baseline "$BASE")
args+=(--repeats "$REPEATS")
[ -n "$BIN" ] && args+=("$BIN")
bench_sandbox "${args[@]}"

BIN=${BIN:-$BENCH_TOP/.output/selftests/selftests}
for b in "$BIN" ${BASE:+"$BASE"}; do
	[ -x "$b" ] || { bench_log "no $b: skipped"; exit 77; }
done

# The git revision a binary was built from: the tree two levels above
# .output/selftests/, with the files that differ from it.
bin_rev() {
	local top rev dirty
	top=$(cd "$(dirname "$1")/../.." 2>/dev/null && git rev-parse --show-toplevel 2>/dev/null) ||
		{ echo unknown; return; }
	rev=$(git -C "$top" rev-parse --short HEAD 2>/dev/null) || { echo unknown; return; }
	dirty=$(git -C "$top" status --porcelain --untracked-files=no 2>/dev/null |
		awk '{ print $2 }' | paste -sd' ')
	echo "$rev${dirty:+ + changes to $dirty}"
}

ENV_BEFORE=$(bench_env_json)
ROWS=$BENCH_SCRATCH/rows.tsv
: >"$ROWS"
rc=0
# "  <case>   prog 129.4 ns/packet   syscall 1336.1 ns (98 bytes)"
ROW_RE='s/^  \(.*[^ ]\) \{1,\}prog \{1,\}\([0-9.]*\) ns\/packet \{1,\}syscall \{1,\}\([0-9.]*\) ns (\([0-9]*\) bytes)$/\1\t\2\t\3\t\4/p'
# "  <case>   trimmed 120.3 ns/packet   median 120 ns   p99 171 ns" (older binaries: none)
TRIM_RE='s/^  \(.*[^ ]\) \{1,\}trimmed \{1,\}\([0-9.]*\) ns\/packet \{1,\}median \{1,\}\([0-9]*\) ns \{1,\}p99 \{1,\}\([0-9]*\) ns$/\1\t\2\t\3\t\4/p'
TRIMS=$BENCH_SCRATCH/trims.tsv
: >"$TRIMS"
run_one() {	# SIDE ROUND BINARY
	local out=$BENCH_SCRATCH/run-$1-$2.txt r
	bench_log "round $2: $1 ($3)"
	NSBPF_BENCH=1 timeout 300 "$3" --verbose=0 --filter 'bench/*' >"$out" 2>&1
	r=$?
	if [ $r != 0 ] || grep -q '^\[FAIL\] bench' "$out"; then
		bench_log "$1, round $2: the bench/* selftest FAILED (exit $r):"
		grep -v '^\[SKIP\]\|^\[====\] Running' "$out" >&2
		[ $r = 0 ] && r=1
		[ $rc = 0 ] && rc=$r
	fi
	sed -n "$ROW_RE" "$out" | awk -F'\t' -v s="$1" -v n="$2" -v OFS='\t' '{ print s, n, $0 }' \
		>>"$ROWS"
	sed -n "$TRIM_RE" "$out" | awk -F'\t' -v s="$1" -v n="$2" -v OFS='\t' '{ print s, n, $0 }' \
		>>"$TRIMS"
}

for ((i = 1; i <= REPEATS; i++)); do
	run_one new "$i" "$BIN"
	[ -n "$BASE" ] && run_one baseline "$i" "$BASE"
done
[ -n "$BASE" ] || cat "$BENCH_SCRATCH/run-new-1.txt"

if ! awk -F'\t' '$1 == "new"' "$ROWS" | grep -q .; then
	if [ $rc != 0 ]; then
		bench_log "no result"
		exit 1
	fi
	bench_log "no bench/* case ran: skipped"
	exit 77
fi
if [ -n "$BASE" ] && ! awk -F'\t' '$1 == "baseline"' "$ROWS" | grep -q .; then
	bench_log "the baseline ran no bench/* case"
	[ $rc = 0 ] && rc=1
fi

# Per case, in the order the new binary prints them (then baseline-only
# ones): each side's mean prog and syscall ns over the rounds, the rounds'
# values, the trimmed means (the fastest 99 % of the runs), and the ratios
# new/baseline: of the means, per round (paired), of the trimmed means, and
# less the floor row ("floor: ...", the test_run timer's own cost; only where
# a row is 20 ns above it or more, else it is noise).
jq -n --argjson env "$ENV_BEFORE" --argjson rc "$rc" --argjson repeats "$REPEATS" \
	--arg n "${NSBPF_BENCH_N:-200000}" --arg bin "$BIN" --arg binrev "$(bin_rev "$BIN")" \
	--arg base "$BASE" --arg baserev "$([ -n "$BASE" ] && bin_rev "$BASE")" \
	--arg loadafter "$(cut -d' ' -f1-3 /proc/loadavg)" \
	--rawfile rows "$ROWS" --rawfile trims "$TRIMS" '
	def mean: if length == 0 then null else add / length end;
	def median: if length == 0 then null else sort as $s | length as $n
	            | if $n % 2 == 1 then $s[($n - 1) / 2] else ($s[$n / 2 - 1] + $s[$n / 2]) / 2 end
	            end;
	def r3: if . == null then null else (. * 1000 | round) / 1000 end;
	def r1: if . == null then null else (. * 10 | round) / 10 end;
	def ratio($x; $y): if $x != null and $y != null and $y > 0 then $x / $y | r3 else null end;
	def tsv: split("\n") | map(select(length > 0) | split("\t"));
	($rows | tsv | map({side: .[0], round: (.[1] | tonumber), case: .[2],
	  prog: (.[3] | tonumber), syscall: (.[4] | tonumber), bytes: (.[5] | tonumber)})) as $r
	| ($trims | tsv | map({side: .[0], round: (.[1] | tonumber), case: .[2],
	  trimmed: (.[3] | tonumber), median: (.[4] | tonumber), p99: (.[5] | tonumber)})) as $t
	| ([$r[] | select(.side == "new") | .case] + [$r[] | .case]
	   | reduce .[] as $c ([]; if index([$c]) then . else . + [$c] end)) as $order
	| def side($s; $c): [$r[] | select(.side == $s and .case == $c)];
	  def tside($s; $c): [$t[] | select(.side == $s and .case == $c)];
	  def floor($s): [$r[] | select(.side == $s and (.case | startswith("floor")))]
	                 | map(.prog) | mean;
	  floor("new") as $fn | floor("baseline") as $fb
	| {bench: "prog", unit: "ns per packet (mean)", env: $env, exit: $rc,
	   runs_per_case: ($n | tonumber), repeats: $repeats, load_after: $loadafter,
	   binary: {path: $bin, git: $binrev}}
	  + (if $base == "" then {} else
	     {baseline: {path: $base, git: $baserev},
	      order: "interleaved: new, baseline, new, baseline, ..."} end)
	  + {cases: [$order[] as $c
	     | side("new"; $c) as $a | side("baseline"; $c) as $b
	     | tside("new"; $c) as $ta | tside("baseline"; $c) as $tb
	     | ($a | map(.prog) | mean) as $an | ($b | map(.prog) | mean) as $bn
	     | ($ta | map(.trimmed) | mean) as $tan | ($tb | map(.trimmed) | mean) as $tbn
	     | {case: $c, prog_ns: ($an | r1), syscall_ns: ($a | map(.syscall) | mean | r1),
	        bytes: (($a + $b)[0].bytes), prog_ns_runs: ($a | map(.prog)),
	        trimmed_ns: ($tan | r1), median_ns: ($ta | map(.median) | mean | r1)}
	       + (if $base == "" then {} else
	          {baseline_prog_ns: ($bn | r1),
	           baseline_syscall_ns: ($b | map(.syscall) | mean | r1),
	           baseline_prog_ns_runs: ($b | map(.prog)),
	           baseline_trimmed_ns: ($tbn | r1),
	           baseline_median_ns: ($tb | map(.median) | mean | r1),
	           ratio: ratio($an; $bn),
	           ratio_rounds: [range(1; $repeats + 1) as $i
	             | ratio([$a[] | select(.round == $i)][0].prog;
	                     [$b[] | select(.round == $i)][0].prog)
	             | select(. != null)],
	           ratio_rounds_median: ([range(1; $repeats + 1) as $i
	             | ratio([$a[] | select(.round == $i)][0].prog;
	                     [$b[] | select(.round == $i)][0].prog)
	             | select(. != null)] | median),
	           ratio_trimmed: ratio($tan; $tbn),
	           ratio_median: ratio($ta | map(.median) | mean; $tb | map(.median) | mean),
	           min_median_ns: ($ta | map(.median) | min),
	           baseline_min_median_ns: ($tb | map(.median) | min),
	           ratio_min_median: ratio($ta | map(.median) | min; $tb | map(.median) | min),
	           ratio_less_floor: (if $an != null and $bn != null and $fn != null and
	                                 $fb != null and ($c | startswith("floor") | not) and
	                                 $bn - $fb >= 20 and $an - $fn > 0
	                              then ratio($an - $fn; $bn - $fb) else null end)}
	          end)]}' >"$BENCH_SCRATCH/prog.json" || bench_die "jq"

J=$BENCH_SCRATCH/prog.json
{
	echo "# The datapath under BPF_PROG_TEST_RUN"
	echo
	echo "Mean ns per packet (selftests/bench_prog.c, $(jq -r .runs_per_case "$J") runs per case"
	echo "and round)."
	echo "\"prog\" is the kernel's test_run duration, \"syscall\" the whole bpf() call. The floor"
	echo "row is a program that only counts: the timer's own share of every row."
	echo
	if [ -n "$BASE" ]; then
		echo "$REPEATS rounds, each binary once per round, interleaved (new, baseline, new, ...)."
		echo "ratio: new / baseline of the means; rounds: the median of the rounds' paired"
		echo "ratios, and their lowest and highest; trimmed: the ratio of the means of each"
		echo "run's fastest 99 %; less floor: the ratio once each binary's floor row is taken"
		echo "off (\"-\" within 20 ns of the floor); median: the ratio of the per-packet"
		echo "medians (each run's median packet, averaged over the rounds); min median: the"
		echo "ratio of the lowest per-packet median of any round, the figure least moved by"
		echo "what else the machine runs (this VM has minutes-long phases where every program"
		echo "runs up to 1.7x slower: a round that falls into one moves the means, not the"
		echo "minimum; use 5 or more rounds)."
		echo
		echo "| case | baseline ns | new ns | ratio | rounds | trimmed | less floor | median | min median (ns) |"
		echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
		jq -r 'def f2: if . == null then "-" else (. * 100 | round / 100 | tostring) end;
			.cases[] | "| \(.case) | \(.baseline_prog_ns // "-") | \(.prog_ns // "-") | " +
			"\(.ratio | f2) | " +
			(if (.ratio_rounds | length) > 0 then
			   "\(.ratio_rounds_median | f2) (\(.ratio_rounds | min | f2)-\(.ratio_rounds | max | f2))"
			 else "-" end) +
			" | \(.ratio_trimmed | f2) | \(.ratio_less_floor | f2) | \(.ratio_median | f2) | " +
			"\(.ratio_min_median | f2) (\(.baseline_min_median_ns // "-") -> \(.min_median_ns // "-")) |"' "$J"
		echo
		over=$(jq -r '[.cases[] | select(.ratio != null and .ratio > 1.10) |
			"\(.case) (\(.ratio))"] | join("; ")' "$J")
		echo "Above +10 % (ratio of the means): ${over:-none}."
		over=$(jq -r '[.cases[] | select(.ratio_min_median != null and .ratio_min_median > 1.10) |
			"\(.case) (\(.ratio_min_median))"] | join("; ")' "$J")
		echo "Above +10 % (ratio of the lowest medians): ${over:-none}."
		echo
		echo "New: $BIN ($(jq -r .binary.git "$J"))."
		echo "Baseline: $BASE ($(jq -r .baseline.git "$J"))."
	else
		echo "| case | prog ns | trimmed ns | syscall ns | bytes |"
		echo "|---|---:|---:|---:|---:|"
		jq -r '.cases[] | "| \(.case) | \(.prog_ns // "-") | \(.trimmed_ns // "-") | " +
			"\(.syscall_ns // "-") | \(.bytes // "-") |"' "$J"
		echo
		echo "Binary: $BIN ($(jq -r .binary.git "$J"))."
	fi
	echo "Load average $(echo "$ENV_BEFORE" | jq -r .loadavg) before," \
		"$(cut -d' ' -f1-3 /proc/loadavg) after; kernel $(uname -r)," \
		"$(nproc) CPUs ($(echo "$ENV_BEFORE" | jq -r .cpu)); $(date -u +%Y-%m-%d)."
} >"$BENCH_SCRATCH/prog.md"
[ -n "$BASE" ] && cat "$BENCH_SCRATCH/prog.md"
bench_save prog "$J" "$BENCH_SCRATCH/prog.md"
exit $rc
