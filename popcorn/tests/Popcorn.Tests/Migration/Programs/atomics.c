/* Two threads update shared counters with C11 atomics while they migrate: a compare-and-swap loop whose next
   value comes from a call (a migration point between the load and the swap), and fetch-and-add. A weak
   compare-and-swap is an LR/SC (riscv64) or LDAXR/STLXR (aarch64) loop: a reservation taken on one node, or
   before the thread was switched out, must not let the store-conditional succeed. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <popcorn.h>

#define ROUNDS 400

static _Atomic long total;
static _Atomic int hits;
static _Atomic long retries;

static long __attribute__((noinline)) next_value(long old, int step)
{
    return old + step;
}

static void *worker(void *arg)
{
    int step = (int)(long)arg;
    for (int i = 0; i < ROUNDS; i++) {
        long old = atomic_load_explicit(&total, memory_order_relaxed);
        while (!atomic_compare_exchange_weak(&total, &old, next_value(old, step)))
            atomic_fetch_add(&retries, 1);
        atomic_fetch_add(&hits, 1);
    }
    return 0;
}

int main(void)
{
    pthread_t threads[2];
    for (long t = 0; t < 2; t++)
        pthread_create(&threads[t], 0, worker, (void *)(t + 1));
    worker((void *)10);
    for (int t = 0; t < 2; t++)
        pthread_join(threads[t], 0);
    printf("total %ld hits %d\n", atomic_load(&total), atomic_load(&hits));
    printf("retries %ld\n", atomic_load(&retries));
    return 0;
}
