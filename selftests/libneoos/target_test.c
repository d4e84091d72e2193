// SPDX-License-Identifier: GPL-2.0
/*
 * A neoos mapping is a mapping of the target made by the core: every
 * decision mmap(2) makes for a file is made for the target file, never for
 * /dev/neoos or the descriptor it was opened with.  Wherever it can, each
 * test maps the same descriptor with mmap(2) too and asserts "the same as
 * mmap(2)":
 *
 *  - overlayfs: a file opened through an overlay maps and writes back; once
 *    the filesystem under it is shut down, its ->mmap refuses (-EIO), and
 *    the MAP fails cleanly: no VMA, no mapping, no module reference left;
 *  - READ_IMPLIES_EXEC gives exec only where the target's mount allows it;
 *  - IMA measures a file mapped for exec;
 *  - memfd_secret memory, which has no page cache, is refused (-ENODEV);
 *  - how /dev/neoos was opened (O_RDONLY, O_WRONLY, a node on a noexec
 *    mount) changes nothing about the mapping;
 *  - hugetlbfs: a 4096-byte map is a huge page, as mmap(2) makes it, and
 *    is not charged to Committed_AS, as mmap(2)'s is not;
 *  - a file on a DAX filesystem (no page cache) is refused (-ENODEV), and
 *    so is a regular file whose ->mmap makes device memory (a PCI BAR in
 *    sysfs), which the core maps and neoos takes back;
 *  - ENOSPC from writeback (a full dm-thin pool) is reported by UNMAP, and
 *    the mapping is gone all the same;
 *  - a neoos mapping next to a native mapping of the same file, which the
 *    core would merge with it, stays its own VMA and leaves the native one
 *    alone.
 *
 * Every test checks that it leaves nothing behind: neoos's live mappings
 * and VMAs, the module's reference count, and this process's VMAs.
 */
#include <limits.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/stat.h>

#include <neoos.h>

#include "common.h"
#include "kselftest_harness.h"

#ifndef STATX_ATTR_DAX
#define STATX_ATTR_DAX		0x00200000
#endif
#ifndef __NR_memfd_secret
#define __NR_memfd_secret	447
#endif
#define EXT4_IOC_SHUTDOWN	_IOR('X', 125, __u32)
#define EXT4_GOING_FLAGS_NOLOGFLUSH	0x2

#define FSIZE		(4 * PAGE)
#define HUGE		(2UL << 20)

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

/* ---- helpers ---- */

/* One line of /proc/self/maps. */
struct vma {
	unsigned long start, end;
	char perms[8];
	unsigned long long offset;
	unsigned long inode;
	char path[256];
};

/* The VMA of this process that contains @addr: 0, or -1 if there is none. */
static int vma_at(const void *addr, struct vma *v)
{
	unsigned long a = (unsigned long)addr;
	char line[512];
	int ret = -1;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return -1;
	while (ret && fgets(line, sizeof(line), f)) {
		memset(v, 0, sizeof(*v));
		if (sscanf(line, "%lx-%lx %7s %llx %*x:%*x %lu %255[^\n]",
			   &v->start, &v->end, v->perms, &v->offset,
			   &v->inode, v->path) >= 5 &&
		    v->start <= a && a < v->end)
			ret = 0;
	}
	fclose(f);
	return ret;
}

/* NEOOS_IOC_MAP on a descriptor of our own: 0, or -errno. */
static int dev_map(int dev, struct neoos_map *m)
{
	return ioctl(dev, NEOOS_IOC_MAP, m) ? -errno : 0;
}

static int dev_unmap(int dev, uint64_t addr, uint64_t length)
{
	struct neoos_unmap u = { .addr = addr, .length = length };

	return ioctl(dev, NEOOS_IOC_UNMAP, &u) ? -errno : 0;
}

/*
 * A shared read-write NEOOS_IOC_MAP of @len bytes of @fd, issued on @dev,
 * must fail with @err and leave nothing behind; should it map anyway, the
 * mapping is removed again.
 */
static void expect_map_refused(struct __test_metadata *_metadata, int dev,
			       int fd, uint64_t len, int err, const char *what)
{
	struct neoos_map m = {
		.fd = fd,
		.length = len,
		.prot = NEOOS_PROT_READ | NEOOS_PROT_WRITE,
		.flags = NEOOS_MAP_SHARED,
	};
	struct leak_snap before;
	int ret;

	leak_snapshot(&before);
	ret = dev_map(dev, &m);
	EXPECT_EQ(-err, ret) TH_LOG("NEOOS_IOC_MAP of %s: %s", what,
				    ret ? strerror(-ret) : "mapped");
	if (!ret)
		EXPECT_EQ(0, dev_unmap(dev, m.addr, len));
	EXPECT_NO_LEAK(&before, what);
}

/* @dir made and mounted as a tmpfs with @flags; 0 or -errno. */
static int tmpfs_at(const char *dir, unsigned long flags)
{
	mkdir(dir, 0755);
	return mount("neoos-target", dir, "tmpfs", flags, "size=16m,mode=0755") ?
	       -errno : 0;
}

/* Unmount @dir, detaching it if it is busy; the umount(2) error or 0. */
static int unmount(const char *dir)
{
	int err = umount(dir) ? errno : 0;

	if (err)
		umount2(dir, MNT_DETACH);
	return err;
}

/*
 * Unmount @dir in a teardown and expect it to work: a file reference a
 * MAP left behind keeps a mount busy.  (No "EXPECT() TH_LOG()" in a
 * teardown: after an ASSERT the 6.1 harness prints such a log whatever
 * the result.)
 */
static void teardown_unmount(struct __test_metadata *_metadata,
			     const char *dir)
{
	int err = unmount(dir);

	if (err)
		TH_LOG("umount %s: %s (a file reference left behind?)", dir,
		       strerror(err));
	EXPECT_EQ(0, err);
}

/* A losetup'd image of @mb MiB called @img: the loop device in @loop. */
static int loop_image(const char *img, int mb, char *loop, size_t len)
{
	char cmd[160];
	FILE *f;

	if (sh("truncate -s %dM %s", mb, img))
		return -1;
	snprintf(cmd, sizeof(cmd), "losetup -f --show %s", img);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	if (!fgets(loop, len, f))
		loop[0] = 0;
	pclose(f);
	loop[strcspn(loop, "\n")] = 0;
	return loop[0] ? 0 : -1;
}

/* ---- overlayfs over a filesystem that is then shut down ---- */

#define OVL_IMG		"target_ovl.img"
#define OVL_EXT4	"target_ovl.ext4"
#define OVL_MERGED	"target_ovl.merged"

FIXTURE(ovl) {
	bool skipped;
	char loop[64];
	bool ext4_mounted, ovl_mounted;
	int fd, dev, root;
};

FIXTURE_SETUP(ovl)
{
	char opts[1024], cwd[256];

	self->fd = self->dev = self->root = -1;
	if (geteuid())
		SETUP_SKIP("mounting ext4 and overlayfs needs root");
	if (sh("modprobe overlay 2>/dev/null; grep -qw overlay /proc/filesystems"))
		SETUP_SKIP("no overlayfs in this kernel (modprobe overlay failed)");
	ASSERT_EQ(0, loop_image(OVL_IMG, 32, self->loop, sizeof(self->loop)));
	ASSERT_EQ(0, sh("mkfs.ext4 -q -F -O ^has_journal %s", self->loop));
	mkdir(OVL_EXT4, 0755);
	ASSERT_EQ(0, mount(self->loop, OVL_EXT4, "ext4", 0, "errors=continue"));
	self->ext4_mounted = true;
	ASSERT_EQ(0, mkdir(OVL_EXT4 "/lower", 0755));
	ASSERT_EQ(0, mkdir(OVL_EXT4 "/upper", 0755));
	ASSERT_EQ(0, mkdir(OVL_EXT4 "/work", 0755));
	ASSERT_EQ(0, make_pattern_file(OVL_EXT4 "/lower/file", FSIZE));
	ASSERT_NE(NULL, getcwd(cwd, sizeof(cwd)));
	snprintf(opts, sizeof(opts),
		 "lowerdir=%s/" OVL_EXT4 "/lower,upperdir=%s/" OVL_EXT4
		 "/upper,workdir=%s/" OVL_EXT4 "/work", cwd, cwd, cwd);
	mkdir(OVL_MERGED, 0755);
	ASSERT_EQ(0, mount("overlay", OVL_MERGED, "overlay", 0, opts))
		TH_LOG("mount overlay: %s", strerror(errno));
	self->ovl_mounted = true;
}

FIXTURE_TEARDOWN(ovl)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->dev >= 0)
		close(self->dev);
	if (self->root >= 0)
		close(self->root);
	/* A file reference neoos leaked keeps them busy. */
	if (self->ovl_mounted)
		teardown_unmount(_metadata, OVL_MERGED);
	if (self->ext4_mounted)
		teardown_unmount(_metadata, OVL_EXT4);
	if (self->loop[0])
		sh("losetup -d %s", self->loop);
	unlink(OVL_IMG);
	rmdir(OVL_MERGED);
	rmdir(OVL_EXT4);
}

/*
 * overlayfs's ->mmap hands the VMA to the file of the layer below and
 * calls that file's ->mmap; on a shut-down ext4 that refuses with -EIO,
 * as mmap(2) reports it.  The MAP must fail the same way and undo all of
 * it: nothing mapped, no neoos object, no reference on neoos.ko - and it
 * must return at all.
 */
TEST_F(ovl, overlay_file_maps_then_eio_after_shutdown)
{
	__u32 how = EXT4_GOING_FLAGS_NOLOGFLUSH;
	struct leak_snap before;
	char *p;
	void *q;

	SKIPPED();
	/* O_RDWR: copied up to the upper layer. */
	self->fd = open(OVL_MERGED "/file", O_RDWR);
	ASSERT_LE(0, self->fd);
	p = sys_mmap(self->fd, 0, FSIZE);
	ASSERT_NE(NULL, p) TH_LOG("sys_mmap through overlayfs: E %d", sys_errno());
	EXPECT_EQ(pattern_byte(PAGE + 1), (unsigned char)p[PAGE + 1]);
	p[PAGE + 1] = 'O';
	EXPECT_EQ(E_OK, sys_munmap(p, FSIZE));
	drop_caches();
	EXPECT_EQ('O', file_byte(OVL_MERGED "/file", PAGE + 1));

	self->dev = open("/dev/neoos", O_RDWR);
	ASSERT_LE(0, self->dev);
	self->root = open(OVL_EXT4, O_RDONLY | O_DIRECTORY);
	ASSERT_LE(0, self->root);
	ASSERT_EQ(0, ioctl(self->root, EXT4_IOC_SHUTDOWN, &how))
		TH_LOG("EXT4_IOC_SHUTDOWN: %s", strerror(errno));

	/* The control: mmap(2) of the same descriptor. */
	q = mmap(NULL, FSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	EXPECT_EQ(MAP_FAILED, q);
	EXPECT_EQ(EIO, errno) TH_LOG("mmap(2): %s", strerror(errno));
	if (q != MAP_FAILED)
		munmap(q, FSIZE);

	expect_map_refused(_metadata, self->dev, self->fd, FSIZE, EIO,
			   "a file on overlayfs over a shut-down ext4");
	leak_snapshot(&before);

	/* What a NeoOS program sees. */
	p = sys_mmap(self->fd, 0, FSIZE);
	EXPECT_EQ(NULL, p);
	if (p)
		sys_munmap(p, FSIZE);
	else
		EXPECT_EQ(E_IO, sys_errno());
	EXPECT_NO_LEAK(&before, "failed sys_mmap on overlayfs");
}

/* ---- READ_IMPLIES_EXEC ---- */

struct rie {
	const char *path;
	char native[8];		/* perms of mmap(2)'s VMA */
	char neoos[8];		/* perms of neoos's */
};

/*
 * In a child with READ_IMPLIES_EXEC: PROT_READ shared mappings of @path,
 * one by mmap(2) and one by neoos, and their VMAs' permissions.
 */
static int rie_child(void *arg)
{
	struct rie *r = arg;
	struct vma v;
	uint64_t id;
	void *q, *p;
	int fd;

	CHK(personality(PER_LINUX | READ_IMPLIES_EXEC) != -1);
	CHK(personality(0xffffffff) & READ_IMPLIES_EXEC);
	fd = open(r->path, O_RDONLY);
	CHK(fd >= 0);
	q = mmap(NULL, FSIZE, PROT_READ, MAP_SHARED, fd, 0);
	CHK(q != MAP_FAILED);
	CHK(vma_at(q, &v) == 0);
	memcpy(r->native, v.perms, sizeof(r->native));
	CHK(munmap(q, FSIZE) == 0);
	p = sys_mmap_ex(NULL, FSIZE, NEOOS_PROT_READ, NEOOS_MAP_SHARED, fd, 0,
			&id);
	CHK(p != NULL);
	CHK(vma_at(p, &v) == 0);
	memcpy(r->neoos, v.perms, sizeof(r->neoos));
	CHK(sys_munmap_id(id) == E_OK);
	close(fd);
	return 0;
}

/* rie_child() on @path, its results in *@out; 0, or -1 if it cannot run. */
static int rie_run(struct __test_metadata *_metadata, const char *path,
		   struct rie *out)
{
	struct rie *r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (r == MAP_FAILED)
		return -1;
	r->path = path;
	EXPECT_EQ(0, run_child(rie_child, r));
	TH_LOG("READ_IMPLIES_EXEC, PROT_READ of %s: mmap(2) %s, neoos %s",
	       path, r->native, r->neoos);
	*out = *r;
	munmap(r, sizeof(*r));
	return 0;
}

#define RIE_DIR		"target_noexec"

FIXTURE(noexec) {
	bool skipped;
	bool mounted;
};

FIXTURE_SETUP(noexec)
{
	if (geteuid())
		SETUP_SKIP("mounting tmpfs needs root");
	ASSERT_EQ(0, tmpfs_at(RIE_DIR, MS_NOEXEC | MS_NOSUID | MS_NODEV));
	self->mounted = true;
	ASSERT_EQ(0, make_pattern_file(RIE_DIR "/file", FSIZE));
}

FIXTURE_TEARDOWN(noexec)
{
	if (self->mounted)
		unmount(RIE_DIR);
	rmdir(RIE_DIR);
}

/* do_mmap(): READ_IMPLIES_EXEC adds PROT_EXEC unless the file is noexec. */
TEST_F(noexec, read_implies_exec_not_on_noexec_mount)
{
	struct leak_snap before;
	struct rie r;

	SKIPPED();
	leak_snapshot(&before);
	ASSERT_EQ(0, rie_run(_metadata, RIE_DIR "/file", &r));
	EXPECT_EQ(NULL, strchr(r.native, 'x'));
	EXPECT_STREQ(r.native, r.neoos);
	EXPECT_EQ(NULL, strchr(r.neoos, 'x'));
	EXPECT_NO_LEAK(&before, "READ_IMPLIES_EXEC");
}

TEST(read_implies_exec_on_exec_mount)
{
	struct leak_snap before;
	char path[64];
	struct rie r;

	snprintf(path, sizeof(path), "target_rie.%d", getpid());
	ASSERT_EQ(0, make_pattern_file(path, FSIZE));
	leak_snapshot(&before);
	ASSERT_EQ(0, rie_run(_metadata, path, &r));
	EXPECT_NE(NULL, strchr(r.native, 'x'));
	EXPECT_STREQ(r.native, r.neoos);
	EXPECT_NO_LEAK(&before, "READ_IMPLIES_EXEC");
	unlink(path);
}

/* ---- IMA ---- */

#define SECURITYFS	"/sys/kernel/security"
#define IMA_POLICY	SECURITYFS "/ima/policy"
#define IMA_LOG		SECURITYFS "/ima/ascii_runtime_measurements"
#define IMA_RULE	"measure func=MMAP_CHECK mask=MAY_EXEC\n"

/*
 * Load IMA_RULE as the IMA policy.  Without CONFIG_IMA_WRITE_POLICY the
 * policy can be written once per boot, and the file goes away after it:
 * then say what is in force, if the policy can be read, and go on; the
 * test's control tells whether it measures.
 */
static void ima_load_rule(struct __test_metadata *_metadata)
{
	char buf[4096];
	ssize_t n;
	int fd = open(IMA_POLICY, O_WRONLY);

	if (fd >= 0) {
		n = write(fd, IMA_RULE, strlen(IMA_RULE));
		if (n != (ssize_t)strlen(IMA_RULE))
			TH_LOG("writing the IMA policy: %s", strerror(errno));
		close(fd);
		return;
	}
	TH_LOG("IMA policy not writable (%s): written before this boot's test?",
	       strerror(errno));
	fd = open(IMA_POLICY, O_RDONLY);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	TH_LOG("IMA policy in force: %s", n > 0 ? buf : "(unreadable)");
}

/* Has IMA measured the file at absolute path @path? */
static bool ima_measured(const char *path)
{
	size_t len = strlen(path);
	char line[1024];
	bool found = false;
	FILE *f = fopen(IMA_LOG, "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *s = strstr(line, path);

		found = s && s > line && s[-1] == ' ' &&
			(s[len] == ' ' || s[len] == '\n' || s[len] == 0);
	}
	fclose(f);
	return found;
}

/* A new file of @name in the working directory, its absolute path in @abs. */
static int fresh_file(const char *name, char *abs, size_t len)
{
	char cwd[256];
	int fd;

	if (!getcwd(cwd, sizeof(cwd)))
		return -1;
	snprintf(abs, len, "%s/%s.%d", cwd, name, getpid());
	if (make_pattern_file(abs, FSIZE))
		return -1;
	fd = open(abs, O_RDWR);
	/* Contents of its own, so that no other file hashes the same. */
	if (fd >= 0 && pwrite(fd, abs, strlen(abs), 0) != (ssize_t)strlen(abs)) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * IMA's mmap hook (security_mmap_file()) measures what is mapped for exec.
 * It must see the target file, not /dev/neoos.
 */
TEST(ima_measures_exec_mapping)
{
	char a[320], b[320];
	struct leak_snap before;
	int fa, fb;
	uint64_t id;
	void *q, *p;

	if (geteuid())
		SKIP(return, "loading an IMA policy needs root");
	if (access(IMA_LOG, R_OK)) {
		mkdir(SECURITYFS, 0755);
		mount("securityfs", SECURITYFS, "securityfs", 0, NULL);
	}
	if (access(IMA_LOG, R_OK))
		SKIP(return, "no IMA: %s: %s", IMA_LOG, strerror(errno));
	ima_load_rule(_metadata);

	/* The control: mmap(2) for exec of a fresh file is measured. */
	fa = fresh_file("target_ima_a", a, sizeof(a));
	ASSERT_LE(0, fa);
	q = mmap(NULL, FSIZE, PROT_READ | PROT_EXEC, MAP_PRIVATE, fa, 0);
	ASSERT_NE(MAP_FAILED, q);
	munmap(q, FSIZE);
	if (!ima_measured(a))
		SKIP(goto out_a, "IMA does not measure here: mmap(2) of %s for exec is not in %s",
		     a, IMA_LOG);

	fb = fresh_file("target_ima_b", b, sizeof(b));
	ASSERT_LE(0, fb);
	leak_snapshot(&before);
	p = sys_mmap_ex(NULL, FSIZE, NEOOS_PROT_READ | NEOOS_PROT_EXEC,
			NEOOS_MAP_SHARED, fb, 0, &id);
	ASSERT_NE(NULL, p) TH_LOG("E %d", sys_errno());
	EXPECT_EQ(E_OK, sys_munmap_id(id));
	EXPECT_TRUE(ima_measured(b)) TH_LOG("%s, mapped by neoos for exec, is not in %s",
					    b, IMA_LOG);
	EXPECT_NO_LEAK(&before, "IMA");
	close(fb);
	unlink(b);
out_a:
	close(fa);
	unlink(a);
}

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

	dev = open("/dev/neoos", O_RDWR);
	ASSERT_LE(0, dev);
	expect_map_refused(_metadata, dev, fd, PAGE, ENODEV, "memfd_secret");
	leak_snapshot(&before);

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

/* ---- how /dev/neoos was opened ---- */

/*
 * do_mmap() decides VM_SHARED and VM_MAYWRITE from the mapped file's
 * f_mode: for the target, never for the /dev/neoos descriptor.
 */
TEST(dev_opened_read_only)
{
	char path[64];
	struct leak_snap before;
	struct neoos_map m;
	int dev, fd, ret;
	char *q, *p;

	snprintf(path, sizeof(path), "target_devro.%d", getpid());
	ASSERT_EQ(0, make_pattern_file(path, FSIZE));
	fd = open(path, O_RDWR);
	ASSERT_LE(0, fd);
	/* The control. */
	q = mmap(NULL, FSIZE, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, q);
	EXPECT_EQ(0, mprotect(q, FSIZE, PROT_READ | PROT_WRITE));
	munmap(q, FSIZE);

	dev = open("/dev/neoos", O_RDONLY);
	ASSERT_LE(0, dev);
	leak_snapshot(&before);
	m = (struct neoos_map){ .fd = fd, .length = FSIZE,
				.prot = NEOOS_PROT_READ,
				.flags = NEOOS_MAP_SHARED };
	ret = dev_map(dev, &m);
	ASSERT_EQ(0, ret) TH_LOG("NEOOS_IOC_MAP on O_RDONLY /dev/neoos: %s",
				 strerror(-ret));
	p = (char *)(uintptr_t)m.addr;
	ret = mprotect(p, FSIZE, PROT_READ | PROT_WRITE);
	EXPECT_EQ(0, ret) TH_LOG("mprotect(PROT_READ | PROT_WRITE): %s",
				 strerror(errno));
	if (!ret) {
		p[10] = 'R';
		EXPECT_EQ('R', file_byte(path, 10));
	}
	EXPECT_EQ(0, dev_unmap(dev, m.addr, FSIZE));
	EXPECT_NO_LEAK(&before, "O_RDONLY /dev/neoos");
	close(dev);
	close(fd);
	unlink(path);
}

/* do_mmap() refuses a file not open for reading: the target, not /dev/neoos. */
TEST(dev_opened_write_only)
{
	char path[64];
	struct leak_snap before;
	struct neoos_map m;
	int dev, fd, ret;

	snprintf(path, sizeof(path), "target_devwo.%d", getpid());
	ASSERT_EQ(0, make_pattern_file(path, FSIZE));
	fd = open(path, O_RDWR);
	ASSERT_LE(0, fd);
	dev = open("/dev/neoos", O_WRONLY);
	ASSERT_LE(0, dev);
	leak_snapshot(&before);
	m = (struct neoos_map){ .fd = fd, .length = FSIZE,
				.prot = NEOOS_PROT_READ | NEOOS_PROT_WRITE,
				.flags = NEOOS_MAP_SHARED };
	ret = dev_map(dev, &m);
	ASSERT_EQ(0, ret) TH_LOG("NEOOS_IOC_MAP on O_WRONLY /dev/neoos: %s",
				 strerror(-ret));
	EXPECT_EQ(pattern_byte(PAGE), ((unsigned char *)(uintptr_t)m.addr)[PAGE]);
	((char *)(uintptr_t)m.addr)[PAGE] = 'W';
	EXPECT_EQ(0, dev_unmap(dev, m.addr, FSIZE));
	EXPECT_EQ('W', file_byte(path, PAGE));
	EXPECT_NO_LEAK(&before, "O_WRONLY /dev/neoos");
	close(dev);
	close(fd);
	unlink(path);
}

#define NODE_DIR	"target_devnode"

FIXTURE(devnode) {
	bool skipped;
	bool mounted;
};

FIXTURE_SETUP(devnode)
{
	unsigned int maj, min;
	FILE *f;
	int n;

	if (geteuid())
		SETUP_SKIP("mounting tmpfs and mknod need root");
	f = fopen("/sys/class/misc/neoos/dev", "r");
	ASSERT_NE(NULL, f) TH_LOG("/sys/class/misc/neoos/dev: %s", strerror(errno));
	n = fscanf(f, "%u:%u", &maj, &min);
	fclose(f);
	ASSERT_EQ(2, n);
	/* noexec, but not nodev: the node must open. */
	ASSERT_EQ(0, tmpfs_at(NODE_DIR, MS_NOEXEC | MS_NOSUID));
	self->mounted = true;
	ASSERT_EQ(0, mknod(NODE_DIR "/neoos", S_IFCHR | 0666, makedev(maj, min)));
}

FIXTURE_TEARDOWN(devnode)
{
	if (self->mounted)
		unmount(NODE_DIR);
	rmdir(NODE_DIR);
}

/* do_mmap()'s noexec check is for the target's mount, not the device's. */
TEST_F(devnode, dev_node_on_noexec_mount)
{
	char path[64];
	struct leak_snap before;
	struct neoos_map m;
	int dev, fd, ret;
	struct vma v;
	void *q;

	SKIPPED();
	snprintf(path, sizeof(path), "target_devnode.%d", getpid());
	ASSERT_EQ(0, make_pattern_file(path, FSIZE));
	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd);
	/* The control: the file is on an exec mount. */
	q = mmap(NULL, FSIZE, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, q);
	munmap(q, FSIZE);

	dev = open(NODE_DIR "/neoos", O_RDWR);
	ASSERT_LE(0, dev) TH_LOG("open %s/neoos: %s", NODE_DIR, strerror(errno));
	leak_snapshot(&before);
	m = (struct neoos_map){ .fd = fd, .length = FSIZE,
				.prot = NEOOS_PROT_READ | NEOOS_PROT_EXEC,
				.flags = NEOOS_MAP_SHARED };
	ret = dev_map(dev, &m);
	ASSERT_EQ(0, ret) TH_LOG("NEOOS_IOC_MAP for exec through a node on a noexec mount: %s",
				 strerror(-ret));
	ASSERT_EQ(0, vma_at((void *)(uintptr_t)m.addr, &v));
	EXPECT_NE(NULL, strchr(v.perms, 'x')) TH_LOG("perms %s", v.perms);
	EXPECT_EQ(pattern_byte(7), ((unsigned char *)(uintptr_t)m.addr)[7]);
	EXPECT_EQ(0, dev_unmap(dev, m.addr, FSIZE));
	EXPECT_NO_LEAK(&before, "/dev/neoos node on noexec mount");
	close(dev);
	close(fd);
	unlink(path);
}

/* ---- hugetlbfs ---- */

#define HUGE_DIR	"target_huge"

FIXTURE(huge) {
	bool skipped;
	long nr_before;
	bool mounted;
	int fd;
	void *native;	/* a test's mmap(2) mapping, HUGE bytes */
};

FIXTURE_SETUP(huge)
{
	unsigned char *p;

	self->fd = -1;
	self->nr_before = -1;
	self->native = MAP_FAILED;
	if (geteuid())
		SETUP_SKIP("reserving huge pages and mounting hugetlbfs need root");
	self->nr_before = nr_hugepages(-1);
	if (self->nr_before < 0)
		SETUP_SKIP("no " NR_HUGEPAGES ": kernel without hugetlb");
	if (nr_hugepages(self->nr_before + 4) < self->nr_before + 4)
		SETUP_SKIP("the pool could not get 4 huge pages (memory fragmented?)");
	mkdir(HUGE_DIR, 0755);
	ASSERT_EQ(0, mount("none", HUGE_DIR, "hugetlbfs", 0, "pagesize=2M"));
	self->mounted = true;
	self->fd = open(HUGE_DIR "/file", O_RDWR | O_CREAT, 0644);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, ftruncate(self->fd, HUGE));
	p = mmap(NULL, HUGE, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	for (size_t i = 0; i < HUGE; i += PAGE)
		p[i] = pattern_byte(i);
	ASSERT_EQ(0, munmap(p, HUGE));
}

FIXTURE_TEARDOWN(huge)
{
	if (self->native != MAP_FAILED)
		munmap(self->native, HUGE);
	if (self->fd >= 0)
		close(self->fd);
	unlink(HUGE_DIR "/file");
	if (self->mounted)
		teardown_unmount(_metadata, HUGE_DIR);
	rmdir(HUGE_DIR);
	if (self->nr_before >= 0)
		nr_hugepages(self->nr_before);
}

/*
 * mmap(2) rounds the length of a hugetlbfs mapping up to the huge page
 * (ksys_mmap_pgoff()); vm_mmap() alone would refuse 4096 bytes.
 */
TEST_F(huge, map_4096_bytes_like_mmap)
{
	struct leak_snap before;
	unsigned char *q, *p;
	struct vma nv, v;

	SKIPPED();
	leak_snapshot(&before);
	q = self->native = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
				self->fd, 0);
	ASSERT_NE(MAP_FAILED, q) TH_LOG("mmap(2) of 4096 bytes: %s", strerror(errno));
	ASSERT_EQ(0, vma_at(q, &nv));
	EXPECT_EQ(HUGE, nv.end - nv.start);

	p = sys_mmap(self->fd, 0, PAGE);
	ASSERT_NE(NULL, p) TH_LOG("sys_mmap of 4096 bytes: E %d", sys_errno());
	ASSERT_EQ(0, vma_at(p, &v));
	EXPECT_EQ(nv.end - nv.start, v.end - v.start);
	EXPECT_EQ(0, (uintptr_t)p % HUGE);
	EXPECT_EQ(pattern_byte(0), p[0]);
	p[1] = 'H';
	EXPECT_EQ('H', q[1]);
	EXPECT_EQ(E_OK, sys_munmap(p, PAGE));
	EXPECT_EQ(0, vmas_in(p, HUGE));
	EXPECT_EQ('H', q[1]);
	EXPECT_EQ(0, munmap(q, HUGE));
	self->native = MAP_FAILED;
	EXPECT_NO_LEAK(&before, "hugetlbfs 4096-byte map");
}

/* Committed_AS in kB, read without allocating (heap growth is charged). */
static long committed_as_kb(void)
{
	static char buf[8192];
	ssize_t n;
	char *s;
	int fd = open("/proc/meminfo", O_RDONLY);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	s = strstr(buf, "Committed_AS:");
	return s ? strtol(s + strlen("Committed_AS:"), NULL, 10) : -1;
}

/*
 * hugetlb memory is accounted by hugetlb's own reservations, never in
 * Committed_AS (accountable_mapping()): a private writable neoos mapping
 * of a hugetlbfs file must not be charged there either.  Least of three
 * tries, against noise from anything else that runs.
 */
TEST_F(huge, private_not_charged_to_committed_as)
{
	long native = LONG_MAX, neoos = LONG_MAX, before_kb, after_kb;
	struct leak_snap before;
	uint64_t id;
	void *q, *p;

	SKIPPED();
	leak_snapshot(&before);
	for (int i = 0; i < 3; i++) {
		before_kb = committed_as_kb();
		q = mmap(NULL, HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE,
			 self->fd, 0);
		after_kb = committed_as_kb();
		ASSERT_NE(MAP_FAILED, q);
		ASSERT_EQ(0, munmap(q, HUGE));
		if (after_kb - before_kb < native)
			native = after_kb - before_kb;

		before_kb = committed_as_kb();
		p = sys_mmap_ex(NULL, HUGE, NEOOS_PROT_READ | NEOOS_PROT_WRITE,
				NEOOS_MAP_PRIVATE, self->fd, 0, &id);
		after_kb = committed_as_kb();
		ASSERT_NE(NULL, p) TH_LOG("E %d", sys_errno());
		ASSERT_EQ(E_OK, sys_munmap_id(id));
		if (after_kb - before_kb < neoos)
			neoos = after_kb - before_kb;
	}
	EXPECT_GT(1024, neoos - native)
		TH_LOG("Committed_AS for a private writable 2 MiB hugetlbfs mapping: mmap(2) +%ld kB, neoos +%ld kB",
		       native, neoos);
	EXPECT_NO_LEAK(&before, "hugetlbfs private map");
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

	if (geteuid())
		SETUP_SKIP("mkfs and mount need root");
	if (stat(PMEM, &st))
		sh("modprobe nd_e820 2>/dev/null; modprobe nd_pmem 2>/dev/null");
	for (int i = 0; i < 50 && stat(PMEM, &st); i++)
		usleep(100000);
	if (stat(PMEM, &st))
		SETUP_SKIP("no " PMEM ": the kernel needs an e820 pmem range (memmap=32M!1G, tools/vm/neoos-vm adds it) and nd_e820, nd_pmem");
	ASSERT_EQ(0, sh("mkfs.ext4 -q -F -b 4096 " PMEM " >/dev/null"));
	mkdir(DAX_DIR, 0755);
	if (mount(PMEM, DAX_DIR, "ext4", 0, "dax"))
		SETUP_SKIP("mount -o dax " PMEM ": %s", strerror(errno));
	self->mounted = true;
}

FIXTURE_TEARDOWN(dax)
{
	unlink(DAX_DIR "/file");
	if (self->mounted)
		teardown_unmount(_metadata, DAX_DIR);
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
	ASSERT_EQ(0, make_pattern_file(DAX_DIR "/file", FSIZE));
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
	EXPECT_EQ(pattern_byte(PAGE + 3), q[PAGE + 3]);
	munmap(q, FSIZE);

	dev = open("/dev/neoos", O_RDWR);
	ASSERT_LE(0, dev);
	expect_map_refused(_metadata, dev, fd, FSIZE, ENODEV, "a DAX file");
	leak_snapshot(&before);
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

/* ---- a regular file whose ->mmap makes device memory ---- */

/*
 * A PCI memory BAR through sysfs (resourceN): a regular file, whose
 * ->mmap maps device memory (VM_IO | VM_PFNMAP).  The core makes that
 * mapping for MAP as for mmap(2); neoos cannot adopt it, takes it back and
 * fails with -ENODEV, leaving nothing.
 */
static bool find_mmapable_bar(char *path, size_t len)
{
	FILE *f = popen("ls /sys/bus/pci/devices/*/resource[0-9] 2>/dev/null", "r");
	char line[256];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		struct stat st;
		void *q;
		int fd;

		line[strcspn(line, "\n")] = 0;
		if (stat(line, &st) || st.st_size < PAGE)
			continue;
		fd = open(line, O_RDWR);
		if (fd < 0)
			continue;
		/* I/O port BARs have no mmap; memory BARs do. */
		q = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
		if (q != MAP_FAILED) {
			munmap(q, PAGE);
			snprintf(path, len, "%s", line);
			found = true;
		}
		close(fd);
	}
	pclose(f);
	return found;
}

TEST(device_memory_taken_back)
{
	char path[256];
	int fd, dev;

	if (geteuid())
		SKIP(return, "mapping a PCI resource file needs CAP_SYS_RAWIO");
	if (!find_mmapable_bar(path, sizeof(path)))
		SKIP(return, "no PCI memory BAR that mmap(2) maps in this machine");
	fd = open(path, O_RDWR);
	ASSERT_LE(0, fd);
	dev = open("/dev/neoos", O_RDWR);
	ASSERT_LE(0, dev);
	expect_map_refused(_metadata, dev, fd, PAGE, ENODEV, path);
	close(dev);
	close(fd);
}

/* ---- ENOSPC from writeback: a full dm-thin pool ---- */

#define THIN_POOL	"neoos-target-pool"
#define THIN_VOL	"neoos-target-thin"
#define THIN_DIR	"target_thin"
#define THIN_META_MB	4
#define THIN_DATA_MB	96
#define THIN_VIRT_MB	512
#define THIN_FILE	(64 * PAGE)

/*
 * xfs on a thin volume of a small pool, the pool filled up.  xfs, because
 * it records a failed write's own errno for fsync(2) (iomap), where 6.1's
 * ext4 records EIO whatever the device said; mkfs.xfs takes 64 MiB of the
 * pool for the log.
 */
FIXTURE(thin) {
	bool skipped;
	char meta[64], data[64];
	bool pool, vol, mounted;
	int fd, dev;
	void *native;
};

FIXTURE_SETUP(thin)
{
	char status[512];

	self->fd = self->dev = -1;
	self->native = MAP_FAILED;
	if (geteuid())
		SETUP_SKIP("device-mapper and mount need root");
	if (sh("command -v dmsetup losetup mkfs.xfs >/dev/null"))
		SETUP_SKIP("dmsetup, losetup or mkfs.xfs missing");
	if (sh("modprobe dm_thin_pool 2>/dev/null; dmsetup targets | grep -qw thin-pool"))
		SETUP_SKIP("no dm-thin (modprobe dm_thin_pool failed)");
	if (sh("modprobe xfs 2>/dev/null; grep -qw xfs /proc/filesystems"))
		SETUP_SKIP("no xfs (modprobe xfs failed)");
	/* A fresh image file reads as zeros: an empty pool's metadata. */
	ASSERT_EQ(0, loop_image("target_thin.meta", THIN_META_MB, self->meta,
				sizeof(self->meta)));
	ASSERT_EQ(0, loop_image("target_thin.data", THIN_DATA_MB, self->data,
				sizeof(self->data)));
	/* 64 KiB blocks; writes past the pool's space fail at once. */
	ASSERT_EQ(0, sh("dmsetup create " THIN_POOL " --table '0 %d thin-pool %s %s 128 0 2 skip_block_zeroing error_if_no_space'",
			THIN_DATA_MB * 2048, self->meta, self->data));
	self->pool = true;
	ASSERT_EQ(0, sh("dmsetup message " THIN_POOL " 0 'create_thin 0'"));
	ASSERT_EQ(0, sh("dmsetup create " THIN_VOL " --table '0 %d thin /dev/mapper/" THIN_POOL " 0'",
			THIN_VIRT_MB * 2048));
	self->vol = true;
	ASSERT_EQ(0, sh("mkfs.xfs -q -f -K -d noalign /dev/mapper/" THIN_VOL));
	mkdir(THIN_DIR, 0755);
	ASSERT_EQ(0, mount("/dev/mapper/" THIN_VOL, THIN_DIR, "xfs", 0, NULL))
		TH_LOG("mount xfs: %s", strerror(errno));
	self->mounted = true;
	/* Fill the pool: this file's writeback fails past what is left. */
	sh("dd if=/dev/zero of=" THIN_DIR "/fill bs=1M count=%d conv=fsync 2>/dev/null",
	   THIN_DATA_MB);
	sh_capture(status, sizeof(status), "dmsetup status " THIN_POOL);
	ASSERT_NE(NULL, strstr(status, "out_of_data_space"))
		TH_LOG("pool not full: %s", status);
}

FIXTURE_TEARDOWN(thin)
{
	if (self->native != MAP_FAILED)
		munmap(self->native, THIN_FILE);
	if (self->fd >= 0)
		close(self->fd);
	if (self->dev >= 0)
		close(self->dev);
	if (self->mounted)
		teardown_unmount(_metadata, THIN_DIR);
	rmdir(THIN_DIR);
	if (self->vol)
		sh("dmsetup remove --retry " THIN_VOL);
	if (self->pool)
		sh("dmsetup remove --retry " THIN_POOL);
	if (self->meta[0])
		sh("losetup -d %s", self->meta);
	if (self->data[0])
		sh("losetup -d %s", self->data);
	unlink("target_thin.meta");
	unlink("target_thin.data");
}

/* A sparse file on the thin volume: its blocks are not in the pool yet. */
static int thin_file(const char *name)
{
	char path[96];
	int fd;

	snprintf(path, sizeof(path), THIN_DIR "/%s", name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0 && ftruncate(fd, THIN_FILE)) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Stores through a shared mapping of a file whose blocks the full pool
 * cannot provide: writeback fails with ENOSPC, which fsync(2) reports
 * (the control) and UNMAP must report too - and the mapping is gone all
 * the same.
 */
TEST_F(thin, unmap_reports_enospc_mapping_gone)
{
	struct leak_snap before;
	struct neoos_map m;
	int ret;

	SKIPPED();
	self->fd = thin_file("native");
	ASSERT_LE(0, self->fd);
	self->native = mmap(NULL, THIN_FILE, PROT_READ | PROT_WRITE, MAP_SHARED,
			    self->fd, 0);
	ASSERT_NE(MAP_FAILED, self->native);
	memset(self->native, 'n', THIN_FILE);
	ASSERT_EQ(-1, fsync(self->fd)) TH_LOG("fsync after stores into a full pool succeeded");
	ASSERT_EQ(ENOSPC, errno) TH_LOG("fsync: %s", strerror(errno));
	munmap(self->native, THIN_FILE);
	self->native = MAP_FAILED;
	close(self->fd);

	self->fd = thin_file("neoos");
	ASSERT_LE(0, self->fd);
	self->dev = open("/dev/neoos", O_RDWR);
	ASSERT_LE(0, self->dev);
	leak_snapshot(&before);
	m = (struct neoos_map){ .fd = self->fd, .length = THIN_FILE,
				.prot = NEOOS_PROT_READ | NEOOS_PROT_WRITE,
				.flags = NEOOS_MAP_SHARED };
	ASSERT_EQ(0, dev_map(self->dev, &m));
	memset((void *)(uintptr_t)m.addr, 'x', THIN_FILE);
	ret = dev_unmap(self->dev, m.addr, THIN_FILE);
	EXPECT_EQ(-ENOSPC, ret) TH_LOG("NEOOS_IOC_UNMAP: %s",
				       ret ? strerror(-ret) : "success");
	EXPECT_EQ(0, vmas_in((void *)(uintptr_t)m.addr, THIN_FILE));
	EXPECT_NO_LEAK(&before, "UNMAP with ENOSPC");
	EXPECT_EQ(-EINVAL, dev_unmap(self->dev, m.addr, THIN_FILE));
}

/* NeoOS's sys_munmap has one code for a failed flush: E_IO. */
TEST_F(thin, sys_munmap_reports_e_io)
{
	struct leak_snap before;
	char *p;

	SKIPPED();
	self->fd = thin_file("neoos_lib");
	ASSERT_LE(0, self->fd);
	leak_snapshot(&before);
	p = sys_mmap(self->fd, 0, THIN_FILE);
	ASSERT_NE(NULL, p) TH_LOG("E %d", sys_errno());
	memset(p, 'l', THIN_FILE);
	EXPECT_EQ(E_IO, sys_munmap(p, THIN_FILE));
	EXPECT_EQ(0, vmas_in(p, THIN_FILE));
	EXPECT_EQ(0, sys_mmap_list(0, NULL, 0));
	EXPECT_NO_LEAK(&before, "sys_munmap with ENOSPC");
	EXPECT_EQ(E_INVAL, sys_munmap(p, THIN_FILE));
}

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
	ASSERT_EQ(0, make_pattern_file(self->path, 3 * PAGE));
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
		if (p[i] != pattern_byte(off + i))
			return false;
	return true;
}

/* The native page is still exactly where mmap(2) put it, and whole. */
static void expect_native_intact(struct __test_metadata *_metadata,
				 unsigned char *nat, uint64_t off,
				 const char *when)
{
	struct vma v;

	ASSERT_EQ(0, vma_at(nat, &v)) TH_LOG("%s: native mapping gone", when);
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

	leak_snapshot(&before);
	p = sys_mmap_ex(hint, PAGE, NEOOS_PROT_READ | NEOOS_PROT_WRITE,
			NEOOS_MAP_SHARED, self->fd, neo_off, &id);
	ASSERT_NE(NULL, p) TH_LOG("E %d", sys_errno());
	ASSERT_EQ(0, vma_at(p, &v));
	EXPECT_EQ((unsigned long)p, v.start);
	EXPECT_EQ((unsigned long)p + PAGE, v.end)
		TH_LOG("neoos VMA %lx-%lx, native page at %p", v.start, v.end, nat);
	EXPECT_TRUE(page_is_pattern(p, neo_off));
	expect_native_intact(_metadata, nat, nat_off, "after the MAP");
	p[5] = 'N';
	EXPECT_EQ(E_OK, sys_munmap(p, PAGE));
	expect_native_intact(_metadata, nat, nat_off, "after sys_munmap");
	EXPECT_EQ('N', file_byte(self->path, neo_off + 5));
	if (p == hint)
		EXPECT_EQ(0, vmas_in(hint, PAGE));
	EXPECT_NO_LEAK(&before, "beside a native mapping");
	munmap(r, 3 * PAGE);
}

TEST_HARNESS_MAIN
