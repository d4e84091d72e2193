// SPDX-License-Identifier: MIT
/*
 * The cases of page faults: first-touch reads of a cached file in order
 * and shuffled (with the minor faults they take), and stores that dirty
 * every page, then flushed.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <libneoos.h>

#include "bench.h"

/* What the touch loops read goes here, so that the reads are not elided. */
static volatile unsigned long sink;

/* -- fault_read_seq_256m, fault_read_rand_256m, minflt_seq_256m -- */

struct fr_ctx {
	int fd;
	size_t size;
	size_t npages;
	uint32_t *order;	/* NULL: sequential */
};

static double fr_touch(struct fr_ctx *x, const char *p, double *aux)
{
	unsigned long s = 0;
	long f0;
	double t;
	size_t i;

	f0 = minflt();
	t = now();
	if (x->order)
		for (i = 0; i < x->npages; i++)
			s += p[(size_t)x->order[i] * page_size];
	else
		for (i = 0; i < x->npages; i++)
			s += p[i * page_size];
	t = now() - t;
	*aux = (double)(minflt() - f0);
	sink += s;
	return t;
}

/* @native: mmap(2) rather than sys_mmap */
static double fr_sample(void *c, long native, double *aux)
{
	struct fr_ctx *x = c;
	char *p = native ? nat_map(x->fd, x->size, PROT_READ) :
			   neo_map(x->fd, x->size);
	double t = fr_touch(x, p, aux);

	if (native)
		nat_unmap(p, x->size);
	else
		neo_unmap(p, x->size);
	return t;
}

void case_fault_read(double budget)
{
	struct fr_ctx x = { .size = 256 * MIB };
	struct result *r, *m;
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	size_t i;

	if (!want("fault_read_seq_256m") && !want("fault_read_rand_256m") &&
	    !want("minflt_seq_256m"))
		return;
	x.npages = x.size / page_size;
	x.fd = make_file("bench-read-256m", x.size, 0, O_RDONLY);

	if (want("fault_read_seq_256m") || want("minflt_seq_256m")) {
		r = new_result("fault_read_seq_256m", "ms",
			       "first-touch read of every page in order, warm page cache",
			       SIDE("sys_mmap, touch", fr_sample, false),
			       SIDE("mmap, touch", fr_sample, true));
		run_pair(r, &x, budget);

		/* fault_read_seq_256m's second values, not run on its own */
		m = new_result("minflt_seq_256m", "faults",
			       "ru_minflt around the sequential touch loop",
			       SIDE("sys_mmap minflt", NULL, 0),
			       SIDE("mmap minflt", NULL, 0));
		memcpy(m->a.v, r->a.aux, sizeof(m->a.v));
		memcpy(m->b.v, r->b.aux, sizeof(m->b.v));
		m->a.n = r->a.n;
		m->b.n = r->b.n;
		m->rounds = r->rounds;
		m->stop = "with fault_read_seq_256m";
		m->ratio = ratio_of(m, m->a.n);
	}

	if (want("fault_read_rand_256m")) {
		x.order = malloc(x.npages * sizeof(*x.order));
		if (!x.order)
			die("malloc");
		for (i = 0; i < x.npages; i++)
			x.order[i] = i;
		for (i = x.npages - 1; i > 0; i--) {
			size_t j;
			uint32_t tmp;

			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			j = seed % (i + 1);
			tmp = x.order[i];
			x.order[i] = x.order[j];
			x.order[j] = tmp;
		}
		run_pair(new_result("fault_read_rand_256m", "ms",
				    "first-touch read of every page in a fixed shuffled order, warm page cache",
				    SIDE("sys_mmap, touch", fr_sample, false),
				    SIDE("mmap, touch", fr_sample, true)), &x, budget);
		free(x.order);
	}
	close(x.fd);
}

/* -- fault_write_flush_64m -- */

struct fw_ctx {
	int fd;
	size_t size;
	unsigned char val;
};

static void fw_dirty(struct fw_ctx *x, char *p)
{
	size_t i;

	x->val++;
	for (i = 0; i < x->size; i += page_size)
		p[i] = (char)x->val;
}

/* @native: mmap(2), msync(MS_SYNC) and munmap(2) rather than sys_mmap and sys_munmap */
static double fw_sample(void *c, long native, double *aux)
{
	struct fw_ctx *x = c;
	double t = now();
	char *p = native ? nat_map(x->fd, x->size, PROT_READ | PROT_WRITE) :
			   neo_map(x->fd, x->size);

	fw_dirty(x, p);
	if (native) {
		if (msync(p, x->size, MS_SYNC))
			die("msync");
		nat_unmap(p, x->size);
	} else {
		neo_unmap(p, x->size);
	}
	return now() - t;
}

void case_fault_write(double budget)
{
	struct fw_ctx x = { .size = 64 * MIB };

	x.fd = make_file("bench-write-64m", x.size, 0, O_RDWR);
	run_pair(new_result("fault_write_flush_64m", "ms",
			    "map, one store per page, flush and unmap",
			    SIDE("sys_mmap, store, sys_munmap", fw_sample, false),
			    SIDE("mmap, store, msync(MS_SYNC), munmap", fw_sample, true)), &x, budget);
	close(x.fd);
}

