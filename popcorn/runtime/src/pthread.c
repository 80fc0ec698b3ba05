/* POSIX threads over clone(2) and futex(2): threads, mutexes, condition variables, once, barriers, read-write locks. */
#include "internal.h"
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>

#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAKE_PRIVATE 129
#define DEFAULT_STACK_SIZE (1024 * 1024)
#define CLONE_THREAD_FLAGS 0x3d0f00 /* VM FS FILES SIGHAND THREAD SYSVSEM SETTLS PARENT_SETTID CHILD_CLEARTID */

struct __pc_thread {
    volatile int tid; /* cleared by the kernel when the thread exits (CLONE_CHILD_CLEARTID) */
    int detached;
    void *(*start)(void *);
    void *arg;
    void *result;
    void *mapping;
    size_t mapping_size;
};

static struct __pc_thread main_thread;
static _Thread_local struct __pc_thread *current;

static void futex_wait(volatile int *word, int expected)
{
    __pc_syscall4(SYS_futex, word, FUTEX_WAIT_PRIVATE, expected, 0);
}

/* The kernel wakes a CLONE_CHILD_CLEARTID word with a shared futex operation, so join waits the shared way. */
static void futex_wait_shared(volatile int *word, int expected)
{
    __pc_syscall4(SYS_futex, word, 0, expected, 0);
}

static void futex_wake(volatile int *word, int count)
{
    __pc_syscall3(SYS_futex, word, FUTEX_WAKE_PRIVATE, count);
}

/* A three-state lock (0 free, 1 held, 2 held with waiters). */
void __pc_lock(volatile int *lock)
{
    int expected = 0;
    if (__atomic_compare_exchange_n(lock, &expected, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
        return;
    if (expected != 2)
        expected = __atomic_exchange_n(lock, 2, __ATOMIC_ACQUIRE);
    while (expected != 0) {
        futex_wait(lock, 2);
        expected = __atomic_exchange_n(lock, 2, __ATOMIC_ACQUIRE);
    }
}

void __pc_unlock(volatile int *lock)
{
    if (__atomic_exchange_n(lock, 0, __ATOMIC_RELEASE) == 2)
        futex_wake(lock, 1);
}

static int thread_main(void *argument)
{
    struct __pc_thread *self = argument;
    current = self;
    self->result = self->start(self->arg);
    /* Never return into __pc_clone: after a migration this frame's caller is the other ISA's code. */
    for (;;)
        __pc_syscall1(SYS_exit, 0);
}

int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*start)(void *), void *arg)
{
    size_t stack_size = attr && attr->stack_size ? (attr->stack_size + 15) & ~(size_t)15 : DEFAULT_STACK_SIZE;
    size_t tls_size = (__pc_tls_area_size() + 15) & ~(size_t)15;
    size_t size = (stack_size + tls_size + sizeof(struct __pc_thread) + 4095) & ~(size_t)4095;
    char *mapping = mmap(0, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapping == MAP_FAILED)
        return EAGAIN;
    struct __pc_thread *record = (struct __pc_thread *)(mapping + stack_size + tls_size);
    memset(record, 0, sizeof *record);
    record->start = start;
    record->arg = arg;
    record->detached = attr && attr->detached;
    record->mapping = mapping;
    record->mapping_size = size;
    void *tp = __pc_tls_init(mapping + stack_size);
    long tid = __pc_clone(CLONE_THREAD_FLAGS, mapping + stack_size, (int *)&record->tid, tp, (int *)&record->tid,
                          thread_main, record);
    if (tid < 0) {
        munmap(mapping, size);
        return (int)-tid;
    }
    *thread = record;
    return 0;
}

int pthread_join(pthread_t thread, void **result)
{
    int tid;
    while ((tid = __atomic_load_n(&thread->tid, __ATOMIC_ACQUIRE)) != 0)
        futex_wait_shared(&thread->tid, tid);
    if (result)
        *result = thread->result;
    munmap(thread->mapping, thread->mapping_size);
    return 0;
}

int pthread_detach(pthread_t thread)
{
    thread->detached = 1;
    return 0;
}

_Noreturn void pthread_exit(void *result)
{
    struct __pc_thread *self = pthread_self();
    self->result = result;
    if (self == &main_thread)
        __pc_syscall1(SYS_exit_group, 0);
    for (;;)
        __pc_syscall1(SYS_exit, 0);
}

pthread_t pthread_self(void)
{
    return current ? current : &main_thread;
}

int pthread_equal(pthread_t a, pthread_t b)
{
    return a == b;
}

int pthread_attr_init(pthread_attr_t *attr)
{
    attr->stack_size = 0;
    attr->detached = 0;
    return 0;
}

int pthread_attr_destroy(pthread_attr_t *attr)
{
    (void)attr;
    return 0;
}

int pthread_attr_setstacksize(pthread_attr_t *attr, size_t size)
{
    if (size < 16384)
        return EINVAL;
    attr->stack_size = size;
    return 0;
}

int pthread_attr_setdetachstate(pthread_attr_t *attr, int state)
{
    attr->detached = state == PTHREAD_CREATE_DETACHED;
    return 0;
}

int pthread_mutex_init(pthread_mutex_t *mutex, const pthread_mutexattr_t *attr)
{
    mutex->state = 0;
    mutex->kind = attr ? attr->kind : PTHREAD_MUTEX_NORMAL;
    mutex->owner = 0;
    mutex->count = 0;
    return 0;
}

int pthread_mutex_destroy(pthread_mutex_t *mutex)
{
    return mutex->state ? EBUSY : 0;
}

/* A recursive mutex its owner locks again counts up; an error-checking one refuses (EDEADLK). Only those two kinds
   record their owner, so a normal mutex costs what it always did. */
static int relock(pthread_mutex_t *mutex)
{
    if (mutex->kind == PTHREAD_MUTEX_NORMAL || mutex->owner != pthread_self())
        return -1;
    if (mutex->kind == PTHREAD_MUTEX_ERRORCHECK)
        return EDEADLK;
    if (mutex->count == UINT_MAX)
        return EAGAIN;
    mutex->count++;
    return 0;
}

static void take(pthread_mutex_t *mutex)
{
    if (mutex->kind != PTHREAD_MUTEX_NORMAL) {
        mutex->owner = pthread_self();
        mutex->count = 1;
    }
}

int pthread_mutex_lock(pthread_mutex_t *mutex)
{
    int again = relock(mutex);
    if (again >= 0)
        return again;
    __pc_lock(&mutex->state);
    take(mutex);
    return 0;
}

int pthread_mutex_trylock(pthread_mutex_t *mutex)
{
    int again = relock(mutex);
    if (again >= 0)
        return again == EDEADLK ? EBUSY : again;
    int expected = 0;
    if (!__atomic_compare_exchange_n(&mutex->state, &expected, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
        return EBUSY;
    take(mutex);
    return 0;
}

int pthread_mutex_unlock(pthread_mutex_t *mutex)
{
    if (mutex->kind != PTHREAD_MUTEX_NORMAL) {
        if (mutex->owner != pthread_self())
            return EPERM;
        if (--mutex->count > 0)
            return 0;
        mutex->owner = 0;
    }
    __pc_unlock(&mutex->state);
    return 0;
}

int pthread_mutexattr_init(pthread_mutexattr_t *attr)
{
    attr->kind = PTHREAD_MUTEX_NORMAL;
    return 0;
}

int pthread_mutexattr_destroy(pthread_mutexattr_t *attr)
{
    (void)attr;
    return 0;
}

int pthread_mutexattr_settype(pthread_mutexattr_t *attr, int kind)
{
    if (kind != PTHREAD_MUTEX_NORMAL && kind != PTHREAD_MUTEX_RECURSIVE && kind != PTHREAD_MUTEX_ERRORCHECK)
        return EINVAL;
    attr->kind = kind;
    return 0;
}

int pthread_cond_init(pthread_cond_t *cond, const pthread_condattr_t *attr)
{
    (void)attr;
    cond->sequence = 0;
    return 0;
}

int pthread_cond_destroy(pthread_cond_t *cond)
{
    (void)cond;
    return 0;
}

/* Waits for a signal after the sequence number read under the mutex; a deadline (CLOCK_REALTIME) bounds the wait.
   The mutex is taken again as contended, since other waiters may have been woken together with this one; a
   recursive mutex gets back its owner and depth. */
static int cond_wait(pthread_cond_t *cond, pthread_mutex_t *mutex, const struct timespec *deadline)
{
    if (mutex->kind != PTHREAD_MUTEX_NORMAL && mutex->owner != pthread_self())
        return EPERM;
    unsigned depth = mutex->count;
    int sequence = (int)__atomic_load_n(&cond->sequence, __ATOMIC_ACQUIRE), result = 0;
    struct timespec left = {0, 0};
    if (deadline) {
        if (deadline->tv_nsec < 0 || deadline->tv_nsec >= 1000000000)
            return EINVAL;
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        left.tv_sec = deadline->tv_sec - now.tv_sec;
        left.tv_nsec = deadline->tv_nsec - now.tv_nsec;
        if (left.tv_nsec < 0) {
            left.tv_nsec += 1000000000;
            left.tv_sec--;
        }
        if (left.tv_sec < 0)
            return ETIMEDOUT; /* the mutex is still held: nothing to take again */
    }
    mutex->owner = 0;
    __pc_unlock(&mutex->state);
    long waited = __pc_syscall4(SYS_futex, &cond->sequence, FUTEX_WAIT_PRIVATE, sequence, deadline ? &left : 0);
    if (waited == -ETIMEDOUT)
        result = ETIMEDOUT;
    while (__atomic_exchange_n(&mutex->state, 2, __ATOMIC_ACQUIRE) != 0)
        futex_wait(&mutex->state, 2);
    if (mutex->kind != PTHREAD_MUTEX_NORMAL) {
        mutex->owner = pthread_self();
        mutex->count = depth;
    }
    return result;
}

int pthread_cond_wait(pthread_cond_t *cond, pthread_mutex_t *mutex) { return cond_wait(cond, mutex, 0); }

int pthread_cond_timedwait(pthread_cond_t *cond, pthread_mutex_t *mutex, const struct timespec *deadline)
{
    return cond_wait(cond, mutex, deadline);
}

int pthread_cond_signal(pthread_cond_t *cond)
{
    __atomic_fetch_add(&cond->sequence, 1, __ATOMIC_RELEASE);
    futex_wake((volatile int *)&cond->sequence, 1);
    return 0;
}

int pthread_cond_broadcast(pthread_cond_t *cond)
{
    __atomic_fetch_add(&cond->sequence, 1, __ATOMIC_RELEASE);
    futex_wake((volatile int *)&cond->sequence, INT_MAX);
    return 0;
}

int pthread_once(pthread_once_t *once, void (*init)(void))
{
    /* 0 not run, 1 running, 2 done */
    int expected = 0;
    if (__atomic_compare_exchange_n(&once->state, &expected, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE)) {
        init();
        __atomic_store_n(&once->state, 2, __ATOMIC_RELEASE);
        futex_wake(&once->state, INT_MAX);
        return 0;
    }
    while ((expected = __atomic_load_n(&once->state, __ATOMIC_ACQUIRE)) != 2)
        futex_wait(&once->state, expected);
    return 0;
}

int pthread_barrier_init(pthread_barrier_t *barrier, const pthread_barrierattr_t *attr, unsigned count)
{
    (void)attr;
    if (count == 0)
        return EINVAL;
    pthread_mutex_init(&barrier->lock, 0);
    pthread_cond_init(&barrier->cond, 0);
    barrier->count = count;
    barrier->waiting = 0;
    barrier->generation = 0;
    return 0;
}

int pthread_barrier_destroy(pthread_barrier_t *barrier)
{
    (void)barrier;
    return 0;
}

int pthread_barrier_wait(pthread_barrier_t *barrier)
{
    pthread_mutex_lock(&barrier->lock);
    unsigned generation = barrier->generation;
    if (++barrier->waiting == barrier->count) {
        barrier->waiting = 0;
        barrier->generation++;
        pthread_cond_broadcast(&barrier->cond);
        pthread_mutex_unlock(&barrier->lock);
        return PTHREAD_BARRIER_SERIAL_THREAD;
    }
    while (generation == barrier->generation)
        pthread_cond_wait(&barrier->cond, &barrier->lock);
    pthread_mutex_unlock(&barrier->lock);
    return 0;
}

/* Read-write locks: any number of readers or one writer; a waiting writer does not hold back new readers (glibc's
   default, PTHREAD_RWLOCK_PREFER_READER_NP). */
int pthread_rwlock_init(pthread_rwlock_t *lock, const pthread_rwlockattr_t *attr)
{
    (void)attr;
    pthread_mutex_init(&lock->lock, 0);
    pthread_cond_init(&lock->changed, 0);
    lock->readers = 0;
    lock->writer = 0;
    return 0;
}

int pthread_rwlock_destroy(pthread_rwlock_t *lock)
{
    return lock->readers || lock->writer ? EBUSY : 0;
}

static int rwlock_acquire(pthread_rwlock_t *lock, int write, int wait)
{
    pthread_mutex_lock(&lock->lock);
    int result = 0;
    for (;;) {
        if (lock->writer == pthread_self()) {
            result = EDEADLK;
            break;
        }
        if (!lock->writer && (!write || lock->readers == 0)) {
            if (write)
                lock->writer = pthread_self();
            else
                lock->readers++;
            break;
        }
        if (!wait) {
            result = EBUSY;
            break;
        }
        pthread_cond_wait(&lock->changed, &lock->lock);
    }
    pthread_mutex_unlock(&lock->lock);
    return result;
}

int pthread_rwlock_rdlock(pthread_rwlock_t *lock) { return rwlock_acquire(lock, 0, 1); }
int pthread_rwlock_wrlock(pthread_rwlock_t *lock) { return rwlock_acquire(lock, 1, 1); }
int pthread_rwlock_tryrdlock(pthread_rwlock_t *lock) { return rwlock_acquire(lock, 0, 0); }
int pthread_rwlock_trywrlock(pthread_rwlock_t *lock) { return rwlock_acquire(lock, 1, 0); }

int pthread_rwlock_unlock(pthread_rwlock_t *lock)
{
    pthread_mutex_lock(&lock->lock);
    int result = 0;
    if (lock->writer == pthread_self())
        lock->writer = 0;
    else if (lock->readers > 0)
        lock->readers--;
    else
        result = EPERM;
    pthread_cond_broadcast(&lock->changed);
    pthread_mutex_unlock(&lock->lock);
    return result;
}
