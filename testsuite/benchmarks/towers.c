// Towers: the Are We Fast Yet benchmark, the same algorithm as towers.bs (the disks are freed at
// the end of each iteration).
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define ITERATIONS 2000

typedef struct TowersDisk {
    int32_t size;
    struct TowersDisk *next;
} TowersDisk;

typedef struct {
    TowersDisk **piles;
    int32_t movesDone;
} Towers;

static const char *failure = NULL;

static void fail(const char *message) {
    if (!failure) failure = message;
}

static void pushDisk(Towers *t, TowersDisk *disk, int32_t pile) {
    TowersDisk *top = t->piles[pile];
    if (top && disk->size >= top->size) fail("Cannot put a big disk on a smaller one");
    disk->next = top;
    t->piles[pile] = disk;
}

static TowersDisk *popDiskFrom(Towers *t, int32_t pile) {
    TowersDisk *top = t->piles[pile];
    if (!top) {
        fail("Attempting to remove a disk from an empty pile");
        printf("Towers: FAILED %s\n", failure);
        exit(1);
    }
    t->piles[pile] = top->next;
    top->next = NULL;
    return top;
}

static void moveTopDisk(Towers *t, int32_t fromPile, int32_t toPile) {
    pushDisk(t, popDiskFrom(t, fromPile), toPile);
    t->movesDone += 1;
}

static void buildTowerAt(Towers *t, int32_t pile, int32_t disks) {
    for (int32_t i = disks; i >= 0; i -= 1) {
        TowersDisk *d = malloc(sizeof(TowersDisk));
        d->size = i;
        d->next = NULL;
        pushDisk(t, d, pile);
    }
}

static void moveDisks(Towers *t, int32_t disks, int32_t fromPile, int32_t toPile) {
    if (disks == 1) {
        moveTopDisk(t, fromPile, toPile);
    } else {
        int32_t otherPile = 3 - fromPile - toPile;
        moveDisks(t, disks - 1, fromPile, otherPile);
        moveTopDisk(t, fromPile, toPile);
        moveDisks(t, disks - 1, otherPile, toPile);
    }
}

static void freePiles(Towers *t) {
    for (int p = 0; p < 3; p++) {
        TowersDisk *d = t->piles[p];
        while (d) {
            TowersDisk *next = d->next;
            free(d);
            d = next;
        }
    }
    free(t->piles);
}

__attribute__((noipa)) static int32_t benchmark(Towers *t) {
    freePiles(t);
    t->piles = calloc(3, sizeof(TowersDisk *));
    buildTowerAt(t, 0, 13);
    t->movesDone = 0;
    moveDisks(t, 13, 0, 1);
    return t->movesDone;
}

int main(void) {
    Towers bench = {calloc(3, sizeof(TowersDisk *)), 0};
    int ok = 1;
    int32_t result = 0;
    for (int i = 0; i < ITERATIONS; i++) {
        result = benchmark(&bench);
        if (result != 8191 || failure) {
            ok = 0;
            break;
        }
    }
    if (ok) printf("Towers: ok\n");
    else printf("Towers: FAILED %d %s\n", result, failure ? failure : "");
    freePiles(&bench);
    return ok ? 0 : 1;
}
