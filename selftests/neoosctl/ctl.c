// SPDX-License-Identifier: GPL-2.0
/*
 * A client of `neoosctl json` (ctl.h says what each call does).
 */
#include <limits.h>

#include "common.h"
#include "ctl.h"

int write_all(int fd, const char *buf, size_t n)
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

int ctl_start(struct ctl *c)
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
		execl(t_prog("neoosctl") ?: "neoosctl", "neoosctl", "json",
		      (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	c->in = in[1];
	c->out = fdopen(out[0], "r");
	return c->out ? 0 : -1;
}

/* The next answer line, without its newline; NULL at end of output. */
const char *ctl_read(struct ctl *c)
{
	ssize_t n = getline(&c->line, &c->cap, c->out);

	if (n <= 0)
		return NULL;
	if (c->line[n - 1] == '\n')
		c->line[n - 1] = '\0';
	return c->line;
}

int ctl_send(struct ctl *c, const char *buf, size_t n)
{
	if (write_all(c->in, buf, n))
		return -1;
	return write_all(c->in, "\n", 1);
}

/* Send one request line and return the answer. */
const char *ctl_ask(struct ctl *c, const char *req)
{
	if (ctl_send(c, req, strlen(req)))
		return NULL;
	return ctl_read(c);
}

/*
 * End the session: close its stdin, expect no more output, and return
 * its exit status (-1 on extra output, 128 + signal if killed).
 */
int ctl_finish(struct ctl *c)
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
	return WIFEXITED(status) ? WEXITSTATUS(status) :
	       KILLED(WTERMSIG(status));
}

/* `{"status": "success", "data": [...]}` of @n bytes (malloc'ed). */
char *bytes_answer(const unsigned char *b, size_t n)
{
	char *s = malloc(40 + 5 * n), *p = s;

	p += sprintf(p, "{\"status\": \"success\", \"data\": [");
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, i ? ", %u" : "%u", b[i]);
	strcpy(p, "]}");
	return s;
}

/* The id an Mmap answer holds, checking its exact form; -1 if none. */
int64_t answer_id(const char *r)
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

bool is_error(const char *r, const char *prefix)
{
	return r && !strncmp(r, prefix, strlen(prefix)) &&
	       r[strlen(r) - 1] == '}';
}

int64_t ctl_mmap(struct ctl *c, const char *path, uint64_t offset,
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
int ctl_expect_read(struct ctl *c, int64_t id, uint64_t offset,
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

const char *ctl_by_id(struct ctl *c, const char *req, int64_t id)
{
	char line[200];

	snprintf(line, sizeof(line), "{\"%s\": {\"mmap_id\": %lld}}", req,
		 (long long)id);
	return ctl_ask(c, line);
}
