/* Privileged behaviour on bare metal (QEMU virt, -bios none): traps, delegation, mret/sret, CSR read-modify-write.
 * Every observation is stored in `results`; at `done` the program prints them over the UART and powers off. */
#define STATUS_MASK ((1 << 1) | (1 << 3) | (1 << 5) | (1 << 7) | (1 << 8) | (3 << 11))
/* Leaves M for `mode` (0 U, 1 S) at `label`, which follows. */
.macro drop_to mode, label
    li t0, 3 << 11
    csrc mstatus, t0
    li t0, \mode << 11
    csrs mstatus, t0
    la t0, \label
    csrw mepc, t0
    mret
\label:
.endm

    .section .text.start, "ax"
    .globl _start
_start:
    la s11, results
    la t0, machine_handler
    csrw mtvec, t0
    la t0, supervisor_handler
    csrw stvec, t0
    csrw medeleg, zero
    li t0, -1                   /* PMP: the whole address space for S and U (QEMU refuses mret below M without a rule) */
    csrw pmpaddr0, t0
    li t0, 0x1f
    csrw pmpcfg0, t0
    /* CSR read-modify-write */
    li t0, 0x5a5a
    csrw mscratch, t0
    li t1, 0xff
    csrrs t2, mscratch, t1
    sd t2, 0(s11)
    csrrc t2, mscratch, 0xf
    sd t2, 8(s11)
    csrrwi t2, mscratch, 7
    sd t2, 16(s11)
    csrr t2, mscratch
    sd t2, 24(s11)
    addi s11, s11, 32
    /* read-only CSRs (csr[11:10] = 3): reads are fine (csrrs/csrrsi from x0/0 do not write), a write is an illegal
       instruction, even of zero by csrrw. (csrrs from a register other than x0 holding zero is one too, by the spec
       and Spike, but QEMU 7.2 lets it pass: not compared here.) */
    csrr t2, mhartid
    sd t2, 0(s11)
    addi s11, s11, 8
    csrrsi t2, mvendorid, 0
    csrw mhartid, t2            /* t2 = 0: illegal, to M */
    csrrs t2, marchid, s11      /* illegal, to M */
    csrrci t2, mimpid, 1        /* illegal, to M */
    /* ecall from M with MIE set: MPIE <- 1, MIE <- 0, MPP <- M */
    csrsi mstatus, 8
    ecall
    li t0, STATUS_MASK
    csrr t1, mstatus
    and t1, t1, t0
    sd t1, 0(s11)
    addi s11, s11, 8
    /* drop to S and ecall back to M */
    li t0, 3 << 11
    csrc mstatus, t0
    li t0, 1 << 11
    csrs mstatus, t0
    la t0, in_supervisor
    csrw mepc, t0
    mret
in_supervisor:
    ecall
    /* back in M: delegate ecall from U to S, drop to U */
    li t0, 1 << 8
    csrw medeleg, t0
    li t0, 3 << 11
    csrc mstatus, t0
    la t0, in_user
    csrw mepc, t0
    mret
in_user:
    ecall                       /* to the supervisor handler, which returns with sret */
    csrr t0, mstatus            /* illegal from U: not delegated, to M */
    /* returns and sfence.vma below their privilege: illegal instructions, to M (the handler returns in M) */
    drop_to 0, user_mret
    mret
    drop_to 0, user_sret
    sret
    drop_to 0, user_sfence
    sfence.vma
    drop_to 1, supervisor_mret
    mret
    /* an ebreak in M */
    ebreak
    j done

    .balign 4
machine_handler:
    csrr t0, mcause
    sd t0, 0(s11)
    csrr t0, mepc
    la t1, _start
    sub t0, t0, t1
    sd t0, 8(s11)
    csrr t0, mtval
    sd t0, 16(s11)
    li t1, STATUS_MASK
    csrr t0, mstatus
    and t0, t0, t1
    sd t0, 24(s11)
    addi s11, s11, 32
    csrr t0, mepc
    addi t0, t0, 4
    csrw mepc, t0
    li t0, 3 << 11
    csrs mstatus, t0            /* return in M mode */
    mret

    .balign 4
supervisor_handler:
    csrr t0, scause
    sd t0, 0(s11)
    csrr t0, sepc
    la t1, _start
    sub t0, t0, t1
    sd t0, 8(s11)
    li t1, STATUS_MASK
    csrr t0, sstatus
    and t0, t0, t1
    sd t0, 16(s11)
    addi s11, s11, 24
    csrr t0, sepc
    addi t0, t0, 4
    csrw sepc, t0
    sret

    .globl done
done:
    la s0, results
    li s1, 0x10000000          /* UART THR */
1:  bgeu s0, s11, 3f
    lbu t0, 0(s0)
    srli t1, t0, 4
    andi t0, t0, 15
    la t2, hex
    add t3, t2, t1
    lbu t3, 0(t3)
    sb t3, 0(s1)
    add t3, t2, t0
    lbu t3, 0(t3)
    sb t3, 0(s1)
    addi s0, s0, 1
    j 1b
3:  li t0, 10
    sb t0, 0(s1)
    li t0, 0x100000            /* SiFive test finisher: pass */
    li t1, 0x5555
    sw t1, 0(t0)
4:  j 4b

    .section .rodata
hex: .ascii "0123456789abcdef"
    .bss
    .balign 8
    .globl results
results: .space 512
    .size results, 512
