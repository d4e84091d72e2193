// SPDX-License-Identifier: GPL-2.0
/*
 * neoosctl: the MmapManager JSON session byte for byte, its answers to
 * malformed and random input, and the maps and version commands.
 */
#include <limits.h>
#include <sys/mman.h>

#include <neoos.h>

#include "common.h"
#include "kselftest_harness.h"

#ifndef NEOOSCTL
#define NEOOSCTL "../tools/neoosctl/neoosctl"
#endif

#define FILE_SIZE	(2 * PAGE)
#define SUCCESS		"{\"status\": \"success\"}"
#define ERROR(code)	"{\"status\": \"error\", \"code\": \"" code "\", \"message\": \""

/* A running `neoosctl json`: its stdin, its stdout, the last answer. */
struct ctl {
	pid_t pid;
	int in;
	FILE *out;
	char *line;
	size_t cap;
};

static int write_all(int fd, const char *buf, size_t n)
{
	while (n) {
		ssize_t w = write(fd, buf, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		n -= w;
	}
	return 0;
}

static int ctl_start(struct ctl *c)
{
	int in[2], out[2];

	memset(c, 0, sizeof(*c));
	c->in = -1;
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC))
		return -1;
	c->pid = fork();
	if (c->pid < 0)
		return -1;
	if (c->pid == 0) {
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		execl(NEOOSCTL, "neoosctl", "json", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	c->in = in[1];
	c->out = fdopen(out[0], "r");
	return c->out ? 0 : -1;
}

/* The next answer line, without its newline; NULL at end of output. */
static const char *ctl_read(struct ctl *c)
{
	ssize_t n = getline(&c->line, &c->cap, c->out);

	if (n <= 0)
		return NULL;
	if (c->line[n - 1] == '\n')
		c->line[n - 1] = '\0';
	return c->line;
}

static int ctl_send(struct ctl *c, const char *buf, size_t n)
{
	if (write_all(c->in, buf, n))
		return -1;
	return write_all(c->in, "\n", 1);
}

/* Send one request line and return the answer. */
static const char *ctl_ask(struct ctl *c, const char *req)
{
	if (ctl_send(c, req, strlen(req)))
		return NULL;
	return ctl_read(c);
}

/*
 * End the session: close its stdin, expect no more output, and return
 * its exit status (-1 on extra output, 128 + signal if killed).
 */
static int ctl_finish(struct ctl *c)
{
	int status, extra = 0;

	if (c->pid <= 0)
		return -1;
	close(c->in);
	c->in = -1;
	while (ctl_read(c))
		extra++;
	fclose(c->out);
	c->out = NULL;
	free(c->line);
	c->line = NULL;
	if (waitpid(c->pid, &status, 0) != c->pid)
		return -1;
	c->pid = 0;
	if (extra)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* `{"status": "success", "data": [...]}` of @n bytes (malloc'ed). */
static char *bytes_answer(const unsigned char *b, size_t n)
{
	char *s = malloc(40 + 5 * n), *p = s;

	p += sprintf(p, "{\"status\": \"success\", \"data\": [");
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, i ? ", %u" : "%u", b[i]);
	strcpy(p, "]}");
	return s;
}

/* The id an Mmap answer holds, checking its exact form; -1 if none. */
static int64_t answer_id(const char *r)
{
	unsigned int b[4];
	unsigned char be[4];
	char *want;
	int64_t id = -1;

	if (!r || sscanf(r, "{\"status\": \"success\", \"data\": [%u, %u, %u, %u]}",
			 &b[0], &b[1], &b[2], &b[3]) != 4)
		return -1;
	for (int i = 0; i < 4; i++)
		be[i] = b[i];
	want = bytes_answer(be, 4);
	if (!strcmp(want, r) && (b[0] | b[1] | b[2] | b[3]) < 256)
		id = (int64_t)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3];
	free(want);
	return id;
}

static bool is_error(const char *r, const char *prefix)
{
	return r && !strncmp(r, prefix, strlen(prefix)) &&
	       r[strlen(r) - 1] == '}';
}

static int64_t ctl_mmap(struct ctl *c, const char *path, uint64_t offset,
			uint64_t length, int prot, bool shared)
{
	char req[PATH_MAX + 200];

	snprintf(req, sizeof(req),
		 "{\"Mmap\": {\"path\": \"%s\", \"offset\": %llu, \"length\": %llu, \"prot\": %d, \"shared\": %s}}",
		 path, (unsigned long long)offset, (unsigned long long)length,
		 prot, shared ? "true" : "false");
	return answer_id(ctl_ask(c, req));
}

/* MmapRead and compare with @want; 0 if the answer is exact. */
static int ctl_expect_read(struct ctl *c, int64_t id, uint64_t offset,
			   const unsigned char *want, size_t n)
{
	char req[200], *exp = bytes_answer(want, n);
	const char *r;
	int ret;

	snprintf(req, sizeof(req),
		 "{\"MmapRead\": {\"mmap_id\": %lld, \"offset\": %llu, \"length\": %zu}}",
		 (long long)id, (unsigned long long)offset, n);
	r = ctl_ask(c, req);
	ret = r && !strcmp(r, exp) ? 0 : -1;
	if (ret)
		fprintf(stderr, "# want %.200s\n# got  %.200s\n", exp,
			r ? r : "EOF");
	free(exp);
	return ret;
}

static const char *ctl_by_id(struct ctl *c, const char *req, int64_t id)
{
	char line[200];

	snprintf(line, sizeof(line), "{\"%s\": {\"mmap_id\": %lld}}", req,
		 (long long)id);
	return ctl_ask(c, line);
}

FIXTURE(ctl) {
	char path[PATH_MAX + 32];
	unsigned char pattern[FILE_SIZE];
	struct ctl c;
};

FIXTURE_SETUP(ctl)
{
	char cwd[PATH_MAX];

	if (access(NEOOSCTL, X_OK))
		SKIP(return, "%s not built", NEOOSCTL);
	signal(SIGPIPE, SIG_IGN);
	/* The kernel reports the path resolved; so must we. */
	ASSERT_NE(NULL, realpath(".", cwd));
	snprintf(self->path, sizeof(self->path), "%s/neoosctl_test.%d", cwd,
		 getpid());
	ASSERT_EQ(0, make_pattern_file(self->path, FILE_SIZE));
	for (int i = 0; i < FILE_SIZE; i++)
		self->pattern[i] = pattern_byte(i);
	ASSERT_EQ(0, ctl_start(&self->c));
}

FIXTURE_TEARDOWN(ctl)
{
	if (self->c.pid > 0) {
		kill(self->c.pid, SIGKILL);
		ctl_finish(&self->c);
	}
	unlink(self->path);
}

TEST_F(ctl, shared_session)
{
	char want[PATH_MAX + 400];
	unsigned char hello[] = "Hello";
	int64_t id;

	id = ctl_mmap(&self->c, self->path, 0, FILE_SIZE, 3, true);
	ASSERT_LT(0, id);
	EXPECT_EQ(0, ctl_expect_read(&self->c, id, 0, self->pattern, 64));
	EXPECT_EQ(0, ctl_expect_read(&self->c, id, PAGE - 3,
				     self->pattern + PAGE - 3, 10));

	snprintf(want, sizeof(want),
		 "{\"MmapWrite\": {\"mmap_id\": %lld, \"offset\": 100, \"data\": [72, 101, 108, 108, 111]}}",
		 (long long)id);
	EXPECT_STREQ(SUCCESS, ctl_ask(&self->c, want));
	EXPECT_EQ(0, ctl_expect_read(&self->c, id, 100, hello, 5));
	EXPECT_STREQ(SUCCESS, ctl_by_id(&self->c, "Msync", id));
	EXPECT_EQ('H', file_byte(self->path, 100));
	EXPECT_EQ('o', file_byte(self->path, 104));

	snprintf(want, sizeof(want),
		 "{\"status\": \"success\", \"data\": {\"id\": %lld, \"path\": \"%s\", \"offset\": 0, \"length\": %d, "
		 "\"prot\": {\"read\": true, \"write\": true, \"exec\": false}, \"flags\": \"Shared\", \"owner_pid\": %d}}",
		 (long long)id, self->path, FILE_SIZE, self->c.pid);
	EXPECT_STREQ(want, ctl_by_id(&self->c, "MmapStats", id));

	EXPECT_STREQ(SUCCESS, ctl_by_id(&self->c, "Munmap", id));
	EXPECT_TRUE(is_error(ctl_by_id(&self->c, "MmapStats", id),
			     ERROR("E_INVAL")));
	snprintf(want, sizeof(want),
		 "{\"MmapRead\": {\"mmap_id\": %lld, \"offset\": 0, \"length\": 1}}",
		 (long long)id);
	EXPECT_TRUE(is_error(ctl_ask(&self->c, want), ERROR("E_INVAL")));
	EXPECT_TRUE(is_error(ctl_by_id(&self->c, "Munmap", id),
			     ERROR("E_INVAL")));
	EXPECT_EQ(0, ctl_finish(&self->c));
}

TEST_F(ctl, offset_and_stats_private)
{
	char want[PATH_MAX + 400];
	int64_t id;

	/* Not page aligned: byte 5 of the file is byte 0 of the mapping. */
	id = ctl_mmap(&self->c, self->path, 5, 100, 1, false);
	ASSERT_LT(0, id);
	EXPECT_EQ(0, ctl_expect_read(&self->c, id, 0, self->pattern + 5, 100));
	snprintf(want, sizeof(want),
		 "{\"status\": \"success\", \"data\": {\"id\": %lld, \"path\": \"%s\", \"offset\": 5, \"length\": 100, "
		 "\"prot\": {\"read\": true, \"write\": false, \"exec\": false}, \"flags\": \"Private\", \"owner_pid\": %d}}",
		 (long long)id, self->path, self->c.pid);
	EXPECT_STREQ(want, ctl_by_id(&self->c, "MmapStats", id));
	/* Past the mapping's end. */
	snprintf(want, sizeof(want),
		 "{\"MmapRead\": {\"mmap_id\": %lld, \"offset\": 50, \"length\": 51}}",
		 (long long)id);
	EXPECT_TRUE(is_error(ctl_ask(&self->c, want), ERROR("E_INVAL")));
	/* Past the file's end. */
	EXPECT_EQ(-1, ctl_mmap(&self->c, self->path, PAGE, 2 * PAGE, 1, true));
	EXPECT_TRUE(is_error(self->c.line, ERROR("E_INVAL")));
	EXPECT_EQ(-1, ctl_mmap(&self->c, "/nonexistent/x", 0, 1, 1, true));
	EXPECT_TRUE(is_error(self->c.line, ERROR("E_NOENT")));
	EXPECT_EQ(-1, ctl_mmap(&self->c, "/dev/null", 0, 1, 1, true));
	EXPECT_TRUE(is_error(self->c.line, ERROR("E_INVAL")));
	EXPECT_EQ(0, ctl_finish(&self->c));
}

TEST_F(ctl, private_write_stays_private)
{
	unsigned char zz[] = { 0x5a, 0x5a };
	char req[200];
	int64_t id;

	id = ctl_mmap(&self->c, self->path, 0, FILE_SIZE, 3, false);
	ASSERT_LT(0, id);
	snprintf(req, sizeof(req),
		 "{\"MmapWrite\": {\"mmap_id\": %lld, \"offset\": 10, \"data\": [90, 90]}}",
		 (long long)id);
	EXPECT_STREQ(SUCCESS, ctl_ask(&self->c, req));
	EXPECT_EQ(0, ctl_expect_read(&self->c, id, 10, zz, 2));
	ctl_by_id(&self->c, "Msync", id);	/* whatever it says */
	EXPECT_STREQ(SUCCESS, ctl_by_id(&self->c, "Munmap", id));
	EXPECT_EQ(pattern_byte(10), file_byte(self->path, 10));
	EXPECT_EQ(pattern_byte(11), file_byte(self->path, 11));
	EXPECT_EQ(0, ctl_finish(&self->c));
}

TEST_F(ctl, write_needs_prot_write)
{
	char req[200];
	int64_t id;

	id = ctl_mmap(&self->c, self->path, 0, PAGE, 1, true);
	ASSERT_LT(0, id);
	snprintf(req, sizeof(req),
		 "{\"MmapWrite\": {\"mmap_id\": %lld, \"offset\": 0, \"data\": [1]}}",
		 (long long)id);
	EXPECT_TRUE(is_error(ctl_ask(&self->c, req), ERROR("E_PERM")));
	EXPECT_EQ(pattern_byte(0), file_byte(self->path, 0));
	/* prot 0: not even reading. */
	id = ctl_mmap(&self->c, self->path, 0, PAGE, 0, true);
	ASSERT_LT(0, id);
	snprintf(req, sizeof(req),
		 "{\"MmapRead\": {\"mmap_id\": %lld, \"offset\": 0, \"length\": 1}}",
		 (long long)id);
	EXPECT_TRUE(is_error(ctl_ask(&self->c, req), ERROR("E_PERM")));
	EXPECT_EQ(0, ctl_finish(&self->c));
}

static const char *const malformed[] = {
	"{",
	"}",
	"[]",
	"null",
	"42",
	"\"Mmap\"",
	"true",
	"{}",
	"not json",
	"{'Msync': {'mmap_id': 1}}",
	"{\"Msync\": {\"mmap_id\": 1},}",
	"{\"Msync\": {\"mmap_id\": 1}} {\"Msync\": {\"mmap_id\": 1}}",
	"{\"Msync\": {\"mmap_id\": 1}} x",
	"{\"Msync\": {\"mmap_id\": 1}, \"Munmap\": {\"mmap_id\": 1}}",
	"{\"Bogus\": {\"mmap_id\": 1}}",
	"{\"msync\": {\"mmap_id\": 1}}",
	"{\"Msync\": 1}",
	"{\"Msync\": [1]}",
	"{\"Msync\": null}",
	"{\"Msync\": {}}",
	"{\"Msync\": {\"id\": 1}}",
	"{\"Msync\": {\"mmap_id\": 1, \"extra\": 2}}",
	"{\"Msync\": {\"mmap_id\": \"1\"}}",
	"{\"Msync\": {\"mmap_id\": 1.0}}",
	"{\"Msync\": {\"mmap_id\": 1e2}}",
	"{\"Msync\": {\"mmap_id\": -1}}",
	"{\"Msync\": {\"mmap_id\": true}}",
	"{\"Msync\": {\"mmap_id\": null}}",
	"{\"Msync\": {\"mmap_id\": 9223372036854775808}}",
	"{\"Msync\": {\"mmap_id\": 99999999999999999999999999999}}",
	"{\"Msync\": {\"mmap_id\": NaN}}",
	"{\"Msync\": {\"mmap_id\": 01}}",
	"{\"Munmap\": {\"mmap_id\": [1]}}",
	"{\"MmapStats\": {\"mmap_id\": {}}}",
	"{\"Mmap\": {\"path\": \"/tmp/x\", \"offset\": 0, \"length\": 1, \"prot\": 1}}",
	"{\"Mmap\": {\"path\": 1, \"offset\": 0, \"length\": 1, \"prot\": 1, \"shared\": true}}",
	"{\"Mmap\": {\"path\": \"/tmp/\\u0000x\", \"offset\": 0, \"length\": 1, \"prot\": 1, \"shared\": true}}",
	"{\"Mmap\": {\"path\": \"/tmp/x\", \"offset\": -1, \"length\": 1, \"prot\": 1, \"shared\": true}}",
	"{\"Mmap\": {\"path\": \"/tmp/x\", \"offset\": 0, \"length\": 9223372036854775808, \"prot\": 1, \"shared\": true}}",
	"{\"Mmap\": {\"path\": \"/tmp/x\", \"offset\": 0, \"length\": 1, \"prot\": 8, \"shared\": true}}",
	"{\"Mmap\": {\"path\": \"/tmp/x\", \"offset\": 0, \"length\": 1, \"prot\": 1, \"shared\": 1}}",
	"{\"Mmap\": {\"path\": \"/tmp/x\", \"offset\": 0, \"length\": 1, \"prot\": 1, \"shared\": \"true\"}}",
	"{\"Mmap\": {\"path\": \"/tmp/x\", \"offset\": 0.5, \"length\": 1, \"prot\": 1, \"shared\": true}}",
	"{\"MmapRead\": {\"mmap_id\": 1, \"offset\": 0}}",
	"{\"MmapRead\": {\"mmap_id\": 1, \"offset\": 0, \"length\": 16777217}}",
	"{\"MmapWrite\": {\"mmap_id\": 1, \"offset\": 0, \"data\": [256]}}",
	"{\"MmapWrite\": {\"mmap_id\": 1, \"offset\": 0, \"data\": [-1]}}",
	"{\"MmapWrite\": {\"mmap_id\": 1, \"offset\": 0, \"data\": [1.5]}}",
	"{\"MmapWrite\": {\"mmap_id\": 1, \"offset\": 0, \"data\": [\"a\"]}}",
	"{\"MmapWrite\": {\"mmap_id\": 1, \"offset\": 0, \"data\": \"Hello\"}}",
	"{\"MmapWrite\": {\"mmap_id\": 1, \"offset\": 0, \"data\": [[1]]}}",
	"{\"MmapWrite\": {\"mmap_id\": 1, \"offset\": 0, \"data\": [true]}}",
	"{\"Msync\": {\"mmap_id\": 1}} /* comment */",
	"// comment",
	"{\"Msync\": {\"mmap_id\": 1}}\x01",
	"\"\xff\xfe\"",
	"{\"Mmap\xc3\": {}}",
	"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
	"{\"Msync\": {\"mmap_id\": 1}",
};

TEST_F(ctl, malformed_input)
{
	size_t n = ARRAY_SIZE(malformed);
	const char nul_line[] = "{\"Msync\": {\"mmap_id\": 1}}\0x";
	int64_t id;

	ASSERT_LE(40, n);
	for (size_t i = 0; i < n; i++) {
		const char *r = ctl_ask(&self->c, malformed[i]);

		if (!is_error(r, ERROR("E_INVAL")))
			TH_LOG("input %zu: %s -> %s", i, malformed[i],
			       r ? r : "EOF");
		ASSERT_TRUE(is_error(r, ERROR("E_INVAL")));
	}
	/* A NUL byte on the line. */
	ASSERT_EQ(0, ctl_send(&self->c, nul_line, sizeof(nul_line) - 1));
	EXPECT_TRUE(is_error(ctl_read(&self->c), ERROR("E_INVAL")));
	/* Blank lines get no answer: the next answer is the Mmap's. */
	ASSERT_EQ(0, write_all(self->c.in, "\n   \n\t\r\n", 7));
	id = ctl_mmap(&self->c, self->path, 0, PAGE, 3, true);
	EXPECT_LT(0, id);
	EXPECT_STREQ(SUCCESS, ctl_by_id(&self->c, "Munmap", id));
	EXPECT_EQ(0, ctl_finish(&self->c));
}

/* A line of 64 MiB, and MiBs of bytes each way. */
TEST_F_TIMEOUT(ctl, long_lines, 120)
{
	const size_t big = 1 << 20, pad = 64 << 20;
	char *path = malloc(PATH_MAX + 64), *req, *p;
	unsigned char *want = malloc(big);
	int64_t id;

	snprintf(path, PATH_MAX + 64, "%s.big", self->path);
	ASSERT_EQ(0, make_pattern_file(path, big));
	id = ctl_mmap(&self->c, path, 0, big, 3, true);
	ASSERT_LT(0, id);
	for (size_t i = 0; i < big; i++)
		want[i] = pattern_byte(i);
	EXPECT_EQ(0, ctl_expect_read(&self->c, id, 0, want, big));

	/* MmapWrite of 1 MiB of bytes, padded out to 64 MiB with spaces. */
	req = malloc(pad + 5 * big + 200);
	p = req + sprintf(req, "{\"MmapWrite\": {\"mmap_id\": %lld, \"offset\": 0, \"data\": [",
			  (long long)id);
	for (size_t i = 0; i < big; i++) {
		want[i] = (unsigned char)(i * 13 + 5);
		p += sprintf(p, i ? ",%u" : "%u", want[i]);
	}
	*p++ = ']';
	memset(p, ' ', pad);
	p += pad;
	strcpy(p, "}}");
	ASSERT_EQ(0, ctl_send(&self->c, req, strlen(req)));
	EXPECT_STREQ(SUCCESS, ctl_read(&self->c));
	EXPECT_EQ(0, ctl_expect_read(&self->c, id, 0, want, big));

	/* 4 MiB + 1 bytes, then 8 Mi values: refused, and cheaply. */
	p = req + sprintf(req, "{\"MmapWrite\": {\"mmap_id\": %lld, \"offset\": 0, \"data\": [0",
			  (long long)id);
	for (size_t i = 0; i < (4 << 20); i++, p += 2)
		memcpy(p, ",1", 2);
	strcpy(p, "]}}");
	ASSERT_EQ(0, ctl_send(&self->c, req, strlen(req)));
	EXPECT_TRUE(is_error(ctl_read(&self->c), ERROR("E_INVAL")));
	for (size_t i = 0; i < (4 << 20); i++, p += 2)
		memcpy(p, ",1", 2);
	strcpy(p, "]}}");
	ASSERT_EQ(0, ctl_send(&self->c, req, strlen(req)));
	EXPECT_TRUE(is_error(ctl_read(&self->c), ERROR("E_INVAL")));
	EXPECT_EQ(0, ctl_expect_read(&self->c, id, 0, want, big));
	EXPECT_STREQ(SUCCESS, ctl_by_id(&self->c, "Munmap", id));
	EXPECT_EQ(want[big - 1], file_byte(path, big - 1));
	EXPECT_EQ(0, ctl_finish(&self->c));
	unlink(path);
	free(req);
	free(want);
	free(path);
}

/* ------------------------------------------------------------------ */

/* xorshift64: the same lines on every run. */
static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static const char *const templates[] = {
	"{\"Mmap\": {\"path\": \"/nonexistent\", \"offset\": 0, \"length\": 4096, \"prot\": 3, \"shared\": true}}",
	"{\"MmapRead\": {\"mmap_id\": 1, \"offset\": 0, \"length\": 16}}",
	"{\"MmapWrite\": {\"mmap_id\": 1, \"offset\": 0, \"data\": [72, 101, 108]}}",
	"{\"Msync\": {\"mmap_id\": 1}}",
	"{\"Munmap\": {\"mmap_id\": 2}}",
	"{\"MmapStats\": {\"mmap_id\": 1}}",
};

static const char *const pieces[] = {
	"{", "}", "[", "]", "\"", ":", ",", "\\", "\\u0000", "\\ud800",
	"18446744073709551616", "-9223372036854775809", "1e999999", "-0",
	"1.5", "true", "null", "NaN", "Infinity", "\xc3\x28", "\xf4\x90\x80\x80",
	"\t", "\r", " ", "'", "/*", "//", "\x7f", "\x01",
};

/* A random line (no newline) into @buf; returns its length. */
static size_t fuzz_line(char *buf, size_t cap)
{
	size_t n = 0, len;
	const char *t;

	switch (rnd() % 5) {
	case 0:		/* random bytes */
		len = rnd() % 200;
		for (n = 0; n < len; n++)
			buf[n] = (char)(rnd() % 256);
		break;
	case 1:		/* deep nesting */
		len = 1 + rnd() % 5000;
		for (n = 0; n < len && n < cap - 1; n++)
			buf[n] = rnd() % 2 ? '[' : '{';
		if (rnd() % 2)
			for (size_t i = 0; i < len && n < cap - 1; i++)
				buf[n++] = buf[len - 1 - i] == '[' ? ']' : '}';
		break;
	default:	/* a request, mutated */
		t = templates[rnd() % ARRAY_SIZE(templates)];
		n = strlen(t);
		memcpy(buf, t, n);
		for (int k = 1 + rnd() % 4; k > 0; k--) {
			size_t at = rnd() % (n + 1);
			const char *pc = pieces[rnd() % ARRAY_SIZE(pieces)];
			size_t pl = strlen(pc);

			switch (rnd() % 3) {
			case 0:		/* insert a piece */
				if (n + pl >= cap)
					break;
				memmove(buf + at + pl, buf + at, n - at);
				memcpy(buf + at, pc, pl);
				n += pl;
				break;
			case 1:		/* delete some bytes */
				if (at < n) {
					size_t d = 1 + rnd() % (n - at);

					memmove(buf + at, buf + at + d,
						n - at - d);
					n -= d;
				}
				break;
			default:	/* flip a byte */
				if (at < n)
					buf[at] = (char)(rnd() % 256);
				break;
			}
		}
		break;
	}
	for (size_t i = 0; i < n; i++)
		if (buf[i] == '\n')
			buf[i] = ' ';
	return n;
}

/* What neoosctl takes for a blank line (no answer). */
static bool blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

TEST_F_TIMEOUT(ctl, fuzz, 120)
{
	char *buf = malloc(16384);
	int answered = 0, lines = 0;

	for (int i = 0; i < 2000; i++) {
		size_t n = fuzz_line(buf, 16384);
		const char *r;

		ASSERT_EQ(0, ctl_send(&self->c, buf, n));
		if (blank(buf, n))
			continue;
		lines++;
		r = ctl_read(&self->c);
		if (!r || strncmp(r, "{\"status\": \"", 12) ||
		    r[strlen(r) - 1] != '}') {
			TH_LOG("line %d (%zu bytes): answer %s", i, n,
			       r ? r : "EOF");
			break;
		}
		answered++;
	}
	EXPECT_EQ(lines, answered);
	EXPECT_EQ(0, ctl_finish(&self->c));
	free(buf);
}

/* ------------------------------------------------------------------ */

/* Run @cmd; its output into @out (up to @size), its exit status back. */
static int run(const char *cmd, char *out, size_t size)
{
	FILE *f = popen(cmd, "r");
	size_t n;
	int status;

	if (!f)
		return -1;
	n = fread(out, 1, size - 1, f);
	out[n] = '\0';
	status = pclose(f);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* A child holding two mappings until its pipe closes. */
static void hold_mappings(const char *path, int report, int wait_fd)
{
	int rw = open(path, O_RDWR), ro = open(path, O_RDONLY);
	uint64_t id;
	char c;

	if (rw < 0 || ro < 0 ||
	    !sys_mmap_ex(NULL, FILE_SIZE, NEOOS_PROT_READ | NEOOS_PROT_WRITE,
			 NEOOS_MAP_SHARED, rw, 0, &id) ||
	    !sys_mmap_ex(NULL, 100, NEOOS_PROT_READ, NEOOS_MAP_PRIVATE, ro, 7,
			 &id))
		_exit(1);
	if (write(report, "k", 1) != 1)
		_exit(1);
	if (read(wait_fd, &c, 1) < 0)
		_exit(1);
	_exit(0);
}

TEST(maps_of_another_process)
{
	char path[PATH_MAX + 32], cwd[PATH_MAX], cmd[PATH_MAX + 128];
	char *out = malloc(65536), *line, *save;
	int up[2], down[2], rows = 0, status;
	bool seen_rw = false, seen_ro = false, total = false;
	pid_t pid;
	char c;

	if (access(NEOOSCTL, X_OK))
		SKIP(return, "%s not built", NEOOSCTL);
	ASSERT_NE(NULL, realpath(".", cwd));
	snprintf(path, sizeof(path), "%s/neoosctl_maps.%d", cwd, getpid());
	ASSERT_EQ(0, make_pattern_file(path, FILE_SIZE));
	ASSERT_EQ(0, pipe(up));
	ASSERT_EQ(0, pipe(down));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(up[0]);
		close(down[1]);
		hold_mappings(path, up[1], down[0]);
	}
	close(up[1]);
	close(down[0]);
	ASSERT_EQ(1, read(up[0], &c, 1));

	snprintf(cmd, sizeof(cmd), "%s maps %d", NEOOSCTL, pid);
	EXPECT_EQ(0, run(cmd, out, 65536));
	TH_LOG("%s", out);
	line = strtok_r(out, "\n", &save);
	ASSERT_NE(NULL, line);
	EXPECT_EQ(0, strncmp(line, "ID", 2));
	while ((line = strtok_r(NULL, "\n", &save))) {
		if (!strncmp(line, "total", 5)) {
			char want[64];

			snprintf(want, sizeof(want), "total 2 mappings, %d bytes",
				 FILE_SIZE + 100);
			EXPECT_STREQ(want, line);
			total = true;
			continue;
		}
		rows++;
		EXPECT_NE(NULL, strstr(line, path));
		if (strstr(line, " rw- ") && strstr(line, " shared "))
			seen_rw = true;
		if (strstr(line, " r-- ") && strstr(line, " private ") &&
		    strstr(line, " 7 "))
			seen_ro = true;
	}
	EXPECT_EQ(2, rows);
	EXPECT_TRUE(seen_rw);
	EXPECT_TRUE(seen_ro);
	EXPECT_TRUE(total);

	close(down[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);

	/* Gone now: an error on stderr, exit 1. */
	snprintf(cmd, sizeof(cmd), "%s maps %d 2>&1", NEOOSCTL, pid);
	EXPECT_EQ(1, run(cmd, out, 65536));
	EXPECT_NE(NULL, strstr(out, "no such process"));
	unlink(path);
	free(out);
}

TEST(commands)
{
	char out[4096], want[64];

	if (access(NEOOSCTL, X_OK))
		SKIP(return, "%s not built", NEOOSCTL);
	EXPECT_EQ(0, run(NEOOSCTL " version", out, sizeof(out)));
	snprintf(want, sizeof(want), "neoos.ko ABI %d.%d\n", NEOOS_ABI_MAJOR,
		 NEOOS_ABI_MINOR);
	EXPECT_NE(NULL, strstr(out, want));
	EXPECT_EQ(0, strncmp(out, "neoosctl ", 9));

	EXPECT_EQ(0, run(NEOOSCTL " stats", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "live_mappings "));
	EXPECT_NE(NULL, strstr(out, "\nunmaps "));

	EXPECT_EQ(0, run(NEOOSCTL " --help", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "usage: neoosctl"));
	EXPECT_EQ(0, run(NEOOSCTL " maps", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "total 0 mappings, 0 bytes"));
	EXPECT_EQ(2, run(NEOOSCTL " frobnicate 2>/dev/null", out, sizeof(out)));
	EXPECT_EQ(2, run(NEOOSCTL " maps 12x 2>/dev/null", out, sizeof(out)));
	EXPECT_EQ(2, run(NEOOSCTL " json extra 2>/dev/null </dev/null", out,
			 sizeof(out)));
	EXPECT_EQ(0, run("echo | " NEOOSCTL " json", out, sizeof(out)));
	EXPECT_STREQ("", out);
}

TEST_HARNESS_MAIN
