/* SPDX-License-Identifier: MIT */
/*
 * NeoOS <error.h> for Linux, from libneoos.
 *
 * E_OK is 0; every other code is negative and distinct.  The values are
 * the negated Linux errno values of the same meaning, so that an E_* code
 * can be told from a count and printed with strerror(-code).
 *
 * This header shadows glibc's GNU <error.h> for programs built with
 * $(pkg-config --cflags libneoos); it declares nothing glibc declares.
 */
#ifndef _NEOOS_ERROR_H
#define _NEOOS_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

#define E_OK		0
#define E_PERM		(-1)	/* no permission */
#define E_NOENT		(-2)	/* no such file */
#define E_INTR		(-4)	/* interrupted */
#define E_IO		(-5)	/* I/O error */
#define E_AGAIN		(-11)	/* try again */
#define E_NOMEM		(-12)	/* no memory or address space */
#define E_BUSY		(-16)	/* resource busy */
#define E_EXIST		(-17)	/* file exists */
#define E_INVAL		(-22)	/* invalid argument */
#define E_NOSPC		(-28)	/* no space left */
#define E_NOSYS		(-38)	/* not available: neoos.ko not loaded */

/* The E_* code of the calling thread's most recent failed sys_* call. */
int sys_errno(void);

/* A short English description of an E_* code. */
const char *sys_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* _NEOOS_ERROR_H */
