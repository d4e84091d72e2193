// SPDX-License-Identifier: MIT
/*
 * ipc - two processes talking through one shared neoos mapping of a file,
 * as NeoOS's sys_mmap page suggests: a parent and a child play ping-pong
 * with a turn counter, each through its own sys_mmap of the same file.
 *
 *   ipc FILE ROUNDS
 *
 * Prints the final counter (2 * ROUNDS) and exits 0 when both agree.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <syscalls.h>

struct board {
	_Atomic int turn;	/* even: parent's move, odd: child's */
	int last_writer;
};

static struct board *open_board(const char *path)
{
	int fd = sys_open(path, O_RDWR);
	struct board *b;

	if (fd < 0)
		return NULL;
	b = sys_mmap(fd, 0, sizeof(*b));
	sys_close(fd);	/* the mapping stays */
	return b;
}

static void play(struct board *b, int me, int rounds)
{
	for (int i = 0; i < rounds; i++) {
		while ((atomic_load(&b->turn) & 1) != me)
			usleep(10);
		b->last_writer = me;
		atomic_fetch_add(&b->turn, 1);
	}
}

int main(int argc, char **argv)
{
	struct board zero = { 0 }, *b;
	int fd, rounds, status;
	pid_t pid;

	if (argc != 3 || (rounds = atoi(argv[2])) <= 0) {
		fprintf(stderr, "usage: ipc FILE ROUNDS\n");
		return 2;
	}
	fd = sys_open(argv[1], O_RDWR | O_CREAT | O_TRUNC);
	if (fd < 0 || sys_write(fd, &zero, sizeof(zero)) != sizeof(zero))
		return 1;
	sys_close(fd);

	pid = fork();
	if (pid == 0) {
		b = open_board(argv[1]);
		if (!b)
			_exit(1);
		play(b, 1, rounds);
		_exit(sys_munmap(b, sizeof(*b)) == E_OK ? 0 : 1);
	}
	b = open_board(argv[1]);
	if (!b || pid < 0)
		return 1;
	play(b, 0, rounds);
	while (atomic_load(&b->turn) != 2 * rounds)
		usleep(10);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return 1;
	printf("turns %d last %s\n", atomic_load(&b->turn),
	       b->last_writer ? "child" : "parent");
	return sys_munmap(b, sizeof(*b)) == E_OK ? 0 : 1;
}
