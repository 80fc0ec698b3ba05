/* Waits to be moved from outside: says where it starts, then keeps calling a function (every call passes
   migration points) until it runs on aarch64, and says where it arrived. */
#include <popcorn.h>
#include <stdio.h>

static long step(long x)
{
    return (x * 3 + 1) % 1000003;
}

int main(void)
{
    printf("ready on %d\n", current_nid());
    fflush(stdout);
    long x = 1;
    while (current_nid() != POPCORN_NODE_AARCH64)
        x = step(x);
    printf("arrived on %d (%s)\n", current_nid(), x > 0 ? "worked" : "idle");
    return 0;
}
