// SPDX-License-Identifier: GPL-2.0
/*
 * The mapping model beyond NeoOS's two calls (libneoos's <libneoos.h>):
 * protection (none, read-only, exec), private copy-on-write and anonymous
 * mappings, hints, 64-bit offsets, msync and mseal.  What the kernel's
 * own calls do to a neoos mapping is conformance_test's.
 */
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include <linux/capability.h>
#include <libneoos.h>

#include "common.h"
#include "kselftest_harness.h"

#include "ext_fixture.h"

TEST_F(ext, prot_none_and_read_only)
{
	uint64_t id;
	char *p = sys_mmap_ex(NULL, PAGE, NEOOS_PROT_NONE, NEOOS_MAP_SHARED,
			      self->rw, 0, &id);

	ASSERT_NE(NULL, p);
	EXPECT_EQ(KILLED(SIGSEGV), t_run_child(t_touch_read, p));
	ASSERT_EQ(E_OK, sys_mprotect(id, NEOOS_PROT_READ));
	EXPECT_EQ(t_pattern_byte(0), (unsigned char)p[0]);
	EXPECT_EQ(KILLED(SIGSEGV), t_run_child(t_touch_write, p));
	ASSERT_EQ(E_OK, sys_mprotect(id, NEOOS_PROT_READ | NEOOS_PROT_WRITE));
	p[0] = 'w';
	EXPECT_EQ('w', t_file_byte(self->path, 0));
	EXPECT_EQ(E_OK, sys_munmap_id(id));
}

TEST_F(ext, write_needs_writable_fd)
{
	uint64_t id;
	char *p;

	EXPECT_EQ(NULL, sys_mmap_ex(NULL, PAGE, NEOOS_PROT_READ | NEOOS_PROT_WRITE,
				    NEOOS_MAP_SHARED, self->ro, 0, NULL));
	EXPECT_EQ(E_PERM, sys_errno());
	p = sys_mmap_ex(NULL, PAGE, NEOOS_PROT_READ, NEOOS_MAP_SHARED,
			self->ro, 0, &id);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(E_PERM, sys_mprotect(id, NEOOS_PROT_READ | NEOOS_PROT_WRITE));
	EXPECT_EQ(-1, mprotect(p, PAGE, PROT_READ | PROT_WRITE));
	EXPECT_EQ(E_OK, sys_munmap_id(id));
}

TEST_F(ext, private_is_copy_on_write)
{
	uint64_t id;
	char *shared = sys_mmap(self->rw, 0, PAGE);
	char *priv = sys_mmap_ex(NULL, PAGE, NEOOS_PROT_READ | NEOOS_PROT_WRITE,
				 NEOOS_MAP_PRIVATE, self->ro, 0, &id);

	ASSERT_NE(NULL, shared);
	ASSERT_NE(NULL, priv);
	/* Before the first store, the private mapping sees the file. */
	shared[1] = 'S';
	EXPECT_EQ('S', priv[1]);
	priv[1] = 'P';
	priv[2] = 'Q';
	EXPECT_EQ('S', shared[1]);
	EXPECT_EQ('S', t_file_byte(self->path, 1));
	EXPECT_EQ(t_pattern_byte(2), t_file_byte(self->path, 2));
	/* After it, the page is the mapping's own. */
	shared[3] = 'T';
	EXPECT_EQ(t_pattern_byte(3), (unsigned char)priv[3]);
	EXPECT_EQ(E_OK, sys_munmap_id(id));
	EXPECT_EQ(E_OK, sys_munmap(shared, PAGE));
	EXPECT_EQ('S', t_file_byte(self->path, 1));
}

TEST(anonymous_shared_with_child_private_not)
{
	uint64_t sid, pid_;
	volatile char *s = sys_mmap_ex(NULL, 3 * PAGE,
				       NEOOS_PROT_READ | NEOOS_PROT_WRITE,
				       NEOOS_MAP_SHARED | NEOOS_MAP_ANONYMOUS,
				       -1, 0, &sid);
	volatile char *p = sys_mmap_ex(NULL, 3 * PAGE,
				       NEOOS_PROT_READ | NEOOS_PROT_WRITE,
				       NEOOS_MAP_PRIVATE | NEOOS_MAP_ANONYMOUS,
				       -1, 0, &pid_);
	int status;
	pid_t child;

	ASSERT_NE(NULL, s);
	ASSERT_NE(NULL, p);
	for (int i = 0; i < 3 * PAGE; i += 512) {
		ASSERT_EQ(0, s[i]);
		ASSERT_EQ(0, p[i]);
	}
	child = fork();
	if (child == 0) {
		s[PAGE] = 'c';
		p[PAGE] = 'c';
		_exit(0);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_EQ('c', s[PAGE]);
	EXPECT_EQ(0, p[PAGE]);
	/* Anonymous mappings take no fd and no offset. */
	EXPECT_EQ(NULL, sys_mmap_ex(NULL, PAGE, NEOOS_PROT_READ,
				    NEOOS_MAP_SHARED | NEOOS_MAP_ANONYMOUS,
				    3, 0, NULL));
	EXPECT_EQ(E_INVAL, sys_errno());
	EXPECT_EQ(NULL, sys_mmap_ex(NULL, PAGE, NEOOS_PROT_READ,
				    NEOOS_MAP_SHARED | NEOOS_MAP_ANONYMOUS,
				    -1, PAGE, NULL));
	EXPECT_EQ(E_OK, sys_munmap_id(sid));
	EXPECT_EQ(E_OK, sys_munmap_id(pid_));
}

/*
 * An anonymous mapping too large for the address space fails as mmap(2)'s
 * does (ENOMEM), not with the EINVAL of the memory file it would need.
 */
TEST(anonymous_too_large_like_mmap)
{
	static const uint64_t lens[] = {
		1ULL << 63, (1ULL << 47) + PAGE, ~0ULL - PAGE + 2,
	};
	static const int types[] = { NEOOS_MAP_SHARED, NEOOS_MAP_PRIVATE };
	int dev = open(NEOOS_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	ASSERT_LE(0, dev);
	for (size_t i = 0; i < ARRAY_SIZE(lens); i++) {
		for (size_t t = 0; t < ARRAY_SIZE(types); t++) {
			struct neoos_map m = {
				.fd = -1, .prot = NEOOS_PROT_READ,
				.flags = types[t] | NEOOS_MAP_ANONYMOUS,
				.length = lens[i],
			};
			void *q;
			int native = 0, err;

			q = mmap(NULL, lens[i], PROT_READ,
				 (types[t] == NEOOS_MAP_SHARED ? MAP_SHARED :
				  MAP_PRIVATE) | MAP_ANONYMOUS, -1, 0);
			if (q == MAP_FAILED)
				native = errno;
			else
				munmap(q, lens[i]);
			err = t_dev_map(dev, &m);
			EXPECT_EQ(-native, err)
				TH_LOG("%s anonymous, %#llx bytes: mmap(2) %s, neoos %s",
				       t ? "private" : "shared",
				       (unsigned long long)lens[i],
				       strerror(native), strerror(-err));
		}
	}
	close(dev);
}

TEST_F(ext, hint_is_used_when_free)
{
	char *want = mmap(NULL, 4 * PAGE, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *p;

	ASSERT_NE(MAP_FAILED, want);
	ASSERT_EQ(0, munmap(want, 4 * PAGE));
	p = sys_mmap_ex(want + PAGE, PAGE, NEOOS_PROT_READ, NEOOS_MAP_SHARED,
			self->ro, 0, NULL);
	EXPECT_EQ(want + PAGE, p);
	EXPECT_EQ(E_OK, sys_munmap(p, PAGE));
	/* An unaligned hint is refused. */
	EXPECT_EQ(NULL, sys_mmap_ex(want + 1, PAGE, NEOOS_PROT_READ,
				    NEOOS_MAP_SHARED, self->ro, 0, NULL));
	EXPECT_EQ(E_INVAL, sys_errno());
}

TEST(offsets_beyond_4g)
{
	const uint64_t off = (5ULL << 30) + 123;
	int fd = open("extended_big", O_RDWR | O_CREAT | O_TRUNC, 0644);
	uint64_t id;
	char *p;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, (6ULL << 30)));
	ASSERT_EQ(2, pwrite(fd, "BG", 2, off));
	p = sys_mmap_ex(NULL, 2 * PAGE, NEOOS_PROT_READ | NEOOS_PROT_WRITE,
			NEOOS_MAP_SHARED, fd, off, &id);
	ASSERT_NE(NULL, p) TH_LOG("E %d", sys_errno());
	EXPECT_EQ('B', p[0]);
	EXPECT_EQ('G', p[1]);
	p[2] = '!';
	EXPECT_EQ(E_OK, sys_munmap_id(id));
	char c = 0;

	EXPECT_EQ(1, pread(fd, &c, 1, off + 2));
	EXPECT_EQ('!', c);
	/* A 6 GiB mapping costs nothing until touched. */
	p = sys_mmap_ex(NULL, 6ULL << 30, NEOOS_PROT_READ, NEOOS_MAP_SHARED,
			fd, 0, &id);
	ASSERT_NE(NULL, p);
	EXPECT_EQ('B', p[off]);
	EXPECT_EQ(E_OK, sys_munmap_id(id));
	close(fd);
	unlink("extended_big");
}

TEST_F(ext, msync_sync_reaches_device)
{
	static char buf[PAGE] __attribute__((aligned(PAGE)));
	uint64_t id;
	char *p;

	T_NEED_ROOT("reads the file's blocks from its block device (/dev/...)");
	p = sys_mmap_ex(NULL, FILE_SIZE, NEOOS_PROT_READ | NEOOS_PROT_WRITE,
			NEOOS_MAP_SHARED, self->rw, 0, &id);
	ASSERT_NE(NULL, p);
	memset(p + 3 * PAGE, 'Y', PAGE);
	EXPECT_EQ(E_OK, sys_msync(id, 3 * PAGE, PAGE, NEOOS_MS_SYNC));
	ASSERT_EQ(0, t_disk_bytes(self->path, 3 * PAGE, buf, PAGE));
	EXPECT_EQ('Y', buf[0]);
	EXPECT_EQ('Y', buf[PAGE - 1]);
	EXPECT_EQ(E_OK, sys_msync(id, 0, 0, NEOOS_MS_ASYNC));
	EXPECT_EQ(E_OK, sys_msync(id, 0, 0, NEOOS_MS_SYNC | NEOOS_MS_INVALIDATE));
	EXPECT_EQ(E_INVAL, sys_msync(id, 0, 0, NEOOS_MS_SYNC | NEOOS_MS_ASYNC));
	EXPECT_EQ(E_INVAL, sys_msync(id, 0, 0, 0));
	EXPECT_EQ(E_INVAL, sys_msync(id, 0, 0, 0x100 | NEOOS_MS_SYNC));
	EXPECT_EQ(E_INVAL, sys_msync(id, FILE_SIZE, 1, NEOOS_MS_SYNC));
	EXPECT_EQ(E_INVAL, sys_msync(id + 1000000, 0, 0, NEOOS_MS_SYNC));
	EXPECT_EQ(E_OK, sys_munmap_id(id));
}

/*
 * sys_msync's range is in the mapping's bytes, not in the pages around
 * them: a mapping of 100 bytes from an unaligned offset accepts a range
 * inside those bytes and refuses one that runs past them, although the
 * page holding them goes on.
 */
TEST_F(ext, msync_range_is_the_mappings_bytes)
{
	uint64_t id;
	char *p = sys_mmap_ex(NULL, 100, NEOOS_PROT_READ | NEOOS_PROT_WRITE,
			      NEOOS_MAP_SHARED, self->rw, 10, &id);

	ASSERT_NE(NULL, p);
	p[99] = 'M';
	EXPECT_EQ(E_OK, sys_msync(id, 50, 50, NEOOS_MS_SYNC));
	EXPECT_EQ(E_OK, sys_msync(id, 0, 0, NEOOS_MS_SYNC));
	EXPECT_EQ(E_INVAL, sys_msync(id, 50, 51, NEOOS_MS_SYNC));
	EXPECT_EQ(E_INVAL, sys_msync(id, 101, 0, NEOOS_MS_SYNC));
	EXPECT_EQ(E_INVAL, sys_msync(id, 99, 2, NEOOS_MS_SYNC));
	EXPECT_EQ(E_OK, sys_munmap_id(id));
	EXPECT_EQ('M', t_file_byte(self->path, 109));
}

TEST_F(ext, noexec_mount_refuses_exec)
{
	char path[64];
	uint64_t id;
	int fd;
	char *p;

	T_NEED_ROOT("mounts a noexec tmpfs");
	mkdir("noexec", 0755);
	ASSERT_EQ(0, mount("tmpfs", "noexec", "tmpfs", MS_NOEXEC, NULL));
	snprintf(path, sizeof(path), "noexec/f");
	ASSERT_EQ(0, t_make_pattern_file(path, PAGE));
	fd = open(path, O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(NULL, sys_mmap_ex(NULL, PAGE, NEOOS_PROT_READ | NEOOS_PROT_EXEC,
				    NEOOS_MAP_PRIVATE, fd, 0, NULL));
	EXPECT_EQ(E_PERM, sys_errno());
	p = sys_mmap_ex(NULL, PAGE, NEOOS_PROT_READ, NEOOS_MAP_PRIVATE, fd, 0, &id);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(E_PERM, sys_mprotect(id, NEOOS_PROT_READ | NEOOS_PROT_EXEC));
	EXPECT_EQ(E_OK, sys_munmap_id(id));
	close(fd);
	/* The same file elsewhere may be mapped executable. */
	p = sys_mmap_ex(NULL, PAGE, NEOOS_PROT_READ | NEOOS_PROT_EXEC,
			NEOOS_MAP_PRIVATE, self->ro, 0, &id);
	EXPECT_NE(NULL, p);
	EXPECT_EQ(E_OK, sys_munmap_id(id));
	umount("noexec");
	rmdir("noexec");
}

static int sealed_child(void *arg)
{
	int fd = *(int *)arg;
	struct neoos_mapping_info info;
	uint64_t id;
	char *p;

	p = sys_mmap_ex(NULL, FILE_SIZE, NEOOS_PROT_READ, NEOOS_MAP_SHARED,
			fd, 0, &id);
	CHK(p != NULL);
	if (syscall(462 /* mseal */, p, FILE_SIZE, 0)) {
		CHK(errno == ENOSYS);
		return 77;
	}
	/* Refused by the kernel, and said so: nothing was removed. */
	CHK(sys_munmap_id(id) == E_PERM);
	CHK(sys_munmap(p, FILE_SIZE) == E_PERM);
	CHK(sys_mmap_info(id, &info) == E_OK && info.addr == p);
	CHK(t_vmas_in(p, FILE_SIZE) == 1);
	return 0;
}

/* A mapping sealed with mseal(2) (6.10 and later) cannot be unmapped. */
TEST_F(ext, sealed_mapping_survives_unmap)
{
	int ret = t_run_child(sealed_child, &self->ro);

	if (ret == 77)
		SKIP(return, "no mseal(2) in this kernel (it came in 6.10)");
	EXPECT_EQ(0, ret);
}

/* x86-64: "mov $42, %eax; ret". */
static const unsigned char ret42[] = { 0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3 };

static int call_it(void *code)
{
	int (*fn)(void) = (int (*)(void))code;

	return fn() == 42 ? 0 : 1;
}

TEST(prot_exec_runs_code_and_only_then)
{
	int fd = open("extended_code", O_RDWR | O_CREAT | O_TRUNC, 0755);
	uint64_t id;
	char *p;

	ASSERT_LE(0, fd);
	ASSERT_EQ(sizeof(ret42), write(fd, ret42, sizeof(ret42)));
	p = sys_mmap_ex(NULL, sizeof(ret42), NEOOS_PROT_READ | NEOOS_PROT_EXEC,
			NEOOS_MAP_PRIVATE, fd, 0, &id);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(0, t_run_child(call_it, p));
	/* Without EXEC, calling it faults as Linux would. */
	ASSERT_EQ(E_OK, sys_mprotect(id, NEOOS_PROT_READ));
	EXPECT_EQ(KILLED(SIGSEGV), t_run_child(call_it, p));
	EXPECT_EQ(E_OK, sys_munmap_id(id));
	close(fd);
	unlink("extended_code");
}

TEST_F(ext, private_file_mapping_cow_between_parent_and_child)
{
	uint64_t id;
	volatile char *p = sys_mmap_ex(NULL, PAGE,
				       NEOOS_PROT_READ | NEOOS_PROT_WRITE,
				       NEOOS_MAP_PRIVATE, self->rw, 0, &id);
	int status;
	pid_t pid;

	ASSERT_NE(NULL, p);
	p[0] = 'p';
	pid = fork();
	if (pid == 0) {
		if (p[0] != 'p')
			_exit(2);
		p[0] = 'c';
		p[1] = 'c';
		_exit(p[0] == 'c' ? 0 : 3);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_EQ('p', p[0]);
	EXPECT_EQ((char)t_pattern_byte(1), p[1]);
	EXPECT_EQ(t_pattern_byte(0), t_file_byte(self->path, 0));
	EXPECT_EQ(E_OK, sys_munmap_id(id));
}

TEST_HARNESS_MAIN
