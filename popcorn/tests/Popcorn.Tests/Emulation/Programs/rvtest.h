/* Freestanding support for the RISC-V instruction tests: no libc, results printed in hex through write(2). */
typedef unsigned long u64;
typedef unsigned int u32;

static long rv_syscall3(long number, long a, long b, long c)
{
    register long a0 __asm__("a0") = a;
    register long a1 __asm__("a1") = b;
    register long a2 __asm__("a2") = c;
    register long a7 __asm__("a7") = number;
    __asm__ volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a7) : "memory");
    return a0;
}

static char out_buffer[4096];
static int out_used;

static void flush(void)
{
    rv_syscall3(64, 1, (long)out_buffer, out_used);
    out_used = 0;
}

static void put_char(char c)
{
    if (out_used == sizeof out_buffer) {
        flush();
    }
    out_buffer[out_used++] = c;
}

static void put_string(const char *s)
{
    while (*s) {
        put_char(*s++);
    }
}

static void put_hex(u64 v)
{
    for (int i = 60; i >= 0; i -= 4) {
        int d = (int)((v >> i) & 15);
        put_char((char)(d < 10 ? '0' + d : 'a' + d - 10));
    }
}

static void put_line(const char *name, u64 a, u64 b, u64 result)
{
    put_string(name);
    put_char(' ');
    put_hex(a);
    put_char(' ');
    put_hex(b);
    put_char(' ');
    put_hex(result);
    put_char('\n');
}

static __attribute__((noreturn)) void finish(int code)
{
    flush();
    rv_syscall3(94, code, 0, 0);
    __builtin_unreachable();
}

void *memset(void *d, int c, unsigned long n)
{
    char *p = d;
    while (n--) {
        *p++ = (char)c;
    }
    return d;
}

void *memcpy(void *d, const void *s, unsigned long n)
{
    char *p = d;
    const char *q = s;
    while (n--) {
        *p++ = *q++;
    }
    return d;
}
