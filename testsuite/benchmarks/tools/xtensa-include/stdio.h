// The declarations the benchmarks use, for scripts/xtensa-bench (see ../xtensa-rt.c).
#include <stddef.h>
int printf(const char *format, ...);
int puts(const char *s);
int putchar(int c);
