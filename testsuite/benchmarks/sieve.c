// Sieve of Eratosthenes, the same algorithm as sieve.bs (32-bit flags like BlueScript booleans).
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

__attribute__((noinline)) int sieve(int *flags, int n) {
    for (int i = 0; i <= n; i++) flags[i] = 1;
    int count = 0;
    for (int i = 2; i <= n; i++) {
        if (flags[i]) {
            count++;
            for (int j = i + i; j <= n; j += i) flags[j] = 0;
        }
    }
    return count;
}

int main(void) {
    volatile int size = 1000000;
    int *flags = calloc(size + 1, sizeof(int));
    double best = 1e9;
    int result = 0;
    for (int round = 0; round < 5; round++) {
        double t0 = now_ms();
        result = sieve(flags, size);
        double t = now_ms() - t0;
        if (t < best) best = t;
    }
    printf("result %d\nms %f\n", result, best);
    return result == 78498 ? 0 : 1;
}
