// SPDX-License-Identifier: MIT
/*
 * The cases of scale: a request that names one mapping, by id or by
 * address, with 1, 1,000, 10,000 and 60,000 live mappings in the process,
 * against the same request with 1 (at 1: the two sides' processes are
 * alike, so that ratio is the method's own error).
 *
 * Each side is a child process, both forked at the start of the case
 * from the same state and pinned to the bench's CPU (they inherit its
 * pinning): one keeps 1 mapping (the "native" column), the other grows
 * its mappings once per level (1,000, then 10,000, then 60,000).  The
 * sides still alternate sample by sample, as in every case: a child runs
 * a sample when the bench asks through a pipe, and times it itself.
 * Neither side is rebuilt between samples, the mappings go away with the
 * child's exit rather than one request each, and the bench's own mm is
 * left as the later cases expect it.  (With the bench's own process as
 * the 1-mapping side, sys_munmap + sys_mmap came out 5-20% slower there
 * than in the child with 60,000 mappings: the two sides' processes must
 * be alike.)
 *
 * Every mapping is 4 KiB of its own page of one sparse file, shared
 * read-write: mapping i maps page i, so no page has more than one VMA in
 * the file's rmap and nothing written back walks thousands.  mmap places
 * top-down, so the oldest mapping is the highest: the last a walk of the
 * VMAs from the bottom finds.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libneoos.h>

#include "bench.h"

#define SC_MAX		60000	/* mappings at the largest level */
#define SC_SAMPLE_SECS	0.05	/* a sample takes about this long */
#define SC_MAX_CALLS	20000	/* but at most this many calls */
#define SC_MIN_CALLS	3
#define MAX_MAP_COUNT	"/proc/sys/vm/max_map_count"

enum sc_call { SC_READ, SC_MSYNC, SC_INFO_ADDR, SC_MAP_UNMAP, SC_NCALLS };

static const int sc_levels[] = { 1, 1000, 10000, SC_MAX };
#define SC_NLEVELS	((int)(sizeof(sc_levels) / sizeof(sc_levels[0])))

/* Case names, [call][level]: full names, as --only takes them. */
static const char *const sc_names[SC_NCALLS][SC_NLEVELS] = {
	[SC_READ] = { "scale_1_read_by_id", "scale_1k_read_by_id",
		      "scale_10k_read_by_id", "scale_60k_read_by_id" },
	[SC_MSYNC] = { "scale_1_msync_by_id", "scale_1k_msync_by_id",
		       "scale_10k_msync_by_id", "scale_60k_msync_by_id" },
	[SC_INFO_ADDR] = { "scale_1_info_by_addr", "scale_1k_info_by_addr",
			   "scale_10k_info_by_addr", "scale_60k_info_by_addr" },
	[SC_MAP_UNMAP] = { "scale_1_map_unmap_by_addr",
			   "scale_1k_map_unmap_by_addr",
			   "scale_10k_map_unmap_by_addr",
			   "scale_60k_map_unmap_by_addr" },
};

static const char *const sc_notes[SC_NCALLS] = {
	[SC_READ] = "columns: sys_mmap_read of 4 bytes of the oldest mapping, by id, with N / 1 live mappings; ratio = their quotient",
	[SC_MSYNC] = "columns: sys_msync(NEOOS_MS_ASYNC) of the middle mapping, by id, with N / 1 live mappings; ratio = their quotient",
	[SC_INFO_ADDR] = "columns: sys_mmap_info_addr of the oldest mapping with N / 1 live mappings; ratio = their quotient",
	[SC_MAP_UNMAP] = "columns: sys_munmap + sys_mmap of the oldest mapping (by address; back into its hole), time per pair, with N / 1 live mappings; ratio = their quotient",
};

static const char *const sc_labels[SC_NCALLS][2] = {
	[SC_READ] = { "sys_mmap_read, N mappings", "sys_mmap_read, 1 mapping" },
	[SC_MSYNC] = { "sys_msync, N mappings", "sys_msync, 1 mapping" },
	[SC_INFO_ADDR] = { "sys_mmap_info_addr, N mappings",
			   "sys_mmap_info_addr, 1 mapping" },
	[SC_MAP_UNMAP] = { "sys_munmap+sys_mmap, N mappings",
			   "sys_munmap+sys_mmap, 1 mapping" },
};

/* One process's mappings: [0] the oldest. */
struct sc_maps {
	int fd;
	int n;
	uint64_t *ids;
	char **addrs;
	uint64_t first_page;	/* mapping i maps page first_page + i */
};

static void sc_map(struct sc_maps *m, int i)
{
	uint64_t id;
	char *p = sys_mmap_ex(NULL, 4 * KIB, NEOOS_PROT_READ | NEOOS_PROT_WRITE,
			      NEOOS_MAP_SHARED, m->fd,
			      (m->first_page + i) * 4 * KIB, &id);

	if (!p)
		die("sys_mmap_ex of mapping %d: %s", i, sys_strerror(sys_errno()));
	m->addrs[i] = p;
	m->ids[i] = id;
}

/* Mean seconds per call of @calls calls of @c on @m. */
static double sc_calls(struct sc_maps *m, enum sc_call c, int calls)
{
	struct neoos_mapping_info info;
	char buf[4];
	double t = now();
	int i, ret = E_OK;

	for (i = 0; i < calls && ret == E_OK; i++) {
		switch (c) {
		case SC_READ:
			ret = sys_mmap_read(m->ids[0], 0, buf, sizeof(buf));
			break;
		case SC_MSYNC:
			ret = sys_msync(m->ids[m->n / 2], 0, 0, NEOOS_MS_ASYNC);
			break;
		case SC_INFO_ADDR:
			ret = sys_mmap_info_addr(m->addrs[0], &info);
			break;
		case SC_MAP_UNMAP:
			ret = sys_munmap(m->addrs[0], 4 * KIB);
			if (ret == E_OK) {
				m->addrs[0] = sys_mmap(m->fd, (int)(m->first_page * 4 * KIB),
						       4 * KIB);
				if (!m->addrs[0])
					ret = sys_errno();
			}
			break;
		default:
			ret = E_INVAL;
		}
	}
	t = now() - t;
	if (ret != E_OK)
		die("%s: %s", sc_labels[c][1], sys_strerror(ret));
	/* sys_mmap gave the oldest mapping a new id */
	if (c == SC_MAP_UNMAP) {
		if (sys_mmap_info_addr(m->addrs[0], &info))
			die("sys_mmap_info_addr");
		m->ids[0] = info.id;
	}
	return t / calls;
}

/* -- the children: the processes with the mappings -- */

/* A request to a child; its answer is one double. */
struct sc_req {
	int op;		/* SC_GROW, SC_SAMPLE, SC_EXIT */
	int arg;	/* SC_GROW: mappings; SC_SAMPLE: the call */
	int calls;
};

enum { SC_GROW, SC_SAMPLE, SC_EXIT };

static void sc_child(struct sc_maps *m, int in, int out)
{
	struct sc_req q;
	double v, t;

	while (read(in, &q, sizeof(q)) == sizeof(q) && q.op != SC_EXIT) {
		if (q.op == SC_GROW) {
			t = now();
			while (m->n < q.arg)
				sc_map(m, m->n++);
			v = now() - t;
		} else {
			v = sc_calls(m, q.arg, q.calls);
		}
		if (write(out, &v, sizeof(v)) != sizeof(v))
			die("scale: write to the bench");
	}
	_exit(0);
}

/* -- the cases: scale_{1,1k,10k,60k}_* -- */

struct sc_proc {
	pid_t pid;
	int to, from;		/* pipes to and from it */
};

struct sc_ctx {
	struct sc_proc proc[2];	/* [0] N mappings, [1] 1 mapping */
	enum sc_call call;
	int calls[2];		/* per sample, of each */
};

/* Fork a child whose mapping i maps page @first_page + i of @fd. */
static void sc_spawn(struct sc_proc *p, int fd, uint64_t first_page,
		     uint64_t *ids, char **addrs)
{
	int to[2], from[2];

	if (pipe(to) || pipe(from))
		die("pipe");
	fflush(NULL);
	p->pid = fork();
	if (p->pid < 0)
		die("fork");
	if (p->pid == 0) {
		struct sc_maps m = { .fd = fd, .ids = ids, .addrs = addrs,
				     .first_page = first_page };

		close(to[1]);
		close(from[0]);
		sc_child(&m, to[0], from[1]);
	}
	close(to[0]);
	close(from[1]);
	p->to = to[1];
	p->from = from[0];
}

static double sc_ask(struct sc_proc *p, int op, int arg, int calls)
{
	struct sc_req q = { .op = op, .arg = arg, .calls = calls };
	double v;

	if (write(p->to, &q, sizeof(q)) != sizeof(q) ||
	    read(p->from, &v, sizeof(v)) != sizeof(v))
		die("scale: a process with the mappings is gone");
	return v;
}

/* Tell @p to exit (it does not answer), and wait for it. */
static void sc_reap(struct sc_proc *p)
{
	struct sc_req q = { .op = SC_EXIT };
	int status;

	if (write(p->to, &q, sizeof(q)) != sizeof(q) ||
	    waitpid(p->pid, &status, 0) != p->pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		die("scale: a process with the mappings failed");
	close(p->to);
	close(p->from);
}

/* Mean seconds per call of @calls calls on side @side. */
static double sc_side(struct sc_ctx *x, int side, int calls)
{
	return sc_ask(&x->proc[side], SC_SAMPLE, x->call, calls);
}

/*
 * One sample of side @side, seconds per call.  The first (run_pair()'s
 * untimed warm-up) sizes the side's samples: as many calls as take about
 * SC_SAMPLE_SECS, SC_MIN_CALLS to SC_MAX_CALLS, from the fastest of three
 * short runs after one call (which may fault the page in, or find the
 * lookup's data cold).
 */
static double sc_sample(void *c, long side, double *aux)
{
	struct sc_ctx *x = c;
	double per, t;
	int i;

	if (x->calls[side])
		return sc_side(x, side, x->calls[side]);
	sc_side(x, side, 1);
	per = sc_side(x, side, SC_MIN_CALLS);
	for (i = 0; i < 2; i++) {
		t = sc_side(x, side, SC_MIN_CALLS);
		if (t < per)
			per = t;
	}
	x->calls[side] = per * SC_MAX_CALLS > SC_SAMPLE_SECS ?
			 (int)(SC_SAMPLE_SECS / per) : SC_MAX_CALLS;
	if (x->calls[side] < SC_MIN_CALLS)
		x->calls[side] = SC_MIN_CALLS;
	return per;
}

/* Raise vm.max_map_count to @need if it is lower; the value to restore, or -1. */
static long raise_max_map_count(long need)
{
	char val[32];
	long old = -1;
	FILE *f = fopen(MAX_MAP_COUNT, "r");

	if (!f || fscanf(f, "%ld", &old) != 1)
		die("read %s", MAX_MAP_COUNT);
	fclose(f);
	if (old >= need)
		return -1;
	snprintf(val, sizeof(val), "%ld", need);
	f = fopen(MAX_MAP_COUNT, "w");
	if (!f || fputs(val, f) < 0 || fclose(f))
		die("raise %s to %ld (the scale cases run as root)", MAX_MAP_COUNT, need);
	return old;
}

static void restore_max_map_count(long old)
{
	FILE *f;

	if (old < 0)
		return;
	f = fopen(MAX_MAP_COUNT, "w");
	if (!f || fprintf(f, "%ld", old) < 0 || fclose(f))
		die("restore %s to %ld", MAX_MAP_COUNT, old);
}

/*
 * Every scale case: its rows are made in the order of the table (call by
 * call, levels ascending) but run level by level, so that the child's
 * mappings only grow.  @budget is each row's.
 */
void case_scale(double budget)
{
	struct result *rows[SC_NCALLS][SC_NLEVELS] = { { NULL } };
	static uint64_t one_ids[1], many_ids[SC_MAX];
	static char *one_addrs[1], *many_addrs[SC_MAX];
	struct sc_ctx x = { 0 };
	int c, l, top = -1, fd;
	long old_max;
	double secs;

	for (c = 0; c < SC_NCALLS; c++)
		for (l = 0; l < SC_NLEVELS; l++)
			if (want(sc_names[c][l])) {
				rows[c][l] = new_result(sc_names[c][l], "us",
					sc_notes[c],
					SIDE(sc_labels[c][0], sc_sample, 0),
					SIDE(sc_labels[c][1], sc_sample, 1));
				if (l > top)
					top = l;
			}
	if (top < 0)
		return;

	/* what the process maps itself, and then some */
	old_max = raise_max_map_count(sc_levels[top] + 5000L);
	/* one page more than the many: the 1-mapping side's */
	fd = make_file("bench-scale", (sc_levels[top] + 1) * 4 * KIB, 1, O_RDWR);
	sc_spawn(&x.proc[0], fd, 0, many_ids, many_addrs);
	sc_spawn(&x.proc[1], fd, sc_levels[top], one_ids, one_addrs);
	sc_ask(&x.proc[1], SC_GROW, 1, 0);

	for (l = 0; l <= top; l++) {
		secs = sc_ask(&x.proc[0], SC_GROW, sc_levels[l], 0);
		fprintf(stderr, "neoos-bench: scale: %d live mappings, made in %.1fs\n",
			sc_levels[l], secs);
		for (c = 0; c < SC_NCALLS; c++) {
			if (!rows[c][l])
				continue;
			x.call = c;
			x.calls[0] = x.calls[1] = 0;
			run_pair(rows[c][l], &x, budget);
		}
	}

	sc_reap(&x.proc[0]);
	sc_reap(&x.proc[1]);
	close(fd);
	restore_max_map_count(old_max);
}
