/* Exercises migration through the explicit API: back-migration and repeated migration, deep recursion with
   pointers to stack variables, function pointers, floating-point values and callee-saved registers live across
   many frames, a callback on arrival. Prints only values that do not depend on where it ran, then the number of
   migrations that worked (checked by the test against the emulator's own count). */
#include <popcorn.h>
#include <stdio.h>
#include <string.h>

static int migrations;
static int arrivals;

static void arrived(void *data)
{
    int *counter = data;
    (*counter)++;
}

static void hop(void)
{
    int to = 1 - current_nid();
    if (migrate(to, arrived, &arrivals) == 0 && current_nid() == to)
        migrations++;
}

/* Deep recursion: each frame keeps a local array, a pointer to its caller's array and a double. */
static double descend(int depth, long *parent, double scale)
{
    long mine[4];
    for (int i = 0; i < 4; i++)
        mine[i] = depth * 10 + i + (parent ? parent[i] : 0);
    double here = scale * 1.5 + depth;
    if (depth % 37 == 0)
        hop();
    double below = depth == 0 ? 0.0 : descend(depth - 1, mine, scale * 0.5);
    long sum = 0;
    for (int i = 0; i < 4; i++)
        sum += mine[i] + (parent ? parent[i] : 0);
    return below + here + (double)(sum % 1000);
}

/* Many values live across calls at once: the compiler keeps them in callee-saved registers. */
static long pressure(long a, long b, long c, long d, long e, long f, long g, long h)
{
    long s1 = a * 3 + b, s2 = b * 5 + c, s3 = c * 7 + d, s4 = d * 11 + e;
    long s5 = e * 13 + f, s6 = f * 17 + g, s7 = g * 19 + h, s8 = h * 23 + a;
    double x1 = (double)s1 / 7.0, x2 = (double)s2 / 9.0, x3 = (double)s3 / 11.0;
    hop();
    long r = s1 + s2 * 2 + s3 * 3 + s4 * 4 + s5 * 5 + s6 * 6 + s7 * 7 + s8 * 8;
    hop();
    return r + (long)(x1 + x2 + x3);
}

static long chain(int depth, long acc)
{
    if (depth == 0)
        return pressure(acc, acc + 1, acc + 2, acc + 3, acc + 4, acc + 5, acc + 6, acc + 7);
    long kept = acc * 31 + depth;
    long below = chain(depth - 1, kept % 100003);
    return below ^ kept;
}

typedef long (*operation)(long, long);
static long add(long x, long y) { hop(); return x + y; }
static long mul(long x, long y) { hop(); return x * y; }

struct point { double x, y; char name[12]; };

int main(void)
{
    printf("nodes %d %d %d\n", node_available(0), node_available(1), node_available(7));
    double d = descend(150, 0, 1000.0);
    printf("descend %.6f\n", d);
    printf("chain %ld\n", chain(40, 7));
    operation table[2] = {add, mul};
    long v = 1;
    for (int i = 0; i < 10; i++)
        v = table[i % 2](v, i + 2);
    printf("table %ld\n", v);
    struct point p = {1.25, -2.5, "origin"};
    struct point *pp = &p;
    for (int i = 0; i < 6; i++) {
        hop();
        pp->x = pp->x * 2.0 + pp->y;
        strcat(pp->name, i % 2 ? "+" : "-");
    }
    printf("point %.3f %.3f %s\n", p.x, p.y, p.name);
    check_migrate(arrived, &arrivals);
    printf("migrations %d arrivals %d\n", migrations, arrivals);
    return 0;
}
