#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# smoke.sh: bring a small lab up with the real CLI, check its datapath, tear it
# down and check that nothing is left. Run by the kernel matrix in every
# kernel (selftests/vm/guest.sh), and by hand on any machine:
#
#   selftests/vm/smoke.sh                       # attach mode auto
#   NSBPF_ATTACH=clsact selftests/vm/smoke.sh   # force tc clsact
#
# It re-executes itself in private net and mount namespaces (the "host" of the
# lab, with a bpffs and a /run of its own), so it never touches the machine's
# network and whatever it leaves dies with it. The lab's uplink is a veth into
# a "world" netns. Addresses: lab 10.99.0.0/24 and fd00:99::/64 (dual stack),
# world 192.0.2.0/24 and 2001:db8:2::/64, all only inside those namespaces.
#
# Checks, each printed as PASS, FAIL or SKIPPED: up; status reports the attach
# mode expected (tcx when the kernel has tcx links and NSBPF_ATTACH is not
# clsact, found from /proc/kallsyms, independently of nsbpf) and tc agrees;
# the host pings both nodes; the nodes ping each other (forwarded in BPF);
# masquerade to the world and a TCP port forward from it, once the uplink
# datapath exists (.output/bpf/uplink.bpf.o); the same over IPv6 (the host
# pings a node, the nodes each other, a node the world through NAT66, the
# world reaches the forward on the uplink's IPv6 address,
# forwarding left off); down; nothing left (netns, host ends, pins, state).
#
# The last lines are "attach: MODE" and "smoke: N passed, N failed, N skipped".
# Exit status 0 when nothing failed, 1 otherwise. Output of a failing check is
# shown; V=1 shows all of it.
#
# Environment: NSBPF (the binary, default .output/nsbpf of this tree),
# NSBPF_ATTACH (auto, tcx or clsact; passed to nsbpf), V.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd -P)
nsbpf=${NSBPF:-$top/.output/nsbpf}
lab=smk
world=smk_world
bb=$(command -v busybox || echo /bin/busybox)

if [ "${NSBPF_SMOKE_INNER:-}" != 1 ]; then
	[ "$(id -u)" = 0 ] || { echo "smoke: SKIPPED: needs root"; exit 77; }
	[ -x "$nsbpf" ] || { echo "smoke: FAIL: no $nsbpf (run make)"; exit 1; }
	NSBPF_SMOKE_INNER=1 exec unshare --net --mount -- "$0" "$@"
	echo "smoke: FAIL: unshare"
	exit 1
fi

mount --make-rprivate /
mount -t tmpfs -o mode=0755 tmpfs /run
mount -t bpf -o mode=0700 bpf /sys/fs/bpf
ip link set lo up
# A new netns may inherit forwarding from the initial one: the lab must not
# need it, so node-to-node pings prove the BPF datapath.
echo 0 > /proc/sys/net/ipv4/ip_forward
echo 0 > /proc/sys/net/ipv6/conf/all/forwarding

passed=0 failed=0 skipped=0 attach=none
work=$(mktemp -d /run/smoke.XXXXXX)	# on our private /run: gone with the namespace
log=$work/log

# check NAME CMD...: run CMD with its output captured, print PASS or FAIL.
check() {
	local name=$1
	shift
	if "$@" > "$log" 2>&1; then
		echo "PASS     $name"
		passed=$((passed + 1))
		[ "${V:-}" = 1 ] && sed 's/^/         /' "$log"
		return 0
	fi
	echo "FAIL     $name"
	failed=$((failed + 1))
	sed 's/^/         /' "$log" | tail -n 40
	return 1
}

skip() {
	echo "SKIPPED  $1: $2"
	skipped=$((skipped + 1))
}

# try3 CMD...: up to three tries; the first packet of a flow may wait for resolution.
try3() {
	"$@" || "$@" || "$@"
}

host_ping() { try3 "$bb" ping -c 1 -W 2 "$1"; }
node_ping() { try3 "$nsbpf" exec "$lab" "$1" -- "$bb" ping -c 1 -W 2 "$2"; }
host_ping6() { try3 "$bb" ping -6 -c 1 -W 2 "$1"; }
node_ping6() { try3 "$nsbpf" exec "$lab" "$1" -- "$bb" ping -6 -c 1 -W 2 "$2"; }

setup_world() {
	ip netns add "$world" &&
	ip link add uplink0 type veth peer name eth0 netns "$world" &&
	ip addr add 192.0.2.1/24 dev uplink0 &&
	ip link set uplink0 up &&
	ip route add default via 192.0.2.2 &&
	ip -n "$world" addr add 192.0.2.2/24 dev eth0 &&
	ip -n "$world" link set eth0 up &&
	ip -n "$world" link set lo up &&
	ip addr add 2001:db8:2::1/64 dev uplink0 nodad &&
	ip -6 route add default via 2001:db8:2::2 &&
	ip -n "$world" addr add 2001:db8:2::2/64 dev eth0 nodad
}

write_lab() {
	cat > "$work/$lab.yaml" <<-EOF
	name: $lab
	uplink: uplink0
	networks:
	  lan:
	    subnet: 10.99.0.0/24
	    gateway: 10.99.0.1
	    subnet6: fd00:99::/64
	    masquerade: true
	nodes:
	  a:
	    network: lan
	    ip: 10.99.0.11
	    ip6: fd00:99::11
	  b:
	    network: lan
	    ip: 10.99.0.12
	    ip6: fd00:99::12
	forwards:
	  - {proto: tcp, port: 8080, to: a:80}
	EOF
}

kernel_has_tcx() {
	grep -qE ' (tcx_link_attach|tcx_prog_attach)$' /proc/kallsyms
}

# status names the mode; tc must agree: a bpf filter under clsact, none with tcx.
check_attach() {
	local want=$1 json dev
	json=$("$nsbpf" status "$lab" --json) || return 1
	echo "$json"
	attach=$(echo "$json" | grep -o '"attach"[[:space:]]*:[[:space:]]*"[a-z]*"' | head -n 1 | sed 's/.*"\([a-z]*\)"$/\1/')
	up_attach=$(echo "$json" | grep -o '"attach"[[:space:]]*:[[:space:]]*"[a-z]*"' | sed -n 2p | sed 's/.*"\([a-z]*\)"$/\1/')
	echo "status says host ends ${attach:-?}, uplink ${up_attach:-?}; expected $want, $want_up"
	[ "$attach" = "$want" ] && [ "$up_attach" = "$want_up" ] || return 1
	attach="$attach/$up_attach"
	for dev in "$lab-a" "$lab-b"; do
		tc filter show dev "$dev" ingress | tee "$work/tc"
		if [ "$want" = clsact ]; then
			grep -q bpf "$work/tc" || { echo "$dev: no tc bpf filter at ingress"; return 1; }
		else
			! grep -q bpf "$work/tc" || { echo "$dev: a tc bpf filter besides tcx"; return 1; }
		fi
	done
}

# The world reaches no 10.99.0.0/24 address: a reply proves the SNAT.
check_masquerade() { node_ping a 192.0.2.2; }

check_forward() {
	local got
	nsenter --net="/run/netns/$lab-a" "$bb" nc -l -p 80 -e "$bb" echo smoke-forward &
	local srv=$!
	sleep 0.5
	got=$(nsenter --net="/run/netns/$world" "$bb" timeout 5 "$bb" nc 192.0.2.1 8080 < /dev/null)
	kill "$srv" 2>/dev/null
	wait "$srv" 2>/dev/null
	echo "world got: '$got'"
	[ "$got" = smoke-forward ]
}

# The same forward over the uplink's IPv6 address: a has an ip6, so it answers there too.
check_forward6() {
	local got
	nsenter --net="/run/netns/$lab-a" "$bb" nc -l -p 80 -e "$bb" echo smoke-forward6 &
	local srv=$!
	sleep 0.5
	got=$(nsenter --net="/run/netns/$world" "$bb" timeout 5 "$bb" nc 2001:db8:2::1 8080 < /dev/null)
	kill "$srv" 2>/dev/null
	wait "$srv" 2>/dev/null
	echo "world got: '$got'"
	[ "$got" = smoke-forward6 ]
}

check_nothing_left() {
	local ok=0 left
	left=$(ip netns list | awk '{print $1}' | grep "^$lab-")
	[ -z "$left" ] || { echo "netns left: $left"; ok=1; }
	left=$(ip -o link show | awk -F': ' '{print $2}' | grep "^$lab-")
	[ -z "$left" ] || { echo "interfaces left: $left"; ok=1; }
	[ ! -e "/sys/fs/bpf/nsbpf/$lab" ] || { echo "pins left:"; ls -R "/sys/fs/bpf/nsbpf/$lab"; ok=1; }
	[ ! -e "/run/nsbpf/$lab" ] || { echo "state left: /run/nsbpf/$lab"; ok=1; }
	return $ok
}

# Host ends: clsact unless tcx is forced. The uplink: tcx where the kernel
# has it unless clsact is forced.
mode=${NSBPF_ATTACH:-auto}
case $mode in
clsact) want=clsact want_up=clsact ;;
tcx) want=tcx want_up=tcx ;;
*) want=clsact; if kernel_has_tcx; then want_up=tcx; else want_up=clsact; fi ;;
esac
echo "smoke: kernel $(uname -r), NSBPF_ATTACH=$mode, expecting host ends $want, uplink $want_up"

write_lab
if ! check "world netns as the uplink" setup_world; then
	echo "attach: none"
	echo "smoke: $passed passed, $failed failed, $skipped skipped"
	exit 1
fi
if check "up" "$nsbpf" up "$work/$lab.yaml"; then
	check "status: attach $want" check_attach "$want"
	check "host pings a" host_ping 10.99.0.11
	check "host pings b" host_ping 10.99.0.12
	check "a pings b" node_ping a 10.99.0.12
	check "b pings a" node_ping b 10.99.0.11
	check "ip_forward still 0" grep -qx 0 /proc/sys/net/ipv4/ip_forward
	check "IPv6: host pings a" host_ping6 fd00:99::11
	check "IPv6: a pings b" node_ping6 a fd00:99::12
	check "IPv6: forwarding still 0" grep -qx 0 /proc/sys/net/ipv6/conf/all/forwarding
	if [ -e "$top/.output/bpf/uplink.bpf.o" ]; then
		check "masquerade: a pings the world" check_masquerade
		check "forward: world tcp 8080 to a:80" check_forward
		check "masquerade: a pings the world over IPv6" node_ping6 a 2001:db8:2::2
		check "forward: world tcp [uplink6]:8080 to a:80" check_forward6
	else
		skip "masquerade, forward" "no uplink datapath (.output/bpf/uplink.bpf.o) yet"
	fi
fi
check "down" "$nsbpf" down "$lab"
check "nothing left" check_nothing_left
ip netns del "$world" 2>/dev/null
rm -rf "$work"
echo "attach: $attach"
echo "smoke: $passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
