// SPDX-License-Identifier: GPL-2.0
/*
 * neoos(4)'s conformance table, row by row.  Each test is one row: it does
 * one operation on a mapping made by mmap(2) and on the same kind of
 * mapping made by neoos, and compares what a program sees - the call's
 * result and its effect - written as a short string.  Each kind of mapping
 * is a variant, so every row runs on each kind.
 *
 * Where neoos differs, differences[] says on which kernels and kinds, what
 * neoos gives there, and why; the row then checks both that neoos gives
 * exactly that and that mmap(2) gives something else.  Anywhere else the
 * two strings must be equal.  Every row prints a "neoos-row:" line with
 * both strings.  neoos(4)'s table is written from differences[] by hand:
 * a change to one must be made to the other.  A row that needs root is a
 * ROOT_ROW, which says what for: run as a user, it skips saying so.
 */
#include <elf.h>
#include <limits.h>
#include <setjmp.h>
#include <sys/resource.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>

#include <linux/io_uring.h>
#include <linux/mempolicy.h>
#include <libneoos.h>

#include "common.h"
#include "kselftest_harness.h"

#define LEN		(4 << 20)
#define PAGES		(LEN / PAGE)
#define OUT		256

#ifndef MADV_DONTNEED_LOCKED
#define MADV_DONTNEED_LOCKED	24
#endif
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE		25
#endif
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL	102
#define MADV_GUARD_REMOVE	103
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP	4
#endif

/* The kinds of mapping, one variant each. */
enum {
	FILE_SHARED	= 1 << 0,	/* a file on the test's file system */
	FILE_PRIVATE	= 1 << 1,
	MEMFD_SHARED	= 1 << 2,	/* shmem */
	ANON_PRIVATE	= 1 << 3,
	ANON_SHARED	= 1 << 4,
	ANY_KIND	= (1 << 5) - 1,
	PRIVATE		= FILE_PRIVATE | ANON_PRIVATE,
};

/* The kernels, by uname's release, and what they were built with. */
enum {
	K6_1	= 1 << 0,
	K6_12	= 1 << 1,	/* and 6.12-rt, 6.12-debug */
	K7_2	= 1 << 2,
	K7_3	= 1 << 3,
	ANY_KERNEL = K6_1 | K6_12 | K7_2 | K7_3,
	K7	= K7_2 | K7_3,
	WITH_THP = 1 << 4,	/* and not "never"; not 6.12-rt (PREEMPT_RT) */
	WITH_KSM = 1 << 5,	/* not 6.12-debug */
};

/* Why neoos differs. */
#define EXACT	"NeoOS's rule: a mapping stays the exact range sys_mmap returned (no split, growth or move)"
#define SPECIAL	"VM_DONTEXPAND, which keeps the range exact against merges (vma.c), makes the VMA VM_SPECIAL"
#define ANONFILE "private anonymous memory is a private mapping of a shmem file (map.c)"
#define SHMEMOPS "the core recognises shmem by its vm_ops pointer, which neoos's copy is not (vma.c)"

static const struct difference {
	const char *row;
	unsigned int kinds, kernels;
	const char *neoos;	/* what neoos gives */
	const char *why;
} differences[] = {
	{ "vmflag_de", ANY_KIND, ANY_KERNEL, " de", "VM_DONTEXPAND keeps the range exact (vma.c)" },
	{ "madv_part", ANY_KIND, ANY_KERNEL, "EINVAL vmas:1", EXACT },
	{ "mprotect_part", ANY_KIND, ANY_KERNEL, "EINVAL vmas:1", EXACT },
	{ "munmap_part", ANY_KIND, ANY_KERNEL, "EINVAL vmas:1", EXACT },
	{ "mremap_grow", ANY_KIND, ANY_KERNEL, "EFAULT vmas:1", EXACT },
	{ "mremap_shrink", ANY_KIND, ANY_KERNEL, "EINVAL vmas:1", EXACT },
	{ "mremap_move", ANY_KIND, ANY_KERNEL, "EINVAL vmas:1", EXACT },
	{ "mremap_dontunmap", ANY_KIND, ANY_KERNEL, "EINVAL vmas:1", EXACT },
	{ "madv_dontdump_dodump", ANY_KIND, ANY_KERNEL, "0 dd EINVAL dd", SPECIAL },
	{ "mlock", ANY_KIND, ANY_KERNEL, "0 !lo mlocked:0 0 !lo mlocked:0", SPECIAL },
	{ "mlock_onfault", ANY_KIND, ANY_KERNEL, "0 !lo mlocked:0 0", SPECIAL },
	{ "mlockall_future_onfault", ANY_KIND, ANY_KERNEL, "exit:0 lo mlocked:0 VmLck:+4096 unmapped:+0", SPECIAL },
	{ "munlockall", ANY_KIND, ANY_KERNEL, "exit:0 lo mlocked:1024 VmLck:4096 unmapped:0", SPECIAL },
	{ "madv_mergeable", PRIVATE, WITH_KSM, "0 !mg 0 !mg", SPECIAL },
	{ "madv_dontfork_dofork", ANY_KIND, K7, "0 child:SEGV EINVAL child:SEGV", SPECIAL },
	{ "madv_guard", ANY_KIND, K7, "EINVAL child:67 EINVAL", SPECIAL },
	{ "madv_collapse", FILE_SHARED, K7, "EINVAL", SPECIAL },
	{ "userfaultfd", MEMFD_SHARED | ANON_SHARED | ANON_PRIVATE, K6_1, "EINVAL", SHMEMOPS },
	{ "userfaultfd", MEMFD_SHARED | ANON_SHARED | ANON_PRIVATE, K6_12 | K7, "EINVAL", SPECIAL },
	{ "io_uring_buffer", MEMFD_SHARED | ANON_SHARED | ANON_PRIVATE, K6_1, "EOPNOTSUPP", SHMEMOPS },
	{ "proc_maps", ANON_PRIVATE, ANY_KERNEL, "rw-p 0 /zero (deleted)", ANONFILE },
	{ "madv_free", ANON_PRIVATE, ANY_KERNEL, "EINVAL p[0]=77", ANONFILE },
	{ "madv_remove", ANON_PRIVATE, ANY_KERNEL, "EACCES p[0]=77", ANONFILE },
	{ "madv_wipeonfork", ANON_PRIVATE, ANY_KERNEL, "EINVAL !wf child:66 0", ANONFILE },
	{ "madv_collapse", ANON_PRIVATE, WITH_THP, "EINVAL", ANONFILE },
	{ "thp_fault", ANON_PRIVATE, WITH_THP, "0 anon:small shmem:small file:small", ANONFILE },
	{ "commit_charge", ANON_PRIVATE, ANY_KERNEL, "0 map:+128M write:+0M unmap:+0M", ANONFILE },
	{ "memcg_charge", ANON_PRIVATE, ANY_KERNEL, "exit:0 charged:128M", ANONFILE },
};

struct side {
	bool neoos;
	unsigned int kind;
	int fd;		/* the file, or -1 */
	char *p;	/* the mapping, of len bytes; NULL once gone */
	size_t len;
};

FIXTURE(conf) {
	char path[64];
	struct side native, neoos;
};

FIXTURE_VARIANT(conf) {
	unsigned int kind;
	const char *name;
};

#define KIND(k, n) FIXTURE_VARIANT_ADD(conf, n) { .kind = k, .name = #n }
KIND(FILE_SHARED, file_shared);
KIND(FILE_PRIVATE, file_private);
KIND(MEMFD_SHARED, memfd_shared);
KIND(ANON_PRIVATE, anon_private);
KIND(ANON_SHARED, anon_shared);

static unsigned int this_kernel(void)
{
	unsigned int with = 0;
	struct utsname u;
	int major, minor;
	char thp[64] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");

	if (f && fgets(thp, sizeof(thp), f) && !strstr(thp, "[never]"))
		with |= WITH_THP;
	if (f)
		fclose(f);
	if (!access("/sys/kernel/mm/ksm", F_OK))
		with |= WITH_KSM;
	if (uname(&u) || sscanf(u.release, "%d.%d", &major, &minor) != 2)
		return with;
	if (major == 6)
		return with | (minor == 1 ? K6_1 : minor == 12 ? K6_12 : 0);
	if (major == 7)
		return with | (minor == 2 ? K7_2 : minor == 3 ? K7_3 : 0);
	return with;
}

static char *side_map(struct side *s, size_t len)
{
	bool shared = s->kind & (FILE_SHARED | MEMFD_SHARED | ANON_SHARED);
	bool anon = s->kind & (ANON_PRIVATE | ANON_SHARED);
	void *p;

	if (s->neoos)
		return sys_mmap_ex(NULL, len, NEOOS_PROT_READ | NEOOS_PROT_WRITE,
				   (shared ? NEOOS_MAP_SHARED : NEOOS_MAP_PRIVATE) |
				   (anon ? NEOOS_MAP_ANONYMOUS : 0),
				   anon ? -1 : s->fd, 0, NULL);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 (shared ? MAP_SHARED : MAP_PRIVATE) | (anon ? MAP_ANONYMOUS : 0),
		 anon ? -1 : s->fd, 0);
	return p == MAP_FAILED ? NULL : p;
}

static int side_unmap(struct side *s, char *p, size_t len)
{
	/* sys_munmap() takes an int: larger ones go by id. */
	if (s->neoos && len > INT_MAX)
		return sys_munmap_id(ID_AT(p)) == E_OK ? 0 : -1;
	if (s->neoos)
		return sys_munmap(p, len) == E_OK ? 0 : -1;
	return munmap(p, len);
}

/*
 * Empty @s's file and give it @size bytes again: pages the other side's
 * run left (charged, mlocked, or with an munlock still queued on some
 * CPU) are gone.  Nothing for anonymous memory.  0 or -1.
 */
static int fresh_file(struct side *s, off_t size)
{
	return s->fd < 0 ? 0 : ftruncate(s->fd, 0) || ftruncate(s->fd, size);
}

FIXTURE_SETUP(conf)
{
	int fd = -1;

	if (variant->kind & (FILE_SHARED | FILE_PRIVATE)) {
		snprintf(self->path, sizeof(self->path), "conformance.%d",
			 getpid());
		ASSERT_EQ(0, t_make_pattern_file(self->path, LEN));
		fd = open(self->path, O_RDWR);
	} else if (variant->kind == MEMFD_SHARED) {
		fd = memfd_create("conformance", MFD_CLOEXEC);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, ftruncate(fd, LEN));
		ASSERT_EQ(1, pwrite(fd, "m", 1, 0));
	}
	if (!(variant->kind & (ANON_PRIVATE | ANON_SHARED)))
		ASSERT_LE(0, fd);
	self->native = (struct side){ .kind = variant->kind, .fd = fd };
	self->neoos = self->native;
	self->neoos.neoos = true;
	self->native.p = side_map(&self->native, LEN);
	self->neoos.p = side_map(&self->neoos, LEN);
	ASSERT_NE(NULL, self->native.p);
	ASSERT_NE(NULL, self->neoos.p) TH_LOG("E %d", sys_errno());
	self->native.len = self->neoos.len = LEN;
}

FIXTURE_TEARDOWN(conf)
{
	if (self->native.p)
		munmap(self->native.p, self->native.len);
	if (self->neoos.p && sys_munmap(self->neoos.p, self->neoos.len))
		/* A row that changed the neoos VMA; it has said so. */
		munmap(self->neoos.p, self->neoos.len);
	if (self->native.fd >= 0)
		close(self->native.fd);
	if (self->path[0])
		unlink(self->path);
}

/* ---- what a row reports ---- */

/*
 * Set by a row that could not do what it is about (no core was written):
 * both sides would report the same nothing, which must not pass.
 */
static const char *row_broken;

__attribute__((format(printf, 3, 4)))
static void say(char *out, size_t n, const char *fmt, ...)
{
	size_t used = strlen(out);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out + used, n - used, fmt, ap);
	va_end(ap);
}

/* A call's result: "0", or its errno's name. */
static const char *res(long rc)
{
	return rc == -1 ? strerrorname_np(errno) : "0";
}

/* Whether @p's VMA has each of @flags (VmFlags mnemonics, spaced). */
static void say_flags(char *out, size_t n, const void *p, const char *flags)
{
	char want[64], *tok, *save;

	snprintf(want, sizeof(want), "%s", flags);
	for (tok = strtok_r(want, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save))
		say(out, n, " %s%s", t_vma_has_flag(p, tok) == 1 ? "" : "!", tok);
}

static int read_first(void *p)
{
	return *(volatile unsigned char *)p;
}

/* What a forked child reads at @p: the byte, or "SEGV". */
static void say_child_reads(char *out, size_t n, void *p)
{
	int st = t_run_child(read_first, p);

	if (st == KILLED(SIGSEGV))
		say(out, n, " child:SEGV");
	else
		say(out, n, " child:%02x", st);
}

/* The mapping is gone from this side (a row moved or resized it). */
static void side_gone(struct side *s, char *newp, size_t newlen)
{
	if (newp)
		munmap(newp, newlen);
	s->p = NULL;
}

/* ---- the rows ---- */

typedef void (*row_fn)(struct side *s, char *out, size_t n);

/* Every VmFlags mnemonic the VMA has but "de", which row_vmflag_de says. */
static void row_vmflags(struct side *s, char *out, size_t n)
{
	char flags[256], *tok, *save;

	if (t_smaps_field(s->p, "VmFlags:", flags, sizeof(flags))) {
		say(out, n, "none");
		return;
	}
	for (tok = strtok_r(flags, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save))
		/* Soft-dirty comes and goes with the VMA's age. */
		if (strcmp(tok, "de") && strcmp(tok, "sd"))
			say(out, n, "%s ", tok);
}

static void row_vmflag_de(struct side *s, char *out, size_t n)
{
	say_flags(out, n, s->p, "de");
}

/* What /proc/self/maps says: permissions, offset and path. */
static void row_proc_maps(struct side *s, char *out, size_t n)
{
	struct vma v;

	if (t_vma_at(s->p, &v))
		say(out, n, "none");
	else
		say(out, n, "%s %llx %s", v.perms, v.offset,
		    v.inode ? strrchr(v.path, '/') ?: v.path : v.path);
}

static void madvise_row(struct side *s, char *out, size_t n, int advice,
			const char *flags)
{
	s->p[0] = 'w';
	say(out, n, "%s", res(madvise(s->p, s->len, advice)));
	if (flags)
		say_flags(out, n, s->p, flags);
	say(out, n, " p[0]=%02x", (unsigned char)s->p[0]);
}

#define MADVISE_ROW(name, advice, flags)				\
static void row_##name(struct side *s, char *out, size_t n)		\
{									\
	madvise_row(s, out, n, advice, flags);				\
}

MADVISE_ROW(madv_normal, MADV_NORMAL, "rr sr")
MADVISE_ROW(madv_random, MADV_RANDOM, "rr")
MADVISE_ROW(madv_sequential, MADV_SEQUENTIAL, "sr")
MADVISE_ROW(madv_willneed, MADV_WILLNEED, NULL)
MADVISE_ROW(madv_cold, MADV_COLD, NULL)
MADVISE_ROW(madv_pageout, MADV_PAGEOUT, NULL)
MADVISE_ROW(madv_populate_read, MADV_POPULATE_READ, NULL)
MADVISE_ROW(madv_populate_write, MADV_POPULATE_WRITE, NULL)
MADVISE_ROW(madv_dontneed, MADV_DONTNEED, NULL)
MADVISE_ROW(madv_dontneed_locked, MADV_DONTNEED_LOCKED, NULL)
MADVISE_ROW(madv_free, MADV_FREE, NULL)
MADVISE_ROW(madv_remove, MADV_REMOVE, NULL)
MADVISE_ROW(madv_hugepage, MADV_HUGEPAGE, "hg")
MADVISE_ROW(madv_nohugepage, MADV_NOHUGEPAGE, "nh")
MADVISE_ROW(madv_unmergeable, MADV_UNMERGEABLE, "mg")

/*
 * MADV_HWPOISON and MADV_SOFT_OFFLINE are not rows: they take memory out
 * of the machine the rest of the suite runs on, and the kernel logs them
 * as memory failures.
 */

/* Advice and its undoing: both results and the flag after each. */
static void advice_pair(struct side *s, char *out, size_t n, int advice,
			int undo, const char *flag)
{
	say(out, n, "%s", res(madvise(s->p, s->len, advice)));
	say_flags(out, n, s->p, flag);
	say(out, n, " %s", res(madvise(s->p, s->len, undo)));
	say_flags(out, n, s->p, flag);
}

/* Core dumps: MADV_DONTDUMP and back. */
static void row_madv_dontdump_dodump(struct side *s, char *out, size_t n)
{
	advice_pair(s, out, n, MADV_DONTDUMP, MADV_DODUMP, "dd");
}

/* fork(2): MADV_DONTFORK and back, with what a child reads each time. */
static void row_madv_dontfork_dofork(struct side *s, char *out, size_t n)
{
	s->p[0] = 'f';
	say(out, n, "%s", res(madvise(s->p, s->len, MADV_DONTFORK)));
	say_child_reads(out, n, s->p);
	say(out, n, " %s", res(madvise(s->p, s->len, MADV_DOFORK)));
	say_child_reads(out, n, s->p);
}

static void row_madv_wipeonfork(struct side *s, char *out, size_t n)
{
	s->p[0] = 'f';
	say(out, n, "%s", res(madvise(s->p, s->len, MADV_WIPEONFORK)));
	say_flags(out, n, s->p, "wf");
	say_child_reads(out, n, s->p);
	say(out, n, " %s", res(madvise(s->p, s->len, MADV_KEEPONFORK)));
}

/* KSM: is the VMA registered, and can it leave again? */
static void row_madv_mergeable(struct side *s, char *out, size_t n)
{
	advice_pair(s, out, n, MADV_MERGEABLE, MADV_UNMERGEABLE, "mg");
}

/* khugepaged's synchronous collapse, of a written huge-page range. */
static void row_madv_collapse(struct side *s, char *out, size_t n)
{
	memset(s->p, 'c', s->len);
	say(out, n, "%s", res(madvise(s->p, s->len, MADV_COLLAPSE)));
}

/* THP at fault time: write every page after MADV_HUGEPAGE. */
static void row_thp_fault(struct side *s, char *out, size_t n)
{
	say(out, n, "%s", res(madvise(s->p, s->len, MADV_HUGEPAGE)));
	memset(s->p, 't', s->len);
	say(out, n, " anon:%s shmem:%s file:%s",
	    t_vma_kb(s->p, "AnonHugePages:") > 0 ? "huge" : "small",
	    t_vma_kb(s->p, "ShmemPmdMapped:") > 0 ? "huge" : "small",
	    t_vma_kb(s->p, "FilePmdMapped:") > 0 ? "huge" : "small");
}

/* Guard regions (7.x): the first page, what a child reads, and removal. */
static void row_madv_guard(struct side *s, char *out, size_t n)
{
	s->p[0] = 'g';
	say(out, n, "%s", res(madvise(s->p, PAGE, MADV_GUARD_INSTALL)));
	say_child_reads(out, n, s->p);
	say(out, n, " %s", res(madvise(s->p, PAGE, MADV_GUARD_REMOVE)));
}

/* Advice on the first page only: the core would split the VMA. */
static void row_madv_part(struct side *s, char *out, size_t n)
{
	say(out, n, "%s", res(madvise(s->p, PAGE, MADV_RANDOM)));
	say(out, n, " vmas:%d", t_vmas_in(s->p, s->len));
}

/* The lock state: the flags and how many pages are unevictable. */
static void say_locked(char *out, size_t n, struct side *s, char *p)
{
	say_flags(out, n, p, "lo");
	say(out, n, " mlocked:%ld", t_mlocked_pages(p, s->len));
}

static void row_mlock(struct side *s, char *out, size_t n)
{
	if (fresh_file(s, s->len))
		say(out, n, "ftruncate: %s ", strerrorname_np(errno));
	memset(s->p, 'l', s->len);
	say(out, n, "%s", res(mlock(s->p, s->len)));
	say_locked(out, n, s, s->p);
	say(out, n, " %s", res(munlock(s->p, s->len)));
	say_locked(out, n, s, s->p);
}

static void row_mlock_onfault(struct side *s, char *out, size_t n)
{
	if (fresh_file(s, s->len))
		say(out, n, "ftruncate: %s ", strerrorname_np(errno));
	say(out, n, "%s", res(syscall(__NR_mlock2, s->p, s->len,
				      MLOCK_ONFAULT)));
	memset(s->p, 'l', s->len);
	say_locked(out, n, s, s->p);
	say(out, n, " %s", res(munlock(s->p, s->len)));
}

/* What a row's child is given, and where it says what it saw. */
struct child_row {
	struct side *s;
	int flags;	/* mlockall()'s */
	bool unlock;	/* munlockall() before looking */
	char *out;	/* a shared page, OUT bytes */
	size_t n;
};

/*
 * Run @fn(@c) in a child and say "exit:N", then what the child said,
 * which comes back through a shared page.
 */
static void say_from_child(char *out, size_t n, int (*fn)(void *),
			   struct child_row *c)
{
	char *shared = mmap(NULL, OUT, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (shared == MAP_FAILED) {
		say(out, n, "no page: %s", strerror(errno));
		return;
	}
	c->out = shared;
	c->n = OUT;
	say(out, n, "exit:%d", t_run_child(fn, c));
	say(out, n, "%s", shared);
	munmap(shared, OUT);
}

/*
 * mlockall(@flags) in a child, then a new mapping written; what the child
 * sees goes back through a shared page.  Without MCL_CURRENT: the
 * fixture's mappings of the same file stay unlocked, since unlocking them
 * could take a shared page's mlock away from the mapping looked at.
 */
static int mlockall_child(void *arg)
{
	struct child_row *f = arg;
	long base;
	char *p;

	if (fresh_file(f->s, f->s->len) || mlockall(f->flags))
		return 1;
	base = t_proc_kb("/proc/self/status", "VmLck:");
	p = side_map(f->s, f->s->len);
	if (!p)
		return 2;
	memset(p, 'l', f->s->len);
	/* After munlockall(), what is still locked is ours alone. */
	if (f->unlock) {
		if (munlockall())
			return 3;
		base = 0;
	}
	say_locked(f->out, f->n, f->s, p);
	say(f->out, f->n, f->unlock ? " VmLck:%ld" : " VmLck:+%ld",
	    t_proc_kb("/proc/self/status", "VmLck:") - base);
	if (side_unmap(f->s, p, f->s->len))
		return 4;
	/* Unmapping gives the locked memory back, locked or not. */
	say(f->out, f->n, f->unlock ? " unmapped:%ld" : " unmapped:+%ld",
	    t_proc_kb("/proc/self/status", "VmLck:") - base);
	return 0;
}

static void mlockall_row(struct side *s, char *out, size_t n, int flags,
			 bool unlock)
{
	struct child_row c = { .s = s, .flags = flags, .unlock = unlock };

	say_from_child(out, n, mlockall_child, &c);
}

static void row_mlockall_future(struct side *s, char *out, size_t n)
{
	mlockall_row(s, out, n, MCL_FUTURE, false);
}

static void row_mlockall_future_onfault(struct side *s, char *out, size_t n)
{
	mlockall_row(s, out, n, MCL_FUTURE | MCL_ONFAULT, false);
}

static void row_munlockall(struct side *s, char *out, size_t n)
{
	mlockall_row(s, out, n, MCL_FUTURE, true);
}

/* "all", "some" or "none" of @p's @len bytes' pages resident. */
static const char *resident(void *p, size_t len)
{
	unsigned char vec[PAGES];
	size_t n = 0;

	if (len > LEN || mincore(p, len, vec))
		return strerrorname_np(errno);
	for (size_t i = 0; i < len / PAGE; i++)
		n += vec[i] & 1;
	return n == len / PAGE ? "all" : n ? "some" : "none";
}

#define RECLAIM_CG	"neoos-conformance"

/*
 * Reclaim in a memory cgroup of its own a mapping locked by
 * mlockall(MCL_FUTURE | MCL_ONFAULT) and read, beside an unlocked file
 * mapping read as well, which shows that reclaim ran.  It says something
 * for file mappings only: without swap, as in the suite's VMs, memfd and
 * anonymous pages stay whether locked or not.
 */
static int reclaim_child(void *arg)
{
	struct child_row *f = arg;
	char ctl_path[64], *ctl, *p;
	int ctl_fd;

	snprintf(ctl_path, sizeof(ctl_path), "conformance-ctl.%d", getpid());
	if (!t_join_memcg(RECLAIM_CG, "max") ||
	    t_make_pattern_file(ctl_path, LEN))
		return 1;
	ctl_fd = open(ctl_path, O_RDONLY);
	unlink(ctl_path);
	/* Pages written so far are another cgroup's: read them anew. */
	if (ctl_fd < 0 || fdatasync(ctl_fd) ||
	    posix_fadvise(ctl_fd, 0, 0, POSIX_FADV_DONTNEED) ||
	    (f->s->fd >= 0 && (fdatasync(f->s->fd) ||
	     posix_fadvise(f->s->fd, 0, 0, POSIX_FADV_DONTNEED))))
		return 2;
	ctl = mmap(NULL, LEN, PROT_READ, MAP_SHARED, ctl_fd, 0);
	if (ctl == MAP_FAILED || mlockall(MCL_FUTURE | MCL_ONFAULT))
		return 3;
	p = side_map(f->s, f->s->len);
	if (!p)
		return 4;
	for (size_t off = 0; off < LEN; off += PAGE)
		(void)(read_first(ctl + off) + read_first(p + off));
	t_cgroup_write("/sys/fs/cgroup/" RECLAIM_CG, "memory.reclaim", "1G");
	say(f->out, f->n, " locked:%s control:%s", resident(p, f->s->len),
	    resident(ctl, LEN));
	munlockall();
	munmap(ctl, LEN);
	close(ctl_fd);
	return side_unmap(f->s, p, f->s->len) ? 5 : 0;
}

static void row_reclaim_locked_onfault(struct side *s, char *out, size_t n)
{
	struct child_row c = { .s = s };

	say_from_child(out, n, reclaim_child, &c);
	rmdir("/sys/fs/cgroup/" RECLAIM_CG);
}

#define CORE_PATTERN	"/proc/sys/kernel/core_pattern"
#define CORE_FILE	"/tmp/neoos-conformance.core"

struct dump {
	char *p;
	const char *filter;	/* for /proc/self/coredump_filter */
};

/* Store 'D' at the start of the mapping and dump core. */
static int dump_child(void *arg)
{
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	struct dump *d = arg;

	if (setrlimit(RLIMIT_CORE, &unlimited) ||
	    !t_write_string("/proc/self/coredump_filter", d->filter))
		return 1;
	d->p[0] = 'D';
	signal(SIGQUIT, SIG_DFL);
	kill(getpid(), SIGQUIT);
	return 2;
}

/* What the core at @path holds of the VMA at @p. */
static const char *in_core(const char *path, void *p)
{
	const char *what = "no core";
	int fd = open(path, O_RDONLY);
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	char c;

	if (fd < 0)
		return what;
	if (pread(fd, &eh, sizeof(eh), 0) == sizeof(eh))
		what = "no segment";
	for (int i = 0; strcmp(what, "no core") && i < eh.e_phnum; i++) {
		if (pread(fd, &ph, sizeof(ph), eh.e_phoff + i * sizeof(ph)) !=
		    sizeof(ph))
			break;
		if (ph.p_type != PT_LOAD || ph.p_vaddr != (uintptr_t)p)
			continue;
		if (!ph.p_filesz)
			what = "not dumped";
		else
			what = pread(fd, &c, 1, ph.p_offset) == 1 && c == 'D' ?
			       "dumped" : "wrong bytes";
	}
	close(fd);
	return what;
}

#define CORE_USES_PID	"/proc/sys/kernel/core_uses_pid"

/* A core dump with @filter: does the mapping's content go in? */
static void dump_row(struct side *s, char *out, size_t n, const char *filter)
{
	struct dump d = { .p = s->p, .filter = filter };
	long uses_pid = t_read_long(CORE_USES_PID);
	char pattern[256] = "";
	FILE *f = fopen(CORE_PATTERN, "r");
	const char *what;
	int st;

	if (!f || !fgets(pattern, sizeof(pattern), f) || uses_pid < 0 ||
	    !t_write_string(CORE_USES_PID, "0") ||
	    !t_write_string(CORE_PATTERN, CORE_FILE)) {
		row_broken = "core_pattern or core_uses_pid not set";
		if (f)
			fclose(f);
		return;
	}
	fclose(f);
	pattern[strcspn(pattern, "\n")] = '\0';
	unlink(CORE_FILE);
	st = t_run_child(dump_child, &d);
	what = in_core(CORE_FILE, s->p);
	if (!strcmp(what, "no core"))
		row_broken = "no core was written";
	say(out, n, "%s %s", st == KILLED(SIGQUIT) ? "SIGQUIT" : "not killed",
	    what);
	unlink(CORE_FILE);
	if (!t_write_string(CORE_PATTERN, pattern) ||
	    !t_write_long(CORE_USES_PID, uses_pid))
		row_broken = "core_pattern or core_uses_pid not restored";
}

/* The default filter: anonymous memory, private and shared. */
static void row_core_dump(struct side *s, char *out, size_t n)
{
	dump_row(s, out, n, "0x33");
}

/* Every kind of mapping. */
static void row_core_dump_all(struct side *s, char *out, size_t n)
{
	dump_row(s, out, n, "0x7f");
}

/* Every kind, but the mapping is MADV_DONTDUMP. */
static void row_core_dump_dontdump(struct side *s, char *out, size_t n)
{
	say(out, n, "%s ", res(madvise(s->p, s->len, MADV_DONTDUMP)));
	dump_row(s, out, n, "0x7f");
}

static int write_child(void *p)
{
	((char *)p)[1] = 'c';
	return read_first(p);
}

/* fork(2): what the child reads, and whether its store reaches us. */
static void row_fork(struct side *s, char *out, size_t n)
{
	/* The other side's child may have stored there in the same file. */
	s->p[1] = 'x';
	s->p[0] = 'p';
	say(out, n, "child:%02x", t_run_child(write_child, s->p));
	say(out, n, " parent:%02x", (unsigned char)s->p[1]);
}

static sigjmp_buf segv_env;

static void on_segv(int sig)
{
	siglongjmp(segv_env, 1);
}

/* Does a store at @p fault? */
static bool store_faults(volatile char *p)
{
	struct sigaction sa = { .sa_handler = on_segv }, old;
	bool faulted = false;

	sigaction(SIGSEGV, &sa, &old);
	if (sigsetjmp(segv_env, 1))
		faulted = true;
	else
		*p = 's';
	sigaction(SIGSEGV, &old, NULL);
	return faulted;
}

static void row_mprotect(struct side *s, char *out, size_t n)
{
	struct vma v = { 0 };

	say(out, n, "%s", res(mprotect(s->p, s->len, PROT_READ)));
	t_vma_at(s->p, &v);
	say(out, n, " %s store:%s", v.perms,
	    store_faults(s->p) ? "SEGV" : "ok");
	say(out, n, " %s", res(mprotect(s->p, s->len, PROT_READ | PROT_WRITE)));
	say(out, n, " store:%s", store_faults(s->p) ? "SEGV" : "ok");
}

static void row_mprotect_part(struct side *s, char *out, size_t n)
{
	say(out, n, "%s", res(mprotect(s->p, PAGE, PROT_READ)));
	say(out, n, " vmas:%d", t_vmas_in(s->p, s->len));
}

static void row_munmap_part(struct side *s, char *out, size_t n)
{
	say(out, n, "%s", res(munmap(s->p + s->len - PAGE, PAGE)));
	say(out, n, " vmas:%d", t_vmas_in(s->p, s->len));
	if (t_vmas_in(s->p + s->len - PAGE, PAGE) == 0)
		s->len -= PAGE;
}

static void row_msync(struct side *s, char *out, size_t n)
{
	s->p[0] = 'y';
	say(out, n, "%s", res(msync(s->p, s->len, MS_SYNC)));
	say(out, n, " %s", res(msync(s->p, s->len, MS_ASYNC)));
	say(out, n, " %s", res(msync(s->p, s->len, MS_INVALIDATE)));
}

/* mremap(2) of @len to @new_len with @flags; the side follows. */
static void mremap_row(struct side *s, char *out, size_t n, size_t new_len,
		       int flags, void *to)
{
	char *q = mremap(s->p, s->len, new_len, flags, to);

	/* Whether it moved depends on what else is mapped: not said. */
	if (q == MAP_FAILED) {
		say(out, n, "%s", strerrorname_np(errno));
	} else {
		say(out, n, "0");
		if (q != s->p || new_len != s->len)
			side_gone(s, q, new_len);
	}
	say(out, n, " vmas:%d", s->p ? t_vmas_in(s->p, s->len) : 0);
}

static void row_mremap_same(struct side *s, char *out, size_t n)
{
	mremap_row(s, out, n, s->len, 0, NULL);
}

static void row_mremap_grow(struct side *s, char *out, size_t n)
{
	mremap_row(s, out, n, s->len + PAGE, MREMAP_MAYMOVE, NULL);
}

static void row_mremap_shrink(struct side *s, char *out, size_t n)
{
	mremap_row(s, out, n, s->len - PAGE, 0, NULL);
}

static void row_mremap_move(struct side *s, char *out, size_t n)
{
	char *to = mmap(NULL, s->len, PROT_NONE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	mremap_row(s, out, n, s->len, MREMAP_MAYMOVE | MREMAP_FIXED, to);
	munmap(to, s->len);
}

static void row_mremap_dontunmap(struct side *s, char *out, size_t n)
{
	mremap_row(s, out, n, s->len, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
}

static void row_userfaultfd(struct side *s, char *out, size_t n)
{
	int uffd = t_uffd_open(), err;

	if (uffd < 0) {
		say(out, n, "no userfaultfd: %s", strerrorname_np(-uffd));
		return;
	}
	err = t_uffd_register(uffd, s->p, s->len);
	say(out, n, "%s", err ? strerrorname_np(-err) : "0");
	close(uffd);
}

static void row_io_uring_buffer(struct side *s, char *out, size_t n)
{
	struct io_uring_params params = { 0 };
	struct iovec iov = { .iov_base = s->p, .iov_len = s->len };
	int ring = syscall(__NR_io_uring_setup, 4, &params);

	if (ring < 0) {
		say(out, n, "no io_uring: %s", strerrorname_np(errno));
		return;
	}
	say(out, n, "%s", res(syscall(__NR_io_uring_register, ring,
				      IORING_REGISTER_BUFFERS, &iov, 1)));
	close(ring);
}

/* NUMA: bind to node 0, read the policy back, move a page there. */
static void row_numa(struct side *s, char *out, size_t n)
{
	unsigned long node0 = 1;
	void *page = s->p;
	int mode = -1, node = 0, status = -1;

	say(out, n, "%s", res(syscall(__NR_mbind, s->p, s->len, MPOL_BIND,
				      &node0, 2, 0)));
	say(out, n, " %s", res(syscall(__NR_get_mempolicy, &mode, NULL, 0,
				       s->p, MPOL_F_ADDR)));
	say(out, n, " mode:%d", mode);
	s->p[0] = 'n';
	say(out, n, " %s", res(syscall(__NR_move_pages, 0, 1, &page, &node,
				       &status, MPOL_MF_MOVE)));
	say(out, n, " node:%d", status);
}

/* ---- accounting ---- */

#define BIG		(64 << 20)
#define OVERCOMMIT	"/proc/sys/vm/overcommit_memory"
#define OVERCOMMIT_KB	"/proc/sys/vm/overcommit_kbytes"
#define OVERCOMMIT_PCT	"/proc/sys/vm/overcommit_ratio"

/* The overcommit settings before strict_overcommit(). */
struct overcommit {
	long policy, kb, pct;
};

static bool overcommit_restore(const struct overcommit *o);

/*
 * vm.overcommit_memory=2 with a limit of @limit_kb more than is committed
 * now (0: four times the memory).  On failure what was changed is put
 * back.
 */
static bool strict_overcommit(struct overcommit *o, long limit_kb)
{
	o->policy = t_read_long(OVERCOMMIT);
	o->kb = t_read_long(OVERCOMMIT_KB);
	o->pct = t_read_long(OVERCOMMIT_PCT);
	if (o->policy < 0 || o->kb < 0 || o->pct < 0)
		return false;
	if (t_write_long(OVERCOMMIT_KB, t_meminfo_kb("MemTotal:") * 4) &&
	    t_write_string(OVERCOMMIT, "2") &&
	    (!limit_kb ||
	     t_write_long(OVERCOMMIT_KB, t_meminfo_kb("Committed_AS:") + limit_kb -
			t_meminfo_kb("SwapTotal:"))))
		return true;
	overcommit_restore(o);
	return false;
}

static bool overcommit_restore(const struct overcommit *o)
{
	/* kbytes and ratio are exclusive: writing one zeroes the other. */
	return t_write_long(OVERCOMMIT, o->policy) &&
	       (o->kb ? t_write_long(OVERCOMMIT_KB, o->kb) :
			t_write_long(OVERCOMMIT_PCT, o->pct));
}

/* @kb in MiB, to the nearest 8: coarser than what else moves meanwhile. */
static long mib8(long kb)
{
	return (kb + (kb < 0 ? -4096 : 4096)) / 8192 * 8;
}

/*
 * Committed_AS (an exact sum) as BIG bytes are mapped, written and
 * unmapped, from an empty file (each side's run starts from one).
 */
static void row_commit_charge(struct side *s, char *out, size_t n)
{
	long before, mapped, written, unmapped;
	char *p;

	if (fresh_file(s, BIG)) {
		say(out, n, "ftruncate: %s", strerrorname_np(errno));
		return;
	}
	before = t_meminfo_kb("Committed_AS:");
	p = side_map(s, BIG);
	mapped = t_meminfo_kb("Committed_AS:");
	if (p)
		memset(p, 'a', BIG);
	written = t_meminfo_kb("Committed_AS:");
	if (p && side_unmap(s, p, BIG))
		say(out, n, "unmap failed ");
	unmapped = t_meminfo_kb("Committed_AS:");
	say(out, n, "%s map:%+ldM write:%+ldM unmap:%+ldM", p ? "0" : "failed",
	    mib8(mapped - before), mib8(written - mapped),
	    mib8(unmapped - before));
}

/*
 * Admission in the heuristic (0) and always (1) modes: a mapping of
 * @scale times the memory, left untouched.  Mode 2 is commit_charge's
 * and private_anonymous_memory_under_strict_overcommit's.
 */
static void overcommit_row(struct side *s, char *out, size_t n, double scale)
{
	size_t len = (size_t)(t_meminfo_kb("MemTotal:") * scale) * 1024 /
		     PAGE * PAGE;
	struct overcommit o = { .policy = t_read_long(OVERCOMMIT) };
	const char *mode[] = { "0", "1" };

	if (o.policy < 0 || fresh_file(s, len)) {
		say(out, n, "no sysctl or file: %s", strerrorname_np(errno));
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(mode); i++) {
		char *p;

		if (!t_write_string(OVERCOMMIT, mode[i])) {
			say(out, n, " mode %s not set", mode[i]);
			continue;
		}
		p = side_map(s, len);
		say(out, n, "%smode%s:%s", i ? " " : "", mode[i],
		    p ? "0" : "refused");
		if (p && side_unmap(s, p, len))
			say(out, n, " unmap failed");
	}
	if (!t_write_long(OVERCOMMIT, o.policy))
		say(out, n, " mode not restored");
	fresh_file(s, s->len);
}

/* Within the heuristic's bound: every mode admits it. */
static void row_overcommit_half(struct side *s, char *out, size_t n)
{
	overcommit_row(s, out, n, 0.5);
}

/* Beyond the memory there is: the heuristic refuses a charged mapping. */
static void row_overcommit_double(struct side *s, char *out, size_t n)
{
	overcommit_row(s, out, n, 2);
}

#define CHARGE_CG	"neoos-conformance-charge"

/*
 * Anonymous and file pages charged to cgroup @name (memory.stat): what
 * the pages written cost.  memory.current would add the kernel memory
 * the file system spends on allocating blocks, a few MiB that vary.
 */
static long memcg_pages(const char *name)
{
	char path[128], key[32];
	long val, sum = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/memory.stat", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fscanf(f, "%31s %ld", key, &val) == 2)
		if (!strcmp(key, "anon") || !strcmp(key, "file"))
			sum += val;
	fclose(f);
	return sum;
}

/* The pages a cgroup of its own is charged as BIG bytes are written. */
static int charge_child(void *arg)
{
	struct child_row *f = arg;
	long before;
	char *p;

	if (!t_join_memcg(CHARGE_CG, "max"))
		return 1;
	if (fresh_file(f->s, BIG))
		return 2;
	before = memcg_pages(CHARGE_CG);
	p = side_map(f->s, BIG);
	if (!p)
		return 3;
	memset(p, 'c', BIG);
	say(f->out, f->n, " charged:%ldM",
	    mib8((memcg_pages(CHARGE_CG) - before) / 1024));
	return side_unmap(f->s, p, BIG) ? 4 : 0;
}

static void row_memcg_charge(struct side *s, char *out, size_t n)
{
	struct child_row c = { .s = s };

	say_from_child(out, n, charge_child, &c);
	rmdir("/sys/fs/cgroup/" CHARGE_CG);
}

/* ---- comparing ---- */

static const struct difference *difference(const char *row, unsigned int kind)
{
	unsigned int kernel = this_kernel();

	for (size_t i = 0; i < ARRAY_SIZE(differences); i++) {
		const struct difference *d = &differences[i];

		if (!strcmp(d->row, row) && (d->kinds & kind) &&
		    (d->kernels & kernel))
			return d;
	}
	return NULL;
}

static void conform(struct __test_metadata *_metadata,
		    FIXTURE_DATA(conf) *self,
		    const FIXTURE_VARIANT(conf) *variant, const char *row,
		    row_fn fn)
{
	const struct difference *d = difference(row, variant->kind);
	char native[OUT] = "", neoos[OUT] = "";

	fn(&self->native, native, sizeof(native));
	fn(&self->neoos, neoos, sizeof(neoos));
	ksft_print_msg("neoos-row: %s %s: mmap(2) \"%s\", neoos \"%s\"%s%s\n",
		       row, variant->name, native, neoos, d ? ": " : "",
		       d ? d->why : "");
	fflush(stdout);
	EXPECT_EQ(NULL, row_broken) TH_LOG("the row could not run: %s",
					   row_broken);
	if (!d) {
		EXPECT_STREQ(native, neoos);
		return;
	}
	/* Every documented difference is one. */
	EXPECT_STRNE(native, neoos);
	EXPECT_STREQ(d->neoos, neoos);
}

#define ROW(name)							\
TEST_F(conf, name)							\
{									\
	conform(_metadata, self, variant, #name, row_##name);		\
}

/* A row that needs root for @why (T_NEED_ROOT()), on every kind. */
#define ROOT_ROW(name, why)						\
TEST_F(conf, name)							\
{									\
	T_NEED_ROOT(why);						\
	conform(_metadata, self, variant, #name, row_##name);		\
}

/* What root gives the ROOT_ROWs. */
#define KPAGEFLAGS	"counts mlocked pages in /proc/kpageflags (CAP_SYS_ADMIN)"
#define MEMCG		"makes a memory cgroup and moves a child into it"
#define SET_OVERCOMMIT	"writes vm.overcommit_memory"
#define CORE_SYSCTL	"writes kernel.core_pattern and kernel.core_uses_pid"
#define UFFD		"userfaultfd(2) takes CAP_SYS_PTRACE while " \
			"vm.unprivileged_userfaultfd is 0"

ROW(vmflags)
ROW(vmflag_de)
ROW(proc_maps)
ROW(madv_normal)
ROW(madv_random)
ROW(madv_sequential)
ROW(madv_willneed)
ROW(madv_cold)
ROW(madv_pageout)
ROW(madv_populate_read)
ROW(madv_populate_write)
ROW(madv_dontneed)
ROW(madv_dontneed_locked)
ROW(madv_free)
ROW(madv_remove)
ROW(madv_hugepage)
ROW(madv_nohugepage)
ROW(madv_unmergeable)
ROW(madv_dontdump_dodump)
ROW(madv_dontfork_dofork)
ROW(madv_wipeonfork)
ROW(madv_mergeable)
ROW(madv_collapse)
ROW(thp_fault)
ROW(madv_guard)
ROW(madv_part)
ROOT_ROW(mlock, KPAGEFLAGS)
ROOT_ROW(mlock_onfault, KPAGEFLAGS)
ROOT_ROW(mlockall_future, KPAGEFLAGS)
ROOT_ROW(mlockall_future_onfault, KPAGEFLAGS)
ROOT_ROW(munlockall, KPAGEFLAGS)
ROOT_ROW(reclaim_locked_onfault, MEMCG)
ROW(commit_charge)
ROOT_ROW(overcommit_half, SET_OVERCOMMIT)
ROOT_ROW(overcommit_double, SET_OVERCOMMIT)
ROOT_ROW(memcg_charge, MEMCG)
ROW(fork)
ROOT_ROW(core_dump, CORE_SYSCTL)
ROOT_ROW(core_dump_all, CORE_SYSCTL)
ROOT_ROW(core_dump_dontdump, CORE_SYSCTL)
ROW(mprotect)
ROW(mprotect_part)
ROW(munmap_part)
ROW(msync)
ROW(mremap_same)
ROW(mremap_grow)
ROW(mremap_shrink)
ROW(mremap_move)
ROW(mremap_dontunmap)
ROOT_ROW(userfaultfd, UFFD)
ROW(io_uring_buffer)
ROW(numa)

/* Map BIG bytes and write them all: 0, or why not. */
static int fill_child(void *arg)
{
	struct side *s = arg;
	char *p = side_map(s, BIG);

	if (!p)
		return (s->neoos ? sys_errno() == E_NOMEM : errno == ENOMEM) ?
		       10 : 11;
	memset(p, 'o', BIG);
	return side_unmap(s, p, BIG) ? 12 : 0;
}

/*
 * Private anonymous memory under vm.overcommit_memory=2, with room for
 * 1.5 times BIG.  mmap(2)'s is charged once and fits.  neoos's holds a
 * written page twice and is charged twice (map.c): MAP is refused with
 * E_NOMEM, where a store into memory MAP had admitted must never be
 * killed with SIGBUS.
 */
TEST(private_anonymous_memory_under_strict_overcommit)
{
	struct side native = { .kind = ANON_PRIVATE, .fd = -1 }, neoos;
	struct overcommit o;
	int nat, neo;

	T_NEED_ROOT(SET_OVERCOMMIT);
	neoos = native;
	neoos.neoos = true;
	ASSERT_TRUE(strict_overcommit(&o, BIG / 1024 * 3 / 2));
	nat = t_run_child(fill_child, &native);
	neo = t_run_child(fill_child, &neoos);
	EXPECT_TRUE(overcommit_restore(&o));
	EXPECT_EQ(0, nat) TH_LOG("mmap(2) did not fit: the limit is wrong");
	EXPECT_EQ(10, neo) TH_LOG("neoos: %s", neo == KILLED(SIGBUS) ?
				  "SIGBUS at a store MAP admitted" :
				  neo ? "other failure" : "fitted");
}


TEST_HARNESS_MAIN
