/* Structs passed and returned by value: small, large, mixed integer/floating-point, nested, arrays of structs. */
#include <stdio.h>
#include <stdlib.h>

struct pair { int a, b; };
struct vec3 { double x, y, z; };
struct mixed { char tag; float weight; long id; short s; };
struct big { long values[12]; char label[20]; };
struct particle { struct vec3 position, velocity; float mass; };

static struct pair swap(struct pair p) { return (struct pair){p.b, p.a}; }
static struct vec3 add(struct vec3 u, struct vec3 v) { return (struct vec3){u.x + v.x, u.y + v.y, u.z + v.z}; }
static struct vec3 scale(struct vec3 v, double k) { return (struct vec3){v.x * k, v.y * k, v.z * k}; }
static double dot(struct vec3 u, struct vec3 v) { return u.x * v.x + u.y * v.y + u.z * v.z; }

static struct mixed bump(struct mixed m, int by)
{
    m.tag = (char)(m.tag + by);
    m.weight *= 1.5f;
    m.id += by * 1000;
    m.s = (short)(m.s - by);
    return m;
}

static struct big fill(struct big b, long seed)
{
    for (int i = 0; i < 12; i++)
        b.values[i] = b.values[i] * 3 + seed + i;
    snprintf(b.label, sizeof b.label, "big-%ld", seed);
    return b;
}

static struct particle step(struct particle p, double dt)
{
    p.position = add(p.position, scale(p.velocity, dt));
    p.velocity = scale(p.velocity, 0.999);
    p.mass *= 0.9999f;
    return p;
}

int main(int argc, char **argv)
{
    int steps = argc > 1 ? atoi(argv[1]) : 2000;
    struct pair p = swap((struct pair){3, 4});
    printf("pair %d %d\n", p.a, p.b);
    struct mixed m = {'a', 2.0f, 7, 100};
    for (int i = 0; i < 5; i++)
        m = bump(m, i);
    printf("mixed %c %.3f %ld %d\n", m.tag, m.weight, m.id, m.s);
    struct big b = {{0}, ""};
    for (long i = 1; i <= 4; i++)
        b = fill(b, i);
    long total = 0;
    for (int i = 0; i < 12; i++)
        total += b.values[i];
    printf("big %s total %ld\n", b.label, total);
    struct particle system[8];
    for (int i = 0; i < 8; i++)
        system[i] = (struct particle){{i, -i, i * 0.5}, {0.1 * i, 0.2, -0.3}, 1.0f + i};
    for (int s = 0; s < steps; s++)
        for (int i = 0; i < 8; i++)
            system[i] = step(system[i], 0.01);
    double energy = 0;
    for (int i = 0; i < 8; i++)
        energy += 0.5 * system[i].mass * dot(system[i].velocity, system[i].velocity) + dot(system[i].position, system[i].position);
    printf("particles energy %.10f first (%.6f, %.6f, %.6f)\n", energy, system[0].position.x, system[0].position.y, system[0].position.z);
    printf("sizes %zu %zu %zu %zu\n", sizeof(struct pair), sizeof(struct mixed), sizeof(struct big), sizeof(struct particle));
    return 0;
}
