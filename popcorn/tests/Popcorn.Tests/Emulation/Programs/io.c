/* Standard input to standard output (upper-cased), then the file named by the first argument through
   openat/lseek/read/close, reporting its size. */
#include "rvtest.h"

static char buffer[256];

int main(int argc, char **argv)
{
    long n;
    while ((n = rv_syscall3(63, 0, (long)buffer, sizeof buffer)) > 0) {
        for (long i = 0; i < n; i++) {
            char c = buffer[i];
            put_char(c >= 'a' && c <= 'z' ? (char)(c - 32) : c);
        }
    }
    if (argc > 1) {
        long fd = rv_syscall3(56, -100, (long)argv[1], 0);
        if (fd < 0) {
            put_line("openat", 0, 0, (u64)fd);
            finish(3);
        }
        long size = rv_syscall3(62, fd, 0, 2);
        rv_syscall3(62, fd, 0, 0);
        put_line("size", (u64)fd, 0, (u64)size);
        while ((n = rv_syscall3(63, fd, (long)buffer, sizeof buffer)) > 0) {
            for (long i = 0; i < n; i++) {
                put_char(buffer[i]);
            }
        }
        put_line("close", 0, 0, (u64)rv_syscall3(57, fd, 0, 0));
        put_line("missing", 0, 0, (u64)rv_syscall3(56, -100, (long)"/nonexistent/popcorn", 0));
    }
    return 0;
}

__attribute__((naked)) void _start(void)
{
    __asm__ volatile("ld a0, 0(sp)\n addi a1, sp, 8\n call main\n call finish_main\n");
}

void finish_main(int code)
{
    finish(code);
}
