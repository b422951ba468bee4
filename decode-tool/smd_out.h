/* smd_out.h - smdecode's output buffer: text is appended to a large buffer
 * that is handed to a sink when it fills (and at each flush), so rendering
 * costs a few memory copies per telegram and one write(2) per 256 KB.  The
 * sink is the caller's: smdecode.c writes to a file descriptor, tests and
 * fuzzers keep the text in memory; nothing here knows about files.  Also
 * the small formatting primitives every output format shares (hex,
 * integers, JSON, XML and CSV escaping).  A sink's error is remembered and
 * later output is dropped; smd_out_close() reports it.  Keys never pass
 * through here.  Not thread-safe: one smd_out per thread. */
#ifndef SMD_OUT_H
#define SMD_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define SMD_OUT_CAP (256 * 1024)

/* Takes n bytes of text (all of them); returns 0, or an errno that ends
 * the output. */
typedef int (*smd_sink)(void *ctx, const char *p, size_t n);

typedef struct {
    smd_sink sink;   /* NULL: the text is dropped at each flush */
    void *ctx;
    size_t len;
    int err;         /* the sink's first error, 0 when none */
    uint64_t flushed;/* bytes handed on (or dropped) so far */
    char buf[SMD_OUT_CAP];
} smd_out;

void smd_out_init(smd_out *o, smd_sink sink, void *ctx);
/* Hand what is buffered to the sink. */
void smd_out_flush(smd_out *o);
/* Flushes; returns 0 or the sink's first error. */
int smd_out_close(smd_out *o);
/* The text not flushed yet, and dropping it (tests and fuzzers read the
 * text of a telegram here, with a sink of NULL). */
static inline const char *smd_out_text(const smd_out *o, size_t *len)
{
    *len = o->len;
    return o->buf;
}
static inline void smd_out_discard(smd_out *o)
{
    o->flushed += o->len;
    o->len = 0;
}

/* Where the output stands: bytes written so far. */
static inline uint64_t smd_out_pos(const smd_out *o) { return o->flushed + o->len; }
/* What was written since pos, while it is still buffered (a renderer that
 * caches text it wrote once); NULL when it has been flushed meanwhile. */
static inline const char *smd_out_since(const smd_out *o, uint64_t pos, size_t *n)
{
    if (pos < o->flushed)
        return NULL;
    *n = (size_t)(smd_out_pos(o) - pos);
    return o->buf + (pos - o->flushed);
}

/* Make room for n more bytes (n <= SMD_OUT_CAP / 2). */
static inline char *smd_out_reserve(smd_out *o, size_t n)
{
    if (o->len + n > SMD_OUT_CAP)
        smd_out_flush(o);
    return o->buf + o->len;
}

/* n copies of c (indentation). */
static inline void smd_out_fill(smd_out *o, char c, size_t n)
{
    char *p = smd_out_reserve(o, n);
    memset(p, c, n);
    o->len += n;
}

void smd_out_mem_slow(smd_out *o, const void *p, size_t n);

static inline void smd_out_mem(smd_out *o, const void *p, size_t n)
{
    if (o->len + n <= SMD_OUT_CAP) {
        /* most pieces are short: copy them with fixed-size moves (two
         * overlapping ones) instead of a call to memcpy */
        char *d = o->buf + o->len;
        const char *s = p;
        if (n >= 8 && n <= 16) {
            memcpy(d, s, 8);
            memcpy(d + n - 8, s + n - 8, 8);
        } else if (n >= 4 && n < 8) {
            memcpy(d, s, 4);
            memcpy(d + n - 4, s + n - 4, 4);
        } else if (n < 4) {
            for (size_t i = 0; i < n; i++)
                d[i] = s[i];
        } else {
            memcpy(d, s, n);
        }
        o->len += n;
    } else {
        smd_out_mem_slow(o, p, n);
    }
}

static inline void smd_out_str(smd_out *o, const char *s)
{
    smd_out_mem(o, s, strlen(s));
}

static inline void smd_out_ch(smd_out *o, char c)
{
    if (o->len == SMD_OUT_CAP)
        smd_out_flush(o);
    o->buf[o->len++] = c;
}
void smd_out_u64(smd_out *o, uint64_t v);
void smd_out_i64(smd_out *o, int64_t v);
/* Upper-case hex of bytes, with sep between bytes when sep != 0. */
void smd_out_hex(smd_out *o, const uint8_t *p, size_t n, char sep);
/* Upper-case hex of the low `digits` nibbles of v (Gurux value style). */
void smd_out_hexnum(smd_out *o, uint64_t v, unsigned digits);
/* A JSON string literal (with the quotes): printable ASCII as is, every
 * other byte escaped, so the output is valid JSON whatever the bytes. */
void smd_out_json_str(smd_out *o, const uint8_t *p, size_t n);

/* Text for an XML attribute value or element content (& < > " escaped);
 * only printable ASCII may be passed. */
void smd_out_xml_text(smd_out *o, const uint8_t *p, size_t n);
/* A CSV field (RFC 4180): quoted when it holds a comma, quote or line break. */
void smd_out_csv_field(smd_out *o, const char *s, size_t n);

#endif
