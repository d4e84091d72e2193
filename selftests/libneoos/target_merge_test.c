// SPDX-License-Identifier: GPL-2.0
/*
 * A neoos mapping is a mapping of the target made by the core: every
 * decision mmap(2) makes for a file is made for the target file, never for
 * /dev/neoos or the descriptor it was opened with.  Wherever it can, each
 * test maps the same descriptor with mmap(2) too and asserts "the same as
 * mmap(2)".
 *
 * Here, a neoos mapping next to a native mapping of the same file, which
 * the core would merge with it: it stays its own VMA and leaves the
 * native one alone, also when taking its merged attempt back needs a
 * split that vm.max_map_count refuses.
 *
 * Each test checks that it leaves nothing behind (t_leak_check()): neoos's
 * live mappings and VMAs, the module's reference count and this
 * process's VMAs.
 */
#include <sys/mman.h>
#include <sys/wait.h>

#include <libneoos.h>

#include "common.h"
#include "kselftest_harness.h"


/* ---- next to a native mapping of the same file ---- */

FIXTURE(merge) {
	bool skipped;
	char path[64];
	int fd;
};

FIXTURE_VARIANT(merge) {
	bool native_above;	/* the native page follows the neoos one */
};

FIXTURE_VARIANT_ADD(merge, native_above) { .native_above = true };
FIXTURE_VARIANT_ADD(merge, native_below) { .native_above = false };

FIXTURE_SETUP(merge)
{
	snprintf(self->path, sizeof(self->path), "target_merge.%d", getpid());
	ASSERT_EQ(0, t_make_pattern_file(self->path, 3 * PAGE));
	self->fd = open(self->path, O_RDWR);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(merge)
{
	close(self->fd);
	unlink(self->path);
}

static bool page_is_pattern(const unsigned char *p, uint64_t off)
{
	for (int i = 0; i < PAGE; i++)
		if (p[i] != t_pattern_byte(off + i))
			return false;
	return true;
}

/* The native page is still exactly where mmap(2) put it, and whole. */
static void expect_native_intact(struct __test_metadata *_metadata,
				 unsigned char *nat, uint64_t off,
				 const char *when)
{
	struct vma v;

	ASSERT_EQ(0, t_vma_at(nat, &v)) TH_LOG("%s: native mapping gone", when);
	EXPECT_EQ((unsigned long)nat, v.start) TH_LOG("%s", when);
	EXPECT_EQ((unsigned long)nat + PAGE, v.end) TH_LOG("%s", when);
	EXPECT_EQ(off, v.offset) TH_LOG("%s", when);
	EXPECT_STREQ("rw-s", v.perms) TH_LOG("%s", when);
	EXPECT_TRUE(page_is_pattern(nat, off)) TH_LOG("%s", when);
}

/*
 * A neoos mapping placed where it continues a native shared mapping of
 * the same file (same flags, adjacent file offsets) is exactly what the
 * core merges into one VMA.  It must stay a VMA of its own, of exactly
 * the length asked for, and the native mapping must stay as it was.
 */
TEST_F(merge, not_merged_with_native_neighbour)
{
	unsigned char *r, *nat, *hint, *p;
	uint64_t nat_off, neo_off, id;
	struct leak_snap before;
	struct vma v;

	SKIPPED();
	r = mmap(NULL, 3 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, r);
	if (variant->native_above) {
		nat = r + PAGE;
		nat_off = PAGE;
		hint = r;
		neo_off = 0;
	} else {
		nat = r;
		nat_off = 0;
		hint = r + PAGE;
		neo_off = PAGE;
	}
	ASSERT_EQ(nat, mmap(nat, PAGE, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_FIXED, self->fd, nat_off));
	ASSERT_EQ(0, munmap(hint, PAGE));
	expect_native_intact(_metadata, nat, nat_off, "before the MAP");

	t_leak_snapshot(&before);
	p = sys_mmap_ex(hint, PAGE, NEOOS_PROT_READ | NEOOS_PROT_WRITE,
			NEOOS_MAP_SHARED, self->fd, neo_off, &id);
	ASSERT_NE(NULL, p) TH_LOG("E %d", sys_errno());
	ASSERT_EQ(0, t_vma_at(p, &v));
	EXPECT_EQ((unsigned long)p, v.start);
	EXPECT_EQ((unsigned long)p + PAGE, v.end)
		TH_LOG("neoos VMA %lx-%lx, native page at %p", v.start, v.end, nat);
	EXPECT_TRUE(page_is_pattern(p, neo_off));
	expect_native_intact(_metadata, nat, nat_off, "after the MAP");
	p[5] = 'N';
	EXPECT_EQ(E_OK, sys_munmap(p, PAGE));
	expect_native_intact(_metadata, nat, nat_off, "after sys_munmap");
	EXPECT_EQ('N', t_file_byte(self->path, neo_off + 5));
	if (p == hint)
		EXPECT_EQ(0, t_vmas_in(hint, PAGE));
	EXPECT_NO_LEAK(&before, "beside a native mapping");
	munmap(r, 3 * PAGE);
}

/* ---- in a hole between two native mappings, at vm.max_map_count ---- */

/* Is [@p, @p + PAGE) exactly one VMA mapping file offset @off? */
static bool page_vma_is(unsigned char *p, uint64_t off)
{
	struct vma v;

	return !t_vma_at(p, &v) && v.start == (unsigned long)p &&
	       v.end == (unsigned long)p + PAGE && v.offset == off;
}

/*
 * The child of hole_at_max_map_count: native shared mappings of file
 * pages 0 and 2 with a one-page hole between them, the process at
 * vm.max_map_count, and a MAP of page 1 hinted into the hole.  The core
 * merges that attempt with both neighbours into one VMA; taking it back
 * needs a split, which the limit refuses while MAP's next attempt holds
 * a VMA.  MAP must either succeed with a VMA of its own or fail with
 * E_NOMEM, and in both cases leave the two native mappings as they were
 * and the hole empty.  Exit status: 0, or which check failed.
 */
static int map_into_hole_at_limit(int sysctl, int fd)
{
	struct neoos_stats st;
	unsigned char *r, *p;
	char buf[32];
	uint64_t id;

	r = mmap(NULL, 3 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r == MAP_FAILED ||
	    mmap(r, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 fd, 0) != r ||
	    mmap(r + 2 * PAGE, PAGE, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, fd, 2 * PAGE) != r + 2 * PAGE ||
	    munmap(r + PAGE, PAGE))
		return 10;
	/* libneoos opens its descriptor now, not within the limit. */
	if (neoos_stats(&st))
		return 11;
	snprintf(buf, sizeof(buf), "%d", t_vmas_in(NULL, ~0UL >> 1));
	if (pwrite(sysctl, buf, strlen(buf), 0) < 0)
		return 12;

	p = sys_mmap_ex(r + PAGE, PAGE, NEOOS_PROT_READ | NEOOS_PROT_WRITE,
			NEOOS_MAP_SHARED, fd, PAGE, &id);
	if (!p && sys_errno() != E_NOMEM)
		return 13;
	if (!page_vma_is(r, 0) || !page_vma_is(r + 2 * PAGE, 2 * PAGE))
		return 14;	/* the native neighbours were fused */
	if (t_vmas_in(r + PAGE, PAGE))
		return 15;	/* something was left in the hole */
	if (p && (!page_vma_is(p, PAGE) || !page_is_pattern(p, PAGE)))
		return 16;
	if (p && sys_munmap(p, PAGE) != E_OK)
		return 17;
	return 0;
}

TEST(hole_at_max_map_count)
{
	char path[64], old[32] = "";
	struct leak_snap before;
	int fd, sysctl, status;
	pid_t pid;

	T_NEED_ROOT("changes vm.max_map_count");
	snprintf(path, sizeof(path), "target_merge_hole.%d", getpid());
	ASSERT_EQ(0, t_make_pattern_file(path, 3 * PAGE));
	fd = open(path, O_RDWR);
	ASSERT_LE(0, fd);
	sysctl = open("/proc/sys/vm/max_map_count", O_RDWR);
	ASSERT_LE(0, sysctl);
	ASSERT_LT(0, read(sysctl, old, sizeof(old) - 1));
	t_leak_snapshot(&before);

	pid = fork();
	if (pid == 0)
		_exit(map_into_hole_at_limit(sysctl, fd));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_LT(0, pwrite(sysctl, old, strlen(old), 0));
	close(sysctl);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("status %#x (see map_into_hole_at_limit())", status);
	EXPECT_NO_LEAK(&before, "after a MAP into a hole at the limit");
	close(fd);
	unlink(path);
}

TEST_HARNESS_MAIN
