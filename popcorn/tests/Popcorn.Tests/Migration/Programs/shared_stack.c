/* A worker thread holds a pointer into main's stack: main's migration is refused while it does, and succeeds
   after the join. */
#include <popcorn.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>

static volatile int ready, release;

static void *worker(void *arg)
{
    long *sum = arg;
    for (int i = 0; i < 100; i++)
        *sum += i;
    ready = 1;
    while (!release)
        sched_yield();
    return 0;
}

int main(void)
{
    long sum = 0;
    pthread_t thread;
    pthread_create(&thread, 0, worker, &sum);
    while (!ready)
        sched_yield();
    printf("while shared: %d\n", migrate(1 - current_nid(), 0, 0));
    release = 1;
    pthread_join(thread, 0);
    int result = migrate(POPCORN_NODE_AARCH64, 0, 0);
    printf("after join: %d on %d\n", result, current_nid());
    printf("sum %ld\n", sum);
    return 0;
}
