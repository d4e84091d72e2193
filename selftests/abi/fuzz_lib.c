// SPDX-License-Identifier: MIT
/*
 * The bottom of neoos-fuzz: the state its workers share (the counts, the
 * scratch files), each worker's random numbers, and touching memory that
 * may fault.  Everything else calls into here; nothing here calls out.
 */
#include "fuzz.h"

struct shared_counts *counts;
char scratch[256];
char paths[NFILES][300];
static uint64_t rng;

static sigjmp_buf fault_env;
static volatile sig_atomic_t fault_armed;

uint64_t rnd(void)
{
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

unsigned int below(unsigned int n)
{
	return n ? (unsigned int)(rnd() % n) : 0;
}

static void on_fault(int sig)
{
	if (fault_armed) {
		fault_armed = 0;
		siglongjmp(fault_env, sig);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Touch @len bytes at @p, reading or writing; a fault is survived. */
void touch(char *p, uint64_t len, bool write)
{
	volatile char *v = p;

	if (!len)
		return;
	if (sigsetjmp(fault_env, 1)) {
		__atomic_add_fetch(&counts->faults, 1, __ATOMIC_RELAXED);
		return;
	}
	fault_armed = 1;
	for (uint64_t off = below(PAGE); off < len; off += PAGE * (1 + below(3))) {
		if (write)
			v[off] = (char)off;
		else
			(void)v[off];
	}
	fault_armed = 0;
}

void count_call(void)
{
	__atomic_add_fetch(&counts->calls, 1, __ATOMIC_RELAXED);
}

void fuzz_worker_init(uint64_t seed)
{
	struct sigaction sa = { .sa_handler = on_fault };

	rng = seed;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
}
