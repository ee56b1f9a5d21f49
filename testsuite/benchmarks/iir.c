// IIR: the same algorithm as iir.bs (a 4th-order Butterworth low-pass as two biquads, transposed
// direct form II, in 32-bit floats). Compile with -DREAL=double for the f64 energy.
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#ifndef REAL
#define REAL float
#endif

#define ITERATIONS 5000
#define SIZE 4096
#define SECTIONS 2
#define EXPECTED 21.738064f
#define TOLERANCE 1e-3f

// b0, b1, b2, a1, a2 of each section.
static const REAL COEFFS[5 * SECTIONS] = {
    0.0190368621f, 0.0380737241f, 0.0190368621f, -1.47967658f, 0.555824033f,
    0.0218839176f, 0.0437678351f, 0.0218839176f, -1.70096943f, 0.788505101f,
};

static REAL input[SIZE];
static REAL output[SIZE];
static REAL state[2 * SECTIONS];

static void makeInput(void) {
    int32_t seed = 74755;
    for (int32_t n = 0; n < SIZE; n++) {
        seed = (seed * 1309 + 13849) & 65535;
        int32_t sample = (((n * 7) & 63) - 32) * 32 + ((seed >> 8) - 128);
        input[n] = sample / (REAL)1024.0;
    }
}

__attribute__((noipa)) static void iir(const REAL *c, REAL *s, int32_t sections, const REAL *x,
                                       REAL *y, int32_t size) {
    for (int32_t i = 0; i < 2 * sections; i++) s[i] = 0.0f;
    for (int32_t n = 0; n < size; n++) {
        REAL v = x[n];
        for (int32_t k = 0; k < sections; k++) {
            const REAL *b = c + 5 * k;
            REAL *z = s + 2 * k;
            REAL out = b[0] * v + z[0];
            z[0] = b[1] * v - b[3] * out + z[1];
            z[1] = b[2] * v - b[4] * out;
            v = out;
        }
        y[n] = v;
    }
}

__attribute__((noipa)) static REAL energy(const REAL *y, int32_t size) {
    REAL e = 0.0f;
    for (int32_t n = 0; n < size; n++) e += y[n] * y[n];
    return e;
}

int main(void) {
    makeInput();
    int ok = 1;
    REAL result = 0.0f;
    for (int i = 0; i < ITERATIONS; i++) {
        iir(COEFFS, state, SECTIONS, input, output, SIZE);
        result = energy(output, SIZE);
        if (!(fabs(result - EXPECTED) <= EXPECTED * TOLERANCE)) {
            ok = 0;
            break;
        }
    }
    if (ok) printf("IIR: ok\n");
    else printf("IIR: FAILED %.9g\n", (double)result);
    return ok ? 0 : 1;
}
