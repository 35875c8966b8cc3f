#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# mkinitramfs.sh KDIR RELEASE OUT
#
# The matrix VMs' initramfs: the static busybox, selftests/vm/init, and the
# modules that mounting the host's / over virtio-9p with an overlay on top
# needs (what `modprobe --show-depends` lists for them in the kernel KDIR,
# as fetch-kernel.sh extracted it). Modules are stored decompressed, in load
# order, so busybox's insmod takes them as they are. Everything else comes
# from the host after switch_root. The archive is left uncompressed: under
# TCG unpacking is cheaper than decompressing.
set -euo pipefail

[ $# -eq 3 ] || { echo "usage: $0 KDIR RELEASE OUT" >&2; exit 2; }
kdir=$1 rel=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd -P)
busybox=${BUSYBOX:-/bin/busybox}
modules="virtio_pci 9pnet_virtio 9p overlay"

die() { echo "mkinitramfs: $*" >&2; exit 1; }

[ -d "$kdir/lib/modules/$rel" ] || die "no $kdir/lib/modules/$rel: run fetch-kernel.sh"
[ -x "$busybox" ] || die "no $busybox: install busybox-static"
ldd "$busybox" >/dev/null 2>&1 &&
	die "$busybox is dynamically linked: install busybox-static"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,mnt/lower,mnt/rw,newroot,lib/modules}
cp "$busybox" "$root/bin/busybox"
cp "$here/init" "$root/init"
chmod 0755 "$root/init"

# kmod treats every name after the first as a module parameter: one call each.
n=0
for m in $modules; do
	modprobe -d "$kdir" -S "$rel" --show-depends "$m" ||
		die "$rel: cannot resolve module $m"
done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' | while read -r ko; do
	n=$((n + 1))
	name=$(printf '%02d-%s' "$n" "$(basename "$ko")")
	case $ko in
	*.ko.xz)  xz -dc "$ko" > "$root/lib/modules/${name%.xz}" ;;
	*.ko.zst) zstd -qdc "$ko" > "$root/lib/modules/${name%.zst}" ;;
	*.ko.gz)  gzip -dc "$ko" > "$root/lib/modules/${name%.gz}" ;;
	*.ko)     cp "$ko" "$root/lib/modules/$name" ;;
	*)        die "$ko: unknown module compression" ;;
	esac
done

mkdir -p "$(dirname "$out")"
(cd "$root" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --owner 0:0 --quiet) > "$out.tmp"
mv "$out.tmp" "$out"
