/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A client of `neoosctl json` for the neoosctl tests: it starts the tool,
 * sends request lines, reads answer lines, and builds and parses the
 * MmapManager answers' exact forms.  Linked into neoosctl/'s programs
 * only, beside the t_* helpers.
 */
#ifndef NEOOS_SELFTEST_CTL_H
#define NEOOS_SELFTEST_CTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* Why a test that needs neoosctl skips, when t_prog() finds none. */
#define NO_NEOOSCTL	"neoosctl is neither beside the suite nor on PATH"

/* The pattern file the neoosctl tests map: two pages. */
#define CTL_FILE_SIZE	(2 * 4096)

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

/* Write all @n bytes of @buf to @fd, through EINTR; 0 or -1. */
int write_all(int fd, const char *buf, size_t n);

/* Start `neoosctl json` with pipes for its stdin and stdout; 0 or -1. */
int ctl_start(struct ctl *c);

/* The next answer line, without its newline; NULL at end of output. */
const char *ctl_read(struct ctl *c);

/* Send @n bytes and a newline; 0 or -1. */
int ctl_send(struct ctl *c, const char *buf, size_t n);

/* Send one request line and return the answer. */
const char *ctl_ask(struct ctl *c, const char *req);

/*
 * End the session: close its stdin, expect no more output, and return
 * its exit status (-1 on extra output, KILLED(sig) if killed).
 */
int ctl_finish(struct ctl *c);

/* `{"status": "success", "data": [...]}` of @n bytes (malloc'ed). */
char *bytes_answer(const unsigned char *b, size_t n);

/* The id an Mmap answer holds, checking its exact form; -1 if none. */
int64_t answer_id(const char *r);

/* Is @r an error answer starting with @prefix? */
bool is_error(const char *r, const char *prefix);

/* An Mmap request; the id answered, or -1. */
int64_t ctl_mmap(struct ctl *c, const char *path, uint64_t offset,
		 uint64_t length, int prot, bool shared);

/* MmapRead and compare with @want; 0 if the answer is exact. */
int ctl_expect_read(struct ctl *c, int64_t id, uint64_t offset,
		    const unsigned char *want, size_t n);

/* The answer to request @req naming only @id. */
const char *ctl_by_id(struct ctl *c, const char *req, int64_t id);

#endif
