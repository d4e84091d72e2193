/* SPDX-License-Identifier: GPL-2.0 */
/* Declarations the NeoOS pages' function examples assume. */
void procesar_datos(void *data, int size);
void procesar_archivo_mapeado(const char *filename);
void leer_registros(const char *archivo);
