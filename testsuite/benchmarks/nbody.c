// NBody: the Are We Fast Yet benchmark, the same algorithm as nbody.bs in 32-bit floats
// (compile with -DREAL=double for the original's precision).
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#ifndef REAL
#define REAL float
#define SQRT sqrtf
#else
#define SQRT sqrt
#endif

#define ITERATIONS 600
#define STEPS 1000
#define EXPECTED -0.16908671f
#define TOLERANCE 5e-6f

static const REAL PI = (REAL)3.141592653589793;
#define SOLAR_MASS (4 * PI * PI)
static const REAL DAYS_PER_YEAR = (REAL)365.24;

typedef struct {
    REAL x, y, z, vx, vy, vz, mass;
} Body;

static Body *newBody(REAL x, REAL y, REAL z, REAL vx, REAL vy, REAL vz, REAL mass) {
    Body *b = malloc(sizeof(Body));
    b->x = x;
    b->y = y;
    b->z = z;
    b->vx = (vx * DAYS_PER_YEAR);
    b->vy = (vy * DAYS_PER_YEAR);
    b->vz = (vz * DAYS_PER_YEAR);
    b->mass = (mass * SOLAR_MASS);
    return b;
}

static void offsetMomentum(Body *b, REAL px, REAL py, REAL pz) {
    b->vx = ((REAL)0.0 - (px / SOLAR_MASS));
    b->vy = ((REAL)0.0 - (py / SOLAR_MASS));
    b->vz = ((REAL)0.0 - (pz / SOLAR_MASS));
}

#define NUM_BODIES 5

static void createBodies(Body **bodies) {
    bodies[0] = newBody(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0);
    bodies[1] = newBody((REAL)4.84143144246472090e+00, (REAL)-1.16032004402742839e+00,
                        (REAL)-1.03622044471123109e-01, (REAL)1.66007664274403694e-03,
                        (REAL)7.69901118419740425e-03, (REAL)-6.90460016972063023e-05,
                        (REAL)9.54791938424326609e-04);
    bodies[2] = newBody((REAL)8.34336671824457987e+00, (REAL)4.12479856412430479e+00,
                        (REAL)-4.03523417114321381e-01, (REAL)-2.76742510726862411e-03,
                        (REAL)4.99852801234917238e-03, (REAL)2.30417297573763929e-05,
                        (REAL)2.85885980666130812e-04);
    bodies[3] = newBody((REAL)1.28943695621391310e+01, (REAL)-1.51111514016986312e+01,
                        (REAL)-2.23307578892655734e-01, (REAL)2.96460137564761618e-03,
                        (REAL)2.37847173959480950e-03, (REAL)-2.96589568540237556e-05,
                        (REAL)4.36624404335156298e-05);
    bodies[4] = newBody((REAL)1.53796971148509165e+01, (REAL)-2.59193146099879641e+01,
                        (REAL)1.79258772950371181e-01, (REAL)2.68067772490389322e-03,
                        (REAL)1.62824170038242295e-03, (REAL)-9.51592254519715870e-05,
                        (REAL)5.15138902046611451e-05);
    REAL px = 0.0, py = 0.0, pz = 0.0;
    for (int i = 0; i < NUM_BODIES; i++) {
        Body *b = bodies[i];
        px = (px + (b->vx * b->mass));
        py = (py + (b->vy * b->mass));
        pz = (pz + (b->vz * b->mass));
    }
    offsetMomentum(bodies[0], px, py, pz);
}

static void advance(Body **bodies, REAL dt) {
    for (int i = 0; i < NUM_BODIES; i++) {
        Body *iBody = bodies[i];
        for (int j = i + 1; j < NUM_BODIES; j++) {
            Body *jBody = bodies[j];
            REAL dx = (iBody->x - jBody->x);
            REAL dy = (iBody->y - jBody->y);
            REAL dz = (iBody->z - jBody->z);
            REAL dSquared = (((dx * dx) + (dy * dy)) + (dz * dz));
            REAL distance = SQRT(dSquared);
            REAL mag = (dt / (dSquared * distance));
            iBody->vx = (iBody->vx - ((dx * jBody->mass) * mag));
            iBody->vy = (iBody->vy - ((dy * jBody->mass) * mag));
            iBody->vz = (iBody->vz - ((dz * jBody->mass) * mag));
            jBody->vx = (jBody->vx + ((dx * iBody->mass) * mag));
            jBody->vy = (jBody->vy + ((dy * iBody->mass) * mag));
            jBody->vz = (jBody->vz + ((dz * iBody->mass) * mag));
        }
    }
    for (int i = 0; i < NUM_BODIES; i++) {
        Body *body = bodies[i];
        body->x = (body->x + (dt * body->vx));
        body->y = (body->y + (dt * body->vy));
        body->z = (body->z + (dt * body->vz));
    }
}

static REAL energy(Body **bodies) {
    REAL e = 0.0;
    for (int i = 0; i < NUM_BODIES; i++) {
        Body *iBody = bodies[i];
        e = (e + (((REAL)0.5 * iBody->mass) *
                       (((iBody->vx * iBody->vx) + (iBody->vy * iBody->vy)) +
                         (iBody->vz * iBody->vz))));
        for (int j = i + 1; j < NUM_BODIES; j++) {
            Body *jBody = bodies[j];
            REAL dx = (iBody->x - jBody->x);
            REAL dy = (iBody->y - jBody->y);
            REAL dz = (iBody->z - jBody->z);
            REAL distance = SQRT((((dx * dx) + (dy * dy)) + (dz * dz)));
            e = (e - ((iBody->mass * jBody->mass) / distance));
        }
    }
    return e;
}

__attribute__((noipa)) static REAL benchmark(void) {
    Body *bodies[NUM_BODIES];
    createBodies(bodies);
    for (int i = 0; i < STEPS; i++) advance(bodies, (REAL)0.01);
    REAL e = energy(bodies);
    for (int i = 0; i < NUM_BODIES; i++) free(bodies[i]);
    return e;
}

int main(void) {
    int ok = 1;
    REAL result = 0.0;
    for (int i = 0; i < ITERATIONS; i++) {
        result = benchmark();
        if (!(fabs(result - EXPECTED) <= TOLERANCE)) {
            ok = 0;
            break;
        }
    }
    if (ok) printf("NBody: ok\n");
    else printf("NBody: FAILED %.9g\n", (double)result);
    return ok ? 0 : 1;
}
