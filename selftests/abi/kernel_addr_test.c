// SPDX-License-Identifier: GPL-2.0
/*
 * Nothing that looks like a kernel address comes back to userspace from
 * any ioctl of /dev/neoos: not from VERSION, MAP, INFO, LIST or STATS,
 * and padding comes back zeroed.
 */
#include <sys/mman.h>

#include "common.h"
#include "kselftest_harness.h"
#include "rofile_fixture.h"

#define KERNEL_PTR	0xffff800000000000ULL
#define USER_TOP	0x0000800000000000ULL

static bool kernel_looking(uint64_t v)
{
	return v >= KERNEL_PTR;
}

TEST_F(rofile, no_kernel_addresses_leak)
{
	char path[256];
	struct neoos_version v;
	struct neoos_stats st;
	struct neoos_info in;
	struct neoos_list ls;
	struct neoos_map m;
	uint64_t ids[8], prev = 0;
	int dev = open(NEOOS_DEVICE_PATH, O_RDWR), fd;

	ASSERT_LE(0, dev);
	fd = open(self->path, O_RDWR);
	ASSERT_LE(0, fd);

	memset(&v, 0xa5, sizeof(v));
	ASSERT_EQ(0, ioctl(dev, NEOOS_IOC_VERSION, &v));
	EXPECT_EQ(NEOOS_ABI_MAJOR, v.major);
	EXPECT_EQ(NEOOS_ABI_MINOR, v.minor);
	EXPECT_EQ(0, v.pad[0]);
	EXPECT_EQ(0, v.pad[1]);

	for (int i = 0; i < 3; i++) {
		memset(&m, 0, sizeof(m));
		m.fd = fd;
		m.flags = NEOOS_MAP_SHARED | NEOOS_MAP_PROT_FROM_FD;
		m.offset = i * 100;
		m.length = PAGE;
		ASSERT_EQ(0, ioctl(dev, NEOOS_IOC_MAP, &m));
		EXPECT_EQ(0, m.pad);
		EXPECT_GT(USER_TOP, m.addr);
		/* A small counter, one per map, not an address. */
		EXPECT_GT(1ULL << 32, m.id);
		EXPECT_NE(0, m.id);
		if (prev)
			EXPECT_EQ(prev + 1, m.id);
		prev = m.id;
		ids[i] = m.id;
	}
	/* Anonymous mappings are counted by the same counter. */
	memset(&m, 0, sizeof(m));
	m.fd = -1;
	m.flags = NEOOS_MAP_PRIVATE | NEOOS_MAP_ANONYMOUS;
	m.prot = NEOOS_PROT_READ;
	m.length = PAGE;
	ASSERT_EQ(0, ioctl(dev, NEOOS_IOC_MAP, &m));
	EXPECT_EQ(prev + 1, m.id);
	ids[3] = m.id;

	for (int i = 0; i < 4; i++) {
		memset(&in, 0xa5, sizeof(in));
		in.query = NEOOS_INFO_BY_ID;
		in.pid = i & 1 ? getpid() : 0;
		in.id = ids[i];
		in.path = (uintptr_t)path;
		in.path_size = sizeof(path);
		in.pad = 0;
		ASSERT_EQ(0, ioctl(dev, NEOOS_IOC_INFO, &in));
		EXPECT_EQ(0, in.pad);
		EXPECT_EQ(ids[i], in.id);
		EXPECT_GT(USER_TOP, in.addr);
		EXPECT_FALSE(kernel_looking(in.length));
		EXPECT_FALSE(kernel_looking(in.offset));
		EXPECT_EQ((uintptr_t)path, in.path);
		EXPECT_EQ(sizeof(path), in.path_size);
		EXPECT_GT(sizeof(path), in.path_len);
		EXPECT_EQ(0, in.prot & ~NEOOS_PROT_ALL);
		EXPECT_EQ(0, in.map_flags & ~NEOOS_MAP_FLAGS);
		EXPECT_EQ(getpid(), in.owner_pid);
		EXPECT_EQ(strlen(path), in.path_len);
		/* Same answer by address. */
		in.query = NEOOS_INFO_BY_ADDR;
		in.id = 0xa5a5a5a5a5a5a5a5ULL;
		ASSERT_EQ(0, ioctl(dev, NEOOS_IOC_INFO, &in));
		EXPECT_EQ(ids[i], in.id);
		EXPECT_EQ(0, in.pad);
	}
	memset(ids + 4, 0xa5, 4 * sizeof(ids[0]));
	memset(&ls, 0xa5, sizeof(ls));
	ls.pid = 0;
	ls.count = 8;
	ls.ids = (uintptr_t)ids;
	ASSERT_EQ(0, ioctl(dev, NEOOS_IOC_LIST, &ls));
	EXPECT_LE(4, ls.count);
	for (unsigned int i = 0; i < ls.count && i < 8; i++) {
		EXPECT_FALSE(kernel_looking(ids[i]));
		EXPECT_GT(1ULL << 32, ids[i]);
	}
	EXPECT_EQ((uintptr_t)ids, ls.ids);

	memset(&st, 0xa5, sizeof(st));
	ASSERT_EQ(0, ioctl(dev, NEOOS_IOC_STATS, &st));
	for (int i = 0; i < 4; i++)
		EXPECT_EQ(0, st.pad[i]);
	EXPECT_LE(4, st.live_mappings);
	EXPECT_LE(4, st.live_vmas);
	EXPECT_GT(1ULL << 40, st.live_mappings);
	EXPECT_GT(1ULL << 40, st.live_vmas);
	EXPECT_GT(1ULL << 40, st.maps);
	EXPECT_GT(1ULL << 40, st.unmaps);

	for (int i = 0; i < 4; i++) {
		struct neoos_unmap u = { .id = i < 3 ? prev - 2 + i : prev + 1,
					 .flags = NEOOS_UNMAP_BY_ID };

		EXPECT_EQ(0, ioctl(dev, NEOOS_IOC_UNMAP, &u));
	}
	close(fd);
	close(dev);
}

TEST_HARNESS_MAIN
