// SPDX-License-Identifier: GPL-2.0
/*
 * Child processes and their users, and the time limits the harness gives a test.
 * Part of the selftests' helpers (common.h); nothing here needs libneoos.
 */
#include <grp.h>
#include <sys/time.h>
#include <sys/prctl.h>

#include "common.h"

/*
 * The kselftest harness limits each test with alarm(2): 30 s unless the
 * test sets its own.  Under a debug kernel (KASAN, lockdep, kmemleak) in
 * TCG the same test runs several times slower, so the runner sets
 * NEOOS_TIMEOUT_SCALE in the guest.
 */
unsigned int t_timeout_scale(void)
{
	static unsigned int scale;

	if (!scale) {
		const char *s = getenv("NEOOS_TIMEOUT_SCALE");

		scale = s && atoi(s) > 0 ? atoi(s) : 1;
	}
	return scale;
}

unsigned int t_scaled_alarm(unsigned int seconds)
{
	unsigned int scale = t_timeout_scale();
	struct itimerval it = { 0 }, old;

	/* alarm(2) as POSIX defines it, on setitimer(): every arch has it */
	it.it_value.tv_sec = (time_t)seconds * scale;
	if (setitimer(ITIMER_REAL, &it, &old))
		return 0;
	/* rounded up, as alarm(2)'s: 0 only when no alarm was set */
	return (old.it_value.tv_sec + (old.it_value.tv_usec > 0) + scale - 1) / scale;
}

int t_run_child(int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid;

	/* What the parent has buffered must not be written twice. */
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		status = fn(arg);
		fflush(NULL);
		_exit(status);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFSIGNALED(status) ? KILLED(WTERMSIG(status)) :
				     WEXITSTATUS(status);
}

int t_touch_read(void *p)
{
	(void)*(volatile char *)p;
	return 0;
}

int t_touch_write(void *p)
{
	*(volatile char *)p = 'w';
	return 0;
}

int t_drop_to_user(void)
{
	if (setgroups(0, NULL) || setresgid(USER_ID, USER_ID, USER_ID) ||
	    setresuid(USER_ID, USER_ID, USER_ID))
		return -1;
	return prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
}

struct user_call {
	int (*fn)(void *);
	void *arg;
};

static int call_as_user(void *p)
{
	const struct user_call *c = p;

	if (t_drop_to_user()) {
		perror("# drop to the unprivileged user");
		return 100;
	}
	return c->fn(c->arg);
}

int t_run_child_as_user(int (*fn)(void *), void *arg)
{
	struct user_call c = { .fn = fn, .arg = arg };

	return t_run_child(call_as_user, &c);
}
