/* tests/unit/test_decimal.c - exact decimals of scaled values. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sm_decimal.h"
#include "sm_readings.h"
#include "test_util.h"

/* Exact decimals of scaled values. */
static void test_format_value(void)
{
    static const struct {
        bool is_signed;
        int64_t raw;
        int scaler;
        const char *want;
    } cases[] = {
        {false, 2284, -1, "228.4"}, {false, 2300, -2, "23"},  {false, 5, -3, "0.005"},
        {false, 0, -2, "0"},        {false, 5, 3, "5000"},    {true, -1205, -2, "-12.05"},
        {true, -5, -1, "-0.5"},     {false, 77141, 0, "77141"}, {false, 10, -1, "1"},
        {true, INT64_MIN, 0, "-9223372036854775808"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sm_reading r;
        memset(&r, 0, sizeof r);
        r.kind = SM_RK_NUMBER;
        r.is_signed = cases[i].is_signed;
        r.raw_i = cases[i].raw;
        r.raw_u = (uint64_t)cases[i].raw;
        r.scaler = (int8_t)cases[i].scaler;
        char buf[64];
        int n = sm_reading_format_value(&r, buf, sizeof buf);
        CU_ASSERT_STRING_EQUAL(buf, cases[i].want);
        CU_ASSERT_EQUAL((size_t)n, strlen(cases[i].want));
        /* truncation keeps snprintf semantics */
        char small[4];
        CU_ASSERT_EQUAL(sm_reading_format_value(&r, small, sizeof small), n);
        CU_ASSERT_EQUAL(strncmp(small, cases[i].want, 3), 0);
    }
    sm_reading big;
    memset(&big, 0, sizeof big);
    big.kind = SM_RK_NUMBER;
    big.raw_u = UINT64_MAX;
    big.scaler = -128;
    char buf[200];
    int n = sm_reading_format_value(&big, buf, sizeof buf);
    CU_ASSERT_EQUAL(n, 2 + 108 + 20);
    CU_ASSERT_EQUAL(strncmp(buf, "0.000", 5), 0);
    big.scaler = 127;
    n = sm_reading_format_value(&big, buf, sizeof buf);
    CU_ASSERT_EQUAL(n, 20 + 127);
    CU_ASSERT_EQUAL(buf[n - 1], '0');
}

/* scaled values: exactly strtod's for the scalers meters use (one
 * rounding), within a few ulp for the rest DLMS allows */
static void test_scale(void)
{
    const uint64_t raws[] = {1, 7, 2284, 123456789, 4294967295u};
    for (size_t i = 0; i < sizeof raws / sizeof raws[0]; i++)
        for (int sc = -128; sc <= 127; sc++) {
            char text[64];
            snprintf(text, sizeof text, "%llue%d", (unsigned long long)raws[i], sc);
            double want = strtod(text, NULL), got = sm_scale((double)raws[i], sc);
            if (sc >= -22 && sc <= 22)
                CU_ASSERT_EQUAL(got, want);
            CU_ASSERT(fabs(got - want) <= 1e-15 * want);
        }
}

/* the digits themselves, at every change of length and of every length in
 * between, against printf; and sm_decimal_text */
static void test_digits(void)
{
    uint64_t v = 1;
    for (int i = 0; i < 20; i++, v *= 10) {
        uint64_t around[] = {v - 1, v, v + 1, i == 19 ? UINT64_MAX : v * 10 - 1};
        for (size_t j = 0; j < 4; j++) {
            char d[20], want[24];
            int nd = sm_u64_digits(around[j], d);
            int wn = snprintf(want, sizeof want, "%llu", (unsigned long long)around[j]);
            CU_ASSERT_EQUAL(nd, wn);
            CU_ASSERT_EQUAL(memcmp(d, want, (size_t)wn), 0);
        }
    }
    /* and values of every length in between */
    uint64_t x = 88172645463325252ull;
    unsigned wrong = 0;
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        uint64_t val = x >> (i % 64);
        char d[20], want[24];
        int nd = sm_u64_digits(val, d);
        int wn = snprintf(want, sizeof want, "%llu", (unsigned long long)val);
        wrong += nd != wn || memcmp(d, want, (size_t)wn) != 0;
    }
    CU_ASSERT_EQUAL(wrong, 0);
    /* and sm_decimal_text with a sign and no digit count out of range */
    char d[20], out[SM_DECIMAL_MAX];
    int nd = sm_u64_digits(1205, d);
    size_t k = sm_decimal_text(true, d, nd, -2, out);
    CU_ASSERT_EQUAL(k, 6);
    CU_ASSERT_EQUAL(memcmp(out, "-12.05", 6), 0);
    CU_ASSERT_EQUAL(sm_decimal_text(false, d, 0, 0, out), 0);
    CU_ASSERT_EQUAL(sm_decimal_text(false, d, nd, 128, out), 0);
}

static const test_case cases[] = {
    {"exact decimals of scaled values", test_format_value},
    {"scaled values as strtod reads them", test_scale},
    {"the digits of every length, as printf writes them", test_digits},
    {NULL, NULL}};
const test_suite suite_decimal = {"decimals", cases};
