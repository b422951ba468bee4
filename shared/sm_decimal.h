/* sm_decimal.h - numbers as decimal text, exactly, and powers of ten: the
 * one decimal writer of the project (readings, OBIS codes, times, the
 * output formats).  Pure functions, thread-safe. */
#ifndef SM_DECIMAL_H
#define SM_DECIMAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* "00" "01" .. "99": the two digits of 0..99 at 2 * n. */
extern const char sm_digit_pairs[201];

/* The decimal digits of v, most significant first (no NUL); returns how
 * many (1..20).  The bytes of d after them may be written too. */
int sm_u64_digits(uint64_t v, char d[20]);

/* How many decimal digits v has (1..20): from its bit length, log10(2)
 * being about 1233/4096, and one comparison. */
static inline int sm_u64_ndigits(uint64_t v)
{
    static const uint64_t p10[20] = {1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull,
                                     1000000ull, 10000000ull, 100000000ull, 1000000000ull,
                                     10000000000ull, 100000000000ull, 1000000000000ull,
                                     10000000000000ull, 100000000000000ull,
                                     1000000000000000ull, 10000000000000000ull,
                                     100000000000000000ull, 1000000000000000000ull,
                                     10000000000000000000ull};
    int t = (64 - __builtin_clzll(v | 1)) * 1233 >> 12;
    return t + 1 - ((v | 1) < p10[t]);
}

/* The exact decimal of (neg ? -1 : 1) * digits * 10^scaler, as
 * sm_reading_format_value writes integers: d holds nd (1..20) digits as
 * sm_u64_digits gives them, scaler is -128..127.  Writes no NUL; returns
 * the length (at most SM_DECIMAL_MAX), 0 for arguments out of range. */
#define SM_DECIMAL_MAX (1 + 20 + 2 + 130)
size_t sm_decimal_text(bool neg, const char *d, int nd, int scaler, char out[SM_DECIMAL_MAX]);

/* 10^scaler * raw, for the scalers DLMS allows (-128..127): the powers of
 * ten a double holds exactly give one rounding for every scaler meters
 * use; larger ones in steps.  No pow(): the plugin does not need libm
 * loaded into collectd for this.  Inline: it runs for every number. */
static inline double sm_scale(double raw, int scaler)
{
    static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    for (; scaler > 22; scaler -= 22)
        raw *= 1e22;
    for (; scaler < -22; scaler += 22)
        raw /= 1e22;
    return scaler >= 0 ? raw * p10[scaler] : raw / p10[-scaler];
}

#endif
