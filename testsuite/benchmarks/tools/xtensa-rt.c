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

int memcmp(const void *a, const void *b, size_t n) {
    const unsigned char *p = a, *q = b;
    for (; n; n--, p++, q++) {
        if (*p != *q) return *p - *q;
    }
    return 0;
}

// The lx106 has no division instructions and libgcc divides in software; the ESP32 has the
// DIV32 option. gcc's division helpers are one instruction each here (a2 = a2 op a3, call0),
// written as bytes since the lx106 assembler does not know them: the C versions pay only the
// call and return around the ESP32's division.
__asm__(".text\n.align 4\n"
        ".global __divsi3\n.type __divsi3, @function\n__divsi3:\n.byte 0x30, 0x22, 0xd2\nret.n\n"
        ".align 4\n.global __udivsi3\n.type __udivsi3, @function\n__udivsi3:\n.byte 0x30, 0x22, 0xc2\nret.n\n"
        ".align 4\n.global __modsi3\n.type __modsi3, @function\n__modsi3:\n.byte 0x30, 0x22, 0xf2\nret.n\n"
        ".align 4\n.global __umodsi3\n.type __umodsi3, @function\n__umodsi3:\n.byte 0x30, 0x22, 0xe2\nret.n\n");
