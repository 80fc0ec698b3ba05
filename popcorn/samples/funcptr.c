/* Function pointers: dispatch tables, callbacks, qsort and bsearch comparators, a tiny stack machine. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef long (*binary_op)(long, long);
static long add(long a, long b) { return a + b; }
static long sub(long a, long b) { return a - b; }
static long mul(long a, long b) { return a * b; }
static long mod(long a, long b) { return b == 0 ? a : a % b; }
static const binary_op operations[] = {add, sub, mul, mod};
static const char *const names[] = {"add", "sub", "mul", "mod"};

struct machine {
    long stack[64];
    int top;
};

static void push(struct machine *m, long v) { m->stack[m->top++] = v; }
static void apply(struct machine *m, binary_op op)
{
    long b = m->stack[--m->top], a = m->stack[--m->top];
    push(m, op(a, b));
}

static int by_value(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

static int by_name(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

static void for_each(long *items, int n, void (*visit)(long *, void *), void *context)
{
    for (int i = 0; i < n; i++)
        visit(&items[i], context);
}

static void accumulate(long *item, void *context) { *(long *)context += *item * 3 + 1; }

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 5000;
    struct machine m = {{0}, 0};
    long totals[4] = {0};
    unsigned seed = 12345;
    for (int i = 0; i < n; i++) {
        int which = rand_r(&seed) % 4;
        push(&m, rand_r(&seed) % 1000);
        push(&m, rand_r(&seed) % 100 + 1);
        apply(&m, operations[which]);
        totals[which] += m.stack[--m.top];
    }
    for (int i = 0; i < 4; i++)
        printf("%s total %ld\n", names[i], totals[i]);

    long *values = malloc(sizeof(long) * (size_t)n);
    for (int i = 0; i < n; i++)
        values[i] = (long)(rand_r(&seed) % 100000) - 50000;
    qsort(values, (size_t)n, sizeof(long), by_value);
    long key = values[n / 3];
    long *found = bsearch(&key, values, (size_t)n, sizeof(long), by_value);
    printf("sorted min %ld max %ld median %ld found %d\n", values[0], values[n - 1], values[n / 2], found && *found == key);
    long sum = 0;
    for_each(values, n, accumulate, &sum);
    printf("callback sum %ld\n", sum);
    free(values);

    const char *words[] = {"pear", "apple", "fig", "banana", "cherry", "date", "elderberry", "grape"};
    qsort(words, 8, sizeof(words[0]), by_name);
    for (int i = 0; i < 8; i++)
        printf("%s%c", words[i], i == 7 ? '\n' : ' ');
    return 0;
}
