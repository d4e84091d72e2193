// SPDX-License-Identifier: GPL-2.0
/*
 * memfd seals are honoured by neoos mappings as by mmap(2): F_SEAL_WRITE,
 * F_SEAL_FUTURE_WRITE, F_SEAL_SHRINK and F_SEAL_GROW, and the count of
 * writable mappings a seal waits for stays balanced through maps, forks,
 * failures and unmaps.
 */
#include <sys/mman.h>
#include <sys/resource.h>

#include <libneoos.h>

#include "common.h"
#include "kselftest_harness.h"

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE	0x0010
#endif


/* memfd with pattern contents and sealing allowed. */
static int pattern_memfd(void)
{
	unsigned char buf[FSIZE];
	int fd = memfd_create("neoos-seal", MFD_ALLOW_SEALING);

	if (fd < 0)
		return -1;
	for (int i = 0; i < FSIZE; i++)
		buf[i] = t_pattern_byte(i);
	if (pwrite(fd, buf, FSIZE, 0) != FSIZE) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool memfd_is_pattern(int fd)
{
	unsigned char buf[FSIZE];

	return pread(fd, buf, FSIZE, 0) == FSIZE && t_mem_is_pattern(buf, FSIZE);
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
	EXPECT_TRUE(t_mem_is_pattern(p, FSIZE));
	EXPECT_EQ(E_PERM, sys_mprotect(id, NEOOS_PROT_READ | NEOOS_PROT_WRITE));
	EXPECT_EQ(-1, mprotect(p, FSIZE, PROT_READ | PROT_WRITE));
	EXPECT_EQ(KILLED(SIGSEGV), t_run_child(t_touch_write, p));
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
	wid = ID_AT(w);
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
	EXPECT_EQ(KILLED(SIGSEGV), t_run_child(t_touch_write, p + 1));
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
	t_leak_snapshot(&before);
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
		p[i] = t_pattern_byte(i);
		r[i] = 'r';
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			p[i + 1] = t_pattern_byte(i + 1);
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

TEST_HARNESS_MAIN
