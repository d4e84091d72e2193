# SPDX-License-Identifier: GPL-2.0-only
#
# neoos: the module (through Kbuild), libneoos, tools and the kselftests.
# The Kbuild half lives only in ./Kbuild and module/Kbuild, so this file is
# never read by kbuild and is safe when dkms appends KERNELRELEASE=.

VERSION := $(shell cat VERSION)

# The kernel to build neoos.ko for: the running one if its build tree is
# installed, else Debian 12's default 6.1 kernel headers.
KVER ?= $(shell uname -r)
KDIR ?= $(firstword $(wildcard /lib/modules/$(KVER)/build) \
		    $(wildcard /usr/src/linux-headers-6.1.*-amd64))

PREFIX ?= /usr/local
UDEVRULESDIR ?= /usr/lib/udev/rules.d
MODULESLOADDIR ?= /usr/lib/modules-load.d
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DESTDIR ?=

# kselftest framework, extracted from Debian's linux-source-6.1 at build
# time, never committed.
KSRC_TARBALL ?= /usr/src/linux-source-6.1.tar.xz
KSFT_DIR := $(CURDIR)/.cache/ksft/tools/testing/selftests
KSFT_FILES := kselftest.h kselftest_harness.h lib.mk kselftest run_kselftest.sh
# extracted again when the list changes
KSFT_STAMP := .cache/ksft/files-$(shell echo $(KSFT_FILES) | md5sum | cut -c1-8)

all: module user

module:
	@test -n "$(KDIR)" || { echo "no kernel headers: set KDIR or run tools/vm/neoos-vm setup" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

user: lib tools examples selftests

examples: lib
	$(MAKE) -C examples

lib:
	$(MAKE) -C libneoos

tools: lib
	$(MAKE) -C tools

$(KSFT_STAMP):
	@test -r $(KSRC_TARBALL) || { echo "$(KSRC_TARBALL) missing: run tools/vm/neoos-vm setup" >&2; exit 1; }
	rm -rf .cache/ksft
	mkdir -p .cache/ksft
	xz -T0 -dc $(KSRC_TARBALL) | tar -x -C .cache/ksft --strip-components=1 \
		$(addprefix linux-source-6.1/tools/testing/selftests/,$(KSFT_FILES))
	touch $@

ksft: $(KSFT_STAMP)

# A staged "make install", so that tests build NeoOS programs the way
# users do: against the installed headers, through pkg-config.
STAGE := $(CURDIR)/.cache/stage
stage: lib
	$(MAKE) -s -C libneoos install DESTDIR=$(STAGE) PREFIX=/usr

selftests: lib ksft stage
	$(MAKE) -C selftests KSFT_DIR=$(KSFT_DIR) STAGE=$(STAGE)

# The Debian packages, built in a copy of the tree under .cache/deb with
# dpkg-buildpackage -us -uc -b, then lintian --pedantic on the .changes
# (no error, no warning).
DEB_OUT := $(CURDIR)/.cache/deb
deb:
	tools/build/deb $(CURDIR) $(DEB_OUT)

# The packages as users install them: apt install ./*.deb in a fresh Debian
# 12 chroot with 6.1's and 6.12's headers (DKMS builds neoos.ko for both),
# a NeoOS program built with pkg-config, neoosctl --version, apt purge
# leaving nothing; neoos-dkms built by trixie's DKMS for 7.2 and 7.3; then the
# neoos.ko DKMS built for 6.1 under selftests/libneoos/ in a VM
# (NEOOS_DEB_VM_KERNELS="6.1 6.12" boots both).  tools/vm/deb-test.
check-deb: deb
	tools/vm/deb-test $(DEB_OUT) $(CURDIR)/.cache/deb-test

# Every supported kernel, or those named: make check KERNELS="6.1 7.3".
KERNELS ?= all
check:
	tools/vm/neoos-vm check --kernel "$(KERNELS)"

# The whole suite under the 6.12-debug kernel: KASAN, lockdep, kmemleak,
# fault injection (docs/debug-kernel.md).  Setup builds the kernel once
# per machine; a run takes far longer than on a production kernel.
# DEBUG_TESTS=core runs only the suite's core, as CI does
# (tools/vm/check-debug says what that is).
DEBUG_TESTS ?= all
check-debug:
	tools/vm/check-debug $(if $(filter core,$(DEBUG_TESTS)),--core)

lint:
	tools/vm/neoos-vm setup
	tools/lint/neoos-lint

run:
	tools/vm/neoos-vm setup --kernel 6.1
	$(MAKE) -s --no-print-directory user
	tools/vm/neoos-vm run --put tools/demo/neoos-demo -- ./neoos-demo

# neoos against native Linux, side by side, in a VM (docs/performance.md):
# the table on stdout, the samples in bench.json (tools/bench/bench-vm).
BENCH_KERNEL ?= 6.1
BENCH_TIMEOUT ?= 1800
BENCH_ARGS ?=
# The test VMs boot with slub_debug and KFENCE to catch memory errors; the
# benchmark measures the kernel users run, without them.
BENCH_CMDLINE ?= slub_debug=- kfence.sample_interval=0

bench:
	tools/bench/bench-vm --kernel $(BENCH_KERNEL) --timeout $(BENCH_TIMEOUT) \
		--cmdline "$(BENCH_CMDLINE)" -- $(BENCH_ARGS)

install: install-user install-data $(if $(KDIR),module)
	@if [ -n "$(KDIR)" ] && [ -f module/neoos.ko ]; then \
		$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=updates CONFIG_MODULE_SIG_ALL= \
			$(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR) DEPMOD=true) modules_install; \
	fi

# libneoos (library, headers, .pc, sections 3 and 7) and neoosctl
install-user: lib
	$(MAKE) -C libneoos install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX) LIBDIR=$(LIBDIR) INCLUDEDIR=$(INCLUDEDIR) MANDIR=$(MANDIR)
	$(MAKE) -C tools install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX) BINDIR=$(BINDIR) MANDIR=$(MANDIR)

# what the module brings besides itself: the udev rule, the modules-load.d
# file and the device's man pages (sections 2 and 4)
install-data:
	install -d $(DESTDIR)$(UDEVRULESDIR) $(DESTDIR)$(MODULESLOADDIR)
	install -m 0644 module/60-neoos.rules $(DESTDIR)$(UDEVRULESDIR)/60-neoos.rules
	install -m 0644 module/modules-load.conf $(DESTDIR)$(MODULESLOADDIR)/neoos.conf
	tools/build/install-man install $(DESTDIR)$(MANDIR) $(VERSION) \
		module/man/neoos.4 module/man/ioctl_neoos.2 module/man/ioctl_neoos_map.2

uninstall:
	tools/build/install-man uninstall $(DESTDIR)$(MANDIR) $(VERSION) \
		module/man/neoos.4 module/man/ioctl_neoos.2 module/man/ioctl_neoos_map.2
	@# neoos.ko as modules_install put it, for whichever kernel it was
	@for ko in $(DESTDIR)/lib/modules/*/updates/module/neoos.ko; do \
		[ -e "$$ko" ] || continue; \
		rm -f "$$ko"; \
		rel=$${ko#$(DESTDIR)/lib/modules/}; rel=$${rel%%/*}; \
		$(if $(DESTDIR),:,depmod -a "$$rel"); \
	done
	rm -f $(DESTDIR)$(UDEVRULESDIR)/60-neoos.rules \
	      $(DESTDIR)$(MODULESLOADDIR)/neoos.conf
	$(MAKE) -C libneoos uninstall DESTDIR=$(DESTDIR) PREFIX=$(PREFIX) LIBDIR=$(LIBDIR) INCLUDEDIR=$(INCLUDEDIR) MANDIR=$(MANDIR)
	$(MAKE) -C tools uninstall DESTDIR=$(DESTDIR) PREFIX=$(PREFIX) BINDIR=$(BINDIR) MANDIR=$(MANDIR)

# DKMS: the module's sources go to /usr/src/neoos-VERSION (DKMS_SRC) with
# dkms.conf written from dkms.conf.in, #MODULE_VERSION# replaced by VERSION
# (as the Debian package's dh_dkms -V does), so that dkms.conf has no shell
# for dkms to run.  dkms-src is also what make lint's dkms gate and
# debian/rules install from.
DKMS_SRC ?= $(DESTDIR)/usr/src/neoos-$(VERSION)
DKMS_FILES := Kbuild VERSION module/Kbuild uapi/linux/neoos.h \
	$(filter-out %.mod.c,$(wildcard module/*.c)) $(wildcard module/*.h)
# Every installed kernel with headers, not only the running one.
DKMS_KERNELS ?= $(patsubst /lib/modules/%/build,%,$(wildcard /lib/modules/*/build))

dkms-src:
	rm -rf $(DKMS_SRC)
	for f in $(DKMS_FILES); do install -D -m 0644 $$f $(DKMS_SRC)/$$f || exit 1; done
	sed 's/#MODULE_VERSION#/$(VERSION)/g' dkms.conf.in > $(DKMS_SRC)/dkms.conf

dkms-install: dkms-src
	dkms add neoos/$(VERSION)
	for k in $(DKMS_KERNELS); do \
		dkms build neoos/$(VERSION) -k $$k && \
		dkms install neoos/$(VERSION) -k $$k || exit 1; \
	done

dkms-uninstall:
	-dkms remove neoos/$(VERSION) --all
	rm -rf $(DKMS_SRC)

clean:
	rm -rf .cache/stage
	-$(if $(KDIR),$(MAKE) -C $(KDIR) M=$(CURDIR) clean)
	$(MAKE) -C libneoos clean
	$(MAKE) -C tools clean
	$(MAKE) -C examples clean
	-$(MAKE) -C selftests KSFT_DIR=$(KSFT_DIR) clean

.PHONY: all module user lib tools examples ksft lint stage selftests deb check-deb check check-debug run bench install install-user install-data uninstall dkms-src dkms-install dkms-uninstall clean
