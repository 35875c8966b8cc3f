#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Lab lifecycle: `nsbpf up` + `nsbpf down` of a lab of N nodes (one network,
# a /16) against the same lab built
#   script   the tutorials' way, one `ip` command per step;
#   ipbatch  one `ip -batch` file for the host side, one `ip -n NS -batch`
#            per node for the inside (iproute2 has no per-line -n); down:
#            one `ip -batch` of `link del` and `netns del` lines;
#   ipbatch-nsdel  the same up; down deletes the namespaces only and waits
#            until the kernel has removed every host end (a reference for
#            what a teardown can cost: the kernel batches the veths);
# and nsbpf with each attach mode forced (nsbpf-tcx, nsbpf-clsact) besides
# its default (nsbpf: auto), because attach is where its time can go: a tcx
# attach or detach waits for an RCU grace period under the RTNL lock.
# nsbpf-shared is nsbpf (auto) with three other labs up on a shared uplink
# (10 nodes each, masquerade and a forward), brought up before and removed
# after each of its runs, untimed: what many labs on one host cost a fourth.
# Runs are interleaved (the method order rotates each run); between runs the
# kernel's asynchronous netns clean-up is waited for.
#
#   bench/lifecycle.sh                  the default set (see below)
#   NODES="10 100" RUNS=3 bench/lifecycle.sh
# Knobs: NODES (10 100 500), RUNS_<n> (runs for n nodes: 5, 5, 3; RUNS sets
# all), METHODS (nsbpf nsbpf-tcx ipbatch ipbatch-nsdel script; nsbpf-clsact
# too), SCRIPT_MAX_RUNS_500 and TCX_MAX_RUNS_500 (1: runs of the per-command
# script and of nsbpf-tcx from 500 nodes on, tens of seconds each), PROFILE=1 (then sample nsbpf's kernel stacks during
# one up and down of the largest lab, in both attach modes, and
# `strace -c -w -f` them; PROFILE_NODES picks another size), BENCH_DEBUG=1.
# converge: `nsbpf up` of the file with CONVERGE_ADD (10) more nodes on a
# running lab of CONVERGE_NODES (500) nodes, timed against `down` + `up` of
# the larger lab, CONVERGE_RUNS (3) runs, interleaved; CONVERGE_NODES=0
# skips it (NODES="" METHODS="" runs it alone).
# Everything runs in private namespaces (bench/lib.sh); results go to
# bench/results/lifecycle.{json,md}.
set -u -o pipefail
BENCH_NAME=lifecycle
. "$(dirname "$0")/lib.sh"
bench_sandbox "$@"

NODES=${NODES-10 100 500}
METHODS=${METHODS-nsbpf nsbpf-shared nsbpf-tcx ipbatch ipbatch-nsdel script}
SCRIPT_MAX_RUNS_500=${SCRIPT_MAX_RUNS_500:-1}
TCX_MAX_RUNS_500=${TCX_MAX_RUNS_500:-1}
PROFILE=${PROFILE:-0}
CONVERGE_NODES=${CONVERGE_NODES:-500}
CONVERGE_ADD=${CONVERGE_ADD:-10}
CONVERGE_RUNS=${CONVERGE_RUNS:-3}
LAB=bl
GW=10.201.0.1
export BENCH_TIMEOUT=300	# one up or down (bounded(), lib.sh)

[ -x "$NSBPF" ] || bench_die "no $NSBPF: run make first"
for m in $METHODS; do
	case $m in
	nsbpf | nsbpf-shared | nsbpf-tcx | nsbpf-clsact | ipbatch | ipbatch-nsdel | script) ;;
	*) bench_die "unknown method $m (nsbpf nsbpf-shared nsbpf-tcx nsbpf-clsact ipbatch ipbatch-nsdel script)" ;;
	esac
done

runs_for() {
	local n=$1 v
	v=$(eval echo "\${RUNS_$n:-}")
	[ -n "$v" ] && { echo "$v"; return; }
	[ -n "${RUNS:-}" ] && { echo "$RUNS"; return; }
	case $n in
	10 | 100) echo 5 ;;
	*) echo 3 ;;
	esac
}

# Node i (1-based) is 10.201.x.y = 10.201.0.1 + i.
node_ip() { local a=$(($1 + 1)); echo "10.201.$((a / 256)).$((a % 256))"; }

# ---- the inputs, generated once per size ----

gen_yaml() {
	local n=$1 i
	echo "name: $LAB"
	echo "networks:"
	echo "  net:"
	echo "    subnet: 10.201.0.0/16"
	echo "    gateway: $GW"
	echo "    masquerade: false"
	echo "nodes:"
	for ((i = 1; i <= n; i++)); do
		echo "  n$i: {network: net, ip: $(node_ip "$i")}"
	done
}

# The per-command script, as a tutorial writes it. The same objects as nsbpf
# (netns, veth, gateway /32 on the host end, /32 route, node address and
# default route), minus what only nsbpf does (BPF, MACs, rp_filter).
gen_script_up() {
	local n=$1 i ip
	echo "set -e"
	for ((i = 1; i <= n; i++)); do
		ip=$(node_ip "$i")
		cat <<EOF
ip netns add $LAB-n$i
ip link add $LAB-n$i type veth peer name bp$i
ip link set bp$i netns $LAB-n$i
ip addr add $GW/32 dev $LAB-n$i
ip link set $LAB-n$i up
ip route add $ip/32 dev $LAB-n$i src $GW
ip -n $LAB-n$i link set lo up
ip -n $LAB-n$i addr add $ip/16 dev bp$i
ip -n $LAB-n$i link set bp$i up
ip -n $LAB-n$i route add default via $GW dev bp$i
EOF
	done
}

gen_script_down() {
	local n=$1 i
	for ((i = 1; i <= n; i++)); do
		echo "ip link del $LAB-n$i"
		echo "ip netns del $LAB-n$i"
	done
}

# ip -batch: `netns add` restores the caller's netns after each line (since
# iproute2 4.x), and `peer ... netns NS` moves the node end at creation.
gen_batch() {
	local n=$1 dir=$2 i ip
	mkdir -p "$dir"
	printf 'set -e\nip -batch %s/host.batch\n' "$dir" >"$dir/up.sh"
	{
		for ((i = 1; i <= n; i++)); do
			ip=$(node_ip "$i")
			echo "netns add $LAB-n$i"
			echo "link add $LAB-n$i type veth peer name eth0 netns $LAB-n$i"
			echo "addr add $GW/32 dev $LAB-n$i"
			echo "link set $LAB-n$i up"
			echo "route add $ip/32 dev $LAB-n$i src $GW"
			printf 'link set lo up\naddr add %s/16 dev eth0\nlink set eth0 up\nroute add default via %s dev eth0\n' \
				"$ip" "$GW" >"$dir/n$i.batch"
			echo "ip -n $LAB-n$i -batch $dir/n$i.batch" >>"$dir/up.sh"
		done
	} >"$dir/host.batch"
	for ((i = 1; i <= n; i++)); do
		echo "link del $LAB-n$i"
		echo "netns del $LAB-n$i"
	done >"$dir/down.batch"
	for ((i = 1; i <= n; i++)); do
		echo "netns del $LAB-n$i"
	done >"$dir/nsdel.batch"
}

# The veths go with their netns, in the kernel's clean-up work: wait
# (bounded, 60 s) until no host end is left, so the time is the whole cost.
nsdel_down() {
	local d=$1 i=0
	ip -batch "$d/nsdel.batch" || return 1
	# no grep -q here: with pipefail, ip dying of SIGPIPE would end the loop
	while ip -o link show | grep ": $LAB-n" >/dev/null; do
		[ $i -lt 6000 ] || return 1
		sleep 0.01
		i=$((i + 1))
	done
}

# ---- one run ----

do_up() {
	local m=$1 n=$2 d
	d=$BENCH_SCRATCH/in-$n
	case $m in
	nsbpf | nsbpf-shared) NSBPF_ATTACH=auto bounded "$NSBPF" up "$d/lab.yaml" >/dev/null ;;
	nsbpf-tcx) NSBPF_ATTACH=tcx bounded "$NSBPF" up "$d/lab.yaml" >/dev/null ;;
	nsbpf-clsact) NSBPF_ATTACH=clsact bounded "$NSBPF" up "$d/lab.yaml" >/dev/null ;;
	ipbatch | ipbatch-nsdel) bounded sh "$d/batch/up.sh" ;;
	script) bounded sh "$d/script-up.sh" ;;
	esac
}

do_down() {
	local m=$1 n=$2 d
	d=$BENCH_SCRATCH/in-$n
	case $m in
	nsbpf*) bounded "$NSBPF" down "$LAB" >/dev/null ;;
	ipbatch) bounded ip -batch "$d/batch/down.batch" ;;
	ipbatch-nsdel) nsdel_down "$d/batch" ;;
	script) bounded sh "$d/script-down.sh" ;;
	esac
}

# ---- the other labs of nsbpf-shared ----

OTHERS="bo1 bo2 bo3"

# Three labs of 10 nodes on the uplink bup0 (a veth into nothing: no
# default route, so the measured lab has no uplink either way).
others_gen() {
	local k=0 o i
	for o in $OTHERS; do
		k=$((k + 1))
		{
			echo "name: $o"
			echo "uplink: bup0"
			echo "networks:"
			echo "  net: {subnet: 10.202.$k.0/24, masquerade: true}"
			echo "nodes:"
			for ((i = 1; i <= 10; i++)); do echo "  n$i: {network: net}"; done
			echo "forwards:"
			echo "  - {proto: tcp, port: $((7000 + k)), to: n1:80}"
		} >"$BENCH_SCRATCH/$o.yaml"
	done
}

others_up() {
	local o
	ip link add bup0 type veth peer name bup0p &&
		ip addr add 198.51.100.1/24 dev bup0 && ip link set bup0 up && ip link set bup0p up ||
		return 1
	for o in $OTHERS; do
		bounded "$NSBPF" up "$BENCH_SCRATCH/$o.yaml" >/dev/null || return 1
	done
}

others_down() {
	local o
	for o in $OTHERS; do bounded "$NSBPF" down "$o" >/dev/null; done
	ip link del bup0 2>/dev/null
}

# The lab is there: every netns, every host end, node 1 configured.
check_up() {
	local n=$1 nns nlinks
	nns=$(ls /run/netns | grep -c "^$LAB-")
	nlinks=$(ip -o link show | grep -c ": $LAB-n")
	[ "$nns" -eq "$n" ] && [ "$nlinks" -eq "$n" ] &&
		ip -n "$LAB-n1" -4 -o addr show | grep " $(node_ip 1)/16" >/dev/null &&
		ip -n "$LAB-n$n" route show default | grep "via $GW" >/dev/null
}

# Nothing is left but lo.
check_down() {
	[ -z "$(ls /run/netns)" ] && [ "$(ip -o link show | wc -l)" -eq 1 ] &&
		[ -z "$(ls /run/nsbpf)" ]
}

# The lab nsbpf built forwards: node 1 reaches node 2 (bounded, our own netns).
check_forwarding() {
	ip netns exec "$LAB-n1" ping -c 1 -W 2 -q "$(node_ip 2)" >/dev/null 2>&1
}

declare -A ATTACH
RAW=$BENCH_SCRATCH/samples.jsonl
: >"$RAW"
FAILS=0

sample() {	# method nodes phase run ms
	printf '{"method":"%s","nodes":%s,"phase":"%s","run":%s,"ms":%s}\n' "$@" >>"$RAW"
}

one_run() {
	local m=$1 n=$2 r=$3 t0 up down base
	if [ "$m" = nsbpf-shared ] && ! others_up; then
		bench_log "nsbpf-shared: the three other labs did not come up (run $r)"
		FAILS=$((FAILS + 1))
		others_down
		return 1
	fi
	base=$(netns_slab)
	t0=$(now_ns)
	if ! do_up "$m" "$n"; then
		bench_log "$m up of $n nodes failed (run $r)"
		FAILS=$((FAILS + 1))
		do_down "$m" "$n" >/dev/null 2>&1
		return 1
	fi
	up=$(ms_since "$t0")
	if ! check_up "$n"; then
		bench_log "$m: the lab of $n nodes is not complete after up (run $r)"
		FAILS=$((FAILS + 1))
	fi
	if [ "$r" = 1 ] && [ "${m#nsbpf}" != "$m" ]; then
		if ! check_forwarding; then
			bench_log "$m: node 1 does not reach node 2 in the lab of $n nodes"
			FAILS=$((FAILS + 1))
		fi
		# what "auto" chose, in the lab's own words
		ATTACH[$m]=$("$NSBPF" status "$LAB" --json 2>/dev/null | jq -r '.labs[0].attach // "?"')
	fi
	t0=$(now_ns)
	if ! do_down "$m" "$n"; then
		bench_log "$m down of $n nodes failed (run $r)"
		FAILS=$((FAILS + 1))
	fi
	down=$(ms_since "$t0")
	[ "$m" = nsbpf-shared ] && others_down
	if ! check_down; then
		bench_log "$m: something is left after down of $n nodes (run $r): cleaning: netns $(ls /run/netns | wc -l), links $(ip -o link show | wc -l), labs $(ls /run/nsbpf | wc -l)"
		FAILS=$((FAILS + 1))
		bench_clean_lab
	fi
	sample "$m" "$n" up "$r" "$up"
	sample "$m" "$n" down "$r" "$down"
	printf '  %-14s %4d nodes  run %d  up %9.1f ms  down %9.1f ms\n' "$m" "$n" "$r" "$up" "$down" >&2
	t0=$(now_ns)
	netns_settle "$base" 10
	[ -n "${BENCH_DEBUG:-}" ] && bench_log "settled in $(ms_since "$t0") ms"
}

bench_clean_lab() {
	local ns l
	[ -d "/run/nsbpf/$LAB" ] && "$NSBPF" down "$LAB" >/dev/null 2>&1
	others_down >/dev/null 2>&1
	for ns in /run/netns/*; do [ -e "$ns" ] && ip netns del "${ns##*/}"; done
	for l in $(ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//'); do
		[ "$l" = lo ] || ip link del "$l" 2>/dev/null
	done
}

# ---- the runs ----

ENV_BEFORE=$(bench_env_json)
bench_log "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
T_START=$(now_ns)
others_gen
for n in $NODES; do
	d=$BENCH_SCRATCH/in-$n
	mkdir -p "$d"
	gen_yaml "$n" >"$d/lab.yaml"
	gen_script_up "$n" >"$d/script-up.sh"
	gen_script_down "$n" >"$d/script-down.sh"
	gen_batch "$n" "$d/batch"
	runs=$(runs_for "$n")
	set -- $METHODS
	nm=$#
	for ((r = 1; r <= runs; r++)); do
		# rotate the order so that drift in the machine's load spreads evenly
		for ((k = 0; k < nm; k++)); do
			idx=$(((k + r - 1) % nm + 1))
			m=${!idx}
			if [ "$n" -ge 500 ] &&
			   { { [ "$m" = script ] && [ "$r" -gt "$SCRIPT_MAX_RUNS_500" ]; } ||
			     { [ "$m" = nsbpf-tcx ] && [ "$r" -gt "$TCX_MAX_RUNS_500" ]; }; }; then
				continue
			fi
			one_run "$m" "$n" "$r"
		done
	done
done

# ---- converge: a running lab gains nodes, against down + up ----

# One run: the lab of n nodes up (untimed), then, in the rotating order,
# the converge to n + add nodes and down + up of the n + add lab.
converge_run() {
	local n=$1 add=$2 r=$3 d=$BENCH_SCRATCH/conv t0 conv redo m
	for m in converge redo; do
		[ "$((r % 2))" = 1 ] || m=$([ "$m" = converge ] && echo redo || echo converge)
		bounded "$NSBPF" up "$d/small.yaml" >/dev/null || return 1
		t0=$(now_ns)
		if [ "$m" = converge ]; then
			bounded "$NSBPF" up "$d/big.yaml" >/dev/null || return 1
			conv=$(ms_since "$t0")
		else
			bounded "$NSBPF" down "$LAB" >/dev/null && bounded "$NSBPF" up "$d/big.yaml" >/dev/null ||
				return 1
			redo=$(ms_since "$t0")
		fi
		check_up "$((n + add))" && ip netns exec "$LAB-n$((n + add))" ping -c 1 -W 2 -q "$(node_ip 1)" >/dev/null 2>&1 ||
			{ bench_log "converge: the lab of $((n + add)) nodes is not complete after $m (run $r)"; return 1; }
		bounded "$NSBPF" down "$LAB" >/dev/null || return 1
		netns_settle "$(netns_slab)" 10
	done
	sample nsbpf-converge "$n" converge "$r" "$conv"
	sample nsbpf-down-up "$n" converge "$r" "$redo"
	printf '  converge %4d+%d nodes  run %d  converge %9.1f ms  down+up %9.1f ms\n' "$n" "$add" "$r" "$conv" "$redo" >&2
}

CONVERGE_TXT=""
if [ "$CONVERGE_NODES" -gt 0 ]; then
	mkdir -p "$BENCH_SCRATCH/conv"
	gen_yaml "$CONVERGE_NODES" >"$BENCH_SCRATCH/conv/small.yaml"
	gen_yaml "$((CONVERGE_NODES + CONVERGE_ADD))" >"$BENCH_SCRATCH/conv/big.yaml"
	for ((r = 1; r <= CONVERGE_RUNS; r++)); do
		if ! converge_run "$CONVERGE_NODES" "$CONVERGE_ADD" "$r"; then
			bench_log "converge run $r failed"
			FAILS=$((FAILS + 1))
			bench_clean_lab
		fi
	done
	cm=$(jq -r 'select(.method == "nsbpf-converge") | .ms' "$RAW" | stats | awk '{ print $3 }')
	rm_=$(jq -r 'select(.method == "nsbpf-down-up") | .ms' "$RAW" | stats | awk '{ print $3 }')
	[ "${cm:--}" != - ] && [ "${rm_:--}" != - ] &&
		CONVERGE_TXT=$(printf 'converge adding %d nodes to a running %d-node lab: median %.1f ms; down + up of the %d-node lab: median %.1f ms (%sx, %s runs)' \
			"$CONVERGE_ADD" "$CONVERGE_NODES" "$cm" "$((CONVERGE_NODES + CONVERGE_ADD))" "$rm_" "$(ratio "$rm_" "$cm")" "$CONVERGE_RUNS")
fi
ELAPSED=$(ms_since "$T_START")

# ---- profile: where nsbpf's time goes ----

# stack_sample OUT CMD...: run CMD, sample its kernel stack (/proc/PID/stack)
# every 20 ms until it exits; OUT gets the most frequent stacks (top frames).
stack_sample() {
	local out=$1 pid n=0
	shift
	"$@" >/dev/null 2>&1 &
	pid=$!
	: >"$out.dw"
	while kill -0 "$pid" 2>/dev/null && [ $n -lt 6000 ]; do
		awk '{ print $2 }' "/proc/$pid/stack" 2>/dev/null | head -n 4 |
			sed 's/+0x[0-9a-f]*\/0x[0-9a-f]*//' | paste -sd' ' -
		[ $((n % 25)) = 0 ] && dworkers >>"$out.dw"
		sleep 0.02
		n=$((n + 1))
	done | grep -v '^$' | sort | uniq -c | sort -rn |
		awk '{ c[NR] = $1; $1 = ""; l[NR] = $0; t += c[NR] }
		     END { for (i = 1; i <= NR && i <= 5; i++) printf "  %5.1f%%  %s\n", 100 * c[i] / t, l[i] }' >"$out"
	wait "$pid"
}

PROFILE_TXT=""
if [ "$PROFILE" = 1 ]; then
	n=${PROFILE_NODES:-$(echo $NODES | awk '{ print $NF }')}
	y=$BENCH_SCRATCH/in-$n/lab.yaml
	[ -f "$y" ] || { mkdir -p "$BENCH_SCRATCH/in-$n"; gen_yaml "$n" >"$y"; }
	bench_log "profile: kernel stacks and strace -c -w -f of nsbpf up and down, $n nodes"
	PROFILE_TXT=$(
		for m in auto tcx; do
			NSBPF_ATTACH=$m stack_sample "$BENCH_SCRATCH/st-up" "$NSBPF" up "$y"
			stack_sample "$BENCH_SCRATCH/st-down" "$NSBPF" down "$LAB"
			echo "nsbpf up, $n nodes, attach $m: kernel stacks of nsbpf, sampled every 20 ms (share of samples)"
			cat "$BENCH_SCRATCH/st-up"
			echo "nsbpf down, $n nodes, attach $m (at most $(sort -n "$BENCH_SCRATCH/st-down.dw" | tail -n 1) kworkers in D state meanwhile):"
			cat "$BENCH_SCRATCH/st-down"
			bench_clean_lab
		done
		if command -v strace >/dev/null; then
			strace -c -w -f -o "$BENCH_SCRATCH/up.strace" "$NSBPF" up "$y" >/dev/null
			strace -c -w -f -o "$BENCH_SCRATCH/down.strace" "$NSBPF" down "$LAB" >/dev/null
			bench_clean_lab
			echo
			echo "strace -c -w -f: nsbpf up, $n nodes, attach auto (wall time in syscalls)"
			head -n 8 "$BENCH_SCRATCH/up.strace"
			echo "strace -c -w -f: nsbpf down, $n nodes, attach auto"
			head -n 6 "$BENCH_SCRATCH/down.strace"
		fi
	)
fi

# ---- report ----

JSON=$BENCH_SCRATCH/lifecycle.json
MD=$BENCH_SCRATCH/lifecycle.md

# One row per (nodes, method, phase): runs, min, median, max.
SUMMARY=$BENCH_SCRATCH/summary.tsv
: >"$SUMMARY"
for n in $NODES; do
	for m in $METHODS; do
		for ph in up down; do
			vals=$(jq -r --arg m "$m" --arg ph "$ph" --argjson n "$n" \
				'select(.method == $m and .nodes == $n and .phase == $ph) | .ms' "$RAW")
			[ -n "$vals" ] || continue
			read -r cnt mn med _ mx _ <<<"$(echo "$vals" | stats)"
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$m" "$ph" "$cnt" "$mn" "$med" "$mx" >>"$SUMMARY"
		done
	done
done

med_of() {	# nodes method phase
	awk -F'\t' -v n="$1" -v m="$2" -v p="$3" '$1 == n && $2 == m && $3 == p { print $6 }' "$SUMMARY"
}

TABLE=$(
	printf '%-6s %-14s %4s | %10s %10s %10s | %10s %10s %10s\n' nodes method runs \
		"up min" "up med" "up max" "down min" "down med" "down max"
	for n in $NODES; do
		for m in $METHODS; do
			u=$(awk -F'\t' -v n="$n" -v m="$m" '$1 == n && $2 == m && $3 == "up"' "$SUMMARY")
			dn=$(awk -F'\t' -v n="$n" -v m="$m" '$1 == n && $2 == m && $3 == "down"' "$SUMMARY")
			[ -n "$u" ] || continue
			IFS=$'\t' read -r _ _ _ c umin umed umax <<<"$u"
			IFS=$'\t' read -r _ _ _ _ dmin dmed dmax <<<"$dn"
			printf '%-6s %-14s %4s | %10.1f %10.1f %10.1f | %10.1f %10.1f %10.1f\n' \
				"$n" "$m" "$c" "$umin" "$umed" "$umax" "$dmin" "$dmed" "$dmax"
		done
	done
)

# Ratios of medians: other / nsbpf, so > 1 means nsbpf is that many times faster.
RATIOS=$BENCH_SCRATCH/ratios.tsv
: >"$RATIOS"
for n in $NODES; do
	for ph in up down; do
		for base in nsbpf nsbpf-tcx nsbpf-clsact; do
			b=$(med_of "$n" "$base" "$ph")
			[ -n "$b" ] || continue
			printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$ph" "$base" \
				"$(ratio "$(med_of "$n" script "$ph")" "$b")" \
				"$(ratio "$(med_of "$n" ipbatch "$ph")" "$b")" \
				"$(ratio "$(med_of "$n" ipbatch-nsdel "$ph")" "$b")" >>"$RATIOS"
		done
	done
done
RTABLE=$(
	printf '%-6s %-5s %-13s | %15s %15s %21s\n' nodes phase "nsbpf as" "script/nsbpf" "ipbatch/nsbpf" "ipbatch-nsdel/nsbpf"
	awk -F'\t' 'function x(v) { return v == "-" ? v : v "x" }
		{ printf "%-6s %-5s %-13s | %15s %15s %21s\n", $1, $2, $3, x($4), x($5), x($6) }' "$RATIOS"
)

# The issue's targets, judged on medians.
verdict() { awk -v v="$1" -v t="$2" 'BEGIN { if (v == "-" || v == "") print "not measured"; else if (v + 0 >= t + 0) print "met"; else print "MISSED" }'; }
xfmt() { case $1 in "" | -) echo - ;; *) echo "${1}x" ;; esac; }
secs() { awk -v v="$1" 'BEGIN { if (v == "") print "-"; else printf "%.2f s", v / 1000 }'; }
within() { awk -v v="$1" -v t="$2" 'BEGIN { if (v == "-") print "not measured"; else if (v + 0 <= t) print "met"; else print "MISSED" }'; }
rat() { awk -F'\t' -v n="$1" -v p="$2" -v b="$3" -v c="$4" '$1 == n && $2 == p && $3 == b { print $c }' "$RATIOS"; }
TARGETS=$BENCH_SCRATCH/targets.tsv
: >"$TARGETS"
for base in nsbpf nsbpf-tcx nsbpf-clsact; do
	[ -n "$(med_of 100 "$base" up)$(med_of 500 "$base" up)" ] || continue
	r=$(rat 100 up "$base" 4)
	printf '%s\tup, 100 nodes: >= 10x faster than the script\t%s\t%s\n' "$base" "$(xfmt "$r")" "$(verdict "$r" 10)"
	r=$(rat 100 up "$base" 5)
	printf '%s\tup, 100 nodes: faster than ip -batch\t%s\t%s\n' "$base" "$(xfmt "$r")" "$(verdict "$r" 1)"
	v=$(secs "$(med_of 500 "$base" up)")
	printf '%s\tup, 500 nodes: a few seconds (<= 5 s)\t%s\t%s\n' "$base" "$v" "$(within "$v" 5)"
	r=$(rat 100 down "$base" 4)
	printf '%s\tdown, 100 nodes: faster than the script\t%s\t%s\n' "$base" "$(xfmt "$r")" "$(verdict "$r" 1)"
	r=$(rat 100 down "$base" 5)
	printf '%s\tdown, 100 nodes: faster than ip -batch\t%s\t%s\n' "$base" "$(xfmt "$r")" "$(verdict "$r" 1)"
	v=$(secs "$(med_of 500 "$base" down)")
	printf '%s\tdown, 500 nodes: as fast, a few seconds (<= 5 s)\t%s\t%s\n' "$base" "$v" "$(within "$v" 5)"
	:
done >"$TARGETS"
# Many labs: a lab beside three others, against the same lab alone (shared / alone).
for n in $NODES; do
	for ph in up down; do
		r=$(ratio "$(med_of "$n" nsbpf-shared "$ph")" "$(med_of "$n" nsbpf "$ph")")
		[ "$r" = - ] || [ -z "$r" ] && continue
		printf 'nsbpf-shared\t%s, %s nodes, three other labs up: no slower than alone (shared/alone <= 1.10x)\t%s\t%s\n' \
			"$ph" "$n" "$(xfmt "$r")" "$(within "$r" 1.10)"
	done
done >>"$TARGETS"
TTABLE=$(awk -F'\t' '{ printf "%-13s %-45s %10s  %s\n", $1, $2, $3, $4 }' "$TARGETS")

ENV_AFTER=$(bench_env_json)
ATTACH_TXT=""
ATTACH_JSON="{}"
for m in "${!ATTACH[@]}"; do
	ATTACH_TXT="$ATTACH_TXT${ATTACH_TXT:+, }$m: ${ATTACH[$m]}"
	ATTACH_JSON=$(jq -c --arg m "$m" --arg a "${ATTACH[$m]}" '. + {($m): $a}' <<<"$ATTACH_JSON")
done
[ -n "$ATTACH_TXT" ] || ATTACH_TXT="not run"
{
	echo "lifecycle: up and down of a lab of N nodes (one /16 network), wall ms"
	echo "$TABLE"
	echo
	echo "ratios of medians (> 1: nsbpf is that many times faster)"
	echo "$RTABLE"
	echo
	echo "targets (from the issue)"
	echo "$TTABLE"
	[ -n "$CONVERGE_TXT" ] && { echo; echo "$CONVERGE_TXT"; }
	[ -n "$PROFILE_TXT" ] && { echo; echo "$PROFILE_TXT"; }
	echo
	echo "attach modes the labs reported: $ATTACH_TXT"
	echo "load average before: $(echo "$ENV_BEFORE" | jq -r .loadavg), after: $(echo "$ENV_AFTER" | jq -r .loadavg); $(nproc) CPUs; $FAILS failure(s); ${ELAPSED} ms in all"
}

jq -s --argjson before "$ENV_BEFORE" --argjson after "$ENV_AFTER" \
	--rawfile summary "$SUMMARY" --rawfile ratios "$RATIOS" --rawfile targets "$TARGETS" \
	--arg profile "$PROFILE_TXT" --argjson fails "$FAILS" --arg elapsed "$ELAPSED" \
	--arg converge "$CONVERGE_TXT" \
	--argjson attach "$ATTACH_JSON" '
	def rows($s): $s | split("\n") | map(select(length > 0) | split("\t"));
	{
	  bench: "lifecycle",
	  unit: "ms (wall)",
	  methods: {
	    nsbpf: "nsbpf up/down, NSBPF_ATTACH=auto",
	    "nsbpf-shared": "nsbpf up/down, NSBPF_ATTACH=auto, with three other labs (10 nodes, masquerade, a forward) up on a shared uplink",
	    "nsbpf-tcx": "nsbpf up/down, NSBPF_ATTACH=tcx",
	    "nsbpf-clsact": "nsbpf up/down, NSBPF_ATTACH=clsact",
	    ipbatch: "ip -batch for the host side + one ip -n NS -batch per node; down: one ip -batch (link del, netns del)",
	    "ipbatch-nsdel": "up as ipbatch; down: one ip -batch of netns del, then wait until the kernel removed every host end",
	    script: "one ip command per step (10 per node up, 2 per node down)"
	  },
	  env_before: $before, env_after: $after, failures: $fails,
	  elapsed_ms: ($elapsed | tonumber), attach_reported: $attach,
	  samples: .,
	  summary: [rows($summary)[] | {nodes: (.[0] | tonumber), method: .[1], phase: .[2],
	             runs: (.[3] | tonumber), min: (.[4] | tonumber), median: (.[5] | tonumber),
	             max: (.[6] | tonumber)}],
	  ratios: [rows($ratios)[] | {nodes: (.[0] | tonumber), phase: .[1], baseline: .[2],
	            script_over_nsbpf: (.[3] | tonumber? // null),
	            ipbatch_over_nsbpf: (.[4] | tonumber? // null),
	            ipbatch_nsdel_over_nsbpf: (.[5] | tonumber? // null)}],
	  targets: [rows($targets)[] | {method: .[0], target: .[1], value: .[2], verdict: .[3]}],
	  profile: $profile,
	  converge: $converge
	}' "$RAW" >"$JSON"

{
	echo "# nsbpf lifecycle benchmark"
	echo
	echo "Up and down of a lab of N nodes in one /16 network, wall-clock ms, in a private"
	echo "host namespace. Methods: **nsbpf** (attach auto: $ATTACH_TXT), **nsbpf-tcx** / **nsbpf-clsact**"
	echo "(NSBPF_ATTACH forced), **ipbatch** (one \`ip -batch\` for the host side and one"
	echo "\`ip -n NS -batch\` per node), **ipbatch-nsdel** (the same, torn down by deleting the namespaces"
	echo "only and waiting until the kernel removed every veth), **script** (one \`ip\` command per step)."
	echo
	echo "| nodes | method | runs | up min | up median | up max | down min | down median | down max |"
	echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|"
	echo "$TABLE" | tail -n +2 | awk '{ printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $5, $6, $7, $9, $10, $11 }'
	echo
	echo "Ratios of medians (other / nsbpf: > 1 means nsbpf is faster):"
	echo
	echo "| nodes | phase | nsbpf as | script / nsbpf | ipbatch / nsbpf | ipbatch-nsdel / nsbpf |"
	echo "|---:|---|---|---:|---:|---:|"
	awk -F'\t' 'function x(v) { return v == "-" ? v : v "x" }
		{ printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, x($4), x($5), x($6) }' "$RATIOS"
	echo
	echo "Targets:"
	echo
	echo "| method | target | measured | verdict |"
	echo "|---|---|---:|---|"
	awk -F'\t' '{ printf "| %s | %s | %s | %s |\n", $1, $2, $3, $4 }' "$TARGETS"
	[ -n "$CONVERGE_TXT" ] && { echo; echo "Converge: $CONVERGE_TXT."; }
	if [ -n "$PROFILE_TXT" ]; then
		echo
		echo '```'
		echo "$PROFILE_TXT"
		echo '```'
	fi
	echo
	echo "Load average before $(echo "$ENV_BEFORE" | jq -r .loadavg), after $(echo "$ENV_AFTER" | jq -r .loadavg);"
	echo "$(nproc) CPUs, kernel $(uname -r), git $(echo "$ENV_BEFORE" | jq -r .git); $FAILS failure(s)."
	echo "Times depend on what else runs on the machine: compare ratios within one run."
} >"$MD"

bench_save lifecycle "$JSON" "$MD"
[ "$FAILS" = 0 ]
