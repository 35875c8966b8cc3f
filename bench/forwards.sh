#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Port forwards: clients in the world namespace reach a server in a node
# through 192.0.2.1:6000 (the private host namespace's uplink address), via
#   nsbpf     a lab with the forward tcp 6000 -> node:8080 (DNAT in BPF at the
#             uplink's tc ingress, replies reverse-translated at from_node)
#   iptables  the tutorials' way: a node behind a plain veth, ip_forward=1 and
#             `iptables -t nat -A PREROUTING -i up0 -p tcp --dport 6000 -j DNAT
#             --to-destination NODE:8080` (nf_conntrack; nft backend)
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
# 1cpu: both ends on CPU 0 (the path's CPU cost); free: placed by the
# scheduler. Each phase builds its method's state and removes it after, so
# one method never sits in the other's path; the method order alternates.
#
#   bench/forwards.sh
# Knobs: ROUNDS (3), SIZES ("1 1000 10000"), SECS (iperf3 -t, 3), CPS_SECS (3),
# CPS_MODES ("1cpu free"), RR_MODES (1cpu), RR_N (20000), METHODS (nsbpf
# iptables), SINGLE_ADDS (10000; 0: skip), SINGLE_LIMIT (60 s), IDLE_WAIT
# (600), PROG=0 (skip the DNAT ns/packet rows), NSBPF_ATTACH (auto).
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
METHODS=${METHODS:-nsbpf iptables}
SINGLE_ADDS=${SINGLE_ADDS:-10000}
SINGLE_LIMIT=${SINGLE_LIMIT:-60}
PROG=${PROG:-1}
SELFTESTS=${SELFTESTS:-$BENCH_TOP/.output/selftests/selftests}
NAT_OTHERS=masquerade
LAB=fwd
NSBPF_NODE=10.97.0.2
IPT_NODE=10.99.0.2
IPT_GW=10.99.0.1
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
	[ "$n" -ge 1 ] && [ $((FIRST_OTHER + n)) -le 61000 ] || bench_die "size $n: 1..$((61000 - FIRST_OTHER))"
done

bench_cleanup() { nat_iptables_reset; }
nat_pin_nsbpf

node_ns() { case $1 in nsbpf) echo $LAB-n ;; iptables) echo ipt-n ;; esac; }
node_ip() { case $1 in nsbpf) echo $NSBPF_NODE ;; iptables) echo $IPT_NODE ;; esac; }

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
done

nat_world_up || bench_die "world namespace"
nat_plain_node ipt-n $IPT_NODE $IPT_GW || bench_die "the iptables node"
nat_iptables_reset
[ "$(cat /proc/sys/net/ipv4/ip_forward)" = 0 ] || bench_die "ip_forward is not 0 in the sandbox"
NETNS_BASE=$(netns_slab)

# ---- the two methods: set up (timed: installing the N forwards), tear down ----

STATS=$BENCH_SCRATCH/stats.jsonl
: >"$STATS"
ADD_MS=""

# The client's check that the forward works (bounded, from the world).
reach() {
	local i
	for ((i = 0; i < 3; i++)); do
		ip netns exec world "$CPS" -c $UPLINK_IP -p $PORT -n 1 -w 0 -T 3 -t 2000 >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

check_server() {	# method: a cps server for the reachability check
	local srv rc
	ip netns exec "$(node_ns "$1")" "$CPS" -s -b "$(node_ip "$1")" -p $TO_PORT -T 30 2>/dev/null &
	srv=$!
	bench_track $srv
	nat_wait_listen "$(node_ns "$1")" $TO_PORT && reach
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
	check_server iptables
}

teardown_iptables() {	# n round
	local pk
	# the matching rule is the last one
	pk=$(iptables -t nat -L PREROUTING -v -x -n | awk -v p="dpt:$PORT" '$0 ~ p { print $1 }' | tail -n 1)
	printf '{"method":"iptables","size":%d,"round":%d,"rule_packets":%s,"conntrack_entries":%s}\n' \
		"$1" "$2" "${pk:-0}" "$(nat_ct_count)" >>"$STATS"
	nat_iptables_reset
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

phase() {	# method size round
	local m=$1 n=$2 r=$3 ns ip mode out
	ns=$(node_ns "$m")
	ip=$(node_ip "$m")
	nat_wait_idle "round $r $m n=$n"
	ADD_MS=""
	if ! "setup_$m" "$n"; then
		bench_log "$m n=$n: setup failed (round $r)"
		FAILS=$((FAILS + 1))
		"teardown_$m" "$n" "$r"
		return
	fi
	record "$m" "$n" add "$r" "{\"ms\": $ADD_MS}"
	for mode in $CPS_MODES; do
		out=$(nat_cps world "$ns" "$ip" $TO_PORT $UPLINK_IP $PORT "$mode")
		record "$m" "$n" "cps_$mode" "$r" "$out"
		[ -n "$out" ] && bench_log "round $r $m n=$n cps $mode: $(echo "$out" | jq -c '{cps, fast_cps, connections, errors, slow, first_stall, syn_retrans, p99_us}')"
	done
	for mode in $RR_MODES; do
		out=$(nat_rr world "$ns" "$ip" $TO_PORT $UPLINK_IP $PORT "$mode")
		record "$m" "$n" "rr_$mode" "$r" "$out"
		[ -n "$out" ] && bench_log "round $r $m n=$n rr $mode: p50 $(echo "$out" | jq .p50_us) us, p99 $(echo "$out" | jq .p99_us) us"
	done
	out=$(nat_iperf world "$ns" "$ip" $TO_PORT $UPLINK_IP $PORT 1 "$SECS")
	record "$m" "$n" tcp_1 "$r" "$out"
	[ -n "$out" ] && bench_log "round $r $m n=$n tcp 1: $(echo "$out" | jq .gbps) Gbit/s; installing $n: $ADD_MS ms"
	"teardown_$m" "$n" "$r"
	nat_check_alone "round $r $m n=$n"
}

ENV_BEFORE=$(bench_env_json)
bench_log "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
T_START=$(now_ns)
set -- $METHODS
nm=$#
for ((r = 1; r <= ROUNDS; r++)); do
	for n in $SIZES; do
		for ((k = 0; k < nm; k++)); do
			idx=$(((k + r - 1) % nm + 1))
			phase "${!idx}" "$n" "$r"
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
	ROWS_DEF="$ROWS_DEF rr_$mode:p50_us:rr_p50_($mode),_us:lower rr_$mode:p99_us:rr_p99_($mode),_us:lower"
done
ROWS_DEF="$ROWS_DEF tcp_1:gbps:throughput_1_stream,_Gbit/s:higher add:ms:installing_N,_ms:lower"

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
		echo "$line	$pr	$om" >>"$SUMMARY"
	done
done
# columns: 1 test 2 field 3 title 4 better 5 size 6-8 nsbpf med/min/max 9-11 iptables
# 12-14 paired ratio median/min/max 15 ratio of medians

pr_of() { awk -F'\t' -v t="$1" -v f="$2" -v n="$3" '$1 == t && $2 == f && $5 == n { print $12 }' "$SUMMARY"; }
prr_of() { awk -F'\t' -v t="$1" -v f="$2" -v n="$3" '$1 == t && $2 == f && $5 == n { print $12 " (" $13 "–" $14 ")" }' "$SUMMARY"; }
med_of() { awk -F'\t' -v t="$1" -v f="$2" -v n="$3" -v c="$4" '$1 == t && $2 == f && $5 == n { print $c }' "$SUMMARY"; }

# Flatness: each method at its largest size against itself at its smallest.
set -- $SIZES
SMALL=$1
BIG=${!#}
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
target() {	# text test metric size op threshold
	local v
	v=$(pr_of "$2" "$3" "$4")
	printf '%s\tnsbpf/iptables %s\t%s\n' "$1" "$(prr_of "$2" "$3" "$4")" "$(nat_judge "${v:--}" "$5" "$6")" >>"$TARGETS"
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
done
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
		| "the matching rule: \(map(.rule_packets) | add // 0) packets"' "$STATS")
	NOTES+=("n=$n: nsbpf counters over its phases: $p; drops: ${d:-none}. iptables: $q")
done
CPS_ERR=$(jq -s -r '[.[] | select(.test | startswith("cps_"))] | group_by(.method)
	| map("\(.[0].method): \(map(.errors) | add) error(s), \(map(.slow) | add) slower than 100 ms, \(map(select(.stalled_at_end)) | length) run(s) ending in a stall, \(map(.syn_retrans) | add) SYN retransmission(s) in \(map(.connections) | add) connections; first stall per run (timed connection #, after the warm-up ones): \(map(.first_stall | if . < 0 then "none" else tostring end) | join(" "))")
	| join("; ")' "$RAW")
NOTES+=("cps runs: $CPS_ERR")
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
	--rawfile flat "$FLAT" --slurpfile stats "$STATS" --arg notes "$NOTES_TXT" \
	--argjson fails "$FAILS" --arg elapsed "$ELAPSED" --argjson rounds "$ROUNDS" \
	--argjson secs "$SECS" --argjson rr_n "$RR_N" --argjson cps_secs "$CPS_SECS" \
	--argjson disturbed "$DISTURBED" --arg single "$SINGLE" --arg sizes "$SIZES" '
	def rows($s): $s | split("\n") | map(select(length > 0) | split("\t"));
	def num: tonumber? // null;
	{
	  bench: "forwards",
	  setup: {client: "world 192.0.2.2 -> 192.0.2.1:6000 (uplink up0)", rounds: $rounds,
	          sizes: ($sizes | split(" ") | map(select(length > 0) | tonumber)),
	          iperf3_secs: $secs, rr_round_trips: $rr_n, cps_secs: $cps_secs,
	          methods: {nsbpf: "nsbpf lab, node 10.97.0.2; forwards tcp 20000.. and 6000 -> n:8080 (nsbpf forward add --file)",
	                    iptables: "node 10.99.0.2 behind a veth, ip_forward=1; N-1 DNAT rules (dports 20000..) ahead of -i up0 -p tcp --dport 6000 -j DNAT --to-destination 10.99.0.2:8080 (iptables-restore)"}},
	  env_before: $before, env_after: $after, failures: $fails, disturbed_phases: $disturbed,
	  elapsed_ms: ($elapsed | tonumber),
	  notes: ($notes | split("\n") | map(select(length > 0))),
	  samples: ., datapath: $stats,
	  single_iptables_appends: (if $single == "" then null else ($single | fromjson) end),
	  summary: [rows($summary)[] | {test: .[0], metric: .[1], title: .[2], better: .[3], size: (.[4] | num),
	            nsbpf: {median: (.[5] | num), min: (.[6] | num), max: (.[7] | num)},
	            iptables: {median: (.[8] | num), min: (.[9] | num), max: (.[10] | num)},
	            ratio_paired: {median: (.[11] | num), min: (.[12] | num), max: (.[13] | num)},
	            ratio_of_medians: (.[14] | num)}],
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
	echo "Installing n: \`nsbpf forward add LAB --file\` of n lines vs \`iptables-restore\` of n rules."
	echo "Median of $ROUNDS interleaved rounds (min–max); each phase sets its method up and removes it."
	echo
	echo "| metric | n | nsbpf | iptables | nsbpf/iptables (paired) | of medians | better |"
	echo "|---|---:|---:|---:|---:|---:|---|"
	awk -F'\t' '{ printf "| %s | %s | %s (%s–%s) | %s (%s–%s) | %s (%s–%s) | %s | %s |\n", $3, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $4 }' "$SUMMARY"
	echo
	echo "*Paired*: the median of the per-round ratios (both methods measured within a minute,"
	echo "so drift in the machine's load cancels), with the smallest and largest of them; the"
	echo "targets are judged on the median."
	echo
	echo "Each method at n=$BIG against itself at n=$SMALL (paired; 1.00 = flat):"
	echo
	echo "| metric | nsbpf | iptables |"
	echo "|---|---:|---:|"
	awk -F'\t' '{ k = $1 "\t" $3; if (!(k in seen)) { seen[k] = 1; order[++n] = k } v[k, $4] = $5 " (" $6 "–" $7 ")" }
		END { for (i = 1; i <= n; i++) { split(order[i], a, "\t"); printf "| %s | %s | %s |\n", a[2], v[order[i], "nsbpf"], v[order[i], "iptables"] } }' "$FLAT"
	echo
	nat_report_tail "BPF_PROG_TEST_RUN, mean ns per packet (selftests/bench_prog.c, for information; the" "floor row is the test_run timer's own cost):"
} >"$MD"

cat "$MD"
bench_save forwards "$JSON" "$MD"
[ "$FAILS" = 0 ]
