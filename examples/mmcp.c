// SPDX-License-Identifier: MIT
/*
 * mmcp - copy a file through neoos mappings, the exercise of the POSIX
 * mmap tutorial done with libneoos.
 *
 *   mmcp [-w WINDOW_MB] SOURCE DEST
 *
 * The source is mapped read-only and the destination read-write, a window
 * at a time, so files larger than memory (or address space) copy in
 * bounded memory.  An empty source makes an empty destination: there is
 * nothing to map.  Errors say which call failed and why, and exit 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libneoos.h>

static int fail(const char *what, const char *path, int err)
{
	fprintf(stderr, "mmcp: %s %s: %s\n", what, path, sys_strerror(err));
	return 1;
}

/* For the POSIX calls: errno, not an E_* code. */
static int fail_errno(const char *what, const char *path)
{
	fprintf(stderr, "mmcp: %s %s: %s\n", what, path, strerror(errno));
	return 1;
}

static int copy_window(int in, int out, uint64_t pos, uint64_t len,
		       const char *src, const char *dst)
{
	uint64_t rid, wid;
	void *from, *to;
	int ret;

	from = sys_mmap_ex(NULL, len, NEOOS_PROT_READ, NEOOS_MAP_SHARED, in,
			   pos, &rid);
	if (!from)
		return fail("cannot map", src, sys_errno());
	to = sys_mmap_ex(NULL, len, NEOOS_PROT_READ | NEOOS_PROT_WRITE,
			 NEOOS_MAP_SHARED, out, pos, &wid);
	if (!to) {
		sys_munmap_id(rid);
		return fail("cannot map", dst, sys_errno());
	}
	memcpy(to, from, len);
	sys_munmap_id(rid);
	/* Unmapping writes the window back: report what the disk said. */
	ret = sys_munmap_id(wid);
	if (ret != E_OK)
		return fail("cannot write", dst, ret);
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t window = 64ULL << 20, pos;
	struct stat st;
	int opt, in, out;

	while ((opt = getopt(argc, argv, "w:")) != -1) {
		if (opt != 'w' || atoi(optarg) <= 0) {
			fprintf(stderr, "usage: mmcp [-w WINDOW_MB] SOURCE DEST\n");
			return 2;
		}
		window = (uint64_t)atoi(optarg) << 20;
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: mmcp [-w WINDOW_MB] SOURCE DEST\n");
		return 2;
	}
	in = open(argv[optind], O_RDONLY);
	if (in < 0 || fstat(in, &st))
		return fail_errno("cannot open", argv[optind]);
	if (!S_ISREG(st.st_mode))
		return fail("cannot copy", argv[optind], E_INVAL);
	out = open(argv[optind + 1], O_RDWR | O_CREAT | O_TRUNC, st.st_mode & 0777);
	if (out < 0)
		return fail_errno("cannot create", argv[optind + 1]);
	if (ftruncate(out, st.st_size))
		return fail_errno("cannot size", argv[optind + 1]);

	for (pos = 0; pos < (uint64_t)st.st_size; pos += window) {
		uint64_t len = (uint64_t)st.st_size - pos;

		if (len > window)
			len = window;
		if (copy_window(in, out, pos, len, argv[optind], argv[optind + 1]))
			return 1;
	}
	close(in);
	if (close(out))
		return fail_errno("cannot close", argv[optind + 1]);
	return 0;
}
