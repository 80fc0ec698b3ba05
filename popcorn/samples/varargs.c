/* Variadic functions: integers, longs, doubles and pointers through va_arg, va_copy, and the vprintf family. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long sum_longs(int count, ...)
{
    va_list args;
    va_start(args, count);
    long total = 0;
    for (int i = 0; i < count; i++)
        total += va_arg(args, long);
    va_end(args);
    return total;
}

/* A format of 'i' (int), 'd' (double), 's' (string), 'l' (long) characters. */
static double mixed(const char *format, ...)
{
    va_list args, again;
    va_start(args, format);
    va_copy(again, args);
    double total = 0;
    for (const char *f = format; *f; f++) {
        switch (*f) {
        case 'i': total += va_arg(args, int); break;
        case 'd': total += va_arg(args, double); break;
        case 's': total += (double)strlen(va_arg(args, const char *)); break;
        case 'l': total += (double)va_arg(args, long); break;
        }
    }
    /* Walk the copy again: it must see the same arguments. */
    double check = 0;
    for (const char *f = format; *f; f++) {
        switch (*f) {
        case 'i': check += va_arg(again, int); break;
        case 'd': check += va_arg(again, double); break;
        case 's': check += (double)strlen(va_arg(again, const char *)); break;
        case 'l': check += (double)va_arg(again, long); break;
        }
    }
    va_end(again);
    va_end(args);
    return total == check ? total : -1;
}

static int log_line(char *out, size_t size, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    int n = vsnprintf(out, size, format, args);
    va_end(args);
    return n;
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 3000;
    long a = 0;
    double b = 0;
    for (int i = 0; i < rounds; i++) {
        a += sum_longs(9, (long)i, 2L, 3L, 4L, 5L, 6L, 7L, 8L, (long)-i * 2);
        b += mixed("idsldidd", i, 0.5 * i, "popcorn", (long)i * 3, 1.25, -i, 2.5, 1e-3 * i);
    }
    printf("sum_longs %ld mixed %.6f\n", a, b);
    char line[128];
    int n = log_line(line, sizeof line, "[%s] %d items, %5.1f%% done, %c%c, ptr %s", "job", 42, 97.25, 'o', 'k', "(hidden)");
    printf("%s (%d chars)\n", line, n);
    printf("widths |%-8d|%8d|%08.3f|%+d|% d|%x|%#o|%.3s|%-6s|\n", 42, -42, 3.14159, 7, 7, 0xbeef, 8, "truncate", "ab");
    printf("longs %ld %lld %lu %zu %hd %hhu\n", -1234567890123L, 9223372036854775807LL, 18446744073709551615UL, (size_t)77, (short)-5, (unsigned char)300);
    printf("floats %f %e %g %g %g %.0f %.10g\n", 1.0 / 3, 6.02214076e23, 1e-5, 123456789.0, 0.0001234, 2.5, 2.0 / 3);
    return 0;
}
