#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# set-layout.sh LAB VERSION: overwrite the layout of LAB's pinned config map
# with VERSION, then zeros: as many as the value has bytes (it grows with the ABI).
set -eu
map=/sys/fs/bpf/nsbpf/$1/config
n=$(bpftool -j map show pinned "$map" | jq .bytes_value)
# shellcheck disable=SC2046
bpftool map update pinned "$map" key 0 0 0 0 value "$2" $(printf ' 0%.0s' $(seq $((n - 1))))
