# SPDX-License-Identifier: MIT
# Included by each tool's Makefile: the flags every neoos tool is built
# with, against the tree's uapi header and libneoos.  CPPFLAGS and LDFLAGS
# are the caller's (dpkg-buildflags' hardening, for the Debian package).

NEOOS_DIR := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/../..)
VERSION := $(shell cat $(NEOOS_DIR)/VERSION)
CFLAGS ?= -O2 -g
override CFLAGS += -Wall -Wextra -Werror -std=gnu11 \
	-I$(NEOOS_DIR)/uapi -I$(NEOOS_DIR)/libneoos/include
LDLIBS += -L$(NEOOS_DIR)/libneoos -lneoos

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DESTDIR ?=
INSTALL_MAN := $(NEOOS_DIR)/tools/build/install-man

%: %.c $(NEOOS_DIR)/libneoos/libneoos.so
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS)
