// SPDX-License-Identifier: GPL-2.0
/*
 * Mounts and loop devices.
 * Part of the selftests' helpers (common.h); nothing here needs libneoos.
 */

#include "common.h"

int t_tmpfs_at(const char *dir, unsigned long flags)
{
	mkdir(dir, 0755);
	return mount("neoos-target", dir, "tmpfs", flags, "size=16m,mode=0755") ?
	       -errno : 0;
}

int t_unmount(const char *dir)
{
	int err = umount(dir) ? errno : 0;

	if (err)
		umount2(dir, MNT_DETACH);
	return err;
}

int t_unmount_busy_said(const char *dir)
{
	int err = t_unmount(dir);

	if (err)
		fprintf(stderr, "# umount %s: %s (a file reference left behind?)\n",
			dir, strerror(err));
	return err;
}

int t_loop_image(const char *img, int mb, char *loop, size_t len)
{
	char cmd[160];
	FILE *f;

	if (t_sh("truncate -s %dM %s", mb, img))
		return -1;
	snprintf(cmd, sizeof(cmd), "losetup -f --show %s", img);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	if (!fgets(loop, len, f))
		loop[0] = 0;
	pclose(f);
	loop[strcspn(loop, "\n")] = 0;
	return loop[0] ? 0 : -1;
}
