// SPDX-License-Identifier: GPL-2.0
/*
 * Access to a file through neoos is what the descriptor it was mapped
 * with gives, never more: a read-only file stays read-only whatever is
 * done to its neoos mapping (mprotect, /proc/self/mem, ptrace pokes, a
 * private copy, mremap), and a noexec mount refuses exec.
 *
 * Tests run as root; where an unprivileged user matters they fork a child
 * that drops to USER_ID (files stay root's, mode 0644).
 */
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

#include <libneoos.h>

#include "common.h"
#include "kselftest_harness.h"
#include "rofile_fixture.h"

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP	4
#endif

static int ro_mprotect_child(void *arg)
{
	const char *path = arg;
	int fd = open(path, O_RDONLY);
	unsigned char *p;
	uint64_t id;

	CHK(fd >= 0);
	p = sys_mmap(fd, 0, FSIZE);
	CHK(p != NULL);
	id = ID_AT(p);
	CHK(id != 0);
	CHK(sys_mprotect(id, NEOOS_PROT_READ | NEOOS_PROT_WRITE) == E_PERM);
	CHK(sys_mprotect(id, NEOOS_PROT_WRITE) == E_PERM);
	CHK(sys_mprotect(id, NEOOS_PROT_ALL) == E_PERM);
	errno = 0;
	CHK(mprotect(p, FSIZE, PROT_READ | PROT_WRITE) == -1 && errno == EACCES);
	CHK(mprotect(p, FSIZE, PROT_WRITE) == -1 && errno == EACCES);
	/* Partial mprotect is refused as well, whatever the protection. */
	CHK(mprotect(p, PAGE, PROT_READ | PROT_WRITE) == -1);
	CHK(t_run_child(t_touch_write, p) == KILLED(SIGSEGV));
	CHK(t_run_child(t_touch_write, p + FSIZE - 1) == KILLED(SIGSEGV));
	CHK(sys_mmap_write(id, 0, "X", 1) == E_PERM);
	/* A shared read-write mapping of the read-only fd is refused too. */
	CHK(sys_mmap_ex(NULL, FSIZE, NEOOS_PROT_READ | NEOOS_PROT_WRITE,
			NEOOS_MAP_SHARED, fd, 0, NULL) == NULL);
	CHK(sys_errno() == E_PERM);
	CHK(t_mem_is_pattern(p, FSIZE));
	CHK(sys_munmap(p, FSIZE) == E_OK);
	close(fd);
	return 0;
}

TEST_F(rofile, read_only_stays_read_only_mprotect)
{
	T_NEED_ROOT(ROFILE_AS_USER);
	/* As uid 1000, then as root: CAP_DAC_OVERRIDE changes nothing. */
	EXPECT_EQ(0, t_run_child_as_user(ro_mprotect_child, self->path));
	EXPECT_EQ(0, t_run_child(ro_mprotect_child, self->path));
	EXPECT_TRUE(t_file_is_pattern(self->path, FSIZE));
	t_drop_caches();
	EXPECT_TRUE(t_file_is_pattern(self->path, FSIZE));
}

static int proc_mem_child(void *arg)
{
	const char *path = arg;
	int fd = open(path, O_RDONLY), mem;
	char junk[PAGE];
	unsigned char *p;

	memset(junk, 'M', sizeof(junk));
	CHK(fd >= 0);
	p = sys_mmap(fd, 0, FSIZE);
	CHK(p != NULL);
	mem = open("/proc/self/mem", O_RDWR);
	CHK(mem >= 0);
	/* Reading works: the mapping is there and readable. */
	CHK(pread(mem, junk, 16, (off_t)(uintptr_t)p) == 16);
	CHK(memcmp(junk, p, 16) == 0);
	memset(junk, 'M', sizeof(junk));
	CHK(pwrite(mem, junk, 1, (off_t)(uintptr_t)p) == -1);
	CHK(pwrite(mem, junk, PAGE, (off_t)(uintptr_t)p + PAGE) == -1);
	CHK(pwrite(mem, junk, 8, (off_t)(uintptr_t)p + FSIZE - 8) == -1);
	CHK(t_mem_is_pattern(p, FSIZE));
	close(mem);
	CHK(sys_munmap(p, FSIZE) == E_OK);
	close(fd);
	return 0;
}

TEST_F(rofile, read_only_stays_read_only_proc_self_mem)
{
	T_NEED_ROOT(ROFILE_AS_USER);
	EXPECT_EQ(0, t_run_child_as_user(proc_mem_child, self->path));
	/* Root's /proc/self/mem writes with FOLL_FORCE: still refused. */
	EXPECT_EQ(0, t_run_child(proc_mem_child, self->path));
	EXPECT_TRUE(t_file_is_pattern(self->path, FSIZE));
	t_drop_caches();
	EXPECT_TRUE(t_file_is_pattern(self->path, FSIZE));
}

TEST_F(rofile, read_only_stays_read_only_ptrace_poke)
{
	const long poison = 0x4141414141414141L;
	unsigned char *addrs[2];
	int pfd[2], status;
	long word, expect;
	pid_t pid;

	T_NEED_ROOT(ROFILE_AS_USER);
	ASSERT_EQ(0, pipe(pfd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd;

		close(pfd[0]);
		if (t_drop_to_user())
			_exit(100);
		fd = open(self->path, O_RDONLY);
		addrs[0] = fd < 0 ? NULL : sys_mmap(fd, 0, FSIZE);
		addrs[1] = fd < 0 ? NULL :
			   sys_mmap_ex(NULL, FSIZE, NEOOS_PROT_READ,
				       NEOOS_MAP_PRIVATE, fd, 0, NULL);
		if (write(pfd[1], addrs, sizeof(addrs)) != sizeof(addrs))
			_exit(101);
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL))
			_exit(102);
		raise(SIGSTOP);
		_exit(103);
	}
	close(pfd[1]);
	ASSERT_EQ(sizeof(addrs), read(pfd[0], addrs, sizeof(addrs)));
	close(pfd[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSTOPPED(status)) TH_LOG("child status %#x", status);
	ASSERT_NE(NULL, addrs[0]);
	ASSERT_NE(NULL, addrs[1]);
	memcpy(&expect, (unsigned char[8]){ t_pattern_byte(0), t_pattern_byte(1),
		t_pattern_byte(2), t_pattern_byte(3), t_pattern_byte(4),
		t_pattern_byte(5), t_pattern_byte(6), t_pattern_byte(7) }, 8);

	/* The shared mapping of a read-only fd: peek yes, poke never. */
	errno = 0;
	word = ptrace(PTRACE_PEEKDATA, pid, addrs[0], NULL);
	EXPECT_EQ(0, errno);
	EXPECT_EQ(expect, word);
	for (int off = 0; off < FSIZE; off += PAGE - 8) {
		errno = 0;
		EXPECT_EQ(-1, ptrace(PTRACE_POKEDATA, pid, addrs[0] + off,
				     (void *)poison)) TH_LOG("poke at +%d", off);
		EXPECT_NE(0, errno);
	}
	errno = 0;
	word = ptrace(PTRACE_PEEKDATA, pid, addrs[0], NULL);
	EXPECT_EQ(expect, word);

	/*
	 * The private mapping: a root tracer may force a copy-on-write
	 * store into the tracee's own copy, never into the file.
	 */
	if (ptrace(PTRACE_POKEDATA, pid, addrs[1], (void *)poison) == 0) {
		word = ptrace(PTRACE_PEEKDATA, pid, addrs[1], NULL);
		EXPECT_EQ(poison, word);
		word = ptrace(PTRACE_PEEKDATA, pid, addrs[0], NULL);
		EXPECT_EQ(expect, word);
	}
	EXPECT_TRUE(t_file_is_pattern(self->path, FSIZE));
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	t_drop_caches();
	EXPECT_TRUE(t_file_is_pattern(self->path, FSIZE));
}

static int private_child(void *arg)
{
	const char *path = arg;
	int fd = open(path, O_RDONLY);
	unsigned char *p, *q;
	char buf[8];
	uint64_t id, qid;

	CHK(fd >= 0);
	p = sys_mmap_ex(NULL, FSIZE, NEOOS_PROT_READ | NEOOS_PROT_WRITE,
			NEOOS_MAP_PRIVATE, fd, 0, &id);
	CHK(p != NULL);
	memset(p, 'P', FSIZE);
	for (int i = 0; i < FSIZE; i += 512)
		CHK(p[i] == 'P');
	CHK(sys_mmap_write(id, 5, "WRITE", 5) == E_OK);
	CHK(sys_mmap_read(id, 5, buf, 5) == E_OK && !memcmp(buf, "WRITE", 5));
	CHK(t_file_is_pattern(path, FSIZE));
	/* Read-only private, made writable later: a private copy too. */
	q = sys_mmap_ex(NULL, FSIZE, NEOOS_PROT_READ, NEOOS_MAP_PRIVATE, fd,
			0, &qid);
	CHK(q != NULL);
	CHK(sys_mprotect(qid, NEOOS_PROT_READ | NEOOS_PROT_WRITE) == E_OK);
	memset(q, 'Q', FSIZE);
	CHK(msync(q, FSIZE, MS_SYNC) == 0);
	CHK(sys_msync(id, 0, 0, NEOOS_MS_SYNC) == E_OK);
	CHK(t_file_is_pattern(path, FSIZE));
	CHK(sys_munmap_id(id) == E_OK);
	CHK(munmap(q, FSIZE) == 0);
	CHK(t_file_is_pattern(path, FSIZE));
	close(fd);
	return 0;
}

TEST_F(rofile, read_only_stays_read_only_private_copy)
{
	T_NEED_ROOT(ROFILE_AS_USER);
	EXPECT_EQ(0, t_run_child_as_user(private_child, self->path));
	EXPECT_EQ(0, t_run_child(private_child, self->path));
	EXPECT_TRUE(t_file_is_pattern(self->path, FSIZE));
	t_drop_caches();
	EXPECT_TRUE(t_file_is_pattern(self->path, FSIZE));
}

static int mremap_child(void *arg)
{
	const char *path = arg;
	int fd = open(path, O_RDONLY);
	struct leak_snap before, after;
	struct neoos_mapping_info info;
	unsigned char *p, *target, *r;

	CHK(fd >= 0);
	p = sys_mmap(fd, 0, FSIZE);
	CHK(p != NULL);
	t_leak_snapshot(&before);
	target = mmap(NULL, 4 * FSIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		      -1, 0);
	CHK(target != MAP_FAILED);

	CHK(mremap(p, FSIZE, 2 * FSIZE, 0) == MAP_FAILED);
	CHK(mremap(p, FSIZE, 2 * FSIZE, MREMAP_MAYMOVE) == MAP_FAILED);
	CHK(mremap(p, FSIZE, PAGE, 0) == MAP_FAILED);
	CHK(mremap(p, FSIZE, FSIZE, MREMAP_MAYMOVE | MREMAP_FIXED,
		   target + FSIZE) == MAP_FAILED);
	CHK(mremap(p, FSIZE, FSIZE, MREMAP_MAYMOVE | MREMAP_DONTUNMAP) ==
	    MAP_FAILED);
	/* old_len 0 would duplicate a shared mapping. */
	r = mremap(p, 0, FSIZE, MREMAP_MAYMOVE);
	CHK(r == MAP_FAILED);
	CHK(mremap(p + PAGE, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED,
		   target) == MAP_FAILED);

	/* Intact: same place, same size, same bytes, one VMA. */
	CHK(t_vmas_in(p, FSIZE) == 1);
	CHK(sys_mmap_info_addr(p, &info) == E_OK);
	CHK(info.addr == p && info.length == FSIZE);
	CHK(t_mem_is_pattern(p, FSIZE));
	/* The refused MREMAP_FIXED may punch target: neoos's counters only. */
	t_leak_snapshot(&after);
	CHK(after.st.live_mappings == before.st.live_mappings &&
	    after.st.live_vmas == before.st.live_vmas);
	CHK(sys_munmap(p, FSIZE) == E_OK);
	close(fd);
	return 0;
}

TEST_F(rofile, mremap_refused_mapping_intact)
{
	T_NEED_ROOT(ROFILE_AS_USER);
	EXPECT_EQ(0, t_run_child_as_user(mremap_child, self->path));
	EXPECT_EQ(0, t_run_child(mremap_child, self->path));
	EXPECT_TRUE(t_file_is_pattern(self->path, FSIZE));
}

/* A tmpfs mounted noexec, holding a root-owned 0644 pattern file. */
FIXTURE(noexec) {
	char dir[64];
	char path[96];
	bool mounted;
	bool skipped;
};

FIXTURE_SETUP(noexec)
{
	T_SETUP_NEED_ROOT("mounts a noexec tmpfs; a child drops to uid 1000");
	snprintf(self->dir, sizeof(self->dir), "noexec_mnt.%d", getpid());
	snprintf(self->path, sizeof(self->path), "%s/f", self->dir);
	ASSERT_EQ(0, chmod(".", 0755));
	ASSERT_EQ(0, mkdir(self->dir, 0755));
	ASSERT_EQ(0, mount("neoos-noexec", self->dir, "tmpfs",
			   MS_NOEXEC | MS_NOSUID | MS_NODEV, "mode=0755"));
	self->mounted = true;
	ASSERT_EQ(0, t_make_pattern_file(self->path, FSIZE));
}

FIXTURE_TEARDOWN(noexec)
{
	if (self->mounted)
		umount2(self->dir, MNT_DETACH);
	rmdir(self->dir);
}

static int noexec_child(void *arg)
{
	const char *path = arg;
	int ro = open(path, O_RDONLY);
	unsigned char *p;
	uint64_t id;

	CHK(ro >= 0);
	CHK(sys_mmap_ex(NULL, FSIZE, NEOOS_PROT_READ | NEOOS_PROT_EXEC,
			NEOOS_MAP_SHARED, ro, 0, NULL) == NULL);
	CHK(sys_errno() == E_PERM);
	CHK(sys_mmap_ex(NULL, FSIZE, NEOOS_PROT_READ | NEOOS_PROT_EXEC,
			NEOOS_MAP_PRIVATE, ro, 0, NULL) == NULL);
	CHK(sys_errno() == E_PERM);
	CHK(sys_mmap_ex(NULL, FSIZE - PAGE, NEOOS_PROT_EXEC, NEOOS_MAP_PRIVATE,
			ro, PAGE, NULL) == NULL);
	CHK(sys_errno() == E_PERM);
	/* Mapped without exec, it can't gain it later. */
	p = sys_mmap_ex(NULL, FSIZE, NEOOS_PROT_READ, NEOOS_MAP_PRIVATE, ro, 0,
			&id);
	CHK(p != NULL);
	CHK(sys_mprotect(id, NEOOS_PROT_READ | NEOOS_PROT_EXEC) == E_PERM);
	CHK(mprotect(p, FSIZE, PROT_READ | PROT_EXEC) == -1 && errno == EACCES);
	CHK(sys_munmap_id(id) == E_OK);
	p = sys_mmap(ro, 0, FSIZE);
	CHK(p != NULL);
	id = ID_AT(p);
	CHK(id != 0);
	CHK(sys_mprotect(id, NEOOS_PROT_EXEC) == E_PERM);
	CHK(mprotect(p, FSIZE, PROT_EXEC) == -1 && errno == EACCES);
	CHK(sys_munmap(p, FSIZE) == E_OK);
	close(ro);
	return 0;
}

TEST_F(noexec, exec_refused_on_noexec_mount)
{
	char ctl[64];
	uint64_t id;
	int fd;
	void *p;

	SKIPPED();
	EXPECT_EQ(0, t_run_child(noexec_child, self->path));
	EXPECT_EQ(0, t_run_child_as_user(noexec_child, self->path));

	/* Read-write, as root: still no exec. */
	fd = open(self->path, O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(NULL, sys_mmap_ex(NULL, PAGE, NEOOS_PROT_ALL,
				    NEOOS_MAP_SHARED, fd, 0, NULL));
	EXPECT_EQ(E_PERM, sys_errno());
	close(fd);

	/* The control: the same file on an exec mount maps with EXEC. */
	snprintf(ctl, sizeof(ctl), "security_exec.%d", getpid());
	ASSERT_EQ(0, t_make_pattern_file(ctl, FSIZE));
	fd = open(ctl, O_RDONLY);
	ASSERT_LE(0, fd);
	p = sys_mmap_ex(NULL, FSIZE, NEOOS_PROT_READ | NEOOS_PROT_EXEC,
			NEOOS_MAP_SHARED, fd, 0, &id);
	EXPECT_NE(NULL, p);
	if (p)
		EXPECT_EQ(E_OK, sys_munmap_id(id));
	close(fd);
	unlink(ctl);
}

TEST_HARNESS_MAIN
