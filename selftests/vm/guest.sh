#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# guest.sh OUT: one row of the kernel matrix, on the running kernel. Run by
# the VM's init (selftests/vm/init, after switch_root) and, for the host row,
# by run-matrix.sh natively in private net and mount namespaces.
#
# Suites, each with a time limit (NSBPF_STEP_TIMEOUT, default 200 s):
#   load       every program of every .output/bpf/*.bpf.o loads; the
#              verifier's instructions processed per program -> OUT/insns.txt
#   selftests  the BPF_PROG_TEST_RUN selftests (Criterion), in a private netns
#   smoke      selftests/vm/smoke.sh with NSBPF_ATTACH=auto, then =clsact
#   netem      the integration test of a link's netem delay (ping RTT >= the
#              delay): SKIP only when the kernel has no netem qdisc
#
# Writes OUT/results.tsv (suite, attach, PASS/FAIL/SKIP, seconds, detail), one
# log per suite, and OUT/kernel. Prints one line per suite. Exit status 0 when
# no suite failed, 1 otherwise.
set -uo pipefail

[ $# -eq 1 ] || { echo "usage: $0 OUT" >&2; exit 2; }
out=$1
top=$(cd "$(dirname "$0")/../.." && pwd -P)
limit=${NSBPF_STEP_TIMEOUT:-200}
mkdir -p "$out"
: > "$out/results.tsv"
uname -r > "$out/kernel"
rc=0

now() { read -r t _ < /proc/uptime; echo "$t"; }

# record SUITE ATTACH RESULT START DETAIL
record() {
	local secs
	secs=$(awk -v a="$4" -v b="$(now)" 'BEGIN { printf "%.0f", b - a }')
	printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$secs" "$5" >> "$out/results.tsv"
	echo "guest: $1 $2 $3 (${secs}s) $5"
	case $3 in PASS | SKIP) ;; *) rc=1 ;; esac
}

# run LOG CMD...: CMD under the time limit, output to LOG; its status, 124 on timeout.
run() {
	local logf=$1
	shift
	timeout -k 5 "$limit" "$@" > "$logf" 2>&1
}

# load: the CO-RE objects as built once, on this kernel.
t0=$(now)
objs=("$top"/.output/bpf/*.bpf.o)
if [ ! -e "${objs[0]}" ]; then
	record load - FAIL "$t0" "no .output/bpf/*.bpf.o (run make)"
else
	run "$out/load.log" "$top/.output/selftests/prog_insns" "${objs[@]}"
	st=$?
	# prog_insns writes its table to stdout, libbpf's messages to stderr: split.
	grep -E '^[^ ]+\.bpf\.o [^ ]+ ([0-9]+|n/a|FAIL)$' "$out/load.log" > "$out/insns.txt"
	n=$(wc -l < "$out/insns.txt")
	bad=$(awk '$3 == "FAIL" { printf "%s%s", s, $2; s = " " }' "$out/insns.txt")
	if [ $st = 0 ] && [ "$n" -gt 0 ]; then
		record load - PASS "$t0" "$n programs loaded"
	elif [ $st = 124 ]; then
		record load - FAIL "$t0" "timed out after ${limit}s"
	else
		record load - FAIL "$t0" "not loaded: ${bad:-see load.log}"
	fi
fi

# selftests: Criterion's closing line is "[====] Synthesis: Tested: N | Passing: N | ...".
# Criterion re-executes its binary for every test: run a copy, so that a
# rebuild during the run cannot swap it (and, in a VM, off 9p).
t0=$(now)
snap=$(mktemp -d)
if cp "$top/.output/selftests/selftests" "$snap/selftests" 2> "$out/selftests.log"; then
	run "$out/selftests.log" unshare --net "$snap/selftests" --verbose=0 --jobs 1
	st=$?
else
	st=127
fi
rm -rf "$snap"
syn=$(grep -a 'Synthesis:' "$out/selftests.log" | tail -n 1)
tested=$(echo "$syn" | sed -n 's/.*Tested: *\([0-9]*\).*/\1/p')
passing=$(echo "$syn" | sed -n 's/.*Passing: *\([0-9]*\).*/\1/p')
failing=$(echo "$syn" | sed -n 's/.*Failing: *\([0-9]*\).*/\1/p')
crashing=$(echo "$syn" | sed -n 's/.*Crashing: *\([0-9]*\).*/\1/p')
if [ $st = 124 ]; then
	record selftests - FAIL "$t0" "timed out after ${limit}s"
elif [ -z "$syn" ]; then
	record selftests - FAIL "$t0" "exit $st, no Criterion synthesis"
elif [ $st = 0 ] && [ "${tested:-0}" -gt 0 ]; then
	record selftests - PASS "$t0" "$passing passed, 0 failed"
elif [ $st = 0 ]; then
	record selftests - FAIL "$t0" "no test ran"
else
	record selftests - FAIL "$t0" "$passing passed, $((failing + crashing)) failed (exit $st)"
fi

# smoke, in every attach mode: auto (clsact on the host ends, tcx on the
# uplink where the kernel has it, else clsact), clsact, and tcx where it exists.
for mode in auto clsact tcx; do
	t0=$(now)
	if [ "$mode" = tcx ] && ! grep -qE ' (tcx_link_attach|tcx_prog_attach)$' /proc/kallsyms; then
		record smoke tcx SKIP "$t0" "no tcx links in this kernel"
		continue
	fi
	NSBPF_ATTACH=$mode run "$out/smoke-$mode.log" "$top/selftests/vm/smoke.sh"
	st=$?
	got=$(sed -n 's/^attach: //p' "$out/smoke-$mode.log" | tail -n 1)
	sum=$(sed -n 's/^smoke: \([0-9]* passed.*\)/\1/p' "$out/smoke-$mode.log" | tail -n 1)
	# the attach column: what was asked, and for auto what it chose
	att=$mode
	[ "$mode" = auto ] && att="auto:${got:-?}"
	[ "$att" = auto:none ] && att="auto:?"
	if [ $st = 124 ]; then
		record smoke "$att" FAIL "$t0" "timed out after ${limit}s"
	elif [ $st = 0 ]; then
		record smoke "$att" PASS "$t0" "$sum"
	else
		fails=$(awk '/^FAIL / { sub(/^FAIL +/, ""); printf "%s%s", s, $0; s = "; " }' \
			"$out/smoke-$mode.log")
		record smoke "$att" FAIL "$t0" "${fails:-exit $st}"
	fi
done

# netem: the integration test legs/a_link_with_netem_delay_delays_both_ways,
# from a copy of the binary like the selftests. Criterion reports a skipped
# test as "[SKIP] suite::name: reason" and leaves it out of "Tested".
t0=$(now)
snap=$(mktemp -d)
if cp "$top/.output/tests/integ_tests" "$snap/integ_tests" 2> "$out/netem.log"; then
	NSBPF=$top/.output/nsbpf NSBPF_TEST_SCRIPTS=$top/tests/integ/scripts NSBPF_ATTACH=auto \
		run "$out/netem.log" "$snap/integ_tests" --verbose=0 --jobs 1 \
		--filter 'legs/a_link_with_netem_delay_delays_both_ways'
	st=$?
else
	st=127
fi
rm -rf "$snap"
syn=$(grep -a 'Synthesis:' "$out/netem.log" | tail -n 1)
tested=$(echo "$syn" | sed -n 's/.*Tested: *\([0-9]*\).*/\1/p')
passing=$(echo "$syn" | sed -n 's/.*Passing: *\([0-9]*\).*/\1/p')
why=$(sed -n 's/^\[SKIP\] legs::a_link_with_netem_delay_delays_both_ways: //p' "$out/netem.log")
if [ $st = 124 ]; then
	record netem - FAIL "$t0" "timed out after ${limit}s"
elif [ $st = 0 ] && [ "${tested:-0}" = 1 ] && [ "${passing:-0}" = 1 ]; then
	record netem - PASS "$t0" "$(grep -ao 'rtt [0-9.]* ms over a link of [0-9]* ms each way' "$out/netem.log" | tail -n 1 || true)"
elif [ $st = 0 ] && [ "${tested:-0}" = 0 ] && [ -n "$why" ]; then
	record netem - SKIP "$t0" "$why"
else
	record netem - FAIL "$t0" "exit $st, ${syn:-no Criterion synthesis}"
fi

exit $rc
