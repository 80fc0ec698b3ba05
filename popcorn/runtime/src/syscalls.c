/* Thin wrappers over the Linux system calls the runtime offers. */
#include "internal.h"
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static _Thread_local int thread_errno;

int *__pc_errno_location(void)
{
    return &thread_errno;
}

long __pc_syscall_result(long raw)
{
    if (raw < 0 && raw > -4096) {
        errno = (int)-raw;
        return -1;
    }
    return raw;
}

ssize_t read(int fd, void *buffer, size_t count)
{
    return __pc_syscall_result(__pc_syscall3(SYS_read, fd, buffer, count));
}

ssize_t write(int fd, const void *buffer, size_t count)
{
    return __pc_syscall_result(__pc_syscall3(SYS_write, fd, buffer, count));
}

int open(const char *path, int flags, ...)
{
    int mode = 0;
    if (flags & O_CREAT) {
        va_list args;
        va_start(args, flags);
        mode = va_arg(args, int);
        va_end(args);
    }
    return (int)__pc_syscall_result(__pc_syscall4(SYS_openat, AT_FDCWD, path, flags, mode));
}

int close(int fd)
{
    return (int)__pc_syscall_result(__pc_syscall1(SYS_close, fd));
}

/* A terminal answers TCGETS (its termios, 36 bytes in the asm-generic layout); anything else fails with ENOTTY. */
int isatty(int fd)
{
    unsigned char termios[64];
    return __pc_syscall3(SYS_ioctl, fd, 0x5401, termios) == 0;
}

off_t lseek(int fd, off_t offset, int whence)
{
    return __pc_syscall_result(__pc_syscall3(SYS_lseek, fd, offset, whence));
}

int unlink(const char *path)
{
    return (int)__pc_syscall_result(__pc_syscall3(SYS_unlinkat, AT_FDCWD, path, 0));
}

pid_t getpid(void)
{
    return (pid_t)__pc_syscall0(SYS_getpid);
}

pid_t gettid(void)
{
    return (pid_t)__pc_syscall0(SYS_gettid);
}

_Noreturn void _exit(int status)
{
    for (;;)
        __pc_syscall1(SYS_exit_group, status);
}

void *sbrk(intptr_t increment)
{
    static uintptr_t current;
    if (current == 0)
        current = (uintptr_t)__pc_syscall1(SYS_brk, 0);
    uintptr_t old = current;
    if (increment == 0)
        return (void *)old;
    uintptr_t wanted = old + (uintptr_t)increment;
    uintptr_t got = (uintptr_t)__pc_syscall1(SYS_brk, wanted);
    if (got < wanted) {
        errno = ENOMEM;
        return (void *)-1;
    }
    current = wanted;
    return (void *)old;
}

void *mmap(void *address, size_t length, int protection, int flags, int fd, off_t offset)
{
    long raw = __pc_syscall6(SYS_mmap, address, length, protection, flags, fd, offset);
    if (raw < 0 && raw > -4096) {
        errno = (int)-raw;
        return MAP_FAILED;
    }
    return (void *)raw;
}

int munmap(void *address, size_t length)
{
    return (int)__pc_syscall_result(__pc_syscall2(SYS_munmap, address, length));
}

int clock_gettime(clockid_t clock, struct timespec *time)
{
    return (int)__pc_syscall_result(__pc_syscall2(SYS_clock_gettime, clock, time));
}

time_t time(time_t *out)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    if (out)
        *out = now.tv_sec;
    return now.tv_sec;
}

clock_t clock(void)
{
    struct timespec now;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    return (clock_t)(now.tv_sec * 1000000 + now.tv_nsec / 1000);
}

int nanosleep(const struct timespec *request, struct timespec *remaining)
{
    return (int)__pc_syscall_result(__pc_syscall2(SYS_nanosleep, request, remaining));
}

unsigned sleep(unsigned seconds)
{
    struct timespec request = {seconds, 0};
    nanosleep(&request, 0);
    return 0;
}

int usleep(unsigned microseconds)
{
    struct timespec request = {microseconds / 1000000, (long)(microseconds % 1000000) * 1000};
    return nanosleep(&request, 0);
}

int sched_yield(void)
{
    return (int)__pc_syscall_result(__pc_syscall0(SYS_sched_yield));
}

long syscall(long number, ...)
{
    va_list args;
    va_start(args, number);
    long a[6];
    for (int i = 0; i < 6; i++)
        a[i] = va_arg(args, long);
    va_end(args);
    return __pc_syscall_result(__pc_syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]));
}
