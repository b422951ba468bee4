/* smd_out.h - smdecode's output buffer: text is appended to a large buffer
 * that is written to a file descriptor when it fills, so rendering costs a
 * few memory copies per telegram and one write(2) per 256 KB.  Also the
 * small formatting primitives every output format shares (hex, integers,
 * exact decimals, JSON and XML escaping).  A write error is remembered and
 * later output is dropped; smd_out_close() reports it.  Keys never pass
 * through here. */
#ifndef SMD_OUT_H
#define SMD_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define SMD_OUT_CAP (256 * 1024)

typedef struct {
    int fd;
    size_t len;
    int err;         /* errno of the first failed write, 0 when none */
    char buf[SMD_OUT_CAP];
} smd_out;

void smd_out_init(smd_out *o, int fd);
void smd_out_flush(smd_out *o);
/* Flushes; returns 0 or the errno of the first failed write. */
int smd_out_close(smd_out *o);

/* Make room for n more bytes (n <= SMD_OUT_CAP / 2). */
static inline char *smd_out_reserve(smd_out *o, size_t n)
{
    if (o->len + n > SMD_OUT_CAP)
        smd_out_flush(o);
    return o->buf + o->len;
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
