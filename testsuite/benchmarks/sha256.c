// SHA256: the same algorithm as sha256.bs (SHA-256 of a 4096-byte generated message).
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define ITERATIONS 4500
#define SIZE 4096

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2,
};
static const uint32_t INITIAL[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};
static const uint32_t EXPECTED[8] = {
    0x00c4bd7f, 0x66ceb85f, 0x4cc5501c, 0x4c468516, 0xf52305f8, 0x030c1c51, 0x32a70eb1, 0xcdfef5c1,
};
static const uint32_t EXPECTED_ABC[8] = {
    0xba7816bf, 0x8f01cfea, 0x414140de, 0x5dae2223, 0xb00361a3, 0x96177a9c, 0xb410ff61, 0xf20015ad,
};

static uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static void compress(uint32_t *h, uint32_t *w, const uint8_t *block) {
    for (int t = 0; t < 16; t++) {
        const uint8_t *o = block + 4 * t;
        w[t] = ((uint32_t)o[0] << 24) | ((uint32_t)o[1] << 16) | ((uint32_t)o[2] << 8) | o[3];
    }
    for (int t = 16; t < 64; t++) {
        uint32_t w15 = w[t - 15];
        uint32_t w2 = w[t - 2];
        uint32_t s0 = rotr(w15, 7) ^ rotr(w15, 18) ^ (w15 >> 3);
        uint32_t s1 = rotr(w2, 17) ^ rotr(w2, 19) ^ (w2 >> 10);
        w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int t = 0; t < 64; t++) {
        uint32_t s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
        uint32_t ch = (e & f) ^ (~e & g);
        uint32_t temp1 = hh + s1 + ch + K[t] + w[t];
        uint32_t s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
        uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
        uint32_t temp2 = s0 + maj;
        hh = g;
        g = f;
        f = e;
        e = d + temp1;
        d = c;
        c = b;
        b = a;
        a = temp1 + temp2;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
}

__attribute__((noipa)) static void sha256(const uint8_t *message, int32_t length, uint32_t *h) {
    uint32_t w[64];
    uint8_t tail[128];
    for (int i = 0; i < 8; i++) h[i] = INITIAL[i];
    int32_t offset = 0;
    while (offset + 64 <= length) {
        compress(h, w, message + offset);
        offset += 64;
    }
    int32_t rest = length - offset;
    int32_t tailLength = rest + 9 <= 64 ? 64 : 128;
    memset(tail, 0, sizeof tail);
    memcpy(tail, message + offset, rest);
    tail[rest] = 0x80;
    uint32_t bits = (uint32_t)length * 8;
    tail[tailLength - 4] = (bits >> 24) & 255;
    tail[tailLength - 3] = (bits >> 16) & 255;
    tail[tailLength - 2] = (bits >> 8) & 255;
    tail[tailLength - 1] = bits & 255;
    compress(h, w, tail);
    if (tailLength == 128) compress(h, w, tail + 64);
}

int main(void) {
    static uint8_t message[SIZE];
    int32_t seed = 74755;
    for (int32_t i = 0; i < SIZE; i++) {
        seed = (seed * 1309 + 13849) & 65535;
        message[i] = (uint8_t)(seed >> 8);
    }
    uint32_t h[8];
    sha256((const uint8_t *)"abc", 3, h);
    int ok = memcmp(h, EXPECTED_ABC, sizeof h) == 0;
    for (int i = 0; i < ITERATIONS && ok; i++) {
        sha256(message, SIZE, h);
        if (memcmp(h, EXPECTED, sizeof h) != 0) ok = 0;
    }
    if (ok) printf("SHA256: ok\n");
    else printf("SHA256: FAILED %d\n", (int32_t)h[0]);
    return ok ? 0 : 1;
}
