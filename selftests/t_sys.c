// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs, procfs, cgroups and the shell.
 * Part of the selftests' helpers (common.h); nothing here needs libneoos.
 */

#include "common.h"

long t_read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long val = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &val) != 1)
		val = -1;
	fclose(f);
	return val;
}

long t_proc_kb(const char *path, const char *field)
{
	size_t len = strlen(field);
	char buf[16384], *line;
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	for (line = buf; strncmp(line, field, len); line++) {
		line = strchr(line, '\n');
		if (!line)
			return -1;
	}
	return strtol(line + len, NULL, 10);
}

long t_meminfo_kb(const char *field)
{
	return t_proc_kb("/proc/meminfo", field);
}

bool t_write_string(const char *path, const char *val)
{
	bool ok;
	int fd = open(path, O_WRONLY);

	if (fd < 0)
		return false;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok;
}

bool t_write_long(const char *path, long val)
{
	char s[32];

	snprintf(s, sizeof(s), "%ld", val);
	return t_write_string(path, s);
}

int t_module_refcnt(void)
{
	return (int)t_read_long("/sys/module/neoos/refcnt");
}

long t_nr_hugepages(long set)
{
	if (set >= 0 && !t_write_long(NR_HUGEPAGES, set))
		return -1;
	return t_read_long(NR_HUGEPAGES);
}

bool t_cgroup_write(const char *dir, const char *file, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return t_write_string(path, val);
}

bool t_join_memcg(const char *name, const char *max)
{
	char dir[128], pid[32];

	mkdir("/sys/fs/cgroup", 0755);
	mount("cgroup2", "/sys/fs/cgroup", "cgroup2", 0, NULL);
	if (!t_cgroup_write("/sys/fs/cgroup", "cgroup.subtree_control",
			  "+memory"))
		return false;
	snprintf(dir, sizeof(dir), "/sys/fs/cgroup/%s", name);
	mkdir(dir, 0755);
	snprintf(pid, sizeof(pid), "%d", getpid());
	return t_cgroup_write(dir, "memory.max", max) &&
	       t_cgroup_write(dir, "cgroup.procs", pid);
}

long t_memcg_current(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/memory.current", name);
	return t_read_long(path);
}

int t_sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int status;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	status = system(cmd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int t_sh_capture(char *out, size_t len, const char *fmt, ...)
{
	char cmd[2048];
	size_t got;
	va_list ap;
	FILE *f;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	if (out) {
		got = fread(out, 1, len - 1, f);
		out[got] = 0;
	}
	return pclose(f);
}
