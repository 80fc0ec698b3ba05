/* Programs that end badly, chosen by the first argument: an exit code, an unknown instruction, a null store,
   a breakpoint, a misaligned atomic. */
#include "rvtest.h"

__attribute__((noinline)) void undefined_instruction(void)
{
    __asm__ volatile(".word 0x0000707f");
}

int main(int argc, char **argv)
{
    char mode = argc > 1 ? argv[1][0] : 'x';
    put_string("before\n");
    flush();
    switch (mode) {
    case 'u':
        undefined_instruction();
        break;
    case 'n':
        *(volatile int *)0 = 1;
        break;
    case 'b':
        __asm__ volatile("ebreak");
        break;
    case 'a': {
        static volatile u64 words[2];
        u64 old;
        __asm__ volatile("amoadd.d %0, %2, (%1)" : "=r"(old) : "r"((char *)words + 4), "r"(1UL) : "memory");
        break;
    }
    default:
        return 37;
    }
    put_string("after\n");
    return 0;
}

__attribute__((naked)) void _start(void)
{
    __asm__ volatile("ld a0, 0(sp)\n addi a1, sp, 8\n call main\n call finish_main\n");
}

void finish_main(int code)
{
    finish(code);
}
