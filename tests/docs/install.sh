#!/bin/sh
# make install into a scratch DESTDIR puts exactly the binary, the man
# pages (when scdoc is there) and the completion where they belong; the
# installed binary runs; make uninstall leaves nothing.
set -u
cd "$(dirname "$0")/../.."
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
fail=0
if ! make -s install DESTDIR="$dest" PREFIX=/usr/local >"$dest.log" 2>&1; then
	echo "FAIL: make install"
	cat "$dest.log"
	rm -f "$dest.log"
	exit 1
fi
rm -f "$dest.log"
want="/usr/local/sbin/nsbpf
/usr/local/lib/cni/nsbpf
/usr/local/share/bash-completion/completions/nsbpf"
if command -v scdoc >/dev/null 2>&1; then
	want="$want
/usr/local/share/man/man1/nsbpf.1
/usr/local/share/man/man5/nsbpf-topology.5"
fi
got=$(cd "$dest" && find . -type f | sed 's/^\.//' | sort)
want=$(echo "$want" | sort)
if [ "$got" != "$want" ]; then
	printf 'FAIL: installed\n%s\nexpected\n%s\n' "$got" "$want"
	fail=1
fi
"$dest/usr/local/sbin/nsbpf" --version | grep -q '^nsbpf ' || { echo "FAIL: installed nsbpf --version"; fail=1; }
[ "$(stat -c %a "$dest/usr/local/sbin/nsbpf")" = 755 ] || { echo "FAIL: binary mode"; fail=1; }
echo '{"cniVersion": "1.0.0"}' | CNI_COMMAND=VERSION "$dest/usr/local/lib/cni/nsbpf" | grep -q supportedVersions ||
	{ echo "FAIL: the installed CNI plugin does not answer VERSION"; fail=1; }
bash -c ". '$dest/usr/local/share/bash-completion/completions/nsbpf' && complete -p nsbpf" >/dev/null ||
	{ echo "FAIL: the installed completion does not load"; fail=1; }
make -s uninstall DESTDIR="$dest" PREFIX=/usr/local >/dev/null 2>&1 || { echo "FAIL: make uninstall"; fail=1; }
left=$(find "$dest" -type f)
[ -z "$left" ] || { echo "FAIL: uninstall left $left"; fail=1; }
[ $fail = 0 ] && printf 'ok: installed and removed\n%s\n' "$got"
exit $fail
