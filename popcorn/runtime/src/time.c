/* time.h: calendar conversions in UTC (the emulated process has no time zone) and strftime in the C locale. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

char *tzname[2] = {"UTC", "UTC"};
long timezone;
int daylight;

void tzset(void) {}

double difftime(time_t end, time_t start) { return (double)end - (double)start; }

int timespec_get(struct timespec *time, int base)
{
    return base == TIME_UTC && clock_gettime(CLOCK_REALTIME, time) == 0 ? base : 0;
}

static int is_leap(long year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

static const short days_before_month[2][13] = {
    {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365},
    {0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335, 366},
};

static long floor_div(long a, long b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

/* Days from 1970-01-01 to the first of January of year (proleptic Gregorian). */
static long days_before_year(long year)
{
    long y = year - 1;
    return 365 * (year - 1970) + (floor_div(y, 4) - floor_div(y, 100) + floor_div(y, 400)) - (1969 / 4 - 1969 / 100 + 1969 / 400);
}


static struct tm *broken_down(time_t t, struct tm *tm, const char *zone)
{
    long days = floor_div(t, 86400), seconds = t - days * 86400;
    /* An estimate of the year from the mean length, then corrected by at most a step or two. */
    long year = 1970 + floor_div(days * 400, 146097);
    while (days_before_year(year) > days)
        year--;
    while (days_before_year(year + 1) <= days)
        year++;
    if (year - 1900 > INT_MAX || year - 1900 < INT_MIN) {
        errno = EOVERFLOW;
        return 0;
    }
    int yday = (int)(days - days_before_year(year)), leap = is_leap(year), month = 0;
    while (yday >= days_before_month[leap][month + 1])
        month++;
    tm->tm_year = (int)(year - 1900);
    tm->tm_mon = month;
    tm->tm_mday = yday - days_before_month[leap][month] + 1;
    tm->tm_yday = yday;
    tm->tm_wday = (int)((days % 7 + 11) % 7); /* 1970-01-01 was a Thursday */
    tm->tm_hour = (int)(seconds / 3600);
    tm->tm_min = (int)(seconds / 60 % 60);
    tm->tm_sec = (int)(seconds % 60);
    tm->tm_isdst = 0;
    tm->tm_gmtoff = 0;
    tm->tm_zone = zone;
    return tm;
}

struct tm *gmtime_r(const time_t *time, struct tm *result) { return broken_down(*time, result, "GMT"); }
struct tm *localtime_r(const time_t *time, struct tm *result) { return broken_down(*time, result, "UTC"); }

struct tm *gmtime(const time_t *time)
{
    static __thread struct tm result;
    return gmtime_r(time, &result);
}

struct tm *localtime(const time_t *time)
{
    static __thread struct tm result;
    return localtime_r(time, &result);
}

/* Normalizes every field (a month of 14 or a day of 0 carries into the others) and fills tm_wday and tm_yday. */
static time_t seconds_of(struct tm *tm, const char *zone)
{
    long month = tm->tm_mon, year = (long)tm->tm_year + 1900 + floor_div(month, 12);
    month -= floor_div(month, 12) * 12;
    long days = days_before_year(year) + days_before_month[is_leap(year)][month] + tm->tm_mday - 1;
    time_t t = (time_t)days * 86400 + (time_t)tm->tm_hour * 3600 + (time_t)tm->tm_min * 60 + tm->tm_sec;
    if (!broken_down(t, tm, zone))
        return (time_t)-1;
    return t;
}

time_t mktime(struct tm *tm) { return seconds_of(tm, "UTC"); }
time_t timegm(struct tm *tm) { return seconds_of(tm, "GMT"); }

static const char *const weekday_names[7] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
static const char *const month_names[12] = {"January", "February", "March", "April", "May", "June", "July",
                                            "August", "September", "October", "November", "December"};

static const char *weekday_name(const struct tm *tm) { return tm->tm_wday >= 0 && tm->tm_wday < 7 ? weekday_names[tm->tm_wday] : "?"; }
static const char *month_name(const struct tm *tm) { return tm->tm_mon >= 0 && tm->tm_mon < 12 ? month_names[tm->tm_mon] : "?"; }

char *asctime_r(const struct tm *tm, char *buffer)
{
    /* C's format: "%.3s %.3s%3d %.2d:%.2d:%.2d %d\n" */
    sprintf(buffer, "%.3s %.3s%3d %.2d:%.2d:%.2d %d\n", weekday_name(tm), month_name(tm), tm->tm_mday, tm->tm_hour,
            tm->tm_min, tm->tm_sec, 1900 + tm->tm_year);
    return buffer;
}

char *asctime(const struct tm *tm)
{
    static __thread char buffer[64];
    return asctime_r(tm, buffer);
}

char *ctime_r(const time_t *time, char *buffer)
{
    struct tm tm;
    return localtime_r(time, &tm) ? asctime_r(&tm, buffer) : 0;
}

char *ctime(const time_t *time)
{
    static __thread char buffer[64];
    return ctime_r(time, buffer);
}

/* ISO 8601 weeks: week 1 holds the year's first Thursday. */
static int iso_weeks_in_year(long year)
{
    long p = (year + year / 4 - year / 100 + year / 400) % 7, q = ((year - 1) + (year - 1) / 4 - (year - 1) / 100 + (year - 1) / 400) % 7;
    return p == 4 || q == 3 ? 53 : 52;
}

static int iso_week(const struct tm *tm, long *iso_year)
{
    long year = 1900L + tm->tm_year;
    int weekday = (tm->tm_wday + 6) % 7 + 1; /* Monday 1 ... Sunday 7 */
    int week = (tm->tm_yday + 1 - weekday + 10) / 7;
    if (week < 1) {
        year--;
        week = iso_weeks_in_year(year);
    } else if (week > iso_weeks_in_year(year)) {
        year++;
        week = 1;
    }
    *iso_year = year;
    return week;
}

struct out {
    char *buffer;
    size_t size, length;
    int overflow;
};

static void put(struct out *out, const char *text, size_t length)
{
    if (out->length + length >= out->size) {
        out->overflow = 1;
        return;
    }
    memcpy(out->buffer + out->length, text, length);
    out->length += length;
}

/* A number with at least width digits, padded with pad ('0' or ' '; 0: none). */
static void put_number(struct out *out, long value, int width, char pad)
{
    char digits[32];
    int n = pad == '0' ? snprintf(digits, sizeof digits, "%0*ld", width, value)
          : pad == ' ' ? snprintf(digits, sizeof digits, "%*ld", width, value)
                       : snprintf(digits, sizeof digits, "%ld", value);
    put(out, digits, (size_t)n);
}

static void format(struct out *out, const char *format, const struct tm *tm);

static void conversion(struct out *out, char c, char flag, const struct tm *tm)
{
    char pad0 = flag ? (flag == '-' ? 0 : flag == '_' ? ' ' : '0') : '0', pad_space = flag ? pad0 : ' ';
    long iso_year;
    int hour12 = tm->tm_hour % 12 == 0 ? 12 : tm->tm_hour % 12;
    switch (c) {
    case 'a': put(out, weekday_name(tm), 3); break;
    case 'A': put(out, weekday_name(tm), strlen(weekday_name(tm))); break;
    case 'b': case 'h': put(out, month_name(tm), 3); break;
    case 'B': put(out, month_name(tm), strlen(month_name(tm))); break;
    case 'c': format(out, "%a %b %e %H:%M:%S %Y", tm); break;
    case 'C': put_number(out, floor_div(1900L + tm->tm_year, 100), 2, pad0); break;
    case 'd': put_number(out, tm->tm_mday, 2, pad0); break;
    case 'D': format(out, "%m/%d/%y", tm); break;
    case 'e': put_number(out, tm->tm_mday, 2, pad_space); break;
    case 'F': format(out, "%Y-%m-%d", tm); break;
    case 'g': iso_week(tm, &iso_year); put_number(out, (iso_year % 100 + 100) % 100, 2, pad0); break;
    case 'G': iso_week(tm, &iso_year); put_number(out, iso_year, 1, 0); break;
    case 'H': put_number(out, tm->tm_hour, 2, pad0); break;
    case 'I': put_number(out, hour12, 2, pad0); break;
    case 'j': put_number(out, tm->tm_yday + 1, 3, pad0); break;
    case 'k': put_number(out, tm->tm_hour, 2, pad_space); break;
    case 'l': put_number(out, hour12, 2, pad_space); break;
    case 'm': put_number(out, tm->tm_mon + 1, 2, pad0); break;
    case 'M': put_number(out, tm->tm_min, 2, pad0); break;
    case 'n': put(out, "\n", 1); break;
    case 'p': put(out, tm->tm_hour < 12 ? "AM" : "PM", 2); break;
    case 'P': put(out, tm->tm_hour < 12 ? "am" : "pm", 2); break;
    case 'r': format(out, "%I:%M:%S %p", tm); break;
    case 'R': format(out, "%H:%M", tm); break;
    case 's': {
        struct tm copy = *tm;
        put_number(out, (long)timegm(&copy) - tm->tm_gmtoff, 1, 0);
        break;
    }
    case 'S': put_number(out, tm->tm_sec, 2, pad0); break;
    case 't': put(out, "\t", 1); break;
    case 'T': format(out, "%H:%M:%S", tm); break;
    case 'u': put_number(out, (tm->tm_wday + 6) % 7 + 1, 1, 0); break;
    case 'U': put_number(out, (tm->tm_yday + 7 - tm->tm_wday) / 7, 2, pad0); break;
    case 'V': put_number(out, iso_week(tm, &iso_year), 2, pad0); break;
    case 'w': put_number(out, tm->tm_wday, 1, 0); break;
    case 'W': put_number(out, (tm->tm_yday + 7 - (tm->tm_wday + 6) % 7) / 7, 2, pad0); break;
    case 'x': format(out, "%m/%d/%y", tm); break;
    case 'X': format(out, "%H:%M:%S", tm); break;
    case 'y': put_number(out, ((1900L + tm->tm_year) % 100 + 100) % 100, 2, pad0); break;
    case 'Y': put_number(out, 1900L + tm->tm_year, 1, 0); break;
    case 'z': {
        long offset = tm->tm_gmtoff, magnitude = offset < 0 ? -offset : offset;
        put(out, offset < 0 ? "-" : "+", 1);
        put_number(out, magnitude / 3600 * 100 + magnitude / 60 % 60, 4, '0');
        break;
    }
    case 'Z': if (tm->tm_zone) put(out, tm->tm_zone, strlen(tm->tm_zone)); break;
    case '%': put(out, "%", 1); break;
    default: { /* glibc copies an unknown conversion as it is */
        char text[2] = {'%', c};
        put(out, text, 2);
    }
    }
}

static void format(struct out *out, const char *format, const struct tm *tm)
{
    for (const char *p = format; *p; p++) {
        if (*p != '%' || !p[1]) {
            put(out, p, 1);
            continue;
        }
        p++;
        char flag = 0;
        if (*p == '-' || *p == '_' || *p == '0' || *p == '^' || *p == '#')
            flag = *p++;
        if (*p == 'E' || *p == 'O') /* alternative representations: the C locale has none */
            p++;
        if (!*p)
            break;
        conversion(out, *p, flag == '^' || flag == '#' ? 0 : flag, tm);
    }
}

size_t strftime(char *buffer, size_t size, const char *fmt, const struct tm *tm)
{
    struct out out = {buffer, size, 0, 0};
    if (size == 0)
        return 0;
    format(&out, fmt, tm);
    if (out.overflow)
        return 0;
    buffer[out.length] = '\0';
    return out.length;
}
