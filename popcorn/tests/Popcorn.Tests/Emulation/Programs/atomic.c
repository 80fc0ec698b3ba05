/* RV64A: LR/SC and every AMO at both widths over edge values; old values and memory afterwards printed. */
#include "rvtest.h"

static const u64 values[] = {0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x7fffffffffffffff, 0x8000000000000000, 0xffffffffffffffff, 0x123456789abcdef0};
#define COUNT (sizeof values / sizeof values[0])
static volatile u64 cell;

#define AMO(op, width) \
    static u64 amo_##op##_##width(u64 operand) { u64 old; __asm__ volatile("amo" #op "." #width ".aqrl %0, %2, (%1)" : "=r"(old) : "r"(&cell), "r"(operand) : "memory"); return old; }
#define BOTH(op) AMO(op, w) AMO(op, d)
BOTH(swap) BOTH(add) BOTH(xor) BOTH(and) BOTH(or) BOTH(min) BOTH(max) BOTH(minu) BOTH(maxu)

struct amo { const char *name; u64 (*fn)(u64); };
static const struct amo amos[] = {
    {"amoswap.w", amo_swap_w}, {"amoadd.w", amo_add_w}, {"amoxor.w", amo_xor_w}, {"amoand.w", amo_and_w}, {"amoor.w", amo_or_w},
    {"amomin.w", amo_min_w}, {"amomax.w", amo_max_w}, {"amominu.w", amo_minu_w}, {"amomaxu.w", amo_maxu_w},
    {"amoswap.d", amo_swap_d}, {"amoadd.d", amo_add_d}, {"amoxor.d", amo_xor_d}, {"amoand.d", amo_and_d}, {"amoor.d", amo_or_d},
    {"amomin.d", amo_min_d}, {"amomax.d", amo_max_d}, {"amominu.d", amo_minu_d}, {"amomaxu.d", amo_maxu_d},
};

int main(void)
{
    for (unsigned i = 0; i < sizeof amos / sizeof amos[0]; i++) {
        for (unsigned a = 0; a < COUNT; a++) {
            for (unsigned b = 0; b < COUNT; b++) {
                cell = values[a];
                u64 old = amos[i].fn(values[b]);
                put_line(amos[i].name, values[a], values[b], old);
                put_line("  cell", 0, 0, cell);
            }
        }
    }
    /* LR/SC: a successful pair, an SC without a reservation, and an SC to another address. */
    u64 other = 5, result, loaded;
    cell = 0x1111;
    __asm__ volatile("lr.d %0, (%2)\n sc.d %1, %3, (%2)" : "=&r"(loaded), "=&r"(result) : "r"(&cell), "r"(0x2222UL) : "memory");
    put_line("lr.d/sc.d", loaded, result, cell);
    __asm__ volatile("sc.d %0, %2, (%1)" : "=&r"(result) : "r"(&cell), "r"(0x3333UL) : "memory");
    put_line("sc.d-alone", 0, result, cell);
    __asm__ volatile("lr.w %0, (%2)\n sc.w %1, %3, (%4)" : "=&r"(loaded), "=&r"(result) : "r"(&cell), "r"(0x4444UL), "r"(&other) : "memory");
    put_line("sc.w-other", loaded, result, other);
    cell = 0xffffffff80000000;
    __asm__ volatile("lr.w %0, (%2)\n sc.w %1, %3, (%2)" : "=&r"(loaded), "=&r"(result) : "r"(&cell), "r"(0x7fffffffUL) : "memory");
    put_line("lr.w/sc.w", loaded, result, cell);
    return 0;
}

void _start(void)
{
    finish(main());
}
