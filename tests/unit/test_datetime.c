/* tests/unit/test_datetime.c - the COSEM date-time: offsets, UTC, unspecified fields, DST. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sm_datetime.h"
#include "test_util.h"

static void test_datetime(void)
{
    sm_datetime dt;
    uint8_t b[12] = {0x07, 0xE7, 8, 21, 1, 23, 23, 0, 0, 0xFF, 0x88, 0x80};
    CU_ASSERT_EQUAL(sm_datetime_parse(b, &dt), SM_OK);
    char s[64];
    sm_datetime_iso_local(&dt, s, sizeof s);
    CU_ASSERT_STRING_EQUAL(s, "2023-08-21T23:23:00+02:00");
    int64_t t;
    CU_ASSERT_EQUAL(sm_datetime_to_unix(&dt, SM_DT_DEVIATION_UNSPECIFIED, &t), SM_OK);
    sm_unix_iso_utc(t, s, sizeof s);
    CU_ASSERT_STRING_EQUAL(s, "2023-08-21T21:23:00Z");
    CU_ASSERT_EQUAL(t, 1692652980);
    /* winter, Sagemcom: -60, status 0x02 */
    uint8_t w[12] = {0x07, 0xE8, 11, 15, 5, 14, 45, 45, 0, 0xFF, 0xC4, 0x02};
    sm_datetime_parse(w, &dt);
    sm_datetime_iso_local(&dt, s, sizeof s);
    CU_ASSERT_STRING_EQUAL(s, "2024-11-15T14:45:45+01:00");
    sm_datetime_to_unix(&dt, SM_DT_DEVIATION_UNSPECIFIED, &t);
    sm_unix_iso_utc(t, s, sizeof s);
    CU_ASSERT_STRING_EQUAL(s, "2024-11-15T13:45:45Z");
    /* deviation unspecified: no offset, and UTC only with a fallback that
     * honours the DST bit */
    uint8_t u[12] = {0x07, 0xE7, 3, 28, 2, 19, 11, 20, 0xFF, 0x80, 0x00, 0x80};
    CU_ASSERT_EQUAL(sm_datetime_parse(u, &dt), SM_OK);
    sm_datetime_iso_local(&dt, s, sizeof s);
    CU_ASSERT_STRING_EQUAL(s, "2023-03-28T19:11:20");
    CU_ASSERT_EQUAL(sm_datetime_to_unix(&dt, SM_DT_DEVIATION_UNSPECIFIED, &t), SM_ERR_DATETIME);
    CU_ASSERT_EQUAL(sm_datetime_to_unix(&dt, -60, &t), SM_OK);
    sm_unix_iso_utc(t, s, sizeof s);
    CU_ASSERT_STRING_EQUAL(s, "2023-03-28T17:11:20Z");
    u[11] = 0x00;
    sm_datetime_parse(u, &dt);
    sm_datetime_to_unix(&dt, -60, &t);
    sm_unix_iso_utc(t, s, sizeof s);
    CU_ASSERT_STRING_EQUAL(s, "2023-03-28T18:11:20Z");
    /* Aidon: day of week 0 is tolerated */
    uint8_t a[12] = {0x07, 0xE9, 12, 14, 0, 16, 0, 0, 0xFF, 0, 0, 0};
    CU_ASSERT_EQUAL(sm_datetime_parse(a, &dt), SM_OK);
    sm_datetime_iso_local(&dt, s, sizeof s);
    CU_ASSERT_STRING_EQUAL(s, "2025-12-14T16:00:00+00:00");
}

/* hundredths, unspecified fields, invalid fields */
static void test_datetime_fields(void)
{
    sm_datetime dt;
    char s[64];
    int64_t t;
    uint8_t h[12] = {0x07, 0xE7, 8, 21, 1, 23, 23, 0, 50, 0xFF, 0x88, 0x80};
    sm_datetime_parse(h, &dt);
    sm_datetime_iso_local(&dt, s, sizeof s);
    CU_ASSERT_STRING_EQUAL(s, "2023-08-21T23:23:00.50+02:00");
    uint8_t nodate[12] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 23, 23, 0, 0, 0x80, 0, 0xFF};
    CU_ASSERT_EQUAL(sm_datetime_parse(nodate, &dt), SM_OK);
    CU_ASSERT_EQUAL(sm_datetime_iso_local(&dt, s, sizeof s), -1);
    CU_ASSERT_EQUAL(sm_datetime_to_unix(&dt, -60, &t), SM_ERR_DATETIME);
    uint8_t bad[12] = {0x07, 0xE7, 13, 21, 1, 23, 23, 0, 0, 0xFF, 0x88, 0x80};
    CU_ASSERT_EQUAL(sm_datetime_parse(bad, &dt), SM_ERR_DATETIME);
    bad[2] = 8;
    bad[5] = 24;
    CU_ASSERT_EQUAL(sm_datetime_parse(bad, &dt), SM_ERR_DATETIME);
    bad[5] = 23;
    bad[9] = 0x03; /* deviation 0x0388 = 904 minutes */
    CU_ASSERT_EQUAL(sm_datetime_parse(bad, &dt), SM_ERR_DATETIME);
}

/* dates before 1970 and leap days, and back, over ±2000 years */
static void test_civil_days(void)
{
    char s[64];
    CU_ASSERT_EQUAL(sm_days_from_civil(1970, 1, 1), 0);
    CU_ASSERT_EQUAL(sm_days_from_civil(2024, 2, 29), 19782);
    int64_t y;
    unsigned mo, dd;
    sm_civil_from_days(19782, &y, &mo, &dd);
    CU_ASSERT(y == 2024 && mo == 2 && dd == 29);
    sm_civil_from_days(-1, &y, &mo, &dd);
    CU_ASSERT(y == 1969 && mo == 12 && dd == 31);
    for (int64_t day = -730000; day <= 730000; day += 37) {
        sm_civil_from_days(day, &y, &mo, &dd);
        CU_ASSERT_EQUAL_FATAL(sm_days_from_civil(y, mo, dd), day);
    }
    sm_unix_iso_utc(-1, s, sizeof s);
    CU_ASSERT_STRING_EQUAL(s, "1969-12-31T23:59:59Z");
}

/* the date-time's own UTC text is what the Unix seconds give: every hour
 * and a few minutes of days at month and year ends, with every deviation
 * from -12 to +12 hours in quarters, and none */
static void test_utc_text(void)
{
    sm_datetime dt;
    char s[64];
    int64_t t;
    static const uint8_t days[][3] = {{99, 12, 31}, {100, 1, 1}, {124, 2, 29}, {124, 3, 1},
                                      {123, 8, 21}, {125, 12, 31}, {126, 1, 1}, {199, 6, 30}};
    unsigned wrong = 0;
    for (size_t i = 0; i < sizeof days / sizeof days[0]; i++)
        for (unsigned hh = 0; hh < 24; hh++)
            for (unsigned mi = 0; mi < 60; mi += 29)
                for (int dev = -720; dev <= 720 + 15; dev += 15) {
                    unsigned yr = 1900u + days[i][0];
                    uint16_t udev = dev > 720 ? 0x8000 : (uint16_t)(int16_t)dev;
                    uint8_t q[12] = {(uint8_t)(yr >> 8), (uint8_t)yr, days[i][1], days[i][2],
                                     0xFF, (uint8_t)hh, (uint8_t)mi, 59, 0xFF,
                                     (uint8_t)(udev >> 8), (uint8_t)udev, 0};
                    if (sm_datetime_parse(q, &dt) != SM_OK) {
                        wrong++;
                        continue;
                    }
                    char want[40] = "", got[40];
                    if (sm_datetime_to_unix(&dt, SM_DT_DEVIATION_UNSPECIFIED, &t) == SM_OK)
                        sm_unix_iso_utc(t, want, sizeof want);
                    int n = sm_datetime_iso_utc(&dt, got, sizeof got);
                    wrong += strcmp(want, got) != 0 || (n < 0) != (want[0] == '\0');

                }
    CU_ASSERT_EQUAL(wrong, 0);
    CU_ASSERT_EQUAL(sm_datetime_iso_utc(&dt, s, sizeof s), -1); /* the last: no deviation */
    CU_ASSERT_STRING_EQUAL(s, "");
}

static const test_case cases[] = {
    {"date-time: offsets, utc, unspecified, dst", test_datetime},
    {"date-time: hundredths, unspecified and invalid fields", test_datetime_fields},
    {"days from the civil date and back", test_civil_days},
    {"the date-time's own utc text agrees with the unix seconds'", test_utc_text},
    {NULL, NULL}};
const test_suite suite_datetime = {"date-time", cases};
