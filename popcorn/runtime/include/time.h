/* time.h. The emulated process has no time zone: localtime is gmtime (UTC, zone name "UTC"), mktime the inverse of
   gmtime; the C locale's names and formats. */
#ifndef _TIME_H
#define _TIME_H
#include <stddef.h>
#include <sys/types.h>
struct timespec {
    time_t tv_sec;
    long tv_nsec;
};
struct tm {
    int tm_sec, tm_min, tm_hour, tm_mday, tm_mon, tm_year, tm_wday, tm_yday, tm_isdst;
    long tm_gmtoff;
    const char *tm_zone;
};
#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID 3
#define CLOCKS_PER_SEC 1000000L
#define TIME_UTC 1
int clock_gettime(clockid_t clock, struct timespec *time);
int nanosleep(const struct timespec *request, struct timespec *remaining);
int timespec_get(struct timespec *time, int base);
time_t time(time_t *out);
clock_t clock(void);
double difftime(time_t end, time_t start);
struct tm *gmtime(const time_t *time);
struct tm *gmtime_r(const time_t *time, struct tm *result);
struct tm *localtime(const time_t *time);
struct tm *localtime_r(const time_t *time, struct tm *result);
time_t mktime(struct tm *tm);
time_t timegm(struct tm *tm);
char *asctime(const struct tm *tm);
char *asctime_r(const struct tm *tm, char *buffer);
char *ctime(const time_t *time);
char *ctime_r(const time_t *time, char *buffer);
size_t strftime(char *buffer, size_t size, const char *format, const struct tm *tm);
void tzset(void);
extern char *tzname[2];
extern long timezone;
extern int daylight;
#endif
