// SPDX-License-Identifier: MIT
/*
 * The MmapManager requests, one handler each.  Every path through a
 * handler answers exactly once, with success or with an error.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json.h>

#include <libneoos.h>

#include "neoosctl.h"

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
	fd = sys_open(path, (prot & NEOOS_PROT_WRITE) && shared ?
			    O_RDWR : O_RDONLY);
	if (fd < 0)
		return fail(fd, "Mmap: %s: %s", path, sys_strerror(fd));
	return fd;
}

/*
 * Mmap's "prot" is NEOOS_PROT_*'s bits (1 read, 2 write, 4 execute, as
 * MmapManager's), passed on as they are.
 */
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
	    get_uint(args, "prot", NEOOS_PROT_ALL, &prot) ||
	    get_bool(args, "shared", &shared))
		return E_INVAL;

	fd = open_for_map(path, prot, shared);
	if (fd < 0)
		return fd;
	p = sys_mmap_ex(NULL, length, (int)prot,
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
void serve(struct json_object *req)
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
