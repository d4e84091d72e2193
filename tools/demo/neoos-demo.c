// SPDX-License-Identifier: MIT
/*
 * neoos-demo: a NeoOS program, built unchanged against libneoos.  It
 * writes a file, maps it with sys_mmap, changes it through the mapping,
 * unmaps it with sys_munmap and shows the file before and after.
 */
#include <error.h>
#include <syscalls.h>

static int length(const char *s)
{
	int n = 0;

	while (s[n])
		n++;
	return n;
}

static void say(const char *s)
{
	sys_write(STDOUT, s, length(s));
}

static void show(const char *label, const char *path)
{
	char buf[128];
	int fd = sys_open(path, O_RDONLY);
	int n;

	say(label);
	n = fd >= 0 ? sys_read(fd, buf, sizeof(buf)) : -1;
	if (n > 0)
		sys_write(STDOUT, buf, n);
	if (fd >= 0)
		sys_close(fd);
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "neoos-demo.txt";
	const char *text = "hello from linux, through the page cache\n";
	char *map;
	int fd, i;

	fd = sys_open(path, O_RDWR | O_CREAT | O_TRUNC);
	if (fd < 0 || sys_write(fd, text, length(text)) != length(text)) {
		say("neoos-demo: cannot write the file\n");
		return 1;
	}
	show("before: ", path);

	map = sys_mmap(fd, 0, length(text));
	if (map == NULL) {
		say("neoos-demo: sys_mmap failed: ");
		say(sys_strerror(sys_errno()));
		say("\n");
		return 1;
	}
	say("sys_mmap: mapped the file; changing it through memory\n");
	for (i = 0; i < 5; i++)
		map[i] = "HELLO"[i];
	map[11] = 'N';
	map[12] = 'E';
	map[13] = 'O';
	map[14] = 'O';
	map[15] = 'S';
	if (sys_munmap(map, length(text)) != E_OK) {
		say("neoos-demo: sys_munmap failed\n");
		return 1;
	}
	say("sys_munmap: E_OK\n");
	sys_close(fd);
	show("after:  ", path);
	return 0;
}
