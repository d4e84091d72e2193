// SPDX-License-Identifier: GPL-2.0
/*
 * One process cannot reach another's neoos mappings: not by guessing ids,
 * not through mappings inherited over fork, not with a /dev/neoos
 * descriptor passed over SCM_RIGHTS, and an unprivileged process cannot
 * list or query root's.
 *
 * Where an unprivileged user matters a child drops to USER_ID (files
 * stay root's, mode 0644).
 */
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <libneoos.h>

#include "common.h"
#include "kselftest_harness.h"
#include "rofile_fixture.h"

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
	myid = ID_AT(mine);
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
	EXPECT_EQ(t_vmas_in(p, FSIZE), 1);
	EXPECT_EQ(E_OK, sys_mmap_read(id, 0, b, FSIZE));
	EXPECT_TRUE(t_mem_is_pattern(b, FSIZE));
	EXPECT_TRUE(t_mem_is_pattern(p, FSIZE));
	EXPECT_TRUE(t_file_is_pattern(path, FSIZE));
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
		if (user && t_drop_to_user())
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
	T_NEED_ROOT(ROFILE_AS_USER);
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

	CHK(t_drop_to_user() == 0);
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

	T_NEED_ROOT(ROFILE_AS_USER);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(sv[0]);
		_exit(scm_child(sv[1]));
	}
	close(sv[1]);
	dev = open(NEOOS_DEVICE_PATH, O_RDWR);
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
	void *p;
	int fd;

	T_NEED_ROOT(ROFILE_AS_USER);
	fd = open(self->path, O_RDONLY);
	ASSERT_LE(0, fd);
	p = sys_mmap_ex(NULL, FSIZE, NEOOS_PROT_READ, NEOOS_MAP_SHARED, fd, 0,
			&l.id);
	ASSERT_NE(NULL, p);
	l.user = true;
	EXPECT_EQ(0, t_run_child_as_user(list_child, &l));
	l.user = false;
	EXPECT_EQ(0, t_run_child(list_child, &l));
	EXPECT_EQ(E_OK, sys_munmap_id(l.id));
	close(fd);
}

TEST_HARNESS_MAIN
