/* smd_out.c - see smd_out.h. */
#include "smd_out.h"

#include "sm_readings.h"
#include "sm_hex.h"

#include <string.h>


void smd_out_init(smd_out *o, smd_sink sink, void *ctx)
{
    o->sink = sink;
    o->ctx = ctx;
    o->len = 0;
    o->err = 0;
    o->flushed = 0;
}

void smd_out_flush(smd_out *o)
{
    if (o->sink && o->len && !o->err)
        o->err = o->sink(o->ctx, o->buf, o->len);
    o->flushed += o->len;
    o->len = 0;
}

int smd_out_close(smd_out *o)
{
    smd_out_flush(o);
    return o->err;
}

void smd_out_mem_slow(smd_out *o, const void *p, size_t n)
{
    const char *s = p;
    while (n > 0) {
        if (o->len == SMD_OUT_CAP)
            smd_out_flush(o);
        size_t room = SMD_OUT_CAP - o->len;
        size_t k = n < room ? n : room;
        memcpy(o->buf + o->len, s, k);
        o->len += k;
        s += k;
        n -= k;
    }
}

void smd_out_u64(smd_out *o, uint64_t v)
{
    char d[20];
    smd_out_mem(o, d, (size_t)sm_u64_digits(v, d));
}

void smd_out_i64(smd_out *o, int64_t v)
{
    if (v < 0) {
        smd_out_ch(o, '-');
        smd_out_u64(o, (uint64_t)0 - (uint64_t)v);
    } else {
        smd_out_u64(o, (uint64_t)v);
    }
}

void smd_out_hex(smd_out *o, const uint8_t *p, size_t n, char sep)
{
    /* in chunks so that a long plaintext never needs more than the reserve */
    bool first = true;
    while (n > 0) {
        size_t k = n < 4096 ? n : 4096;
        char *q = smd_out_reserve(o, k * 3);
        if (!sep) {
            sm_hex_encode(p, k, q);
            q += 2 * k;
        } else {
            for (size_t i = 0; i < k; i++) {
                if (!first)
                    *q++ = sep;
                first = false;
                sm_hex_encode(p + i, 1, q);
                q += 2;
            }
        }
        o->len = (size_t)(q - o->buf);
        p += k;
        n -= k;
    }
}

void smd_out_hexnum(smd_out *o, uint64_t v, unsigned digits)
{
    char *q = smd_out_reserve(o, digits);
    for (unsigned i = 0; i < digits; i++)
        q[i] = sm_hex_char((unsigned)(v >> (4 * (digits - 1 - i))));
    o->len += digits;
}

/* bytes a JSON string can hold as they are: printable ASCII but " and \ */
#define JP(c) ((c) >= 0x20 && (c) <= 0x7E && (c) != '"' && (c) != '\\')
#define J4(n) JP(n), JP((n) + 1), JP((n) + 2), JP((n) + 3)
#define J16(n) J4(n), J4((n) + 4), J4((n) + 8), J4((n) + 12)
#define J64(n) J16(n), J16((n) + 16), J16((n) + 32), J16((n) + 48)
static const bool json_plain[256] = {J64(0), J64(64), J64(128), J64(192)};

void smd_out_json_str(smd_out *o, const uint8_t *p, size_t n)
{
    smd_out_ch(o, '"');
    size_t i = 0;
    while (i < n) {
        /* a run of characters that need no escape: one copy */
        size_t j = i;
        while (j < n && json_plain[p[j]])
            j++;
        smd_out_mem(o, p + i, j - i);
        if (j == n)
            break;
        uint8_t c = p[j];
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            smd_out_mem(o, e, 2);
        } else {
            /* control characters and bytes that are not ASCII: \u00XX */
            char e[6] = {'\\', 'u', '0', '0', sm_hex_char(c >> 4), sm_hex_char(c)};
            smd_out_mem(o, e, 6);
        }
        i = j + 1;
    }
    smd_out_ch(o, '"');
}

void smd_out_xml_text(smd_out *o, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (p[i]) {
        case '&': smd_out_str(o, "&amp;"); break;
        case '<': smd_out_str(o, "&lt;"); break;
        case '>': smd_out_str(o, "&gt;"); break;
        case '"': smd_out_str(o, "&quot;"); break;
        default: smd_out_ch(o, (char)p[i]); break;
        }
    }
}

void smd_out_csv_field(smd_out *o, const char *s, size_t n)
{
    bool quote = false;
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (!quote) {
        smd_out_mem(o, s, n);
        return;
    }
    smd_out_ch(o, '"');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            smd_out_ch(o, '"');
        smd_out_ch(o, s[i]);
    }
    smd_out_ch(o, '"');
}
