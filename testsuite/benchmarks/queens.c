// Queens: the Are We Fast Yet benchmark, the same algorithm as queens.bs (32-bit flags like
// BlueScript booleans, arrays allocated per solve like the BlueScript arrays).
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define ITERATIONS 10000

typedef struct {
    int32_t *freeMaxs;
    int32_t *freeRows;
    int32_t *freeMins;
    int32_t *queenRows;
} Queens;

static int32_t *filled(int32_t n, int32_t value) {
    int32_t *a = malloc(n * sizeof(int32_t));
    for (int32_t i = 0; i < n; i++) a[i] = value;
    return a;
}

static void release(Queens *q) {
    free(q->freeMaxs);
    free(q->freeRows);
    free(q->freeMins);
    free(q->queenRows);
}

static int32_t getRowColumn(Queens *q, int32_t r, int32_t c) {
    return q->freeRows[r] && q->freeMaxs[c + r] && q->freeMins[c - r + 7];
}

static void setRowColumn(Queens *q, int32_t r, int32_t c, int32_t v) {
    q->freeRows[r] = v;
    q->freeMaxs[c + r] = v;
    q->freeMins[c - r + 7] = v;
}

static int32_t placeQueen(Queens *q, int32_t c) {
    for (int32_t r = 0; r < 8; r += 1) {
        if (getRowColumn(q, r, c)) {
            q->queenRows[r] = c;
            setRowColumn(q, r, c, 0);
            if (c == 7) return 1;
            if (placeQueen(q, c + 1)) return 1;
            setRowColumn(q, r, c, 1);
        }
    }
    return 0;
}

static int32_t queens(Queens *q) {
    release(q);
    q->freeRows = filled(8, 1);
    q->freeMaxs = filled(16, 1);
    q->freeMins = filled(16, 1);
    q->queenRows = filled(8, -1);
    return placeQueen(q, 0);
}

__attribute__((noipa)) static int32_t benchmark(Queens *q) {
    int32_t result = 1;
    for (int32_t i = 0; i < 10; i += 1) {
        result = result && queens(q);
    }
    return result;
}

int main(void) {
    Queens bench = {filled(16, 1), filled(8, 1), filled(16, 1), filled(8, -1)};
    int ok = 1;
    int32_t result = 1;
    for (int i = 0; i < ITERATIONS; i++) {
        result = benchmark(&bench);
        if (!result) {
            ok = 0;
            break;
        }
    }
    if (ok) printf("Queens: ok\n");
    else printf("Queens: FAILED %s\n", result ? "true" : "false");
    release(&bench);
    return ok ? 0 : 1;
}
