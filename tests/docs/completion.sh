#!/bin/bash
# The bash completion (completion/nsbpf.bash) as bash runs it: `complete -p`
# names its function, and a simulated line (COMP_LINE, COMP_POINT) gets
# the candidates a user would see. NSBPF: the binary (default
# .output/nsbpf); LAB, NODES: a lab that is up and its node names, checked
# too when given (the integration test does).
set -u
cd "$(dirname "$0")/../.."
NSBPF=${NSBPF:-$PWD/.output/nsbpf}
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
ln -s "$NSBPF" "$bin/nsbpf"
PATH=$bin:$PATH
fail=0

# shellcheck source=/dev/null
source completion/nsbpf.bash
spec=$(complete -p nsbpf)
[ "$spec" = "complete -F _nsbpf nsbpf" ] || { echo "FAIL: complete -p nsbpf: $spec"; fail=1; }

# expect LINE WORD...: completing LINE offers exactly WORD... (sorted)
expect() {
	local line=$1 got want
	shift
	COMP_LINE=$line
	COMP_POINT=${#line}
	COMP_WORDBREAKS=$' \t\n"\'><=;|&(:'
	COMPREPLY=()
	_nsbpf
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ')
	want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
	if [ "$got" != "$want" ]; then
		echo "FAIL: [$line] offers [$got], expected [$want]"
		fail=1
	else
		echo "ok: [$line] => [$got]"
	fi
}

# The commands: every row of the help, nothing hidden (__complete).
cmds=$(nsbpf --help | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z]*\).*/\1/p')
# shellcheck disable=SC2086
expect "nsbpf " $cmds
expect "nsbpf gr" graph
expect "nsbpf -" --json -v --netns --help --version
expect "nsbpf nat " list show flush on off
expect "nsbpf forward " add del list show
expect "nsbpf graph --format " mermaid dot
expect "nsbpf graph --format=d" dot
expect "nsbpf -j graph x --fo" --format
expect "nsbpf up lab.yaml --attach " auto tcx clsact
expect "nsbpf up lab.yaml --dr" --dry-run
expect "nsbpf forward add lab --f" --force --file
# Files for up and graph: the directory holds one topology.
tmp=$(mktemp -d)
touch "$tmp/lab.yaml"
expect "nsbpf up $tmp/l" "$tmp/lab.yaml"
expect "nsbpf graph $tmp/la" "$tmp/lab.yaml"
rm -rf "$tmp"

if [ -n "${LAB:-}" ]; then
	expect "nsbpf status " "$LAB"
	expect "nsbpf down ${LAB:0:2}" "$LAB"
	# shellcheck disable=SC2086
	expect "nsbpf exec $LAB " $NODES
	first=${NODES%% *}
	expect "nsbpf forward add $LAB tcp 6000 ${first:0:2}" "$first:"
	expect "nsbpf nat on $LAB " $NETWORKS
fi
[ $fail = 0 ] && echo "completion: PASS" || echo "completion: FAIL"
exit $fail
