// Recursive Fibonacci, the same algorithm as fib.bs.
#include <stdio.h>
#include <time.h>

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

__attribute__((noinline)) int fib(int n) {
    if (n < 2) return n;
    return fib(n - 1) + fib(n - 2);
}

int main(void) {
    volatile int n = 30;
    double best = 1e9;
    int result = 0;
    for (int round = 0; round < 5; round++) {
        double t0 = now_ms();
        result = fib(n);
        double t = now_ms() - t0;
        if (t < best) best = t;
    }
    printf("result %d\nms %f\n", result, best);
    return result == 832040 ? 0 : 1;
}
