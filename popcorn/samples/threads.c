/* Threads: a bounded producer/consumer queue with a mutex and condition variables, workers summing with a lock,
   thread-local counters, a barrier, and join results. The output does not depend on scheduling. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define CAPACITY 16
#define WORKERS 4

static struct {
    long items[CAPACITY];
    int head, tail, count, done;
    pthread_mutex_t lock;
    pthread_cond_t not_empty, not_full;
} queue = {.lock = PTHREAD_MUTEX_INITIALIZER, .not_empty = PTHREAD_COND_INITIALIZER, .not_full = PTHREAD_COND_INITIALIZER};

static pthread_mutex_t total_lock = PTHREAD_MUTEX_INITIALIZER;
static long total;
static _Thread_local long consumed_here;
static pthread_barrier_t barrier;

static void put(long value)
{
    pthread_mutex_lock(&queue.lock);
    while (queue.count == CAPACITY)
        pthread_cond_wait(&queue.not_full, &queue.lock);
    queue.items[queue.tail] = value;
    queue.tail = (queue.tail + 1) % CAPACITY;
    queue.count++;
    pthread_cond_signal(&queue.not_empty);
    pthread_mutex_unlock(&queue.lock);
}

static int take(long *value)
{
    pthread_mutex_lock(&queue.lock);
    while (queue.count == 0 && !queue.done)
        pthread_cond_wait(&queue.not_empty, &queue.lock);
    if (queue.count == 0) {
        pthread_mutex_unlock(&queue.lock);
        return 0;
    }
    *value = queue.items[queue.head];
    queue.head = (queue.head + 1) % CAPACITY;
    queue.count--;
    pthread_cond_signal(&queue.not_full);
    pthread_mutex_unlock(&queue.lock);
    return 1;
}

static void *consumer(void *arg)
{
    long id = (long)arg, value, local = 0;
    while (take(&value)) {
        local += value * value % 1000;
        consumed_here++;
    }
    pthread_mutex_lock(&total_lock);
    total += local;
    pthread_mutex_unlock(&total_lock);
    pthread_barrier_wait(&barrier);
    return (void *)(consumed_here > 0 ? id + 100 : id);
}

struct range {
    long from, to, result;
};

static void *sum_range(void *arg)
{
    struct range *r = arg;
    long s = 0;
    for (long i = r->from; i < r->to; i++)
        s += i % 7 == 0 ? i : -1;
    r->result = s;
    return NULL;
}

int main(int argc, char **argv)
{
    long items = argc > 1 ? atol(argv[1]) : 20000;
    pthread_t threads[WORKERS];
    pthread_barrier_init(&barrier, NULL, WORKERS + 1);
    for (long i = 0; i < WORKERS; i++)
        pthread_create(&threads[i], NULL, consumer, (void *)i);
    for (long i = 1; i <= items; i++)
        put(i);
    pthread_mutex_lock(&queue.lock);
    queue.done = 1;
    pthread_cond_broadcast(&queue.not_empty);
    pthread_mutex_unlock(&queue.lock);
    pthread_barrier_wait(&barrier);
    long joined = 0;
    for (int i = 0; i < WORKERS; i++) {
        void *result;
        pthread_join(threads[i], &result);
        joined += (long)result % 100;
    }
    printf("queue total %ld joined %ld main consumed %ld\n", total, joined, consumed_here);

    struct range ranges[WORKERS];
    for (int i = 0; i < WORKERS; i++) {
        ranges[i] = (struct range){items * i, items * (i + 1), 0};
        pthread_create(&threads[i], NULL, sum_range, &ranges[i]);
    }
    long sum = 0;
    for (int i = 0; i < WORKERS; i++) {
        pthread_join(threads[i], NULL);
        sum += ranges[i].result;
    }
    printf("ranges sum %ld\n", sum);
    return 0;
}
