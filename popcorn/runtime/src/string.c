/* string.h and ctype.h. */
#include "internal.h"
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
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

/* glibc's messages, by Linux's error numbers (0 to 133); a number without one is "Unknown error N". */
static const char *const error_messages[] = {
    "Success",
    "Operation not permitted",
    "No such file or directory",
    "No such process",
    "Interrupted system call",
    "Input/output error",
    "No such device or address",
    "Argument list too long",
    "Exec format error",
    "Bad file descriptor",
    "No child processes",
    "Resource temporarily unavailable",
    "Cannot allocate memory",
    "Permission denied",
    "Bad address",
    "Block device required",
    "Device or resource busy",
    "File exists",
    "Invalid cross-device link",
    "No such device",
    "Not a directory",
    "Is a directory",
    "Invalid argument",
    "Too many open files in system",
    "Too many open files",
    "Inappropriate ioctl for device",
    "Text file busy",
    "File too large",
    "No space left on device",
    "Illegal seek",
    "Read-only file system",
    "Too many links",
    "Broken pipe",
    "Numerical argument out of domain",
    "Numerical result out of range",
    "Resource deadlock avoided",
    "File name too long",
    "No locks available",
    "Function not implemented",
    "Directory not empty",
    "Too many levels of symbolic links",
    0,
    "No message of desired type",
    "Identifier removed",
    "Channel number out of range",
    "Level 2 not synchronized",
    "Level 3 halted",
    "Level 3 reset",
    "Link number out of range",
    "Protocol driver not attached",
    "No CSI structure available",
    "Level 2 halted",
    "Invalid exchange",
    "Invalid request descriptor",
    "Exchange full",
    "No anode",
    "Invalid request code",
    "Invalid slot",
    0,
    "Bad font file format",
    "Device not a stream",
    "No data available",
    "Timer expired",
    "Out of streams resources",
    "Machine is not on the network",
    "Package not installed",
    "Object is remote",
    "Link has been severed",
    "Advertise error",
    "Srmount error",
    "Communication error on send",
    "Protocol error",
    "Multihop attempted",
    "RFS specific error",
    "Bad message",
    "Value too large for defined data type",
    "Name not unique on network",
    "File descriptor in bad state",
    "Remote address changed",
    "Can not access a needed shared library",
    "Accessing a corrupted shared library",
    ".lib section in a.out corrupted",
    "Attempting to link in too many shared libraries",
    "Cannot exec a shared library directly",
    "Invalid or incomplete multibyte or wide character",
    "Interrupted system call should be restarted",
    "Streams pipe error",
    "Too many users",
    "Socket operation on non-socket",
    "Destination address required",
    "Message too long",
    "Protocol wrong type for socket",
    "Protocol not available",
    "Protocol not supported",
    "Socket type not supported",
    "Operation not supported",
    "Protocol family not supported",
    "Address family not supported by protocol",
    "Address already in use",
    "Cannot assign requested address",
    "Network is down",
    "Network is unreachable",
    "Network dropped connection on reset",
    "Software caused connection abort",
    "Connection reset by peer",
    "No buffer space available",
    "Transport endpoint is already connected",
    "Transport endpoint is not connected",
    "Cannot send after transport endpoint shutdown",
    "Too many references: cannot splice",
    "Connection timed out",
    "Connection refused",
    "Host is down",
    "No route to host",
    "Operation already in progress",
    "Operation now in progress",
    "Stale file handle",
    "Structure needs cleaning",
    "Not a XENIX named type file",
    "No XENIX semaphores available",
    "Is a named type file",
    "Remote I/O error",
    "Disk quota exceeded",
    "No medium found",
    "Wrong medium type",
    "Operation canceled",
    "Required key not available",
    "Key has expired",
    "Key has been revoked",
    "Key was rejected by service",
    "Owner died",
    "State not recoverable",
    "Operation not possible due to RF-kill",
    "Memory page has hardware error",
};

char *strerror(int error)
{
    static __thread char unknown[32];
    if (error >= 0 && error < (int)(sizeof error_messages / sizeof error_messages[0]) && error_messages[error])
        return (char *)error_messages[error];
    snprintf(unknown, sizeof unknown, "Unknown error %d", error);
    return unknown;
}

/* Each class test returns the bit glibc's table holds for that class, so a program that prints the result prints
   what it prints natively. */
int isalnum(int c) { return isalpha(c) || isdigit(c) ? CLASS_ALNUM : 0; }
int isalpha(int c) { return (unsigned)((c | 32) - 'a') < 26 ? CLASS_ALPHA : 0; }
int isblank(int c) { return c == ' ' || c == '\t' ? CLASS_BLANK : 0; }
int iscntrl(int c) { return (unsigned)c < 32 || c == 127 ? CLASS_CNTRL : 0; }
int __pc_isdigit(int c) { return (unsigned)(c - '0') < 10 ? CLASS_DIGIT : 0; }
#undef isdigit
int isdigit(int c) { return __pc_isdigit(c); }
int isgraph(int c) { return (unsigned)(c - 33) < 94 ? CLASS_GRAPH : 0; }
int islower(int c) { return (unsigned)(c - 'a') < 26 ? CLASS_LOWER : 0; }
int isprint(int c) { return (unsigned)(c - 32) < 95 ? CLASS_PRINT : 0; }
int ispunct(int c) { return isgraph(c) && !isalnum(c) ? CLASS_PUNCT : 0; }
int isspace(int c) { return c == ' ' || (unsigned)(c - '\t') < 5 ? CLASS_SPACE : 0; }
int isupper(int c) { return (unsigned)(c - 'A') < 26 ? CLASS_UPPER : 0; }
int isxdigit(int c) { return isdigit(c) || (unsigned)((c | 32) - 'a') < 6 ? CLASS_XDIGIT : 0; }
int tolower(int c) { return isupper(c) ? c | 32 : c; }
int toupper(int c) { return islower(c) ? c & 0x5f : c; }
