// SPDX-License-Identifier: MIT
/*
 * Responses.  Every request gets exactly one line: each reply below
 * writes a whole line and sets `replied`, which the session checks.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <json.h>

#include <libneoos.h>

#include "neoosctl.h"

static bool replied;

/* Before each request: nothing answered yet. */
void reply_start(void)
{
	replied = false;
}

bool reply_sent(void)
{
	return replied;
}

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

void reply_object(struct json_object *o)
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
int fail(int err, const char *fmt, ...)
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

int reply_success(void)
{
	fputs("{\"status\": \"success\"}\n", stdout);
	replied = true;
	return E_OK;
}

/*
 * `{"status": "success", "data": [...]}` with @n bytes.  Written directly:
 * a json-c array of 16 MiB would cost a json_object per byte.
 */
int reply_bytes(const unsigned char *buf, size_t n)
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
int reply_id(uint64_t id)
{
	unsigned char be[8];
	int n = id > UINT32_MAX ? 8 : 4;

	for (int i = 0; i < n; i++)
		be[i] = (unsigned char)(id >> (8 * (n - 1 - i)));
	return reply_bytes(be, n);
}
