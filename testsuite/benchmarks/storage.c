// Storage: the Are We Fast Yet benchmark, the same algorithm as storage.bs: a tree of arrays of
// pointers (leaves hold null pointers), freed at the end of each iteration.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define ITERATIONS 500

typedef struct {
    int32_t length;
    void **items;
} Array;

static int32_t seed;
static int32_t count;

static int32_t nextRandom(void) {
    seed = (seed * 1309 + 13849) & 65535;
    return seed;
}

static Array *newArray(int32_t n) {
    Array *a = malloc(sizeof(Array));
    a->length = n;
    a->items = calloc(n, sizeof(void *));
    return a;
}

static void freeTree(Array *a, int32_t depth) {
    if (depth > 1) {
        for (int32_t i = 0; i < a->length; i++) freeTree(a->items[i], depth - 1);
    }
    free(a->items);
    free(a);
}

static Array *buildTreeDepth(int32_t depth) {
    count += 1;
    if (depth == 1) {
        return newArray(nextRandom() % 10 + 1);
    }
    Array *arr = newArray(4);
    for (int32_t i = 0; i < 4; i += 1) {
        arr->items[i] = buildTreeDepth(depth - 1);
    }
    return arr;
}

__attribute__((noipa)) static int32_t benchmark(void) {
    seed = 74755;
    count = 0;
    Array *tree = buildTreeDepth(7);
    freeTree(tree, 7);
    return count;
}

int main(void) {
    int ok = 1;
    int32_t result = 0;
    for (int i = 0; i < ITERATIONS; i++) {
        result = benchmark();
        if (result != 5461) {
            ok = 0;
            break;
        }
    }
    if (ok) printf("Storage: ok\n");
    else printf("Storage: FAILED %d\n", result);
    return ok ? 0 : 1;
}
