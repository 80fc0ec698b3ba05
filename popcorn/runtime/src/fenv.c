/* fenv.h over the per-ISA accessors of arch.c, which speak x86 glibc's encoding of flags and rounding modes. */
#include "internal.h"
#include <fenv.h>

/* An ISA's register bits to fenv.h's flags: bit i stands for table[i]. */
unsigned __pc_fe_decode(unsigned long bits, const unsigned *table, int count)
{
    unsigned result = 0;
    for (int i = 0; i < count; i++)
        if (bits >> i & 1)
            result |= table[i];
    return result;
}

/* fenv.h's flags (or one rounding mode, count 4) to an ISA's bits (the mode's index), through the same table. */
unsigned long __pc_fe_encode(unsigned value, const unsigned *table, int count)
{
    unsigned long result = 0;
    for (int i = 0; i < count; i++) {
        if (count == 4 && table[i] == value)
            return (unsigned long)i;
        if (count != 4 && (value & table[i]))
            result |= 1UL << i;
    }
    return result;
}

int feclearexcept(int excepts)
{
    __pc_fe_set_flags(__pc_fe_flags() & ~(unsigned)excepts);
    return 0;
}

int fegetexceptflag(fexcept_t *flags, int excepts)
{
    *flags = __pc_fe_flags() & (unsigned)excepts & FE_ALL_EXCEPT;
    return 0;
}

/* Raising sets the flags: no exception traps, as on both ISAs' Linux by default. */
int feraiseexcept(int excepts)
{
    __pc_fe_set_flags(__pc_fe_flags() | ((unsigned)excepts & FE_ALL_EXCEPT));
    return 0;
}

int fesetexceptflag(const fexcept_t *flags, int excepts)
{
    unsigned mask = (unsigned)excepts & FE_ALL_EXCEPT;
    __pc_fe_set_flags((__pc_fe_flags() & ~mask) | (*flags & mask));
    return 0;
}

int fetestexcept(int excepts) { return (int)(__pc_fe_flags() & (unsigned)excepts & FE_ALL_EXCEPT); }
int fegetround(void) { return (int)__pc_fe_round(); }

int fesetround(int round)
{
    if (round != FE_TONEAREST && round != FE_DOWNWARD && round != FE_UPWARD && round != FE_TOWARDZERO)
        return 1;
    __pc_fe_set_round((unsigned)round);
    return 0;
}

int fegetenv(fenv_t *env)
{
    env->__round = __pc_fe_round();
    env->__flags = __pc_fe_flags();
    return 0;
}

int feholdexcept(fenv_t *env)
{
    fegetenv(env);
    __pc_fe_set_flags(0);
    return 0;
}

int fesetenv(const fenv_t *env)
{
    __pc_fe_set_round(env == FE_DFL_ENV ? FE_TONEAREST : env->__round);
    __pc_fe_set_flags(env == FE_DFL_ENV ? 0 : env->__flags);
    return 0;
}

int feupdateenv(const fenv_t *env)
{
    unsigned raised = __pc_fe_flags();
    fesetenv(env);
    return feraiseexcept((int)raised);
}
