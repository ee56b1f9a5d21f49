// CD: the Are We Fast Yet benchmark, the same algorithm as cd.bs in 32-bit floats (compile with
// -DREAL=double for the original's precision). Tree keys compare through a function pointer, as
// cd.bs's keys through a virtual method; every object of an iteration is freed at its end.
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef REAL
#define REAL float
#define SQRT sqrtf
#define SIN sinf
#define COS cosf
#define TRUNC truncf
#else
#define SQRT sqrt
#define SIN sin
#define COS cos
#define TRUNC trunc
#endif

#define ITERATIONS 8
#define NUM_AIRCRAFT 100
#define NUM_FRAMES 200
#ifndef EXPECTED
#define EXPECTED 4305
#endif

#define MIN_X ((REAL)0)
#define MIN_Y ((REAL)0)
#define MAX_X ((REAL)1000)
#define MAX_Y ((REAL)1000)
#define MIN_Z ((REAL)0)
#define MAX_Z ((REAL)10)
#define PROXIMITY_RADIUS ((REAL)1)
#define GOOD_VOXEL_SIZE (PROXIMITY_RADIUS * 2)

// ---- allocation: everything lives until the end of the iteration ----

static void **allocations;
static size_t allocationCount, allocationCapacity;

static void *alloc(size_t size) {
    if (allocationCount == allocationCapacity) {
        allocationCapacity = allocationCapacity ? allocationCapacity * 2 : 1024;
        allocations = realloc(allocations, allocationCapacity * sizeof(void *));
    }
    void *p = malloc(size);
    allocations[allocationCount++] = p;
    return p;
}

static void freeAll(void) {
    while (allocationCount > 0) free(allocations[--allocationCount]);
}

// ---- keys ----

typedef struct Key Key;
typedef int32_t (*CompareFn)(const Key *a, const Key *b);
struct Key {
    CompareFn compareTo;
};

static int32_t compareNumbers(REAL a, REAL b) {
    if (a == b) return 0;
    if (a < b) return -1;
    if (a > b) return 1;
    if (a == a) return 1;
    return -1;
}

typedef struct {
    Key key;
    REAL x, y;
} Vector2D;

static int32_t vector2DCompare(const Key *a, const Key *b) {
    const Vector2D *p = (const Vector2D *)a, *q = (const Vector2D *)b;
    int32_t result = compareNumbers(p->x, q->x);
    if (result != 0) return result;
    return compareNumbers(p->y, q->y);
}

static Vector2D *newVector2D(REAL x, REAL y) {
    Vector2D *v = alloc(sizeof(Vector2D));
    v->key.compareTo = vector2DCompare;
    v->x = x;
    v->y = y;
    return v;
}

static Vector2D *plus2D(const Vector2D *a, const Vector2D *b) { return newVector2D(a->x + b->x, a->y + b->y); }
static Vector2D *minus2D(const Vector2D *a, const Vector2D *b) { return newVector2D(a->x - b->x, a->y - b->y); }

typedef struct {
    Key key;
    int32_t value;
} CallSign;

static int32_t callSignCompare(const Key *a, const Key *b) {
    const CallSign *p = (const CallSign *)a, *q = (const CallSign *)b;
    if (p->value == q->value) return 0;
    return p->value < q->value ? -1 : 1;
}

static CallSign *newCallSign(int32_t value) {
    CallSign *c = alloc(sizeof(CallSign));
    c->key.compareTo = callSignCompare;
    c->value = value;
    return c;
}

// ---- 3-d vectors ----

typedef struct {
    REAL x, y, z;
} Vector3D;

static Vector3D *newVector3D(REAL x, REAL y, REAL z) {
    Vector3D *v = alloc(sizeof(Vector3D));
    v->x = x;
    v->y = y;
    v->z = z;
    return v;
}

static Vector3D *plus3D(const Vector3D *a, const Vector3D *b) { return newVector3D(a->x + b->x, a->y + b->y, a->z + b->z); }
static Vector3D *minus3D(const Vector3D *a, const Vector3D *b) { return newVector3D(a->x - b->x, a->y - b->y, a->z - b->z); }
static REAL dot3D(const Vector3D *a, const Vector3D *b) { return a->x * b->x + a->y * b->y + a->z * b->z; }
static REAL squaredMagnitude(const Vector3D *a) { return dot3D(a, a); }
static REAL magnitude(const Vector3D *a) { return SQRT(squaredMagnitude(a)); }
static Vector3D *times3D(const Vector3D *a, REAL amount) { return newVector3D(a->x * amount, a->y * amount, a->z * amount); }

// ---- som.Vector ----

typedef struct {
    void **storage;
    int32_t capacity, count;
} Vector;

static Vector *newVector(void) {
    Vector *v = alloc(sizeof(Vector));
    v->capacity = 50;
    v->storage = alloc(sizeof(void *) * (size_t)v->capacity);
    v->count = 0;
    return v;
}

static void append(Vector *v, void *item) {
    if (v->count == v->capacity) {
        void **bigger = alloc(sizeof(void *) * (size_t)v->count * 2);
        for (int32_t i = 0; i < v->count; i++) bigger[i] = v->storage[i];
        v->storage = bigger;
        v->capacity = v->count * 2;
    }
    v->storage[v->count++] = item;
}

static void *at(const Vector *v, int32_t index) { return index >= v->count ? NULL : v->storage[index]; }

// ---- red-black tree ----

typedef struct TreeNode {
    Key *key;
    void *value;
    struct TreeNode *left, *right, *parent;
    int red;
} TreeNode;

typedef struct {
    TreeNode *root;
} RedBlackTree;

static RedBlackTree *newTree(void) {
    RedBlackTree *t = alloc(sizeof(RedBlackTree));
    t->root = NULL;
    return t;
}

static TreeNode *treeMinimum(TreeNode *node) {
    while (node->left) node = node->left;
    return node;
}

static TreeNode *successor(TreeNode *x) {
    if (x->right) return treeMinimum(x->right);
    TreeNode *y = x->parent;
    while (y && x == y->right) {
        x = y;
        y = y->parent;
    }
    return y;
}

static int isBlack(const TreeNode *n) { return !n || !n->red; }

static void leftRotate(RedBlackTree *t, TreeNode *x) {
    TreeNode *y = x->right;
    x->right = y->left;
    if (y->left) y->left->parent = x;
    y->parent = x->parent;
    if (!x->parent) t->root = y;
    else if (x == x->parent->left) x->parent->left = y;
    else x->parent->right = y;
    y->left = x;
    x->parent = y;
}

static void rightRotate(RedBlackTree *t, TreeNode *y) {
    TreeNode *x = y->left;
    y->left = x->right;
    if (x->right) x->right->parent = y;
    x->parent = y->parent;
    if (!y->parent) t->root = x;
    else if (y == y->parent->left) y->parent->left = x;
    else y->parent->right = x;
    x->right = y;
    y->parent = x;
}

static TreeNode *findNode(const RedBlackTree *t, const Key *key) {
    TreeNode *current = t->root;
    while (current) {
        int32_t c = key->compareTo(key, current->key);
        if (c == 0) return current;
        current = c < 0 ? current->left : current->right;
    }
    return NULL;
}

static void *get(const RedBlackTree *t, const Key *key) {
    TreeNode *n = findNode(t, key);
    return n ? n->value : NULL;
}

// Maps key to value; the value it replaces, or NULL for a new key.
static void *put(RedBlackTree *t, Key *key, void *value) {
    TreeNode *y = NULL, *x = t->root;
    while (x) {
        y = x;
        int32_t c = key->compareTo(key, x->key);
        if (c == 0) {
            void *old = x->value;
            x->value = value;
            return old;
        }
        x = c < 0 ? x->left : x->right;
    }
    TreeNode *z = alloc(sizeof(TreeNode));
    z->key = key;
    z->value = value;
    z->left = z->right = NULL;
    z->parent = y;
    z->red = 1;
    if (!y) t->root = z;
    else if (key->compareTo(key, y->key) < 0) y->left = z;
    else y->right = z;

    x = z;
    while (x != t->root && x->parent->red) {
        TreeNode *parent = x->parent, *grandparent = parent->parent;
        if (parent == grandparent->left) {
            TreeNode *u = grandparent->right;
            if (u && u->red) {
                parent->red = 0;
                u->red = 0;
                grandparent->red = 1;
                x = grandparent;
            } else {
                if (x == parent->right) {
                    x = parent;
                    leftRotate(t, x);
                }
                x->parent->red = 0;
                x->parent->parent->red = 1;
                rightRotate(t, x->parent->parent);
            }
        } else {
            TreeNode *u = grandparent->left;
            if (u && u->red) {
                parent->red = 0;
                u->red = 0;
                grandparent->red = 1;
                x = grandparent;
            } else {
                if (x == parent->left) {
                    x = parent;
                    rightRotate(t, x);
                }
                x->parent->red = 0;
                x->parent->parent->red = 1;
                leftRotate(t, x->parent->parent);
            }
        }
    }
    t->root->red = 0;
    return NULL;
}

static void removeFixup(RedBlackTree *t, TreeNode *x, TreeNode *xParent) {
    while (x != t->root && isBlack(x)) {
        TreeNode *parent = xParent;
        if (x == parent->left) {
            TreeNode *w = parent->right;
            if (w->red) {
                w->red = 0;
                parent->red = 1;
                leftRotate(t, parent);
                w = parent->right;
            }
            if (isBlack(w->left) && isBlack(w->right)) {
                w->red = 1;
                x = parent;
                xParent = parent->parent;
            } else {
                if (isBlack(w->right)) {
                    w->left->red = 0;
                    w->red = 1;
                    rightRotate(t, w);
                    w = parent->right;
                }
                w->red = parent->red;
                parent->red = 0;
                if (w->right) w->right->red = 0;
                leftRotate(t, parent);
                x = t->root;
                xParent = x->parent;
            }
        } else {
            TreeNode *w = parent->left;
            if (w->red) {
                w->red = 0;
                parent->red = 1;
                rightRotate(t, parent);
                w = parent->left;
            }
            if (isBlack(w->right) && isBlack(w->left)) {
                w->red = 1;
                x = parent;
                xParent = parent->parent;
            } else {
                if (isBlack(w->left)) {
                    w->right->red = 0;
                    w->red = 1;
                    leftRotate(t, w);
                    w = parent->left;
                }
                w->red = parent->red;
                parent->red = 0;
                if (w->left) w->left->red = 0;
                rightRotate(t, parent);
                x = t->root;
                xParent = x->parent;
            }
        }
    }
    if (x) x->red = 0;
}

static void *removeKey(RedBlackTree *t, const Key *key) {
    TreeNode *z = findNode(t, key);
    if (!z) return NULL;
    TreeNode *y = (!z->left || !z->right) ? z : successor(z);
    TreeNode *x = y->left ? y->left : y->right;
    TreeNode *xParent = y->parent;
    if (x) x->parent = xParent;
    if (!xParent) t->root = x;
    else if (y == xParent->left) xParent->left = x;
    else xParent->right = x;
    if (y != z) {
        if (!y->red) removeFixup(t, x, xParent);
        y->parent = z->parent;
        y->red = z->red;
        y->left = z->left;
        y->right = z->right;
        if (z->left) z->left->parent = y;
        if (z->right) z->right->parent = y;
        if (z->parent) {
            if (z->parent->left == z) z->parent->left = y;
            else z->parent->right = y;
        } else {
            t->root = y;
        }
    } else if (!y->red) {
        removeFixup(t, x, xParent);
    }
    return z->value;
}

static TreeNode *first(const RedBlackTree *t) { return t->root ? treeMinimum(t->root) : NULL; }

// ---- the simulation ----

typedef struct {
    CallSign *callsign;
    Vector3D *posOne, *posTwo;
} Motion;

typedef struct {
    CallSign *callsign;
    Vector3D *position;
} Aircraft;

typedef struct {
    CallSign *aircraftA, *aircraftB;
    Vector3D *position;
} Collision;

static int isInVoxel(const Vector2D *voxel, const Motion *motion) {
    if (voxel->x > MAX_X || voxel->x < MIN_X || voxel->y > MAX_Y || voxel->y < MIN_Y) return 0;
    const Vector3D *init = motion->posOne, *fin = motion->posTwo;
    const REAL vS = GOOD_VOXEL_SIZE, r = PROXIMITY_RADIUS / 2;
    const REAL vX = voxel->x, x0 = init->x, xv = fin->x - init->x;
    const REAL vY = voxel->y, y0 = init->y, yv = fin->y - init->y;
    REAL lowX = (vX - r - x0) / xv, highX = (vX + vS + r - x0) / xv;
    if (xv < 0) {
        REAL tmp = lowX;
        lowX = highX;
        highX = tmp;
    }
    REAL lowY = (vY - r - y0) / yv, highY = (vY + vS + r - y0) / yv;
    if (yv < 0) {
        REAL tmp = lowY;
        lowY = highY;
        highY = tmp;
    }
    int inX = (xv == 0 && vX <= x0 + r && x0 - r <= vX + vS) || (lowX <= 1 && 1 <= highX)
        || (lowX <= 0 && 0 <= highX) || (0 <= lowX && highX <= 1);
    int inY = (yv == 0 && vY <= y0 + r && y0 - r <= vY + vS) || (lowY <= 1 && 1 <= highY)
        || (lowY <= 0 && 0 <= highY) || (0 <= lowY && highY <= 1);
    int overlap = xv == 0 || yv == 0 || (lowY <= highX && highX <= highY)
        || (lowY <= lowX && lowX <= highY) || (lowX <= lowY && highY <= highX);
    return inX && inY && overlap;
}

static void putIntoMap(RedBlackTree *voxelMap, Vector2D *voxel, Motion *motion) {
    Vector *vec = get(voxelMap, &voxel->key);
    if (!vec) {
        vec = newVector();
        put(voxelMap, &voxel->key, vec);
    }
    append(vec, motion);
}

static Vector2D *horizontal, *vertical;

static void recurse(RedBlackTree *voxelMap, RedBlackTree *seen, Vector2D *nextVoxel, Motion *motion) {
    if (!isInVoxel(nextVoxel, motion)) return;
    if (put(seen, &nextVoxel->key, nextVoxel)) return;
    putIntoMap(voxelMap, nextVoxel, motion);
    recurse(voxelMap, seen, minus2D(nextVoxel, horizontal), motion);
    recurse(voxelMap, seen, plus2D(nextVoxel, horizontal), motion);
    recurse(voxelMap, seen, minus2D(nextVoxel, vertical), motion);
    recurse(voxelMap, seen, plus2D(nextVoxel, vertical), motion);
    recurse(voxelMap, seen, minus2D(minus2D(nextVoxel, horizontal), vertical), motion);
    recurse(voxelMap, seen, plus2D(minus2D(nextVoxel, horizontal), vertical), motion);
    recurse(voxelMap, seen, minus2D(plus2D(nextVoxel, horizontal), vertical), motion);
    recurse(voxelMap, seen, plus2D(plus2D(nextVoxel, horizontal), vertical), motion);
}

static Vector2D *voxelHash(const Vector3D *position) {
    Vector2D *result = newVector2D(GOOD_VOXEL_SIZE * TRUNC(position->x / GOOD_VOXEL_SIZE),
                                   GOOD_VOXEL_SIZE * TRUNC(position->y / GOOD_VOXEL_SIZE));
    if (position->x < 0) result->x -= GOOD_VOXEL_SIZE;
    if (position->y < 0) result->y -= GOOD_VOXEL_SIZE;
    return result;
}

static Vector *reduceCollisionSet(const Vector *motions) {
    RedBlackTree *voxelMap = newTree();
    for (int32_t i = 0; i < motions->count; i++) {
        Motion *motion = at(motions, i);
        recurse(voxelMap, newTree(), voxelHash(motion->posOne), motion);
    }
    Vector *result = newVector();
    for (TreeNode *node = first(voxelMap); node; node = successor(node)) {
        Vector *vec = node->value;
        if (vec->count > 1) append(result, vec);
    }
    return result;
}

static Vector3D *findIntersection(const Motion *m1, const Motion *m2) {
    Vector3D *init1 = m1->posOne, *init2 = m2->posOne;
    Vector3D *vec1 = minus3D(m1->posTwo, m1->posOne), *vec2 = minus3D(m2->posTwo, m2->posOne);
    const REAL radius = PROXIMITY_RADIUS;
    REAL a = squaredMagnitude(minus3D(vec2, vec1));
    if (a != 0) {
        REAL b = 2 * dot3D(minus3D(init1, init2), minus3D(vec1, vec2));
        REAL c = -radius * radius + squaredMagnitude(minus3D(init2, init1));
        REAL discr = b * b - 4 * a * c;
        if (discr < 0) return NULL;
        REAL v1 = (-b - SQRT(discr)) / (2 * a);
        REAL v2 = (-b + SQRT(discr)) / (2 * a);
        if (v1 <= v2 && ((v1 <= 1 && 1 <= v2) || (v1 <= 0 && 0 <= v2) || (0 <= v1 && v2 <= 1))) {
            REAL v = v1 <= 0 ? 0 : v1;
            Vector3D *result1 = plus3D(init1, times3D(vec1, v));
            Vector3D *result2 = plus3D(init2, times3D(vec2, v));
            Vector3D *result = times3D(plus3D(result1, result2), (REAL)0.5);
            if (result->x >= MIN_X && result->x <= MAX_X && result->y >= MIN_Y && result->y <= MAX_Y
                && result->z >= MIN_Z && result->z <= MAX_Z) {
                return result;
            }
        }
        return NULL;
    }
    REAL dist = magnitude(minus3D(init2, init1));
    if (dist <= radius) return times3D(plus3D(init1, init2), (REAL)0.5);
    return NULL;
}

static Vector *handleNewFrame(RedBlackTree *state, const Vector *frame) {
    Vector *motions = newVector();
    RedBlackTree *seen = newTree();
    for (int32_t i = 0; i < frame->count; i++) {
        Aircraft *aircraft = at(frame, i);
        Vector3D *newPosition = aircraft->position;
        Vector3D *oldPosition = put(state, &aircraft->callsign->key, newPosition);
        put(seen, &aircraft->callsign->key, aircraft->callsign);
        if (!oldPosition) oldPosition = newPosition;
        Motion *m = alloc(sizeof(Motion));
        m->callsign = aircraft->callsign;
        m->posOne = oldPosition;
        m->posTwo = newPosition;
        append(motions, m);
    }
    Vector *toRemove = newVector();
    for (TreeNode *node = first(state); node; node = successor(node)) {
        if (!get(seen, node->key)) append(toRemove, node->key);
    }
    for (int32_t i = 0; i < toRemove->count; i++) removeKey(state, at(toRemove, i));

    Vector *allReduced = reduceCollisionSet(motions);
    Vector *collisions = newVector();
    for (int32_t k = 0; k < allReduced->count; k++) {
        Vector *reduced = at(allReduced, k);
        for (int32_t i = 0; i < reduced->count; i++) {
            Motion *motion1 = at(reduced, i);
            for (int32_t j = i + 1; j < reduced->count; j++) {
                Motion *motion2 = at(reduced, j);
                Vector3D *collision = findIntersection(motion1, motion2);
                if (collision) {
                    Collision *c = alloc(sizeof(Collision));
                    c->aircraftA = motion1->callsign;
                    c->aircraftB = motion2->callsign;
                    c->position = collision;
                    append(collisions, c);
                }
            }
        }
    }
    return collisions;
}

static Vector *simulate(const Vector *aircraft, REAL time) {
    Vector *frame = newVector();
    for (int32_t i = 0; i < aircraft->count; i += 2) {
        Aircraft *a = alloc(sizeof(Aircraft));
        a->callsign = at(aircraft, i);
        a->position = newVector3D(time, COS(time) * 2 + (REAL)(i * 3), 10);
        append(frame, a);
        Aircraft *b = alloc(sizeof(Aircraft));
        b->callsign = at(aircraft, i + 1);
        b->position = newVector3D(time, SIN(time) * 2 + (REAL)(i * 3), 10);
        append(frame, b);
    }
    return frame;
}

static int32_t benchmark(int32_t numAircraft) {
    horizontal = newVector2D(GOOD_VOXEL_SIZE, 0);
    vertical = newVector2D(0, GOOD_VOXEL_SIZE);
    Vector *aircraft = newVector();
    for (int32_t i = 0; i < numAircraft; i++) append(aircraft, newCallSign(i));
    RedBlackTree *state = newTree();
    int32_t actualCollisions = 0;
    for (int32_t i = 0; i < NUM_FRAMES; i++) {
        REAL time = (REAL)i / (REAL)10;
        actualCollisions += handleNewFrame(state, simulate(aircraft, time))->count;
    }
    freeAll();
    return actualCollisions;
}

int main(void) {
    int32_t result = 0;
    for (int32_t i = 0; i < ITERATIONS; i++) {
        result = benchmark(NUM_AIRCRAFT);
        if (result != EXPECTED) {
            printf("CD: FAILED %d\n", (int)result);
            return 1;
        }
    }
    printf("CD: ok\n");
    return 0;
}
