/* Small functions over two u64 arguments, built both for eBPF (clang -target bpf) and for the host; the Serval
 * tests run the first in Serval's eBPF interpreter and compare with the second on many inputs. Each function is
 * free of C undefined behaviour for every input. */
typedef unsigned long long u64;
typedef long long s64;
typedef unsigned int u32;
typedef int s32;

u64 mix(u64 a, u64 b) { return a * 3 + b * 5 - (a ^ b) + (a | 0x1234) - (b & 0xff00ff) + (a ^ 0x123456789abcdef0ULL); }
u64 shifts(u64 a, u64 b) { return (a << (b & 63)) ^ (a >> ((b >> 8) & 63)) ^ (u64)((s64)a >> ((b >> 16) & 63)); }
u64 shifts32(u64 a, u64 b) { u32 x = (u32)a; return (u64)(x << (b & 31)) + (x >> ((b >> 8) & 31)) + (u32)((s32)x >> ((b >> 16) & 31)); }
u64 compare_signed(u64 a, u64 b) { return (s64)a < (s64)b ? a - b : (s64)a > (s64)b ? b - a : 7; }
u64 compare_unsigned(u64 a, u64 b) { return a < b ? 1 : a <= b + 1 ? 2 : a >= (b ^ 5) ? 3 : 4; }
u64 compare32(u64 a, u64 b) { return (s32)a <= (s32)b ? (u32)a < (u32)b ? 1 : 2 : (u32)a > 100 ? 3 : 4; }
u64 divide(u64 a, u64 b) { return (b ? a / b : 0) + a % (b | 1) + (u32)a / ((u32)b | 1) + (u32)a % ((u32)b | 1); }
/* eBPF has signed division from ISA v4 on (clang -mcpu=v4). */
#if !defined(__BPF_CPU_VERSION__) || __BPF_CPU_VERSION__ >= 4
u64 divide_signed(u64 a, u64 b)
{
    s64 x = (s64)a, y = (s64)b;
    if (y == 0 || (x == (s64)(1ULL << 63) && y == -1))
        return 11;
    return (u64)(x / y) ^ (u64)(x % y);
}
u64 divide_signed32(u64 a, u64 b)
{
    s32 x = (s32)a, y = (s32)b;
    if (y == 0 || (x == (s32)(1U << 31) && y == -1))
        return 13;
    return (u32)(x / y) + (u32)(x % y);
}
#endif
u64 popcount_loop(u64 a, u64 b)
{
    u64 n = 0;
    for (int i = 0; i < 64; i++)
        n += (a >> i) & 1;
    return n * 256 + (b & 255);
}
u64 byte_sum(u64 a, u64 b)
{
    u64 s = 0;
    for (int i = 0; i < 8; i++)
        s += ((a >> (8 * i)) & 0xff) * (u64)(i + 1) ^ (b >> i);
    return s;
}
u64 byte_swaps(u64 a, u64 b) { return __builtin_bswap64(a) ^ __builtin_bswap32((u32)b) ^ ((u64)__builtin_bswap16((unsigned short)a) << 40); }
u64 narrow32(u64 a, u64 b) { return (u32)((u32)a * (u32)b + (u32)((s32)a >> 3) - (u32)b); }
u64 sign_extends(u64 a, u64 b) { return (u64)((s64)(signed char)a + (s64)(short)b + (s64)(s32)a); }
u64 stack_table(u64 a, u64 b)
{
    volatile u64 table[8];
    for (int i = 0; i < 8; i++)
        table[i] = a ^ (b << i);
    return table[b & 7] + table[(a >> 3) & 7];
}
u64 bit_tests(u64 a, u64 b) { return ((a & b) ? 1 : 0) | ((a & 0x80) ? 2 : 0) | (((u32)a & (u32)b & 0x10000) ? 4 : 0) | (a == b ? 8 : 0); }
u64 negate(u64 a, u64 b) { return -a + (u64)(u32)-(u32)b; }
/* Atomic read-modify-write on the stack (fetching forms, xchg and cmpxchg from ISA v3 on) and a sign-extending load. */
#if !defined(__BPF_CPU_VERSION__) || __BPF_CPU_VERSION__ >= 3
u64 atomics(u64 a, u64 b)
{
    volatile u64 x = a;
    volatile unsigned y = (unsigned)b;
    __sync_fetch_and_add(&x, b);
    u64 old = __sync_fetch_and_or(&x, 3);
    __sync_fetch_and_and(&y, 0xf0f0);
    u64 swapped = __sync_lock_test_and_set(&x, a ^ b);
    u64 compared = __sync_val_compare_and_swap(&x, a, b);
    unsigned compared32 = __sync_val_compare_and_swap(&y, (unsigned)a, 7);
    __sync_fetch_and_xor(&y, 5);
    return old + swapped + compared + compared32 + x + y + (u64)(s64)(signed char)*(volatile signed char *)&y;
}
#endif
