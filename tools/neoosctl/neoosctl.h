/* SPDX-License-Identifier: MIT */
/*
 * neoosctl's internals, shared by its files:
 *
 *   main.c      the command line: which command, with what
 *   session.c   "json": lines in, exactly one answer line out for each
 *   requests.c  the MmapManager requests, one handler each
 *   fields.c    a request's fields, checked and converted
 *   reply.c     responses, spelt as the MmapManager documentation does
 *   maps.c      "maps": a process's mappings, like pmap(1)
 *   stats.c     "stats": neoos.ko's counters
 *   version.c   "version": neoosctl's and neoos.ko's versions
 *
 * The json session maps in neoosctl's own process: a mapping lives until
 * Munmap or the end of the session, as it would in a NeoOS process.
 */
#ifndef NEOOSCTL_H
#define NEOOSCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <json.h>

/* The most MmapRead returns in one request. */
#define READ_MAX	(16u << 20)
/*
 * The most MmapWrite takes.  Lower: json-c spends some 70 bytes on each
 * array element, so 4 Mi of them already cost ~300 MB.
 */
#define WRITE_MAX	(4u << 20)
/* Values a line may hold (commas outside strings), counted before json-c
 * builds them: room for WRITE_MAX bytes and the fields around them. */
#define VALUES_MAX	(WRITE_MAX + 64)
/* Offsets, lengths and ids are below 2^63: json-c clamps larger ones. */
#define NUM_MAX		((uint64_t)INT64_MAX)
/* Requests nest three deep; anything deeper than this is not one. */
#define JSON_DEPTH	32

/*
 * reply.c: reply_*() and fail() each write one whole response line to
 * stdout; reply_sent() says whether one was since reply_start().
 */
void reply_start(void);
bool reply_sent(void);
void reply_object(struct json_object *o);
int fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int reply_success(void);
int reply_bytes(const unsigned char *buf, size_t n);
int reply_id(uint64_t id);

/*
 * fields.c: each getter and check_fields() answer with an error response
 * themselves when a field is missing or wrong, and then return non-zero;
 * fail_id() answers a libneoos failure on mapping @id.
 */
extern const char *req_name;	/* the request being served, for messages */
int get_uint(struct json_object *args, const char *key, uint64_t max,
	     uint64_t *out);
int get_bool(struct json_object *args, const char *key, bool *out);
int get_path(struct json_object *args, const char *key, const char **out);
int get_bytes(struct json_object *args, const char *key,
	      unsigned char **out, size_t *len);
int check_fields(struct json_object *args, const char *const *fields);
int fail_id(int err, uint64_t id);

/* requests.c: answer one parsed request. */
void serve(struct json_object *req);

/* The commands: each returns neoosctl's exit status. */
int cmd_json(void);
int cmd_maps(pid_t pid);
int cmd_stats(void);
int cmd_version(void);
int cmd_tool_version(void);

#endif /* NEOOSCTL_H */
