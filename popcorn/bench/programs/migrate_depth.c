/* Migration cost at a chosen stack depth: recurse DEPTH frames (each with a local array and a pointer to its
   caller's), then call migrate() COUNT times, each to the other node (MODE 1) or to the node it is on (MODE 0,
   a trap that moves nothing). Prints the migrations that worked and a checksum of the frames. */
#include <popcorn.h>
#include <stdio.h>
#include <stdlib.h>

static long moved;

static long descend(int depth, int count, int mode, long *parent)
{
    long mine[2] = {depth, parent ? parent[0] + 1 : 0};
    if (depth > 1)
        return descend(depth - 1, count, mode, mine) + mine[1];
    for (int i = 0; i < count; i++)
    {
        int to = mode ? 1 - current_nid() : current_nid();
        if (migrate(to, 0, 0) == 0)
            moved++;
    }
    return mine[0] + mine[1];
}

int main(int argc, char **argv)
{
    int depth = argc > 1 ? atoi(argv[1]) : 1;
    int count = argc > 2 ? atoi(argv[2]) : 100;
    int mode = argc > 3 ? atoi(argv[3]) : 1;
    long sum = descend(depth < 1 ? 1 : depth, count, mode, 0);
    printf("moved %ld sum %ld\n", moved, sum);
    return 0;
}
