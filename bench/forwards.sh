#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Port forwards: clients in the world namespace reach a server in a node
# through 192.0.2.1:6000 (the private host namespace's uplink address), via
#   nsbpf     a lab with the forward tcp 6000 -> node:8080 (DNAT in BPF at the
#             uplink's tc ingress, replies reverse-translated at from_node)
#   iptables  the tutorials' way: a node behind a plain veth, ip_forward=1 and
#             `iptables -t nat -A PREROUTING -i up0 -p tcp --dport 6000 -j DNAT
#             --to-destination NODE:8080` (nf_conntrack; nft backend)
#   routed    the reference without NAT, at the smallest size only: the
#             clients connect to the server of a plain node like the
#             iptables one (a node of its own, so it never meets the
#             TIME_WAIT of the iptables phases' 4-tuples) itself, routed by
#             the host (ip_forward=1, the world routing the node's subnet
#             back via the uplink), no rule, no conntrack
# with 1, 1,000 and 10,000 forwards installed: nsbpf gets N-1 other forwards
# (tcp 20000.. -> node:8080) with `nsbpf forward add LAB --file`, iptables N-1
# other DNAT rules ahead of the matching one, loaded with iptables-restore.
# Per size and method: new connections per second (bench/cps: connect, 1 byte
# each way, the server closes; the rule walk shows here, on every new flow),
# request/response latency (bench/rr, p50/p99) and throughput (iperf3, whose
# control and data connections all go to port 6000). The time to install N
# is measured as each phase sets up: `nsbpf forward add --file` of N lines
# (after `nsbpf up`) and `iptables-restore` of N rules. For information, the
# time of 10,000 single `iptables -t nat -A` calls, bounded at 60 s.
# Host to forward (HOST=1): the same three tests with the client in the
# host namespace itself, connecting to 192.0.2.1:6000: nsbpf translates at
# the socket (cgroup connect4 hook), iptables with as many OUTPUT DNAT rules
# (`-d 192.0.2.1`, loaded after the PREROUTING ones, not timed), routed is
# the host connecting to NODE:8080 directly; and in nsbpf's phase (smallest
# size) "direct": the host straight to nsbpf's own node, NODE:8080, so that
# host to forward against it is the forward's own cost on the same datapath
# (forwards.json: "direct", the paired ratios host to forward / direct).
# 1cpu: both ends on CPU 0 (the path's CPU cost); free: placed by the
# scheduler. Each phase builds its method's state and removes it after, so
# one method never sits in the other's path; the method order alternates.
#
#   bench/forwards.sh
# Knobs: ROUNDS (3), SIZES ("1 1000 10000"), SECS (iperf3 -t, 3), CPS_SECS (3),
# CPS_MODES ("1cpu free"), RR_MODES (1cpu), RR_N (20000), METHODS (nsbpf
# iptables routed), HOST (1; 0: no host-to-forward tests), SINGLE_ADDS
# (10000; 0: skip), SINGLE_LIMIT (60 s), IDLE_WAIT (600), PROG=0 (skip the
# DNAT ns/packet rows), NSBPF_ATTACH (auto).
# Needs iperf3, jq, iptables, python3. Results: bench/results/forwards.{json,md}.
set -u -o pipefail
BENCH_NAME=forwards
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/natlib.sh"
bench_sandbox "$@"

ROUNDS=${ROUNDS:-3}
SIZES=${SIZES:-1 1000 10000}
SECS=${SECS:-3}
CPS_MODES=${CPS_MODES:-1cpu free}
RR_MODES=${RR_MODES:-1cpu}
METHODS=${METHODS:-nsbpf iptables routed}
HOST=${HOST:-1}
SINGLE_ADDS=${SINGLE_ADDS:-10000}
SINGLE_LIMIT=${SINGLE_LIMIT:-60}
PROG=${PROG:-1}
SELFTESTS=${SELFTESTS:-$BENCH_TOP/.output/selftests/selftests}
NAT_OTHERS=masquerade
LAB=fwd
NSBPF_NODE=10.97.0.2
IPT_NODE=10.99.0.2
IPT_GW=10.99.0.1
RT_NODE=10.96.0.2	# the routed reference's own plain node: its own 4-tuples
RT_GW=10.96.0.1
RT_NET=10.96.0.0/24
PORT=6000		# the forward the clients use
TO_PORT=8080
FIRST_OTHER=20000	# the N-1 others: 20000, 20001, ...
export BENCH_TIMEOUT=120

[ -x "$NSBPF" ] || bench_die "no $NSBPF: run make first"
[ -x "$RR" ] || bench_die "no $RR: run make bench-tools"
[ -x "$CPS" ] || bench_die "no $CPS: run make bench-forwards (it builds it)"
for c in iperf3 jq iptables iptables-restore python3 taskset; do
	command -v $c >/dev/null || bench_die "needs $c"
done
for n in $SIZES; do
	if [ "$n" -lt 1 ] || [ $((FIRST_OTHER + n)) -gt 61000 ]; then
		bench_die "size $n: 1..$((61000 - FIRST_OTHER))"
	fi
done
read -r -a SZ <<<"$SIZES"
SMALL=${SZ[0]}
BIG=${SZ[-1]}
read -r -a MS <<<"$METHODS"

bench_cleanup() { nat_iptables_reset; }
nat_pin_nsbpf

# direct: the host straight to nsbpf's own node (its address and server port), in
# nsbpf's phase: what the forward itself (the socket hooks) costs the host
node_ns() { case $1 in nsbpf|direct) echo $LAB-n ;; iptables) echo ipt-n ;; routed) echo rt-n ;; esac; }
node_ip() { case $1 in nsbpf|direct) echo $NSBPF_NODE ;; iptables) echo $IPT_NODE ;; routed) echo $RT_NODE ;; esac; }
# Where the clients connect: the forward, or (routed) the node's server itself.
dst_ip() { case $1 in routed) echo $RT_NODE ;; direct) echo $NSBPF_NODE ;; *) echo $UPLINK_IP ;; esac; }
dst_port() { case $1 in routed|direct) echo $TO_PORT ;; *) echo $PORT ;; esac; }

cat >"$BENCH_SCRATCH/fwd.yaml" <<EOF
name: $LAB
uplink: up0
networks:
  net:
    subnet: 10.97.0.0/24
    gateway: 10.97.0.1
nodes:
  n: {network: net, ip: $NSBPF_NODE}
EOF

# The inputs, made once per size: N-1 others, then the one the clients use.
for n in $SIZES; do
	{
		for ((i = 0; i < n - 1; i++)); do
			echo "tcp $((FIRST_OTHER + i)) n:$TO_PORT"
		done
		echo "tcp $PORT n:$TO_PORT"
	} >"$BENCH_SCRATCH/fwd-$n.txt"
	{
		echo "*nat"
		printf ':PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n'
		for ((i = 0; i < n - 1; i++)); do
			echo "-A PREROUTING -i up0 -p tcp -m tcp --dport $((FIRST_OTHER + i)) -j DNAT --to-destination $IPT_NODE:$TO_PORT"
		done
		echo "-A PREROUTING -i up0 -p tcp -m tcp --dport $PORT -j DNAT --to-destination $IPT_NODE:$TO_PORT"
		echo "COMMIT"
	} >"$BENCH_SCRATCH/ipt-$n.rules"
	{
		echo "*nat"
		for ((i = 0; i < n - 1; i++)); do
			echo "-A OUTPUT -d $UPLINK_IP/32 -p tcp -m tcp --dport $((FIRST_OTHER + i)) -j DNAT --to-destination $IPT_NODE:$TO_PORT"
		done
		echo "-A OUTPUT -d $UPLINK_IP/32 -p tcp -m tcp --dport $PORT -j DNAT --to-destination $IPT_NODE:$TO_PORT"
		echo "COMMIT"
	} >"$BENCH_SCRATCH/ipt-out-$n.rules"
done

nat_world_up || bench_die "world namespace"
nat_plain_node ipt-n $IPT_NODE $IPT_GW || bench_die "the iptables node"
nat_plain_node rt-n $RT_NODE $RT_GW || bench_die "the routed node"
nat_iptables_reset
[ "$(cat /proc/sys/net/ipv4/ip_forward)" = 0 ] || bench_die "ip_forward is not 0 in the sandbox"
NETNS_BASE=$(netns_slab)

# ---- the two methods: set up (timed: installing the N forwards), tear down ----

STATS=$BENCH_SCRATCH/stats.jsonl
: >"$STATS"
ADD_MS=""

# The client's check that the forward works (bounded): reach METHOD CLIENT_NS
reach() {
	local i
	for ((i = 0; i < 3; i++)); do
		(nat_exec "$2" "$CPS" -c "$(dst_ip "$1")" -p "$(dst_port "$1")" -n 1 -w 0 -T 3 -t 2000 >/dev/null 2>&1) &&
			return 0
		sleep 0.2
	done
	return 1
}

check_server() {	# method: a cps server for the reachability check
	local srv rc
	ip netns exec "$(node_ns "$1")" "$CPS" -s -b "$(node_ip "$1")" -p $TO_PORT -T 30 2>/dev/null &
	srv=$!
	bench_track $srv
	nat_wait_listen "$(node_ns "$1")" $TO_PORT && reach "$1" world &&
		{ [ "$HOST" != 1 ] || reach "$1" host; }
	rc=$?
	bench_kill $srv
	bench_untrack $srv
	return $rc
}

setup_nsbpf() {	# n
	local t0 cnt
	NSBPF_ATTACH=${NSBPF_ATTACH:-auto} bounded "$NSBPF" up "$BENCH_SCRATCH/fwd.yaml" >/dev/null || return 1
	t0=$(now_ns)
	bounded "$NSBPF" forward add $LAB --file "$BENCH_SCRATCH/fwd-$1.txt" >/dev/null || return 1
	ADD_MS=$(ms_since "$t0")
	cnt=$("$NSBPF" forward list $LAB --json | jq '.labs[0].forwards | length')
	[ "$cnt" = "$1" ] || { bench_log "nsbpf lists $cnt forwards, not $1"; return 1; }
	check_server nsbpf
}

teardown_nsbpf() {	# n round
	local hits
	hits=$("$NSBPF" forward list $LAB --json 2>/dev/null |
		jq --argjson p $PORT '[.labs[0].forwards[] | select(.port == $p) | .hits] | add // 0')
	"$NSBPF" stats $LAB --json 2>/dev/null |
		jq -c --argjson n "$1" --argjson r "$2" --argjson h "${hits:-0}" \
			'{method: "nsbpf", size: $n, round: $r, forward_hits: $h, stats: .}' >>"$STATS"
	bounded "$NSBPF" down $LAB >/dev/null || bench_log "nsbpf down failed"
	netns_settle "$NETNS_BASE" 20
}

setup_iptables() {	# n
	local t0 cnt
	nat_ct_flush || bench_log "conntrack flush failed"
	nat_ip_forward 1 || return 1
	t0=$(now_ns)
	bounded iptables-restore <"$BENCH_SCRATCH/ipt-$1.rules" || return 1
	ADD_MS=$(ms_since "$t0")
	cnt=$(iptables -t nat -S PREROUTING | grep -c -- '-j DNAT')
	[ "$cnt" = "$1" ] || { bench_log "iptables has $cnt DNAT rules, not $1"; return 1; }
	if [ "$HOST" = 1 ]; then
		bounded iptables-restore --noflush <"$BENCH_SCRATCH/ipt-out-$1.rules" || return 1
	fi
	check_server iptables
}

teardown_iptables() {	# n round
	local pk hpk
	# the matching rule is the last one
	pk=$(iptables -t nat -L PREROUTING -v -x -n | awk -v p="dpt:$PORT" '$0 ~ p { print $1 }' | tail -n 1)
	hpk=$(iptables -t nat -L OUTPUT -v -x -n | awk -v p="dpt:$PORT" '$0 ~ p { print $1 }' | tail -n 1)
	printf '{"method":"iptables","size":%d,"round":%d,"rule_packets":%s,"output_rule_packets":%s,"conntrack_entries":%s}\n' \
		"$1" "$2" "${pk:-0}" "${hpk:-0}" "$(nat_ct_count)" >>"$STATS"
	nat_iptables_reset
}

setup_routed() {	# n (the same for any)
	ADD_MS=0
	nat_routed_up $RT_NET && check_server routed
}

teardown_routed() {	# n round
	printf '{"method":"routed","size":%d,"round":%d,"conntrack_entries":%s}\n' \
		"$1" "$2" "$(nat_ct_count)" >>"$STATS"
	nat_routed_down $RT_NET
}

# ---- measurements ----

RAW=$BENCH_SCRATCH/samples.jsonl
: >"$RAW"
FAILS=0

record() {	# method size test round json
	if [ -z "$5" ]; then
		bench_log "$1 n=$2: $3 failed (round $4)"
		FAILS=$((FAILS + 1))
		return
	fi
	echo "$5" | jq -c --arg m "$1" --argjson n "$2" --arg t "$3" --argjson r "$4" \
		'(del(.size) | with_entries(.key |= if . == "n" then "count" else . end)) + {method: $m, size: $n, test: $t, round: $r}' >>"$RAW"
}

# The client tests from CLIENT_NS (world, or host: from the host namespace
# itself, tests named *_host); run_tests METHOD SIZE ROUND CLIENT_NS
run_tests() {
	local m=$1 n=$2 r=$3 cns=$4 ns ip dip dport mode out sfx="" cmodes=$CPS_MODES rmodes=$RR_MODES
	ns=$(node_ns "$m")
	ip=$(node_ip "$m")
	dip=$(dst_ip "$m")
	dport=$(dst_port "$m")
	# from the host: one CPU only (host_1cpu), the path's own cost
	[ "$cns" = host ] && { sfx=_host; cmodes=1cpu; rmodes=1cpu; }
	for mode in $cmodes; do
		out=$(nat_cps "$cns" "$ns" "$ip" $TO_PORT "$dip" "$dport" "$mode")
		record "$m" "$n" "cps${sfx}_$mode" "$r" "$out"
		[ -n "$out" ] && bench_log "round $r $m n=$n cps$sfx $mode: $(echo "$out" | jq -c '{cps, fast_cps, connections, errors, slow, first_stall, syn_retrans, p99_us}')"
	done
	for mode in $rmodes; do
		out=$(nat_rr "$cns" "$ns" "$ip" $TO_PORT "$dip" "$dport" "$mode")
		record "$m" "$n" "rr${sfx}_$mode" "$r" "$out"
		[ -n "$out" ] && bench_log "round $r $m n=$n rr$sfx $mode: p50 $(echo "$out" | jq .p50_us) us, p99 $(echo "$out" | jq .p99_us) us, $(echo "$out" | jq .tps)/s"
	done
	out=$(nat_iperf "$cns" "$ns" "$ip" $TO_PORT "$dip" "$dport" 1 "$SECS")
	record "$m" "$n" "tcp${sfx}_1" "$r" "$out"
	[ -n "$out" ] && bench_log "round $r $m n=$n tcp$sfx 1: $(echo "$out" | jq .gbps) Gbit/s"
}

phase() {	# method size round
	local m=$1 n=$2 r=$3
	nat_wait_idle "round $r $m n=$n"
	ADD_MS=""
	if ! "setup_$m" "$n"; then
		bench_log "$m n=$n: setup failed (round $r)"
		FAILS=$((FAILS + 1))
		"teardown_$m" "$n" "$r"
		return
	fi
	if [ "$m" != routed ]; then
		record "$m" "$n" add "$r" "{\"ms\": $ADD_MS}"
		bench_log "round $r $m n=$n: installing $n: $ADD_MS ms"
	fi
	run_tests "$m" "$n" "$r" world
	[ "$HOST" = 1 ] && run_tests "$m" "$n" "$r" host
	# the same node without the forward (smallest size only: the hooks do not scale)
	[ "$HOST" = 1 ] && [ "$m" = nsbpf ] && [ "$n" = "$SMALL" ] && run_tests direct "$n" "$r" host
	"teardown_$m" "$n" "$r"
	nat_check_alone "round $r $m n=$n"
}

ENV_BEFORE=$(bench_env_json)
bench_log "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
T_START=$(now_ns)
# routed has no rules to scale: it runs with the smallest size only
for ((r = 1; r <= ROUNDS; r++)); do
	for n in $SIZES; do
		ms=()
		for m in "${MS[@]}"; do
			[ "$m" = routed ] && [ "$n" != "$SMALL" ] || ms+=("$m")
		done
		for ((k = 0; k < ${#ms[@]}; k++)); do
			phase "${ms[(k + r - 1) % ${#ms[@]}]}" "$n" "$r"
		done
	done
done

# ---- for information: N single `iptables -t nat -A` calls, bounded ----

SINGLE=""
if [ "$SINGLE_ADDS" -gt 0 ]; then
	nat_wait_idle "single iptables -A calls"
	t0=$(now_ns)
	done_n=0
	limit_ns=$((SINGLE_LIMIT * 1000000000))
	for ((i = 0; i < SINGLE_ADDS; i++)); do
		iptables -t nat -A PREROUTING -i up0 -p tcp -m tcp --dport $((FIRST_OTHER + i)) \
			-j DNAT --to-destination $IPT_NODE:$TO_PORT || break
		done_n=$((done_n + 1))
		[ $(($(now_ns) - t0)) -lt $limit_ns ] || break
	done
	single_ms=$(ms_since "$t0")
	SINGLE=$(jq -cn --argjson want "$SINGLE_ADDS" --argjson added "$done_n" --argjson ms "$single_ms" \
		--argjson limit "$SINGLE_LIMIT" '{wanted: $want, added: $added, ms: $ms, limit_s: $limit,
		 finished: ($added == $want), per_call_ms: ($ms / ([$added, 1] | max))}')
	bench_log "single iptables -A: $SINGLE"
	nat_iptables_reset
fi

# ---- BPF_PROG_TEST_RUN: DNAT and its reverse (information) ----

PROG_ROWS=$BENCH_SCRATCH/prog.tsv
: >"$PROG_ROWS"
if [ "$PROG" = 1 ] && [ -x "$SELFTESTS" ]; then
	nat_wait_idle "BPF_PROG_TEST_RUN"
	nat_prog_rows "$SELFTESTS" "$BENCH_SCRATCH/prog.txt" |
		grep -E '^(floor|dnat|rev_dnat)' >"$PROG_ROWS"
	[ -s "$PROG_ROWS" ] || NOTES+=("no dnat rows from $SELFTESTS")
fi
ELAPSED=$(ms_since "$T_START")

# ---- report ----

# metric rows: test:field:title:better
ROWS_DEF=""
for mode in $CPS_MODES; do
	ROWS_DEF="$ROWS_DEF cps_$mode:cps:new_connections/s_($mode):higher cps_$mode:fast_cps:new_connections/s_($mode),_leaving_out_connections_over_100_ms:higher"
done
for mode in $RR_MODES; do
	ROWS_DEF="$ROWS_DEF rr_$mode:p50_us:rr_p50_($mode),_us:lower rr_$mode:p99_us:rr_p99_($mode),_us:lower rr_$mode:tps:rr_round_trips/s_($mode):higher"
done
ROWS_DEF="$ROWS_DEF tcp_1:gbps:throughput_1_stream,_Gbit/s:higher"
[ "$HOST" = 1 ] &&
	ROWS_DEF="$ROWS_DEF cps_host_1cpu:cps:host_to_forward,_new_connections/s_(1cpu):higher rr_host_1cpu:p50_us:host_to_forward,_rr_p50_(1cpu),_us:lower rr_host_1cpu:p99_us:host_to_forward,_rr_p99_(1cpu),_us:lower rr_host_1cpu:tps:host_to_forward,_rr_round_trips/s_(1cpu):higher tcp_host_1:gbps:host_to_forward,_throughput_1_stream,_Gbit/s:higher"
ROWS_DEF="$ROWS_DEF add:ms:installing_N,_ms:lower"

SUMMARY=$BENCH_SCRATCH/summary.tsv
: >"$SUMMARY"
for d in $ROWS_DEF; do
	IFS=: read -r t f title better <<<"$d"
	title=${title//_/ }
	for n in $SIZES; do
		line="$t	$f	$title	$better	$n"
		for m in nsbpf iptables; do
			line="$line	$(nat_mmm_of "$RAW" "$t" "$f" "$m" "$n")"
		done
		pr=$(nat_paired "$RAW" "$t" "$f" nsbpf iptables "$n")
		om=$(ratio "$(echo "$line" | cut -f6)" "$(echo "$line" | cut -f9)")
		line="$line	$pr	$om	$(nat_mmm_of "$RAW" "$t" "$f" routed "$n")"
		pr=$(nat_paired "$RAW" "$t" "$f" nsbpf routed "$n")
		om=$(ratio "$(echo "$line" | cut -f6)" "$(echo "$line" | cut -f16)")
		echo "$line	$pr	$om" >>"$SUMMARY"
	done
done
# columns: 1 test 2 field 3 title 4 better 5 size 6-8 nsbpf med/min/max 9-11 iptables
# 12-14 paired ratio nsbpf/iptables median/min/max 15 its ratio of medians
# 16-18 routed med/min/max (smallest size only) 19-21 paired nsbpf/routed 22 its ratio of medians

# ref: iptables (column 12) or routed (19)
ref_col() { if [ "${1:-iptables}" = routed ]; then echo 19; else echo 12; fi; }
pr_of() { awk -F'\t' -v t="$1" -v f="$2" -v n="$3" -v c="$(ref_col "${4:-}")" '$1 == t && $2 == f && $5 == n { print $c }' "$SUMMARY"; }
prr_of() { awk -F'\t' -v t="$1" -v f="$2" -v n="$3" -v c="$(ref_col "${4:-}")" '$1 == t && $2 == f && $5 == n { print $c " (" $(c + 1) "–" $(c + 2) ")" }' "$SUMMARY"; }
med_of() { awk -F'\t' -v t="$1" -v f="$2" -v n="$3" -v c="$4" '$1 == t && $2 == f && $5 == n { print $c }' "$SUMMARY"; }

# Flatness: each method at its largest size against itself at its smallest.
FLAT=$BENCH_SCRATCH/flat.tsv
: >"$FLAT"
for d in $ROWS_DEF; do
	IFS=: read -r t f title _ <<<"$d"
	[ "$t" = add ] && continue
	for m in nsbpf iptables; do
		printf '%s\t%s\t%s\t%s\t%s\n' "$t" "$f" "${title//_/ }" "$m" \
			"$(nat_paired_sizes "$RAW" "$t" "$f" "$m" "$BIG" "$SMALL")" >>"$FLAT"
	done
done
# columns: 1 test 2 field 3 title 4 method 5-7 paired ratio median/min/max
flat_of() { awk -F'\t' -v t="$1" -v f="$2" -v m="$3" '$1 == t && $2 == f && $4 == m { print $5 }' "$FLAT"; }
flatr_of() { awk -F'\t' -v t="$1" -v f="$2" -v m="$3" '$1 == t && $2 == f && $4 == m { print $5 " (" $6 "–" $7 ")" }' "$FLAT"; }

TARGETS=$BENCH_SCRATCH/targets.tsv
: >"$TARGETS"
target() {	# text test metric size op threshold [ref: iptables (default) or routed]
	local v ref=${7:-iptables}
	v=$(pr_of "$2" "$3" "$4" "$ref")
	printf '%s\tnsbpf/%s %s\t%s\n' "$1" "$ref" "$(prr_of "$2" "$3" "$4" "$ref")" "$(nat_judge "${v:--}" "$5" "$6")" >>"$TARGETS"
}
for n in $SIZES; do
	# judged with both ends on one CPU (the path's cost); free is shown, not judged
	[[ " $CPS_MODES " == *" 1cpu "* ]] &&
		target "n=$n: new connections/s (1cpu) ahead of iptables" cps_1cpu cps "$n" ">=" 1
	for mode in $RR_MODES; do
		target "n=$n: latency p50 ($mode) lower than iptables" "rr_$mode" p50_us "$n" "<" 1
		target "n=$n: latency p99 ($mode) lower than iptables" "rr_$mode" p99_us "$n" "<" 1
	done
	target "n=$n: throughput ahead of iptables" tcp_1 gbps "$n" ">=" 1
	if [ "$HOST" = 1 ]; then
		target "n=$n: host to forward, new connections/s (1cpu) ahead of iptables" cps_host_1cpu cps "$n" ">=" 1
		target "n=$n: host to forward, latency p50 (1cpu) lower than iptables" rr_host_1cpu p50_us "$n" "<" 1
		target "n=$n: host to forward, throughput ahead of iptables" tcp_host_1 gbps "$n" ">=" 1
	fi
done
# Issue 16: NAT for free, against the same path routed without NAT (n=SMALL).
if [[ " $METHODS " == *" routed "* ]]; then
	pfx="n=$SMALL: DNAT, world to forward"
	[[ " $CPS_MODES " == *" 1cpu "* ]] &&
		target "$pfx: new connections/s (1cpu) at least the routed path's" cps_1cpu cps "$SMALL" ">=" 1 routed
	[[ " $RR_MODES " == *" 1cpu "* ]] &&
		target "$pfx: latency p50 (1cpu) at most the routed path's" rr_1cpu p50_us "$SMALL" "<=" 1 routed
	target "$pfx: throughput at least the routed path's" tcp_1 gbps "$SMALL" ">=" 1 routed
	if [ "$HOST" = 1 ]; then
		pfx="n=$SMALL: host to forward"
		target "$pfx: new connections/s (1cpu) at least the host's straight to the node" cps_host_1cpu cps "$SMALL" ">=" 1 routed
		target "$pfx: latency p50 (1cpu) at most the host's straight to the node" rr_host_1cpu p50_us "$SMALL" "<=" 1 routed
		target "$pfx: throughput at least the host's straight to the node" tcp_host_1 gbps "$SMALL" ">=" 1 routed
	fi
fi
# The forward's own cost: the host to it against the host straight to the same node.
direct_of() { nat_paired "$RAW" "$1" "$2" nsbpf direct "$SMALL" | cut -f1; }
directr_of() { nat_paired "$RAW" "$1" "$2" nsbpf direct "$SMALL" | awk -F'\t' '{ print $1 " (" $2 "–" $3 ")" }'; }
direct_target() {	# text test metric op
	local v
	v=$(direct_of "$2" "$3")
	printf '%s\tnsbpf/direct %s\t%s\n' "$1" "$(directr_of "$2" "$3")" "$(nat_judge "${v:--}" "$4" 1)" >>"$TARGETS"
}
# ... and the same ratios for forwards.json's "direct": test, metric, median, min, max
DIRECT=$BENCH_SCRATCH/direct.tsv
: >"$DIRECT"
if [ "$HOST" = 1 ]; then
	for tm in "rr_host_1cpu p50_us" "rr_host_1cpu tps" "cps_host_1cpu cps" "tcp_host_1 gbps"; do
		read -r t m <<<"$tm"
		printf '%s\t%s\t%s\n' "$t" "$m" "$(nat_paired "$RAW" "$t" "$m" nsbpf direct "$SMALL")" >>"$DIRECT"
	done
fi
if [ "$HOST" = 1 ]; then
	pfx="n=$SMALL: host to forward"
	direct_target "$pfx: new connections/s (1cpu) at least the host's straight to the same node" cps_host_1cpu cps ">="
	direct_target "$pfx: latency p50 (1cpu) at most the host's straight to the same node" rr_host_1cpu p50_us "<="
	direct_target "$pfx: throughput at least the host's straight to the same node" tcp_host_1 gbps ">="
fi
if [ "$BIG" != "$SMALL" ] && [[ " $CPS_MODES " == *" 1cpu "* ]]; then
	v=$(flat_of cps_1cpu cps nsbpf)
	printf 'nsbpf new connections/s (1cpu) at n=%s within 5%% of its own at n=%s\tnsbpf n=%s / n=%s %s\t%s\n' \
		"$BIG" "$SMALL" "$BIG" "$SMALL" "$(flatr_of cps_1cpu cps nsbpf)" "$(nat_judge "${v:--}" ">=" 0.95)" >>"$TARGETS"
fi
v=$(med_of add ms "$BIG" 6)
printf '%s forwards added in under a second (nsbpf forward add --file, median)\t%s ms\t%s\n' \
	"$BIG" "${v:--}" "$(nat_judge "${v:--}" "<" 1000)" >>"$TARGETS"

# Evidence from the datapath.
for n in $SIZES; do
	d=$(jq -s -r --argjson n "$n" '[.[] | select(.method == "nsbpf" and .size == $n) | .stats.drops // {} | to_entries[]
		| select(.value.packets > 0) | {k: .key, v: .value.packets}]
		| group_by(.k) | map("\(.[0].k) \(map(.v) | add)") | join(", ")' "$STATS")
	p=$(jq -s -r --argjson n "$n" '[.[] | select(.method == "nsbpf" and .size == $n)]
		| "dnat \(map(.stats.paths.dnat.packets // 0) | add // 0), rev_dnat \(map(.stats.paths.rev_dnat.packets // 0) | add // 0), forward hits \(map(.forward_hits) | add // 0)"' "$STATS")
	q=$(jq -s -r --argjson n "$n" '[.[] | select(.method == "iptables" and .size == $n)]
		| "the matching rule: \(map(.rule_packets) | add // 0) packets, its OUTPUT twin (host to forward): \(map(.output_rule_packets // 0) | add // 0)"' "$STATS")
	NOTES+=("n=$n: nsbpf counters over its phases: $p; drops: ${d:-none}. iptables: $q")
done
CPS_ERR=$(jq -s -r '[.[] | select(.test | startswith("cps_"))] | group_by(.method)
	| map("\(.[0].method): \(map(.errors) | add) error(s), \(map(.slow) | add) slower than 100 ms, \(map(select(.stalled_at_end)) | length) run(s) ending in a stall, \(map(.syn_retrans) | add) SYN retransmission(s) in \(map(.connections) | add) connections; first stall per run (timed connection #, after the warm-up ones): \(map(.first_stall | if . < 0 then "none" else tostring end) | join(" "))")
	| join("; ")' "$RAW")
NOTES+=("cps runs: $CPS_ERR")
RT_CT=$(jq -s -r '[.[] | select(.method == "routed") | .conntrack_entries] | map(tostring) | join("/")' "$STATS")
[ -n "$RT_CT" ] &&
	NOTES+=("routed (n=$SMALL only: no rules to scale): clients straight to the node's server, no NAT rule and no conntrack (nf_conntrack_count at the end of its phases: $RT_CT; 0 or -1, no module, is what it should be)")
[ "$HOST" = 1 ] &&
	NOTES+=("direct (host tests only, in nsbpf's phase, n=$SMALL): the host straight to nsbpf's node at $NSBPF_NODE:$TO_PORT, no forward: against it, host to forward measures the forward's own cost (the socket hooks) on the same datapath; against routed, also the datapath's on the node's host end (a node of the routed phase has no program)")
NOTES+=("nsbpf binary built $NSBPF_BUILT (copied at the start, used throughout); attach: ${NSBPF_ATTACH:-auto}")
if [ -n "$SINGLE" ]; then
	if [ "$(echo "$SINGLE" | jq .finished)" = true ]; then
		NOTES+=("for information: $SINGLE_ADDS single \`iptables -t nat -A\` calls took $(echo "$SINGLE" | jq '.ms / 1000 | . * 10 | round / 10') s ($(echo "$SINGLE" | jq '.per_call_ms * 100 | round / 100') ms per call)")
	else
		NOTES+=("for information: single \`iptables -t nat -A\` calls did not finish within ${SINGLE_LIMIT} s: $(echo "$SINGLE" | jq .added) of $SINGLE_ADDS added in $(echo "$SINGLE" | jq '.ms / 1000 | . * 10 | round / 10') s ($(echo "$SINGLE" | jq '.per_call_ms * 100 | round / 100') ms per call on average, growing with the rules already there)")
	fi
fi
NOTES+=("cps free is shown, not judged: ends placed by the scheduler, where an idle vCPU's wake-up latency adds to every connection; 1cpu pins both ends to CPU 0: the path's own CPU cost")

ENV_AFTER=$(bench_env_json)
NOTES_TXT=$(printf '%s\n' "${NOTES[@]}")

JSON=$BENCH_SCRATCH/forwards.json
MD=$BENCH_SCRATCH/forwards.md
jq -s --argjson before "$ENV_BEFORE" --argjson after "$ENV_AFTER" \
	--rawfile summary "$SUMMARY" --rawfile targets "$TARGETS" --rawfile prog "$PROG_ROWS" \
	--rawfile flat "$FLAT" --rawfile direct "$DIRECT" --slurpfile stats "$STATS" --arg notes "$NOTES_TXT" \
	--argjson fails "$FAILS" --arg elapsed "$ELAPSED" --argjson rounds "$ROUNDS" \
	--argjson secs "$SECS" --argjson rr_n "$RR_N" --argjson cps_secs "$CPS_SECS" \
	--argjson disturbed "$DISTURBED" --arg single "$SINGLE" --arg sizes "$SIZES" \
	--argjson small "$SMALL" '
	def rows($s): $s | split("\n") | map(select(length > 0) | split("\t"));
	def num: tonumber? // null;
	{
	  bench: "forwards",
	  setup: {client: "world 192.0.2.2 -> 192.0.2.1:6000 (uplink up0)", rounds: $rounds,
	          sizes: ($sizes | split(" ") | map(select(length > 0) | tonumber)),
	          iperf3_secs: $secs, rr_round_trips: $rr_n, cps_secs: $cps_secs,
	          methods: {nsbpf: "nsbpf lab, node 10.97.0.2; forwards tcp 20000.. and 6000 -> n:8080 (nsbpf forward add --file)",
	                    iptables: "node 10.99.0.2 behind a veth, ip_forward=1; N-1 DNAT rules (dports 20000..) ahead of -i up0 -p tcp --dport 6000 -j DNAT --to-destination 10.99.0.2:8080 (iptables-restore); the same N in OUTPUT with -d 192.0.2.1 for the host",
	                    routed: "node 10.96.0.2 behind a veth like the iptables one, ip_forward=1, the world routing 10.96.0.0/24 back via 192.0.2.1, no NAT; clients connect to 10.96.0.2:8080 (smallest size only)"},
	          host_client: "the host namespace itself -> 192.0.2.1:6000 (routed: -> 10.96.0.2:8080); tests *_host"},
	  env_before: $before, env_after: $after, failures: $fails, disturbed_phases: $disturbed,
	  elapsed_ms: ($elapsed | tonumber),
	  notes: ($notes | split("\n") | map(select(length > 0))),
	  samples: ., datapath: $stats,
	  single_iptables_appends: (if $single == "" then null else ($single | fromjson) end),
	  summary: [rows($summary)[] | {test: .[0], metric: .[1], title: .[2], better: .[3], size: (.[4] | num),
	            nsbpf: {median: (.[5] | num), min: (.[6] | num), max: (.[7] | num)},
	            iptables: {median: (.[8] | num), min: (.[9] | num), max: (.[10] | num)},
	            ratio_paired: {median: (.[11] | num), min: (.[12] | num), max: (.[13] | num)},
	            ratio_of_medians: (.[14] | num),
	            routed: {median: (.[15] | num), min: (.[16] | num), max: (.[17] | num)},
	            ratio_paired_routed: {median: (.[18] | num), min: (.[19] | num), max: (.[20] | num)},
	            ratio_of_medians_routed: (.[21] | num)}],
	  direct: [rows($direct)[] | {test: .[0], metric: .[1], size: $small,
	           ratio_paired: {median: (.[2] | num), min: (.[3] | num), max: (.[4] | num)}}],
	  flatness: [rows($flat)[] | {test: .[0], metric: .[1], method: .[3],
	             largest_over_smallest: {median: (.[4] | num), min: (.[5] | num), max: (.[6] | num)}}],
	  prog_test_run: [rows($prog)[] | {case: .[0], prog_ns: (.[1] | num), syscall_ns: (.[2] | num)}],
	  targets: [rows($targets)[] | {target: .[0], value: .[1], verdict: .[2]}]
	}' "$RAW" >"$JSON"

{
	echo "# nsbpf port forward benchmark"
	echo
	echo "Clients in the world namespace to 192.0.2.1:$PORT (the private host namespace's uplink),"
	echo "forwarded to a server on port $TO_PORT of a node, through **nsbpf** (\`forward add\`, DNAT in"
	echo "BPF) and through **iptables** (ip_forward=1, \`-t nat -A PREROUTING -i up0 -p tcp --dport"
	echo "$PORT -j DNAT\`, nf_conntrack, nft backend), with n forwards installed (iptables: n-1 DNAT"
	echo "rules for other ports ahead of the matching one). bench/cps: ${CPS_SECS} s of sequential"
	echo "connections (connect, 1 byte each way, the server closes); bench/rr: $RR_N round trips of"
	echo "1 byte; iperf3 -t $SECS, 1 stream. 1cpu: both ends on CPU 0; free: placed by the scheduler."
	echo "**routed** (n=$SMALL only): the same two hops without NAT, the clients connecting to the node's"
	echo "server itself (ip_forward=1, the world routing the node's subnet back; no rule, no conntrack)."
	echo "*host to forward*: the client in the host namespace itself, to 192.0.2.1:$PORT (nsbpf: the"
	echo "cgroup connect4 hook; iptables: n OUTPUT DNAT rules; routed: straight to the node)."
	echo "Installing n: \`nsbpf forward add LAB --file\` of n lines vs \`iptables-restore\` of n rules."
	echo "Median of $ROUNDS interleaved rounds (min–max); each phase sets its method up and removes it."
	echo
	echo "| metric | n | nsbpf | iptables | routed | nsbpf/iptables (paired) | nsbpf/routed (paired) | better |"
	echo "|---|---:|---:|---:|---:|---:|---:|---|"
	awk -F'\t' '{ printf "| %s | %s | %s (%s–%s) | %s (%s–%s) | %s (%s–%s) | %s (%s–%s) | %s (%s–%s) | %s |\n", $3, $5, $6, $7, $8, $9, $10, $11, $16, $17, $18, $12, $13, $14, $19, $20, $21, $4 }' "$SUMMARY"
	echo
	echo "Issue 16's table (n=$SMALL, paired medians; 1cpu: both ends on CPU 0):"
	echo
	echo "| path | nsbpf / | RR p50 | RR trans/s | new conn/s | 1-stream TCP |"
	echo "|---|---|---:|---:|---:|---:|"
	for ref in routed iptables; do
		printf '| DNAT, world → forward | %s | ×%s | ×%s | ×%s | ×%s |\n' "$ref" \
			"$(pr_of rr_1cpu p50_us "$SMALL" $ref)" "$(pr_of rr_1cpu tps "$SMALL" $ref)" \
			"$(pr_of cps_1cpu cps "$SMALL" $ref)" "$(pr_of tcp_1 gbps "$SMALL" $ref)"
		[ "$HOST" = 1 ] &&
			printf '| host → forward (socket hooks) | %s | ×%s | ×%s | ×%s | ×%s |\n' "$ref" \
				"$(pr_of rr_host_1cpu p50_us "$SMALL" $ref)" "$(pr_of rr_host_1cpu tps "$SMALL" $ref)" \
				"$(pr_of cps_host_1cpu cps "$SMALL" $ref)" "$(pr_of tcp_host_1 gbps "$SMALL" $ref)"
	done
	[ "$HOST" = 1 ] &&
		printf '| host → forward (socket hooks) | direct: the host to the same node | ×%s | ×%s | ×%s | ×%s |\n' \
			"$(direct_of rr_host_1cpu p50_us)" "$(direct_of rr_host_1cpu tps)" \
			"$(direct_of cps_host_1cpu cps)" "$(direct_of tcp_host_1 gbps)"
	echo
	echo "*Paired*: the median of the per-round ratios (both methods measured within a minute,"
	echo "so drift in the machine's load cancels), with the smallest and largest of them; the"
	echo "targets are judged on the median."
	echo
	if [ "$BIG" != "$SMALL" ]; then
		echo "Each method at n=$BIG against itself at n=$SMALL (paired; 1.00 = flat):"
		echo
		echo "| metric | nsbpf | iptables |"
		echo "|---|---:|---:|"
		awk -F'\t' '{ k = $1 "\t" $3; if (!(k in seen)) { seen[k] = 1; order[++n] = k } v[k, $4] = $5 " (" $6 "–" $7 ")" }
			END { for (i = 1; i <= n; i++) { split(order[i], a, "\t"); printf "| %s | %s | %s |\n", a[2], v[order[i], "nsbpf"], v[order[i], "iptables"] } }' "$FLAT"
		echo
	fi
	nat_report_tail "BPF_PROG_TEST_RUN, mean ns per packet (selftests/bench_prog.c, for information; the" "floor row is the test_run timer's own cost):"
} >"$MD"

cat "$MD"
bench_save forwards "$JSON" "$MD"
[ "$FAILS" = 0 ]
