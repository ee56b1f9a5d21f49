// Sieve1M: the same algorithm as sieve1m.bs (32-bit flags like BlueScript booleans).
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define ITERATIONS 10
#define SIZE 1000000

__attribute__((noipa)) int32_t sieve(int32_t *flags, int32_t n) {
    for (int32_t i = 0; i <= n; i++) flags[i] = 1;
    int32_t count = 0;
    for (int32_t i = 2; i <= n; i++) {
        if (flags[i]) {
            count++;
            for (int32_t j = i + i; j <= n; j += i) flags[j] = 0;
        }
    }
    return count;
}

int main(void) {
    int32_t *flags = calloc(SIZE + 1, sizeof(int32_t));
    int ok = 1;
    int32_t result = 0;
    for (int i = 0; i < ITERATIONS; i++) {
        result = sieve(flags, SIZE);
        if (result != 78498) {
            ok = 0;
            break;
        }
    }
    if (ok) printf("Sieve1M: ok\n");
    else printf("Sieve1M: FAILED %d\n", result);
    free(flags);
    return ok ? 0 : 1;
}
