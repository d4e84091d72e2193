// SPDX-License-Identifier: MIT
/*
 * neoos-bench: neoos mappings against native Linux mmap(2), side by side.
 *
 * Every case runs its neoos variant and the native equivalent alternately
 * (neoos, native, neoos, native, ...) in the same process, so both see the
 * same machine state.  Rounds repeat until the median of each side and
 * their quotient moved less than --stable percent over the last three
 * rounds (once at least --min rounds ran and --min-secs seconds passed),
 * or the case's time budget is spent, or --max rounds ran.
 *
 * Output: the JSON of every sample between two marker lines, then a
 * table, then, last, one line per case: "bench <case> ratio <x.xx>", the
 * neoos median over the native median (lower is better).
 *
 * Files are made in the current directory.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <linux/neoos.h>
#include <neoos.h>
#include <syscalls.h>

#define KIB		1024UL
#define MIB		(1024 * KIB)
#define GIB		(1024 * MIB)
#define MAX_SAMPLES	256

static long page_size;
static int min_rounds = 11;
static int max_rounds = 121;
static double min_secs = 3.0;
static double stable_pct = 2.0;
static double budget_scale = 1.0;
static const char *only;
static const char *json_path;
static volatile unsigned long sink;

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "neoos-bench: ");
	vfprintf(stderr, fmt, ap);
	if (errno)
		fprintf(stderr, ": %s", strerror(errno));
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static long minflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

/* ---- statistics ---- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Linear-interpolated quantile @q of the first @n of @v. */
static double quantile(const double *v, int n, double q)
{
	double s[MAX_SAMPLES], pos;
	int i;

	if (n <= 0)
		return 0;
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	pos = q * (n - 1);
	i = (int)pos;
	if (i + 1 >= n)
		return s[n - 1];
	return s[i] + (pos - i) * (s[i + 1] - s[i]);
}

static double median(const double *v, int n)
{
	return quantile(v, n, 0.5);
}

/* ---- cases ---- */

/*
 * One side of a case.  run() returns one sample (in the case's unit) and
 * may store a second value in *aux (minor faults).
 */
struct side {
	const char *label;
	double (*run)(void *ctx, double *aux);
	double v[MAX_SAMPLES];
	double aux[MAX_SAMPLES];
	int n;
};

struct result {
	const char *name;
	const char *unit;	/* "us", "ms", "faults", "x" */
	const char *note;
	int reference;		/* no ratio line */
	struct side a, b;	/* a: neoos, b: native */
	double ratio;
	int rounds;
	const char *stop;
	double secs;
};

#define MAX_RESULTS 16
static struct result results[MAX_RESULTS];
static int nresults;

static struct result *new_result(const char *name, const char *unit)
{
	struct result *r = &results[nresults++];

	memset(r, 0, sizeof(*r));
	r->name = name;
	r->unit = unit;
	return r;
}

static int moved_less(double m, double p)
{
	return m > 0 && (m - p < 0 ? p - m : m - p) / m * 100 < stable_pct;
}

static double ratio_of(const struct result *r, int n)
{
	return median(r->a.v, n) / median(r->b.v, n);
}

/*
 * Have both medians, and their quotient, settled over the last @lookback
 * rounds?  The quotient is checked too: two medians that each moved a bit
 * the other way can move it twice as much.
 */
static int stable(const struct result *r, int lookback)
{
	int n = r->a.n, p = n - lookback;

	return moved_less(median(r->a.v, n), median(r->a.v, p)) &&
	       moved_less(median(r->b.v, n), median(r->b.v, p)) &&
	       moved_less(ratio_of(r, n), ratio_of(r, p));
}

/*
 * Alternate a and b until both medians are stable, @budget seconds are
 * spent (after the minimum) or max_rounds ran.  One untimed warm-up each.
 *
 * The minimum time matters for the short cases: eleven rounds of
 * map_unmap_4k take under a second under TCG, and medians of so short a
 * run followed the host's noise (the ratio wandered 1.18-1.25 between
 * back-to-back runs in one VM); a few seconds of rounds average it out.
 */
static void run_pair(struct result *r, void *ctx, double budget)
{
	double t0 = now(), aux;
	int i;

	budget *= budget_scale;
	r->a.run(ctx, &aux);
	r->b.run(ctx, &aux);
	for (i = 0; i < max_rounds && i < MAX_SAMPLES; i++) {
		r->a.v[r->a.n] = r->a.run(ctx, &r->a.aux[r->a.n]);
		r->a.n++;
		r->b.v[r->b.n] = r->b.run(ctx, &r->b.aux[r->b.n]);
		r->b.n++;
		if (i + 1 < min_rounds || now() - t0 < min_secs)
			continue;
		if (stable(r, 3)) {
			r->stop = "stable";
			break;
		}
		if (now() - t0 > budget) {
			r->stop = "budget";
			break;
		}
	}
	if (!r->stop)
		r->stop = "max_rounds";
	r->rounds = r->a.n;
	r->secs = now() - t0;
	r->ratio = ratio_of(r, r->a.n);
	fprintf(stderr, "neoos-bench: %-22s %2d rounds, %5.1fs, %s, ratio %.2f\n",
		r->name, r->rounds, r->secs, r->stop, r->ratio);
}

/*
 * Stay on the CPU we started on.  Every case is single-threaded; letting
 * the scheduler move it puts the other CPU in the mm's cpumask, and from
 * then on each munmap's TLB flush may interrupt that CPU too.  Under TCG
 * such cross-CPU work costs microseconds and came and went from one boot
 * to the next, moving map_unmap_4k's ratio between 1.20 and 1.26.
 */
static void pin_cpu(void)
{
	cpu_set_t set;
	int cpu = sched_getcpu();

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		fprintf(stderr, "neoos-bench: cannot pin to CPU %d: %s\n", cpu,
			strerror(errno));
}

static int want(const char *name)
{
	return !only || strstr(only, name);
}

/* A file of @size bytes of data (or a hole with @sparse), cached, clean. */
static int make_file(const char *path, size_t size, int sparse, int flags)
{
	static char buf[1 << 20];
	size_t done;
	int fd;

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die("open %s", path);
	if (sparse) {
		if (ftruncate(fd, size))
			die("ftruncate %s", path);
	} else {
		for (done = 0; done < size; done += sizeof(buf)) {
			size_t n = size - done < sizeof(buf) ? size - done : sizeof(buf);

			memset(buf, (int)(done / sizeof(buf)) + 1, n);
			if (pwrite(fd, buf, n, done) != (ssize_t)n)
				die("write %s", path);
		}
		if (fsync(fd))
			die("fsync %s", path);
		/* read it back so that it is in the page cache */
		for (done = 0; done < size; done += sizeof(buf))
			if (pread(fd, buf, sizeof(buf), done) < 0)
				die("read %s", path);
	}
	close(fd);
	fd = open(path, flags);
	if (fd < 0)
		die("open %s", path);
	return fd;
}

static void *neo_map(int fd, size_t size)
{
	void *p = sys_mmap(fd, 0, (int)size);

	if (!p)
		die("sys_mmap: %s", sys_strerror(sys_errno()));
	return p;
}

static void neo_unmap(void *p, size_t size)
{
	int ret = sys_munmap(p, (int)size);

	if (ret)
		die("sys_munmap: %s", sys_strerror(ret));
}

static void *nat_map(int fd, size_t size, int prot)
{
	void *p = mmap(NULL, size, prot, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		die("mmap");
	return p;
}

static void nat_unmap(void *p, size_t size)
{
	if (munmap(p, size))
		die("munmap");
}

/* -- map_unmap_4k, map_unmap_64m: time per pair, in us -- */

struct mu_ctx {
	int fd;
	size_t size;
	int pairs;
};

static double mu_neo(void *c, double *aux)
{
	struct mu_ctx *x = c;
	double t = now();
	int i;

	for (i = 0; i < x->pairs; i++)
		neo_unmap(neo_map(x->fd, x->size), x->size);
	*aux = 0;
	return (now() - t) / x->pairs * 1e6;
}

static double mu_nat(void *c, double *aux)
{
	struct mu_ctx *x = c;
	double t = now();
	int i;

	for (i = 0; i < x->pairs; i++)
		nat_unmap(nat_map(x->fd, x->size, PROT_READ | PROT_WRITE), x->size);
	*aux = 0;
	return (now() - t) / x->pairs * 1e6;
}

static void case_map_unmap(const char *name, const char *path, size_t size,
			   int pairs, double budget)
{
	struct mu_ctx x = { .size = size, .pairs = pairs };
	struct result *r;

	if (!want(name))
		return;
	x.fd = make_file(path, size, 0, O_RDWR);
	r = new_result(name, "us");
	r->note = "time per map+unmap pair, O_RDWR file, shared read-write";
	r->a = (struct side){ .label = "sys_mmap+sys_munmap", .run = mu_neo };
	r->b = (struct side){ .label = "mmap+munmap", .run = mu_nat };
	run_pair(r, &x, budget);
	close(x.fd);
}

/* -- ref_ioctl_vs_syscall: what one ioctl round trip costs -- */

struct io_ctx {
	int dev;
	int calls;
};

static double io_version(void *c, double *aux)
{
	struct io_ctx *x = c;
	struct neoos_version v;
	double t = now();
	int i;

	for (i = 0; i < x->calls; i++)
		if (ioctl(x->dev, NEOOS_IOC_VERSION, &v))
			die("NEOOS_IOC_VERSION");
	*aux = 0;
	return (now() - t) / x->calls * 1e9;
}

static double io_getppid(void *c, double *aux)
{
	struct io_ctx *x = c;
	double t = now();
	int i;

	for (i = 0; i < x->calls; i++)
		syscall(SYS_getppid);
	*aux = 0;
	return (now() - t) / x->calls * 1e9;
}

/*
 * Every sys_mmap and sys_munmap is one ioctl on /dev/neoos where mmap(2)
 * and munmap(2) are plain system calls: this shows how much of
 * map_unmap's difference is the ioctl path itself (descriptor lookup,
 * the LSMs' file_ioctl hooks, do_vfs_ioctl()) before neoos does anything.
 */
static void case_ioctl(void)
{
	struct io_ctx x = { .calls = 20000 };
	const char *path = getenv("NEOOS_DEVICE");
	struct result *r;

	if (!want("ref_ioctl_vs_syscall"))
		return;
	x.dev = open(path && *path ? path : "/dev/neoos", O_RDWR | O_CLOEXEC);
	if (x.dev < 0)
		die("open /dev/neoos");
	r = new_result("ref_ioctl_vs_syscall", "ns");
	r->reference = 1;
	r->note = "reference: one NEOOS_IOC_VERSION ioctl, and one getppid()";
	r->a = (struct side){ .label = "ioctl(NEOOS_IOC_VERSION)", .run = io_version };
	r->b = (struct side){ .label = "getppid", .run = io_getppid };
	run_pair(r, &x, 20);
	close(x.dev);
}

/* -- map_cost_1g_vs_4k: neoos map time, 1 GiB over 4 KiB -- */

struct mc_ctx {
	int fd;
	int reps;
	int native;
};

static double mc_one(struct mc_ctx *x, size_t size)
{
	double t, sum = 0;
	void *p;
	int i;

	for (i = 0; i < x->reps; i++) {
		t = now();
		p = x->native ? nat_map(x->fd, size, PROT_READ | PROT_WRITE) :
				neo_map(x->fd, size);
		sum += now() - t;
		if (x->native)
			nat_unmap(p, size);
		else
			neo_unmap(p, size);
	}
	return sum / x->reps * 1e6;
}

static double mc_1g(void *c, double *aux)
{
	*aux = 0;
	return mc_one(c, GIB);
}

static double mc_4k(void *c, double *aux)
{
	*aux = 0;
	return mc_one(c, 4 * KIB);
}

static void case_map_cost(double budget)
{
	struct mc_ctx x = { .reps = 300 };
	struct result *r;

	if (!want("map_cost_1g_vs_4k"))
		return;
	x.fd = make_file("bench-sparse-1g", GIB, 1, O_RDWR);
	r = new_result("map_cost_1g_vs_4k", "us");
	r->note = "columns: neoos map time of 1 GiB (sparse file) and of 4 KiB; ratio = their quotient";
	r->a = (struct side){ .label = "sys_mmap 1 GiB", .run = mc_1g };
	r->b = (struct side){ .label = "sys_mmap 4 KiB", .run = mc_4k };
	run_pair(r, &x, budget);

	/* the same quotient for native mmap, for reference */
	x.native = 1;
	r = new_result("ref_native_map_cost_1g_vs_4k", "us");
	r->reference = 1;
	r->note = "reference: native mmap time of 1 GiB and of 4 KiB";
	r->a = (struct side){ .label = "mmap 1 GiB", .run = mc_1g };
	r->b = (struct side){ .label = "mmap 4 KiB", .run = mc_4k };
	run_pair(r, &x, budget / 2);
	close(x.fd);
}

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
	return t * 1e3;
}

static double fr_neo(void *c, double *aux)
{
	struct fr_ctx *x = c;
	char *p = neo_map(x->fd, x->size);
	double t = fr_touch(x, p, aux);

	neo_unmap(p, x->size);
	return t;
}

static double fr_nat(void *c, double *aux)
{
	struct fr_ctx *x = c;
	char *p = nat_map(x->fd, x->size, PROT_READ);
	double t = fr_touch(x, p, aux);

	nat_unmap(p, x->size);
	return t;
}

static void case_fault_read(double budget)
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
		r = new_result("fault_read_seq_256m", "ms");
		r->note = "first-touch read of every page in order, warm page cache";
		r->a = (struct side){ .label = "sys_mmap, touch", .run = fr_neo };
		r->b = (struct side){ .label = "mmap, touch", .run = fr_nat };
		run_pair(r, &x, budget);

		m = new_result("minflt_seq_256m", "faults");
		m->note = "ru_minflt around the sequential touch loop";
		m->a.label = "sys_mmap minflt";
		m->b.label = "mmap minflt";
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
		r = new_result("fault_read_rand_256m", "ms");
		r->note = "first-touch read of every page in a fixed shuffled order, warm page cache";
		r->a = (struct side){ .label = "sys_mmap, touch", .run = fr_neo };
		r->b = (struct side){ .label = "mmap, touch", .run = fr_nat };
		run_pair(r, &x, budget);
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

static double fw_neo(void *c, double *aux)
{
	struct fw_ctx *x = c;
	double t = now();
	char *p = neo_map(x->fd, x->size);

	fw_dirty(x, p);
	neo_unmap(p, x->size);
	*aux = 0;
	return (now() - t) * 1e3;
}

static double fw_nat(void *c, double *aux)
{
	struct fw_ctx *x = c;
	double t = now();
	char *p = nat_map(x->fd, x->size, PROT_READ | PROT_WRITE);

	fw_dirty(x, p);
	if (msync(p, x->size, MS_SYNC))
		die("msync");
	nat_unmap(p, x->size);
	*aux = 0;
	return (now() - t) * 1e3;
}

static void case_fault_write(double budget)
{
	struct fw_ctx x = { .size = 64 * MIB };
	struct result *r;

	if (!want("fault_write_flush_64m"))
		return;
	x.fd = make_file("bench-write-64m", x.size, 0, O_RDWR);
	r = new_result("fault_write_flush_64m", "ms");
	r->note = "map, one store per page, flush and unmap";
	r->a = (struct side){ .label = "sys_mmap, store, sys_munmap", .run = fw_neo };
	r->b = (struct side){ .label = "mmap, store, msync(MS_SYNC), munmap", .run = fw_nat };
	run_pair(r, &x, budget);
	close(x.fd);
}

/* -- copy_256m, and read/write and copy_file_range for reference -- */

struct cp_ctx {
	int src, dst;
	size_t size;
	char *buf;
};

static double cp_neo(void *c, double *aux)
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
	*aux = 0;
	return (now() - t) * 1e3;
}

static double cp_nat(void *c, double *aux)
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
	*aux = 0;
	return (now() - t) * 1e3;
}

static double cp_rw(void *c, double *aux)
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
	*aux = 0;
	return (now() - t) * 1e3;
}

static double cp_cfr(void *c, double *aux)
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
	*aux = 0;
	return (now() - t) * 1e3;
}

static void case_copy(double budget)
{
	struct cp_ctx x = { .size = 256 * MIB };
	struct result *r;

	if (!want("copy_256m"))
		return;
	x.src = make_file("bench-copy-src", x.size, 0, O_RDWR);
	x.dst = make_file("bench-copy-dst", x.size, 0, O_RDWR);
	x.buf = malloc(MIB);
	if (!x.buf)
		die("malloc");
	r = new_result("copy_256m", "ms");
	r->note = "copy through mappings: neoos flushes in sys_munmap, native with msync(MS_SYNC)";
	r->a = (struct side){ .label = "sys_mmap_ex, memcpy, sys_munmap", .run = cp_neo };
	r->b = (struct side){ .label = "mmap, memcpy, msync, munmap", .run = cp_nat };
	run_pair(r, &x, budget);

	r = new_result("ref_copy_256m_rw_vs_cfr", "ms");
	r->reference = 1;
	r->note = "reference: read/write in 1 MiB chunks + fsync, and copy_file_range + fsync";
	r->a = (struct side){ .label = "read/write, fsync", .run = cp_rw };
	r->b = (struct side){ .label = "copy_file_range, fsync", .run = cp_cfr };
	run_pair(r, &x, budget / 2);
	free(x.buf);
	close(x.src);
	close(x.dst);
}

/* ---- output ---- */

static double spread_pct(const struct side *s)
{
	double m = median(s->v, s->n);

	return m ? (quantile(s->v, s->n, 0.75) - quantile(s->v, s->n, 0.25)) / m * 100 : 0;
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void json_side(FILE *f, const struct side *s)
{
	int i;

	fprintf(f, "{\"label\": ");
	json_str(f, s->label);
	fprintf(f, ", \"median\": %.6g, \"q1\": %.6g, \"q3\": %.6g, \"min\": %.6g, \"max\": %.6g, \"iqr_pct\": %.3f, \"samples\": [",
		median(s->v, s->n), quantile(s->v, s->n, 0.25),
		quantile(s->v, s->n, 0.75), quantile(s->v, s->n, 0),
		quantile(s->v, s->n, 1), spread_pct(s));
	for (i = 0; i < s->n; i++)
		fprintf(f, "%s%.6g", i ? ", " : "", s->v[i]);
	fprintf(f, "]");
	for (i = 0; i < s->n && s->aux[i] == 0; i++)
		;
	if (i < s->n) {
		fprintf(f, ", \"minflt\": [");
		for (i = 0; i < s->n; i++)
			fprintf(f, "%s%.0f", i ? ", " : "", s->aux[i]);
		fprintf(f, "]");
	}
	fprintf(f, "}");
}

static void json_write(FILE *f, double total)
{
	struct utsname u;
	int i;

	uname(&u);
	fprintf(f, "{\n  \"tool\": \"neoos-bench\",\n  \"kernel\": ");
	json_str(f, u.release);
	fprintf(f, ",\n  \"machine\": ");
	json_str(f, u.machine);
	fprintf(f, ",\n  \"cpus\": %ld,\n  \"mem_kib\": %ld,\n  \"page_size\": %ld,\n",
		sysconf(_SC_NPROCESSORS_ONLN),
		sysconf(_SC_PHYS_PAGES) * (page_size / 1024), page_size);
	fprintf(f, "  \"clock\": \"CLOCK_MONOTONIC\",\n  \"min_rounds\": %d,\n  \"min_secs\": %g,\n  \"max_rounds\": %d,\n  \"stable_pct\": %g,\n  \"total_secs\": %.1f,\n  \"cases\": [\n",
		min_rounds, min_secs, max_rounds, stable_pct, total);
	for (i = 0; i < nresults; i++) {
		const struct result *r = &results[i];

		fprintf(f, "    {\"name\": ");
		json_str(f, r->name);
		fprintf(f, ", \"unit\": ");
		json_str(f, r->unit);
		fprintf(f, ", \"reference\": %s, \"note\": ", r->reference ? "true" : "false");
		json_str(f, r->note);
		fprintf(f, ", \"ratio\": %.4f, \"rounds\": %d, \"stop\": ", r->ratio, r->rounds);
		json_str(f, r->stop);
		fprintf(f, ", \"secs\": %.2f,\n     \"neoos\": ", r->secs);
		json_side(f, &r->a);
		fprintf(f, ",\n     \"native\": ");
		json_side(f, &r->b);
		fprintf(f, "}%s\n", i + 1 < nresults ? "," : "");
	}
	fprintf(f, "  ]\n}\n");
}

static void table(void)
{
	struct utsname u;
	int i;

	uname(&u);
	printf("neoos-bench on %s (%s), %ld CPUs, %ld MiB; medians, spread = IQR %% of median\n",
	       u.release, u.machine, sysconf(_SC_NPROCESSORS_ONLN),
	       sysconf(_SC_PHYS_PAGES) * (page_size / 1024) / 1024);
	printf("%-29s %8s %12s %7s %12s %7s %6s %6s\n", "case", "unit",
	       "neoos", "spread", "native", "spread", "rounds", "ratio");
	for (i = 0; i < nresults; i++) {
		const struct result *r = &results[i];

		printf("%-29s %8s %12.3f %6.1f%% %12.3f %6.1f%% %6d %6.2f\n",
		       r->name, r->unit, median(r->a.v, r->a.n), spread_pct(&r->a),
		       median(r->b.v, r->b.n), spread_pct(&r->b), r->rounds, r->ratio);
	}
	printf("notes:\n");
	for (i = 0; i < nresults; i++)
		printf("  %-27s %s\n", results[i].name, results[i].note);
	for (i = 0; i < nresults; i++)
		if (!results[i].reference)
			printf("bench %s ratio %.2f\n", results[i].name, results[i].ratio);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: neoos-bench [--min N] [--min-secs S] [--max N] [--stable PCT]\n"
		"                   [--budget-scale X] [--only CASE[,CASE...]] [--json FILE]\n"
		"Runs in the current directory; prints the JSON of all samples between\n"
		"'-----BEGIN NEOOS-BENCH JSON-----' and '-----END NEOOS-BENCH JSON-----'\n"
		"(or writes it to FILE), then the table, then 'bench <case> ratio <x.xx>'.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "min", required_argument, NULL, 'n' },
		{ "min-secs", required_argument, NULL, 't' },
		{ "max", required_argument, NULL, 'x' },
		{ "stable", required_argument, NULL, 's' },
		{ "budget-scale", required_argument, NULL, 'b' },
		{ "only", required_argument, NULL, 'o' },
		{ "json", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	double t0;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': min_rounds = atoi(optarg); break;
		case 't': min_secs = atof(optarg); break;
		case 'x': max_rounds = atoi(optarg); break;
		case 's': stable_pct = atof(optarg); break;
		case 'b': budget_scale = atof(optarg); break;
		case 'o': only = optarg; break;
		case 'j': json_path = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (min_rounds < 3)
		min_rounds = 3;
	if (max_rounds > MAX_SAMPLES)
		max_rounds = MAX_SAMPLES;
	if (max_rounds < min_rounds)
		max_rounds = min_rounds;
	page_size = sysconf(_SC_PAGESIZE);
	pin_cpu();
	setvbuf(stdout, NULL, _IOLBF, 0);

	t0 = now();
	case_map_unmap("map_unmap_4k", "bench-4k", 4 * KIB, 2000, 40);
	case_map_unmap("map_unmap_64m", "bench-64m", 64 * MIB, 2000, 40);
	case_ioctl();
	case_map_cost(20);
	case_fault_read(50);
	case_fault_write(50);
	case_copy(80);

	if (json_path) {
		FILE *f = fopen(json_path, "w");

		if (!f)
			die("%s", json_path);
		json_write(f, now() - t0);
		fclose(f);
	} else {
		printf("-----BEGIN NEOOS-BENCH JSON-----\n");
		json_write(stdout, now() - t0);
		printf("-----END NEOOS-BENCH JSON-----\n");
	}
	table();
	unlink("bench-4k");
	unlink("bench-64m");
	unlink("bench-sparse-1g");
	unlink("bench-read-256m");
	unlink("bench-write-64m");
	unlink("bench-copy-src");
	unlink("bench-copy-dst");
	return 0;
}
