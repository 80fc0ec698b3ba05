/*
 * The monitor's state and its three calls. Each user owns one dictionary entry; only the current user's entry is
 * visible. The INJECT_* macros select the tutorial's three exercises (see README.md).
 */
#include "monitor.h"

unsigned long current_user;
long dictionary[MAXUSER];

long sys_dict_get(void)
{
#if defined(INJECT_BOUNDS)
    /* Exercise (a): the bounds check is gone. */
    return dictionary[current_user];
#elif defined(INJECT_LEAK)
    /* Exercise (c): the next user's entry leaks. */
    if (current_user < MAXUSER)
        return dictionary[(current_user + 1) % MAXUSER];
    return -1;
#else
    if (current_user < MAXUSER)
        return dictionary[current_user];
    return -1;
#endif
}

long sys_dict_set(long value)
{
    if (current_user < MAXUSER) {
#if !defined(INJECT_LOST_STORE)
        /* Exercise (b) drops this store. */
        dictionary[current_user] = value;
#endif
        return 0;
    }
    return -1;
}

long sys_change_user(long user)
{
    if ((unsigned long)user < MAXUSER) {
        current_user = user;
        return 0;
    }
    return -1;
}
