/* A user program for differential runs: every integer operation on edge values, results written to stdout. */
typedef unsigned long u64;
typedef long i64;

static const i64 inputs[] = {
    0, 1, -1, 2, -2, 31, 32, 63, 64, 0x7fffffffL, -0x80000000L, 0x80000000L, 0xffffffffL,
    0x7fffffffffffffffL, (i64)0x8000000000000000UL, 0x123456789abcdef0L, -0x123456789abcdefL,
};
#define N (sizeof(inputs) / sizeof(inputs[0]))

u64 results[N * N * 24 + N * 8];
long accumulator;

static long sys(long nr, long a0, long a1, long a2)
{
    register long x10 asm("a0") = a0;
    register long x11 asm("a1") = a1;
    register long x12 asm("a2") = a2;
    register long x17 asm("a7") = nr;
    asm volatile("ecall" : "+r"(x10) : "r"(x11), "r"(x12), "r"(x17) : "memory");
    return x10;
}

void _start(void)
{
    unsigned k = 0;
    for (unsigned i = 0; i < N; i++) {
        for (unsigned j = 0; j < N; j++) {
            i64 a = inputs[i], b = inputs[j];
            u64 ua = a, ub = b;
            int wa = (int)a, wb = (int)b;
            results[k++] = a + b;
            results[k++] = a - b;
            results[k++] = a * b;
            results[k++] = (u64)(((__int128)a * b) >> 64);
            results[k++] = (u64)(((unsigned __int128)ua * ub) >> 64);
            results[k++] = (u64)(((__int128)a * (unsigned __int128)ub) >> 64);
            results[k++] = b == 0 ? 0 : (a == (i64)0x8000000000000000UL && b == -1) ? 1 : a / b;
            results[k++] = ub == 0 ? 0 : ua / ub;
            results[k++] = b == 0 ? 0 : (a == (i64)0x8000000000000000UL && b == -1) ? 2 : a % b;
            results[k++] = ub == 0 ? 0 : ua % ub;
            results[k++] = (i64)(wa + wb);
            results[k++] = (i64)(wa * wb);
            results[k++] = wb == 0 ? 0 : (wa == (int)0x80000000 && wb == -1) ? 3 : (i64)(wa / wb);
            results[k++] = (unsigned)wb == 0 ? 0 : (i64)(int)((unsigned)wa % (unsigned)wb);
            results[k++] = ua << (b & 63);
            results[k++] = ua >> (b & 63);
            results[k++] = a >> (b & 63);
            results[k++] = (i64)(int)((unsigned)wa << (wb & 31));
            results[k++] = (i64)(int)((unsigned)wa >> (wb & 31));
            results[k++] = (i64)(wa >> (wb & 31));
            results[k++] = (a < b) | ((ua < ub) << 1) | ((a == b) << 2) | ((wa < wb) << 3);
            results[k++] = a ^ b;
            results[k++] = (a | b) & ~(a & b);
            results[k++] = __atomic_fetch_add(&accumulator, a ^ b, __ATOMIC_SEQ_CST);
        }
    }
    for (unsigned i = 0; i < N; i++) {
        i64 a = inputs[i];
        unsigned char bytes[8];
        for (int n = 0; n < 8; n++)
            bytes[n] = (unsigned char)(a >> (8 * n));
        results[k++] = *(volatile signed char *)&bytes[3];
        results[k++] = *(volatile unsigned short *)&bytes[2];
        results[k++] = *(volatile short *)&bytes[6];
        results[k++] = *(volatile int *)&bytes[4];
        results[k++] = *(volatile unsigned *)&bytes[0];
        results[k++] = a + 2047;
        results[k++] = a & -2048;
        results[k++] = __atomic_exchange_n(&accumulator, a, __ATOMIC_SEQ_CST) + __atomic_fetch_or(&accumulator, 5, __ATOMIC_SEQ_CST);
    }
    sys(64, 1, (long)results, sizeof(results));
    sys(93, 0, 0, 0);
    for (;;) {
    }
}
