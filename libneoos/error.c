/* SPDX-License-Identifier: MIT */
/*
 * E_* codes: the per-thread last error, and every rule by which libneoos
 * turns a Linux errno into an E_* code - the table of neoos(7), which is
 * where each rule is documented.  No other file of libneoos maps an errno
 * to an E_* code.
 */
#include <errno.h>
#include <stddef.h>

#include <linux/neoos.h>

#include "include/error.h"
#include "internal.h"

static __thread int neoos_last_error;

int __neoos_set_error(int err)
{
	neoos_last_error = err;
	return err;
}

int __neoos_errno_to_error(int errnum)
{
	switch (errnum) {
	case EPERM:
	case EACCES:
	case ETXTBSY:
	case EROFS:
		return E_PERM;
	case ENOENT:
	case ENOTDIR:
	case ENAMETOOLONG:
	case ELOOP:
		return E_NOENT;
	case EINTR:
		return E_INTR;
	case EIO:
		return E_IO;
	case EAGAIN:
		return E_AGAIN;
	case ENOMEM:
	case EMFILE:
	case ENFILE:
		return E_NOMEM;
	case EBUSY:
		return E_BUSY;
	case EEXIST:
		return E_EXIST;
	case ENOSPC:
	case EDQUOT:
	case EFBIG:
		return E_NOSPC;
	case ENOSYS:
	case ENOTTY:
		return E_NOSYS;
	default:
		/* EBADF, EINVAL, EOVERFLOW, ENODEV, EFAULT, EISDIR, ... */
		return E_INVAL;
	}
}

int __neoos_fail(void)
{
	return __neoos_set_error(__neoos_errno_to_error(errno));
}

int __neoos_open_errno_to_error(int errnum)
{
	switch (errnum) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		/* No device node, or no driver behind it: no module. */
		return E_NOSYS;
	default:
		return __neoos_errno_to_error(errnum);
	}
}

int __neoos_unmap_errno_to_error(int errnum)
{
	static const int kept[] = NEOOS_UNMAP_KEPT_ERRNOS;

	/* NEOOS_IOC_UNMAP removed nothing: the errno's own code. */
	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		if (errnum == kept[i])
			return __neoos_errno_to_error(errnum);
	/* The mapping is gone and writing it back failed. */
	return E_IO;
}

__neoos_public int sys_errno(void)
{
	return neoos_last_error;
}

__neoos_public const char *sys_strerror(int err)
{
	switch (err) {
	case E_OK:	return "success";
	case E_PERM:	return "permission denied";
	case E_NOENT:	return "no such file";
	case E_INTR:	return "interrupted";
	case E_IO:	return "I/O error";
	case E_AGAIN:	return "try again";
	case E_NOMEM:	return "out of memory or address space";
	case E_BUSY:	return "resource busy";
	case E_EXIST:	return "file exists";
	case E_INVAL:	return "invalid argument";
	case E_NOSPC:	return "no space left";
	case E_NOSYS:	return "neoos is not available (is neoos.ko loaded?)";
	default:	return "unknown error";
	}
}
