// SPDX-License-Identifier: GPL-2.0
/*
 * main() for the NeoOS pages' examples that are functions, not programs:
 * leer_registros(archivo) from sys_mmap's page and
 * procesar_archivo_mapeado(filename) from sys_munmap's page.  The latter
 * calls procesar_datos(), which the page leaves to the reader: here it
 * prints what it was given so the test can check it.
 */
#include <stdio.h>

#include "seeds_driver.h"

#ifdef SEED_PROCESAR
void procesar_datos(void *data, int size)
{
	const unsigned char *p = data;
	unsigned long sum = 0;

	for (int i = 0; i < size; i++)
		sum = sum * 31 + p[i];
	printf("procesar_datos %d %lu\n", size, sum);
}
#endif

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
#ifdef SEED_PROCESAR
	procesar_archivo_mapeado(argv[1]);
#else
	leer_registros(argv[1]);
#endif
	return 0;
}
