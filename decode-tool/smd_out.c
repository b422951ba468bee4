/* smd_out.c - see smd_out.h. */
#include "smd_out.h"

#include "sm_readings.h"

#include <string.h>

static const char HEX[] = "0123456789ABCDEF";

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
            for (size_t i = 0; i < k; i++) {
                q[2 * i] = HEX[p[i] >> 4];
                q[2 * i + 1] = HEX[p[i] & 15];
            }
            q += 2 * k;
        } else {
            for (size_t i = 0; i < k; i++) {
                if (!first)
                    *q++ = sep;
                first = false;
                *q++ = HEX[p[i] >> 4];
                *q++ = HEX[p[i] & 15];
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
        q[i] = HEX[(v >> (4 * (digits - 1 - i))) & 15];
    o->len += digits;
}

/* bytes a JSON string can hold as they are: printable ASCII but " and \ */
static bool json_plain(uint8_t c)
{
    static const uint64_t plain[4] = {
        0xFFFFFFFF00000000ull & ~(1ull << '"'),         /* 0x20-0x3F */
        0x7FFFFFFFFFFFFFFFull & ~(1ull << ('\\' - 64)), /* 0x40-0x7E */
        0, 0};
    return plain[c >> 6] >> (c & 63) & 1;
}

void smd_out_json_str(smd_out *o, const uint8_t *p, size_t n)
{
    smd_out_ch(o, '"');
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (json_plain(c)) {
            /* a run of characters that need no escape: one copy */
            size_t j = i + 1;
            while (j < n && json_plain(p[j]))
                j++;
            smd_out_mem(o, p + i, j - i);
            i = j - 1;
        } else if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            smd_out_mem(o, e, 2);
        } else {
            /* control characters and bytes that are not ASCII: \u00XX */
            char e[6] = {'\\', 'u', '0', '0', HEX[c >> 4], HEX[c & 15]};
            smd_out_mem(o, e, 6);
        }
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
