/* Recursion: Fibonacci, Ackermann, Towers of Hanoi, mutual recursion, recursive permutations. */
#include <stdio.h>
#include <stdlib.h>

static long fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

static int ackermann(int m, int n)
{
    if (m == 0)
        return n + 1;
    if (n == 0)
        return ackermann(m - 1, 1);
    return ackermann(m - 1, ackermann(m, n - 1));
}

static long hanoi(int disks, int from, int to, int via, long *checksum)
{
    if (disks == 0)
        return 0;
    long moves = hanoi(disks - 1, from, via, to, checksum);
    *checksum = (*checksum * 7 + from * 3 + to) % 1000003;
    return moves + 1 + hanoi(disks - 1, via, to, from, checksum);
}

static int is_even(unsigned n);
static int is_odd(unsigned n) { return n == 0 ? 0 : is_even(n - 1); }
static int is_even(unsigned n) { return n == 0 ? 1 : is_odd(n - 1); }

static void permute(int *items, int k, int n, long *count, long *weighted)
{
    if (k == n) {
        (*count)++;
        long w = 0;
        for (int i = 0; i < n; i++)
            w = w * 10 + items[i];
        *weighted = (*weighted + w) % 1000000007;
        return;
    }
    for (int i = k; i < n; i++) {
        int t = items[k]; items[k] = items[i]; items[i] = t;
        permute(items, k + 1, n, count, weighted);
        t = items[k]; items[k] = items[i]; items[i] = t;
    }
}

int main(int argc, char **argv)
{
    int scale = argc > 1 ? atoi(argv[1]) : 1;
    printf("fib(%d) = %ld\n", 20 + scale, fib(20 + scale));
    printf("ackermann(2, %d) = %d\n", 100 * scale, ackermann(2, 100 * scale));
    long checksum = 0;
    long moves = hanoi(12 + scale, 1, 3, 2, &checksum);
    printf("hanoi(%d) = %ld moves, checksum %ld\n", 12 + scale, moves, checksum);
    printf("is_even(%d) = %d\n", 1001 * scale, is_even(1001u * (unsigned)scale));
    int items[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    long count = 0, weighted = 0;
    permute(items, 0, 7, &count, &weighted);
    printf("permutations %ld weighted %ld\n", count, weighted);
    return 0;
}
