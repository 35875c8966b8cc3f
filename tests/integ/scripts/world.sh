#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The outside world: netns "world" behind the uplink veth up0.
# host up0 192.0.2.1/24 <-> world eth0 192.0.2.2/24, the host's default route via world.
set -eu
ip netns add world
ip -n world link set lo up
ip link add up0 type veth peer name eth0 netns world
ip addr add 192.0.2.1/24 dev up0
ip link set up0 up
ip -n world addr add 192.0.2.2/24 dev eth0
ip -n world link set eth0 up
ip route add default via 192.0.2.2
