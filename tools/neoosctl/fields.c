// SPDX-License-Identifier: MIT
/*
 * A request's fields.  Each getter checks one field's presence, type and
 * range, answers with an E_INVAL (or E_NOENT, E_NOMEM) response itself if
 * it is wrong, and then returns non-zero: a handler chains them with ||
 * and returns at the first that failed, already answered.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include <libneoos.h>

#include "neoosctl.h"

/* The request being served, for messages. */
const char *req_name;

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
int get_uint(struct json_object *args, const char *key, uint64_t max,
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

int get_bool(struct json_object *args, const char *key, bool *out)
{
	struct json_object *v;
	int ret = get_field(args, key, json_type_boolean, "true or false", &v);

	if (!ret)
		*out = json_object_get_boolean(v);
	return ret;
}

/* A string field; a C string, so "\u0000" inside is refused. */
int get_path(struct json_object *args, const char *key, const char **out)
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
int get_bytes(struct json_object *args, const char *key,
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
int check_fields(struct json_object *args, const char *const *fields)
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
int fail_id(int err, uint64_t id)
{
	return fail(err, "%s: mapping %" PRIu64 ": %s", req_name, id,
		    sys_strerror(err));
}
