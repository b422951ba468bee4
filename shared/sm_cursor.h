/* sm_cursor.h - the one bounds idiom of the core: a cursor (p, end).
 *
 * Every length read from the wire is checked against what remains BEFORE it
 * is used (sm_cur_axdr_len does it, and every fixed-size read).  A
 * sub-structure with a length of its own is parsed through a narrowed
 * cursor (sm_cur_sub), so nothing in it can read beyond it, and the parser
 * then checks that it was consumed exactly (sm_cur_left of the parent or
 * of the sub-cursor is 0 where the production ends).  base is kept so that
 * failures report their byte offset (sm_cur_off).  Errors: SM_ERR_TRUNCATED
 * when the input ends inside a fixed-size field, SM_ERR_AXDR_LENGTH when a
 * length goes beyond what remains, SM_ERR_AXDR_LENFORM for a malformed
 * length field.  Header-only, no state beyond the struct; thread-safe as
 * long as a cursor is not shared.
 */
#ifndef SM_CURSOR_H
#define SM_CURSOR_H

#include <stddef.h>
#include <stdint.h>

#include "sm_error.h"

typedef struct {
    const uint8_t *base; /* start of the buffer, for offsets */
    const uint8_t *p;    /* next byte */
    const uint8_t *end;  /* one past the last byte */
} sm_cur;

static inline sm_cur sm_cur_make(const uint8_t *buf, size_t len)
{
    sm_cur c = {buf, buf, buf + len};
    return c;
}

/* A cursor over n bytes from p (any pointer type), as an address: for a
 * call that reads them whole, sm_x(SM_CUR_OVER(buf, n), ...). */
#define SM_CUR_OVER(p, n) (&(sm_cur){(const uint8_t *)(p), (const uint8_t *)(p), (const uint8_t *)(p) + (n)})

static inline size_t sm_cur_left(const sm_cur *c) { return (size_t)(c->end - c->p); }
static inline size_t sm_cur_off(const sm_cur *c) { return (size_t)(c->p - c->base); }

static inline sm_err sm_cur_u8(sm_cur *c, uint8_t *v)
{
    if (sm_cur_left(c) < 1)
        return SM_ERR_TRUNCATED;
    *v = *c->p++;
    return SM_OK;
}

static inline sm_err sm_cur_be(sm_cur *c, unsigned nbytes, uint64_t *v)
{
    if (sm_cur_left(c) < nbytes)
        return SM_ERR_TRUNCATED;
    uint64_t x = 0;
    for (unsigned i = 0; i < nbytes; i++)
        x = (x << 8) | c->p[i];
    c->p += nbytes;
    *v = x;
    return SM_OK;
}

/* Take n bytes as a slice of the buffer. */
static inline sm_err sm_cur_take(sm_cur *c, size_t n, const uint8_t **out)
{
    if (sm_cur_left(c) < n)
        return SM_ERR_TRUNCATED;
    *out = c->p;
    c->p += n;
    return SM_OK;
}

/* The A-XDR length form (IEC 62056-5-3, X.690-style definite length): one
 * byte below 0x80, or 0x80|n followed by n (1..4) big-endian bytes.  Not
 * checked against what remains: for element counts (containers) and bit
 * counts, whose callers check them.  SM_ERR_TRUNCATED when the length field
 * itself is cut short, SM_ERR_AXDR_LENFORM for 0x80 and 0x85..0xFF. */
static inline sm_err sm_cur_axdr_count(sm_cur *c, size_t *n)
{
    uint8_t b;
    sm_err e = sm_cur_u8(c, &b);
    if (e)
        return e;
    if (b < 0x80) {
        *n = b;
        return SM_OK;
    }
    unsigned k = b & 0x7F;
    if (k == 0 || k > 4) {
        c->p--;
        return SM_ERR_AXDR_LENFORM;
    }
    uint64_t v;
    if ((e = sm_cur_be(c, k, &v)))
        return e;
    *n = (size_t)v;
    return SM_OK;
}

/* An A-XDR length of bytes that follow: read as sm_cur_axdr_count() does,
 * then checked against what remains.  SM_ERR_AXDR_LENGTH when it goes
 * beyond (the cursor is left on the length field, so that the error offset
 * names it). */
static inline sm_err sm_cur_axdr_len(sm_cur *c, size_t *len)
{
    const uint8_t *at = c->p;
    sm_err e = sm_cur_axdr_count(c, len);
    if (e)
        return e;
    if (*len > sm_cur_left(c)) {
        c->p = at;
        return SM_ERR_AXDR_LENGTH;
    }
    return SM_OK;
}

/* Narrow: a sub-cursor over the next n bytes (they must be there:
 * SM_ERR_AXDR_LENGTH otherwise), advancing the parent past them.  Offsets
 * of the sub-cursor are still counted from the parent's base. */
static inline sm_err sm_cur_sub(sm_cur *c, size_t n, sm_cur *sub)
{
    if (sm_cur_left(c) < n)
        return SM_ERR_AXDR_LENGTH;
    sub->base = c->base;
    sub->p = c->p;
    sub->end = c->p + n;
    c->p += n;
    return SM_OK;
}

#endif
