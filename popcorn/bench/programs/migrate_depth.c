/* Migration cost at a chosen stack depth: recurse DEPTH frames (each with a local array and a pointer to its
   caller's), then call migrate() COUNT times, each to the other node (MODE 1), to the node it is on (MODE 0, a trap
   that moves nothing), or an empty function instead (MODE 2, the loop's own cost). Prints the migrations that
   worked, a checksum of the frames and the loop's monotonic time in nanoseconds, so that what the process does
   before and after (loading, building call-site tables) is not part of the measurement. */
#include <popcorn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long moved;

static int __attribute__((noinline)) stay_put(int to)
{
    return to - to;
}

static long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static long long elapsed;

static long descend(int depth, int count, int mode, long *parent)
{
    long mine[2] = {depth, parent ? parent[0] + 1 : 0};
    if (depth > 1)
        return descend(depth - 1, count, mode, mine) + mine[1];
    long long start = now_ns();
    for (int i = 0; i < count; i++)
    {
        int to = mode == 1 ? 1 - current_nid() : current_nid();
        if ((mode == 2 ? stay_put(to) : migrate(to, 0, 0)) == 0)
            moved++;
    }
    elapsed = now_ns() - start;
    return mine[0] + mine[1];
}

int main(int argc, char **argv)
{
    int depth = argc > 1 ? atoi(argv[1]) : 1;
    int count = argc > 2 ? atoi(argv[2]) : 100;
    int mode = argc > 3 ? atoi(argv[3]) : 1;
    long sum = descend(depth < 1 ? 1 : depth, count, mode, 0);
    printf("moved %ld sum %ld ns %lld\n", moved, sum, elapsed);
    return 0;
}
