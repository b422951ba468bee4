/* sm_datetime.c - COSEM date-time parsing and conversion, without libc time
 * zone state (no TZ, no mktime), so it is thread-safe. */
#include "sm_datetime.h"

#include <string.h>

#include "sm_fmt.h"

#include <stdio.h>

sm_err sm_datetime_parse(const uint8_t b[12], sm_datetime *dt)
{
    dt->year = (uint16_t)(b[0] << 8 | b[1]);
    dt->month = b[2];
    dt->day = b[3];
    dt->dow = b[4];
    dt->hour = b[5];
    dt->minute = b[6];
    dt->second = b[7];
    dt->hundredths = b[8];
    dt->deviation = (int16_t)(uint16_t)(b[9] << 8 | b[10]);
    dt->status = b[11];

    if (dt->year != 0xFFFF && (dt->year < 1970 || dt->year > 2200))
        return SM_ERR_DATETIME;
    if (dt->month != 0xFF && dt->month != 0xFD && dt->month != 0xFE &&
        (dt->month < 1 || dt->month > 12))
        return SM_ERR_DATETIME;
    if (dt->day != 0xFF && dt->day != 0xFD && dt->day != 0xFE &&
        (dt->day < 1 || dt->day > 31))
        return SM_ERR_DATETIME;
    if (dt->dow != 0xFF && dt->dow > 7)
        return SM_ERR_DATETIME;
    /* a day the month does not have (2024-02-30) */
    if (dt->year != 0xFFFF && dt->month >= 1 && dt->month <= 12 && dt->day >= 1 &&
        dt->day <= 31 && dt->day > sm_days_in_month(dt->year, dt->month))
        return SM_ERR_DATETIME;
    if (dt->hour != 0xFF && dt->hour > 23)
        return SM_ERR_DATETIME;
    if (dt->minute != 0xFF && dt->minute > 59)
        return SM_ERR_DATETIME;
    if (dt->second != 0xFF && dt->second > 59)
        return SM_ERR_DATETIME;
    if (dt->hundredths != 0xFF && dt->hundredths > 99)
        return SM_ERR_DATETIME;
    if (dt->deviation != SM_DT_DEVIATION_UNSPECIFIED &&
        (dt->deviation < -720 || dt->deviation > 720))
        return SM_ERR_DATETIME;
    return SM_OK;
}

unsigned sm_days_in_month(unsigned year, unsigned month)
{
    static const uint8_t days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12)
        return 0;
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return days[month - 1] + (month == 2 && leap ? 1u : 0u);
}

bool sm_datetime_has_date(const sm_datetime *dt)
{
    return dt->year != 0xFFFF && dt->month >= 1 && dt->month <= 12 && dt->day >= 1 &&
           dt->day <= 31;
}

bool sm_datetime_has_time(const sm_datetime *dt)
{
    return dt->hour != 0xFF && dt->minute != 0xFF && dt->second != 0xFF;
}

bool sm_datetime_has_deviation(const sm_datetime *dt)
{
    return dt->deviation != SM_DT_DEVIATION_UNSPECIFIED;
}

/* "2023-08-21T23:23:00" (years before 1 or after 9999 as they come) */
static void iso_date_time(sm_fmt *f, int64_t y, unsigned mo, unsigned d, unsigned h, unsigned mi,
                          unsigned s)
{
    if (y < 0) {
        sm_fmt_ch(f, '-');
        y = -y;
    }
    sm_fmt_uint(f, (uint64_t)y, 4);
    sm_fmt_ch(f, '-');
    sm_fmt_uint(f, mo, 2);
    sm_fmt_ch(f, '-');
    sm_fmt_uint(f, d, 2);
    sm_fmt_ch(f, 'T');
    sm_fmt_uint(f, h, 2);
    sm_fmt_ch(f, ':');
    sm_fmt_uint(f, mi, 2);
    sm_fmt_ch(f, ':');
    sm_fmt_uint(f, s, 2);
}

int sm_datetime_iso_local(const sm_datetime *dt, char *out, size_t cap)
{
    if (!sm_datetime_has_date(dt) || !sm_datetime_has_time(dt)) {
        if (cap)
            out[0] = '\0';
        return -1;
    }
    sm_fmt f = {.n = 0};
    iso_date_time(&f, dt->year, dt->month, dt->day, dt->hour, dt->minute, dt->second);
    if (dt->hundredths != 0xFF && dt->hundredths != 0) {
        sm_fmt_ch(&f, '.');
        sm_fmt_uint(&f, dt->hundredths, 2);
    }
    if (sm_datetime_has_deviation(dt)) {
        int east = -dt->deviation; /* minutes east of UTC */
        sm_fmt_ch(&f, east < 0 ? '-' : '+');
        if (east < 0)
            east = -east;
        sm_fmt_uint(&f, (unsigned)east / 60, 2);
        sm_fmt_ch(&f, ':');
        sm_fmt_uint(&f, (unsigned)east % 60, 2);
    }
    return sm_fmt_done(&f, out, cap);
}

int sm_date_text(const uint8_t b[5], char *out, size_t cap)
{
    unsigned y = (unsigned)(b[0] << 8 | b[1]), m = b[2], d = b[3];
    if (cap)
        out[0] = '\0';
    if (y == 0xFFFF || d < 1 || d > sm_days_in_month(y, m) || (b[4] > 7 && b[4] != 0xFF))
        return -1;
    sm_fmt f = {.n = 0};
    sm_fmt_uint(&f, y, 4);
    sm_fmt_ch(&f, '-');
    sm_fmt_uint(&f, m, 2);
    sm_fmt_ch(&f, '-');
    sm_fmt_uint(&f, d, 2);
    return sm_fmt_done(&f, out, cap);
}

int sm_time_text(const uint8_t b[4], char *out, size_t cap)
{
    if (cap)
        out[0] = '\0';
    if (b[0] > 23 || b[1] > 59 || b[2] > 59 || (b[3] > 99 && b[3] != 0xFF))
        return -1;
    sm_fmt f = {.n = 0};
    sm_fmt_uint(&f, b[0], 2);
    sm_fmt_ch(&f, ':');
    sm_fmt_uint(&f, b[1], 2);
    sm_fmt_ch(&f, ':');
    sm_fmt_uint(&f, b[2], 2);
    if (b[3] != 0xFF && b[3] != 0) {
        sm_fmt_ch(&f, '.');
        sm_fmt_uint(&f, b[3], 2);
    }
    return sm_fmt_done(&f, out, cap);
}

/* Howard Hinnant's days_from_civil. */
int64_t sm_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

sm_err sm_datetime_to_unix(const sm_datetime *dt, int16_t fallback_std_deviation,
                           int64_t *utc_seconds)
{
    if (!sm_datetime_has_date(dt) || !sm_datetime_has_time(dt))
        return SM_ERR_DATETIME;
    int deviation;
    if (sm_datetime_has_deviation(dt)) {
        deviation = dt->deviation;
    } else if (fallback_std_deviation != SM_DT_DEVIATION_UNSPECIFIED) {
        deviation = fallback_std_deviation;
        if (dt->status != 0xFF && (dt->status & SM_DT_STATUS_DST))
            deviation -= 60;
    } else {
        return SM_ERR_DATETIME;
    }
    int64_t days = sm_days_from_civil(dt->year, dt->month, dt->day);
    int64_t local = days * 86400 + dt->hour * 3600 + dt->minute * 60 + dt->second;
    *utc_seconds = local + (int64_t)deviation * 60;
    return SM_OK;
}

/* Howard Hinnant's civil_from_days. */
void sm_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

int sm_datetime_iso_utc(const sm_datetime *dt, char *out, size_t cap)
{
    int64_t secs;
    if (sm_datetime_to_unix(dt, SM_DT_DEVIATION_UNSPECIFIED, &secs) != SM_OK) {
        if (cap)
            out[0] = '\0';
        return -1;
    }
    /* UTC on the same day as the meter's time: its fields, the time moved */
    int m = dt->hour * 60 + dt->minute + dt->deviation;
    if (m < 0 || m >= 24 * 60)
        return sm_unix_iso_utc(secs, out, cap);
    sm_fmt f = {.n = 0};
    iso_date_time(&f, dt->year, dt->month, dt->day, (unsigned)m / 60, (unsigned)m % 60,
                  dt->second);
    sm_fmt_ch(&f, 'Z');
    return sm_fmt_done(&f, out, cap);
}

/* Unix seconds as whole days since 1970-01-01 and the seconds of that day
 * (floored: before 1970 too). */
static void split_days(int64_t t, int64_t *days, int64_t *secs)
{
    *days = t / 86400;
    *secs = t % 86400;
    if (*secs < 0) {
        *secs += 86400;
        (*days)--;
    }
}

void sm_datetime_from_unix(int64_t t, int east, sm_datetime *dt)
{
    int64_t days, secs;
    split_days(t + (int64_t)east * 60, &days, &secs);
    int64_t y;
    unsigned m, d;
    sm_civil_from_days(days, &y, &m, &d);
    memset(dt, 0, sizeof *dt);
    dt->year = y >= 0 && y <= 0xFFFE ? (uint16_t)y : 0xFFFF;
    dt->month = (uint8_t)m;
    dt->day = (uint8_t)d;
    dt->dow = (uint8_t)((days % 7 + 7 + 3) % 7 + 1); /* 1970-01-01 was a Thursday */
    dt->hour = (uint8_t)(secs / 3600);
    dt->minute = (uint8_t)(secs / 60 % 60);
    dt->second = (uint8_t)(secs % 60);
    dt->hundredths = 0xFF;
    dt->deviation = (int16_t)-east;
    dt->status = 0;
}

int sm_unix_iso_utc(int64_t t, char *out, size_t cap)
{
    int64_t days, secs;
    split_days(t, &days, &secs);
    int64_t y;
    unsigned m, d;
    sm_civil_from_days(days, &y, &m, &d);
    sm_fmt f = {.n = 0};
    iso_date_time(&f, y, m, d, (unsigned)(secs / 3600), (unsigned)(secs / 60 % 60),
                  (unsigned)(secs % 60));
    sm_fmt_ch(&f, 'Z');
    return sm_fmt_done(&f, out, cap);
}
