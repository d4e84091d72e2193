// SPDX-License-Identifier: MIT
/*
 * neoosctl: drive neoos from the command line.
 *
 *   neoosctl json        NeoOS MmapManager requests on stdin, one JSON
 *                        object a line, answered one a line on stdout
 *   neoosctl maps [PID]  a process's neoos mappings, like pmap(1)
 *   neoosctl stats       neoos.ko's counters
 *   neoosctl version     this tool's version and neoos.ko's ABI
 *
 * The json session maps in neoosctl's own process: a mapping lives until
 * Munmap or the end of the session, as it would in a NeoOS process.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json.h>

#include <neoos.h>

#ifndef NEOOS_VERSION
#define NEOOS_VERSION "unknown"
#endif

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

/* ------------------------------------------------------------------ */
/* Responses                                                            */
/* ------------------------------------------------------------------ */

/* Set by every reply, so that each request gets exactly one line. */
static bool replied;

/*
 * Write @o the way the MmapManager documentation spells its responses:
 * `{"status": "success", "data": [0, 0, 0, 1]}`.  json-c's SPACED style
 * also pads the inside of braces, so containers are walked here and only
 * scalars (string escaping) are left to json-c.
 */
static void put_json(FILE *f, struct json_object *o)
{
	const int style = JSON_C_TO_STRING_PLAIN |
			  JSON_C_TO_STRING_NOSLASHESCAPE;
	const char *sep = "";

	switch (json_object_get_type(o)) {
	case json_type_object: {
		fputc('{', f);
		json_object_object_foreach(o, key, val) {
			struct json_object *k = json_object_new_string(key);

			fprintf(f, "%s%s: ", sep, k ?
				json_object_to_json_string_ext(k, style) :
				"\"\"");
			json_object_put(k);
			put_json(f, val);
			sep = ", ";
		}
		fputc('}', f);
		break;
	}
	case json_type_array:
		fputc('[', f);
		for (size_t i = 0; i < json_object_array_length(o); i++) {
			fputs(sep, f);
			put_json(f, json_object_array_get_idx(o, i));
			sep = ", ";
		}
		fputc(']', f);
		break;
	default:
		fputs(json_object_to_json_string_ext(o, style), f);
		break;
	}
}

static void reply_object(struct json_object *o)
{
	put_json(stdout, o);
	fputc('\n', stdout);
	replied = true;
}

/* The E_* name of an E_* code: the "code" of an error response. */
static const char *error_name(int err)
{
	switch (err) {
	case E_PERM:	return "E_PERM";
	case E_NOENT:	return "E_NOENT";
	case E_INTR:	return "E_INTR";
	case E_IO:	return "E_IO";
	case E_AGAIN:	return "E_AGAIN";
	case E_NOMEM:	return "E_NOMEM";
	case E_BUSY:	return "E_BUSY";
	case E_EXIST:	return "E_EXIST";
	case E_INVAL:	return "E_INVAL";
	case E_NOSPC:	return "E_NOSPC";
	case E_NOSYS:	return "E_NOSYS";
	default:	return "E_UNKNOWN";
	}
}

/*
 * Answer with an error response and return @err, so that a handler can
 * `return fail(...)`.  Built with json-c, which escapes whatever the
 * message quotes from the request.
 */
static int __attribute__((format(printf, 2, 3))) fail(int err,
						       const char *fmt, ...)
{
	struct json_object *o = json_object_new_object();
	char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (!o) {
		/* No memory for json-c: the line must still be written. */
		fputs("{\"status\": \"error\", \"code\": \"E_NOMEM\", "
		      "\"message\": \"out of memory\"}\n", stdout);
		replied = true;
		free(msg);
		return err;
	}
	json_object_object_add(o, "status", json_object_new_string("error"));
	json_object_object_add(o, "code",
			       json_object_new_string(error_name(err)));
	json_object_object_add(o, "message", json_object_new_string(
			       msg ? msg : sys_strerror(err)));
	reply_object(o);
	json_object_put(o);
	free(msg);
	return err;
}

static int reply_success(void)
{
	fputs("{\"status\": \"success\"}\n", stdout);
	replied = true;
	return E_OK;
}

/*
 * `{"status": "success", "data": [...]}` with @n bytes.  Written directly:
 * a json-c array of 16 MiB would cost a json_object per byte.
 */
static int reply_bytes(const unsigned char *buf, size_t n)
{
	fputs("{\"status\": \"success\", \"data\": [", stdout);
	for (size_t i = 0; i < n; i++)
		fprintf(stdout, i ? ", %u" : "%u", buf[i]);
	fputs("]}\n", stdout);
	replied = true;
	return E_OK;
}

/*
 * A mapping id as MmapManager serializes it: its big-endian bytes, four
 * of them when the id fits in 32 bits ([0, 0, 0, 1] is id 1), else eight.
 */
static int reply_id(uint64_t id)
{
	unsigned char be[8];
	int n = id > UINT32_MAX ? 8 : 4;

	for (int i = 0; i < n; i++)
		be[i] = (unsigned char)(id >> (8 * (n - 1 - i)));
	return reply_bytes(be, n);
}

/* ------------------------------------------------------------------ */
/* Request fields                                                       */
/* ------------------------------------------------------------------ */

/* The request being served, for messages. */
static const char *req_name;

static int get_field(struct json_object *args, const char *key,
		     enum json_type type, const char *what,
		     struct json_object **val)
{
	if (!json_object_object_get_ex(args, key, val))
		return fail(E_INVAL, "%s: missing field \"%s\"", req_name, key);
	if (!json_object_is_type(*val, type))
		return fail(E_INVAL, "%s: field \"%s\" must be %s", req_name,
			    key, what);
	return E_OK;
}

/*
 * An integer field in [0, @max].  json-c reads integers as int64 or, past
 * INT64_MAX, uint64, clamping what overflows even that; with @max below
 * 2^63 a clamped value can never pass for a real one.
 */
static int get_uint(struct json_object *args, const char *key, uint64_t max,
		    uint64_t *out)
{
	struct json_object *v;
	int ret = get_field(args, key, json_type_int, "an integer", &v);

	if (ret)
		return ret;
	if (json_object_get_int64(v) < 0 || json_object_get_uint64(v) > max)
		return fail(E_INVAL,
			    "%s: field \"%s\" out of range (0 to %" PRIu64 ")",
			    req_name, key, max);
	*out = json_object_get_uint64(v);
	return E_OK;
}

static int get_bool(struct json_object *args, const char *key, bool *out)
{
	struct json_object *v;
	int ret = get_field(args, key, json_type_boolean, "true or false", &v);

	if (!ret)
		*out = json_object_get_boolean(v);
	return ret;
}

/* A string field; a C string, so "\u0000" inside is refused. */
static int get_path(struct json_object *args, const char *key,
		    const char **out)
{
	struct json_object *v;
	int ret = get_field(args, key, json_type_string, "a string", &v);
	const char *s;

	if (ret)
		return ret;
	s = json_object_get_string(v);
	if (strlen(s) != (size_t)json_object_get_string_len(v))
		return fail(E_INVAL,
			    "%s: field \"%s\" contains a NUL character",
			    req_name, key);
	/* Longer than the kernel takes: ENAMETOOLONG, which is E_NOENT. */
	if (strlen(s) >= PATH_MAX)
		return fail(E_NOENT, "%s: path too long", req_name);
	*out = s;
	return E_OK;
}

/* An array of bytes (integers 0 to 255), copied into *@out (malloc'ed). */
static int get_bytes(struct json_object *args, const char *key,
		     unsigned char **out, size_t *len)
{
	struct json_object *v;
	int ret = get_field(args, key, json_type_array, "an array of bytes",
			    &v);
	size_t n;

	if (ret)
		return ret;
	n = json_object_array_length(v);
	if (n > WRITE_MAX)
		return fail(E_INVAL, "%s: more than %u bytes", req_name,
			    WRITE_MAX);
	*out = malloc(n ? n : 1);
	if (!*out)
		return fail(E_NOMEM, "%s: out of memory", req_name);
	for (size_t i = 0; i < n; i++) {
		struct json_object *b = json_object_array_get_idx(v, i);

		if (!json_object_is_type(b, json_type_int) ||
		    json_object_get_int64(b) < 0 ||
		    json_object_get_int64(b) > 255) {
			free(*out);
			*out = NULL;
			return fail(E_INVAL,
				    "%s: \"%s\"[%zu] is not an integer from 0 to 255",
				    req_name, key, i);
		}
		(*out)[i] = (unsigned char)json_object_get_int64(b);
	}
	*len = n;
	return E_OK;
}

/* Refuse fields a request does not have: a misspelt one would be lost. */
static int check_fields(struct json_object *args, const char *const *fields)
{
	json_object_object_foreach(args, key, val) {
		const char *const *f;

		(void)val;
		for (f = fields; *f && strcmp(*f, key); f++)
			;
		if (!*f)
			return fail(E_INVAL, "%s: unknown field \"%s\"",
				    req_name, key);
	}
	return E_OK;
}

/* The libneoos failure just seen, with the mapping it concerned. */
static int fail_id(int err, uint64_t id)
{
	return fail(err, "%s: mapping %" PRIu64 ": %s", req_name, id,
		    sys_strerror(err));
}

/* ------------------------------------------------------------------ */
/* Requests                                                             */
/* ------------------------------------------------------------------ */

static int to_neoos_prot(uint64_t prot)
{
	return (prot & 1 ? NEOOS_PROT_READ : 0) |
	       (prot & 2 ? NEOOS_PROT_WRITE : 0) |
	       (prot & 4 ? NEOOS_PROT_EXEC : 0);
}

/*
 * Open @path for a mapping.  Only a writable shared mapping needs O_RDWR:
 * a private one writes to its own copy.  A FIFO would block open(2), so
 * anything but a regular file is refused first (the mapping would be).
 */
static int open_for_map(const char *path, uint64_t prot, bool shared)
{
	struct stat st;
	int fd;

	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return fail(E_INVAL, "Mmap: %s: not a regular file", path);
	fd = sys_open(path, (prot & 2) && shared ? O_RDWR : O_RDONLY);
	if (fd < 0)
		return fail(fd, "Mmap: %s: %s", path, sys_strerror(fd));
	return fd;
}

static int do_mmap(struct json_object *args)
{
	static const char *const fields[] = {
		"path", "offset", "length", "prot", "shared", NULL
	};
	uint64_t offset = 0, length = 0, prot = 0, id = 0;
	const char *path = "";
	bool shared = false;
	void *p;
	int fd, err;

	if (check_fields(args, fields) ||
	    get_path(args, "path", &path) ||
	    get_uint(args, "offset", NUM_MAX, &offset) ||
	    get_uint(args, "length", NUM_MAX, &length) ||
	    get_uint(args, "prot", 7, &prot) ||
	    get_bool(args, "shared", &shared))
		return E_INVAL;

	fd = open_for_map(path, prot, shared);
	if (fd < 0)
		return fd;
	p = sys_mmap_ex(NULL, length, to_neoos_prot(prot),
			shared ? NEOOS_MAP_SHARED : NEOOS_MAP_PRIVATE,
			fd, offset, &id);
	err = sys_errno();
	/* The mapping holds its own reference to the file. */
	sys_close(fd);
	if (!p)
		return fail(err, "Mmap: %s: %s", path, sys_strerror(err));
	return reply_id(id);
}

static int do_mmap_read(struct json_object *args)
{
	static const char *const fields[] = {
		"mmap_id", "offset", "length", NULL
	};
	uint64_t id = 0, offset = 0, length = 0;
	unsigned char *buf;
	int ret;

	if (check_fields(args, fields) ||
	    get_uint(args, "mmap_id", NUM_MAX, &id) ||
	    get_uint(args, "offset", NUM_MAX, &offset) ||
	    get_uint(args, "length", READ_MAX, &length))
		return E_INVAL;

	buf = malloc(length ? length : 1);
	if (!buf)
		return fail(E_NOMEM, "MmapRead: out of memory");
	ret = sys_mmap_read(id, offset, buf, length);
	if (ret < 0)
		ret = fail_id(ret, id);
	else
		ret = reply_bytes(buf, length);
	free(buf);
	return ret;
}

static int do_mmap_write(struct json_object *args)
{
	static const char *const fields[] = {
		"mmap_id", "offset", "data", NULL
	};
	uint64_t id = 0, offset = 0;
	unsigned char *data = NULL;
	size_t len = 0;
	int ret;

	if (check_fields(args, fields) ||
	    get_uint(args, "mmap_id", NUM_MAX, &id) ||
	    get_uint(args, "offset", NUM_MAX, &offset) ||
	    get_bytes(args, "data", &data, &len))
		return E_INVAL;

	ret = sys_mmap_write(id, offset, data, len);
	free(data);
	return ret < 0 ? fail_id(ret, id) : reply_success();
}

/* The requests that name nothing but a mapping. */
static int get_id_only(struct json_object *args, uint64_t *id)
{
	static const char *const fields[] = { "mmap_id", NULL };

	if (check_fields(args, fields) ||
	    get_uint(args, "mmap_id", NUM_MAX, id))
		return E_INVAL;
	return E_OK;
}

static int do_msync(struct json_object *args)
{
	uint64_t id;
	int ret;

	if (get_id_only(args, &id))
		return E_INVAL;
	ret = sys_msync(id, 0, 0, NEOOS_MS_SYNC);
	return ret < 0 ? fail_id(ret, id) : reply_success();
}

static int do_munmap(struct json_object *args)
{
	uint64_t id;
	int ret;

	if (get_id_only(args, &id))
		return E_INVAL;
	ret = sys_munmap_id(id);
	return ret < 0 ? fail_id(ret, id) : reply_success();
}

static struct json_object *prot_object(int prot)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "read", json_object_new_boolean(
			       prot & NEOOS_PROT_READ));
	json_object_object_add(o, "write", json_object_new_boolean(
			       prot & NEOOS_PROT_WRITE));
	json_object_object_add(o, "exec", json_object_new_boolean(
			       prot & NEOOS_PROT_EXEC));
	return o;
}

static int do_mmap_stats(struct json_object *args)
{
	struct neoos_mapping_info info;
	struct json_object *o, *d;
	uint64_t id;
	int ret;

	if (get_id_only(args, &id))
		return E_INVAL;
	ret = sys_mmap_info(id, &info);
	if (ret < 0)
		return fail_id(ret, id);

	d = json_object_new_object();
	json_object_object_add(d, "id", json_object_new_uint64(info.id));
	json_object_object_add(d, "path", json_object_new_string(info.path));
	json_object_object_add(d, "offset",
			       json_object_new_uint64(info.offset));
	json_object_object_add(d, "length",
			       json_object_new_uint64(info.length));
	json_object_object_add(d, "prot", prot_object(info.prot));
	json_object_object_add(d, "flags", json_object_new_string(
		info.flags & NEOOS_MAP_SHARED ? "Shared" : "Private"));
	json_object_object_add(d, "owner_pid",
			       json_object_new_int64(info.owner_pid));
	o = json_object_new_object();
	json_object_object_add(o, "status", json_object_new_string("success"));
	json_object_object_add(o, "data", d);
	reply_object(o);
	json_object_put(o);
	return E_OK;
}

static const struct {
	const char *name;
	int (*run)(struct json_object *args);
} requests[] = {
	{ "Mmap",	do_mmap },
	{ "MmapRead",	do_mmap_read },
	{ "MmapWrite",	do_mmap_write },
	{ "Msync",	do_msync },
	{ "Munmap",	do_munmap },
	{ "MmapStats",	do_mmap_stats },
};

/* A request is an object with one key, the request's name, whose value
 * is an object of its fields. */
static void serve(struct json_object *req)
{
	struct json_object *args = NULL;
	const char *name = NULL;
	size_t i;

	req_name = "request";
	if (!json_object_is_type(req, json_type_object)) {
		fail(E_INVAL, "a request must be a JSON object");
		return;
	}
	if (json_object_object_length(req) != 1) {
		fail(E_INVAL, "a request object has exactly one key, its name");
		return;
	}
	json_object_object_foreach(req, key, val) {
		name = key;
		args = val;
	}
	for (i = 0; i < sizeof(requests) / sizeof(requests[0]); i++)
		if (!strcmp(requests[i].name, name))
			break;
	if (i == sizeof(requests) / sizeof(requests[0])) {
		fail(E_INVAL, "unknown request \"%s\"", name);
		return;
	}
	req_name = requests[i].name;
	if (!json_object_is_type(args, json_type_object)) {
		fail(E_INVAL, "%s: the fields must be an object", req_name);
		return;
	}
	requests[i].run(args);
}

/* ------------------------------------------------------------------ */
/* The json session                                                     */
/* ------------------------------------------------------------------ */

static bool is_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

/*
 * What json-c would let through but JSON does not: a NUL byte (json-c
 * stops there) and single-quoted strings (json-c takes them even in
 * strict mode).  Double-quoted strings are skipped, escapes included.
 * Also refused: more values than any request has, before json-c spends
 * memory on each of them.
 */
static const char *lexical_error(const char *s, size_t n)
{
	bool in_string = false;
	size_t commas = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\0')
			return "NUL byte in input";
		if (in_string) {
			if (s[i] == '\\' && i + 1 < n && s[i + 1] != '\0')
				i++;
			else if (s[i] == '"')
				in_string = false;
		} else if (s[i] == '"') {
			in_string = true;
		} else if (s[i] == '\'') {
			return "single-quoted strings are not JSON";
		} else if (s[i] == ',' && ++commas > VALUES_MAX) {
			return "too many values for a request";
		}
	}
	return NULL;
}

/* Parse one line (NUL-terminated at @n) and answer it with one line. */
static void handle_line(struct json_tokener *tok, const char *line, size_t n)
{
	enum json_tokener_error jerr;
	struct json_object *req;
	const char *why;
	size_t end;

	replied = false;
	why = lexical_error(line, n);
	if (why) {
		fail(E_INVAL, "invalid JSON: %s", why);
		return;
	}
	json_tokener_reset(tok);
	/* Including the NUL lets a bare number end instead of "continue". */
	req = json_tokener_parse_ex(tok, line, (int)n + 1);
	jerr = json_tokener_get_error(tok);
	if (!req || jerr != json_tokener_success) {
		json_object_put(req);
		fail(E_INVAL, "invalid JSON: %s",
		     jerr == json_tokener_continue ? "unexpected end of line" :
		     json_tokener_error_desc(jerr));
		return;
	}
	end = json_tokener_get_parse_end(tok);
	if (end < n && !is_blank(line + end, n - end))
		fail(E_INVAL, "invalid JSON: more than one value on the line");
	else
		serve(req);
	json_object_put(req);
	if (!replied)
		fail(E_INVAL, "request not answered");	/* a bug */
}

static int cmd_json(void)
{
	struct json_tokener *tok = json_tokener_new_ex(JSON_DEPTH);
	size_t cap = 0;
	char *line = NULL;
	ssize_t n;

	if (!tok) {
		fprintf(stderr, "neoosctl: out of memory\n");
		return 1;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
				    JSON_TOKENER_VALIDATE_UTF8);
	while ((n = getline(&line, &cap, stdin)) >= 0) {
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (is_blank(line, n))
			continue;
		/* json-c takes an int length. */
		if (n >= INT_MAX) {
			replied = false;
			fail(E_INVAL, "line too long");
		} else {
			handle_line(tok, line, n);
		}
		if (fflush(stdout) == EOF) {
			perror("neoosctl: stdout");
			break;
		}
	}
	free(line);
	json_tokener_free(tok);
	if (ferror(stdin)) {
		perror("neoosctl: stdin");
		return 1;
	}
	return ferror(stdout) ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/* maps, stats, version                                                 */
/* ------------------------------------------------------------------ */

static void prot_string(int prot, char s[4])
{
	s[0] = prot & NEOOS_PROT_READ ? 'r' : '-';
	s[1] = prot & NEOOS_PROT_WRITE ? 'w' : '-';
	s[2] = prot & NEOOS_PROT_EXEC ? 'x' : '-';
	s[3] = '\0';
}

static int maps_error(pid_t pid, int err)
{
	/* The kernel's ESRCH arrives folded into E_INVAL. */
	if (err == E_INVAL && pid && kill(pid, 0) < 0 && errno == ESRCH)
		fprintf(stderr, "neoosctl: %d: no such process\n", (int)pid);
	else
		fprintf(stderr, "neoosctl: %d: %s\n",
			(int)(pid ? pid : getpid()), sys_strerror(err));
	return 1;
}

/* The ids of @pid's mappings: the list may grow between two calls. */
static int list_ids(pid_t pid, uint64_t **ids)
{
	int n = sys_mmap_list(pid, NULL, 0);

	while (n >= 0) {
		uint64_t *p = realloc(*ids, (n ? n : 1) * sizeof(**ids));
		int m;

		if (!p)
			return E_NOMEM;
		*ids = p;
		m = sys_mmap_list(pid, p, n);
		if (m <= n)
			return m;
		n = m;
	}
	return n;
}

static void print_mapping(const struct neoos_mapping_info *info)
{
	char prot[4];
	bool shared = info->flags & NEOOS_MAP_SHARED;
	bool anon = info->flags & NEOOS_MAP_ANONYMOUS;
	const char *type = shared ? "shared" : "private";

	prot_string(info->prot, prot);
	printf("%-8" PRIu64 " %016" PRIxPTR " %12" PRIu64 " %-4s %-12s %12"
	       PRIu64 " %s\n",
	       info->id, (uintptr_t)info->addr, info->length, prot,
	       anon ? (shared ? "shared,anon" : "private,anon") : type,
	       info->offset, anon ? "[anon]" : info->path);
}

static int cmd_maps(pid_t pid)
{
	struct neoos_mapping_info *info = malloc(sizeof(*info));
	uint64_t *ids = NULL, total = 0;
	int n, shown = 0;

	if (!info)
		return maps_error(pid, E_NOMEM);
	n = list_ids(pid, &ids);
	if (n < 0) {
		free(info);
		free(ids);
		return maps_error(pid, n);
	}
	printf("%-8s %-16s %12s %-4s %-12s %12s %s\n", "ID", "ADDRESS",
	       "SIZE", "PROT", "FLAGS", "OFFSET", "PATH");
	for (int i = 0; i < n; i++) {
		/* A mapping unmapped since the list was taken is skipped. */
		if (sys_mmap_info_pid(pid, ids[i], info) < 0)
			continue;
		print_mapping(info);
		total += info->length;
		shown++;
	}
	printf("total %d mapping%s, %" PRIu64 " bytes\n", shown,
	       shown == 1 ? "" : "s", total);
	free(info);
	free(ids);
	return fflush(stdout) == EOF ? 1 : 0;
}

static int cmd_stats(void)
{
	struct neoos_stats st;
	int ret = neoos_stats(&st);

	if (ret < 0) {
		fprintf(stderr, "neoosctl: stats: %s\n", sys_strerror(ret));
		return 1;
	}
	printf("live_mappings %llu\n", (unsigned long long)st.live_mappings);
	printf("live_vmas %llu\n", (unsigned long long)st.live_vmas);
	printf("maps %llu\n", (unsigned long long)st.maps);
	printf("unmaps %llu\n", (unsigned long long)st.unmaps);
	return fflush(stdout) == EOF ? 1 : 0;
}

/* Asked of the device directly: libneoos refuses a module of another
 * major ABI, and that is exactly the case worth printing. */
static int cmd_version(void)
{
	const char *dev = secure_getenv("NEOOS_DEVICE");
	struct neoos_version v = { 0 };
	int fd;

	if (!dev || !*dev)
		dev = "/dev/neoos";
	printf("neoosctl %s (neoos ABI %d.%d)\n", NEOOS_VERSION,
	       NEOOS_ABI_MAJOR, NEOOS_ABI_MINOR);
	fflush(stdout);
	fd = open(dev, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, NEOOS_IOC_VERSION, &v) < 0) {
		fprintf(stderr, "neoosctl: %s: %s\n", dev, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	close(fd);
	printf("neoos.ko ABI %u.%u\n", v.major, v.minor);
	return fflush(stdout) == EOF ? 1 : 0;
}

/* ------------------------------------------------------------------ */

static void usage(FILE *f)
{
	fputs("usage: neoosctl COMMAND\n"
	      "\n"
	      "  json        serve NeoOS MmapManager requests, one JSON object a\n"
	      "              line on stdin, one response a line on stdout\n"
	      "  maps [PID]  list the neoos mappings of process PID (default: own)\n"
	      "  stats       print neoos.ko's counters\n"
	      "  version     print neoosctl's version and neoos.ko's ABI\n"
	      "\n"
	      "See neoosctl(1).\n", f);
}

/* A process id: decimal digits only, 1 to INT_MAX. */
static bool parse_pid(const char *s, pid_t *pid)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 1 || v > INT_MAX)
		return false;
	*pid = (pid_t)v;
	return true;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;
	pid_t pid = 0;

	if (!cmd || !strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "json") && argc == 2)
		return cmd_json();
	if (!strcmp(cmd, "maps") && argc <= 3 &&
	    (argc == 2 || parse_pid(argv[2], &pid)))
		return cmd_maps(pid);
	if (!strcmp(cmd, "stats") && argc == 2)
		return cmd_stats();
	if (!strcmp(cmd, "version") && argc == 2)
		return cmd_version();
	fprintf(stderr, "neoosctl: bad command line\n");
	usage(stderr);
	return 2;
}
