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
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DESTDIR ?=

# kselftest framework, extracted from Debian's linux-source-6.1 at build
# time, never committed.
KSRC_TARBALL ?= /usr/src/linux-source-6.1.tar.xz
KSFT_DIR := $(CURDIR)/.cache/ksft/tools/testing/selftests
KSFT_FILES := kselftest.h kselftest_harness.h lib.mk kselftest

all: module user

module:
	@test -n "$(KDIR)" || { echo "no kernel headers: set KDIR or run tools/neoos-vm setup" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

user: lib tools examples selftests

examples: lib
	$(MAKE) -C examples

lib:
	$(MAKE) -C libneoos

tools: lib
	$(MAKE) -C tools

$(KSFT_DIR)/lib.mk:
	@test -r $(KSRC_TARBALL) || { echo "$(KSRC_TARBALL) missing: run tools/neoos-vm setup" >&2; exit 1; }
	mkdir -p .cache/ksft
	xz -T0 -dc $(KSRC_TARBALL) | tar -x -C .cache/ksft --strip-components=1 \
		$(addprefix linux-source-6.1/tools/testing/selftests/,$(KSFT_FILES))
	touch $@

ksft: $(KSFT_DIR)/lib.mk

# A staged "make install", so that tests build NeoOS programs the way
# users do: against the installed headers, through pkg-config.
STAGE := $(CURDIR)/.cache/stage
stage: lib
	$(MAKE) -s -C libneoos install DESTDIR=$(STAGE) PREFIX=/usr

selftests: lib ksft stage
	$(MAKE) -C selftests KSFT_DIR=$(KSFT_DIR) STAGE=$(STAGE)

check:
	tools/neoos-vm check

lint:
	tools/neoos-vm setup
	tools/neoos-lint

run:
	tools/neoos-vm setup
	$(MAKE) -s --no-print-directory user
	tools/neoos-vm run --put tools/neoos-demo -- ./neoos-demo

install: lib tools
	$(MAKE) -C libneoos install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX) LIBDIR=$(LIBDIR) INCLUDEDIR=$(INCLUDEDIR) MANDIR=$(MANDIR)
	$(MAKE) -C tools install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX) BINDIR=$(BINDIR) MANDIR=$(MANDIR)
	install -d $(DESTDIR)$(MANDIR)/man4
	install -m 0644 module/man/neoos.4 $(DESTDIR)$(MANDIR)/man4/
	@if [ -n "$(KDIR)" ] && [ -f module/neoos.ko ]; then \
		$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=updates \
			$(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR) DEPMOD=true) modules_install; \
	fi

uninstall:
	rm -f $(DESTDIR)$(MANDIR)/man4/neoos.4
	$(MAKE) -C libneoos uninstall DESTDIR=$(DESTDIR) PREFIX=$(PREFIX) LIBDIR=$(LIBDIR) INCLUDEDIR=$(INCLUDEDIR) MANDIR=$(MANDIR)
	$(MAKE) -C tools uninstall DESTDIR=$(DESTDIR) PREFIX=$(PREFIX) BINDIR=$(BINDIR) MANDIR=$(MANDIR)

# DKMS: the source tree goes to /usr/src/neoos-VERSION, dkms.conf's
# PACKAGE_VERSION taken from VERSION.
DKMS_SRC := $(DESTDIR)/usr/src/neoos-$(VERSION)
DKMS_FILES := Kbuild VERSION dkms.conf module uapi

dkms-install:
	rm -rf $(DKMS_SRC)
	install -d $(DKMS_SRC)
	cp -a $(DKMS_FILES) $(DKMS_SRC)/
	rm -f $(DKMS_SRC)/module/*.o $(DKMS_SRC)/module/*.ko $(DKMS_SRC)/module/.*.cmd
	sed -i 's/^PACKAGE_VERSION=.*/PACKAGE_VERSION="$(VERSION)"/' $(DKMS_SRC)/dkms.conf
	dkms add neoos/$(VERSION)
	dkms build neoos/$(VERSION)
	dkms install neoos/$(VERSION)

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

.PHONY: all module user lib tools examples ksft lint stage selftests check run install uninstall dkms-install dkms-uninstall clean
