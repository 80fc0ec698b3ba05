#ifndef _UNISTD_H
#define _UNISTD_H
#include <sys/types.h>
#define STDIN_FILENO 0
#define STDOUT_FILENO 1
#define STDERR_FILENO 2
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
ssize_t read(int fd, void *buffer, size_t count);
ssize_t write(int fd, const void *buffer, size_t count);
int close(int fd);
int isatty(int fd);
off_t lseek(int fd, off_t offset, int whence);
int unlink(const char *path);
pid_t getpid(void);
pid_t gettid(void);
_Noreturn void _exit(int status);
void *sbrk(intptr_t increment);
unsigned sleep(unsigned seconds);
int usleep(unsigned microseconds);
long syscall(long number, ...);
#endif
