#!/bin/sh
# The demo: the seed lab (labs/planets.yaml) in a private "host" namespace
# (nsbpf-demo) whose uplink is a veth into a "world" namespace
# (nsbpf-demo-world). Nothing touches the machine's own network.
#   scripts/demo.sh [up]    bring it up and show it working
#   scripts/demo.sh routers the same with labs/routers.yaml: two BIRD routers
#                           (OSPF) and a node behind each
#   scripts/demo.sh down    remove all of it
set -eu
cd "$(dirname "$0")/.."

NSBPF=${NSBPF:-$(pwd)/.output/nsbpf}
HOST=nsbpf-demo
WORLD=nsbpf-demo-world
LAB=planets
ROUTERS=routers

nsb() { "$NSBPF" -n "$HOST" "$@"; }
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
show() { say "$*"; "$@"; }

down() {
	if [ -e /run/netns/$HOST ]; then
		nsb down $LAB $ROUTERS || true
	fi
	ip netns del $WORLD 2>/dev/null || true
	ip netns del $HOST 2>/dev/null || true
	rm -rf /tmp/nsbpf-demo-www
	echo "demo: removed"
}

# The private host namespace and its world.
world() {
	[ -x "$NSBPF" ] || { echo "demo: build first (make)" >&2; exit 1; }
	if [ -e /run/netns/$HOST ]; then
		echo "demo: already up (scripts/demo.sh down removes it)"
		exit 1
	fi
	# The private host and its world: 192.0.2.0/24 is TEST-NET-1, never routed.
	ip netns add $HOST
	ip netns add $WORLD
	ip -n $HOST link set lo up
	ip -n $WORLD link set lo up
	ip -n $HOST link add eth0 type veth peer name eth0 netns $WORLD
	ip -n $HOST addr add 192.0.2.1/24 dev eth0
	ip -n $WORLD addr add 192.0.2.2/24 dev eth0
	ip -n $HOST link set eth0 up
	ip -n $WORLD link set eth0 up
	ip -n $HOST route add default via 192.0.2.2
}

up() {
	world
	show "$NSBPF" -n $HOST up labs/planets.yaml
	show "$NSBPF" -n $HOST status
	show "$NSBPF" -n $HOST exec $LAB earth -- ping -c 2 -i 0.2 10.10.0.2
	show "$NSBPF" -n $HOST exec $LAB neptune -- ping -c 2 -i 0.2 10.10.0.1
	say "ip netns exec $HOST ping -c 2 -i 0.2 10.10.0.10   # the host reaches a node"
	ip netns exec $HOST ping -c 2 -i 0.2 10.10.0.10
	show "$NSBPF" -n $HOST exec $LAB earth -- ping -c 2 -i 0.2 192.0.2.2
	# a web server in earth, published on the uplink's port 6000 by labs/planets.yaml
	mkdir -p /tmp/nsbpf-demo-www && echo "hello from earth" > /tmp/nsbpf-demo-www/index.html
	"$NSBPF" -n $HOST exec $LAB earth -- python3 -m http.server 8080 \
		--directory /tmp/nsbpf-demo-www >/dev/null 2>&1 &
	for _ in $(seq 50); do
		ip netns exec $LAB-earth ss -ltn | grep -q ':8080 ' && break
		sleep 0.1
	done
	say "ip netns exec $WORLD curl -s http://192.0.2.1:6000/   # the world, through the forward"
	ip netns exec $WORLD curl -s -m 5 http://192.0.2.1:6000/
	show "$NSBPF" -n $HOST nat list $LAB
	show "$NSBPF" -n $HOST forward list $LAB
	say "$NSBPF -n $HOST stats $LAB   # the counters that moved"
	"$NSBPF" -n $HOST stats $LAB | awk 'NR == 1 || $3 > 0'
	say "bpftool map dump pinned /sys/fs/bpf/nsbpf/$LAB/endpoints"
	bpftool map dump pinned /sys/fs/bpf/nsbpf/$LAB/endpoints | head -n 24
	say "sysctl net.ipv4.ip_forward; ip -n $HOST link show type bridge   # no forwarding, no bridge"
	ip netns exec $HOST sysctl net.ipv4.ip_forward
	ip -n $HOST link show type bridge
	cat <<EOT

demo: the lab "$LAB" is up inside namespace $HOST. Try:
  $NSBPF -n $HOST exec $LAB earth -- ping 10.10.0.2
  $NSBPF -n $HOST status --json
  $NSBPF -n $HOST stats $LAB
remove it all with: scripts/demo.sh down
EOT
}

# Up to 30 s for bird in router $1 to have learned prefix $2 from OSPF.
learned() {
	for _ in $(seq 60); do
		birdc -s "/run/nsbpf/$ROUTERS/bird-$1.ctl" show route "$2" protocol ospf1 2>/dev/null |
			grep -q "^$2" && return 0
		sleep 0.5
	done
	echo "demo: $1 did not learn $2 within 30 s (see /run/nsbpf/$ROUTERS/bird-$1.log)" >&2
	return 1
}

routers() {
	command -v bird >/dev/null || { echo "demo: needs BIRD 2 (apt-get install bird2)" >&2; exit 1; }
	world
	show "$NSBPF" -n $HOST up labs/routers.yaml
	say "waiting for OSPF: r1 learns 10.70.2.0/24, r2 learns 10.70.1.0/24"
	learned r1 10.70.2.0/24
	learned r2 10.70.1.0/24
	show birdc -s /run/nsbpf/$ROUTERS/bird-r1.ctl show ospf neighbors
	show birdc -s /run/nsbpf/$ROUTERS/bird-r1.ctl show route
	show ip -n $ROUTERS-r1 route
	show "$NSBPF" -n $HOST exec $ROUTERS h1 -- ping -c 2 -i 0.2 10.70.2.2
	say "$NSBPF -n $HOST exec $ROUTERS h1 -- traceroute -n -q 1 10.70.2.2   # over the link"
	"$NSBPF" -n $HOST exec $ROUTERS h1 -- traceroute -n -q 1 -w 1 10.70.2.2
	show "$NSBPF" -n $HOST exec $ROUTERS h1 -- ping -c 2 -i 0.2 192.0.2.2
	show "$NSBPF" -n $HOST exec $ROUTERS h2 -- ping -c 2 -i 0.2 192.0.2.2
	show "$NSBPF" -n $HOST nat list $ROUTERS
	cat <<EOT

demo: the lab "$ROUTERS" is up inside namespace $HOST. Try:
  birdc -s /run/nsbpf/$ROUTERS/bird-r2.ctl show ospf state
  $NSBPF -n $HOST exec $ROUTERS h2 -- ping 10.70.1.2
  $NSBPF -n $HOST status $ROUTERS
remove it all with: scripts/demo.sh down
EOT
}

case "${1:-up}" in
up) up ;;
routers) routers ;;
down) down ;;
*) echo "usage: scripts/demo.sh [up|routers|down]" >&2; exit 2 ;;
esac
