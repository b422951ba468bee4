/* sm_datetime.h - COSEM date-time (IEC 62056-6-2 4.1.6.1, 12 octets):
 *   year(2) month day day-of-week hour minute second hundredths
 *   deviation(int16, minutes local time to UTC) clock-status
 * "Not specified" is 0xFFFF for the year, 0xFF for the other one-byte
 * fields and 0x8000 for the deviation; month 0xFD/0xFE (DST end/begin) and
 * day 0xFD/0xFE (second last/last day) are kept as sent.
 *
 * The deviation follows the DLMS convention: UTC = local time + deviation,
 * so Central European Summer Time is -120 with clock-status bit 7
 * ("daylight saving active") set.  Pure functions, thread-safe.
 */
#ifndef SM_DATETIME_H
#define SM_DATETIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sm_error.h"

#define SM_DT_DEVIATION_UNSPECIFIED INT16_MIN /* 0x8000 on the wire */
#define SM_DT_STATUS_INVALID 0x01
#define SM_DT_STATUS_DOUBTFUL 0x02
#define SM_DT_STATUS_DIFFERENT_BASE 0x04
#define SM_DT_STATUS_INVALID_CLOCK 0x08
#define SM_DT_STATUS_DST 0x80

typedef struct {
    uint16_t year;      /* 0xFFFF: not specified */
    uint8_t month;      /* 1..12, 0xFD, 0xFE, 0xFF */
    uint8_t day;        /* 1..31, 0xFD, 0xFE, 0xFF */
    uint8_t dow;        /* 1..7 (Monday = 1), 0xFF; 0 is tolerated (Aidon) */
    uint8_t hour, minute, second, hundredths; /* 0xFF: not specified */
    int16_t deviation;  /* minutes, SM_DT_DEVIATION_UNSPECIFIED */
    uint8_t status;     /* clock status, 0xFF: not specified */
} sm_datetime;

/* Parse and validate 12 octets.  SM_ERR_DATETIME when a field is out of
 * range or the day is not in its month (2024-02-30), so that an arbitrary
 * 12-byte octet-string is not taken for a time. */
sm_err sm_datetime_parse(const uint8_t b[12], sm_datetime *dt);

/* 28..31 for months 1..12 of a proleptic Gregorian year, 0 otherwise. */
unsigned sm_days_in_month(unsigned year, unsigned month);

bool sm_datetime_has_date(const sm_datetime *dt);
bool sm_datetime_has_time(const sm_datetime *dt);
bool sm_datetime_has_deviation(const sm_datetime *dt);

/* ISO 8601 of the meter's local time: "2023-08-21T23:23:00+02:00", the
 * offset omitted when the deviation is not specified, ".hh" added when the
 * hundredths are specified and not zero.  Returns the length written
 * (snprintf semantics, always NUL-terminated when cap > 0); -1 when date or
 * time are not fully specified. */
int sm_datetime_iso_local(const sm_datetime *dt, char *out, size_t cap);

/* COSEM date (5 octets: year(2) month day day-of-week) and time (4 octets:
 * hour minute second hundredths) as ISO 8601 ("2024-02-29", "12:34:56.78",
 * hundredths only when specified and not zero).  Returns the length
 * (snprintf semantics); -1 and "" when a field is not specified or out of
 * range (a day the month does not have). */
int sm_date_text(const uint8_t b[5], char *out, size_t cap);
int sm_time_text(const uint8_t b[4], char *out, size_t cap);

/* Seconds since the Unix epoch (UTC).  When the deviation is not specified
 * the caller's fallback standard-time deviation is used (e.g. -60 for
 * Central Europe), with one hour less when the DST status bit is set;
 * pass SM_DT_DEVIATION_UNSPECIFIED for no fallback, which then gives
 * SM_ERR_DATETIME, as does a date or time that is not fully specified. */
sm_err sm_datetime_to_unix(const sm_datetime *dt, int16_t fallback_std_deviation,
                           int64_t *utc_seconds);

/* ISO 8601 UTC "2023-08-21T21:23:00Z" from Unix seconds. */
int sm_unix_iso_utc(int64_t utc_seconds, char *out, size_t cap);
/* The date-time of Unix seconds in a zone `east` minutes east of UTC (its
 * deviation -east): SML's timestamps. */
void sm_datetime_from_unix(int64_t utc_seconds, int east, sm_datetime *dt);
/* A date-time with its deviation as UTC, "2023-08-21T21:23:00Z" (what
 * sm_datetime_to_unix and sm_unix_iso_utc give); -1 and "" without a
 * deviation or a complete date and time. */
int sm_datetime_iso_utc(const sm_datetime *dt, char *out, size_t cap);

/* Days since 1970-01-01 of a proleptic Gregorian date (no time zone). */
int64_t sm_days_from_civil(int64_t y, unsigned m, unsigned d);
/* The inverse: the proleptic Gregorian date of a day count since 1970-01-01. */
void sm_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

#endif
