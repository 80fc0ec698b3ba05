/* String-heavy work: building, searching, tokenizing, sorting, formatting and parsing numbers. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int compare_words(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void reverse(char *s)
{
    for (size_t i = 0, j = strlen(s); i + 1 < j; i++, j--) {
        char t = s[i];
        s[i] = s[j - 1];
        s[j - 1] = t;
    }
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 1500;
    static const char *syllables[] = {"pop", "corn", "ri", "sc", "arm", "mi", "gra", "tion", "stack", "frame"};
    size_t capacity = (size_t)n * 40 + 1;
    char *text = malloc(capacity);
    text[0] = '\0';
    size_t length = 0;
    unsigned seed = 99;
    for (int i = 0; i < n; i++) {
        int parts = rand_r(&seed) % 3 + 1;
        for (int p = 0; p < parts; p++) {
            const char *s = syllables[rand_r(&seed) % 10];
            memcpy(text + length, s, strlen(s));
            length += strlen(s);
        }
        text[length++] = i % 17 == 16 ? '\n' : ' ';
    }
    text[length] = '\0';
    printf("text length %zu lines %d\n", strlen(text), n / 17);

    int occurrences = 0;
    for (const char *p = text; (p = strstr(p, "corn")) != NULL; p++)
        occurrences++;
    printf("'corn' occurs %d times; first 'stack' at %ld\n", occurrences, (long)(strstr(text, "stack") - text));

    char *copy = strdup(text);
    char **words = malloc(sizeof(char *) * (size_t)n);
    int count = 0;
    char *state;
    for (char *w = strtok_r(copy, " \n", &state); w; w = strtok_r(NULL, " \n", &state))
        words[count++] = w;
    qsort(words, (size_t)count, sizeof(char *), compare_words);
    int distinct = 0;
    for (int i = 0; i < count; i++)
        if (i == 0 || strcmp(words[i], words[i - 1]) != 0)
            distinct++;
    printf("words %d distinct %d first %s last %s\n", count, distinct, words[0], words[count - 1]);

    unsigned long hash = 5381;
    for (int i = 0; i < count; i++) {
        char upper[64];
        size_t j = 0;
        for (; words[i][j] && j < sizeof upper - 1; j++)
            upper[j] = (char)toupper((unsigned char)words[i][j]);
        upper[j] = '\0';
        reverse(upper);
        for (const char *c = upper; *c; c++)
            hash = hash * 33 ^ (unsigned char)*c;
    }
    printf("hash %lu\n", hash);

    char buffer[256];
    long parsed = 0;
    double parsed_float = 0;
    for (int i = 0; i < n; i++) {
        snprintf(buffer, sizeof buffer, "%d 0x%x %o %.4f", i * 13 - 500, i, i, i * 0.37);
        char *end;
        parsed += strtol(buffer, &end, 10);
        parsed += strtol(end, &end, 16);
        parsed += strtol(end, &end, 8);
        parsed_float += strtod(end, &end);
    }
    printf("parsed %ld %.4f atoi %d atof %.3f\n", parsed, parsed_float, atoi("  -1234xyz"), atof("2.5e3"));
    printf("case %d %d ncmp %d chr %s rchr %s spn %zu cspn %zu\n", strcasecmp("PopCorn", "popcorn"), strncmp("abcd", "abcz", 3),
           strncmp("abcd", "abcz", 4) < 0, strchr("migration", 'g'), strrchr("migration", 'i'), strspn("aabbc", "ab"), strcspn("hello", "lo"));
    free(words);
    free(copy);
    free(text);
    return 0;
}
