#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The outside world with IPv6 too (world.sh first):
# host up0 2001:db8::1/64 <-> world eth0 2001:db8::2/64, the host's IPv6 default route via world.
# No DAD (nodad): the addresses are usable at once.
set -eu
"$(dirname "$0")/world.sh"
sysctl -qw net.ipv6.conf.up0.accept_ra=0
ip netns exec world sysctl -qw net.ipv6.conf.eth0.accept_ra=0
ip addr add 2001:db8::1/64 dev up0 nodad
ip -n world addr add 2001:db8::2/64 dev eth0 nodad
ip -6 route add default via 2001:db8::2 dev up0
