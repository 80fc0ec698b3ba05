/* NPB-style IS: integer sort of keys from the NAS linear congruential generator (a = 5^13 mod 2^46), ranked by
   counting sort over several iterations, with partial verification as in the benchmark. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static const uint64_t MASK46 = (1ull << 46) - 1;
static uint64_t seed = 314159265;

/* x = a x mod 2^46; returns x / 2^46 in [0, 1). */
static double randlc(uint64_t *x, uint64_t a)
{
    *x = (*x * a) & MASK46;
    return (double)*x * (1.0 / (double)(1ull << 46));
}

int main(int argc, char **argv)
{
    int log_keys = argc > 1 ? atoi(argv[1]) : 16;
    long total_keys = 1L << log_keys;
    long max_key = 1L << (log_keys - 5);
    const int iterations = 6;
    const uint64_t a = 1220703125ull; /* 5^13 */
    int *keys = malloc(sizeof(int) * (size_t)total_keys);
    int *sorted = malloc(sizeof(int) * (size_t)total_keys);
    long *counts = malloc(sizeof(long) * (size_t)max_key);
    double k = (double)max_key / 4;
    for (long i = 0; i < total_keys; i++) {
        double x = randlc(&seed, a);
        x += randlc(&seed, a);
        x += randlc(&seed, a);
        x += randlc(&seed, a);
        keys[i] = (int)(k * x);
    }
    long checksum = 0;
    for (int iteration = 1; iteration <= iterations; iteration++) {
        keys[iteration] = iteration;
        keys[iteration + iterations] = (int)(max_key - iteration);
        for (long i = 0; i < max_key; i++)
            counts[i] = 0;
        for (long i = 0; i < total_keys; i++)
            counts[keys[i]]++;
        for (long i = 1; i < max_key; i++)
            counts[i] += counts[i - 1];
        /* rank of the probe keys: number of keys smaller than them */
        long rank_low = keys[iteration] > 0 ? counts[keys[iteration] - 1] : 0;
        long rank_high = counts[keys[iteration + iterations] - 1];
        checksum = (checksum * 131 + rank_low * 7 + rank_high) % 1000000007;
        printf("iteration %d: rank(%d) = %ld, rank(%d) = %ld\n", iteration, keys[iteration], rank_low,
               keys[iteration + iterations], rank_high);
    }
    for (long i = total_keys - 1; i >= 0; i--)
        sorted[--counts[keys[i]]] = keys[i];
    long out_of_order = 0;
    for (long i = 1; i < total_keys; i++)
        out_of_order += sorted[i - 1] > sorted[i];
    printf("keys %ld max key %ld checksum %ld full verification %s\n", total_keys, max_key, checksum,
           out_of_order == 0 ? "passed" : "FAILED");
    free(keys);
    free(sorted);
    free(counts);
    return out_of_order == 0 ? 0 : 1;
}
