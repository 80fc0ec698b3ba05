/* Popcorn's migration API over the emulator's migration trap. */
#include "internal.h"
#include <popcorn.h>

/* Set by the emulator while a migration request or policy is active: the cheap test at every migration point. */
volatile int __pc_migrate_flag;

int current_nid(void)
{
    return (int)__pc_syscall1(SYS_popcorn_node, -1);
}

int node_available(int nid)
{
    return nid >= 0 && __pc_syscall1(SYS_popcorn_node, nid) > 0;
}

int migrate(int nid, void (*cb)(void *), void *data)
{
    long result = __pc_migrate_trap(nid);
    if (result < 0)
        return -1;
    if (cb)
        cb(data);
    return 0;
}

void check_migrate(void (*cb)(void *), void *data)
{
    if (!__pc_migrate_flag)
        return;
    long result = __pc_migrate_trap(-1);
    if (result >= 0 && (result & 0x100) && cb)
        cb(data);
}
