// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the neoos selftests (common.h says what each does).
 * Nothing here needs libneoos, so that compat_test links it too.
 */
#include <grp.h>
#include <sys/time.h>
#include <sys/prctl.h>
#include <linux/userfaultfd.h>

#include "common.h"

/*
 * The kselftest harness limits each test with alarm(2): 30 s unless the
 * test sets its own.  Under a debug kernel (KASAN, lockdep, kmemleak) in
 * TCG the same test runs several times slower, so the runner sets
 * NEOOS_TIMEOUT_SCALE in the guest.
 */
unsigned int timeout_scale(void)
{
	static unsigned int scale;

	if (!scale) {
		const char *s = getenv("NEOOS_TIMEOUT_SCALE");

		scale = s && atoi(s) > 0 ? atoi(s) : 1;
	}
	return scale;
}

unsigned int t_scaled_alarm(unsigned int seconds)
{
	unsigned int scale = timeout_scale();
	struct itimerval it = { 0 }, old;

	/* alarm(2) as POSIX defines it, on setitimer(): every arch has it */
	it.it_value.tv_sec = (time_t)seconds * scale;
	if (setitimer(ITIMER_REAL, &it, &old))
		return 0;
	return (old.it_value.tv_sec + (old.it_value.tv_usec > 0)) / scale;
}

int run_child(int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid;

	/* What the parent has buffered must not be written twice. */
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		status = fn(arg);
		fflush(NULL);
		_exit(status);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFSIGNALED(status) ? KILLED(WTERMSIG(status)) :
				     WEXITSTATUS(status);
}

int touch_read(void *p)
{
	(void)*(volatile char *)p;
	return 0;
}

int touch_write(void *p)
{
	*(volatile char *)p = 'w';
	return 0;
}

int drop_to_user(void)
{
	if (setgroups(0, NULL) || setresgid(USER_ID, USER_ID, USER_ID) ||
	    setresuid(USER_ID, USER_ID, USER_ID))
		return -1;
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
		perror("# drop to the unprivileged user");
		return 100;
	}
	return c->fn(c->arg);
}

int run_child_as_user(int (*fn)(void *), void *arg)
{
	struct user_call c = { .fn = fn, .arg = arg };

	return run_child(call_as_user, &c);
}

/*
 * libneoos's, when the program links it (see leak_snapshot()); a weak
 * reference, so that a program without libneoos links and sees NULL.
 */
extern int neoos_stats(struct neoos_stats *st) __attribute__((weak));

/*
 * Without libneoos a descriptor is opened for the one ioctl and closed
 * before the reference count is read: kept open, it would take a
 * descriptor number a test may mean to be closed.
 */
static int stats_of_module(struct neoos_stats *st)
{
	int dev, ret;

	if (neoos_stats)
		return neoos_stats(st);
	dev = open(NEOOS_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return -1;
	ret = ioctl(dev, NEOOS_IOC_STATS, st);
	close(dev);
	return ret;
}

void leak_snapshot(struct leak_snap *s)
{
	memset(s, 0, sizeof(*s));
	/* First: the descriptor it reads them through is open from here on. */
	if (stats_of_module(&s->st))
		s->st.live_mappings = s->st.live_vmas = ~0ULL;
	s->refcnt = module_refcnt();
	s->vmas = vma_count();
}

static int differs(const char *what, const char *name, long long before,
		   long long now)
{
	if (before == now)
		return 0;
	if (what)
		fprintf(stderr, "# %s: %s %lld before, %lld now\n", what,
			name, before, now);
	return 1;
}

int leak_check(const struct leak_snap *before, const char *what)
{
	struct leak_snap now;

	leak_snapshot(&now);
	return differs(what, "neoos live_mappings",
		       before->st.live_mappings, now.st.live_mappings) +
	       differs(what, "neoos live_vmas",
		       before->st.live_vmas, now.st.live_vmas) +
	       differs(what, "neoos.ko reference count",
		       before->refcnt, now.refcnt) +
	       differs(what, "VMAs in /proc/self/maps",
		       before->vmas, now.vmas);
}

int dev_map(int dev, struct neoos_map *m)
{
	return ioctl(dev, NEOOS_IOC_MAP, m) ? -errno : 0;
}

int dev_unmap(int dev, uint64_t addr, uint64_t length)
{
	struct neoos_unmap u = { .addr = addr, .length = length };

	return ioctl(dev, NEOOS_IOC_UNMAP, &u) ? -errno : 0;
}

int map_refused(int dev, int fd, uint64_t len, int err, const char *what)
{
	struct neoos_map m = {
		.fd = fd,
		.length = len,
		.prot = NEOOS_PROT_READ | NEOOS_PROT_WRITE,
		.flags = NEOOS_MAP_SHARED,
	};
	struct leak_snap before;
	int ret, failed = 0;

	leak_snapshot(&before);
	ret = dev_map(dev, &m);
	if (ret != -err) {
		fprintf(stderr, "# NEOOS_IOC_MAP of %s: %s, want %s\n", what,
			ret ? strerror(-ret) : "mapped", strerror(err));
		failed++;
	}
	if (!ret && dev_unmap(dev, m.addr, len)) {
		fprintf(stderr, "# %s: cannot unmap it again\n", what);
		failed++;
	}
	return failed + leak_check(&before, what);
}

int vma_at(const void *addr, struct vma *v)
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

int smaps_field(const void *addr, const char *field, char *buf, size_t len)
{
	unsigned long a = (unsigned long)addr, start, end;
	size_t flen = strlen(field);
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[1024];
	bool in = false;
	int ret = -1;

	if (!f)
		return -1;
	while (ret && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			in = start <= a && a < end;
		} else if (in && !strncmp(line, field, flen)) {
			snprintf(buf, len, "%s", line + flen);
			buf[strcspn(buf, "\n")] = '\0';
			ret = 0;
		}
	}
	fclose(f);
	return ret;
}

int vma_has_flag(const void *addr, const char *flag)
{
	char flags[256], *tok, *save;

	if (smaps_field(addr, "VmFlags:", flags, sizeof(flags)))
		return -1;
	for (tok = strtok_r(flags, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save))
		if (!strcmp(tok, flag))
			return 1;
	return 0;
}

long vma_kb(const void *addr, const char *field)
{
	char val[64];

	return smaps_field(addr, field, val, sizeof(val)) ? -1 :
	       strtol(val, NULL, 10);
}

/* include/uapi/linux/kernel-page-flags.h */
#define KPF_COMPOUND_TAIL	16
#define KPF_MLOCKED		33
#define PM_PRESENT	(1ULL << 63)
#define PM_PFN		((1ULL << 55) - 1)

long mlocked_pages(const void *p, size_t len)
{
	int pm = open("/proc/self/pagemap", O_RDONLY);
	int kpf = open("/proc/kpageflags", O_RDONLY);
	uintptr_t a = (uintptr_t)p;
	uint64_t e, flags;
	bool locked = false;
	long n = 0;

	for (size_t off = 0; n >= 0 && off < len; off += PAGE) {
		if (pm < 0 || kpf < 0 ||
		    pread(pm, &e, 8, (a + off) / PAGE * 8) != 8) {
			n = -1;
		} else if (e & PM_PRESENT) {
			if (pread(kpf, &flags, 8, (e & PM_PFN) * 8) != 8)
				n = -1;
			/*
			 * A large folio's tail pages show no flags of their
			 * own on 6.1 (6.12 shows the folio's): they are its
			 * head's, met just before them.
			 */
			else if (!(flags & (1ULL << KPF_COMPOUND_TAIL)))
				locked = flags & (1ULL << KPF_MLOCKED);
			if (n >= 0)
				n += locked;
		}
	}
	if (pm >= 0)
		close(pm);
	if (kpf >= 0)
		close(kpf);
	return n;
}

int uffd_open(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	int fd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return -errno;
	if (ioctl(fd, UFFDIO_API, &api)) {
		close(fd);
		return -errno;
	}
	return fd;
}

int uffd_register(int uffd, void *p, size_t len)
{
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)p, .len = len },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};

	return ioctl(uffd, UFFDIO_REGISTER, &reg) ? -errno : 0;
}

int tmpfs_at(const char *dir, unsigned long flags)
{
	mkdir(dir, 0755);
	return mount("neoos-target", dir, "tmpfs", flags, "size=16m,mode=0755") ?
	       -errno : 0;
}

int unmount(const char *dir)
{
	int err = umount(dir) ? errno : 0;

	if (err)
		umount2(dir, MNT_DETACH);
	return err;
}

int unmount_busy_said(const char *dir)
{
	int err = unmount(dir);

	if (err)
		fprintf(stderr, "# umount %s: %s (a file reference left behind?)\n",
			dir, strerror(err));
	return err;
}

int loop_image(const char *img, int mb, char *loop, size_t len)
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

unsigned char pattern_byte(uint64_t pos)
{
	return (unsigned char)(pos * 7 + (pos >> 12) + 1);
}

int make_pattern_file(const char *path, size_t size)
{
	unsigned char buf[PAGE];
	size_t done = 0;
	int fd;

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -errno;
	while (done < size) {
		size_t n = size - done < sizeof(buf) ? size - done : sizeof(buf);

		for (size_t i = 0; i < n; i++)
			buf[i] = pattern_byte(done + i);
		if (write(fd, buf, n) != (ssize_t)n) {
			close(fd);
			return -EIO;
		}
		done += n;
	}
	close(fd);
	return 0;
}

bool file_is_pattern(const char *path, size_t size)
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

bool mem_is_pattern(const unsigned char *p, size_t size)
{
	for (size_t i = 0; i < size; i++)
		if (p[i] != pattern_byte(i))
			return false;
	return true;
}

int file_byte(const char *path, off_t pos)
{
	unsigned char c;
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = pread(fd, &c, 1, pos);
	close(fd);
	return n == 1 ? c : -EIO;
}

int disk_bytes(const char *path, off_t pos, void *buf, size_t len)
{
	struct {
		struct fiemap map;
		struct fiemap_extent ext[1];
	} fm;
	char dev[128], line[128], name[64] = "";
	struct stat st;
	off_t phys;
	FILE *f;
	int fd, ret;

	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st))
		return -errno;
	memset(&fm, 0, sizeof(fm));
	fm.map.fm_start = pos;
	fm.map.fm_length = len;
	fm.map.fm_extent_count = 1;
	ret = ioctl(fd, FS_IOC_FIEMAP, &fm.map);
	close(fd);
	if (ret)
		return -errno;
	if (fm.map.fm_mapped_extents != 1 ||
	    (fm.ext[0].fe_flags & (FIEMAP_EXTENT_DELALLOC |
				   FIEMAP_EXTENT_UNKNOWN |
				   FIEMAP_EXTENT_UNWRITTEN)))
		return -EAGAIN;
	phys = fm.ext[0].fe_physical + (pos - fm.ext[0].fe_logical);

	snprintf(dev, sizeof(dev), "/sys/dev/block/%u:%u/uevent",
		 major(st.st_dev), minor(st.st_dev));
	f = fopen(dev, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "DEVNAME=%63s", name) == 1)
			break;
	fclose(f);
	snprintf(dev, sizeof(dev), "/dev/%s", name);
	fd = open(dev, O_RDONLY | O_DIRECT);
	if (fd < 0)
		return -errno;
	ret = pread(fd, buf, len, phys) == (ssize_t)len ? 0 : -EIO;
	close(fd);
	return ret;
}

void drop_caches(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);

	sync();
	if (fd >= 0) {
		if (write(fd, "3", 1) != 1)
			perror("drop_caches");
		close(fd);
	}
}

long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long val = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &val) != 1)
		val = -1;
	fclose(f);
	return val;
}

long proc_kb(const char *path, const char *field)
{
	size_t len = strlen(field);
	char buf[16384], *line;
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	for (line = buf; strncmp(line, field, len); line++) {
		line = strchr(line, '\n');
		if (!line)
			return -1;
	}
	return strtol(line + len, NULL, 10);
}

long meminfo_kb(const char *field)
{
	return proc_kb("/proc/meminfo", field);
}

bool write_string(const char *path, const char *val)
{
	bool ok;
	int fd = open(path, O_WRONLY);

	if (fd < 0)
		return false;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok;
}

bool write_long(const char *path, long val)
{
	char s[32];

	snprintf(s, sizeof(s), "%ld", val);
	return write_string(path, s);
}

int module_refcnt(void)
{
	return (int)read_long("/sys/module/neoos/refcnt");
}

int vma_count(void)
{
	char buf[4096];
	int fd = open("/proc/self/maps", O_RDONLY), n = 0;
	ssize_t r;

	if (fd < 0)
		return -1;
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < r; i++)
			n += buf[i] == '\n';
	close(fd);
	return n;
}

int vmas_in(const void *p, size_t len)
{
	unsigned long start, end, lo = (unsigned long)p, hi = lo + len;
	char line[512];
	int n = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &start, &end) == 2 &&
		    start < hi && end > lo)
			n++;
	fclose(f);
	return n;
}

long nr_hugepages(long set)
{
	if (set >= 0 && !write_long(NR_HUGEPAGES, set))
		return -1;
	return read_long(NR_HUGEPAGES);
}

bool cgroup_write(const char *dir, const char *file, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return write_string(path, val);
}

bool join_memcg(const char *name, const char *max)
{
	char dir[128], pid[32];

	mkdir("/sys/fs/cgroup", 0755);
	mount("cgroup2", "/sys/fs/cgroup", "cgroup2", 0, NULL);
	if (!cgroup_write("/sys/fs/cgroup", "cgroup.subtree_control",
			  "+memory"))
		return false;
	snprintf(dir, sizeof(dir), "/sys/fs/cgroup/%s", name);
	mkdir(dir, 0755);
	snprintf(pid, sizeof(pid), "%d", getpid());
	return cgroup_write(dir, "memory.max", max) &&
	       cgroup_write(dir, "cgroup.procs", pid);
}

long memcg_current(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/memory.current", name);
	return read_long(path);
}

int sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int status;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	status = system(cmd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int sh_capture(char *out, size_t len, const char *fmt, ...)
{
	char cmd[2048];
	size_t got;
	va_list ap;
	FILE *f;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	if (out) {
		got = fread(out, 1, len - 1, f);
		out[got] = 0;
	}
	return pclose(f);
}
