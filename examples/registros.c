// SPDX-License-Identifier: MIT
/*
 * registros - the record reader of NeoOS's sys_mmap page, made a whole
 * program: "registros write FILE N" writes N records with sys_write,
 * "registros read FILE" maps them with sys_mmap and prints the count and
 * the sum of the valid ones (id > 0).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <syscalls.h>

typedef struct {
	int id;
	char nombre[64];
	float valor;
} Registro;

static int escribir(const char *archivo, int n)
{
	int fd = sys_open(archivo, O_RDWR | O_CREAT | O_TRUNC);

	if (fd < 0)
		return 1;
	for (int i = 0; i < n; i++) {
		Registro r = { .id = i % 3 ? i : 0, .valor = (float)i / 2 };

		snprintf(r.nombre, sizeof(r.nombre), "registro %d", i);
		if (sys_write(fd, &r, sizeof(r)) != sizeof(r))
			return 1;
	}
	return sys_close(fd) == E_OK ? 0 : 1;
}

static int leer(const char *archivo)
{
	int fd = sys_open(archivo, O_RDONLY), n, validos = 0;
	char buf[sizeof(Registro)];
	double suma = 0;
	Registro *registros;
	int size = 0;

	if (fd < 0)
		return 1;
	while (sys_read(fd, buf, sizeof(buf)) == (int)sizeof(buf))
		size += sizeof(Registro);
	if (!size) {
		printf("0 registros\n");
		return 0;
	}
	registros = sys_mmap(fd, 0, size);
	if (!registros) {
		fprintf(stderr, "registros: sys_mmap: %s\n",
			sys_strerror(sys_errno()));
		return 1;
	}
	n = size / (int)sizeof(Registro);
	for (int i = 0; i < n; i++) {
		if (registros[i].id > 0) {
			validos++;
			suma += registros[i].valor;
		}
	}
	printf("%d registros, %d validos, suma %.1f\n", n, validos, suma);
	sys_munmap(registros, size);
	sys_close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "write"))
		return escribir(argv[2], atoi(argv[3]));
	if (argc == 3 && !strcmp(argv[1], "read"))
		return leer(argv[2]);
	fprintf(stderr, "usage: registros write FILE N | registros read FILE\n");
	return 2;
}
