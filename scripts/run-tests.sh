#!/bin/sh
# The test command of the README and of CI: unit tests, BPF selftests,
# integration tests (attach auto, then with tcx and clsact forced).
# Prints one closing line: "tests: N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.."

OUT=.output
LOG=$OUT/test-logs
mkdir -p "$LOG"
passed=0 failed=0 skipped=0 status=0

# suite NAME COMMAND...: run it, echo its output, add up its Criterion synthesis.
suite() {
	name=$1
	shift
	echo "=== $name: $*"
	"$@" >"$LOG/$name.log" 2>&1
	rc=$?
	cat "$LOG/$name.log"
	line=$(grep 'Synthesis:' "$LOG/$name.log" | tail -n 1)
	if [ -z "$line" ]; then
		echo "=== $name: no test summary (exit $rc)"
		failed=$((failed + 1))
		status=1
		return
	fi
	t=$(echo "$line" | sed -n 's/.*Tested: \([0-9]*\).*/\1/p')
	p=$(echo "$line" | sed -n 's/.*Passing: \([0-9]*\).*/\1/p')
	f=$(echo "$line" | sed -n 's/.*Failing: \([0-9]*\).*/\1/p')
	s=$(grep -c '^\[SKIP\]' "$LOG/$name.log")
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	if [ "$rc" != 0 ] || [ "$f" != 0 ]; then
		status=1
	fi
	echo "=== $name: $p of $t passed (exit $rc)"
}

NSBPF=$(pwd)/$OUT/nsbpf
export NSBPF
suite unit $OUT/tests/unit_tests --jobs 2
if [ "$(id -u)" = 0 ]; then
	suite selftest unshare --net $OUT/selftests/selftests
	suite fuzz env FUZZ_SECONDS=5 FUZZ_PACKETS=20000 unshare --net $OUT/selftests/selftests --filter 'fuzz/*'
	suite integ-auto env NSBPF_ATTACH=auto $OUT/tests/integ_tests --jobs 1
	# auto: clsact on the host ends, tcx on the uplink; then each forced.
	for f in datapath masq forward multilab ipv6; do
		suite integ-tcx-$f env NSBPF_ATTACH=tcx $OUT/tests/integ_tests --jobs 1 --filter "$f/*"
	done
	for f in masq forward hardening multilab forward6; do
		suite integ-clsact-$f env NSBPF_ATTACH=clsact $OUT/tests/integ_tests --jobs 1 --filter "$f/*"
	done
else
	echo "=== selftests and integration tests need root: skipped"
	skipped=$((skipped + 1))
fi
echo "tests: $passed passed, $failed failed, $skipped skipped" | tee $OUT/test-summary
exit $status
