// SPDX-License-Identifier: MIT
/*
 * neoosctl json: one request a line on stdin, one answer a line on
 * stdout, flushed after each, whatever the line holds.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>

#include <json.h>

#include <libneoos.h>

#include "neoosctl.h"

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

	reply_start();
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
	if (!reply_sent())
		fail(E_INVAL, "request not answered");	/* a bug */
}

int cmd_json(void)
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
			reply_start();
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
