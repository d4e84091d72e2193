/* SPDX-License-Identifier: MIT */
/*
 * NeoOS <syscalls.h> for Linux, from libneoos.
 *
 * Self-sufficient: NULL, the O_* flags and STDIN/STDOUT/STDERR come from
 * here.  The O_* values are Linux's, spelt exactly as glibc spells them so
 * that <fcntl.h> may be included before or after this header.
 */
#ifndef _NEOOS_SYSCALLS_H
#define _NEOOS_SYSCALLS_H

#include <stddef.h>

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef O_RDONLY
# define O_RDONLY	     00
#endif
#ifndef O_WRONLY
# define O_WRONLY	     01
#endif
#ifndef O_RDWR
# define O_RDWR		     02
#endif
#ifndef O_CREAT
# define O_CREAT	   0100
#endif
#ifndef O_TRUNC
# define O_TRUNC	  01000
#endif
#ifndef O_APPEND
# define O_APPEND	  02000
#endif

#define STDIN	0
#define STDOUT	1
#define STDERR	2

int sys_open(const char *path, int flags);
int sys_close(int fd);
int sys_read(int fd, void *buf, int n);
int sys_write(int fd, const void *buf, int n);
void sys_exit(int status) __attribute__((__noreturn__));

void *sys_mmap(int fd, int offset, int size);
int sys_munmap(void *addr, int size);

#ifdef __cplusplus
}
#endif

#endif /* _NEOOS_SYSCALLS_H */
