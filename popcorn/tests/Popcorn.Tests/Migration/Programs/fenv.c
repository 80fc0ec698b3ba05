/* fenv.h's rounding mode and accrued flags set on one node and used on the other: the thread migrates after each
   fesetround and between raising a flag and testing it. */
#include <fenv.h>
#include <popcorn.h>
#include <stdio.h>

volatile double one = 1, three = 3, zero = 0;

static void __attribute__((noinline)) hop(void)
{
    migrate(current_nid() == 0 ? 1 : 0, 0, 0);
}

int main(void)
{
    static const int modes[] = {FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO, FE_TONEAREST};
    for (int i = 0; i < 4; i++) {
        fesetround(modes[i]);
        hop();
        volatile double third = one / three;
        int mode = fegetround();
        fesetround(FE_TONEAREST);
        printf("%d %a\n", mode == modes[i], third);
    }
    feclearexcept(FE_ALL_EXCEPT);
    volatile double infinite = one / zero;
    (void)infinite;
    hop();
    int divided = fetestexcept(FE_DIVBYZERO) != 0;
    feclearexcept(FE_ALL_EXCEPT);
    hop();
    printf("divbyzero %d, then cleared %d\n", divided, fetestexcept(FE_ALL_EXCEPT));
    return 0;
}
