// SPDX-License-Identifier: MIT
/*
 * neoos-fuzz - a bounded fuzzer for /dev/neoos.
 *
 *   neoos-fuzz [-t SECONDS] [-p PROCS] [-s SEED]
 *
 * Forks PROCS workers (default 4) that for SECONDS (default 20) throw
 * random ioctl commands and arguments at /dev/neoos and run random
 * sequences of valid operations: maps and unmaps through libneoos, faults
 * (caught with sigsetjmp/siglongjmp), fork and exit, mprotect, msync,
 * truncation of mapped files, munmap(2) of ranges of the mappings.  Files
 * live in a scratch directory under the current directory.  At the end
 * the module's live_mappings and live_vmas must be back where they were.
 *
 * Pointers the kernel writes through are only ever the worker's scratch
 * buffers or bad addresses, and munmap(2) only ever names ranges inside
 * the worker's own neoos mappings, so the fuzzer cannot corrupt itself.
 */
#include "fuzz.h"

static int worker(int n, uint64_t seed, double deadline, pid_t *peers,
		  int npeers)
{
	struct worker w = { 0 };
	struct timespec ts;
	char *two;

	fuzz_worker_init(seed * 0x9E3779B97F4A7C15ULL + n + 1);
	w.dev = open(NEOOS_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (w.dev < 0) {
		perror("neoos-fuzz: /dev/neoos");
		return 2;
	}
	for (int i = 0; i < NFILES; i++) {
		w.fds[i] = open(paths[i], O_RDWR);
		if (w.fds[i] < 0) {
			perror(paths[i]);
			return 2;
		}
	}
	w.memfd = memfd_create("neoos-fuzz", MFD_ALLOW_SEALING);
	if (w.memfd < 0 || ftruncate(w.memfd, 8 * PAGE))
		return 2;
	w.buf = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	w.info = (void *)(w.buf + 2 * PAGE);
	w.ro_page = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	two = mmap(NULL, 2 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		   -1, 0);
	if (w.buf == MAP_FAILED || w.ro_page == MAP_FAILED || two == MAP_FAILED)
		return 2;
	munmap(two + PAGE, PAGE);
	w.unmapped = two + PAGE;
	for (int i = 0; i < npeers && i < 64; i++)
		w.peers[w.npeers++] = peers[i];

	for (unsigned long i = 0;; i++) {
		step(&w, 0);
		if ((i & 63) == 0) {
			clock_gettime(CLOCK_MONOTONIC, &ts);
			if (ts.tv_sec + ts.tv_nsec / 1e9 >= deadline)
				break;
		}
	}
	/* Half the time unmap what is left; else exit leaves it. */
	if (below(2))
		while (w.nmaps)
			do_unmap(&w);
	return 0;
}

static int stats(struct neoos_stats *st)
{
	int fd = open(NEOOS_DEVICE_PATH, O_RDWR | O_CLOEXEC), ret;

	if (fd < 0)
		return -1;
	ret = ioctl(fd, NEOOS_IOC_STATS, st);
	close(fd);
	return ret;
}

static int make_file(const char *path, size_t size)
{
	static char page[PAGE];
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		return -1;
	memset(page, 'f', sizeof(page));
	for (size_t done = 0; done < size; done += PAGE)
		if (write(fd, page, PAGE) != PAGE) {
			close(fd);
			return -1;
		}
	close(fd);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: neoos-fuzz [-t SECONDS] [-p PROCS] [-s SEED]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int secs = 20, procs = 4, opt, bad = 0;
	uint64_t seed = (uint64_t)time(NULL);
	struct neoos_stats before, after;
	struct timespec ts;
	double deadline;
	pid_t pids[64];
	long leaked_maps, leaked_vmas;

	while ((opt = getopt(argc, argv, "t:p:s:h")) != -1) {
		switch (opt) {
		case 't': secs = atoi(optarg); break;
		case 'p': procs = atoi(optarg); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		default: usage();
		}
	}
	if (optind != argc || secs < 0 || procs < 1 || procs > 64)
		usage();

	counts = mmap(NULL, sizeof(*counts), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (counts == MAP_FAILED) {
		perror("neoos-fuzz: mmap");
		return 2;
	}
	snprintf(scratch, sizeof(scratch), "neoos-fuzz.%d", getpid());
	if (mkdir(scratch, 0755)) {
		perror(scratch);
		return 2;
	}
	for (int i = 0; i < NFILES; i++) {
		snprintf(paths[i], sizeof(paths[i]), "%s/f%d", scratch, i);
		if (make_file(paths[i], (i + 1) * 2 * PAGE)) {
			perror(paths[i]);
			return 2;
		}
	}
	if (stats(&before)) {
		perror("neoos-fuzz: NEOOS_IOC_STATS");
		return 2;
	}
	printf("neoos-fuzz: seed %llu, %d processes, %d s\n",
	       (unsigned long long)seed, procs, secs);
	fflush(stdout);

	clock_gettime(CLOCK_MONOTONIC, &ts);
	deadline = ts.tv_sec + ts.tv_nsec / 1e9 + secs;
	for (int i = 0; i < procs; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("neoos-fuzz: fork");
			procs = i;
			bad = 1;
			break;
		}
		if (pids[i] == 0)
			_exit(worker(i, seed, deadline, pids, i));
	}
	for (int i = 0; i < procs; i++) {
		int status;

		if (waitpid(pids[i], &status, 0) != pids[i] ||
		    !WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "neoos-fuzz: worker %d (pid %d) %s %d\n",
				i, pids[i],
				WIFSIGNALED(status) ? "killed by signal" : "exited",
				WIFSIGNALED(status) ? WTERMSIG(status) :
						      WEXITSTATUS(status));
			bad = 1;
		}
	}

	/* Deferred frees: give them up to 2 s. */
	for (int tries = 0; tries < 200; tries++) {
		if (stats(&after)) {
			perror("neoos-fuzz: NEOOS_IOC_STATS");
			return 2;
		}
		if (after.live_mappings == before.live_mappings &&
		    after.live_vmas == before.live_vmas)
			break;
		usleep(10000);
	}
	leaked_maps = (long)(after.live_mappings - before.live_mappings);
	leaked_vmas = (long)(after.live_vmas - before.live_vmas);

	for (int i = 0; i < NFILES; i++)
		unlink(paths[i]);
	rmdir(scratch);

	printf("neoos-fuzz: %lu calls, %lu maps, %lu faults, %lu forks, seed %llu\n",
	       counts->calls, counts->maps, counts->faults, counts->forks,
	       (unsigned long long)seed);
	if (leaked_maps || leaked_vmas)
		printf("neoos-fuzz: live_mappings %llu -> %llu, live_vmas %llu -> %llu\n",
		       (unsigned long long)before.live_mappings,
		       (unsigned long long)after.live_mappings,
		       (unsigned long long)before.live_vmas,
		       (unsigned long long)after.live_vmas);
	printf("neoos-fuzz: %lu calls, %lu maps, %ld leaked\n", counts->calls,
	       counts->maps, leaked_maps + leaked_vmas);
	return (leaked_maps || leaked_vmas || bad) ? 1 : 0;
}
