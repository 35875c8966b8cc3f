#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# fabric.sh SCRATCH: two machines on one layer-2 segment, the world behind a router.
#   machine A: the test's host netns, up0 192.0.2.1/24
#   machine B: netns hostb, up0 192.0.2.12/24, and a mount namespace of its own
#              (SCRATCH/mnt-b links to it: its own /run/nsbpf and bpffs, as another
#              machine has)
#   fabric:    bridge br0 192.0.2.254/24 joining both uplinks; it routes to the
#              world 198.51.100.2/24 (wan) and knows no pod subnet
# Both machines' default route goes via the fabric. The containers' namespaces
# ca and cb are made here too: B's mount namespace sees the netns mounts
# made before it only. A process holds B's namespaces as a machine's init
# would (nsbpf refuses to leave pins in a mount namespace nobody is in); the
# harness ends it with the test.
set -eu
for ns in fabric hostb world ca cb; do
	ip netns add $ns
	ip -n $ns link set lo up
done
ip -n fabric link add br0 type bridge
ip -n fabric addr add 192.0.2.254/24 dev br0
ip -n fabric link set br0 up
ip link add up0 type veth peer name pa netns fabric
ip -n hostb link add up0 type veth peer name pb netns fabric
for p in pa pb; do ip -n fabric link set $p master br0 up; done
ip addr add 192.0.2.1/24 dev up0
ip link set up0 up
ip route add default via 192.0.2.254
ip -n hostb addr add 192.0.2.12/24 dev up0
ip -n hostb link set up0 up
ip -n hostb route add default via 192.0.2.254
ip -n fabric link add wan type veth peer name eth0 netns world
ip -n fabric addr add 198.51.100.1/24 dev wan
ip -n fabric link set wan up
ip -n world addr add 198.51.100.2/24 dev eth0
ip -n world link set eth0 up
ip -n world route add default via 198.51.100.1
ip netns exec fabric sysctl -qw net.ipv4.ip_forward=1
nsenter --net=/run/netns/hostb unshare --mount --propagation private sh -c \
	'mount -t tmpfs -o mode=0755 tmpfs /run/nsbpf &&
	 mount -t bpf -o mode=0700 bpf /sys/fs/bpf && touch "$0/b-ready" && exec sleep 100000' \
	"$1" </dev/null >/dev/null 2>&1 &
ln -s /proc/$!/ns/mnt "$1/mnt-b"
i=0
until [ -e "$1/b-ready" ]; do
	i=$((i + 1))
	[ $i -lt 100 ] || exit 1
	sleep 0.05
done
