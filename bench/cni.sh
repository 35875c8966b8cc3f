#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The CNI plugin against Debian's bridge + portmap chain, the same network
# configuration run the way a runtime runs it (plugin binaries exec'd with
# the CNI_* environment and the configuration on stdin, a chain's plugins in
# order with the previous one's result as prevResult, DEL in reverse order
# with the cached result), host-local IPAM on 10.88.0.0/16 for both:
#   nsbpf   {"type": "nsbpf", "ipMasq": true, capabilities portMappings}
#   bridge  {"type": "bridge", "bridge": "cni0", "isGateway": true,
#           "ipMasq": true} then {"type": "portmap", "snat": true,
#           capabilities portMappings} (iptables, nft backend; ip_forward=1)
# Per phase (one method, its network from nothing): N containers (network
# namespaces made as a runtime makes them, not timed), each ADDed with one
# port mapping (hostPort 20000+i -> 80), the ADD of each timed (the sum of
# its chain's plugin execs, glue not included); with all N attached,
# container 2 -> container 1 and world -> 192.0.2.1:20001 (container 1's
# published port): bench/rr round trips (p50, p99, round trips/s) and
# iperf3 throughput; then DEL of each, timed the same way. The first ADD
# creates the network (nsbpf: the lab; bridge: cni0 and its iptables
# chains), the last DEL removes it (nsbpf) or leaves cni0 (bridge).
# Methods alternate in order between rounds; ratios are paired per round.
#
#   bench/cni.sh [--quick]
# --quick: ROUNDS=1 N=20 SECS=2 RR_N=5000 MODES=1cpu (about a minute).
# Knobs: ROUNDS (3), N (100), SECS (iperf3 -t, 4), RR_N (20000), MODES
# ("1cpu free"), METHODS ("nsbpf bridge"), CNI_DIR (/usr/lib/cni),
# NSBPF_CNI (.output/nsbpf-cni), IDLE_WAIT (600).
# Needs containernetworking-plugins, iperf3, jq, iptables, bench/rr.
# Results: bench/results/cni.{json,md}.
set -u -o pipefail
BENCH_NAME=cni
QUICK=0
for a in "$@"; do
	case $a in
	--quick) QUICK=1 ;;
	*) echo "usage: bench/cni.sh [--quick]" >&2; exit 2 ;;
	esac
done
# Before natlib.sh, which sets RR_N's default.
if [ "$QUICK" = 1 ]; then
	ROUNDS=${ROUNDS:-1} N=${N:-20} SECS=${SECS:-2} RR_N=${RR_N:-5000} MODES=${MODES:-1cpu}
fi
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/natlib.sh"
bench_sandbox "$@"
ROUNDS=${ROUNDS:-3}
N=${N:-100}
SECS=${SECS:-4}
MODES=${MODES:-1cpu free}
METHODS=${METHODS:-nsbpf bridge}
CNI_DIR=${CNI_DIR:-/usr/lib/cni}
NSBPF_CNI=${NSBPF_CNI:-$BENCH_TOP/.output/nsbpf-cni}
NAT_OTHERS="masquerade|forwards"
NET=benchnet
SUBNET=10.88.0.0/16
HOST_PORT0=20000
CTR_PORT=80
export BENCH_TIMEOUT=120

[ "$N" -ge 2 ] || bench_die "N must be at least 2 (traffic goes from container 2 to 1)"
[ -x "$NSBPF_CNI" ] || bench_die "no $NSBPF_CNI: run make first"
[ -x "$RR" ] || bench_die "no $RR: run make bench-tools"
for p in bridge portmap host-local; do
	[ -x "$CNI_DIR/$p" ] || bench_die "no $CNI_DIR/$p (containernetworking-plugins)"
done
for c in iperf3 jq iptables taskset; do
	command -v $c >/dev/null || bench_die "needs $c"
done

S=$BENCH_SCRATCH
bench_cleanup() { nat_iptables_reset; ip link del cni0 2>/dev/null; }
# One plugin binary throughout (a rebuild meanwhile changes nothing here).
mkdir -p "$S/cni"
cp "$NSBPF_CNI" "$S/cni/nsbpf" || bench_die "copy $NSBPF_CNI"
NSBPF_BUILT=$(stat -c %y "$NSBPF_CNI" | cut -d. -f1)
nat_pin_nsbpf

nat_world_up || bench_die "world namespace"
nat_iptables_reset
[ "$(cat /proc/sys/net/ipv4/ip_forward)" = 0 ] || bench_die "ip_forward is not 0 in the sandbox"
NETNS_BASE=$(netns_slab)

# ---- the two configurations ----

# conflist METHOD ROUND: the network configuration list, IPAM data of its own.
conflist() {
	local ipam
	ipam=$(jq -cn --arg d "$S/ipam-$1-$2" --arg s "$SUBNET" \
		'{type: "host-local", dataDir: $d, ranges: [[{subnet: $s}]], routes: [{dst: "0.0.0.0/0"}]}')
	case $1 in
	nsbpf)
		jq -cn --arg n $NET --argjson i "$ipam" '{cniVersion: "1.0.0", name: $n, plugins: [
			{type: "nsbpf", ipMasq: true, ipam: $i, capabilities: {portMappings: true}}]}' ;;
	bridge)
		jq -cn --arg n $NET --argjson i "$ipam" '{cniVersion: "1.0.0", name: $n, plugins: [
			{type: "bridge", bridge: "cni0", isGateway: true, ipMasq: true, ipam: $i},
			{type: "portmap", snat: true, capabilities: {portMappings: true}}]}' ;;
	esac
}

# prep LIST I: container I's stdin for each plugin of the chain, one a line
# (the plugin's object with cniVersion and name, and the port mapping as
# runtimeConfig where the plugin asks for it), as libcni builds it.
prep() {
	jq -c --argjson hp $((HOST_PORT0 + $2)) --argjson cp $CTR_PORT '
		. as $l | .plugins[] | {cniVersion: $l.cniVersion, name: $l.name} + .
		| if .capabilities.portMappings then . + {runtimeConfig: {portMappings:
			[{hostPort: $hp, containerPort: $cp, protocol: "tcp"}]}} else . end' "$1"
}

ctr_id() { printf 'bench%07d0000' "$1"; }

# call CMD I TYPE IN OUT: one plugin exec, as a runtime does (fork, exec,
# stdin, stdout); its wall-clock time in CALL_US.
CNI_LOG=$S/cni.log
call() {
	local bin=$CNI_DIR/$3 path=$CNI_DIR t0 rc
	if [ "$3" = nsbpf ]; then
		bin=$S/cni/nsbpf
		path=$S/cni:$CNI_DIR
	fi
	t0=${EPOCHREALTIME/[.,]/}
	CNI_COMMAND=$1 CNI_CONTAINERID=$(ctr_id "$2") CNI_NETNS=/run/netns/c$2 CNI_IFNAME=eth0 \
		CNI_PATH=$path "$bin" <"$4" >"$5" 2>>"$CNI_LOG"
	rc=$?
	CALL_US=$((${EPOCHREALTIME/[.,]/} - t0))
	[ $rc = 0 ] || bench_log "$1 $3 of container $2 failed ($rc): $(head -c 300 "$5")"
	return $rc
}

# add I: the chain's ADD for container I, its time (us) in OP_US. The last
# plugin's result is cached for DEL, as libcni does.
add() {
	local i=$1 k=0 conf type prev="" in=$S/in.json
	OP_US=0
	while read -r conf; do
		type=${conf#*\"type\":\"}
		type=${type%%\"*}
		if [ -n "$prev" ]; then
			printf '%s,"prevResult":%s}\n' "${conf%\}}" "$(cat "$prev")" >"$in"
		else
			printf '%s\n' "$conf" >"$in"
		fi
		call ADD "$i" "$type" "$in" "$S/res-$k.json" || return 1
		OP_US=$((OP_US + CALL_US))
		prev=$S/res-$k.json
		k=$((k + 1))
	done <"$S/confs-$i.jsonl"
	cp "$prev" "$S/result-$i.json"
}

# del I: the chain's DEL for container I, plugins in reverse order, each
# with the cached result as prevResult; time in OP_US.
del() {
	local i=$1 conf type in=$S/in.json
	OP_US=0
	while read -r conf; do
		type=${conf#*\"type\":\"}
		type=${type%%\"*}
		printf '%s,"prevResult":%s}\n' "${conf%\}}" "$(cat "$S/result-$i.json")" >"$in"
		call DEL "$i" "$type" "$in" "$S/out.json" || return 1
		OP_US=$((OP_US + CALL_US))
	done < <(tac "$S/confs-$i.jsonl")
}

# ---- one phase ----

RAW=$S/samples.jsonl
OPS=$S/ops.jsonl
CHECKS=$S/checks.jsonl
: >"$RAW"
: >"$OPS"
: >"$CHECKS"
FAILS=0
SRV_PORT=7000

record() { # method test round json
	if [ -z "$4" ]; then
		bench_log "$1: $2 failed (round $3)"
		FAILS=$((FAILS + 1))
		return
	fi
	echo "$4" | jq -c --arg m "$1" --arg t "$2" --argjson r "$3" '. + {method: $m, test: $t, round: $r}' >>"$RAW"
}

# op_summary METHOD ROUND OP: the per-container times of OP as one sample
# (ms): p50, p99, max, the first (ADD: the network created) and the last
# (DEL: the network removed), and the sum over the N containers.
op_summary() {
	jq -s -c --arg m "$1" --argjson r "$2" --arg op "$3" '
		[.[] | select(.method == $m and .round == $r and .op == $op)] | sort_by(.i) as $all
		| ($all | map(.us / 1000) | sort) as $v
		| def pct(p): $v[([((p * ($v | length)) | ceil) - 1, 0] | max)];
		{method: $m, round: $r, test: $op, count: ($v | length), p50_ms: pct(0.5), p99_ms: pct(0.99),
		 max_ms: $v[-1], first_ms: ($all[0].us / 1000), last_ms: ($all[-1].us / 1000),
		 total_ms: ($v | add)}' "$OPS"
}

traffic() { # method round ip1 ip2
	local m=$1 r=$2 ip1=$3 mode out
	for mode in $MODES; do
		SRV_PORT=$((SRV_PORT + 1))
		out=$(nat_rr c2 c1 "$ip1" $SRV_PORT "$ip1" $SRV_PORT "$mode")
		record "$m" "rr_c2c_$mode" "$r" "$out"
		[ -n "$out" ] && bench_log "round $r $m rr container -> container $mode: p50 $(echo "$out" | jq .p50_us) us"
		out=$(nat_rr world c1 "$ip1" $CTR_PORT "$UPLINK_IP" $((HOST_PORT0 + 1)) "$mode")
		record "$m" "rr_pub_$mode" "$r" "$out"
		[ -n "$out" ] && bench_log "round $r $m rr world -> published port $mode: p50 $(echo "$out" | jq .p50_us) us"
	done
	SRV_PORT=$((SRV_PORT + 1))
	out=$(nat_iperf c2 c1 "$ip1" $SRV_PORT "$ip1" $SRV_PORT 1 "$SECS")
	record "$m" tcp_c2c "$r" "$out"
	[ -n "$out" ] && bench_log "round $r $m tcp container -> container: $(echo "$out" | jq .gbps) Gbit/s"
	out=$(nat_iperf world c1 "$ip1" $CTR_PORT "$UPLINK_IP" $((HOST_PORT0 + 1)) 1 "$SECS")
	record "$m" tcp_pub "$r" "$out"
	[ -n "$out" ] && bench_log "round $r $m tcp world -> published port: $(echo "$out" | jq .gbps) Gbit/s"
}

# What the method left in the sandbox after the last DEL, then a clean slate.
teardown() { # method round
	local left=""
	if [ "$1" = nsbpf ]; then
		[ -e /run/nsbpf/$NET ] && left="the lab $NET"
		"$NSBPF" down $NET >/dev/null 2>&1
	else
		ip link show cni0 >/dev/null 2>&1 && left="the bridge cni0"
		left="${left:+$left, }$(iptables-save -t nat | grep -c '^-A') nat rules"
	fi
	jq -cn --arg m "$1" --argjson r "$2" --arg l "$left" --arg fwd "$(cat /proc/sys/net/ipv4/ip_forward)" \
		'{method: $m, round: $r, left_after_del: $l, ip_forward_after_del: $fwd}' >>"$CHECKS"
	nat_iptables_reset
	nat_ct_flush
	ip link del cni0 2>/dev/null
	rm -rf "$S/ipam-$1-$2"
	netns_settle "$NETNS_BASE" 20
}

phase() { # method round
	local m=$1 r=$2 i ok=1 ip1 ip2 st=""
	nat_wait_idle "round $r $m"
	conflist "$m" "$r" >"$S/$m.conflist"
	for ((i = 1; i <= N; i++)); do
		{ ip netns add c$i && ip -n c$i link set lo up; } || bench_die "netns c$i"
		prep "$S/$m.conflist" $i >"$S/confs-$i.jsonl"
	done
	for ((i = 1; i <= N; i++)); do
		add $i || { ok=0; break; }
		echo "{\"method\":\"$m\",\"round\":$r,\"op\":\"add\",\"i\":$i,\"us\":$OP_US}" >>"$OPS"
	done
	if [ $ok = 1 ]; then
		record "$m" add "$r" "$(op_summary "$m" "$r" add)"
		bench_log "round $r $m: $N ADDs: $(tail -n 1 "$RAW" | jq -c '{p50_ms, p99_ms, first_ms, total_ms}')"
		ip1=$(jq -r '.ips[0].address | sub("/.*"; "")' "$S/result-1.json")
		ip2=$(jq -r '.ips[0].address | sub("/.*"; "")' "$S/result-2.json")
		ip netns exec c2 ping -c 1 -W 2 -q "$ip1" >/dev/null || bench_log "round $r $m: container 2 does not reach $ip1"
		traffic "$m" "$r" "$ip1" "$ip2"
		[ "$m" = nsbpf ] && st=$("$NSBPF" stats $NET --json 2>/dev/null)
		[ -n "$st" ] && jq -cn --argjson s "$st" --arg m "$m" --argjson r "$r" \
			'{method: $m, round: $r, nsbpf_stats: $s}' >>"$CHECKS"
	else
		FAILS=$((FAILS + 1))
	fi
	for ((i = 1; i <= N; i++)); do
		[ -e "$S/result-$i.json" ] || continue
		if del $i; then
			echo "{\"method\":\"$m\",\"round\":$r,\"op\":\"del\",\"i\":$i,\"us\":$OP_US}" >>"$OPS"
		else
			ok=0
		fi
		rm -f "$S/result-$i.json"
	done
	[ $ok = 1 ] && record "$m" del "$r" "$(op_summary "$m" "$r" del)" &&
		bench_log "round $r $m: $N DELs: $(tail -n 1 "$RAW" | jq -c '{p50_ms, p99_ms, last_ms, total_ms}')"
	[ $ok = 1 ] || FAILS=$((FAILS + 1))
	for ((i = 1; i <= N; i++)); do ip netns del c$i 2>/dev/null; done
	teardown "$m" "$r"
	nat_check_alone "round $r $m"
}

ENV_BEFORE=$(bench_env_json)
bench_log "load average before: $(cut -d' ' -f1-3 /proc/loadavg); $N containers, $ROUNDS round(s)"
T_START=$(now_ns)
read -r -a MS <<<"$METHODS"
nm=${#MS[@]}
for ((r = 1; r <= ROUNDS; r++)); do
	for ((k = 0; k < nm; k++)); do
		phase "${MS[(k + r - 1) % nm]}" "$r"
	done
done
ELAPSED=$(ms_since "$T_START")
ENV_AFTER=$(bench_env_json)

# ---- report ----

# rows: test:field:title:better
ROWS_DEF="add:p50_ms:ADD_p50,_ms:lower add:p99_ms:ADD_p99,_ms:lower"
ROWS_DEF="$ROWS_DEF add:first_ms:first_ADD_(creates_the_network),_ms:lower add:total_ms:${N}_ADDs,_ms:lower"
ROWS_DEF="$ROWS_DEF del:p50_ms:DEL_p50,_ms:lower del:p99_ms:DEL_p99,_ms:lower"
ROWS_DEF="$ROWS_DEF del:last_ms:last_DEL,_ms:lower del:total_ms:${N}_DELs,_ms:lower"
for mode in $MODES; do
	ROWS_DEF="$ROWS_DEF rr_c2c_$mode:p50_us:container_->_container_RR_p50_($mode),_us:lower"
	ROWS_DEF="$ROWS_DEF rr_c2c_$mode:p99_us:container_->_container_RR_p99_($mode),_us:lower"
	ROWS_DEF="$ROWS_DEF rr_c2c_$mode:tps:container_->_container_round_trips/s_($mode):higher"
	ROWS_DEF="$ROWS_DEF rr_pub_$mode:p50_us:world_->_published_port_RR_p50_($mode),_us:lower"
	ROWS_DEF="$ROWS_DEF rr_pub_$mode:p99_us:world_->_published_port_RR_p99_($mode),_us:lower"
	ROWS_DEF="$ROWS_DEF rr_pub_$mode:tps:world_->_published_port_round_trips/s_($mode):higher"
done
ROWS_DEF="$ROWS_DEF tcp_c2c:gbps:container_->_container_TCP,_1_stream,_Gbit/s:higher"
ROWS_DEF="$ROWS_DEF tcp_pub:gbps:world_->_published_port_TCP,_1_stream,_Gbit/s:higher"

SUMMARY=$S/summary.tsv
: >"$SUMMARY"
for d in $ROWS_DEF; do
	IFS=: read -r t f title better <<<"$d"
	title=${title//_/ }
	line="$t	$f	$title	$better"
	for m in nsbpf bridge; do
		line="$line	$(nat_mmm_of "$RAW" "$t" "$f" "$m")"
	done
	echo "$line	$(nat_paired "$RAW" "$t" "$f" nsbpf bridge)" >>"$SUMMARY"
done
# columns: 1 test 2 field 3 title 4 better 5-7 nsbpf median/min/max
# 8-10 bridge 11-13 paired ratio nsbpf/bridge median/min/max

LEFT=$(jq -s -r 'map(select(.left_after_del != null)) | group_by(.method)
	| map("\(.[0].method): \(map(if .left_after_del == "" then "nothing" else .left_after_del end) | unique | join("; ")), ip_forward \(map(.ip_forward_after_del) | unique | join("/"))")
	| join("; ")' "$CHECKS")
NOTES=("left after the last DEL of each phase (then removed by the benchmark): $LEFT")
CTRS=$(jq -s -r '[.[] | select(.nsbpf_stats) | .nsbpf_stats] as $s
	| "node_to_node \([$s[].paths.node_to_node.packets // 0] | add // 0), dnat \([$s[].paths.dnat.packets // 0] | add // 0), rev_dnat \([$s[].paths.rev_dnat.packets // 0] | add // 0); drops: \([$s[].drops // {} | to_entries[] | select(.value.packets > 0) | "\(.key) \(.value.packets)"] | if length == 0 then "none" else join(", ") end)"' "$CHECKS")
NOTES+=("nsbpf plugin built $NSBPF_BUILT (copied at the start, used throughout); attach: ${NSBPF_ATTACH:-auto}; the lab's counters after the traffic, summed over its phases: $CTRS")
NOTES+=("ADD and DEL times are the plugin execs alone (fork, exec, the plugin and the plugins it runs: host-local), summed over the chain: bridge + portmap is two execs, nsbpf one; a runtime's own work (the netns, libcni) is the same for both and left out")
NOTES+=("every container has one port mapping (hostPort 20000+i -> 80): portmap adds iptables chains per container, nsbpf a forward")
NOTES+=("load average before $(echo "$ENV_BEFORE" | jq -r .loadavg), after $(echo "$ENV_AFTER" | jq -r .loadavg); $(nproc) CPUs, kernel $(uname -r), git $(echo "$ENV_BEFORE" | jq -r .git); $FAILS failure(s); $DISTURBED disturbed phase(s); ${ELAPSED} ms in all")

JSON=$S/cni.json
MD=$S/cni.md
NOTES_TXT=$(printf '%s\n' "${NOTES[@]}")
jq -s --argjson before "$ENV_BEFORE" --argjson after "$ENV_AFTER" --rawfile summary "$SUMMARY" \
	--arg notes "$NOTES_TXT" --argjson fails "$FAILS" --arg elapsed "$ELAPSED" \
	--argjson rounds "$ROUNDS" --argjson n "$N" --argjson secs "$SECS" --argjson rr_n "$RR_N" \
	--slurpfile ops "$OPS" --slurpfile checks "$CHECKS" --argjson disturbed "$DISTURBED" '
	def rows($s): $s | split("\n") | map(select(length > 0) | split("\t"));
	def num: tonumber? // null;
	{bench: "cni",
	 setup: {containers: $n, rounds: $rounds, iperf3_secs: $secs, rr_round_trips: $rr_n,
	         subnet: "10.88.0.0/16 (host-local)", published: "hostPort 20000+i -> 80 per container",
	         methods: {nsbpf: "nsbpf plugin, ipMasq, portMappings",
	                   bridge: "bridge (cni0, isGateway, ipMasq) + portmap (snat), Debian containernetworking-plugins"}},
	 env_before: $before, env_after: $after, failures: $fails, disturbed_phases: $disturbed,
	 elapsed_ms: ($elapsed | tonumber), notes: ($notes | split("\n") | map(select(length > 0))),
	 samples: ., ops: $ops, checks: $checks,
	 summary: [rows($summary)[] | {test: .[0], metric: .[1], title: .[2], better: .[3],
	           nsbpf: {median: (.[4] | num), min: (.[5] | num), max: (.[6] | num)},
	           bridge_portmap: {median: (.[7] | num), min: (.[8] | num), max: (.[9] | num)},
	           ratio_paired: {median: (.[10] | num), min: (.[11] | num), max: (.[12] | num)}}]}' \
	"$RAW" >"$JSON"

{
	echo "# nsbpf CNI plugin against bridge + portmap"
	echo
	echo "$N containers (network namespaces) on one network 10.88.0.0/16 (host-local), each ADDed"
	echo "with a port mapping (hostPort 20000+i -> 80) and DELed, one after the other, through"
	echo "**nsbpf** (the plugin, \`ipMasq\`) and through Debian's **bridge** (cni0, \`isGateway\`,"
	echo "\`ipMasq\`) + **portmap** chain; with all $N attached, container 2 -> container 1 and"
	echo "world -> 192.0.2.1:20001 (container 1's published port): bench/rr $RR_N round trips of"
	echo "1 byte (1cpu: both ends on CPU 0; free: placed by the scheduler) and iperf3 -t $SECS."
	echo "Median of $ROUNDS interleaved round(s) (min–max); ratios paired per round."
	echo
	echo "| metric | nsbpf | bridge + portmap | nsbpf / bridge (paired) | better |"
	echo "|---|---:|---:|---:|---|"
	awk -F'\t' '{ printf "| %s | %s (%s–%s) | %s (%s–%s) | %s (%s–%s) | %s |\n", $3, $5, $6, $7, $8, $9, $10, $11, $12, $13, $4 }' "$SUMMARY"
	echo
	printf -- '- %s\n' "${NOTES[@]}"
	echo "- Times depend on what else runs on the machine: compare ratios within one run."
} >"$MD"

cat "$MD"
bench_save cni "$JSON" "$MD"
[ "$FAILS" = 0 ]
