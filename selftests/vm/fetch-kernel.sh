#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# fetch-kernel.sh NAME|PACKAGE_REGEX...
#
# Fetch a Debian kernel package for the VM matrix into the cache, never into
# the machine's /boot: `apt-get download` the newest package the archive
# offers that matches the pattern (NAME is looked up in kernels.list),
# `dpkg -x` it, generate modules.dep (the packages ship none) and extract the
# uncompressed vmlinux from the bzImage (qemu boots the ELF through its PVH
# entry, which saves the decompression under TCG).
#
# Prints one line per kernel on stdout: "RELEASE DIR", DIR holding vmlinux and
# lib/modules/RELEASE. Idempotent: a kernel already in the cache is not fetched
# again, and older ABIs of the same pattern are dropped once a newer one is in.
# When the archive cannot be asked (no lists, no network), the newest cached
# match is used. Exit status 1 when a kernel can be neither fetched nor found.
#
# Cache: $NSBPF_VM_CACHE, default selftests/vm/.cache. Kernel list:
# $NSBPF_VM_KERNELS, default selftests/vm/kernels.list.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd -P)
cache=${NSBPF_VM_CACHE:-$here/.cache}
list=${NSBPF_VM_KERNELS:-$here/kernels.list}

log() { printf 'fetch-kernel: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# The uncompressed kernel inside a bzImage: try every compressor's magic, keep
# the first candidate that decompresses to an ELF (as the kernel's
# scripts/extract-vmlinux does).
extract_vmlinux() {
	local img=$1 out=$2 magic cmd pos
	local -a tries=(
		'\x28\xb5\x2f\xfd|zstd -dcq'
		'\xfd\x37\x7a\x58\x5a\x00|xz -dcq --single-stream'
		'\x1f\x8b\x08|gzip -dcq'
		'\x5d\x00\x00\x00|xz -dcq --format=lzma'
		'BZh|bzip2 -dcq'
	)
	for t in "${tries[@]}"; do
		magic=${t%%|*} cmd=${t#*|}
		command -v "${cmd%% *}" >/dev/null || continue
		for pos in $(LC_ALL=C grep -obUaP "$magic" "$img" | cut -d: -f1); do
			tail -c +$((pos + 1)) "$img" | $cmd > "$out.tmp" 2>/dev/null || true
			if [ "$(head -c 4 "$out.tmp" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ]; then
				mv "$out.tmp" "$out"
				return 0
			fi
		done
	done
	rm -f "$out.tmp"
	return 1
}

# Newest package name matching the regex among what apt offers.
newest_offered() {
	apt-cache search --names-only "^$1\$" 2>/dev/null | awk '{print $1}' | sort -V | tail -n 1
}

# Newest complete cached kernel whose package name matches the regex.
newest_cached() {
	local d
	for d in "$cache"/*/.done; do
		[ -e "$d" ] || continue
		d=${d%/.done}
		basename "$d"
	done | grep -E "^$1\$" | sort -V | tail -n 1
}

# "RELEASE DIR" of a complete cached kernel.
report() {
	local dir=$cache/$1
	printf '%s %s\n' "$(cat "$dir/release")" "$dir"
}

fetch_pkg() {
	local pkg=$1 dir=$cache/$1 tmp deb rel
	tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
	# apt's download sandbox user must be able to write there.
	if id _apt >/dev/null 2>&1; then chown _apt "$tmp"; fi
	log "downloading $pkg"
	if ! (cd "$tmp" && apt-get download -q "$pkg" >&2); then
		rm -rf "$tmp"
		return 1
	fi
	deb=$(ls "$tmp"/*.deb)
	rm -rf "$dir"
	mkdir -p "$dir"
	log "extracting $(basename "$deb")"
	dpkg -x "$deb" "$dir"
	rm -rf "$tmp" "$dir/usr/share/doc"
	rel=$(ls "$dir/lib/modules" | head -n 1)
	[ -n "$rel" ] && [ -e "$dir/boot/vmlinuz-$rel" ] || die "$pkg: no kernel image inside"
	depmod -b "$dir" "$rel"
	extract_vmlinux "$dir/boot/vmlinuz-$rel" "$dir/vmlinux" ||
		die "$pkg: cannot extract vmlinux from boot/vmlinuz-$rel"
	echo "$rel" > "$dir/release"
	touch "$dir/.done"
	log "cached $rel in $dir"
}

fetch_one() {
	local pat=$1 pkg cached old
	pkg=$(newest_offered "$pat")
	if [ -z "$pkg" ] && [ "$(id -u)" = 0 ] && [ -z "${NSBPF_VM_OFFLINE:-}" ]; then
		log "no package matches $pat in the apt lists: running apt-get update"
		apt-get update -qq >&2 || true
		pkg=$(newest_offered "$pat")
	fi
	cached=$(newest_cached "$pat")
	if [ -n "$pkg" ] && [ -e "$cache/$pkg/.done" ]; then
		report "$pkg"
		return 0
	fi
	if [ -n "$pkg" ] && [ -z "${NSBPF_VM_OFFLINE:-}" ]; then
		if fetch_pkg "$pkg"; then
			# Drop the older ABIs of this pattern.
			for old in "$cache"/*/; do
				old=$(basename "$old")
				[ "$old" != "$pkg" ] && echo "$old" | grep -qE "^$pat\$" &&
					{ log "dropping older $old"; rm -rf "${cache:?}/$old"; }
			done
			report "$pkg"
			return 0
		fi
		log "could not download $pkg"
	fi
	if [ -n "$cached" ]; then
		log "using cached $cached"
		report "$cached"
		return 0
	fi
	log "no kernel package matching '$pat': none offered by apt (run apt-get update?) and none cached in $cache"
	return 1
}

[ $# -gt 0 ] || { echo "usage: $0 NAME|PACKAGE_REGEX..." >&2; exit 2; }
for t in depmod dpkg apt-get; do
	command -v $t >/dev/null || die "$t is missing: run scripts/install-deps.sh"
done
mkdir -p "$cache"
cache=$(cd "$cache" && pwd -P)	# the guests see the host's paths as they are
exec 9> "$cache/.lock"
flock 9
rc=0
for arg in "$@"; do
	pat=$(awk -v n="$arg" '!/^#/ && $1 == n { print $2 }' "$list")
	fetch_one "${pat:-$arg}" || rc=1
done
exit $rc
