// FIR: the same algorithm as fir.bs (a 32-tap Q15 low-pass FIR over 4096 generated samples).
#include <stdint.h>
#include <stdio.h>

#define ITERATIONS 2500
#define SIZE 4096
#define TAPS 32
#define EXPECTED -185408003

static const int32_t COEFFS[TAPS] = {
    -17, 20, 73, 135, 164, 91, -129, -466, -783, -850, -435, 588, 2141, 3927, 5501, 6424,
    6424, 5501, 3927, 2141, 588, -435, -850, -783, -466, -129, 91, 164, 135, 73, 20, -17,
};

static int32_t input[SIZE];
static int32_t output[SIZE];

static void makeInput(void) {
    int32_t seed = 74755;
    for (int32_t n = 0; n < SIZE; n++) {
        seed = (seed * 1309 + 13849) & 65535;
        input[n] = (((n * 7) & 63) - 32) * 32 + ((seed >> 8) - 128);
    }
}

__attribute__((noipa)) static void fir(const int32_t *h, int32_t taps, const int32_t *x,
                                       int32_t *y, int32_t size) {
    for (int32_t n = taps - 1; n < size; n++) {
        int32_t acc = 0;
        for (int32_t k = 0; k < taps; k++) {
            acc += h[k] * x[n - k];
        }
        y[n] = acc >> 15;
    }
}

__attribute__((noipa)) static int32_t checksum(const int32_t *y, int32_t from, int32_t size) {
    uint32_t check = 0;
    for (int32_t n = from; n < size; n++) {
        check = check * 31 + (uint32_t)y[n];
    }
    return (int32_t)check;
}

int main(void) {
    makeInput();
    int ok = 1;
    int32_t result = 0;
    for (int i = 0; i < ITERATIONS; i++) {
        fir(COEFFS, TAPS, input, output, SIZE);
        result = checksum(output, TAPS - 1, SIZE);
        if (result != EXPECTED) {
            ok = 0;
            break;
        }
    }
    if (ok) printf("FIR: ok\n");
    else printf("FIR: FAILED %d\n", result);
    return ok ? 0 : 1;
}
