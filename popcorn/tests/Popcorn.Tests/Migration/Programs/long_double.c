/* 128-bit long doubles live across calls while the thread migrates back and forth at the bottom of a recursion:
   on aarch64 they sit in Q registers and spill slots, on riscv64 in pairs of integer registers. */
#include <stdio.h>
#include <popcorn.h>

static long double __attribute__((noinline)) grow(long double x, int depth)
{
    if (depth == 0) {
        migrate(current_nid() == 0 ? 1 : 0, 0, 0);
        return x;
    }
    long double y = x * 1.5L + depth;
    long double z = grow(y, depth - 1);
    return z + y / 3;
}

int main(void)
{
    for (int i = 0; i < 4; i++)
        printf("%d %.6f\n", i, (double)grow(1.25L * i, 5 + i));
    return 0;
}
