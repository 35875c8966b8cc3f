# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# NAT benchmarks (root; private net + mount namespaces, bench/lib.sh and
# bench/natlib.sh). Included from bench/bench.mk (`-include bench/nat.mk`).
#   make bench-masquerade  node -> world through nsbpf's masquerade, through
#                          ip_forward + iptables MASQUERADE and routed without
#                          NAT: iperf3, rr p50/p99 and round trips/s, new
#                          connections/s on one CPU and on both; BPF_PROG_TEST_RUN
#                          SNAT rows (~7 min)
#   make bench-forwards    world -> node and host -> node through an nsbpf
#                          forward and through iptables DNAT, with 1, 1,000 and
#                          10,000 forwards/rules installed, and routed without
#                          NAT (straight to the node); time to add 10,000 of
#                          them (~11 min)
#   make bench-ipv6        IPv6: node -> world through nsbpf's NAT66, ip6tables
#                          MASQUERADE and routed without NAT; node to node
#                          against a bare veth pair; the world and the host to
#                          a forward against ip6tables DNAT and routed (~5 min)
# Each waits (up to 10 minutes) while bench/forwarding.sh or bench/lifecycle.sh
# runs. Results: bench/results/{masquerade,forwards}.{json,md} (and dated copies).

BENCH_CPS := $(OUT)/bench/cps

.PHONY: bench-masquerade bench-forwards bench-nat bench-nat-tools bench-ipv6

$(BENCH_CPS): bench/cps.c bench/sockaddr.h bench/nat.mk Makefile
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) -std=gnu11 -Wall -Wextra -Werror $(CFLAGS) -D_GNU_SOURCE -o $@ $<

# rr's rule is bench/bench.mk's
bench-nat-tools: $(NSBPF) $(OUT)/bench/rr $(BENCH_CPS)

bench-masquerade: bench-nat-tools $(SELF_BIN)
	NSBPF=$(abspath $(NSBPF)) RR=$(abspath $(OUT)/bench/rr) CPS=$(abspath $(BENCH_CPS)) \
		SELFTESTS=$(abspath $(SELF_BIN)) bench/masquerade.sh

bench-forwards: bench-nat-tools $(SELF_BIN)
	NSBPF=$(abspath $(NSBPF)) RR=$(abspath $(OUT)/bench/rr) CPS=$(abspath $(BENCH_CPS)) \
		SELFTESTS=$(abspath $(SELF_BIN)) bench/forwards.sh

bench-ipv6: bench-nat-tools $(SELF_BIN)
	NSBPF=$(abspath $(NSBPF)) RR=$(abspath $(OUT)/bench/rr) CPS=$(abspath $(BENCH_CPS)) \
		SELFTESTS=$(abspath $(SELF_BIN)) bench/ipv6.sh

bench-nat: bench-nat-tools $(SELF_BIN)
	$(Q)rc=0; \
	$(MAKE) --no-print-directory bench-masquerade || rc=1; \
	$(MAKE) --no-print-directory bench-forwards || rc=1; \
	exit $$rc
