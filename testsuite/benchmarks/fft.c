// FFT: the same algorithm as fft.bs (a 256-point radix-2 Q15 FFT of a generated signal).
#include <stdint.h>
#include <stdio.h>

#define ITERATIONS 35000
#define N 256
#define EXPECTED -96046253

static const int32_t QUARTER_SINE[N / 4 + 1] = {
    0, 804, 1608, 2410, 3212, 4011, 4808, 5602, 6393, 7179, 7962, 8739, 9512, 10278, 11039,
    11793, 12539, 13279, 14010, 14732, 15446, 16151, 16846, 17530, 18204, 18868, 19519, 20159,
    20787, 21403, 22005, 22594, 23170, 23731, 24279, 24811, 25329, 25832, 26319, 26790, 27245,
    27683, 28105, 28510, 28898, 29268, 29621, 29956, 30273, 30571, 30852, 31113, 31356, 31580,
    31785, 31971, 32137, 32285, 32412, 32521, 32609, 32678, 32728, 32757, 32767,
};

static int32_t sine(int32_t k) {
    int32_t i = k & (N - 1);
    int32_t quarter = N / 4;
    if (i <= quarter) return QUARTER_SINE[i];
    if (i <= 2 * quarter) return QUARTER_SINE[2 * quarter - i];
    if (i <= 3 * quarter) return -QUARTER_SINE[i - 2 * quarter];
    return -QUARTER_SINE[N - i];
}

static int32_t cosine(int32_t k) { return sine(k + N / 4); }

static int32_t cosTable[N / 2], sinTable[N / 2];
static int32_t signalRe[N], signalIm[N], re[N], im[N];

static void makeSignal(void) {
    int32_t seed = 74755;
    for (int32_t n = 0; n < N; n++) {
        seed = (seed * 1309 + 13849) & 65535;
        signalRe[n] = (sine(n * 5) >> 2) + (sine(n * 17) >> 3) + ((seed >> 8) - 128);
        signalIm[n] = 0;
    }
}

__attribute__((noipa)) static void fft(int32_t *re, int32_t *im, const int32_t *cos,
                                       const int32_t *sin) {
    int32_t j = 0;
    for (int32_t i = 0; i < N - 1; i++) {
        if (i < j) {
            int32_t tr = re[i];
            re[i] = re[j];
            re[j] = tr;
            int32_t ti = im[i];
            im[i] = im[j];
            im[j] = ti;
        }
        int32_t m = N >> 1;
        while (m >= 1 && j >= m) {
            j -= m;
            m >>= 1;
        }
        j += m;
    }
    for (int32_t size = 2; size <= N; size <<= 1) {
        int32_t half = size >> 1;
        int32_t step = N / size;
        for (int32_t start = 0; start < N; start += size) {
            for (int32_t k = 0; k < half; k++) {
                int32_t c = cos[k * step];
                int32_t s = sin[k * step];
                int32_t a = start + k;
                int32_t b = a + half;
                int32_t tr = ((c * re[b]) >> 15) + ((s * im[b]) >> 15);
                int32_t ti = ((c * im[b]) >> 15) - ((s * re[b]) >> 15);
                re[b] = (re[a] - tr) >> 1;
                im[b] = (im[a] - ti) >> 1;
                re[a] = (re[a] + tr) >> 1;
                im[a] = (im[a] + ti) >> 1;
            }
        }
    }
}

static int32_t checksum(void) {
    uint32_t check = 0;
    for (int32_t k = 0; k < N; k++) {
        check = check * 31 + (uint32_t)re[k];
        check = check * 31 + (uint32_t)im[k];
    }
    return (int32_t)check;
}

static int32_t strongestBin(int32_t except) {
    int32_t best = -1;
    int32_t bestMagnitude = -1;
    for (int32_t k = 1; k < N / 2; k++) {
        int32_t magnitude = re[k] * re[k] + im[k] * im[k];
        if (k != except && magnitude > bestMagnitude) {
            best = k;
            bestMagnitude = magnitude;
        }
    }
    return best;
}

int main(void) {
    for (int32_t k = 0; k < N / 2; k++) {
        cosTable[k] = cosine(k);
        sinTable[k] = sine(k);
    }
    makeSignal();
    int ok = 1;
    int32_t result = 0;
    for (int i = 0; i < ITERATIONS; i++) {
        for (int32_t n = 0; n < N; n++) {
            re[n] = signalRe[n];
            im[n] = signalIm[n];
        }
        fft(re, im, cosTable, sinTable);
        result = checksum();
        int32_t first = strongestBin(-1);
        int32_t second = strongestBin(first);
        if (result != EXPECTED || first != 5 || second != 17) {
            ok = 0;
            break;
        }
    }
    if (ok) printf("FFT: ok\n");
    else printf("FFT: FAILED %d\n", result);
    return ok ? 0 : 1;
}
