// Bounce: the Are We Fast Yet benchmark, the same algorithm as bounce.bs (the balls are freed at
// the end of each iteration).
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define ITERATIONS 8000

typedef struct {
    int32_t x, y, xVel, yVel;
} Ball;

static int32_t seed;

static int32_t nextRandom(void) {
    seed = (seed * 1309 + 13849) & 65535;
    return seed;
}

static int32_t iabs(int32_t x) { return x < 0 ? -x : x; }

static Ball *newBall(void) {
    Ball *b = malloc(sizeof(Ball));
    b->x = nextRandom() % 500;
    b->y = nextRandom() % 500;
    b->xVel = (nextRandom() % 300) - 150;
    b->yVel = (nextRandom() % 300) - 150;
    return b;
}

static int bounce(Ball *b) {
    const int32_t xLimit = 500;
    const int32_t yLimit = 500;
    int bounced = 0;
    b->x += b->xVel;
    b->y += b->yVel;
    if (b->x > xLimit) {
        b->x = xLimit;
        b->xVel = 0 - iabs(b->xVel);
        bounced = 1;
    }
    if (b->x < 0) {
        b->x = 0;
        b->xVel = iabs(b->xVel);
        bounced = 1;
    }
    if (b->y > yLimit) {
        b->y = yLimit;
        b->yVel = 0 - iabs(b->yVel);
        bounced = 1;
    }
    if (b->y < 0) {
        b->y = 0;
        b->yVel = iabs(b->yVel);
        bounced = 1;
    }
    return bounced;
}

__attribute__((noipa)) static int32_t benchmark(void) {
    seed = 74755;
    const int32_t ballCount = 100;
    int32_t bounces = 0;
    Ball **balls = malloc(ballCount * sizeof(Ball *));
    for (int32_t i = 0; i < ballCount; i += 1) balls[i] = newBall();
    for (int32_t i = 0; i < 50; i += 1) {
        for (int32_t j = 0; j < ballCount; j += 1) {
            if (bounce(balls[j])) bounces += 1;
        }
    }
    for (int32_t i = 0; i < ballCount; i += 1) free(balls[i]);
    free(balls);
    return bounces;
}

int main(void) {
    int ok = 1;
    int32_t result = 0;
    for (int i = 0; i < ITERATIONS; i++) {
        result = benchmark();
        if (result != 1331) {
            ok = 0;
            break;
        }
    }
    if (ok) printf("Bounce: ok\n");
    else printf("Bounce: FAILED %d\n", result);
    return ok ? 0 : 1;
}
