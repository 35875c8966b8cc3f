#!/bin/sh
# The man pages: scdoc turns each man/*.scd into roff, and man(1) renders
# it at 80 columns with troff's warnings on: no warning, no error, and the
# page has its NAME. Exit 77 (skip) without scdoc or man.
set -u
cd "$(dirname "$0")/../.."
for t in scdoc man; do
	command -v $t >/dev/null 2>&1 || { echo "man: no $t: skipped"; exit 77; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
for src in man/*.scd; do
	page=$tmp/$(basename "$src" .scd)
	if ! scdoc <"$src" >"$page" 2>"$tmp/err"; then
		echo "FAIL: scdoc $src: $(cat "$tmp/err")"
		fail=1
		continue
	fi
	MANWIDTH=80 man --warnings=all -l "$page" >"$tmp/out" 2>"$tmp/err"
	if [ -s "$tmp/err" ]; then
		echo "FAIL: man -l $src warns:"
		cat "$tmp/err"
		fail=1
	elif ! grep -q '^NAME' "$tmp/out"; then
		echo "FAIL: $src renders no NAME section"
		fail=1
	else
		echo "ok: $src ($(wc -l <"$tmp/out") lines)"
	fi
done
exit $fail
