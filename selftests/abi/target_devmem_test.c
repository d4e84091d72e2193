// SPDX-License-Identifier: GPL-2.0
/*
 * A neoos mapping is a mapping of the target made by the core: every
 * decision mmap(2) makes for a file is made for the target file, never for
 * /dev/neoos or the descriptor it was opened with.  Wherever it can, each
 * test maps the same descriptor with mmap(2) too and asserts "the same as
 * mmap(2)".
 *
 * Here, a regular file whose ->mmap makes device memory (a PCI BAR in
 * sysfs): the core maps it and neoos takes it back (-ENODEV).
 *
 * Each test checks that it leaves nothing behind (t_leak_check()): neoos's
 * live mappings and VMAs, the module's reference count and this
 * process's VMAs.
 */
#include <sys/mman.h>

#include "common.h"
#include "kselftest_harness.h"


/* ---- a regular file whose ->mmap makes device memory ---- */

/*
 * A PCI memory BAR through sysfs (resourceN): a regular file, whose
 * ->mmap maps device memory (VM_IO | VM_PFNMAP).  The core makes that
 * mapping for MAP as for mmap(2); neoos cannot adopt it, takes it back and
 * fails with -ENODEV, leaving nothing.
 */
static bool find_mmapable_bar(char *path, size_t len)
{
	FILE *f = popen("ls /sys/bus/pci/devices/*/resource[0-9] 2>/dev/null", "r");
	char line[256];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		struct stat st;
		void *q;
		int fd;

		line[strcspn(line, "\n")] = 0;
		if (stat(line, &st) || st.st_size < PAGE)
			continue;
		fd = open(line, O_RDWR);
		if (fd < 0)
			continue;
		/* I/O port BARs have no mmap; memory BARs do. */
		q = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
		if (q != MAP_FAILED) {
			munmap(q, PAGE);
			snprintf(path, len, "%s", line);
			found = true;
		}
		close(fd);
	}
	pclose(f);
	return found;
}

TEST(device_memory_taken_back)
{
	char path[256];
	int fd, dev;

	T_NEED_ROOT("maps a PCI resource file, which takes CAP_SYS_RAWIO");
	if (!find_mmapable_bar(path, sizeof(path)))
		SKIP(return, "no PCI memory BAR that mmap(2) maps in this machine");
	fd = open(path, O_RDWR);
	ASSERT_LE(0, fd);
	dev = open(NEOOS_DEVICE_PATH, O_RDWR);
	ASSERT_LE(0, dev);
	EXPECT_MAP_REFUSED(dev, fd, PAGE, ENODEV, path);
	close(dev);
	close(fd);
}

TEST_HARNESS_MAIN
