// The declarations the benchmarks use, for scripts/xtensa-bench (see ../xtensa-rt.c).
#include <stddef.h>
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
