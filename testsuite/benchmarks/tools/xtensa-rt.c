// The little of the C library the benchmarks' C versions use, for running them bare in the
// Xtensa simulator (scripts/xtensa-bench): a bump allocator after the program's data, memset
// and memcpy, and output functions that print nothing.
#include <stddef.h>

extern char _end[];
static char *next_free = _end;

void *malloc(size_t n) {
    char *p = (char *)(((size_t)next_free + 7) & ~(size_t)7);
    next_free = p + n;
    return p;
}

void *memset(void *d, int c, size_t n) {
    unsigned char *p = d;
    while (n--) *p++ = (unsigned char)c;
    return d;
}

void *calloc(size_t count, size_t size) { return memset(malloc(count * size), 0, count * size); }

void free(void *p) { (void)p; }

void *memcpy(void *d, const void *s, size_t n) {
    unsigned char *p = d;
    const unsigned char *q = s;
    while (n--) *p++ = *q++;
    return d;
}

int printf(const char *format, ...) { (void)format; return 0; }
int puts(const char *s) { (void)s; return 0; }
int putchar(int c) { return c; }

// A failed self-check: stop at an illegal instruction, which the simulator reports.
void exit(int status) {
    (void)status;
    __builtin_trap();
}
