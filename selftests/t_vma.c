// SPDX-License-Identifier: GPL-2.0
/*
 * The process's VMAs as /proc/self shows them, and userfaultfd on them.
 * Part of the selftests' helpers (common.h); nothing here needs libneoos.
 */
#include <linux/userfaultfd.h>

#include "common.h"

int t_vma_at(const void *addr, struct vma *v)
{
	unsigned long a = (unsigned long)addr;
	char line[512];
	int ret = -1;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return -1;
	while (ret && fgets(line, sizeof(line), f)) {
		memset(v, 0, sizeof(*v));
		if (sscanf(line, "%lx-%lx %7s %llx %*x:%*x %lu %255[^\n]",
			   &v->start, &v->end, v->perms, &v->offset,
			   &v->inode, v->path) >= 5 &&
		    v->start <= a && a < v->end)
			ret = 0;
	}
	fclose(f);
	return ret;
}

int t_smaps_field(const void *addr, const char *field, char *buf, size_t len)
{
	unsigned long a = (unsigned long)addr, start, end;
	size_t flen = strlen(field);
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[1024];
	bool in = false;
	int ret = -1;

	if (!f)
		return -1;
	while (ret && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			in = start <= a && a < end;
		} else if (in && !strncmp(line, field, flen)) {
			snprintf(buf, len, "%s", line + flen);
			buf[strcspn(buf, "\n")] = '\0';
			ret = 0;
		}
	}
	fclose(f);
	return ret;
}

int t_vma_has_flag(const void *addr, const char *flag)
{
	char flags[256], *tok, *save;

	if (t_smaps_field(addr, "VmFlags:", flags, sizeof(flags)))
		return -1;
	for (tok = strtok_r(flags, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save))
		if (!strcmp(tok, flag))
			return 1;
	return 0;
}

long t_vma_kb(const void *addr, const char *field)
{
	char val[64];

	return t_smaps_field(addr, field, val, sizeof(val)) ? -1 :
	       strtol(val, NULL, 10);
}

/* include/uapi/linux/kernel-page-flags.h */
#define KPF_COMPOUND_TAIL	16
#define KPF_MLOCKED		33
#define PM_PRESENT	(1ULL << 63)
#define PM_PFN		((1ULL << 55) - 1)

long t_mlocked_pages(const void *p, size_t len)
{
	int pm = open("/proc/self/pagemap", O_RDONLY);
	int kpf = open("/proc/kpageflags", O_RDONLY);
	uintptr_t a = (uintptr_t)p;
	uint64_t e, flags;
	bool locked = false;
	long n = 0;

	for (size_t off = 0; n >= 0 && off < len; off += PAGE) {
		if (pm < 0 || kpf < 0 ||
		    pread(pm, &e, 8, (a + off) / PAGE * 8) != 8) {
			n = -1;
		} else if (e & PM_PRESENT) {
			if (pread(kpf, &flags, 8, (e & PM_PFN) * 8) != 8)
				n = -1;
			/*
			 * A large folio's tail pages show no flags of their
			 * own on 6.1 (6.12 shows the folio's): they are its
			 * head's, met just before them.
			 */
			else if (!(flags & (1ULL << KPF_COMPOUND_TAIL)))
				locked = flags & (1ULL << KPF_MLOCKED);
			if (n >= 0)
				n += locked;
		}
	}
	if (pm >= 0)
		close(pm);
	if (kpf >= 0)
		close(kpf);
	return n;
}

int t_vma_count(void)
{
	char buf[4096];
	int fd = open("/proc/self/maps", O_RDONLY), n = 0;
	ssize_t r;

	if (fd < 0)
		return -1;
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < r; i++)
			n += buf[i] == '\n';
	close(fd);
	return n;
}

int t_vmas_in(const void *p, size_t len)
{
	unsigned long start, end, lo = (unsigned long)p, hi = lo + len;
	char line[512];
	int n = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &start, &end) == 2 &&
		    start < hi && end > lo)
			n++;
	fclose(f);
	return n;
}

int t_uffd_open(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	int fd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return -errno;
	if (ioctl(fd, UFFDIO_API, &api)) {
		close(fd);
		return -errno;
	}
	return fd;
}

int t_uffd_register(int uffd, void *p, size_t len)
{
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)p, .len = len },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};

	return ioctl(uffd, UFFDIO_REGISTER, &reg) ? -errno : 0;
}
