/* wchar.h, wctype.h and stdlib's multibyte functions (see wchar.h for the encodings). */
#include "internal.h"
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

extern int __pc_utf8_ctype; /* locale.c: LC_CTYPE is C.UTF-8 */

size_t __pc_mb_cur_max(void) { return __pc_utf8_ctype ? 6 : 1; }

/* Strings */

size_t wcslen(const wchar_t *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

wchar_t *wcscpy(wchar_t *restrict to, const wchar_t *restrict from) { return wmemcpy(to, from, wcslen(from) + 1); }

wchar_t *wcsncpy(wchar_t *restrict to, const wchar_t *restrict from, size_t count)
{
    size_t i = 0;
    for (; i < count && from[i]; i++)
        to[i] = from[i];
    wmemset(to + i, 0, count - i);
    return to;
}

wchar_t *wcscat(wchar_t *restrict to, const wchar_t *restrict from)
{
    wcscpy(to + wcslen(to), from);
    return to;
}

wchar_t *wcsncat(wchar_t *restrict to, const wchar_t *restrict from, size_t count)
{
    wchar_t *end = to + wcslen(to);
    size_t i = 0;
    for (; i < count && from[i]; i++)
        end[i] = from[i];
    end[i] = 0;
    return to;
}

int wcsncmp(const wchar_t *a, const wchar_t *b, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
        if (!a[i])
            break;
    }
    return 0;
}

int wcscmp(const wchar_t *a, const wchar_t *b) { return wcsncmp(a, b, (size_t)-1); }
int wcscoll(const wchar_t *a, const wchar_t *b) { return wcscmp(a, b); }

wchar_t *wcschr(const wchar_t *s, wchar_t c)
{
    for (;; s++) {
        if (*s == c)
            return (wchar_t *)s;
        if (!*s)
            return 0;
    }
}

wchar_t *wcsrchr(const wchar_t *s, wchar_t c)
{
    const wchar_t *last = 0;
    for (;; s++) {
        if (*s == c)
            last = s;
        if (!*s)
            return (wchar_t *)last;
    }
}

wchar_t *wcsstr(const wchar_t *haystack, const wchar_t *needle)
{
    size_t n = wcslen(needle);
    for (; *haystack; haystack++)
        if (wcsncmp(haystack, needle, n) == 0)
            return (wchar_t *)haystack;
    return n == 0 ? (wchar_t *)haystack : 0;
}

static size_t span(const wchar_t *s, const wchar_t *set, int inside)
{
    size_t n = 0;
    while (s[n] && (wcschr(set, s[n]) != 0) == inside)
        n++;
    return n;
}

size_t wcsspn(const wchar_t *s, const wchar_t *accept) { return span(s, accept, 1); }
size_t wcscspn(const wchar_t *s, const wchar_t *reject) { return span(s, reject, 0); }

wchar_t *wcspbrk(const wchar_t *s, const wchar_t *accept)
{
    s += wcscspn(s, accept);
    return *s ? (wchar_t *)s : 0;
}

wchar_t *wcstok(wchar_t *restrict s, const wchar_t *restrict separators, wchar_t **restrict state)
{
    if (!s)
        s = *state;
    s += wcsspn(s, separators);
    if (!*s) {
        *state = s;
        return 0;
    }
    wchar_t *end = s + wcscspn(s, separators);
    *state = *end ? end + 1 : end;
    *end = 0;
    return s;
}

wchar_t *wcsdup(const wchar_t *s)
{
    size_t n = wcslen(s) + 1;
    wchar_t *copy = malloc(n * sizeof *copy);
    return copy ? wmemcpy(copy, s, n) : 0;
}

wchar_t *wmemcpy(wchar_t *restrict to, const wchar_t *restrict from, size_t count) { return memcpy(to, from, count * sizeof *to); }
wchar_t *wmemmove(wchar_t *to, const wchar_t *from, size_t count) { return memmove(to, from, count * sizeof *to); }

wchar_t *wmemset(wchar_t *to, wchar_t c, size_t count)
{
    for (size_t i = 0; i < count; i++)
        to[i] = c;
    return to;
}

int wmemcmp(const wchar_t *a, const wchar_t *b, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return 0;
}

wchar_t *wmemchr(const wchar_t *s, wchar_t c, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (s[i] == c)
            return (wchar_t *)s + i;
    return 0;
}

/* Numbers: the wide text is narrowed (every character a number can hold is ASCII) and parsed by the narrow function. */
#define NUMBER_TEXT 128
static char *narrow_number(const wchar_t *s, char *text)
{
    size_t i = 0;
    while (i + 1 < NUMBER_TEXT && s[i] && (unsigned)s[i] < 0x80) {
        text[i] = (char)s[i];
        i++;
    }
    text[i] = '\0';
    return text;
}

long wcstol(const wchar_t *restrict s, wchar_t **restrict end, int base)
{
    char text[NUMBER_TEXT], *stop;
    long value = strtol(narrow_number(s, text), &stop, base);
    if (end)
        *end = (wchar_t *)s + (stop - text);
    return value;
}

unsigned long wcstoul(const wchar_t *restrict s, wchar_t **restrict end, int base)
{
    char text[NUMBER_TEXT], *stop;
    unsigned long value = strtoul(narrow_number(s, text), &stop, base);
    if (end)
        *end = (wchar_t *)s + (stop - text);
    return value;
}

double wcstod(const wchar_t *restrict s, wchar_t **restrict end)
{
    char text[NUMBER_TEXT], *stop;
    double value = strtod(narrow_number(s, text), &stop);
    if (end)
        *end = (wchar_t *)s + (stop - text);
    return value;
}

/* Conversions. In the C locale a byte is a character when it is ASCII; in C.UTF-8 characters are UTF-8 sequences
   (no overlong forms, no surrogates, nothing above U+10FFFF). The state holds a partial UTF-8 sequence: how many
   continuation bytes are still expected and the bits so far. */

int mbsinit(const mbstate_t *state) { return !state || state->count == 0; }

static mbstate_t internal_mbrtowc, internal_mbrlen, internal_mbtowc;

size_t mbrtowc(wchar_t *restrict out, const char *restrict s, size_t n, mbstate_t *restrict state)
{
    if (!state)
        state = &internal_mbrtowc;
    if (!s) {
        out = 0;
        s = "";
        n = 1;
    }
    if (n == 0)
        return (size_t)-2;
    const unsigned char *p = (const unsigned char *)s;
    if (!__pc_utf8_ctype) {
        if (*p >= 0x80) {
            errno = EILSEQ;
            return (size_t)-1;
        }
        if (out)
            *out = *p;
        return *p ? 1 : 0;
    }
    unsigned count = state->count, value = state->pending;
    size_t used = 0;
    if (count == 0) {
        unsigned c = p[used++];
        if (c < 0x80) {
            if (out)
                *out = (wchar_t)c;
            return c ? 1 : 0;
        }
        if (c < 0xc2 || c > 0xf4) {
            errno = EILSEQ;
            return (size_t)-1;
        }
        count = c < 0xe0 ? 1 : c < 0xf0 ? 2 : 3;
        value = c & (0x3f >> count);
        state->lead = c;
        state->seen = 0;
    }
    while (count > 0) {
        if (used == n) {
            state->count = count;
            state->pending = value;
            return (size_t)-2;
        }
        unsigned c = p[used++], low = 0x80, high = 0xbf;
        /* The first continuation byte's range excludes overlong forms, surrogates and code points above U+10FFFF. */
        if (state->seen++ == 0) {
            if (state->lead == 0xe0) low = 0xa0;
            if (state->lead == 0xed) high = 0x9f;
            if (state->lead == 0xf0) low = 0x90;
            if (state->lead == 0xf4) high = 0x8f;
        }
        if (c < low || c > high) {
            state->count = 0;
            errno = EILSEQ;
            return (size_t)-1;
        }
        value = value << 6 | (c & 0x3f);
        count--;
    }
    state->count = 0;
    if (out)
        *out = (wchar_t)value;
    return value ? used : 0;
}

size_t mbrlen(const char *restrict s, size_t n, mbstate_t *restrict state)
{
    return mbrtowc(0, s, n, state ? state : &internal_mbrlen);
}

size_t wcrtomb(char *restrict out, wchar_t c, mbstate_t *restrict state)
{
    (void)state;
    char scratch[8];
    if (!out) {
        out = scratch;
        c = 0;
    }
    unsigned u = (unsigned)c;
    if (u < 0x80) {
        out[0] = (char)u;
        return 1;
    }
    if (!__pc_utf8_ctype || u > 0x10ffff || (u >= 0xd800 && u <= 0xdfff)) {
        errno = EILSEQ;
        return (size_t)-1;
    }
    size_t n = u < 0x800 ? 2 : u < 0x10000 ? 3 : 4;
    for (size_t i = n - 1; i > 0; i--, u >>= 6)
        out[i] = (char)(0x80 | (u & 0x3f));
    out[0] = (char)((0xf00u >> n) | u); /* 2: 0xc0, 3: 0xe0, 4: 0xf0 */
    return n;
}

/* Out of line (noinline, as the two below): inlined into a caller, the loop's count reached the code after the
   caller's calls in a register no stack map records (the machine-level liveness check refused those sites at -O1). */
__attribute__((noinline)) size_t mbsrtowcs(wchar_t *restrict to, const char **restrict from, size_t count, mbstate_t *restrict state)
{
    mbstate_t local = {0, 0, 0, 0};
    if (!state)
        state = &local;
    const char *s = *from;
    size_t written = 0;
    while (!to || written < count) {
        wchar_t c;
        size_t n = mbrtowc(&c, s, 4, state);
        if (n == (size_t)-1 || n == (size_t)-2) {
            if (to)
                *from = s;
            errno = EILSEQ;
            return (size_t)-1;
        }
        if (to)
            to[written] = c;
        if (n == 0) {
            if (to)
                *from = 0;
            return written;
        }
        s += n;
        written++;
    }
    *from = s;
    return written;
}

__attribute__((noinline)) size_t wcsrtombs(char *restrict to, const wchar_t **restrict from, size_t count, mbstate_t *restrict state)
{
    (void)state;
    const wchar_t *s = *from;
    size_t written = 0;
    for (;; s++) {
        char bytes[8];
        size_t n = wcrtomb(bytes, *s, 0);
        if (n == (size_t)-1) {
            if (to)
                *from = s;
            return (size_t)-1;
        }
        if (to && written + n > count) {
            *from = s;
            return written;
        }
        if (*s == 0) {
            if (to) {
                to[written] = '\0';
                *from = 0;
            }
            return written;
        }
        if (to)
            memcpy(to + written, bytes, n);
        written += n;
    }
}

size_t mbstowcs(wchar_t *restrict to, const char *restrict from, size_t count)
{
    return mbsrtowcs(to, &from, count, 0);
}

size_t wcstombs(char *restrict to, const wchar_t *restrict from, size_t count)
{
    return wcsrtombs(to, &from, count, 0);
}

int mbtowc(wchar_t *restrict out, const char *restrict s, size_t n)
{
    if (!s) {
        internal_mbtowc.count = 0;
        return 0; /* neither encoding has shift states */
    }
    size_t result = mbrtowc(out, s, n, &internal_mbtowc);
    if (result == (size_t)-2) {
        internal_mbtowc.count = 0;
        errno = EILSEQ;
        return -1;
    }
    return (int)result;
}

int mblen(const char *s, size_t n) { return mbtowc(0, s, n); }

int wctomb(char *s, wchar_t c)
{
    if (!s)
        return 0;
    return (int)wcrtomb(s, c, 0);
}

wint_t btowc(int c) { return c == EOF || (c & 0xff) >= 0x80 ? WEOF : (wint_t)(c & 0xff); }
int wctob(wint_t c) { return c < 0x80 ? (int)c : EOF; }

/* Classes */

static int latin1_upper(wint_t c) { return c >= 0xc0 && c <= 0xde && c != 0xd7; }
static int latin1_lower(wint_t c) { return c >= 0xdf && c <= 0xff && c != 0xf7; }
static int greek_upper(wint_t c) { return c >= 0x391 && c <= 0x3a9 && c != 0x3a2; }
static int greek_lower(wint_t c) { return c >= 0x3b1 && c <= 0x3c9; }
static int cyrillic_upper(wint_t c) { return c >= 0x400 && c <= 0x42f; }
static int cyrillic_lower(wint_t c) { return c >= 0x430 && c <= 0x45f; }

static int upper(wint_t c)
{
    if (c < 0x80)
        return c - 'A' < 26;
    return __pc_utf8_ctype && (latin1_upper(c) || greek_upper(c) || cyrillic_upper(c));
}

static int lower(wint_t c)
{
    if (c < 0x80)
        return c - 'a' < 26;
    return __pc_utf8_ctype && (latin1_lower(c) || greek_lower(c) || cyrillic_lower(c) || c == 0xb5);
}

static int alpha(wint_t c) { return upper(c) || lower(c) || (__pc_utf8_ctype && (c == 0xaa || c == 0xba)); }
static int digit(wint_t c) { return c - '0' < 10; }
static int space(wint_t c) { return c == ' ' || c - '\t' < 5; }

static int print(wint_t c)
{
    if (c < 0x80)
        return c - 32 < 95;
    return __pc_utf8_ctype && c >= 0xa0 && c <= 0x10ffff && !(c >= 0xd800 && c <= 0xdfff);
}

/* What glibc returns: for an ASCII character the bit of its narrow class table (as isalpha), for any other 1;
   iswdigit always 1. */
static int answer(wint_t c, int member, int bit) { return !member ? 0 : c < 0x80 ? bit : 1; }

int iswupper(wint_t c) { return answer(c, upper(c), CLASS_UPPER); }
int iswlower(wint_t c) { return answer(c, lower(c), CLASS_LOWER); }
int iswalpha(wint_t c) { return answer(c, alpha(c), CLASS_ALPHA); }
int iswdigit(wint_t c) { return digit(c); }
int iswalnum(wint_t c) { return answer(c, alpha(c) || digit(c), CLASS_ALNUM); }
int iswxdigit(wint_t c) { return answer(c, digit(c) || (c | 32) - 'a' < 6, CLASS_XDIGIT); }
int iswblank(wint_t c) { return answer(c, c == ' ' || c == '\t', CLASS_BLANK); }
int iswspace(wint_t c) { return answer(c, space(c), CLASS_SPACE); }
int iswcntrl(wint_t c) { return answer(c, c < 32 || c == 127 || (__pc_utf8_ctype && c >= 0x80 && c < 0xa0), CLASS_CNTRL); }
int iswprint(wint_t c) { return answer(c, print(c), CLASS_PRINT); }
int iswgraph(wint_t c) { return answer(c, print(c) && !space(c) && c != ' ' && c != 0xa0, CLASS_GRAPH); }
int iswpunct(wint_t c) { return answer(c, print(c) && !space(c) && c != ' ' && c != 0xa0 && !alpha(c) && !digit(c), CLASS_PUNCT); }

wint_t towupper(wint_t c)
{
    if (c < 0x80)
        return c - 'a' < 26 ? c - 32 : c;
    if (!__pc_utf8_ctype)
        return c;
    if ((latin1_lower(c) && c != 0xdf && c != 0xff) || (greek_lower(c) && c != 0x3c2))
        return c - 32;
    if (c == 0xff)
        return 0x178;
    if (c == 0x3c2)
        return 0x3a3;
    if (c >= 0x430 && c <= 0x44f)
        return c - 32;
    if (c >= 0x450 && c <= 0x45f)
        return c - 80;
    return c;
}

wint_t towlower(wint_t c)
{
    if (c < 0x80)
        return c - 'A' < 26 ? c + 32 : c;
    if (!__pc_utf8_ctype)
        return c;
    if (latin1_upper(c) || greek_upper(c))
        return c + 32;
    if (c >= 0x410 && c <= 0x42f)
        return c + 32;
    if (c >= 0x400 && c <= 0x40f)
        return c + 80;
    return c;
}

static const char *const class_names[] = {"alnum", "alpha", "blank", "cntrl", "digit", "graph",
                                          "lower", "print", "punct", "space", "upper", "xdigit"};
static int (*const class_tests[])(wint_t) = {iswalnum, iswalpha, iswblank, iswcntrl, iswdigit, iswgraph,
                                             iswlower, iswprint, iswpunct, iswspace, iswupper, iswxdigit};

wctype_t wctype(const char *name)
{
    for (int i = 0; i < (int)(sizeof class_names / sizeof class_names[0]); i++)
        if (strcmp(name, class_names[i]) == 0)
            return i + 1;
    return 0;
}

int iswctype(wint_t c, wctype_t type)
{
    return type > 0 && type <= (int)(sizeof class_tests / sizeof class_tests[0]) ? class_tests[type - 1](c) != 0 : 0;
}

/* Columns a character takes on a terminal: 0 for NUL, -1 for control characters, 1 otherwise (no wide CJK or
   combining classification). */
int wcwidth(wchar_t c)
{
    if (c == 0)
        return 0;
    return iswprint((wint_t)c) ? 1 : -1;
}

/* Wide streams: characters are converted to LC_CTYPE's multibyte text on the byte stream and back. */

wint_t fputwc(wchar_t c, FILE *stream)
{
    char bytes[8];
    size_t n = wcrtomb(bytes, c, 0);
    if (n == (size_t)-1)
        return WEOF;
    return fwrite(bytes, 1, n, stream) == n ? (wint_t)c : WEOF;
}

wint_t putwc(wchar_t c, FILE *stream) { return fputwc(c, stream); }
wint_t putwchar(wchar_t c) { return fputwc(c, stdout); }

int fputws(const wchar_t *restrict s, FILE *restrict stream)
{
    for (; *s; s++)
        if (fputwc(*s, stream) == WEOF)
            return -1;
    return 1;
}

wint_t fgetwc(FILE *stream)
{
    mbstate_t state = {0, 0, 0, 0};
    for (;;) {
        int c = fgetc(stream);
        if (c == EOF)
            return WEOF;
        char byte = (char)c;
        wchar_t w;
        size_t n = mbrtowc(&w, &byte, 1, &state);
        if (n == (size_t)-1)
            return WEOF;
        if (n != (size_t)-2)
            return (wint_t)w;
    }
}

wint_t getwc(FILE *stream) { return fgetwc(stream); }
wint_t getwchar(void) { return fgetwc(stdin); }

wchar_t *fgetws(wchar_t *restrict s, int size, FILE *restrict stream)
{
    int n = 0;
    while (n < size - 1) {
        wint_t c = fgetwc(stream);
        if (c == WEOF)
            break;
        s[n++] = (wchar_t)c;
        if (c == L'\n')
            break;
    }
    if (n == 0 || size <= 0)
        return 0;
    s[n] = 0;
    return s;
}

int fwide(FILE *stream, int mode)
{
    (void)stream;
    return mode;
}

/* The wide printf family: the format (its conversions are ASCII) is converted to multibyte text and handed to the
   narrow engine, whose %ls and %lc convert wide arguments; swprintf converts the result back. */
static char *narrow_format(const wchar_t *format)
{
    size_t n = wcstombs(0, format, 0);
    if (n == (size_t)-1)
        return 0;
    char *text = malloc(n + 1);
    if (text)
        wcstombs(text, format, n + 1);
    return text;
}

/* Formats into a new multibyte string; its length in *length, NULL on an error. */
static char *format_wide(const wchar_t *format, va_list args, int *length)
{
    char *text = narrow_format(format), *out = 0;
    if (!text)
        return 0;
    va_list copy;
    va_copy(copy, args);
    *length = vsnprintf(0, 0, text, copy);
    va_end(copy);
    if (*length >= 0 && (out = malloc((size_t)*length + 1)) != 0)
        vsnprintf(out, (size_t)*length + 1, text, args);
    free(text);
    return out;
}

int vfwprintf(FILE *restrict stream, const wchar_t *restrict format, va_list args)
{
    int length;
    char *out = format_wide(format, args, &length);
    if (!out)
        return -1;
    size_t characters = mbstowcs(0, out, 0);
    int result = fwrite(out, 1, (size_t)length, stream) == (size_t)length ? (int)characters : -1;
    free(out);
    return result;
}

int vwprintf(const wchar_t *restrict format, va_list args) { return vfwprintf(stdout, format, args); }

int vswprintf(wchar_t *restrict buffer, size_t size, const wchar_t *restrict format, va_list args)
{
    int length, result = -1;
    char *out = format_wide(format, args, &length);
    if (!out)
        return -1;
    size_t characters = mbstowcs(0, out, 0);
    /* Like glibc: -1 when the output and its terminating null do not fit. */
    if (characters != (size_t)-1 && characters < size) {
        mbstowcs(buffer, out, size);
        result = (int)characters;
    }
    free(out);
    return result;
}

int fwprintf(FILE *restrict stream, const wchar_t *restrict format, ...)
{
    va_list args;
    va_start(args, format);
    int result = vfwprintf(stream, format, args);
    va_end(args);
    return result;
}

int wprintf(const wchar_t *restrict format, ...)
{
    va_list args;
    va_start(args, format);
    int result = vfwprintf(stdout, format, args);
    va_end(args);
    return result;
}

int swprintf(wchar_t *restrict buffer, size_t size, const wchar_t *restrict format, ...)
{
    va_list args;
    va_start(args, format);
    int result = vswprintf(buffer, size, format, args);
    va_end(args);
    return result;
}
