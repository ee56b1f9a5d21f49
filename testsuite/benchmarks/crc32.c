// CRC32: the same algorithm as crc32.bs (table-driven CRC-32 over a generated 16 KiB buffer).
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define ITERATIONS 2500
#define SIZE 16384
#define POLYNOMIAL 0xEDB88320u
#define CHECK_VALUE 0xCBF43926u
#define EXPECTED 0x368F52DFu

static uint32_t table[256];
static uint8_t data[SIZE];

static void makeTable(void) {
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++) {
            if (c & 1) c = POLYNOMIAL ^ (c >> 1);
            else c = c >> 1;
        }
        table[n] = c;
    }
}

__attribute__((noipa)) static uint32_t crc32(const uint8_t *bytes, int32_t length) {
    uint32_t c = ~0u;
    for (int32_t i = 0; i < length; i++) {
        c = table[(c ^ bytes[i]) & 255] ^ (c >> 8);
    }
    return ~c;
}

static void makeData(void) {
    int32_t seed = 74755;
    for (int32_t i = 0; i < SIZE; i++) {
        seed = (seed * 1309 + 13849) & 65535;
        data[i] = (uint8_t)(seed >> 8);
    }
}

int main(void) {
    makeTable();
    makeData();
    uint32_t result = crc32((const uint8_t *)"123456789", 9);
    int ok = result == CHECK_VALUE;
    for (int i = 0; i < ITERATIONS && ok; i++) {
        result = crc32(data, SIZE);
        if (result != EXPECTED) ok = 0;
    }
    if (ok) printf("CRC32: ok\n");
    else printf("CRC32: FAILED %d\n", (int32_t)result);
    return ok ? 0 : 1;
}
