// SPDX-License-Identifier: GPL-2.0
/*
 * neoos must never be a way around Linux's file permissions: a read-only
 * file stays read-only whatever is done to its neoos mapping, noexec
 * mounts, memfd seals, append-only, immutable and swap files are honoured,
 * one process cannot reach another's mappings, and nothing that looks like
 * a kernel address comes back to userspace.
 *
 * Tests run as root; where an unprivileged user matters they fork a child
 * that drops to uid/gid 1000 (files stay root's, mode 0644).
 */
#include <grp.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/swap.h>
#include <sys/uio.h>

#include <neoos.h>

#include "common.h"
#include "kselftest_harness.h"

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE	0x0010
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP	4
#endif

#define USER_ID		1000
#define FSIZE		(4 * PAGE)
#define KERNEL_PTR	0xffff800000000000ULL
#define USER_TOP	0x0000800000000000ULL

/* Become uid/gid 1000 with no supplementary groups, still dumpable. */
static int drop_to_user(void)
{
	if (setgroups(0, NULL) || setresgid(USER_ID, USER_ID, USER_ID) ||
	    setresuid(USER_ID, USER_ID, USER_ID))
		return -1;
	/* So that /proc/self/mem stays ours: the point is neoos, not this. */
	return prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
}

struct user_call {
	int (*fn)(void *);
	void *arg;
};

static int call_as_user(void *p)
{
	const struct user_call *c = p;

	if (drop_to_user()) {
		perror("# drop to uid 1000");
		return 100;
	}
	return c->fn(c->arg);
}

/*
 * Run @fn(@arg) in a child, as uid 1000 if @user: 0 if it returned 0,
 * its status otherwise, KILLED(sig) if a signal killed it.
 */
static int in_child(bool user, int (*fn)(void *), void *arg)
{
	struct user_call c = { .fn = fn, .arg = arg };

	return user ? run_child(call_as_user, &c) : run_child(fn, arg);
}

/* Does @path still hold exactly @size pattern bytes? */
static bool file_is_pattern(const char *path, size_t size)
{
	unsigned char buf[PAGE];
	size_t done = 0;
	struct stat st;
	bool ok = true;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) || (size_t)st.st_size != size) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	while (ok && done < size) {
		ssize_t n = pread(fd, buf, sizeof(buf), done);

		if (n <= 0)
			ok = false;
		for (ssize_t i = 0; ok && i < n; i++)
			ok = buf[i] == pattern_byte(done + i);
		done += n > 0 ? n : 0;
	}
	close(fd);
	return ok;
}

static bool mem_is_pattern(const unsigned char *p, size_t size)
{
	for (size_t i = 0; i < size; i++)
		if (p[i] != pattern_byte(i))
			return false;
	return true;
}

/* The id of the mapping at @p, or 0. */
static uint64_t id_at(const void *p)
{
	static struct neoos_mapping_info info;

	if (sys_mmap_info_addr(p, &info))
		return 0;
	return info.id;
}

/* A root-owned 0644 pattern file, readable by uid 1000. */
FIXTURE(rofile) {
	char path[64];
};

FIXTURE_SETUP(rofile)
{
	snprintf(self->path, sizeof(self->path), "security_test.%d", getpid());
	ASSERT_EQ(0, make_pattern_file(self->path, FSIZE));
	ASSERT_EQ(0, chmod(self->path, 0644));
	/* The runner's directory must let uid 1000 reach the file. */
	ASSERT_EQ(0, chmod(".", 0755));
}

FIXTURE_TEARDOWN(rofile)
{
	unlink(self->path);
}

static int ro_mprotect_child(void *arg)
{
	const char *path = arg;
	int fd = open(path, O_RDONLY);
	unsigned char *p;
	uint64_t id;

	CHK(fd >= 0);
	p = sys_mmap(fd, 0, FSIZE);
	CHK(p != NULL);
	id = id_at(p);
	CHK(id != 0);
	CHK(sys_mprotect(id, NEOOS_PROT_READ | NEOOS_PROT_WRITE) == E_PERM);
	CHK(sys_mprotect(id, NEOOS_PROT_WRITE) == E_PERM);
	CHK(sys_mprotect(id, NEOOS_PROT_ALL) == E_PERM);
	errno = 0;
	CHK(mprotect(p, FSIZE, PROT_READ | PROT_WRITE) == -1 && errno == EACCES);
	CHK(mprotect(p, FSIZE, PROT_WRITE) == -1 && errno == EACCES);
	/* Partial mprotect is refused as well, whatever the protection. */
	CHK(mprotect(p, PAGE, PROT_READ | PROT_WRITE) == -1);
	CHK(run_child(touch_write, p) == KILLED(SIGSEGV));
	CHK(run_child(touch_write, p + FSIZE - 1) == KILLED(SIGSEGV));
	CHK(sys_mmap_write(id, 0, "X", 1) == E_PERM);
	/* A shared read-write mapping of the read-only fd is refused too. */
	CHK(sys_mmap_ex(NULL, FSIZE, NEOOS_PROT_READ | NEOOS_PROT_WRITE,
			NEOOS_MAP_SHARED, fd, 0, NULL) == NULL);
	CHK(sys_errno() == E_PERM);
	CHK(mem_is_pattern(p, FSIZE));
	CHK(sys_munmap(p, FSIZE) == E_OK);
	close(fd);
	return 0;
}

TEST_F(rofile, read_only_stays_read_only_mprotect)
{
	/* As uid 1000, then as root: CAP_DAC_OVERRIDE changes nothing. */
	EXPECT_EQ(0, in_child(true, ro_mprotect_child, self->path));
	EXPECT_EQ(0, in_child(false, ro_mprotect_child, self->path));
	EXPECT_TRUE(file_is_pattern(self->path, FSIZE));
	drop_caches();
	EXPECT_TRUE(file_is_pattern(self->path, FSIZE));
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
	CHK(mem_is_pattern(p, FSIZE));
	close(mem);
	CHK(sys_munmap(p, FSIZE) == E_OK);
	close(fd);
	return 0;
}

TEST_F(rofile, read_only_stays_read_only_proc_self_mem)
{
	EXPECT_EQ(0, in_child(true, proc_mem_child, self->path));
	/* Root's /proc/self/mem writes with FOLL_FORCE: still refused. */
	EXPECT_EQ(0, in_child(false, proc_mem_child, self->path));
	EXPECT_TRUE(file_is_pattern(self->path, FSIZE));
	drop_caches();
	EXPECT_TRUE(file_is_pattern(self->path, FSIZE));
}

TEST_F(rofile, read_only_stays_read_only_ptrace_poke)
{
	const long poison = 0x4141414141414141L;
	unsigned char *addrs[2];
	int pfd[2], status;
	long word, expect;
	pid_t pid;

	ASSERT_EQ(0, pipe(pfd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd;

		close(pfd[0]);
		if (drop_to_user())
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
	memcpy(&expect, (unsigned char[8]){ pattern_byte(0), pattern_byte(1),
		pattern_byte(2), pattern_byte(3), pattern_byte(4),
		pattern_byte(5), pattern_byte(6), pattern_byte(7) }, 8);

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
	EXPECT_TRUE(file_is_pattern(self->path, FSIZE));
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	drop_caches();
	EXPECT_TRUE(file_is_pattern(self->path, FSIZE));
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
	CHK(file_is_pattern(path, FSIZE));
	/* Read-only private, made writable later: a private copy too. */
	q = sys_mmap_ex(NULL, FSIZE, NEOOS_PROT_READ, NEOOS_MAP_PRIVATE, fd,
			0, &qid);
	CHK(q != NULL);
	CHK(sys_mprotect(qid, NEOOS_PROT_READ | NEOOS_PROT_WRITE) == E_OK);
	memset(q, 'Q', FSIZE);
	CHK(msync(q, FSIZE, MS_SYNC) == 0);
	CHK(sys_msync(id, 0, 0, NEOOS_MS_SYNC) == E_OK);
	CHK(file_is_pattern(path, FSIZE));
	CHK(sys_munmap_id(id) == E_OK);
	CHK(munmap(q, FSIZE) == 0);
	CHK(file_is_pattern(path, FSIZE));
	close(fd);
	return 0;
}

TEST_F(rofile, read_only_stays_read_only_private_copy)
{
	EXPECT_EQ(0, in_child(true, private_child, self->path));
	EXPECT_EQ(0, in_child(false, private_child, self->path));
	EXPECT_TRUE(file_is_pattern(self->path, FSIZE));
	drop_caches();
	EXPECT_TRUE(file_is_pattern(self->path, FSIZE));
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
	leak_snapshot(&before);
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
	CHK(vmas_in(p, FSIZE) == 1);
	CHK(sys_mmap_info_addr(p, &info) == E_OK);
	CHK(info.addr == p && info.length == FSIZE);
	CHK(mem_is_pattern(p, FSIZE));
	/* The refused MREMAP_FIXED may punch target: neoos's counters only. */
	leak_snapshot(&after);
	CHK(after.st.live_mappings == before.st.live_mappings &&
	    after.st.live_vmas == before.st.live_vmas);
	CHK(sys_munmap(p, FSIZE) == E_OK);
	close(fd);
	return 0;
}

TEST_F(rofile, mremap_refused_mapping_intact)
{
	EXPECT_EQ(0, in_child(true, mremap_child, self->path));
	EXPECT_EQ(0, in_child(false, mremap_child, self->path));
	EXPECT_TRUE(file_is_pattern(self->path, FSIZE));
}

/* A tmpfs mounted noexec, holding a root-owned 0644 pattern file. */
FIXTURE(noexec) {
	char dir[64];
	char path[96];
	bool mounted;
};

FIXTURE_SETUP(noexec)
{
	snprintf(self->dir, sizeof(self->dir), "noexec_mnt.%d", getpid());
	snprintf(self->path, sizeof(self->path), "%s/f", self->dir);
	ASSERT_EQ(0, chmod(".", 0755));
	ASSERT_EQ(0, mkdir(self->dir, 0755));
	ASSERT_EQ(0, mount("neoos-noexec", self->dir, "tmpfs",
			   MS_NOEXEC | MS_NOSUID | MS_NODEV, "mode=0755"));
	self->mounted = true;
	ASSERT_EQ(0, make_pattern_file(self->path, FSIZE));
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
	id = id_at(p);
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

	EXPECT_EQ(0, in_child(false, noexec_child, self->path));
	EXPECT_EQ(0, in_child(true, noexec_child, self->path));

	/* Read-write, as root: still no exec. */
	fd = open(self->path, O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(NULL, sys_mmap_ex(NULL, PAGE, NEOOS_PROT_ALL,
				    NEOOS_MAP_SHARED, fd, 0, NULL));
	EXPECT_EQ(E_PERM, sys_errno());
	close(fd);

	/* The control: the same file on an exec mount maps with EXEC. */
	snprintf(ctl, sizeof(ctl), "security_exec.%d", getpid());
	ASSERT_EQ(0, make_pattern_file(ctl, FSIZE));
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

/* memfd with pattern contents and sealing allowed. */
static int pattern_memfd(void)
{
	unsigned char buf[FSIZE];
	int fd = memfd_create("neoos-seal", MFD_ALLOW_SEALING);

	if (fd < 0)
		return -1;
	for (int i = 0; i < FSIZE; i++)
		buf[i] = pattern_byte(i);
	if (pwrite(fd, buf, FSIZE, 0) != FSIZE) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool memfd_is_pattern(int fd)
{
	unsigned char buf[FSIZE];

	return pread(fd, buf, FSIZE, 0) == FSIZE && mem_is_pattern(buf, FSIZE);
}

TEST(memfd_seal_write)
{
	int fd = pattern_memfd();
	unsigned char *p;
	uint64_t id;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
	EXPECT_EQ(NULL, sys_mmap(fd, 0, FSIZE));
	EXPECT_EQ(E_PERM, sys_errno());
	EXPECT_EQ(NULL, sys_mmap_ex(NULL, PAGE, NEOOS_PROT_WRITE,
				    NEOOS_MAP_SHARED, fd, 0, NULL));
	EXPECT_EQ(E_PERM, sys_errno());
	/* Read-only shared: yes, but never writable. */
	p = sys_mmap_ex(NULL, FSIZE, NEOOS_PROT_READ, NEOOS_MAP_SHARED, fd, 0,
			&id);
	ASSERT_NE(NULL, p);
	EXPECT_TRUE(mem_is_pattern(p, FSIZE));
	EXPECT_EQ(E_PERM, sys_mprotect(id, NEOOS_PROT_READ | NEOOS_PROT_WRITE));
	EXPECT_EQ(-1, mprotect(p, FSIZE, PROT_READ | PROT_WRITE));
	EXPECT_EQ(KILLED(SIGSEGV), run_child(touch_write, p));
	EXPECT_EQ(E_OK, sys_munmap_id(id));
	/* Private copy-on-write: the memfd does not change. */
	p = sys_mmap_ex(NULL, FSIZE, NEOOS_PROT_READ | NEOOS_PROT_WRITE,
			NEOOS_MAP_PRIVATE, fd, 0, &id);
	ASSERT_NE(NULL, p);
	memset(p, 'x', FSIZE);
	EXPECT_EQ(E_OK, sys_munmap_id(id));
	EXPECT_TRUE(memfd_is_pattern(fd));
	close(fd);
}

TEST(memfd_seal_future_write)
{
	int fd = pattern_memfd();
	unsigned char *w, *p;
	uint64_t wid, id;

	ASSERT_LE(0, fd);
	/* A writable mapping made before the seal stays writable. */
	w = sys_mmap(fd, 0, FSIZE);
	ASSERT_NE(NULL, w);
	wid = id_at(w);
	ASSERT_EQ(0, fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE))
		TH_LOG("F_SEAL_FUTURE_WRITE: %s", strerror(errno));
	w[0] = 'w';
	EXPECT_EQ(-1, pwrite(fd, "z", 1, 1));
	EXPECT_EQ(EPERM, errno);
	/* No new writable shared mapping. */
	EXPECT_EQ(NULL, sys_mmap(fd, 0, FSIZE));
	EXPECT_EQ(E_PERM, sys_errno());
	EXPECT_EQ(NULL, sys_mmap_ex(NULL, PAGE, NEOOS_PROT_READ | NEOOS_PROT_WRITE,
				    NEOOS_MAP_SHARED, fd, PAGE, NULL));
	EXPECT_EQ(E_PERM, sys_errno());
	/* A read-only one may never become writable. */
	p = sys_mmap_ex(NULL, FSIZE, NEOOS_PROT_READ, NEOOS_MAP_SHARED, fd, 0,
			&id);
	ASSERT_NE(NULL, p);
	EXPECT_EQ('w', p[0]);
	EXPECT_EQ(E_PERM, sys_mprotect(id, NEOOS_PROT_READ | NEOOS_PROT_WRITE));
	EXPECT_EQ(-1, mprotect(p, FSIZE, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(KILLED(SIGSEGV), run_child(touch_write, p + 1));
	EXPECT_EQ(E_PERM, sys_mmap_write(id, 1, "z", 1));
	EXPECT_EQ(E_OK, sys_munmap_id(id));
	EXPECT_EQ(E_OK, sys_munmap_id(wid));
	close(fd);
}

TEST(memfd_seal_shrink_grow)
{
	int fd = pattern_memfd();
	unsigned char *p;
	uint64_t id;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW));
	/* Mapping the whole file is fine and writable. */
	p = sys_mmap_ex(NULL, FSIZE, NEOOS_PROT_READ | NEOOS_PROT_WRITE,
			NEOOS_MAP_SHARED, fd, 0, &id);
	ASSERT_NE(NULL, p);
	p[FSIZE - 1] = 'e';
	/* Past the end, which the seal will not let grow: refused. */
	EXPECT_EQ(NULL, sys_mmap(fd, 0, FSIZE + 1));
	EXPECT_EQ(E_INVAL, sys_errno());
	EXPECT_EQ(NULL, sys_mmap_ex(NULL, PAGE, NEOOS_PROT_READ,
				    NEOOS_MAP_SHARED, fd, FSIZE, NULL));
	EXPECT_EQ(E_INVAL, sys_errno());
	EXPECT_EQ(-1, ftruncate(fd, FSIZE / 2));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, ftruncate(fd, 2 * FSIZE));
	EXPECT_EQ(EPERM, errno);
	/* The mapping is whole: no SIGBUS at its end. */
	EXPECT_EQ('e', p[FSIZE - 1]);
	EXPECT_EQ(E_OK, sys_munmap_id(id));
	close(fd);
}

TEST(memfd_i_mmap_writable_balanced)
{
	int fd = pattern_memfd(), status, hold[2];
	struct rlimit as0 = { 0, 0 };
	struct leak_snap before;
	pid_t pid;

	ASSERT_LE(0, fd);
	leak_snapshot(&before);
	for (int i = 0; i < 40; i++) {
		uint64_t pid_, qid, rid;
		unsigned char *p, *q, *r;

		p = sys_mmap_ex(NULL, FSIZE, NEOOS_PROT_READ | NEOOS_PROT_WRITE,
				NEOOS_MAP_SHARED, fd, 0, &pid_);
		q = sys_mmap_ex(NULL, PAGE, NEOOS_PROT_READ, NEOOS_MAP_SHARED,
				fd, PAGE, &qid);
		r = sys_mmap_ex(NULL, FSIZE, NEOOS_PROT_READ | NEOOS_PROT_WRITE,
				NEOOS_MAP_PRIVATE, fd, 0, &rid);
		ASSERT_NE(NULL, p);
		ASSERT_NE(NULL, q);
		ASSERT_NE(NULL, r);
		/* Failed maps must leave no count behind either. */
		EXPECT_EQ(NULL, sys_mmap_ex(NULL, 2 * FSIZE, NEOOS_PROT_WRITE,
					    NEOOS_MAP_SHARED, fd, 0, NULL));
		EXPECT_EQ(NULL, sys_mmap_ex((void *)1, PAGE, NEOOS_PROT_WRITE,
					    NEOOS_MAP_SHARED, fd, 0, NULL));
		p[i] = pattern_byte(i);
		r[i] = 'r';
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			p[i + 1] = pattern_byte(i + 1);
			if (i % 3 == 0)
				sys_munmap_id(pid_);
			if (i % 3 == 1)
				munmap(p, FSIZE);
			if (i % 5 == 0) {
				/* vm_mmap() fails after i_mmap_writable++. */
				neoos_stats(&(struct neoos_stats){ 0 });
				setrlimit(RLIMIT_AS, &as0);
				_exit(sys_mmap(fd, 0, FSIZE) == NULL &&
				      sys_errno() == E_NOMEM ? 0 : 7);
			}
			_exit(0);
		}
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		EXPECT_EQ(0, status);
		ASSERT_EQ(E_OK, sys_mprotect(pid_, NEOOS_PROT_READ));
		ASSERT_EQ(E_OK, sys_mprotect(pid_, NEOOS_PROT_READ |
						   NEOOS_PROT_WRITE));
		if (i & 1) {
			EXPECT_EQ(0, munmap(p, FSIZE));
		} else {
			EXPECT_EQ(E_OK, sys_munmap_id(pid_));
		}
		EXPECT_EQ(E_OK, sys_munmap_id(qid));
		EXPECT_EQ(E_OK, sys_munmap(r, FSIZE));
	}
	EXPECT_NO_LEAK(&before, "memfd maps, forks and unmaps");

	/* A child holding a live writable mapping keeps the seal out. */
	ASSERT_EQ(0, pipe(hold));
	if (hold[0] >= 0) {
		unsigned char *p = sys_mmap(fd, 0, FSIZE);

		ASSERT_NE(NULL, p);
		EXPECT_EQ(-1, fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
		EXPECT_EQ(EBUSY, errno);
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			char c;

			close(hold[1]);
			_exit(read(hold[0], &c, 1) == 0 ? 0 : 1);
		}
		close(hold[0]);
		EXPECT_EQ(E_OK, sys_munmap(p, FSIZE));
		EXPECT_EQ(-1, fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
		EXPECT_EQ(EBUSY, errno);
		close(hold[1]);
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
	}
	/* Every count returned: the seal goes on. */
	EXPECT_EQ(0, fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE))
		TH_LOG("F_SEAL_WRITE: %s (i_mmap_writable unbalanced?)",
		       strerror(errno));
	EXPECT_EQ(NULL, sys_mmap(fd, 0, FSIZE));
	EXPECT_EQ(E_PERM, sys_errno());
	close(fd);
}

/* A root-owned ext4 file in the test directory with inode flags to undo. */
FIXTURE(iflags) {
	char path[64];
	int rw;
};

FIXTURE_SETUP(iflags)
{
	snprintf(self->path, sizeof(self->path), "security_iflags.%d",
		 getpid());
	ASSERT_EQ(0, make_pattern_file(self->path, FSIZE));
	self->rw = open(self->path, O_RDWR);
	ASSERT_LE(0, self->rw);
}

FIXTURE_TEARDOWN(iflags)
{
	int flags = 0;

	if (!ioctl(self->rw, FS_IOC_GETFLAGS, &flags)) {
		flags &= ~(FS_APPEND_FL | FS_IMMUTABLE_FL);
		ioctl(self->rw, FS_IOC_SETFLAGS, &flags);
	}
	close(self->rw);
	unlink(self->path);
}

static int set_iflag(int fd, int flag)
{
	int flags;

	if (ioctl(fd, FS_IOC_GETFLAGS, &flags))
		return -errno;
	flags |= flag;
	if (ioctl(fd, FS_IOC_SETFLAGS, &flags))
		return -errno;
	return 0;
}

TEST_F(iflags, append_only)
{
	int ro, ap;
	unsigned char *p;
	uint64_t id;

	ASSERT_EQ(0, set_iflag(self->rw, FS_APPEND_FL));
	/* The fd opened for writing before: no shared mapping at all. */
	EXPECT_EQ(NULL, sys_mmap(self->rw, 0, FSIZE));
	EXPECT_EQ(E_PERM, sys_errno());
	EXPECT_EQ(NULL, sys_mmap_ex(NULL, FSIZE, NEOOS_PROT_READ,
				    NEOOS_MAP_SHARED, self->rw, 0, NULL));
	EXPECT_EQ(E_PERM, sys_errno());
	ap = open(self->path, O_RDWR | O_APPEND);
	ASSERT_LE(0, ap);
	EXPECT_EQ(NULL, sys_mmap(ap, 0, FSIZE));
	EXPECT_EQ(E_PERM, sys_errno());
	close(ap);
	/* Read-only: readable, never writable. */
	ro = open(self->path, O_RDONLY);
	ASSERT_LE(0, ro);
	p = sys_mmap_ex(NULL, FSIZE, NEOOS_PROT_READ, NEOOS_MAP_SHARED, ro, 0,
			&id);
	ASSERT_NE(NULL, p);
	EXPECT_TRUE(mem_is_pattern(p, FSIZE));
	EXPECT_EQ(E_PERM, sys_mprotect(id, NEOOS_PROT_READ | NEOOS_PROT_WRITE));
	EXPECT_EQ(E_OK, sys_munmap_id(id));
	/* Private copies are the mapper's own. */
	p = sys_mmap_ex(NULL, FSIZE, NEOOS_PROT_READ | NEOOS_PROT_WRITE,
			NEOOS_MAP_PRIVATE, self->rw, 0, &id);
	ASSERT_NE(NULL, p);
	memset(p, 'a', FSIZE);
	EXPECT_EQ(E_OK, sys_munmap_id(id));
	close(ro);
	EXPECT_TRUE(file_is_pattern(self->path, FSIZE));
}

TEST_F(iflags, immutable)
{
	unsigned char *p, *n;
	uint64_t id;
	int ro;

	ASSERT_EQ(0, set_iflag(self->rw, FS_IMMUTABLE_FL));
	EXPECT_EQ(-1, open(self->path, O_RDWR));
	EXPECT_EQ(EPERM, errno);
	/*
	 * The fd opened for writing before: sys_mmap does what mmap(2) of it
	 * does (the kernel decides, on the file), and no store reaches the
	 * file through either (ext4 refuses it at page_mkwrite).
	 */
	n = mmap(NULL, FSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, self->rw, 0);
	p = sys_mmap(self->rw, 0, FSIZE);
	EXPECT_EQ(n == MAP_FAILED, p == NULL);
	if (n != MAP_FAILED) {
		int sig = run_child(touch_write, n);

		EXPECT_TRUE(sig == KILLED(SIGBUS) || sig == KILLED(SIGSEGV))
			TH_LOG("mmap(2) store into immutable file: %d", sig);
		EXPECT_EQ(sig, run_child(touch_write, p));
		munmap(n, FSIZE);
	}
	if (p)
		EXPECT_EQ(E_OK, sys_munmap(p, FSIZE));
	ro = open(self->path, O_RDONLY);
	ASSERT_LE(0, ro);
	p = sys_mmap(ro, 0, FSIZE);
	ASSERT_NE(NULL, p);
	EXPECT_TRUE(mem_is_pattern(p, FSIZE));
	EXPECT_EQ(E_PERM, sys_mprotect(id_at(p), NEOOS_PROT_READ |
						 NEOOS_PROT_WRITE));
	EXPECT_EQ(E_OK, sys_munmap(p, FSIZE));
	/*
	 * Read-only shared through the writable fd: should it be made
	 * writable, no store may reach the immutable file.
	 */
	p = sys_mmap_ex(NULL, FSIZE, NEOOS_PROT_READ, NEOOS_MAP_SHARED,
			self->rw, 0, &id);
	ASSERT_NE(NULL, p);
	if (sys_mprotect(id, NEOOS_PROT_READ | NEOOS_PROT_WRITE) == E_OK) {
		int sig = run_child(touch_write, p);

		EXPECT_TRUE(sig == KILLED(SIGBUS) || sig == KILLED(SIGSEGV))
			TH_LOG("store into immutable file: %d", sig);
	}
	EXPECT_EQ(E_OK, sys_munmap_id(id));
	close(ro);
	EXPECT_TRUE(file_is_pattern(self->path, FSIZE));
	drop_caches();
	EXPECT_TRUE(file_is_pattern(self->path, FSIZE));
}

/* A swap file: pages of zeros with a version-1 swap header. */
FIXTURE(swap) {
	char path[64];
	int rw;
	bool on;
};

#define SWAP_PAGES	64

FIXTURE_SETUP(swap)
{
	static unsigned char page[PAGE];
	uint32_t v;

	snprintf(self->path, sizeof(self->path), "security_swap.%d", getpid());
	self->rw = open(self->path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ASSERT_LE(0, self->rw);
	memset(page, 0, sizeof(page));
	for (int i = 1; i < SWAP_PAGES; i++)
		ASSERT_EQ(PAGE, pwrite(self->rw, page, PAGE, (off_t)i * PAGE));
	v = 1;
	memcpy(page + 1024, &v, 4);			/* version */
	v = SWAP_PAGES - 1;
	memcpy(page + 1028, &v, 4);			/* last_page */
	memcpy(page + PAGE - 10, "SWAPSPACE2", 10);
	ASSERT_EQ(PAGE, pwrite(self->rw, page, PAGE, 0));
	ASSERT_EQ(0, fsync(self->rw));
}

FIXTURE_TEARDOWN(swap)
{
	if (self->on)
		swapoff(self->path);
	close(self->rw);
	unlink(self->path);
}

TEST_F(swap, swap_file_refused)
{
	unsigned char *p;
	uint64_t id;

	if (swapon(self->path, 0)) {
		if (errno == ENOSYS)
			SKIP(return, "kernel without swap support (swapon: %s)",
			     strerror(errno));
		ASSERT_EQ(0, -errno) TH_LOG("swapon: %s", strerror(errno));
	}
	self->on = true;
	EXPECT_EQ(NULL, sys_mmap(self->rw, 0, PAGE));
	EXPECT_EQ(E_PERM, sys_errno());
	EXPECT_EQ(NULL, sys_mmap_ex(NULL, PAGE, NEOOS_PROT_READ | NEOOS_PROT_WRITE,
				    NEOOS_MAP_SHARED, self->rw, 0, NULL));
	EXPECT_EQ(E_PERM, sys_errno());
	EXPECT_EQ(NULL, sys_mmap_ex(NULL, PAGE, NEOOS_PROT_WRITE,
				    NEOOS_MAP_SHARED, self->rw, PAGE, NULL));
	EXPECT_EQ(E_PERM, sys_errno());
	/* Reading the swap header is harmless and allowed, as by mmap(2). */
	p = sys_mmap_ex(NULL, PAGE, NEOOS_PROT_READ, NEOOS_MAP_PRIVATE,
			self->rw, 0, &id);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(0, memcmp(p + PAGE - 10, "SWAPSPACE2", 10));
	EXPECT_EQ(E_OK, sys_munmap_id(id));
	ASSERT_EQ(0, swapoff(self->path));
	self->on = false;
	/* After swapoff it is a file again. */
	p = sys_mmap(self->rw, 0, PAGE);
	EXPECT_NE(NULL, p);
	if (p)
		EXPECT_EQ(E_OK, sys_munmap(p, PAGE));
}

/* The ids a process must not be able to use: around @id, and 0. */
static int guess_ids(uint64_t id, uint64_t mine)
{
	char buf[16] = "GUESSED!GUESSED";
	struct neoos_mapping_info info;

	for (uint64_t g = id > 64 ? id - 64 : 0; g <= id + 64; g++) {
		if (g == mine)
			continue;
		CHK(sys_mmap_read(g, 0, buf, 1) == E_INVAL);
		CHK(sys_mmap_write(g, 0, buf, sizeof(buf)) == E_INVAL);
		CHK(sys_mmap_info(g, &info) == E_INVAL);
		CHK(sys_mprotect(g, NEOOS_PROT_READ) == E_INVAL);
		CHK(sys_msync(g, 0, 0, NEOOS_MS_SYNC) == E_INVAL);
		CHK(sys_munmap_id(g) == E_INVAL);
	}
	CHK(sys_munmap_id(UINT64_MAX) == E_INVAL);
	return 0;
}

struct peer {
	int to_child[2];
	int to_parent[2];
	const char *path;
	bool user;
	uint64_t id;
	unsigned char *addr;
};

static int guess_child(void *arg)
{
	struct peer *pr = arg;
	struct neoos_mapping_info info;
	unsigned char *mine;
	uint64_t myid;
	int fd;

	CHK(read(pr->to_child[0], &pr->id, sizeof(pr->id)) == sizeof(pr->id));
	CHK(read(pr->to_child[0], &pr->addr, sizeof(pr->addr)) ==
	    sizeof(pr->addr));
	/* The parent's mapping, made after fork, is not ours. */
	CHK(sys_mmap_info_addr(pr->addr, &info) == E_INVAL);
	CHK(sys_munmap(pr->addr, FSIZE) == E_INVAL);
	CHK(sys_mmap_list(0, NULL, 0) == 0);
	CHK(guess_ids(pr->id, 0) == 0);
	/* With a mapping of our own, only our own id works. */
	fd = open(pr->path, O_RDONLY);
	CHK(fd >= 0);
	mine = sys_mmap(fd, 0, FSIZE);
	CHK(mine != NULL);
	myid = id_at(mine);
	CHK(myid != 0 && myid != pr->id);
	CHK(guess_ids(pr->id, myid) == 0);
	CHK(guess_ids(myid, myid) == 0);
	CHK(sys_mmap_list(0, NULL, 0) == 1);
	CHK(sys_munmap_id(myid) == E_OK);
	close(fd);
	return 0;
}

static void check_parent_intact(struct __test_metadata *_metadata,
				unsigned char *p, uint64_t id, const char *path)
{
	struct neoos_mapping_info info;
	unsigned char b[FSIZE];

	ASSERT_EQ(E_OK, sys_mmap_info(id, &info));
	EXPECT_EQ(p, info.addr);
	EXPECT_EQ(FSIZE, info.length);
	EXPECT_EQ(vmas_in(p, FSIZE), 1);
	EXPECT_EQ(E_OK, sys_mmap_read(id, 0, b, FSIZE));
	EXPECT_TRUE(mem_is_pattern(b, FSIZE));
	EXPECT_TRUE(mem_is_pattern(p, FSIZE));
	EXPECT_TRUE(file_is_pattern(path, FSIZE));
}

static void guess_run(struct __test_metadata *_metadata, const char *path,
		      bool user)
{
	struct peer pr = { .path = path, .user = user };
	int status, fd;
	unsigned char *p;
	uint64_t id;
	pid_t pid;

	ASSERT_EQ(0, pipe(pr.to_child));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(pr.to_child[1]);
		if (user && drop_to_user())
			_exit(100);
		_exit(guess_child(&pr));
	}
	close(pr.to_child[0]);
	fd = open(path, O_RDWR);
	ASSERT_LE(0, fd);
	p = sys_mmap_ex(NULL, FSIZE, NEOOS_PROT_READ | NEOOS_PROT_WRITE,
			NEOOS_MAP_SHARED, fd, 0, &id);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(sizeof(id), write(pr.to_child[1], &id, sizeof(id)));
	ASSERT_EQ(sizeof(p), write(pr.to_child[1], &p, sizeof(p)));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status) TH_LOG("guessing child status %#x", status);
	check_parent_intact(_metadata, p, id, path);
	EXPECT_EQ(E_OK, sys_munmap_id(id));
	close(fd);
	close(pr.to_child[1]);
}

TEST_F(rofile, ids_of_others_unreachable_by_guessing)
{
	guess_run(_metadata, self->path, false);
	guess_run(_metadata, self->path, true);
}

static int fork_child_check(void *arg)
{
	struct peer *pr = arg;
	struct neoos_mapping_info info;

	/* What existed at fork is shared; the later one is not. */
	CHK(sys_mmap_info(pr->id - 1, &info) == E_OK);
	CHK(sys_mmap_info(pr->id, &info) == E_INVAL);
	CHK(sys_mmap_info_addr(pr->addr, &info) == E_INVAL);
	CHK(sys_mmap_list(0, NULL, 0) == 1);
	CHK(sys_munmap_id(pr->id) == E_INVAL);
	return 0;
}

TEST_F(rofile, mapping_after_fork_invisible_in_child)
{
	struct peer pr = { .path = self->path };
	unsigned char *before, *after;
	uint64_t bid, aid;
	int fd = open(self->path, O_RDWR), status, go[2];
	pid_t pid;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pipe(go));
	before = sys_mmap_ex(NULL, FSIZE, NEOOS_PROT_READ, NEOOS_MAP_SHARED,
			     fd, 0, &bid);
	ASSERT_NE(NULL, before);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(go[1]);
		if (read(go[0], &pr.id, sizeof(pr.id)) != sizeof(pr.id) ||
		    read(go[0], &pr.addr, sizeof(pr.addr)) != sizeof(pr.addr))
			_exit(99);
		_exit(fork_child_check(&pr));
	}
	close(go[0]);
	after = sys_mmap_ex(NULL, FSIZE, NEOOS_PROT_READ | NEOOS_PROT_WRITE,
			    NEOOS_MAP_SHARED, fd, 0, &aid);
	ASSERT_NE(NULL, after);
	/* fork_child_check() relies on the two ids being consecutive. */
	ASSERT_EQ(bid + 1, aid);
	ASSERT_EQ(sizeof(aid), write(go[1], &aid, sizeof(aid)));
	ASSERT_EQ(sizeof(after), write(go[1], &after, sizeof(after)));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
	check_parent_intact(_metadata, after, aid, self->path);
	EXPECT_EQ(E_OK, sys_munmap_id(aid));
	EXPECT_EQ(E_OK, sys_munmap_id(bid));
	close(go[1]);
	close(fd);
}

struct passed {
	uint64_t id;
	uint64_t addr;
	uint64_t length;
	pid_t pid;
};

static int scm_child(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct passed ps;
	struct iovec iov = { &ps, sizeof(ps) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	char buf[64], path[64];
	struct neoos_unmap u;
	struct neoos_info in;
	struct neoos_rw rw;
	struct neoos_list ls;
	uint64_t ids[4];
	int dev;

	CHK(drop_to_user() == 0);
	CHK(recvmsg(sock, &mh, 0) == sizeof(ps));
	cm = CMSG_FIRSTHDR(&mh);
	CHK(cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS);
	memcpy(&dev, CMSG_DATA(cm), sizeof(dev));

	u = (struct neoos_unmap){ .addr = ps.addr, .length = ps.length };
	CHK(ioctl(dev, NEOOS_IOC_UNMAP, &u) == -1 && errno == EINVAL);
	u = (struct neoos_unmap){ .id = ps.id, .flags = NEOOS_UNMAP_BY_ID };
	CHK(ioctl(dev, NEOOS_IOC_UNMAP, &u) == -1 && errno == EINVAL);
	rw = (struct neoos_rw){ .id = ps.id, .length = 8,
				.buf = (uintptr_t)buf };
	CHK(ioctl(dev, NEOOS_IOC_READ, &rw) == -1 && errno == EINVAL);
	memset(buf, 'S', sizeof(buf));
	CHK(ioctl(dev, NEOOS_IOC_WRITE, &rw) == -1 && errno == EINVAL);
	in = (struct neoos_info){ .query = NEOOS_INFO_BY_ID, .id = ps.id };
	CHK(ioctl(dev, NEOOS_IOC_INFO, &in) == -1 && errno == EINVAL);
	in = (struct neoos_info){ .query = NEOOS_INFO_BY_ADDR,
				  .addr = ps.addr };
	CHK(ioctl(dev, NEOOS_IOC_INFO, &in) == -1 && errno == EINVAL);
	/* Naming the root sender's pid, as uid 1000: no. */
	in = (struct neoos_info){ .query = NEOOS_INFO_BY_ID, .id = ps.id,
				  .pid = ps.pid, .path = (uintptr_t)path,
				  .path_size = sizeof(path) };
	memset(path, 0, sizeof(path));
	CHK(ioctl(dev, NEOOS_IOC_INFO, &in) == -1 && errno == EPERM);
	CHK(path[0] == 0);
	in = (struct neoos_info){ .query = NEOOS_INFO_BY_ADDR,
				  .addr = ps.addr, .pid = ps.pid };
	CHK(ioctl(dev, NEOOS_IOC_INFO, &in) == -1 && errno == EPERM);
	memset(ids, 0, sizeof(ids));
	ls = (struct neoos_list){ .pid = ps.pid, .count = 4,
				  .ids = (uintptr_t)ids };
	CHK(ioctl(dev, NEOOS_IOC_LIST, &ls) == -1 && errno == EPERM);
	CHK(ids[0] == 0 && ls.count == 4);
	/* Our own: nothing. */
	ls = (struct neoos_list){ .count = 4, .ids = (uintptr_t)ids };
	CHK(ioctl(dev, NEOOS_IOC_LIST, &ls) == 0 && ls.count == 0);
	return 0;
}

TEST_F(rofile, dev_fd_passed_over_scm_rights)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct neoos_map m;
	struct passed ps;
	struct iovec iov = { &ps, sizeof(ps) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct neoos_unmap u;
	struct cmsghdr *cm;
	int sv[2], dev, fd, status;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(sv[0]);
		_exit(scm_child(sv[1]));
	}
	close(sv[1]);
	dev = open("/dev/neoos", O_RDWR);
	ASSERT_LE(0, dev);
	fd = open(self->path, O_RDWR);
	ASSERT_LE(0, fd);
	m = (struct neoos_map){ .fd = fd, .flags = NEOOS_MAP_SHARED |
				NEOOS_MAP_PROT_FROM_FD, .length = FSIZE };
	ASSERT_EQ(0, ioctl(dev, NEOOS_IOC_MAP, &m));
	ps = (struct passed){ .id = m.id, .addr = m.addr, .length = FSIZE,
			      .pid = getpid() };
	memset(cbuf, 0, sizeof(cbuf));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &dev, sizeof(dev));
	ASSERT_EQ(sizeof(ps), sendmsg(sv[0], &mh, 0));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status) TH_LOG("receiver status %#x", status);
	check_parent_intact(_metadata, (unsigned char *)(uintptr_t)m.addr,
			    m.id, self->path);
	u = (struct neoos_unmap){ .addr = m.addr, .length = FSIZE };
	EXPECT_EQ(0, ioctl(dev, NEOOS_IOC_UNMAP, &u));
	close(fd);
	close(dev);
	close(sv[0]);
}

struct lister {
	pid_t target;
	uint64_t id;
	bool user;
};

static int list_child(void *arg)
{
	struct lister *l = arg;
	struct neoos_mapping_info info;
	uint64_t ids[64];
	int n;

	if (l->user) {
		CHK(sys_mmap_list(l->target, ids, 64) == E_PERM);
		CHK(sys_mmap_list(l->target, NULL, 0) == E_PERM);
		CHK(sys_mmap_info_pid(l->target, l->id, &info) == E_PERM);
		CHK(sys_mmap_list(1, NULL, 0) == E_PERM);
		return 0;
	}
	n = sys_mmap_list(l->target, ids, 64);
	CHK(n >= 1 && n <= 64);
	for (int i = 0; i < n; i++)
		if (ids[i] == l->id)
			n = -1;
	CHK(n == -1);
	CHK(sys_mmap_info_pid(l->target, l->id, &info) == E_OK);
	CHK(info.owner_pid == l->target && info.length == FSIZE);
	return 0;
}

TEST_F(rofile, unprivileged_cannot_list_root)
{
	struct lister l = { .target = getpid() };
	int fd = open(self->path, O_RDONLY);
	void *p;

	ASSERT_LE(0, fd);
	p = sys_mmap_ex(NULL, FSIZE, NEOOS_PROT_READ, NEOOS_MAP_SHARED, fd, 0,
			&l.id);
	ASSERT_NE(NULL, p);
	l.user = true;
	EXPECT_EQ(0, in_child(true, list_child, &l));
	l.user = false;
	EXPECT_EQ(0, in_child(false, list_child, &l));
	EXPECT_EQ(E_OK, sys_munmap_id(l.id));
	close(fd);
}

static bool kernel_looking(uint64_t v)
{
	return v >= KERNEL_PTR;
}

TEST_F(rofile, no_kernel_addresses_leak)
{
	char path[256];
	struct neoos_version v;
	struct neoos_stats st;
	struct neoos_info in;
	struct neoos_list ls;
	struct neoos_map m;
	uint64_t ids[8], prev = 0;
	int dev = open("/dev/neoos", O_RDWR), fd;

	ASSERT_LE(0, dev);
	fd = open(self->path, O_RDWR);
	ASSERT_LE(0, fd);

	memset(&v, 0xa5, sizeof(v));
	ASSERT_EQ(0, ioctl(dev, NEOOS_IOC_VERSION, &v));
	EXPECT_EQ(NEOOS_ABI_MAJOR, v.major);
	EXPECT_EQ(NEOOS_ABI_MINOR, v.minor);
	EXPECT_EQ(0, v.pad[0]);
	EXPECT_EQ(0, v.pad[1]);

	for (int i = 0; i < 3; i++) {
		memset(&m, 0, sizeof(m));
		m.fd = fd;
		m.flags = NEOOS_MAP_SHARED | NEOOS_MAP_PROT_FROM_FD;
		m.offset = i * 100;
		m.length = PAGE;
		ASSERT_EQ(0, ioctl(dev, NEOOS_IOC_MAP, &m));
		EXPECT_EQ(0, m.pad);
		EXPECT_GT(USER_TOP, m.addr);
		/* A small counter, one per map, not an address. */
		EXPECT_GT(1ULL << 32, m.id);
		EXPECT_NE(0, m.id);
		if (prev)
			EXPECT_EQ(prev + 1, m.id);
		prev = m.id;
		ids[i] = m.id;
	}
	/* Anonymous mappings are counted by the same counter. */
	memset(&m, 0, sizeof(m));
	m.fd = -1;
	m.flags = NEOOS_MAP_PRIVATE | NEOOS_MAP_ANONYMOUS;
	m.prot = NEOOS_PROT_READ;
	m.length = PAGE;
	ASSERT_EQ(0, ioctl(dev, NEOOS_IOC_MAP, &m));
	EXPECT_EQ(prev + 1, m.id);
	ids[3] = m.id;

	for (int i = 0; i < 4; i++) {
		memset(&in, 0xa5, sizeof(in));
		in.query = NEOOS_INFO_BY_ID;
		in.pid = i & 1 ? getpid() : 0;
		in.id = ids[i];
		in.path = (uintptr_t)path;
		in.path_size = sizeof(path);
		in.pad = 0;
		ASSERT_EQ(0, ioctl(dev, NEOOS_IOC_INFO, &in));
		EXPECT_EQ(0, in.pad);
		EXPECT_EQ(ids[i], in.id);
		EXPECT_GT(USER_TOP, in.addr);
		EXPECT_FALSE(kernel_looking(in.length));
		EXPECT_FALSE(kernel_looking(in.offset));
		EXPECT_EQ((uintptr_t)path, in.path);
		EXPECT_EQ(sizeof(path), in.path_size);
		EXPECT_GT(sizeof(path), in.path_len);
		EXPECT_EQ(0, in.prot & ~NEOOS_PROT_ALL);
		EXPECT_EQ(0, in.map_flags & ~NEOOS_MAP_FLAGS);
		EXPECT_EQ(getpid(), in.owner_pid);
		EXPECT_EQ(strlen(path), in.path_len);
		/* Same answer by address. */
		in.query = NEOOS_INFO_BY_ADDR;
		in.id = 0xa5a5a5a5a5a5a5a5ULL;
		ASSERT_EQ(0, ioctl(dev, NEOOS_IOC_INFO, &in));
		EXPECT_EQ(ids[i], in.id);
		EXPECT_EQ(0, in.pad);
	}
	memset(ids + 4, 0xa5, 4 * sizeof(ids[0]));
	memset(&ls, 0xa5, sizeof(ls));
	ls.pid = 0;
	ls.count = 8;
	ls.ids = (uintptr_t)ids;
	ASSERT_EQ(0, ioctl(dev, NEOOS_IOC_LIST, &ls));
	EXPECT_LE(4, ls.count);
	for (unsigned int i = 0; i < ls.count && i < 8; i++) {
		EXPECT_FALSE(kernel_looking(ids[i]));
		EXPECT_GT(1ULL << 32, ids[i]);
	}
	EXPECT_EQ((uintptr_t)ids, ls.ids);

	memset(&st, 0xa5, sizeof(st));
	ASSERT_EQ(0, ioctl(dev, NEOOS_IOC_STATS, &st));
	for (int i = 0; i < 4; i++)
		EXPECT_EQ(0, st.pad[i]);
	EXPECT_LE(4, st.live_mappings);
	EXPECT_LE(4, st.live_vmas);
	EXPECT_GT(1ULL << 40, st.live_mappings);
	EXPECT_GT(1ULL << 40, st.live_vmas);
	EXPECT_GT(1ULL << 40, st.maps);
	EXPECT_GT(1ULL << 40, st.unmaps);

	for (int i = 0; i < 4; i++) {
		struct neoos_unmap u = { .id = i < 3 ? prev - 2 + i : prev + 1,
					 .flags = NEOOS_UNMAP_BY_ID };

		EXPECT_EQ(0, ioctl(dev, NEOOS_IOC_UNMAP, &u));
	}
	close(fd);
	close(dev);
}

TEST_HARNESS_MAIN
