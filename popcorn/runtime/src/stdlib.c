/* stdlib.h: process exit, number parsing, sorting, pseudo-random numbers, environment. */
#include "internal.h"
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
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

_Noreturn void __pc_longjmp_elsewhere(void)
{
    fputs("popcorn: longjmp to a jmp_buf that setjmp filled on the other node (the thread migrated in between): "
          "its registers and frames have the other ISA's layout\n", stderr);
    abort();
}

_Noreturn void __pc_assert_fail(const char *expression, const char *file, int line, const char *function)
{
    extern char *program_invocation_short_name;
    const char *program = program_invocation_short_name;
    fprintf(stderr, "%s%s%s:%d: %s%sAssertion `%s' failed.\n", program, *program ? ": " : "", file, line,
            function ? function : "", function ? ": " : "", expression);
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

static volatile int random_lock;

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

/*
 * rand: glibc's default generator, so that srand(seed) gives the same sequence as natively. It is an additive lagged
 * Fibonacci generator, r[i] = r[i-3] + r[i-31] (mod 2^32), whose first 31 words come from the Park-Miller minimal
 * standard generator (16807 r mod 2^31 - 1) started at the seed; the first 310 outputs are discarded, and each
 * result is the word shifted right by one.
 */
#define RANDOM_DEGREE 31
#define RANDOM_SEPARATION 3
static uint32_t random_table[RANDOM_DEGREE];
static int random_front = RANDOM_SEPARATION, random_rear = 0, random_seeded;

static uint32_t random_step(void)
{
    uint32_t value = random_table[random_front] += random_table[random_rear];
    random_front = (random_front + 1) % RANDOM_DEGREE;
    random_rear = (random_rear + 1) % RANDOM_DEGREE;
    return value >> 1;
}

static void random_seed(unsigned seed)
{
    int64_t word = (int32_t)(seed == 0 ? 1 : seed);
    random_table[0] = (uint32_t)word;
    for (int i = 1; i < RANDOM_DEGREE; i++) {
        word = word * 16807 % 2147483647;
        if (word < 0)
            word += 2147483647;
        random_table[i] = (uint32_t)word;
    }
    random_front = RANDOM_SEPARATION;
    random_rear = 0;
    for (int i = 0; i < 10 * RANDOM_DEGREE; i++)
        random_step();
    random_seeded = 1;
}

int rand(void)
{
    __pc_lock(&random_lock);
    if (!random_seeded)
        random_seed(1);
    int result = (int)random_step();
    __pc_unlock(&random_lock);
    return result;
}

void srand(unsigned seed)
{
    __pc_lock(&random_lock);
    random_seed(seed);
    __pc_unlock(&random_lock);
}

/* random and srandom are the same generator in glibc, with the same state. */
long random(void) { return rand(); }
void srandom(unsigned seed) { srand(seed); }

int abs(int value) { return value < 0 ? -value : value; }
long labs(long value) { return value < 0 ? -value : value; }
long long llabs(long long value) { return value < 0 ? -value : value; }
div_t div(int n, int d) { return (div_t){n / d, n % d}; }
ldiv_t ldiv(long n, long d) { return (ldiv_t){n / d, n % d}; }
lldiv_t lldiv(long long n, long long d) { return (lldiv_t){n / d, n % d}; }
intmax_t imaxabs(intmax_t value) { return value < 0 ? -value : value; }
imaxdiv_t imaxdiv(intmax_t n, intmax_t d) { return (imaxdiv_t){n / d, n % d}; }
intmax_t strtoimax(const char *restrict text, char **restrict end, int base) { return strtoll(text, end, base); }
uintmax_t strtoumax(const char *restrict text, char **restrict end, int base) { return strtoull(text, end, base); }

char *getenv(const char *name)
{
    size_t length = strlen(name);
    for (char **e = environ; e && *e; e++)
        if (strncmp(*e, name, length) == 0 && (*e)[length] == '=')
            return *e + length + 1;
    return 0;
}

/* setenv and unsetenv: the first change copies the environment start-up left on the stack into the heap. Strings
   setenv makes are never freed (another pointer to them may be held), as in glibc. */
static char **own_environment;
static size_t environment_capacity;

static int valid_name(const char *name)
{
    if (!name || !*name || strchr(name, '=')) {
        errno = EINVAL;
        return 0;
    }
    return 1;
}

static size_t find_variable(const char *name, size_t length)
{
    size_t i = 0;
    for (; environ && environ[i]; i++)
        if (strncmp(environ[i], name, length) == 0 && environ[i][length] == '=')
            break;
    return i;
}

int setenv(const char *name, const char *value, int overwrite)
{
    if (!valid_name(name))
        return -1;
    size_t length = strlen(name), index = find_variable(name, length);
    if (environ && environ[index] && !overwrite)
        return 0;
    char *entry = malloc(length + strlen(value) + 2);
    if (!entry) {
        errno = ENOMEM;
        return -1;
    }
    strcpy(entry, name);
    entry[length] = '=';
    strcpy(entry + length + 1, value);
    if (environ && environ[index]) {
        environ[index] = entry;
        return 0;
    }
    size_t count = index;
    if (environ != own_environment || count + 2 > environment_capacity) {
        size_t capacity = (count + 2) * 2;
        char **bigger = malloc(capacity * sizeof *bigger);
        if (!bigger) {
            free(entry);
            errno = ENOMEM;
            return -1;
        }
        if (count)
            memcpy(bigger, environ, count * sizeof *bigger);
        if (environ == own_environment)
            free(own_environment);
        environ = own_environment = bigger;
        environment_capacity = capacity;
    }
    environ[count] = entry;
    environ[count + 1] = 0;
    return 0;
}

int unsetenv(const char *name)
{
    if (!valid_name(name))
        return -1;
    size_t length = strlen(name);
    for (size_t i = find_variable(name, length); environ && environ[i]; i = find_variable(name, length)) {
        size_t j = i;
        for (; environ[j]; j++)
            environ[j] = environ[j + 1];
    }
    return 0;
}

/* There is no shell to run a command in (the emulated process cannot fork or exec): system(NULL) says so with 0,
   as POSIX specifies when no command processor is available, and any command fails with -1 and ENOSYS. */
int system(const char *command)
{
    if (!command)
        return 0;
    errno = ENOSYS;
    return -1;
}

/* One attempt of mkstemp: random letters and digits in place of the XXXXXX at x, then an exclusive create; the raw
   system-call result (-EEXIST: the name is taken). Out of line, and the loop below carries this result alone:
   written as one function, the optimizer merged the returns into a value that crossed calls in a register no
   stack map records. */
static __attribute__((noinline)) long create_unique(char *template, char *x)
{
    static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    unsigned char random_bytes[6];
    long got = __pc_syscall3(SYS_getrandom, random_bytes, sizeof random_bytes, 0);
    if (got != (long)sizeof random_bytes)
        return got < 0 ? got : -EIO;
    for (int i = 0; i < 6; i++)
        x[i] = letters[random_bytes[i] % (sizeof letters - 1)];
    return __pc_syscall4(SYS_openat, AT_FDCWD, template, O_RDWR | O_CREAT | O_EXCL, 0600);
}

/* mkstemp: the template's final XXXXXX replaced until a file of that name can be created; the descriptor is open
   for reading and writing. */
int mkstemp(char *template)
{
    size_t length = strlen(template);
    if (length < 6 || strcmp(template + length - 6, "XXXXXX") != 0) {
        errno = EINVAL;
        return -1;
    }
    long fd = -EEXIST;
    for (int attempt = 0; attempt < 100 && fd == -EEXIST; attempt++)
        fd = create_unique(template, template + length - 6);
    return (int)__pc_syscall_result(fd);
}
