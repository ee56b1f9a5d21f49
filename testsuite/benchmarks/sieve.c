// Sieve: the Are We Fast Yet benchmark, the same algorithm as sieve.bs (32-bit flags like
// BlueScript booleans, allocated per iteration like the BlueScript array).
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define ITERATIONS 15000

static int32_t sieve(int32_t *flags, int32_t size) {
    int32_t primeCount = 0;
    for (int32_t i = 2; i <= size; i += 1) {
        if (flags[i - 1]) {
            primeCount += 1;
            int32_t k = i + i;
            while (k <= size) {
                flags[k - 1] = 0;
                k += i;
            }
        }
    }
    return primeCount;
}

__attribute__((noipa)) static int32_t benchmark(void) {
    int32_t *flags = malloc(5000 * sizeof(int32_t));
    for (int32_t i = 0; i < 5000; i++) flags[i] = 1;
    int32_t result = sieve(flags, 5000);
    free(flags);
    return result;
}

int main(void) {
    int ok = 1;
    int32_t result = 0;
    for (int i = 0; i < ITERATIONS; i++) {
        result = benchmark();
        if (result != 669) {
            ok = 0;
            break;
        }
    }
    if (ok) printf("Sieve: ok\n");
    else printf("Sieve: FAILED %d\n", result);
    return ok ? 0 : 1;
}
