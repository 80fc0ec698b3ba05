/* The scanf family's engine: conversions read through a source (a string or a locked stream), as C99 7.19.6.2. */
#include "internal.h"
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One character of lookahead, as C allows: the character that ended a conversion is read again by the next one
   and goes back to the source at the end. */
struct scanner {
    struct __pc_source *source;
    int ahead; /* EOF: none */
    size_t consumed;
};

static int next(struct scanner *s)
{
    int c = s->ahead;
    if (c != EOF)
        s->ahead = EOF;
    else
        c = s->source->get(s->source);
    if (c != EOF)
        s->consumed++;
    return c;
}

static void back(struct scanner *s, int c)
{
    if (c == EOF)
        return;
    s->ahead = c;
    s->consumed--;
}

/* Skips white space; returns the first other character (consumed) or EOF. */
static int skip_space(struct scanner *s)
{
    int c;
    do
        c = next(s);
    while (c != EOF && isspace(c));
    return c;
}

static int digit_in_base(int c, int base)
{
    int v = isdigit(c) ? c - '0' : isalpha(c) ? (c | 32) - 'a' + 10 : 99;
    return v < base;
}

/* Reads the longest prefix of an integer in base (0: C prefixes) into text; returns its length (0: no digits). */
static int read_integer(struct scanner *s, int first, int width, int base, char *text, int capacity)
{
    int n = 0, digits = 0, c = first;
    if ((c == '+' || c == '-') && n < width) {
        text[n++] = (char)c;
        c = next(s);
    }
    if ((base == 0 || base == 16) && c == '0' && n < width) {
        text[n++] = (char)c;
        digits = 1;
        c = next(s);
        if ((c | 32) == 'x' && n < width) {
            /* As glibc: the prefix stays consumed even without hex digits after it ("0x" converts as 0). */
            text[n++] = (char)c;
            c = next(s);
            base = 16;
        } else if (base == 0) {
            base = 8;
        }
    }
    if (base == 0)
        base = 10;
    while (c != EOF && n < width && n < capacity - 1 && digit_in_base(c, base)) {
        text[n++] = (char)c;
        digits++;
        c = next(s);
    }
    back(s, c);
    text[n] = '\0';
    return digits ? n : 0;
}

static int accept(struct scanner *s, int *c, char *text, int *n, int width, int capacity, const char *set)
{
    if (*c == EOF || *n >= width || *n >= capacity - 1 || !strchr(set, *c))
        return 0;
    text[(*n)++] = (char)*c;
    *c = next(s);
    return 1;
}

/* Reads a decimal or hexadecimal floating constant, infinity or NaN into text; returns its length (0: none). */
static int read_float(struct scanner *s, int first, int width, char *text, int capacity)
{
    int n = 0, digits = 0, c = first;
    accept(s, &c, text, &n, width, capacity, "+-");
    if (c != EOF && strchr("iInN", c)) {
        const char *word = (c | 32) == 'i' ? "infinity" : "nan";
        int matched = 0;
        while (word[matched] && c != EOF && (c | 32) == word[matched] && n < width && n < capacity - 1) {
            text[n++] = (char)c;
            matched++;
            c = next(s);
        }
        back(s, c);
        text[n] = '\0';
        return matched >= 3 ? n : 0;
    }
    const char *digit_set = "0123456789";
    char exponent_letter[3] = "eE";
    if (c == '0' && n < width) {
        text[n++] = '0';
        digits = 1;
        c = next(s);
        if (accept(s, &c, text, &n, width, capacity, "xX")) {
            digit_set = "0123456789abcdefABCDEF";
            exponent_letter[0] = 'p';
            exponent_letter[1] = 'P';
        }
    }
    while (accept(s, &c, text, &n, width, capacity, digit_set))
        digits++;
    if (accept(s, &c, text, &n, width, capacity, "."))
        while (accept(s, &c, text, &n, width, capacity, digit_set))
            digits++;
    if (digits && accept(s, &c, text, &n, width, capacity, exponent_letter)) {
        /* As glibc: "1e" or "1e+" stays consumed and converts as 1. */
        accept(s, &c, text, &n, width, capacity, "+-");
        while (accept(s, &c, text, &n, width, capacity, "0123456789"))
            ;
    }
    back(s, c);
    text[n] = '\0';
    return digits ? n : 0;
}

/* Parses a scan set after '[' into member[256]; returns the format position after the closing ']'. */
static const char *scan_set(const char *p, unsigned char *member)
{
    int invert = *p == '^';
    if (invert)
        p++;
    memset(member, 0, 256);
    if (*p == ']')
        member[(unsigned char)*p++] = 1;
    for (; *p && *p != ']'; p++) {
        if (p[1] == '-' && p[2] && p[2] != ']') {
            for (int c = (unsigned char)p[0]; c <= (unsigned char)p[2]; c++)
                member[c] = 1;
            p += 2;
        } else {
            member[(unsigned char)*p] = 1;
        }
    }
    if (invert)
        for (int c = 0; c < 256; c++)
            member[c] = !member[c];
    return *p ? p + 1 : p;
}

static void store_integer(void *target, int size, unsigned long long value)
{
    switch (size) {
    case -2: *(char *)target = (char)value; break;
    case -1: *(short *)target = (short)value; break;
    case 0: *(int *)target = (int)value; break;
    default: *(long long *)target = (long long)value; break;
    }
}

int __pc_scan(struct __pc_source *source, const char *format, va_list args)
{
    struct scanner s = {source, EOF, 0};
    int assigned = 0, converted_any = 0, input_failure = 0;
    char text[400];
    unsigned char member[256];
    for (const char *p = format; *p; p++) {
        if (isspace((unsigned char)*p)) {
            back(&s, skip_space(&s));
            continue;
        }
        if (*p != '%' || p[1] == '%') {
            if (*p == '%')
                p++;
            int c = *p == '%' ? skip_space(&s) : next(&s);
            if (c != (unsigned char)*p) {
                back(&s, c);
                input_failure = c == EOF;
                break;
            }
            continue;
        }
        p++;
        int suppress = *p == '*';
        if (suppress)
            p++;
        int width = 0;
        while (isdigit((unsigned char)*p))
            width = width * 10 + (*p++ - '0');
        int size = 0; /* -2 hh, -1 h, 0 int, 1 l, 2 ll/j/z/t/L */
        for (;; p++) {
            if (*p == 'h')
                size = size == -1 ? -2 : -1;
            else if (*p == 'l')
                size = size == 1 ? 2 : 1;
            else if (*p == 'L' || *p == 'q' || *p == 'j' || *p == 'z' || *p == 't')
                size = 2;
            else
                break;
        }
        char conversion = *p;
        if (conversion == '\0')
            break;
        if (conversion == 'n') {
            if (!suppress)
                store_integer(va_arg(args, void *), size > 0 ? 2 : size, s.consumed);
            continue;
        }
        int c = conversion == 'c' || conversion == '[' ? next(&s) : skip_space(&s);
        if (c == EOF) {
            input_failure = 1;
            break;
        }
        int matched = 1;
        switch (conversion) {
        case 'd': case 'i': case 'u': case 'o': case 'x': case 'X': case 'p': {
            int base = conversion == 'i' ? 0 : conversion == 'o' ? 8 : conversion == 'd' || conversion == 'u' ? 10 : 16;
            if (!read_integer(&s, c, width ? width : (int)sizeof text, base, text, (int)sizeof text)) {
                matched = 0;
                break;
            }
            unsigned long long value = (conversion == 'd' || conversion == 'i')
                ? (unsigned long long)strtoll(text, 0, base) : strtoull(text, 0, base);
            if (!suppress)
                store_integer(va_arg(args, void *), conversion == 'p' ? 2 : size, value);
            break;
        }
        case 'f': case 'F': case 'e': case 'E': case 'g': case 'G': case 'a': case 'A': {
            if (!read_float(&s, c, width ? width : (int)sizeof text, text, (int)sizeof text)) {
                matched = 0;
                break;
            }
            double value = strtod(text, 0);
            if (suppress)
                break;
            if (size == 2)
                *va_arg(args, long double *) = value;
            else if (size == 1)
                *va_arg(args, double *) = value;
            else
                *va_arg(args, float *) = (float)value;
            break;
        }
        case 's': case 'c': case '[': {
            if (conversion == '[')
                p = scan_set(p + 1, member) - 1;
            if (!width)
                width = conversion == 'c' ? 1 : INT32_MAX;
            char *out = suppress ? 0 : va_arg(args, char *);
            int n = 0;
            for (;;) {
                if (c == EOF || (conversion == 's' ? isspace(c) : conversion == '[' && !member[c])) {
                    back(&s, c);
                    break;
                }
                if (out)
                    out[n] = (char)c;
                if (++n == width)
                    break;
                c = next(&s);
            }
            if (n == 0 || (conversion == 'c' && n < width)) {
                matched = 0;
                break;
            }
            if (out && conversion != 'c')
                out[n] = '\0';
            break;
        }
        default:
            matched = 0;
            break;
        }
        if (!matched)
            break;
        converted_any = 1;
        if (!suppress)
            assigned++;
    }
    if (s.ahead != EOF)
        source->unget(source, s.ahead);
    return input_failure && !converted_any ? EOF : assigned;
}

struct string_source {
    struct __pc_source base;
    const char *text;
};

static int string_get(struct __pc_source *source)
{
    struct string_source *s = (struct string_source *)source;
    return *s->text ? (unsigned char)*s->text++ : EOF;
}

static void string_unget(struct __pc_source *source, int c)
{
    (void)c;
    ((struct string_source *)source)->text--;
}

int vsscanf(const char *text, const char *format, va_list args)
{
    struct string_source source = {{string_get, string_unget}, text};
    return __pc_scan(&source.base, format, args);
}

int sscanf(const char *text, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    int result = vsscanf(text, format, args);
    va_end(args);
    return result;
}
