/* string.h and ctype.h. */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void *memcpy(void *restrict to, const void *restrict from, size_t count)
{
    unsigned char *d = to;
    const unsigned char *s = from;
    if ((((uintptr_t)d | (uintptr_t)s) & 7) == 0) {
        for (; count >= 8; count -= 8, d += 8, s += 8)
            *(uint64_t *)d = *(const uint64_t *)s;
    }
    while (count--)
        *d++ = *s++;
    return to;
}

void *memmove(void *to, const void *from, size_t count)
{
    unsigned char *d = to;
    const unsigned char *s = from;
    if (d == s || count == 0)
        return to;
    if (d < s || d >= s + count)
        return memcpy(to, from, count);
    while (count--)
        d[count] = s[count];
    return to;
}

void *memset(void *to, int value, size_t count)
{
    unsigned char *d = to;
    if (((uintptr_t)d & 7) == 0) {
        uint64_t word = (unsigned char)value * 0x0101010101010101ull;
        for (; count >= 8; count -= 8, d += 8)
            *(uint64_t *)d = word;
    }
    while (count--)
        *d++ = (unsigned char)value;
    return to;
}

int memcmp(const void *a, const void *b, size_t count)
{
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < count; i++)
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    return 0;
}

int bcmp(const void *a, const void *b, size_t count) { return memcmp(a, b, count); }

void *mempcpy(void *restrict to, const void *restrict from, size_t count)
{
    return (char *)memcpy(to, from, count) + count;
}

void *memchr(const void *memory, int value, size_t count)
{
    const unsigned char *p = memory;
    for (size_t i = 0; i < count; i++)
        if (p[i] == (unsigned char)value)
            return (void *)(p + i);
    return 0;
}

size_t strlen(const char *text)
{
    const char *p = text;
    while (*p)
        p++;
    return (size_t)(p - text);
}

size_t strnlen(const char *text, size_t limit)
{
    size_t n = 0;
    while (n < limit && text[n])
        n++;
    return n;
}

/* stpcpy, stpncpy, mempcpy and bcmp are also what LLVM's library-call simplifier turns strcpy-then-strlen,
   sprintf(d, "%s", s) and memcmp(...) == 0 into. */
char *stpcpy(char *restrict to, const char *restrict from)
{
    while ((*to = *from++))
        to++;
    return to;
}

char *strcpy(char *restrict to, const char *restrict from)
{
    stpcpy(to, from);
    return to;
}

char *stpncpy(char *restrict to, const char *restrict from, size_t count)
{
    size_t i = 0;
    for (; i < count && from[i]; i++)
        to[i] = from[i];
    char *end = to + i;
    for (; i < count; i++)
        to[i] = '\0';
    return end;
}

char *strncpy(char *restrict to, const char *restrict from, size_t count)
{
    stpncpy(to, from, count);
    return to;
}

char *strcat(char *restrict to, const char *restrict from)
{
    strcpy(to + strlen(to), from);
    return to;
}

char *strncat(char *restrict to, const char *restrict from, size_t count)
{
    char *d = to + strlen(to);
    size_t i = 0;
    for (; i < count && from[i]; i++)
        d[i] = from[i];
    d[i] = '\0';
    return to;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (a[i] != b[i] || !a[i])
            return (unsigned char)a[i] - (unsigned char)b[i];
    }
    return 0;
}

int strcasecmp(const char *a, const char *b)
{
    while (*a && tolower((unsigned char)*a) == tolower((unsigned char)*b)) {
        a++;
        b++;
    }
    return tolower((unsigned char)*a) - tolower((unsigned char)*b);
}

int strncasecmp(const char *a, const char *b, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        int x = tolower((unsigned char)a[i]), y = tolower((unsigned char)b[i]);
        if (x != y || !x)
            return x - y;
    }
    return 0;
}

int strcoll(const char *a, const char *b)
{
    return strcmp(a, b);
}

char *strchr(const char *text, int c)
{
    for (;; text++) {
        if (*text == (char)c)
            return (char *)text;
        if (!*text)
            return 0;
    }
}

char *strrchr(const char *text, int c)
{
    const char *found = 0;
    for (;; text++) {
        if (*text == (char)c)
            found = text;
        if (!*text)
            return (char *)found;
    }
}

char *strstr(const char *haystack, const char *needle)
{
    size_t n = strlen(needle);
    for (; *haystack; haystack++)
        if (strncmp(haystack, needle, n) == 0)
            return (char *)haystack;
    return n == 0 ? (char *)haystack : 0;
}

size_t strspn(const char *text, const char *accept)
{
    size_t n = 0;
    while (text[n] && strchr(accept, text[n]))
        n++;
    return n;
}

size_t strcspn(const char *text, const char *reject)
{
    size_t n = 0;
    while (text[n] && !strchr(reject, text[n]))
        n++;
    return n;
}

char *strpbrk(const char *text, const char *accept)
{
    text += strcspn(text, accept);
    return *text ? (char *)text : 0;
}

char *strtok_r(char *restrict text, const char *restrict separators, char **restrict state)
{
    if (!text)
        text = *state;
    text += strspn(text, separators);
    if (!*text) {
        *state = text;
        return 0;
    }
    char *end = text + strcspn(text, separators);
    if (*end)
        *end++ = '\0';
    *state = end;
    return text;
}

char *strtok(char *restrict text, const char *restrict separators)
{
    static char *state;
    return strtok_r(text, separators, &state);
}

char *strdup(const char *text)
{
    size_t n = strlen(text) + 1;
    char *copy = malloc(n);
    return copy ? memcpy(copy, text, n) : 0;
}

char *strndup(const char *text, size_t limit)
{
    size_t n = strnlen(text, limit);
    char *copy = malloc(n + 1);
    if (!copy)
        return 0;
    memcpy(copy, text, n);
    copy[n] = '\0';
    return copy;
}

char *strerror(int error)
{
    switch (error) {
    case 0: return "Success";
    case EPERM: return "Operation not permitted";
    case ENOENT: return "No such file or directory";
    case EINTR: return "Interrupted system call";
    case EIO: return "Input/output error";
    case EBADF: return "Bad file descriptor";
    case EAGAIN: return "Resource temporarily unavailable";
    case ENOMEM: return "Cannot allocate memory";
    case EACCES: return "Permission denied";
    case EEXIST: return "File exists";
    case ENOTDIR: return "Not a directory";
    case EISDIR: return "Is a directory";
    case EINVAL: return "Invalid argument";
    case ENOSPC: return "No space left on device";
    case EDOM: return "Numerical argument out of domain";
    case ERANGE: return "Numerical result out of range";
    case ENOSYS: return "Function not implemented";
    default: return "Unknown error";
    }
}

int isalnum(int c) { return isalpha(c) || isdigit(c); }
int isalpha(int c) { return (unsigned)((c | 32) - 'a') < 26; }
int isblank(int c) { return c == ' ' || c == '\t'; }
int iscntrl(int c) { return (unsigned)c < 32 || c == 127; }
int isdigit(int c) { return (unsigned)(c - '0') < 10; }
int isgraph(int c) { return (unsigned)(c - 33) < 94; }
int islower(int c) { return (unsigned)(c - 'a') < 26; }
int isprint(int c) { return (unsigned)(c - 32) < 95; }
int ispunct(int c) { return isgraph(c) && !isalnum(c); }
int isspace(int c) { return c == ' ' || (unsigned)(c - '\t') < 5; }
int isupper(int c) { return (unsigned)(c - 'A') < 26; }
int isxdigit(int c) { return isdigit(c) || (unsigned)((c | 32) - 'a') < 6; }
int tolower(int c) { return isupper(c) ? c | 32 : c; }
int toupper(int c) { return islower(c) ? c & 0x5f : c; }
