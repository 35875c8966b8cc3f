#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# run-matrix.sh [ROW...]: the kernel matrix (`make matrix`).
#
# Rows: "host" (the running kernel, natively, in private net and mount
# namespaces with a bpffs of their own) and every NAME of kernels.list, booted
# under qemu with the host's / as a read-only 9p root (selftests/vm/init).
# Default: host and all of kernels.list. Each row runs selftests/vm/guest.sh:
# every BPF program loads (verifier instructions processed), the
# BPF_PROG_TEST_RUN selftests, the lab smoke test in both attach modes, and
# the integration test of a link's netem delay.
# The build must be done (`make matrix` does it first).
#
# Prints a table: kernel x suite x attach mode x result, then the verifier's
# instructions processed per program and kernel, then the logs of what
# failed. A missing kernel package, a guest panic, a kernel splat (BUG,
# WARNING, Oops) on a guest's console, a timeout, a guest that ends without
# writing its status, or a suite with no result is a failure.
# Exit status: 0 when every cell passed, 1 otherwise, 2 on usage.
#
# Environment:
#   NSBPF_VM_CACHE    kernel cache (default selftests/vm/.cache)
#   NSBPF_VM_TIMEOUT  seconds per row before it is killed (default 300)
#   NSBPF_VM_MEM      guest memory (default 512M)
#   NSBPF_VM_JOBS     rows run at once (default: the number of CPUs)
#   NSBPF_STEP_TIMEOUT  seconds per suite inside a row (default 200)
#   NSBPF_VM_OFFLINE  set: use cached kernels only, never ask apt
#   NSBPF_VM_KERNELS  the kernel list (default selftests/vm/kernels.list)
#   NSBPF_VM_GUEST    what each row runs, given its results directory
#                     (default selftests/vm/guest.sh; for testing the runner)
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd -P)
top=$(cd "$here/../.." && pwd -P)
export NSBPF_VM_CACHE=${NSBPF_VM_CACHE:-$here/.cache}
mkdir -p "$NSBPF_VM_CACHE" && NSBPF_VM_CACHE=$(cd "$NSBPF_VM_CACHE" && pwd -P) || exit 2
export NSBPF_VM_KERNELS=${NSBPF_VM_KERNELS:-$here/kernels.list}
guest=${NSBPF_VM_GUEST:-$here/guest.sh}
outdir=$top/.output/matrix
vm_timeout=${NSBPF_VM_TIMEOUT:-300}
mem=${NSBPF_VM_MEM:-512M}
jobs=${NSBPF_VM_JOBS:-$(nproc)}
suites="load selftests smoke:auto smoke:clsact smoke:tcx netem"

die() { echo "matrix: $*" >&2; exit 2; }

kernel_names() { awk '!/^#/ && NF { print $1 }' "$NSBPF_VM_KERNELS"; }

if [ $# -gt 0 ]; then rows=("$@"); else rows=(host $(kernel_names)); fi
for r in "${rows[@]}"; do
	[ "$r" = host ] || kernel_names | grep -qxF -- "$r" ||
		die "no kernel '$r' in $NSBPF_VM_KERNELS"
done

[ "$(id -u)" = 0 ] || die "needs root (BPF, namespaces)"
for f in .output/nsbpf .output/selftests/selftests .output/selftests/prog_insns .output/tests/integ_tests; do
	[ -x "$top/$f" ] || die "no $f: run make first (make matrix does)"
done
# qemu's -fsdev and the kernel command line take these paths as they are.
case "$top$NSBPF_VM_CACHE" in *[\ ,]*) die "paths with spaces or commas: $top, $NSBPF_VM_CACHE" ;; esac
# The guests see the cache through the host's /, where their own tmpfs hide /tmp and /run.
case "$NSBPF_VM_CACHE/" in
"$top"/*) ;;
/tmp/* | /run/* | /dev/* | /proc/* | /sys/*) die "NSBPF_VM_CACHE=$NSBPF_VM_CACHE: the guests cannot see it there" ;;
esac
if [ "${rows[*]}" != host ]; then
	for t in qemu-system-x86_64 cpio modprobe depmod busybox; do
		command -v $t >/dev/null || die "$t is missing: run scripts/install-deps.sh"
	done
fi

# KVM only where the CPU advertises it; TCG otherwise (a /dev/kvm without
# vmx/svm aborts or dies in emulation). Two vCPUs under TCG are no faster
# and crashed at boot now and then: one.
if grep -qwE 'vmx|svm' /proc/cpuinfo && [ -w /dev/kvm ]; then
	accel=(-accel kvm -cpu host)
else
	accel=(-accel tcg)
fi

rm -rf "$outdir"
mkdir -p "$outdir"
# Interrupted: stop the rows. Each runs under timeout(1), in a process group
# of its own, which passes the signal on to qemu or the host row.
stop_rows() {
	trap - INT TERM
	local f
	for f in "$outdir"/*/timeout.pid; do
		[ -e "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
	wait
	echo "matrix: interrupted" >&2
	exit 130
}
trap stop_rows INT TERM

# Host row: guest.sh natively, in private namespaces with their own bpffs.
run_host() {
	local d=$outdir/host
	mkdir -p "$d"
	timeout -k 10 "$vm_timeout" unshare --net --mount -- bash -c \
		'mount --make-rprivate / && mount -t bpf bpf /sys/fs/bpf && exec "$0" "$1"' \
		"$guest" "$d" > "$d/console.log" 2>&1 &
	echo $! > "$d/timeout.pid"
	wait $!
	local st=$?
	[ $st = 124 ] && echo 124 > "$d/qemu.rc" || echo $st > "$d/status"
}

# Prepare a VM row (fetch the kernel, build its initramfs): sets kdir, rel.
prepare_vm() {
	local name=$1 d=$outdir/$1 line
	mkdir -p "$d"
	if ! line=$("$here/fetch-kernel.sh" "$name" 2> "$d/fetch.log" | tail -n 1) || [ -z "$line" ]; then
		echo "kernel package missing: $(tail -n 1 "$d/fetch.log" | sed 's/^fetch-kernel: //')" > "$d/error"
		return 1
	fi
	rel=${line%% *} kdir=${line#* }
	echo "$rel" > "$d/kernel"
	if ! "$here/mkinitramfs.sh" "$kdir" "$rel" "$d/initramfs.cpio" 2>> "$d/fetch.log"; then
		echo "initramfs: $(tail -n 1 "$d/fetch.log")" > "$d/error"
		return 1
	fi
}

run_vm() {
	local name=$1 kdir=$2 rel=$3 d=$outdir/$1 t0
	t0=$(date +%s)
	timeout -k 10 "$vm_timeout" qemu-system-x86_64 "${accel[@]}" -M pc -smp 1 -m "$mem" \
		-nodefaults -no-user-config -display none -no-reboot \
		-kernel "$kdir/vmlinux" -initrd "$d/initramfs.cpio" \
		-serial "file:$d/console.log" \
		-fsdev "local,id=root,path=/,security_model=none,readonly=on,multidevs=remap" \
		-device virtio-9p-pci,fsdev=root,mount_tag=root \
		-fsdev "local,id=work,path=$top,security_model=none,multidevs=remap" \
		-device virtio-9p-pci,fsdev=work,mount_tag=work \
		-append "console=ttyS0 panic=-1 oops=panic loglevel=5 nsbpf_top=$top nsbpf_out=$d nsbpf_kdir=$kdir nsbpf_rel=$rel nsbpf_run=$guest nsbpf_step_timeout=${NSBPF_STEP_TIMEOUT:-200}" \
		> "$d/qemu.log" 2>&1 &
	echo $! > "$d/timeout.pid"
	wait $!
	echo $? > "$d/qemu.rc"
	echo $(($(date +%s) - t0)) > "$d/wall"
}

t_start=$(date +%s)
declare -A kdirs rels
for r in "${rows[@]}"; do
	[ "$r" = host ] && continue
	echo "matrix: fetching kernel $r"
	if prepare_vm "$r"; then
		kdirs[$r]=$kdir rels[$r]=$rel
	else
		echo "matrix: $r: $(cat "$outdir/$r/error")"
	fi
done

echo "matrix: running ${rows[*]} (${accel[1]}, $jobs at a time, ${vm_timeout}s each)"
# The host row takes little CPU: it runs beside the VMs, outside the slots.
running_vms() {
	local p n=0
	for p in "${vm_pids[@]}"; do kill -0 "$p" 2>/dev/null && n=$((n + 1)); done
	echo $n
}
vm_pids=()
for r in "${rows[@]}"; do
	if [ "$r" = host ]; then
		run_host &
	elif [ -n "${kdirs[$r]:-}" ]; then
		while [ "$(running_vms)" -ge "$jobs" ]; do wait -n; done
		run_vm "$r" "${kdirs[$r]}" "${rels[$r]}" &
		vm_pids+=($!)
	fi
done
wait
t_end=$(date +%s)

# ---- the table ----
pass=0 fail=0 skip=0
lines=()
failed_logs=()

# cell KERNEL SUITE ATTACH RESULT SECS DETAIL
cell() {
	lines+=("$(printf '%-26s %-10s %-16s %-6s %4s  %s' "$1" "$2" "$3" "$4" "$5" "$6")")
	case $4 in FAIL) fail=$((fail + 1)) ;; SKIP) skip=$((skip + 1)) ;; *) pass=$((pass + 1)) ;; esac
}

for r in "${rows[@]}"; do
	d=$outdir/$r
	kern=$r
	[ -s "$d/kernel" ] && kern=$(cat "$d/kernel")
	[ "$r" = host ] && kern="host $(uname -r)"
	if [ -e "$d/error" ]; then
		cell "$kern" boot - FAIL - "$(cat "$d/error")"
		failed_logs+=("$d/fetch.log")
		continue
	fi
	broken=""
	if [ "$(cat "$d/qemu.rc" 2>/dev/null)" = 124 ]; then
		broken="timed out after ${vm_timeout}s"
	elif grep -qa 'Kernel panic' "$d/console.log" 2>/dev/null; then
		broken="guest panic: $(grep -a -m1 'Kernel panic' "$d/console.log" | sed 's/^\[[ 0-9.]*\] //')"
	elif [ ! -s "$d/status" ]; then
		broken="ended without writing its status (qemu exit $(cat "$d/qemu.rc" 2>/dev/null))"
		init_msg=$(grep -a '^init: ' "$d/console.log" 2>/dev/null | tail -n 1)
		[ -n "$init_msg" ] && broken="$broken: $init_msg"
	fi
	if [ "$r" != host ]; then
		up=$(sed -n 's/^init: up after \([0-9.]*\)s.*/\1/p' "$d/console.log" 2>/dev/null)
		# A kernel splat during the run fails it too, even when the suites passed.
		splat=$(grep -a -m1 -E '\] (BUG|WARNING|Oops|general protection fault|kernel BUG)' \
			"$d/console.log" 2>/dev/null | sed 's/^\[[ 0-9.]*\] //')
		[ -z "$broken" ] && [ -n "$splat" ] && broken="kernel splat: $splat"
		if [ -n "$broken" ]; then
			cell "$kern" boot - FAIL "$(cat "$d/wall" 2>/dev/null)" "$broken"
			failed_logs+=("$d/console.log")
		else
			cell "$kern" boot - PASS "$(cat "$d/wall")" "shell after ${up:-?}s"
		fi
	elif [ -n "$broken" ]; then
		cell "$kern" run - FAIL - "$broken"
		failed_logs+=("$d/console.log")
	fi
	for s in $suites; do
		suite=${s%%:*} mode=${s#*:}
		if [ "$suite" = smoke ]; then
			if [ "$mode" = auto ]; then
				row=$(awk -F'\t' '$1 == "smoke" && $2 ~ /^auto/' "$d/results.tsv" 2>/dev/null)
			else
				row=$(awk -F'\t' -v m="$mode" '$1 == "smoke" && $2 == m' "$d/results.tsv" 2>/dev/null)
			fi
		else
			row=$(awk -F'\t' -v s="$suite" '$1 == s' "$d/results.tsv" 2>/dev/null)
		fi
		if [ -z "$row" ]; then
			[ "$suite" = smoke ] && att=$mode || att=-
			cell "$kern" "$suite" "$att" FAIL - "no result"
			continue
		fi
		IFS=$'\t' read -r _ att res secs detail <<< "$row"
		cell "$kern" "$suite" "$att" "$res" "$secs" "$detail"
		if [ "$res" = FAIL ]; then
			case $suite in
			load) failed_logs+=("$d/load.log") ;;
			selftests) failed_logs+=("$d/selftests.log") ;;
			netem) failed_logs+=("$d/netem.log") ;;
			smoke) failed_logs+=("$d/smoke-$mode.log") ;;
			esac
		fi
	done
	if [ -s "$d/status" ] && [ "$(cat "$d/status")" != 0 ] &&
	   ! awk -F'\t' '$3 == "FAIL"' "$d/results.tsv" | grep -q .; then
		cell "$kern" guest - FAIL - "exit $(cat "$d/status")"
		failed_logs+=("$d/console.log")
	fi
done

for f in "${failed_logs[@]}"; do
	echo
	echo "---- ${f#"$top"/} (last 30 lines) ----"
	tail -n 30 "$f" 2>/dev/null || echo "(missing)"
done

echo
echo "== kernel matrix: $((t_end - t_start))s, ${accel[1]} (timings under TCG say nothing about speed) =="
printf '%-26s %-10s %-16s %-6s %4s  %s\n' kernel suite attach result secs detail
printf '%s\n' "${lines[@]}"

# Verifier instructions processed, one column per kernel.
echo
echo "== verifier instructions processed per program =="
{
	printf 'program'
	for r in "${rows[@]}"; do printf '\t%s' "$r"; done
	printf '\n'
	cat "$outdir"/*/insns.txt 2>/dev/null | awk '{ print $1 "/" $2 }' | sort -u |
	while read -r p; do
		printf '%s' "$p"
		for r in "${rows[@]}"; do
			v=$(awk -v p="$p" '$1 "/" $2 == p { print $3 }' "$outdir/$r/insns.txt" 2>/dev/null)
			printf '\t%s' "${v:--}"
		done
		printf '\n'
	done
} | awk -F'\t' '{ for (i = 1; i <= NF; i++) { c[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) }
		  n[NR] = NF }
	END { for (r = 1; r <= NR; r++) { for (i = 1; i <= n[r]; i++)
			printf i < n[r] ? "%-*s  " : "%.0s%s\n", w[i], c[r, i] } }'

echo
echo "logs: ${outdir#"$top"/}/<kernel>/"
echo "matrix: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
