/* riscv64 start-up, system calls, thread pointer and clone for the Popcorn runtime. */
#include "../../src/internal.h"

/* gp (never allocated; no linker relaxation uses it) holds the migration flag's address in every thread (clone copies it): migration points
   read the flag through it. */
__attribute__((naked, noreturn)) void _start(void)
{
    __asm__ volatile(
        "li s0, 0\n"
        "li ra, 0\n"
        "lla gp, __pc_migrate_flag\n"
        "mv a0, sp\n"
        "andi sp, sp, -16\n"
        "call __pc_start_c\n"
        "ebreak\n");
}

long __pc_syscall(long number, long a0, long a1, long a2, long a3, long a4, long a5)
{
    register long a7r __asm__("a7") = number;
    register long a0r __asm__("a0") = a0;
    register long a1r __asm__("a1") = a1;
    register long a2r __asm__("a2") = a2;
    register long a3r __asm__("a3") = a3;
    register long a4r __asm__("a4") = a4;
    register long a5r __asm__("a5") = a5;
    __asm__ volatile("ecall" : "+r"(a0r) : "r"(a7r), "r"(a1r), "r"(a2r), "r"(a3r), "r"(a4r), "r"(a5r) : "memory");
    return a0r;
}

void __pc_set_thread_pointer(void *tp)
{
    __asm__ volatile("mv tp, %0" : : "r"(tp) : "memory");
}

unsigned long __pc_thread_pointer_bias(unsigned long tls_align)
{
    (void)tls_align;
    return 0;
}

__attribute__((naked)) long __pc_clone(unsigned long flags, void *stack, int *parent_tid, void *tls, int *child_tid,
                                       int (*fn)(void *), void *arg)
{
    __asm__ volatile(
        "andi a1, a1, -16\n"
        "addi a1, a1, -16\n"
        "sd a5, 0(a1)\n"
        "sd a6, 8(a1)\n"
        "li a7, 220\n"
        "ecall\n"
        "beqz a0, 1f\n"
        "ret\n"
        "1:\n"
        "ld a1, 0(sp)\n"
        "ld a0, 8(sp)\n"
        "addi sp, sp, 16\n"
        "li s0, 0\n"
        "li ra, 0\n"
        "lla gp, __pc_migrate_flag\n"
        "jalr a1\n"
        "li a7, 93\n"
        "ecall\n"
        "ebreak\n");
}

__attribute__((naked)) long __pc_migrate_trap(long nid)
{
    __asm__ volatile(
        "li a7, 4000\n"
        "ecall\n"
        "ret\n");
}

/* jmp_buf: a tag naming this node's layout, ra, sp, s0-s11, fs0-fs11 (gp holds the flag's address, the same in
   every frame). longjmp checks the tag: a buffer filled on the other node cannot be resumed here. */
#define JMP_TAG "li t0, 0x52563a4a4d50\n"

__attribute__((naked, returns_twice)) int setjmp(long *env)
{
    __asm__ volatile(
        JMP_TAG
        "sd t0, 0(a0)\n"
        "sd ra, 8(a0)\n"
        "sd sp, 16(a0)\n"
        "sd s0, 24(a0)\n"
        "sd s1, 32(a0)\n"
        "sd s2, 40(a0)\n"
        "sd s3, 48(a0)\n"
        "sd s4, 56(a0)\n"
        "sd s5, 64(a0)\n"
        "sd s6, 72(a0)\n"
        "sd s7, 80(a0)\n"
        "sd s8, 88(a0)\n"
        "sd s9, 96(a0)\n"
        "sd s10, 104(a0)\n"
        "sd s11, 112(a0)\n"
        "fsd fs0, 120(a0)\n"
        "fsd fs1, 128(a0)\n"
        "fsd fs2, 136(a0)\n"
        "fsd fs3, 144(a0)\n"
        "fsd fs4, 152(a0)\n"
        "fsd fs5, 160(a0)\n"
        "fsd fs6, 168(a0)\n"
        "fsd fs7, 176(a0)\n"
        "fsd fs8, 184(a0)\n"
        "fsd fs9, 192(a0)\n"
        "fsd fs10, 200(a0)\n"
        "fsd fs11, 208(a0)\n"
        "li a0, 0\n"
        "ret\n");
}

__attribute__((naked, noreturn)) void longjmp(long *env, int value)
{
    __asm__ volatile(
        JMP_TAG
        "ld t1, 0(a0)\n"
        "bne t0, t1, 1f\n"
        "ld ra, 8(a0)\n"
        "ld sp, 16(a0)\n"
        "ld s0, 24(a0)\n"
        "ld s1, 32(a0)\n"
        "ld s2, 40(a0)\n"
        "ld s3, 48(a0)\n"
        "ld s4, 56(a0)\n"
        "ld s5, 64(a0)\n"
        "ld s6, 72(a0)\n"
        "ld s7, 80(a0)\n"
        "ld s8, 88(a0)\n"
        "ld s9, 96(a0)\n"
        "ld s10, 104(a0)\n"
        "ld s11, 112(a0)\n"
        "fld fs0, 120(a0)\n"
        "fld fs1, 128(a0)\n"
        "fld fs2, 136(a0)\n"
        "fld fs3, 144(a0)\n"
        "fld fs4, 152(a0)\n"
        "fld fs5, 160(a0)\n"
        "fld fs6, 168(a0)\n"
        "fld fs7, 176(a0)\n"
        "fld fs8, 184(a0)\n"
        "fld fs9, 192(a0)\n"
        "fld fs10, 200(a0)\n"
        "fld fs11, 208(a0)\n"
        "seqz a0, a1\n"
        "add a0, a0, a1\n"
        "ret\n"
        "1:\n"
        "tail __pc_longjmp_elsewhere\n");
}

/* fenv.h: fflags NX, UF, OF, DZ, NV (bits 0-4) and frm (nearest, zero, down, up), translated by fenv.c into x86
   glibc's values, which <fenv.h> uses on both ISAs. */
static const unsigned fflags_flags[5] = {0x20, 0x10, 0x08, 0x04, 0x01}, frm_rounds[4] = {0, 0xc00, 0x400, 0x800};

unsigned __pc_fe_flags(void)
{
    unsigned long v;
    __asm__ volatile("frflags %0" : "=r"(v));
    return __pc_fe_decode(v, fflags_flags, 5);
}

unsigned __pc_fe_round(void)
{
    unsigned long v;
    __asm__ volatile("frrm %0" : "=r"(v));
    return v < 4 ? frm_rounds[v] : 0;
}

void __pc_fe_set_flags(unsigned flags)
{
    __asm__ volatile("fsflags %0" : : "r"(__pc_fe_encode(flags, fflags_flags, 5)) : "memory");
}

void __pc_fe_set_round(unsigned round)
{
    __asm__ volatile("fsrm %0" : : "r"(__pc_fe_encode(round, frm_rounds, 4)) : "memory");
}
