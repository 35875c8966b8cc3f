# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# shellcheck shell=bash
# Shared by the benchmarks (bash): the private "host" sandbox, clean-up,
# timing, statistics, result files. Source it, then call `bench_sandbox "$@"`
# first thing: the script re-executes itself inside fresh net and mount
# namespaces and refuses to run anywhere else.
#
# Sandbox: private net + mount namespaces (unshare), tmpfs on /run/netns and
# /run/nsbpf, a fresh bpffs on /sys/fs/bpf, a tmpfs scratch directory; the
# same shape as tests/integ/harness.c. Everything a benchmark creates lives
# in there and goes when it exits; the EXIT trap removes it explicitly too.

BENCH_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_RESULTS=${BENCH_RESULTS:-$BENCH_TOP/bench/results}
NSBPF=${NSBPF:-$BENCH_TOP/.output/nsbpf}
BENCH_INIT_NETNS_INO=4026531833	# 0xEFFFFFF9: the initial netns on kernels >= 3.8

bench_log() { printf '%s: %s\n' "${BENCH_NAME:-bench}" "$*" >&2; }
bench_die() { bench_log "$*"; exit 1; }

netns_ino() { stat -L -c %i "/proc/$1/ns/net" 2>/dev/null; }

# bench_sandbox "$@": re-exec inside private namespaces, then set them up.
bench_sandbox() {
	if [ "${NSB_BENCH_INSIDE:-}" != 1 ]; then
		[ "$(id -u)" = 0 ] || bench_die "needs root (namespaces, bpf)"
		command -v unshare >/dev/null || bench_die "needs unshare (util-linux)"
		NSB_BENCH_INSIDE=1 NSB_BENCH_OUTER_NETNS=$(netns_ino self) \
			exec unshare --net --mount --propagation private bash "$0" "$@"
	fi
	local self init
	self=$(netns_ino self)
	init=$(netns_ino 1)
	# Never in the machine's initial namespace, nor in the one we came from.
	if [ -z "$self" ] || [ "$self" = "$BENCH_INIT_NETNS_INO" ] ||
	   [ "$self" = "${NSB_BENCH_OUTER_NETNS:-}" ] || [ "$self" = "$init" ]; then
		echo "${BENCH_NAME:-bench}: still in the machine's initial network namespace: refusing to run" >&2
		exit 1
	fi
	trap bench__exit EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	BENCH_OWN_RUN=0
	mkdir -p /run/netns /run/nsbpf
	mount -t tmpfs -o mode=0755 tmpfs /run/netns || bench_die "tmpfs on /run/netns"
	mount -t tmpfs -o mode=0755 tmpfs /run/nsbpf || bench_die "tmpfs on /run/nsbpf"
	mount -t bpf -o mode=0700 bpf /sys/fs/bpf || bench_die "bpffs on /sys/fs/bpf"
	# From here on /run/netns and /run/nsbpf hold only what we create.
	BENCH_OWN_RUN=1
	BENCH_SCRATCH=$(mktemp -d /tmp/nsbpf-bench.XXXXXX) || bench_die "mktemp"
	mount -t tmpfs -o mode=0700 tmpfs "$BENCH_SCRATCH" || bench_die "tmpfs on scratch"
	ip link set lo up
	BENCH_PIDS=""
}

# Processes we started: killed by pid on exit.
bench_track() { BENCH_PIDS="$BENCH_PIDS $*"; }
bench_untrack() {
	local p keep=""
	for p in $BENCH_PIDS; do
		[ "$p" = "$1" ] || keep="$keep $p"
	done
	BENCH_PIDS=$keep
}

bench_kill() {
	local p
	for p in "$@"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "$@"; do
		# bounded: 2 s, then SIGKILL
		local i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 20 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
}

bench__exit() {
	local rc=$? lab ns p
	trap - EXIT INT TERM
	if declare -F bench_cleanup >/dev/null; then
		bench_cleanup
	fi
	# shellcheck disable=SC2086
	[ -n "${BENCH_PIDS// /}" ] && bench_kill $BENCH_PIDS
	# Not before our own tmpfs is on /run/netns and /run/nsbpf: those are
	# the machine's own otherwise (a private mount does not make unlink so).
	[ "${BENCH_OWN_RUN:-0}" = 1 ] && for lab in /run/nsbpf/*; do
		[ -d "$lab" ] && "$NSBPF" down "${lab##*/}" >/dev/null 2>&1
	done
	[ "${BENCH_OWN_RUN:-0}" = 1 ] && for ns in /run/netns/*; do
		[ -e "$ns" ] || continue
		ns=${ns##*/}
		# anything still running in a namespace we created is ours
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	for p in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//'); do
		[ "$p" = lo ] || ip link del "$p" 2>/dev/null
	done
	if [ -n "${BENCH_SCRATCH:-}" ]; then
		umount "$BENCH_SCRATCH" 2>/dev/null
		rmdir "$BENCH_SCRATCH" 2>/dev/null
	fi
	exit $rc
}

# ---- timing ----

# Nanoseconds since the epoch; bash's EPOCHREALTIME saves a fork when there.
now_ns() {
	if [ -n "${EPOCHREALTIME:-}" ]; then
		local t=${EPOCHREALTIME/[.,]/}
		echo "${t}000"
	else
		date +%s%N
	fi
}

# ms_since T0_NS: milliseconds (one decimal) since T0.
ms_since() {
	local t1
	t1=$(now_ns)
	awk -v a="$1" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e6 }'
}

# A command with a wall-clock bound: bounded CMD... (BENCH_TIMEOUT seconds).
bounded() { timeout --kill-after=5 "${BENCH_TIMEOUT:-120}" "$@"; }

# ---- statistics ----

# stats < numbers: "n min p50 p99 max mean" (p50 is the median; p99 nearest rank).
stats() {
	sort -g | awk '
		{ v[NR] = $1; s += $1 }
		END {
			if (!NR) { print "0 - - - - -"; exit }
			if (NR % 2) med = v[(NR + 1) / 2]
			else med = (v[NR / 2] + v[NR / 2 + 1]) / 2
			r = int(0.99 * NR + 0.999999); if (r < 1) r = 1; if (r > NR) r = NR
			printf "%d %g %g %g %g %g\n", NR, v[1], med, v[r], v[NR], s / NR
		}'
}

# ratio A B: A/B with two decimals, "-" when either is missing or B is zero.
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a == "" || b == "" || a == "-" || b == "-" || b + 0 == 0) print "-"
		else printf "%.2f", a / b }'
}

# ---- environment and results ----

# What a result is worth depends on what else ran: record it.
bench_env_json() {
	local load rev
	load=$(cut -d' ' -f1-3 /proc/loadavg)
	rev=$(git -C "$BENCH_TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)
	if ! git -C "$BENCH_TOP" diff --quiet HEAD 2>/dev/null; then
		rev="$rev+dirty"
	fi
	jq -n --arg kernel "$(uname -r)" --arg cpus "$(nproc)" \
		--arg cpu "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)" \
		--arg load "$load" --arg rev "$rev" --arg iproute "$(ip -V 2>&1)" \
		--arg nsbpf "$("$NSBPF" version 2>/dev/null)" \
		'{kernel: $kernel, cpus: ($cpus | tonumber), cpu: $cpu, loadavg: $load,
		  git: $rev, iproute2: $iproute, nsbpf: $nsbpf}'
}

# bench_save NAME JSON_FILE MD_FILE: copy into bench/results/ as NAME-STAMP.*
# and NAME.* (the latest run).
bench_save() {
	local name=$1 json=$2 md=$3 stamp
	stamp=$(date +%Y%m%d-%H%M%S)
	mkdir -p "$BENCH_RESULTS"
	cp "$json" "$BENCH_RESULTS/$name-$stamp.json"
	cp "$json" "$BENCH_RESULTS/$name.json"
	cp "$md" "$BENCH_RESULTS/$name-$stamp.md"
	cp "$md" "$BENCH_RESULTS/$name.md"
	bench_log "results: $BENCH_RESULTS/$name.json, $BENCH_RESULTS/$name.md (and *-$stamp.*)"
}

# ---- namespaces ----

# The kernel frees a deleted netns later, in a work queue. Before the next
# measurement, wait (bounded) until the net_namespace slab is back near its
# level before the run, so one run's clean-up does not bill the next.
netns_slab() { awk '$1 == "net_namespace" { print $2 }' /proc/slabinfo 2>/dev/null; }

dworkers() { ps -e -o stat=,comm= | awk '$1 ~ /^D/ && $2 ~ /^kworker/' | wc -l; }

netns_settle() {
	local base=$1 limit=${2:-20} cur prev="" same=0 i=0
	[ -n "$base" ] || { sleep 1; return; }
	while [ $i -lt $((limit * 10)) ]; do
		cur=$(netns_slab)
		if [ "$cur" = "$prev" ]; then
			same=$((same + 1))
		else
			same=0
		fi
		# 14: two slabs of slack (per-CPU slabs keep objects counted).
		# Work queued by the last run (bpf link release, netns clean-up)
		# shows as kworkers blocked in D state: wait for those too.
		# Freed netns can linger (references dropped later): a level
		# that holds still for half a second counts as settled too.
		if [ $same -ge 2 ] && { [ "$cur" -le $((base + 14)) ] || [ $same -ge 5 ]; } &&
		   [ "$(dworkers)" -le 2 ]; then
			return 0
		fi
		prev=$cur
		sleep 0.1
		i=$((i + 1))
	done
	bench_log "clean-up did not settle in ${limit}s (netns slab $cur, before $base; $(dworkers) kworkers in D state): going on"
}
