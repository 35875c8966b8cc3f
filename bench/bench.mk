# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Benchmarks (root; each runs in private net + mount namespaces, bench/lib.sh).
# Included by the top-level Makefile.
#   make bench            lifecycle + forwarding + BPF_PROG_TEST_RUN (~5 min)
#   make bench-lifecycle  nsbpf up/down vs a per-command script and ip -batch
#   make bench-forwarding iperf3 and TCP request/response: nsbpf, bridge, veth
#   make bench-prog       from_node ns/packet under BPF_PROG_TEST_RUN, if built
#   make bench-cni        the CNI plugin against bridge + portmap: ADD/DEL of
#                         100 containers, RR and iperf3 between containers and
#                         to a published port (~5 min; QUICK=1: ~1 min)
#   make bench-full       all of it with more runs (lifecycle 5/5/3 runs, the
#                         script at 500 nodes, a profile of nsbpf up/down;
#                         forwarding 5 rounds of 5 s): about 8 minutes
# Results: bench/results/*.json and *.md (gitignored). Times depend on what
# else runs on the machine: read the ratios, which come from one run.

BENCH_OUT := $(OUT)/bench
BENCH_RR  := $(BENCH_OUT)/rr

.PHONY: bench bench-lifecycle bench-forwarding bench-prog bench-full bench-tools bench-cni

$(BENCH_OUT):
	$(Q)mkdir -p $@

$(BENCH_RR): bench/rr.c bench/sockaddr.h bench/bench.mk Makefile | $(BENCH_OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) -std=gnu11 -Wall -Wextra -Werror $(CFLAGS) -D_GNU_SOURCE -o $@ $<

bench-tools: $(NSBPF) $(BENCH_RR)

# The default `make bench` fits in about 5 minutes on 2 CPUs: fewer runs than
# bench-full, and the per-command script and nsbpf-tcx are left out at 500
# nodes (each takes tens of seconds per run there).
BENCH_LIFECYCLE_ENV ?= RUNS_10=5 RUNS_100=3 RUNS_500=1 SCRIPT_MAX_RUNS_500=0 TCX_MAX_RUNS_500=0

# Through a variable: a recipe that names $(MAKE) itself runs even under
# `make -n`, and this one would run the benchmarks.
BENCH_SUBMAKE = $(MAKE) --no-print-directory

bench: bench-tools
	$(Q)rc=0; \
	NSBPF=$(abspath $(NSBPF)) $(BENCH_LIFECYCLE_ENV) bench/lifecycle.sh || rc=1; \
	NSBPF=$(abspath $(NSBPF)) RR=$(abspath $(BENCH_RR)) bench/forwarding.sh || rc=1; \
	$(BENCH_SUBMAKE) bench-prog || rc=1; \
	exit $$rc

bench-lifecycle: $(NSBPF)
	NSBPF=$(abspath $(NSBPF)) $(BENCH_LIFECYCLE_ENV) bench/lifecycle.sh

bench-full: bench-tools
	$(Q)rc=0; \
	NSBPF=$(abspath $(NSBPF)) PROFILE=1 bench/lifecycle.sh || rc=1; \
	NSBPF=$(abspath $(NSBPF)) RR=$(abspath $(BENCH_RR)) ROUNDS=5 SECS=5 bench/forwarding.sh || rc=1; \
	$(BENCH_SUBMAKE) bench-prog || rc=1; \
	exit $$rc

bench-cni: bench-tools $(CNI_BIN)
	NSBPF=$(abspath $(NSBPF)) RR=$(abspath $(BENCH_RR)) NSBPF_CNI=$(abspath $(CNI_BIN)) \
		bench/cni.sh $(if $(QUICK),--quick)

bench-forwarding: bench-tools
	NSBPF=$(abspath $(NSBPF)) RR=$(abspath $(BENCH_RR)) bench/forwarding.sh

# Another engineer's selftest (selftests/bench_prog.c): run it when it is
# there and builds, say so when it is not (exit 77 from bench/prog.sh too).
bench-prog:
	$(Q)if [ ! -f selftests/bench_prog.c ]; then \
		echo "bench-prog: no selftests/bench_prog.c: skipped"; \
	elif ! $(BENCH_SUBMAKE) $(SELF_BIN) >/dev/null 2>&1; then \
		echo "bench-prog: $(SELF_BIN) does not build: skipped"; \
	else \
		bench/prog.sh $(abspath $(SELF_BIN)); rc=$$?; \
		if [ $$rc = 77 ]; then echo "bench-prog: skipped"; exit 0; fi; \
		exit $$rc; \
	fi

# The NAT benchmarks (masquerade, forwards) live in their own file.
-include bench/nat.mk
