/* SPDX-License-Identifier: MIT */
#ifndef LIBNEOOS_INTERNAL_H
#define LIBNEOOS_INTERNAL_H

#define __neoos_public __attribute__((visibility("default")))

/* Record @err as the thread's last error and return it. */
int __neoos_set_error(int err);
/* Fold a Linux errno into an E_* code. */
int __neoos_errno_to_error(int errnum);
/* Record errno, folded, and return the E_* code. */
int __neoos_fail(void);
/* Fold the errno of a failed open(2) of the device. */
int __neoos_open_errno_to_error(int errnum);
/* Fold the errno of a failed NEOOS_IOC_UNMAP. */
int __neoos_unmap_errno_to_error(int errnum);
/* The process's /dev/neoos descriptor, opened on first use, or E_*. */
int __neoos_device(void);
/*
 * ioctl(2) on @dev, the descriptor __neoos_device() gave; opens the device
 * again and repeats the call if the program closed @dev meanwhile.  0 or
 * what the ioctl returned; -1 with errno if the call failed in the
 * kernel; NEOOS_IOCTL_NODEV with errno if it never reached the device
 * (it could not be opened again).
 */
#define NEOOS_IOCTL_NODEV	(-2)
int __neoos_ioctl(int dev, unsigned long cmd, void *arg);

struct neoos_map;
struct neoos_unmap;
/* NEOOS_IOC_MAP: the address of the first byte, or NULL and the error. */
void *__neoos_map(struct neoos_map *m);
/* NEOOS_IOC_UNMAP: E_OK or the error. */
int __neoos_unmap(struct neoos_unmap *u);

#endif
