# openvpn-mcast - per-client multicast for OpenVPN TAP servers.
# Plain GNU make. `make`, `make check`, `make install`, `make clean`.

VERSION    := 0.1.0
PREFIX     ?= /usr/local
DESTDIR    ?=
PLUGINDIR  ?= $(PREFIX)/lib/openvpn/plugins
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
DOCDIR     ?= $(PREFIX)/share/doc/openvpn-mcast

CC         ?= cc
PKG_CONFIG ?= pkg-config
PKGS       := libpcap libconfig libnftables libbpf
CLANG      ?= clang
BPFTOOL    ?= bpftool

# CI builds with -Werror; so does WERROR=1 anywhere.
ifeq ($(CI),true)
WERROR ?= 1
endif

CFLAGS   ?= -O2 -g
# `make V=1` shows the full commands.
Q := $(if $(filter 1,$(V)),,@)
CFLAGS   += -std=gnu11 -Wall -Wextra $(if $(filter 1,$(WERROR)),-Werror)
CPPFLAGS += -Iinclude -Ihelper/core -Ihelper/edge -Ihelper/daemon -D_GNU_SOURCE -DVERSION='"$(VERSION)"' \
	    -DDEFAULT_HELPER='"$(SBINDIR)/openvpn-mcast-helper"'

# The helper's default path is compiled in: rebuild what embeds it when
# PREFIX or SBINDIR change (e.g. `make install PREFIX=/usr` after `make`).
PATH_STAMP := .sbindir-stamp
ifneq ($(filter-out clean deps distclean,$(or $(MAKECMDGOALS),all)),)
$(shell echo '$(SBINDIR)' | cmp -s - $(PATH_STAMP) 2>/dev/null || echo '$(SBINDIR)' >$(PATH_STAMP))
endif

PLUGIN     := plugin/openvpn-plugin-mcast.so
HELPER     := helper/openvpn-mcast-helper

HELPER_SRCS := $(wildcard helper/core/*.c helper/edge/*.c helper/daemon/*.c)
HELPER_OBJS := $(HELPER_SRCS:.c=.o)
# Everything but main(): what unit tests, the fuzzer and benchmarks link.
CORE_OBJS   := $(filter-out helper/daemon/main.o,$(HELPER_OBJS))
# The plugin shares the wire protocol and the config parser with the helper.
PLUGIN_SRCS := $(wildcard plugin/*.c) helper/core/proto.c helper/core/config.c helper/core/policy.c \
	       helper/edge/mroute.c
PLUGIN_OBJS := $(patsubst %.c,%.pic.o,$(PLUGIN_SRCS))
# Plugin code without OpenVPN entry points, for unit tests.
PLUGIN_CORE_OBJS := $(patsubst %.c,%.o,$(filter-out plugin/plugin.c,$(wildcard plugin/*.c)))

UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(UNIT_SRCS:.c=)

# pkg-config is only needed to build, not for `make clean` or `make deps`.
NEED_LIBS := $(filter-out clean deps distclean,$(or $(MAKECMDGOALS),all))
ifneq ($(NEED_LIBS),)
LIB_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
LIB_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)
PLUGIN_LIBS := $(shell $(PKG_CONFIG) --libs libconfig 2>/dev/null)
endif

.PHONY: all check unit e2e deps fuzz fuzz-check bench bench-lookup bench-e2e install clean dev demo deb

all: $(PLUGIN) $(HELPER)

HDRS := $(wildcard helper/*/*.h helper/edge/bpf/*.h plugin/*.h include/*.h)

# The in-kernel data plane: tc programs built for the BPF target and
# embedded in the helper as a bpftool skeleton (tcbpf.c loads it).
BPF_OBJ  := helper/edge/bpf/mcast_tc.bpf.o
BPF_SKEL := helper/edge/bpf/mcast_tc.skel.h

$(BPF_OBJ): helper/edge/bpf/mcast_tc.bpf.c helper/edge/bpf/dp_core.h
	@echo '  CLANG   $@'
	$(Q)$(CLANG) -O2 -g -Wall -target bpf -I/usr/include/$(shell $(CC) -dumpmachine) \
		-Ihelper/edge/bpf -c -o $@ $<

$(BPF_SKEL): $(BPF_OBJ)
	@echo '  GEN     $@'
	$(Q)$(BPFTOOL) gen skeleton $< name mcast_tc_bpf >$@.tmp && mv $@.tmp $@

helper/edge/tcbpf.o: $(BPF_SKEL)

helper/%.o: helper/%.c $(HDRS)
	@echo '  CC      $@'
	$(Q)$(CC) $(CPPFLAGS) $(LIB_CFLAGS) $(CFLAGS) -c -o $@ $<

plugin/%.o: plugin/%.c $(HDRS)
	@echo '  CC      $@'
	$(Q)$(CC) $(CPPFLAGS) $(LIB_CFLAGS) $(CFLAGS) -c -o $@ $<

%.pic.o: %.c $(HDRS)
	@echo '  CC      $@'
	$(Q)$(CC) $(CPPFLAGS) $(LIB_CFLAGS) $(CFLAGS) -fPIC -fvisibility=hidden -c -o $@ $<

helper/core/config.o helper/core/config.pic.o: $(PATH_STAMP)

$(HELPER): $(HELPER_OBJS)
	@echo '  CC      $@'
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIB_LIBS)

$(PLUGIN): $(PLUGIN_OBJS) plugin/exports.map
	@echo '  CC      $@'
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -shared -Wl,--version-script=plugin/exports.map \
		-o $@ $(PLUGIN_OBJS) $(PLUGIN_LIBS)

tests/unit/test_%: tests/unit/test_%.c $(CORE_OBJS) $(PLUGIN_CORE_OBJS) $(wildcard tests/unit/*.h)
	@echo '  CC      $@'
	$(Q)$(CC) $(CPPFLAGS) $(LIB_CFLAGS) $(CFLAGS) -Iplugin -Itests/unit -o $@ $< $(CORE_OBJS) $(PLUGIN_CORE_OBJS) \
		$(LIB_LIBS) $(CMOCKA_LIBS)

# Installs missing Debian packages (needs root), or says what to run.
deps:
	@sh tests/deps.sh

unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do ./$$t; done

e2e: all
	@sh tests/e2e/run.sh

check: deps
	@$(MAKE) --no-print-directory all $(UNIT_BINS) $(TOOLS) tests/demo/chanmeter
	@sh tests/run-all.sh

# `sudo make demo`: the flooding problem and the fix side by side, in network
# namespaces (tests/demo/demo.sh); OM_DEMO_FAST=1 for a short self-checking run.
.PHONY: demo
demo: deps
	@$(MAKE) --no-print-directory all $(TOOLS) tests/demo/chanmeter
	@bash tests/demo/demo.sh

tests/demo/chanmeter: tests/demo/chanmeter.c
	@echo '  CC      $@'
	$(Q)$(CC) $(CFLAGS) -o $@ $< -lpcap

install: all
	install -d $(DESTDIR)$(PLUGINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(DOCDIR)/sample-config
	install -m 0644 $(PLUGIN) $(DESTDIR)$(PLUGINDIR)/
	install -m 0755 $(HELPER) $(DESTDIR)$(SBINDIR)/
	install -m 0644 helper/openvpn-mcast.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 helper/openvpn-mcast-helper.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 README.md $(DESTDIR)$(DOCDIR)/
	# The samples name the installed paths (/usr/local as shipped).
	for f in sample-config/*; do \
		sed 's|/usr/local/|$(PREFIX)/|g' $$f >$(DESTDIR)$(DOCDIR)/$$f && \
		chmod 0644 $(DESTDIR)$(DOCDIR)/$$f || exit 1; \
	done

# `make deb`: a binary Debian package, built by dpkg-buildpackage from a copy
# of this tree in build/deb/ (the .deb lands there too).
DEB_DIR := build/deb
deb:
	rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/openvpn-mcast
	tar -cf - --exclude=./.git --exclude=./build --exclude=./tests/out --exclude='*.o' \
		--exclude='*.so' . | tar -xf - -C $(DEB_DIR)/openvpn-mcast
	cd $(DEB_DIR)/openvpn-mcast && dpkg-buildpackage -b -us -uc
	@ls $(DEB_DIR)/*.deb

clean:
	rm -f $(PLUGIN) $(HELPER) helper/*/*.o plugin/*.o $(UNIT_BINS) $(BPF_OBJ) $(BPF_SKEL) \
		$(FUZZ_BINS) tests/bench/bench_lookup tests/bench/dpsink $(TOOLS) tests/demo/chanmeter \
		$(DEV_BINS)
	rm -rf tests/out $(PATH_STAMP) build

# Manual data path harness (tests/dev/datapath.sh); not part of `make check`.
DATAPATH_OBJS := helper/daemon/log.o helper/edge/caps.o helper/edge/divert.o helper/edge/capture.o \
		 helper/edge/repl.o
DEV_BINS := tests/dev/datapath_demo tests/dev/tap_reader tests/dev/mcast_send

dev: $(DEV_BINS)

tests/dev/datapath_demo: tests/dev/datapath_demo.c $(DATAPATH_OBJS)
	@echo '  CC      $@'
	$(Q)$(CC) $(CPPFLAGS) $(LIB_CFLAGS) $(CFLAGS) -o $@ $< $(DATAPATH_OBJS) $(LIB_LIBS)

tests/dev/tap_reader tests/dev/mcast_send: %: %.c
	@echo '  CC      $@'
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $<

# Small C programs for the end-to-end tests (tests/run-all.sh builds them).
TOOLS := $(patsubst %.c,%,$(wildcard tests/tools/*.c))
tests/tools/%: tests/tools/%.c
	@echo '  CC      $@'
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(if $(filter tests/tools/tapcount,$@),-lpcap)

# The churn soak's harness speaks the plugin protocol, so it links proto.c.
tests/tools/churn: tests/tools/churn.c helper/core/proto.c include/mcast_proto.h
	@echo '  CC      $@'
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ tests/tools/churn.c helper/core/proto.c

# `sudo make check-asan`: the unit tests and every host e2e test but those
# that need a VM, test_install, test_deb_package, test_churn_valgrind,
# test_helper_caps and
# the speed measurements test_igmp_latency, test_bench_smoke and test_demo
# (why: tests/check-asan.sh) with the helper and the units built with
# -fsanitize=address,undefined -fno-sanitize-recover=all, in a copy of the
# tree under tests/out/asan/ (the normal objects stay as they are); the
# plugin stays unsanitized, as OpenVPN loads it. ASAN_TESTS="test_a ..."
# runs those e2e tests instead. `.ci/run` runs it after `make check`.
.PHONY: check-asan
check-asan: deps
	@ASAN_TESTS="$(ASAN_TESTS)" sh tests/check-asan.sh

# `sudo make soak`: the churn soak of `make check` (tests/e2e/test_churn_soak.sh,
# 90 s there) for SOAK_SECONDS (default 1800) with SOAK_CLIENTS clients (64).
SOAK_SECONDS ?= 1800
SOAK_CLIENTS ?= 64
.PHONY: soak
soak: all tests/tools/churn
	@OM_SOAK_SECONDS=$(SOAK_SECONDS) OM_SOAK_CLIENTS=$(SOAK_CLIENTS) \
		bash tests/e2e/test_churn_soak.sh

# Fuzzing (libFuzzer) of every input the helper parses:
#   igmp    the IGMP parser, membership engine and querier (frames)
#   mld     the MLD parser, IPv6 address interning and membership engine
#   proto   the plugin<->helper wire protocol decoder and encoder
#   ctl     the control socket's command reader
#   config  the configuration loader
# `make fuzz` runs each target FUZZ_SECONDS seconds (0 = until interrupted;
# pick one with FUZZ_TARGETS=proto); `make fuzz-check`, which `make check`
# runs, FUZZ_TIME seconds each. Seeds: tests/fuzz/seeds/<target>/, and for
# igmp the captures in tests/frames; findings and crash files go to
# tests/out/fuzz/<target>/, never into the source tree.
FUZZ_CC      ?= clang
FUZZ_TIME    ?= 25
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= igmp proto ctl config mld datapath
FUZZ_ALL     := igmp proto ctl config mld datapath
FUZZ_BINS    := $(patsubst %,tests/fuzz/fuzz_%,$(FUZZ_ALL))
FUZZ_SRCS_igmp   := helper/core/igmp.c helper/core/mship.c \
		    helper/core/mship_index.c helper/core/mship_view.c \
		    helper/core/querier.c helper/daemon/log.c
FUZZ_SRCS_proto  := helper/core/proto.c
FUZZ_SRCS_ctl    := helper/edge/ctl.c helper/daemon/ev.c helper/daemon/log.c
FUZZ_SRCS_config := helper/core/config.c helper/core/policy.c
FUZZ_SRCS_mld    := helper/core/mld.c helper/core/mldship.c helper/core/igmp.c helper/core/maddr.c \
		    helper/core/mship.c helper/core/mship_index.c \
		    helper/core/mship_view.c helper/daemon/log.c
FUZZ_SRCS_datapath := helper/edge/capture.c helper/edge/repl.c helper/daemon/log.c
FUZZ_LIBS_config  = $(shell $(PKG_CONFIG) --libs libconfig 2>/dev/null)
FUZZ_LIBS_datapath = -lpcap
FUZZ_OUT     := tests/out/fuzz
# igmp keeps its corpus and generated seeds where they always were.
FUZZ_DIRS_igmp   := $(FUZZ_OUT)/corpus $(FUZZ_OUT)/seeds
FUZZ_DIRS         = $(if $(FUZZ_DIRS_$(1)),$(FUZZ_DIRS_$(1)),$(FUZZ_OUT)/$(1)/corpus tests/fuzz/seeds/$(1))
FUZZ_ARGS         = -artifact_prefix=$(FUZZ_OUT)/$(1)/ -print_final_stats=1 $(call FUZZ_DIRS,$(1))
BENCH_BIN  := tests/bench/bench_lookup
BENCH_SRCS := tests/bench/bench_lookup.c helper/core/igmp.c helper/core/mship.c \
	      helper/core/mship_index.c helper/core/mship_view.c \
	      helper/daemon/log.c

tests/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(HDRS)
	$(FUZZ_CC) -g -O1 -std=gnu11 -Wall -Wextra -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined $(CPPFLAGS) -o $@ $< $(FUZZ_SRCS_$*) $(FUZZ_LIBS_$*)
$(foreach t,$(FUZZ_ALL),$(eval tests/fuzz/fuzz_$(t): $(FUZZ_SRCS_$(t))))

$(FUZZ_OUT)/pcap2corpus: tests/frames/pcap2corpus.c
	@mkdir -p $(FUZZ_OUT)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LIB_LIBS)

$(FUZZ_OUT)/seeds: $(FUZZ_OUT)/pcap2corpus $(wildcard tests/frames/*.pcap)
	@rm -rf $@ && mkdir -p $@ $(FUZZ_OUT)/corpus
	$(FUZZ_OUT)/pcap2corpus $@ $(wildcard tests/frames/*.pcap)

# Prints why and succeeds when there is no clang able to build libFuzzer.
FUZZ_PROBE = printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n)\
	{ (void)d; (void)n; return 0; }\n' | $(FUZZ_CC) -fsanitize=fuzzer \
	-x c -o /dev/null - >/dev/null 2>&1

# $(call FUZZ_RUN,target,seconds): one run; its log in $(FUZZ_OUT)/<target>.log.
FUZZ_RUN = mkdir -p $(FUZZ_OUT)/$(1) $(word 1,$(call FUZZ_DIRS,$(1))) && \
	echo "fuzz: $(1) for $(2) s" && \
	if tests/fuzz/fuzz_$(1) -max_total_time=$(2) $(call FUZZ_ARGS,$(1)) \
			2>$(FUZZ_OUT)/$(1).log; then \
		grep -E '^(stat::(number_of_executed_units|new_units_added)|Done)' \
			$(FUZZ_OUT)/$(1).log | sed 's/^/  $(1): /'; \
	else \
		tail -n 40 $(FUZZ_OUT)/$(1).log; \
		echo "fuzz: $(1) FAILED; the input is in $(FUZZ_OUT)/$(1)/"; \
		fail=1; \
	fi

fuzz: $(FUZZ_OUT)/seeds
	@if ! $(FUZZ_PROBE); then \
		echo "fuzz: skipped: '$(FUZZ_CC)' cannot build libFuzzer targets" \
		     "(Debian: apt-get install clang libclang-rt-dev)"; \
		exit 0; \
	fi; \
	$(MAKE) --no-print-directory $(patsubst %,tests/fuzz/fuzz_%,$(FUZZ_TARGETS)) || exit 1; \
	fail=0; \
	$(foreach t,$(FUZZ_TARGETS),$(call FUZZ_RUN,$(t),$(FUZZ_SECONDS));) \
	if [ $$fail = 0 ]; then echo "fuzz: ok, no crash"; else exit 1; fi

fuzz-check: $(FUZZ_OUT)/seeds
	@if ! $(FUZZ_PROBE); then \
		echo "fuzz-check: skipped: '$(FUZZ_CC)' cannot build libFuzzer" \
		     "targets (Debian: apt-get install clang libclang-rt-dev)"; \
		exit 0; \
	fi; \
	$(MAKE) --no-print-directory $(FUZZ_BINS) || exit 1; \
	fail=0; \
	$(foreach t,$(FUZZ_ALL),$(call FUZZ_RUN,$(t),$(FUZZ_TIME));) \
	if [ $$fail = 0 ]; then \
		echo "fuzz-check: ok, no crash in $(FUZZ_TIME) s per target"; \
	else \
		echo "fuzz-check: FAILED"; exit 1; \
	fi

$(BENCH_BIN): $(BENCH_SRCS) $(wildcard helper/*/*.h)
	$(CC) $(CPPFLAGS) -std=gnu11 -O2 -g -Wall -Wextra \
		$(if $(filter 1,$(WERROR)),-Werror) -o $@ $(BENCH_SRCS)

# Membership lookup micro-benchmark (no root).
.PHONY: bench-lookup
bench-lookup: $(BENCH_BIN)
	@./$(BENCH_BIN)

# `sudo make bench`: plain OpenVPN flooding, the bpf and nflog paths and the
# Linux bridge side by side in network namespaces (tests/bench/bench.sh):
# one table, bench/results/latest.json (+ a timestamped copy) and
# bench/results/latest.png.  BENCH_SMOKE=1 for a short run; see bench/README.md.
bench: all $(TOOLS)
	@bash tests/bench/bench.sh

# The data plane alone, without OpenVPN (root; tests/bench/dataplane.sh):
# tests/bench/dpsink plays OpenVPN towards the helper and the tap.
tests/bench/dpsink: tests/bench/dpsink.c helper/core/proto.c include/mcast_proto.h
	@echo '  CC      $@'
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ tests/bench/dpsink.c helper/core/proto.c

.PHONY: bench-dataplane
bench-dataplane: all $(TOOLS) tests/bench/dpsink
	@bash tests/bench/dataplane.sh

# Whole data path in the e2e setup (root; network namespaces).
bench-e2e: all $(TOOLS)
	@bash tests/bench/e2e_rate.sh $(RATES)

# Member loss and non-member frames at 400 and 5,000 packets/s (root).
.PHONY: bench-loss
bench-loss: all $(TOOLS)
	@bash tests/bench/member_loss.sh $(RATES)

# A shell as root in the VM the tests that need kernel multicast routing run
# in where this kernel lacks it (tests/vm/run.sh: Debian's stock kernel over
# the host's files; tests/out is shared writable).  `make` first.
.PHONY: vm-shell
vm-shell:
	@bash tests/vm/run.sh --shell --results tests/out
