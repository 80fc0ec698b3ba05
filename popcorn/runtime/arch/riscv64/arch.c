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
