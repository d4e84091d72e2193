// SPDX-License-Identifier: GPL-2.0
/*
 * The example programs of the NeoOS sys_mmap and sys_munmap pages, built
 * unchanged against libneoos's headers (the Makefile extracts them from
 * the pages), run as the pages describe.
 */
#include <limits.h>
#include <sys/stat.h>

#include "common.h"
#include "kselftest_harness.h"

#define DATOS "/home/usuario/datos.bin"
/* The pages' programs map DATOS, a path fixed in their source. */
#define DATOS_WHY "makes /home/usuario, where the page's program maps datos.bin"

/* seeds/ beside this program, where the Makefile builds the pages' programs */
static char *seed_dir;

static bool find_seeds(void)
{
	if (!seed_dir)
		seed_dir = t_beside("seeds");
	return seed_dir;
}

/* Run seeds/@prog @arg, its output (and errors) into @out; its status. */
static int run_seed(const char *prog, const char *arg, char *out, size_t len)
{
	return t_sh_capture(out, len, "%s/%s %s 2>&1", seed_dir, prog,
			  arg ? arg : "");
}

static int make_datos(size_t size)
{
	mkdir("/home", 0755);
	mkdir("/home/usuario", 0755);
	return t_make_pattern_file(DATOS, size);
}

#define REQUIRE_SEEDS()							\
	do {								\
		if (!find_seeds())					\
			SKIP(return, "seed programs not built: the NeoOS pages " \
			     "(../shared/seeds) were missing at build time"); \
	} while (0)

TEST(sys_mmap_page_example_changes_byte_10)
{
	char out[256];
	int status;

	REQUIRE_SEEDS();
	T_NEED_ROOT(DATOS_WHY);
	ASSERT_EQ(0, make_datos(2 * PAGE));
	status = run_seed("sys_mmap_ejemplo", NULL, out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("status %#x: %s", status, out);
	EXPECT_EQ('X', t_file_byte(DATOS, 10));
	EXPECT_EQ(t_pattern_byte(9), t_file_byte(DATOS, 9));
	EXPECT_EQ(t_pattern_byte(11), t_file_byte(DATOS, 11));
	EXPECT_EQ(t_pattern_byte(PAGE), t_file_byte(DATOS, PAGE));
}

TEST(sys_mmap_page_records_example_runs)
{
	char out[256];

	REQUIRE_SEEDS();
	/* 1024 records of { int, char[64], float }. */
	ASSERT_EQ(0, t_make_pattern_file("registros.bin", 1024 * 72));
	EXPECT_EQ(0, run_seed("sys_mmap_registros", "registros.bin", out,
			      sizeof(out))) TH_LOG("%s", out);
	/* Too short a file: sys_mmap says no, the example copes. */
	ASSERT_EQ(0, t_make_pattern_file("registros.bin", 100));
	EXPECT_EQ(0, run_seed("sys_mmap_registros", "registros.bin", out,
			      sizeof(out))) TH_LOG("%s", out);
	unlink("registros.bin");
}

TEST(sys_munmap_page_example_writes_every_byte)
{
	char out[256];
	int status;

	REQUIRE_SEEDS();
	T_NEED_ROOT(DATOS_WHY);
	ASSERT_EQ(0, make_datos(PAGE));
	status = run_seed("sys_munmap_ejemplo", NULL, out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("status %#x", status);
	EXPECT_EQ(NULL, strstr(out, "Error")) TH_LOG("%s", out);
	for (int i = 0; i < PAGE; i += 1) {
		ASSERT_EQ((unsigned char)i, t_file_byte(DATOS, i)) TH_LOG("byte %d", i);
	}
}

TEST(sys_munmap_page_resources_example_sees_the_file)
{
	char out[256], expect[64];
	unsigned long sum = 0;
	const int size = 1024 * 1024;

	REQUIRE_SEEDS();
	ASSERT_EQ(0, t_make_pattern_file("recursos.bin", size));
	for (int i = 0; i < size; i++)
		sum = sum * 31 + t_pattern_byte(i);
	snprintf(expect, sizeof(expect), "procesar_datos %d %lu\n", size, sum);
	EXPECT_EQ(0, run_seed("sys_munmap_recursos", "recursos.bin", out,
			      sizeof(out)));
	EXPECT_STREQ(expect, out);
	unlink("recursos.bin");
}

TEST_HARNESS_MAIN
