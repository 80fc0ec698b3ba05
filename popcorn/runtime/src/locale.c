/* setlocale and localeconv over the "C" and "C.UTF-8" locales (see locale.h). */
#include "internal.h"
#include <limits.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#define CATEGORIES 13
static const char *const category_names[CATEGORIES] = {
    "LC_CTYPE", "LC_NUMERIC", "LC_TIME", "LC_COLLATE", "LC_MONETARY", "LC_MESSAGES", "LC_ALL",
    "LC_PAPER", "LC_NAME", "LC_ADDRESS", "LC_TELEPHONE", "LC_MEASUREMENT", "LC_IDENTIFICATION",
};
/* Each category's locale name (LC_ALL's slot unused); names are at most 15 characters. */
static char current[CATEGORIES][16] = {"C", "C", "C", "C", "C", "C", "", "C", "C", "C", "C", "C", "C"};
static char all_names[CATEGORIES * 36];
static volatile int locale_lock;

int __pc_utf8_ctype;

/* The name as setlocale reports it, or NULL for a locale this runtime does not have. */
static const char *known(const char *name)
{
    if (strcmp(name, "C") == 0 || strcmp(name, "POSIX") == 0)
        return "C";
    if (strcmp(name, "C.UTF-8") == 0 || strcmp(name, "C.utf8") == 0)
        return name;
    return 0;
}

/* setlocale(category, ""): the environment's choice, LC_ALL before LC_<category> before LANG, else "C". */
static const char *from_environment(int category)
{
    const char *names[] = {getenv("LC_ALL"), getenv(category_names[category]), getenv("LANG")};
    for (int i = 0; i < 3; i++)
        if (names[i] && *names[i])
            return names[i];
    return "C";
}

static const char *query(int category)
{
    if (category != LC_ALL)
        return current[category];
    int same = 1;
    for (int c = 1; c < CATEGORIES; c++)
        if (c != LC_ALL && strcmp(current[c], current[0]) != 0)
            same = 0;
    if (same)
        return current[0];
    /* glibc's composite name: every category as NAME=VALUE, separated by semicolons */
    all_names[0] = '\0';
    for (int c = 0; c < CATEGORIES; c++) {
        if (c == LC_ALL)
            continue;
        if (all_names[0])
            strcat(all_names, ";");
        strcat(all_names, category_names[c]);
        strcat(all_names, "=");
        strcat(all_names, current[c]);
    }
    return all_names;
}

char *setlocale(int category, const char *locale)
{
    if (category < 0 || category >= CATEGORIES)
        return 0;
    __pc_lock(&locale_lock);
    const char *result = 0;
    if (!locale) {
        result = query(category);
    } else {
        /* Check every category's new name before changing any, so a refused request changes nothing. */
        const char *chosen[CATEGORIES] = {0};
        int ok = 1;
        for (int c = 0; c < CATEGORIES && ok; c++) {
            if (c == LC_ALL || (category != LC_ALL && c != category))
                continue;
            chosen[c] = known(*locale ? locale : from_environment(c));
            ok = chosen[c] != 0;
        }
        if (ok) {
            for (int c = 0; c < CATEGORIES; c++)
                if (chosen[c])
                    strcpy(current[c], chosen[c]);
            __pc_utf8_ctype = strcmp(current[LC_CTYPE], "C") != 0;
            result = query(category);
        }
    }
    __pc_unlock(&locale_lock);
    return (char *)result;
}

struct lconv *localeconv(void)
{
    static struct lconv c_locale = {
        ".", "", "", "", "", "", "", "", "", "",
        CHAR_MAX, CHAR_MAX, CHAR_MAX, CHAR_MAX, CHAR_MAX, CHAR_MAX, CHAR_MAX, CHAR_MAX,
        CHAR_MAX, CHAR_MAX, CHAR_MAX, CHAR_MAX, CHAR_MAX, CHAR_MAX,
    };
    return &c_locale;
}
