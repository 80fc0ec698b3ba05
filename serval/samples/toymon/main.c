/* Boot-time initialisation and the ecall dispatcher. */
#include "monitor.h"

char cpu_stack[CPU_STACK_SIZE] __attribute__((aligned(16)));

/* Called from the trap vector with the caller's a0..a6 and the call number in a7. */
long do_ecall(long a0, long a1, long a2, long a3, long a4, long a5, long a6, long nr)
{
    (void)a1; (void)a2; (void)a3; (void)a4; (void)a5; (void)a6;
    if (nr == SYS_dict_get)
        return sys_dict_get();
    if (nr == SYS_dict_set)
        return sys_dict_set(a0);
    if (nr == SYS_change_user)
        return sys_change_user(a0);
    return -ENOSYS;
}

/* Called once from the reset vector; returns into supervisor mode at USER_ENTRY through mret. */
void main(void)
{
    int i;
    current_user = 0;
    for (i = 0; i < MAXUSER; i++)
        dictionary[i] = 0;
    asm volatile("csrw mepc, %0" : : "r"(USER_ENTRY));
    /* mstatus.MPP = S (01): mret drops to supervisor mode. */
    asm volatile("csrc mstatus, %0" : : "r"(3UL << 11));
    asm volatile("csrs mstatus, %0" : : "r"(1UL << 11));
}
