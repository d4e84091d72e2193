// SPDX-License-Identifier: GPL-2.0
/*
 * neoosctl json against random lines: every line that is not blank gets
 * one answer of the protocol's form, and the session ends cleanly.
 */
#include <limits.h>
#include <sys/mman.h>

#include <libneoos.h>

#include "common.h"
#include "ctl.h"
#include "kselftest_harness.h"
#include "ctl_fixture.h"

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

TEST_HARNESS_MAIN
