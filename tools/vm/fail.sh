#!/usr/bin/env bash
# fail.sh: how every unit of tools/vm reports and fails; each sources it
# after setting PROG (its name) and, if it dies, DIE_STATUS.
#
#   msg TEXT...  "PROG: TEXT" on stderr
#   die TEXT...  "PROG: error: TEXT" on stderr, then exit DIE_STATUS: the
#                unit's status for a failure of its own, which its header
#                documents (1 if the unit does not set it)
#
# Not a program: running it does nothing.

msg() { printf '%s: %s\n' "${PROG:-${0##*/}}" "$*" >&2; }
die() {
	msg "error: $*"
	exit "${DIE_STATUS:-1}"
}
