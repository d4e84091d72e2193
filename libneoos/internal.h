/* SPDX-License-Identifier: MIT */
/*
 * libneoos's internal declarations.  Two layers: the public calls
 * (sys_mmap.c, extended.c, query.c, syscalls.c) check their arguments and
 * make one request each through __neoos_request() (request.c), which
 * talks to the module; error.c turns Linux errnos into E_* codes.
 */
#ifndef LIBNEOOS_INTERNAL_H
#define LIBNEOOS_INTERNAL_H

#define __neoos_public __attribute__((visibility("default")))

/*
 * NEOOS_IOC_* @cmd with argument @arg on the process's /dev/neoos
 * descriptor (opened on first use): E_OK, or the E_* code of the failure,
 * also recorded for sys_errno().  MAP and UNMAP requests hold the layout
 * lock shared.
 */
int __neoos_request(unsigned long cmd, void *arg);
/* The layout lock, exclusively: no MAP or UNMAP request runs meanwhile. */
void __neoos_layout_lock(void);
void __neoos_layout_unlock(void);

/* Record @err as the thread's last error and return it. */
int __neoos_set_error(int err);
/* Record errno, folded, and return the E_* code. */
int __neoos_fail(void);
/* Fold a Linux errno into an E_* code. */
int __neoos_errno_to_error(int errnum);
/* Fold the errno of a failed open(2) of the device. */
int __neoos_open_errno_to_error(int errnum);
/* Fold the errno of a failed NEOOS_IOC_UNMAP. */
int __neoos_unmap_errno_to_error(int errnum);

#endif
