/* What ordinary programs take from the C library besides stdio's basics, each printed as glibc prints it: lines of
   any length (getline, getdelim), rand after srand, strerror's messages, ctype's class bits, time.h in UTC
   (gmtime, mktime, strftime, asctime), locales and wide characters (setlocale, localeconv, mbstowcs, %ls),
   signals a program raises itself, inttypes.h macros, mkstemp, fdopen, rename and tmpfile, logb, cbrt and hypot
   (correctly rounded: glibc's cbrt(27) is one ulp above 3, the one line where this output is not glibc's),
   setenv, read-write locks, recursive mutexes and timed waits, and local time under POSIX TZ strings. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>
#include <wctype.h>

static void lines(void)
{
    FILE *f = tmpfile();
    fputs("short\n", f);
    for (int i = 0; i < 300; i++)
        fputc('a' + i % 26, f);
    fputs("\nfields;separated;by;semicolons\nno newline at the end", f);
    rewind(f);
    char *line = NULL;
    size_t capacity = 0;
    ssize_t n;
    while ((n = getline(&line, &capacity, f)) != -1)
        printf("getline %zd [%.12s] capacity>%d\n", n, line, capacity > (size_t)n);
    printf("at end: %zd feof %d\n", getline(&line, &capacity, f), feof(f));
    rewind(f);
    getline(&line, &capacity, f);
    getline(&line, &capacity, f);
    getline(&line, &capacity, f);
    char *copy = strdup(line), *save = NULL;
    for (char *word = strtok_r(copy, ";\n", &save); word; word = strtok_r(NULL, ";\n", &save))
        printf("field %s\n", word);
    free(copy);
    rewind(f);
    int parts = 0;
    while ((n = getdelim(&line, &capacity, 'e', f)) != -1)
        parts++;
    printf("getdelim parts %d, errno without a line pointer %d\n", parts, getdelim(NULL, &capacity, ';', f) == -1 ? errno : 0);
    free(line);
    fclose(f);
}

static void numbers(void)
{
    int first = rand(), second = rand(), third = rand();
    printf("rand without srand %d %d %d\n", first, second, third);
    srand(12345);
    first = rand();
    second = rand();
    third = rand();
    printf("srand(12345) %d %d %d\n", first, second, third);
    srand(0);
    first = rand();
    srand(1);
    second = rand();
    printf("srand(0) is srand(1): %d; random %ld\n", first == second, random());
    uint64_t big = 0xdeadbeefcafebabeull;
    int64_t negative = -1234567890123LL;
    printf("%" PRIx64 " %" PRIX64 " %" PRIo64 " %" PRId64 " %" PRIu32 " %" PRIi8 " %" PRIxMAX "\n", big, big, big, negative,
           (uint32_t)4000000000u, (int8_t)-5, (uintmax_t)big);
    int64_t scanned;
    uint16_t small;
    sscanf("-77 65535", "%" SCNd64 " %" SCNu16, &scanned, &small);
    printf("scanned %" PRId64 " %" PRIu16 " strtoimax %jd\n", scanned, small, strtoimax("-9000000000", NULL, 10));
    printf("isalpha %d isdigit %d isspace %d isupper %d islower %d ispunct %d isxdigit %d iscntrl %d isprint %d\n",
           isalpha('q'), isdigit('7'), isspace('\t'), isupper('Q'), islower('q'), ispunct('!'), isxdigit('f'),
           iscntrl('\n'), isprint(' '));
    double values[] = {27.0, -0.001, 1e300, 3.0, 5e-320};
    for (int i = 0; i < 5; i++)
        printf("cbrt(%g) = %a, hypot(%g, 4) = %a, logb %g ilogb %d\n", values[i], cbrt(values[i]), values[i],
               hypot(values[i], 4.0), logb(values[i]), ilogb(values[i]));
    printf("hypot(3e200, 4e200) = %g, hypot(0x1p-1060, 0x1p-1061) = %a, logb(0) = %g, nextafter %a\n",
           hypot(3e200, 4e200), hypot(0x1p-1060, 0x1p-1061), logb(0.0), nextafter(1.0, 2.0));
}

static void errors(void)
{
    int codes[] = {0, EPERM, ENOENT, ESRCH, E2BIG, ENOTTY, EPIPE, EDOM, ERANGE, EILSEQ, ENOTSUP, ETIMEDOUT, 41, 200, -3};
    for (int i = 0; i < 15; i++)
        printf("strerror(%d) = %s\n", codes[i], strerror(codes[i]));
    printf("strsignal %s / %s / %s\n", strsignal(SIGSEGV), strsignal(SIGINT), strsignal(40));
    errno = 0;
    FILE *missing = fopen("/no/such/directory/file", "r");
    printf("fopen missing: %p errno %d (%s)\n", (void *)missing, errno, strerror(errno));
    setenv("POPCORN_SAMPLE", "one", 1);
    setenv("POPCORN_SAMPLE", "two", 0);
    printf("getenv %s", getenv("POPCORN_SAMPLE"));
    unsetenv("POPCORN_SAMPLE");
    printf(", after unsetenv %s\n", getenv("POPCORN_SAMPLE") ? "set" : "unset");
}

static void calendar(void)
{
    time_t moments[] = {0, 951782400, 1234567890, 1700000000, -1, 4102444800LL, 1609459199};
    char text[160];
    for (int i = 0; i < 7; i++) {
        struct tm *g = gmtime(&moments[i]);
        strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S %a %b %j %U %W %V %G %u %e %I%p %Z|%c|%D %T|%s", g);
        printf("%lld: %s (yday %d wday %d)\n", (long long)moments[i], text, g->tm_yday, g->tm_wday);
    }
    struct tm date = {0};
    date.tm_year = 124;
    date.tm_mon = 13; /* February of the next year, after normalizing */
    date.tm_mday = 29;
    date.tm_hour = 25;
    time_t t = mktime(&date);
    printf("mktime %lld -> %s", (long long)t, asctime(&date));
    printf("ctime %s", ctime(&moments[2]));
    printf("difftime %.1f, strftime too small %zu\n", difftime(moments[3], moments[2]), strftime(text, 4, "%Y-%m-%d", &date));
}

/* Local time under POSIX TZ strings with explicit rules (no tzdata file has such a name): northern and southern
   daylight time, Jn and n rules, a quoted name, no daylight time, a name without an offset (UTC, as glibc), glibc's
   reading of a rule before 1971, and mktime of a tm_isdst that names the other kind of time. */
static void zones(void)
{
    static const char *const zones[] = {"CET-1CEST,M3.5.0,M10.5.0/3", "NZST-12NZDT,M9.5.0,M4.1.0/3", "<+0330>-3:30",
                                        "EST+5EDT,J60/1,300/3", "JST-9", "Nowhere/Invalid"};
    static const time_t moments[] = {1700000000, 1720000000, 1711846800, 1711850400, 1730000000, -1000000000};
    for (int z = 0; z < 6; z++) {
        setenv("TZ", zones[z], 1);
        tzset();
        printf("TZ=%s: %s/%s timezone %ld daylight %d\n", zones[z], tzname[0], tzname[1], timezone, daylight);
        for (int i = 0; i < 6; i++) {
            struct tm tm, back;
            char text[64];
            localtime_r(&moments[i], &tm);
            strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S %Z %z", &tm);
            back = tm;
            back.tm_isdst = -1;
            time_t again = mktime(&back);
            printf("  %lld %s dst %d, mktime %lld\n", (long long)moments[i], text, tm.tm_isdst, (long long)again);
        }
        struct tm noon = {.tm_year = 124, .tm_mon = 6, .tm_mday = 4, .tm_hour = 12, .tm_isdst = 0};
        time_t t = mktime(&noon);
        printf("  July noon as standard time: %lld, %02d:%02d dst %d\n", (long long)t, noon.tm_hour, noon.tm_min,
               noon.tm_isdst);
    }
    unsetenv("TZ");
    tzset();
}

static void locales(void)
{
    printf("locale %s", setlocale(LC_ALL, NULL));
    printf(", POSIX %s", setlocale(LC_ALL, "POSIX"));
    printf(", unknown %s", setlocale(LC_ALL, "xx_YY.nothing") ? "set" : "refused");
    struct lconv *conventions = localeconv();
    printf(", decimal point [%s] thousands [%s]\n", conventions->decimal_point, conventions->thousands_sep);
    wchar_t wide[64];
    wcscpy(wide, L"Wide");
    wcscat(wide, L" strings");
    char narrow[64];
    size_t length = wcstombs(narrow, wide, sizeof narrow);
    printf("wcslen %zu wcscmp %d wcschr %ld wcstombs %zu [%s] [%ls] [%5lc]\n", wcslen(wide), wcscmp(wide, L"Wide") > 0,
           (long)(wcschr(wide, L's') - wide), length, narrow, wide, (wint_t)L'x');
    ssize_t converted = (ssize_t)mbstowcs(wide, "caf\xc3\xa9", 64);
    printf("C locale: mbstowcs of UTF-8 %zd, wctomb(e-acute) %d, MB_CUR_MAX %zu\n", converted, wctomb(narrow, 0xe9), MB_CUR_MAX);
    printf("C.UTF-8 %s", setlocale(LC_CTYPE, "C.UTF-8"));
    printf(", LC_ALL %s\n", setlocale(LC_ALL, NULL));
    size_t n = mbstowcs(wide, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82", 64);
    size_t bytes = wcstombs(NULL, wide, 0);
    printf("mbstowcs %zu: %x %x %x, MB_CUR_MAX %zu, back %zu bytes [%ls]\n", n, (unsigned)wide[3], (unsigned)wide[5],
           (unsigned)wide[7], MB_CUR_MAX, bytes, wide);
    printf("iswalpha(e-acute) %d towupper %x iswupper %d iswalpha('a') %d", iswalpha(0xe9), (unsigned)towupper(0xe9), iswupper(0xc9),
           iswalpha('a'));
    printf(", invalid sequence %zd\n", (ssize_t)mbstowcs(wide, "\xc3\x28", 64));
    setlocale(LC_ALL, "C");
}

static volatile sig_atomic_t caught;
static void on_signal(int signal) { caught = signal; }

static void signals(void)
{
    signal(SIGUSR1, on_signal);
    raise(SIGUSR1);
    printf("caught %d", (int)caught);
    signal(SIGINT, SIG_IGN);
    raise(SIGINT);
    printf(", SIGINT ignored");
    struct sigaction action = {0};
    action.sa_handler = on_signal;
    action.sa_flags = SA_RESETHAND;
    sigaction(SIGTERM, &action, NULL);
    kill(getpid(), SIGTERM);
    printf(", caught %d, reset to default %d\n", (int)caught, signal(SIGTERM, SIG_DFL) == SIG_DFL);
}

static pthread_rwlock_t table_lock = PTHREAD_RWLOCK_INITIALIZER;
static pthread_mutex_t recursive;
static int table[4];

static void *writer(void *argument)
{
    for (int i = 0; i < 100; i++) {
        pthread_rwlock_wrlock(&table_lock);
        for (int j = 0; j < 4; j++)
            table[j] += (int)(long)argument;
        pthread_rwlock_unlock(&table_lock);
        pthread_mutex_lock(&recursive);
        pthread_mutex_lock(&recursive);
        table[0]++;
        pthread_mutex_unlock(&recursive);
        pthread_mutex_unlock(&recursive);
    }
    return NULL;
}

static void locks(void)
{
    pthread_mutexattr_t attributes;
    pthread_mutexattr_init(&attributes);
    pthread_mutexattr_settype(&attributes, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&recursive, &attributes);
    pthread_t threads[3];
    for (long i = 0; i < 3; i++)
        pthread_create(&threads[i], NULL, writer, (void *)(i + 1));
    for (int i = 0; i < 3; i++)
        pthread_join(threads[i], NULL);
    pthread_rwlock_rdlock(&table_lock);
    int second_reader = pthread_rwlock_tryrdlock(&table_lock), writer_while_read = pthread_rwlock_trywrlock(&table_lock);
    printf("table %d %d %d %d, second reader %d, writer while read %d\n", table[0], table[1], table[2], table[3],
           second_reader, writer_while_read);
    pthread_rwlock_unlock(&table_lock);
    pthread_rwlock_unlock(&table_lock);
    pthread_mutex_t checked;
    pthread_mutexattr_settype(&attributes, PTHREAD_MUTEX_ERRORCHECK);
    pthread_mutex_init(&checked, &attributes);
    pthread_mutex_lock(&checked);
    int relock = pthread_mutex_lock(&checked), unlock = pthread_mutex_unlock(&checked);
    printf("error-checking relock %d, unlock by owner %d", relock == EDEADLK, unlock);
    printf(", unlock again %d\n", pthread_mutex_unlock(&checked) == EPERM);
    pthread_cond_t never = PTHREAD_COND_INITIALIZER;
    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_nsec += 1000000;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&lock);
    int waited = pthread_cond_timedwait(&never, &lock, &deadline);
    printf("timed wait %s, mutex held after it %d\n", waited == ETIMEDOUT ? "timed out" : "woke", pthread_mutex_trylock(&lock) == EBUSY);
    pthread_mutex_unlock(&lock);
}

static void files(void)
{
    char name[] = "/tmp/popcorn-posix-XXXXXX", renamed[64];
    int fd = mkstemp(name);
    snprintf(renamed, sizeof renamed, "%s.renamed", name);
    FILE *f = fdopen(fd, "w");
    fputs("moved\n", f);
    fclose(f);
    f = fopen(name, "wx");
    printf("exclusive create of an existing file %s (errno %d)", f ? "succeeded" : "failed", errno);
    printf(", rename %d", rename(name, renamed));
    f = fopen(renamed, "r");
    char text[16] = "";
    fgets(text, sizeof text, f);
    fclose(f);
    printf(", reads %s", text);
    int moved = rename(name, renamed);
    printf("rename of a missing file %d errno %d", moved, errno);
    printf(", remove %d\n", remove(renamed));
}

int main(void)
{
    lines();
    numbers();
    errors();
    calendar();
    locales();
    signals();
    locks();
    files();
    zones();
    return 0;
}
