// SPDX-License-Identifier: GPL-2.0
/*
 * A neoos mapping is a mapping of the target made by the core: every
 * decision mmap(2) makes for a file is made for the target file, never for
 * /dev/neoos or the descriptor it was opened with.  Wherever it can, each
 * test maps the same descriptor with mmap(2) too and asserts "the same as
 * mmap(2)".
 *
 * Here, the decisions about exec: READ_IMPLIES_EXEC gives exec only where
 * the target's mount allows it, and IMA measures a file mapped for exec.
 *
 * Each test checks that it leaves nothing behind (t_leak_check()): neoos's
 * live mappings and VMAs, the module's reference count and this
 * process's VMAs.
 */
#include <limits.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>

#include <libneoos.h>

#include "common.h"
#include "kselftest_harness.h"


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
	CHK(t_vma_at(q, &v) == 0);
	memcpy(r->native, v.perms, sizeof(r->native));
	CHK(munmap(q, FSIZE) == 0);
	p = sys_mmap_ex(NULL, FSIZE, NEOOS_PROT_READ, NEOOS_MAP_SHARED, fd, 0,
			&id);
	CHK(p != NULL);
	CHK(t_vma_at(p, &v) == 0);
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
	EXPECT_EQ(0, t_run_child(rie_child, r));
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
	T_SETUP_NEED_ROOT("mounts a noexec tmpfs");
	ASSERT_EQ(0, t_tmpfs_at(RIE_DIR, MS_NOEXEC | MS_NOSUID | MS_NODEV));
	self->mounted = true;
	ASSERT_EQ(0, t_make_pattern_file(RIE_DIR "/file", FSIZE));
}

FIXTURE_TEARDOWN(noexec)
{
	if (self->mounted)
		t_unmount(RIE_DIR);
	rmdir(RIE_DIR);
}

/* do_mmap(): READ_IMPLIES_EXEC adds PROT_EXEC unless the file is noexec. */
TEST_F(noexec, read_implies_exec_not_on_noexec_mount)
{
	struct leak_snap before;
	struct rie r;

	SKIPPED();
	t_leak_snapshot(&before);
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
	ASSERT_EQ(0, t_make_pattern_file(path, FSIZE));
	t_leak_snapshot(&before);
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
	if (t_make_pattern_file(abs, FSIZE))
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
/*
 * Why IMA cannot be tested here, or NULL: IMA_RULE loaded (once a boot,
 * by whichever test comes first) and the control, mmap(2) for exec of a
 * fresh file, measured.
 */
static const char *ima_unready(struct __test_metadata *_metadata)
{
	static char why[512];
	char a[320];
	void *q;
	int fa;

	if (geteuid())
		return "needs root: loads an IMA policy";
	if (access(IMA_LOG, R_OK)) {
		mkdir(SECURITYFS, 0755);
		mount("securityfs", SECURITYFS, "securityfs", 0, NULL);
	}
	if (access(IMA_LOG, R_OK)) {
		snprintf(why, sizeof(why), "no IMA: %s: %s", IMA_LOG,
			 strerror(errno));
		return why;
	}
	ima_load_rule(_metadata);
	fa = fresh_file("target_ima_a", a, sizeof(a));
	if (fa < 0)
		return "no file for the control";
	q = mmap(NULL, FSIZE, PROT_READ | PROT_EXEC, MAP_PRIVATE, fa, 0);
	if (q != MAP_FAILED)
		munmap(q, FSIZE);
	close(fa);
	unlink(a);
	if (q == MAP_FAILED || !ima_measured(a)) {
		snprintf(why, sizeof(why),
			 "IMA does not measure here: mmap(2) of %s for exec is not in %s",
			 a, IMA_LOG);
		return why;
	}
	return NULL;
}

TEST(ima_measures_exec_mapping)
{
	const char *why = ima_unready(_metadata);
	struct leak_snap before;
	char b[320];
	uint64_t id;
	int fb;
	void *p;

	if (why)
		SKIP(return, "%s", why);

	fb = fresh_file("target_ima_b", b, sizeof(b));
	ASSERT_LE(0, fb);
	t_leak_snapshot(&before);
	p = sys_mmap_ex(NULL, FSIZE, NEOOS_PROT_READ | NEOOS_PROT_EXEC,
			NEOOS_MAP_SHARED, fb, 0, &id);
	ASSERT_NE(NULL, p) TH_LOG("E %d", sys_errno());
	EXPECT_EQ(E_OK, sys_munmap_id(id));
	EXPECT_TRUE(ima_measured(b)) TH_LOG("%s, mapped by neoos for exec, is not in %s",
					    b, IMA_LOG);
	EXPECT_NO_LEAK(&before, "IMA");
	close(fb);
	unlink(b);
}

/* How many measurements name "dev/zero", anonymous memory's shmem file. */
static int ima_dev_zero(void)
{
	FILE *f = fopen(IMA_LOG, "r");
	char line[1024];
	int n = 0;

	while (f && fgets(line, sizeof(line), f))
		/* ima-sig ends the name with a space, ima-ng with none. */
		n += strstr(line, " dev/zero ") || strstr(line, " dev/zero\n");
	if (f)
		fclose(f);
	return n;
}

/*
 * Anonymous memory for exec: mmap(2) calls the hook with no file, so
 * nothing is measured; neoos maps a shmem file, which IMA measures as
 * "dev/zero" (neoos(4)'s conformance table).
 */
TEST(ima_sees_anonymous_memory_as_its_file)
{
	const char *why = ima_unready(_metadata);
	int before;
	void *q, *p;

	if (why)
		SKIP(return, "%s", why);
	before = ima_dev_zero();
	q = mmap(NULL, FSIZE, PROT_READ | PROT_EXEC,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, q);
	EXPECT_EQ(before, ima_dev_zero()) TH_LOG("mmap(2)'s was measured");
	munmap(q, FSIZE);
	p = sys_mmap_ex(NULL, FSIZE, NEOOS_PROT_READ | NEOOS_PROT_EXEC,
			NEOOS_MAP_SHARED | NEOOS_MAP_ANONYMOUS, -1, 0, NULL);
	ASSERT_NE(NULL, p) TH_LOG("E %d", sys_errno());
	EXPECT_EQ(before + 1, ima_dev_zero()) TH_LOG("neoos's was not measured");
	EXPECT_EQ(E_OK, sys_munmap(p, FSIZE));
}

TEST_HARNESS_MAIN
