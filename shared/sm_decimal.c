/* sm_decimal.c - see sm_decimal.h. */
#include "sm_decimal.h"

#include <string.h>

const char sm_digit_pairs[201] = "00010203040506070809101112131415161718192021222324252627282930"
                                 "31323334353637383940414243444546474849505152535455565758596061"
                                 "62636465666768697071727374757677787980818283848586878889909192"
                                 "93949596979899";

int sm_u64_digits(uint64_t v, char d[20])
{
    int n = sm_u64_ndigits(v);
    /* from the last digit, two per division */
    int k = n;
    while (v >= 100) {
        unsigned r = (unsigned)(v % 100);
        v /= 100;
        d[--k] = sm_digit_pairs[2 * r + 1];
        d[--k] = sm_digit_pairs[2 * r];
    }
    if (v >= 10) {
        d[--k] = sm_digit_pairs[2 * v + 1];
        d[--k] = sm_digit_pairs[2 * v];
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

