/* Heap-heavy work: linked lists, a binary search tree, growing arrays with realloc, and many frees. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct node {
    long key;
    struct node *left, *right;
};

static struct node *insert(struct node *root, long key)
{
    if (!root) {
        struct node *n = malloc(sizeof *n);
        n->key = key;
        n->left = n->right = NULL;
        return n;
    }
    if (key < root->key)
        root->left = insert(root->left, key);
    else if (key > root->key)
        root->right = insert(root->right, key);
    return root;
}

static long depth(const struct node *n)
{
    if (!n)
        return 0;
    long l = depth(n->left), r = depth(n->right);
    return 1 + (l > r ? l : r);
}

static long checksum(const struct node *n, long *count)
{
    if (!n)
        return 0;
    (*count)++;
    return (checksum(n->left, count) * 31 + n->key + checksum(n->right, count)) % 1000000007;
}

static void destroy(struct node *n)
{
    if (!n)
        return;
    destroy(n->left);
    destroy(n->right);
    free(n);
}

struct item {
    struct item *next;
    char text[24];
};

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 4000;
    unsigned seed = 7;
    struct node *root = NULL;
    for (int i = 0; i < n; i++)
        root = insert(root, rand_r(&seed) % (n * 10));
    long count = 0;
    long sum = checksum(root, &count);
    printf("tree nodes %ld depth %ld checksum %ld\n", count, depth(root), sum);
    destroy(root);

    struct item *list = NULL;
    for (int i = 0; i < n; i++) {
        struct item *it = malloc(sizeof *it);
        snprintf(it->text, sizeof it->text, "item-%d", i * 7);
        it->next = list;
        list = it;
    }
    long letters = 0;
    int kept = 0;
    struct item **link = &list;
    while (*link) {
        struct item *it = *link;
        letters += (long)strlen(it->text);
        if (it->text[strlen(it->text) - 1] == '7') {
            *link = it->next;
            free(it);
        } else {
            kept++;
            link = &it->next;
        }
    }
    printf("list letters %ld kept %d\n", letters, kept);
    while (list) {
        struct item *next = list->next;
        free(list);
        list = next;
    }

    long *array = NULL;
    size_t length = 0, capacity = 0;
    for (int i = 0; i < n * 4; i++) {
        if (length == capacity) {
            capacity = capacity ? capacity * 2 : 4;
            array = realloc(array, capacity * sizeof *array);
        }
        array[length++] = (long)i * i % 1009;
    }
    long total = 0;
    for (size_t i = 0; i < length; i++)
        total += array[i];
    printf("array length %zu capacity %zu total %ld\n", length, capacity, total);
    free(array);

    void *blocks[256];
    long bytes = 0;
    for (int round = 0; round < n / 40 + 1; round++) {
        for (int i = 0; i < 256; i++) {
            size_t size = (size_t)(rand_r(&seed) % 3000 + 1);
            blocks[i] = calloc(1, size);
            memset(blocks[i], i & 0xff, size);
            bytes += (long)size;
        }
        for (int i = 0; i < 256; i++)
            free(blocks[(i * 37) % 256]);
    }
    printf("churn bytes %ld\n", bytes);
    void *big = malloc(3 << 20);
    memset(big, 1, 3 << 20);
    printf("big block ok %d\n", ((char *)big)[(3 << 20) - 1]);
    free(big);
    return 0;
}
