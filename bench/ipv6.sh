#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# IPv6 paths, side by side in one run (issue 14):
#   masquerade, a node -> a server in the world (2001:db8:1::2, behind the
#   veth uplink up0 of the private host namespace), through
#     nsbpf      a dual-stack lab whose network masquerades (NAT66 in BPF)
#     ip6tables  a node behind a plain veth, net.ipv6.conf.all.forwarding=1
#                and `ip6tables -t nat -A POSTROUTING -s PREFIX -o up0 -j MASQUERADE`
#     routed     the same two hops routed by the host without NAT (forwarding=1,
#                the world routing the node's prefix back)
#   node to node, one node to another of its network, through
#     nsbpf      two nodes of one dual-stack network (bpf_redirect_peer)
#     veth       a bare veth pair between two namespaces: the floor
#   forward, the world's client to a server in a node on port 8080 through
#   [2001:db8:1::1]:6000 (the uplink's IPv6 address), through
#     nsbpf      the lab's forward tcp 6000 -> a:8080 (DNAT66 in BPF at the
#                uplink's ingress, replies reverse-translated at from_node)
#     ip6tables  a plain node, forwarding=1 and `ip6tables -t nat -A PREROUTING
#                -i up0 -p tcp --dport 6000 -j DNAT --to-destination [NODE]:8080`
#     routed     the client connects to [NODE]:8080 of a plain node itself,
#                routed by the host without NAT (the masquerade's routed node)
#   and, HOST=1, from the host namespace itself to [2001:db8:1::1]:6000 in
#   the same phase: nsbpf's connect6 socket hook, an ip6tables OUTPUT DNAT
#   rule (`-d 2001:db8:1::1`), routed: the host connects to [NODE]:8080.
# Each phase: TCP request/response (bench/rr, both ends on CPU 0: p50 and
# round trips/s), new connections/s (bench/cps, CPU 0) and one iperf3 stream;
# then the BPF_PROG_TEST_RUN ns/packet rows of the IPv6 paths, if the
# selftests have them. Methods alternate between rounds; each phase sets its
# method up and removes it after.
#
#   bench/ipv6.sh
# Knobs: ROUNDS (3), SECS (iperf3 -t, 4), RR_N (20000), CPS_SECS (3),
# MASQ_METHODS (nsbpf ip6tables routed), N2N_METHODS (nsbpf veth),
# FWD_METHODS (nsbpf ip6tables routed), HOST (1; 0: no host-to-forward
# tests), PROG=0 (skip the ns/packet rows), NSBPF_ATTACH (auto), IDLE_WAIT (600).
# Needs iperf3, jq, ip6tables, taskset, python3. Results: bench/results/ipv6.{json,md}.
set -u -o pipefail
BENCH_NAME=ipv6
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/natlib.sh"
bench_sandbox "$@"

ROUNDS=${ROUNDS:-3}
SECS=${SECS:-4}
MASQ_METHODS=${MASQ_METHODS:-nsbpf ip6tables routed}
N2N_METHODS=${N2N_METHODS:-nsbpf veth}
FWD_METHODS=${FWD_METHODS:-nsbpf ip6tables routed}
HOST=${HOST:-1}
PROG=${PROG:-1}
SELFTESTS=${SELFTESTS:-$BENCH_TOP/.output/selftests/selftests}
NAT_OTHERS="masquerade|forwards"
LAB=v6
UPLINK6=2001:db8:1::1
WORLD6=2001:db8:1::2
NS_A6=fd00:98::2	# the lab's nodes
NS_B6=fd00:98::3
IPT6_NET=fd00:99::/64
RT6_NET=fd00:96::/64
IPT6_NODE=fd00:99::2
RT6_NODE=fd00:96::2
FWD_PORT=6000	# the forward the clients use
FWD_TO=8080	# the node's server
export BENCH_TIMEOUT=120

[ -x "$NSBPF" ] || bench_die "no $NSBPF: run make first"
[ -x "$RR" ] || bench_die "no $RR: run make bench-tools"
[ -x "$CPS" ] || bench_die "no $CPS: run make bench-nat-tools"
for c in iperf3 jq ip6tables taskset python3; do
	command -v $c >/dev/null || bench_die "needs $c"
done
nat_pin_nsbpf

cat >"$BENCH_SCRATCH/v6.yaml" <<EOF
name: $LAB
uplink: up0
networks:
  net:
    subnet: 10.98.0.0/24
    subnet6: fd00:98::/64
    masquerade: true
nodes:
  a: {network: net, ip: 10.98.0.2, ip6: $NS_A6}
  b: {network: net, ip: 10.98.0.3, ip6: $NS_B6}
forwards:
  - {proto: tcp, port: $FWD_PORT, to: a:$FWD_TO}
EOF

fwd6() { sysctl -qw net.ipv6.conf.all.forwarding="$1"; }

# Forget every IPv6 conntrack entry (natlib's nat_ct_flush, AF_INET6): an
# ip6tables phase starts with an empty table.
ct6_flush() {
	python3 -c '
import socket, struct, sys
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)
s.settimeout(5)
s.send(struct.pack("=IHHII", 20, (1 << 8) | 2, 1 | 4, 1, 0) + struct.pack("=BBH", socket.AF_INET6, 0, 0))
d = s.recv(4096)
sys.exit(0 if struct.unpack("=H", d[4:6])[0] == 2 and struct.unpack("=i", d[16:20])[0] == 0 else 1)' 2>/dev/null
}

ip6t_reset() {
	local t
	for t in nat filter mangle raw; do
		ip6tables -t $t -F 2>/dev/null
		ip6tables -t $t -X 2>/dev/null
	done
	ct6_flush
	fwd6 0 2>/dev/null
}
bench_cleanup() { ip6t_reset; }

# A plain IPv6 node: netns NS, veth NS (host end GW/64) <-> eth0 (IP/64), default via GW.
plain6() {	# ns ip gw
	ip netns add "$1" && ip -n "$1" link set lo up &&
		ip link add "$1" type veth peer name eth0 netns "$1" &&
		ip addr add "$3/64" dev "$1" nodad && ip link set "$1" up &&
		ip -n "$1" addr add "$2/64" dev eth0 nodad && ip -n "$1" link set eth0 up &&
		ip -n "$1" -6 route add default via "$3"
}

nat_world_up || bench_die "world namespace"
ip addr add $UPLINK6/64 dev up0 nodad && ip -n world addr add $WORLD6/64 dev eth0 nodad &&
	ip -6 route add default via $WORLD6 || bench_die "IPv6 on the uplink"
plain6 ipt6-n fd00:99::2 fd00:99::1 || bench_die "the ip6tables node"
plain6 rt6-n fd00:96::2 fd00:96::1 || bench_die "the routed node"
ip netns add va && ip netns add vb && ip -n va link set lo up && ip -n vb link set lo up &&
	ip -n va link add eth0 type veth peer name eth0 netns vb &&
	ip -n va addr add fd00:97::2/64 dev eth0 nodad && ip -n vb addr add fd00:97::3/64 dev eth0 nodad &&
	ip -n va link set eth0 up && ip -n vb link set eth0 up || bench_die "the bare veth pair"
ip6t_reset
NETNS_BASE=$(netns_slab)

STATS=$BENCH_SCRATCH/stats.jsonl
RAW=$BENCH_SCRATCH/samples.jsonl
: >"$STATS"
: >"$RAW"
FAILS=0
SRV_PORT=7000

# ---- methods: set up (checked with one ping), tear down ----

up_nsbpf() {
	NSBPF_ATTACH=${NSBPF_ATTACH:-auto} bounded "$NSBPF" up "$BENCH_SCRATCH/v6.yaml" >/dev/null &&
		ip netns exec $LAB-a ping -6 -c 1 -W 2 -q "$1" >/dev/null
}
down_nsbpf() {	# kind round
	"$NSBPF" stats $LAB --json | jq -c --arg k "$1" --argjson r "$2" '{method: "nsbpf", kind: $k, round: $r, stats: .}' >>"$STATS"
	bounded "$NSBPF" down $LAB >/dev/null || bench_log "nsbpf down failed"
	netns_settle "$NETNS_BASE" 20
}

setup_masq_nsbpf() { up_nsbpf $WORLD6; }
teardown_masq_nsbpf() { down_nsbpf masq "$1"; }
setup_masq_ip6tables() {
	fwd6 1 && ip6tables -t nat -A POSTROUTING -s $IPT6_NET -o up0 -j MASQUERADE &&
		ip netns exec ipt6-n ping -6 -c 1 -W 2 -q $WORLD6 >/dev/null
}
teardown_masq_ip6tables() {
	local pk
	pk=$(ip6tables -t nat -L POSTROUTING -v -x -n | awk '/MASQUERADE/ { print $1; exit }')
	printf '{"method":"ip6tables","kind":"masq","round":%d,"masquerade_rule_packets":%s}\n' "$1" "${pk:-0}" >>"$STATS"
	ip6t_reset
}
setup_masq_routed() {
	fwd6 1 && ip -n world -6 route replace $RT6_NET via $UPLINK6 &&
		ip netns exec rt6-n ping -6 -c 1 -W 2 -q $WORLD6 >/dev/null
}
teardown_masq_routed() { ip -n world -6 route del $RT6_NET 2>/dev/null; fwd6 0; }

# The forward phases: a cps server in the node, one connection through (bounded).
fwd_reach() {	# method client_ns
	local srv rc=1 i ns bind dst dport
	read -r _ ns bind dst dport <<<"$(ends fwd "$1")"
	nat_exec "$ns" "$CPS" -s -b "$bind" -p $FWD_TO -T 30 2>/dev/null &
	srv=$!
	bench_track $srv
	if nat_wait_listen "$ns" $FWD_TO; then
		for ((i = 0; i < 3 && rc != 0; i++)); do
			(nat_exec "$2" "$CPS" -c "$dst" -p "$dport" -n 1 -w 0 -T 3 -t 2000 >/dev/null 2>&1)
			rc=$?
			[ $rc = 0 ] || sleep 0.2
		done
	fi
	bench_kill $srv
	bench_untrack $srv
	return $rc
}
fwd_check() { fwd_reach "$1" world && { [ "$HOST" != 1 ] || fwd_reach "$1" host; }; }

setup_fwd_nsbpf() { up_nsbpf $WORLD6 && fwd_check nsbpf; }
teardown_fwd_nsbpf() { down_nsbpf fwd "$1"; }
setup_fwd_ip6tables() {
	fwd6 1 && ip6tables -t nat -A PREROUTING -i up0 -p tcp --dport $FWD_PORT \
		-j DNAT --to-destination "[$IPT6_NODE]:$FWD_TO" || return 1
	if [ "$HOST" = 1 ]; then
		ip6tables -t nat -A OUTPUT -d $UPLINK6 -p tcp --dport $FWD_PORT \
			-j DNAT --to-destination "[$IPT6_NODE]:$FWD_TO" || return 1
	fi
	fwd_check ip6tables
}
teardown_fwd_ip6tables() {
	local pk hpk
	pk=$(ip6tables -t nat -L PREROUTING -v -x -n | awk '/DNAT/ { print $1; exit }')
	hpk=$(ip6tables -t nat -L OUTPUT -v -x -n | awk '/DNAT/ { print $1; exit }')
	printf '{"method":"ip6tables","kind":"fwd","round":%d,"dnat_rule_packets":%s,"output_rule_packets":%s}\n' \
		"$1" "${pk:-0}" "${hpk:-0}" >>"$STATS"
	ip6t_reset
}
setup_fwd_routed() { setup_masq_routed && fwd_check routed; }
teardown_fwd_routed() { teardown_masq_routed; }

setup_n2n_nsbpf() { up_nsbpf $NS_B6; }
teardown_n2n_nsbpf() { down_nsbpf n2n "$1"; }
setup_n2n_veth() { ip netns exec va ping -6 -c 1 -W 2 -q fd00:97::3 >/dev/null; }
teardown_n2n_veth() { :; }

# client netns, server netns, server address; forwards: what the client
# connects to (address, port; the server listens on FWD_TO)
ends() {	# kind method
	case $1/$2 in
	masq/nsbpf) echo "$LAB-a world $WORLD6" ;;
	masq/ip6tables) echo "ipt6-n world $WORLD6" ;;
	masq/routed) echo "rt6-n world $WORLD6" ;;
	n2n/nsbpf) echo "$LAB-a $LAB-b $NS_B6" ;;
	n2n/veth) echo "va vb fd00:97::3" ;;
	fwd/nsbpf) echo "world $LAB-a $NS_A6 $UPLINK6 $FWD_PORT" ;;
	fwd/ip6tables) echo "world ipt6-n $IPT6_NODE $UPLINK6 $FWD_PORT" ;;
	fwd/routed) echo "world rt6-n $RT6_NODE $RT6_NODE $FWD_TO" ;;
	esac
}

record() {	# kind method test round json
	if [ -z "$5" ]; then
		bench_log "$1 $2: $3 failed (round $4)"
		FAILS=$((FAILS + 1))
		return
	fi
	echo "$5" | jq -c --arg k "$1" --arg m "$2" --arg t "$3" --argjson r "$4" \
		'del(.size) + {kind: $k, method: $m, test: "\($k)_\($t)", round: $r}' >>"$RAW"
}

# rr, cps and one iperf3 stream from CLIENT to the server in SERVER (bound
# to BIND, on SPORT, or a new port each test when SPORT is 0) through DST:DPORT.
tests() {	# kind method round client server bind sport dst dport
	local k=$1 m=$2 r=$3 c=$4 s=$5 b=$6 sp=$7 d=$8 dp=$9 out t p
	for t in rr cps tcp_1; do
		p=$sp
		if [ "$sp" = 0 ]; then
			SRV_PORT=$((SRV_PORT + 1))
			p=$SRV_PORT
		fi
		case $t in
		rr) out=$(nat_rr "$c" "$s" "$b" "$p" "$d" "${dp:-$p}" 1cpu) ;;
		cps) out=$(nat_cps "$c" "$s" "$b" "$p" "$d" "${dp:-$p}" 1cpu) ;;
		tcp_1) out=$(nat_iperf "$c" "$s" "$b" "$p" "$d" "${dp:-$p}" 1 "$SECS") ;;
		esac
		record "$k" "$m" $t "$r" "$out"
		[ -n "$out" ] || continue
		case $t in
		rr) bench_log "round $r $k $m rr: p50 $(echo "$out" | jq .p50_us) us, $(echo "$out" | jq .tps)/s" ;;
		cps) bench_log "round $r $k $m cps: $(echo "$out" | jq -c '{cps, errors, slow}')" ;;
		tcp_1) bench_log "round $r $k $m tcp: $(echo "$out" | jq .gbps) Gbit/s" ;;
		esac
	done
}

phase() {	# kind method round
	local k=$1 m=$2 r=$3 c s a d dp
	read -r c s a d dp <<<"$(ends "$k" "$m")"
	nat_wait_idle "round $r $k $m"
	"setup_${k}_$m" || { bench_log "$k $m: setup failed (round $r)"; FAILS=$((FAILS + 1)); "teardown_${k}_$m" "$r"; return; }
	if [ "$k" = fwd ]; then
		tests fwd "$m" "$r" "$c" "$s" "$a" $FWD_TO "$d" "$dp"
		# the host's own client: the same address and port (routed: the node's)
		[ "$HOST" = 1 ] && tests fwdh "$m" "$r" host "$s" "$a" $FWD_TO "$d" "$dp"
	else
		tests "$k" "$m" "$r" "$c" "$s" "$a" 0 "$a" ""
	fi
	"teardown_${k}_$m" "$r"
	nat_check_alone "round $r $k $m"
}

ENV_BEFORE=$(bench_env_json)
T_START=$(now_ns)
read -r -a MQ <<<"$MASQ_METHODS"
read -r -a NN <<<"$N2N_METHODS"
read -r -a FW <<<"$FWD_METHODS"
for ((r = 1; r <= ROUNDS; r++)); do
	for ((i = 0; i < ${#MQ[@]}; i++)); do phase masq "${MQ[(i + r - 1) % ${#MQ[@]}]}" "$r"; done
	for ((i = 0; i < ${#NN[@]}; i++)); do phase n2n "${NN[(i + r - 1) % ${#NN[@]}]}" "$r"; done
	for ((i = 0; i < ${#FW[@]}; i++)); do phase fwd "${FW[(i + r - 1) % ${#FW[@]}]}" "$r"; done
done

PROG_ROWS=$BENCH_SCRATCH/prog.tsv
: >"$PROG_ROWS"
if [ "$PROG" = 1 ] && [ -x "$SELFTESTS" ]; then
	nat_wait_idle "BPF_PROG_TEST_RUN"
	nat_prog_rows "$SELFTESTS" "$BENCH_SCRATCH/prog.txt" |
		grep -E '^(floor|ipv6 |node_to_node|arp_reply|snat, est|snat, existing UDP|rev_snat: reply|dnat|rev_dnat|snat: TTL 1|from_uplink: host.s TCP, port outside)' >"$PROG_ROWS"
fi
ELAPSED=$(ms_since "$T_START")

# ---- report: rows test:field:title:better, each method's median (min–max) and paired ratios ----

SUMMARY=$BENCH_SCRATCH/summary.tsv
: >"$SUMMARY"
methods_of() { case $1 in masq) echo "$MASQ_METHODS" ;; n2n) echo "$N2N_METHODS" ;; *) echo "$FWD_METHODS" ;; esac; }
KINDS="masq n2n fwd"
[ "$HOST" = 1 ] && KINDS="$KINDS fwdh"
row() {	# kind test field title better ref...
	local k=$1 t=$2 f=$3 title=$4 better=$5 m ref line
	shift 5
	line="$k	$t	$f	$title	$better"
	for m in $(methods_of "$k"); do
		line="$line	$m=$(nat_mmm_of "$RAW" "${k}_$t" "$f" "$m" | awk -F'\t' '{ print $1 " (" $2 "–" $3 ")" }')"
	done
	for ref in "$@"; do
		line="$line	nsbpf/$ref=$(nat_paired "$RAW" "${k}_$t" "$f" nsbpf "$ref" | awk -F'\t' '{ print $1 " (" $2 "–" $3 ")" }')"
	done
	echo "$line" >>"$SUMMARY"
}
for k in $KINDS; do
	refs="ip6tables routed"
	[ "$k" = n2n ] && refs=veth
	# shellcheck disable=SC2086
	{
		row $k rr p50_us "RR p50, us (1cpu)" lower $refs
		row $k rr tps "RR round trips/s (1cpu)" higher $refs
		row $k cps cps "new connections/s (1cpu)" higher $refs
		row $k tcp_1 gbps "1-stream TCP, Gbit/s" higher $refs
	}
done

NSBPF_DROPS=$(jq -s -r '[.[] | select(.method == "nsbpf") | .stats.drops // {} | to_entries[]
	| select(.value.packets > 0) | {k: .key, v: .value.packets}]
	| group_by(.k) | map("\(.[0].k) \(map(.v) | add)") | join(", ")' "$STATS")
NSBPF_SNAT=$(jq -s '[.[] | select(.method == "nsbpf" and .kind == "masq") | .stats.paths.snat.packets // 0] | add // 0' "$STATS")
NSBPF_N2N=$(jq -s '[.[] | select(.method == "nsbpf" and .kind == "n2n") | .stats.paths.node_to_node.packets // 0] | add // 0' "$STATS")
NSBPF_DNAT=$(jq -s '[.[] | select(.method == "nsbpf" and .kind == "fwd") | .stats.paths.dnat.packets // 0] | add // 0' "$STATS")
NSBPF_RDNAT=$(jq -s '[.[] | select(.method == "nsbpf" and .kind == "fwd") | .stats.paths.rev_dnat.packets // 0] | add // 0' "$STATS")
IPT_DNAT=$(jq -s '[.[] | select(.method == "ip6tables" and .kind == "fwd") | .dnat_rule_packets // 0] | add // 0' "$STATS")
IPT_OUT=$(jq -s '[.[] | select(.method == "ip6tables" and .kind == "fwd") | .output_rule_packets // 0] | add // 0' "$STATS")
[ "${NSBPF_SNAT:-0}" -gt 0 ] || { bench_log "nsbpf masqueraded nothing"; FAILS=$((FAILS + 1)); }
[ "${NSBPF_N2N:-0}" -gt 0 ] || { bench_log "nsbpf redirected nothing node to node"; FAILS=$((FAILS + 1)); }
if [[ " $FWD_METHODS " == *" nsbpf "* ]]; then
	[ "${NSBPF_DNAT:-0}" -gt 0 ] || { bench_log "nsbpf forwarded nothing"; FAILS=$((FAILS + 1)); }
fi
NOTES+=("nsbpf's counters over its phases: snat $NSBPF_SNAT packets (masquerade phases), node_to_node $NSBPF_N2N (node-to-node phases), dnat $NSBPF_DNAT and rev_dnat $NSBPF_RDNAT (forward phases: the world's clients; the host's go through the socket hook, uncounted); drops: ${NSBPF_DROPS:-none}")
NOTES+=("ip6tables' DNAT rules matched $IPT_DNAT packets (PREROUTING, the world's new connections) and $IPT_OUT (OUTPUT, the host's) over the forward phases")
ENV_AFTER=$(bench_env_json)

JSON=$BENCH_SCRATCH/ipv6.json
MD=$BENCH_SCRATCH/ipv6.md
jq -s --argjson before "$ENV_BEFORE" --argjson after "$ENV_AFTER" --rawfile summary "$SUMMARY" \
	--rawfile prog "$PROG_ROWS" --slurpfile stats "$STATS" --argjson fails "$FAILS" \
	--arg elapsed "$ELAPSED" --argjson rounds "$ROUNDS" --arg notes "$(printf '%s\n' "${NOTES[@]}")" '
	def rows($s): $s | split("\n") | map(select(length > 0) | split("\t"));
	{bench: "ipv6", rounds: $rounds, env_before: $before, env_after: $after, failures: $fails,
	 elapsed_ms: ($elapsed | tonumber), notes: ($notes | split("\n") | map(select(length > 0))),
	 samples: ., datapath: $stats,
	 summary: [rows($summary)[] | {kind: .[0], test: .[1], metric: .[2], title: .[3], better: .[4],
	           values: (.[5:] | map(split("=") | {key: .[0], value: .[1]}) | from_entries)}],
	 prog_test_run: [rows($prog)[] | {case: .[0], prog_ns: (.[1] | tonumber? // null)}]}' "$RAW" >"$JSON"
{
	echo "# nsbpf IPv6 benchmark"
	echo
	echo "Masquerade: a node to a server in the world ($WORLD6) through nsbpf's NAT66, through"
	echo "ip6tables MASQUERADE (forwarding=1) and routed by the host without NAT. Node to node:"
	echo "two nodes of one nsbpf network against a bare veth pair. Forward: the world's client to"
	echo "[$UPLINK6]:$FWD_PORT, a server in a node on $FWD_TO, through nsbpf's forward, ip6tables DNAT"
	echo "(forwarding=1) and routed (the client connects to the node itself, no NAT);"
	[ "$HOST" = 1 ] && echo "host → forward: the same from the host namespace (nsbpf's connect6 hook, ip6tables OUTPUT DNAT)."
	echo "Both ends on CPU 0; median of $ROUNDS interleaved rounds (min–max); ratios are paired per round."
	echo
	for k in $KINDS; do
		case $k in
		masq) cols="masquerade $MASQ_METHODS nsbpf/ip6tables nsbpf/routed" ;;
		n2n) cols="node_to_node $N2N_METHODS nsbpf/veth" ;;
		fwd) cols="forward,_world_→_[uplink6]:$FWD_PORT $FWD_METHODS nsbpf/ip6tables nsbpf/routed" ;;
		fwdh) cols="host_→_forward $FWD_METHODS nsbpf/ip6tables nsbpf/routed" ;;
		esac
		echo "$cols better" | awk '{ gsub(/_/, " ", $1); printf "|"; for (i = 1; i <= NF; i++) printf " %s |", $i; printf "\n|---|"; for (i = 2; i < NF; i++) printf "%s", "---:|"; print "---|" }'
		awk -F'\t' -v k="$k" '$1 == k { printf "| %s", $4; for (i = 6; i <= NF; i++) { sub(/^[^=]*=/, "", $i); printf " | %s", $i } printf " | %s |\n", $5 }' "$SUMMARY"
		echo
	done
	if [ -s "$PROG_ROWS" ]; then
		echo "BPF_PROG_TEST_RUN, mean ns per packet (selftests/bench_prog.c, bench6_prog.c, bench_nat66.c), the IPv6 rows beside their IPv4 twins:"
		echo
		echo "| case | prog ns | syscall ns |"
		echo "|---|---:|---:|"
		awk -F'\t' '{ printf "| %s | %s | %s |\n", $1, $2, $3 }' "$PROG_ROWS"
		echo
	fi
	printf -- '- %s\n' "${NOTES[@]}"
	echo "- load average before $(echo "$ENV_BEFORE" | jq -r .loadavg), after $(echo "$ENV_AFTER" | jq -r .loadavg); $(nproc) CPUs, kernel $(uname -r), git $(echo "$ENV_BEFORE" | jq -r .git); $FAILS failure(s); $DISTURBED disturbed phase(s); ${ELAPSED} ms in all."
	echo "- Times depend on what else runs on the machine: compare ratios within one run."
} >"$MD"
cat "$MD"
bench_save ipv6 "$JSON" "$MD"
[ "$FAILS" = 0 ]
