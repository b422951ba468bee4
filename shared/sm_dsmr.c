/* sm_dsmr.c - DSMR P1 text telegrams to readings. */
#include "sm_dsmr.h"

#include <string.h>

#include "sm_crc.h"
#include "sm_hex.h"

bool sm_dsmr_detect(const uint8_t *buf, size_t len)
{
    return len >= 5 && buf[0] == '/' && sm_bytes_printable(buf + 1, 4);
}


/* A-B:C.D.E at p; returns the length consumed or 0. */
static size_t parse_obis(const uint8_t *p, const uint8_t *end, sm_obis *o)
{
    unsigned v[5] = {0};
    static const char seps[] = "-:..(";
    const uint8_t *q = p;
    for (int k = 0; k < 5; k++) {
        if (q >= end || *q < '0' || *q > '9')
            return 0;
        unsigned x = 0;
        while (q < end && *q >= '0' && *q <= '9') {
            x = x * 10 + (unsigned)(*q - '0');
            if (x > 255)
                return 0;
            q++;
        }
        v[k] = x;
        if (q >= end || *q != (uint8_t)seps[k])
            return 0;
        if (k < 4)
            q++;
    }
    *o = (sm_obis){(uint8_t)v[0], (uint8_t)v[1], (uint8_t)v[2], (uint8_t)v[3], (uint8_t)v[4],
                   255};
    return (size_t)(q - p);
}

/* YYMMDDhhmmssX */
static bool parse_timestamp(const uint8_t *p, size_t n, sm_datetime *dt)
{
    if (n != 13 || (p[12] != 'W' && p[12] != 'S'))
        return false;
    unsigned f[6];
    for (int k = 0; k < 6; k++) {
        if (p[2 * k] < '0' || p[2 * k] > '9' || p[2 * k + 1] < '0' || p[2 * k + 1] > '9')
            return false;
        f[k] = (unsigned)((p[2 * k] - '0') * 10 + (p[2 * k + 1] - '0'));
    }
    bool summer = p[12] == 'S';
    uint8_t b[12] = {(uint8_t)((2000 + f[0]) >> 8), (uint8_t)(2000 + f[0]), (uint8_t)f[1],
                     (uint8_t)f[2], 0xFF, (uint8_t)f[3], (uint8_t)f[4], (uint8_t)f[5], 0,
                     0xFF, (uint8_t)(summer ? 0x88 : 0xC4), (uint8_t)(summer ? 0x80 : 0x00)};
    return sm_datetime_parse(b, dt) == SM_OK;
}

/* number[*unit] -> raw integer, scaler, unit */
static bool parse_number(const uint8_t *p, size_t n, sm_reading *r)
{
    size_t i = 0;
    bool neg = false;
    if (i < n && p[i] == '-') {
        neg = true;
        i++;
    }
    int64_t raw = 0;
    int digits = 0, decimals = 0;
    bool dot = false;
    for (; i < n && p[i] != '*'; i++) {
        if (p[i] == '.' && !dot) {
            dot = true;
            continue;
        }
        if (p[i] < '0' || p[i] > '9' || digits >= 18)
            return false;
        raw = raw * 10 + (p[i] - '0');
        digits++;
        if (dot)
            decimals++;
    }
    if (digits == 0)
        return false;
    int scaler = -decimals;
    uint8_t unit = 0;
    if (i < n) { /* '*' unit */
        const uint8_t *u = p + i + 1;
        size_t ul = n - i - 1;
        if (ul > 1 && u[0] == 'k' && (unit = sm_unit_from_symbol((const char *)u + 1, ul - 1)))
            scaler += 3;
        else if (!(unit = sm_unit_from_symbol((const char *)u, ul)))
            unit = SM_UNIT_OTHER;
    }
    r->kind = SM_RK_NUMBER;
    r->type = SM_DT_INT64;
    r->is_signed = true;
    r->raw_i = neg ? -raw : raw;
    r->scaler = (int8_t)scaler;
    r->unit = unit;
    r->scaler_source = SM_SCALER_WIRE;
    r->value = sm_scale((double)r->raw_i, scaler);
    return true;
}

sm_err sm_dsmr_parse(const uint8_t *buf, size_t len, sm_dsmr_info *info, sm_reading_set *out,
                     size_t *err_off)
{
    memset(info, 0, sizeof *info);
    out->n = 0;
    out->layout = "dsmr-p1";
    const uint8_t *end = buf + len;
    const uint8_t *bang = memchr(buf, '!', len);
    size_t off = 0;
    if (!sm_dsmr_detect(buf, len) || !bang)
        goto format;
    /* checksum */
    const uint8_t *q = bang + 1;
    int h[4];
    if (end - q >= 4 && (h[0] = sm_hex_digit(q[0])) >= 0 && (h[1] = sm_hex_digit(q[1])) >= 0 &&
        (h[2] = sm_hex_digit(q[2])) >= 0 && (h[3] = sm_hex_digit(q[3])) >= 0) {
        info->has_crc = true;
        info->crc = (uint16_t)(h[0] << 12 | h[1] << 8 | h[2] << 4 | h[3]);
        if (sm_crc16_arc(buf, (size_t)(bang - buf) + 1) != info->crc) {
            if (err_off)
                *err_off = (size_t)(bang - buf) + 1;
            return SM_ERR_DSMR_CRC;
        }
        q += 4;
    }
    while (q < end && (*q == '\r' || *q == '\n'))
        q++;
    if (q != end) {
        off = (size_t)(q - buf);
        goto format;
    }
    /* identification line */
    const uint8_t *p = buf + 1;
    const uint8_t *eol = memchr(p, '\n', (size_t)(bang - p));
    if (!eol)
        goto format;
    info->ident = p;
    info->ident_len = (size_t)(eol - p);
    if (info->ident_len && p[info->ident_len - 1] == '\r')
        info->ident_len--;
    for (p = eol + 1; p < bang; p = eol + 1) {
        eol = memchr(p, '\n', (size_t)(bang - p));
        if (!eol)
            eol = bang;
        const uint8_t *le = eol;
        if (le > p && le[-1] == '\r')
            le--;
        if (le == p)
            continue;
        sm_obis o;
        size_t ol = parse_obis(p, le, &o);
        if (!ol) {
            off = (size_t)(p - buf);
            goto format;
        }
        /* the last (...) group holds the value */
        const uint8_t *g = p + ol, *vstart = NULL, *vend = NULL;
        while (g < le && *g == '(') {
            const uint8_t *close = memchr(g, ')', (size_t)(le - g));
            if (!close) {
                off = (size_t)(g - buf);
                goto format;
            }
            vstart = g + 1;
            vend = close;
            g = close + 1;
        }
        if (!vstart || g != le) {
            off = (size_t)(g - buf);
            goto format;
        }
        if (out->n >= out->cap) {
            if (err_off)
                *err_off = (size_t)(p - buf);
            return SM_ERR_TOO_MANY_READINGS;
        }
        sm_reading *r = &out->readings[out->n];
        memset(r, 0, sizeof *r);
        r->index = (uint16_t)out->n++;
        r->node = r->obis_node = SM_NO_NODE;
        r->obis = o;
        r->obis_source = SM_OBIS_WIRE;
        r->info = sm_obis_lookup(&o);
        r->bytes = vstart;
        r->len = (size_t)(vend - vstart);
        bool identifier = sm_obis_is_text(&o); /* ids stay text */
        if (parse_timestamp(vstart, r->len, &r->dt)) {
            r->kind = SM_RK_DATETIME;
            r->type = SM_DT_OCTET_STRING;
        } else if (identifier || !parse_number(vstart, r->len, r)) {
            r->kind = SM_RK_STRING;
            r->type = SM_DT_VISIBLE_STRING;
        }
    }
    return SM_OK;
format:
    if (err_off)
        *err_off = off;
    return SM_ERR_DSMR_FORMAT;
}
