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

/* A decimal number exactly: up to DECIMAL_DIGITS significant digits, value 0.d[0]d[1]... x 10^point, and whether
   nonzero digits were dropped beyond them (Go's strconv decimal). 800 digits hold every double and float exactly
   (an exact binary fraction of 2^-1074 has 767 significant digits), so rounding from it is exact. */
#define DECIMAL_DIGITS 800
struct decimal {
    unsigned char d[DECIMAL_DIGITS];
    int count, point, truncated;
};

static void decimal_trim(struct decimal *a)
{
    while (a->count > 0 && a->d[a->count - 1] == 0)
        a->count--;
    if (a->count == 0)
        a->point = 0;
}

/* a /= 2^k, k <= 60. */
static void decimal_shift_right(struct decimal *a, int k)
{
    int r = 0, w = 0;
    unsigned long long n = 0, mask = (1ULL << k) - 1;
    for (; n >> k == 0; r++) {
        if (r >= a->count) {
            if (n == 0) {
                a->count = 0;
                return;
            }
            for (; n >> k == 0; r++)
                n *= 10;
            break;
        }
        n = n * 10 + a->d[r];
    }
    a->point -= r - 1;
    for (; r < a->count; r++) {
        a->d[w++] = (unsigned char)(n >> k);
        n = (n & mask) * 10 + a->d[r];
    }
    for (; n > 0; n = (n & mask) * 10) {
        if (w < DECIMAL_DIGITS)
            a->d[w++] = (unsigned char)(n >> k);
        else if (n >> k)
            a->truncated = 1;
    }
    a->count = w;
    decimal_trim(a);
}

/* a *= 2^k, k <= 60: the digits from the last, through a buffer as long as the result. */
static void decimal_shift_left(struct decimal *a, int k)
{
    unsigned char out[DECIMAL_DIGITS + 20];
    int w = (int)sizeof out;
    unsigned long long n = 0;
    for (int r = a->count; r-- > 0;) {
        n += (unsigned long long)a->d[r] << k;
        out[--w] = (unsigned char)(n % 10);
        n /= 10;
    }
    for (; n > 0; n /= 10)
        out[--w] = (unsigned char)(n % 10);
    int length = (int)sizeof out - w;
    a->point += length - a->count;
    if (length > DECIMAL_DIGITS) {
        for (int i = w + DECIMAL_DIGITS; i < (int)sizeof out; i++)
            a->truncated |= out[i] != 0;
        length = DECIMAL_DIGITS;
    }
    memcpy(a->d, out + w, (size_t)length);
    a->count = length;
    decimal_trim(a);
}

static void decimal_shift(struct decimal *a, int k)
{
    if (a->count == 0)
        return;
    for (; k > 60; k -= 60)
        decimal_shift_left(a, 60);
    for (; k < -60; k += 60)
        decimal_shift_right(a, 60);
    if (k > 0)
        decimal_shift_left(a, k);
    else if (k < 0)
        decimal_shift_right(a, -k);
}

/* The integer part of a (a->point <= 20), and whether the fraction makes it round up (half to even). */
static unsigned long long decimal_integer(const struct decimal *a, int *round_up, int *inexact)
{
    unsigned long long n = 0;
    int i = 0;
    for (; i < a->point && i < a->count; i++)
        n = n * 10 + a->d[i];
    for (; i < a->point; i++)
        n *= 10;
    int at = a->point;
    *inexact = a->truncated || at < a->count;
    if (at < 0 || at >= a->count)
        *round_up = 0;
    else if (a->d[at] == 5 && at + 1 == a->count)
        *round_up = a->truncated || (n & 1);
    else
        *round_up = a->d[at] >= 5;
    return n;
}

/* Binary floating point of mantissa_bits (without the hidden bit) and exponent_bits from an exact decimal, rounded
   to nearest, ties to even (Go's decimal.floatBits). Sets errno to ERANGE on overflow and on a tiny (below the
   smallest normal before rounding, as x86's glibc decides) inexact result. */
static unsigned long long decimal_to_float(struct decimal *a, int mantissa_bits, int exponent_bits)
{
    static const int steps[] = {1, 3, 6, 9, 13, 16, 19, 23, 26};
    const int bias = -((1 << (exponent_bits - 1)) - 1), top = (1 << exponent_bits) - 1;
    unsigned long long mantissa = 0;
    int exponent = bias;
    if (a->count == 0 || a->point < -400) {
        if (a->count)
            errno = ERANGE;
        goto assemble;
    }
    if (a->point > 400)
        goto overflow;
    exponent = 0;
    while (a->point > 0) {
        int n = a->point >= 9 ? 27 : steps[a->point];
        decimal_shift(a, -n);
        exponent += n;
    }
    while (a->point < 0 || (a->point == 0 && a->d[0] < 5)) {
        int n = -a->point >= 9 ? 27 : steps[-a->point];
        decimal_shift(a, n);
        exponent -= n;
    }
    exponent--;
    if (exponent < bias + 1) {
        decimal_shift(a, -(bias + 1 - exponent));
        exponent = bias + 1;
    }
    if (exponent - bias >= top)
        goto overflow;
    decimal_shift(a, 1 + mantissa_bits);
    int round_up, inexact;
    mantissa = decimal_integer(a, &round_up, &inexact);
    int tiny = mantissa >> mantissa_bits == 0;
    mantissa += (unsigned)round_up;
    if (mantissa == 2ULL << mantissa_bits) {
        mantissa >>= 1;
        if (++exponent - bias >= top)
            goto overflow;
    }
    if (tiny && inexact)
        errno = ERANGE;
    if (!(mantissa >> mantissa_bits & 1))
        exponent = bias;
    goto assemble;
overflow:
    errno = ERANGE;
    mantissa = 0;
    exponent = top + bias;
assemble:
    return (mantissa & ((1ULL << mantissa_bits) - 1)) | (unsigned long long)(exponent - bias) << mantissa_bits;
}

/* The digits of a decimal number after its sign into *a (*any set when there was at least one); returns what
   follows them and the exponent part. */
static const char *read_decimal(const char *p, struct decimal *a, int *any)
{
    a->count = a->point = a->truncated = 0;
    *any = 0;
    int exponent = 0, fraction = 0;
    for (;; p++) {
        if (*p == '.' && !fraction) {
            fraction = 1;
            continue;
        }
        if (!isdigit((unsigned char)*p))
            break;
        *any = 1;
        int v = *p - '0';
        if (v == 0 && a->count == 0) {
            a->point -= fraction;
            continue;
        }
        a->point += !fraction;
        if (a->count < DECIMAL_DIGITS)
            a->d[a->count++] = (unsigned char)v;
        else if (v)
            a->truncated = 1;
    }
    if (!*any)
        return p;
    p = exponent_part(p, 'e', &exponent);
    if (a->count) {
        a->point += exponent < -100000 ? -100000 : exponent > 100000 ? 100000 : exponent;
        decimal_trim(a);
    }
    return p;
}

/* The sign, infinity, NaN and hexadecimal forms of strtod and strtof; *done is set when one of them was taken. */
static const char *number_prefix(const char *text, int *negative, double *special, char **end, int *done)
{
    const char *p = text;
    while (isspace((unsigned char)*p))
        p++;
    *negative = 0;
    *done = 1;
    if (*p == '+' || *p == '-')
        *negative = *p++ == '-';
    if (strncasecmp(p, "inf", 3) == 0) {
        p += strncasecmp(p, "infinity", 8) == 0 ? 8 : 3;
        *special = __builtin_inf();
    } else if (strncasecmp(p, "nan", 3) == 0) {
        p += 3;
        *special = __builtin_nan("");
    } else if (p[0] == '0' && (p[1] | 32) == 'x' && (isxdigit((unsigned char)p[2]) || (p[2] == '.' && isxdigit((unsigned char)p[3])))) {
        *special = hex_float(p + 2, end);
        return p;
    } else {
        *done = 0;
        return p;
    }
    if (end)
        *end = (char *)p;
    return p;
}

/* Decimal to binary floating point, correctly rounded for every input: the digits as an exact decimal
   (struct decimal), scaled by powers of two until the bits are integer. Returns 1 with *value set for infinities,
   NaNs, hexadecimal forms, zeros and, for doubles, short inputs with small exponents (Clinger's exact path: at most
   15 digits and |exponent| <= 22, one IEEE multiply or divide of exact values); else 0 with the magnitude's bits. */
static int parse_float(const char *text, char **end, int mantissa_bits, int exponent_bits, double *value,
                       unsigned long long *bits, int *negative)
{
    int done, any;
    const char *p = number_prefix(text, negative, value, end, &done);
    if (done)
        return 1;
    struct decimal a;
    p = read_decimal(p, &a, &any);
    if (end)
        *end = (char *)(any ? p : text);
    *value = 0;
    if (a.count == 0)
        return 1;
    int exponent = a.point - a.count;
    if (mantissa_bits == 52 && a.count <= 15 && exponent >= -22 && exponent <= 22) {
        static const double exact[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                                       1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
        long long m = 0;
        for (int i = 0; i < a.count; i++)
            m = m * 10 + a.d[i];
        *value = exponent >= 0 ? (double)m * exact[exponent] : (double)m / exact[-exponent];
        return 1;
    }
    *bits = decimal_to_float(&a, mantissa_bits, exponent_bits);
    return 0;
}

double strtod(const char *text, char **end)
{
    double value;
    unsigned long long bits;
    int negative;
    if (!parse_float(text, end, 52, 11, &value, &bits, &negative)) {
        union { unsigned long long u; double d; } u = {bits};
        value = u.d;
    }
    return negative ? -value : value;
}

float strtof(const char *text, char **end)
{
    double value;
    unsigned long long bits;
    int negative;
    float result;
    if (parse_float(text, end, 23, 8, &value, &bits, &negative)) {
        result = (float)value;
    } else {
        union { unsigned u; float f; } u = {(unsigned)bits};
        result = u.f;
    }
    return negative ? -result : result;
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

typedef int (*compare_with_argument)(const void *, const void *, void *);

static void sift_down(char *base, size_t root, size_t count, size_t size, compare_with_argument compare, void *argument)
{
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= count)
            return;
        if (child + 1 < count && compare(base + child * size, base + (child + 1) * size, argument) < 0)
            child++;
        if (compare(base + root * size, base + child * size, argument) >= 0)
            return;
        swap_bytes(base + root * size, base + child * size, size);
        root = child;
    }
}

/* Heapsort, only when no memory for the merge sort's buffer is left: O(n log n), in place, not stable. */
static void heap_sort(char *b, size_t count, size_t size, compare_with_argument compare, void *argument)
{
    for (size_t i = count / 2; i-- > 0;)
        sift_down(b, i, count, size, compare, argument);
    for (size_t end = count - 1; end > 0; end--) {
        swap_bytes(b, b + end * size, size);
        sift_down(b, 0, end, size, compare, argument);
    }
}

struct merge_sort {
    char *buffer;
    size_t size;
    int indirect;
    compare_with_argument compare;
    void *argument;
};

/* glibc's msort_with_tmp: halves of n / 2 and the rest, each sorted, then merged taking the left element on ties.
   It is stable, and a comparison function sees the same pairs in the same order as under glibc (programs count or
   print them). Indirect sorting moves pointers and compares what they point to. */
static void merge_sort(const struct merge_sort *m, char *b, size_t n)
{
    if (n <= 1)
        return;
    size_t n1 = n / 2, n2 = n - n1, s = m->size;
    char *b1 = b, *b2 = b + n1 * s, *out = m->buffer;
    merge_sort(m, b1, n1);
    merge_sort(m, b2, n2);
    while (n1 > 0 && n2 > 0) {
        const void *x = m->indirect ? *(void **)b1 : b1, *y = m->indirect ? *(void **)b2 : b2;
        if (m->compare(x, y, m->argument) <= 0) {
            memcpy(out, b1, s);
            b1 += s;
            n1--;
        } else {
            memcpy(out, b2, s);
            b2 += s;
            n2--;
        }
        out += s;
    }
    if (n1 > 0)
        memcpy(out, b1, n1 * s);
    memcpy(b, m->buffer, (n - n2) * s);
}

/* glibc's qsort: a merge sort through a buffer (elements of more than 32 bytes sorted indirectly, through an array
   of pointers, then permuted into place), so equal elements keep their order as glibc keeps them. */
void qsort_r(void *base, size_t count, size_t size, compare_with_argument compare, void *argument)
{
    if (count < 2)
        return;
    int indirect = size > 32;
    size_t bytes = indirect ? 2 * count * sizeof(void *) + size : count * size;
    char small[1024] __attribute__((aligned(16)));
    char *buffer = bytes < sizeof small ? small : malloc(bytes);
    if (!buffer) {
        heap_sort(base, count, size, compare, argument);
        return;
    }
    struct merge_sort m = {buffer, size, indirect, compare, argument};
    if (!indirect) {
        merge_sort(&m, base, count);
    } else {
        char **pointers = (char **)(buffer + count * sizeof(void *));
        for (size_t i = 0; i < count; i++)
            pointers[i] = (char *)base + i * size;
        m.size = sizeof(void *);
        merge_sort(&m, (char *)pointers, count);
        /* Follow each cycle of the permutation with one element's worth of spare room (Knuth 5.2-10). */
        char *spare = (char *)(pointers + count);
        for (size_t i = 0; i < count; i++) {
            char *slot = (char *)base + i * size;
            if (pointers[i] == slot)
                continue;
            memcpy(spare, slot, size);
            size_t j = i;
            for (;;) {
                size_t k = (size_t)(pointers[j] - (char *)base) / size;
                pointers[j] = (char *)base + j * size;
                if (k == i) {
                    memcpy((char *)base + j * size, spare, size);
                    break;
                }
                memcpy((char *)base + j * size, (char *)base + k * size, size);
                j = k;
            }
        }
    }
    if (buffer != small)
        free(buffer);
}

static int compare_without_argument(const void *a, const void *b, void *compare)
{
    return ((int (*)(const void *, const void *))compare)(a, b);
}

void qsort(void *base, size_t count, size_t size, int (*compare)(const void *, const void *))
{
    qsort_r(base, count, size, compare_without_argument, (void *)compare);
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

/* The drand48 family: X = a X + c mod 2^48 (a = 0x5DEECE66D, c = 11 unless lcong48 changed them) over three 16-bit
   words, least significant first, as glibc; each call steps the state and then reads it. */
static unsigned short rand48_state[3] = {0x330e, 0xabcd, 0x1234};
static unsigned short rand48_multiplier[3] = {0xe66d, 0xdeec, 0x5};
static unsigned short rand48_increment = 0xb;

static uint64_t rand48_step(unsigned short x[3])
{
    uint64_t value = (uint64_t)x[2] << 32 | (uint64_t)x[1] << 16 | x[0];
    uint64_t a = (uint64_t)rand48_multiplier[2] << 32 | (uint64_t)rand48_multiplier[1] << 16 | rand48_multiplier[0];
    value = (value * a + rand48_increment) & 0xffffffffffffULL;
    x[0] = (unsigned short)value;
    x[1] = (unsigned short)(value >> 16);
    x[2] = (unsigned short)(value >> 32);
    return value;
}

double erand48(unsigned short x[3]) { return (double)rand48_step(x) * 0x1p-48; }
double drand48(void) { return erand48(rand48_state); }
long nrand48(unsigned short x[3]) { return (long)(rand48_step(x) >> 17); }
long lrand48(void) { return nrand48(rand48_state); }
long jrand48(unsigned short x[3]) { return (long)(int32_t)(uint32_t)(rand48_step(x) >> 16); }
long mrand48(void) { return jrand48(rand48_state); }

void srand48(long seed)
{
    unsigned short x[3] = {0x330e, (unsigned short)seed, (unsigned short)((unsigned long)seed >> 16)};
    lcong48((unsigned short[7]){x[0], x[1], x[2], 0xe66d, 0xdeec, 0x5, 0xb});
}

unsigned short *seed48(unsigned short seed[3])
{
    static unsigned short previous[3];
    memcpy(previous, rand48_state, sizeof previous);
    lcong48((unsigned short[7]){seed[0], seed[1], seed[2], 0xe66d, 0xdeec, 0x5, 0xb});
    return previous;
}

void lcong48(unsigned short parameters[7])
{
    memcpy(rand48_state, parameters, sizeof rand48_state);
    memcpy(rand48_multiplier, parameters + 3, sizeof rand48_multiplier);
    rand48_increment = parameters[6];
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

/* Puts entry ("NAME=value", name length bytes long) in place of the variable or at the end; -1 with ENOMEM. */
static int put_entry(const char *name, size_t length, char *entry)
{
    size_t index = find_variable(name, length);
    if (environ && environ[index]) {
        environ[index] = entry;
        return 0;
    }
    size_t count = index;
    if (environ != own_environment || count + 2 > environment_capacity) {
        size_t capacity = (count + 2) * 2;
        char **bigger = malloc(capacity * sizeof *bigger);
        if (!bigger) {
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
    if (put_entry(name, length, entry) != 0) {
        free(entry);
        return -1;
    }
    return 0;
}

/* putenv: the string itself becomes part of the environment (a later change to it changes the variable); a string
   without '=' removes the variable, as glibc does. */
int putenv(char *string)
{
    char *equals = strchr(string, '=');
    if (!equals)
        return unsetenv(string);
    if (equals == string) {
        errno = EINVAL;
        return -1;
    }
    return put_entry(string, (size_t)(equals - string), string);
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
