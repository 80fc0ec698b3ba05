/* Reset vector and machine trap vector. */
#define CPU_STACK_SIZE 4096

    .section .text.start, "ax"
    .globl _start
_start:
    la sp, cpu_stack + CPU_STACK_SIZE
    la t0, machine_trap_vector
    csrw mtvec, t0
    csrw mscratch, sp
    csrw medeleg, zero              /* every trap comes to the monitor */
    csrw mideleg, zero
    call main
    mret

    .text
    .balign 4
    .globl machine_trap_vector
machine_trap_vector:
    csrrw sp, mscratch, sp          /* sp <- monitor stack, mscratch <- caller's sp */
    addi sp, sp, -128
    sd ra, 0(sp)
    sd t0, 8(sp)
    sd t1, 16(sp)
    sd t2, 24(sp)
    sd a1, 32(sp)
    sd a2, 40(sp)
    sd a3, 48(sp)
    sd a4, 56(sp)
    sd a5, 64(sp)
    sd a6, 72(sp)
    sd a7, 80(sp)
    sd t3, 88(sp)
    sd t4, 96(sp)
    sd t5, 104(sp)
    sd t6, 112(sp)
    call do_ecall                   /* a0..a6 arguments, a7 the call number; result in a0 */
    csrr t0, mepc
    addi t0, t0, 4                  /* resume after the ecall */
    csrw mepc, t0
    ld ra, 0(sp)
    ld t0, 8(sp)
    ld t1, 16(sp)
    ld t2, 24(sp)
    ld a1, 32(sp)
    ld a2, 40(sp)
    ld a3, 48(sp)
    ld a4, 56(sp)
    ld a5, 64(sp)
    ld a6, 72(sp)
    ld a7, 80(sp)
    ld t3, 88(sp)
    ld t4, 96(sp)
    ld t5, 104(sp)
    ld t6, 112(sp)
    addi sp, sp, 128
    csrrw sp, mscratch, sp          /* back to the caller's sp; mscratch <- monitor stack top */
    mret
