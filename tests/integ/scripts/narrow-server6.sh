#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# world6.sh first. The world becomes an IPv6 router to netns "server"
# (2001:db8:5::2) behind a 1280-byte path: its route there has MTU 1280,
# its links do not.
set -eu
ip netns add server
ip -n server link set lo up
ip -n world link add s0 type veth peer name eth0 netns server
ip -n world addr add 2001:db8:5::1/64 dev s0 nodad
ip -n world link set s0 up
ip -n server addr add 2001:db8:5::2/64 dev eth0 nodad
ip -n server link set eth0 up
ip -n server -6 route add default via 2001:db8:5::1
ip netns exec world sysctl -qw net.ipv6.conf.all.forwarding=1
# the connected route itself (metric 256), its MTU locked: a forwarding
# IPv6 router heeds no other
ip -n world -6 route replace 2001:db8:5::/64 dev s0 proto kernel metric 256 mtu lock 1280
