/* Integer and floating-point arithmetic: wrap-around, division, shifts, 128-bit products, long double (printed with
   %Lf %Le %La %Lg), conversions. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    return x ^ (x >> 33);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 20000;
    uint64_t h = 0;
    int64_t signed_sum = 0;
    unsigned __int128 wide = 1;
    for (int i = 1; i <= n; i++) {
        uint64_t x = mix((uint64_t)i);
        int64_t s = (int64_t)x;
        h = h * 31 + (x / (uint64_t)i) + (x % 977) + (x >> (i % 64)) + (uint64_t)(s / -7) + (uint64_t)(s % 13);
        signed_sum += (int32_t)x / ((i % 5) - 2 == 0 ? 1 : (i % 5) - 2);
        wide = wide * (x | 1) + (unsigned __int128)h * i;
    }
    printf("integer hash %016llx signed %lld\n", (unsigned long long)h, (long long)signed_sum);
    printf("wide %016llx%016llx\n", (unsigned long long)(wide >> 64), (unsigned long long)wide);
    printf("div128 %llu\n", (unsigned long long)(wide / 1000000007u % 1000000000u));

    double x = 0, y = 1;
    float f = 0.5f;
    for (int i = 1; i <= n; i++) {
        x += 1.0 / i;
        y *= 1.0 + 1.0 / (i * 8.0);
        y -= y / (i + 3.0);
        f = f * 1.0001f + 0.25f / (float)i;
    }
    printf("harmonic %.15f product %.12e float %.6f\n", x, y, f);
    long double q = 1;
    for (int i = 1; i <= 30; i++)
        q = q * i / (i + 0.5L);
    printf("long double %.12f\n", (double)q);
    printf("long double exact %.36Lf %Le %La %Lg\n", q, q * 1e4000L, q, q * 1e-300L);
    printf("grouping %'d %'.2f\n", 1234567, 1234.5);
    char text[1100];
    int length = snprintf(text, sizeof text, "%.1000f", 0.1);
    printf("wide precision %d %s %d %d\n", length, text + 990, snprintf(NULL, 0, "%.900e", 1.0 / 3), snprintf(NULL, 0, "%.600a", 1.0));
    printf("conversions %d %u %lld %.3f %d\n", (int)-2.75, (unsigned)3.99, (long long)1e15, (double)(int64_t)-123456789, (int)(float)16777217);
    printf("minmax %d %d %lld\n", INT32_MAX + 0, INT32_MIN + 0, (long long)INT64_MIN);
    return 0;
}
