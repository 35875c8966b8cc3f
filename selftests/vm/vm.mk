# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The kernel matrix (selftests/vm/README.md), included by the top Makefile.
#
#   make matrix                     host kernel + every kernel in kernels.list
#   make matrix MATRIX="host 6.1"   only these rows
#   make vm-kernels                 fetch and cache the kernels only

PROG_INSNS := $(OUT)/selftests/prog_insns
MATRIX ?=

.PHONY: matrix vm-kernels

all: $(PROG_INSNS)

$(PROG_INSNS): selftests/vm/prog_insns.c Makefile selftests/vm/vm.mk | $(OUT)/selftests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $< $(shell pkg-config --libs libbpf) -lelf -lz

matrix: all
	$(Q)selftests/vm/run-matrix.sh $(MATRIX)

vm-kernels:
	$(Q)selftests/vm/fetch-kernel.sh $$(awk '!/^#/ && NF { print $$1 }' selftests/vm/kernels.list)
