/* The RV32 differential program: every integer operation of RV32IM on edge values, results written to stdout. */
typedef unsigned int u32;
typedef int i32;
typedef long long i64;
typedef unsigned long long u64;

/* Not const, so that the compiler cannot fold the operations away. */
i32 inputs[] = { 0, 1, -1, 2, -2, 15, 16, 31, 32, 0x7fff, 0x8000, 0x7fffffff, (i32)0x80000000u, (i32)0xffffffffu, 0x12345678, -0x1234567 };
#define N (sizeof(inputs) / sizeof(inputs[0]))

u32 results[N * N * 20];

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
            i32 a = inputs[i], b = inputs[j];
            u32 ua = a, ub = b;
            results[k++] = a + b;
            results[k++] = a - b;
            results[k++] = a * b;
            results[k++] = (u32)(((i64)a * b) >> 32);
            results[k++] = (u32)(((u64)ua * ub) >> 32);
            results[k++] = (u32)(((i64)a * (i64)(u64)ub) >> 32);
            results[k++] = b == 0 ? 0 : (a == (i32)0x80000000u && b == -1) ? 1 : a / b;
            results[k++] = ub == 0 ? 0 : ua / ub;
            results[k++] = b == 0 ? 0 : (a == (i32)0x80000000u && b == -1) ? 2 : a % b;
            results[k++] = ub == 0 ? 0 : ua % ub;
            results[k++] = ua << (ub & 31);
            results[k++] = ua >> (ub & 31);
            results[k++] = (u32)(a >> (ub & 31));
            results[k++] = a < b;
            results[k++] = ua < ub;
            results[k++] = a & b;
            results[k++] = a | b;
            results[k++] = a ^ b;
            results[k++] = (u32)(short)(a + b);
            results[k++] = (u32)(unsigned char)(a ^ b);
        }
    }
    sys(64, 1, (long)results, sizeof(results));
    sys(93, 0, 0, 0);
}
