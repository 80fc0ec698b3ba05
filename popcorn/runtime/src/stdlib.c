/* stdlib.h: process exit, number parsing, sorting, pseudo-random numbers, environment. */
#include "internal.h"
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

#define MAX_EXIT_HANDLERS 32
static void (*exit_handlers[MAX_EXIT_HANDLERS])(void);
static int exit_handler_count;

int atexit(void (*function)(void))
{
    if (exit_handler_count == MAX_EXIT_HANDLERS)
        return -1;
    exit_handlers[exit_handler_count++] = function;
    return 0;
}

_Noreturn void exit(int status)
{
    while (exit_handler_count > 0)
        exit_handlers[--exit_handler_count]();
    __pc_stdio_flush_all();
    _exit(status);
}

_Noreturn void _Exit(int status)
{
    _exit(status);
}

int raise(int signal)
{
    return (int)__pc_syscall_result(__pc_syscall3(SYS_tgkill, getpid(), gettid(), signal));
}

_Noreturn void abort(void)
{
    __pc_stdio_flush_all();
    raise(SIGABRT);
    _exit(134);
}

_Noreturn void __pc_longjmp_elsewhere(void)
{
    fputs("popcorn: longjmp to a jmp_buf that setjmp filled on the other node (the thread migrated in between): "
          "its registers and frames have the other ISA's layout\n", stderr);
    abort();
}

_Noreturn void __pc_assert_fail(const char *expression, const char *file, int line, const char *function)
{
    fprintf(stderr, "%s:%d: %s: Assertion `%s' failed.\n", file, line, function, expression);
    abort();
}

static int digit_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    return 99;
}

/* Parses an unsigned magnitude; *negative gets the sign; saturates at limit and sets ERANGE. */
static unsigned long long parse_integer(const char *text, char **end, int base, int *negative, unsigned long long limit)
{
    const char *p = text;
    while (isspace((unsigned char)*p))
        p++;
    *negative = 0;
    if (*p == '+' || *p == '-')
        *negative = *p++ == '-';
    if ((base == 0 || base == 16) && p[0] == '0' && (p[1] | 32) == 'x' && digit_value((unsigned char)p[2]) < 16) {
        p += 2;
        base = 16;
    } else if (base == 0) {
        base = *p == '0' ? 8 : 10;
    }
    unsigned long long value = 0;
    int any = 0, overflow = 0;
    for (; digit_value((unsigned char)*p) < base; p++) {
        unsigned d = (unsigned)digit_value((unsigned char)*p);
        if (value > (limit - d) / (unsigned)base)
            overflow = 1;
        else
            value = value * (unsigned)base + d;
        any = 1;
    }
    if (end)
        *end = (char *)(any ? p : text);
    if (overflow) {
        errno = ERANGE;
        return limit;
    }
    return value;
}

long long strtoll(const char *text, char **end, int base)
{
    int negative;
    unsigned long long magnitude = parse_integer(text, end, base, &negative, (unsigned long long)LLONG_MAX + 1);
    if (!negative && magnitude > (unsigned long long)LLONG_MAX) {
        errno = ERANGE;
        return LLONG_MAX;
    }
    return negative ? (long long)(0ull - magnitude) : (long long)magnitude;
}

long strtol(const char *text, char **end, int base)
{
    return (long)strtoll(text, end, base);
}

unsigned long long strtoull(const char *text, char **end, int base)
{
    int negative;
    unsigned long long magnitude = parse_integer(text, end, base, &negative, ULLONG_MAX);
    return negative ? 0ull - magnitude : magnitude;
}

unsigned long strtoul(const char *text, char **end, int base)
{
    return (unsigned long)strtoull(text, end, base);
}

int atoi(const char *text)
{
    return (int)strtol(text, 0, 10);
}

long atol(const char *text)
{
    return strtol(text, 0, 10);
}

long long atoll(const char *text)
{
    return strtoll(text, 0, 10);
}

/* An exponent part (letter, optional sign, digits; its value capped) added to *exponent; returns what follows it,
   or p itself when there is none. */
static const char *exponent_part(const char *p, char letter, int *exponent)
{
    if ((*p | 32) != letter)
        return p;
    const char *e = p + 1;
    int negative = 0;
    if (*e == '+' || *e == '-')
        negative = *e++ == '-';
    if (!isdigit((unsigned char)*e))
        return p;
    int value = 0;
    for (; isdigit((unsigned char)*e); e++)
        if (value < 100000)
            value = value * 10 + (*e - '0');
    *exponent += negative ? -value : value;
    return e;
}

/* The digits of a hexadecimal floating constant after "0x" (as printf's %a writes them): at most 15 significant
   digits kept and the rest folded into one sticky bit, so the one conversion to double rounds correctly. */
static double hex_float(const char *p, char **end)
{
    unsigned long long mantissa = 0;
    int digits = 0, exponent = 0, sticky = 0;
    for (int fraction = 0;; p++) {
        if (*p == '.' && !fraction) {
            fraction = 1;
            continue;
        }
        if (!isxdigit((unsigned char)*p))
            break;
        int v = digit_value(*p);
        if (digits < 15) {
            mantissa = mantissa << 4 | (unsigned)v;
            if (mantissa)
                digits++;
            exponent -= fraction ? 4 : 0;
        } else {
            sticky |= v != 0;
            exponent += fraction ? 0 : 4;
        }
    }
    p = exponent_part(p, 'p', &exponent);
    if (end)
        *end = (char *)p;
    double result = scalbn((double)(mantissa << 4 | (unsigned)sticky), exponent - 4);
    if (mantissa != 0 && (result == __builtin_inf() || result == 0))
        errno = ERANGE;
    return result;
}

/* Decimal to double: up to 19 significant digits scaled by exact powers of ten where possible. Deterministic on
   every ISA (only IEEE add, multiply and divide); within an ulp or two of the correctly rounded value. */
double strtod(const char *text, char **end)
{
    const char *p = text;
    while (isspace((unsigned char)*p))
        p++;
    int negative = 0;
    if (*p == '+' || *p == '-')
        negative = *p++ == '-';
    if (strncasecmp(p, "inf", 3) == 0) {
        p += strncasecmp(p, "infinity", 8) == 0 ? 8 : 3;
        if (end)
            *end = (char *)p;
        return negative ? -__builtin_inf() : __builtin_inf();
    }
    if (strncasecmp(p, "nan", 3) == 0) {
        if (end)
            *end = (char *)(p + 3);
        return __builtin_nan("");
    }
    if (p[0] == '0' && (p[1] | 32) == 'x' && (isxdigit((unsigned char)p[2]) || (p[2] == '.' && isxdigit((unsigned char)p[3])))) {
        double result = hex_float(p + 2, end);
        return negative ? -result : result;
    }
    unsigned long long mantissa = 0;
    int digits = 0, exponent = 0, any = 0;
    for (; isdigit((unsigned char)*p); p++, any = 1) {
        if (digits < 19) {
            mantissa = mantissa * 10 + (unsigned)(*p - '0');
            if (mantissa)
                digits++;
        } else {
            exponent++;
        }
    }
    if (*p == '.') {
        for (p++; isdigit((unsigned char)*p); p++, any = 1) {
            if (digits < 19) {
                mantissa = mantissa * 10 + (unsigned)(*p - '0');
                if (mantissa)
                    digits++;
                exponent--;
            }
        }
    }
    if (!any) {
        if (end)
            *end = (char *)text;
        return 0;
    }
    p = exponent_part(p, 'e', &exponent);
    if (end)
        *end = (char *)p;
    double result = (double)mantissa;
    static const double exact[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                                   1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    if (mantissa != 0) {
        int e = exponent;
        while (e > 22) {
            result *= 1e22;
            e -= 22;
        }
        while (e < -22) {
            result /= 1e22;
            e += 22;
        }
        result = e >= 0 ? result * exact[e] : result / exact[-e];
        if (result == __builtin_inf() || result == 0)
            errno = ERANGE;
    }
    return negative ? -result : result;
}

float strtof(const char *text, char **end)
{
    return (float)strtod(text, end);
}

double atof(const char *text)
{
    return strtod(text, 0);
}

static void swap_bytes(char *a, char *b, size_t size)
{
    while (size--) {
        char t = *a;
        *a++ = *b;
        *b++ = t;
    }
}

static void sift_down(char *base, size_t root, size_t count, size_t size, int (*compare)(const void *, const void *))
{
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= count)
            return;
        if (child + 1 < count && compare(base + child * size, base + (child + 1) * size) < 0)
            child++;
        if (compare(base + root * size, base + child * size) >= 0)
            return;
        swap_bytes(base + root * size, base + child * size, size);
        root = child;
    }
}

/* Heapsort: O(n log n) worst case, no recursion, no extra memory. */
void qsort(void *base, size_t count, size_t size, int (*compare)(const void *, const void *))
{
    char *b = base;
    if (count < 2)
        return;
    for (size_t i = count / 2; i-- > 0;)
        sift_down(b, i, count, size, compare);
    for (size_t end = count - 1; end > 0; end--) {
        swap_bytes(b, b + end * size, size);
        sift_down(b, 0, end, size, compare);
    }
}

void *bsearch(const void *key, const void *base, size_t count, size_t size, int (*compare)(const void *, const void *))
{
    const char *b = base;
    size_t low = 0, high = count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        int order = compare(key, b + middle * size);
        if (order == 0)
            return (void *)(b + middle * size);
        if (order < 0)
            high = middle;
        else
            low = middle + 1;
    }
    return 0;
}

static unsigned long long random_state = 1;

/* Three steps of the classic ANSI C generator, 11 + 10 + 10 bits (the same sequence as glibc's rand_r). */
int rand_r(unsigned *state)
{
    unsigned next = *state;
    next = next * 1103515245u + 12345u;
    unsigned result = (next / 65536) % 2048;
    next = next * 1103515245u + 12345u;
    result = (result << 10) ^ ((next / 65536) % 1024);
    next = next * 1103515245u + 12345u;
    result = (result << 10) ^ ((next / 65536) % 1024);
    *state = next;
    return (int)result;
}

/* A 64-bit linear congruential generator (Knuth's MMIX constants); the high 31 bits are the result. */
int rand(void)
{
    random_state = random_state * 6364136223846793005ull + 1442695040888963407ull;
    return (int)(random_state >> 33);
}

void srand(unsigned seed)
{
    random_state = seed;
}

int abs(int value) { return value < 0 ? -value : value; }
long labs(long value) { return value < 0 ? -value : value; }
long long llabs(long long value) { return value < 0 ? -value : value; }
div_t div(int n, int d) { return (div_t){n / d, n % d}; }
ldiv_t ldiv(long n, long d) { return (ldiv_t){n / d, n % d}; }
lldiv_t lldiv(long long n, long long d) { return (lldiv_t){n / d, n % d}; }

char *getenv(const char *name)
{
    size_t length = strlen(name);
    for (char **e = environ; e && *e; e++)
        if (strncmp(*e, name, length) == 0 && (*e)[length] == '=')
            return *e + length + 1;
    return 0;
}
