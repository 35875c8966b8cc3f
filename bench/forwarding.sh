#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Node-to-node forwarding: TCP throughput (iperf3, 1 and 4 streams) and TCP
# request/response latency (bench/rr: p50/p99) between two namespaces
# through three paths built side by side in one private host namespace:
#   nsbpf   a lab of two nodes in one network (tc + bpf_redirect_peer)
#   bridge  the tutorials' way: both veths enslaved to a Linux bridge
#   veth    one veth pair straight between the two namespaces (the limit)
# Same addresses (10.202.0.2 -> 10.202.0.3, /24) and MTU 1500 everywhere.
# The tests interleave: each round runs every test on every path, the path
# order rotating; the table shows the median over rounds.
#
#   bench/forwarding.sh
# Knobs: ROUNDS (3), SECS (iperf3 -t, 4), STREAMS ("1 4"), RR_N (20000),
# RR_SIZE (1), RR_MODES ("1cpu free": both ends on CPU 0, or anywhere),
# PATHS (nsbpf bridge veth), NSBPF_ATTACH (auto).
# Needs iperf3 and jq. Results: bench/results/forwarding.{json,md}.
set -u -o pipefail
BENCH_NAME=forwarding
. "$(dirname "$0")/lib.sh"
bench_sandbox "$@"

ROUNDS=${ROUNDS:-3}
SECS=${SECS:-4}
STREAMS=${STREAMS:-1 4}
RR_N=${RR_N:-20000}
RR_SIZE=${RR_SIZE:-1}
RR_MODES=${RR_MODES:-1cpu free}
PATHS=${PATHS:-nsbpf bridge veth}
RR=${RR:-$BENCH_TOP/.output/bench/rr}
A=10.202.0.2
B=10.202.0.3
LAB=fw

[ -x "$NSBPF" ] || bench_die "no $NSBPF: run make first"
[ -x "$RR" ] || bench_die "no $RR: run make bench-tools"
command -v iperf3 >/dev/null || bench_die "needs iperf3 (apt-get install iperf3)"
command -v jq >/dev/null || bench_die "needs jq (apt-get install jq)"

# Client and server namespace of each path.
ns_a() { case $1 in nsbpf) echo $LAB-a ;; bridge) echo br-a ;; veth) echo ve-a ;; esac; }
ns_b() { case $1 in nsbpf) echo $LAB-b ;; bridge) echo br-b ;; veth) echo ve-b ;; esac; }

NOTES=()
NOTES+=("rr free (ends placed by the scheduler) is shown, not judged: an idle vCPU's wake-up latency (tens of us here, for any path) swamps the path; rr 1cpu is the path's cost")

# ---- the three paths ----

setup_nsbpf() {
	cat >"$BENCH_SCRATCH/fw.yaml" <<EOF
name: $LAB
networks:
  net:
    subnet: 10.202.0.0/24
    gateway: 10.202.0.1
    masquerade: false
nodes:
  a: {network: net, ip: $A}
  b: {network: net, ip: $B}
EOF
	NSBPF_ATTACH=${NSBPF_ATTACH:-auto} "$NSBPF" up "$BENCH_SCRATCH/fw.yaml" >/dev/null
}

# br_netfilter would send bridged IPv4 through netfilter: turn that off in
# our namespace (the sysctls are per netns since Linux 5.3), and say so.
bridge_nf_off() {
	local k f maj min
	[ -d /proc/sys/net/bridge ] || { NOTES+=("no /proc/sys/net/bridge in the sandbox: br_netfilter not loaded"); return; }
	maj=$(uname -r | cut -d. -f1)
	min=$(uname -r | cut -d. -f2)
	if [ "$maj" -lt 5 ] || { [ "$maj" -eq 5 ] && [ "$min" -lt 3 ]; }; then
		NOTES+=("br_netfilter is loaded and its sysctls are global before Linux 5.3: left as they are ($(cat /proc/sys/net/bridge/bridge-nf-call-iptables) for iptables)")
		return
	fi
	for k in arptables iptables ip6tables; do
		f=/proc/sys/net/bridge/bridge-nf-call-$k
		[ -w "$f" ] && echo 0 >"$f"
	done
	NOTES+=("br_netfilter is loaded (/proc/sys/net/bridge exists): bridge-nf-call-{arp,ip,ip6}tables set to 0 in the sandbox namespace only, so the bridge is not slowed by netfilter")
}

setup_bridge() {
	bridge_nf_off
	ip netns add br-a && ip netns add br-b &&
		ip link add br0 type bridge &&
		ip link set br0 up &&
		ip link add bra type veth peer name eth0 netns br-a &&
		ip link add brb type veth peer name eth0 netns br-b &&
		ip link set bra master br0 && ip link set brb master br0 &&
		ip link set bra up && ip link set brb up &&
		ip -n br-a addr add $A/24 dev eth0 && ip -n br-b addr add $B/24 dev eth0 &&
		ip -n br-a link set eth0 up && ip -n br-b link set eth0 up &&
		ip -n br-a link set lo up && ip -n br-b link set lo up
}

setup_veth() {
	ip netns add ve-a && ip netns add ve-b &&
		ip -n ve-a link add eth0 type veth peer name eth0 netns ve-b &&
		ip -n ve-a addr add $A/24 dev eth0 && ip -n ve-b addr add $B/24 dev eth0 &&
		ip -n ve-a link set eth0 up && ip -n ve-b link set eth0 up &&
		ip -n ve-a link set lo up && ip -n ve-b link set lo up
}

mtu_of() { ip -n "$1" -o link show dev eth0 | sed -n 's/.* mtu \([0-9]*\).*/\1/p'; }

for p in $PATHS; do
	"setup_$p" || bench_die "setting up the $p path failed"
	# bounded, between our own namespaces
	ip netns exec "$(ns_a "$p")" ping -c 1 -W 2 -q $B >/dev/null ||
		bench_die "$p: $A does not reach $B"
	[ "$(mtu_of "$(ns_a "$p")")" = 1500 ] && [ "$(mtu_of "$(ns_b "$p")")" = 1500 ] ||
		bench_die "$p: MTU is not 1500"
done

# One iperf3 server per path, in its B namespace, bounded in time.
NTESTS=$(($(echo $STREAMS $RR_MODES | wc -w)))
SERVER_LIFE=$((ROUNDS * NTESTS * 3 * (SECS + 20) + 120))
for p in $PATHS; do
	ip netns exec "$(ns_b "$p")" timeout "$SERVER_LIFE" iperf3 -s -B $B -p 5201 >/dev/null 2>&1 &
	bench_track $!
done
sleep 0.5

RAW=$BENCH_SCRATCH/samples.jsonl
: >"$RAW"
FAILS=0

run_iperf() {	# path streams round
	local p=$1 s=$2 r=$3 out bps retr
	out=$(ip netns exec "$(ns_a "$p")" timeout $((SECS + 20)) \
		iperf3 -c $B -p 5201 -t "$SECS" -P "$s" -J 2>/dev/null)
	bps=$(echo "$out" | jq -r '.end.sum_received.bits_per_second // empty' 2>/dev/null)
	retr=$(echo "$out" | jq -r '.end.sum_sent.retransmits // 0' 2>/dev/null)
	if [ -z "$bps" ]; then
		bench_log "$p: iperf3 -P $s failed (round $r): $(echo "$out" | jq -r '.error // empty' 2>/dev/null)"
		FAILS=$((FAILS + 1))
		return
	fi
	printf '{"path":"%s","test":"tcp_%d","round":%d,"gbps":%s,"retransmits":%s}\n' \
		"$p" "$s" "$r" "$(awk -v b="$bps" 'BEGIN { printf "%.3f", b / 1e9 }')" "$retr" >>"$RAW"
	printf '  round %d  %-6s  tcp %d stream%s  %8.2f Gbit/s\n' "$r" "$p" "$s" \
		"$([ "$s" = 1 ] || echo s)" "$(awk -v b="$bps" 'BEGIN { print b / 1e9 }')" >&2
}

# rr MODE: "1cpu" pins both ends to CPU 0, so the round trip is the path's
# CPU cost alone; "free" lets the scheduler place them, and then an idle
# vCPU's wake-up latency shows (tens of us in some VMs, for every path).
run_rr() {	# path round mode
	local p=$1 r=$2 mode=$3 srv out pin=()
	[ "$mode" = 1cpu ] && pin=(taskset -c 0)
	ip netns exec "$(ns_b "$p")" "${pin[@]}" "$RR" -s -b $B -p 7777 -z "$RR_SIZE" -T 60 &
	srv=$!
	bench_track $srv
	out=$(ip netns exec "$(ns_a "$p")" "${pin[@]}" "$RR" -c $B -p 7777 -z "$RR_SIZE" -n "$RR_N" -T 20 -j)
	if [ -z "$out" ]; then
		bench_log "$p: rr ($mode) failed (round $r)"
		FAILS=$((FAILS + 1))
	else
		echo "$out" | jq -c --arg p "$p" --arg t "rr_$mode" --argjson r "$r" \
			'{path: $p, test: $t, round: $r} + .' >>"$RAW"
		printf '  round %d  %-6s  rr %d B %-4s  p50 %7.2f us  p99 %7.2f us\n' "$r" "$p" "$RR_SIZE" \
			"$mode" "$(echo "$out" | jq .p50_us)" "$(echo "$out" | jq .p99_us)" >&2
	fi
	bench_kill $srv
	bench_untrack $srv
}

TESTS=""
for s in $STREAMS; do TESTS="$TESTS tcp_$s"; done
for m in $RR_MODES; do TESTS="$TESTS rr_$m"; done

ENV_BEFORE=$(bench_env_json)
bench_log "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
T_START=$(now_ns)
set -- $PATHS
np=$#
for ((r = 1; r <= ROUNDS; r++)); do
	for t in $TESTS; do
		for ((k = 0; k < np; k++)); do
			idx=$(((k + r - 1) % np + 1))
			p=${!idx}
			case $t in
			tcp_*) run_iperf "$p" "${t#tcp_}" "$r" ;;
			rr_*) run_rr "$p" "$r" "${t#rr_}" ;;
			esac
		done
	done
done
ELAPSED=$(ms_since "$T_START")

# The nsbpf path really was BPF's: its node_to_node counter.
N2N=-1
if [[ " $PATHS " == *" nsbpf "* ]]; then
	N2N=$("$NSBPF" stats $LAB --json | jq '.paths.node_to_node.packets')
	ATTACH=$("$NSBPF" status --json | jq -r '.labs[0].attach')
	NOTES+=("nsbpf attach mode: $ATTACH; its node_to_node counter: $N2N packets (GSO packets count once)")
	[ "${N2N:-0}" -gt 0 ] || { bench_log "nsbpf forwarded nothing through BPF"; FAILS=$((FAILS + 1)); }
fi

# ---- report ----

# The columns: (test, metric) pairs.
COLS=""
for t in $TESTS; do
	case $t in
	tcp_*) COLS="$COLS $t:gbps" ;;
	rr_*) COLS="$COLS $t:p50_us $t:p99_us" ;;
	esac
done
col_title() {
	local t=${1%%:*} f=${1#*:}
	case $t in
	tcp_*) echo "tcp ${t#tcp_} stream(s), Gbit/s" ;;
	rr_*) echo "rr ${RR_SIZE} B ${t#rr_} ${f%_us}, us" ;;
	esac
}

SUMMARY=$BENCH_SCRATCH/summary.tsv
: >"$SUMMARY"
for p in $PATHS; do
	for c in $COLS; do
		jq -r --arg p "$p" --arg t "${c%%:*}" --arg f "${c#*:}" \
			'select(.path == $p and .test == $t) | .[$f]' "$RAW" | stats |
			awk -v p="$p" -v t="${c%%:*}" -v f="${c#*:}" \
				'{ if ($1 == 0) print p "\t" t "\t" f "\t-\t-\t-"
				   else print p "\t" t "\t" f "\t" $2 "\t" $3 "\t" $5 }' >>"$SUMMARY"
	done
done
smed() { awk -F'\t' -v p="$1" -v t="$2" -v f="$3" '$1 == p && $2 == t && $3 == f { print $5 }' "$SUMMARY"; }
cell() { awk -F'\t' -v p="$1" -v t="$2" -v f="$3" -v fmt="$4" '$1 == p && $2 == t && $3 == f { printf fmt, $5, $4, $6 }' "$SUMMARY"; }

TABLE=$(
	printf '%-7s' path
	for c in $COLS; do printf ' | %-26s' "$(col_title "$c")"; done
	echo
	printf '%-7s' ""
	for c in $COLS; do printf ' | %8s %8s %8s' median min max; done
	echo
	for p in $PATHS; do
		printf '%-7s' "$p"
		for c in $COLS; do cell "$p" "${c%%:*}" "${c#*:}" ' | %8s %8s %8s'; done
		echo
	done
)

# Ratios nsbpf/other. Throughput: > 1 nsbpf is faster. Latency: < 1 nsbpf is
# lower. Two of them: the ratio of the medians, and the median of the ratios
# within each round ("paired": both paths measured minutes apart at most, so
# drift in the machine's load cancels). The targets are judged on the paired one.
paired() {	# test metric other
	jq -s -r --arg t "$1" --arg f "$2" --arg o "$3" '
		[group_by(.round)[]
		 | (map(select(.test == $t and .path == "nsbpf"))[0][$f]) as $a
		 | (map(select(.test == $t and .path == $o))[0][$f]) as $b
		 | select($a != null and $b != null and $b != 0) | $a / $b]
		| sort
		| if length == 0 then "-"
		  elif length % 2 == 1 then .[(length - 1) / 2]
		  else (.[length / 2 - 1] + .[length / 2]) / 2 end
		| if type == "number" then (. * 100 | round / 100) else . end' "$RAW"
}
RATIOS=$BENCH_SCRATCH/ratios.tsv
: >"$RATIOS"
for o in bridge veth; do
	[[ " $PATHS " == *" $o "* && " $PATHS " == *" nsbpf "* ]] || continue
	for c in $COLS; do
		t=${c%%:*} f=${c#*:}
		printf '%s\t%s\tnsbpf/%s\t%s\t%s\n' "$t" "$f" "$o" \
			"$(paired "$t" "$f" "$o")" \
			"$(ratio "$(smed nsbpf "$t" "$f")" "$(smed "$o" "$t" "$f")")" >>"$RATIOS"
	done
done
RTABLE=$(
	printf '%-8s %-7s %-13s %8s %12s\n' test metric ratio paired "of medians"
	awk -F'\t' '{ printf "%-8s %-7s %-13s %8s %12s\n", $1, $2, $3, $4, $5 }' "$RATIOS"
)

rat() { awk -F'\t' -v t="$1" -v f="$2" -v o="$3" '$1 == t && $2 == f && $3 == o { print $4 }' "$RATIOS"; }
judge() {	# value op threshold
	awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {
		if (v == "" || v == "-") { print "not measured"; exit }
		ok = (op == ">=") ? (v + 0 >= t) : (v + 0 < t)
		print ok ? "met" : "MISSED" }'
}
TARGETS=$BENCH_SCRATCH/targets.tsv
for t in $TESTS; do
	case $t in
	tcp_*)
		v=$(rat "$t" gbps nsbpf/bridge)
		printf 'throughput, %s stream(s): at least the bridge\tnsbpf/bridge %s\t%s\n' "${t#tcp_}" "${v:--}" "$(judge "${v:--}" ">=" 1)"
		v=$(rat "$t" gbps nsbpf/veth)
		printf 'throughput, %s stream(s): within 10%% of the veth pair\tnsbpf/veth %s\t%s\n' "${t#tcp_}" "${v:--}" "$(judge "${v:--}" ">=" 0.9)"
		;;
	rr_free) ;;	# wake-up latency of idle vCPUs dominates it: shown, not judged
	rr_*)
		v=$(rat "$t" p50_us nsbpf/bridge)
		printf 'latency p50 (%s): lower than the bridge\tnsbpf/bridge %s\t%s\n' "${t#rr_}" "${v:--}" "$(judge "${v:--}" "<" 1)"
		v=$(rat "$t" p99_us nsbpf/bridge)
		printf 'latency p99 (%s): lower than the bridge\tnsbpf/bridge %s\t%s\n' "${t#rr_}" "${v:--}" "$(judge "${v:--}" "<" 1)"
		v=$(rat "$t" p50_us nsbpf/veth)
		printf 'latency p50 (%s): within 10%% of the veth pair\tnsbpf/veth %s\t%s\n' "${t#rr_}" "${v:--}" "$(judge "${v:--}" "<" 1.1)"
		;;
	esac
done >"$TARGETS"
TTABLE=$(awk -F'\t' '{ printf "%-50s %-20s %s\n", $1, $2, $3 }' "$TARGETS")

ENV_AFTER=$(bench_env_json)
NOTES_TXT=$(printf '%s\n' "${NOTES[@]}")
{
	echo "forwarding: $A -> $B, iperf3 -t $SECS, rr $RR_N round trips; median of $ROUNDS interleaved rounds"
	echo "$TABLE"
	echo
	echo "ratios (throughput: > 1 nsbpf is faster; latency: < 1 nsbpf is lower); paired: median of the per-round ratios"
	echo "$RTABLE"
	echo
	echo "targets (from the issue)"
	echo "$TTABLE"
	echo
	echo "$NOTES_TXT"
	echo "load average before: $(echo "$ENV_BEFORE" | jq -r .loadavg), after: $(echo "$ENV_AFTER" | jq -r .loadavg); $(nproc) CPUs; $FAILS failure(s); ${ELAPSED} ms in all"
}

JSON=$BENCH_SCRATCH/forwarding.json
MD=$BENCH_SCRATCH/forwarding.md
jq -s --argjson before "$ENV_BEFORE" --argjson after "$ENV_AFTER" \
	--rawfile summary "$SUMMARY" --rawfile ratios "$RATIOS" --rawfile targets "$TARGETS" \
	--arg notes "$NOTES_TXT" --argjson fails "$FAILS" --arg elapsed "$ELAPSED" \
	--argjson rounds "$ROUNDS" --argjson secs "$SECS" --argjson rr_n "$RR_N" \
	--argjson rr_size "$RR_SIZE" --argjson n2n "${N2N:--1}" '
	def rows($s): $s | split("\n") | map(select(length > 0) | split("\t"));
	def num: tonumber? // null;
	{
	  bench: "forwarding",
	  setup: {from: "10.202.0.2", to: "10.202.0.3", mtu: 1500, rounds: $rounds,
	          iperf3_secs: $secs, rr_round_trips: $rr_n, rr_size: $rr_size,
	          paths: {nsbpf: "nsbpf lab, two nodes in one network (tc, bpf_redirect_peer)",
	                  bridge: "two veths enslaved to a Linux bridge in the host namespace",
	                  veth: "one veth pair between the two namespaces"}},
	  env_before: $before, env_after: $after, failures: $fails,
	  elapsed_ms: ($elapsed | tonumber), nsbpf_node_to_node_packets: $n2n,
	  notes: ($notes | split("\n") | map(select(length > 0))),
	  samples: .,
	  summary: [rows($summary)[] | {path: .[0], test: .[1], metric: .[2],
	            min: (.[3] | num), median: (.[4] | num), max: (.[5] | num)}],
	  ratios: [rows($ratios)[] | {test: .[0], metric: .[1], ratio: .[2], paired: (.[3] | num),
	            of_medians: (.[4] | num)}],
	  targets: [rows($targets)[] | {target: .[0], value: .[1], verdict: .[2]}]
	}' "$RAW" >"$JSON"

{
	echo "# nsbpf forwarding benchmark"
	echo
	echo "$A → $B between two namespaces, MTU 1500, through **nsbpf** (a lab of two nodes,"
	echo "tc + \`bpf_redirect_peer\`), a Linux **bridge** (the tutorials' way) and a direct **veth**"
	echo "pair. iperf3 -t $SECS; bench/rr: $RR_N TCP round trips of $RR_SIZE byte(s), with both ends"
	echo "on CPU 0 (1cpu: the path's own cost) and placed by the scheduler (free). Median over"
	echo "$ROUNDS interleaved rounds (min–max in brackets)."
	echo
	printf '| path |'
	for c in $COLS; do printf ' %s |' "$(col_title "$c")"; done
	echo
	printf '|---|'
	for c in $COLS; do printf -- '---:|'; done
	echo
	for p in $PATHS; do
		printf '| %s |' "$p"
		for c in $COLS; do cell "$p" "${c%%:*}" "${c#*:}" ' %s (%s–%s) |'; done
		echo
	done
	echo
	echo "Ratios (throughput: > 1 means nsbpf is faster; latency: < 1 means nsbpf is lower). *Paired*:"
	echo "the median of the ratios within each round, which cancels drift in the machine's load"
	echo "(the targets are judged on it); *of medians*: the ratio of the medians in the table above."
	echo
	echo "| test | metric | ratio | paired | of medians |"
	echo "|---|---|---|---:|---:|"
	awk -F'\t' '{ printf "| %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5 }' "$RATIOS"
	echo
	echo "| target | measured | verdict |"
	echo "|---|---|---|"
	awk -F'\t' '{ printf "| %s | %s | %s |\n", $1, $2, $3 }' "$TARGETS"
	echo
	printf -- '- %s\n' "${NOTES[@]}"
	echo "- load average before $(echo "$ENV_BEFORE" | jq -r .loadavg), after $(echo "$ENV_AFTER" | jq -r .loadavg); $(nproc) CPUs, kernel $(uname -r), git $(echo "$ENV_BEFORE" | jq -r .git); $FAILS failure(s)."
	echo "- Times depend on what else runs on the machine: compare ratios within one run."
} >"$MD"

bench_save forwarding "$JSON" "$MD"
[ "$FAILS" = 0 ]
