/* sm_decimal.c - see sm_decimal.h. */
#include "sm_decimal.h"

#include <string.h>

double sm_scale(double raw, int scaler)
{
    /* the powers of ten a double holds exactly: one rounding for every
     * scaler meters use; larger ones (DLMS allows -128..127) in steps.  No
     * pow(): the plugin does not need libm loaded into collectd for this */
    static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    for (; scaler > 22; scaler -= 22)
        raw *= 1e22;
    for (; scaler < -22; scaler += 22)
        raw /= 1e22;
    return scaler >= 0 ? raw * p10[scaler] : raw / p10[-scaler];
}

#if (defined(__GNUC__) || defined(__clang__)) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define DIGITS_BY_WORD 1
/* The eight decimal digits of v < 10^8 (leading zeros included) as ASCII,
 * the first in the lowest byte: halves, quarters and digits split side by
 * side in one word (every step's lanes stay within their bits). */
static inline uint64_t digits8(uint32_t v)
{
    uint64_t x = (uint64_t)(v / 10000) | (uint64_t)(v % 10000) << 32; /* 4 + 4 */
    uint64_t q = ((x * 5243) >> 19) & 0x0000007F0000007Full;           /* / 100 */
    x = q | (x - q * 100) << 16;                                        /* 2 x 4 */
    uint64_t t = ((x * 103) >> 10) & 0x000F000F000F000Full;             /* / 10 */
    x = t | (x - t * 10) << 8;                                          /* 8 x 1 */
    return x + 0x3030303030303030ull;
}
#endif

int sm_u64_digits(uint64_t v, char d[20])
{
    static const uint64_t p10[20] = {1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull,
                                     1000000ull, 10000000ull, 100000000ull, 1000000000ull,
                                     10000000000ull, 100000000000ull, 1000000000000ull,
                                     10000000000000ull, 100000000000000ull,
                                     1000000000000000ull, 10000000000000000ull,
                                     100000000000000000ull, 1000000000000000000ull,
                                     10000000000000000000ull};
    /* count the digits (from the bit length, log10(2) being about
     * 1233/4096, and one comparison) */
    int t = (64 - __builtin_clzll(v | 1)) * 1233 >> 12;
    int n = t + 1 - ((v | 1) < p10[t]);
#ifdef DIGITS_BY_WORD
    /* up to sixteen: written as one or two words (byte stores read back as
     * a word would stall the reader) */
    if (n <= 8) {
        uint64_t w = digits8((uint32_t)v) >> (8 * (8 - n));
        memcpy(d, &w, 8);
        return n;
    }
    if (n <= 16) {
        uint64_t hi = digits8((uint32_t)(v / 100000000u)) >> (8 * (16 - n));
        uint64_t lo = digits8((uint32_t)(v % 100000000u));
        memcpy(d, &hi, 8);
        memcpy(d + n - 8, &lo, 8);
        return n;
    }
#endif
    static const char pairs[] = "00010203040506070809101112131415161718192021222324252627282930"
                                "31323334353637383940414243444546474849505152535455565758596061"
                                "62636465666768697071727374757677787980818283848586878889909192"
                                "93949596979899";
    /* from the last digit, two per division */
    int k = n;
    while (v >= 100) {
        unsigned r = (unsigned)(v % 100);
        v /= 100;
        d[--k] = pairs[2 * r + 1];
        d[--k] = pairs[2 * r];
    }
    if (v >= 10) {
        d[--k] = pairs[2 * v + 1];
        d[--k] = pairs[2 * v];
    } else {
        d[--k] = (char)('0' + v);
    }
    return n;
}

size_t sm_decimal_text(bool neg, const char *d, int nd, int sc, char out[SM_DECIMAL_MAX])
{
    size_t at = 0;
    if (nd < 1 || nd > 20 || sc < -128 || sc > 127) /* cannot happen; tells the compiler */
        return 0;
    bool zero = nd == 1 && d[0] == '0';
    if (neg && !zero)
        out[at++] = '-';
    if (zero || sc == 0) {
        memcpy(out + at, d, (size_t)nd);
        at += (size_t)nd;
    } else if (sc > 0) {
        memcpy(out + at, d, (size_t)nd);
        at += (size_t)nd;
        memset(out + at, '0', (size_t)sc);
        at += (size_t)sc;
    } else {
        int frac = -sc;
        /* drop trailing zeros of the fraction: 2300 * 10^-2 is "23" */
        int last = nd;
        while (frac > 0 && last > 0 && d[last - 1] == '0') {
            last--;
            frac--;
        }
        int intd = last - frac;
        if (intd <= 0) {
            out[at++] = '0';
            if (frac > 0)
                out[at++] = '.';
            memset(out + at, '0', (size_t)-intd);
            at += (size_t)-intd;
            memcpy(out + at, d, (size_t)last);
            at += (size_t)last;
        } else {
            memcpy(out + at, d, (size_t)intd);
            at += (size_t)intd;
            if (last > intd) {
                out[at++] = '.';
                memcpy(out + at, d + intd, (size_t)(last - intd));
                at += (size_t)(last - intd);
            }
        }
    }
    return at;
}

