/* The printf formatting engine: integers, strings, characters, pointers, exactly rounded %f %e %g and %a. */
#include "internal.h"
#include <string.h>

enum { FLAG_LEFT = 1, FLAG_PLUS = 2, FLAG_SPACE = 4, FLAG_ALT = 8, FLAG_ZERO = 16 };

static void pad(struct __pc_sink *sink, char c, int count)
{
    char block[32];
    memset(block, c, sizeof block);
    while (count > 0) {
        int n = count > (int)sizeof block ? (int)sizeof block : count;
        sink->put(sink, block, (size_t)n);
        sink->count += (size_t)n;
        count -= n;
    }
}

static void emit(struct __pc_sink *sink, const char *text, size_t length)
{
    sink->put(sink, text, length);
    sink->count += length;
}

/* Writes prefix (sign, 0x), then the body, honouring width, the - and 0 flags. */
static void field(struct __pc_sink *sink, int flags, int width, const char *prefix, const char *body, int body_length,
                  int leading_zeros)
{
    int prefix_length = (int)strlen(prefix);
    int total = prefix_length + leading_zeros + body_length;
    if (!(flags & FLAG_LEFT) && !(flags & FLAG_ZERO))
        pad(sink, ' ', width - total);
    emit(sink, prefix, (size_t)prefix_length);
    if (!(flags & FLAG_LEFT) && (flags & FLAG_ZERO))
        pad(sink, '0', width - total);
    pad(sink, '0', leading_zeros);
    emit(sink, body, (size_t)body_length);
    if (flags & FLAG_LEFT)
        pad(sink, ' ', width - total);
}

static void format_integer(struct __pc_sink *sink, unsigned long long value, int negative, unsigned base, int upper,
                           int flags, int width, int precision, char conversion)
{
    char digits[24];
    int length = 0;
    const char *alphabet = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    while (value != 0) {
        digits[sizeof digits - 1 - length++] = alphabet[value % base];
        value /= base;
    }
    const char *prefix = negative ? "-" : (flags & FLAG_PLUS) ? "+" : (flags & FLAG_SPACE) ? " " : "";
    if (conversion == 'p' || ((flags & FLAG_ALT) && base == 16 && length > 0))
        prefix = upper ? "0X" : "0x";
    int zeros = 0;
    if (precision >= 0) {
        flags &= ~FLAG_ZERO;
        zeros = precision > length ? precision - length : 0;
    } else if (length == 0) {
        zeros = 1;
    }
    if ((flags & FLAG_ALT) && base == 8 && zeros == 0 && (length == 0 || digits[sizeof digits - length] != '0'))
        zeros = 1;
    field(sink, flags, width, prefix, digits + sizeof digits - length, length, zeros);
}

/*
 * Exact decimal expansion of a finite double: value = mantissa * 2^exponent. For exponent >= 0 the integer is
 * built in base 1e9 by doubling; for exponent < 0, value = mantissa * 5^-exponent * 10^exponent, so the digits of
 * mantissa * 5^-exponent are the exact digits with the decimal point -exponent places from the right.
 */
struct decimal {
    char digits[800]; /* most significant first */
    int count;        /* number of digits */
    int point;        /* digits before the decimal point (may be <= 0 or > count) */
};

static void multiply_small(uint32_t *limbs, int *count, uint32_t factor)
{
    uint64_t carry = 0;
    for (int i = 0; i < *count; i++) {
        uint64_t product = (uint64_t)limbs[i] * factor + carry;
        limbs[i] = (uint32_t)(product % 1000000000u);
        carry = product / 1000000000u;
    }
    while (carry) {
        limbs[(*count)++] = (uint32_t)(carry % 1000000000u);
        carry /= 1000000000u;
    }
}

static void decimal_expand(double value, struct decimal *out)
{
    union { double d; uint64_t u; } bits = {value};
    int raw_exponent = (int)((bits.u >> 52) & 0x7ff);
    uint64_t mantissa = bits.u & ((1ull << 52) - 1);
    int exponent;
    if (raw_exponent == 0) {
        exponent = -1074;
    } else {
        mantissa |= 1ull << 52;
        exponent = raw_exponent - 1075;
    }
    uint32_t limbs[90];
    int count = 0;
    while (mantissa) {
        limbs[count++] = (uint32_t)(mantissa % 1000000000u);
        mantissa /= 1000000000u;
    }
    int scale = 0;
    if (exponent >= 0) {
        for (int i = 0; i < exponent; i += 29)
            multiply_small(limbs, &count, 1u << (exponent - i < 29 ? exponent - i : 29));
    } else {
        for (int i = 0; i < -exponent; i += 13) {
            uint32_t factor = 1;
            for (int j = 0; j < 13 && i + j < -exponent; j++)
                factor *= 5;
            multiply_small(limbs, &count, factor);
        }
        scale = -exponent;
    }
    out->count = 0;
    if (count == 0) {
        out->digits[0] = '0';
        out->count = 1;
        out->point = 1;
        return;
    }
    char buffer[10];
    for (int i = count - 1; i >= 0; i--) {
        uint32_t limb = limbs[i];
        for (int j = 8; j >= 0; j--) {
            buffer[j] = (char)('0' + limb % 10);
            limb /= 10;
        }
        int start = 0;
        if (i == count - 1)
            while (start < 8 && buffer[start] == '0')
                start++;
        for (int j = start; j < 9; j++)
            out->digits[out->count++] = buffer[j];
    }
    out->point = out->count - scale;
    while (out->count > 1 && out->digits[out->count - 1] == '0')
        out->count--;
}

/* Rounds to keep `keep` digits (ties to even, as the digits are exact); keep may be <= 0. */
static void decimal_round(struct decimal *d, int keep)
{
    if (keep >= d->count)
        return;
    if (keep < 0) {
        d->digits[0] = '0';
        d->count = 1;
        d->point = 1;
        return;
    }
    int round_up;
    char next = d->digits[keep];
    if (next > '5') {
        round_up = 1;
    } else if (next < '5') {
        round_up = 0;
    } else {
        int beyond = 0;
        for (int i = keep + 1; i < d->count; i++)
            if (d->digits[i] != '0')
                beyond = 1;
        round_up = beyond || (keep > 0 && ((d->digits[keep - 1] - '0') & 1));
    }
    d->count = keep;
    if (round_up) {
        int i = keep - 1;
        while (i >= 0 && d->digits[i] == '9') {
            d->digits[i] = '0';
            i--;
        }
        if (i < 0) {
            memmove(d->digits + 1, d->digits, (size_t)keep);
            d->digits[0] = '1';
            d->count = keep + 1;
            d->point++;
        } else {
            d->digits[i]++;
        }
    }
    if (d->count == 0) {
        d->digits[0] = '0';
        d->count = 1;
        d->point = 1;
    }
}

static char digit_at(const struct decimal *d, int index)
{
    return index >= 0 && index < d->count ? d->digits[index] : '0';
}

/* %a: [-]0xh.hhhp±d, the significand's hex digits (all 13 fraction digits, trailing zeros dropped, without a
   precision; rounded to nearest even with one), as glibc prints them: subnormals as 0x0.…p-1022. */
static void format_hex_float(struct __pc_sink *sink, uint64_t bits, const char *sign, int flags, int width,
                             int precision, int upper)
{
    int biased = (int)((bits >> 52) & 0x7ff);
    uint64_t significand = bits & ((1ull << 52) - 1);
    int exponent = biased == 0 ? (significand ? -1022 : 0) : biased - 1023;
    if (biased != 0)
        significand |= 1ull << 52;
    if (precision < 0) {
        precision = 13;
        while (precision > 0 && ((significand >> (4 * (13 - precision))) & 0xf) == 0)
            precision--;
    } else if (precision < 13) {
        int drop = 4 * (13 - precision);
        uint64_t rest = significand & ((1ull << drop) - 1), half = 1ull << (drop - 1);
        significand >>= drop;
        if (rest > half || (rest == half && (significand & 1)))
            significand++;
        significand <<= drop;
    }
    const char *alphabet = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char body[540];
    int length = 0;
    if (precision > 512)
        precision = 512;
    body[length++] = alphabet[significand >> 52]; /* 0, 1, or 2 when rounding carried out of the fraction */
    if (precision > 0 || (flags & FLAG_ALT))
        body[length++] = '.';
    for (int i = 1; i <= precision; i++)
        body[length++] = i <= 13 ? alphabet[(significand >> (4 * (13 - i))) & 0xf] : '0';
    body[length++] = upper ? 'P' : 'p';
    body[length++] = exponent < 0 ? '-' : '+';
    char digits[8];
    int count = 0;
    for (unsigned e = (unsigned)(exponent < 0 ? -exponent : exponent); count == 0 || e != 0; e /= 10)
        digits[count++] = (char)('0' + e % 10);
    while (count > 0)
        body[length++] = digits[--count];
    char prefix[4] = {0};
    strcpy(prefix, sign);
    strcat(prefix, upper ? "0X" : "0x");
    field(sink, flags, width, prefix, body, length, 0);
}

static void format_float(struct __pc_sink *sink, double value, int flags, int width, int precision, char conversion)
{
    union { double d; uint64_t u; } bits = {value};
    int negative = (int)(bits.u >> 63);
    const char *sign = negative ? "-" : (flags & FLAG_PLUS) ? "+" : (flags & FLAG_SPACE) ? " " : "";
    int upper = conversion >= 'A' && conversion <= 'Z';
    char lower = (char)(conversion | 0x20);
    if (((bits.u >> 52) & 0x7ff) == 0x7ff) {
        const char *text = (bits.u & ((1ull << 52) - 1)) ? (upper ? "NAN" : "nan") : (upper ? "INF" : "inf");
        field(sink, flags & ~FLAG_ZERO, width, sign, text, 3, 0);
        return;
    }
    if (lower == 'a') {
        format_hex_float(sink, bits.u, sign, flags, width, precision, upper);
        return;
    }
    if (precision < 0)
        precision = 6;
    if (negative)
        value = -value;
    struct decimal d;
    decimal_expand(value, &d);
    int is_zero = d.count == 1 && d.digits[0] == '0';
    int strip_zeros = 0;
    if (lower == 'g') {
        int p = precision == 0 ? 1 : precision;
        struct decimal probe = d;
        decimal_round(&probe, p);
        int x = is_zero ? 0 : probe.point - 1;
        strip_zeros = !(flags & FLAG_ALT);
        if (x >= -4 && x < p) {
            lower = 'f';
            precision = p - 1 - x;
        } else {
            lower = 'e';
            precision = p - 1;
        }
    }
    char body[900];
    int length = 0;
    if (lower == 'f') {
        decimal_round(&d, d.point + precision);
        if (d.point <= 0) {
            body[length++] = '0';
        } else {
            for (int i = 0; i < d.point && length < 400; i++)
                body[length++] = digit_at(&d, i);
        }
        if (precision > 0 || (flags & FLAG_ALT)) {
            body[length++] = '.';
            for (int i = 0; i < precision && length < 880; i++)
                body[length++] = digit_at(&d, d.point + i);
        }
    } else {
        decimal_round(&d, precision + 1);
        int x = is_zero ? 0 : d.point - 1;
        body[length++] = d.digits[0];
        if (precision > 0 || (flags & FLAG_ALT)) {
            body[length++] = '.';
            for (int i = 1; i <= precision && length < 860; i++)
                body[length++] = digit_at(&d, i);
        }
        if (strip_zeros) {
            while (length > 1 && body[length - 1] == '0' && memchr(body, '.', (size_t)length))
                length--;
            if (body[length - 1] == '.')
                length--;
            strip_zeros = 0;
        }
        body[length++] = upper ? 'E' : 'e';
        body[length++] = x < 0 ? '-' : '+';
        int ax = x < 0 ? -x : x;
        if (ax >= 100)
            body[length++] = (char)('0' + ax / 100);
        body[length++] = (char)('0' + ax / 10 % 10);
        body[length++] = (char)('0' + ax % 10);
    }
    if (strip_zeros && memchr(body, '.', (size_t)length)) {
        while (body[length - 1] == '0')
            length--;
        if (body[length - 1] == '.')
            length--;
    }
    field(sink, flags, width, sign, body, length, 0);
}

int __pc_format(struct __pc_sink *sink, const char *format, va_list args)
{
    for (const char *p = format; *p; p++) {
        if (*p != '%') {
            const char *run = p;
            while (p[1] && p[1] != '%')
                p++;
            emit(sink, run, (size_t)(p - run + 1));
            continue;
        }
        p++;
        int flags = 0;
        for (;; p++) {
            if (*p == '-')
                flags |= FLAG_LEFT;
            else if (*p == '+')
                flags |= FLAG_PLUS;
            else if (*p == ' ')
                flags |= FLAG_SPACE;
            else if (*p == '#')
                flags |= FLAG_ALT;
            else if (*p == '0')
                flags |= FLAG_ZERO;
            else
                break;
        }
        int width = 0;
        if (*p == '*') {
            width = va_arg(args, int);
            if (width < 0) {
                flags |= FLAG_LEFT;
                width = -width;
            }
            p++;
        } else {
            while (*p >= '0' && *p <= '9')
                width = width * 10 + (*p++ - '0');
        }
        int precision = -1;
        if (*p == '.') {
            p++;
            precision = 0;
            if (*p == '*') {
                precision = va_arg(args, int);
                p++;
            } else {
                while (*p >= '0' && *p <= '9')
                    precision = precision * 10 + (*p++ - '0');
            }
        }
        if (flags & FLAG_LEFT)
            flags &= ~FLAG_ZERO;
        int size = 0; /* 0 int, 1 long, 2 long long, -1 short, -2 char, 3 size_t/ptrdiff/intmax */
        for (;; p++) {
            if (*p == 'l')
                size = size == 1 ? 2 : 1;
            else if (*p == 'h')
                size = size == -1 ? -2 : -1;
            else if (*p == 'z' || *p == 't' || *p == 'j')
                size = 3;
            else if (*p == 'L' || *p == 'q')
                size = 2;
            else
                break;
        }
        char c = *p;
        if (c == '\0')
            break;
        switch (c) {
        case 'd':
        case 'i': {
            long long value = size >= 1 ? va_arg(args, long long) : va_arg(args, int);
            if (size == -1)
                value = (short)value;
            else if (size == -2)
                value = (signed char)value;
            unsigned long long magnitude = value < 0 ? 0ull - (unsigned long long)value : (unsigned long long)value;
            format_integer(sink, magnitude, value < 0, 10, 0, flags, width, precision, c);
            break;
        }
        case 'u':
        case 'x':
        case 'X':
        case 'o': {
            unsigned long long value = size >= 1 ? va_arg(args, unsigned long long) : va_arg(args, unsigned int);
            if (size == -1)
                value = (unsigned short)value;
            else if (size == -2)
                value = (unsigned char)value;
            unsigned base = c == 'o' ? 8 : c == 'u' ? 10 : 16;
            format_integer(sink, value, 0, base, c == 'X', flags & ~(FLAG_PLUS | FLAG_SPACE), width, precision, c);
            break;
        }
        case 'p': {
            void *pointer = va_arg(args, void *);
            if (!pointer)
                field(sink, flags & ~FLAG_ZERO, width, "", "(nil)", 5, 0);
            else
                format_integer(sink, (uintptr_t)pointer, 0, 16, 0, flags, width, precision, 'p');
            break;
        }
        case 'c': {
            char value = (char)va_arg(args, int);
            field(sink, flags & ~FLAG_ZERO, width, "", &value, 1, 0);
            break;
        }
        case 's': {
            const char *text = va_arg(args, const char *);
            if (!text)
                text = "(null)";
            size_t length = precision >= 0 ? strnlen(text, (size_t)precision) : strlen(text);
            field(sink, flags & ~FLAG_ZERO, width, "", text, (int)length, 0);
            break;
        }
        case 'f':
        case 'F':
        case 'e':
        case 'E':
        case 'g':
        case 'G':
        case 'a':
        case 'A':
            format_float(sink, va_arg(args, double), flags, width, precision, c);
            break;
        case 'n':
            *va_arg(args, int *) = (int)sink->count;
            break;
        case '%':
            emit(sink, "%", 1);
            break;
        default:
            emit(sink, p - 1, 2);
            break;
        }
    }
    return (int)sink->count;
}
