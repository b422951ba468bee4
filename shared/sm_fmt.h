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
    if (v < 100 && width == 2 && f->n + 2 <= sizeof f->buf) { /* the usual date field */
        f->buf[f->n++] = (char)('0' + v / 10);
        f->buf[f->n++] = (char)('0' + v % 10);
        return;
    }
    char tmp[20];
    int k = 0;
    do {
        tmp[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (k < width && k < 20)
        tmp[k++] = '0';
    while (k)
        sm_fmt_ch(f, tmp[--k]);
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
