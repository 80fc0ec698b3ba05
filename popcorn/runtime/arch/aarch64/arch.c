/* aarch64 start-up, system calls, thread pointer and clone for the Popcorn runtime. */
#include "../../src/internal.h"

/* x28 (reserved from allocation) holds the migration flag's address in every thread (clone copies it): migration points
   read the flag through it. */
__attribute__((naked, noreturn)) void _start(void)
{
    __asm__ volatile(
        "mov x29, #0\n"
        "mov x30, #0\n"
        "adrp x28, __pc_migrate_flag\n"
        "add x28, x28, :lo12:__pc_migrate_flag\n"
        "mov x0, sp\n"
        "and x1, x0, #-16\n"
        "mov sp, x1\n"
        "bl __pc_start_c\n"
        "brk #1\n");
}

long __pc_syscall(long number, long a0, long a1, long a2, long a3, long a4, long a5)
{
    register long x8 __asm__("x8") = number;
    register long x0 __asm__("x0") = a0;
    register long x1 __asm__("x1") = a1;
    register long x2 __asm__("x2") = a2;
    register long x3 __asm__("x3") = a3;
    register long x4 __asm__("x4") = a4;
    register long x5 __asm__("x5") = a5;
    __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5) : "memory");
    return x0;
}

void __pc_set_thread_pointer(void *tp)
{
    __asm__ volatile("msr tpidr_el0, %0" : : "r"(tp) : "memory");
}

unsigned long __pc_thread_pointer_bias(unsigned long tls_align)
{
    return (16 + tls_align - 1) & ~(tls_align - 1);
}

__attribute__((naked)) long __pc_clone(unsigned long flags, void *stack, int *parent_tid, void *tls, int *child_tid,
                                       int (*fn)(void *), void *arg)
{
    __asm__ volatile(
        "and x1, x1, #-16\n"
        "stp x5, x6, [x1, #-16]!\n"
        "mov x8, #220\n"
        "svc #0\n"
        "cbz x0, 1f\n"
        "ret\n"
        "1:\n"
        "ldp x1, x0, [sp], #16\n"
        "mov x29, #0\n"
        "mov x30, #0\n"
        "blr x1\n"
        "mov x8, #93\n"
        "svc #0\n"
        "brk #1\n");
}

__attribute__((naked)) long __pc_migrate_trap(long nid)
{
    __asm__ volatile(
        "mov x8, #4000\n"
        "svc #0\n"
        "ret\n");
}

/* jmp_buf: a tag naming this node's layout, x19-x27, x29, x30, sp, d8-d15 (x28 holds the flag's address, the same in
   every frame). longjmp checks the tag: a buffer filled on the other node cannot be resumed here. */
#define JMP_TAG "mov x16, #0x4d50\nmovk x16, #0x344a, lsl #16\nmovk x16, #0x4136, lsl #32\n"

__attribute__((naked, returns_twice)) int setjmp(long *env)
{
    __asm__ volatile(
        JMP_TAG
        "str x16, [x0]\n"
        "stp x19, x20, [x0, #8]\n"
        "stp x21, x22, [x0, #24]\n"
        "stp x23, x24, [x0, #40]\n"
        "stp x25, x26, [x0, #56]\n"
        "stp x27, x29, [x0, #72]\n"
        "mov x16, sp\n"
        "stp x30, x16, [x0, #88]\n"
        "stp d8, d9, [x0, #104]\n"
        "stp d10, d11, [x0, #120]\n"
        "stp d12, d13, [x0, #136]\n"
        "stp d14, d15, [x0, #152]\n"
        "mov w0, #0\n"
        "ret\n");
}

__attribute__((naked, noreturn)) void longjmp(long *env, int value)
{
    __asm__ volatile(
        JMP_TAG
        "ldr x17, [x0]\n"
        "cmp x16, x17\n"
        "b.ne 1f\n"
        "ldp x19, x20, [x0, #8]\n"
        "ldp x21, x22, [x0, #24]\n"
        "ldp x23, x24, [x0, #40]\n"
        "ldp x25, x26, [x0, #56]\n"
        "ldp x27, x29, [x0, #72]\n"
        "ldp x30, x16, [x0, #88]\n"
        "mov sp, x16\n"
        "ldp d8, d9, [x0, #104]\n"
        "ldp d10, d11, [x0, #120]\n"
        "ldp d12, d13, [x0, #136]\n"
        "ldp d14, d15, [x0, #152]\n"
        "cmp w1, #0\n"
        "csinc w0, w1, wzr, ne\n"
        "ret\n"
        "1:\n"
        "b __pc_longjmp_elsewhere\n");
}

/* fenv.h: FPSR's cumulative flags IOC, DZC, OFC, UFC, IXC (bits 0-4) and FPCR's RMode (bits 22-23: nearest, +inf,
   -inf, zero), translated by fenv.c into x86 glibc's values, which <fenv.h> uses on both ISAs. */
static const unsigned fpsr_flags[5] = {0x01, 0x04, 0x08, 0x10, 0x20}, fpcr_rounds[4] = {0, 0x800, 0x400, 0xc00};
static unsigned long fpsr(void) { unsigned long v; __asm__ volatile("mrs %0, fpsr" : "=r"(v)); return v; }
static unsigned long fpcr(void) { unsigned long v; __asm__ volatile("mrs %0, fpcr" : "=r"(v)); return v; }

unsigned __pc_fe_flags(void) { return __pc_fe_decode(fpsr(), fpsr_flags, 5); }
unsigned __pc_fe_round(void) { return fpcr_rounds[fpcr() >> 22 & 3]; }

void __pc_fe_set_flags(unsigned flags)
{
    unsigned long v = (fpsr() & ~0x1fUL) | __pc_fe_encode(flags, fpsr_flags, 5);
    __asm__ volatile("msr fpsr, %0" : : "r"(v) : "memory");
}

void __pc_fe_set_round(unsigned round)
{
    unsigned long v = (fpcr() & ~(3UL << 22)) | __pc_fe_encode(round, fpcr_rounds, 4) << 22;
    __asm__ volatile("msr fpcr, %0" : : "r"(v) : "memory");
}
