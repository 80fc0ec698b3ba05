/* 32-bit integers live across calls while the thread migrates at every call: negative ints and unsigned ints
   with the top bit set, each used afterwards as a 64-bit value (sign- or zero-extended). */
#include <stdio.h>
#include <stdint.h>
#include <popcorn.h>

volatile int32_t signed_in[4] = { -1, -123456789, 0x7fffffff, -2147483647 - 1 };
volatile uint32_t unsigned_in[4] = { 0xffffffffu, 0x80000000u, 0xdeadbeefu, 0x12345678u };

static void __attribute__((noinline)) hop(void)
{
    migrate(current_nid() == 0 ? 1 : 0, 0, 0);
}

static int64_t __attribute__((noinline)) widen_signed(int i)
{
    int32_t a = signed_in[i];
    int32_t b = signed_in[(i + 1) & 3];
    hop();
    int64_t wide = (int64_t)a * 3 + (int64_t)b;
    hop();
    return wide + a;
}

static uint64_t __attribute__((noinline)) widen_unsigned(int i)
{
    uint32_t a = unsigned_in[i];
    uint32_t b = unsigned_in[(i + 1) & 3];
    hop();
    uint64_t wide = (uint64_t)a * 3 + (uint64_t)b;
    hop();
    return wide + a + (uint64_t)(a >> 1);
}

static int64_t __attribute__((noinline)) index_signed(const long long *base, int i)
{
    int32_t offset = signed_in[i] < 0 ? -2 : 2;
    int32_t scaled = signed_in[i] >> 28;
    hop();
    return base[offset] + scaled + (int64_t)(uint32_t)scaled;
}

int main(void)
{
    long long table[5] = { 10, 20, 30, 40, 50 };
    for (int i = 0; i < 4; i++) {
        long long s = widen_signed(i);
        unsigned long long u = widen_unsigned(i);
        long long x = index_signed(&table[2], i);
        printf("%d %lld %llu %lld\n", i, s, u, x);
    }
    return 0;
}
