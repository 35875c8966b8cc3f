#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The world becomes a router to netns "server" (198.51.100.2) behind a
# 1280-byte path: both of the world's routes have MTU 1280, its links do not.
set -eu
ip netns add server
ip -n server link set lo up
ip -n world link add s0 type veth peer name eth0 netns server
ip -n world addr add 198.51.100.1/24 dev s0
ip -n world link set s0 up
ip -n server addr add 198.51.100.2/24 dev eth0
ip -n server link set eth0 up
ip -n server route add default via 198.51.100.1
ip netns exec world sysctl -qw net.ipv4.ip_forward=1
ip -n world route replace 198.51.100.0/24 dev s0 mtu 1280
ip -n world route replace 192.0.2.0/24 dev eth0 mtu 1280
