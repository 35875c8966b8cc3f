# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# shellcheck shell=bash
# Shared by bench/masquerade.sh and bench/forwards.sh (bash), on top of
# bench/lib.sh (source that first, then this, then call bench_sandbox):
# the world namespace behind the uplink, the iptables state, the routed
# reference, waiting for the other benchmarks, and the three client tools
# (bench/cps, bench/rr, iperf3), each run against a server started for it
# and stopped after. A client or server namespace "host" is the sandbox's
# own host namespace (no `ip netns exec`).
#
# The world: a netns "world" behind the veth uplink up0, 192.0.2.1 on the
# host side, 192.0.2.2 on the world side, the host's default route via the
# world (tests/integ/harness.c, world_up()). Nothing leaves the sandbox.

CPS=${CPS:-$BENCH_TOP/.output/bench/cps}
RR=${RR:-$BENCH_TOP/.output/bench/rr}
UPLINK_IP=192.0.2.1
WORLD_IP=192.0.2.2
IDLE_WAIT=${IDLE_WAIT:-600}	# at most this long (s) for another benchmark to end
RR_N=${RR_N:-20000}
CPS_N=${CPS_N:-100000}		# an upper bound: CPS_SECS ends a run first
CPS_SECS=${CPS_SECS:-3}
CPS_WARMUP=${CPS_WARMUP:-200}
NOTES=()
DISTURBED=0

# nat_exec NS CMD...: exec CMD in the named netns, or in the sandbox's host
# netns itself for NS "host". It replaces the shell: call it only where bash
# forks anyway (CMD &, a pipeline, $(...)), so $! is the pid of CMD itself
# and bench_kill reaches it.
nat_exec() {
	local ns=$1
	shift
	if [ "$ns" = host ]; then
		exec "$@"
	else
		exec ip netns exec "$ns" "$@"
	fi
}

nat_world_up() {
	ip netns add world && ip -n world link set lo up &&
		ip link add up0 type veth peer name eth0 netns world &&
		ip addr add $UPLINK_IP/24 dev up0 && ip link set up0 up &&
		ip -n world addr add $WORLD_IP/24 dev eth0 && ip -n world link set eth0 up &&
		ip route add default via $WORLD_IP
}

# A node of the iptables way: netns NS, veth NS (host end, GW/24) <-> eth0
# (IP/24) in the node, default route via GW. nat_plain_node NS IP GW
nat_plain_node() {
	local ns=$1 ip=$2 gw=$3
	ip netns add "$ns" && ip -n "$ns" link set lo up &&
		ip link add "$ns" type veth peer name eth0 netns "$ns" &&
		ip addr add "$gw/24" dev "$ns" && ip link set "$ns" up &&
		ip -n "$ns" addr add "$ip/24" dev eth0 && ip -n "$ns" link set eth0 up &&
		ip -n "$ns" route add default via "$gw"
}

# ip_forward of the sandbox's host netns (never the machine's: bench_sandbox
# refuses to run outside a private one).
nat_ip_forward() { sysctl -qw net.ipv4.ip_forward="$1"; }

# The routed reference: the same two hops (node -> host -> world and back)
# routed by the host without any NAT, through a plain node (nat_plain_node,
# whose veth's /24 is the host's subnet route): ip_forward=1 in the
# sandbox's host netns and the world routing SUBNET back via the uplink.
# No NAT rule exists meanwhile, so conntrack sees nothing (nf_conntrack_count
# stays 0: the teardown records it). nat_routed_up SUBNET / nat_routed_down SUBNET
nat_routed_up() {
	nat_ct_flush	# fails when nf_conntrack was never used here: nothing to flush
	nat_ip_forward 1 && ip -n world route replace "$1" via $UPLINK_IP
}

nat_routed_down() {
	ip -n world route del "$1" 2>/dev/null
	nat_ip_forward 0
}

# Forget every conntrack entry of this netns (what `conntrack -F` does:
# IPCTNL_MSG_CT_DELETE without attributes over NETLINK_NETFILTER), so an
# iptables phase starts with an empty table, as an nsbpf phase starts with
# a new lab and empty maps.
nat_ct_flush() {
	python3 -c '
import socket, struct, sys
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)
s.settimeout(5)
s.send(struct.pack("=IHHII", 20, (1 << 8) | 2, 1 | 4, 1, 0) + struct.pack("=BBH", socket.AF_INET, 0, 0))
d = s.recv(4096)
t = struct.unpack("=H", d[4:6])[0]
sys.exit(0 if t == 2 and struct.unpack("=i", d[16:20])[0] == 0 else 1)' 2>/dev/null
}

nat_ct_count() { cat /proc/sys/net/netfilter/nf_conntrack_count 2>/dev/null || echo -1; }

# Everything iptables holds in the sandbox netns, and ip_forward back to 0.
nat_iptables_reset() {
	local t
	for t in nat filter mangle raw; do
		iptables -t $t -F 2>/dev/null
		iptables -t $t -X 2>/dev/null
	done
	nat_ip_forward 0 2>/dev/null
}

# The other benchmarks on this machine (2 CPUs): bench/forwarding.sh and
# bench/lifecycle.sh (another engineer's), bench/prog.sh, the other one of
# ours (NAT_OTHERS, set by the script), and what else takes both CPUs for
# minutes here: the test suites (scripts/run-tests.sh, the Criterion
# binaries) and the kernel matrix's VMs. Only looked at, never touched.
# Our own selftests run (the ns/packet rows) is a child of this script and
# never overlaps a check.
NAT_BUSY_RE='bench/(forwarding|lifecycle|prog)\.sh|scripts/run-tests\.sh|\.output/tests/(unit|integ)_tests|\.output/selftests/selftests|selftests/vm/run-matrix\.sh|qemu-system'
# Our own ancestors (make's shell, whose command line names the selftests
# binary) are never "another" run.
nat_ancestors() {
	local p=$$ out=""
	while [ -n "$p" ] && [ "$p" -gt 1 ]; do
		out="$out $p"
		p=$(awk '/^PPid:/ { print $2 }' "/proc/$p/status" 2>/dev/null)
	done
	echo "$out "
}
NAT_ANCESTORS=$(nat_ancestors)
# A command line that runs one under flock(1) (flock itself, or a shell
# around it) waits for the lock we may hold (/work/integ.lock): once it has
# it, the run is a child of its own, which matches by itself.
nat_others_running() {
	local p out=""
	for p in $(pgrep -f "${NAT_BUSY_RE}${NAT_OTHERS:+|bench/($NAT_OTHERS)\.sh}"); do
		[[ "$NAT_ANCESTORS" == *" $p "* ]] && continue
		tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -qw flock && continue
		out="$out $p"
	done
	echo "${out# }"
}

# Before a measurement phase: wait (bounded: IDLE_WAIT s, polling every
# 10 s) until none of them runs. Goes on after that, and says so.
nat_wait_idle() {
	local what=$1 waited=0 pids names
	pids=$(nat_others_running)
	while [ -n "$pids" ]; do
		if [ $waited -ge "$IDLE_WAIT" ]; then
			bench_log "$what: another benchmark still runs after ${IDLE_WAIT}s (pids $pids): going on"
			NOTES+=("$what: measured while another benchmark ran (pids $pids, waited ${IDLE_WAIT} s): its numbers are disturbed")
			DISTURBED=$((DISTURBED + 1))
			return 1
		fi
		if [ $waited = 0 ]; then
			# shellcheck disable=SC2086
			names=$(ps -o args= -p ${pids// /,} 2>/dev/null | cut -c1-60 | tr '\n' ';')
			bench_log "$what: waiting for another benchmark or test run to end (pids $pids: $names up to ${IDLE_WAIT}s)"
		fi
		sleep 10
		waited=$((waited + 10))
		pids=$(nat_others_running)
	done
	[ $waited -gt 0 ] && bench_log "$what: waited ${waited}s for another benchmark"
	return 0
}

# After a phase: did another benchmark start meanwhile? Then say so.
nat_check_alone() {
	local pids
	pids=$(nat_others_running)
	if [ -n "$pids" ]; then
		NOTES+=("$1: another benchmark (pids $pids) was running at its end: its numbers may be disturbed")
		DISTURBED=$((DISTURBED + 1))
		bench_log "$1: another benchmark started meanwhile (pids $pids)"
	fi
}

# nat_wait_listen NS PORT: bounded (5 s) until a TCP socket listens there.
nat_wait_listen() {
	local i
	for ((i = 0; i < 100; i++)); do
		nat_exec "$1" ss -Hltn "sport = :$2" 2>/dev/null | grep -q . && return 0
		sleep 0.05
	done
	bench_log "nothing listens on port $2 in $1"
	return 1
}

# SYNs the client netns retransmitted (a dropped SYN costs a second).
nat_syn_retrans() { nat_counter "$1" TcpExtTCPSynRetrans; }

nat_pin() { [ "$1" = 1cpu ] && echo "taskset -c 0"; }

# nat_cps CLIENT_NS SERVER_NS BIND SERVER_PORT DST DST_PORT MODE: a cps
# server, then CPS_SECS of sequential connections; prints cps's JSON plus
# the SYN retransmissions during the run (empty on failure).
nat_cps() {
	local cns=$1 sns=$2 bind=$3 sport=$4 dst=$5 dport=$6 pin srv out r0 r1
	pin=$(nat_pin "$7")
	# shellcheck disable=SC2086
	nat_exec "$sns" $pin "$CPS" -s -b "$bind" -p "$sport" -T $((CPS_SECS + 60)) 2>/dev/null &
	srv=$!
	bench_track $srv
	if nat_wait_listen "$sns" "$sport"; then
		r0=$(nat_syn_retrans "$cns")
		# shellcheck disable=SC2086
		out=$(nat_exec "$cns" $pin "$CPS" -c "$dst" -p "$dport" -n "$CPS_N" -w "$CPS_WARMUP" \
			-T "$CPS_SECS" -j)
		r1=$(nat_syn_retrans "$cns")
	fi
	bench_kill $srv
	bench_untrack $srv
	[ -n "${out:-}" ] || return 1
	echo "$out" | jq -c --argjson r "$(( ${r1:-0} - ${r0:-0} ))" '. + {syn_retrans: $r}'
}

# A busy loop pinned to CPU (user space only, no syscalls): an idle vCPU
# of a VM halts, and waking it (an IPI for the network stack's deferred
# work) costs the busy CPU dearly: on the 2-vCPU reference machine one
# pinned cps pair did 3,000-5,000 connections/s with the other vCPU idle
# and 12,000 with it spinning. The one-CPU reference of the 2cpu run is
# therefore measured with the other CPU spinning. nat_spin_start CPU / nat_spin_stop
nat_spin_start() {
	taskset -c "$1" bash -c 'while :; do :; done' &
	NAT_SPIN=$!
	bench_track "$NAT_SPIN"
}

nat_spin_stop() {
	[ -n "${NAT_SPIN:-}" ] || return 0
	bench_kill "$NAT_SPIN"
	bench_untrack "$NAT_SPIN"
	NAT_SPIN=""
}

# nat_cps2 CLIENT_NS SERVER_NS BIND DST PORT0 PORT1: new connections/s with
# both CPUs busy: two cps servers (PORT0 pinned to CPU 0, PORT1 to CPU 1)
# and two clients pinned likewise, CPS_SECS at the same time; prints their
# sum as one cps JSON (cps, fast_cps, connections, errors, slow: added; the
# first stall the earlier one; p99_us the larger), plus each CPU's own rate.
nat_cps2() {
	local cns=$1 sns=$2 bind=$3 dst=$4 c srv="" cli="" ok=1 r0 r1 p
	local ports=("$5" "$6")
	for c in 0 1; do
		nat_exec "$sns" taskset -c $c "$CPS" -s -b "$bind" -p "${ports[$c]}" -T $((CPS_SECS + 60)) 2>/dev/null &
		srv="$srv $!"
	done
	# shellcheck disable=SC2086
	bench_track $srv
	nat_wait_listen "$sns" "${ports[0]}" && nat_wait_listen "$sns" "${ports[1]}" || ok=0
	if [ $ok = 1 ]; then
		r0=$(nat_syn_retrans "$cns")
		for c in 0 1; do
			nat_exec "$cns" taskset -c $c "$CPS" -c "$dst" -p "${ports[$c]}" -n "$CPS_N" -w "$CPS_WARMUP" \
				-T "$CPS_SECS" -j >"$BENCH_SCRATCH/cps2-$c.json" &
			cli="$cli $!"
		done
		# shellcheck disable=SC2086
		bench_track $cli
		for p in $cli; do
			wait "$p"
			bench_untrack "$p"
		done
		r1=$(nat_syn_retrans "$cns")
	fi
	# shellcheck disable=SC2086
	bench_kill $srv
	for p in $srv; do bench_untrack "$p"; done
	[ $ok = 1 ] && [ -s "$BENCH_SCRATCH/cps2-0.json" ] && [ -s "$BENCH_SCRATCH/cps2-1.json" ] || return 1
	jq -s -c --argjson r "$(( ${r1:-0} - ${r0:-0} ))" '{
		cps: (map(.cps) | add), fast_cps: (map(.fast_cps) | add),
		connections: (map(.connections) | add), errors: (map(.errors) | add),
		slow: (map(.slow) | add), stalled_at_end: (map(.stalled_at_end) | any),
		first_stall: ([.[].first_stall | select(. >= 0)] | min // -1),
		p99_us: (map(.p99_us) | max), secs: (map(.secs) | max),
		cpu0_cps: .[0].cps, cpu1_cps: .[1].cps, syn_retrans: $r}' \
		"$BENCH_SCRATCH/cps2-0.json" "$BENCH_SCRATCH/cps2-1.json"
	rm -f "$BENCH_SCRATCH"/cps2-[01].json
}

# nat_rr CLIENT_NS SERVER_NS BIND SERVER_PORT DST DST_PORT MODE: bench/rr,
# RR_N round trips of one byte; prints rr's JSON (empty on failure).
nat_rr() {
	local cns=$1 sns=$2 bind=$3 sport=$4 dst=$5 dport=$6 pin srv out=""
	pin=$(nat_pin "$7")
	# shellcheck disable=SC2086
	nat_exec "$sns" $pin "$RR" -s -b "$bind" -p "$sport" -z 1 -T 60 >/dev/null 2>&1 &
	srv=$!
	bench_track $srv
	if nat_wait_listen "$sns" "$sport"; then
		# shellcheck disable=SC2086
		out=$(nat_exec "$cns" $pin "$RR" -c "$dst" -p "$dport" -z 1 -n "$RR_N" -T 20 -j)
	fi
	bench_kill $srv
	bench_untrack $srv
	[ -n "$out" ] || return 1
	echo "$out"
}

# nat_iperf CLIENT_NS SERVER_NS BIND SERVER_PORT DST DST_PORT STREAMS SECS:
# a one-off iperf3 server, then one client run; prints {gbps, retransmits}.
nat_iperf() {
	local cns=$1 sns=$2 bind=$3 sport=$4 dst=$5 dport=$6 s=$7 secs=$8 srv out="" bps retr
	nat_exec "$sns" timeout $((secs + 60)) iperf3 -s -1 -B "$bind" -p "$sport" >/dev/null 2>&1 &
	srv=$!
	bench_track $srv
	if nat_wait_listen "$sns" "$sport"; then
		out=$(nat_exec "$cns" timeout $((secs + 20)) \
			iperf3 -c "$dst" -p "$dport" -t "$secs" -P "$s" -J 2>/dev/null)
	fi
	bench_kill $srv
	bench_untrack $srv
	bps=$(echo "$out" | jq -r '.end.sum_received.bits_per_second // empty' 2>/dev/null)
	retr=$(echo "$out" | jq -r '.end.sum_sent.retransmits // 0' 2>/dev/null)
	if [ -z "$bps" ]; then
		bench_log "iperf3 -P $s to $dst:$dport failed: $(echo "$out" | jq -r '.error // empty' 2>/dev/null)"
		return 1
	fi
	printf '{"gbps":%s,"retransmits":%s}\n' "$(awk -v b="$bps" 'BEGIN { printf "%.3f", b / 1e9 }')" "${retr:-0}"
}

# The selftests' BPF_PROG_TEST_RUN rows (selftests/bench_prog.c), in a
# network namespace of their own inside the sandbox: "case<TAB>prog ns<TAB>syscall ns".
nat_prog_rows() {
	local bin=$1 out=$2
	[ -x "$bin" ] || return 1
	NSBPF_BENCH=1 timeout 180 unshare --net "$bin" --verbose=0 --filter 'bench/*' >"$out" 2>&1
	sed -n 's/^  \(.*[^ ]\) \{1,\}prog \{1,\}\([0-9.]*\) ns\/packet \{1,\}syscall \{1,\}\([0-9.]*\) ns (\([0-9]*\) bytes)$/\1\t\2\t\3/p' "$out"
}

# Median and min/max of the numbers on stdin: "median<TAB>min<TAB>max" ("-" if none).
nat_mmm() {
	stats | awk '{ if ($1 == 0) print "-\t-\t-"; else print $3 "\t" $2 "\t" $5 }'
}

# Verdict: nat_judge VALUE OP THRESHOLD (OP: ">=", "<", "<=").
nat_judge() {
	awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {
		if (v == "" || v == "-") { print "not measured"; exit }
		if (op == ">=") ok = v + 0 >= t
		else if (op == "<=") ok = v + 0 <= t
		else ok = v + 0 < t
		print ok ? "met" : "MISSED" }'
}

# Paired ratio: the median over rounds of A/B, each round's two samples
# taken a minute apart at most (drift in the machine's load cancels), and
# the smallest and largest of those per-round ratios: "median<TAB>min<TAB>max".
# nat_paired RAW TEST METRIC METHOD_A METHOD_B [SIZE]
nat_paired() {
	jq -s -r --arg t "$2" --arg f "$3" --arg a "$4" --arg b "$5" --arg n "${6:-}" '
		[.[] | select(.test == $t and ($n == "" or ((.size // "") | tostring) == $n))]
		| [group_by(.round)[]
		   | (map(select(.method == $a))[0][$f]) as $x
		   | (map(select(.method == $b))[0][$f]) as $y
		   | select($x != null and $y != null and $y != 0) | $x / $y]
		| sort
		| def r3: . * 1000 | round / 1000;
		  if length == 0 then "-\t-\t-"
		  else (if length % 2 == 1 then .[(length - 1) / 2]
		        else (.[length / 2 - 1] + .[length / 2]) / 2 end | r3 | tostring)
		       + "\t" + (.[0] | r3 | tostring) + "\t" + (.[-1] | r3 | tostring) end' "$1"
}

# The same between two sizes of one method: nat_paired_sizes RAW TEST METRIC METHOD SIZE_A SIZE_B
nat_paired_sizes() {
	jq -s -r --arg t "$2" --arg f "$3" --arg m "$4" --arg a "$5" --arg b "$6" '
		[.[] | select(.test == $t and .method == $m)]
		| [group_by(.round)[]
		   | (map(select((.size | tostring) == $a))[0][$f]) as $x
		   | (map(select((.size | tostring) == $b))[0][$f]) as $y
		   | select($x != null and $y != null and $y != 0) | $x / $y]
		| sort
		| def r3: . * 1000 | round / 1000;
		  if length == 0 then "-\t-\t-"
		  else (if length % 2 == 1 then .[(length - 1) / 2]
		        else (.[length / 2 - 1] + .[length / 2]) / 2 end | r3 | tostring)
		       + "\t" + (.[0] | r3 | tostring) + "\t" + (.[-1] | r3 | tostring) end' "$1"
}

# The same between two tests of one method (the same round's phase), each
# with its metric: nat_paired_tests RAW TEST_A METRIC_A TEST_B METRIC_B METHOD
nat_paired_tests() {
	jq -s -r --arg a "$2" --arg fa "$3" --arg b "$4" --arg fb "$5" --arg m "$6" '
		[.[] | select(.method == $m)]
		| [group_by(.round)[]
		   | (map(select(.test == $a))[0][$fa]) as $x
		   | (map(select(.test == $b))[0][$fb]) as $y
		   | select($x != null and $y != null and $y != 0) | $x / $y]
		| sort
		| def r3: . * 1000 | round / 1000;
		  if length == 0 then "-\t-\t-"
		  else (if length % 2 == 1 then .[(length - 1) / 2]
		        else (.[length / 2 - 1] + .[length / 2]) / 2 end | r3 | tostring)
		       + "\t" + (.[0] | r3 | tostring) + "\t" + (.[-1] | r3 | tostring) end' "$1"
}

# Median, min and max of one metric: nat_mmm_of RAW TEST METRIC METHOD [SIZE]
nat_mmm_of() {
	jq -r --arg t "$2" --arg f "$3" --arg m "$4" --arg n "${5:-}" '
		select(.test == $t and .method == $m and ($n == "" or ((.size // "") | tostring) == $n))
		| .[$f] // empty' "$1" | nat_mmm
}

# A TCP counter of a netns (nstat's absolute value): nat_counter NS NAME
nat_counter() {
	nat_exec "$1" nstat -az "$2" 2>/dev/null | awk -v n="$2" '$1 == n { print $2; exit }'
}

# Run one nsbpf throughout: a copy in the sandbox's scratch directory (the
# BPF objects are inside it, in the skeletons), so a rebuild while the
# benchmark runs cannot change what later phases load. Call after bench_sandbox.
nat_pin_nsbpf() {
	cp "$NSBPF" "$BENCH_SCRATCH/nsbpf" || bench_die "copy $NSBPF"
	# shellcheck disable=SC2034 # the scripts' notes name it
	NSBPF_BUILT=$(stat -c %y "$NSBPF" | cut -d. -f1)
	NSBPF=$BENCH_SCRATCH/nsbpf
}

# nat_report_tail LINE1 LINE2: the end of a report, on stdout: the
# BPF_PROG_TEST_RUN rows ($PROG_ROWS, introduced by the two lines), the
# targets ($TARGETS), the notes (NOTES[]) and the run's environment.
nat_report_tail() {
	if [ -s "$PROG_ROWS" ]; then
		echo "$1"
		echo "$2"
		echo
		echo "| case | prog ns | syscall ns |"
		echo "|---|---:|---:|"
		awk -F'\t' '{ printf "| %s | %s | %s |\n", $1, $2, $3 }' "$PROG_ROWS"
		echo
	fi
	echo "| target | measured | verdict |"
	echo "|---|---|---|"
	awk -F'\t' '{ printf "| %s | %s | %s |\n", $1, $2, $3 }' "$TARGETS"
	echo
	printf -- '- %s\n' "${NOTES[@]}"
	echo "- load average before $(echo "$ENV_BEFORE" | jq -r .loadavg), after $(echo "$ENV_AFTER" | jq -r .loadavg); $(nproc) CPUs, kernel $(uname -r), git $(echo "$ENV_BEFORE" | jq -r .git); $FAILS failure(s); $DISTURBED disturbed phase(s); ${ELAPSED} ms in all."
	echo "- Times depend on what else runs on the machine: compare ratios within one run."
}
