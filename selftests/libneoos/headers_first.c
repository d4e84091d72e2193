// SPDX-License-Identifier: GPL-2.0
/* NeoOS headers first, glibc's after them: see headers_test.c. */
#include <error.h>
#include <syscalls.h>

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int neoos_headers_first(int *o_flags, int *std, int *errs);

int neoos_headers_first(int *o_flags, int *std, int *errs)
{
	void *p = NULL;	/* NULL from <syscalls.h> */

	o_flags[0] = O_RDONLY;
	o_flags[1] = O_WRONLY;
	o_flags[2] = O_RDWR;
	o_flags[3] = O_CREAT;
	o_flags[4] = O_TRUNC;
	o_flags[5] = O_APPEND;
	std[0] = STDIN;
	std[1] = STDOUT;
	std[2] = STDERR;
	errs[0] = E_INVAL;
	errs[1] = E_NOMEM;
	errs[2] = E_PERM;
	errs[3] = E_IO;
	errs[4] = E_NOSYS;
	errs[5] = E_NOENT;
	return p == NULL;
}
