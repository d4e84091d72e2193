// SPDX-License-Identifier: GPL-2.0
/*
 * neoosctl json: the MmapManager JSON session byte for byte, its answers
 * to malformed input, and lines of many MiB.
 */
#include <limits.h>
#include <sys/mman.h>

#include <libneoos.h>

#include "common.h"
#include "ctl.h"
#include "kselftest_harness.h"
#include "ctl_fixture.h"

TEST_F(ctl, shared_session)
{
	char want[PATH_MAX + 400];
	unsigned char hello[] = "Hello";
	int64_t id;

	id = ctl_mmap(&self->c, self->path, 0, CTL_FILE_SIZE, 3, true);
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
	EXPECT_EQ('H', t_file_byte(self->path, 100));
	EXPECT_EQ('o', t_file_byte(self->path, 104));

	snprintf(want, sizeof(want),
		 "{\"status\": \"success\", \"data\": {\"id\": %lld, \"path\": \"%s\", \"offset\": 0, \"length\": %d, "
		 "\"prot\": {\"read\": true, \"write\": true, \"exec\": false}, \"flags\": \"Shared\", \"owner_pid\": %d}}",
		 (long long)id, self->path, CTL_FILE_SIZE, self->c.pid);
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

	id = ctl_mmap(&self->c, self->path, 0, CTL_FILE_SIZE, 3, false);
	ASSERT_LT(0, id);
	snprintf(req, sizeof(req),
		 "{\"MmapWrite\": {\"mmap_id\": %lld, \"offset\": 10, \"data\": [90, 90]}}",
		 (long long)id);
	EXPECT_STREQ(SUCCESS, ctl_ask(&self->c, req));
	EXPECT_EQ(0, ctl_expect_read(&self->c, id, 10, zz, 2));
	ctl_by_id(&self->c, "Msync", id);	/* whatever it says */
	EXPECT_STREQ(SUCCESS, ctl_by_id(&self->c, "Munmap", id));
	EXPECT_EQ(t_pattern_byte(10), t_file_byte(self->path, 10));
	EXPECT_EQ(t_pattern_byte(11), t_file_byte(self->path, 11));
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
	EXPECT_EQ(t_pattern_byte(0), t_file_byte(self->path, 0));
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
	ASSERT_EQ(0, t_make_pattern_file(path, big));
	id = ctl_mmap(&self->c, path, 0, big, 3, true);
	ASSERT_LT(0, id);
	for (size_t i = 0; i < big; i++)
		want[i] = t_pattern_byte(i);
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
	EXPECT_EQ(want[big - 1], t_file_byte(path, big - 1));
	EXPECT_EQ(0, ctl_finish(&self->c));
	unlink(path);
	free(req);
	free(want);
	free(path);
}

TEST_HARNESS_MAIN
