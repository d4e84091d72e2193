// SPDX-License-Identifier: MIT
/*
 * The copy cases: 256 MiB copied through two mappings on each side, and,
 * for reference, the same copy with read/write and copy_file_range.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <libneoos.h>

#include "bench.h"

/* -- copy_256m, and read/write and copy_file_range for reference -- */

struct cp_ctx {
	int src, dst;
	size_t size;
	char *buf;
};

static double cp_neo(void *c, long arg, double *aux)
{
	struct cp_ctx *x = c;
	double t = now();
	uint64_t sid, did;
	void *s, *d;
	int ret;

	s = sys_mmap_ex(NULL, x->size, NEOOS_PROT_READ, NEOOS_MAP_SHARED,
			x->src, 0, &sid);
	d = sys_mmap_ex(NULL, x->size, NEOOS_PROT_READ | NEOOS_PROT_WRITE,
			NEOOS_MAP_SHARED, x->dst, 0, &did);
	if (!s || !d)
		die("sys_mmap_ex: %s", sys_strerror(sys_errno()));
	memcpy(d, s, x->size);
	ret = sys_munmap_id(sid);
	if (!ret)
		ret = sys_munmap_id(did);
	if (ret)
		die("sys_munmap_id: %s", sys_strerror(ret));
	return now() - t;
}

static double cp_nat(void *c, long arg, double *aux)
{
	struct cp_ctx *x = c;
	double t = now();
	void *s, *d;

	s = nat_map(x->src, x->size, PROT_READ);
	d = nat_map(x->dst, x->size, PROT_READ | PROT_WRITE);
	memcpy(d, s, x->size);
	if (msync(d, x->size, MS_SYNC))
		die("msync");
	nat_unmap(s, x->size);
	nat_unmap(d, x->size);
	return now() - t;
}

static double cp_rw(void *c, long arg, double *aux)
{
	struct cp_ctx *x = c;
	double t = now();
	size_t off;

	for (off = 0; off < x->size; off += MIB) {
		if (pread(x->src, x->buf, MIB, off) != (ssize_t)MIB ||
		    pwrite(x->dst, x->buf, MIB, off) != (ssize_t)MIB)
			die("read/write");
	}
	if (fsync(x->dst))
		die("fsync");
	return now() - t;
}

static double cp_cfr(void *c, long arg, double *aux)
{
	struct cp_ctx *x = c;
	double t = now();
	loff_t in = 0, out = 0;

	while ((size_t)in < x->size) {
		ssize_t n = copy_file_range(x->src, &in, x->dst, &out,
				    x->size - in, 0);

		if (n <= 0)
			die("copy_file_range");
	}
	if (fsync(x->dst))
		die("fsync");
	return now() - t;
}

void case_copy(double budget)
{
	struct cp_ctx x = { .size = 256 * MIB };

	x.src = make_file("bench-copy-src", x.size, 0, O_RDWR);
	x.dst = make_file("bench-copy-dst", x.size, 0, O_RDWR);
	x.buf = malloc(MIB);
	if (!x.buf)
		die("malloc");
	run_pair(new_result("copy_256m", "ms",
			    "copy through mappings: neoos flushes in sys_munmap, native with msync(MS_SYNC)",
			    SIDE("sys_mmap_ex, memcpy, sys_munmap", cp_neo, 0),
			    SIDE("mmap, memcpy, msync, munmap", cp_nat, 0)), &x, budget);

	run_pair(new_result("ref_copy_256m_rw_vs_cfr", "ms",
			    "reference: read/write in 1 MiB chunks + fsync, and copy_file_range + fsync",
			    SIDE("read/write, fsync", cp_rw, 0),
			    SIDE("copy_file_range, fsync", cp_cfr, 0)), &x, budget / 2);
	free(x.buf);
	close(x.src);
	close(x.dst);
}

