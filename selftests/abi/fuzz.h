/* SPDX-License-Identifier: MIT */
/*
 * neoos-fuzz's parts, top to bottom: neoos-fuzz.c (main) runs the workers
 * and checks the module's counters; abi/fuzz_ioctl.c throws random
 * ioctls at the device, and libneoos/fuzz_ops.c runs random sequences of
 * valid operations through the library, each in the layer it exercises;
 * abi/fuzz_lib.c, which calls nothing above it, holds what they share.
 */
#ifndef NEOOS_FUZZ_H
#define NEOOS_FUZZ_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libneoos.h>

#define PAGE		4096UL
#define NFILES		6
#define MAXMAPS		24
#define KADDR		0xffffffff81000000ULL

struct shared_counts {
	unsigned long calls;
	unsigned long maps;
	unsigned long faults;
	unsigned long forks;
};

struct map {
	char *addr;
	uint64_t length;
	uint64_t id;
};

struct worker {
	int dev;
	int fds[NFILES];
	int memfd;
	struct map maps[MAXMAPS];
	int nmaps;
	char *buf;		/* 2 pages of scratch the kernel may write */
	struct neoos_mapping_info *info;	/* after them */
	char *ro_page;
	char *unmapped;
	pid_t peers[64];
	int npeers;
};

/* Shared with the other workers through a MAP_SHARED page. */
extern struct shared_counts *counts;
/* The scratch directory and the files in it. */
extern char scratch[256];
extern char paths[NFILES][300];

/* Seed this worker's random numbers and survive its faults in touch(). */
void fuzz_worker_init(uint64_t seed);

/* This worker's random numbers: any, and below @n. */
uint64_t rnd(void);
unsigned int below(unsigned int n);

/* Touch @len bytes at @p, reading or writing; a fault is survived. */
void touch(char *p, uint64_t len, bool write);

/* One more call, in the shared counts. */
void count_call(void);

/* A random ioctl command with random, hostile or valid arguments. */
void random_ioctl(struct worker *w);

/* Drop mapping @i from the worker's list. */
void forget(struct worker *w, int i);

/* Unmap one of the worker's mappings. */
void do_unmap(struct worker *w);

/* One random operation (forks recurse, @depth deep). */
void step(struct worker *w, int depth);

#endif
