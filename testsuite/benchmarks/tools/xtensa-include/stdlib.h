// The declarations the benchmarks use, for scripts/xtensa-bench (see ../xtensa-rt.c).
#include <stddef.h>
void *malloc(size_t n);
void *calloc(size_t count, size_t size);
void free(void *p);
void exit(int status);
