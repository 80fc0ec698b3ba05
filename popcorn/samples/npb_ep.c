/* NPB-style EP: Gaussian pairs by the Marsaglia polar method from the NAS generator, counted in square annuli.
   The work is split into blocks whose seeds come from jumping the generator ahead, shared by worker threads;
   per-block results are combined in block order, so the result does not depend on the number of threads. */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define BINS 10
#define BLOCKS 16
#define THREADS 2

static const uint64_t MASK46 = (1ull << 46) - 1;
static const uint64_t A = 1220703125ull; /* 5^13 */
static const uint64_t SEED = 271828183;

struct block {
    double sx, sy;
    long counts[BINS];
};

static long pairs_per_block;
static struct block blocks[BLOCKS];

/* a^e mod 2^46 */
static uint64_t power(uint64_t a, uint64_t e)
{
    uint64_t result = 1;
    while (e) {
        if (e & 1)
            result = (result * a) & MASK46;
        a = (a * a) & MASK46;
        e >>= 1;
    }
    return result;
}

static double next(uint64_t *x)
{
    *x = (*x * A) & MASK46;
    return (double)*x / (double)(1ull << 46);
}

static void run_block(int b)
{
    uint64_t x = (SEED * power(A, (uint64_t)(2 * pairs_per_block * b))) & MASK46;
    struct block *out = &blocks[b];
    for (long i = 0; i < pairs_per_block; i++) {
        double u = 2 * next(&x) - 1, v = 2 * next(&x) - 1;
        double t = u * u + v * v;
        if (t > 1 || t == 0)
            continue;
        double factor = sqrt(-2 * log(t) / t);
        double gx = u * factor, gy = v * factor;
        int bin = (int)fmax(fabs(gx), fabs(gy));
        if (bin < BINS)
            out->counts[bin]++;
        out->sx += gx;
        out->sy += gy;
    }
}

static void *worker(void *arg)
{
    for (long b = (long)arg; b < BLOCKS; b += THREADS)
        run_block((int)b);
    return NULL;
}

int main(int argc, char **argv)
{
    int log_pairs = argc > 1 ? atoi(argv[1]) : 15;
    pairs_per_block = (1L << log_pairs) / BLOCKS;
    pthread_t threads[THREADS];
    for (long t = 0; t < THREADS; t++)
        pthread_create(&threads[t], NULL, worker, (void *)t);
    for (int t = 0; t < THREADS; t++)
        pthread_join(threads[t], NULL);
    double sx = 0, sy = 0;
    long counts[BINS] = {0}, total = 0;
    for (int b = 0; b < BLOCKS; b++) {
        sx += blocks[b].sx;
        sy += blocks[b].sy;
        for (int i = 0; i < BINS; i++)
            counts[i] += blocks[b].counts[i];
    }
    printf("EP: 2^%d pairs in %d blocks on %d threads\n", log_pairs, BLOCKS, THREADS);
    printf("sx = %.15e\nsy = %.15e\n", sx, sy);
    for (int i = 0; i < BINS; i++) {
        printf("annulus %d: %ld\n", i, counts[i]);
        total += counts[i];
    }
    printf("gaussian pairs %ld\n", total);
    return 0;
}
