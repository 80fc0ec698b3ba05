/* Wide characters: wchar_t holds a Unicode code point; the multibyte encoding is LC_CTYPE's, ASCII in the "C"
   locale (bytes above 0x7f are invalid, EILSEQ, as in glibc) and UTF-8 in "C.UTF-8". Wide output converts to
   multibyte text on the byte stream; streams have no orientation (fwide reports the mode asked for). */
#ifndef _WCHAR_H
#define _WCHAR_H
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
typedef unsigned int wint_t;
typedef struct { unsigned count, pending, lead, seen; } mbstate_t;
#ifndef WEOF
#define WEOF (0xffffffffu)
#endif
#define WCHAR_MIN __WCHAR_MIN__
#define WCHAR_MAX __WCHAR_MAX__
size_t wcslen(const wchar_t *s);
wchar_t *wcscpy(wchar_t *restrict to, const wchar_t *restrict from);
wchar_t *wcsncpy(wchar_t *restrict to, const wchar_t *restrict from, size_t count);
wchar_t *wcscat(wchar_t *restrict to, const wchar_t *restrict from);
wchar_t *wcsncat(wchar_t *restrict to, const wchar_t *restrict from, size_t count);
int wcscmp(const wchar_t *a, const wchar_t *b);
int wcsncmp(const wchar_t *a, const wchar_t *b, size_t count);
int wcscoll(const wchar_t *a, const wchar_t *b);
wchar_t *wcschr(const wchar_t *s, wchar_t c);
wchar_t *wcsrchr(const wchar_t *s, wchar_t c);
wchar_t *wcsstr(const wchar_t *haystack, const wchar_t *needle);
size_t wcsspn(const wchar_t *s, const wchar_t *accept);
size_t wcscspn(const wchar_t *s, const wchar_t *reject);
wchar_t *wcspbrk(const wchar_t *s, const wchar_t *accept);
wchar_t *wcstok(wchar_t *restrict s, const wchar_t *restrict separators, wchar_t **restrict state);
wchar_t *wcsdup(const wchar_t *s);
wchar_t *wmemcpy(wchar_t *restrict to, const wchar_t *restrict from, size_t count);
wchar_t *wmemmove(wchar_t *to, const wchar_t *from, size_t count);
wchar_t *wmemset(wchar_t *to, wchar_t c, size_t count);
int wmemcmp(const wchar_t *a, const wchar_t *b, size_t count);
wchar_t *wmemchr(const wchar_t *s, wchar_t c, size_t count);
long wcstol(const wchar_t *restrict s, wchar_t **restrict end, int base);
unsigned long wcstoul(const wchar_t *restrict s, wchar_t **restrict end, int base);
double wcstod(const wchar_t *restrict s, wchar_t **restrict end);
int mbsinit(const mbstate_t *state);
size_t mbrtowc(wchar_t *restrict out, const char *restrict s, size_t n, mbstate_t *restrict state);
size_t mbrlen(const char *restrict s, size_t n, mbstate_t *restrict state);
size_t wcrtomb(char *restrict out, wchar_t c, mbstate_t *restrict state);
size_t mbsrtowcs(wchar_t *restrict to, const char **restrict from, size_t count, mbstate_t *restrict state);
size_t wcsrtombs(char *restrict to, const wchar_t **restrict from, size_t count, mbstate_t *restrict state);
wint_t btowc(int c);
int wctob(wint_t c);
int wcwidth(wchar_t c);
wint_t fputwc(wchar_t c, FILE *stream);
wint_t putwc(wchar_t c, FILE *stream);
wint_t putwchar(wchar_t c);
int fputws(const wchar_t *restrict s, FILE *restrict stream);
wint_t fgetwc(FILE *stream);
wint_t getwc(FILE *stream);
wint_t getwchar(void);
wchar_t *fgetws(wchar_t *restrict s, int size, FILE *restrict stream);
int fwide(FILE *stream, int mode);
int wprintf(const wchar_t *restrict format, ...);
int fwprintf(FILE *restrict stream, const wchar_t *restrict format, ...);
int swprintf(wchar_t *restrict buffer, size_t size, const wchar_t *restrict format, ...);
int vwprintf(const wchar_t *restrict format, va_list args);
int vfwprintf(FILE *restrict stream, const wchar_t *restrict format, va_list args);
int vswprintf(wchar_t *restrict buffer, size_t size, const wchar_t *restrict format, va_list args);
#endif
