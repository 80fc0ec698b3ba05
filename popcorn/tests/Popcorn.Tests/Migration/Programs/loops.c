/* Long loops with no calls in them: a thread can leave them only at loop back-edge migration points. Integer,
   floating-point and array values are live across every back-edge. */
#include <stdio.h>

int main(void)
{
    unsigned long hash = 1469598103934665603UL;
    double mean = 0.5;
    long buckets[8] = {0};
    for (long i = 0; i < 60000; i++)
    {
        hash = (hash ^ (unsigned long)i) * 1099511628211UL;
        buckets[hash & 7]++;
        mean = mean * 0.999 + (double)(hash & 0xff) / 256.0;
        for (int bit = 0; bit < 3; bit++)
            buckets[bit] += (long)((hash >> (bit * 8)) & 1);
    }
    printf("hash %lx mean %.9f\n", hash, mean);
    for (int b = 0; b < 8; b++)
        printf("bucket %d %ld\n", b, buckets[b]);
    return 0;
}
