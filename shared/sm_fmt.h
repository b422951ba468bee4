/* sm_fmt.h - small text builders for the core's formatting functions
 * (OBIS codes, ISO 8601 times), without printf: these run for every reading
 * of every telegram.  A builder writes into a local buffer; sm_fmt_done()
 * copies it out with snprintf semantics (returns the full length, always
 * NUL-terminates when cap > 0).  Internal to the core. */
#ifndef SM_FMT_H
#define SM_FMT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sm_decimal.h"

typedef struct {
    char buf[64];
    size_t n;
} sm_fmt;

static inline void sm_fmt_ch(sm_fmt *f, char c)
{
    if (f->n < sizeof f->buf)
        f->buf[f->n++] = c;
}

/* an unsigned number, at least `width` digits (zero-padded) */
static inline void sm_fmt_uint(sm_fmt *f, uint64_t v, int width)
{
    if (v < 1000 && width <= 3 && f->n + 3 <= sizeof f->buf) {
        /* the usual: dates, times, OBIS value groups */
        if (v >= 100 || width == 3)
            f->buf[f->n++] = (char)('0' + v / 100);
        if (v >= 10 || width >= 2)
            f->buf[f->n++] = (char)('0' + v / 10 % 10);
        f->buf[f->n++] = (char)('0' + v % 10);
        return;
    }
    char d[20];
    int n = sm_u64_digits(v, d);
    for (int k = n; k < width; k++)
        sm_fmt_ch(f, '0');
    for (int k = 0; k < n; k++)
        sm_fmt_ch(f, d[k]);
}

static inline int sm_fmt_done(const sm_fmt *f, char *out, size_t cap)
{
    if (cap > 0) {
        size_t k = f->n < cap - 1 ? f->n : cap - 1;
        memcpy(out, f->buf, k);
        out[k] = '\0';
    }
    return (int)f->n;
}

#endif
