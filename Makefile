# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# nsbpf: `make` builds quietly, `make V=1` shows the commands.

VERSION   := 0.1.0
PREFIX    ?= /usr/local
OUT       := .output
CC        ?= gcc
CLANG     ?= clang
BPFTOOL   ?= $(shell command -v bpftool 2>/dev/null || echo /usr/sbin/bpftool)
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
ARCH      := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

PKGS      := libbpf libnl-route-3.0 yaml-0.1
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS  := $(shell pkg-config --libs $(PKGS)) -lelf -lz

CFLAGS    ?= -O2 -g
WARN      := -Wall -Wextra -Werror
CPPFLAGS  := -D_GNU_SOURCE -DNSBPF_VERSION='"$(VERSION)"' -Iloader -Imaps -I$(OUT) $(PKG_CFLAGS)
ALL_CFLAGS := -std=gnu11 $(WARN) $(CFLAGS) -MMD -MP
BPF_CFLAGS := -target bpf -D__TARGET_ARCH_$(ARCH) -O2 -g -Wall -Werror -MMD -MP \
	      -I$(OUT) -Imaps -Ibpf

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(OUT)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS     := $(patsubst bpf/%.bpf.c,$(OUT)/%.skel.h,$(BPF_SRCS))

# loader/{util,sys,topo,lab,cli}/: see "Code map" in the README.
LOADER_SRCS := $(filter-out loader/cni/%,$(wildcard loader/*/*.c))
LOADER_OBJS := $(patsubst loader/%.c,$(OUT)/loader/%.o,$(LOADER_SRCS))
LIB_OBJS  := $(filter-out $(OUT)/loader/cli/main.o,$(LOADER_OBJS))

# The CNI plugin (loader/cni/, on the lab layer): its own binary, JSON by jansson.
CNI_SRCS  := $(wildcard loader/cni/*.c)
CNI_OBJS  := $(patsubst loader/%.c,$(OUT)/loader/%.o,$(CNI_SRCS))
CNI_LIB_OBJS := $(filter-out $(OUT)/loader/cni/main.o,$(CNI_OBJS))
CNI_LIBS  := $(shell pkg-config --libs jansson)
CNI_BIN   := $(OUT)/nsbpf-cni
CNIDIR    ?= $(PREFIX)/lib/cni

UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_OBJS := $(patsubst tests/unit/%.c,$(OUT)/tests/unit/%.o,$(UNIT_SRCS))
INTEG_SRCS := $(wildcard tests/integ/*.c)
INTEG_OBJS := $(patsubst tests/integ/%.c,$(OUT)/tests/integ/%.o,$(INTEG_SRCS))
SELF_SRCS := $(wildcard selftests/*.c)
# BPF objects only the selftests load (selftests/bpf/), built as bpf/'s are
SELF_BPF_SRCS := $(wildcard selftests/bpf/*.bpf.c)
SELF_BPF_OBJS := $(patsubst selftests/bpf/%.bpf.c,$(OUT)/selftests/bpf/%.bpf.o,$(SELF_BPF_SRCS))
SELF_SKELS := $(patsubst selftests/bpf/%.bpf.c,$(OUT)/%.skel.h,$(SELF_BPF_SRCS))
SELF_OBJS := $(patsubst selftests/%.c,$(OUT)/selftests/%.o,$(SELF_SRCS))

NSBPF     := $(OUT)/nsbpf

# Man pages: scdoc sources in man/, roff in $(OUT)/man/ (part of `all` when scdoc is there).
SCDOC     ?= $(shell command -v scdoc 2>/dev/null)
MAN_SRCS  := $(wildcard man/*.scd)
MAN_PAGES := $(patsubst man/%.scd,$(OUT)/man/%,$(MAN_SRCS))
BINDIR    ?= $(PREFIX)/sbin
MANDIR    ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
UNIT_BIN  := $(OUT)/tests/unit_tests
INTEG_BIN := $(OUT)/tests/integ_tests
SELF_BIN  := $(OUT)/selftests/selftests

# Criterion flags: integration tests share the machine's namespaces, one at a time.
CRITERION_FLAGS ?= --verbose=0
INTEG_FLAGS ?= --jobs 1

.PHONY: all test unit selftest integ check vmlinux clean install uninstall man help
# Skeletons are made from the objects; keep the objects too.
.SECONDARY: $(BPF_OBJS) $(SELF_BPF_OBJS)
.DEFAULT_GOAL := all

all: $(NSBPF) $(CNI_BIN) $(UNIT_BIN) $(SELF_BIN) $(INTEG_BIN) $(if $(SCDOC),man)

help:
	@echo 'targets:'
	@echo '  all       build nsbpf, the BPF objects and the test binaries (default)'
	@echo '  test      unit tests, BPF selftests, integration tests (tcx and clsact)'
	@echo '  unit      unit tests only (no root needed)'
	@echo '  selftest  BPF_PROG_TEST_RUN selftests (root)'
	@echo '  fuzz      the datapath fuzzer, 60 s (root; FUZZ_SEED, FUZZ_PACKETS, FUZZ_SECONDS)'
	@echo '  integ     integration tests in private namespaces (root)'
	@echo '  matrix    selftests and a lab smoke test in VMs booting other kernels'
	@echo '  bench     benchmarks, nsbpf against the iptables/bridge way'
	@echo '  check     static checks (cppcheck, clang-format)'
	@echo '  vmlinux   regenerate vmlinux.h from $(VMLINUX_BTF)'
	@echo '  man       the man pages nsbpf(1), nsbpf-topology(5) from man/*.scd (scdoc)'
	@echo '  install   nsbpf, its man pages and bash completion under $$(DESTDIR)$$(PREFIX) (PREFIX=$(PREFIX))'
	@echo '  uninstall remove what install put there'
	@echo '  clean     remove $(OUT)'

$(OUT) $(OUT)/bpf $(OUT)/loader $(OUT)/tests/unit $(OUT)/tests/integ $(OUT)/selftests $(OUT)/man:
	$(Q)mkdir -p $@

# vmlinux.h comes from the build machine's BTF (CO-RE relocates it for the
# running kernel). Without /sys/kernel/btf/vmlinux, point VMLINUX_BTF at a
# vmlinux or BTF file with `make VMLINUX_BTF=...`.
$(OUT)/vmlinux.h: | $(OUT)
	$(call msg,GEN,$@)
	$(Q)if [ ! -r $(VMLINUX_BTF) ]; then \
		echo "no BTF at $(VMLINUX_BTF): build with VMLINUX_BTF=/path/to/vmlinux" >&2; exit 1; \
	fi
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@.tmp && mv $@.tmp $@

vmlinux:
	$(Q)rm -f $(OUT)/vmlinux.h
	$(Q)$(MAKE) --no-print-directory $(OUT)/vmlinux.h

$(OUT)/bpf/%.bpf.o: bpf/%.bpf.c $(OUT)/vmlinux.h Makefile | $(OUT)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/selftests/bpf/%.bpf.o: selftests/bpf/%.bpf.c $(OUT)/vmlinux.h Makefile
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(SELF_SKELS): $(OUT)/%.skel.h: $(OUT)/selftests/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name nsbpf_$* > $@.tmp && mv $@.tmp $@

$(OUT)/%.skel.h: $(OUT)/bpf/%.bpf.o | $(OUT)
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name nsbpf_$* > $@.tmp && mv $@.tmp $@

# Every userspace object may include a skeleton: build them first.
$(OUT)/loader/%.o: loader/%.c Makefile $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c $< -o $@

$(OUT)/tests/unit/%.o: tests/unit/%.c Makefile $(SKELS) | $(OUT)/tests/unit
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) -Itests $(ALL_CFLAGS) -c $< -o $@

$(OUT)/tests/integ/%.o: tests/integ/%.c Makefile $(SKELS) | $(OUT)/tests/integ
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) -Itests $(ALL_CFLAGS) -c $< -o $@

$(OUT)/selftests/%.o: selftests/%.c Makefile $(SKELS) $(SELF_SKELS) | $(OUT)/selftests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) -Iselftests $(ALL_CFLAGS) -c $< -o $@

$(NSBPF): $(LOADER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(PKG_LIBS)

$(CNI_BIN): $(CNI_OBJS) $(LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(PKG_LIBS) $(CNI_LIBS)

$(UNIT_BIN): $(UNIT_OBJS) $(LIB_OBJS) $(CNI_LIB_OBJS) | $(OUT)/tests/unit
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(PKG_LIBS) $(CNI_LIBS) -lcriterion

$(INTEG_BIN): $(INTEG_OBJS) $(LIB_OBJS) | $(OUT)/tests/integ
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(PKG_LIBS) -lcriterion

$(SELF_BIN): $(SELF_OBJS) $(LIB_OBJS) | $(OUT)/selftests
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(PKG_LIBS) -lcriterion

unit: $(UNIT_BIN)
	$(UNIT_BIN) $(CRITERION_FLAGS)

# The selftests send no traffic; a private netns keeps it that way.
selftest: $(SELF_BIN)
	unshare --net $(SELF_BIN) $(CRITERION_FLAGS)

# The datapath fuzzer (selftests/fuzz.c): 60 s or 5,000,000 frames, whichever
# comes first, a random seed; a failure prints the FUZZ_SEED=... FUZZ_PACKETS=...
# that replays it. Known bugs are not stepped over here (scripts/run-tests.sh does).
.PHONY: fuzz
fuzz: $(SELF_BIN)
	FUZZ_SECONDS=$${FUZZ_SECONDS:-60} FUZZ_PACKETS=$${FUZZ_PACKETS:-5000000} \
		unshare --net $(SELF_BIN) $(CRITERION_FLAGS) --filter 'fuzz/*'

# Each integration test enters private net and mount namespaces of its own
# (tests/integ/harness.c) and refuses to run in the machine's initial one.
integ: $(NSBPF) $(INTEG_BIN)
	NSBPF=$(abspath $(NSBPF)) NSBPF_ATTACH=auto $(INTEG_BIN) $(CRITERION_FLAGS) $(INTEG_FLAGS)
	for f in datapath masq forward multilab; do NSBPF=$(abspath $(NSBPF)) NSBPF_ATTACH=tcx \
		$(INTEG_BIN) $(CRITERION_FLAGS) $(INTEG_FLAGS) --filter "$$f/*" || exit 1; done
	for f in masq forward hardening multilab; do NSBPF=$(abspath $(NSBPF)) NSBPF_ATTACH=clsact \
		$(INTEG_BIN) $(CRITERION_FLAGS) $(INTEG_FLAGS) --filter "$$f/*" || exit 1; done

test: all
	$(Q)scripts/run-tests.sh

# cppcheck on the userspace code; it cannot expand libbpf's and Criterion's
# declaration macros without their headers, hence unknownMacro. Then the
# format of every C file against .clang-format (clang-format -i FILE fixes one).
CLANG_FORMAT ?= clang-format
FORMAT_SRCS := $(wildcard loader/*/*.[ch] tests/*/*.[ch] selftests/*.[ch] selftests/*/*.[ch] \
		 bench/*.[ch] bpf/*.[ch] bpf/lib/*.h maps/*.h)

# cppcheck reads the skeletons without the BPF objects they embed: parsing
# node.skel.h's 4 MB string literal took it 4 minutes per file that includes it.
CHECK_SKELS := $(patsubst $(OUT)/%,$(OUT)/cppcheck/%,$(SKELS))

$(OUT)/cppcheck/%.skel.h: $(OUT)/%.skel.h
	$(Q)mkdir -p $(@D)
	$(Q)awk '/return \(const void \*\)"\\$$/ { print "\treturn (const void *)\"\";"; skip = 1; next } \
		skip { if ($$0 ~ /";$$/) skip = 0; next } { print }' $< > $@

check: $(CHECK_SKELS)
	cppcheck -j2 --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr \
		--suppress=unknownMacro --suppress=missingIncludeSystem \
		-D_GNU_SOURCE -Iloader -Imaps -I$(OUT)/cppcheck loader tests selftests/*.c bench/*.c
	$(CLANG_FORMAT) --dry-run -Werror $(FORMAT_SRCS)

man: $(MAN_PAGES)

$(OUT)/man/%: man/%.scd | $(OUT)/man
	$(call msg,SCDOC,$@)
	$(Q)if [ -z "$(SCDOC)" ]; then echo "man: scdoc is missing (apt-get install scdoc)" >&2; exit 1; fi
	$(Q)$(SCDOC) < $< > $@.tmp && mv $@.tmp $@

# The man pages go in when scdoc could build them (a note says so otherwise).
install: $(NSBPF) $(CNI_BIN) $(if $(SCDOC),man)
	install -D -m 0755 $(NSBPF) $(DESTDIR)$(BINDIR)/nsbpf
	install -D -m 0755 $(CNI_BIN) $(DESTDIR)$(CNIDIR)/nsbpf
	$(if $(SCDOC),,@echo "install: no scdoc, no man pages (apt-get install scdoc)" >&2)
	$(foreach p,$(if $(SCDOC),$(MAN_PAGES)),install -D -m 0644 $(p) \
		$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(p)))/$(notdir $(p)) &&) true
	install -D -m 0644 completion/nsbpf.bash $(DESTDIR)$(BASHCOMPDIR)/nsbpf

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/nsbpf $(DESTDIR)$(CNIDIR)/nsbpf $(DESTDIR)$(BASHCOMPDIR)/nsbpf \
		$(foreach p,$(MAN_PAGES),$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(p)))/$(notdir $(p)))

clean:
	$(call msg,CLEAN,$(OUT))
	$(Q)rm -rf $(OUT)

-include selftests/vm/vm.mk
-include bench/bench.mk
-include $(wildcard $(OUT)/*/*.d $(OUT)/*/*/*.d $(OUT)/*/*/*/*.d)
