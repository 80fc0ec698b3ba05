/* npb_cg (popcorn/samples/npb_cg.c, included below) with every allocation and free through a function that
   migrates to the other node. At -O1 and -O2 aarch64 spills n (an int from atoi) with an 8-byte store and reloads
   it whole, alone or in a load pair, after those calls, while the stack map records it as 4 bytes through the
   frame pointer. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <popcorn.h>

static void __attribute__((noinline)) hop(void)
{
    migrate(current_nid() == 0 ? 1 : 0, 0, 0);
}

static void *__attribute__((noinline)) hop_malloc(size_t bytes)
{
    hop();
    return malloc(bytes);
}

static void *__attribute__((noinline)) hop_calloc(size_t count, size_t size)
{
    hop();
    return calloc(count, size);
}

static void __attribute__((noinline)) hop_free(void *p)
{
    hop();
    free(p);
}

#define malloc hop_malloc
#define calloc hop_calloc
#define free hop_free

#include "../../../../samples/npb_cg.c"
