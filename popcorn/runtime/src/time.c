/* time.h: calendar conversions, the local time zone from TZ (POSIX strings and TZif files) and strftime in the C
   locale. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

char *tzname[2] = {"UTC", "UTC"};
long timezone;
int daylight;

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

/*
 * The local time zone, as glibc finds it: TZ unset means /etc/localtime; ":NAME" or "NAME" is a TZif file under
 * /usr/share/zoneinfo (or at NAME if it starts with '/'); otherwise, or when no such file can be read, TZ is a POSIX
 * string "STDoffset[DST[offset][,start[/time],end[/time]]]" (rules Jn, n and Mm.w.d; no rules means the US ones,
 * M3.2.0,M11.1.0); an empty or unusable TZ is UTC. A TZif file's transitions give the offset up to its last one,
 * its footer's POSIX string after it. Reloaded whenever TZ has changed.
 */
struct zone_rule {
    char kind; /* 'J' (1-365, no February 29), 'D' (0-365) or 'M' (month, week, weekday) */
    int day, week, month;
    long time; /* seconds after local midnight */
};

struct posix_zone {
    char names[2][16];
    long offsets[2]; /* seconds east of UTC, standard and daylight time */
    int has_dst;
    struct zone_rule rules[2];
};

#define ZONE_TRANSITIONS 1200
#define ZONE_TYPES 64
static struct zone_state {
    char tz[128];
    int loaded, tz_set, from_file, name_only, transitions, types, has_footer;
    long long at[ZONE_TRANSITIONS];
    unsigned char type_of[ZONE_TRANSITIONS];
    long type_offset[ZONE_TYPES];
    unsigned char type_dst[ZONE_TYPES], type_name[ZONE_TYPES];
    char names[256];
    struct posix_zone footer;
} zone;
static struct zone_state *volatile zone_address = &zone;

static const char *zone_name_end(const char *p)
{
    if (*p == '<') {
        const char *close = strchr(p, '>');
        return close ? close + 1 : p;
    }
    const char *q = p;
    while ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z'))
        q++;
    return q - p >= 3 ? q : p;
}

/* [+|-]hh[:mm[:ss]] into *seconds; returns what follows, or 0 when there is no number. */
static const char *zone_clock(const char *p, long *seconds)
{
    int negative = *p == '-';
    if (*p == '+' || *p == '-')
        p++;
    if (!isdigit((unsigned char)*p))
        return 0;
    long value = 0;
    for (int part = 0; part < 3; part++) {
        long n = 0;
        if (!isdigit((unsigned char)*p))
            return 0;
        while (isdigit((unsigned char)*p))
            n = n * 10 + (*p++ - '0');
        value += n * (part == 0 ? 3600 : part == 1 ? 60 : 1);
        if (*p != ':' || part == 2)
            break;
        p++;
    }
    *seconds = negative ? -value : value;
    return p;
}

static const char *zone_rule(const char *p, struct zone_rule *rule)
{
    rule->time = 7200;
    if (*p == 'M') {
        rule->kind = 'M';
        if (sscanf(p + 1, "%d.%d.%d", &rule->month, &rule->week, &rule->day) != 3 || rule->month < 1 ||
            rule->month > 12 || rule->week < 1 || rule->week > 5 || rule->day < 0 || rule->day > 6)
            return 0;
        p++;
        while (isdigit((unsigned char)*p) || *p == '.')
            p++;
    } else {
        rule->kind = *p == 'J' ? 'J' : 'D';
        p += *p == 'J';
        if (!isdigit((unsigned char)*p))
            return 0;
        for (rule->day = 0; isdigit((unsigned char)*p); p++)
            rule->day = rule->day * 10 + (*p - '0');
    }
    if (*p == '/' && !(p = zone_clock(p + 1, &rule->time)))
        return 0;
    return p;
}

/* The rules a daylight zone without any takes (glibc's, the US ones). Out of line: the string's address, built
   before the parse's first call and kept in a register, was a value no stack map records. */
static __attribute__((noinline)) const char *us_rules(void) { return ",M3.2.0,M11.1.0"; }

/* A zone name ("EST" or "<+0330>") into name (16 bytes); returns what follows it, or 0 when there is none. */
static __attribute__((noinline)) const char *zone_name(const char *p, char *name)
{
    const char *end = zone_name_end(p);
    int quoted = *p == '<';
    size_t length = (size_t)(end - p) - (quoted ? 2 : 0);
    if (end == p || length >= 16)
        return 0;
    memcpy(name, p + quoted, length);
    name[length] = 0;
    return end;
}

/* Straight-line, each step through a helper: written as a loop over the two parts, its merged returns kept a value
   across the first call that no stack map records. */
static int parse_posix_zone(const char *p, struct posix_zone *z)
{
    memset(z, 0, sizeof *z);
    long offset = 0;
    if (!(p = zone_name(p, z->names[0])) || !(p = zone_clock(p, &offset)))
        return 0;
    z->offsets[0] = -offset;
    const char *after = zone_name(p, z->names[1]);
    if (!after)
        return *p == 0;
    z->has_dst = 1;
    const char *clock = zone_clock(after, &offset);
    z->offsets[1] = clock ? -offset : z->offsets[0] + 3600;
    p = clock ? clock : after;
    if (*p != ',')
        p = us_rules();
    if (!(p = zone_rule(p + 1, &z->rules[0])) || *p != ',' || !(p = zone_rule(p + 1, &z->rules[1])))
        return 0;
    return 1;
}

/* UTC of a rule's moment in year, given the offset in force before it. As glibc, a year before 1971 counts its days
   from 1970-01-01 (so such rules put every earlier moment before both changes of the year). */
static long long rule_moment(const struct zone_rule *rule, long year, long offset)
{
    long day, first_day = year > 1970 ? days_before_year(year) : 0;
    int leap = is_leap(year);
    if (rule->kind == 'J') {
        day = rule->day - 1 + (leap && rule->day >= 60);
    } else if (rule->kind == 'D') {
        day = rule->day;
    } else {
        long first = days_before_year(year) + days_before_month[leap][rule->month - 1]; /* its real weekday */
        int weekday = (int)(((first % 7) + 11) % 7);
        long mday = (rule->day - weekday + 7) % 7 + (rule->week - 1) * 7;
        int length = days_before_month[leap][rule->month] - days_before_month[leap][rule->month - 1];
        if (mday >= length)
            mday -= 7;
        day = days_before_month[leap][rule->month - 1] + mday;
    }
    return (long long)(first_day + day) * 86400 + rule->time - offset;
}

static int posix_is_dst(const struct posix_zone *z, long long t)
{
    if (!z->has_dst)
        return 0;
    long year = 1970 + floor_div((long)(floor_div((long)t, 86400) * 400), 146097); /* t's year in UTC, as glibc */
    while (days_before_year(year) * 86400LL > t)
        year--;
    while (days_before_year(year + 1) * 86400LL <= t)
        year++;
    long long start = rule_moment(&z->rules[0], year, z->offsets[0]), end = rule_moment(&z->rules[1], year, z->offsets[1]);
    return start < end ? t >= start && t < end : !(t >= end && t < start);
}

static unsigned long long big_endian(const unsigned char *p, int bytes)
{
    unsigned long long value = 0;
    for (int i = 0; i < bytes; i++)
        value = value << 8 | p[i];
    return value;
}

/* Reads a TZif file (version 2 or later: the 64-bit data and the footer; version 1: the 32-bit data). */
#define TZIF_BYTES 65536
static unsigned char tzif_bytes[TZIF_BYTES];
static unsigned char *volatile tzif_buffer = tzif_bytes; /* read once: see load_zone */

/* The whole file (up to capacity bytes), its length, 0 when it cannot be read; out of line, as the parse below, so
   that neither keeps a value of the other across its calls. */
static __attribute__((noinline)) long read_whole(const char *path, unsigned char *data, long capacity)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return 0;
    long size = 0, n = 0;
    while (size < capacity && (n = read(fd, data + size, (size_t)(capacity - size))) > 0)
        size += n;
    close(fd);
    return size;
}

static int is_tzif(const unsigned char *p) { return p[0] == 'T' && p[1] == 'Z' && p[2] == 'i' && p[3] == 'f'; }

static __attribute__((noinline)) int load_tzif(const char *path)
{
    unsigned char *data = tzif_buffer;
    long size = read_whole(path, data, TZIF_BYTES);
    if (size < 44 || !is_tzif(data))
        return 0;
    const unsigned char *p = data;
    int wide = 0;
    for (;;) {
        unsigned long long utc = big_endian(p + 20, 4), std = big_endian(p + 24, 4), leaps = big_endian(p + 28, 4),
                           times = big_endian(p + 32, 4), types = big_endian(p + 36, 4), chars = big_endian(p + 40, 4);
        int width = wide ? 8 : 4;
        unsigned long long length = times * (unsigned)width + times + types * 6 + chars + leaps * (unsigned)(width + 4) + std + utc;
        if (p + 44 + length > data + size || types == 0 || types > ZONE_TYPES || chars > sizeof zone.names)
            return 0;
        if (!wide && p[4] >= '2') {
            p += 44 + length;
            wide = 1;
            if (p + 44 > data + size || !is_tzif(p))
                return 0;
            continue;
        }
        const unsigned char *q = p + 44;
        zone.transitions = times > ZONE_TRANSITIONS ? ZONE_TRANSITIONS : (int)times;
        for (int i = 0; i < zone.transitions; i++)
            zone.at[i] = wide ? (long long)big_endian(q + (size_t)i * 8, 8) : (int32_t)big_endian(q + (size_t)i * 4, 4);
        q += times * (unsigned)width;
        for (int i = 0; i < zone.transitions; i++)
            zone.type_of[i] = q[i] < types ? q[i] : 0;
        q += times;
        zone.types = (int)types;
        for (int i = 0; i < zone.types; i++, q += 6) {
            zone.type_offset[i] = (int32_t)big_endian(q, 4);
            zone.type_dst[i] = q[4];
            zone.type_name[i] = q[5] < chars ? q[5] : 0;
        }
        memcpy(zone.names, q, chars);
        zone.names[sizeof zone.names - 1] = 0;
        q += chars + leaps * (unsigned)(width + 4) + std + utc;
        zone.has_footer = 0;
        if (wide && q < data + size && *q == '\n') {
            char footer[128];
            size_t i = 0;
            for (q++; q < data + size && *q != '\n' && i + 1 < sizeof footer; q++)
                footer[i++] = (char)*q;
            footer[i] = 0;
            zone.has_footer = i > 0 && parse_posix_zone(footer, &zone.footer);
        }
        return 1;
    }
}

static void use_posix(const struct posix_zone *z)
{
    zone.from_file = zone.name_only = 0;
    zone.transitions = 0;
    zone.has_footer = 1;
    zone.footer = *z;
}

/* Loads the zone TZ names, unless it is the one already loaded. */
static void load_zone(void)
{
    /* through a pointer read once: the static's address kept in a register across the calls below would be a value
       outside the IR, which no stack map records */
    struct zone_state *zp = zone_address;
    const char *tz = getenv("TZ");
    if (zp->loaded && (tz != 0) == zp->tz_set && (!tz || strcmp(tz, zp->tz) == 0))
        return;
    zp->loaded = 1;
    zp->tz_set = tz != 0;
    snprintf(zp->tz, sizeof zp->tz, "%s", tz ? tz : "");
    struct posix_zone z;
    char path[300];
    if (!tz) {
        snprintf(path, sizeof path, "/etc/localtime");
    } else {
        const char *name = tz + (*tz == ':');
        snprintf(path, sizeof path, "%s%s", *name == '/' ? "" : "/usr/share/zoneinfo/", name);
    }
    if (tz && *tz && *tz != ':' && parse_posix_zone(tz, &z) && z.has_dst && strchr(tz, ',')) {
        use_posix(&z); /* a full rule: no file has that name */
    } else if (!(tz && !*tz) && !strstr(path, "..") && load_tzif(path)) {
        zp->from_file = 1;
        zp->name_only = 0;
    } else if (tz && *tz && parse_posix_zone(tz + (*tz == ':'), &z)) {
        use_posix(&z);
    } else {
        /* UTC, named as much of TZ as parses as a name (glibc keeps "Nowhere" of "Nowhere/Invalid") */
        memset(&z, 0, sizeof z);
        const char *name = tz ? tz + (*tz == ':') : "", *end = zone_name_end(name);
        if (end != name && *name != '<' && (size_t)(end - name) < sizeof z.names[0]) {
            memcpy(z.names[0], name, (size_t)(end - name));
            use_posix(&z);
            zp->name_only = 1; /* tzname[1] stays empty */
        } else {
            strcpy(z.names[0], "UTC");
            strcpy(z.names[1], "UTC");
            use_posix(&z);
        }
    }
    /* tzname, timezone and daylight: from the POSIX rule, else from the file's last standard and daylight types */
    static char names[2][16];
    if (!zp->from_file) {
        for (int i = 0; i < 2; i++)
            snprintf(names[i], sizeof names[i], "%s", zp->footer.names[zp->footer.has_dst || zp->name_only ? i : 0]);
        timezone = -zp->footer.offsets[0];
        daylight = zp->footer.has_dst;
    } else {
        /* as glibc: the kinds of time the latest transitions go to, whatever the footer says (found first, with
           no call inside the loop, so that nothing the loop carries lives across a call) */
        int latest[2] = {-1, -1};
        for (int i = zp->transitions; i-- > 0 && (latest[0] < 0 || latest[1] < 0);) {
            int type = zp->type_of[i];
            if (latest[zp->type_dst[type] != 0] < 0)
                latest[zp->type_dst[type] != 0] = type;
        }
        long offsets[2];
        for (int kind = 0; kind < 2; kind++) {
            int type = latest[kind] >= 0 ? latest[kind] : kind == 1 ? latest[0] : -1;
            offsets[kind] = type >= 0 ? zp->type_offset[type] : zp->type_offset[0];
            snprintf(names[kind], sizeof names[kind], "%s", zp->names + (type >= 0 ? zp->type_name[type] : 0));
        }
        timezone = -offsets[0];
        daylight = offsets[0] != offsets[1];
    }
    tzname[0] = names[0];
    tzname[1] = names[1];
}

/* The offset east of UTC, daylight-time flag and abbreviation in force at t. */
static long zone_offset(long long t, int *dst, const char **name)
{
    int n = zone.transitions;
    if (n == 0 || t >= zone.at[n - 1]) {
        if (zone.has_footer) {
            int d = posix_is_dst(&zone.footer, t);
            *dst = d;
            *name = zone.footer.names[d];
            return zone.footer.offsets[d];
        }
    }
    int type = 0;
    if (n > 0 && t >= zone.at[0]) {
        int low = 0, high = n - 1; /* the last transition at or before t */
        while (low < high) {
            int middle = (low + high + 1) / 2;
            if (zone.at[middle] <= t)
                low = middle;
            else
                high = middle - 1;
        }
        type = zone.type_of[low];
    }
    *dst = zone.type_dst[type];
    *name = zone.names + zone.type_name[type];
    return zone.type_offset[type];
}

void tzset(void) { load_zone(); }

struct tm *gmtime_r(const time_t *time, struct tm *result) { return broken_down(*time, result, "GMT"); }
struct tm *localtime_r(const time_t *time, struct tm *result)
{
    int dst;
    const char *name;
    load_zone();
    long offset = zone_offset(*time, &dst, &name);
    if (!broken_down(*time + offset, result, name))
        return 0;
    result->tm_isdst = dst;
    result->tm_gmtoff = offset;
    return result;
}

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

/* The offset of the other kind of time (daylight when want is 1) nearest t, or fallback when the zone has none
   (glibc then moves by an hour). */
static long other_offset(long long t, int want, long fallback)
{
    int n = zone.transitions;
    if ((n == 0 || t >= zone.at[n - 1]) && zone.has_footer)
        return zone.footer.has_dst ? zone.footer.offsets[want] : fallback;
    int at = 0;
    while (at + 1 < n && zone.at[at + 1] <= t)
        at++;
    for (int distance = 0; distance < 16; distance++)
        for (int side = -1; side <= 1; side += 2) {
            int i = at + side * distance;
            if (i >= 0 && i < n && zone.type_dst[zone.type_of[i]] == want)
                return zone.type_offset[zone.type_of[i]];
        }
    return fallback;
}

/* The fields as local wall-clock time: the offset in force then (tried at the standard-time guess, then at the
   result); a tm_isdst that names the other kind of time shifts by that kind's offset, as glibc does. */
time_t mktime(struct tm *tm)
{
    load_zone();
    struct tm copy = *tm;
    time_t local = seconds_of(&copy, "UTC");
    int dst;
    const char *name;
    long offset = zone_offset(local - zone_offset(local, &dst, &name), &dst, &name);
    offset = zone_offset(local - offset, &dst, &name);
    if (tm->tm_isdst >= 0 && dst != (tm->tm_isdst > 0))
        offset = other_offset(local - offset, tm->tm_isdst > 0, offset + (tm->tm_isdst > 0 ? 3600 : -3600));
    time_t t = local - offset;
    return localtime_r(&t, tm) ? t : (time_t)-1;
}
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
