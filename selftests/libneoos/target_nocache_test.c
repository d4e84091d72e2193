// SPDX-License-Identifier: GPL-2.0
/*
 * A neoos mapping is a mapping of the target made by the core: every
 * decision mmap(2) makes for a file is made for the target file, never for
 * /dev/neoos or the descriptor it was opened with.  Wherever it can, each
 * test maps the same descriptor with mmap(2) too and asserts "the same as
 * mmap(2)".
 *
 * Here, targets with no page cache, which neoos refuses (-ENODEV):
 * memfd_secret memory and a file on a DAX filesystem (ext4 -o dax on a
 * pmem device).
 *
 * Each test checks that it leaves nothing behind (t_leak_check()): neoos's
 * live mappings and VMAs, the module's reference count and this
 * process's VMAs.
 */
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <libneoos.h>

#include "common.h"
#include "kselftest_harness.h"

#ifndef STATX_ATTR_DAX
#define STATX_ATTR_DAX		0x00200000
#endif
#ifndef __NR_memfd_secret
#define __NR_memfd_secret	447
#endif


/* ---- memfd_secret ---- */

/*
 * secretmem's pages are taken out of the kernel's direct map and belong
 * to no page cache: kernel accesses to them (NEOOS_IOC_READ, /proc/pid/mem,
 * writeback) must not happen, so neoos must refuse them as it refuses all
 * memory that is not page cache.  If the MAP ever succeeds, the mapping is
 * taken back without being touched.
 */
TEST(memfd_secret_refused)
{
	struct leak_snap before;
	int fd, dev;
	uint64_t id;
	void *q, *p;

	fd = syscall(__NR_memfd_secret, 0);
	if (fd < 0 && errno == ENOSYS)
		SKIP(return, "memfd_secret: ENOSYS (CONFIG_SECRETMEM off, or 6.1 booted without secretmem.enable=1)");
	ASSERT_LE(0, fd) TH_LOG("memfd_secret: %s", strerror(errno));
	ASSERT_EQ(0, ftruncate(fd, PAGE));
	/* mmap(2) can map it (only its own process can touch it then). */
	q = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	EXPECT_NE(MAP_FAILED, q) TH_LOG("mmap(2) of memfd_secret: %s", strerror(errno));
	if (q != MAP_FAILED)
		munmap(q, PAGE);

	dev = open(NEOOS_DEVICE_PATH, O_RDWR);
	ASSERT_LE(0, dev);
	EXPECT_MAP_REFUSED(dev, fd, PAGE, ENODEV, "memfd_secret");
	t_leak_snapshot(&before);

	p = sys_mmap_ex(NULL, PAGE, NEOOS_PROT_READ | NEOOS_PROT_WRITE,
			NEOOS_MAP_SHARED, fd, 0, &id);
	EXPECT_EQ(NULL, p);
	if (p)
		sys_munmap_id(id);
	else
		EXPECT_EQ(E_INVAL, sys_errno());
	EXPECT_NO_LEAK(&before, "memfd_secret sys_mmap_ex");
	close(dev);
	close(fd);
}

/* ---- DAX ---- */

#define DAX_DIR		"target_dax"
#define PMEM		"/dev/pmem0"

FIXTURE(dax) {
	bool skipped;
	bool mounted;
};

FIXTURE_SETUP(dax)
{
	struct stat st;

	T_SETUP_NEED_ROOT("makes ext4 on a pmem device and mounts it with dax");
	if (stat(PMEM, &st))
		t_sh("modprobe nd_e820 2>/dev/null; modprobe nd_pmem 2>/dev/null");
	for (int i = 0; i < 50 && stat(PMEM, &st); i++)
		usleep(100000);
	if (stat(PMEM, &st))
		SETUP_SKIP("no " PMEM ": the kernel needs an e820 pmem range (memmap=32M!1G, tools/vm/neoos-vm adds it) and nd_e820, nd_pmem");
	ASSERT_EQ(0, t_sh("mkfs.ext4 -q -F -b 4096 " PMEM " >/dev/null"));
	mkdir(DAX_DIR, 0755);
	if (mount(PMEM, DAX_DIR, "ext4", 0, "dax"))
		SETUP_SKIP("mount -o dax " PMEM ": %s", strerror(errno));
	self->mounted = true;
}

FIXTURE_TEARDOWN(dax)
{
	unlink(DAX_DIR "/file");
	if (self->mounted)
		EXPECT_UNMOUNTED(DAX_DIR);
	rmdir(DAX_DIR);
}

/*
 * A DAX file has no page cache: its mapping maps the device's memory.
 * neoos keeps to page cache mappings, so the MAP is refused while
 * mmap(2) of it works.
 */
TEST_F(dax, dax_file_refused)
{
	struct leak_snap before;
	int fd, dev;
	struct statx stx;
	unsigned char *q;
	void *p;

	SKIPPED();
	ASSERT_EQ(0, t_make_pattern_file(DAX_DIR "/file", FSIZE));
	fd = open(DAX_DIR "/file", O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx));
	if (!(stx.stx_attributes & STATX_ATTR_DAX)) {
		close(fd);
		SKIP(return, "a file on ext4 -o dax on " PMEM " is not DAX (statx attributes %#llx)",
		     (unsigned long long)stx.stx_attributes);
	}
	/* The control. */
	q = mmap(NULL, FSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, q) TH_LOG("mmap(2) of a DAX file: %s", strerror(errno));
	EXPECT_EQ(t_pattern_byte(PAGE + 3), q[PAGE + 3]);
	munmap(q, FSIZE);

	dev = open(NEOOS_DEVICE_PATH, O_RDWR);
	ASSERT_LE(0, dev);
	EXPECT_MAP_REFUSED(dev, fd, FSIZE, ENODEV, "a DAX file");
	t_leak_snapshot(&before);
	p = sys_mmap(fd, 0, FSIZE);
	EXPECT_EQ(NULL, p);
	if (p)
		sys_munmap(p, FSIZE);
	else
		EXPECT_EQ(E_INVAL, sys_errno());
	EXPECT_NO_LEAK(&before, "DAX sys_mmap");
	close(dev);
	close(fd);
}

TEST_HARNESS_MAIN
