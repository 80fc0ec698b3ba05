/* The printf formatting engine: integers, strings, characters, pointers, exactly rounded %f %e %g and %a of double
   and long double. */
#include "internal.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

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

/* Starts a field of prefix (sign, 0x) and a body of body_length characters the caller writes next, honouring width
   and the 0 flag; field_close ends it, honouring the - flag. */
static void field_open(struct __pc_sink *sink, int flags, int width, const char *prefix, int body_length)
{
    int prefix_length = (int)strlen(prefix);
    int total = prefix_length + body_length;
    if (!(flags & FLAG_LEFT) && !(flags & FLAG_ZERO))
        pad(sink, ' ', width - total);
    emit(sink, prefix, (size_t)prefix_length);
    if (!(flags & FLAG_LEFT) && (flags & FLAG_ZERO))
        pad(sink, '0', width - total);
}

static void field_close(struct __pc_sink *sink, int flags, int width, const char *prefix, int body_length)
{
    if (flags & FLAG_LEFT)
        pad(sink, ' ', width - (int)strlen(prefix) - body_length);
}

/* Writes prefix (sign, 0x), then the body, honouring width, the - and 0 flags. */
static void field(struct __pc_sink *sink, int flags, int width, const char *prefix, const char *body, int body_length,
                  int leading_zeros)
{
    field_open(sink, flags, width, prefix, leading_zeros + body_length);
    pad(sink, '0', leading_zeros);
    emit(sink, body, (size_t)body_length);
    field_close(sink, flags, width, prefix, leading_zeros + body_length);
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

/* A floating-point value as the formatter reads it: for a finite one, significand (with the implicit bit, up to 128
   bits, hi:lo) times 2^exponent, with fraction_bits bits after the binary point (52 for double, 112 for the IEEE
   binary128 long double both ISAs use). */
struct binary {
    uint64_t hi, lo;
    int exponent;
    int fraction_bits;
    int negative;
    int special; /* 0 finite, 1 infinity, 2 NaN */
};

static struct binary decode_double(double value)
{
    union { double d; uint64_t u; } bits = {value};
    int raw_exponent = (int)((bits.u >> 52) & 0x7ff);
    uint64_t fraction = bits.u & ((1ull << 52) - 1);
    struct binary b = {0, fraction, 0, 52, (int)(bits.u >> 63), 0};
    if (raw_exponent == 0x7ff) {
        b.special = fraction ? 2 : 1;
    } else if (raw_exponent == 0) {
        b.exponent = -1074;
    } else {
        b.lo |= 1ull << 52;
        b.exponent = raw_exponent - 1075;
    }
    return b;
}

static struct binary decode_long_double(long double value)
{
    union { long double d; uint64_t u[2]; } bits = {value}; /* little-endian: u[1] holds sign, exponent, high fraction */
    int raw_exponent = (int)((bits.u[1] >> 48) & 0x7fff);
    uint64_t high = bits.u[1] & ((1ull << 48) - 1);
    struct binary b = {high, bits.u[0], 0, 112, (int)(bits.u[1] >> 63), 0};
    if (raw_exponent == 0x7fff) {
        b.special = (high | bits.u[0]) ? 2 : 1;
    } else if (raw_exponent == 0) {
        b.exponent = -16494;
    } else {
        b.hi |= 1ull << 48;
        b.exponent = raw_exponent - 16495;
    }
    return b;
}

/*
 * Exact decimal expansion of a finite value: value = significand * 2^exponent. For exponent >= 0 the integer is
 * built in base 1e9 by doubling; for exponent < 0, value = significand * 5^-exponent * 10^exponent, so the digits of
 * significand * 5^-exponent are the exact digits with the decimal point -exponent places from the right.
 */
struct decimal {
    char *digits; /* most significant first; a double needs at most 767, a long double 11,565 */
    int count;    /* number of digits */
    int point;    /* digits before the decimal point (may be <= 0 or > count) */
};

enum { DOUBLE_DIGITS = 800, DOUBLE_LIMBS = 90, LONG_DOUBLE_DIGITS = 11600, LONG_DOUBLE_LIMBS = 1300 };

/* limbs = limbs * factor + addend, in base 1e9. */
static void multiply_add(uint32_t *limbs, int *count, uint32_t factor, uint32_t addend)
{
    uint64_t carry = addend;
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

/* limbs has room for the base-1e9 expansion (DOUBLE_LIMBS or LONG_DOUBLE_LIMBS), out->digits for its digits. */
static void decimal_expand(const struct binary *b, struct decimal *out, uint32_t *limbs)
{
    int count = 0;
    for (int shift = 112; shift >= 0; shift -= 16) {
        uint64_t chunk = shift >= 64 ? b->hi >> (shift - 64) : b->lo >> shift;
        multiply_add(limbs, &count, 1u << 16, (uint32_t)(chunk & 0xffff));
    }
    int exponent = b->exponent;
    int scale = 0;
    if (exponent >= 0) {
        for (int i = 0; i < exponent; i += 29)
            multiply_add(limbs, &count, 1u << (exponent - i < 29 ? exponent - i : 29), 0);
    } else {
        for (int i = 0; i < -exponent; i += 13) {
            uint32_t factor = 1;
            for (int j = 0; j < 13 && i + j < -exponent; j++)
                factor *= 5;
            multiply_add(limbs, &count, factor, 0);
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

/* Whether keeping `keep` (0 <= keep < count) digits rounds up (ties to even, as the digits are exact). */
static int rounds_up(const struct decimal *d, int keep)
{
    char next = d->digits[keep];
    if (next != '5')
        return next > '5';
    for (int i = keep + 1; i < d->count; i++)
        if (d->digits[i] != '0')
            return 1;
    return keep > 0 && ((d->digits[keep - 1] - '0') & 1);
}

/* The point after rounding to `keep` >= 1 digits, without rounding: one more when all kept digits are 9s that carry. */
static int rounded_point(const struct decimal *d, int keep)
{
    if (keep >= d->count || !rounds_up(d, keep))
        return d->point;
    for (int i = 0; i < keep; i++)
        if (d->digits[i] != '9')
            return d->point;
    return d->point + 1;
}

/* Rounds to keep `keep` digits; keep may be <= 0. */
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
    int round_up = rounds_up(d, keep);
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

/* Writes `n` digits of d from index `from` (digits before the first and after the last are zeros). */
static void emit_digits(struct __pc_sink *sink, const struct decimal *d, int from, int n)
{
    if (from < 0) {
        int zeros = -from < n ? -from : n;
        pad(sink, '0', zeros);
        from += zeros;
        n -= zeros;
    }
    if (n > 0 && from < d->count) {
        int available = d->count - from < n ? d->count - from : n;
        emit(sink, d->digits + from, (size_t)available);
        n -= available;
    }
    pad(sink, '0', n);
}

/* Writes e±d… with at least min_digits exponent digits and returns its length. */
static int exponent_text(char *text, char letter, int exponent, int min_digits)
{
    int length = 0;
    text[length++] = letter;
    text[length++] = exponent < 0 ? '-' : '+';
    char digits[8];
    int count = 0;
    for (unsigned e = (unsigned)(exponent < 0 ? -exponent : exponent); count < min_digits || e != 0; e /= 10)
        digits[count++] = (char)('0' + e % 10);
    while (count > 0)
        text[length++] = digits[--count];
    return length;
}

/* %a: [-]0xh.hhhp±d, the significand's hex digits (all of the fraction's, 13 for a double and 28 for a long double,
   trailing zeros dropped, without a precision; rounded to nearest even with one), as glibc prints them: subnormals
   as 0x0.…p-1022 (-16382). */
static void format_hex_float(struct __pc_sink *sink, const struct binary *b, const char *sign, int flags, int width,
                             int precision, int upper)
{
    int fraction_digits = b->fraction_bits / 4;
    unsigned __int128 significand = ((unsigned __int128)b->hi << 64) | b->lo;
    int exponent = significand ? b->exponent + b->fraction_bits : 0;
    if (precision < 0) {
        precision = fraction_digits;
        while (precision > 0 && ((significand >> (4 * (fraction_digits - precision))) & 0xf) == 0)
            precision--;
    } else if (precision < fraction_digits) {
        int drop = 4 * (fraction_digits - precision);
        unsigned __int128 one = 1, rest = significand & ((one << drop) - 1), half = one << (drop - 1);
        significand >>= drop;
        if (rest > half || (rest == half && (significand & 1)))
            significand++;
        significand <<= drop;
    }
    const char *alphabet = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char head[2 + 28];
    int length = 0;
    head[length++] = alphabet[(int)(significand >> b->fraction_bits)]; /* 0, 1, or 2 when rounding carried */
    if (precision > 0 || (flags & FLAG_ALT))
        head[length++] = '.';
    int shown = precision < fraction_digits ? precision : fraction_digits;
    for (int i = 1; i <= shown; i++)
        head[length++] = alphabet[(int)(significand >> (4 * (fraction_digits - i))) & 0xf];
    char tail[16];
    int tail_length = exponent_text(tail, upper ? 'P' : 'p', exponent, 1);
    char prefix[4] = {0};
    strcpy(prefix, sign);
    strcat(prefix, upper ? "0X" : "0x");
    int total = length + (precision - shown) + tail_length;
    field_open(sink, flags, width, prefix, total);
    emit(sink, head, (size_t)length);
    pad(sink, '0', precision - shown);
    emit(sink, tail, (size_t)tail_length);
    field_close(sink, flags, width, prefix, total);
}

/* %f %e %g %a of a decoded value; `digits` and `limbs` have room for its decimal expansion. */
static void format_binary(struct __pc_sink *sink, const struct binary *b, int flags, int width, int precision,
                          char conversion, char *digits, uint32_t *limbs)
{
    const char *sign = b->negative ? "-" : (flags & FLAG_PLUS) ? "+" : (flags & FLAG_SPACE) ? " " : "";
    int upper = conversion >= 'A' && conversion <= 'Z';
    char lower = (char)(conversion | 0x20);
    if (b->special) {
        const char *text = b->special == 2 ? (upper ? "NAN" : "nan") : (upper ? "INF" : "inf");
        field(sink, flags & ~FLAG_ZERO, width, sign, text, 3, 0);
        return;
    }
    if (lower == 'a') {
        format_hex_float(sink, b, sign, flags, width, precision, upper);
        return;
    }
    if (precision < 0)
        precision = 6;
    struct decimal d = {digits, 0, 0};
    decimal_expand(b, &d, limbs);
    int is_zero = d.count == 1 && d.digits[0] == '0';
    int strip_zeros = 0;
    if (lower == 'g') {
        int p = precision == 0 ? 1 : precision;
        int x = is_zero ? 0 : rounded_point(&d, p) - 1;
        strip_zeros = !(flags & FLAG_ALT);
        if (x >= -4 && x < p) {
            lower = 'f';
            precision = p - 1 - x;
        } else {
            lower = 'e';
            precision = p - 1;
        }
    }
    int fraction_start;
    char tail[16];
    int tail_length = 0;
    if (lower == 'f') {
        decimal_round(&d, d.point + precision);
        fraction_start = d.point;
    } else {
        decimal_round(&d, precision + 1);
        fraction_start = 1;
        tail_length = exponent_text(tail, upper ? 'E' : 'e', is_zero ? 0 : d.point - 1, 2);
    }
    int integer_digits = lower == 'f' && d.point > 0 ? d.point : 1;
    int fraction_digits = precision;
    if (strip_zeros) {
        int last = d.count - 1; /* the last nonzero digit */
        while (last > 0 && d.digits[last] == '0')
            last--;
        int needed = last - fraction_start + 1;
        if (needed < fraction_digits)
            fraction_digits = needed < 0 ? 0 : needed;
    }
    int has_point = fraction_digits > 0 || (flags & FLAG_ALT);
    int total = integer_digits + has_point + fraction_digits + tail_length;
    field_open(sink, flags, width, sign, total);
    if (lower == 'f' && d.point <= 0)
        emit(sink, "0", 1);
    else
        emit_digits(sink, &d, 0, integer_digits);
    if (has_point)
        emit(sink, ".", 1);
    emit_digits(sink, &d, fraction_start, fraction_digits);
    emit(sink, tail, (size_t)tail_length);
    field_close(sink, flags, width, sign, total);
}

static void format_double(struct __pc_sink *sink, double value, int flags, int width, int precision, char conversion)
{
    char digits[DOUBLE_DIGITS];
    uint32_t limbs[DOUBLE_LIMBS];
    struct binary b = decode_double(value);
    format_binary(sink, &b, flags, width, precision, conversion, digits, limbs);
}

/* Apart from format_double so that only long double conversions take the larger buffers' stack. */
__attribute__((noinline)) static void format_long_double(struct __pc_sink *sink, long double value, int flags, int width,
                                                         int precision, char conversion)
{
    char digits[LONG_DOUBLE_DIGITS];
    uint32_t limbs[LONG_DOUBLE_LIMBS];
    struct binary b = decode_long_double(value);
    format_binary(sink, &b, flags, width, precision, conversion, digits, limbs);
}

/* %lc: the character converted to a multibyte character; %ls: the wide string converted, at most precision bytes
   of whole characters (-1: all). Padded to width bytes. A character the locale cannot encode fails the whole call
   (EILSEQ) after what came before it was written, as in glibc. */
static __attribute__((noinline)) int format_wide_char(struct __pc_sink *sink, wchar_t c, int flags, int width)
{
    char encoded[8];
    size_t n = wcrtomb(encoded, c, 0);
    if (n == (size_t)-1)
        return -1;
    field(sink, flags & ~FLAG_ZERO, width, "", encoded, (int)n, 0);
    return 0;
}

static __attribute__((noinline)) int format_wide_string(struct __pc_sink *sink, const wchar_t *text, int flags, int width,
                                                        int precision)
{
    if (!text)
        text = precision < 0 || precision >= 6 ? L"(null)" : L"";
    size_t bytes = 0, count = 0;
    for (; text[count]; count++) {
        char encoded[8];
        size_t n = wcrtomb(encoded, text[count], 0);
        if (n == (size_t)-1)
            return -1;
        if (precision >= 0 && bytes + n > (size_t)precision)
            break;
        bytes += n;
    }
    char *body = malloc(bytes + 1);
    if (!body)
        return -1;
    for (size_t i = 0, at = 0; i < count; i++)
        at += wcrtomb(body + at, text[i], 0);
    field(sink, flags & ~FLAG_ZERO, width, "", body, (int)bytes, 0);
    free(body);
    return 0;
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
            else if (*p != '\'') /* thousands' grouping: none in the C locale, the only one there is */
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
        case 'C':
        case 'c':
            if (size == 1 || c == 'C') {
                if (format_wide_char(sink, (wchar_t)va_arg(args, wint_t), flags, width) < 0)
                    return -1;
                break;
            } else {
                char value = (char)va_arg(args, int);
                field(sink, flags & ~FLAG_ZERO, width, "", &value, 1, 0);
                break;
            }
        case 'S':
        case 's': {
            if (size == 1 || c == 'S') {
                if (format_wide_string(sink, va_arg(args, const wchar_t *), flags, width, precision) < 0)
                    return -1;
                break;
            }
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
            if (size == 2) /* L (and q, ll, as glibc reads them) */
                format_long_double(sink, va_arg(args, long double), flags, width, precision, c);
            else
                format_double(sink, va_arg(args, double), flags, width, precision, c);
            break;
        case 'n': {
            void *target = va_arg(args, void *);
            if (size == -2)
                *(signed char *)target = (signed char)sink->count;
            else if (size == -1)
                *(short *)target = (short)sink->count;
            else if (size >= 1)
                *(long long *)target = (long long)sink->count;
            else
                *(int *)target = (int)sink->count;
            break;
        }
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
