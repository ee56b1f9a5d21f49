// Fib: recursive Fibonacci, the same algorithm as fib.bs.
#include <stdint.h>
#include <stdio.h>

#define ITERATIONS 150

__attribute__((noipa)) int32_t fib(int32_t n) {
    if (n < 2) return n;
    return fib(n - 1) + fib(n - 2);
}

int main(void) {
    volatile int32_t n = 27;
    int ok = 1;
    int32_t result = 0;
    for (int i = 0; i < ITERATIONS; i++) {
        result = fib(n);
        if (result != 196418) {
            ok = 0;
            break;
        }
    }
    if (ok) printf("Fib: ok\n");
    else printf("Fib: FAILED %d\n", result);
    return ok ? 0 : 1;
}
