/* Frames too big for one immediate offset (a 12 KB and a 5 KB local array), values live across calls, a function
   with sixteen integer arguments, so that eight of them come on the stack and are used after calls, and an array
   declared before a dozen scalars (at -O0 each scalar is a local of its own). */
#include <stdio.h>
#include <popcorn.h>

static volatile int noise;
static volatile long args[16] = { 0, 2, 3, 4, 5, 6, 7, 8, 900, -1000, -12, 1L << 40, 31, -32, 33, 1000 };

static void __attribute__((noinline)) hop(void)
{
    migrate(current_nid() == 0 ? 1 : 0, 0, 0);
}

static long __attribute__((noinline)) fill(long *a, int n, long seed)
{
    for (int i = 0; i < n; i++)
        a[i] = seed * (i + 1) + noise;
    return a[n - 1];
}

static long __attribute__((noinline)) big(long seed)
{
    long table[1536];
    long mix = seed * 7 + 3;
    long last = fill(table, 1536, seed);
    hop();
    long sum = 0;
    for (int i = 0; i < 1536; i += 97)
        sum += table[i] ^ mix;
    hop();
    return sum + last + mix + table[1535] - table[0];
}

static long __attribute__((noinline)) medium(int k, long bias)
{
    char bytes[5000];
    int scaled = k * 1000 + 7;
    for (int i = 0; i < 5000; i++)
        bytes[i] = (char)(i * k);
    hop();
    long total = bias + scaled;
    for (int i = 0; i < 5000; i += 333)
        total += bytes[i];
    hop();
    return total + bytes[4999] + scaled;
}

long __attribute__((noinline)) many(long a, long b, long c, long d, long e, long f, long g, long h,
                                           long i, long j, int k, long l, long m, long n, long o, long p)
{
    long first = a * b + c * d + e * f + g * h;
    hop();
    long second = a - b + c - d + e - f + g - h;
    hop();
    return first * 3 + second + i * 3 + j * 5 + k * 7 + l * 11 + m * 13 + n * 17 + o * 19 + p * 23
        + (a ^ i) + (b ^ j) + (c ^ k) + (d ^ l) + (e ^ m) + (f ^ n) + (g ^ o) + (h ^ p);
}

static long __attribute__((noinline)) mix(long a, long b) { return a * 31 + b; }

static long __attribute__((noinline)) scalars_after_array(long seed)
{
    long names[600];
    long a = seed, b = 2, c = 3, d = 4, e = 5, f = 6, g = 7, h = 8, i = 9, j = 10, k = 11, l = 12;
    double x = 0.5, y = 1.5, z = 2.5;
    for (int n = 0; n < 600; n++)
        names[n] = n * seed;
    hop();
    a = mix(a, b);
    c = mix(c, d);
    e = mix(e, f);
    g = mix(g, h);
    i = mix(i, j);
    k = mix(k, l);
    x += mix((long)y, (long)z);
    hop();
    return a + c + e + g + i + k + (long)x + names[599];
}

int main(void)
{
    for (int round = 0; round < 3; round++) {
        printf("big %ld\n", big(round + 11));
        printf("medium %ld\n", medium(round + 2, -round * 1000));
        printf("many %ld\n", many(args[0] + round, args[1], args[2], args[3], args[4], args[5], args[6], args[7], args[8] + round, args[9],
                                   (int)args[10] - round, args[11], args[12], args[13], args[14], args[15] * round));
        printf("scalars %ld\n", scalars_after_array(round + 5));
    }
    return 0;
}
