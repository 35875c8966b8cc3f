#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# veth-ns.sh NETNS HOSTIF [HOST_CIDR NETNS_CIDR]
# A namespace behind a plain veth, no lab's: HOSTIF on the host, eth0 in NETNS,
# both up. With addresses, NETNS's default route goes via the host's.
set -eu
ns=$1 hostif=$2
ip netns add "$ns"
ip link add "$hostif" type veth peer name eth0 netns "$ns"
if [ $# -ge 4 ]; then
	ip addr add "$3" dev "$hostif"
	ip -n "$ns" addr add "$4" dev eth0
fi
ip link set "$hostif" up
ip -n "$ns" link set eth0 up
if [ $# -ge 4 ]; then
	ip -n "$ns" route add default via "${3%/*}"
fi
