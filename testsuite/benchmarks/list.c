// List: the Are We Fast Yet benchmark, the same algorithm as list.bs (the lists are freed at the
// end of each iteration).
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define ITERATIONS 8000

typedef struct Element {
    int32_t val;
    struct Element *next;
} Element;

static int32_t length(Element *e) {
    if (e->next == NULL) return 1;
    return 1 + length(e->next);
}

static Element *makeList(int32_t len) {
    if (len == 0) return NULL;
    Element *e = malloc(sizeof(Element));
    e->val = len;
    e->next = makeList(len - 1);
    return e;
}

static void freeList(Element *e) {
    while (e) {
        Element *next = e->next;
        free(e);
        e = next;
    }
}

static int isShorterThan(Element *x, Element *y) {
    Element *xTail = x;
    Element *yTail = y;
    while (yTail != NULL) {
        if (xTail == NULL) return 1;
        xTail = xTail->next;
        yTail = yTail->next;
    }
    return 0;
}

static Element *tail(Element *x, Element *y, Element *z) {
    if (isShorterThan(y, x)) {
        return tail(tail(x->next, y, z), tail(y->next, z, x), tail(z->next, x, y));
    }
    return z;
}

__attribute__((noipa)) static int32_t benchmark(void) {
    Element *x = makeList(15);
    Element *y = makeList(10);
    Element *z = makeList(6);
    int32_t result = length(tail(x, y, z));
    freeList(x);
    freeList(y);
    freeList(z);
    return result;
}

int main(void) {
    int ok = 1;
    int32_t result = 0;
    for (int i = 0; i < ITERATIONS; i++) {
        result = benchmark();
        if (result != 10) {
            ok = 0;
            break;
        }
    }
    if (ok) printf("List: ok\n");
    else printf("List: FAILED %d\n", result);
    return ok ? 0 : 1;
}
