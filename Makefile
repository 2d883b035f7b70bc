# sippushd build: daemon, client library, CLI and tests, all into $(B)/.
#
# No configure step and no Python needed: .config (a copy of a board
# defconfig) becomes $(B)/autoconf.h through sed. Kconfiglib is only used for
# the interactive targets (menuconfig, savedefconfig, ...).

VERSION   := 0.1.0

B         ?= build
PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
SBINDIR   ?= $(PREFIX)/sbin
LIBDIR    ?= $(PREFIX)/lib
INCDIR    ?= $(PREFIX)/include
MANDIR    ?= $(PREFIX)/share/man
sysconfdir ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
DESTDIR   ?=

CROSS_COMPILE ?=
ifeq ($(origin CC),default)
CC        := $(CROSS_COMPILE)gcc
endif
AR        := $(CROSS_COMPILE)ar
STRIP     ?= $(CROSS_COMPILE)strip
PKG_CONFIG ?= pkg-config
INSTALL   ?= install

# --- configuration --------------------------------------------------------
KCONFIG_CONFIG ?= .config
BOARD_DEFAULT  := board/host_defconfig
CONFIG_FILE    := $(if $(wildcard $(KCONFIG_CONFIG)),$(KCONFIG_CONFIG),$(BOARD_DEFAULT))
include $(CONFIG_FILE)

# Kconfiglib ships as modules only; Debian's lives in the system python.
KCONFIG_PY := $(firstword $(foreach p,python3 /usr/bin/python3,\
	$(shell $(p) -c 'import kconfiglib' >/dev/null 2>&1 && echo $(p))))
KCONFIG_MISSING := echo "Kconfiglib not found: apt-get install python3-kconfiglib (or copy a board/*_defconfig to .config by hand)"; exit 1

# --- flags: the only place libre's defines are set ------------------------
# Debian's libre.pc carries no -D flags: HAVE_INTTYPES_H is required for
# re_types.h, RELEASE keeps the mbuf debug traps (int3) out.
# src/compat.h comes first in every file that sees libre: it evens out
# what differs between libre versions (ARRAY_SIZE, fd_listen).
RE_CFLAGS := $(shell $(PKG_CONFIG) --cflags libre) \
	-DHAVE_INTTYPES_H -DHAVE_STDBOOL_H -DRELEASE -DUSE_OPENSSL -DHAVE_INET6 \
	-include src/compat.h
RE_LIBS   := $(shell $(PKG_CONFIG) --libs libre)
RE_VERSION := $(shell $(PKG_CONFIG) --modversion libre)
RE_VERNUM := $(shell echo '$(RE_VERSION)' | awk -F. '{printf "%d", $$1*10000+$$2*100+$$3}')

# Every board: each function and object in its own section so the linker
# drops what nothing uses, and no unwind tables (C, no exceptions; a
# debugger unwinds from the -g build before stripping). Boards with
# CONFIG_OPTIMIZE_SIZE (openwrt, tiny) add -Os by default and pack the
# code segment without page padding. These flags apply even when CFLAGS
# is given. Measured stripped sizes, amd64: BENCHMARKS.md "Sizes".
SIZE_CFLAGS  := -ffunction-sections -fdata-sections \
	-fno-asynchronous-unwind-tables -fno-unwind-tables
SIZE_LDFLAGS := -Wl,--gc-sections
ifeq ($(CONFIG_OPTIMIZE_SIZE),y)
CFLAGS    ?= -Os -g
SIZE_LDFLAGS += -Wl,-z,noseparate-code
else
CFLAGS    ?= -O2 -g
endif
WARN      := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes
# Large files on 32-bit targets (armhf, mipsel): 64-bit off_t, so spool
# offsets past 2 GiB and readdir() of 64-bit inode numbers work. No libre
# header of a tested version carries off_t, struct stat or ino_t (their
# struct timespec is not changed by it), so setting it on our side alone
# changes no struct layout we share with libre.
LFS_FLAGS := -D_FILE_OFFSET_BITS=64 -D_LARGEFILE_SOURCE
CPPFLAGS_ALL := -std=c11 -D_GNU_SOURCE $(LFS_FLAGS) -Iinclude -Isrc -I$(B) \
	-DSIPPUSH_VERSION='"$(VERSION)"' -DLIBRE_VERNUM=$(RE_VERNUM)
ALL_CFLAGS = $(CPPFLAGS_ALL) $(WARN) $(CFLAGS) $(SIZE_CFLAGS) $(CPPFLAGS)
SSL_LIBS  := $(shell $(PKG_CONFIG) --libs openssl 2>/dev/null || echo -lssl -lcrypto)

# --- sources ---------------------------------------------------------------
# Optional features leave whole objects out (no #ifdef through the code):
# each has a real implementation and a small "_none" one that says no.
# Session mode (INVITE + MSRP): these files, or sessmode_none.c.
# A module past ~700 lines is a folder (src/NAME/*.c, private header
# inside); its public header stays src/NAME.h.
MSRP_WIRE_SRCS := $(wildcard src/msrp/*.c)
MSRP_SRCS := $(MSRP_WIRE_SRCS) $(wildcard src/msrpsess/*.c) src/invite.c \
	src/ranges.c src/sdpmsrp.c src/spool.c src/sessmode.c
# MSRP relays (RFC 4976): the relay client, or msrprelay_none.c.
MSRP_SRCS += $(if $(filter y,$(CONFIG_MSRP_RELAY)),src/msrprelay.c,\
	src/msrprelay_none.c)
MSRP_TESTS := $(wildcard tests/unit/test_msrp*.c tests/unit/test_ranges.c \
	tests/unit/test_sdpmsrp.c tests/unit/test_spool.c)
# XML documents (IMDN, reg-event, PUBLISH) with expat: these, or the
# *_none.c stand-ins and no expat.
XML_SRCS  := src/xml.c src/imdn.c src/reginfo.c src/pidf.c src/regevent.c \
	src/imdnsend.c src/imdnpush.c src/publish.c src/pubhook.c
XML_NONE  := src/regevent_none.c src/imdnsend_none.c src/imdnpush_none.c \
	src/publish_none.c src/pubhook_none.c
XML_TESTS := tests/unit/test_xml.c tests/unit/test_imdn.c \
	tests/unit/test_reginfo.c tests/unit/test_pidf.c \
	tests/unit/test_regevent.c tests/unit/test_imdnsend.c \
	tests/unit/test_publish.c tests/unit/test_imdnpush.c
EXPAT_LIBS := $(shell $(PKG_CONFIG) --libs expat 2>/dev/null || echo -lexpat)
DAEMON_SRCS := $(filter-out src/main.c src/siptls.c src/siptls_none.c \
	src/sessmode_none.c src/msrprelay.c src/msrprelay_none.c $(MSRP_SRCS) \
	$(XML_SRCS) $(XML_NONE),$(wildcard src/*.c src/*/*.c))
ifeq ($(CONFIG_TLS),y)
DAEMON_SRCS += src/siptls.c
DAEMON_LIBS += $(SSL_LIBS)
else
DAEMON_SRCS += src/siptls_none.c
endif
ifeq ($(CONFIG_MSRP),y)
DAEMON_SRCS += $(MSRP_SRCS)
else
DAEMON_SRCS += src/sessmode_none.c
endif
ifeq ($(CONFIG_XML),y)
DAEMON_SRCS += $(XML_SRCS)
DAEMON_LIBS += $(EXPAT_LIBS)
else
DAEMON_SRCS += $(XML_NONE)
endif
DAEMON_OBJS := $(DAEMON_SRCS:%.c=$(B)/obj/%.o)
MAIN_OBJ    := $(B)/obj/src/main.o

# The client library uses libc only: apps need not link libre.
LIB_SRCS  := $(wildcard lib/*.c)
LIB_OBJS  := $(LIB_SRCS:%.c=$(B)/obj/%.o)
LIB_PIC   := $(LIB_SRCS:%.c=$(B)/pic/%.o)
LIB_SONAME := libsippush.so.0

CLI_SRCS  := $(wildcard tools/sippush/*.c)
CLI_OBJS  := $(CLI_SRCS:%.c=$(B)/obj/%.o)

UNIT_SRCS := $(filter-out $(if $(filter y,$(CONFIG_MSRP)),,$(MSRP_TESTS)) \
	$(if $(filter y,$(CONFIG_XML)),,$(XML_TESTS)),\
	$(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/%)
UNIT_COMMON := $(filter-out tests/unit/test_%.c \
	$(if $(filter y,$(CONFIG_MSRP)),,tests/unit/msrprec.c),\
	$(wildcard tests/unit/*.c))
UNIT_COMMON_OBJS := $(UNIT_COMMON:%.c=$(B)/obj/%.o)

TARGETS := $(B)/sippushd $(B)/libsippush.a $(B)/$(LIB_SONAME) $(B)/sippush.pc
ifneq ($(CLI_SRCS),)
TARGETS += $(B)/sippush
endif

.PHONY: all clean check unit unit-asan unit-valgrind integration install demo \
	menuconfig savedefconfig olddefconfig defconfig lint fuzz fuzz-build \
	fuzz-replay fuzz-bins fuzz-replay-bins
all: $(TARGETS)

$(B)/autoconf.h: $(CONFIG_FILE) Makefile
	@mkdir -p $(@D)
	@{ echo '/* generated from $(CONFIG_FILE) by the Makefile: do not edit */'; \
	  sed -n -e 's/^CONFIG_\([A-Za-z0-9_]*\)=y$$/#define CONFIG_\1 1/p' \
	      -e 's/^CONFIG_\([A-Za-z0-9_]*\)=\([0-9][0-9]*\)$$/#define CONFIG_\1 \2/p' \
	      -e 's/^CONFIG_\([A-Za-z0-9_]*\)=\(".*"\)$$/#define CONFIG_\1 \2/p' \
	      -e 's/^# CONFIG_\([A-Za-z0-9_]*\) is not set$$/#define CONFIG_\1 0/p' \
	      $(CONFIG_FILE); } > $@.tmp && mv $@.tmp $@

$(B)/obj/%.o: %.c $(B)/autoconf.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(RE_CFLAGS) -MMD -MP -c -o $@ $<

# The client library and CLI never see libre's headers.
$(B)/obj/lib/%.o: lib/%.c $(B)/autoconf.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<
$(B)/pic/lib/%.o: lib/%.c $(B)/autoconf.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -fPIC -fvisibility=hidden -MMD -MP -c -o $@ $<
$(B)/obj/tools/%.o: tools/%.c $(B)/autoconf.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(RE_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/sippushd: $(MAIN_OBJ) $(DAEMON_OBJS)
	$(CC) $(CFLAGS) $(SIZE_LDFLAGS) $(LDFLAGS) -o $@ $^ $(RE_LIBS) $(DAEMON_LIBS)

$(B)/libsippush.a: $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(B)/$(LIB_SONAME): $(LIB_PIC)
	$(CC) $(CFLAGS) $(SIZE_LDFLAGS) $(LDFLAGS) -shared -Wl,-soname,$(LIB_SONAME) -o $@ $^
	@ln -sf $(LIB_SONAME) $(B)/libsippush.so

# The CLI shares app-ID handling and the MSRP wire format with the
# daemon, and spawn() (fork/exec without a shell) for listen --exec.
CLI_SHARED := $(B)/obj/src/appid.o $(B)/obj/src/mediatype.o \
	$(MSRP_WIRE_SRCS:%.c=$(B)/obj/%.o) $(B)/obj/src/siptls.o \
	$(B)/obj/src/spawn.o $(B)/obj/src/compat.o
# CLI modules without a main of their own, tested by test_cli.
CLI_UNIT_OBJS := $(addprefix $(B)/obj/tools/sippush/,handler.o json.o \
	fileout.o)
$(B)/sippush: $(CLI_OBJS) $(CLI_SHARED) $(B)/libsippush.a
	$(CC) $(CFLAGS) $(SIZE_LDFLAGS) $(LDFLAGS) -o $@ $(CLI_OBJS) $(CLI_SHARED) $(B)/libsippush.a $(RE_LIBS) $(SSL_LIBS)

# The .pc names the install paths: written again by `make install` with
# the PREFIX/LIBDIR/INCDIR given there (make; make install PREFIX=/usr
# must not say /usr/local). This one is for a look before installing.
PC_SED = sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	-e 's|@INCDIR@|$(INCDIR)|' -e 's|@VERSION@|$(VERSION)|'
$(B)/sippush.pc: lib/sippush.pc.in Makefile
	@mkdir -p $(@D)
	$(PC_SED) $< > $@

# --- tests -----------------------------------------------------------------
$(B)/tests/%: $(B)/obj/tests/unit/%.o $(UNIT_COMMON_OBJS) $(DAEMON_OBJS) $(B)/libsippush.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SIZE_LDFLAGS) $(LDFLAGS) -o $@ $^ $(RE_LIBS) $(DAEMON_LIBS) -lcunit
$(B)/tests/test_cli: $(CLI_UNIT_OBJS)

# UNIT_JOBS suites at a time (default 2; tests/unit/run.sh)
unit: $(UNIT_BINS)
	@tests/unit/run.sh $(UNIT_BINS)

# Same unit suites under ASan+UBSan, in their own build dir.
SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
unit-asan:
	$(MAKE) B=$(B)/asan CFLAGS="$(SAN_FLAGS)" LDFLAGS="$(SAN_FLAGS)" unit

# Same suites under valgrind: any error or definite leak fails.
unit-valgrind: $(UNIT_BINS)
	@tests/unit/run.sh --wrap "valgrind -q --error-exitcode=1 \
	  --leak-check=full --errors-for-leak-kinds=definite,indirect" \
	  $(UNIT_BINS)

integration: all
	@B=$(B) tests/integration/run-all.sh

# Benchmarks against baselines from the same run (BENCHMARKS.md).
.PHONY: bench bench-quick
bench: all
	@B=$(B) tests/bench/run.sh full
bench-quick: all
	@B=$(B) tests/bench/run.sh quick

# --- fuzzing (tests/fuzz/README.md) ----------------------------------------
# Each tests/fuzz/fuzz_<target>.c is one harness, linked two ways: with
# clang's libFuzzer (make fuzz: coverage-guided, FUZZ_SECONDS per target,
# new inputs kept in FUZZ_WORK) and with replay.c's main() under
# ASan+UBSan with any compiler (make fuzz-replay, in make check: every
# committed corpus file tests/fuzz/<target>/* once).
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 30
FUZZ_JOBS    ?= 1
FUZZ_WORK    ?= $(B)/fuzz-work
FUZZ_ARGS    ?=
# -jobs makes libFuzzer write fuzz-N.log into the current directory (the
# tree): only with more than one job, and the logs go to FUZZ_WORK/log
FUZZ_JOBS_ARGS = $(if $(filter-out 1,$(FUZZ_JOBS)),-jobs=$(FUZZ_JOBS) \
	-workers=$(FUZZ_JOBS))
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
FUZZ_CFLAGS  := -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_MSRP    := msrp sdp
FUZZ_XML     := imdn reginfo
FUZZ_TARGETS := $(filter-out $(if $(filter y,$(CONFIG_MSRP)),,$(FUZZ_MSRP)) \
	$(if $(filter y,$(CONFIG_XML)),,$(FUZZ_XML)),\
	$(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_COMMON  := $(B)/obj/tests/fuzz/fuzz.o \
	$(if $(filter y,$(CONFIG_MSRP)),$(B)/obj/tests/unit/msrprec.o)

# objects made through the pattern rules below: keep them between runs
.SECONDARY: $(FUZZ_TARGETS:%=$(B)/obj/tests/fuzz/fuzz_%.o) \
	$(B)/obj/tests/fuzz/replay.o $(FUZZ_COMMON)

fuzz-bins: $(FUZZ_TARGETS:%=$(B)/fuzzers/%)
$(B)/fuzzers/%: $(B)/obj/tests/fuzz/fuzz_%.o $(FUZZ_COMMON) $(DAEMON_OBJS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fsanitize=fuzzer $(LDFLAGS) -o $@ $^ $(RE_LIBS) $(DAEMON_LIBS)

fuzz-replay-bins: $(FUZZ_TARGETS:%=$(B)/replay/%)
$(B)/replay/%: $(B)/obj/tests/fuzz/fuzz_%.o $(B)/obj/tests/fuzz/replay.o \
		$(FUZZ_COMMON) $(DAEMON_OBJS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SIZE_LDFLAGS) $(LDFLAGS) -o $@ $^ $(RE_LIBS) $(DAEMON_LIBS)

# clang warns about things gcc does not (kernel header macros): the gcc
# builds hold the -Werror line, this one must not break on them
fuzz-build:
	$(MAKE) B=$(B)/fuzz CC=$(FUZZ_CC) CFLAGS="$(FUZZ_CFLAGS)" \
	  LDFLAGS="$(FUZZ_SAN)" WARN="$(filter-out -Werror,$(WARN))" fuzz-bins

# Every target FUZZ_SECONDS; a crash, leak, timeout or failed invariant
# stops it with the input in $(B)/fuzz/crash-<target>-*.
fuzz: fuzz-build
	@fail=0; for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_WORK)/$$t; \
	  dict=; [ -f tests/fuzz/$$t.dict ] && dict=-dict=tests/fuzz/$$t.dict; \
	  echo "== fuzz $$t ($(FUZZ_SECONDS) s)"; \
	  $(B)/fuzz/fuzzers/$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
	    -print_final_stats=1 $(FUZZ_JOBS_ARGS) \
	    -artifact_prefix=$(B)/fuzz/crash-$$t- $$dict $(FUZZ_ARGS) \
	    $(FUZZ_WORK)/$$t tests/fuzz/$$t 2>&1 | \
	    grep -E '^(stat::|==[0-9]+==|SUMMARY|INFO: (Loaded|seed corpus)|Done)|invariant|artifact' \
	    || true; \
	  for l in fuzz-[0-9]*.log; do [ ! -f "$$l" ] || { mkdir -p $(FUZZ_WORK)/log; \
	    mv -f "$$l" $(FUZZ_WORK)/log/$$t-$$l; }; done; \
	  test -z "$$(ls $(B)/fuzz/crash-$$t-* 2>/dev/null)" || fail=1; \
	done; exit $$fail

fuzz-replay:
	$(MAKE) B=$(B)/asan CFLAGS="$(SAN_FLAGS)" LDFLAGS="$(SAN_FLAGS)" \
	  fuzz-replay-bins
	@fail=0; for t in $(FUZZ_TARGETS); do \
	  $(B)/asan/replay/$$t tests/fuzz/$$t || fail=1; \
	done; exit $$fail

# The example program of doc/ipc.md must build against the library as
# written there, so the document cannot drift from the API.
$(B)/doc-example: doc/ipc.md $(B)/libsippush.a include/sippush/client.h
	@mkdir -p $(@D)
	awk '/^```c$$/ {on=1; next} /^```$$/ {on=0} on' doc/ipc.md > $@.c
	$(CC) -std=c11 -D_GNU_SOURCE $(LFS_FLAGS) $(WARN) -Iinclude -o $@ $@.c $(B)/libsippush.a

check: all $(B)/doc-example
	$(MAKE) unit
	$(MAKE) unit-asan
	$(MAKE) fuzz-replay
	$(MAKE) unit-valgrind
	$(MAKE) lint
	$(MAKE) integration

demo:
	@tests/demo.sh

SHELL_SCRIPTS := .ci/run tests/bench/run.sh $(wildcard tests/*.sh tests/unit/*.sh tests/integration/*.sh tests/ci/*.sh) \
	packaging/sysvinit/sippushd.init packaging/openwrt/sippushd/files/sippushd.init
lint: $(B)/autoconf.h
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
	  --inline-suppr --suppress=missingIncludeSystem -Iinclude -Isrc -I$(B) \
	  --std=c11 -DHAVE_INTTYPES_H -DRELEASE --include=src/compat.h src lib tools
	shellcheck -x $(SHELL_SCRIPTS)

# --- install ---------------------------------------------------------------
install: all
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig \
	  $(DESTDIR)$(INCDIR)/sippush $(DESTDIR)$(sysconfdir)
	$(INSTALL) -m 0755 $(B)/sippushd $(DESTDIR)$(SBINDIR)/sippushd
	$(if $(CLI_SRCS),$(INSTALL) -m 0755 $(B)/sippush $(DESTDIR)$(BINDIR)/sippush)
	$(INSTALL) -m 0644 $(B)/libsippush.a $(DESTDIR)$(LIBDIR)/
	$(INSTALL) -m 0755 $(B)/$(LIB_SONAME) $(DESTDIR)$(LIBDIR)/
	ln -sf $(LIB_SONAME) $(DESTDIR)$(LIBDIR)/libsippush.so
	$(PC_SED) lib/sippush.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/sippush.pc
	chmod 0644 $(DESTDIR)$(LIBDIR)/pkgconfig/sippush.pc
	$(INSTALL) -m 0644 include/sippush/*.h $(DESTDIR)$(INCDIR)/sippush/
	$(INSTALL) -m 0640 doc/sippushd.conf.sample $(DESTDIR)$(sysconfdir)/sippushd.conf
	$(INSTALL) -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3 \
	  $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	$(INSTALL) -m 0644 doc/man/sippush.1 $(DESTDIR)$(MANDIR)/man1/
	$(INSTALL) -m 0644 doc/man/libsippush.3 $(DESTDIR)$(MANDIR)/man3/
	$(INSTALL) -m 0644 doc/man/sippushd.conf.5 $(DESTDIR)$(MANDIR)/man5/
	$(INSTALL) -m 0644 doc/man/sippushd.8 $(DESTDIR)$(MANDIR)/man8/

# --- release tarball and the OpenWrt feed made from it ----------------------
# make dist: $(B)/dist/sippushd-VERSION.tar.gz (git archive of HEAD, so
# reproducible: same commit, same bytes) and $(B)/dist/openwrt, the
# OpenWrt feed with that tarball's SHA-256 as PKG_HASH and
# SIPPUSHD_DIST_URL (where the tarball will be published) as
# PKG_SOURCE_URL; copy the tarball into OpenWrt's dl/ to build offline.
SIPPUSHD_DIST_URL ?= file://$(abspath $(B)/dist)
DIST_TAR := $(B)/dist/sippushd-$(VERSION).tar.gz
.PHONY: dist
dist:
	@mkdir -p $(B)/dist
	git archive --format=tar --prefix=sippushd-$(VERSION)/ HEAD | gzip -n -9 > $(DIST_TAR).tmp
	mv $(DIST_TAR).tmp $(DIST_TAR)
	rm -rf $(B)/dist/openwrt && mkdir -p $(B)/dist/openwrt
	cp -r packaging/openwrt/sippushd $(B)/dist/openwrt/
	sed -i -e "s|@SIPPUSHD_DIST_URL@|$(SIPPUSHD_DIST_URL)|" \
	    -e "s|@SIPPUSHD_DIST_HASH@|$$(sha256sum $(DIST_TAR) | cut -d' ' -f1)|" \
	    $(B)/dist/openwrt/sippushd/Makefile
	@echo "$(DIST_TAR): $$(sha256sum $(DIST_TAR) | cut -d' ' -f1)"

# --- Kconfig (interactive, needs Kconfiglib) -------------------------------
menuconfig savedefconfig olddefconfig defconfig:
	@[ -n "$(KCONFIG_PY)" ] || { $(KCONFIG_MISSING); }
	@[ -f $(KCONFIG_CONFIG) ] || cp $(BOARD_DEFAULT) $(KCONFIG_CONFIG)
	KCONFIG_CONFIG=$(KCONFIG_CONFIG) $(KCONFIG_PY) -m $@ \
	  $(if $(filter savedefconfig,$@),--kconfig Kconfig --out defconfig,Kconfig)

%_defconfig:
	@[ -f board/$@ ] || { echo "no such board: board/$@ (have: $(notdir $(wildcard board/*_defconfig)))"; exit 1; }
	cp board/$@ $(KCONFIG_CONFIG)
	@if [ -n "$(KCONFIG_PY)" ]; then KCONFIG_CONFIG=$(KCONFIG_CONFIG) $(KCONFIG_PY) -m olddefconfig Kconfig >/dev/null; fi
	@echo "configured for $(@:_defconfig=) ($(KCONFIG_CONFIG))"

clean:
	rm -rf $(B)

-include $(shell find $(B)/obj $(B)/pic -name '*.d' 2>/dev/null)
