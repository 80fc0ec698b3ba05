/*
 * The heap: power-of-two size classes with free lists carved from brk, large blocks straight from mmap. One lock;
 * deterministic (the same calls give the same addresses on every ISA, so migrated pointers stay valid).
 */
#include "internal.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define HEADER 16
#define MIN_CLASS 5 /* 32 bytes */
#define MAX_CLASS 20 /* 1 MiB; larger blocks use mmap */
#define CHUNK (256 * 1024)

struct block_header {
    size_t size_class; /* class index, or 0 for an mmap block */
    size_t length;     /* usable bytes (mmap blocks: mapping length) */
};

static void *free_lists[MAX_CLASS + 1];
static char *arena_next, *arena_end;
static volatile int heap_lock;

static int class_of(size_t size)
{
    int c = MIN_CLASS;
    while (((size_t)1 << c) < size + HEADER)
        c++;
    return c;
}

static void *carve(size_t bytes)
{
    if ((size_t)(arena_end - arena_next) < bytes) {
        size_t grow = bytes > CHUNK ? bytes : CHUNK;
        char *fresh = sbrk((intptr_t)grow);
        if (fresh == (char *)-1)
            return 0;
        if (fresh != arena_end)
            arena_next = fresh;
        arena_end = fresh + grow;
    }
    void *p = arena_next;
    arena_next += bytes;
    return p;
}

void *malloc(size_t size)
{
    if (size > ((size_t)1 << MAX_CLASS) - HEADER) {
        size_t length = (size + HEADER + 4095) & ~(size_t)4095;
        struct block_header *h = mmap(0, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (h == MAP_FAILED) {
            errno = ENOMEM;
            return 0;
        }
        h->size_class = 0;
        h->length = length;
        return (char *)h + HEADER;
    }
    int c = class_of(size);
    __pc_lock(&heap_lock);
    struct block_header *h = free_lists[c];
    if (h) {
        free_lists[c] = *(void **)((char *)h + HEADER);
    } else {
        if (arena_next == 0) {
            arena_next = arena_end = sbrk(0);
            uintptr_t aligned = ((uintptr_t)arena_next + 15) & ~(uintptr_t)15;
            if (aligned != (uintptr_t)arena_next && carve(aligned - (uintptr_t)arena_next) == 0) {
                __pc_unlock(&heap_lock);
                errno = ENOMEM;
                return 0;
            }
        }
        h = carve((size_t)1 << c);
    }
    __pc_unlock(&heap_lock);
    if (!h) {
        errno = ENOMEM;
        return 0;
    }
    h->size_class = (size_t)c;
    h->length = ((size_t)1 << c) - HEADER;
    return (char *)h + HEADER;
}

void free(void *pointer)
{
    if (!pointer)
        return;
    struct block_header *h = (struct block_header *)((char *)pointer - HEADER);
    if (h->size_class > MAX_CLASS)
        return;
    if (h->size_class == 0) {
        munmap(h, h->length);
        return;
    }
    __pc_lock(&heap_lock);
    *(void **)pointer = free_lists[h->size_class];
    free_lists[h->size_class] = h;
    __pc_unlock(&heap_lock);
}

void *calloc(size_t count, size_t size)
{
    if (size != 0 && count > (size_t)-1 / size) {
        errno = ENOMEM;
        return 0;
    }
    void *p = malloc(count * size);
    if (p)
        memset(p, 0, count * size);
    return p;
}

void *realloc(void *pointer, size_t size)
{
    if (!pointer)
        return malloc(size);
    if (size == 0) {
        free(pointer);
        return 0;
    }
    struct block_header *h = (struct block_header *)((char *)pointer - HEADER);
    size_t usable = h->size_class == 0 ? h->length - HEADER : h->length;
    if (h->size_class > MAX_CLASS)
        usable = h->length;
    if (size <= usable && h->size_class <= MAX_CLASS)
        return pointer;
    void *fresh = malloc(size);
    if (fresh) {
        memcpy(fresh, pointer, usable);
        free(pointer);
    }
    return fresh;
}

int posix_memalign(void **out, size_t alignment, size_t size)
{
    if (alignment < sizeof(void *) || (alignment & (alignment - 1)))
        return EINVAL;
    if (alignment <= HEADER) {
        *out = malloc(size);
        return *out ? 0 : ENOMEM;
    }
    /* Power-of-two classes are naturally aligned to their size within the 16-aligned arena only up to 16, so
       over-allocate and hand out an aligned interior pointer with a forwarding header. */
    char *raw = malloc(size + alignment + HEADER);
    if (!raw)
        return ENOMEM;
    uintptr_t aligned = ((uintptr_t)raw + HEADER + alignment - 1) & ~(uintptr_t)(alignment - 1);
    struct block_header *h = (struct block_header *)(aligned - HEADER);
    struct block_header *original = (struct block_header *)(raw - HEADER);
    if ((char *)h != (char *)original) {
        /* An interior block: free() leaves it alone (aligned allocations are rare; the memory is kept). */
        h->size_class = MAX_CLASS + 1;
        h->length = size;
    }
    *out = (void *)aligned;
    return 0;
}

void *aligned_alloc(size_t alignment, size_t size)
{
    void *p = 0;
    return posix_memalign(&p, alignment, size) == 0 ? p : 0;
}
