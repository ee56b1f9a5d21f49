// Mandelbrot: the Are We Fast Yet benchmark, the same algorithm as mandelbrot.bs in 32-bit
// floats. Compile with -DREAL=double for the original's double-precision checksum (191 for 500).
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifndef REAL
#define REAL float
#ifndef EXPECTED
#define EXPECTED 18
#endif
#else
#define EXPECTED 191
#endif

#define ITERATIONS 50
#define SIZE 500

__attribute__((noipa)) static int32_t mandelbrot(int32_t size) {
    int32_t sum = 0;
    int32_t byteAcc = 0;
    int32_t bitNum = 0;
    int32_t y = 0;
    while (y < size) {
        const REAL ci = ((((REAL)2.0 * y) / size) - (REAL)1.0);
        int32_t x = 0;
        while (x < size) {
            REAL zrzr = 0.0;
            REAL zi = 0.0;
            REAL zizi = 0.0;
            const REAL cr = ((((REAL)2.0 * x) / size) - (REAL)1.5);
            int32_t z = 0;
            int notDone = 1;
            int32_t escape = 0;
            while (notDone && z < 50) {
                const REAL zr = ((zrzr - zizi) + cr);
                zi = ((((REAL)2.0 * zr) * zi) + ci);
                zrzr = (zr * zr);
                zizi = zi * zi;
                if (zrzr + zizi > (REAL)4.0) {
                    notDone = 0;
                    escape = 1;
                }
                z += 1;
            }
            byteAcc = (byteAcc << 1) + escape;
            bitNum += 1;
            if (bitNum == 8) {
                sum ^= byteAcc;
                byteAcc = 0;
                bitNum = 0;
            } else if (x == size - 1) {
                byteAcc <<= 8 - bitNum;
                sum ^= byteAcc;
                byteAcc = 0;
                bitNum = 0;
            }
            x += 1;
        }
        y += 1;
    }
    return sum;
}

int main(void) {
    int ok = 1;
    int32_t result = 0;
    for (int i = 0; i < ITERATIONS; i++) {
        result = mandelbrot(SIZE);
        if (result != EXPECTED) {
            ok = 0;
            break;
        }
    }
    if (ok) printf("Mandelbrot: ok\n");
    else printf("Mandelbrot: FAILED %d\n", result);
    return ok ? 0 : 1;
}
