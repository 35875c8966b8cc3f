#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# cni.sh COMMAND CONTAINERID NETNS CONFFILE [IFNAME]: run the CNI plugin as a
# runtime does: a clean environment with the CNI_* variables, the
# configuration on stdin; its stdout passes through, its exit status is ours.
# NETNS "-" leaves CNI_NETNS out. The plugin: $NSBPF_CNI, else nsbpf-cni next to $NSBPF.
set -u
plugin=${NSBPF_CNI:-$(dirname "$NSBPF")/nsbpf-cni}
netns=
[ "$3" = - ] || netns="CNI_NETNS=$3"
exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin CNI_COMMAND="$1" CNI_CONTAINERID="$2" \
	$netns CNI_IFNAME="${5:-eth0}" CNI_PATH="${CNI_PATH:-/usr/lib/cni}" "$plugin" <"$4"
