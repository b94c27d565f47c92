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
PKGS       := libpcap libconfig libnftables

# CI builds with -Werror; so does WERROR=1 anywhere.
ifeq ($(CI),true)
WERROR ?= 1
endif

CFLAGS   ?= -O2 -g
# `make V=1` shows the full commands.
Q := $(if $(filter 1,$(V)),,@)
CFLAGS   += -std=gnu11 -Wall -Wextra $(if $(filter 1,$(WERROR)),-Werror)
CPPFLAGS += -Iinclude -Ihelper -D_GNU_SOURCE -DVERSION='"$(VERSION)"' \
	    -DDEFAULT_HELPER='"$(SBINDIR)/openvpn-mcast-helper"'

PLUGIN     := plugin/openvpn-plugin-mcast.so
HELPER     := helper/openvpn-mcast-helper

HELPER_SRCS := $(wildcard helper/*.c)
HELPER_OBJS := $(HELPER_SRCS:.c=.o)
# Everything but main(): what unit tests, the fuzzer and benchmarks link.
CORE_OBJS   := $(filter-out helper/main.o,$(HELPER_OBJS))
# The plugin shares the wire protocol and the config parser with the helper.
PLUGIN_SRCS := $(wildcard plugin/*.c) helper/proto.c helper/config.c
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

.PHONY: all check unit e2e deps fuzz fuzz-check bench install clean

all: $(PLUGIN) $(HELPER)

HDRS := $(wildcard helper/*.h plugin/*.h include/*.h)

helper/%.o: helper/%.c $(HDRS)
	@echo '  CC      $@'
	$(Q)$(CC) $(CPPFLAGS) $(LIB_CFLAGS) $(CFLAGS) -c -o $@ $<

plugin/%.o: plugin/%.c $(HDRS)
	@echo '  CC      $@'
	$(Q)$(CC) $(CPPFLAGS) $(LIB_CFLAGS) $(CFLAGS) -c -o $@ $<

%.pic.o: %.c $(HDRS)
	@echo '  CC      $@'
	$(Q)$(CC) $(CPPFLAGS) $(LIB_CFLAGS) $(CFLAGS) -fPIC -fvisibility=hidden -c -o $@ $<

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
	@$(MAKE) --no-print-directory all $(UNIT_BINS) $(TOOLS)
	@sh tests/run-all.sh

install: all
	install -d $(DESTDIR)$(PLUGINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(DOCDIR)/sample-config
	install -m 0644 $(PLUGIN) $(DESTDIR)$(PLUGINDIR)/
	install -m 0755 $(HELPER) $(DESTDIR)$(SBINDIR)/
	install -m 0644 helper/openvpn-mcast.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 helper/openvpn-mcast-helper.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 README.md $(DESTDIR)$(DOCDIR)/
	install -m 0644 sample-config/* $(DESTDIR)$(DOCDIR)/sample-config/

clean:
	rm -f $(PLUGIN) $(HELPER) helper/*.o plugin/*.o $(UNIT_BINS) \
		tests/fuzz/fuzz_igmp tests/bench/bench_lookup
	rm -rf tests/out

# Manual data path harness (tests/dev/datapath.sh); not part of `make check`.
DATAPATH_OBJS := helper/log.o helper/caps.o helper/divert.o helper/capture.o helper/repl.o
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
