/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the neoos selftests, every one named t_*, as
 * liburing's test/helpers.h names its own.  Each section below is one
 * concern, defined in its own file: child processes and time limits
 * (t_child.c), leak checks (t_leak.c), the raw ABI (t_abi.c), VMAs and
 * userfaultfd (t_vma.c), mounts and block devices (t_mount.c), pattern
 * files (t_file.c), sysfs, procfs, cgroups and the shell (t_sys.c), the
 * programs the suite runs besides its own (t_prog.c).  They
 * are compiled once and linked into every test program (not into
 * neoos-fuzz, a program of its own that fuzz_test runs); they do not
 * need libneoos, so compat_test, a static i386 program that talks to the
 * raw ABI only, links its own build of them.
 */
#ifndef NEOOS_SELFTEST_COMMON_H
#define NEOOS_SELFTEST_COMMON_H

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <linux/neoos.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096
/*
 * A test's pattern file (t_make_pattern_file()): room for a mapping, one at
 * an offset and a page past them.  Fixtures that need more define their
 * own FILE_SIZE.
 */
#define FSIZE (4 * PAGE)

/*
 * In forked children the harness's ASSERTs cannot be used: CHK prints
 * what failed and makes the child exit non-zero, which the parent asserts.
 * It reports libneoos's error code too, so only programs that link
 * libneoos use it.
 */
#define CHK(cond) do {							\
	if (!(cond)) {							\
		fprintf(stderr, "# %s:%d: child check failed: %s "	\
			"(errno %d %s, E %d)\n", __FILE__, __LINE__,	\
			#cond, errno, strerror(errno), sys_errno());	\
		return 1;						\
	}								\
} while (0)

/* The id of the libneoos mapping at @p, or 0 (libneoos programs only). */
#define ID_AT(p) ({							\
	struct neoos_mapping_info __info;				\
	sys_mmap_info_addr((p), &__info) ? 0 : __info.id;		\
})

/*
 * How many times slower than a production kernel the runner expects this
 * one to be (NEOOS_TIMEOUT_SCALE, 1 if unset): 8 on a KASAN kernel, where
 * every alarm() a test sets lasts that much longer (below).  A test
 * whose work is quadratic there - one mm with thousands of VMAs, each
 * change of which DEBUG_VM_MAPLE_TREE's validate_mm() walks whole - divides
 * its VMAs per mm by it instead.
 */
unsigned int t_timeout_scale(void);

/*
 * alarm(2) for @seconds times t_timeout_scale().  The kselftest harness
 * limits each test with alarm(), and every test includes it after this
 * file: there, and in the tests themselves, alarm() is this one.
 */
unsigned int t_scaled_alarm(unsigned int seconds);
#define alarm(seconds) t_scaled_alarm(seconds)

/* ---- child processes ---- */

/* What t_run_child() returns for a child that signal @sig killed. */
#define KILLED(sig)	(128 + (sig))

/*
 * Run @fn(@arg) in a forked child, which exits with what @fn returns
 * (its stdio flushed first).  Returns as a shell reports a command: the
 * child's exit status, KILLED(sig) if signal sig killed it, or -1 if it
 * could not be forked or waited for.
 */
int t_run_child(int (*fn)(void *), void *arg);

/* A read and a write of the byte at @p, for t_run_child(); return 0. */
int t_touch_read(void *p);
int t_touch_write(void *p);

/* The unprivileged user tests become: files stay root's, mode 0644. */
#define USER_ID		1000

/*
 * Become uid/gid USER_ID with no supplementary groups, still dumpable
 * (so that /proc/self/mem stays the process's own); 0 or -1.
 */
int t_drop_to_user(void);

/*
 * t_run_child() with the child dropped to USER_ID before @fn runs; it
 * exits 100 if it cannot drop.
 */
int t_run_child_as_user(int (*fn)(void *), void *arg);

/*
 * kselftest's convention: run as a user, a test that needs root SKIPs
 * saying so, and the rest run.  At the start of such a test,
 * T_NEED_ROOT(@why) skips it with "needs root: @why" unless the effective
 * uid is 0; @why says what root gives it ("mounts ext4 on a loop
 * device").  In a FIXTURE_SETUP whose every test needs root,
 * T_SETUP_NEED_ROOT(@why) does the same with SETUP_SKIP() (below): the
 * fixture has a bool skipped and its bodies start with SKIPPED().
 */
#define T_NEED_ROOT(why) do {						\
	if (geteuid())							\
		SKIP(return, "needs root: %s", why);			\
} while (0)
#define T_SETUP_NEED_ROOT(why) do {					\
	if (geteuid())							\
		SETUP_SKIP("needs root: %s", why);			\
} while (0)

/* ---- leak check ---- */

/*
 * What a test must leave as it found: neoos's live mappings and VMAs
 * (module-wide counters), neoos.ko's reference count and this process's
 * VMAs.  The whole neoos_stats is kept for tests that compare more.
 */
struct leak_snap {
	struct neoos_stats st;
	int refcnt;
	int vmas;
};

/*
 * Take a snapshot.  In a program linked with libneoos the counters come
 * from neoos_stats(), which opens libneoos's own /dev/neoos descriptor
 * first, so that the descriptor (and the module reference it holds) is
 * there in every snapshot; otherwise from NEOOS_IOC_STATS on a descriptor
 * opened and closed again for it.  Counters it cannot read are ~0.
 */
void t_leak_snapshot(struct leak_snap *s);

/*
 * Take a new snapshot and compare it with @before: the number of
 * quantities that differ, each printed as a "# " line naming @what (when
 * @what is NULL nothing is printed: for a caller that waits for them to
 * settle).
 */
int t_leak_check(const struct leak_snap *before, const char *what);

/* In a test: nothing left behind since @before was taken. */
#define EXPECT_NO_LEAK(before, what) EXPECT_EQ(0, t_leak_check(before, what))

/* ---- raw ABI ---- */

/* NEOOS_IOC_MAP of @m on @dev, a descriptor of /dev/neoos: 0 or -errno. */
int t_dev_map(int dev, struct neoos_map *m);

/* NEOOS_IOC_UNMAP of [@addr, @addr + @length) on @dev: 0 or -errno. */
int t_dev_unmap(int dev, uint64_t addr, uint64_t length);

/*
 * A shared read-write NEOOS_IOC_MAP of @len bytes of @fd, issued on @dev,
 * must fail with @err and leave nothing behind (t_leak_check()); should it
 * map anyway, the mapping is removed again.  Returns how many of those
 * failed, each printed as a "# " line naming @what.
 */
int t_map_refused(int dev, int fd, uint64_t len, int err, const char *what);

#define EXPECT_MAP_REFUSED(dev, fd, len, err, what) \
	EXPECT_EQ(0, t_map_refused(dev, fd, len, err, what))

/* ---- VMAs ---- */

/* One line of /proc/self/maps. */
struct vma {
	unsigned long start, end;
	char perms[8];
	unsigned long long offset;
	unsigned long inode;
	char path[256];
};

/* The VMA of this process that contains @addr: 0, or -1 if there is none. */
int t_vma_at(const void *addr, struct vma *v);

/*
 * The rest of the line starting with @field ("VmFlags:", "Locked:"...)
 * in /proc/self/smaps for the VMA containing @addr, in @buf; 0, or -1 if
 * there is no such VMA or field.
 */
int t_smaps_field(const void *addr, const char *field, char *buf, size_t len);

/* Has the VMA at @addr the VmFlags mnemonic @flag ("lo")? 1, 0, or -1. */
int t_vma_has_flag(const void *addr, const char *flag);

/* A "... kB" field of the VMA at @addr in /proc/self/smaps, or -1. */
long t_vma_kb(const void *addr, const char *field);

/*
 * How many of the @len bytes' pages at @p are on the unevictable list
 * (KPF_MLOCKED in /proc/kpageflags; needs root), or -1.
 */
long t_mlocked_pages(const void *p, size_t len);

/* ---- userfaultfd ---- */

/* A non-blocking userfaultfd after the API handshake, or -errno. */
int t_uffd_open(void);

/* Register [@p, @p + @len) for missing-page faults: 0, or -errno. */
int t_uffd_register(int uffd, void *p, size_t len);

/* ---- mounts and block devices ---- */

/* @dir made and mounted as a 16 MiB tmpfs with @flags; 0 or -errno. */
int t_tmpfs_at(const char *dir, unsigned long flags);

/* Unmount @dir, detaching it if it is busy; the umount(2) error or 0. */
int t_unmount(const char *dir);

/*
 * t_unmount(), printing a "# " line when @dir was busy: a file reference a
 * MAP left behind keeps a mount busy.  EXPECT_UNMOUNTED() is for
 * teardowns, which cannot use "EXPECT() TH_LOG()": after an ASSERT the
 * 6.1 harness prints such a log whatever the result.
 */
int t_unmount_busy_said(const char *dir);
#define EXPECT_UNMOUNTED(dir)	EXPECT_EQ(0, t_unmount_busy_said(dir))

/* A losetup'd image of @mb MiB called @img: the loop device in @loop. */
int t_loop_image(const char *img, int mb, char *loop, size_t len);

/*
 * A fixture's setup SKIPs with SETUP_SKIP(), which remembers it in
 * self->skipped, and every TEST_F body starts with SKIPPED(): the 6.1
 * harness runs the body even when the setup skipped.
 */
#define SETUP_SKIP(fmt, ...) do {					\
	self->skipped = true;						\
	SKIP(return, fmt, ##__VA_ARGS__);				\
} while (0)
#define SKIPPED() do { if (self->skipped) return; } while (0)

/* ---- files ---- */

/* The byte a test file holds at @pos: depends on the position. */
unsigned char t_pattern_byte(uint64_t pos);

/* Create @path with @size pattern bytes; return 0 or -errno. */
int t_make_pattern_file(const char *path, size_t size);

/* Does @path hold exactly @size pattern bytes? */
bool t_file_is_pattern(const char *path, size_t size);

/* Do the @size bytes at @p hold the pattern of a file's first bytes? */
bool t_mem_is_pattern(const unsigned char *p, size_t size);

/* One byte of @path at @pos read with pread(2), or -errno. */
int t_file_byte(const char *path, off_t pos);

/*
 * Read @len bytes at @pos of @path as its block device holds them, past
 * the filesystem and its page cache: FIEMAP finds the blocks, O_DIRECT on
 * the device reads them.  Returns 0, -EAGAIN if the range has no blocks
 * on the device yet (delayed allocation: never written back), or -errno.
 * @pos and @len must be multiples of 4096 and within one extent.  A user
 * who may not open the device (root:disk, mode 0660) gets -EACCES.
 */
int t_disk_bytes(const char *path, off_t pos, void *buf, size_t len);

/* sync(2), then drop the page cache, dentries and inodes. */
void t_drop_caches(void);

/* ---- sysfs, procfs, cgroups ---- */

/* The number a sysfs, procfs or cgroup file holds, or -1. */
long t_read_long(const char *path);

/*
 * The number after @field ("VmLck:", "Committed_AS:") at the start of a
 * line of @path (/proc/self/status, /proc/meminfo), or -1.  It reads with
 * one read() into the stack and allocates nothing, so it moves no counter
 * it reads (heap growth is charged to Committed_AS).
 */
long t_proc_kb(const char *path, const char *field);

/* t_proc_kb() of /proc/meminfo ("Committed_AS:", "MemTotal:"). */
long t_meminfo_kb(const char *field);

/* Write @val to such a file; false on failure. */
bool t_write_string(const char *path, const char *val);

/* Write the number @val to such a file; false on failure. */
bool t_write_long(const char *path, long val);

/* neoos.ko's module reference count, or -1. */
int t_module_refcnt(void);

/*
 * How many VMAs this process has: lines of /proc/self/maps, read without
 * stdio, so that counting allocates nothing that could add one.
 */
int t_vma_count(void);

/* How many VMAs of this process overlap [@p, @p + @len). */
int t_vmas_in(const void *p, size_t len);

#define NR_HUGEPAGES	"/proc/sys/vm/nr_hugepages"

/* Ask for @set huge pages (unless negative); how many there are, or -1. */
long t_nr_hugepages(long set);

/* Write @val to the cgroup file @dir/@file; false on failure. */
bool t_cgroup_write(const char *dir, const char *file, const char *val);

/*
 * Move this process into the memory cgroup /sys/fs/cgroup/@name, made
 * with memory.max @max ("max" for none), mounting cgroup2 and enabling
 * the memory controller if needed.  Needs root; false if it cannot.
 */
bool t_join_memcg(const char *name, const char *max);

/* memory.current of /sys/fs/cgroup/@name, or -1. */
long t_memcg_current(const char *name);

/* ---- shell ---- */

/* Run a shell command; its exit status, or -1 if it did not exit. */
__attribute__((format(printf, 1, 2)))
int t_sh(const char *fmt, ...);

/*
 * Run a shell command with its stdout in @out (NUL-terminated, @len bytes
 * at most, may be NULL); return its wait status.
 */
__attribute__((format(printf, 3, 4)))
int t_sh_capture(char *out, size_t len, const char *fmt, ...);

/* ---- the programs the suite runs (t_prog.c) ---- */

/*
 * The absolute path of @rel below this test program's directory, if it
 * exists (malloc()ed); NULL if not.
 */
char *t_beside(const char *rel);

/*
 * The path of program @name (neoosctl, neoos-fuzz, mmcp...): the tree's,
 * or make install's beside the suite, else the first on PATH (the
 * packaged suite's neoosctl is neoos-tools'); NULL if none.  It is never
 * freed.  The helpers also put the libneoos beside the suite, if there is
 * one, on LD_LIBRARY_PATH before main(), so that what the suite runs
 * loads the library its programs load.
 */
const char *t_prog(const char *name);

#endif
