// Permute: the Are We Fast Yet benchmark, the same algorithm as permute.bs.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define ITERATIONS 6000

typedef struct {
    int32_t count;
    int32_t *v;
} Permute;

static void swap(Permute *self, int32_t i, int32_t j) {
    int32_t tmp = self->v[i];
    self->v[i] = self->v[j];
    self->v[j] = tmp;
}

static void permute(Permute *self, int32_t n) {
    self->count += 1;
    if (n != 0) {
        int32_t n1 = n - 1;
        permute(self, n1);
        for (int32_t i = n1; i >= 0; i -= 1) {
            swap(self, n1, i);
            permute(self, n1);
            swap(self, n1, i);
        }
    }
}

__attribute__((noipa)) static int32_t benchmark(Permute *self) {
    self->count = 0;
    free(self->v);
    self->v = calloc(6, sizeof(int32_t));
    permute(self, 6);
    return self->count;
}

int main(void) {
    Permute bench = {0, calloc(6, sizeof(int32_t))};
    int ok = 1;
    int32_t result = 0;
    for (int i = 0; i < ITERATIONS; i++) {
        result = benchmark(&bench);
        if (result != 8660) {
            ok = 0;
            break;
        }
    }
    if (ok) printf("Permute: ok\n");
    else printf("Permute: FAILED %d\n", result);
    free(bench.v);
    return ok ? 0 : 1;
}
