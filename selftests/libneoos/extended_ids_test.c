// SPDX-License-Identifier: GPL-2.0
/*
 * Mapping ids (libneoos's <libneoos.h>): info and list, reads and writes by
 * id, ids across fork and between processes (which need privilege over
 * the owner), the module's counters, and ids that are never reused and
 * never taken by a failed map.
 */
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include <linux/capability.h>
#include <libneoos.h>

#include "common.h"
#include "kselftest_harness.h"

#include "ext_fixture.h"

TEST_F(ext, ids_info_and_list)
{
	struct neoos_mapping_info info;
	uint64_t ids[8], a, b;
	char *pa, *pb;
	int n;

	pa = sys_mmap_ex(NULL, 100, NEOOS_PROT_READ, NEOOS_MAP_SHARED,
			 self->ro, PAGE + 7, &a);
	pb = sys_mmap_ex(NULL, PAGE, NEOOS_PROT_READ | NEOOS_PROT_WRITE,
			 NEOOS_MAP_PRIVATE, self->rw, 0, &b);
	ASSERT_NE(NULL, pa);
	ASSERT_NE(NULL, pb);
	EXPECT_NE(a, b);

	ASSERT_EQ(E_OK, sys_mmap_info(a, &info));
	EXPECT_EQ(a, info.id);
	EXPECT_EQ(pa, info.addr);
	EXPECT_EQ(100, info.length);
	EXPECT_EQ(PAGE + 7, info.offset);
	EXPECT_EQ(NEOOS_PROT_READ, info.prot);
	EXPECT_EQ(NEOOS_MAP_SHARED, info.flags);
	EXPECT_EQ(getpid(), info.owner_pid);
	EXPECT_NE(NULL, strstr(info.path, self->path)) TH_LOG("%s", info.path);
	EXPECT_EQ('/', info.path[0]);

	ASSERT_EQ(E_OK, sys_mmap_info_addr(pb + 5, &info));
	EXPECT_EQ(b, info.id);
	EXPECT_EQ(NEOOS_MAP_PRIVATE, info.flags);
	EXPECT_EQ(E_INVAL, sys_mmap_info_addr(&info, &info));

	n = sys_mmap_list(0, ids, 8);
	ASSERT_EQ(2, n);
	EXPECT_TRUE((ids[0] == a && ids[1] == b) || (ids[0] == b && ids[1] == a));
	EXPECT_EQ(2, sys_mmap_list(0, NULL, 0));
	EXPECT_EQ(2, sys_mmap_list(0, ids, 1));

	EXPECT_EQ(E_OK, sys_munmap_id(a));
	EXPECT_EQ(E_INVAL, sys_munmap_id(a));
	EXPECT_EQ(E_INVAL, sys_mmap_info(a, &info));
	EXPECT_EQ(1, sys_mmap_list(0, ids, 8));
	EXPECT_EQ(E_OK, sys_munmap_id(b));
	EXPECT_EQ(0, sys_mmap_list(0, ids, 8));
}

TEST_F(ext, read_write_by_id)
{
	unsigned char buf[3 * PAGE];
	uint64_t id, pid_, nid;
	char *p;

	p = sys_mmap_ex(NULL, 2 * PAGE + 10, NEOOS_PROT_READ | NEOOS_PROT_WRITE,
			NEOOS_MAP_SHARED, self->rw, 5, &id);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(E_OK, sys_mmap_read(id, 0, buf, 2 * PAGE + 10));
	for (int i = 0; i < 2 * PAGE + 10; i++) {
		ASSERT_EQ(t_pattern_byte(5 + i), buf[i]) TH_LOG("byte %d", i);
	}
	ASSERT_EQ(E_OK, sys_mmap_write(id, PAGE - 2, "Hello", 5));
	EXPECT_EQ(0, memcmp(p + PAGE - 2, "Hello", 5));
	EXPECT_EQ('H', t_file_byte(self->path, 5 + PAGE - 2));
	/* Bounds: not one byte past the end. */
	EXPECT_EQ(E_INVAL, sys_mmap_read(id, 2 * PAGE + 10, buf, 1));
	EXPECT_EQ(E_INVAL, sys_mmap_read(id, 1, buf, 2 * PAGE + 10));
	EXPECT_EQ(E_INVAL, sys_mmap_read(id, UINT64_MAX, buf, 2));
	EXPECT_EQ(E_OK, sys_mmap_read(id, 2 * PAGE + 9, buf, 1));
	EXPECT_EQ(E_INVAL, sys_mmap_read(id, 0, (void *)8, 10));
	EXPECT_EQ(E_INVAL, sys_mmap_read(id + 1000000, 0, buf, 1));

	/* Private: writes stay in the mapping. */
	p = sys_mmap_ex(NULL, PAGE, NEOOS_PROT_READ | NEOOS_PROT_WRITE,
			NEOOS_MAP_PRIVATE, self->ro, 0, &pid_);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(E_OK, sys_mmap_write(pid_, 0, "zz", 2));
	EXPECT_EQ('z', p[0]);
	EXPECT_EQ(t_pattern_byte(0), t_file_byte(self->path, 0));

	/* Protection: no reading PROT_NONE, no writing read-only. */
	p = sys_mmap_ex(NULL, PAGE, NEOOS_PROT_NONE, NEOOS_MAP_SHARED,
			self->ro, 0, &nid);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(E_PERM, sys_mmap_read(nid, 0, buf, 1));
	ASSERT_EQ(E_OK, sys_mprotect(nid, NEOOS_PROT_READ));
	EXPECT_EQ(E_OK, sys_mmap_read(nid, 0, buf, 1));
	EXPECT_EQ(E_PERM, sys_mmap_write(nid, 0, "x", 1));

	/* Past the end of a truncated file: E_IO, no signal. */
	ASSERT_EQ(0, ftruncate(self->rw, PAGE));
	EXPECT_EQ(E_IO, sys_mmap_read(id, PAGE + 100, buf, 10));
	EXPECT_EQ(E_OK, sys_munmap_id(id));
	EXPECT_EQ(E_OK, sys_munmap_id(pid_));
	EXPECT_EQ(E_OK, sys_munmap_id(nid));
}

TEST_F(ext, fork_keeps_ids_and_processes_apart)
{
	uint64_t id, later, ids[4];
	int status;
	pid_t child;
	int pipefd[2];

	ASSERT_NE(NULL, sys_mmap_ex(NULL, PAGE, NEOOS_PROT_READ,
				    NEOOS_MAP_SHARED, self->ro, 0, &id));
	ASSERT_EQ(0, pipe(pipefd));
	child = fork();
	if (child == 0) {
		struct neoos_mapping_info info;
		uint64_t parent_only;

		/* The child has the inherited mapping under the same id. */
		if (sys_mmap_list(0, ids, 4) != 1 || ids[0] != id)
			_exit(2);
		if (sys_mmap_info(id, &info) || info.owner_pid != getpid())
			_exit(3);
		/* A mapping the parent made after the fork is not ours. */
		if (read(pipefd[0], &parent_only, sizeof(parent_only)) !=
		    sizeof(parent_only))
			_exit(4);
		if (sys_munmap_id(parent_only) != E_INVAL ||
		    sys_mmap_read(parent_only, 0, ids, 1) != E_INVAL ||
		    sys_mmap_info(parent_only, &info) != E_INVAL)
			_exit(5);
		/* Unmapping ours leaves the parent's. */
		_exit(sys_munmap_id(id) == E_OK ? 0 : 6);
	}
	ASSERT_NE(NULL, sys_mmap_ex(NULL, PAGE, NEOOS_PROT_READ,
				    NEOOS_MAP_SHARED, self->ro, 0, &later));
	ASSERT_EQ(sizeof(later), write(pipefd[1], &later, sizeof(later)));
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(2, sys_mmap_list(0, ids, 4));
	EXPECT_EQ(E_OK, sys_munmap_id(id));
	EXPECT_EQ(E_OK, sys_munmap_id(later));
}

TEST_F(ext, other_process_needs_privilege)
{
	struct neoos_mapping_info info;
	uint64_t id, ids[4];
	int status;
	pid_t child, me = getpid();

	T_NEED_ROOT("a child drops to another uid");
	ASSERT_NE(NULL, sys_mmap_ex(NULL, PAGE, NEOOS_PROT_READ,
				    NEOOS_MAP_SHARED, self->ro, 0, &id));
	/* Root sees it. */
	child = fork();
	if (child == 0)
		_exit(sys_mmap_list(me, ids, 4) == 1 &&
		      sys_mmap_info_pid(me, id, &info) == E_OK &&
		      info.owner_pid == me ? 0 : 1);
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* Another uid does not. */
	child = fork();
	if (child == 0) {
		if (setgid(1000) || setuid(1000))
			_exit(2);
		_exit(sys_mmap_list(me, ids, 4) == E_PERM &&
		      sys_mmap_info_pid(me, id, &info) == E_PERM &&
		      sys_mmap_list(999999, ids, 4) == E_INVAL ? 0 : 1);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(E_OK, sys_munmap_id(id));
}

/*
 * INFO and LIST of another process are never more than /proc/PID/maps
 * allows, and they need CAP_SYS_PTRACE over the target besides: neoos
 * cannot ask the LSMs (Landlock, AppArmor, SELinux) as /proc does, so
 * "same uid" is not enough.  The target runs as uid/gid 1001; each case
 * sets the caller's ids and capabilities and compares both answers with
 * what the kernel and neoos should say.
 *
 * Not tested, because it cannot be made deterministic: that the check is
 * made under the target's exec_update_lock, so that a setuid exec in
 * progress never shows its new address space with the old credentials.
 */
struct creds_case {
	const char *name;
	uid_t ruid, euid;	/* fsuid follows euid */
	gid_t rgid, egid;
	int cap;		/* the one capability kept, or -1 */
	bool target_dumpable;
	int proc;		/* /proc/PID/maps opens: 1, refuses: 0, either: -1 */
	bool neoos;		/* LIST and INFO answer */
};

static const struct creds_case creds_cases[] = {
	{ "same ids", 1001, 1001, 1001, 1001, -1, true, true, false },
	{ "fsuid matches, real uid does not", 1000, 1001, 1000, 1001, -1, true, true, false },
	{ "real uid matches, fsuid does not", 1001, 1000, 1001, 1000, -1, true, false, false },
	{ "other uid with CAP_SYS_PTRACE", 1000, 1000, 1000, 1000, CAP_SYS_PTRACE, true, true, true },
	/*
	 * mm_access() of 7.3, unlike 6.12's, lets perfmon_capable() readers
	 * (CAP_PERFMON or CAP_SYS_ADMIN) open /proc/PID/maps; neoos asks
	 * for CAP_SYS_PTRACE on every kernel.
	 */
	{ "other uid with CAP_SYS_ADMIN only", 1000, 1000, 1000, 1000, CAP_SYS_ADMIN, true, -1, false },
	{ "same ids, target not dumpable", 1001, 1001, 1001, 1001, -1, false, false, false },
	{ "CAP_SYS_PTRACE, target not dumpable", 1000, 1000, 1000, 1000, CAP_SYS_PTRACE, false, true, true },
};

/* Keep only @cap (or none) in the effective and permitted sets. */
static int keep_only_cap(int cap)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2] = { 0 };

	if (cap >= 0) {
		d[cap / 32].effective = 1u << (cap % 32);
		d[cap / 32].permitted = 1u << (cap % 32);
	}
	return syscall(SYS_capset, &h, d);
}

/* In a child: take @c's credentials; 1 if /proc/@pid/maps opens, else 0. */
static int creds_become(const struct creds_case *c)
{
	if (prctl(PR_SET_KEEPCAPS, 1) ||
	    setresgid(c->rgid, c->egid, c->egid) ||
	    setresuid(c->ruid, c->euid, c->euid) || keep_only_cap(c->cap))
		return -1;
	return 0;
}

static int creds_child(const struct creds_case *c, pid_t target, uint64_t id)
{
	struct neoos_mapping_info info;
	char path[64];
	uint64_t ids[4];
	int fd, n;
	bool proc_ok, neoos_ok;

	if (creds_become(c))
		return 2;
	snprintf(path, sizeof(path), "/proc/%d/maps", target);
	fd = open(path, O_RDONLY);
	proc_ok = fd >= 0;
	if (fd >= 0)
		close(fd);
	n = sys_mmap_list(target, ids, 4);
	neoos_ok = n == 1 && ids[0] == id &&
		   sys_mmap_info_pid(target, id, &info) == E_OK;
	if (!neoos_ok && (n != E_PERM ||
			  sys_mmap_info_pid(target, id, &info) != E_PERM))
		return 3;	/* neither the answer nor the refusal */
	if (c->proc >= 0 && proc_ok != c->proc)
		return 4;	/* the table is wrong about the kernel */
	if (neoos_ok && !proc_ok)
		return 1;	/* more than /proc/PID/maps allows */
	return neoos_ok == c->neoos ? 0 : 5;
}

TEST_F(ext, other_process_needs_cap_and_proc_maps)
{
	int ready[2], go[2], status;
	char c;

	T_NEED_ROOT("a child takes other credentials (setresuid, setresgid)");
	ASSERT_EQ(0, chmod(self->path, 0644));
	for (size_t i = 0; i < sizeof(creds_cases) / sizeof(creds_cases[0]); i++) {
		const struct creds_case *cc = &creds_cases[i];
		uint64_t id = 0;
		pid_t target, child;

		ASSERT_EQ(0, pipe(ready));
		ASSERT_EQ(0, pipe(go));
		target = fork();
		ASSERT_LE(0, target);
		if (target == 0) {
			/* uid 1001 with one mapping, until told to go. */
			if (setresgid(1001, 1001, 1001) ||
			    setresuid(1001, 1001, 1001) ||
			    prctl(PR_SET_DUMPABLE, cc->target_dumpable ? 1 : 0) ||
			    !sys_mmap_ex(NULL, PAGE, NEOOS_PROT_READ,
					 NEOOS_MAP_SHARED, self->ro, 0, &id))
				id = 0;
			if (write(ready[1], &id, sizeof(id)) != sizeof(id) ||
			    read(go[0], &c, 1) < 0)
				_exit(1);
			_exit(0);
		}
		ASSERT_EQ(sizeof(id), read(ready[0], &id, sizeof(id)));
		ASSERT_NE(0, id);
		child = fork();
		ASSERT_LE(0, child);
		if (child == 0)
			_exit(creds_child(cc, target, id));
		ASSERT_EQ(child, waitpid(child, &status, 0));
		EXPECT_EQ(0, WEXITSTATUS(status))
			TH_LOG("%s: /proc/PID/maps %s, neoos should %s (status %d)",
			       cc->name, cc->proc < 0 ? "may allow" :
			       cc->proc ? "allows" : "refuses",
			       cc->neoos ? "allow" : "refuse",
			       WEXITSTATUS(status));
		ASSERT_EQ(1, write(go[1], "g", 1));
		ASSERT_EQ(target, waitpid(target, &status, 0));
		close(ready[0]);
		close(ready[1]);
		close(go[0]);
		close(go[1]);
	}
}

TEST_F(ext, stats_count_live_objects)
{
	struct neoos_stats during, after;
	struct leak_snap before;
	uint64_t id;

	t_leak_snapshot(&before);
	ASSERT_NE(NULL, sys_mmap_ex(NULL, PAGE, NEOOS_PROT_READ,
				    NEOOS_MAP_SHARED, self->ro, 0, &id));
	ASSERT_EQ(E_OK, neoos_stats(&during));
	EXPECT_EQ(before.st.live_mappings + 1, during.live_mappings);
	EXPECT_EQ(before.st.live_vmas + 1, during.live_vmas);
	EXPECT_EQ(before.st.maps + 1, during.maps);
	ASSERT_EQ(E_OK, sys_munmap_id(id));
	ASSERT_EQ(E_OK, neoos_stats(&after));
	EXPECT_NO_LEAK(&before, "a map and its unmap");
	EXPECT_EQ(before.st.unmaps + 1, after.unmaps);
}

TEST_F(ext, ids_never_reused_while_live)
{
	enum { N = 64, ROUNDS = 50 };
	uint64_t live[N], id, max_seen = 0;

	for (int i = 0; i < N; i++) {
		ASSERT_NE(NULL, sys_mmap_ex(NULL, PAGE, NEOOS_PROT_READ,
					    NEOOS_MAP_SHARED, self->ro, 0,
					    &live[i]));
		for (int j = 0; j < i; j++)
			ASSERT_NE(live[i], live[j]);
		if (live[i] > max_seen)
			max_seen = live[i];
	}
	/* Churn: every new id is new, never one of the live ones. */
	for (int r = 0; r < ROUNDS; r++) {
		int k = r % N;

		ASSERT_EQ(E_OK, sys_munmap_id(live[k]));
		ASSERT_NE(NULL, sys_mmap_ex(NULL, PAGE, NEOOS_PROT_READ,
					    NEOOS_MAP_SHARED, self->ro, 0, &id));
		for (int j = 0; j < N; j++)
			ASSERT_NE(live[j], id);
		ASSERT_LT(max_seen, id);
		max_seen = id;
		live[k] = id;
	}
	for (int i = 0; i < N; i++)
		ASSERT_EQ(E_OK, sys_munmap_id(live[i]));
}

/*
 * A MAP that fails takes no id: ids stay dense, so a program (or
 * neoosctl) that sees a gap knows mappings were made in between.  The
 * failure here is the core's (RLIMIT_AS), after neoos's own checks passed.
 */
TEST_F(ext, failed_map_takes_no_id)
{
	struct rlimit rl, tight;
	uint64_t first, next;

	ASSERT_NE(NULL, sys_mmap_ex(NULL, PAGE, NEOOS_PROT_READ,
				    NEOOS_MAP_SHARED, self->ro, 0, &first));
	ASSERT_EQ(0, getrlimit(RLIMIT_AS, &rl));
	tight = (struct rlimit){ .rlim_cur = 0, .rlim_max = rl.rlim_max };
	ASSERT_EQ(0, setrlimit(RLIMIT_AS, &tight));
	for (int i = 0; i < 10; i++) {
		EXPECT_EQ(NULL, sys_mmap_ex(NULL, PAGE, NEOOS_PROT_READ,
					    NEOOS_MAP_SHARED, self->ro, 0,
					    &next));
		EXPECT_EQ(E_NOMEM, sys_errno());
	}
	ASSERT_EQ(0, setrlimit(RLIMIT_AS, &rl));
	ASSERT_NE(NULL, sys_mmap_ex(NULL, PAGE, NEOOS_PROT_READ,
				    NEOOS_MAP_SHARED, self->ro, 0, &next));
	/* Nothing else maps through neoos while the suite runs. */
	EXPECT_EQ(first + 1, next);
	EXPECT_EQ(E_OK, sys_munmap_id(first));
	EXPECT_EQ(E_OK, sys_munmap_id(next));
}

/*
 * INFO reports a path longer than PATH_MAX whole, as /proc/self/maps shows
 * it for a mapping of the same file: 22 directories of 190 characters.
 */
#define DEEP_LEVELS	22
#define DEEP_NAME	190

/* The path /proc/self/maps shows for the mapping at @p, or NULL. */
static char *maps_path(const void *p)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char *line = NULL, *path = NULL;
	size_t cap = 0;

	if (!f)
		return NULL;
	while (getline(&line, &cap, f) > 0) {
		unsigned long start;
		char *slash = strchr(line, '/');

		if (sscanf(line, "%lx-", &start) != 1 ||
		    start != (uintptr_t)p || !slash)
			continue;
		slash[strcspn(slash, "\n")] = '\0';
		path = strdup(slash);
		break;
	}
	free(line);
	fclose(f);
	return path;
}

TEST(info_path_longer_than_path_max)
{
	char name[DEEP_NAME + 1], *buf, *native_path;
	struct neoos_info info;
	struct neoos_map m;
	int dir, next, fd, dev, i;
	void *q;

	memset(name, 'd', DEEP_NAME);
	name[DEEP_NAME] = '\0';
	dir = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, dir);
	for (i = 0; i < DEEP_LEVELS; i++) {
		ASSERT_EQ(0, mkdirat(dir, name, 0755));
		next = openat(dir, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		ASSERT_LE(0, next);
		close(dir);
		dir = next;
	}
	fd = openat(dir, "file", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, PAGE));
	q = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, q);
	native_path = maps_path(q);
	ASSERT_NE(NULL, native_path);
	ASSERT_LT(4096, strlen(native_path));

	dev = open(NEOOS_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, dev);
	m = (struct neoos_map){
		.fd = fd, .prot = NEOOS_PROT_READ, .flags = NEOOS_MAP_SHARED,
		.length = PAGE,
	};
	ASSERT_EQ(0, t_dev_map(dev, &m));
	buf = calloc(1, 2 * 4096);
	ASSERT_NE(NULL, buf);
	info = (struct neoos_info){
		.query = NEOOS_INFO_BY_ID, .id = m.id,
		.path = (uintptr_t)buf, .path_size = 2 * 4096,
	};
	ASSERT_EQ(0, ioctl(dev, NEOOS_IOC_INFO, &info)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(strlen(native_path), info.path_len);
	EXPECT_STREQ(native_path, buf);
	/* A buffer too small gets the start of it, and the whole length. */
	info.path_size = 100;
	ASSERT_EQ(0, ioctl(dev, NEOOS_IOC_INFO, &info));
	EXPECT_EQ(strlen(native_path), info.path_len);
	EXPECT_EQ(99, strlen(buf));
	EXPECT_EQ(0, strncmp(native_path, buf, 99));

	EXPECT_EQ(0, t_dev_unmap(dev, m.addr, PAGE));
	munmap(q, PAGE);
	close(fd);
	close(dev);
	free(buf);
	free(native_path);
	/* Take the tree down again, deepest first. */
	ASSERT_EQ(0, unlinkat(dir, "file", 0));
	for (i = 0; i < DEEP_LEVELS; i++) {
		next = openat(dir, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		ASSERT_LE(0, next);
		close(dir);
		dir = next;
		EXPECT_EQ(0, unlinkat(dir, name, AT_REMOVEDIR));
	}
	close(dir);
}

TEST_HARNESS_MAIN
